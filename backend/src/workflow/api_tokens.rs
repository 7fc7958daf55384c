//! API tokens for integrators (財務会計・文書管理システム): `Authorization: Bearer tachiai_…`.
//!
//! A token acts as the user who issued it: same tenant, same visibility, and permissions that
//! are the user's *current* ones intersected with the token's scopes (so taking a permission
//! from the user takes it from their tokens too). The secret is `tachiai_` + 256 random bits
//! (base64url); only its SHA-256 is stored, and it is shown once, at creation. A token stops
//! working when revoked, when it expires, when its user is disabled, and (as a session would)
//! while the user must change an admin-set password or set up a TOTP the tenant requires.
//! Everything done with a token is audited in the tenant's chain under `token:<name>`, with
//! the user as actor.
//!
//! Tokens are issued, listed and revoked from a logged-in session only (a token is refused
//! with `api_token_not_allowed`), so a leaked token cannot mint longer-lived ones. A user's
//! tokens are revoked with their other sessions when their password changes, is reset, or
//! they are disabled ([`revoke_credentials`]).

use std::collections::BTreeSet;

use serde_json::json;
use shared::access::Permission;
use shared::audit::AuditAction;
use shared::dto::{ApiTokenView, CreateApiTokenRequest, CreatedApiTokenView, Page};
use shared::problem::ProblemCode;
use shared::validate::{Name, ValidationError};

use crate::audit::Origin;
use crate::auth::tokens;
use crate::clock::{Millis, rfc3339};
use crate::db::ids::{TenantId, UserId};
use crate::db::models::ApiToken;
use crate::db::queries::{api_tokens, tenants, users};
use crate::db::{self, AnyConnection};
use crate::workflow::PageRequest;
use crate::workflow::actor::{Actor, Credential, join_list, parse_list};
use crate::workflow::error::{FieldErrors, WorkflowError, WorkflowResult};
use crate::workflow::views::uuid;

/// Every secret starts with this, so that scanners (and people) recognise a leaked one.
pub const SECRET_PREFIX: &str = "tachiai_";

/// `last_used_at` is written at most this often.
const TOUCH_INTERVAL_MS: i64 = 60_000;

/// The longest lifetime a token can be given.
const MAX_DAYS: u32 = 3650;

fn view(t: &ApiToken, login_id: &str, now: i64) -> ApiTokenView {
    ApiTokenView {
        id: uuid(&t.id),
        user_id: uuid(&t.user_id),
        login_id: login_id.to_owned(),
        name: t.name.clone(),
        scopes: parse_list(&t.scopes, Permission::parse),
        created_at: rfc3339(t.created_at),
        last_used_at: t.last_used_at.map(rfc3339),
        expires_at: t.expires_at.map(rfc3339),
        revoked_at: t.revoked_at.map(rfc3339),
        active: usable(t, now),
    }
}

fn usable(t: &ApiToken, now: i64) -> bool {
    t.revoked_at.is_none() && t.expires_at.is_none_or(|e| now < e)
}

/// `GET /api-tokens`: the user's own tokens; with `manage_users`, every token of the tenant.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn list(
    conn: &mut AnyConnection,
    actor: &Actor,
    page: PageRequest,
) -> WorkflowResult<Page<ApiTokenView>> {
    actor.require_ready()?;
    actor.require_session(conn)?;
    let whose = (!actor.permissions.contains(&Permission::ManageUsers)).then_some(&actor.user_id);
    let (rows, total) = api_tokens::list(
        conn,
        &actor.tenant_id,
        whose.map(String::as_str),
        page.page,
        page.per_page,
    )?;
    let now = Millis::now().0;
    Ok(page.wrap(
        rows.iter().map(|(t, login)| view(t, login, now)).collect(),
        total,
    ))
}

/// `POST /api-tokens`: a token for the actor, scoped to a subset of their permissions.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn create(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &CreateApiTokenRequest,
) -> WorkflowResult<CreatedApiTokenView> {
    actor.require_ready()?;
    actor.require_session(conn)?;
    let mut e = FieldErrors::default();
    let name = e.check("name", Name::parse(&req.name));
    if req.scopes.is_empty() {
        e.push("scopes", ValidationError::EmptySelection);
    } else if req.scopes.iter().any(|s| !actor.permissions.contains(s)) {
        // A token never gives more than its user has.
        e.push("scopes", ValidationError::OutOfRange);
    }
    if req
        .expires_in_days
        .is_some_and(|d| !(1..=MAX_DAYS).contains(&d))
    {
        e.push("expires_in_days", ValidationError::OutOfRange);
    }
    e.finish()?;
    let now = Millis::now().0;
    let secret = format!("{SECRET_PREFIX}{}", tokens::random_token());
    let token = ApiToken {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: actor.tenant_id.clone(),
        user_id: actor.user_id.clone(),
        name: name.map(Name::into_inner).unwrap_or_default(),
        token_hash: tokens::digest(&secret),
        scopes: join_list(&req.scopes, Permission::as_str),
        created_at: now,
        last_used_at: None,
        expires_at: req.expires_in_days.map(|d| now + i64::from(d) * 86_400_000),
        revoked_at: None,
    };
    db::tenant_transaction(conn, &actor.tenant_id, |conn| -> WorkflowResult<()> {
        api_tokens::insert(conn, &token)?;
        actor.audit(
            conn,
            AuditAction::ApiTokenCreated,
            Some(("api_token", &token.id)),
            json!({
                "name": token.name,
                "user_id": token.user_id,
                "scopes": token.scopes,
                "expires_at": token.expires_at.map(rfc3339),
            }),
        )
    })?;
    Ok(CreatedApiTokenView {
        token: view(&token, &actor.login_id, now),
        secret,
    })
}

/// `POST /api-tokens/{id}/revoke`: one's own token, or any of the tenant's with
/// `manage_users` (another user's token is a 404 otherwise). Revoking twice changes nothing.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id, id = %id))]
pub fn revoke(conn: &mut AnyConnection, actor: &Actor, id: &str) -> WorkflowResult<ApiTokenView> {
    actor.require_ready()?;
    actor.require_session(conn)?;
    let may_manage = actor.permissions.contains(&Permission::ManageUsers);
    let (token, owner) = db::tenant_transaction(
        conn,
        &actor.tenant_id,
        |conn| -> WorkflowResult<(ApiToken, String)> {
            let token = api_tokens::get(conn, &actor.tenant_id, id)?;
            if token.user_id != actor.user_id && !may_manage {
                return Err(WorkflowError::not_found());
            }
            let now = Millis::now().0;
            if api_tokens::revoke(conn, &actor.tenant_id, id, now)? > 0 {
                actor.audit(
                    conn,
                    AuditAction::ApiTokenRevoked,
                    Some(("api_token", id)),
                    json!({ "name": token.name, "user_id": token.user_id }),
                )?;
            }
            let owner = users::get(conn, TenantId(&actor.tenant_id), UserId(&token.user_id))?;
            Ok((api_tokens::get(conn, &actor.tenant_id, id)?, owner.login_id))
        },
    )?;
    Ok(view(&token, &owner, Millis::now().0))
}

/// Resolves a bearer secret into the [`Actor`] it stands for. Unknown, revoked and expired
/// tokens are `api_token_invalid` (401); a disabled user is `account_disabled`.
#[tracing::instrument(skip_all)]
pub fn authenticate(
    conn: &mut AnyConnection,
    secret: &str,
    origin: Origin,
) -> WorkflowResult<Actor> {
    if !secret.starts_with(SECRET_PREFIX) {
        return Err(ProblemCode::ApiTokenInvalid.into());
    }
    let now = Millis::now().0;
    let Some(token) = api_tokens::find_by_hash(conn, &tokens::digest(secret))? else {
        return Err(ProblemCode::ApiTokenInvalid.into());
    };
    if !usable(&token, now) {
        return Err(ProblemCode::ApiTokenInvalid.into());
    }
    let tenant = tenants::get(conn, &token.tenant_id)?;
    let user = users::get(conn, TenantId(&token.tenant_id), UserId(&token.user_id))?;
    if user.disabled {
        return Err(ProblemCode::AccountDisabled.into());
    }
    // No session stands behind a token: the session-only endpoints never see this actor.
    let mut actor = Actor::new(
        &user,
        tenant.require_totp,
        String::new(),
        Credential::ApiToken,
        origin,
    );
    let scopes: BTreeSet<Permission> = parse_list(&token.scopes, Permission::parse)
        .into_iter()
        .collect();
    actor.permissions.retain(|p| scopes.contains(p));
    actor.origin.actor_label = format!("token:{}", token.name);
    crate::workflow::network_zones::check_staff_address(
        conn,
        &tenant.id,
        &actor.origin,
        crate::workflow::network_zones::Attempt::ApiToken,
    )?;
    if token
        .last_used_at
        .is_none_or(|t| now - t >= TOUCH_INTERVAL_MS)
    {
        api_tokens::touch(conn, &token.id, now)?;
    }
    Ok(actor)
}

/// Why a user's credentials are revoked, as the audit event records it.
#[derive(Debug, Clone, Copy)]
pub enum RevokeReason {
    /// The user changed their own password (their current session stays).
    PasswordChanged,
    /// An administrator reset the password.
    PasswordReset,
    /// An administrator disabled the user.
    Disabled,
}

impl RevokeReason {
    fn as_str(self) -> &'static str {
        match self {
            RevokeReason::PasswordChanged => "password_changed",
            RevokeReason::PasswordReset => "password_reset",
            RevokeReason::Disabled => "disabled",
        }
    }
}

/// Revokes every API token of `user_id` and ends their sessions except `keep_session` (a
/// token digest), inside the caller's tenant transaction; one `auth.credentials_revoked` event
/// records the counts. Someone who learnt the old password, or a token made with it, is out.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id, user_id = %user_id))]
pub fn revoke_credentials(
    conn: &mut AnyConnection,
    actor: &Actor,
    user_id: &str,
    keep_session: Option<&str>,
    reason: RevokeReason,
) -> WorkflowResult<()> {
    let now = Millis::now().0;
    let tokens = api_tokens::revoke_for_user(conn, &actor.tenant_id, user_id, now)?;
    let sessions = crate::db::queries::sessions::delete_for_user(conn, user_id, keep_session)?;
    actor.audit(
        conn,
        AuditAction::CredentialsRevoked,
        Some(("user", user_id)),
        json!({ "reason": reason.as_str(), "api_tokens_revoked": tokens, "sessions_ended": sessions }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(revoked_at: Option<i64>, expires_at: Option<i64>) -> ApiToken {
        ApiToken {
            id: String::new(),
            tenant_id: String::new(),
            user_id: String::new(),
            name: String::new(),
            token_hash: String::new(),
            scopes: "view_contracts,no_such_permission".into(),
            created_at: 0,
            last_used_at: None,
            expires_at,
            revoked_at,
        }
    }

    #[test]
    fn a_token_is_usable_until_revoked_or_expired() {
        assert!(usable(&token(None, None), 1_000));
        assert!(usable(&token(None, Some(1_001)), 1_000));
        assert!(!usable(&token(None, Some(1_000)), 1_000));
        assert!(!usable(&token(Some(500), None), 1_000));
    }

    #[test]
    fn unknown_scope_names_are_dropped_from_the_view() {
        let v = view(&token(None, None), "tanaka", 0);
        assert_eq!(v.scopes, vec![Permission::ViewContracts]);
        assert!(v.active);
    }
}
