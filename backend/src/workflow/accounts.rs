//! Login, sessions, and a user's own account (password, TOTP). 仕様 6-(1).
//!
//! Failed logins count per account (lockout after `max_failures` in a row) and per client
//! address (throttle), both in the database so that several server processes agree.

use serde_json::json;
use shared::audit::AuditAction;
use shared::dto::{
    ChangePasswordRequest, LoginRequest, SessionView, TotpDisableRequest, TotpEnableRequest,
    TotpSetupView,
};
use shared::problem::ProblemCode;
use shared::validate::{OtpCode, check_password_policy};

use crate::audit::{self, Entry, Origin, Outcome};
use crate::auth::{password, tokens, totp};
use crate::clock::{Millis, rfc3339};
use crate::db::ids::{TenantId, UserId};
use crate::db::models::{LoginFailure, Session, Tenant, User};
use crate::db::queries::{login_failures, sessions, tenants, users};
use crate::db::{self, AnyConnection};
use crate::mail::{self, MailTemplate};
use crate::secrets::{self, KeyRing};
use crate::workflow::actor::{Actor, Credential};
use crate::workflow::api_tokens::{RevokeReason, revoke_credentials};
use crate::workflow::error::{WorkflowError, WorkflowResult};
use crate::workflow::network_zones::{self, Attempt};
use crate::workflow::views::me_view;

/// Lockout and throttle limits (from the configuration).
#[derive(Debug, Clone, Copy)]
pub struct LoginPolicy {
    /// Failed logins in a row before the account locks.
    pub max_failures: i32,
    /// Minutes the lock lasts.
    pub lockout_minutes: i64,
    /// Failed logins per address within [`THROTTLE_WINDOW_MINUTES`].
    pub ip_max_failures: i64,
}

impl LoginPolicy {
    /// The limits the configuration sets.
    pub fn from_config(c: &crate::config::Config) -> LoginPolicy {
        LoginPolicy {
            max_failures: c.login_max_failures,
            lockout_minutes: c.login_lockout_minutes,
            ip_max_failures: c.ip_max_failures,
        }
    }
}

/// The window of the per-address throttle.
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;

/// A new session: the cookie value (shown once) and what the client needs.
#[derive(Debug)]
pub struct NewSession {
    /// The session token for the cookie.
    pub token: String,
    /// The body of the answer.
    pub view: SessionView,
}

/// `POST /auth/login`. Returns a new session; the caller replaces any previous cookie, and
/// `previous_token` (if the browser sent one) is ended, so sessions rotate at login.
///
/// Every way of failing (unknown tenant or login ID, wrong password or code, locked or
/// disabled account) answers `invalid_credentials` after the same argon2 work, so the answer
/// does not tell which accounts exist; the audit log records the real reason, and a user
/// whose account locks is told by mail. Both limits are taken *before* the password is
/// checked, atomically in the database, so parallel guesses cannot exceed them: the address
/// reserves a throttle slot, the account one attempt of its allowance.
///
/// A tenant with network zones admits only logins from an enabled zone (`outside_network_zone`,
/// audited, before any account is looked at); `foreign_origin` (see
/// `api::extract::foreign_origin`) must be one of its zone URLs.
#[tracing::instrument(skip_all)]
pub fn login(
    conn: &mut AnyConnection,
    keys: &KeyRing,
    req: &LoginRequest,
    origin: &Origin,
    previous_token: Option<&str>,
    foreign_origin: Option<&str>,
    policy: LoginPolicy,
) -> WorkflowResult<NewSession> {
    if let Some(foreign) = foreign_origin {
        // Another site's page, unless it is one of this tenant's zone URLs.
        let zone_url = match tenants::find_by_code(conn, req.tenant_code.trim())? {
            Some(t) => network_zones::TenantZones::load(conn, &t.id)?.has_url(foreign),
            None => false,
        };
        if !zone_url {
            return Err(ProblemCode::CsrfTokenInvalid.into());
        }
    }
    let now = Millis::now();
    let slot = LoginFailure {
        id: uuid::Uuid::new_v4().to_string(),
        ip: origin.ip.clone().unwrap_or_default(),
        at: now.0,
    };
    let since = now.plus_minutes(-THROTTLE_WINDOW_MINUTES).0;
    if !login_failures::reserve(conn, &slot, since, policy.ip_max_failures)? {
        return Err(ProblemCode::TooManyRequests.into());
    }
    // Not a failure after all: the address's slot is given back.
    let release_slot = |conn: &mut AnyConnection| login_failures::delete(conn, &slot.id);
    let refused = || WorkflowError::from(ProblemCode::InvalidCredentials);

    let Some(tenant) = tenants::find_by_code(conn, req.tenant_code.trim())? else {
        password::verify(&req.password, password::dummy_hash());
        return Err(refused());
    };
    let typed = Origin {
        actor_id: None,
        actor_label: req.login_id.trim().chars().take(64).collect(),
        ..origin.clone()
    };
    network_zones::check_staff_address(conn, &tenant.id, &typed, Attempt::Login)?;
    // Records the failure's real reason and answers `code`.
    let fail_as = |conn: &mut AnyConnection,
                   user_id: Option<&str>,
                   reason: &str,
                   code: ProblemCode|
     -> WorkflowError {
        let recorded = db::tenant_transaction(conn, &tenant.id, |conn| {
            audit::record(
                conn,
                &tenant.id,
                &Origin {
                    actor_id: user_id.map(str::to_owned),
                    ..typed.clone()
                },
                Entry {
                    action: AuditAction::LoginFailed,
                    target: user_id.map(|id| ("user", id)),
                    outcome: Outcome::Failure,
                    details: json!({ "reason": reason }),
                },
                now,
            )
            .map(|_| ())
        });
        match recorded {
            Ok(()) => code.into(),
            Err(e) => WorkflowError::from(e),
        }
    };

    // The same answer for every failure before the password is known right.
    let fail = |conn: &mut AnyConnection, user_id: Option<&str>, reason: &str| -> WorkflowError {
        fail_as(conn, user_id, reason, ProblemCode::InvalidCredentials)
    };

    let user = match users::find_by_login_id(conn, &tenant.id, req.login_id.trim())? {
        Some(user) if !user.disabled => user,
        found => {
            password::verify(&req.password, password::dummy_hash());
            let reason = if found.is_some() {
                "disabled"
            } else {
                "unknown_login_id"
            };
            return Err(fail(conn, found.as_ref().map(|u| u.id.as_str()), reason));
        }
    };
    let Some(attempt) = take_attempt(conn, &user, &req.password, now, policy)? else {
        return Err(fail(conn, Some(&user.id), "locked"));
    };
    // A failed attempt; the one that used the last of the allowance locks the account.
    let count_failure = |conn: &mut AnyConnection, reason: &str, code: ProblemCode| {
        if attempt == policy.max_failures
            && let Err(e) = lock_account(conn, &tenant, &user, &typed, now, policy)
        {
            return e;
        }
        fail_as(conn, Some(&user.id), reason, code)
    };
    if !password::verify(&req.password, &user.password_hash) {
        return Err(count_failure(
            conn,
            "wrong_password",
            ProblemCode::InvalidCredentials,
        ));
    }
    if user.totp_enabled {
        let Some(raw) = req.totp_code.as_deref().filter(|c| !c.trim().is_empty()) else {
            users::release_login_attempt(conn, &tenant.id, &user.id)?;
            release_slot(conn)?;
            return Err(ProblemCode::TotpRequired.into());
        };
        let secret = open_totp_secret(keys, &user)?;
        let step = OtpCode::parse(raw).ok().and_then(|code| {
            totp::verify(
                &secret,
                code.value(),
                now.unix_seconds(),
                user.totp_last_step,
            )
        });
        match step {
            Some(step) => {
                users::set_totp_last_step(conn, &tenant.id, &user.id, step)?;
            }
            // The password was right: saying the code was wrong reveals nothing new.
            None => return Err(count_failure(conn, "wrong_totp", ProblemCode::TotpInvalid)),
        }
    }

    let token = tokens::random_token();
    let session = Session {
        token_hash: tokens::digest(&token),
        tenant_id: tenant.id.clone(),
        user_id: user.id.clone(),
        csrf_token: tokens::random_token(),
        created_at: now.0,
        last_seen_at: now.0,
        expires_at: now
            .plus_minutes(i64::from(tenant.session_absolute_hours) * 60)
            .0,
        ip: origin.ip.clone(),
        user_agent: origin.user_agent.clone(),
    };
    let actor = Actor::new(
        &user,
        tenant.require_totp,
        session.token_hash.clone(),
        Credential::Session,
        origin.clone(),
    );
    db::tenant_transaction(conn, &tenant.id, |conn| -> WorkflowResult<()> {
        if let Some(previous) = previous_token {
            sessions::delete(conn, &tokens::digest(previous))?;
        }
        sessions::insert(conn, &session)?;
        users::record_login(conn, &tenant.id, &user.id, now.0)?;
        release_slot(conn)?;
        actor.audit(
            conn,
            AuditAction::Login,
            Some(("user", &user.id)),
            json!({}),
        )
    })?;
    let user = users::get(conn, TenantId(&tenant.id), UserId(&user.id))?;
    Ok(NewSession {
        token,
        view: SessionView {
            me: me_view(&actor, &user, &tenant),
            csrf_token: session.csrf_token,
            expires_at: rfc3339(session.expires_at),
            // The handler knows the seal.
            development_seal: false,
        },
    })
}

/// Locks `user` for the configured minutes, audits it, and mails the user (the login answer
/// itself does not say so).
fn lock_account(
    conn: &mut AnyConnection,
    tenant: &Tenant,
    user: &User,
    typed: &Origin,
    now: Millis,
    policy: LoginPolicy,
) -> WorkflowResult<()> {
    let until = now.plus_minutes(policy.lockout_minutes);
    db::tenant_transaction(conn, &tenant.id, |conn| -> WorkflowResult<()> {
        users::lock(conn, &tenant.id, &user.id, until.0)?;
        audit::record(
            conn,
            &tenant.id,
            &Origin {
                actor_id: Some(user.id.clone()),
                ..typed.clone()
            },
            Entry {
                action: AuditAction::AccountLocked,
                target: Some(("user", &user.id)),
                outcome: Outcome::Failure,
                details: json!({ "failures": policy.max_failures, "locked_until": rfc3339(until.0) }),
            },
            now,
        )?;
        // A user without a deliverable address is still locked; the audit log has it.
        if let Some(to) = mail::mailbox(&user.name, &user.email) {
            mail::enqueue(
                conn,
                &tenant.id,
                &to,
                &MailTemplate::AccountLocked(mail::AccountLocked {
                    user_name: user.name.clone(),
                    tenant: tenant.name.clone(),
                    login_id: user.login_id.clone(),
                    until,
                }),
            )?;
        }
        Ok(())
    })
}

/// Takes one attempt of `user`'s allowance before the password is checked. `None` when the
/// account is locked or parallel attempts used the allowance up (the one that used the last
/// locks it); then the argon2 work is done on a dummy, so the timing tells nothing either.
fn take_attempt(
    conn: &mut AnyConnection,
    user: &User,
    typed: &str,
    now: Millis,
    policy: LoginPolicy,
) -> WorkflowResult<Option<i32>> {
    let attempt = users::reserve_login_attempt(conn, &user.tenant_id, &user.id, now.0)?
        .filter(|&n| n <= policy.max_failures);
    if attempt.is_none() {
        password::verify(typed, password::dummy_hash());
    }
    Ok(attempt)
}

/// Checks the password a logged-in user types to confirm a change, against the same allowance
/// as the login: otherwise a stolen session could guess the password without limit. A wrong
/// one is audited; the one that uses up the allowance locks the account (and mails the user);
/// a locked account answers `account_locked` (the user is logged in, nothing to hide).
fn confirm_password(
    conn: &mut AnyConnection,
    actor: &Actor,
    user: &User,
    typed: &str,
    policy: LoginPolicy,
) -> WorkflowResult<()> {
    let now = Millis::now();
    let Some(attempt) = take_attempt(conn, user, typed, now, policy)? else {
        return actor.deny(
            conn,
            ProblemCode::AccountLocked,
            json!({ "reason": "locked" }),
        );
    };
    if password::verify(typed, &user.password_hash) {
        users::release_login_attempt(conn, &actor.tenant_id, &user.id)?;
        return Ok(());
    }
    if attempt == policy.max_failures {
        let tenant = tenants::get(conn, &actor.tenant_id)?;
        lock_account(conn, &tenant, user, &actor.origin, now, policy)?;
    }
    actor.deny(
        conn,
        ProblemCode::CurrentPasswordWrong,
        json!({ "reason": "wrong_current_password", "attempt": attempt }),
    )
}

/// What TOTP secrets are sealed for: this user's row only.
fn totp_purpose(user_id: &str) -> String {
    format!("totp:{user_id}")
}

/// The user's TOTP secret in the clear (sealed at rest with the key ring).
fn open_totp_secret(keys: &KeyRing, user: &User) -> WorkflowResult<String> {
    let stored = user.totp_secret.as_deref().unwrap_or_default();
    if !secrets::is_sealed(stored) {
        // Not yet sealed (written before this version and before the start-up pass).
        return Ok(stored.to_owned());
    }
    let plain = keys
        .open(&totp_purpose(&user.id), stored)
        .map_err(|e| WorkflowError::Internal(anyhow::anyhow!("TOTP secret of {}: {e}", user.id)))?;
    String::from_utf8(plain).map_err(|_| {
        WorkflowError::Internal(anyhow::anyhow!("TOTP secret of {} is not text", user.id))
    })
}

/// Seals every TOTP secret that is plain text or under a previous key with the current key
/// (at start; see README "Rotating the secret key"), audited per tenant. Returns how many.
#[tracing::instrument(skip_all)]
pub fn seal_totp_secrets(conn: &mut AnyConnection, keys: &KeyRing) -> anyhow::Result<usize> {
    let mut per_tenant: std::collections::BTreeMap<String, usize> = Default::default();
    for (tenant_id, user_id, stored) in users::totp_secrets(conn)? {
        if !keys.needs_reseal(&stored) {
            continue;
        }
        let plain = if secrets::is_sealed(&stored) {
            keys.open(&totp_purpose(&user_id), &stored).map_err(|e| {
                anyhow::anyhow!(
                    "TOTP secret of user {user_id}: {e} (is TACHIAI_SECRET_KEY_PREVIOUS set?)"
                )
            })?
        } else {
            stored.clone().into_bytes()
        };
        let sealed = keys.seal(&totp_purpose(&user_id), &plain);
        if users::replace_totp_secret(conn, &tenant_id, &user_id, &stored, &sealed)? > 0 {
            *per_tenant.entry(tenant_id).or_default() += 1;
        }
    }
    let origin = super::tenants::operator_origin("system");
    for (tenant_id, count) in &per_tenant {
        db::tenant_transaction(conn, tenant_id, |conn| {
            audit::record(
                conn,
                tenant_id,
                &origin,
                Entry {
                    action: AuditAction::TotpSecretsSealed,
                    target: None,
                    outcome: Outcome::Success,
                    details: json!({ "count": count, "key_id": keys.current().id() }),
                },
                Millis::now(),
            )
            .map(|_| ())
        })?;
    }
    Ok(per_tenant.values().sum())
}

/// How a request presented itself, for [`authenticate`].
#[derive(Debug, Clone, Copy)]
pub struct RequestCredentials<'a> {
    /// The session cookie.
    pub token: &'a str,
    /// The `X-CSRF-Token` header.
    pub csrf_header: Option<&'a str>,
    /// GET/HEAD/OPTIONS need no CSRF token.
    pub safe_method: bool,
    /// An `Origin` other than the server's own (`api::extract::foreign_origin`): accepted only
    /// when it is one of the tenant's zone URLs.
    pub foreign_origin: Option<&'a str>,
}

/// Resolves a session cookie into an [`Actor`], enforcing the idle and absolute timeouts, the
/// tenant's network zones (the session stays: it works again from an allowed address) and,
/// for state-changing requests, the `Origin` and the CSRF token.
#[tracing::instrument(skip_all)]
pub fn authenticate(
    conn: &mut AnyConnection,
    creds: RequestCredentials<'_>,
    origin: Origin,
) -> WorkflowResult<(Actor, String)> {
    let now = Millis::now();
    let token_hash = tokens::digest(creds.token);
    // Without a live session no zone URL can vouch for another site's `Origin`.
    let ended = match creds.foreign_origin {
        Some(_) => ProblemCode::CsrfTokenInvalid,
        None => ProblemCode::SessionExpired,
    };
    let Some(session) = sessions::find(conn, &token_hash)? else {
        return Err(ended.into());
    };
    let tenant = tenants::get(conn, &session.tenant_id)?;
    let idle_deadline = session.last_seen_at + i64::from(tenant.session_idle_minutes) * 60_000;
    if now.0 >= session.expires_at || now.0 >= idle_deadline {
        sessions::delete(conn, &token_hash)?;
        return Err(ended.into());
    }
    let user = users::get(conn, TenantId(&session.tenant_id), UserId(&session.user_id))?;
    if user.disabled {
        sessions::delete_for_user(conn, &user.id, None)?;
        return Err(ProblemCode::AccountDisabled.into());
    }
    let actor = Actor::new(
        &user,
        tenant.require_totp,
        token_hash.clone(),
        Credential::Session,
        origin,
    );
    let zones =
        network_zones::check_staff_address(conn, &tenant.id, &actor.origin, Attempt::Session)?;
    if creds.foreign_origin.is_some_and(|o| !zones.has_url(o)) {
        return Err(ProblemCode::CsrfTokenInvalid.into());
    }
    if !creds.safe_method {
        let code = match creds.csrf_header {
            None => Some(ProblemCode::CsrfTokenMissing),
            Some(h) if !tokens::constant_time_eq(h, &session.csrf_token) => {
                Some(ProblemCode::CsrfTokenInvalid)
            }
            Some(_) => None,
        };
        if let Some(code) = code {
            db::tenant_transaction(conn, &tenant.id, |conn| {
                audit::record(
                    conn,
                    &tenant.id,
                    &actor.origin,
                    Entry {
                        action: AuditAction::CsrfRejected,
                        target: None,
                        outcome: Outcome::Failure,
                        details: json!({ "reason": code.as_str() }),
                    },
                    now,
                )
                .map(|_| ())
            })?;
            return Err(code.into());
        }
    }
    // Write at most once a minute: the idle timeout does not need millisecond precision.
    if now.0 - session.last_seen_at > 60_000 {
        sessions::touch(conn, &token_hash, now.0)?;
    }
    Ok((actor, session.csrf_token))
}

/// `GET /auth/session`: the current session as the client needs it.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn session_view(
    conn: &mut AnyConnection,
    actor: &Actor,
    csrf_token: String,
) -> WorkflowResult<SessionView> {
    let user = users::get(conn, TenantId(&actor.tenant_id), UserId(&actor.user_id))?;
    let tenant = tenants::get(conn, &actor.tenant_id)?;
    let session =
        sessions::find(conn, &actor.session_token_hash)?.ok_or_else(WorkflowError::not_found)?;
    Ok(SessionView {
        me: me_view(actor, &user, &tenant),
        csrf_token,
        expires_at: rfc3339(session.expires_at),
        development_seal: false,
    })
}

/// `POST /auth/logout`.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn logout(conn: &mut AnyConnection, actor: &Actor) -> WorkflowResult<()> {
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        sessions::delete(conn, &actor.session_token_hash)?;
        actor.audit(
            conn,
            AuditAction::Logout,
            Some(("user", &actor.user_id)),
            json!({}),
        )
    })
}

/// `POST /account/password`: the user's own change; the user's other sessions end and their
/// API tokens are revoked (whoever knew the old password may have made one).
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn change_password(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &ChangePasswordRequest,
    policy: LoginPolicy,
) -> WorkflowResult<()> {
    let user = users::get(conn, TenantId(&actor.tenant_id), UserId(&actor.user_id))?;
    confirm_password(conn, actor, &user, &req.current_password, policy)?;
    if check_password_policy(&req.new_password, &user.login_id).is_err()
        || req.new_password == req.current_password
    {
        return Err(ProblemCode::PasswordPolicy.into());
    }
    let hash = password::hash(&req.new_password)?;
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        let now = Millis::now();
        users::set_password(conn, &actor.tenant_id, &user.id, &hash, false, now.0)?;
        actor.audit(
            conn,
            AuditAction::PasswordChanged,
            Some(("user", &user.id)),
            json!({}),
        )?;
        revoke_credentials(
            conn,
            actor,
            &user.id,
            Some(&actor.session_token_hash),
            RevokeReason::PasswordChanged,
        )
    })
}

/// `POST /account/totp/setup`: stores a new, not yet active secret.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn totp_setup(
    conn: &mut AnyConnection,
    keys: &KeyRing,
    actor: &Actor,
    issuer: &str,
) -> WorkflowResult<TotpSetupView> {
    let user = users::get(conn, TenantId(&actor.tenant_id), UserId(&actor.user_id))?;
    if user.totp_enabled {
        return Err(ProblemCode::Conflict.into());
    }
    let tenant = tenants::get(conn, &actor.tenant_id)?;
    let secret = totp::new_secret();
    users::set_totp(
        conn,
        &actor.tenant_id,
        &user.id,
        Some(&keys.seal(&totp_purpose(&user.id), secret.as_bytes())),
        false,
        Millis::now().0,
    )?;
    Ok(TotpSetupView {
        otpauth_uri: totp::otpauth_uri(
            &secret,
            issuer,
            &format!("{}:{}", tenant.code, user.login_id),
        ),
        secret,
    })
}

/// `POST /account/totp/enable`: a first valid code activates the stored secret.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn totp_enable(
    conn: &mut AnyConnection,
    keys: &KeyRing,
    actor: &Actor,
    req: &TotpEnableRequest,
) -> WorkflowResult<()> {
    let user = users::get(conn, TenantId(&actor.tenant_id), UserId(&actor.user_id))?;
    let (Some(stored), false) = (user.totp_secret.as_deref(), user.totp_enabled) else {
        return Err(ProblemCode::Conflict.into());
    };
    let secret = open_totp_secret(keys, &user)?;
    let code = OtpCode::parse(&req.code).map_err(|e| WorkflowError::field("code", e))?;
    let now = Millis::now();
    let step = totp::verify(&secret, code.value(), now.unix_seconds(), None)
        .ok_or(WorkflowError::Refused(ProblemCode::TotpInvalid))?;
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        users::set_totp(conn, &actor.tenant_id, &user.id, Some(stored), true, now.0)?;
        users::set_totp_last_step(conn, &actor.tenant_id, &user.id, step)?;
        actor.audit(
            conn,
            AuditAction::TotpEnabled,
            Some(("user", &user.id)),
            json!({}),
        )
    })
}

/// `POST /account/totp/disable`: needs the password; refused when the tenant requires TOTP.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn totp_disable(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &TotpDisableRequest,
    policy: LoginPolicy,
) -> WorkflowResult<()> {
    let user = users::get(conn, TenantId(&actor.tenant_id), UserId(&actor.user_id))?;
    confirm_password(conn, actor, &user, &req.current_password, policy)?;
    if tenants::get(conn, &actor.tenant_id)?.require_totp {
        return Err(ProblemCode::Forbidden.into());
    }
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        users::set_totp(
            conn,
            &actor.tenant_id,
            &user.id,
            None,
            false,
            Millis::now().0,
        )?;
        actor.audit(
            conn,
            AuditAction::TotpDisabled,
            Some(("user", &user.id)),
            json!({}),
        )
    })
}
