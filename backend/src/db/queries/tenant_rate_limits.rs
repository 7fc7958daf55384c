//! `tenant_rate_limits`: a tenant's own requests per minute and API token.

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::models::TenantRateLimit;
use crate::db::schema::tenant_rate_limits::dsl as r;

/// The tenant's limit, if it has set one.
pub fn get(conn: &mut AnyConnection, tenant_id: &str) -> QueryResult<Option<TenantRateLimit>> {
    r::tenant_rate_limits
        .filter(r::tenant_id.eq(tenant_id))
        .select(TenantRateLimit::as_select())
        .first(conn)
        .optional()
}

/// Sets (`Some`) or removes (`None`: the server's default) the tenant's limit.
pub fn set(
    conn: &mut AnyConnection,
    tenant_id: &str,
    per_minute: Option<i32>,
    now: i64,
) -> QueryResult<()> {
    diesel::delete(r::tenant_rate_limits.filter(r::tenant_id.eq(tenant_id))).execute(conn)?;
    if let Some(per_minute) = per_minute {
        diesel::insert_into(r::tenant_rate_limits)
            .values(&TenantRateLimit {
                tenant_id: tenant_id.to_owned(),
                token_requests_per_minute: per_minute,
                updated_at: now,
            })
            .execute(conn)?;
    }
    Ok(())
}
