//! Who takes part: the recipients (相手方), the approval route and the approvers to choose from.

use serde_json::json;
use shared::access::Permission;
use shared::audit::AuditAction;
use shared::contract::ContractEvent;
use shared::dto::{ApprovalRouteRequest, ContractView, RecipientsRequest};
use shared::problem::ProblemCode;
use shared::validate::{EmailAddress, MobilePhone, Name, ValidationError};

use super::view::get;
use super::{approver_ids, transition};
use crate::clock::Millis;
use crate::db::AnyConnection;
use crate::db::ids::{ContractId, TenantId};
use crate::db::models::{ApprovalStep, Recipient};
use crate::db::queries::{approvals, departments, recipients, users};
use crate::workflow::actor::Actor;
use crate::workflow::approval_routes;
use crate::workflow::error::{FieldErrors, WorkflowResult, optional};
use crate::workflow::views::uuid;

/// `PUT /contracts/{id}/recipients`. A mobile number (SMS認証) needs an SMS provider
/// (`sms_available`), else the request is refused with `sms_not_configured`.
#[tracing::instrument(skip_all, fields(tenant_id = %actor.tenant_id, actor_id = %actor.user_id, contract_id = %id))]
pub fn set_recipients(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    req: &RecipientsRequest,
    sms_available: bool,
) -> WorkflowResult<ContractView> {
    let mut e = FieldErrors::default();
    if req.recipients.len() > 20 {
        e.push("recipients", ValidationError::TooLong);
    }
    let mut checked = Vec::new();
    let mut phones = Vec::new();
    for (i, r) in req.recipients.iter().enumerate() {
        let (org, name, email) =
            check_recipient(&mut e, i, &r.organization_name, &r.name, &r.email);
        let code = r
            .access_code
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        if let Some(Err(err)) = code.map(shared::validate::check_access_code) {
            e.push(&format!("recipients[{i}].access_code"), err);
        }
        let phone = e
            .check(
                &format!("recipients[{i}].mobile_phone"),
                optional(r.mobile_phone.as_deref(), MobilePhone::parse),
            )
            .flatten();
        phones.push(phone.map(|p| p.e164().to_owned()));
        checked.push((org, name, email, code.map(str::to_owned)));
    }
    e.finish()?;
    if !sms_available && phones.iter().any(Option::is_some) {
        return Err(ProblemCode::SmsNotConfigured.into());
    }
    let existing = recipients::list_for_contract(conn, TenantId(&actor.tenant_id), ContractId(id))?;
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
                .zip(phones)
                .enumerate()
                .map(
                    |(i, (((org, name, email, _), hash), sms_phone))| Recipient {
                        sms_phone,
                        ..Recipient::waiting(
                            &actor.tenant_id,
                            id,
                            i32::try_from(i + 1).unwrap_or(i32::MAX),
                            org.map(Name::into_inner).unwrap_or_default(),
                            name.map(Name::into_inner).unwrap_or_default(),
                            email.map(|e| e.as_str().to_owned()).unwrap_or_default(),
                            hash,
                            now,
                        )
                    },
                )
                .collect();
            recipients::replace(conn, TenantId(&actor.tenant_id), ContractId(id), &rows)?;
            l.recipients = rows;
            actor.audit(
            conn,
            AuditAction::ContractUpdated,
            Some(("contract", id)),
            json!({
                "fields": "recipients",
                "recipients": l.recipients.iter().map(|r| json!({"name": r.name, "email": r.email, "organization": r.organization_name,
                    "sms": crate::workflow::sms_verification::phone(r).map(|p| p.masked())})).collect::<Vec<_>>(),
            }),
        )
        },
    )?;
    get(conn, actor, id)
}

/// Checks recipient `i`'s organisation, name and address, errors under `recipients[i]…`.
pub(crate) fn check_recipient(
    e: &mut FieldErrors,
    i: usize,
    organization_name: &str,
    name: &str,
    email: &str,
) -> (Option<Name>, Option<Name>, Option<EmailAddress>) {
    (
        e.check(
            &format!("recipients[{i}].organization_name"),
            Name::parse(organization_name),
        ),
        e.check(&format!("recipients[{i}].name"), Name::parse(name)),
        e.check(
            &format!("recipients[{i}].email"),
            EmailAddress::parse(email),
        ),
    )
}

/// `PUT /contracts/{id}/approval-route`.
#[tracing::instrument(skip_all, fields(tenant_id = %actor.tenant_id, actor_id = %actor.user_id, contract_id = %id))]
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
            rule: s.rule,
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
            approvals::replace_steps(conn, TenantId(&actor.tenant_id), ContractId(id), &steps)?;
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

/// `GET /approvers`: enabled users who may approve, for anyone who prepares contracts.
#[tracing::instrument(skip_all, fields(tenant_id = %actor.tenant_id, actor_id = %actor.user_id))]
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
