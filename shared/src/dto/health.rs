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
