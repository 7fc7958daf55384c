//! Retention and disposition (保存期間・廃棄, 仕様 5-(21)).
//!
//! * **保存期限.** Every contract that ended has a retention end: its own years (the tenant's
//!   default when it was created, overridable by `manage_retention`) counted under the tenant's
//!   rule ([`RetentionRule`]: 翌年度4月1日起算 or the anniversary, from 締結日 or the end of
//!   the contract period), see [`shared::records`].
//! * **廃棄保留.** A legal hold keeps a contract whatever its retention end; the state machine
//!   refuses `Dispose` while one is set, checked again at approval.
//! * **Two people.** One administrator requests the disposition of 廃棄候補, another approves
//!   (never the requester). Approval runs `Dispose` on each contract in one transaction: all
//!   or none. The tombstone and the audit trail stay; the audit rows are never rewritten.
//! * **Files last.** The blobs are deleted after the commit, and a durable job
//!   ([`DeleteBlobsHandler`]) does it again (idempotently) should the process die in between:
//!   a row never points to a deleted file. A blob whose bytes another live contract also has
//!   (the store keeps one file per hash) stays.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;
use shared::access::Permission;
use shared::audit::AuditAction;
use shared::contract::{ContractState, TransitionError};
use shared::dto::{
    ContractView, CreateDispositionRequest, DispositionCandidateView, DispositionDecisionRequest,
    DispositionItemView, DispositionState, DispositionView, LegalHoldRequest,
    RetentionOverrideRequest, RetentionRuleRequest,
};
use shared::problem::ProblemCode;
use shared::records::{
    Date, RetentionBasis, RetentionConvention, RetentionRule, contract_retention_end,
};
use shared::validate::{Text, ValidationError};

use crate::audit::{self, Entry, Outcome};
use crate::clock::{Millis, jst_day, rfc3339};
use crate::db::ids::{ContractId, TenantId, UserId};
use crate::db::models::{Contract, Tenant};
use crate::db::queries::retention::{self as q, DispositionRequestRow, LegalHoldRow};
use crate::db::queries::{contracts as contract_rows, tenants, users};
use crate::db::{self, AnyConnection, DbPool};
use crate::jobs::{Job, JobContext, JobError, JobHandler, NewJob};
use crate::storage::BlobStore;
use crate::workflow::actor::Actor;
use crate::workflow::contracts::{self, DepartmentNames, disposal};
use crate::workflow::error::{WorkflowError, WorkflowResult};
use crate::workflow::views::uuid;

/// The job that deletes a disposition's blobs (again) after its commit.
pub const DELETE_BLOBS_JOB: &str = "records.delete_blobs";

/// Most contracts in one disposition request.
pub const MAX_CONTRACTS: usize = 200;

/// Today in Japan (JST), the day 保存期限 are compared with.
pub fn today() -> Date {
    jst_day(Millis::now().0)
}

/// The tenant's rule (defaults when it never set one).
pub fn rule_of(conn: &mut AnyConnection, tenant: &Tenant) -> WorkflowResult<RetentionRule> {
    let row = q::rule(conn, TenantId(&tenant.id))?;
    let mut rule = RetentionRule {
        default_years: tenant.retention_years.unsigned_abs(),
        ..RetentionRule::default()
    };
    if let Some(row) = row {
        let stored = |what: &str, value: &str| {
            WorkflowError::Internal(anyhow::anyhow!(
                "stored retention {what} {value:?} is unknown"
            ))
        };
        rule.convention = RetentionConvention::parse(&row.convention)
            .ok_or_else(|| stored("convention", &row.convention))?;
        rule.basis =
            RetentionBasis::parse(&row.basis).ok_or_else(|| stored("basis", &row.basis))?;
    }
    Ok(rule)
}

/// The contract's 保存期限 under `rule`: from its 締結日 (or the end of its period), or, when
/// it ended unconcluded (却下・取消・期限切れ), from the day it ended — its last change, which
/// retention changes do not touch. `None` while the contract is open.
pub fn retention_end_of(rule: RetentionRule, c: &Contract) -> Option<Date> {
    let parse = |s: &Option<String>| s.as_deref().and_then(|d| Date::parse(d).ok());
    let ended_on = match c.state {
        ContractState::Declined | ContractState::Cancelled | ContractState::Expired => {
            Some(jst_day(c.updated_at))
        }
        ContractState::Concluded | ContractState::Disposed => None,
        ContractState::Draft
        | ContractState::PendingApproval
        | ContractState::Approved
        | ContractState::Sent
        | ContractState::Concluding => return None,
    };
    contract_retention_end(
        rule,
        c.retention_years.unsigned_abs(),
        parse(&c.concluded_on),
        parse(&c.period_end),
        ended_on,
    )
}

/// `GET /settings/retention`.
pub fn get_rule(conn: &mut AnyConnection, actor: &Actor) -> WorkflowResult<RetentionRule> {
    actor.require(conn, Permission::ManageSettings)?;
    let tenant = tenants::get(conn, &actor.tenant_id)?;
    rule_of(conn, &tenant)
}

/// `PUT /settings/retention`: the default years of new contracts and how retention is counted.
/// Existing contracts keep their years; their 保存期限 follow the new counting at once.
pub fn update_rule(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &RetentionRuleRequest,
) -> WorkflowResult<RetentionRule> {
    actor.require(conn, Permission::ManageSettings)?;
    if !(1..=100).contains(&req.default_years) {
        return Err(WorkflowError::field(
            "default_years",
            ValidationError::OutOfRange,
        ));
    }
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        let mut tenant = tenants::get(conn, &actor.tenant_id)?;
        let before = rule_of(conn, &tenant)?;
        tenant.retention_years = req.default_years as i32;
        tenants::update_settings(conn, &tenant)?;
        q::put_rule(
            conn,
            &q::RetentionRuleRow {
                tenant_id: actor.tenant_id.clone(),
                convention: req.convention.as_str().into(),
                basis: req.basis.as_str().into(),
                updated_at: Millis::now().0,
            },
        )?;
        let after = rule_of(conn, &tenant)?;
        actor.audit(
            conn,
            AuditAction::RetentionSettingsUpdated,
            Some(("tenant", &actor.tenant_id)),
            json!({
                "default_years": [before.default_years, after.default_years],
                "convention": [before.convention.as_str(), after.convention.as_str()],
                "basis": [before.basis.as_str(), after.basis.as_str()],
            }),
        )?;
        Ok(after)
    })
}

/// The contract (of the tenant), refused with `contract_disposed` once disposed of.
fn not_disposed(conn: &mut AnyConnection, actor: &Actor, id: &str) -> WorkflowResult<Contract> {
    let c = contract_rows::get(conn, TenantId(&actor.tenant_id), ContractId(id))?;
    if c.state == ContractState::Disposed {
        return Err(ProblemCode::ContractDisposed.into());
    }
    Ok(c)
}

/// `PUT /contracts/{id}/retention`: this contract's own retention years.
pub fn override_years(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    req: &RetentionOverrideRequest,
) -> WorkflowResult<ContractView> {
    actor.require(conn, Permission::ManageRetention)?;
    if !(1..=100).contains(&req.years) {
        return Err(WorkflowError::field("years", ValidationError::OutOfRange));
    }
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        let c = not_disposed(conn, actor, id)?;
        q::set_retention_years(
            conn,
            TenantId(&actor.tenant_id),
            ContractId(id),
            req.years as i32,
        )?;
        actor.audit(
            conn,
            AuditAction::RetentionOverridden,
            Some(("contract", id)),
            json!({ "retention_years": [c.retention_years, req.years] }),
        )
    })?;
    contracts::get(conn, actor, id)
}

/// `PUT /contracts/{id}/legal-hold`: 廃棄保留 with a reason (replaces an earlier one).
pub fn set_legal_hold(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    req: &LegalHoldRequest,
) -> WorkflowResult<ContractView> {
    actor.require(conn, Permission::ManageRetention)?;
    let reason = Text::parse(&req.reason)
        .map_err(|e| WorkflowError::field("reason", e))?
        .into_inner();
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        not_disposed(conn, actor, id)?;
        q::set_hold(
            conn,
            &LegalHoldRow {
                contract_id: id.to_owned(),
                tenant_id: actor.tenant_id.clone(),
                reason: reason.clone(),
                set_by: actor.user_id.clone(),
                set_at: Millis::now().0,
            },
        )?;
        actor.audit(
            conn,
            AuditAction::LegalHoldSet,
            Some(("contract", id)),
            json!({ "reason": reason }),
        )
    })?;
    contracts::get(conn, actor, id)
}

/// `DELETE /contracts/{id}/legal-hold`: releases the hold (a no-op refusal when none is set).
pub fn release_legal_hold(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
) -> WorkflowResult<ContractView> {
    actor.require(conn, Permission::ManageRetention)?;
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        not_disposed(conn, actor, id)?;
        let Some(hold) = q::hold(conn, TenantId(&actor.tenant_id), ContractId(id))? else {
            return Err(WorkflowError::not_found());
        };
        q::release_hold(conn, TenantId(&actor.tenant_id), ContractId(id))?;
        actor.audit(
            conn,
            AuditAction::LegalHoldReleased,
            Some(("contract", id)),
            json!({ "reason": hold.reason, "set_by": hold.set_by }),
        )
    })?;
    contracts::get(conn, actor, id)
}

/// `GET /dispositions/candidates`: the tenant's ended contracts whose 保存期限 lies before
/// today and that are not held, soonest ended first.
pub fn candidates(
    conn: &mut AnyConnection,
    actor: &Actor,
) -> WorkflowResult<Vec<DispositionCandidateView>> {
    actor.require(conn, Permission::DisposeRecords)?;
    let tenant_id = TenantId(&actor.tenant_id);
    let tenant = tenants::get(conn, &actor.tenant_id)?;
    let rule = rule_of(conn, &tenant)?;
    let held: BTreeSet<String> = q::held_ids(conn, tenant_id)?.into_iter().collect();
    let pending: BTreeMap<String, String> =
        q::pending_items(conn, tenant_id)?.into_iter().collect();
    let names = DepartmentNames::load(conn, &actor.tenant_id)?;
    let today = today();
    let mut out: Vec<(Date, DispositionCandidateView)> = q::ended_contracts(conn, tenant_id)?
        .into_iter()
        .filter(|c| !held.contains(&c.id))
        .filter_map(|c| {
            let end = retention_end_of(rule, &c).filter(|end| *end < today)?;
            Some((
                end,
                DispositionCandidateView {
                    id: uuid(&c.id),
                    department_name: names.of(&c),
                    contract_number: c.contract_number.clone(),
                    title: c.title.clone(),
                    state: c.state,
                    concluded_on: c.concluded_on.clone(),
                    retention_years: c.retention_years,
                    retention_end: end.to_string(),
                    pending_request_id: pending.get(&c.id).map(|r| uuid(r)),
                },
            ))
        })
        .collect();
    out.sort_by(|a, b| (a.0, &a.1.contract_number).cmp(&(b.0, &b.1.contract_number)));
    Ok(out.into_iter().map(|(_, v)| v).collect())
}

fn user_name(conn: &mut AnyConnection, tenant_id: &str, id: &str) -> WorkflowResult<String> {
    Ok(users::get(conn, TenantId(tenant_id), UserId(id))
        .map(|u| u.name)
        .unwrap_or_default())
}

fn disposition_view(
    conn: &mut AnyConnection,
    actor: &Actor,
    r: &DispositionRequestRow,
) -> WorkflowResult<DispositionView> {
    let tenant_id = TenantId(&actor.tenant_id);
    let mut items = Vec::new();
    for cid in q::items(conn, tenant_id, &r.id)? {
        let c = contract_rows::get(conn, tenant_id, ContractId(&cid))?;
        items.push(DispositionItemView {
            id: uuid(&c.id),
            contract_number: c.contract_number,
            title: c.title,
            state: c.state,
        });
    }
    Ok(DispositionView {
        id: uuid(&r.id),
        state: DispositionState::parse(&r.state)
            .ok_or_else(|| anyhow::anyhow!("unknown disposition state {:?}", r.state))?,
        reason: r.reason.clone(),
        requested_by: uuid(&r.requested_by),
        requested_by_name: user_name(conn, &actor.tenant_id, &r.requested_by)?,
        requested_at: rfc3339(r.requested_at),
        decided_by_name: match &r.decided_by {
            Some(u) => Some(user_name(conn, &actor.tenant_id, u)?),
            None => None,
        },
        decided_at: r.decided_at.map(rfc3339),
        comment: r.comment.clone(),
        contracts: items,
        requested_by_me: r.requested_by == actor.user_id,
    })
}

/// `GET /dispositions`: the tenant's disposition requests, newest first.
pub fn list_dispositions(
    conn: &mut AnyConnection,
    actor: &Actor,
) -> WorkflowResult<Vec<DispositionView>> {
    actor.require(conn, Permission::DisposeRecords)?;
    let rows = q::requests(conn, TenantId(&actor.tenant_id))?;
    rows.iter()
        .map(|r| disposition_view(conn, actor, r))
        .collect()
}

/// Records a refused disposition (its own transaction: the refused one was rolled back) and
/// answers `code`.
fn refuse(
    conn: &mut AnyConnection,
    actor: &Actor,
    target: Option<(&str, &str)>,
    code: ProblemCode,
    details: serde_json::Value,
) -> WorkflowError {
    let recorded = db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        audit::record(
            conn,
            &actor.tenant_id,
            &actor.origin,
            Entry {
                action: AuditAction::DispositionRefused,
                target,
                outcome: Outcome::Failure,
                details,
            },
            Millis::now(),
        )
        .map(|_| ())
    });
    match recorded {
        Ok(()) => code.into(),
        Err(e) => WorkflowError::from(e),
    }
}

/// A refusal found inside a transaction: rolled back, then audited by [`refuse`].
struct Refusal {
    code: ProblemCode,
    details: serde_json::Value,
}

impl Refusal {
    fn transition(contract_id: &str, e: TransitionError) -> Refusal {
        Refusal {
            code: ProblemCode::from(e),
            details: json!({ "contract_id": contract_id, "reason": e.as_str() }),
        }
    }
}

/// Runs `f` in a tenant transaction; a [`Refusal`] rolls it back and is audited.
fn refusable<T>(
    conn: &mut AnyConnection,
    actor: &Actor,
    target: Option<(&str, &str)>,
    f: impl FnOnce(&mut AnyConnection, &mut Option<Refusal>) -> WorkflowResult<T>,
) -> WorkflowResult<T> {
    let mut refusal: Option<Refusal> = None;
    let out = db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        let out = f(conn, &mut refusal)?;
        match &refusal {
            // Returning an error rolls the transaction back.
            Some(r) => Err(WorkflowError::Refused(r.code)),
            None => Ok(out),
        }
    });
    match (out, refusal) {
        (Err(WorkflowError::Refused(_)), Some(r)) => {
            Err(refuse(conn, actor, target, r.code, r.details))
        }
        (out, _) => out,
    }
}

fn comment(req: &DispositionDecisionRequest) -> WorkflowResult<String> {
    if req.comment.trim().is_empty() {
        return Ok(String::new());
    }
    Ok(Text::parse(&req.comment)
        .map_err(|e| WorkflowError::field("comment", e))?
        .into_inner())
}

/// `POST /dispositions`: requests the disposition of candidates. Each must be disposable now
/// (ended, retention over, not held) and in no other pending request.
pub fn request_disposition(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &CreateDispositionRequest,
) -> WorkflowResult<DispositionView> {
    actor.require(conn, Permission::DisposeRecords)?;
    let reason = Text::parse(&req.reason).map_err(|e| WorkflowError::field("reason", e))?;
    let ids: Vec<String> = req
        .contract_ids
        .iter()
        .map(|u| u.to_string())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if ids.is_empty() {
        return Err(WorkflowError::field(
            "contract_ids",
            ValidationError::EmptySelection,
        ));
    }
    if ids.len() > MAX_CONTRACTS {
        return Err(WorkflowError::field(
            "contract_ids",
            ValidationError::TooLong,
        ));
    }
    let row = DispositionRequestRow {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: actor.tenant_id.clone(),
        state: DispositionState::Pending.as_str().into(),
        reason: reason.into_inner(),
        requested_by: actor.user_id.clone(),
        requested_at: Millis::now().0,
        decided_by: None,
        decided_at: None,
        comment: String::new(),
    };
    refusable(conn, actor, None, |conn, refusal| {
        let pending: BTreeMap<String, String> = q::pending_items(conn, TenantId(&actor.tenant_id))?
            .into_iter()
            .collect();
        for id in &ids {
            if let Err(e) = disposal::check(conn, actor, id)? {
                *refusal = Some(Refusal::transition(id, e));
                return Ok(None);
            }
            if let Some(other) = pending.get(id) {
                *refusal = Some(Refusal {
                    code: ProblemCode::DispositionAlreadyRequested,
                    details: json!({ "contract_id": id, "request_id": other }),
                });
                return Ok(None);
            }
        }
        q::insert_request(conn, &row, &ids)?;
        actor.audit(
            conn,
            AuditAction::DispositionRequested,
            Some(("disposition", &row.id)),
            json!({ "contract_ids": ids, "reason": row.reason }),
        )?;
        Ok(Some(disposition_view(conn, actor, &row)?))
    })
    .map(|v| v.expect("a refusal returns an error"))
}

/// The pending request `id`, or why it cannot be decided by `actor`.
fn pending_request(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    refusal: &mut Option<Refusal>,
) -> WorkflowResult<Option<DispositionRequestRow>> {
    let row = q::request(conn, TenantId(&actor.tenant_id), id)?;
    if row.state != DispositionState::Pending.as_str() {
        *refusal = Some(Refusal {
            code: ProblemCode::DispositionNotPending,
            details: json!({ "request_id": id, "state": row.state }),
        });
        return Ok(None);
    }
    Ok(Some(row))
}

/// `POST /dispositions/{id}/approve`: a second administrator approves; every contract of the
/// request is disposed of, or none (a contract held or otherwise refused since the request
/// refuses the whole approval). The blobs are deleted after the commit.
pub fn approve_disposition(
    conn: &mut AnyConnection,
    actor: &Actor,
    blobs: &BlobStore,
    id: &str,
    req: &DispositionDecisionRequest,
) -> WorkflowResult<DispositionView> {
    actor.require(conn, Permission::DisposeRecords)?;
    let comment = comment(req)?;
    let (view, hashes) = refusable(conn, actor, Some(("disposition", id)), |conn, refusal| {
        let Some(mut row) = pending_request(conn, actor, id, refusal)? else {
            return Ok(None);
        };
        if row.requested_by == actor.user_id {
            *refusal = Some(Refusal {
                code: ProblemCode::DispositionSelfApproval,
                details: json!({ "request_id": id }),
            });
            return Ok(None);
        }
        let now = Millis::now();
        let requested_by_name = user_name(conn, &actor.tenant_id, &row.requested_by)?;
        let approved_by_name = user_name(conn, &actor.tenant_id, &actor.user_id)?;
        row.state = DispositionState::Approved.as_str().into();
        row.decided_by = Some(actor.user_id.clone());
        row.decided_at = Some(now.0);
        row.comment = comment.clone();
        let who = disposal::Deciders {
            request: &row,
            requested_by_name: &requested_by_name,
            approved_by_name: &approved_by_name,
        };
        let ids = q::items(conn, TenantId(&actor.tenant_id), id)?;
        let mut hashes = BTreeSet::new();
        for cid in &ids {
            match disposal::dispose(conn, actor, cid, &who, now)? {
                Ok(files) => hashes.extend(files),
                Err(e) => {
                    *refusal = Some(Refusal::transition(cid, e));
                    return Ok(None);
                }
            }
        }
        if q::decide_request(conn, &row)? == 0 {
            *refusal = Some(Refusal {
                code: ProblemCode::DispositionNotPending,
                details: json!({ "request_id": id }),
            });
            return Ok(None);
        }
        let hashes: Vec<String> = hashes.into_iter().collect();
        crate::jobs::enqueue(
            conn,
            NewJob::new(DELETE_BLOBS_JOB, json!({ "sha256": hashes })).tenant(&actor.tenant_id),
        )?;
        actor.audit(
            conn,
            AuditAction::DispositionApproved,
            Some(("disposition", id)),
            json!({ "contract_ids": ids, "requested_by": row.requested_by, "comment": comment }),
        )?;
        Ok(Some((disposition_view(conn, actor, &row)?, hashes)))
    })?
    .expect("a refusal returns an error");
    // After the commit; should this fail or the process die, the job deletes them.
    if let Err(e) = delete_unused_blobs(conn, blobs, &hashes) {
        tracing::warn!(error = %e, "disposed blobs left for the job");
    }
    Ok(view)
}

/// `POST /dispositions/{id}/reject` (another administrator) and `…/cancel` (the requester):
/// the request ends and nothing is disposed of.
pub fn close_disposition(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    req: &DispositionDecisionRequest,
    to: DispositionState,
) -> WorkflowResult<DispositionView> {
    actor.require(conn, Permission::DisposeRecords)?;
    let comment = comment(req)?;
    refusable(conn, actor, Some(("disposition", id)), |conn, refusal| {
        let Some(mut row) = pending_request(conn, actor, id, refusal)? else {
            return Ok(None);
        };
        let mine = row.requested_by == actor.user_id;
        let (action, wrong) = match to {
            DispositionState::Cancelled => (
                AuditAction::DispositionCancelled,
                (!mine).then_some(ProblemCode::DispositionNotRequester),
            ),
            _ => (
                AuditAction::DispositionRejected,
                mine.then_some(ProblemCode::DispositionSelfApproval),
            ),
        };
        if let Some(code) = wrong {
            *refusal = Some(Refusal {
                code,
                details: json!({ "request_id": id, "to": to.as_str() }),
            });
            return Ok(None);
        }
        row.state = to.as_str().into();
        row.decided_by = Some(actor.user_id.clone());
        row.decided_at = Some(Millis::now().0);
        row.comment = comment.clone();
        q::decide_request(conn, &row)?;
        actor.audit(
            conn,
            action,
            Some(("disposition", id)),
            json!({ "comment": comment }),
        )?;
        Ok(Some(disposition_view(conn, actor, &row)?))
    })
    .map(|v| v.expect("a refusal returns an error"))
}

/// Deletes the blobs among `hashes` that no live contract has: idempotent (a missing file is
/// fine). The number of files removed.
pub fn delete_unused_blobs(
    conn: &mut AnyConnection,
    blobs: &BlobStore,
    hashes: &[String],
) -> anyhow::Result<usize> {
    let mut removed = 0;
    for h in hashes {
        if q::blob_in_use(conn, h)? {
            continue;
        }
        if blobs
            .delete(h)
            .map_err(|e| anyhow::anyhow!("removing {h}: {e}"))?
        {
            removed += 1;
        }
    }
    Ok(removed)
}

/// [`DELETE_BLOBS_JOB`]: deletes a disposition's blobs, in case the deletion right after the
/// commit did not happen.
pub struct DeleteBlobsHandler {
    blobs: BlobStore,
}

impl DeleteBlobsHandler {
    /// A handler deleting from `blobs`.
    pub fn new(blobs: BlobStore) -> Self {
        DeleteBlobsHandler { blobs }
    }
}

#[derive(serde::Deserialize)]
struct DeleteBlobsPayload {
    sha256: Vec<String>,
}

impl JobHandler for DeleteBlobsHandler {
    fn kind(&self) -> &'static str {
        DELETE_BLOBS_JOB
    }

    fn run(&self, ctx: &JobContext, job: &Job) -> Result<(), JobError> {
        let payload: DeleteBlobsPayload = job.payload()?;
        let pool: &DbPool = &ctx.pool;
        let mut conn = pool.get().map_err(|e| JobError::Retry(e.to_string()))?;
        delete_unused_blobs(&mut conn, &self.blobs, &payload.sha256)
            .map(|_| ())
            .map_err(|e| JobError::Retry(e.to_string()))
    }
}
