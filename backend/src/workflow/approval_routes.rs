//! Approval routes (決裁ルート): checking a route's steps, and the departments' route templates
//! that staff copy into a contract. Reading templates needs only to be a ready user (staff
//! choose from them); changing them needs `ManageSettings`.

use serde_json::json;
use shared::access::Permission;
use shared::audit::AuditAction;
use shared::contract::ApprovalRule;
use shared::dto::{ApprovalStepRequest, RouteTemplateRequest, RouteTemplateView};
use shared::validate::{Name, ValidationError};
use uuid::Uuid;

use crate::clock::{Millis, rfc3339};
use crate::db::ids::{TenantId, UserId};
use crate::db::models::RouteTemplate;
use crate::db::queries::{departments, route_templates, users};
use crate::db::{self, AnyConnection};
use crate::workflow::actor::Actor;
use crate::workflow::error::{FieldErrors, WorkflowResult};
use crate::workflow::views::uuid;

/// The most steps a route may have.
pub const MAX_STEPS: usize = 10;

/// One checked step: a name, a rule and the approvers' user ids (active users of the tenant,
/// without repeats).
#[derive(Debug, Clone)]
pub struct CheckedStep {
    pub name: String,
    pub rule: ApprovalRule,
    pub approver_ids: Vec<String>,
}

/// Checks a route's steps, collecting every field error under `steps[i]…`.
pub fn check_steps(
    conn: &mut AnyConnection,
    actor: &Actor,
    steps: &[ApprovalStepRequest],
    e: &mut FieldErrors,
) -> Vec<CheckedStep> {
    if steps.len() > MAX_STEPS {
        e.push("steps", ValidationError::TooLong);
    }
    let mut checked = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        let name = e.check(&format!("steps[{i}].name"), Name::parse(&s.name));
        if s.approver_ids.is_empty() {
            e.push(
                &format!("steps[{i}].approver_ids"),
                ValidationError::EmptySelection,
            );
        }
        let mut ids: Vec<String> = Vec::new();
        for a in &s.approver_ids {
            let a = a.to_string();
            match users::get(conn, TenantId(&actor.tenant_id), UserId(&a)) {
                Ok(u) if !u.disabled => {
                    if !ids.contains(&a) {
                        ids.push(a);
                    }
                }
                _ => e.push(
                    &format!("steps[{i}].approver_ids"),
                    ValidationError::UnknownReference,
                ),
            }
        }
        checked.push(CheckedStep {
            name: name.map(Name::into_inner).unwrap_or_default(),
            rule: s.rule,
            approver_ids: ids,
        });
    }
    checked
}

fn steps_of(t: &RouteTemplate) -> Vec<ApprovalStepRequest> {
    serde_json::from_str(&t.steps).unwrap_or_default()
}

fn view(conn: &mut AnyConnection, t: &RouteTemplate) -> RouteTemplateView {
    let department_name = t
        .department_id
        .as_deref()
        .and_then(|d| departments::get(conn, &t.tenant_id, d).ok())
        .map(|d| d.name);
    RouteTemplateView {
        id: uuid(&t.id),
        name: t.name.clone(),
        department_id: t.department_id.as_deref().map(uuid),
        department_name,
        steps: steps_of(t),
        archived: t.archived,
        updated_at: rfc3339(t.updated_at),
    }
}

/// `GET /route-templates`: by name; with a department, its own and those for every department.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn list_templates(
    conn: &mut AnyConnection,
    actor: &Actor,
    department_id: Option<Uuid>,
    include_archived: bool,
) -> WorkflowResult<Vec<RouteTemplateView>> {
    actor.require_ready()?;
    let department_id = department_id.map(|d| d.to_string());
    let rows = route_templates::list(
        conn,
        &actor.tenant_id,
        department_id.as_deref(),
        include_archived,
    )?;
    Ok(rows.iter().map(|t| view(conn, t)).collect())
}

/// A checked request: the row's new name, department and steps JSON.
fn check(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &RouteTemplateRequest,
) -> WorkflowResult<(String, Option<String>, String)> {
    let mut e = FieldErrors::default();
    let name = e.check("name", Name::parse(&req.name));
    let department_id = req.department_id.map(|d| d.to_string());
    if let Some(d) = &department_id
        && departments::get(conn, &actor.tenant_id, d).is_err()
    {
        e.push("department_id", ValidationError::UnknownReference);
    }
    if req.steps.is_empty() {
        e.push("steps", ValidationError::EmptySelection);
    }
    let steps = check_steps(conn, actor, &req.steps, &mut e);
    e.finish()?;
    let steps: Vec<ApprovalStepRequest> = steps
        .into_iter()
        .map(|s| ApprovalStepRequest {
            name: s.name,
            rule: s.rule,
            approver_ids: s.approver_ids.iter().map(|a| uuid(a)).collect(),
        })
        .collect();
    let steps = serde_json::to_string(&steps).map_err(anyhow::Error::new)?;
    Ok((
        name.map(Name::into_inner).unwrap_or_default(),
        department_id,
        steps,
    ))
}

/// `POST /route-templates`.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn create_template(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &RouteTemplateRequest,
) -> WorkflowResult<RouteTemplateView> {
    actor.require(conn, Permission::ManageSettings)?;
    let (name, department_id, steps) = check(conn, actor, req)?;
    let now = Millis::now().0;
    let row = RouteTemplate {
        id: Uuid::new_v4().to_string(),
        tenant_id: actor.tenant_id.clone(),
        department_id,
        name,
        steps,
        archived: req.archived,
        created_at: now,
        updated_at: now,
    };
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        route_templates::insert(conn, &row)?;
        actor.audit(
            conn,
            AuditAction::RouteTemplateCreated,
            Some(("route_template", &row.id)),
            json!({ "name": row.name, "department_id": row.department_id, "steps": req.steps }),
        )
    })?;
    Ok(view(conn, &row))
}

/// `PUT /route-templates/{id}`: contracts that copied it keep their route.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id, id = %id))]
pub fn update_template(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    req: &RouteTemplateRequest,
) -> WorkflowResult<RouteTemplateView> {
    actor.require(conn, Permission::ManageSettings)?;
    let before = route_templates::get(conn, &actor.tenant_id, id)?;
    let (name, department_id, steps) = check(conn, actor, req)?;
    let row = RouteTemplate {
        name,
        department_id,
        steps,
        archived: req.archived,
        updated_at: Millis::now().0,
        ..before.clone()
    };
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        route_templates::save(conn, &row)?;
        actor.audit(
            conn,
            AuditAction::RouteTemplateUpdated,
            Some(("route_template", id)),
            json!({
                "name": [before.name, row.name],
                "department_id": [before.department_id, row.department_id],
                "archived": [before.archived, row.archived],
                "steps": req.steps,
            }),
        )
    })?;
    Ok(view(conn, &row))
}
