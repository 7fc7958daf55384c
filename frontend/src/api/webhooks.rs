//! `/webhooks`: the tenant's webhook endpoints (Webhook 通知先) and their delivery log.

use gloo_net::http::Method;
use shared::dto::{
    Page, WebhookDeliveryView, WebhookEndpointRequest, WebhookEndpointView, WebhookRotateRequest,
    WebhookSecretView,
};
use shared::problem::Problem;
use uuid::Uuid;

use super::{Watch, get, post_empty, request, send};

/// `GET /webhooks`.
pub async fn list() -> Result<Vec<WebhookEndpointView>, Problem> {
    get("/webhooks").await
}

/// `POST /webhooks`: the answer holds the secret, shown once.
pub async fn create(req: &WebhookEndpointRequest) -> Result<WebhookSecretView, Problem> {
    send(Method::POST, "/webhooks", req).await
}

/// `PUT /webhooks/{id}`.
pub async fn update(
    id: Uuid,
    req: &WebhookEndpointRequest,
) -> Result<WebhookEndpointView, Problem> {
    send(Method::PUT, &format!("/webhooks/{id}"), req).await
}

/// `DELETE /webhooks/{id}` (204).
pub async fn delete(id: Uuid) -> Result<(), Problem> {
    request(
        Method::DELETE,
        &format!("/webhooks/{id}"),
        None,
        Watch::Session,
    )
    .await
    .map(|_| ())
}

/// `POST /webhooks/{id}/rotate-secret` with the default overlap (a day).
pub async fn rotate(id: Uuid) -> Result<WebhookSecretView, Problem> {
    send(
        Method::POST,
        &format!("/webhooks/{id}/rotate-secret"),
        &WebhookRotateRequest::default(),
    )
    .await
}

/// `GET /webhooks/{id}/deliveries`: the newest 50.
pub async fn deliveries(id: Uuid) -> Result<Page<WebhookDeliveryView>, Problem> {
    get(&format!("/webhooks/{id}/deliveries?per_page=50")).await
}

/// `POST /webhooks/deliveries/{id}/redeliver`.
pub async fn redeliver(id: Uuid) -> Result<WebhookDeliveryView, Problem> {
    post_empty(&format!("/webhooks/deliveries/{id}/redeliver")).await
}
