//! Tenant settings (設定).

use serde_json::json;
use shared::access::Permission;
use shared::audit::AuditAction;
use shared::dto::{TenantSettingsView, UpdateTenantSettingsRequest};
use shared::validate::{Name, ValidationError};

use crate::db::models::Tenant;
use crate::db::queries::tenants;
use crate::db::{self, AnyConnection};
use crate::workflow::actor::Actor;
use crate::workflow::error::{FieldErrors, WorkflowResult};

fn view(t: &Tenant) -> TenantSettingsView {
    TenantSettingsView {
        name: t.name.clone(),
        code: t.code.clone(),
        require_totp: t.require_totp,
        session_idle_minutes: t.session_idle_minutes.unsigned_abs(),
        session_absolute_hours: t.session_absolute_hours.unsigned_abs(),
    }
}

/// `GET /settings`.
pub fn get_settings(conn: &mut AnyConnection, actor: &Actor) -> WorkflowResult<TenantSettingsView> {
    actor.require(conn, Permission::ManageSettings)?;
    Ok(view(&tenants::get(conn, &actor.tenant_id)?))
}

/// `PUT /settings`.
pub fn update_settings(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &UpdateTenantSettingsRequest,
) -> WorkflowResult<TenantSettingsView> {
    actor.require(conn, Permission::ManageSettings)?;
    let mut e = FieldErrors::default();
    let name = e.check("name", Name::parse(&req.name));
    if !(5..=480).contains(&req.session_idle_minutes) {
        e.push("session_idle_minutes", ValidationError::OutOfRange);
    }
    if !(1..=24).contains(&req.session_absolute_hours) {
        e.push("session_absolute_hours", ValidationError::OutOfRange);
    }
    e.finish()?;
    let Some(name) = name else {
        unreachable!("finish() returned Ok, so every field parsed");
    };
    let before = tenants::get(conn, &actor.tenant_id)?;
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        let (idle, absolute) = (
            req.session_idle_minutes as i32,
            req.session_absolute_hours as i32,
        );
        tenants::update_settings(
            conn,
            &actor.tenant_id,
            name.as_str(),
            req.require_totp,
            idle,
            absolute,
        )?;
        actor.audit(
            conn,
            AuditAction::SettingsUpdated,
            Some(("tenant", &actor.tenant_id)),
            json!({
                "name": [before.name, name.as_str()],
                "require_totp": [before.require_totp, req.require_totp],
                "session_idle_minutes": [before.session_idle_minutes, idle],
                "session_absolute_hours": [before.session_absolute_hours, absolute],
            }),
        )
    })?;
    Ok(view(&tenants::get(conn, &actor.tenant_id)?))
}
