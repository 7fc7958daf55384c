//! User administration (仕様 6-(2)(3)): create, edit roles and grants, disable (never delete),
//! reset passwords. Every query is scoped by the actor's tenant.
//!
//! `manage_users` is not a way up: a user gives only roles and permissions they hold
//! themselves, manages only users who hold no more than they do, and the administrator role
//! and administrators' accounts are for administrators only. All of it needs a logged-in
//! session; an API token is refused (`api_token_not_allowed`).

use serde_json::json;
use shared::access::{Permission, Role, effective_permissions};
use shared::audit::AuditAction;
use shared::dto::{CreateUserRequest, Page, UpdateUserRequest, UserCredentialView, UserView};
use shared::problem::ProblemCode;
use shared::validate::{EmailAddress, LoginId, Name, ValidationError, check_password_policy};

use crate::audit::{self, Entry, Origin, Outcome};
use crate::auth::{password, tokens};
use crate::clock::Millis;
use crate::db::ids::{TenantId, UserId};
use crate::db::models::User;
use crate::db::queries::users::{ProfileChanges, UserFilter};
use crate::db::queries::{departments, users};
use crate::db::{self, AnyConnection};
use crate::workflow::PageRequest;
use crate::workflow::actor::{Actor, join_list, parse_list};
use crate::workflow::api_tokens::{RevokeReason, revoke_credentials};
use crate::workflow::error::{FieldErrors, WorkflowError, WorkflowResult};
use crate::workflow::views::user_view;

/// `GET /users`.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn list_users(
    conn: &mut AnyConnection,
    actor: &Actor,
    q: Option<&str>,
    include_disabled: bool,
    page: PageRequest,
) -> WorkflowResult<Page<UserView>> {
    require_manager(conn, actor)?;
    let filter = UserFilter {
        q,
        include_disabled,
    };
    let (rows, total) = users::list(conn, &actor.tenant_id, &filter, page.page, page.per_page)?;
    Ok(page.wrap(rows.iter().map(user_view).collect(), total))
}

/// `GET /users/{id}`: admins see everyone, others only themselves.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id, id = %id))]
pub fn get_user(conn: &mut AnyConnection, actor: &Actor, id: &str) -> WorkflowResult<UserView> {
    if id != actor.user_id {
        require_manager(conn, actor)?;
    }
    current_view(conn, actor, id)
}

/// `manage_users`, from a logged-in session.
/// The tenant's enabled administrators (管理者) with a mailbox, to tell of what concerns the
/// whole tenant (seal trouble, renewals, reports, maintenance); users whose address does not
/// parse are left out rather than failing the mail to the others.
pub fn admin_mailboxes(
    conn: &mut AnyConnection,
    tenant_id: &str,
) -> diesel::QueryResult<Vec<(User, lettre::message::Mailbox)>> {
    Ok(users::list_enabled(conn, tenant_id)?
        .into_iter()
        .filter(|u| parse_list(&u.roles, Role::parse).contains(&Role::Admin))
        .filter_map(|u| crate::mail::mailbox(&u.name, &u.email).map(|to| (u, to)))
        .collect())
}

fn require_manager(conn: &mut AnyConnection, actor: &Actor) -> WorkflowResult<()> {
    actor.require(conn, Permission::ManageUsers)?;
    actor.require_session(conn)
}

/// Refuses (audited) roles and grants beyond the actor's own: the admin role needs an admin
/// (`admin_only`), anything else every permission it brings (`grant_not_held`).
fn check_grantable(
    conn: &mut AnyConnection,
    actor: &Actor,
    roles: &[Role],
    grants: &[Permission],
) -> WorkflowResult<()> {
    if roles.contains(&Role::Admin) && !actor.roles.contains(&Role::Admin) {
        return actor.deny(
            conn,
            ProblemCode::AdminOnly,
            json!({ "reason": "grant_admin_role" }),
        );
    }
    let missing: Vec<&str> = effective_permissions(roles, grants)
        .difference(&actor.permissions)
        .map(|p| p.as_str())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        actor.deny(
            conn,
            ProblemCode::GrantNotHeld,
            json!({ "reason": "grant_not_held", "not_held": missing }),
        )
    }
}

/// Refuses (audited) changing, disabling or resetting a user who is an admin (unless the actor
/// is one) or who holds a permission the actor lacks: resetting their password would hand the
/// actor that permission.
fn check_manageable(conn: &mut AnyConnection, actor: &Actor, target: &User) -> WorkflowResult<()> {
    let roles = parse_list(&target.roles, Role::parse);
    let grants = parse_list(&target.grants, Permission::parse);
    if roles.contains(&Role::Admin) && !actor.roles.contains(&Role::Admin) {
        return actor.deny(
            conn,
            ProblemCode::AdminOnly,
            json!({ "reason": "target_is_admin", "user_id": target.id }),
        );
    }
    if effective_permissions(&roles, &grants).is_subset(&actor.permissions) {
        Ok(())
    } else {
        actor.deny(
            conn,
            ProblemCode::GrantNotHeld,
            json!({ "reason": "target_holds_more", "user_id": target.id }),
        )
    }
}

/// Checked profile fields shared by create and update.
struct Profile {
    name: Name,
    email: EmailAddress,
    department_id: Option<String>,
    roles: String,
    grants: String,
}

/// The profile fields as requested, before checking.
struct ProfileInput<'a> {
    name: &'a str,
    email: &'a str,
    department_id: Option<uuid::Uuid>,
    roles: &'a [Role],
    grants: &'a [Permission],
}

fn check_profile(
    conn: &mut AnyConnection,
    tenant_id: &str,
    errors: &mut FieldErrors,
    input: ProfileInput<'_>,
) -> WorkflowResult<Option<Profile>> {
    let ProfileInput {
        name,
        email,
        department_id,
        roles,
        grants,
    } = input;
    let name = errors.check("name", Name::parse(name));
    let email = errors.check("email", EmailAddress::parse(email));
    let department_id = department_id.map(|d| d.to_string());
    if let Some(d) = &department_id
        && departments::get(conn, tenant_id, d).is_err()
    {
        errors.push("department_id", ValidationError::UnknownReference);
    }
    if roles.is_empty() {
        errors.push("roles", ValidationError::EmptySelection);
    }
    Ok(match (name, email) {
        (Some(name), Some(email)) => Some(Profile {
            name,
            email,
            department_id,
            roles: join_list(roles, Role::as_str),
            grants: join_list(grants, Permission::as_str),
        }),
        _ => None,
    })
}

/// `POST /users`. When no password is given one is generated, returned once, and must be
/// changed at first login.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id))]
pub fn create_user(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &CreateUserRequest,
) -> WorkflowResult<UserCredentialView> {
    require_manager(conn, actor)?;
    check_grantable(conn, actor, &req.roles, &req.grants)?;
    create(conn, &actor.tenant_id, req, |conn, user| {
        actor.audit(
            conn,
            AuditAction::UserCreated,
            Some(("user", &user.id)),
            created_details(user),
        )
    })
}

/// Creates a user outside a session: the first admin, `tachiai admin create-user`.
#[tracing::instrument(skip_all)]
pub fn create_user_by_operator(
    conn: &mut AnyConnection,
    tenant_id: &str,
    req: &CreateUserRequest,
    origin: &Origin,
) -> WorkflowResult<UserCredentialView> {
    create(conn, tenant_id, req, |conn, user| {
        let entry = Entry {
            action: AuditAction::UserCreated,
            target: Some(("user", &user.id)),
            outcome: Outcome::Success,
            details: created_details(user),
        };
        audit::record(conn, tenant_id, origin, entry, Millis::now())?;
        Ok(())
    })
}

fn created_details(user: &User) -> serde_json::Value {
    json!({ "login_id": user.login_id, "roles": user.roles, "grants": user.grants })
}

/// Validates and inserts a user in a tenant transaction, refusing a taken login ID; `audit`
/// records it in the same transaction.
fn create(
    conn: &mut AnyConnection,
    tenant_id: &str,
    req: &CreateUserRequest,
    audit: impl FnOnce(&mut AnyConnection, &User) -> WorkflowResult<()>,
) -> WorkflowResult<UserCredentialView> {
    let mut errors = FieldErrors::default();
    let login_id = errors.check("login_id", LoginId::parse(&req.login_id));
    let profile = check_profile(
        conn,
        tenant_id,
        &mut errors,
        ProfileInput {
            name: &req.name,
            email: &req.email,
            department_id: req.department_id,
            roles: &req.roles,
            grants: &req.grants,
        },
    )?;
    if let (Some(pw), Some(login)) = (&req.password, &login_id) {
        errors.check("password", check_password_policy(pw, login.as_str()));
    }
    let (login_id, profile) = errors.finish_with(|| Some((login_id?, profile?)))?;
    let generated = req.password.is_none();
    let initial_password = req
        .password
        .clone()
        .unwrap_or_else(tokens::initial_password);
    let now = Millis::now().0;
    let user = User {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: tenant_id.to_owned(),
        login_id: login_id.as_str().to_owned(),
        name: profile.name.into_inner(),
        email: profile.email.as_str().to_owned(),
        department_id: profile.department_id,
        roles: profile.roles,
        grants: profile.grants,
        password_hash: password::hash(&initial_password)?,
        must_change_password: generated,
        disabled: false,
        totp_secret: None,
        totp_enabled: false,
        totp_last_step: None,
        failed_logins: 0,
        locked_until: None,
        last_login_at: None,
        created_at: now,
        updated_at: now,
    };
    db::tenant_transaction(conn, tenant_id, |conn| {
        if users::find_by_login_id(conn, tenant_id, login_id.as_str())?.is_some() {
            return Err(ProblemCode::LoginIdTaken.into());
        }
        users::insert(conn, &user).map_err(|e| match WorkflowError::from(e) {
            WorkflowError::Refused(ProblemCode::Conflict) => ProblemCode::LoginIdTaken.into(),
            other => other,
        })?;
        audit(conn, &user)
    })?;
    Ok(UserCredentialView {
        user: user_view(&user),
        initial_password: generated.then_some(initial_password),
    })
}

/// `PUT /users/{id}`. An admin cannot take away their own admin role.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id, id = %id))]
pub fn update_user(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    req: &UpdateUserRequest,
) -> WorkflowResult<UserView> {
    require_manager(conn, actor)?;
    let before = users::get(conn, TenantId(&actor.tenant_id), UserId(id))?;
    check_manageable(conn, actor, &before)?;
    check_grantable(conn, actor, &req.roles, &req.grants)?;
    let mut errors = FieldErrors::default();
    let profile = check_profile(
        conn,
        &actor.tenant_id,
        &mut errors,
        ProfileInput {
            name: &req.name,
            email: &req.email,
            department_id: req.department_id,
            roles: &req.roles,
            grants: &req.grants,
        },
    )?;
    let profile = errors.finish_with(|| profile)?;
    if id == actor.user_id && !req.roles.contains(&Role::Admin) {
        return Err(ProblemCode::SelfLockout.into());
    }
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        let changes = ProfileChanges {
            name: profile.name.as_str(),
            email: profile.email.as_str(),
            department_id: profile.department_id.as_deref(),
            roles: &profile.roles,
            grants: &profile.grants,
            updated_at: Millis::now().0,
        };
        users::update_profile(conn, &actor.tenant_id, id, &changes)?;
        actor.audit(
            conn,
            AuditAction::UserUpdated,
            Some(("user", id)),
            json!({
                "name": [before.name, changes.name],
                "email": [before.email, changes.email],
                "department_id": [before.department_id, changes.department_id],
            }),
        )?;
        if before.roles != profile.roles || before.grants != profile.grants {
            actor.audit(
                conn,
                AuditAction::PermissionsChanged,
                Some(("user", id)),
                json!({
                    "roles": [before.roles, profile.roles],
                    "grants": [before.grants, profile.grants],
                }),
            )?;
        }
        Ok::<_, WorkflowError>(())
    })?;
    current_view(conn, actor, id)
}

/// `POST /users/{id}/disable` and `/enable`. Disabling ends the user's sessions and revokes
/// their API tokens (enabling again does not bring them back).
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id, id = %id))]
pub fn set_user_disabled(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    disabled: bool,
) -> WorkflowResult<UserView> {
    require_manager(conn, actor)?;
    let target = users::get(conn, TenantId(&actor.tenant_id), UserId(id))?;
    check_manageable(conn, actor, &target)?;
    if disabled && id == actor.user_id {
        return Err(ProblemCode::SelfLockout.into());
    }
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        users::set_disabled(conn, &actor.tenant_id, id, disabled, Millis::now().0)?;
        if disabled {
            revoke_credentials(conn, actor, id, None, RevokeReason::Disabled)?;
        }
        let action = if disabled {
            AuditAction::UserDisabled
        } else {
            AuditAction::UserEnabled
        };
        actor.audit(conn, action, Some(("user", id)), json!({}))
    })?;
    current_view(conn, actor, id)
}

/// `POST /users/{id}/reset-password`: a generated password, shown once; it also lifts a
/// lockout, ends the user's sessions, revokes their API tokens, and must be changed at next
/// login.
#[tracing::instrument(skip_all, fields(tenant = %actor.tenant_id, user = %actor.user_id, id = %id))]
pub fn reset_password(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
) -> WorkflowResult<UserCredentialView> {
    require_manager(conn, actor)?;
    let target = users::get(conn, TenantId(&actor.tenant_id), UserId(id))?;
    check_manageable(conn, actor, &target)?;
    let initial = tokens::initial_password();
    let hash = password::hash(&initial)?;
    db::tenant_transaction(conn, &actor.tenant_id, |conn| {
        users::set_password(conn, &actor.tenant_id, id, &hash, true, Millis::now().0)?;
        actor.audit(
            conn,
            AuditAction::PasswordReset,
            Some(("user", id)),
            json!({}),
        )?;
        revoke_credentials(conn, actor, id, None, RevokeReason::PasswordReset)
    })?;
    Ok(UserCredentialView {
        user: user_view(&users::get(conn, TenantId(&actor.tenant_id), UserId(id))?),
        initial_password: Some(initial),
    })
}

/// The user `id` of the actor's tenant as it now stands.
fn current_view(conn: &mut AnyConnection, actor: &Actor, id: &str) -> WorkflowResult<UserView> {
    Ok(user_view(&users::get(
        conn,
        TenantId(&actor.tenant_id),
        UserId(id),
    )?))
}
