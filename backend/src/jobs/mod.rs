//! Durable jobs: work that must happen after a transaction commits (sealing, mail, reminders,
//! expiry) and must survive restarts.
//!
//! - **Enqueue inside the business transaction.** [`enqueue`] takes the caller's connection and
//!   opens no transaction, so a state change and the job it calls for commit together, or
//!   neither does.
//! - **Claim with a lease.** A worker [`claim`]s one due job: PostgreSQL picks it with
//!   `FOR UPDATE SKIP LOCKED` (several server processes share one queue), SQLite inside an
//!   `IMMEDIATE` transaction. The claim sets `locked_until = now + lease`; a job whose worker
//!   died (`kill -9`, power loss) becomes claimable again when the lease runs out.
//! - **At least once, so handlers are idempotent.** A job can run twice: its worker may die
//!   after the effect and before [`complete`], or overrun its lease. Every [`JobHandler`] must
//!   make a second run harmless: check whether the effect already happened (a row, a file
//!   with a known hash, a marker in the payload) and write its results atomically (temp file +
//!   rename, one transaction) so that no half-written artifact is ever visible.
//! - **Retry with backoff.** [`JobError::Retry`] puts the job back with a deterministic delay
//!   ([`backoff`]: 10 s · 2ⁿ, at most 1 h); [`JobError::Permanent`], or the last allowed
//!   attempt, makes it `dead` with its `last_error` kept for the operator.
//! - **Woken, not polled.** A committed enqueue wakes the idle workers of its process at once,
//!   and on PostgreSQL those of every other process through `LISTEN/NOTIFY` ([`wake`]); an
//!   idle worker otherwise sleeps until the next job falls due, polling only as the fallback.
//! - **Dedupe.** A job with a `dedupe_key` is enqueued at most once, ever: enqueuing it again
//!   returns the existing job's id.
//!
//! This module owns the `jobs` table (its schema is in `store.rs`, not `db/schema.rs`) and its
//! backend-specific SQL; it knows nothing of what the jobs do. Handlers are registered by the
//! subsystems that need them (`mail::SendMailHandler`, …) in `startup::serve`.

mod store;
pub mod wake;
mod worker;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::clock::Millis;
use crate::db::DbPool;

pub use store::{
    claim, complete, enqueue, fail, find, latest_failed, next_due, purge_finished, queue_stats,
    replace_payload,
};
pub use worker::{
    Outcome, RunSummary, StopClaiming, Workers, run_one, run_until_idle, run_until_idle_at,
    spawn_workers,
};

/// Attempts before a job that keeps failing is given up (`dead`): about 2.4 hours of retries.
pub const DEFAULT_MAX_ATTEMPTS: i32 = 12;
/// How long a claim is held before another worker may take the job over.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(300);
/// Workers per server process.
pub const DEFAULT_WORKERS: usize = 2;
/// How often an idle worker looks for due jobs when nothing wakes it: the fallback for a job
/// no wake-up reaches (a SQLite database written by another process, a lost listener).
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(5);

/// The first retry delay; each further failure doubles it.
const BACKOFF_BASE: Duration = Duration::from_secs(10);
/// The longest retry delay.
const BACKOFF_CAP: Duration = Duration::from_secs(3600);

/// A job's id (a UUID).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(String);

impl JobId {
    /// The id as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a job is in its life. Stored as TEXT via [`JobState::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Waiting for `run_at`.
    Queued,
    /// Claimed by a worker until `locked_until`.
    Running,
    /// Finished successfully.
    Done,
    /// Given up: a permanent error, or the attempts ran out. Kept with its `last_error`.
    Dead,
}

impl JobState {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Dead => "dead",
        }
    }

    /// Parses the stored text; unknown text is an error, never a default.
    pub fn parse(s: &str) -> Option<JobState> {
        match s {
            "queued" => Some(JobState::Queued),
            "running" => Some(JobState::Running),
            "done" => Some(JobState::Done),
            "dead" => Some(JobState::Dead),
            _ => None,
        }
    }
}

/// A job as stored.
#[derive(Debug, Clone)]
pub struct Job {
    /// Its id.
    pub id: JobId,
    /// The tenant it works for, if any.
    pub tenant_id: Option<String>,
    /// Which handler runs it, e.g. `mail.send`.
    pub kind: String,
    /// JSON text for the handler ([`Job::payload`] parses it).
    pub payload: String,
    /// Its state.
    pub state: JobState,
    /// Claims so far, counting the current one.
    pub attempts: i32,
    /// Claims allowed before it is given up.
    pub max_attempts: i32,
    /// Not to be run before this time.
    pub run_at: Millis,
    /// The worker holding it while `running`.
    pub locked_by: Option<String>,
    /// Until when that worker holds it.
    pub locked_until: Option<Millis>,
    /// The last failure's message.
    pub last_error: Option<String>,
    /// Its dedupe key, if any.
    pub dedupe_key: Option<String>,
    /// When it was enqueued.
    pub created_at: Millis,
    /// Last change.
    pub updated_at: Millis,
    /// When it became `done` or `dead`.
    pub finished_at: Option<Millis>,
    /// The ID of the request that queued it (directly or through earlier jobs), if any: the
    /// worker's span carries it, so the job's log lines name the request that caused them.
    pub request_id: Option<String>,
}

impl Job {
    /// The payload as `T`; a payload that does not parse is a permanent error (retrying will
    /// not fix it).
    pub fn payload<T: DeserializeOwned>(&self) -> Result<T, JobError> {
        serde_json::from_str(&self.payload).map_err(|e| {
            JobError::Permanent(format!(
                "the payload of a {} job does not parse: {e}",
                self.kind
            ))
        })
    }
}

/// The jobs of one kind that are not done ([`queue_stats`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueStat {
    /// The handler's kind.
    pub kind: String,
    /// Waiting (due or not).
    pub queued: i64,
    /// Claimed by a worker.
    pub running: i64,
    /// Given up.
    pub dead: i64,
    /// The earliest `run_at` of the queued jobs that are due.
    pub oldest_due: Option<Millis>,
}

/// A job to enqueue. `NewJob::new(kind, payload)` then the optional settings.
#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    /// The handler's kind.
    pub kind: &'a str,
    /// The handler's input.
    pub payload: serde_json::Value,
    /// The tenant it works for (kept for the operator and for per-tenant cleanup).
    pub tenant_id: Option<&'a str>,
    /// Not before this time (default: now).
    pub run_at: Option<Millis>,
    /// Claims allowed (default [`DEFAULT_MAX_ATTEMPTS`]).
    pub max_attempts: i32,
    /// Makes a second enqueue of the same logical job a no-op.
    pub dedupe_key: Option<&'a str>,
}

impl<'a> NewJob<'a> {
    /// A job of `kind` with `payload`, due now, with the default attempts and no dedupe key.
    pub fn new(kind: &'a str, payload: serde_json::Value) -> NewJob<'a> {
        NewJob {
            kind,
            payload,
            tenant_id: None,
            run_at: None,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            dedupe_key: None,
        }
    }

    /// For this tenant.
    pub fn tenant(mut self, tenant_id: &'a str) -> Self {
        self.tenant_id = Some(tenant_id);
        self
    }

    /// Not before `at`.
    pub fn run_at(mut self, at: Millis) -> Self {
        self.run_at = Some(at);
        self
    }

    /// At most `n` claims (at least 1).
    pub fn max_attempts(mut self, n: i32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Enqueued at most once per `key`.
    pub fn dedupe_key(mut self, key: &'a str) -> Self {
        self.dedupe_key = Some(key);
        self
    }
}

/// Why a run failed. Messages are stored in `last_error` and logged: never put a secret
/// (password, token, one-time code) in them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// Might work later (a server down, a timeout): retried after [`backoff`].
    #[error("retry: {0}")]
    Retry(String),
    /// Will never work (bad payload, a recipient refused for good): the job becomes `dead`.
    #[error("permanent: {0}")]
    Permanent(String),
}

/// The delay before retry number `attempt` (1 after the first failure): 10 s · 2^(attempt−1),
/// at most one hour. Deterministic (no jitter), so tests and operators can predict it.
pub fn backoff(attempt: i32) -> Duration {
    let doublings = attempt.saturating_sub(1).clamp(0, 20) as u32;
    BACKOFF_BASE
        .saturating_mul(1u32 << doublings)
        .min(BACKOFF_CAP)
}

/// What a handler gets besides the job.
#[derive(Clone)]
pub struct JobContext {
    /// Database connections (take one only while needed; the worker holds none during `run`).
    pub pool: DbPool,
    /// The worker running the job (the `locked_by` of the claim).
    pub worker_id: String,
    /// The time the job was claimed at.
    pub now: Millis,
}

/// Runs the jobs of one kind. `run` is called on a blocking thread; it must be idempotent
/// (see the module documentation) and should finish well within [`DEFAULT_LEASE`].
pub trait JobHandler: Send + Sync + 'static {
    /// The kind it handles, e.g. `mail.send`.
    fn kind(&self) -> &'static str;
    /// Does the work. `Ok` completes the job.
    fn run(&self, ctx: &JobContext, job: &Job) -> Result<(), JobError>;
}

/// The handlers a worker runs, by kind. Workers claim only kinds they have a handler for, so
/// an older server process leaves a newer kind to the processes that know it.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: Arc<BTreeMap<&'static str, Arc<dyn JobHandler>>>,
}

impl Registry {
    /// No handlers.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Adds `handler` (replacing one of the same kind).
    pub fn with(mut self, handler: impl JobHandler) -> Registry {
        Arc::make_mut(&mut self.handlers).insert(handler.kind(), Arc::new(handler));
        self
    }

    /// The kinds handled.
    pub fn kinds(&self) -> Vec<&'static str> {
        self.handlers.keys().copied().collect()
    }

    fn get(&self, kind: &str) -> Option<&Arc<dyn JobHandler>> {
        self.handlers.get(kind)
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.handlers.keys()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_ten_seconds_up_to_an_hour() {
        let secs: Vec<u64> = (1..=11).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(
            secs,
            [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]
        );
        assert_eq!(backoff(0).as_secs(), 10);
        assert_eq!(backoff(i32::MAX).as_secs(), 3600);
    }

    #[test]
    fn states_round_trip_and_unknown_text_is_refused() {
        for s in [
            JobState::Queued,
            JobState::Running,
            JobState::Done,
            JobState::Dead,
        ] {
            assert_eq!(JobState::parse(s.as_str()), Some(s));
        }
        assert_eq!(JobState::parse("QUEUED"), None);
    }
}
