//! Disposing of one contract (廃棄), inside the transaction that approves the disposition
//! request: the state machine decides (`Dispose`: an ended contract, not held, its retention
//! period over, an actor with `dispose_records`), then the tombstone is written, the personal
//! data erased and the state saved. The files' blobs are deleted by the caller after the
//! commit ([`crate::workflow::retention`]), never before: a crash in between leaves a file
//! nobody points to, never a row pointing to a missing file.

use serde_json::json;
use shared::audit::AuditAction;
use shared::contract::{self, ContractEvent, TransitionError};

use super::{contract_actor, facts, load};
use crate::clock::Millis;
use crate::db::AnyConnection;
use crate::db::ids::{ContractId, TenantId};
use crate::db::queries::contracts;
use crate::db::queries::retention::{self, DisposalRow, DispositionRequestRow};
use crate::workflow::actor::Actor;
use crate::workflow::error::WorkflowResult;

/// Whether the state machine lets `actor` dispose of contract `id` now; another tenant's or an
/// invisible contract is `not_found`.
pub(crate) fn check(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
) -> WorkflowResult<Result<(), TransitionError>> {
    let l = load(conn, actor, id)?;
    let f = facts(&l, actor);
    Ok(contract::apply(f.state, &ContractEvent::Dispose, &f, &contract_actor(actor)).map(|_| ()))
}

/// Who requested and who approves, with their names as the tombstone keeps them.
pub(crate) struct Deciders<'a> {
    pub request: &'a DispositionRequestRow,
    pub requested_by_name: &'a str,
    pub approved_by_name: &'a str,
}

/// Disposes of contract `id` (the caller holds the tenant transaction): the SHA-256 of every
/// file it had, whose blobs the caller deletes after the commit, or why it was refused.
pub(crate) fn dispose(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    who: &Deciders<'_>,
    now: Millis,
) -> WorkflowResult<Result<Vec<String>, TransitionError>> {
    let mut l = load(conn, actor, id)?;
    let f = facts(&l, actor);
    let next = match contract::apply(f.state, &ContractEvent::Dispose, &f, &contract_actor(actor)) {
        Ok(next) => next,
        Err(e) => return Ok(Err(e)),
    };
    let tenant = TenantId(&actor.tenant_id);
    let docs = retention::all_documents(conn, tenant, ContractId(id))?;
    let files: Vec<serde_json::Value> = docs
        .iter()
        .map(|d| json!({ "role": d.role.as_str(), "sha256": d.sha256, "size": d.size }))
        .collect();
    let c = &l.contract;
    let retention_end = l.retention_end.map(|d| d.to_string()).unwrap_or_default();
    retention::insert_disposal(
        conn,
        &DisposalRow {
            contract_id: c.id.clone(),
            tenant_id: c.tenant_id.clone(),
            request_id: who.request.id.clone(),
            contract_number: c.contract_number.clone(),
            title: c.title.clone(),
            prior_state: c.state.as_str().to_owned(),
            concluded_on: c.concluded_on.clone(),
            period_start: c.period_start.clone(),
            period_end: c.period_end.clone(),
            retention_years: c.retention_years,
            retention_end: retention_end.clone(),
            files: serde_json::Value::from(files.clone()).to_string(),
            requested_by: who.request.requested_by.clone(),
            requested_by_name: who.requested_by_name.to_owned(),
            requested_at: who.request.requested_at,
            approved_by: actor.user_id.clone(),
            approved_by_name: who.approved_by_name.to_owned(),
            disposed_at: now.0,
        },
    )?;
    let prior = l.contract.state;
    l.contract.state = next;
    l.contract.updated_at = now.0;
    contracts::save(conn, &l.contract)?;
    retention::erase_personal_data(conn, tenant, ContractId(id))?;
    // The long-term-signature renewal must not look for the deleted file.
    crate::workflow::ltv::forget_contract(conn, &actor.tenant_id, id)?;
    actor.audit(
        conn,
        AuditAction::ContractDisposed,
        Some(("contract", id)),
        json!({
            "request_id": who.request.id,
            "contract_number": l.contract.contract_number,
            "prior_state": prior.as_str(),
            "retention_end": retention_end,
            "requested_by": who.request.requested_by,
            "files": files,
        }),
    )?;
    Ok(Ok(docs.into_iter().map(|d| d.sha256).collect()))
}
