//! The operation log (操作ログ) and its hash chain.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One entry of the operation log (操作ログ).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEventView {
    /// Position in the tenant's chain, from 1.
    pub seq: i64,
    /// When.
    pub at: String,
    /// Who (user ID), if a user acted.
    pub actor_id: Option<Uuid>,
    /// Who, readable: login ID, `system`, or a counterparty's e-mail.
    pub actor_label: String,
    /// Client IP address.
    pub ip: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
    /// What, e.g. `user.create`.
    pub action: String,
    /// Kind of object acted on, e.g. `user`.
    pub target_type: Option<String>,
    /// The object's ID.
    pub target_id: Option<String>,
    /// `success` or `failure`.
    pub result: String,
    /// Action-specific details.
    pub details: serde_json::Value,
    /// SHA-256 (hex) of this event over its canonical encoding, chained to the previous one.
    pub hash: String,
}

/// `GET /api/v1/audit-events/verify`: the result of walking the tenant's hash chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditChainView {
    /// No break was found.
    pub intact: bool,
    /// Events checked.
    pub events_checked: u64,
    /// The first break, if any.
    pub first_break: Option<AuditChainBreakView>,
}

/// Where and how the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditChainBreakView {
    /// Sequence number of the first event that does not fit.
    pub seq: i64,
    /// `edited`, `deleted` or `inserted`.
    pub kind: String,
}
