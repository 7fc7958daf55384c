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
use crate::db::models::{LoginFailure, Session};
use crate::db::queries::{login_failures, sessions, tenants, users};
use crate::db::{self, AnyConnection};
use crate::workflow::actor::Actor;
use crate::workflow::error::{WorkflowError, WorkflowResult};
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
pub fn login(
    conn: &mut AnyConnection,
    req: &LoginRequest,
    origin: &Origin,
    previous_token: Option<&str>,
    policy: LoginPolicy,
) -> WorkflowResult<NewSession> {
    let now = Millis::now();
    let ip = origin.ip.clone().unwrap_or_default();
    let since = now.plus_minutes(-THROTTLE_WINDOW_MINUTES).0;
    if login_failures::count_since(conn, &ip, since)? >= policy.ip_max_failures {
        return Err(ProblemCode::TooManyRequests.into());
    }
    let remember_failure = |conn: &mut AnyConnection| -> WorkflowResult<()> {
        login_failures::insert(
            conn,
            &LoginFailure {
                id: uuid::Uuid::new_v4().to_string(),
                ip: ip.clone(),
                at: now.0,
            },
        )?;
        Ok(())
    };

    let Some(tenant) = tenants::find_by_code(conn, req.tenant_code.trim())? else {
        password::verify(&req.password, password::dummy_hash());
        remember_failure(conn)?;
        return Err(ProblemCode::InvalidCredentials.into());
    };
    let typed = Origin {
        actor_id: None,
        actor_label: req.login_id.trim().chars().take(64).collect(),
        ..origin.clone()
    };
    let fail = |conn: &mut AnyConnection,
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

    let Some(user) = users::find_by_login_id(conn, &tenant.id, req.login_id.trim())? else {
        password::verify(&req.password, password::dummy_hash());
        remember_failure(conn)?;
        return Err(fail(
            conn,
            None,
            "unknown_login_id",
            ProblemCode::InvalidCredentials,
        ));
    };
    if user.locked_until.is_some_and(|until| until > now.0) {
        return Err(fail(
            conn,
            Some(&user.id),
            "locked",
            ProblemCode::AccountLocked,
        ));
    }
    let count_failure = |conn: &mut AnyConnection, reason: &str, code: ProblemCode| {
        let failures = user.failed_logins + 1;
        let lock =
            (failures >= policy.max_failures).then(|| now.plus_minutes(policy.lockout_minutes).0);
        if let Err(e) = users::record_failed_login(conn, &tenant.id, &user.id, failures, lock)
            .map_err(WorkflowError::from)
            .and_then(|_| remember_failure(conn))
        {
            return e;
        }
        let code = if lock.is_some() {
            ProblemCode::AccountLocked
        } else {
            code
        };
        fail(conn, Some(&user.id), reason, code)
    };
    if !password::verify(&req.password, &user.password_hash) {
        return Err(count_failure(
            conn,
            "wrong_password",
            ProblemCode::InvalidCredentials,
        ));
    }
    if user.disabled {
        return Err(fail(
            conn,
            Some(&user.id),
            "disabled",
            ProblemCode::AccountDisabled,
        ));
    }
    if user.totp_enabled {
        let Some(raw) = req.totp_code.as_deref().filter(|c| !c.trim().is_empty()) else {
            return Err(ProblemCode::TotpRequired.into());
        };
        let step = OtpCode::parse(raw).ok().and_then(|code| {
            totp::verify(
                user.totp_secret.as_deref().unwrap_or_default(),
                code.value(),
                now.unix_seconds(),
                user.totp_last_step,
            )
        });
        match step {
            Some(step) => {
                users::set_totp_last_step(conn, &tenant.id, &user.id, step)?;
            }
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
        origin.clone(),
    );
    db::tenant_transaction(conn, &tenant.id, |conn| -> WorkflowResult<()> {
        if let Some(previous) = previous_token {
            sessions::delete(conn, &tokens::digest(previous))?;
        }
        sessions::insert(conn, &session)?;
        users::record_login(conn, &tenant.id, &user.id, now.0)?;
        actor.audit(
            conn,
            AuditAction::Login,
            Some(("user", &user.id)),
            json!({}),
        )
    })?;
    let user = users::get(conn, &tenant.id, &user.id)?;
    Ok(NewSession {
        token,
        view: SessionView {
            me: me_view(&actor, &user, &tenant),
            csrf_token: session.csrf_token,
            expires_at: rfc3339(session.expires_at),
        },
    })
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
}

/// Resolves a session cookie into an [`Actor`], enforcing the idle and absolute timeouts and,
/// for state-changing requests, the CSRF token.
pub fn authenticate(
    conn: &mut AnyConnection,
    creds: RequestCredentials<'_>,
    origin: Origin,
) -> WorkflowResult<(Actor, String)> {
    let now = Millis::now();
    let token_hash = tokens::digest(creds.token);
    let Some(session) = sessions::find(conn, &token_hash)? else {
        return Err(ProblemCode::SessionExpired.into());
    };
    let tenant = tenants::get(conn, &session.tenant_id)?;
    let idle_deadline = session.last_seen_at + i64::from(tenant.session_idle_minutes) * 60_000;
    if now.0 >= session.expires_at || now.0 >= idle_deadline {
        sessions::delete(conn, &token_hash)?;
        return Err(ProblemCode::SessionExpired.into());
    }
    let user = users::get(conn, &session.tenant_id, &session.user_id)?;
    if user.disabled {
        sessions::delete_for_user(conn, &user.id, None)?;
        return Err(ProblemCode::AccountDisabled.into());
    }
    let actor = Actor::new(&user, tenant.require_totp, token_hash.clone(), origin);
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
pub fn session_view(
    conn: &mut AnyConnection,
    actor: &Actor,
    csrf_token: String,
) -> WorkflowResult<SessionView> {
    let user = users::get(conn, &actor.tenant_id, &actor.user_id)?;
    let tenant = tenants::get(conn, &actor.tenant_id)?;
    let session =
        sessions::find(conn, &actor.session_token_hash)?.ok_or_else(WorkflowError::not_found)?;
    Ok(SessionView {
        me: me_view(actor, &user, &tenant),
        csrf_token,
        expires_at: rfc3339(session.expires_at),
    })
}

/// `POST /auth/logout`.
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

/// `POST /account/password`: the user's own change; other sessions of the user end.
pub fn change_password(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &ChangePasswordRequest,
) -> WorkflowResult<()> {
    let user = users::get(conn, &actor.tenant_id, &actor.user_id)?;
    if !password::verify(&req.current_password, &user.password_hash) {
        return Err(ProblemCode::CurrentPasswordWrong.into());
    }
    if check_password_policy(&req.new_password, &user.login_id).is_err()
        || req.new_password == req.current_password
    {
        return Err(ProblemCode::PasswordPolicy.into());
    }
    let hash = password::hash(&req.new_password)?;
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        let now = Millis::now();
        users::set_password(conn, &actor.tenant_id, &user.id, &hash, false, now.0)?;
        sessions::delete_for_user(conn, &user.id, Some(&actor.session_token_hash))?;
        actor.audit(
            conn,
            AuditAction::PasswordChanged,
            Some(("user", &user.id)),
            json!({}),
        )
    })
}

/// `POST /account/totp/setup`: stores a new, not yet active secret.
pub fn totp_setup(
    conn: &mut AnyConnection,
    actor: &Actor,
    issuer: &str,
) -> WorkflowResult<TotpSetupView> {
    let user = users::get(conn, &actor.tenant_id, &actor.user_id)?;
    if user.totp_enabled {
        return Err(ProblemCode::Conflict.into());
    }
    let tenant = tenants::get(conn, &actor.tenant_id)?;
    let secret = totp::new_secret();
    users::set_totp(
        conn,
        &actor.tenant_id,
        &user.id,
        Some(&secret),
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
pub fn totp_enable(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &TotpEnableRequest,
) -> WorkflowResult<()> {
    let user = users::get(conn, &actor.tenant_id, &actor.user_id)?;
    let (Some(secret), false) = (user.totp_secret.as_deref(), user.totp_enabled) else {
        return Err(ProblemCode::Conflict.into());
    };
    let code = OtpCode::parse(&req.code).map_err(|e| WorkflowError::field("code", e))?;
    let now = Millis::now();
    let step = totp::verify(secret, code.value(), now.unix_seconds(), None)
        .ok_or(WorkflowError::Refused(ProblemCode::TotpInvalid))?;
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        users::set_totp(conn, &actor.tenant_id, &user.id, Some(secret), true, now.0)?;
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
pub fn totp_disable(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &TotpDisableRequest,
) -> WorkflowResult<()> {
    let user = users::get(conn, &actor.tenant_id, &actor.user_id)?;
    if !password::verify(&req.current_password, &user.password_hash) {
        return Err(ProblemCode::CurrentPasswordWrong.into());
    }
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
