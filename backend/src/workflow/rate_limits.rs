//! A tenant's API rate limit: requests per minute and API token (the limiter itself,
//! in memory, is `api::rate_limit`).

use serde_json::json;
use shared::access::Permission;
use shared::audit::AuditAction;
use shared::dto::{
    MAX_TOKEN_REQUESTS_PER_MINUTE, MIN_TOKEN_REQUESTS_PER_MINUTE, RateLimitRequest, RateLimitView,
};
use shared::validate::ValidationError;

use crate::clock::Millis;
use crate::db::queries::tenant_rate_limits;
use crate::db::{self, AnyConnection};
use crate::workflow::actor::Actor;
use crate::workflow::error::{FieldErrors, WorkflowResult};

/// Requests per minute each API token of `tenant_id` may make (`default`: the server's).
pub fn token_limit(conn: &mut AnyConnection, tenant_id: &str, default: u32) -> WorkflowResult<u32> {
    Ok(tenant_rate_limits::get(conn, tenant_id)?
        .map_or(default, |r| r.token_requests_per_minute.unsigned_abs()))
}

fn view(conn: &mut AnyConnection, tenant_id: &str, default: u32) -> WorkflowResult<RateLimitView> {
    let own = tenant_rate_limits::get(conn, tenant_id)?;
    Ok(RateLimitView {
        token_requests_per_minute: own
            .as_ref()
            .map_or(default, |r| r.token_requests_per_minute.unsigned_abs()),
        is_default: own.is_none(),
    })
}

/// `GET /settings/rate-limit` (needs `manage_settings`).
pub fn get(conn: &mut AnyConnection, actor: &Actor, default: u32) -> WorkflowResult<RateLimitView> {
    actor.require(conn, Permission::ManageSettings)?;
    view(conn, &actor.tenant_id, default)
}

/// `PUT /settings/rate-limit` (needs `manage_settings`; audited with before and after).
pub fn update(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &RateLimitRequest,
    default: u32,
) -> WorkflowResult<RateLimitView> {
    actor.require(conn, Permission::ManageSettings)?;
    let mut e = FieldErrors::default();
    let range = MIN_TOKEN_REQUESTS_PER_MINUTE..=MAX_TOKEN_REQUESTS_PER_MINUTE;
    if req
        .token_requests_per_minute
        .is_some_and(|n| !range.contains(&n))
    {
        e.push("token_requests_per_minute", ValidationError::OutOfRange);
    }
    e.finish()?;
    let before = view(conn, &actor.tenant_id, default)?;
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        tenant_rate_limits::set(
            conn,
            &actor.tenant_id,
            req.token_requests_per_minute
                .map(|n| i32::try_from(n).unwrap_or(i32::MAX)),
            Millis::now().0,
        )?;
        actor.audit(
            conn,
            AuditAction::RateLimitUpdated,
            Some(("tenant", &actor.tenant_id)),
            json!({
                "token_requests_per_minute": [
                    (!before.is_default).then_some(before.token_requests_per_minute),
                    req.token_requests_per_minute,
                ],
            }),
        )
    })?;
    view(conn, &actor.tenant_id, default)
}
