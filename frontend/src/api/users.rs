//! `/users`: staff accounts (利用者).

use gloo_net::http::Method;
use shared::dto::{CreateUserRequest, Page, UpdateUserRequest, UserCredentialView, UserView};
use shared::problem::Problem;
use uuid::Uuid;

use super::{encode, get, post_empty, send};

/// `GET /users`.
pub async fn list(
    page: u32,
    per_page: u32,
    q: &str,
    include_disabled: bool,
) -> Result<Page<UserView>, Problem> {
    let mut path = format!("/users?page={page}&per_page={per_page}");
    if !q.trim().is_empty() {
        path.push_str(&format!("&q={}", encode(q.trim())));
    }
    if include_disabled {
        path.push_str("&include_disabled=true");
    }
    get(&path).await
}

/// `GET /users/{id}`.
pub async fn get_one(id: Uuid) -> Result<UserView, Problem> {
    get(&format!("/users/{id}")).await
}

/// `POST /users`.
pub async fn create(req: &CreateUserRequest) -> Result<UserCredentialView, Problem> {
    send(Method::POST, "/users", req).await
}

/// `PUT /users/{id}`.
pub async fn update(id: Uuid, req: &UpdateUserRequest) -> Result<UserView, Problem> {
    send(Method::PUT, &format!("/users/{id}"), req).await
}

/// `POST /users/{id}/disable` or `/enable`.
pub async fn set_disabled(id: Uuid, disabled: bool) -> Result<UserView, Problem> {
    let verb = if disabled { "disable" } else { "enable" };
    post_empty(&format!("/users/{id}/{verb}")).await
}

/// `POST /users/{id}/reset-password`: a new one-time password.
pub async fn reset_password(id: Uuid) -> Result<UserCredentialView, Problem> {
    post_empty(&format!("/users/{id}/reset-password")).await
}
