//! Webhooks (Webhook 通知): the tenant administrators' endpoints, secrets and delivery log.

use actix_web::{HttpResponse, web};
use shared::dto::{
    Page, WebhookDeliveryView, WebhookEndpointRequest, WebhookEndpointView, WebhookRotateRequest,
    WebhookSecretView,
};
use shared::problem::Problem;
use uuid::Uuid;

use crate::api::PageQuery;
use crate::api::error::ApiResult;
use crate::api::extract::Authenticated;
use crate::startup::AppState;
use crate::workflow::webhooks;

/// Lists the tenant's webhook endpoints (needs `manage_webhooks`); never their secrets.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks",
    responses((status = 200, body = Vec<WebhookEndpointView>),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<web::Json<Vec<WebhookEndpointView>>> {
    let view = state
        .run(move |conn| webhooks::list_endpoints(conn, &actor))
        .await?;
    Ok(web::Json(view))
}

/// Registers a webhook endpoint (needs `manage_webhooks`). The answer holds its signing
/// secret, shown this once.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = WebhookEndpointRequest,
    responses((status = 201, body = WebhookSecretView),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "webhook_url_invalid, webhook_url_not_allowed, validation_failed, forbidden")))]
pub async fn create(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    body: web::Json<WebhookEndpointRequest>,
) -> ApiResult<HttpResponse> {
    let (keys, policy) = (state.keys.clone(), state.config.webhooks);
    let view = state
        .run(move |conn| webhooks::create_endpoint(conn, &actor, &keys, &policy, &body))
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Changes a webhook endpoint's URL, description, events or active flag (needs
/// `manage_webhooks`).
#[utoipa::path(put, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = Uuid, Path)),
    request_body = WebhookEndpointRequest,
    responses((status = 200, body = WebhookEndpointView),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "webhook_url_invalid, webhook_url_not_allowed, validation_failed, not_found, forbidden")))]
pub async fn update(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<WebhookEndpointRequest>,
) -> ApiResult<web::Json<WebhookEndpointView>> {
    let id = id.into_inner().to_string();
    let policy = state.config.webhooks;
    let view = state
        .run(move |conn| webhooks::update_endpoint(conn, &actor, &policy, &id, &body))
        .await?;
    Ok(web::Json(view))
}

/// Deletes a webhook endpoint and its delivery log (needs `manage_webhooks`).
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = Uuid, Path)),
    responses((status = 204),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "not_found, forbidden")))]
pub async fn delete(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner().to_string();
    state
        .run(move |conn| webhooks::delete_endpoint(conn, &actor, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Replaces a webhook endpoint's signing secret (needs `manage_webhooks`); the old one keeps
/// signing beside it for `overlap_minutes` (default a day). The new secret is shown this once.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/rotate-secret", tag = "webhooks",
    params(("id" = Uuid, Path)), request_body = WebhookRotateRequest,
    responses((status = 200, body = WebhookSecretView),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "validation_failed, not_found, forbidden")))]
pub async fn rotate_secret(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<WebhookRotateRequest>,
) -> ApiResult<web::Json<WebhookSecretView>> {
    let id = id.into_inner().to_string();
    let keys = state.keys.clone();
    let view = state
        .run(move |conn| webhooks::rotate_secret(conn, &actor, &keys, &id, &body))
        .await?;
    Ok(web::Json(view))
}

/// The delivery log of a webhook endpoint, newest first, each delivery with its attempts
/// (needs `manage_webhooks`).
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks",
    params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, body = Page<WebhookDeliveryView>),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "not_found, forbidden")))]
pub async fn deliveries(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<WebhookDeliveryView>>> {
    let id = id.into_inner().to_string();
    let page = query.page_request();
    let view = state
        .run(move |conn| webhooks::list_deliveries(conn, &actor, &id, page))
        .await?;
    Ok(web::Json(view))
}

/// Posts a delivery again, with the same event ID and body (needs `manage_webhooks`).
#[utoipa::path(post, path = "/api/v1/webhooks/deliveries/{id}/redeliver", tag = "webhooks",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = WebhookDeliveryView),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "not_found, forbidden")))]
pub async fn redeliver(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<WebhookDeliveryView>> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| webhooks::redeliver(conn, &actor, &id))
        .await?;
    Ok(web::Json(view))
}
