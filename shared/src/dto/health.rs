//! `GET /api/v1/health`.

use serde::{Deserialize, Serialize};

/// Which database the server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DatabaseKind {
    /// The embedded default.
    Sqlite,
    /// The scale-out choice.
    Postgres,
}

/// `GET /api/v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HealthView {
    /// Always `ok` when the database answered.
    #[cfg_attr(feature = "openapi", schema(example = "ok"))]
    pub status: String,
    /// The database in use.
    pub database: DatabaseKind,
    /// The newest applied migration, e.g. `20261125000000`.
    pub schema_version: String,
    /// The server's version.
    pub version: String,
}

/// `GET /api/v1/health/live`: the process answers (nothing else is checked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LivenessView {
    /// Always `ok`.
    #[cfg_attr(feature = "openapi", schema(example = "ok"))]
    pub status: String,
    /// The server's version.
    pub version: String,
}

/// `GET /api/v1/health/ready`: whether this process can serve, check by check (200 when every
/// check passed, 503 otherwise, with the same body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadinessView {
    /// `ok` or `unavailable`.
    #[cfg_attr(feature = "openapi", schema(example = "ok"))]
    pub status: String,
    /// `database`, `storage` and `tsa`, in this order.
    pub checks: Vec<ReadinessCheck>,
    /// When the checks ran (RFC 3339, UTC): the result is reused for a few seconds, so a flood
    /// of probes does not reach the database or the TSA.
    pub checked_at: String,
}

/// One readiness check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadinessCheck {
    /// `database`, `storage` or `tsa`.
    pub name: String,
    /// Whether it passed.
    pub ok: bool,
    /// What was checked, or why it failed.
    pub detail: String,
    /// How long it took, in milliseconds.
    pub took_ms: u64,
}
