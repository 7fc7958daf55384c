//! `/api-tokens`: tokens for integrators, acting as the logged-in user.

use shared::dto::{ApiTokenView, CreateApiTokenRequest, CreatedApiTokenView, Page};
use shared::problem::Problem;
use uuid::Uuid;

use super::{get, post_empty, send};

/// `GET /api-tokens`: the user's own tokens (every token of the tenant with `manage_users`).
pub async fn list() -> Result<Page<ApiTokenView>, Problem> {
    get("/api-tokens?page=1&per_page=100").await
}

/// `POST /api-tokens`: the answer holds the secret, shown this once.
pub async fn create(req: &CreateApiTokenRequest) -> Result<CreatedApiTokenView, Problem> {
    send(gloo_net::http::Method::POST, "/api-tokens", req).await
}

/// `POST /api-tokens/{id}/revoke`.
pub async fn revoke(id: Uuid) -> Result<ApiTokenView, Problem> {
    post_empty(&format!("/api-tokens/{id}/revoke")).await
}
