//! `bulk_sends` and `bulk_send_rows`: accepted CSV files and the progress of their rows.

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::models::{BulkSend, BulkSendRow};
use crate::db::schema::bulk_send_rows::dsl as r;
use crate::db::schema::bulk_sends::dsl as b;

pub fn insert(conn: &mut AnyConnection, row: &BulkSend, rows: &[BulkSendRow]) -> QueryResult<()> {
    diesel::insert_into(b::bulk_sends)
        .values(row.clone())
        .execute(conn)?;
    for row in rows {
        diesel::insert_into(r::bulk_send_rows)
            .values(row.clone())
            .execute(conn)?;
    }
    Ok(())
}

pub fn get(conn: &mut AnyConnection, tenant_id: &str, id: &str) -> QueryResult<BulkSend> {
    b::bulk_sends
        .filter(b::tenant_id.eq(tenant_id).and(b::id.eq(id)))
        .select(BulkSend::as_select())
        .first(conn)
}

/// The newest first; `created_by` `Some` keeps one user's.
pub fn list(
    conn: &mut AnyConnection,
    tenant_id: &str,
    created_by: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<BulkSend>> {
    let mut q = b::bulk_sends
        .filter(b::tenant_id.eq(tenant_id))
        .into_boxed();
    if let Some(u) = created_by {
        q = q.filter(b::created_by.eq(u));
    }
    q.order((b::created_at.desc(), b::id))
        .limit(limit)
        .select(BulkSend::as_select())
        .load(conn)
}

pub fn get_row(
    conn: &mut AnyConnection,
    tenant_id: &str,
    bulk_send_id: &str,
    line: i32,
) -> QueryResult<BulkSendRow> {
    r::bulk_send_rows
        .filter(
            r::tenant_id
                .eq(tenant_id)
                .and(r::bulk_send_id.eq(bulk_send_id))
                .and(r::line.eq(line)),
        )
        .select(BulkSendRow::as_select())
        .first(conn)
}

/// Sets a row's state, contract and error.
pub fn update_row(conn: &mut AnyConnection, row: &BulkSendRow) -> QueryResult<()> {
    diesel::update(
        r::bulk_send_rows.filter(
            r::tenant_id
                .eq(&row.tenant_id)
                .and(r::bulk_send_id.eq(&row.bulk_send_id))
                .and(r::line.eq(row.line)),
        ),
    )
    .set((
        r::state.eq(&row.state),
        r::contract_id.eq(&row.contract_id),
        r::error_code.eq(&row.error_code),
        r::error_ja.eq(&row.error_ja),
        r::error_en.eq(&row.error_en),
        r::updated_at.eq(row.updated_at),
    ))
    .execute(conn)
    .map(|_| ())
}

/// How many rows are in each state.
pub fn counts(
    conn: &mut AnyConnection,
    tenant_id: &str,
    bulk_send_id: &str,
) -> QueryResult<Vec<(String, i64)>> {
    r::bulk_send_rows
        .filter(
            r::tenant_id
                .eq(tenant_id)
                .and(r::bulk_send_id.eq(bulk_send_id)),
        )
        .group_by(r::state)
        .select((r::state, diesel::dsl::count_star()))
        .load(conn)
}

/// The rows in `state`, by line (at most `limit`).
pub fn rows_in_state(
    conn: &mut AnyConnection,
    tenant_id: &str,
    bulk_send_id: &str,
    state: &str,
    limit: i64,
) -> QueryResult<Vec<BulkSendRow>> {
    r::bulk_send_rows
        .filter(
            r::tenant_id
                .eq(tenant_id)
                .and(r::bulk_send_id.eq(bulk_send_id))
                .and(r::state.eq(state)),
        )
        .order(r::line)
        .limit(limit)
        .select(BulkSendRow::as_select())
        .load(conn)
}
