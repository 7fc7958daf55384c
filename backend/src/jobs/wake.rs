//! Waking idle workers when a job is queued, so a job runs as soon as its transaction commits
//! instead of at the next poll.
//!
//! - **In this process**: every pooled connection carries a [`WakeOnCommit`] instrumentation.
//!   [`enqueue`](super::enqueue) marks it; when the connection's outermost transaction commits
//!   (or at once, outside a transaction) the workers are woken. A job is never signalled
//!   before it is visible to them, and a rolled-back job wakes nobody.
//! - **Across processes (PostgreSQL)**: the enqueue also runs `NOTIFY tachiai_jobs`, which
//!   PostgreSQL delivers at commit; each server process keeps one connection `LISTEN`ing
//!   ([`spawn_listener`]) and wakes its workers on a notification.
//! - **Polling stays as the fallback** (a SQLite database written by another process, a
//!   listener that lost its connection): an idle worker still looks every poll interval.

use std::num::NonZeroU32;
use std::time::Duration;

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::prelude::*;
use tokio::sync::Notify;

use crate::db::AnyConnection;

/// The PostgreSQL channel a committed enqueue notifies.
pub const CHANNEL: &str = "tachiai_jobs";

/// How often the listener reads its connection for notifications: a non-blocking read of the
/// local socket (diesel exposes no socket to wait on), no query to the database.
const LISTEN_CHECK: Duration = Duration::from_millis(10);
/// How often the listener proves its connection alive with a query (a silently dropped
/// connection would otherwise never deliver again).
const LISTEN_PING: Duration = Duration::from_secs(30);
/// The longest wait before the listener connects again after a failure.
const LISTEN_RETRY_CAP: Duration = Duration::from_secs(30);

/// The workers' doorbell. One per process: every worker of the process waits on it.
static DOORBELL: Notify = Notify::const_new();

/// Wakes every idle worker of this process; a worker busy right now finds the stored permit
/// when it next waits, so a wake-up is never lost between its claim and its wait.
pub fn wake_workers() {
    DOORBELL.notify_waiters();
    DOORBELL.notify_one();
}

/// Waits until [`wake_workers`] is called or `timeout` has passed; `true` when woken.
pub async fn wait(timeout: Duration) -> bool {
    actix_web::rt::time::timeout(timeout, DOORBELL.notified())
        .await
        .is_ok()
}

/// Tracks a connection's transaction depth and wakes the workers after the commit that makes
/// a queued job visible. Installed on every pooled connection (`db::connect`).
#[derive(Debug, Default)]
pub struct WakeOnCommit {
    depth: u32,
    queued: bool,
}

impl Instrumentation for WakeOnCommit {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::BeginTransaction { depth, .. } => self.depth = depth.get(),
            // Emitted just before the COMMIT (or RELEASE SAVEPOINT) runs: the statement's
            // FinishQuery comes next, at the depth it leaves.
            InstrumentationEvent::CommitTransaction { depth, .. } => self.depth = outer(depth),
            InstrumentationEvent::RollbackTransaction { depth, .. } => {
                self.depth = outer(depth);
                if self.depth == 0 {
                    self.queued = false;
                }
            }
            InstrumentationEvent::FinishQuery { error, .. }
                if self.depth == 0 && error.is_none() && std::mem::take(&mut self.queued) =>
            {
                wake_workers();
            }
            _ => {}
        }
    }
}

fn outer(depth: NonZeroU32) -> u32 {
    depth.get() - 1
}

/// Called by `enqueue` before it inserts: the workers are woken once the insert is committed.
/// On a connection without [`WakeOnCommit`] (one opened outside the pool) they are woken at
/// once, which may be before the commit: their polling then finds the job.
pub(super) fn before_enqueue(conn: &mut AnyConnection) {
    let instrumentation = diesel::Connection::instrumentation(conn);
    match instrumentation.downcast_mut::<WakeOnCommit>() {
        Some(w) => w.queued = true,
        None => wake_workers(),
    }
}

/// After the insert on PostgreSQL: tells the other processes, at commit.
pub(super) fn notify_other_processes(conn: &mut diesel::PgConnection) -> QueryResult<()> {
    diesel::sql_query(format!("NOTIFY {CHANNEL}"))
        .execute(conn)
        .map(drop)
}

/// Keeps one connection to PostgreSQL `LISTEN`ing on [`CHANNEL`] on a thread of its own and
/// wakes this process's workers on each notification. Connects again after a failure (with
/// a growing pause, at most [`LISTEN_RETRY_CAP`]) and wakes the workers after each connect,
/// in case a job was queued while it was away.
pub fn spawn_listener(url: String) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("jobs-listen".into())
        .spawn(move || {
            let mut pause = Duration::from_secs(1);
            loop {
                match listen(&url) {
                    Ok(never) => match never {},
                    Err(e) => tracing::warn!(
                        error = %e,
                        retry_in_s = pause.as_secs(),
                        "job listener: lost its PostgreSQL connection; workers poll meanwhile"
                    ),
                }
                std::thread::sleep(pause);
                pause = (pause * 2).min(LISTEN_RETRY_CAP);
            }
        })
        .map(drop)
}

/// Listens until the connection fails.
fn listen(url: &str) -> anyhow::Result<std::convert::Infallible> {
    let mut conn = diesel::PgConnection::establish(url)?;
    diesel::sql_query(format!("LISTEN {CHANNEL}")).execute(&mut conn)?;
    tracing::debug!("job listener: listening");
    wake_workers();
    let mut pinged = std::time::Instant::now();
    loop {
        let mut woken = false;
        for n in conn.notifications_iter() {
            n?;
            woken = true;
        }
        if woken {
            wake_workers();
        }
        if pinged.elapsed() >= LISTEN_PING {
            diesel::sql_query("SELECT 1").execute(&mut conn)?;
            pinged = std::time::Instant::now();
        }
        std::thread::sleep(LISTEN_CHECK);
    }
}
