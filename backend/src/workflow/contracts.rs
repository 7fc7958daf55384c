//! Contracts (契約): drafts, their files, recipients and approval route, and every state change.
//!
//! Each state change goes through [`shared::contract::apply`] — the one state machine, which the
//! browser app also runs — with facts read from the database inside the same transaction, and is
//! recorded in the audit chain. Visibility: a user sees the contracts of their own department
//! (all departments with `ViewAllDepartments`), the ones they created and the ones they approve;
//! any other contract is a 404.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;
use shared::access::Permission;
use shared::audit::AuditAction;
use shared::contract::{
    self, ApprovalDecision, ApprovalRule, ContractAction, ContractActor, ContractEvent,
    ContractFacts, ContractState, RecipientOrder, RecipientState, TransitionError,
};
use shared::dto::{
    ApprovalRouteRequest, ApprovalStepView, ApproverView, ContractRequest, ContractSummaryView,
    ContractView, DocumentView, Page, RecipientView, RecipientsRequest, StampPlacement,
    TimelineEntryView,
};
use shared::problem::ProblemCode;
use shared::validate::{EmailAddress, Name, Text, ValidationError, iso_date};

use crate::audit::{self, Entry, Outcome};
use crate::clock::{Millis, rfc3339};
use crate::db::models::{ApprovalDecisionRow, ApprovalStep, Contract, Document, Recipient};
use crate::db::queries::contracts::{ContractFilter, ContractSort, Visibility};
use crate::db::queries::{
    approvals, audit_events, contracts, departments, documents, organizations, recipients, tenants,
    users,
};
use crate::db::{self, AnyConnection};
use crate::mail::{self, MailTemplate};
use crate::storage::{BlobStore, StorageError};
use crate::workflow::PageRequest;
use crate::workflow::actor::Actor;
use crate::workflow::approval_routes;
use crate::workflow::error::{FieldErrors, WorkflowError, WorkflowResult, optional};
use crate::workflow::purpose::Purpose;
use crate::workflow::signing::{self, Links, Notice};
use crate::workflow::views::uuid;

pub mod dashboard;
pub mod export;
pub mod file_type;

/// Upload limits (configurable; defaults 50 MB a file, 100 MB a contract).
#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    /// Largest single file.
    pub file_bytes: u64,
    /// Largest total of a contract's current files.
    pub contract_bytes: u64,
}

impl Default for UploadLimits {
    fn default() -> Self {
        UploadLimits {
            file_bytes: 50 * 1024 * 1024,
            contract_bytes: 100 * 1024 * 1024,
        }
    }
}

/// Which file an upload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentRole {
    /// The contract PDF (契約書) that is sealed; one per contract, an upload replaces it.
    Main,
    /// An attachment (添付資料), any type.
    Attachment,
}

impl DocumentRole {
    /// `main` / `attachment`.
    pub fn parse(s: &str) -> Option<DocumentRole> {
        match s {
            "main" => Some(DocumentRole::Main),
            "attachment" => Some(DocumentRole::Attachment),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            DocumentRole::Main => "main",
            DocumentRole::Attachment => "attachment",
        }
    }
}

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
}

fn load(conn: &mut AnyConnection, actor: &Actor, id: &str) -> WorkflowResult<Loaded> {
    let contract = contracts::get(conn, &actor.tenant_id, id)?;
    let steps = approvals::steps(conn, &actor.tenant_id, id)?;
    if !visible(actor, &contract, &steps) {
        return Err(WorkflowError::not_found());
    }
    let tenant = tenants::get(conn, &actor.tenant_id)?;
    Ok(Loaded {
        documents: documents::list_for_contract(conn, &actor.tenant_id, id)?,
        recipients: recipients::list_for_contract(conn, &actor.tenant_id, id)?,
        decisions: approvals::decisions(conn, &actor.tenant_id, id, contract.approval_round)?,
        steps,
        contract,
        approval_required: tenant.approval_required,
    })
}

fn visible(actor: &Actor, c: &Contract, steps: &[ApprovalStep]) -> bool {
    actor.permissions.contains(&Permission::ViewAllDepartments)
        || c.created_by == actor.user_id
        || (c.department_id.is_some() && c.department_id == actor.department_id)
        || steps
            .iter()
            .any(|s| approver_ids(s).iter().any(|a| a == &actor.user_id))
}

fn approver_ids(step: &ApprovalStep) -> Vec<String> {
    serde_json::from_str(&step.approver_ids).unwrap_or_default()
}

fn state_of(c: &Contract) -> ContractState {
    ContractState::parse(&c.state).unwrap_or(ContractState::Draft)
}

/// The approvals of `step` in the current round.
fn approvals_of<'a>(l: &'a Loaded, step: &ApprovalStep) -> Vec<&'a ApprovalDecisionRow> {
    l.decisions
        .iter()
        .filter(|d| d.step_id == step.id && d.decision == ApprovalDecision::Approved.as_str())
        .collect()
}

fn step_complete(l: &Loaded, step: &ApprovalStep) -> bool {
    let rule = ApprovalRule::parse(&step.rule).unwrap_or(ApprovalRule::All);
    rule.is_satisfied(approvals_of(l, step).len(), approver_ids(step).len())
}

/// The first step not yet complete in this round.
fn current_step(l: &Loaded) -> Option<&ApprovalStep> {
    l.steps.iter().find(|s| !step_complete(l, s))
}

fn main_document(l: &Loaded) -> Option<&Document> {
    l.documents.iter().rev().find(|d| d.role == "main")
}

fn facts(l: &Loaded, actor: &Actor) -> ContractFacts {
    let current = current_step(l);
    let active: Vec<&Recipient> = l
        .recipients
        .iter()
        .filter(|r| r.state != RecipientState::Forwarded.as_str())
        .collect();
    ContractFacts {
        state: state_of(&l.contract),
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
        any_recipient_agreed: active
            .iter()
            .any(|r| r.state == RecipientState::Agreed.as_str()),
        all_recipients_agreed: !active.is_empty()
            && active
                .iter()
                .all(|r| r.state == RecipientState::Agreed.as_str()),
        sealed_and_timestamped: l.documents.iter().any(|d| d.role == "sealed"),
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
    }
}

fn contract_actor(actor: &Actor) -> ContractActor {
    ContractActor::staff(actor.permissions.iter().copied())
}

fn document_view(d: &Document) -> DocumentView {
    DocumentView {
        id: uuid(&d.id),
        role: d.role.clone(),
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
        state: RecipientState::parse(&r.state).unwrap_or(RecipientState::Waiting),
        forwarded_from: r.forwarded_from.as_deref().map(uuid),
        notified_at: r.notified_at.map(rfc3339),
        verified_at: r.verified_at.map(rfc3339),
        agreed_at: r.agreed_at.map(rfc3339),
        declined_at: r.declined_at.map(rfc3339),
        decline_reason: r.decline_reason.clone(),
    }
}

fn view(conn: &mut AnyConnection, actor: &Actor, l: &Loaded) -> WorkflowResult<ContractView> {
    let c = &l.contract;
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut wanted: BTreeSet<String> = l.steps.iter().flat_map(approver_ids).collect();
    wanted.insert(c.created_by.clone());
    for id in wanted {
        if let Ok(u) = users::get(conn, &actor.tenant_id, &id) {
            names.insert(id, u.name);
        }
    }
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
            rule: ApprovalRule::parse(&s.rule).unwrap_or(ApprovalRule::All),
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
                        decision: d.and_then(|d| ApprovalDecision::parse(&d.decision)),
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
        recipient_order: RecipientOrder::parse(&c.recipient_order)
            .unwrap_or(RecipientOrder::Sequential),
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
        documents: l.documents.iter().map(document_view).collect(),
        recipients: l.recipients.iter().map(recipient_view).collect(),
        approval_steps,
        timeline: timeline(conn, actor, l)?,
        allowed_actions: contract::allowed_actions(&facts, &contract_actor(actor)),
        facts,
    })
}

/// The contract's events from the operation log, with the comment or reason each carries.
fn timeline(
    conn: &mut AnyConnection,
    actor: &Actor,
    l: &Loaded,
) -> WorkflowResult<Vec<TimelineEntryView>> {
    const MAX_EVENTS: i64 = 1_000;
    let events = audit_events::for_target(conn, &actor.tenant_id, &l.contract.id, MAX_EVENTS)?;
    let names = actor_names(conn, actor, l, &events);
    Ok(events
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
        .collect())
}

/// The names people read for the actors of `events`, by user id or by the counterparty's
/// label `recipient:<e-mail>`: 氏名, or 氏名（組織名） for a counterparty.
fn actor_names(
    conn: &mut AnyConnection,
    actor: &Actor,
    l: &Loaded,
    events: &[crate::db::models::AuditEvent],
) -> BTreeMap<String, String> {
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
    let users: BTreeSet<&String> = events.iter().filter_map(|e| e.actor_id.as_ref()).collect();
    for id in users {
        if let Ok(u) = users::get(conn, &actor.tenant_id, id) {
            names.insert(id.clone(), u.name);
        }
    }
    names
}

/// `GET /contracts/{id}`.
pub fn get(conn: &mut AnyConnection, actor: &Actor, id: &str) -> WorkflowResult<ContractView> {
    actor.require(conn, Permission::ViewContracts)?;
    let l = load(conn, actor, id)?;
    view(conn, actor, &l)
}

/// Query of `GET /contracts`.
#[derive(Debug, Default, Clone)]
pub struct ContractQuery {
    /// Free text over title, number and counterparty.
    pub q: Option<String>,
    /// 件名 contains.
    pub title: Option<String>,
    /// 契約番号 contains.
    pub contract_number: Option<String>,
    /// 相手方 contains.
    pub counterparty: Option<String>,
    /// 所属.
    pub department_id: Option<String>,
    /// States (any of).
    pub states: Vec<ContractState>,
    /// 契約締結日 from (YYYY-MM-DD).
    pub concluded_from: Option<String>,
    /// 契約締結日 to.
    pub concluded_to: Option<String>,
    /// Amount at least.
    pub amount_min: Option<i64>,
    /// Amount at most.
    pub amount_max: Option<i64>,
    /// `updated` (default), `concluded`, `number`, `amount`.
    pub sort: Option<String>,
    /// Only contracts waiting for this user's approval now.
    pub awaiting_my_approval: bool,
    /// Only contracts this user created.
    pub created_by_me: bool,
    /// Only this user's drafts that came back (差し戻し, recalled from the counterparty).
    pub returned_to_me: bool,
    /// Only contracts whose answer deadline is within this many days from now.
    pub expires_within_days: Option<u32>,
}

/// `GET /contracts`: the contracts this user may see, filtered.
pub fn list(
    conn: &mut AnyConnection,
    actor: &Actor,
    query: &ContractQuery,
    page: PageRequest,
) -> WorkflowResult<Page<ContractSummaryView>> {
    actor.require(conn, Permission::ViewContracts)?;
    let (filter, sort) = filter_for(conn, actor, query)?;
    let (rows, total) = contracts::list(
        conn,
        &actor.tenant_id,
        &filter,
        sort,
        page.page,
        page.per_page,
    )?;
    let names = DepartmentNames::load(conn, &actor.tenant_id)?;
    Ok(page.wrap(
        rows.iter().map(|c| summary_view(c, &names)).collect(),
        total,
    ))
}

/// What `actor` may see of the list: `None` is everything of the tenant.
fn visibility(conn: &mut AnyConnection, actor: &Actor) -> WorkflowResult<Option<Visibility>> {
    if actor.permissions.contains(&Permission::ViewAllDepartments) {
        return Ok(None);
    }
    Ok(Some(Visibility {
        departments: actor.department_id.iter().cloned().collect(),
        user_id: actor.user_id.clone(),
        contract_ids: approvals::contracts_with_approver(conn, &actor.tenant_id, &actor.user_id)?,
    }))
}

/// The checked query of the list (and of its CSV export), limited to what `actor` may see.
fn filter_for(
    conn: &mut AnyConnection,
    actor: &Actor,
    query: &ContractQuery,
) -> WorkflowResult<(ContractFilter, ContractSort)> {
    let mut e = FieldErrors::default();
    let from = e.check(
        "concluded_from",
        optional(query.concluded_from.as_deref(), iso_date),
    );
    let to = e.check(
        "concluded_to",
        optional(query.concluded_to.as_deref(), iso_date),
    );
    let sort = match query.sort.as_deref().unwrap_or("updated") {
        "updated" => ContractSort::UpdatedDesc,
        "concluded" => ContractSort::ConcludedDesc,
        "number" => ContractSort::NumberAsc,
        "amount" => ContractSort::AmountDesc,
        _ => {
            e.push("sort", ValidationError::OutOfRange);
            ContractSort::UpdatedDesc
        }
    };
    if query.expires_within_days.is_some_and(|d| d > 365) {
        e.push("expires_within_days", ValidationError::OutOfRange);
    }
    e.finish()?;
    let filter = ContractFilter {
        expires_before: query
            .expires_within_days
            .map(|d| Millis::now().0 + i64::from(d) * 86_400_000),
        visible_to: visibility(conn, actor)?,
        q: query.q.clone(),
        title: query.title.clone(),
        contract_number: query.contract_number.clone(),
        counterparty: query.counterparty.clone(),
        department_id: query.department_id.clone(),
        states: query.states.iter().map(|s| s.as_str().to_owned()).collect(),
        concluded_from: from.flatten(),
        concluded_to: to.flatten(),
        amount_min: query.amount_min,
        amount_max: query.amount_max,
        created_by: query.created_by_me.then(|| actor.user_id.clone()),
        ..ContractFilter::default()
    };
    // The two task filters are decided per contract by the workflow rules, then listed by id.
    let mut ids: Option<Vec<String>> = None;
    let mut keep = |found: Vec<Contract>| {
        let found: Vec<String> = found.into_iter().map(|c| c.id).collect();
        ids = Some(match ids.take() {
            None => found,
            Some(before) => before.into_iter().filter(|i| found.contains(i)).collect(),
        });
    };
    if query.awaiting_my_approval {
        keep(dashboard::awaiting_approval(conn, actor, &filter)?);
    }
    if query.returned_to_me {
        keep(dashboard::returned_to(conn, actor, &filter)?);
    }
    Ok((ContractFilter { ids, ..filter }, sort))
}

/// Department names by id, read once per list.
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

fn summary_view(c: &Contract, names: &DepartmentNames) -> ContractSummaryView {
    ContractSummaryView {
        department_name: names.of(c),
        expires_at: c.expires_at.map(rfc3339),
        id: uuid(&c.id),
        contract_number: c.contract_number.clone(),
        title: c.title.clone(),
        counterparty_name: c.counterparty_name.clone(),
        department_id: c.department_id.as_deref().map(uuid),
        amount_yen: c.amount_yen,
        state: state_of(c),
        concluded_on: c.concluded_on.clone(),
        updated_at: rfc3339(c.updated_at),
    }
}

// ---------------------------------------------------------------------------------------------
// Changing

/// A checked `ContractRequest`.
struct CheckedContract {
    title: String,
    contract_number: Option<String>,
    department_id: Option<String>,
    organization_id: Option<String>,
    counterparty_name: String,
    amount_yen: Option<i64>,
    period_start: Option<String>,
    period_end: Option<String>,
    retention_years: Option<i32>,
    notes: String,
    custom_fields: String,
    recipient_order: RecipientOrder,
    allow_forwarding: bool,
    message: String,
    stamp: Option<String>,
}

fn check_contract(
    conn: &mut AnyConnection,
    tenant_id: &str,
    req: &ContractRequest,
) -> WorkflowResult<CheckedContract> {
    let mut e = FieldErrors::default();
    let title = e.check("title", Name::parse(&req.title));
    let number = e.check(
        "contract_number",
        optional(req.contract_number.as_deref(), Name::parse),
    );
    let notes = e.check("notes", optional(req.notes.as_deref(), Text::parse));
    let message = e.check("message", optional(req.message.as_deref(), Text::parse));
    let start = e.check(
        "period_start",
        optional(req.period_start.as_deref(), iso_date),
    );
    let end = e.check("period_end", optional(req.period_end.as_deref(), iso_date));
    if let (Some(Some(s)), Some(Some(t))) = (&start, &end)
        && s > t
    {
        e.push("period_end", ValidationError::OutOfRange);
    }
    if req
        .amount_yen
        .is_some_and(|a| !(0..=1_000_000_000_000_000).contains(&a))
    {
        e.push("amount_yen", ValidationError::OutOfRange);
    }
    if req.retention_years.is_some_and(|y| !(1..=100).contains(&y)) {
        e.push("retention_years", ValidationError::OutOfRange);
    }
    if req.custom_fields.len() > 30 {
        e.push("custom_fields", ValidationError::TooLong);
    }
    for (k, v) in &req.custom_fields {
        if k.trim().is_empty() || k.chars().count() > 50 || v.chars().count() > 1000 {
            e.push("custom_fields", ValidationError::TooLong);
            break;
        }
    }
    if let Some(StampPlacement {
        page,
        x,
        y,
        width,
        height,
    }) = req.stamp
        && (page == 0
            || ![x, y, width, height]
                .iter()
                .all(|v| v.is_finite() && *v >= 0.0)
            || width < 120.0
            || height < 40.0
            || x + width > 5000.0
            || y + height > 5000.0)
    {
        e.push("stamp", ValidationError::OutOfRange);
    }
    let department_id = req.department_id.map(|d| d.to_string());
    if let Some(d) = &department_id
        && departments::get(conn, tenant_id, d).is_err()
    {
        e.push("department_id", ValidationError::UnknownReference);
    }
    let organization_id = req.organization_id.map(|o| o.to_string());
    let org_name = match &organization_id {
        Some(o) => match organizations::get(conn, tenant_id, o) {
            Ok(org) => Some(org.name),
            Err(_) => {
                e.push("organization_id", ValidationError::UnknownReference);
                None
            }
        },
        None => None,
    };
    let counterparty = match (
        req.counterparty_name
            .as_deref()
            .filter(|s| !s.trim().is_empty()),
        org_name,
    ) {
        (Some(n), _) => e
            .check("counterparty_name", Name::parse(n))
            .map(Name::into_inner),
        (None, Some(n)) => Some(n),
        (None, None) if organization_id.is_none() => {
            e.push("counterparty_name", ValidationError::Required);
            None
        }
        (None, None) => None,
    };
    e.finish()?;
    Ok(CheckedContract {
        title: title.map(Name::into_inner).unwrap_or_default(),
        contract_number: number.flatten().map(Name::into_inner),
        department_id,
        organization_id,
        counterparty_name: counterparty.unwrap_or_default(),
        amount_yen: req.amount_yen,
        period_start: start.flatten(),
        period_end: end.flatten(),
        retention_years: req.retention_years,
        notes: notes.flatten().map(Text::into_inner).unwrap_or_default(),
        custom_fields: serde_json::to_string(&req.custom_fields).unwrap_or_else(|_| "{}".into()),
        recipient_order: req.recipient_order,
        allow_forwarding: req.allow_forwarding,
        message: message.flatten().map(Text::into_inner).unwrap_or_default(),
        stamp: req
            .stamp
            .map(|s| serde_json::to_string(&s).unwrap_or_default()),
    })
}

/// The Japanese fiscal year (April–March) of a time, in JST.
pub fn fiscal_year(ms: i64) -> i32 {
    let t = crate::clock::jst(ms);
    if u8::from(t.month()) >= 4 {
        t.year()
    } else {
        t.year() - 1
    }
}

/// Fills a contract-number pattern: `{fy}` Reiwa fiscal year (8 for FY2026), `{fyyyy}` the
/// fiscal year in the Western calendar, `{seq}` / `{seq:N}` the counter (N digits, zero-padded).
pub fn format_contract_number(pattern: &str, fiscal_year: i32, seq: i64) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let token = &rest[open + 1..open + close];
        match token {
            "fy" => out.push_str(&(fiscal_year - 2018).to_string()),
            "fyyyy" => out.push_str(&fiscal_year.to_string()),
            "seq" => out.push_str(&seq.to_string()),
            t if t.starts_with("seq:") => {
                let width: usize = t[4..].parse().unwrap_or(1).min(12);
                out.push_str(&format!("{seq:0width$}"));
            }
            other => {
                out.push('{');
                out.push_str(other);
                out.push('}');
            }
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// The next free number of the tenant's pattern (inside the tenant transaction).
fn next_contract_number(
    conn: &mut AnyConnection,
    tenant: &crate::db::models::Tenant,
    now: i64,
) -> WorkflowResult<String> {
    loop {
        let fy = fiscal_year(now);
        let seq = contracts::next_number(conn, &tenant.id, fy)?;
        let n = format_contract_number(&tenant.contract_number_pattern, fy, seq);
        if !contracts::number_taken(conn, &tenant.id, &n)? {
            return Ok(n);
        }
    }
}

/// `POST /contracts/{id}/duplicate`: a new draft with the same data, files, recipients and
/// route (a new number; nothing of the original's progress).
pub fn duplicate(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
) -> WorkflowResult<ContractView> {
    actor.require_ready()?;
    let l = load(conn, actor, id)?;
    let f = facts(&l, actor);
    if let Err(e) = contract::apply(
        f.state,
        &ContractEvent::Duplicate,
        &f,
        &contract_actor(actor),
    ) {
        return Err(problem_of(e).into());
    }
    let new_id = uuid::Uuid::new_v4().to_string();
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        let tenant = tenants::get(conn, &actor.tenant_id)?;
        let now = Millis::now().0;
        let c = Contract {
            id: new_id.clone(),
            public_id: crate::auth::tokens::random_token()[..22].to_owned(),
            contract_number: next_contract_number(conn, &tenant, now)?,
            concluded_on: None,
            state: ContractState::Draft.as_str().to_owned(),
            approval_round: 0,
            expires_at: None,
            sent_at: None,
            concluded_at: None,
            created_by: actor.user_id.clone(),
            created_at: now,
            updated_at: now,
            ..l.contract.clone()
        };
        contracts::insert(conn, &c)?;
        for d in l
            .documents
            .iter()
            .filter(|d| d.role == "main" || d.role == "attachment")
        {
            documents::insert(
                conn,
                &Document {
                    id: uuid::Uuid::new_v4().to_string(),
                    contract_id: new_id.clone(),
                    created_by: Some(actor.user_id.clone()),
                    created_at: now,
                    ..d.clone()
                },
            )?;
        }
        for r in l
            .recipients
            .iter()
            .filter(|r| r.state != RecipientState::Forwarded.as_str())
        {
            recipients::insert(
                conn,
                &Recipient::waiting(
                    &actor.tenant_id,
                    &new_id,
                    r.position,
                    r.organization_name.clone(),
                    r.name.clone(),
                    r.email.clone(),
                    r.access_code_hash.clone(),
                    now,
                ),
            )?;
        }
        let steps: Vec<ApprovalStep> = l
            .steps
            .iter()
            .map(|s| ApprovalStep {
                id: uuid::Uuid::new_v4().to_string(),
                contract_id: new_id.clone(),
                ..s.clone()
            })
            .collect();
        approvals::replace_steps(conn, &actor.tenant_id, &new_id, &steps)?;
        actor.audit(
            conn,
            AuditAction::ContractCreated,
            Some(("contract", &new_id)),
            json!({ "contract_number": c.contract_number, "title": c.title, "duplicated_from": l.contract.contract_number }),
        )
    })?;
    get(conn, actor, &new_id)
}

/// `GET /approvers`: enabled users who may approve, for anyone who prepares contracts.
pub fn approvers(
    conn: &mut AnyConnection,
    actor: &Actor,
) -> WorkflowResult<Vec<shared::dto::ApproverOption>> {
    actor.require_ready()?;
    if !(actor.permissions.contains(&Permission::EditContracts)
        || actor.permissions.contains(&Permission::CreateContracts))
    {
        return actor
            .require(conn, Permission::EditContracts)
            .map(|_| Vec::new());
    }
    let mut out = Vec::new();
    for u in users::list_enabled(conn, &actor.tenant_id)? {
        let roles = crate::workflow::actor::parse_list(&u.roles, shared::access::Role::parse);
        let grants = crate::workflow::actor::parse_list(&u.grants, Permission::parse);
        if !shared::access::effective_permissions(&roles, &grants)
            .contains(&Permission::ApproveContracts)
        {
            continue;
        }
        let department_name = match &u.department_id {
            Some(d) => departments::get(conn, &actor.tenant_id, d)
                .ok()
                .map(|d| d.name),
            None => None,
        };
        out.push(shared::dto::ApproverOption {
            id: uuid(&u.id),
            name: u.name,
            department_name,
        });
    }
    Ok(out)
}

/// `POST /contracts`: a new draft.
pub fn create(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &ContractRequest,
) -> WorkflowResult<ContractView> {
    actor.require(conn, Permission::CreateContracts)?;
    let checked = check_contract(conn, &actor.tenant_id, req)?;
    let id = uuid::Uuid::new_v4().to_string();
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        let tenant = tenants::get(conn, &actor.tenant_id)?;
        let now = Millis::now().0;
        let number = match &checked.contract_number {
            Some(n) => {
                if contracts::number_taken(conn, &actor.tenant_id, n)? {
                    return Err(WorkflowError::field(
                        "contract_number",
                        ValidationError::OutOfRange,
                    ));
                }
                n.clone()
            }
            None => next_contract_number(conn, &tenant, now)?,
        };
        let c = Contract {
            id: id.clone(),
            tenant_id: actor.tenant_id.clone(),
            public_id: crate::auth::tokens::random_token()[..22].to_owned(),
            contract_number: number,
            title: checked.title.clone(),
            department_id: checked
                .department_id
                .clone()
                .or_else(|| actor.department_id.clone()),
            organization_id: checked.organization_id.clone(),
            counterparty_name: checked.counterparty_name.clone(),
            amount_yen: checked.amount_yen,
            period_start: checked.period_start.clone(),
            period_end: checked.period_end.clone(),
            concluded_on: None,
            retention_years: checked.retention_years.unwrap_or(tenant.retention_years),
            notes: checked.notes.clone(),
            custom_fields: checked.custom_fields.clone(),
            state: ContractState::Draft.as_str().to_owned(),
            recipient_order: checked.recipient_order.as_str().to_owned(),
            allow_forwarding: checked.allow_forwarding,
            message: checked.message.clone(),
            stamp: checked.stamp.clone(),
            approval_round: 0,
            expires_at: None,
            sent_at: None,
            concluded_at: None,
            created_by: actor.user_id.clone(),
            created_at: now,
            updated_at: now,
        };
        contracts::insert(conn, &c)?;
        actor.audit(
            conn,
            AuditAction::ContractCreated,
            Some(("contract", &c.id)),
            json!({ "contract_number": c.contract_number, "title": c.title }),
        )
    })?;
    get(conn, actor, &id)
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
                    l.contract.state = next.as_str().to_owned();
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
                        details: json!({ "event": event, "state": state.as_str(), "reason": e.code() }),
                    },
                    Millis::now(),
                )
                .map(|_| ())
            })?;
            Err(problem_of(e).into())
        }
    }
}

/// The API's problem code for a refused transition.
pub fn problem_of(e: TransitionError) -> ProblemCode {
    match e {
        TransitionError::Forbidden => ProblemCode::Forbidden,
        TransitionError::NotAllowedInState => ProblemCode::ContractStateConflict,
        TransitionError::ApprovalRequired => ProblemCode::ApprovalRequired,
        TransitionError::RouteIncomplete => ProblemCode::RouteIncomplete,
        TransitionError::NoDocument => ProblemCode::DocumentMissing,
        TransitionError::NoRecipients => ProblemCode::RecipientsMissing,
        TransitionError::SelfApproval => ProblemCode::SelfApproval,
        TransitionError::NotCurrentApprover => ProblemCode::NotCurrentApprover,
        TransitionError::AlreadyAgreed => ProblemCode::AlreadyAgreed,
        TransitionError::NotSealed => ProblemCode::NotSealed,
        TransitionError::RecipientsPending => ProblemCode::ContractStateConflict,
    }
}

/// `PUT /contracts/{id}`: edit the data (Draft; in approval it returns to Draft).
pub fn update(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    req: &ContractRequest,
) -> WorkflowResult<ContractView> {
    let checked = check_contract(conn, &actor.tenant_id, req)?;
    transition(
        conn,
        actor,
        id,
        |_| ContractEvent::Edit,
        |conn, l, _| {
            let c = &mut l.contract;
            if let Some(n) = &checked.contract_number
                && n != &c.contract_number
            {
                if contracts::number_taken(conn, &actor.tenant_id, n)? {
                    return Err(WorkflowError::field(
                        "contract_number",
                        ValidationError::OutOfRange,
                    ));
                }
                c.contract_number = n.clone();
            }
            c.title = checked.title.clone();
            c.department_id = checked.department_id.clone().or(c.department_id.take());
            c.organization_id = checked.organization_id.clone();
            c.counterparty_name = checked.counterparty_name.clone();
            c.amount_yen = checked.amount_yen;
            c.period_start = checked.period_start.clone();
            c.period_end = checked.period_end.clone();
            if let Some(y) = checked.retention_years {
                c.retention_years = y;
            }
            c.notes = checked.notes.clone();
            c.custom_fields = checked.custom_fields.clone();
            c.recipient_order = checked.recipient_order.as_str().to_owned();
            c.allow_forwarding = checked.allow_forwarding;
            c.message = checked.message.clone();
            c.stamp = checked.stamp.clone();
            actor.audit(
                conn,
                AuditAction::ContractUpdated,
                Some(("contract", id)),
                json!({ "fields": "data", "title": c.title }),
            )
        },
    )?;
    get(conn, actor, id)
}

/// `PUT /contracts/{id}/recipients`.
pub fn set_recipients(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    req: &RecipientsRequest,
) -> WorkflowResult<ContractView> {
    let mut e = FieldErrors::default();
    if req.recipients.len() > 20 {
        e.push("recipients", ValidationError::TooLong);
    }
    let mut checked = Vec::new();
    for (i, r) in req.recipients.iter().enumerate() {
        let org = e.check(
            &format!("recipients[{i}].organization_name"),
            Name::parse(&r.organization_name),
        );
        let name = e.check(&format!("recipients[{i}].name"), Name::parse(&r.name));
        let email = e.check(
            &format!("recipients[{i}].email"),
            EmailAddress::parse(&r.email),
        );
        let code = r
            .access_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        if let Some(Err(err)) = code.map(shared::validate::check_access_code) {
            e.push(&format!("recipients[{i}].access_code"), err);
        }
        checked.push((org, name, email, code.map(str::to_owned)));
    }
    e.finish()?;
    let existing = recipients::list_for_contract(conn, &actor.tenant_id, id)?;
    let mut hashed: Vec<Option<String>> = Vec::new();
    for ((_, _, email, code), req) in checked.iter().zip(&req.recipients) {
        hashed.push(match code {
            Some(code) => Some(crate::auth::password::hash(code)?),
            None if req.keep_access_code => email.as_ref().and_then(|e| {
                existing
                    .iter()
                    .find(|r| r.email == e.as_str())
                    .and_then(|r| r.access_code_hash.clone())
            }),
            None => None,
        });
    }
    transition(
        conn,
        actor,
        id,
        |_| ContractEvent::Edit,
        |conn, l, _| {
            let now = Millis::now().0;
            let rows: Vec<Recipient> = checked
                .into_iter()
                .zip(hashed)
                .enumerate()
                .map(|(i, ((org, name, email, _), hash))| {
                    Recipient::waiting(
                        &actor.tenant_id,
                        id,
                        i32::try_from(i + 1).unwrap_or(i32::MAX),
                        org.map(Name::into_inner).unwrap_or_default(),
                        name.map(Name::into_inner).unwrap_or_default(),
                        email.map(|e| e.as_str().to_owned()).unwrap_or_default(),
                        hash,
                        now,
                    )
                })
                .collect();
            recipients::replace(conn, &actor.tenant_id, id, &rows)?;
            l.recipients = rows;
            actor.audit(
            conn,
            AuditAction::ContractUpdated,
            Some(("contract", id)),
            json!({
                "fields": "recipients",
                "recipients": l.recipients.iter().map(|r| json!({"name": r.name, "email": r.email, "organization": r.organization_name})).collect::<Vec<_>>(),
            }),
        )
        },
    )?;
    get(conn, actor, id)
}

/// `PUT /contracts/{id}/approval-route`.
pub fn set_route(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    req: &ApprovalRouteRequest,
) -> WorkflowResult<ContractView> {
    let mut e = FieldErrors::default();
    let checked = approval_routes::check_steps(conn, actor, &req.steps, &mut e);
    let steps: Vec<ApprovalStep> = checked
        .into_iter()
        .enumerate()
        .map(|(i, s)| ApprovalStep {
            id: uuid::Uuid::new_v4().to_string(),
            tenant_id: actor.tenant_id.clone(),
            contract_id: id.to_owned(),
            position: i32::try_from(i + 1).unwrap_or(i32::MAX),
            name: s.name,
            rule: s.rule.as_str().to_owned(),
            approver_ids: serde_json::to_string(&s.approver_ids).unwrap_or_else(|_| "[]".into()),
        })
        .collect();
    e.finish()?;
    transition(
        conn,
        actor,
        id,
        |_| ContractEvent::Edit,
        |conn, l, _| {
            approvals::replace_steps(conn, &actor.tenant_id, id, &steps)?;
            l.steps = steps;
            actor.audit(
            conn,
            AuditAction::ContractUpdated,
            Some(("contract", id)),
            json!({
                "fields": "approval_route",
                "steps": l.steps.iter().map(|s| json!({"name": s.name, "rule": s.rule, "approvers": approver_ids(s)})).collect::<Vec<_>>(),
            }),
        )
        },
    )?;
    get(conn, actor, id)
}

/// An upload, already read (the handler enforces the size limit while reading).
pub struct Upload {
    /// Main PDF or attachment.
    pub role: DocumentRole,
    /// The name the user's file had (its extension says which type an attachment must be;
    /// the declared `Content-Type` is not trusted).
    pub file_name: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// An upload whose content has been looked at: the main PDF read by the sealing engine, an
/// attachment's type told from its bytes. Made by [`check_upload`] before a database
/// connection is taken, since reading a PDF can take a while.
pub struct CheckedUpload {
    upload: Upload,
    /// The accepted type and (main PDF) page count, or why the content was refused.
    outcome: Result<(file_type::FileType, Option<i32>), Refusal>,
}

/// Why an upload's content was refused.
enum Refusal {
    /// The sealing engine cannot read the main PDF.
    Pdf(pades::PadesError),
    /// An attachment's type is not accepted or does not match its content.
    Type(file_type::FileTypeError),
}

impl Refusal {
    /// The problem code, the machine-readable reason and the detail for the audit event.
    fn describe(&self) -> (ProblemCode, &'static str, String) {
        match self {
            Refusal::Pdf(err) => (
                crate::seal::problem_of_refused_pdf(err),
                err.code(),
                err.to_string(),
            ),
            Refusal::Type(t) => {
                let code = ProblemCode::from(*t);
                (code, code.as_str(), code.message_en().to_owned())
            }
        }
    }
}

/// Looks at an upload's content (CPU only, no database): see [`CheckedUpload`].
pub fn check_upload(upload: Upload) -> CheckedUpload {
    let outcome = if upload.role == DocumentRole::Main {
        pades::inspect(&upload.bytes)
            .map(|info| {
                let pages = i32::try_from(info.page_count).unwrap_or(i32::MAX);
                (file_type::FileType::Pdf, Some(pages))
            })
            .map_err(Refusal::Pdf)
    } else {
        file_type::FileType::detect(&upload.file_name, &upload.bytes)
            .map(|t| (t, None))
            .map_err(Refusal::Type)
    };
    CheckedUpload { upload, outcome }
}

/// `POST /contracts/{id}/documents`: a main PDF (checked by the sealing engine's reader, so
/// that a file that cannot be sealed is refused at once, with its reason) or an attachment of
/// one of the accepted types.
pub fn upload_document(
    conn: &mut AnyConnection,
    actor: &Actor,
    store: &BlobStore,
    limits: UploadLimits,
    id: &str,
    checked: CheckedUpload,
) -> WorkflowResult<ContractView> {
    actor.require(conn, Permission::EditContracts)?;
    let CheckedUpload { upload, outcome } = checked;
    let mut e = FieldErrors::default();
    let file_name = e
        .check("file_name", Name::parse(&upload.file_name))
        .map(Name::into_inner)
        .unwrap_or_default();
    e.finish()?;
    if upload.bytes.len() as u64 > limits.file_bytes {
        return Err(ProblemCode::PayloadTooLarge.into());
    }
    let (kind, page_count) = match outcome {
        Ok(accepted) => accepted,
        Err(refusal) => {
            let (code, reason, detail) = refusal.describe();
            db::tenant_transaction(conn, &actor.tenant_id, |conn| {
                load(conn, actor, id)?;
                audit::record(
                conn,
                &actor.tenant_id,
                &actor.origin,
                Entry {
                    action: AuditAction::DocumentRejected,
                    target: Some(("contract", id)),
                    outcome: Outcome::Failure,
                    details: json!({ "file_name": file_name, "role": upload.role.as_str(), "reason": reason, "detail": detail }),
                },
                Millis::now(),
            )
            .map(|_| ())
            .map_err(WorkflowError::from)
            })?;
            return Err(code.into());
        }
    };
    let stored = store.put(&upload.bytes).map_err(storage_error)?;
    let content_type = kind.media_type().to_owned();
    transition(
        conn,
        actor,
        id,
        |_| ContractEvent::Edit,
        |conn, l, _| {
            let now = Millis::now().0;
            let replaced: Vec<String> = if upload.role == DocumentRole::Main {
                l.documents
                    .iter()
                    .filter(|d| d.role == "main")
                    .map(|d| d.id.clone())
                    .collect()
            } else {
                Vec::new()
            };
            let kept: u64 = l
                .documents
                .iter()
                .filter(|d| !replaced.contains(&d.id))
                .map(|d| d.size.max(0) as u64)
                .sum();
            if kept + stored.size > limits.contract_bytes {
                return Err(ProblemCode::ContractTooLarge.into());
            }
            for r in &replaced {
                documents::mark_removed(conn, &actor.tenant_id, r, now)?;
            }
            let doc = Document {
                id: uuid::Uuid::new_v4().to_string(),
                tenant_id: actor.tenant_id.clone(),
                contract_id: id.to_owned(),
                role: upload.role.as_str().to_owned(),
                file_name: file_name.clone(),
                content_type: content_type.clone(),
                size: i64::try_from(stored.size).unwrap_or(i64::MAX),
                sha256: stored.sha256.clone(),
                page_count,
                created_by: Some(actor.user_id.clone()),
                created_at: now,
                removed_at: None,
            };
            documents::insert(conn, &doc)?;
            actor.audit(
            conn,
            AuditAction::DocumentUploaded,
            Some(("contract", id)),
            json!({ "document_id": doc.id, "role": doc.role, "file_name": doc.file_name, "sha256": doc.sha256, "size": doc.size, "pages": doc.page_count, "replaced": replaced }),
        )
        },
    )?;
    get(conn, actor, id)
}

fn storage_error(e: StorageError) -> WorkflowError {
    match e {
        StorageError::TooLarge { .. } => ProblemCode::PayloadTooLarge.into(),
        other => WorkflowError::Internal(anyhow::Error::new(other)),
    }
}

/// `DELETE /contracts/{id}/documents/{doc}`: remove a file from a draft.
pub fn remove_document(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    document_id: &str,
) -> WorkflowResult<ContractView> {
    actor.require(conn, Permission::EditContracts)?;
    transition(
        conn,
        actor,
        id,
        |_| ContractEvent::Edit,
        |conn, _, _| {
            let doc = documents::get(conn, &actor.tenant_id, id, document_id)?;
            if doc.role != "main" && doc.role != "attachment" {
                return Err(ProblemCode::ContractStateConflict.into());
            }
            documents::mark_removed(conn, &actor.tenant_id, document_id, Millis::now().0)?;
            actor.audit(
                conn,
                AuditAction::DocumentRemoved,
                Some(("contract", id)),
                json!({ "document_id": doc.id, "file_name": doc.file_name, "sha256": doc.sha256 }),
            )
        },
    )?;
    get(conn, actor, id)
}

/// A file to send: its row and where its bytes are.
pub struct Download {
    /// The row (name, type, hash).
    pub document: Document,
    /// The stored bytes.
    pub path: std::path::PathBuf,
}

/// `GET /contracts/{id}/documents/{doc}`: byte-exact, audited. `purpose` says whether the file
/// is saved or only shown in the page (see [`Purpose`]).
pub fn download_document(
    conn: &mut AnyConnection,
    actor: &Actor,
    store: &BlobStore,
    id: &str,
    document_id: &str,
    purpose: Purpose,
) -> WorkflowResult<Download> {
    actor.require(conn, Permission::DownloadDocuments)?;
    load(conn, actor, id)?;
    let document = documents::get(conn, &actor.tenant_id, id, document_id)?;
    let path = store.path(&document.sha256).map_err(storage_error)?;
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        let Some(action) = purpose.action(
            conn,
            (
                &actor.tenant_id,
                id,
                &actor.origin.actor_label,
                &document.id,
            ),
            AuditAction::DocumentDownloaded,
            AuditAction::DocumentViewed,
        )?
        else {
            return Ok(());
        };
        actor.audit(
            conn,
            action,
            Some(("contract", id)),
            json!({ "document_id": document.id, "file_name": document.file_name, "sha256": document.sha256 }),
        )
    })?;
    Ok(Download { document, path })
}

/// A staff action on a contract: submit, approve, reject, withdraw, send, send back, cancel.
pub fn act(
    conn: &mut AnyConnection,
    actor: &Actor,
    links: &Links,
    id: &str,
    action: ContractAction,
    comment: &str,
) -> WorkflowResult<ContractView> {
    let comment = comment.trim();
    if comment.chars().count() > 2000 {
        return Err(WorkflowError::field("comment", ValidationError::TooLong));
    }
    let (audit_action, event_of): (AuditAction, fn(&Loaded, &Actor) -> ContractEvent) = match action
    {
        ContractAction::Submit => (AuditAction::ContractSubmitted, |_, _| ContractEvent::Submit),
        ContractAction::Approve => (AuditAction::ContractApproved, |l, actor| {
            ContractEvent::Approve {
                final_step: approval_completes_route(l, actor),
            }
        }),
        ContractAction::Reject => (AuditAction::ContractRejected, |_, _| ContractEvent::Reject),
        ContractAction::Withdraw => (AuditAction::ContractWithdrawn, |_, _| {
            ContractEvent::Withdraw
        }),
        ContractAction::Send => (AuditAction::ContractSent, |_, _| ContractEvent::Send),
        ContractAction::SendBack => (AuditAction::ContractSentBack, |_, _| {
            ContractEvent::SendBack
        }),
        ContractAction::Cancel => (AuditAction::ContractCancelled, |_, _| ContractEvent::Cancel),
        ContractAction::Remind => (AuditAction::ContractReminded, |_, _| ContractEvent::Remind),
        _ => return Err(ProblemCode::ContractStateConflict.into()),
    };
    transition(
        conn,
        actor,
        id,
        |l| event_of(l, actor),
        |conn, l, next| {
            let now = Millis::now().0;
            let mut details = json!({ "from": l.contract.state, "to": next.as_str() });
            if !comment.is_empty() {
                details["comment"] = json!(comment);
            }
            match action {
                ContractAction::Submit => {
                    l.contract.approval_round += 1;
                    details["round"] = json!(l.contract.approval_round);
                }
                ContractAction::Approve | ContractAction::Reject => {
                    let step = current_step(l).ok_or(ProblemCode::NotCurrentApprover)?;
                    let decision = if action == ContractAction::Approve {
                        ApprovalDecision::Approved
                    } else {
                        ApprovalDecision::Rejected
                    };
                    details["step"] = json!(step.name);
                    approvals::insert_decision(
                        conn,
                        &ApprovalDecisionRow {
                            id: uuid::Uuid::new_v4().to_string(),
                            tenant_id: actor.tenant_id.clone(),
                            contract_id: id.to_owned(),
                            step_id: step.id.clone(),
                            round: l.contract.approval_round,
                            user_id: actor.user_id.clone(),
                            decision: decision.as_str().to_owned(),
                            comment: comment.to_owned(),
                            at: now,
                        },
                    )?;
                }
                ContractAction::Send => {
                    let tenant = tenants::get(conn, &actor.tenant_id)?;
                    l.contract.sent_at = Some(now);
                    l.contract.expires_at =
                        Some(now + i64::from(tenant.link_expiry_days) * 86_400_000);
                    let order = RecipientOrder::parse(&l.contract.recipient_order)
                        .unwrap_or(RecipientOrder::Sequential);
                    let mut notified = Vec::new();
                    let contract = l.contract.clone();
                    for (i, r) in l.recipients.iter_mut().enumerate() {
                        if order == RecipientOrder::Parallel || i == 0 {
                            signing::notify(
                                conn,
                                links,
                                &contract,
                                r,
                                Notice::Request,
                                &actor.origin,
                            )?;
                            notified.push(r.email.clone());
                        }
                    }
                    details["notified"] = json!(notified);
                }
                ContractAction::SendBack => {
                    for r in l.recipients.iter_mut() {
                        r.state = RecipientState::Waiting.as_str().to_owned();
                        r.link_token_hash = None;
                        r.link_expires_at = None;
                        r.session_token_hash = None;
                        r.updated_at = now;
                        recipients::save(conn, r)?;
                    }
                    l.contract.sent_at = None;
                    l.contract.expires_at = None;
                }
                ContractAction::Remind => {
                    let contract = l.contract.clone();
                    let mut reminded = Vec::new();
                    for r in l.recipients.iter_mut() {
                        let pending = r.state == RecipientState::Notified.as_str()
                            || r.state == RecipientState::Verified.as_str();
                        if pending {
                            signing::notify(
                                conn,
                                links,
                                &contract,
                                r,
                                Notice::Reminder,
                                &actor.origin,
                            )?;
                            reminded.push(r.email.clone());
                        }
                    }
                    details["reminded"] = json!(reminded);
                }
                _ => {}
            }
            staff_notices(conn, actor, links, l, action, comment)?;
            actor.audit(conn, audit_action, Some(("contract", id)), details)
        },
    )?;
    get(conn, actor, id)
}

/// Mails to staff about the approval route: the next approvers when it is their turn, the
/// contract's creator when it is approved or sent back.
fn staff_notices(
    conn: &mut AnyConnection,
    actor: &Actor,
    links: &Links,
    l: &Loaded,
    action: ContractAction,
    comment: &str,
) -> WorkflowResult<()> {
    let c = &l.contract;
    let contract = mail::ContractRef {
        title: c.title.clone(),
        number: c.contract_number.clone(),
    };
    let link = format!("{}/contracts/{}", links.base, c.id);
    let me = users::get(conn, &actor.tenant_id, &actor.user_id)?.name;
    let comment = Some(comment.to_owned()).filter(|c| !c.is_empty());
    let department = match &c.department_id {
        Some(d) => departments::get(conn, &c.tenant_id, d)
            .map(|d| d.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    let mut mails: Vec<(String, MailTemplate)> = Vec::new();
    let ask =
        |step: &ApprovalStep, mails: &mut Vec<(String, MailTemplate)>, conn: &mut AnyConnection| {
            for a in approver_ids(step) {
                if let Ok(u) = users::get(conn, &c.tenant_id, &a) {
                    mails.push((
                        a.clone(),
                        MailTemplate::ApprovalRequested(mail::ApprovalRequested {
                            approver_name: u.name,
                            requester: me.clone(),
                            department: department.clone(),
                            contract: contract.clone(),
                            comment: comment.clone(),
                            link: link.clone(),
                        }),
                    ));
                }
            }
        };
    let creator = users::get(conn, &c.tenant_id, &c.created_by)?;
    match action {
        ContractAction::Submit => {
            if let Some(first) = l.steps.first() {
                ask(first, &mut mails, conn);
            }
        }
        ContractAction::Approve => {
            let complete = approval_completes_route(l, actor)
                || l.contract.state == ContractState::Approved.as_str();
            // The decision is recorded in this transaction: re-read to find the next step.
            let decisions = approvals::decisions(conn, &c.tenant_id, &c.id, c.approval_round)?;
            let step_done = |s: &ApprovalStep| {
                let n = decisions
                    .iter()
                    .filter(|d| {
                        d.step_id == s.id && d.decision == ApprovalDecision::Approved.as_str()
                    })
                    .count();
                ApprovalRule::parse(&s.rule)
                    .unwrap_or(ApprovalRule::All)
                    .is_satisfied(n, approver_ids(s).len())
            };
            match l.steps.iter().find(|s| !step_done(s)) {
                Some(next) if !complete => {
                    let previous_done = l
                        .steps
                        .iter()
                        .take_while(|s| s.id != next.id)
                        .all(step_done);
                    let first_decision_here = !decisions.iter().any(|d| d.step_id == next.id);
                    if previous_done && first_decision_here {
                        ask(next, &mut mails, conn);
                    }
                }
                _ => mails.push((
                    creator.id.clone(),
                    MailTemplate::Approved(mail::Approved {
                        staff_name: creator.name.clone(),
                        approver: me.clone(),
                        contract: contract.clone(),
                        route_complete: true,
                        comment: comment.clone(),
                        link: link.clone(),
                    }),
                )),
            }
        }
        ContractAction::Reject => mails.push((
            creator.id.clone(),
            MailTemplate::SentBack(mail::SentBack {
                staff_name: creator.name.clone(),
                approver: me.clone(),
                contract: contract.clone(),
                comment: comment.clone().unwrap_or_default(),
                link: link.clone(),
            }),
        )),
        _ => {}
    }
    for (user_id, template) in mails {
        let u = users::get(conn, &c.tenant_id, &user_id)?;
        if u.disabled {
            continue;
        }
        if let Some(to) = mail::mailbox(&u.name, &u.email) {
            mail::enqueue(conn, &c.tenant_id, &to, &template)?;
        }
    }
    Ok(())
}

/// Whether this actor's approval completes the current step and that step is the last one.
fn approval_completes_route(l: &Loaded, actor: &Actor) -> bool {
    let Some(step) = current_step(l) else {
        return false;
    };
    let is_last = l.steps.last().is_some_and(|s| s.id == step.id);
    let rule = ApprovalRule::parse(&step.rule).unwrap_or(ApprovalRule::All);
    let already = approvals_of(l, step)
        .iter()
        .any(|d| d.user_id == actor.user_id);
    let count = approvals_of(l, step).len() + usize::from(!already);
    is_last && rule.is_satisfied(count, approver_ids(step).len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_numbers() {
        assert_eq!(
            format_contract_number("R{fy}-{seq:6}", 2026, 123),
            "R8-000123"
        );
        assert_eq!(
            format_contract_number("契約{fyyyy}-{seq}", 2026, 7),
            "契約2026-7"
        );
        assert_eq!(format_contract_number("{x}-{seq:2}", 2026, 7), "{x}-07");
        assert_eq!(format_contract_number("A{fy", 2026, 7), "A{fy");
    }

    #[test]
    fn fiscal_years_start_in_april_jst() {
        // 2027-03-31T15:00Z is 2027-04-01 00:00 JST.
        assert_eq!(fiscal_year(1_806_505_200_000 - 1), 2026);
        assert_eq!(fiscal_year(1_806_505_200_000), 2027);
    }
}
