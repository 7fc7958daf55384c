//! Tenants are created by the operator (CLI, or the first start), never through the API.

use serde_json::json;
use shared::access::Role;
use shared::audit::AuditAction;
use shared::dto::{CreateUserRequest, UserCredentialView};
use shared::problem::ProblemCode;
use shared::validate::{Name, TenantCode};

use crate::audit::{self, Entry, GENESIS_HASH, Origin, Outcome};
use crate::clock::Millis;
use crate::db::models::Tenant;
use crate::db::queries::tenants;
use crate::db::{self, AnyConnection};
use crate::workflow::error::{FieldErrors, WorkflowResult};
use crate::workflow::users::create_user_by_operator;

/// The operator's identity in the audit log.
pub fn operator_origin(label: &str) -> Origin {
    Origin {
        actor_id: None,
        actor_label: label.to_owned(),
        ip: None,
        user_agent: None,
    }
}

/// Creates a tenant and its first administrator (login ID `admin_login`). Returns the
/// tenant and the admin's credentials (a generated password when `admin_password` is None).
#[tracing::instrument(skip_all)]
pub fn create_tenant(
    conn: &mut AnyConnection,
    code: &str,
    name: &str,
    admin_login: &str,
    admin_email: &str,
    admin_password: Option<&str>,
    origin: &Origin,
) -> WorkflowResult<(Tenant, UserCredentialView)> {
    let mut e = FieldErrors::default();
    let code = e.check("code", TenantCode::parse(code));
    let name = e.check("name", Name::parse(name));
    let (code, name) = e.finish_with(|| Some((code?, name?)))?;
    if tenants::find_by_code(conn, code.as_str())?.is_some() {
        return Err(ProblemCode::TenantCodeTaken.into());
    }
    let tenant = Tenant {
        id: uuid::Uuid::new_v4().to_string(),
        code: code.into_inner(),
        name: name.into_inner(),
        require_totp: false,
        session_idle_minutes: 30,
        session_absolute_hours: 12,
        audit_seq: 0,
        audit_head: GENESIS_HASH.to_owned(),
        created_at: Millis::now().0,
        approval_required: true,
        contract_number_pattern: "R{fy}-{seq:6}".to_owned(),
        retention_years: 10,
        link_expiry_days: 14,
        japanese_era: false,
    };
    tenants::insert(conn, &tenant)?;
    db::tenant_transaction(conn, &tenant.id, |conn| {
        audit::record(
            conn,
            &tenant.id,
            origin,
            Entry {
                action: AuditAction::TenantCreated,
                target: Some(("tenant", &tenant.id)),
                outcome: Outcome::Success,
                details: json!({ "code": tenant.code, "name": tenant.name }),
            },
            Millis::now(),
        )
    })?;
    let admin = create_user_by_operator(
        conn,
        &tenant.id,
        &CreateUserRequest {
            login_id: admin_login.to_owned(),
            name: "管理者".to_owned(),
            email: admin_email.to_owned(),
            department_id: None,
            roles: vec![Role::Admin],
            grants: vec![],
            password: admin_password.map(str::to_owned),
        },
        origin,
    )?;
    Ok((tenant, admin))
}
