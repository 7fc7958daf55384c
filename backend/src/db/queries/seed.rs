//! Bulk writes of the demonstration data (`tachiai admin seed`): multi-row `INSERT`s and
//! SQLite's bulk-load settings.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::db::models::{Contact, Contract, Department, Document, Organization};
use crate::db::schema::contract_number_counters::dsl as n;
use crate::db::schema::contracts::dsl as c;
use crate::db::schema::{contacts, contracts, departments, documents, organizations};

pub fn has_contracts(conn: &mut AnyConnection, tenant_id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        c::contracts.filter(c::tenant_id.eq(tenant_id)),
    ))
    .get_result(conn)
}

/// SQLite, for the seeding connection only: no fsync per transaction (a crash loses the
/// seed, which is rerun) and a large page cache while the indexes grow; `false` restores the
/// server's settings. Both databases then gather statistics, so that the planner knows which
/// index narrows a list query most; PostgreSQL also vacuums, which marks the new pages
/// all-visible so that counts and keyset pages are answered from the indexes alone.
pub fn bulk_load(conn: &mut AnyConnection, on: bool) -> QueryResult<()> {
    match conn {
        AnyConnection::Sqlite(c) => c.batch_execute(if on {
            "PRAGMA synchronous = OFF; PRAGMA cache_size = -524288; PRAGMA temp_store = MEMORY;"
        } else {
            "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -2000; ANALYZE;"
        }),
        AnyConnection::Postgresql(c) if !on => c.batch_execute("VACUUM ANALYZE contracts;"),
        AnyConnection::Postgresql(_) => Ok(()),
    }
}

/// One multi-row `INSERT` per call on either database.
macro_rules! insert_all {
    ($name:ident, $table:path, $row:ty) => {
        pub fn $name(conn: &mut AnyConnection, rows: &[$row]) -> QueryResult<()> {
            match conn {
                AnyConnection::Sqlite(c) => {
                    diesel::insert_into($table).values(rows.to_vec()).execute(c)
                }
                AnyConnection::Postgresql(c) => {
                    diesel::insert_into($table).values(rows.to_vec()).execute(c)
                }
            }
            .map(|_| ())
        }
    };
}

insert_all!(insert_departments, departments::table, Department);
insert_all!(insert_organizations, organizations::table, Organization);
insert_all!(insert_contacts, contacts::table, Contact);

/// Many rows of a table whose model inserts `None` as NULL: one multi-row `INSERT` on SQLite
/// (at most [`SQLITE_INSERT_ROWS`] rows per statement), `COPY` on PostgreSQL.
macro_rules! copy_all {
    ($name:ident, $table:path, $row:ty) => {
        pub fn $name(conn: &mut AnyConnection, rows: &[$row]) -> QueryResult<()> {
            match conn {
                AnyConnection::Sqlite(c) => {
                    for chunk in rows.chunks(SQLITE_INSERT_ROWS) {
                        diesel::insert_into($table)
                            .values(chunk.to_vec())
                            .execute(c)?;
                    }
                    Ok(())
                }
                AnyConnection::Postgresql(c) => diesel::copy_from($table)
                    .from_insertable(rows.to_vec())
                    .execute(c)
                    .map(|_| ()),
            }
        }
    };
}

/// Rows per multi-row `INSERT` on SQLite (at most 32,766 bound values; a contract has 27).
pub const SQLITE_INSERT_ROWS: usize = 1_000;

copy_all!(insert_contracts, contracts::table, Contract);
copy_all!(insert_documents, documents::table, Document);

/// The next free number of the tenant's counter for `fiscal_year` (1 when there is none).
pub fn counter_start(
    conn: &mut AnyConnection,
    tenant_id: &str,
    fiscal_year: i32,
) -> QueryResult<i64> {
    Ok(n::contract_number_counters
        .filter(
            n::tenant_id
                .eq(tenant_id)
                .and(n::fiscal_year.eq(fiscal_year)),
        )
        .select(n::next_value)
        .first(conn)
        .optional()?
        .unwrap_or(1))
}

/// Sets the tenant's counter for `fiscal_year` to `next`.
pub fn set_counter(
    conn: &mut AnyConnection,
    tenant_id: &str,
    fiscal_year: i32,
    next: i64,
) -> QueryResult<()> {
    let updated = diesel::update(
        n::contract_number_counters.filter(
            n::tenant_id
                .eq(tenant_id)
                .and(n::fiscal_year.eq(fiscal_year)),
        ),
    )
    .set(n::next_value.eq(next))
    .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(n::contract_number_counters)
            .values((
                n::tenant_id.eq(tenant_id),
                n::fiscal_year.eq(fiscal_year),
                n::next_value.eq(next),
            ))
            .execute(conn)?;
    }
    Ok(())
}
