//! `/settings`: the tenant's settings (設定).

use gloo_net::http::Method;
use shared::dto::{TenantSettingsView, UpdateTenantSettingsRequest};
use shared::problem::Problem;

use super::{get, send};

/// `GET /settings`.
pub async fn get_settings() -> Result<TenantSettingsView, Problem> {
    get("/settings").await
}

/// `PUT /settings`.
pub async fn update(req: &UpdateTenantSettingsRequest) -> Result<TenantSettingsView, Problem> {
    send(Method::PUT, "/settings", req).await
}

/// `GET /seal`: the seal and time-stamp authority in use.
pub async fn seal() -> Result<shared::dto::SealInfoView, Problem> {
    get("/seal").await
}
