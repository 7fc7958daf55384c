//! The tenant's API rate limit (`/api/v1/settings/rate-limit`).

use serde::{Deserialize, Serialize};

/// Fewest requests per minute a tenant may allow each API token.
pub const MIN_TOKEN_REQUESTS_PER_MINUTE: u32 = 1;
/// Most requests per minute a tenant may allow each API token.
pub const MAX_TOKEN_REQUESTS_PER_MINUTE: u32 = 100_000;

/// How many requests each API token of the tenant may make.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RateLimitView {
    /// Requests per minute and API token (a burst of this many, refilled evenly over the
    /// minute).
    #[cfg_attr(
        feature = "openapi",
        schema(example = 600, minimum = 1, maximum = 100000)
    )]
    pub token_requests_per_minute: u32,
    /// True when the tenant has set none and the server's default applies.
    pub is_default: bool,
}

/// `PUT /api/v1/settings/rate-limit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RateLimitRequest {
    /// Requests per minute and API token, 1–100000; `null` returns to the server's default.
    #[cfg_attr(
        feature = "openapi",
        schema(example = 600, minimum = 1, maximum = 100000)
    )]
    pub token_requests_per_minute: Option<u32>,
}
