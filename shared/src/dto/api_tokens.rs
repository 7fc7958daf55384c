//! API tokens.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::Permission;

/// An API token (the secret is shown only once, in [`CreatedApiTokenView`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiTokenView {
    /// Id.
    pub id: Uuid,
    /// The user the token acts as.
    pub user_id: Uuid,
    /// That user's login ID.
    #[cfg_attr(feature = "openapi", schema(example = "tanaka"))]
    pub login_id: String,
    /// A name to tell tokens apart; the audit log records actions as `token:<name>`.
    #[cfg_attr(feature = "openapi", schema(example = "文書管理システム連携"))]
    pub name: String,
    /// What the token may do, at most: its permissions are the user's current ones
    /// intersected with these.
    pub scopes: Vec<Permission>,
    /// Issued at.
    pub created_at: String,
    /// Last accepted (updated at most once a minute).
    pub last_used_at: Option<String>,
    /// Not accepted from then on; `None`: no expiry.
    pub expires_at: Option<String>,
    /// Revoked at.
    pub revoked_at: Option<String>,
    /// Neither revoked nor expired.
    pub active: bool,
}

/// `POST /api/v1/api-tokens`: a token for the logged-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateApiTokenRequest {
    /// A name to tell tokens apart (1–100 characters).
    #[cfg_attr(feature = "openapi", schema(example = "文書管理システム連携"))]
    pub name: String,
    /// A non-empty subset of the user's own permissions.
    pub scopes: Vec<Permission>,
    /// Days until the token expires (1–3650); absent: no expiry.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(example = 90))]
    pub expires_in_days: Option<u32>,
}

/// The answer to `POST /api/v1/api-tokens`: the only time the secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedApiTokenView {
    /// The token.
    pub token: ApiTokenView,
    /// The secret for `Authorization: Bearer …`: `tachiai_` and 43 base64url characters
    /// (256 random bits). Only its SHA-256 is stored; it cannot be shown again.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "tachiai_q3J9Xb2kRz0uVwYc8LmN4pS7tA1eH6gD5fK0iO2jQ9w")
    )]
    pub secret: String,
}
