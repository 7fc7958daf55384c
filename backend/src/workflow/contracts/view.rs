//! Reading: the page staff see of one contract, and the rows of a list.

use std::collections::{BTreeMap, BTreeSet};

use shared::access::Permission;
use shared::audit::AuditAction;
use shared::contract::{self, ContractState, DocumentRole, RecipientState};
use shared::dto::{
    ApprovalStepView, ApproverView, ContractSummaryView, ContractView, DocumentView, RecipientView,
    SealTroubleView, TimelineEntryView,
};
use shared::dto::{DisposalView, DisposedFileView, LegalHoldView};

use super::{Loaded, approver_ids, contract_actor, facts, load, step_complete};
use crate::clock::rfc3339;
use crate::db::AnyConnection;
use crate::db::ids::TenantId;
use crate::db::models::{Contract, Document, Recipient};
use crate::db::queries::retention::DisposalRow;
use crate::db::queries::{audit_events, departments, users};
use crate::jobs::{self, JobState};
use crate::workflow::actor::Actor;
use crate::workflow::error::WorkflowResult;
use crate::workflow::signing::SEAL_JOB;
use crate::workflow::views::uuid;

fn document_view(d: &Document) -> DocumentView {
    DocumentView {
        id: uuid(&d.id),
        role: d.role,
        file_name: d.file_name.clone(),
        content_type: d.content_type.clone(),
        size: d.size,
        sha256: d.sha256.clone(),
        page_count: d.page_count,
        created_at: rfc3339(d.created_at),
    }
}

fn recipient_view(r: &Recipient) -> RecipientView {
    RecipientView {
        id: uuid(&r.id),
        position: r.position,
        organization_name: r.organization_name.clone(),
        name: r.name.clone(),
        email: r.email.clone(),
        has_access_code: r.access_code_hash.is_some(),
        state: r.state,
        forwarded_from: r.forwarded_from.as_deref().map(uuid),
        notified_at: r.notified_at.map(rfc3339),
        verified_at: r.verified_at.map(rfc3339),
        agreed_at: r.agreed_at.map(rfc3339),
        declined_at: r.declined_at.map(rfc3339),
        decline_reason: r.decline_reason.clone(),
        mobile_phone: crate::workflow::sms_verification::phone(r).map(|p| p.domestic()),
    }
}

fn view(conn: &mut AnyConnection, actor: &Actor, l: &Loaded) -> WorkflowResult<ContractView> {
    let c = &l.contract;
    let events = audit_events::for_target(conn, &actor.tenant_id, &c.id, MAX_EVENTS)?;
    // Everyone the page names, read in one query.
    let mut wanted: BTreeSet<String> = l.steps.iter().flat_map(approver_ids).collect();
    wanted.insert(c.created_by.clone());
    if let Some(h) = &l.hold {
        wanted.insert(h.set_by.clone());
    }
    wanted.extend(events.iter().filter_map(|e| e.actor_id.clone()));
    let wanted: Vec<&String> = wanted.iter().collect();
    let names: BTreeMap<String, String> =
        users::names_of(conn, TenantId(&actor.tenant_id), &wanted)?
            .into_iter()
            .collect();
    let department_name = match &c.department_id {
        Some(d) => departments::get(conn, &actor.tenant_id, d)
            .ok()
            .map(|d| d.name),
        None => None,
    };
    let facts = facts(l, actor);
    let approval_steps = l
        .steps
        .iter()
        .map(|s| ApprovalStepView {
            id: uuid(&s.id),
            position: s.position,
            name: s.name.clone(),
            rule: s.rule,
            complete: step_complete(l, s),
            approvers: approver_ids(s)
                .iter()
                .map(|a| {
                    let d = l
                        .decisions
                        .iter()
                        .rev()
                        .find(|d| d.step_id == s.id && &d.user_id == a);
                    ApproverView {
                        user_id: uuid(a),
                        name: names.get(a).cloned().unwrap_or_default(),
                        decision: d.map(|d| d.decision),
                        comment: d.map(|d| d.comment.clone()).filter(|c| !c.is_empty()),
                        decided_at: d.map(|d| rfc3339(d.at)),
                    }
                })
                .collect(),
        })
        .collect();
    Ok(ContractView {
        id: uuid(&c.id),
        public_id: c.public_id.clone(),
        contract_number: c.contract_number.clone(),
        title: c.title.clone(),
        department_id: c.department_id.as_deref().map(uuid),
        department_name,
        organization_id: c.organization_id.as_deref().map(uuid),
        counterparty_name: c.counterparty_name.clone(),
        amount_yen: c.amount_yen,
        period_start: c.period_start.clone(),
        period_end: c.period_end.clone(),
        concluded_on: c.concluded_on.clone(),
        retention_years: c.retention_years,
        notes: c.notes.clone(),
        custom_fields: serde_json::from_str(&c.custom_fields).unwrap_or_default(),
        state: facts.state,
        recipient_order: c.recipient_order,
        allow_forwarding: c.allow_forwarding,
        message: c.message.clone(),
        stamp: c
            .stamp
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok()),
        approval_round: c.approval_round,
        expires_at: c.expires_at.map(rfc3339),
        sent_at: c.sent_at.map(rfc3339),
        concluded_at: c.concluded_at.map(rfc3339),
        created_by: uuid(&c.created_by),
        created_by_name: names.get(&c.created_by).cloned().unwrap_or_default(),
        created_at: rfc3339(c.created_at),
        updated_at: rfc3339(c.updated_at),
        // A disposed contract's files are gone and its recipients erased: the tombstone says
        // what there was.
        documents: match l.disposal {
            Some(_) => Vec::new(),
            None => l.documents.iter().map(document_view).collect(),
        },
        recipients: match l.disposal {
            Some(_) => Vec::new(),
            None => l.recipients.iter().map(recipient_view).collect(),
        },
        approval_steps,
        timeline: timeline(l, &names, events),
        allowed_actions: contract::allowed_actions(&facts, &contract_actor(actor)),
        facts,
        seal_trouble: seal_trouble(conn, l)?,
        retention_end: match &l.disposal {
            Some(t) => Some(t.retention_end.clone()),
            None => l.retention_end.map(|d| d.to_string()),
        },
        legal_hold: l.hold.as_ref().map(|h| LegalHoldView {
            reason: h.reason.clone(),
            set_by: uuid(&h.set_by),
            set_by_name: names.get(&h.set_by).cloned().unwrap_or_default(),
            set_at: rfc3339(h.set_at),
        }),
        disposal: l.disposal.as_ref().map(disposal_view).transpose()?,
    })
}

/// The tombstone as the page shows it.
fn disposal_view(t: &DisposalRow) -> WorkflowResult<DisposalView> {
    #[derive(serde::Deserialize)]
    struct File {
        role: String,
        sha256: String,
        size: i64,
    }
    let files: Vec<File> = serde_json::from_str(&t.files).map_err(anyhow::Error::from)?;
    Ok(DisposalView {
        contract_number: t.contract_number.clone(),
        title: t.title.clone(),
        prior_state: ContractState::try_from(t.prior_state.clone())?,
        concluded_on: t.concluded_on.clone(),
        period_start: t.period_start.clone(),
        period_end: t.period_end.clone(),
        retention_years: t.retention_years,
        retention_end: t.retention_end.clone(),
        files: files
            .into_iter()
            .map(|f| {
                Ok(DisposedFileView {
                    role: DocumentRole::try_from(f.role)?,
                    sha256: f.sha256,
                    size: f.size,
                })
            })
            .collect::<Result<_, shared::contract::UnknownStoredValue>>()?,
        request_id: uuid(&t.request_id),
        requested_by_name: t.requested_by_name.clone(),
        requested_at: rfc3339(t.requested_at),
        approved_by_name: t.approved_by_name.clone(),
        disposed_at: rfc3339(t.disposed_at),
    })
}

/// Why the service's seal is not made yet, when a seal job of this contract has failed and
/// sealing work is still pending (the sending seal, an agreement's seal, or the conclusion).
fn seal_trouble(conn: &mut AnyConnection, l: &Loaded) -> WorkflowResult<Option<SealTroubleView>> {
    let c = &l.contract;
    let pending = match c.state {
        ContractState::Concluding => true,
        ContractState::Sent => {
            !l.documents.iter().any(|d| d.role == DocumentRole::Sealed)
                || l.recipients
                    .iter()
                    .any(|r| r.state == RecipientState::Agreed && r.sealed_document_id.is_none())
        }
        _ => false,
    };
    if !pending {
        return Ok(None);
    }
    let fragment = format!("\"contract_id\":\"{}\"", c.id);
    let Some(job) = jobs::latest_failed(conn, &c.tenant_id, SEAL_JOB, &fragment)? else {
        return Ok(None);
    };
    if job.updated_at.0 < c.sent_at.unwrap_or(0) {
        return Ok(None); // a failure of an earlier sending (sent back since)
    }
    // The newest failure's Japanese reason, as the job recorded it in the log.
    let events = audit_events::for_target(conn, &c.tenant_id, &c.id, 1_000)?;
    let reason_ja = events
        .iter()
        .rev()
        .filter(|e| e.action == AuditAction::ContractSealFailed.as_str())
        .find_map(|e| {
            let d: serde_json::Value = serde_json::from_str(&e.details).ok()?;
            d.get("reason_ja")?.as_str().map(str::to_owned)
        })
        .unwrap_or_else(|| "電子署名の処理中にエラーが発生しました。".into());
    let gave_up = job.state == JobState::Dead;
    Ok(Some(SealTroubleView {
        gave_up,
        reason_ja,
        detail: job.last_error.clone().unwrap_or_default(),
        attempts: job.attempts,
        max_attempts: job.max_attempts,
        failed_at: rfc3339(job.updated_at.0),
        next_attempt_at: (!gave_up).then(|| rfc3339(job.run_at.0)),
    }))
}

/// The most events a contract's page shows.
const MAX_EVENTS: i64 = 1_000;

/// The contract's events from the operation log, with the comment or reason each carries;
/// `users` holds the names of the staff who acted.
fn timeline(
    l: &Loaded,
    users: &BTreeMap<String, String>,
    events: Vec<crate::db::models::AuditEvent>,
) -> Vec<TimelineEntryView> {
    let names = actor_names(l, users);
    events
        .into_iter()
        .map(|e| {
            let details: serde_json::Value = serde_json::from_str(&e.details).unwrap_or_default();
            let comment = ["comment", "reason"]
                .iter()
                .find_map(|k| details.get(*k).and_then(|v| v.as_str()))
                .filter(|c| !c.is_empty())
                .map(str::to_owned);
            let actor_name = names
                .get(e.actor_id.as_ref().unwrap_or(&e.actor_label))
                .cloned();
            TimelineEntryView {
                seq: e.seq,
                at: rfc3339(e.at),
                actor_label: e.actor_label,
                actor_name,
                action: e.action,
                result: e.result,
                comment,
            }
        })
        .collect()
}

/// The names people read for the actors of events, by user id or by the counterparty's
/// label `recipient:<e-mail>`: 氏名, or 氏名（組織名） for a counterparty.
fn actor_names(l: &Loaded, users: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut names: BTreeMap<String, String> = l
        .recipients
        .iter()
        .map(|r| {
            let name = if r.organization_name.is_empty() {
                r.name.clone()
            } else {
                format!("{}（{}）", r.name, r.organization_name)
            };
            (format!("recipient:{}", r.email), name)
        })
        .collect();
    names.extend(users.iter().map(|(id, name)| (id.clone(), name.clone())));
    names
}

/// `GET /contracts/{id}`.
#[tracing::instrument(skip_all, fields(tenant_id = %actor.tenant_id, actor_id = %actor.user_id, contract_id = %id))]
pub fn get(conn: &mut AnyConnection, actor: &Actor, id: &str) -> WorkflowResult<ContractView> {
    actor.require(conn, Permission::ViewContracts)?;
    let l = load(conn, actor, id)?;
    view(conn, actor, &l)
}

/// Department names by id, read once per list.
#[derive(Debug)]
pub(crate) struct DepartmentNames(BTreeMap<String, String>);

impl DepartmentNames {
    pub(crate) fn load(conn: &mut AnyConnection, tenant_id: &str) -> WorkflowResult<Self> {
        Ok(DepartmentNames(
            departments::names(conn, tenant_id)?.into_iter().collect(),
        ))
    }

    pub(crate) fn of(&self, c: &Contract) -> Option<String> {
        c.department_id
            .as_ref()
            .and_then(|d| self.0.get(d))
            .cloned()
    }
}

pub(super) fn summary_view(c: &Contract, names: &DepartmentNames) -> ContractSummaryView {
    ContractSummaryView {
        department_name: names.of(c),
        expires_at: c.expires_at.map(rfc3339),
        id: uuid(&c.id),
        contract_number: c.contract_number.clone(),
        title: c.title.clone(),
        counterparty_name: c.counterparty_name.clone(),
        department_id: c.department_id.as_deref().map(uuid),
        amount_yen: c.amount_yen,
        state: c.state,
        concluded_on: c.concluded_on.clone(),
        updated_at: rfc3339(c.updated_at),
    }
}
