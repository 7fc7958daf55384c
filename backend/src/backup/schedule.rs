//! The daily backup (仕様 6-(5): 毎日取得し7日分を保持): each server looks every minute whether
//! today's backup time (JST) has come and enqueues the durable job `backup.daily` with the
//! dedupe key of the day, so however many servers share the database, one backup is made per
//! day, by whichever worker claims the job; a server that dies mid-backup leaves the job to
//! another after its lease. The job writes `<backup_dir>/tachiai-backup-YYYY-MM-DD`, then
//! prunes the oldest generations beyond `backup_keep` — only directories this service made,
//! recognised by their manifest. Success and failure are audited in the system chain
//! (`backup.created`, `backup.failed`) and logged; a failure is retried with backoff.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use serde_json::json;
use shared::audit::AuditAction;

use super::{FORMAT, MANIFEST};
use crate::audit::{Origin, Outcome, SYSTEM_CHAIN_ID};
use crate::clock::Millis;
use crate::config::Config;
use crate::db::AnyConnection;
use crate::jobs::{Job, JobContext, JobError, JobHandler, NewJob};

/// The job kind.
pub const KIND: &str = "backup.daily";
/// The name of every directory the schedule makes, before the JST date.
pub const DIR_PREFIX: &str = "tachiai-backup-";
/// Generations kept by default (仕様 6-(5): 7日分).
pub const DEFAULT_KEEP: usize = 7;
/// Attempts of one day's backup (about 1 min 10 s of retries, then `dead` and audited).
const MAX_ATTEMPTS: i32 = 4;
/// A `.partial` directory this old was left by a process that died; it is removed.
const STALE_PARTIAL: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// `backup_dir`, `backup_keep`, `backup_time`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSchedule {
    /// Where the daily backups go; `None`: no scheduled backup.
    pub dir: Option<PathBuf>,
    /// Generations kept (at least 1).
    pub keep: usize,
    /// Minutes after 00:00 JST at which the day's backup is due.
    pub at_minute: u32,
}

impl BackupSchedule {
    /// Reads the three settings through `get` (empty or missing: the default).
    pub fn from_settings(get: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<BackupSchedule> {
        let keep = match get("backup_keep") {
            None => DEFAULT_KEEP,
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1)
                .with_context(|| {
                    format!(
                        "setting `backup_keep`: `{v}` is not a number of generations (1 or more)"
                    )
                })?,
        };
        let time = get("backup_time").unwrap_or_else(|| "02:00".to_owned());
        let at_minute = parse_time(&time)
            .with_context(|| format!("setting `backup_time`: `{time}` is not HH:MM (JST)"))?;
        Ok(BackupSchedule {
            dir: get("backup_dir").map(PathBuf::from),
            keep,
            at_minute,
        })
    }

    /// The rows `tachiai config check` prints.
    pub fn describe(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "backup_dir",
                self.dir.as_ref().map_or_else(
                    || "(none: no scheduled backup)".to_owned(),
                    |d| d.display().to_string(),
                ),
            ),
            ("backup_keep", self.keep.to_string()),
            (
                "backup_time",
                format!("{:02}:{:02}", self.at_minute / 60, self.at_minute % 60),
            ),
        ]
    }

    /// The JST date whose backup is due at `now`, if its time has come.
    pub fn due(&self, now: Millis) -> Option<String> {
        self.dir.as_ref()?;
        let t = crate::clock::jst(now.0);
        let minute = u32::from(t.hour()) * 60 + u32::from(t.minute());
        (minute >= self.at_minute).then(|| crate::clock::jst_date(now.0))
    }
}

fn parse_time(text: &str) -> Option<u32> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 && text.trim().len() == 5).then_some(h * 60 + m)
}

/// The job's payload.
#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    /// The JST date, `YYYY-MM-DD`.
    date: String,
}

/// Enqueues the day's backup if it is due; a no-op when it was enqueued before (by this or
/// another server: the dedupe key is per day).
pub fn enqueue_due(
    conn: &mut AnyConnection,
    schedule: &BackupSchedule,
    now: Millis,
) -> diesel::QueryResult<bool> {
    let Some(date) = schedule.due(now) else {
        return Ok(false);
    };
    let key = format!("{KIND}:{date}");
    crate::jobs::enqueue(
        conn,
        NewJob::new(KIND, json!({ "date": date }))
            .dedupe_key(&key)
            .max_attempts(MAX_ATTEMPTS),
    )?;
    Ok(true)
}

/// Runs `backup.daily`.
pub struct BackupHandler {
    config: Arc<Config>,
}

impl BackupHandler {
    /// A handler backing up the service `config` describes.
    pub fn new(config: Arc<Config>) -> BackupHandler {
        BackupHandler { config }
    }
}

impl JobHandler for BackupHandler {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn run(&self, ctx: &JobContext, job: &Job) -> Result<(), JobError> {
        let payload: Payload = job.payload()?;
        let schedule = &self.config.backup;
        let Some(dir) = &schedule.dir else {
            // Switched off since the job was enqueued.
            return Ok(());
        };
        let out = dir.join(format!("{DIR_PREFIX}{}", payload.date));
        let made = if out.join(MANIFEST).is_file() {
            // An earlier run made it and died before completing the job.
            Ok(None)
        } else {
            match super::create(&self.config, &out) {
                // A worker that took the job over after a lapsed lease finished first.
                Err(_) if out.join(MANIFEST).is_file() => Ok(None),
                other => other.map(Some),
            }
        };
        let result = made.and_then(|made| Ok((made, prune(dir, schedule.keep)?)));
        let mut conn = ctx
            .pool
            .get()
            .map_err(|e| JobError::Retry(format!("no database connection: {e}")))?;
        match result {
            Ok((made, pruned)) => {
                if let Some(made) = made {
                    tracing::info!(dir = %made.dir.display(), files = made.manifest.files.len(),
                        bytes = made.manifest.bytes(), pruned = pruned.len(), "daily backup made");
                    audit(
                        &mut conn,
                        AuditAction::BackupCreated,
                        Outcome::Success,
                        json!({
                            "dir": made.dir.display().to_string(),
                            "scheduled": true,
                            "files": made.manifest.files.len(),
                            "bytes": made.manifest.bytes(),
                            "pruned": pruned.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
                        }),
                    )
                    .map_err(|e| JobError::Retry(format!("cannot audit the backup: {e}")))?;
                }
                Ok(())
            }
            Err(e) => {
                let why = format!("{e:#}");
                tracing::error!(date = %payload.date, attempt = job.attempts, error = %why,
                    "the daily backup failed");
                audit(
                    &mut conn,
                    AuditAction::BackupFailed,
                    Outcome::Failure,
                    json!({"date": payload.date, "attempt": job.attempts, "error": why}),
                )
                .map_err(|e| JobError::Retry(format!("cannot audit the failure: {e}")))?;
                Err(JobError::Retry(why))
            }
        }
    }
}

/// Records a backup event in the system chain (the backups are the service's, not a tenant's).
pub fn audit(
    conn: &mut AnyConnection,
    action: AuditAction,
    outcome: Outcome,
    details: serde_json::Value,
) -> diesel::QueryResult<()> {
    let origin = Origin {
        actor_label: "system".to_owned(),
        ..Origin::default()
    };
    crate::db::tenant_transaction(conn, SYSTEM_CHAIN_ID, |conn| {
        crate::seal::keyring::record_in_system_chain(
            conn,
            &origin,
            action,
            None,
            outcome,
            details,
            Millis::now(),
        )
    })
}

/// Removes the oldest backups in `dir` beyond `keep`, and `.partial` directories of writers
/// that died a day or more ago. Only directories named `tachiai-backup-…` whose manifest says
/// they are Tachiai backups are counted or removed; anything else in `dir` is left alone.
/// Returns what it removed.
pub fn prune(dir: &Path, keep: usize) -> anyhow::Result<Vec<PathBuf>> {
    let mut backups: Vec<(String, PathBuf)> = Vec::new();
    let mut removed = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if !entry.file_type()?.is_dir() {
            continue;
        }
        if name.starts_with(&format!(".{DIR_PREFIX}")) && name.contains(".partial-") {
            let age = entry.metadata()?.modified()?.elapsed().unwrap_or_default();
            if age >= STALE_PARTIAL {
                std::fs::remove_dir_all(&path)?;
                removed.push(path);
            }
            continue;
        }
        if !name.starts_with(DIR_PREFIX) {
            continue;
        }
        let Some(created_at) = std::fs::read_to_string(path.join(MANIFEST))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .filter(|m| m["format"] == FORMAT)
            .and_then(|m| m["created_at"].as_str().map(str::to_owned))
        else {
            continue;
        };
        backups.push((created_at, path));
    }
    // RFC 3339 in UTC sorts as time (to the second; the date in the name breaks ties).
    backups.sort();
    let excess = backups.len().saturating_sub(keep.max(1));
    for (_, path) in backups.into_iter().take(excess) {
        std::fs::remove_dir_all(&path)
            .with_context(|| format!("cannot remove the old backup {}", path.display()))?;
        removed.push(path);
    }
    Ok(removed)
}

/// Every minute: enqueues the day's backup once its time has come (a no-op when another
/// server did, or when no `backup_dir` is set).
pub fn spawn(pool: crate::db::DbPool, schedule: BackupSchedule) {
    if schedule.dir.is_none() {
        return;
    }
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            let pool = pool.clone();
            let schedule = schedule.clone();
            let done = actix_web::web::block(move || -> anyhow::Result<bool> {
                Ok(enqueue_due(&mut *pool.get()?, &schedule, Millis::now())?)
            })
            .await;
            if let Ok(Err(e)) = done {
                tracing::warn!(error = %e, "could not enqueue the daily backup");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(pairs: &[(&str, &str)]) -> anyhow::Result<BackupSchedule> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        BackupSchedule::from_settings(&|k| {
            pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn settings_default_to_seven_generations_at_two_and_refuse_nonsense() {
        let s = schedule(&[]).unwrap();
        assert_eq!((s.dir.clone(), s.keep, s.at_minute), (None, 7, 120));
        assert_eq!(s.due(Millis::now()), None, "no directory, no backup");
        let s = schedule(&[
            ("backup_dir", "/b"),
            ("backup_time", "23:30"),
            ("backup_keep", "3"),
        ])
        .unwrap();
        assert_eq!((s.keep, s.at_minute), (3, 23 * 60 + 30));
        for (k, v) in [
            ("backup_keep", "0"),
            ("backup_keep", "x"),
            ("backup_time", "24:00"),
            ("backup_time", "2:00"),
            ("backup_time", "noon"),
        ] {
            assert!(schedule(&[(k, v)]).is_err(), "{k}={v}");
        }
    }

    #[test]
    fn a_day_is_due_from_its_time_in_japan() {
        let s = schedule(&[("backup_dir", "/b"), ("backup_time", "02:00")]).unwrap();
        // 2026-12-06T16:59Z is 01:59 JST on the 7th; 17:00Z is 02:00 JST.
        let at = |h: i64, m: i64| Millis(1_796_572_800_000 + (h * 60 + m) * 60_000);
        assert_eq!(crate::clock::rfc3339(at(0, 0).0), "2026-12-06T16:00:00Z");
        assert_eq!(s.due(at(0, 59)), None);
        assert_eq!(s.due(at(1, 0)).as_deref(), Some("2026-12-07"));
        assert_eq!(
            s.due(at(7, 59)).as_deref(),
            Some("2026-12-07"),
            "until midnight JST"
        );
    }

    #[test]
    fn pruning_keeps_the_newest_and_touches_nothing_else() {
        let dir = std::env::temp_dir().join(format!("tachiai-prune-{}", uuid::Uuid::new_v4()));
        for day in 1..=5 {
            let b = dir.join(format!("{DIR_PREFIX}2026-12-0{day}"));
            std::fs::create_dir_all(&b).unwrap();
            std::fs::write(
                b.join(MANIFEST),
                json!({"format": FORMAT, "created_at": format!("2026-12-0{day}T17:00:00.000Z")})
                    .to_string(),
            )
            .unwrap();
        }
        // Named like a backup but not one: never removed.
        std::fs::create_dir_all(dir.join(format!("{DIR_PREFIX}mine"))).unwrap();
        std::fs::write(dir.join(format!("{DIR_PREFIX}notes.txt")), "x").unwrap();
        let removed = prune(&dir, 3).unwrap();
        let mut names: Vec<String> = removed
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                format!("{DIR_PREFIX}2026-12-01"),
                format!("{DIR_PREFIX}2026-12-02")
            ]
        );
        let mut left: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left.len(), 5, "{left:?}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
