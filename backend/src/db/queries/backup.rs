//! What a backup and a restore ask of the database itself: the tables and their row counts,
//! SQLite's `VACUUM INTO`, PostgreSQL's exported snapshot and current schema. Backend-specific
//! SQL, so it lives here behind a `match` on the connection.

use std::collections::BTreeMap;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::db::AnyConnection;

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The tables of the connection's schema (SQLite: the file; PostgreSQL: `current_schema()`),
/// diesel's migration table included, by name.
pub fn tables(conn: &mut AnyConnection) -> QueryResult<Vec<String>> {
    let names: Vec<Name> = match conn {
        AnyConnection::Sqlite(c) => diesel::sql_query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             ORDER BY name",
        )
        .load(c)?,
        AnyConnection::Postgresql(c) => diesel::sql_query(
            "SELECT table_name::text AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
        )
        .load(c)?,
    };
    Ok(names.into_iter().map(|n| n.name).collect())
}

/// Rows per table, for the manifest and the restore report. The names come from [`tables`]
/// (the catalogue, never user input) and are quoted.
pub fn row_counts(conn: &mut AnyConnection) -> QueryResult<BTreeMap<String, i64>> {
    let mut counts = BTreeMap::new();
    for table in tables(conn)? {
        let sql = format!(
            "SELECT COUNT(*) AS n FROM \"{}\"",
            table.replace('"', "\"\"")
        );
        let count: Count = match conn {
            AnyConnection::Sqlite(c) => diesel::sql_query(sql).get_result(c)?,
            AnyConnection::Postgresql(c) => diesel::sql_query(sql).get_result(c)?,
        };
        counts.insert(table, count.n);
    }
    Ok(counts)
}

/// SQLite: writes a consistent copy of the whole database to `target` (a new file) in one read
/// transaction, while other connections go on writing (WAL).
pub fn sqlite_vacuum_into(conn: &mut AnyConnection, target: &str) -> QueryResult<()> {
    match conn {
        AnyConnection::Sqlite(c) => diesel::sql_query("VACUUM INTO ?")
            .bind::<Text, _>(target)
            .execute(c)
            .map(|_| ()),
        AnyConnection::Postgresql(_) => Err(diesel::result::Error::QueryBuilderError(
            "VACUUM INTO is SQLite's".into(),
        )),
    }
}

/// PostgreSQL: opens a `REPEATABLE READ READ ONLY` transaction and exports its snapshot, so
/// that `pg_dump --snapshot` and [`row_counts`] on this connection see the same data. The
/// transaction stays open until [`end_snapshot`].
pub fn pg_export_snapshot(conn: &mut AnyConnection) -> QueryResult<String> {
    match conn {
        AnyConnection::Postgresql(c) => {
            c.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
            let snapshot: Name =
                diesel::sql_query("SELECT pg_export_snapshot() AS name").get_result(c)?;
            Ok(snapshot.name)
        }
        AnyConnection::Sqlite(_) => Err(diesel::result::Error::QueryBuilderError(
            "exported snapshots are PostgreSQL's".into(),
        )),
    }
}

/// Ends the transaction [`pg_export_snapshot`] opened (it only read).
pub fn end_snapshot(conn: &mut AnyConnection) -> QueryResult<()> {
    conn.batch_execute("COMMIT")
}

/// PostgreSQL: the schema the connection works in (`public`, or a `search_path` option).
pub fn pg_current_schema(conn: &mut AnyConnection) -> QueryResult<String> {
    let AnyConnection::Postgresql(c) = conn else {
        return Ok("main".to_owned());
    };
    let name: Name = diesel::sql_query("SELECT COALESCE(current_schema()::text, '(none: its search_path names no schema)') AS name").get_result(c)?;
    Ok(name.name)
}

/// PostgreSQL: the extensions a dump of one schema refers to but does not hold (they live in
/// `public`, as the migrations create them): `pg_trgm` for the search indexes. A concurrent
/// creation (another restore or migration) is not an error.
pub fn pg_ensure_extensions(conn: &mut AnyConnection) -> QueryResult<()> {
    let AnyConnection::Postgresql(c) = conn else {
        return Ok(());
    };
    diesel::sql_query(
        "DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public; \
         EXCEPTION WHEN unique_violation OR duplicate_object THEN NULL; END $$",
    )
    .execute(c)?;
    Ok(())
}

/// PostgreSQL: the server's major version (15 for 15.4).
pub fn pg_server_major(conn: &mut AnyConnection) -> QueryResult<i64> {
    let AnyConnection::Postgresql(c) = conn else {
        return Ok(0);
    };
    let n: Count =
        diesel::sql_query("SELECT current_setting('server_version_num')::bigint / 10000 AS n")
            .get_result(c)?;
    Ok(n.n)
}
