//! `users`.

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::ids::{TenantId, UserId};
use crate::db::models::User;
use crate::db::schema::users::dsl as u;

pub fn insert(conn: &mut AnyConnection, user: &User) -> QueryResult<()> {
    diesel::insert_into(u::users)
        .values(user)
        .execute(conn)
        .map(|_| ())
}

pub fn get(conn: &mut AnyConnection, tenant_id: TenantId<'_>, id: UserId<'_>) -> QueryResult<User> {
    u::users
        .filter(u::tenant_id.eq(tenant_id.0).and(u::id.eq(id.0)))
        .select(User::as_select())
        .first(conn)
}

/// The names of the tenant's users among `ids`, by id (one query for a page's people).
pub fn names_of(
    conn: &mut AnyConnection,
    tenant_id: TenantId<'_>,
    ids: &[&String],
) -> QueryResult<Vec<(String, String)>> {
    u::users
        .filter(u::tenant_id.eq(tenant_id.0).and(u::id.eq_any(ids)))
        .select((u::id, u::name))
        .load(conn)
}

pub fn find_by_login_id(
    conn: &mut AnyConnection,
    tenant_id: &str,
    login_id: &str,
) -> QueryResult<Option<User>> {
    u::users
        .filter(u::tenant_id.eq(tenant_id).and(u::login_id.eq(login_id)))
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// Filters for the user list.
#[derive(Debug, Default)]
pub struct UserFilter<'a> {
    pub q: Option<&'a str>,
    pub include_disabled: bool,
}

fn filtered<'a>(
    tenant_id: &'a str,
    filter: &UserFilter<'a>,
) -> crate::db::schema::users::BoxedQuery<'a, crate::db::Backend> {
    let mut query = u::users.filter(u::tenant_id.eq(tenant_id)).into_boxed();
    if !filter.include_disabled {
        query = query.filter(u::disabled.eq(false));
    }
    if let Some(q) = filter.q.filter(|q| !q.trim().is_empty()) {
        let p = super::contains_pattern(q.trim());
        query = query.filter(
            u::login_id
                .like(p.clone())
                .escape('\\')
                .or(u::name.like(p.clone()).escape('\\'))
                .or(u::email.like(p).escape('\\')),
        );
    }
    query
}

pub fn list(
    conn: &mut AnyConnection,
    tenant_id: &str,
    filter: &UserFilter<'_>,
    page: u32,
    per_page: u32,
) -> QueryResult<(Vec<User>, i64)> {
    let total = filtered(tenant_id, filter).count().get_result(conn)?;
    let (limit, offset) = super::page_bounds(page, per_page);
    let rows = filtered(tenant_id, filter)
        .order((u::login_id, u::id))
        .limit(limit)
        .offset(offset)
        .select(User::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// Every enabled user of a tenant, by name (directories such as the approver list).
pub fn list_enabled(conn: &mut AnyConnection, tenant_id: &str) -> QueryResult<Vec<User>> {
    u::users
        .filter(u::tenant_id.eq(tenant_id).and(u::disabled.eq(false)))
        .order((u::name, u::id))
        .limit(5000)
        .select(User::as_select())
        .load(conn)
}

/// The editable profile fields.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = crate::db::schema::users)]
#[diesel(treat_none_as_null = true)]
pub struct ProfileChanges<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub department_id: Option<&'a str>,
    pub roles: &'a str,
    pub grants: &'a str,
    pub updated_at: i64,
}

pub fn update_profile(
    conn: &mut AnyConnection,
    tenant_id: &str,
    id: &str,
    changes: &ProfileChanges<'_>,
) -> QueryResult<usize> {
    diesel::update(u::users.filter(u::tenant_id.eq(tenant_id).and(u::id.eq(id))))
        .set(changes)
        .execute(conn)
}

pub fn set_disabled(
    conn: &mut AnyConnection,
    tenant_id: &str,
    id: &str,
    disabled: bool,
    now: i64,
) -> QueryResult<usize> {
    diesel::update(u::users.filter(u::tenant_id.eq(tenant_id).and(u::id.eq(id))))
        .set((u::disabled.eq(disabled), u::updated_at.eq(now)))
        .execute(conn)
}

pub fn set_password(
    conn: &mut AnyConnection,
    tenant_id: &str,
    id: &str,
    hash: &str,
    must_change: bool,
    now: i64,
) -> QueryResult<usize> {
    diesel::update(u::users.filter(u::tenant_id.eq(tenant_id).and(u::id.eq(id))))
        .set((
            u::password_hash.eq(hash),
            u::must_change_password.eq(must_change),
            u::failed_logins.eq(0),
            u::locked_until.eq(None::<i64>),
            u::updated_at.eq(now),
        ))
        .execute(conn)
}

pub fn set_totp(
    conn: &mut AnyConnection,
    tenant_id: &str,
    id: &str,
    secret: Option<&str>,
    enabled: bool,
    now: i64,
) -> QueryResult<usize> {
    diesel::update(u::users.filter(u::tenant_id.eq(tenant_id).and(u::id.eq(id))))
        .set((
            u::totp_secret.eq(secret),
            u::totp_enabled.eq(enabled),
            u::totp_last_step.eq(None::<i64>),
            u::updated_at.eq(now),
        ))
        .execute(conn)
}

/// Remembers the last accepted TOTP step, so a code cannot be replayed.
pub fn set_totp_last_step(
    conn: &mut AnyConnection,
    tenant_id: &str,
    id: &str,
    step: i64,
) -> QueryResult<usize> {
    diesel::update(u::users.filter(u::tenant_id.eq(tenant_id).and(u::id.eq(id))))
        .set(u::totp_last_step.eq(step))
        .execute(conn)
}

/// Takes one login attempt from the account's allowance, atomically: the counter is raised
/// only while the account is not locked, and read back in the same transaction (the row stays
/// write-locked until commit), so parallel attempts each get a distinct number. `None`: locked.
pub fn reserve_login_attempt(
    conn: &mut AnyConnection,
    tenant_id: &str,
    id: &str,
    now: i64,
) -> QueryResult<Option<i32>> {
    conn.transaction(|conn| {
        let raised = diesel::update(
            u::users.filter(
                u::tenant_id
                    .eq(tenant_id)
                    .and(u::id.eq(id))
                    .and(u::locked_until.is_null().or(u::locked_until.le(now))),
            ),
        )
        .set(u::failed_logins.eq(u::failed_logins + 1))
        .execute(conn)?;
        if raised == 0 {
            return Ok(None);
        }
        u::users
            .filter(u::tenant_id.eq(tenant_id).and(u::id.eq(id)))
            .select(u::failed_logins)
            .first(conn)
            .map(Some)
    })
}

/// Gives back an attempt that was not a failure (the password was right, a TOTP code is
/// still to come).
pub fn release_login_attempt(
    conn: &mut AnyConnection,
    tenant_id: &str,
    id: &str,
) -> QueryResult<usize> {
    diesel::update(
        u::users.filter(
            u::tenant_id
                .eq(tenant_id)
                .and(u::id.eq(id))
                .and(u::failed_logins.gt(0)),
        ),
    )
    .set(u::failed_logins.eq(u::failed_logins - 1))
    .execute(conn)
}

/// Locks the account until `until`; the count starts again when the lock ends.
pub fn lock(conn: &mut AnyConnection, tenant_id: &str, id: &str, until: i64) -> QueryResult<usize> {
    diesel::update(u::users.filter(u::tenant_id.eq(tenant_id).and(u::id.eq(id))))
        .set((u::failed_logins.eq(0), u::locked_until.eq(until)))
        .execute(conn)
}

/// Every stored TOTP secret (all tenants), for sealing them under the current key at start.
pub fn totp_secrets(conn: &mut AnyConnection) -> QueryResult<Vec<(String, String, String)>> {
    u::users
        .filter(u::totp_secret.is_not_null())
        .select((u::tenant_id, u::id, u::totp_secret.assume_not_null()))
        .load(conn)
}

/// Replaces a stored TOTP secret if it is still `old` (a concurrent setup wins).
pub fn replace_totp_secret(
    conn: &mut AnyConnection,
    tenant_id: &str,
    id: &str,
    old: &str,
    new: &str,
) -> QueryResult<usize> {
    diesel::update(
        u::users.filter(
            u::tenant_id
                .eq(tenant_id)
                .and(u::id.eq(id))
                .and(u::totp_secret.eq(old)),
        ),
    )
    .set(u::totp_secret.eq(new))
    .execute(conn)
}

pub fn record_login(
    conn: &mut AnyConnection,
    tenant_id: &str,
    id: &str,
    now: i64,
) -> QueryResult<usize> {
    diesel::update(u::users.filter(u::tenant_id.eq(tenant_id).and(u::id.eq(id))))
        .set((
            u::failed_logins.eq(0),
            u::locked_until.eq(None::<i64>),
            u::last_login_at.eq(now),
        ))
        .execute(conn)
}
