//! Who is acting: the user behind a valid session, with their effective permissions.
//! Checks are named `require_*` and are the first thing a use-case does.

use std::collections::BTreeSet;

use shared::access::{Permission, Role, effective_permissions};
use shared::audit::AuditAction;
use shared::problem::ProblemCode;

use crate::audit::{self, Entry, Origin, Outcome};
use crate::clock::Millis;
use crate::db::{self, AnyConnection};
use crate::workflow::error::{WorkflowError, WorkflowResult};

/// What the actor presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// A session cookie from a login.
    Session,
    /// An API token (`Authorization: Bearer`).
    ApiToken,
}

/// A logged-in user acting through a session or an API token.
#[derive(Debug, Clone)]
pub struct Actor {
    /// Their tenant; every query is scoped by it.
    pub tenant_id: String,
    /// The user.
    pub user_id: String,
    /// Their login ID.
    pub login_id: String,
    /// Their department.
    pub department_id: Option<String>,
    /// Their roles.
    pub roles: Vec<Role>,
    /// Effective permissions.
    pub permissions: BTreeSet<Permission>,
    /// Must change the password before anything else.
    pub must_change_password: bool,
    /// The tenant requires TOTP and the user has none yet.
    pub totp_setup_required: bool,
    /// The session's token digest (empty for an API token).
    pub session_token_hash: String,
    /// Session or API token.
    pub credential: Credential,
    /// Where the request came from, for the audit log.
    pub origin: Origin,
}

impl Actor {
    /// Builds the actor from stored roles and grants.
    pub fn new(
        user: &crate::db::models::User,
        require_totp: bool,
        session_token_hash: String,
        credential: Credential,
        mut origin: Origin,
    ) -> Actor {
        let roles = parse_list(&user.roles, Role::parse);
        let grants = parse_list(&user.grants, Permission::parse);
        origin.actor_id = Some(user.id.clone());
        origin.actor_label = user.login_id.clone();
        Actor {
            tenant_id: user.tenant_id.clone(),
            user_id: user.id.clone(),
            login_id: user.login_id.clone(),
            department_id: user.department_id.clone(),
            permissions: effective_permissions(&roles, &grants),
            roles,
            must_change_password: user.must_change_password,
            totp_setup_required: require_totp && !user.totp_enabled,
            session_token_hash,
            credential,
            origin,
        }
    }

    /// Refuses everything but the account pages until the password is changed and, when the
    /// tenant requires it, TOTP is set up.
    pub fn require_ready(&self) -> WorkflowResult<()> {
        if self.must_change_password {
            Err(ProblemCode::PasswordChangeRequired.into())
        } else if self.totp_setup_required {
            Err(ProblemCode::TotpSetupRequired.into())
        } else {
            Ok(())
        }
    }

    /// Refuses with 403 unless the actor has `permission`; the refusal is audited.
    pub fn require(&self, conn: &mut AnyConnection, permission: Permission) -> WorkflowResult<()> {
        self.require_ready()?;
        if self.permissions.contains(&permission) {
            return Ok(());
        }
        self.deny(
            conn,
            ProblemCode::Forbidden,
            serde_json::json!({ "required": permission.as_str() }),
        )
    }

    /// Refuses an API token (`api_token_not_allowed`, audited): managing users and tokens
    /// needs a person at a logged-in session, so a leaked token cannot mint accounts or keys.
    pub fn require_session(&self, conn: &mut AnyConnection) -> WorkflowResult<()> {
        match self.credential {
            Credential::Session => Ok(()),
            Credential::ApiToken => self.deny(
                conn,
                ProblemCode::ApiTokenNotAllowed,
                serde_json::json!({ "reason": "api_token" }),
            ),
        }
    }

    /// Records an `access.denied` event and answers `code`.
    pub fn deny(
        &self,
        conn: &mut AnyConnection,
        code: ProblemCode,
        details: serde_json::Value,
    ) -> WorkflowResult<()> {
        db::tenant_transaction(conn, &self.tenant_id, |conn| {
            audit::record(
                conn,
                &self.tenant_id,
                &self.origin,
                Entry {
                    action: AuditAction::AccessDenied,
                    target: None,
                    outcome: Outcome::Failure,
                    details,
                },
                Millis::now(),
            )
            .map(|_| ())
        })?;
        Err(WorkflowError::Refused(code))
    }

    /// Records a successful operation of this actor.
    pub fn audit(
        &self,
        conn: &mut AnyConnection,
        action: AuditAction,
        target: Option<(&str, &str)>,
        details: serde_json::Value,
    ) -> WorkflowResult<()> {
        audit::record(
            conn,
            &self.tenant_id,
            &self.origin,
            Entry {
                action,
                target,
                outcome: Outcome::Success,
                details,
            },
            Millis::now(),
        )?;
        Ok(())
    }
}

/// Parses a stored comma-separated list, skipping names this version does not know.
pub fn parse_list<T>(stored: &str, parse: impl Fn(&str) -> Option<T>) -> Vec<T> {
    stored.split(',').filter_map(|s| parse(s.trim())).collect()
}

/// The stored form of a list of names.
pub fn join_list<T: Copy + Ord>(items: &[T], name: impl Fn(T) -> &'static str) -> String {
    let set: BTreeSet<T> = items.iter().copied().collect();
    set.into_iter().map(name).collect::<Vec<_>>().join(",")
}
