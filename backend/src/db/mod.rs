//! The database: one code path over SQLite and PostgreSQL through diesel's `MultiConnection`.
//!
//! Query functions live in `queries/`, take `&mut AnyConnection` and never open transactions:
//! the use-case in `workflow` does, so a state change and its audit event commit together.
//! Backend-specific SQL stays inside this module behind a `match` on the connection.

pub mod ids;
pub mod models;
pub mod queries;
pub mod schema;
// Tenant export and import (全データ返却).
pub mod tenant_tables;

use std::time::Duration;

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use shared::dto::DatabaseKind;

/// A connection to either database. `Postgresql` comes first: libpq refuses a file path at
/// once, while SQLite would accept almost any string as a file name.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    /// PostgreSQL (`postgres://…`).
    Postgresql(PgConnection),
    /// SQLite (a file path or `sqlite://…`).
    Sqlite(SqliteConnection),
}

/// The backend type behind `AnyConnection`, for boxed queries.
pub type Backend = <AnyConnection as Connection>::Backend;

/// The connection pool shared by the web workers.
pub type DbPool = Pool<ConnectionManager<AnyConnection>>;
/// A connection taken from the pool.
pub type DbConn = PooledConnection<ConnectionManager<AnyConnection>>;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

/// The database URL, normalised: which backend, and what to hand to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    /// Which backend.
    pub kind: DatabaseKind,
    /// The URL or file path the driver takes.
    pub target: String,
}

impl DatabaseUrl {
    /// `postgres://` / `postgresql://` → PostgreSQL; `sqlite://path` or a bare path → SQLite.
    pub fn parse(raw: &str) -> DatabaseUrl {
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            DatabaseUrl {
                kind: DatabaseKind::Postgres,
                target: raw.to_owned(),
            }
        } else {
            let path = raw
                .strip_prefix("sqlite://")
                .or_else(|| raw.strip_prefix("sqlite:"))
                .unwrap_or(raw);
            DatabaseUrl {
                kind: DatabaseKind::Sqlite,
                target: path.to_owned(),
            }
        }
    }
}

/// SQLite needs per-connection settings; `busy_timeout` must come before WAL, which takes a
/// lock (several pooled connections open at once).
#[derive(Debug)]
struct ConnectionSetup;

impl CustomizeConnection<AnyConnection, diesel::r2d2::Error> for ConnectionSetup {
    fn on_acquire(&self, conn: &mut AnyConnection) -> Result<(), diesel::r2d2::Error> {
        // Wakes the job workers when a transaction that queued a job commits.
        conn.set_instrumentation(crate::jobs::wake::WakeOnCommit::default());
        if let AnyConnection::Sqlite(c) = conn {
            // Memory-mapped reads: a list over a million contracts touches thousands of pages,
            // which a 2 MB page cache per connection would read with a system call each.
            c.batch_execute(
                "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                 PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                 PRAGMA mmap_size = 2147418112;",
            )
            .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// Connects once directly (so a bad URL or a refused connection says why, instead of r2d2
/// retrying silently for 30 s), runs pending migrations, then builds the pool.
pub fn connect(url: &DatabaseUrl, max_size: u32) -> anyhow::Result<DbPool> {
    match url.kind {
        DatabaseKind::Postgres => {
            PgConnection::establish(&url.target)
                .with_context(|| "cannot connect to PostgreSQL".to_string())?;
        }
        DatabaseKind::Sqlite => {
            if let Some(dir) = std::path::Path::new(&url.target).parent()
                && !dir.as_os_str().is_empty()
            {
                crate::private_fs::create_dir(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            SqliteConnection::establish(&url.target)
                .with_context(|| format!("cannot open SQLite database {}", url.target))?;
        }
    }
    let pool = Pool::builder()
        .max_size(max_size)
        // r2d2 pings (`SELECT 1`) a connection at every checkout, twice per request: worth a
        // round trip on PostgreSQL, whose server can go away; an open SQLite file cannot.
        .test_on_check_out(url.kind == DatabaseKind::Postgres)
        .connection_timeout(Duration::from_secs(10))
        .connection_customizer(Box::new(ConnectionSetup))
        .build(ConnectionManager::<AnyConnection>::new(&url.target))
        .context("cannot build the connection pool")?;
    let mut conn = pool.get().context("cannot take a connection")?;
    run_migrations(&mut conn)?;
    Ok(pool)
}

/// Applies the embedded migrations of the connection's backend; a no-op when up to date. On
/// PostgreSQL under an advisory lock: of several nodes starting at once, one migrates and the
/// others wait, then find nothing left to do (two would otherwise both try to create a table).
pub fn run_migrations(conn: &mut AnyConnection) -> anyhow::Result<Vec<String>> {
    fn names<E: std::fmt::Display>(
        applied: Result<Vec<diesel::migration::MigrationVersion<'_>>, E>,
    ) -> anyhow::Result<Vec<String>> {
        applied
            .map(|v| v.iter().map(|v| v.to_string()).collect())
            .map_err(|e| anyhow::anyhow!("migration failed: {e}"))
    }
    match conn {
        AnyConnection::Postgresql(c) => {
            advisory_lock(c, MIGRATION_LOCK, "migrate the database")?;
            let applied = names(c.run_pending_migrations(POSTGRES_MIGRATIONS));
            let unlocked = advisory_unlock(c, MIGRATION_LOCK);
            let applied = applied?;
            unlocked?;
            Ok(applied)
        }
        AnyConnection::Sqlite(c) => names(c.run_pending_migrations(SQLITE_MIGRATIONS)),
    }
}

/// PostgreSQL advisory lock keys of the start-up steps that nodes sharing a database take one
/// at a time; each is taken together with the hash of the current schema, so that databases in
/// schemas of their own (the tests) do not wait for each other.
const MIGRATION_LOCK: i32 = 0x7461_6301;
const START_LOCK: i32 = 0x7461_6302;

/// Waits for the session-level advisory lock `key`, saying so when another node holds it.
fn advisory_lock(conn: &mut PgConnection, key: i32, what: &str) -> anyhow::Result<()> {
    use diesel::RunQueryDsl;
    use diesel::sql_types::Bool;
    let locked: bool = diesel::select(diesel::dsl::sql::<Bool>(&format!(
        "pg_try_advisory_lock({key}, hashtext(current_schema()))"
    )))
    .get_result(conn)?;
    if !locked {
        tracing::info!("another node is starting; waiting for it to {what}");
        diesel::sql_query(format!(
            "SELECT pg_advisory_lock({key}, hashtext(current_schema()))"
        ))
        .execute(conn)?;
    }
    Ok(())
}

fn advisory_unlock(conn: &mut PgConnection, key: i32) -> anyhow::Result<()> {
    use diesel::RunQueryDsl;
    use diesel::sql_types::Bool;
    diesel::select(diesel::dsl::sql::<Bool>(&format!(
        "pg_advisory_unlock({key}, hashtext(current_schema()))"
    )))
    .get_result::<bool>(conn)?;
    Ok(())
}

/// Held by `tachiai serve` from its start until it serves: on PostgreSQL a connection of its
/// own holding an advisory lock, so that nodes starting at once create the first tenant and
/// the files of a shared data directory (development PKI, audit key) one at a time. Closing
/// the connection (drop, or the process dying) releases it. Nothing on SQLite, which serves
/// one node.
pub struct StartLock {
    _held: Option<PgConnection>,
}

impl StartLock {
    /// Waits for the lock.
    pub fn take(url: &DatabaseUrl) -> anyhow::Result<StartLock> {
        if url.kind != DatabaseKind::Postgres {
            return Ok(StartLock { _held: None });
        }
        let mut conn =
            PgConnection::establish(&url.target).context("cannot connect to PostgreSQL")?;
        advisory_lock(&mut conn, START_LOCK, "start")?;
        Ok(StartLock { _held: Some(conn) })
    }
}

/// The backend of a connection.
pub fn kind(conn: &AnyConnection) -> DatabaseKind {
    match conn {
        AnyConnection::Postgresql(_) => DatabaseKind::Postgres,
        AnyConnection::Sqlite(_) => DatabaseKind::Sqlite,
    }
}

/// The newest applied migration version.
pub fn schema_version(conn: &mut AnyConnection) -> anyhow::Result<String> {
    let versions = match conn {
        AnyConnection::Postgresql(c) => MigrationHarness::applied_migrations(c),
        AnyConnection::Sqlite(c) => MigrationHarness::applied_migrations(c),
    }
    .map_err(|e| anyhow::anyhow!("cannot read migrations: {e}"))?;
    Ok(versions
        .iter()
        .map(|v| v.to_string())
        .max()
        .unwrap_or_default())
}

/// Runs `f` in a transaction that first takes the tenant's write lock: a no-op `UPDATE` of
/// its row. On PostgreSQL that is a row lock; on SQLite the first statement being a write
/// takes the database write lock before any read snapshot exists, so concurrent writers wait
/// (busy_timeout) instead of failing with `SQLITE_BUSY_SNAPSHOT`. Every write on tenant data,
/// and every audit-chain append, goes through here, so appends are serialised per tenant
/// across processes.
pub fn tenant_transaction<T, E>(
    conn: &mut AnyConnection,
    tenant_id: &str,
    f: impl FnOnce(&mut AnyConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    use diesel::prelude::*;
    use schema::tenants::dsl as t;
    conn.transaction(|conn| {
        let locked = diesel::update(t::tenants.filter(t::id.eq(tenant_id)))
            .set(t::audit_seq.eq(t::audit_seq))
            .execute(conn)?;
        if locked == 0 {
            return Err(diesel::result::Error::NotFound.into());
        }
        f(conn)
    })
}
