//! `sessions`.

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::models::Session;
use crate::db::schema::sessions::dsl as s;

pub fn insert(conn: &mut AnyConnection, session: &Session) -> QueryResult<()> {
    diesel::insert_into(s::sessions)
        .values(session)
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut AnyConnection, token_hash: &str) -> QueryResult<Option<Session>> {
    s::sessions
        .filter(s::token_hash.eq(token_hash))
        .select(Session::as_select())
        .first(conn)
        .optional()
}

pub fn touch(conn: &mut AnyConnection, token_hash: &str, now: i64) -> QueryResult<usize> {
    diesel::update(s::sessions.filter(s::token_hash.eq(token_hash)))
        .set(s::last_seen_at.eq(now))
        .execute(conn)
}

pub fn delete(conn: &mut AnyConnection, token_hash: &str) -> QueryResult<usize> {
    diesel::delete(s::sessions.filter(s::token_hash.eq(token_hash))).execute(conn)
}

/// Ends every session of a user (disable, password reset), optionally sparing one.
pub fn delete_for_user(
    conn: &mut AnyConnection,
    user_id: &str,
    except_token_hash: Option<&str>,
) -> QueryResult<usize> {
    let query = s::sessions.filter(s::user_id.eq(user_id));
    match except_token_hash {
        Some(keep) => diesel::delete(query.filter(s::token_hash.ne(keep))).execute(conn),
        None => diesel::delete(query).execute(conn),
    }
}

pub fn delete_expired(conn: &mut AnyConnection, now: i64) -> QueryResult<usize> {
    diesel::delete(s::sessions.filter(s::expires_at.lt(now))).execute(conn)
}
