//! Departments (所属): a tree per tenant. Every user may read it (names appear everywhere);
//! changing it needs `ManageDepartments`.

use std::collections::HashMap;

use serde_json::json;
use shared::access::Permission;
use shared::audit::AuditAction;
use shared::dto::{DepartmentRequest, DepartmentView, Page};
use shared::problem::ProblemCode;
use shared::validate::{Name, ValidationError};

use crate::clock::Millis;
use crate::db::models::Department;
use crate::db::queries::departments::{self, DepartmentChanges};
use crate::db::{self, AnyConnection};
use crate::workflow::PageRequest;
use crate::workflow::actor::Actor;
use crate::workflow::error::{FieldErrors, WorkflowResult, optional};
use crate::workflow::views::department_view;

/// `GET /departments`.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn list_departments(
    conn: &mut AnyConnection,
    actor: &Actor,
    page: PageRequest,
) -> WorkflowResult<Page<DepartmentView>> {
    actor.require_ready()?;
    let (rows, total) = departments::list(conn, &actor.tenant_id, page.page, page.per_page)?;
    Ok(page.wrap(rows.iter().map(department_view).collect(), total))
}

struct Checked {
    name: Name,
    code: Option<Name>,
    parent_id: Option<String>,
}

fn check(
    conn: &mut AnyConnection,
    tenant_id: &str,
    req: &DepartmentRequest,
) -> WorkflowResult<Checked> {
    let mut errors = FieldErrors::default();
    let name = errors.check("name", Name::parse(&req.name));
    let code = errors.check("code", optional(req.code.as_deref(), Name::parse));
    let parent_id = req.parent_id.map(|p| p.to_string());
    if let Some(p) = &parent_id
        && departments::get(conn, tenant_id, p).is_err()
    {
        errors.push("parent_id", ValidationError::UnknownReference);
    }
    errors.finish_with(|| {
        Some(Checked {
            name: name?,
            code: code?,
            parent_id,
        })
    })
}

/// `POST /departments`.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn create_department(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &DepartmentRequest,
) -> WorkflowResult<DepartmentView> {
    actor.require(conn, Permission::ManageDepartments)?;
    let c = check(conn, &actor.tenant_id, req)?;
    let now = Millis::now().0;
    let dept = Department {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: actor.tenant_id.clone(),
        parent_id: c.parent_id,
        name: c.name.into_inner(),
        code: c.code.map(Name::into_inner),
        active: req.active,
        created_at: now,
        updated_at: now,
    };
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        departments::insert(conn, &dept)?;
        actor.audit(
            conn,
            AuditAction::DepartmentCreated,
            Some(("department", &dept.id)),
            json!({ "name": dept.name, "parent_id": dept.parent_id }),
        )
    })?;
    Ok(department_view(&dept))
}

/// `PUT /departments/{id}`: rename, move (never under itself or a descendant), (de)activate.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id, id = %id))]
pub fn update_department(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    req: &DepartmentRequest,
) -> WorkflowResult<DepartmentView> {
    actor.require(conn, Permission::ManageDepartments)?;
    let before = departments::get(conn, &actor.tenant_id, id)?;
    let c = check(conn, &actor.tenant_id, req)?;
    if let Some(parent) = &c.parent_id {
        let links: HashMap<String, Option<String>> =
            departments::parent_links(conn, &actor.tenant_id)?
                .into_iter()
                .collect();
        if would_cycle(&links, id, parent) {
            return Err(ProblemCode::DepartmentCycle.into());
        }
    }
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        let changes = DepartmentChanges {
            parent_id: c.parent_id.as_deref(),
            name: c.name.as_str(),
            code: c.code.as_ref().map(Name::as_str),
            active: req.active,
            updated_at: Millis::now().0,
        };
        departments::update(conn, &actor.tenant_id, id, &changes)?;
        actor.audit(
            conn,
            AuditAction::DepartmentUpdated,
            Some(("department", id)),
            json!({
                "name": [before.name, changes.name],
                "parent_id": [before.parent_id, changes.parent_id],
                "active": [before.active, changes.active],
            }),
        )
    })?;
    Ok(department_view(&departments::get(
        conn,
        &actor.tenant_id,
        id,
    )?))
}

/// Whether putting `id` under `new_parent` makes `id` its own ancestor.
fn would_cycle(links: &HashMap<String, Option<String>>, id: &str, new_parent: &str) -> bool {
    let mut cursor = Some(new_parent.to_owned());
    let mut steps = 0;
    while let Some(current) = cursor {
        if current == id || steps > links.len() {
            return true;
        }
        cursor = links.get(&current).cloned().flatten();
        steps += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moving_under_a_descendant_is_a_cycle() {
        let links: HashMap<String, Option<String>> = [
            ("bu".to_owned(), None),
            ("ka".to_owned(), Some("bu".to_owned())),
            ("kakari".to_owned(), Some("ka".to_owned())),
            ("other".to_owned(), None),
        ]
        .into_iter()
        .collect();
        assert!(would_cycle(&links, "bu", "kakari"));
        assert!(would_cycle(&links, "ka", "ka"));
        assert!(!would_cycle(&links, "kakari", "other"));
        assert!(!would_cycle(&links, "other", "kakari"));
    }
}
