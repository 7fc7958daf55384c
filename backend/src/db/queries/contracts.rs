//! `contracts` and the per-tenant contract-number counters.

use diesel::prelude::*;
use shared::contract::ContractState;

use crate::db::ids::{ContractId, TenantId};
use crate::db::models::{AuditEvent, Contract};
use crate::db::schema::approval_steps::dsl as s;
use crate::db::schema::audit_events::dsl as a;
use crate::db::schema::contract_number_counters::dsl as n;
use crate::db::schema::contracts::dsl as c;
use crate::db::{AnyConnection, Backend};

pub fn insert(conn: &mut AnyConnection, contract: &Contract) -> QueryResult<()> {
    diesel::insert_into(c::contracts)
        .values(contract.clone())
        .execute(conn)
        .map(|_| ())
}

pub fn get(
    conn: &mut AnyConnection,
    tenant_id: TenantId<'_>,
    id: ContractId<'_>,
) -> QueryResult<Contract> {
    c::contracts
        .filter(c::tenant_id.eq(tenant_id.0).and(c::id.eq(id.0)))
        .select(Contract::as_select())
        .first(conn)
}

/// The contract, if `visible_to` may see it (`None`: any of the tenant's); else `NotFound`.
pub fn get_visible(
    conn: &mut AnyConnection,
    tenant_id: TenantId<'_>,
    id: ContractId<'_>,
    visible_to: Option<&Visibility>,
) -> QueryResult<Contract> {
    let mut query = c::contracts
        .filter(c::tenant_id.eq(tenant_id.0).and(c::id.eq(id.0)))
        .into_boxed::<Backend>();
    if let Some(v) = visible_to {
        query = query.filter(visible(v));
    }
    query.select(Contract::as_select()).first(conn)
}

/// Writes every column of `contract` (the row was read in the same transaction).
pub fn save(conn: &mut AnyConnection, contract: &Contract) -> QueryResult<()> {
    diesel::update(
        c::contracts.filter(
            c::tenant_id
                .eq(&contract.tenant_id)
                .and(c::id.eq(&contract.id)),
        ),
    )
    .set(contract.clone())
    .execute(conn)
    .map(|_| ())
}

pub fn number_taken(conn: &mut AnyConnection, tenant_id: &str, number: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        c::contracts.filter(
            c::tenant_id
                .eq(tenant_id)
                .and(c::contract_number.eq(number)),
        ),
    ))
    .get_result(conn)
}

/// The next value of the tenant's counter for `fiscal_year` (call inside the tenant
/// transaction, which serialises writers).
pub fn next_number(
    conn: &mut AnyConnection,
    tenant_id: &str,
    fiscal_year: i32,
) -> QueryResult<i64> {
    let current: Option<i64> = n::contract_number_counters
        .filter(
            n::tenant_id
                .eq(tenant_id)
                .and(n::fiscal_year.eq(fiscal_year)),
        )
        .select(n::next_value)
        .first(conn)
        .optional()?;
    match current {
        Some(v) => {
            diesel::update(
                n::contract_number_counters.filter(
                    n::tenant_id
                        .eq(tenant_id)
                        .and(n::fiscal_year.eq(fiscal_year)),
                ),
            )
            .set(n::next_value.eq(v + 1))
            .execute(conn)?;
            Ok(v)
        }
        None => {
            diesel::insert_into(n::contract_number_counters)
                .values((
                    n::tenant_id.eq(tenant_id),
                    n::fiscal_year.eq(fiscal_year),
                    n::next_value.eq(2i64),
                ))
                .execute(conn)?;
            Ok(1)
        }
    }
}

/// Search criteria of the contract list (all optional, combined with AND).
#[derive(Debug, Default, Clone)]
pub struct ContractFilter {
    /// `None`: every contract of the tenant; otherwise only what this user may see.
    pub visible_to: Option<Visibility>,
    pub q: Option<String>,
    pub title: Option<String>,
    pub contract_number: Option<String>,
    pub counterparty: Option<String>,
    pub department_id: Option<String>,
    pub states: Vec<ContractState>,
    pub concluded_from: Option<String>,
    pub concluded_to: Option<String>,
    pub amount_min: Option<i64>,
    pub amount_max: Option<i64>,
    /// Created by this user.
    pub created_by: Option<String>,
    /// This user is an approver of a step of the current route.
    pub approver: Option<String>,
    /// `expires_at` before this time (Unix ms).
    pub expires_before: Option<i64>,
    /// Only these contracts.
    pub ids: Option<Vec<String>>,
}

fn filtered<'a>(
    tenant_id: &'a str,
    f: &'a ContractFilter,
) -> crate::db::schema::contracts::BoxedQuery<'a, Backend> {
    let mut query = c::contracts.filter(c::tenant_id.eq(tenant_id)).into_boxed();
    if let Some(v) = &f.visible_to {
        query = query.filter(visible(v));
    }
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let p = super::contains_pattern(q);
        query = query.filter(
            c::title
                .like(p.clone())
                .escape('\\')
                .or(c::contract_number.like(p.clone()).escape('\\'))
                .or(c::counterparty_name.like(p).escape('\\')),
        );
    }
    if let Some(t) = f.title.as_deref().filter(|t| !t.is_empty()) {
        query = query.filter(c::title.like(super::contains_pattern(t)).escape('\\'));
    }
    if let Some(t) = f.contract_number.as_deref().filter(|t| !t.is_empty()) {
        query = query.filter(
            c::contract_number
                .like(super::contains_pattern(t))
                .escape('\\'),
        );
    }
    if let Some(t) = f.counterparty.as_deref().filter(|t| !t.is_empty()) {
        query = query.filter(
            c::counterparty_name
                .like(super::contains_pattern(t))
                .escape('\\'),
        );
    }
    if let Some(d) = &f.department_id {
        query = query.filter(c::department_id.eq(d));
    }
    if !f.states.is_empty() {
        let states: Vec<&str> = f.states.iter().map(|s| s.as_str()).collect();
        query = query.filter(c::state.eq_any(states));
    }
    if let Some(d) = &f.concluded_from {
        query = query.filter(c::concluded_on.ge(d));
    }
    if let Some(d) = &f.concluded_to {
        query = query.filter(c::concluded_on.le(d));
    }
    if let Some(a) = f.amount_min {
        query = query.filter(c::amount_yen.ge(a));
    }
    if let Some(a) = f.amount_max {
        query = query.filter(c::amount_yen.le(a));
    }
    if let Some(u) = &f.created_by {
        query = query.filter(c::created_by.eq(u));
    }
    if let Some(u) = &f.approver {
        query = query.filter(
            c::id.eq_any(
                s::approval_steps
                    .filter(
                        s::tenant_id
                            .eq(tenant_id)
                            .and(s::position.ge(1))
                            .and(s::approver_ids.like(format!("%\"{u}\"%"))),
                    )
                    .select(s::contract_id),
            ),
        );
    }
    if let Some(t) = f.expires_before {
        query = query.filter(c::expires_at.lt(t));
    }
    if let Some(ids) = &f.ids {
        query = query.filter(c::id.eq_any(ids));
    }
    query
}

/// What a user without `ViewAllDepartments` sees: their departments' contracts, the ones they
/// created, and the ones they approve.
#[derive(Debug, Clone)]
pub struct Visibility {
    pub departments: Vec<String>,
    pub user_id: String,
    pub contract_ids: Vec<String>,
}

type Visible<'a> = diesel::dsl::Or<
    diesel::dsl::Or<
        diesel::dsl::EqAny<c::department_id, &'a Vec<String>>,
        diesel::dsl::Eq<c::created_by, &'a String>,
    >,
    diesel::dsl::EqAny<c::id, &'a Vec<String>>,
>;

/// The condition on a contract row of [`Visibility`].
fn visible(v: &Visibility) -> Visible<'_> {
    c::department_id
        .eq_any(&v.departments)
        .or(c::created_by.eq(&v.user_id))
        .or(c::id.eq_any(&v.contract_ids))
}

/// The order of rows (the list's sorts and the dashboard's deadline order).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RowOrder {
    #[default]
    UpdatedDesc,
    ConcludedDesc,
    NumberAsc,
    AmountDesc,
    ExpiresAsc,
}

fn sorted<'a>(
    query: crate::db::schema::contracts::BoxedQuery<'a, Backend>,
    sort: RowOrder,
) -> crate::db::schema::contracts::BoxedQuery<'a, Backend> {
    match sort {
        RowOrder::UpdatedDesc => query.order((c::updated_at.desc(), c::id)),
        RowOrder::ConcludedDesc => query.order((c::concluded_on.desc(), c::id)),
        RowOrder::NumberAsc => query.order((c::contract_number.asc(), c::id)),
        RowOrder::AmountDesc => query.order((c::amount_yen.desc(), c::id)),
        RowOrder::ExpiresAsc => query.order((c::expires_at.asc(), c::id)),
    }
}

pub fn list(
    conn: &mut AnyConnection,
    tenant_id: &str,
    filter: &ContractFilter,
    sort: RowOrder,
    page: u32,
    per_page: u32,
) -> QueryResult<(Vec<Contract>, i64)> {
    let total = filtered(tenant_id, filter).count().get_result(conn)?;
    let (limit, offset) = super::page_bounds(page, per_page);
    let rows = sorted(filtered(tenant_id, filter), sort)
        .limit(limit)
        .offset(offset)
        .select(Contract::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// How many contracts match, per stored state.
pub fn count_by_state(
    conn: &mut AnyConnection,
    tenant_id: &str,
    filter: &ContractFilter,
) -> QueryResult<Vec<(String, i64)>> {
    // Counted here: a boxed query cannot be grouped, nor (on `MultiConnection`) be a subquery.
    let states: Vec<String> = filtered(tenant_id, filter).select(c::state).load(conn)?;
    let mut counts: Vec<(String, i64)> = Vec::new();
    for state in states {
        match counts.iter_mut().find(|(s, _)| *s == state) {
            Some((_, n)) => *n += 1,
            None => counts.push((state, 1)),
        }
    }
    Ok(counts)
}

/// Calls `each` for every matching contract in order, at most `limit`, reading row by row from
/// one statement (one consistent snapshot, without holding every row in memory). Returns
/// how many rows were passed.
pub fn for_each(
    conn: &mut AnyConnection,
    tenant_id: &str,
    filter: &ContractFilter,
    sort: RowOrder,
    limit: i64,
    mut each: impl FnMut(Contract),
) -> QueryResult<usize> {
    let rows = sorted(filtered(tenant_id, filter), sort)
        .limit(limit)
        .select(Contract::as_select())
        .load_iter::<Contract, diesel::connection::DefaultLoadingMode>(conn)?;
    let mut n = 0;
    for row in rows {
        each(row?);
        n += 1;
    }
    Ok(n)
}

/// The newest audit events about contracts visible to `visible_to` (`None`: all of the
/// tenant's), newest first, each with the contract's number and title.
pub fn recent_events(
    conn: &mut AnyConnection,
    tenant_id: &str,
    visible_to: Option<&Visibility>,
    limit: i64,
) -> QueryResult<Vec<(AuditEvent, String, String)>> {
    let mut query = a::audit_events
        .inner_join(c::contracts.on(a::target_id.eq(c::id.nullable())))
        .filter(
            a::tenant_id
                .eq(tenant_id)
                .and(a::target_type.eq("contract"))
                .and(c::tenant_id.eq(tenant_id)),
        )
        .into_boxed::<Backend>();
    if let Some(v) = visible_to {
        query = query.filter(visible(v));
    }
    query
        .order(a::seq.desc())
        .limit(limit)
        .select((AuditEvent::as_select(), c::contract_number, c::title))
        .load(conn)
}

/// The action of the newest of a contract's events among `actions`.
pub fn last_event_among(
    conn: &mut AnyConnection,
    tenant_id: TenantId<'_>,
    contract_id: ContractId<'_>,
    actions: &[&str],
) -> QueryResult<Option<String>> {
    a::audit_events
        .filter(
            a::tenant_id
                .eq(tenant_id.0)
                .and(a::target_id.eq(contract_id.0))
                .and(a::action.eq_any(actions)),
        )
        .order(a::seq.desc())
        .select(a::action)
        .first(conn)
        .optional()
}

/// Sent contracts of every tenant whose answer deadline is before `at` (the expiry sweep).
pub fn sent_expiring_before(conn: &mut AnyConnection, at: i64) -> QueryResult<Vec<Contract>> {
    c::contracts
        .filter(
            c::state
                .eq(ContractState::Sent.as_str())
                .and(c::expires_at.lt(at)),
        )
        .order(c::expires_at)
        .limit(1000)
        .select(Contract::as_select())
        .load(conn)
}
