//! Tenant settings.

use actix_web::web;
use shared::dto::{SealInfoView, TenantSettingsView, UpdateTenantSettingsRequest};
use shared::problem::Problem;

use crate::api::error::ApiResult;
use crate::api::extract::Authenticated;
use crate::startup::AppState;
use crate::workflow::settings;

/// The tenant's settings (needs `manage_settings`).
#[utoipa::path(get, path = "/api/v1/settings", tag = "settings",
    responses((status = 200, body = TenantSettingsView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<web::Json<TenantSettingsView>> {
    let view = state
        .run(move |conn| settings::get_settings(conn, &actor))
        .await?;
    Ok(web::Json(view))
}

/// Changes the tenant's settings: name, required TOTP, session timeouts.
#[utoipa::path(put, path = "/api/v1/settings", tag = "settings", request_body = UpdateTenantSettingsRequest,
    responses((status = 200, body = TenantSettingsView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn update(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    body: web::Json<UpdateTenantSettingsRequest>,
) -> ApiResult<web::Json<TenantSettingsView>> {
    let view = state
        .run(move |conn| settings::update_settings(conn, &actor, &body))
        .await?;
    Ok(web::Json(view))
}

/// The seal and time-stamp authority in use, with their certificates' validity (needs
/// `manage_settings`).
#[utoipa::path(get, path = "/api/v1/seal", tag = "settings",
    responses((status = 200, body = SealInfoView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn seal(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<web::Json<SealInfoView>> {
    let service = state.seal_service.clone();
    let urls = state.config.tsa_urls.clone();
    let view = state
        .run(move |conn| settings::seal_info(conn, &actor, &service, &urls))
        .await?;
    Ok(web::Json(view))
}
