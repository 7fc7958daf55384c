//! A draft's data: checking a `ContractRequest`, contract numbers, create, edit and duplicate.

use serde_json::json;
use shared::access::Permission;
use shared::audit::AuditAction;
use shared::contract::{self, ContractEvent, ContractState, RecipientOrder, RecipientState};
use shared::dto::{ContractRequest, ContractView, StampPlacement};
use shared::validate::{Name, Text, ValidationError, iso_date};

use super::view::get;
use super::{contract_actor, facts, load, transition};
use crate::clock::Millis;
use crate::db::ids::{ContractId, TenantId};
use crate::db::models::{ApprovalStep, Contract, Document, Recipient};
use crate::db::queries::{
    approvals, contracts, departments, documents, organizations, recipients, tenants,
};
use crate::db::{self, AnyConnection};
use crate::workflow::actor::Actor;
use crate::workflow::error::{FieldErrors, WorkflowError, WorkflowResult, optional};
use shared::problem::ProblemCode;

/// A checked `ContractRequest`.
pub(crate) struct CheckedContract {
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

pub(crate) fn check_contract(
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
    if let Some(Err(err)) = req.stamp.as_ref().map(StampPlacement::check) {
        e.push("stamp", err);
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
    e.finish_with(|| {
        Some(CheckedContract {
            title: title?.into_inner(),
            contract_number: number?.map(Name::into_inner),
            department_id,
            organization_id,
            counterparty_name: counterparty?,
            amount_yen: req.amount_yen,
            period_start: start?,
            period_end: end?,
            retention_years: req.retention_years,
            notes: notes?.map(Text::into_inner).unwrap_or_default(),
            custom_fields: serde_json::to_string(&req.custom_fields)
                .unwrap_or_else(|_| "{}".into()),
            recipient_order: req.recipient_order,
            allow_forwarding: req.allow_forwarding,
            message: message?.map(Text::into_inner).unwrap_or_default(),
            stamp: req
                .stamp
                .map(|s| serde_json::to_string(&s).unwrap_or_default()),
        })
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
#[tracing::instrument(skip_all, fields(tenant_id = %actor.tenant_id, actor_id = %actor.user_id, contract_id = %id))]
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
        return Err(ProblemCode::from(e).into());
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
            state: ContractState::Draft,
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
        let parts = DraftParts {
            documents: l
                .documents
                .iter()
                .filter(|d| d.role.is_uploaded())
                .cloned()
                .collect(),
            recipients: l
                .recipients
                .iter()
                .filter(|r| r.state != RecipientState::Forwarded)
                .cloned()
                .collect(),
            steps: l.steps.clone(),
        };
        insert_parts(conn, actor, &new_id, now, &parts)?;
        actor.audit(
            conn,
            AuditAction::ContractCreated,
            Some(("contract", &new_id)),
            json!({ "contract_number": c.contract_number, "title": c.title, "duplicated_from": l.contract.contract_number }),
        )
    })?;
    get(conn, actor, &new_id)
}

/// `POST /contracts`: a new draft.
#[tracing::instrument(skip_all, fields(tenant_id = %actor.tenant_id, actor_id = %actor.user_id))]
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
        let c = insert_draft(conn, actor, &tenant, &checked, &id, Millis::now().0)?;
        actor.audit(
            conn,
            AuditAction::ContractCreated,
            Some(("contract", &c.id)),
            json!({ "contract_number": c.contract_number, "title": c.title }),
        )
    })?;
    get(conn, actor, &id)
}

/// Inserts a new draft from checked data (inside the caller's tenant transaction): its number
/// (given, or the next of the tenant's pattern) and its row.
fn insert_draft(
    conn: &mut AnyConnection,
    actor: &Actor,
    tenant: &crate::db::models::Tenant,
    checked: &CheckedContract,
    id: &str,
    now: i64,
) -> WorkflowResult<Contract> {
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
        None => next_contract_number(conn, tenant, now)?,
    };
    let c = Contract {
        id: id.to_owned(),
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
        state: ContractState::Draft,
        recipient_order: checked.recipient_order,
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
    Ok(c)
}

/// A new draft's files, recipients and route before they belong to it: a duplicate's copies
/// or a template's. [`insert_parts`] gives them the draft's ids.
pub(crate) struct DraftParts {
    /// Files (their blobs are shared, by SHA-256).
    pub documents: Vec<Document>,
    /// Recipients in order (each starts waiting).
    pub recipients: Vec<Recipient>,
    /// The approval route's steps.
    pub steps: Vec<ApprovalStep>,
}

fn insert_parts(
    conn: &mut AnyConnection,
    actor: &Actor,
    contract_id: &str,
    now: i64,
    parts: &DraftParts,
) -> WorkflowResult<()> {
    for d in &parts.documents {
        documents::insert(
            conn,
            &Document {
                id: uuid::Uuid::new_v4().to_string(),
                tenant_id: actor.tenant_id.clone(),
                contract_id: contract_id.to_owned(),
                created_by: Some(actor.user_id.clone()),
                created_at: now,
                removed_at: None,
                ..d.clone()
            },
        )?;
    }
    for r in &parts.recipients {
        recipients::insert(
            conn,
            &Recipient {
                // The copy asks the same person the same way, SMS included.
                sms_phone: r.sms_phone.clone(),
                ..Recipient::waiting(
                    &actor.tenant_id,
                    contract_id,
                    r.position,
                    r.organization_name.clone(),
                    r.name.clone(),
                    r.email.clone(),
                    r.access_code_hash.clone(),
                    now,
                )
            },
        )?;
    }
    let steps: Vec<ApprovalStep> = parts
        .steps
        .iter()
        .map(|s| ApprovalStep {
            id: uuid::Uuid::new_v4().to_string(),
            tenant_id: actor.tenant_id.clone(),
            contract_id: contract_id.to_owned(),
            ..s.clone()
        })
        .collect();
    approvals::replace_steps(
        conn,
        TenantId(&actor.tenant_id),
        ContractId(contract_id),
        &steps,
    )?;
    Ok(())
}

/// A new draft from checked data and its parts, inside the caller's tenant transaction (the
/// caller audits): how a contract is made from a template (ひな形).
pub(crate) fn insert_with_parts(
    conn: &mut AnyConnection,
    actor: &Actor,
    checked: &CheckedContract,
    parts: &DraftParts,
) -> WorkflowResult<Contract> {
    let tenant = tenants::get(conn, &actor.tenant_id)?;
    let now = Millis::now().0;
    let id = uuid::Uuid::new_v4().to_string();
    let c = insert_draft(conn, actor, &tenant, checked, &id, now)?;
    insert_parts(conn, actor, &id, now, parts)?;
    Ok(c)
}

/// `PUT /contracts/{id}`: edit the data (Draft; in approval it returns to Draft).
#[tracing::instrument(skip_all, fields(tenant_id = %actor.tenant_id, actor_id = %actor.user_id, contract_id = %id))]
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
            c.recipient_order = checked.recipient_order;
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
