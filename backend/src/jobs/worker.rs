//! Running jobs: one step ([`run_one`]), a loop for tests and the CLI ([`run_until_idle`]),
//! and the background workers of `tachiai serve` ([`spawn_workers`]).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use actix_web::web;

use super::{DEFAULT_LEASE, JobContext, JobError, JobState, Registry, store};
use crate::clock::Millis;
use crate::db::DbPool;

/// What one step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// No job was due.
    Idle,
    /// A job ran and is `done`.
    Done,
    /// A job failed and is queued for a retry.
    Retrying,
    /// A job failed for good and is `dead`.
    Dead,
    /// A job ran, but its lease had run out and another worker owns it now.
    LeaseLost,
}

/// What [`run_until_idle`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// Jobs completed.
    pub done: usize,
    /// Jobs put back for a retry.
    pub retried: usize,
    /// Jobs given up.
    pub dead: usize,
    /// Jobs whose lease was lost while they ran.
    pub lost: usize,
}

/// Claims one due job of a kind in `registry` at `now`, runs its handler (a panic counts as
/// a retryable failure) and records the outcome. Holds no connection while the handler runs.
pub fn run_one(
    pool: &DbPool,
    registry: &Registry,
    worker_id: &str,
    now: Millis,
    lease: Duration,
) -> anyhow::Result<Outcome> {
    let kinds = registry.kinds();
    let claimed = {
        let mut conn = pool.get()?;
        store::claim(&mut conn, worker_id, now, lease, &kinds)?
    };
    let Some(job) = claimed else {
        return Ok(Outcome::Idle);
    };
    // The request that queued the job (if any) names the job's log lines too, and is handed
    // on to the jobs this one queues (`request_id::within`).
    let span = tracing::info_span!(
        "job",
        job_id = %job.id,
        kind = %job.kind,
        attempt = job.attempts,
        request_id = tracing::field::Empty,
    );
    if let Some(request) = &job.request_id {
        span.record("request_id", request.as_str());
    }
    let _entered = span.enter();
    let ctx = JobContext {
        pool: pool.clone(),
        worker_id: worker_id.to_owned(),
        now,
    };
    let result = with_heartbeat(pool, &job, now, lease, || match registry.get(&job.kind) {
        Some(handler) => crate::request_id::within(job.request_id.clone(), || {
            catch_unwind(AssertUnwindSafe(|| handler.run(&ctx, &job)))
                .unwrap_or_else(|_| Err(JobError::Retry("the handler panicked".into())))
        }),
        None => Err(JobError::Retry(format!("no handler for `{}`", job.kind))),
    });
    let done_at = Millis::now().max(now);
    let mut conn = pool.get()?;
    let outcome = match &result {
        Ok(()) => {
            if store::complete(&mut conn, &job, done_at)? {
                tracing::info!("job done");
                Outcome::Done
            } else {
                Outcome::LeaseLost
            }
        }
        Err(e) => match store::fail(&mut conn, &job, done_at, e)? {
            Some(JobState::Queued) => {
                tracing::warn!(error = %e, "job failed, will retry");
                Outcome::Retrying
            }
            Some(_) => {
                tracing::error!(error = %e, "job failed for good (dead)");
                Outcome::Dead
            }
            None => Outcome::LeaseLost,
        },
    };
    if outcome == Outcome::LeaseLost {
        tracing::warn!("job ran past its lease; another worker has taken it over");
    }
    Ok(outcome)
}

/// Runs `work` while a heartbeat renews the claim on `job` every third of `lease`: a job that
/// runs longer than its lease (a large file, a slow TSA, a node draining at shutdown) is not
/// taken over and run a second time by another worker while its own worker is alive. Only a
/// worker that died stops renewing. The lease moves with the time elapsed since the claim at
/// `claimed_at`, so a test's stopped clock stays consistent.
fn with_heartbeat<T>(
    pool: &DbPool,
    job: &super::Job,
    claimed_at: Millis,
    lease: Duration,
    work: impl FnOnce() -> T,
) -> T {
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let every = (lease / 3).max(Duration::from_millis(100));
    let started = std::time::Instant::now();
    let span = tracing::Span::current();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let _entered = span.enter();
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = finished.recv_timeout(every)
            {
                let elapsed = started.elapsed() + lease;
                let until = Millis(claimed_at.0.saturating_add(elapsed.as_millis() as i64));
                let renewed = pool
                    .get()
                    .map_err(anyhow::Error::from)
                    .and_then(|mut conn| Ok(store::extend_lease(&mut conn, job, until)?));
                match renewed {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!("job lease lost while running; another worker owns it");
                        return;
                    }
                    Err(e) => tracing::warn!(error = %e, "job lease not renewed; trying again"),
                }
            }
        });
        let out = work();
        drop(done);
        out
    })
}

/// Runs due jobs until none is left, now. For tests and one-shot CLI commands.
pub fn run_until_idle(pool: &DbPool, registry: &Registry) -> anyhow::Result<RunSummary> {
    run_until(pool, registry, Millis::now)
}

/// Like [`run_until_idle`] with the clock stopped at `now` (tests: "an hour later").
pub fn run_until_idle_at(
    pool: &DbPool,
    registry: &Registry,
    now: Millis,
) -> anyhow::Result<RunSummary> {
    run_until(pool, registry, || now)
}

fn run_until(
    pool: &DbPool,
    registry: &Registry,
    clock: impl Fn() -> Millis,
) -> anyhow::Result<RunSummary> {
    let worker_id = new_worker_id("once");
    let mut summary = RunSummary::default();
    loop {
        match run_one(pool, registry, &worker_id, clock(), DEFAULT_LEASE)? {
            Outcome::Idle => return Ok(summary),
            Outcome::Done => summary.done += 1,
            Outcome::Retrying => summary.retried += 1,
            Outcome::Dead => summary.dead += 1,
            Outcome::LeaseLost => summary.lost += 1,
        }
    }
}

/// Starts `n` workers on the actix runtime (`tachiai serve`). Each claims and runs jobs on a
/// blocking thread, back to back while there are due jobs. Idle, it waits until it is woken
/// (a job was queued: [`super::wake`]), until the next job falls due, or at most
/// `poll_interval` (the fallback for what no wake-up reaches), claiming each job for `lease`.
/// [`Workers::shutdown`] stops them between two jobs; a job cut off by a crash or a shutdown
/// timeout is taken over by any worker once its lease has run out.
pub fn spawn_workers(
    pool: DbPool,
    registry: Registry,
    n: usize,
    poll_interval: Duration,
    lease: Duration,
) -> Workers {
    tracing::info!(workers = n, kinds = ?registry.kinds(), "job workers starting");
    let stopping = Arc::new(AtomicBool::new(false));
    let handles = (0..n)
        .map(|i| {
            let worker_id = new_worker_id(&i.to_string());
            let pool = pool.clone();
            let registry = registry.clone();
            let stopping = stopping.clone();
            actix_web::rt::spawn(async move {
                while !stopping.load(Ordering::SeqCst) {
                    let (pool, registry, worker_id) =
                        (pool.clone(), registry.clone(), worker_id.clone());
                    let step = web::block(move || {
                        let outcome = run_one(&pool, &registry, &worker_id, Millis::now(), lease)?;
                        let idle_for = match outcome {
                            Outcome::Idle => idle_time(&pool, &registry, poll_interval)?,
                            _ => Duration::ZERO,
                        };
                        anyhow::Ok(idle_for)
                    })
                    .await;
                    let idle_for = match step {
                        Ok(Ok(idle_for)) => idle_for,
                        Ok(Err(e)) => {
                            tracing::warn!(error = %e, "job worker: cannot reach the job table");
                            poll_interval
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "job worker: blocking task failed");
                            poll_interval
                        }
                    };
                    if !idle_for.is_zero() && !stopping.load(Ordering::SeqCst) {
                        super::wake::wait(idle_for).await;
                    }
                }
            })
        })
        .collect();
    Workers { stopping, handles }
}

/// The running workers of [`spawn_workers`].
pub struct Workers {
    stopping: Arc<AtomicBool>,
    handles: Vec<actix_web::rt::task::JoinHandle<()>>,
}

/// Tells the workers of one [`Workers`] to take no further job (from a signal handler).
#[derive(Clone)]
pub struct StopClaiming(Arc<AtomicBool>);

impl StopClaiming {
    /// From now on no worker claims a job; an idle one stops at once. Safe to call twice.
    pub fn now(&self) {
        self.0.store(true, Ordering::SeqCst);
        super::wake::wake_workers();
    }
}

impl Workers {
    /// A handle that stops the claiming of new jobs.
    pub fn stop_claiming(&self) -> StopClaiming {
        StopClaiming(self.stopping.clone())
    }

    /// Stops claiming and waits up to `timeout` for the jobs running now to finish (graceful
    /// shutdown: SIGTERM). `true` when every worker finished in time; otherwise the jobs still
    /// running are cut off with the process, and taken over by another node after their lease.
    pub async fn shutdown(self, timeout: Duration) -> bool {
        self.stop_claiming().now();
        let all = async {
            for handle in self.handles {
                let _ = handle.await;
            }
        };
        let finished = actix_web::rt::time::timeout(timeout, all).await.is_ok();
        if finished {
            tracing::info!("job workers stopped");
        } else {
            tracing::warn!(
                timeout_s = timeout.as_secs(),
                "job workers: a job was still running at the shutdown timeout; another node takes it over when its lease runs out"
            );
        }
        finished
    }
}

/// How long an idle worker may wait: until the next job falls due, at most `poll_interval`,
/// and not under [`MIN_IDLE`] (a due job another worker holds must not make it spin).
fn idle_time(
    pool: &DbPool,
    registry: &Registry,
    poll_interval: Duration,
) -> anyhow::Result<Duration> {
    let next = store::next_due(&mut *pool.get()?, &registry.kinds())?;
    let until_due = next.map_or(poll_interval, |at| {
        Duration::from_millis(at.0.saturating_sub(Millis::now().0).max(0) as u64)
    });
    Ok(until_due.clamp(MIN_IDLE, poll_interval.max(MIN_IDLE)))
}

/// The shortest idle wait.
const MIN_IDLE: Duration = Duration::from_millis(20);

/// `host:pid:name:random`: unique across processes and restarts, readable in `locked_by`.
fn new_worker_id(name: &str) -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_default();
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!(
        "{}:{}:{name}:{}",
        if host.is_empty() { "host" } else { &host },
        std::process::id(),
        &random[..8]
    )
}
