//! `api_tokens`.

use diesel::prelude::*;

use crate::db::models::ApiToken;
use crate::db::schema::api_tokens::dsl as t;
use crate::db::schema::users::dsl as u;
use crate::db::{AnyConnection, Backend};

pub fn insert(conn: &mut AnyConnection, token: &ApiToken) -> QueryResult<()> {
    diesel::insert_into(t::api_tokens)
        .values(token)
        .execute(conn)
        .map(|_| ())
}

/// The token with this secret digest, of any tenant (the bearer says nothing else).
pub fn find_by_hash(conn: &mut AnyConnection, token_hash: &str) -> QueryResult<Option<ApiToken>> {
    t::api_tokens
        .filter(t::token_hash.eq(token_hash))
        .select(ApiToken::as_select())
        .first(conn)
        .optional()
}

pub fn get(conn: &mut AnyConnection, tenant_id: &str, id: &str) -> QueryResult<ApiToken> {
    t::api_tokens
        .filter(t::tenant_id.eq(tenant_id).and(t::id.eq(id)))
        .select(ApiToken::as_select())
        .first(conn)
}

/// Tokens of the tenant (of one user when `user_id` is given), newest first, each with its
/// user's login ID.
pub fn list(
    conn: &mut AnyConnection,
    tenant_id: &str,
    user_id: Option<&str>,
    page: u32,
    per_page: u32,
) -> QueryResult<(Vec<(ApiToken, String)>, i64)> {
    let filtered = || {
        let mut q = t::api_tokens
            .inner_join(u::users)
            .filter(t::tenant_id.eq(tenant_id))
            .into_boxed::<Backend>();
        if let Some(user) = user_id {
            q = q.filter(t::user_id.eq(user.to_owned()));
        }
        q
    };
    let total = filtered().count().get_result(conn)?;
    let (limit, offset) = super::page_bounds(page, per_page);
    let rows = filtered()
        .order((t::created_at.desc(), t::id))
        .limit(limit)
        .offset(offset)
        .select((ApiToken::as_select(), u::login_id))
        .load(conn)?;
    Ok((rows, total))
}

pub fn revoke(conn: &mut AnyConnection, tenant_id: &str, id: &str, now: i64) -> QueryResult<usize> {
    diesel::update(
        t::api_tokens.filter(
            t::tenant_id
                .eq(tenant_id)
                .and(t::id.eq(id))
                .and(t::revoked_at.is_null()),
        ),
    )
    .set(t::revoked_at.eq(now))
    .execute(conn)
}

pub fn touch(conn: &mut AnyConnection, id: &str, now: i64) -> QueryResult<usize> {
    diesel::update(t::api_tokens.filter(t::id.eq(id)))
        .set(t::last_used_at.eq(now))
        .execute(conn)
}

/// Revokes every live token of a user (password change, reset, disable).
pub fn revoke_for_user(
    conn: &mut AnyConnection,
    tenant_id: &str,
    user_id: &str,
    now: i64,
) -> QueryResult<usize> {
    diesel::update(
        t::api_tokens.filter(
            t::tenant_id
                .eq(tenant_id)
                .and(t::user_id.eq(user_id))
                .and(t::revoked_at.is_null()),
        ),
    )
    .set(t::revoked_at.eq(now))
    .execute(conn)
}
