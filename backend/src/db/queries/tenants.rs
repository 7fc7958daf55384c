//! `tenants`.

use diesel::prelude::*;

use crate::audit::SYSTEM_CHAIN_ID;
use crate::db::AnyConnection;
use crate::db::models::Tenant;
use crate::db::schema::tenants::dsl as t;

pub fn insert(conn: &mut AnyConnection, tenant: &Tenant) -> QueryResult<()> {
    diesel::insert_into(t::tenants)
        .values(tenant)
        .execute(conn)
        .map(|_| ())
}

pub fn get(conn: &mut AnyConnection, id: &str) -> QueryResult<Tenant> {
    t::tenants
        .filter(t::id.eq(id))
        .select(Tenant::as_select())
        .first(conn)
}

/// A tenant by its 団体コード (never the system chain's row).
pub fn find_by_code(conn: &mut AnyConnection, code: &str) -> QueryResult<Option<Tenant>> {
    t::tenants
        .filter(t::code.eq(code).and(t::id.ne(SYSTEM_CHAIN_ID)))
        .select(Tenant::as_select())
        .first(conn)
        .optional()
}

/// Every audit chain's row: the tenants and the system chain, by code.
pub fn list_chains(conn: &mut AnyConnection) -> QueryResult<Vec<Tenant>> {
    t::tenants
        .order(t::code)
        .select(Tenant::as_select())
        .load(conn)
}

/// How many tenants there are (the system chain's row is none).
pub fn count(conn: &mut AnyConnection) -> QueryResult<i64> {
    t::tenants
        .filter(t::id.ne(SYSTEM_CHAIN_ID))
        .count()
        .get_result(conn)
}

pub fn update_settings(conn: &mut AnyConnection, row: &Tenant) -> QueryResult<()> {
    diesel::update(t::tenants.filter(t::id.eq(&row.id)))
        .set((
            t::name.eq(&row.name),
            t::require_totp.eq(row.require_totp),
            t::session_idle_minutes.eq(row.session_idle_minutes),
            t::session_absolute_hours.eq(row.session_absolute_hours),
            t::approval_required.eq(row.approval_required),
            t::contract_number_pattern.eq(&row.contract_number_pattern),
            t::retention_years.eq(row.retention_years),
            t::link_expiry_days.eq(row.link_expiry_days),
            t::japanese_era.eq(row.japanese_era),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Moves the audit chain head. Only `audit::record` calls this, inside `tenant_transaction`.
pub fn set_audit_head(conn: &mut AnyConnection, id: &str, seq: i64, head: &str) -> QueryResult<()> {
    diesel::update(t::tenants.filter(t::id.eq(id)))
        .set((t::audit_seq.eq(seq), t::audit_head.eq(head)))
        .execute(conn)
        .map(|_| ())
}
