//! Webhooks (Webhook 通知): a tenant's endpoints and their delivery log.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::webhook::{DeliveryState, WebhookEvent};

/// `POST /api/v1/webhooks` and `PUT /api/v1/webhooks/{id}`: an endpoint (通知先).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WebhookEndpointRequest {
    /// 通知先URL: `https://…` (or `http://…`); in production an address on the internet, not
    /// a private or loopback one unless the operator allows it.
    pub url: String,
    /// 説明: at most 200 characters.
    #[serde(default)]
    pub description: String,
    /// 通知するイベント: at least one.
    pub events: Vec<WebhookEvent>,
    /// 有効: deliveries are made only to active endpoints.
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// `POST /api/v1/webhooks/{id}/rotate-secret`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WebhookRotateRequest {
    /// 旧シークレットの併用期間 (minutes, 0–10080; default 1440): until then every delivery
    /// carries a signature by the old secret beside the new one.
    #[serde(default)]
    pub overlap_minutes: Option<u32>,
}

/// An endpoint as its administrators see it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpointView {
    /// Endpoint ID.
    pub id: Uuid,
    /// 通知先URL.
    pub url: String,
    /// 説明.
    pub description: String,
    /// 通知するイベント.
    pub events: Vec<WebhookEvent>,
    /// 有効.
    pub active: bool,
    /// While a rotated secret still signs beside the new one: until when (RFC 3339, UTC).
    pub previous_secret_until: Option<String>,
    /// 登録日時 (RFC 3339, UTC).
    pub created_at: String,
    /// 更新日時 (RFC 3339, UTC).
    pub updated_at: String,
}

/// An endpoint with its signing secret: the answer of creating one and of rotating its
/// secret, the only times the secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookSecretView {
    /// The endpoint.
    pub endpoint: WebhookEndpointView,
    /// 署名シークレット `whsec_…`: the HMAC-SHA256 key of `Tachiai-Signature`. Shown once.
    pub secret: String,
}

/// One attempt of a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookAttemptView {
    /// 1 for the first attempt.
    pub attempt: i32,
    /// When it started (RFC 3339, UTC).
    pub at: String,
    /// The HTTP status answered; none when there was no answer.
    pub status: Option<u16>,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
    /// Why it failed (no answer, a status other than 2xx).
    pub error: Option<String>,
}

/// One event delivered (or to be delivered) to one endpoint, with its attempts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDeliveryView {
    /// Delivery ID.
    pub id: Uuid,
    /// The endpoint.
    pub endpoint_id: Uuid,
    /// The event's ID, the `Tachiai-Event-Id` header and the body's `id`: the same on every
    /// attempt and redelivery.
    pub event_id: Uuid,
    /// The event.
    pub event_type: WebhookEvent,
    /// The contract it is about.
    pub contract_id: Option<Uuid>,
    /// 状態.
    pub state: DeliveryState,
    /// The last attempt's HTTP status.
    pub last_status: Option<u16>,
    /// The last attempt's error.
    pub last_error: Option<String>,
    /// When the event happened (RFC 3339, UTC).
    pub created_at: String,
    /// When the endpoint accepted it.
    pub delivered_at: Option<String>,
    /// 試行履歴, oldest first.
    pub attempts: Vec<WebhookAttemptView>,
}
