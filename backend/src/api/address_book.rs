//! The address book: organisations (取引先) and their contacts.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use shared::dto::{ContactRequest, ContactView, OrganizationRequest, OrganizationView, Page};
use shared::problem::Problem;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::api::error::ApiResult;
use crate::api::extract::Authenticated;
use crate::startup::AppState;
use crate::workflow::{PageRequest, address_book};

/// Query of the organisation list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListOrganizationsQuery {
    /// 1-based page (default 1).
    #[serde(default, deserialize_with = "shared::dto::paging::page")]
    #[param(minimum = 1, maximum = 1_000_000)]
    page: Option<u32>,
    /// Items per page (default 50, at most 500).
    #[serde(default, deserialize_with = "shared::dto::paging::per_page")]
    #[param(minimum = 1, maximum = 500)]
    per_page: Option<u32>,
    /// Part of the name or its kana.
    q: Option<String>,
    /// Also list archived organisations.
    #[serde(default)]
    include_archived: bool,
}

/// Lists organisations with their contacts (needs `view_address_book`).
#[utoipa::path(get, path = "/api/v1/organizations", tag = "address-book", params(ListOrganizationsQuery),
    responses((status = 200, body = Page<OrganizationView>),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    query: web::Query<ListOrganizationsQuery>,
) -> ApiResult<web::Json<Page<OrganizationView>>> {
    let q = query.into_inner();
    let page = PageRequest::new(q.page, q.per_page);
    let view = state
        .run(move |conn| {
            address_book::list_organizations(conn, &actor, q.q.as_deref(), q.include_archived, page)
        })
        .await?;
    Ok(web::Json(view))
}

/// Adds an organisation (needs `manage_address_book`).
#[utoipa::path(post, path = "/api/v1/organizations", tag = "address-book", request_body = OrganizationRequest,
    responses((status = 201, body = OrganizationView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    body: web::Json<OrganizationRequest>,
) -> ApiResult<HttpResponse> {
    let view = state
        .run(move |conn| address_book::create_organization(conn, &actor, &body))
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// One organisation with its contacts.
#[utoipa::path(get, path = "/api/v1/organizations/{id}", tag = "address-book", params(("id" = Uuid, Path)),
    responses((status = 200, body = OrganizationView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<OrganizationView>> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| address_book::get_organization(conn, &actor, &id))
        .await?;
    Ok(web::Json(view))
}

/// Edits or archives an organisation.
#[utoipa::path(put, path = "/api/v1/organizations/{id}", tag = "address-book", params(("id" = Uuid, Path)),
    request_body = OrganizationRequest,
    responses((status = 200, body = OrganizationView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn update(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<OrganizationRequest>,
) -> ApiResult<web::Json<OrganizationView>> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| address_book::update_organization(conn, &actor, &id, &body))
        .await?;
    Ok(web::Json(view))
}

/// Adds a contact to an organisation.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/contacts", tag = "address-book",
    params(("id" = Uuid, Path)), request_body = ContactRequest,
    responses((status = 201, body = ContactView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn create_contact(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<ContactRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| address_book::create_contact(conn, &actor, &id, &body))
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Edits or archives a contact.
#[utoipa::path(put, path = "/api/v1/contacts/{id}", tag = "address-book", params(("id" = Uuid, Path)),
    request_body = ContactRequest,
    responses((status = 200, body = ContactView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn update_contact(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<ContactRequest>,
) -> ApiResult<web::Json<ContactView>> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| address_book::update_contact(conn, &actor, &id, &body))
        .await?;
    Ok(web::Json(view))
}
