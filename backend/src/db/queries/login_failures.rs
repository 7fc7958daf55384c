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

pub fn count_since(conn: &mut AnyConnection, ip: &str, since: i64) -> QueryResult<i64> {
    f::login_failures
        .filter(f::ip.eq(ip).and(f::at.ge(since)))
        .count()
        .get_result(conn)
}

pub fn delete_before(conn: &mut AnyConnection, before: i64) -> QueryResult<usize> {
    diesel::delete(f::login_failures.filter(f::at.lt(before))).execute(conn)
}
