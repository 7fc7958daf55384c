//! `idempotency_keys`: the first answer to a POST with an `Idempotency-Key`, per tenant,
//! principal, method, path and key. The primary key makes the claim atomic on both databases:
//! whoever inserts the row first acts; everyone else reads it.

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error};

use crate::db::AnyConnection;
use crate::db::models::IdempotencyRecord;
use crate::db::schema::idempotency_keys::dsl as k;

/// Which row: every column of the primary key.
#[derive(Debug, Clone, Copy)]
pub struct KeyRef<'a> {
    pub tenant_id: &'a str,
    pub principal: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub key: &'a str,
}

macro_rules! row {
    ($r:expr) => {
        k::idempotency_keys.filter(
            k::tenant_id
                .eq($r.tenant_id)
                .and(k::principal.eq($r.principal))
                .and(k::method.eq($r.method))
                .and(k::path.eq($r.path))
                .and(k::idempotency_key.eq($r.key)),
        )
    };
}

/// Inserts `record`; false when a row with its key exists already (someone else claimed it).
pub fn claim(conn: &mut AnyConnection, record: &IdempotencyRecord) -> QueryResult<bool> {
    match diesel::insert_into(k::idempotency_keys)
        .values(record)
        .execute(conn)
    {
        Ok(_) => Ok(true),
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The row of `r`, if any.
pub fn get(conn: &mut AnyConnection, r: KeyRef<'_>) -> QueryResult<Option<IdempotencyRecord>> {
    row!(r)
        .select(IdempotencyRecord::as_select())
        .first(conn)
        .optional()
}

/// Deletes the row of `r` if it is still the one created at `created_at`; false when another
/// request replaced or removed it first (so only one of two may take over an expired key).
pub fn remove_if_unchanged(
    conn: &mut AnyConnection,
    r: KeyRef<'_>,
    created_at: i64,
) -> QueryResult<bool> {
    diesel::delete(row!(r).filter(k::created_at.eq(created_at)))
        .execute(conn)
        .map(|n| n == 1)
}

/// Records the answer of the request that claimed `r`.
pub fn finish(
    conn: &mut AnyConnection,
    r: KeyRef<'_>,
    state: &str,
    status: i32,
    headers: &str,
    body: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(row!(r))
        .set((
            k::state.eq(state),
            k::response_status.eq(Some(status)),
            k::response_headers.eq(Some(headers)),
            k::response_body.eq(body),
        ))
        .execute(conn)
}

/// Forgets the claim of `r` (the request failed on the server: a retry may act).
pub fn release(conn: &mut AnyConnection, r: KeyRef<'_>) -> QueryResult<usize> {
    diesel::delete(row!(r)).execute(conn)
}

/// Removes the keys that expired before `now` (housekeeping).
pub fn delete_expired(conn: &mut AnyConnection, now: i64) -> QueryResult<usize> {
    diesel::delete(k::idempotency_keys.filter(k::expires_at.lt(now))).execute(conn)
}
