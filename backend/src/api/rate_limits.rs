//! The tenant's API rate limit (requests per minute and API token).

use actix_web::web;
use shared::dto::{RateLimitRequest, RateLimitView};
use shared::problem::Problem;

use crate::api::error::ApiResult;
use crate::api::extract::Authenticated;
use crate::startup::AppState;
use crate::workflow::rate_limits;

/// Requests per minute each API token of the tenant may make (needs `manage_settings`).
#[utoipa::path(get, path = "/api/v1/settings/rate-limit", tag = "settings",
    responses((status = 200, body = RateLimitView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<web::Json<RateLimitView>> {
    let default = state.config.rate_limits.token_per_minute;
    let view = state
        .run(move |conn| rate_limits::get(conn, &actor, default))
        .await?;
    Ok(web::Json(view))
}

/// Sets the requests per minute of each API token of the tenant, or (`null`) returns to the
/// server's default; takes effect at the next request (needs `manage_settings`; audited).
#[utoipa::path(put, path = "/api/v1/settings/rate-limit", tag = "settings", request_body = RateLimitRequest,
    responses((status = 200, body = RateLimitView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn update(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    body: web::Json<RateLimitRequest>,
) -> ApiResult<web::Json<RateLimitView>> {
    let default = state.config.rate_limits.token_per_minute;
    let view = state
        .run(move |conn| rate_limits::update(conn, &actor, &body, default))
        .await?;
    Ok(web::Json(view))
}
