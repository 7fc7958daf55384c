//! The tenant's network zones (ネットワークゾーン): where staff may log in from (LGWAN-ASP,
//! internet) and each zone's public URL. See `workflow::network_zones` for the rules.

use actix_web::web;
use shared::dto::{NetworkZonesView, UpdateNetworkZonesRequest};
use shared::problem::Problem;

use crate::api::error::ApiResult;
use crate::api::extract::Authenticated;
use crate::startup::AppState;
use crate::workflow::network_zones;

/// The tenant's zones, and the requesting address's zone (needs `manage_settings`).
#[utoipa::path(get, path = "/api/v1/settings/network-zones", tag = "settings",
    responses((status = 200, body = NetworkZonesView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<web::Json<NetworkZonesView>> {
    let public_url = state.config.public_url.clone();
    let view = state
        .run(move |conn| network_zones::get(conn, &actor, &public_url))
        .await?;
    Ok(web::Json(view))
}

/// Sets both zones or switches one on or off (e.g. the internet zone during an LGWAN outage).
/// Takes effect at the next request of every server process; sessions stay. Refused with
/// `network_zone_lockout` when the requesting address would be outside the enabled zones
/// (needs `manage_settings`; audited with before and after).
#[utoipa::path(put, path = "/api/v1/settings/network-zones", tag = "settings",
    request_body = UpdateNetworkZonesRequest,
    responses((status = 200, body = NetworkZonesView),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "validation_failed, network_zone_lockout, forbidden")))]
pub async fn update(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    body: web::Json<UpdateNetworkZonesRequest>,
) -> ApiResult<web::Json<NetworkZonesView>> {
    let public_url = state.config.public_url.clone();
    let view = state
        .run(move |conn| network_zones::update(conn, &actor, &body, &public_url))
        .await?;
    Ok(web::Json(view))
}

/// Removes the zones: staff may log in from any address again and mails link to the server's
/// `public_url` (needs `manage_settings`; audited).
#[utoipa::path(delete, path = "/api/v1/settings/network-zones", tag = "settings",
    responses((status = 200, body = NetworkZonesView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn clear(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<web::Json<NetworkZonesView>> {
    let public_url = state.config.public_url.clone();
    let view = state
        .run(move |conn| network_zones::clear(conn, &actor, &public_url))
        .await?;
    Ok(web::Json(view))
}
