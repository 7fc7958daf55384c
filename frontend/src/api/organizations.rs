//! `/organizations` and `/contacts`: the address book (アドレス帳).

use gloo_net::http::Method;
use shared::dto::{ContactRequest, ContactView, OrganizationRequest, OrganizationView, Page};
use shared::problem::Problem;
use uuid::Uuid;

use super::{encode, get, send};

/// `GET /organizations`.
pub async fn list(
    page: u32,
    per_page: u32,
    q: &str,
    include_archived: bool,
) -> Result<Page<OrganizationView>, Problem> {
    let mut path = format!("/organizations?page={page}&per_page={per_page}");
    if !q.trim().is_empty() {
        path.push_str(&format!("&q={}", encode(q.trim())));
    }
    if include_archived {
        path.push_str("&include_archived=true");
    }
    get(&path).await
}

/// `GET /organizations/{id}`.
pub async fn get_one(id: Uuid) -> Result<OrganizationView, Problem> {
    get(&format!("/organizations/{id}")).await
}

/// `POST /organizations`.
pub async fn create(req: &OrganizationRequest) -> Result<OrganizationView, Problem> {
    send(Method::POST, "/organizations", req).await
}

/// `PUT /organizations/{id}`.
pub async fn update(id: Uuid, req: &OrganizationRequest) -> Result<OrganizationView, Problem> {
    send(Method::PUT, &format!("/organizations/{id}"), req).await
}

/// `POST /organizations/{id}/contacts`.
pub async fn add_contact(org: Uuid, req: &ContactRequest) -> Result<ContactView, Problem> {
    send(Method::POST, &format!("/organizations/{org}/contacts"), req).await
}

/// `PUT /contacts/{id}`.
pub async fn update_contact(id: Uuid, req: &ContactRequest) -> Result<ContactView, Problem> {
    send(Method::PUT, &format!("/contacts/{id}"), req).await
}
