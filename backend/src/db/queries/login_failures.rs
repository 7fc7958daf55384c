//! `login_failures`: per-address throttling that works across server processes.

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::models::LoginFailure;
use crate::db::schema::login_failures::dsl as f;

pub fn insert(conn: &mut AnyConnection, failure: &LoginFailure) -> QueryResult<()> {
    diesel::insert_into(f::login_failures)
        .values(failure)
        .execute(conn)
        .map(|_| ())
}

/// Reserves one attempt for `failure.ip`: the row is written first (and committed), then the
/// window counted; an attempt that is not within the first `limit` is taken back and refused.
/// Attempt k always counts at least k rows, so parallel attempts can never exceed `limit`.
/// The caller deletes the row again when the attempt turns out not to be a failure.
pub fn reserve(
    conn: &mut AnyConnection,
    failure: &LoginFailure,
    since: i64,
    limit: i64,
) -> QueryResult<bool> {
    insert(conn, failure)?;
    if count_since(conn, &failure.ip, since)? <= limit {
        return Ok(true);
    }
    delete(conn, &failure.id)?;
    Ok(false)
}

pub fn delete(conn: &mut AnyConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(f::login_failures.filter(f::id.eq(id))).execute(conn)
}

pub fn count_since(conn: &mut AnyConnection, ip: &str, since: i64) -> QueryResult<i64> {
    f::login_failures
        .filter(f::ip.eq(ip).and(f::at.ge(since)))
        .count()
        .get_result(conn)
}

pub fn delete_before(conn: &mut AnyConnection, before: i64) -> QueryResult<usize> {
    diesel::delete(f::login_failures.filter(f::at.lt(before))).execute(conn)
}
