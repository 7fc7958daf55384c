//! `webhook_endpoints`, `webhook_deliveries` and `webhook_attempts`: a tenant's endpoints and
//! their delivery log. Every query takes the tenant; another tenant's row is `NotFound`.

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::models::{WebhookAttempt, WebhookDelivery, WebhookEndpoint};
use crate::db::schema::webhook_attempts::dsl as a;
use crate::db::schema::webhook_deliveries::dsl as d;
use crate::db::schema::webhook_endpoints::dsl as e;

pub fn insert_endpoint(conn: &mut AnyConnection, row: &WebhookEndpoint) -> QueryResult<()> {
    diesel::insert_into(e::webhook_endpoints)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

pub fn save_endpoint(conn: &mut AnyConnection, row: &WebhookEndpoint) -> QueryResult<()> {
    diesel::update(
        e::webhook_endpoints.filter(e::tenant_id.eq(&row.tenant_id).and(e::id.eq(&row.id))),
    )
    .set(row.clone())
    .execute(conn)
    .map(|_| ())
}

/// The endpoint `id` of the tenant.
pub fn get_endpoint(
    conn: &mut AnyConnection,
    tenant_id: &str,
    id: &str,
) -> QueryResult<WebhookEndpoint> {
    e::webhook_endpoints
        .filter(e::tenant_id.eq(tenant_id).and(e::id.eq(id)))
        .select(WebhookEndpoint::as_select())
        .first(conn)
}

/// The tenant's endpoints, oldest first.
pub fn list_endpoints(
    conn: &mut AnyConnection,
    tenant_id: &str,
) -> QueryResult<Vec<WebhookEndpoint>> {
    e::webhook_endpoints
        .filter(e::tenant_id.eq(tenant_id))
        .order((e::created_at, e::id))
        .select(WebhookEndpoint::as_select())
        .load(conn)
}

/// The tenant's active endpoints (the caller picks the subscribed ones).
pub fn list_active_endpoints(
    conn: &mut AnyConnection,
    tenant_id: &str,
) -> QueryResult<Vec<WebhookEndpoint>> {
    e::webhook_endpoints
        .filter(e::tenant_id.eq(tenant_id).and(e::active.eq(true)))
        .order((e::created_at, e::id))
        .select(WebhookEndpoint::as_select())
        .load(conn)
}

/// Deletes an endpoint with its deliveries and their attempts.
pub fn delete_endpoint(conn: &mut AnyConnection, tenant_id: &str, id: &str) -> QueryResult<()> {
    let deliveries: Vec<String> = d::webhook_deliveries
        .filter(d::tenant_id.eq(tenant_id).and(d::endpoint_id.eq(id)))
        .select(d::id)
        .load(conn)?;
    for chunk in deliveries.chunks(500) {
        diesel::delete(
            a::webhook_attempts
                .filter(a::tenant_id.eq(tenant_id).and(a::delivery_id.eq_any(chunk))),
        )
        .execute(conn)?;
    }

    diesel::delete(
        d::webhook_deliveries.filter(d::tenant_id.eq(tenant_id).and(d::endpoint_id.eq(id))),
    )
    .execute(conn)?;
    diesel::delete(e::webhook_endpoints.filter(e::tenant_id.eq(tenant_id).and(e::id.eq(id))))
        .execute(conn)
        .map(|_| ())
}

pub fn insert_delivery(conn: &mut AnyConnection, row: &WebhookDelivery) -> QueryResult<()> {
    diesel::insert_into(d::webhook_deliveries)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

pub fn save_delivery(conn: &mut AnyConnection, row: &WebhookDelivery) -> QueryResult<()> {
    diesel::update(
        d::webhook_deliveries.filter(d::tenant_id.eq(&row.tenant_id).and(d::id.eq(&row.id))),
    )
    .set(row.clone())
    .execute(conn)
    .map(|_| ())
}

/// The delivery `id` of the tenant.
pub fn get_delivery(
    conn: &mut AnyConnection,
    tenant_id: &str,
    id: &str,
) -> QueryResult<WebhookDelivery> {
    d::webhook_deliveries
        .filter(d::tenant_id.eq(tenant_id).and(d::id.eq(id)))
        .select(WebhookDelivery::as_select())
        .first(conn)
}

/// The deliveries of one endpoint, newest first, one page, with the total.
pub fn list_deliveries(
    conn: &mut AnyConnection,
    tenant_id: &str,
    endpoint_id: &str,
    page: u32,
    per_page: u32,
) -> QueryResult<(Vec<WebhookDelivery>, i64)> {
    let total = d::webhook_deliveries
        .filter(
            d::tenant_id
                .eq(tenant_id)
                .and(d::endpoint_id.eq(endpoint_id)),
        )
        .count()
        .get_result(conn)?;
    let (limit, offset) = super::page_bounds(page, per_page);
    let rows = d::webhook_deliveries
        .filter(
            d::tenant_id
                .eq(tenant_id)
                .and(d::endpoint_id.eq(endpoint_id)),
        )
        .order((d::created_at.desc(), d::id))
        .limit(limit)
        .offset(offset)
        .select(WebhookDelivery::as_select())
        .load(conn)?;
    Ok((rows, total))
}

pub fn insert_attempt(conn: &mut AnyConnection, row: &WebhookAttempt) -> QueryResult<()> {
    diesel::insert_into(a::webhook_attempts)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

/// The attempts of some deliveries of the tenant, oldest first.
pub fn list_attempts(
    conn: &mut AnyConnection,
    tenant_id: &str,
    delivery_ids: &[String],
) -> QueryResult<Vec<WebhookAttempt>> {
    a::webhook_attempts
        .filter(
            a::tenant_id
                .eq(tenant_id)
                .and(a::delivery_id.eq_any(delivery_ids)),
        )
        .order((a::delivery_id, a::attempt, a::at))
        .select(WebhookAttempt::as_select())
        .load(conn)
}
