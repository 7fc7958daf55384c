//! The monthly usage report's counts (月次利用状況報告) and its stored months.
//!
//! Every count is of one tenant within a window `[from, until)` of Unix milliseconds (the caller
//! turns a JST calendar month into it, so the database never deals with time zones and the same
//! SQL is right on SQLite and PostgreSQL), grouped by the department of the contract (or, for
//! staff, of the user). Events come from the operation log, which records when each thing
//! happened and cannot be edited.

use diesel::dsl::{count, count_star};
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::schema::{
    audit_events as ae, contracts as c, document_seals as ds, documents as d,
    monthly_reports as mr, recipients as r, users as u,
};

/// A half-open window of stored times: `from <= at < until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// The first millisecond counted.
    pub from: i64,
    /// The first millisecond not counted.
    pub until: i64,
}

/// One department's count of one action: `(department_id, events, contracts)`.
pub type ActionCount = (Option<String>, i64, i64);

/// The successful audit events of `action` on the tenant's contracts within `w`, per the
/// contract's department: how many events and how many distinct contracts.
pub fn contract_events(
    conn: &mut AnyConnection,
    tenant_id: &str,
    w: Window,
    action: &str,
) -> QueryResult<Vec<ActionCount>> {
    ae::table
        .inner_join(
            c::table.on(c::id
                .nullable()
                .eq(ae::target_id)
                .and(c::tenant_id.eq(ae::tenant_id))),
        )
        .filter(ae::tenant_id.eq(tenant_id))
        .filter(ae::at.ge(w.from).and(ae::at.lt(w.until)))
        .filter(ae::target_type.eq("contract"))
        .filter(ae::result.eq("success"))
        .filter(ae::action.eq(action))
        .group_by(c::department_id)
        .select((
            c::department_id,
            count_star(),
            count(ae::target_id).aggregate_distinct(),
        ))
        .load(conn)
}

/// The recipients of the contracts sent within `w` (each counted once however often its
/// contract was sent), per the contract's department.
pub fn recipients_of_sent(
    conn: &mut AnyConnection,
    tenant_id: &str,
    w: Window,
    sent_action: &str,
) -> QueryResult<Vec<(Option<String>, i64)>> {
    r::table
        .inner_join(c::table.on(c::id.eq(r::contract_id).and(c::tenant_id.eq(r::tenant_id))))
        .inner_join(
            ae::table.on(ae::target_id
                .eq(r::contract_id.nullable())
                .and(ae::tenant_id.eq(r::tenant_id))),
        )
        .filter(r::tenant_id.eq(tenant_id))
        .filter(ae::action.eq(sent_action))
        .filter(ae::target_type.eq("contract"))
        .filter(ae::result.eq("success"))
        .filter(ae::at.ge(w.from).and(ae::at.lt(w.until)))
        .group_by(c::department_id)
        .select((c::department_id, count(r::id).aggregate_distinct()))
        .load(conn)
}

/// The tenant's users who did anything recorded within `w`, per their department.
pub fn active_users(
    conn: &mut AnyConnection,
    tenant_id: &str,
    w: Window,
) -> QueryResult<Vec<(Option<String>, i64)>> {
    ae::table
        .inner_join(
            u::table.on(u::id
                .nullable()
                .eq(ae::actor_id)
                .and(u::tenant_id.eq(ae::tenant_id))),
        )
        .filter(ae::tenant_id.eq(tenant_id))
        .filter(ae::at.ge(w.from).and(ae::at.lt(w.until)))
        .group_by(u::department_id)
        .select((u::department_id, count(ae::actor_id).aggregate_distinct()))
        .load(conn)
}

/// The bytes of the tenant's contract files kept at `at` (uploaded before it and not removed by
/// then), per the contract's department. Summed here, row by row from one statement: `SUM` of
/// a `BIGINT` is `NUMERIC` on PostgreSQL, which this build does not read.
pub fn storage_at(
    conn: &mut AnyConnection,
    tenant_id: &str,
    at: i64,
) -> QueryResult<Vec<(Option<String>, i64)>> {
    let rows = d::table
        .inner_join(c::table.on(c::id.eq(d::contract_id).and(c::tenant_id.eq(d::tenant_id))))
        .filter(d::tenant_id.eq(tenant_id))
        .filter(d::created_at.lt(at))
        .filter(d::removed_at.is_null().or(d::removed_at.ge(at)))
        .select((c::department_id, d::size))
        .load_iter::<(Option<String>, i64), diesel::connection::DefaultLoadingMode>(conn)?;
    let mut sums: Vec<(Option<String>, i64)> = Vec::new();
    for row in rows {
        let (department, size) = row?;
        match sums.iter_mut().find(|(d, _)| *d == department) {
            Some((_, n)) => *n = n.saturating_add(size.max(0)),
            None => sums.push((department, size.max(0))),
        }
    }
    Ok(sums)
}

/// The seals the service made on the tenant's files within `w` (the keyring's records), per
/// the contract's department.
pub fn seals(
    conn: &mut AnyConnection,
    tenant_id: &str,
    w: Window,
) -> QueryResult<Vec<(Option<String>, i64)>> {
    ds::table
        .inner_join(
            d::table.on(d::id
                .eq(ds::document_id)
                .and(d::tenant_id.eq(ds::tenant_id))),
        )
        .inner_join(c::table.on(c::id.eq(d::contract_id).and(c::tenant_id.eq(d::tenant_id))))
        .filter(ds::tenant_id.eq(tenant_id))
        .filter(ds::created_at.ge(w.from).and(ds::created_at.lt(w.until)))
        .group_by(c::department_id)
        .select((c::department_id, count_star()))
        .load(conn)
}

/// The stored figures of a tenant's month (`figures`, `generated_at`), if the job made them.
pub fn stored(
    conn: &mut AnyConnection,
    tenant_id: &str,
    month: &str,
) -> QueryResult<Option<(String, i64)>> {
    mr::table
        .filter(mr::tenant_id.eq(tenant_id).and(mr::month.eq(month)))
        .select((mr::figures, mr::generated_at))
        .first(conn)
        .optional()
}

/// Stores a month's figures; `false` when that month was already stored (nothing changes).
pub fn store(
    conn: &mut AnyConnection,
    tenant_id: &str,
    month: &str,
    figures: &str,
    generated_at: i64,
) -> QueryResult<bool> {
    if stored(conn, tenant_id, month)?.is_some() {
        return Ok(false);
    }
    diesel::insert_into(mr::table)
        .values((
            mr::tenant_id.eq(tenant_id),
            mr::month.eq(month),
            mr::figures.eq(figures),
            mr::generated_at.eq(generated_at),
        ))
        .execute(conn)?;
    Ok(true)
}
