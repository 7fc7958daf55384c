//! Contracts (契約): drafts, their files, recipients and approval route, and every state change.
//!
//! Each state change goes through [`shared::contract::apply`] — the one state machine, which the
//! browser app also runs — with facts read from the database inside the same transaction, and is
//! recorded in the audit chain. Visibility: a user sees the contracts of their own department
//! (all departments with `ViewAllDepartments`), the ones they created and the ones they approve;
//! any other contract is a 404.

use serde_json::json;
use shared::access::Permission;
use shared::audit::AuditAction;
use shared::contract::{
    self, ApprovalDecision, ContractActor, ContractEvent, ContractFacts, ContractState,
    DocumentRole, RecipientState, TransitionError,
};
use shared::problem::ProblemCode;

use crate::audit::{self, Entry, Outcome};
use crate::clock::Millis;
use crate::db::ids::{ContractId, TenantId, UserId};
use crate::db::models::{ApprovalDecisionRow, ApprovalStep, Contract, Document, Recipient};
use crate::db::queries::contracts::{self, Visibility};
use crate::db::queries::{self, approvals, recipients, tenants};
use crate::db::{self, AnyConnection};
use crate::workflow::actor::Actor;
use crate::workflow::error::WorkflowResult;

pub mod dashboard;
pub mod export;
pub mod file_type;

mod actions;
// Retention and disposition:
pub(crate) mod disposal;
mod documents;
mod draft;
mod list;
mod parties;
mod view;

pub use actions::act;
pub(crate) use documents::storage_error;
pub use documents::{
    CheckedUpload, Download, Upload, UploadLimits, check_upload, download_document,
    remove_document, upload_document,
};
pub use draft::{create, duplicate, update};
pub(crate) use parties::check_recipient;
// Document templates (ひな形): a draft from checked data and the template's parts.
pub(crate) use draft::{CheckedContract, DraftParts, check_contract, insert_with_parts};
pub use list::list;
pub use parties::{approvers, set_recipients, set_route};
pub(crate) use view::DepartmentNames;
pub use view::get;

// ---------------------------------------------------------------------------------------------
// Reading

/// Everything about one contract that views and rules need.
struct Loaded {
    contract: Contract,
    documents: Vec<Document>,
    recipients: Vec<Recipient>,
    steps: Vec<ApprovalStep>,
    decisions: Vec<ApprovalDecisionRow>,
    approval_required: bool,
    /// 廃棄保留, when set.
    hold: Option<queries::retention::LegalHoldRow>,
    /// 保存期限; `None` while the contract is open.
    retention_end: Option<shared::records::Date>,
    /// The tombstone, once the contract was disposed of.
    disposal: Option<queries::retention::DisposalRow>,
}

fn load(conn: &mut AnyConnection, actor: &Actor, id: &str) -> WorkflowResult<Loaded> {
    let contract = contracts::get(conn, TenantId(&actor.tenant_id), ContractId(id))?;
    let steps = approvals::steps(conn, TenantId(&actor.tenant_id), ContractId(id))?;
    // The one rule of [`visible_to`], decided on this contract's own route: a contract the
    // actor may not see is not found.
    if !may_see(actor, &contract, &steps) {
        return Err(diesel::result::Error::NotFound.into());
    }
    let tenant = tenants::get(conn, &actor.tenant_id)?;
    let rule = crate::workflow::retention::rule_of(conn, &tenant)?;
    let disposal = match contract.state {
        ContractState::Disposed => {
            queries::retention::disposal(conn, TenantId(&actor.tenant_id), ContractId(id))?
        }
        _ => None,
    };
    Ok(Loaded {
        hold: queries::retention::hold(conn, TenantId(&actor.tenant_id), ContractId(id))?,
        retention_end: crate::workflow::retention::retention_end_of(rule, &contract),
        disposal,
        documents: queries::documents::list_for_contract(
            conn,
            TenantId(&actor.tenant_id),
            ContractId(id),
        )?,
        recipients: recipients::list_for_contract(
            conn,
            TenantId(&actor.tenant_id),
            ContractId(id),
        )?,
        decisions: approvals::decisions(
            conn,
            TenantId(&actor.tenant_id),
            ContractId(id),
            contract.approval_round,
        )?,
        steps,
        contract,
        approval_required: tenant.approval_required,
    })
}

/// Whether `actor` may see `contract`, whose approval steps are `steps`: the rule of
/// [`visible_to`] (own department, created by them, an approver of a step of the route) for
/// one contract, without listing every contract the actor approves.
fn may_see(actor: &Actor, contract: &Contract, steps: &[ApprovalStep]) -> bool {
    actor.permissions.contains(&Permission::ViewAllDepartments)
        || (contract.department_id.is_some() && contract.department_id == actor.department_id)
        || contract.created_by == actor.user_id
        || steps
            .iter()
            .filter(|s| s.position >= 1)
            .any(|s| approver_ids(s).contains(&actor.user_id))
}

fn approver_ids(step: &ApprovalStep) -> Vec<String> {
    serde_json::from_str(&step.approver_ids).unwrap_or_default()
}

/// The approvals of `step` in the current round.
fn approvals_of<'a>(l: &'a Loaded, step: &ApprovalStep) -> Vec<&'a ApprovalDecisionRow> {
    l.decisions
        .iter()
        .filter(|d| d.step_id == step.id && d.decision == ApprovalDecision::Approved)
        .collect()
}

fn step_complete(l: &Loaded, step: &ApprovalStep) -> bool {
    step.rule
        .is_satisfied(approvals_of(l, step).len(), approver_ids(step).len())
}

/// The first step not yet complete in this round.
fn current_step(l: &Loaded) -> Option<&ApprovalStep> {
    l.steps.iter().find(|s| !step_complete(l, s))
}

fn main_document(l: &Loaded) -> Option<&Document> {
    l.documents
        .iter()
        .rev()
        .find(|d| d.role == DocumentRole::Main)
}

fn facts(l: &Loaded, actor: &Actor) -> ContractFacts {
    let current = current_step(l);
    let active: Vec<&Recipient> = l
        .recipients
        .iter()
        .filter(|r| r.state != RecipientState::Forwarded)
        .collect();
    ContractFacts {
        state: l.contract.state,
        approval_required: l.approval_required,
        has_main_document: main_document(l).is_some(),
        has_recipients: !active.is_empty(),
        route_has_steps: !l.steps.is_empty(),
        route_complete: !l.steps.is_empty() && current.is_none(),
        created_by_me: l.contract.created_by == actor.user_id,
        i_am_current_approver: current
            .is_some_and(|s| approver_ids(s).iter().any(|a| a == &actor.user_id)),
        i_already_approved: current.is_some_and(|s| {
            approvals_of(l, s)
                .iter()
                .any(|d| d.user_id == actor.user_id)
        }),
        any_recipient_agreed: active.iter().any(|r| r.state == RecipientState::Agreed),
        all_recipients_agreed: !active.is_empty()
            && active.iter().all(|r| r.state == RecipientState::Agreed),
        sealed_and_timestamped: l.documents.iter().any(|d| d.role == DocumentRole::Sealed),
        legal_hold: l.hold.is_some(),
        retention_ended: l
            .retention_end
            .is_some_and(|end| end < crate::workflow::retention::today()),
    }
}

/// The facts for an event that a recipient or the service itself causes (answers, sealing,
/// expiry): the staff-only preconditions hold by then; `settled` says every recipient agreed
/// and the seal is on the file.
pub(crate) fn background_facts(state: ContractState, settled: bool) -> ContractFacts {
    ContractFacts {
        state,
        approval_required: false,
        has_main_document: true,
        has_recipients: true,
        route_has_steps: true,
        route_complete: true,
        created_by_me: false,
        i_am_current_approver: false,
        i_already_approved: false,
        any_recipient_agreed: settled,
        all_recipients_agreed: settled,
        sealed_and_timestamped: settled,
        legal_hold: false,
        retention_ended: false,
    }
}

fn contract_actor(actor: &Actor) -> ContractActor {
    ContractActor::staff(actor.permissions.iter().copied())
}

/// Which contracts `actor` may see (`None`: every contract of the tenant): the one rule of
/// [`load`], the list, its export and the dashboard.
fn visible_to(conn: &mut AnyConnection, actor: &Actor) -> WorkflowResult<Option<Visibility>> {
    if actor.permissions.contains(&Permission::ViewAllDepartments) {
        return Ok(None);
    }
    Ok(Some(Visibility {
        departments: actor.department_id.iter().cloned().collect(),
        user_id: actor.user_id.clone(),
        contract_ids: approvals::contracts_with_approver(
            conn,
            TenantId(&actor.tenant_id),
            UserId(&actor.user_id),
        )?,
    }))
}

/// Runs `change` on a contract in one tenant transaction after checking that `event` is allowed
/// by the state machine; the contract's new state is saved. A refusal is audited and answered
/// with its problem code.
fn transition<T>(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    event: impl Fn(&Loaded) -> ContractEvent,
    change: impl FnOnce(&mut AnyConnection, &mut Loaded, ContractState) -> WorkflowResult<T>,
) -> WorkflowResult<T> {
    actor.require_ready()?;
    type Refusal = (TransitionError, String, ContractState);
    let refused = db::tenant_transaction(
        conn,
        &actor.tenant_id,
        |conn| -> WorkflowResult<Result<T, Refusal>> {
            let mut l = load(conn, actor, id)?;
            let f = facts(&l, actor);
            let ev = event(&l);
            match contract::apply(f.state, &ev, &f, &contract_actor(actor)) {
                Ok(next) => {
                    let out = change(conn, &mut l, next)?;
                    l.contract.state = next;
                    l.contract.updated_at = Millis::now().0;
                    contracts::save(conn, &l.contract)?;
                    Ok(Ok(out))
                }
                Err(e) => Ok(Err((e, format!("{ev:?}"), f.state))),
            }
        },
    )?;
    match refused {
        Ok(out) => Ok(out),
        Err((e, event, state)) => {
            db::tenant_transaction(conn, &actor.tenant_id, |conn| {
                audit::record(
                    conn,
                    &actor.tenant_id,
                    &actor.origin,
                    Entry {
                        action: AuditAction::ContractActionRefused,
                        target: Some(("contract", id)),
                        outcome: Outcome::Failure,
                        details: json!({ "event": event, "state": state.as_str(), "reason": e.as_str() }),
                    },
                    Millis::now(),
                )
                .map(|_| ())
            })?;
            Err(ProblemCode::from(e).into())
        }
    }
}
