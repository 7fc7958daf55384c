//! Readiness (`GET /api/v1/health/ready`): can this process serve? The database answers, the
//! blob storage takes a write, and a time-stamp authority is reachable. Each check has a short
//! timeout; the result is kept for [`FRESH_FOR`] and only one check runs at a time, so a flood
//! of probes reaches neither the database nor the TSA more than once every few seconds.
//! Liveness (`/health/live`) checks nothing but that the process answers.
//!
//! The answer names each check and whether it passed, never a URL or an error's text (the
//! endpoint needs no login); the causes go to the log.

use std::sync::Arc;
use std::time::{Duration, Instant};

use shared::dto::{ReadinessCheck, ReadinessView};

use crate::clock::Millis;
use crate::db::{self, DbPool};
use crate::seal::SealService;
use crate::storage::BlobStore;

/// How long a result is reused.
pub const FRESH_FOR: Duration = Duration::from_secs(5);
/// The longest one check may take.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// The cached result, behind an async lock held while checking (one check at a time).
#[derive(Default)]
pub struct Readiness {
    last: tokio::sync::Mutex<Option<(Instant, ReadinessView)>>,
}

/// What the checks need.
pub struct Probes {
    /// The database.
    pub pool: DbPool,
    /// The blob storage.
    pub blobs: BlobStore,
    /// Where the TSA list comes from.
    pub seal: Arc<SealService>,
}

impl Readiness {
    /// The result of at most [`FRESH_FOR`] ago, or of checks run now.
    pub async fn check(&self, probes: Probes) -> ReadinessView {
        let mut last = self.last.lock().await;
        if let Some((at, view)) = last.as_ref()
            && at.elapsed() < FRESH_FOR
        {
            return view.clone();
        }
        let view = run(probes).await;
        *last = Some((Instant::now(), view.clone()));
        view
    }
}

async fn run(p: Probes) -> ReadinessView {
    let pool = p.pool.clone();
    let database = timed("database", move || {
        let mut conn = pool.get_timeout(CHECK_TIMEOUT)?;
        let version = db::schema_version(&mut conn)?;
        // A query of the service's own tables, not only of the migrations' bookkeeping.
        db::queries::tenants::count(&mut conn)?;
        Ok(format!("{:?}, schema {version}", db::kind(&conn)).to_lowercase())
    });
    let blobs = p.blobs;
    let storage = timed("storage", move || {
        blobs.check_writable()?;
        Ok("the blob storage takes writes".to_owned())
    });
    let tsa = timed("tsa", move || tsa_reachable(&p.pool, &p.seal));
    let (database, storage, tsa) = futures_util::future::join3(database, storage, tsa).await;
    let checks = vec![database, storage, tsa];
    let ok = checks.iter().all(|c| c.ok);
    ReadinessView {
        status: if ok { "ok" } else { "unavailable" }.to_owned(),
        checks,
        checked_at: crate::clock::rfc3339(Millis::now().0),
    }
}

/// Runs `check` on a blocking thread within [`CHECK_TIMEOUT`] (plus a little for the thread).
async fn timed<F>(name: &'static str, check: F) -> ReadinessCheck
where
    F: FnOnce() -> anyhow::Result<String> + Send + 'static,
{
    let started = Instant::now();
    let limit = CHECK_TIMEOUT + Duration::from_millis(500);
    let outcome = actix_web::rt::time::timeout(limit, crate::telemetry::block(check)).await;
    let (ok, detail) = match outcome {
        Ok(Ok(Ok(detail))) => (true, detail),
        Ok(Ok(Err(e))) => {
            tracing::warn!(check = name, error = %format!("{e:#}"), "not ready");
            (
                false,
                format!("the {name} check failed (see the server log)"),
            )
        }
        Ok(Err(_)) => (false, format!("the {name} check was cancelled")),
        Err(_) => {
            tracing::warn!(check = name, "not ready: no answer in time");
            (
                false,
                format!(
                    "the {name} check had no answer within {} s",
                    limit.as_secs_f32()
                ),
            )
        }
    };
    ReadinessCheck {
        name: name.to_owned(),
        ok,
        detail,
        took_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    }
}

/// At least one of the TSAs the seal jobs would use answers HTTP (any status below 500: a TSA
/// takes only POSTed requests, so a GET is refused; no time-stamp is bought for a probe). The
/// built-in TSA of the development PKI is in-process and always there.
fn tsa_reachable(pool: &DbPool, seal: &SealService) -> anyhow::Result<String> {
    let (source, entries) = seal.tsa_source(&mut *pool.get_timeout(CHECK_TIMEOUT)?)?;
    if entries.is_empty() {
        return Ok("the built-in TSA (development PKI)".to_owned());
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(CHECK_TIMEOUT))
        .build()
        .into();
    let mut failures = Vec::new();
    let mut reachable = 0;
    for (_, url) in &entries {
        match agent.get(url).call() {
            Ok(res) if res.status().as_u16() < 500 => reachable += 1,
            Ok(res) => failures.push(format!("{url}: HTTP {}", res.status().as_u16())),
            Err(e) => failures.push(format!("{url}: {e}")),
        }
    }
    if reachable == 0 {
        anyhow::bail!("no TSA reachable ({source}): {}", failures.join("; "));
    }
    if !failures.is_empty() {
        tracing::warn!(failures = %failures.join("; "), "some TSAs are unreachable");
    }
    Ok(format!(
        "{reachable} of {} TSAs ({source}) reachable",
        entries.len()
    ))
}
