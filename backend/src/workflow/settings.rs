//! Tenant settings (設定).

use serde_json::json;
use shared::access::Permission;
use shared::audit::AuditAction;
use shared::dto::{SealInfoView, TenantSettingsView, UpdateTenantSettingsRequest};
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
        approval_required: t.approval_required,
        contract_number_pattern: t.contract_number_pattern.clone(),
        retention_years: t.retention_years.unsigned_abs(),
        link_expiry_days: t.link_expiry_days.unsigned_abs(),
        japanese_era: t.japanese_era,
    }
}

/// `GET /settings`.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn get_settings(conn: &mut AnyConnection, actor: &Actor) -> WorkflowResult<TenantSettingsView> {
    actor.require(conn, Permission::ManageSettings)?;
    Ok(view(&tenants::get(conn, &actor.tenant_id)?))
}

/// `GET /seal`: the seal and TSA certificates in use, for the administrator.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn seal_info(
    conn: &mut AnyConnection,
    actor: &Actor,
    seal: &crate::seal::SealService,
    tsa_urls: &[String],
) -> WorkflowResult<SealInfoView> {
    actor.require(conn, Permission::ManageSettings)?;
    let now = crate::clock::Millis::now();
    let mut info = seal.fallback().info(tsa_urls, now);
    // The keyring's active key and the TSA list, when set, are what seals now.
    let active = seal.active(conn).map_err(|e| anyhow::anyhow!("{e}"))?;
    if active.key_id.is_some() {
        info.development = false;
        info.signer = crate::seal::certificate_info(active.signer.certificate(), now);
        info.chain = (active.signer.chain().iter())
            .map(|c| crate::seal::certificate_info(c, now))
            .collect();
    }
    let (source, urls) = seal.tsa_source(conn)?;
    if source == "database" {
        info.tsa_source = "http".into();
        info.tsa_urls = urls.into_iter().map(|(_, u)| u).collect();
        info.tsa_certificate = None;
    }
    Ok(info)
}

/// `PUT /settings`.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
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
    if !(1..=100).contains(&req.retention_years) {
        e.push("retention_years", ValidationError::OutOfRange);
    }
    if !(1..=90).contains(&req.link_expiry_days) {
        e.push("link_expiry_days", ValidationError::OutOfRange);
    }
    if let Err(err) = check_number_pattern(&req.contract_number_pattern) {
        e.push("contract_number_pattern", err);
    }
    let name = e.finish_with(|| name)?;
    let before = tenants::get(conn, &actor.tenant_id)?;
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        let (idle, absolute) = (
            req.session_idle_minutes as i32,
            req.session_absolute_hours as i32,
        );
        let updated = Tenant {
            name: name.as_str().to_owned(),
            require_totp: req.require_totp,
            session_idle_minutes: idle,
            session_absolute_hours: absolute,
            approval_required: req.approval_required,
            contract_number_pattern: req.contract_number_pattern.trim().to_owned(),
            retention_years: req.retention_years as i32,
            link_expiry_days: req.link_expiry_days as i32,
            japanese_era: req.japanese_era,
            ..before.clone()
        };
        tenants::update_settings(conn, &updated)?;
        actor.audit(
            conn,
            AuditAction::SettingsUpdated,
            Some(("tenant", &actor.tenant_id)),
            json!({
                "name": [before.name, name.as_str()],
                "require_totp": [before.require_totp, req.require_totp],
                "session_idle_minutes": [before.session_idle_minutes, idle],
                "session_absolute_hours": [before.session_absolute_hours, absolute],
                "approval_required": [before.approval_required, updated.approval_required],
                "contract_number_pattern": [before.contract_number_pattern, updated.contract_number_pattern],
                "retention_years": [before.retention_years, updated.retention_years],
                "link_expiry_days": [before.link_expiry_days, updated.link_expiry_days],
                "japanese_era": [before.japanese_era, updated.japanese_era],
            }),
        )
    })?;
    Ok(view(&tenants::get(conn, &actor.tenant_id)?))
}

/// A contract-number pattern must be short, printable and number every contract differently.
fn check_number_pattern(pattern: &str) -> Result<(), ValidationError> {
    let pattern = pattern.trim();
    if pattern.is_empty() {
        return Err(ValidationError::Required);
    }
    if pattern.chars().count() > 40 {
        return Err(ValidationError::TooLong);
    }
    if pattern.chars().any(char::is_control) {
        return Err(ValidationError::InvalidCharacters);
    }
    let numbered = pattern.contains("{seq}")
        || pattern.match_indices("{seq:").any(|(i, _)| {
            let rest = &pattern[i + 5..];
            rest.find('}')
                .and_then(|end| rest[..end].parse::<u8>().ok())
                .is_some_and(|w| (1..=12).contains(&w))
        });
    if numbered {
        Ok(())
    } else {
        Err(ValidationError::PatternWithoutSequence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_patterns() {
        assert!(check_number_pattern("R{fy}-{seq:6}").is_ok());
        assert!(check_number_pattern("契約{fyyyy}-{seq}").is_ok());
        assert_eq!(
            check_number_pattern("R{fy}-001"),
            Err(ValidationError::PatternWithoutSequence)
        );
        assert_eq!(
            check_number_pattern("{seq:0}"),
            Err(ValidationError::PatternWithoutSequence)
        );
        assert_eq!(check_number_pattern("  "), Err(ValidationError::Required));
        assert_eq!(
            check_number_pattern(&"x".repeat(41)),
            Err(ValidationError::TooLong)
        );
    }
}
