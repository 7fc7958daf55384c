//! Retention and disposition (保存期間・廃棄): `retention_rules`, `legal_holds`,
//! `disposition_requests`/`disposition_items`, the tombstones in `disposal_records`, and the
//! deletion of a disposed contract's personal data.

use diesel::prelude::*;
use shared::contract::ContractState;

use crate::db::AnyConnection;
use crate::db::ids::{ContractId, TenantId};
use crate::db::models::{Contract, Document};
use crate::db::schema::{
    approval_decisions, contracts, disposal_records, disposition_items, disposition_requests,
    documents, legal_holds, recipients, retention_rules,
};

/// A tenant's retention rule (the default years live in `tenants`).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = retention_rules)]
pub struct RetentionRuleRow {
    pub tenant_id: String,
    pub convention: String,
    pub basis: String,
    pub updated_at: i64,
}

/// A legal hold (廃棄保留).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = legal_holds)]
pub struct LegalHoldRow {
    pub contract_id: String,
    pub tenant_id: String,
    pub reason: String,
    pub set_by: String,
    pub set_at: i64,
}

/// A disposition request (廃棄申請).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = disposition_requests)]
#[diesel(treat_none_as_null = true)]
pub struct DispositionRequestRow {
    pub id: String,
    pub tenant_id: String,
    pub state: String,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub comment: String,
}

/// A tombstone (廃棄記録).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = disposal_records)]
pub struct DisposalRow {
    pub contract_id: String,
    pub tenant_id: String,
    pub request_id: String,
    pub contract_number: String,
    pub title: String,
    pub prior_state: String,
    pub concluded_on: Option<String>,
    pub period_start: Option<String>,
    pub period_end: Option<String>,
    pub retention_years: i32,
    pub retention_end: String,
    pub files: String,
    pub requested_by: String,
    pub requested_by_name: String,
    pub requested_at: i64,
    pub approved_by: String,
    pub approved_by_name: String,
    pub disposed_at: i64,
}

pub fn rule(
    conn: &mut AnyConnection,
    tenant_id: TenantId<'_>,
) -> QueryResult<Option<RetentionRuleRow>> {
    use retention_rules::dsl as r;
    r::retention_rules
        .filter(r::tenant_id.eq(tenant_id.0))
        .select(RetentionRuleRow::as_select())
        .first(conn)
        .optional()
}

/// Replaces the tenant's rule (delete + insert: the same SQL on both databases).
pub fn put_rule(conn: &mut AnyConnection, row: &RetentionRuleRow) -> QueryResult<()> {
    use retention_rules::dsl as r;
    diesel::delete(r::retention_rules.filter(r::tenant_id.eq(&row.tenant_id))).execute(conn)?;
    diesel::insert_into(r::retention_rules)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

/// Sets only a contract's retention years: its `updated_at` keeps meaning "last change of the
/// contract itself", which for a contract that ended unconcluded is the day retention counts
/// from.
pub fn set_retention_years(
    conn: &mut AnyConnection,
    tenant_id: TenantId<'_>,
    id: ContractId<'_>,
    years: i32,
) -> QueryResult<usize> {
    use contracts::dsl as c;
    diesel::update(c::contracts.filter(c::tenant_id.eq(tenant_id.0).and(c::id.eq(id.0))))
        .set(c::retention_years.eq(years))
        .execute(conn)
}

pub fn hold(
    conn: &mut AnyConnection,
    tenant_id: TenantId<'_>,
    contract_id: ContractId<'_>,
) -> QueryResult<Option<LegalHoldRow>> {
    use legal_holds::dsl as h;
    h::legal_holds
        .filter(
            h::tenant_id
                .eq(tenant_id.0)
                .and(h::contract_id.eq(contract_id.0)),
        )
        .select(LegalHoldRow::as_select())
        .first(conn)
        .optional()
}

/// The ids of the tenant's held contracts.
pub fn held_ids(conn: &mut AnyConnection, tenant_id: TenantId<'_>) -> QueryResult<Vec<String>> {
    use legal_holds::dsl as h;
    h::legal_holds
        .filter(h::tenant_id.eq(tenant_id.0))
        .select(h::contract_id)
        .load(conn)
}

/// Sets or replaces the hold.
pub fn set_hold(conn: &mut AnyConnection, row: &LegalHoldRow) -> QueryResult<()> {
    use legal_holds::dsl as h;
    diesel::delete(
        h::legal_holds.filter(
            h::tenant_id
                .eq(&row.tenant_id)
                .and(h::contract_id.eq(&row.contract_id)),
        ),
    )
    .execute(conn)?;
    diesel::insert_into(h::legal_holds)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

pub fn release_hold(
    conn: &mut AnyConnection,
    tenant_id: TenantId<'_>,
    contract_id: ContractId<'_>,
) -> QueryResult<usize> {
    use legal_holds::dsl as h;
    diesel::delete(
        h::legal_holds.filter(
            h::tenant_id
                .eq(tenant_id.0)
                .and(h::contract_id.eq(contract_id.0)),
        ),
    )
    .execute(conn)
}

/// The tenant's contracts that ended (締結済み・却下・取消・期限切れ), not yet disposed of.
pub fn ended_contracts(
    conn: &mut AnyConnection,
    tenant_id: TenantId<'_>,
) -> QueryResult<Vec<Contract>> {
    use contracts::dsl as c;
    let ended = [
        ContractState::Concluded,
        ContractState::Declined,
        ContractState::Cancelled,
        ContractState::Expired,
    ]
    .map(ContractState::as_str);
    c::contracts
        .filter(c::tenant_id.eq(tenant_id.0).and(c::state.eq_any(ended)))
        .order((c::concluded_on, c::contract_number))
        .select(Contract::as_select())
        .load(conn)
}

pub fn insert_request(
    conn: &mut AnyConnection,
    row: &DispositionRequestRow,
    contract_ids: &[String],
) -> QueryResult<()> {
    diesel::insert_into(disposition_requests::table)
        .values(row.clone())
        .execute(conn)?;
    for id in contract_ids {
        diesel::insert_into(disposition_items::table)
            .values((
                disposition_items::request_id.eq(&row.id),
                disposition_items::contract_id.eq(id),
                disposition_items::tenant_id.eq(&row.tenant_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn request(
    conn: &mut AnyConnection,
    tenant_id: TenantId<'_>,
    id: &str,
) -> QueryResult<DispositionRequestRow> {
    use disposition_requests::dsl as r;
    r::disposition_requests
        .filter(r::tenant_id.eq(tenant_id.0).and(r::id.eq(id)))
        .select(DispositionRequestRow::as_select())
        .first(conn)
}

/// The tenant's requests, newest first (at most 500).
pub fn requests(
    conn: &mut AnyConnection,
    tenant_id: TenantId<'_>,
) -> QueryResult<Vec<DispositionRequestRow>> {
    use disposition_requests::dsl as r;
    r::disposition_requests
        .filter(r::tenant_id.eq(tenant_id.0))
        .order((r::requested_at.desc(), r::id))
        .limit(500)
        .select(DispositionRequestRow::as_select())
        .load(conn)
}

/// Records the decision on a request that is still pending; 0 when it no longer is.
pub fn decide_request(conn: &mut AnyConnection, row: &DispositionRequestRow) -> QueryResult<usize> {
    use disposition_requests::dsl as r;
    diesel::update(
        r::disposition_requests.filter(
            r::tenant_id
                .eq(&row.tenant_id)
                .and(r::id.eq(&row.id))
                .and(r::state.eq("pending")),
        ),
    )
    .set(row.clone())
    .execute(conn)
}

/// The contract ids of a request.
pub fn items(
    conn: &mut AnyConnection,
    tenant_id: TenantId<'_>,
    request_id: &str,
) -> QueryResult<Vec<String>> {
    use disposition_items::dsl as i;
    i::disposition_items
        .filter(
            i::tenant_id
                .eq(tenant_id.0)
                .and(i::request_id.eq(request_id)),
        )
        .order(i::contract_id)
        .select(i::contract_id)
        .load(conn)
}

/// (contract id, request id) of every contract in a pending request of the tenant.
pub fn pending_items(
    conn: &mut AnyConnection,
    tenant_id: TenantId<'_>,
) -> QueryResult<Vec<(String, String)>> {
    use disposition_items::dsl as i;
    use disposition_requests::dsl as r;
    let pending: Vec<String> = r::disposition_requests
        .filter(r::tenant_id.eq(tenant_id.0).and(r::state.eq("pending")))
        .select(r::id)
        .load(conn)?;
    i::disposition_items
        .filter(
            i::tenant_id
                .eq(tenant_id.0)
                .and(i::request_id.eq_any(pending)),
        )
        .select((i::contract_id, i::request_id))
        .load(conn)
}

pub fn insert_disposal(conn: &mut AnyConnection, row: &DisposalRow) -> QueryResult<()> {
    diesel::insert_into(disposal_records::table)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
}

pub fn disposal(
    conn: &mut AnyConnection,
    tenant_id: TenantId<'_>,
    contract_id: ContractId<'_>,
) -> QueryResult<Option<DisposalRow>> {
    use disposal_records::dsl as t;
    t::disposal_records
        .filter(
            t::tenant_id
                .eq(tenant_id.0)
                .and(t::contract_id.eq(contract_id.0)),
        )
        .select(DisposalRow::as_select())
        .first(conn)
        .optional()
}

/// The disposal time of the contract with this public id (`/v/{public_id}`), any tenant.
pub fn disposed_at_by_contract(
    conn: &mut AnyConnection,
    contract_id: &str,
) -> QueryResult<Option<i64>> {
    use disposal_records::dsl as t;
    t::disposal_records
        .filter(t::contract_id.eq(contract_id))
        .select(t::disposed_at)
        .first(conn)
        .optional()
}

/// Every file row of a contract, removed ones included (their blobs go too).
pub fn all_documents(
    conn: &mut AnyConnection,
    tenant_id: TenantId<'_>,
    contract_id: ContractId<'_>,
) -> QueryResult<Vec<Document>> {
    use documents::dsl as d;
    d::documents
        .filter(
            d::tenant_id
                .eq(tenant_id.0)
                .and(d::contract_id.eq(contract_id.0)),
        )
        .order((d::created_at, d::id))
        .select(Document::as_select())
        .load(conn)
}

/// Deletes what identifies people in a disposed contract: the counterparty's names, e-mail
/// addresses and organisation on the contract and its recipients, every access code, link,
/// one-time code and session digest, the recipients' IP addresses and browsers, reasons for
/// declining, and the approvers' comments. Contract number, title, dates and amounts stay.
pub fn erase_personal_data(
    conn: &mut AnyConnection,
    tenant_id: TenantId<'_>,
    contract_id: ContractId<'_>,
) -> QueryResult<()> {
    use approval_decisions::dsl as a;
    use contracts::dsl as c;
    use recipients::dsl as r;
    diesel::update(c::contracts.filter(c::tenant_id.eq(tenant_id.0).and(c::id.eq(contract_id.0))))
        .set((
            c::counterparty_name.eq(""),
            c::organization_id.eq(None::<String>),
            c::notes.eq(""),
            c::custom_fields.eq("{}"),
            c::message.eq(""),
        ))
        .execute(conn)?;
    diesel::update(
        r::recipients.filter(
            r::tenant_id
                .eq(tenant_id.0)
                .and(r::contract_id.eq(contract_id.0)),
        ),
    )
    .set((
        r::organization_name.eq(""),
        r::name.eq(""),
        r::email.eq(""),
        r::access_code_hash.eq(None::<String>),
        r::link_token_hash.eq(None::<String>),
        r::link_expires_at.eq(None::<i64>),
        r::otp_hash.eq(None::<String>),
        r::otp_expires_at.eq(None::<i64>),
        r::session_token_hash.eq(None::<String>),
        r::session_expires_at.eq(None::<i64>),
        r::decline_reason.eq(None::<String>),
        r::action_ip.eq(None::<String>),
        r::action_user_agent.eq(None::<String>),
    ))
    .execute(conn)?;
    diesel::update(
        a::approval_decisions.filter(
            a::tenant_id
                .eq(tenant_id.0)
                .and(a::contract_id.eq(contract_id.0)),
        ),
    )
    .set(a::comment.eq(""))
    .execute(conn)?;
    Ok(())
}

/// Whether a file with this hash still belongs to a contract that is not disposed of, in any
/// tenant: the blob store keeps one file per hash, shared by every row that has those bytes.
pub fn blob_in_use(conn: &mut AnyConnection, sha256: &str) -> QueryResult<bool> {
    use contracts::dsl as c;
    use documents::dsl as d;
    let live = c::contracts
        .filter(c::state.ne(ContractState::Disposed.as_str()))
        .select(c::id);
    let in_contracts: bool = diesel::select(diesel::dsl::exists(
        d::documents.filter(d::sha256.eq(sha256).and(d::contract_id.eq_any(live))),
    ))
    .get_result(conn)?;
    // Document templates (ひな形) share their blobs with the contracts made from them.
    Ok(in_contracts || super::templates::blob_in_use(conn, sha256)?)
}
