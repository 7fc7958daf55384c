//! The `jobs` table and its queries. Backend-specific SQL (the claim, `ON CONFLICT`) is here,
//! behind one `match` on the connection each; everything else is plain diesel on
//! [`AnyConnection`]. No function here opens a transaction except [`claim`] on SQLite.

use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};

use super::{Job, JobError, JobId, JobState, NewJob, QueueStat, backoff};
use crate::clock::Millis;
use crate::db::{AnyConnection, Backend};

diesel::table! {
    /// Durable jobs (migration `2026-11-25-100000_jobs`; `request_id`: `2026-12-16-400000`).
    jobs (id) {
        id -> Text,
        tenant_id -> Nullable<Text>,
        kind -> Text,
        payload -> Text,
        state -> Text,
        attempts -> Integer,
        max_attempts -> Integer,
        run_at -> BigInt,
        locked_by -> Nullable<Text>,
        locked_until -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
        dedupe_key -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
        finished_at -> Nullable<BigInt>,
        request_id -> Nullable<Text>,
    }
}

use jobs::dsl as j;

/// The longest `last_error` kept.
const MAX_ERROR_CHARS: usize = 2000;

/// A row as stored; `state` is parsed into [`JobState`] on the way out.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = jobs)]
struct JobRow {
    id: String,
    tenant_id: Option<String>,
    kind: String,
    payload: String,
    state: String,
    attempts: i32,
    max_attempts: i32,
    run_at: i64,
    locked_by: Option<String>,
    locked_until: Option<i64>,
    last_error: Option<String>,
    dedupe_key: Option<String>,
    created_at: i64,
    updated_at: i64,
    finished_at: Option<i64>,
    request_id: Option<String>,
}

impl TryFrom<JobRow> for Job {
    type Error = diesel::result::Error;

    fn try_from(r: JobRow) -> QueryResult<Job> {
        let state = JobState::parse(&r.state).ok_or_else(|| {
            diesel::result::Error::DeserializationError(
                format!("job {} has an unknown state `{}`", r.id, r.state).into(),
            )
        })?;
        Ok(Job {
            id: JobId(r.id),
            tenant_id: r.tenant_id,
            kind: r.kind,
            payload: r.payload,
            state,
            attempts: r.attempts,
            max_attempts: r.max_attempts,
            run_at: Millis(r.run_at),
            locked_by: r.locked_by,
            locked_until: r.locked_until.map(Millis),
            last_error: r.last_error,
            dedupe_key: r.dedupe_key,
            created_at: Millis(r.created_at),
            updated_at: Millis(r.updated_at),
            finished_at: r.finished_at.map(Millis),
            request_id: r.request_id,
        })
    }
}

/// Adds a job, on the caller's connection and inside the caller's transaction if there is
/// one (so the job commits with the change that calls for it). With a `dedupe_key` that
/// exists already, nothing is added and the existing job's id is returned.
pub fn enqueue(conn: &mut AnyConnection, job: NewJob<'_>) -> QueryResult<JobId> {
    let now = Millis::now();
    let row = JobRow {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: job.tenant_id.map(str::to_owned),
        kind: job.kind.to_owned(),
        payload: job.payload.to_string(),
        state: JobState::Queued.as_str().to_owned(),
        attempts: 0,
        max_attempts: job.max_attempts.max(1),
        run_at: job.run_at.unwrap_or(now).0,
        locked_by: None,
        locked_until: None,
        last_error: None,
        dedupe_key: job.dedupe_key.map(str::to_owned),
        created_at: now.0,
        updated_at: now.0,
        finished_at: None,
        // Inside a request (or a job a request caused): that request's ID, for the log.
        request_id: crate::request_id::current(),
    };
    super::wake::before_enqueue(conn);
    // `ON CONFLICT DO NOTHING` rather than catching the unique violation: on PostgreSQL a
    // failed statement would abort the caller's whole transaction.
    let inserted = match conn {
        AnyConnection::Postgresql(c) => {
            let n = diesel::insert_into(j::jobs)
                .values(&row)
                .on_conflict(j::dedupe_key)
                .do_nothing()
                .execute(c)?;
            if n == 1 {
                super::wake::notify_other_processes(c)?;
            }
            n
        }
        AnyConnection::Sqlite(c) => diesel::insert_into(j::jobs)
            .values(&row)
            .on_conflict(j::dedupe_key)
            .do_nothing()
            .execute(c)?,
    };
    if inserted == 1 {
        return Ok(JobId(row.id));
    }
    let key = job.dedupe_key.ok_or(diesel::result::Error::NotFound)?;
    j::jobs
        .filter(j::dedupe_key.eq(key))
        .select(j::id)
        .first::<String>(conn)
        .map(JobId)
}

/// When the next job of one of `kinds` falls due: the earliest `run_at` of a queued job, or
/// the earliest lapsing lease of a running one. `None` when there is no such job.
pub fn next_due(conn: &mut AnyConnection, kinds: &[&str]) -> QueryResult<Option<Millis>> {
    let queued: Option<i64> = j::jobs
        .filter(
            j::state
                .eq(JobState::Queued.as_str())
                .and(j::kind.eq_any(kinds)),
        )
        .select(diesel::dsl::min(j::run_at))
        .first(conn)?;
    let lease_ends: Option<i64> = j::jobs
        .filter(
            j::state
                .eq(JobState::Running.as_str())
                .and(j::kind.eq_any(kinds)),
        )
        .select(diesel::dsl::min(j::locked_until))
        .first(conn)?;
    Ok(queued.into_iter().chain(lease_ends).min().map(Millis))
}

/// Per kind, the jobs that are not done: how many are queued, running and dead, and the
/// `run_at` of the most overdue queued one (what the metrics report as queue depth and age).
pub fn queue_stats(conn: &mut AnyConnection, now: Millis) -> QueryResult<Vec<QueueStat>> {
    let counts: Vec<(String, String, i64)> = j::jobs
        .filter(j::state.ne(JobState::Done.as_str()))
        .group_by((j::kind, j::state))
        .select((j::kind, j::state, diesel::dsl::count_star()))
        .load(conn)?;
    let due: Vec<(String, Option<i64>)> = j::jobs
        .filter(
            j::state
                .eq(JobState::Queued.as_str())
                .and(j::run_at.le(now.0)),
        )
        .group_by(j::kind)
        .select((j::kind, diesel::dsl::min(j::run_at)))
        .load(conn)?;
    let mut by_kind: std::collections::BTreeMap<String, QueueStat> = Default::default();
    for (kind, state, n) in counts {
        let stat = by_kind.entry(kind.clone()).or_insert_with(|| QueueStat {
            kind,
            ..QueueStat::default()
        });
        match JobState::parse(&state) {
            Some(JobState::Queued) => stat.queued = n,
            Some(JobState::Running) => stat.running = n,
            Some(JobState::Dead) => stat.dead = n,
            Some(JobState::Done) | None => {}
        }
    }
    for (kind, oldest) in due {
        if let Some(stat) = by_kind.get_mut(&kind) {
            stat.oldest_due = oldest.map(Millis);
        }
    }
    Ok(by_kind.into_values().collect())
}

/// The job with this id.
pub fn find(conn: &mut AnyConnection, id: &str) -> QueryResult<Option<Job>> {
    j::jobs
        .filter(j::id.eq(id))
        .select(JobRow::as_select())
        .first(conn)
        .optional()?
        .map(Job::try_from)
        .transpose()
}

/// Claims the most overdue job of one of `kinds` for `worker_id` until `now + lease`: a
/// `queued` job whose `run_at` has come, or a `running` one whose lease has run out (its
/// worker died). Counts the attempt. A job taken over after a lapsed lease on its last
/// allowed attempt is not run again but made `dead`, and the next one is claimed.
///
/// PostgreSQL: one `UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED) RETURNING …`, so
/// concurrent workers in any number of processes never get the same job. SQLite: the same
/// statement inside an `IMMEDIATE` transaction, which serialises writers up front.
pub fn claim(
    conn: &mut AnyConnection,
    worker_id: &str,
    now: Millis,
    lease: Duration,
    kinds: &[&str],
) -> QueryResult<Option<Job>> {
    if kinds.is_empty() {
        return Ok(None);
    }
    let locked_until = now.0.saturating_add(lease.as_millis() as i64);
    loop {
        let row = match conn {
            AnyConnection::Postgresql(c) => {
                let mut q = diesel::sql_query(claim_sql('$', kinds.len(), true))
                    .into_boxed::<diesel::pg::Pg>()
                    .bind::<Text, _>(worker_id.to_owned())
                    .bind::<BigInt, _>(locked_until)
                    .bind::<BigInt, _>(now.0);
                for kind in kinds {
                    q = q.bind::<Text, _>(kind.to_string());
                }
                q.get_result::<JobRow>(c).optional()?
            }
            AnyConnection::Sqlite(c) => c.immediate_transaction(|c| {
                let mut q = diesel::sql_query(claim_sql('?', kinds.len(), false))
                    .into_boxed::<diesel::sqlite::Sqlite>()
                    .bind::<Text, _>(worker_id.to_owned())
                    .bind::<BigInt, _>(locked_until)
                    .bind::<BigInt, _>(now.0);
                for kind in kinds {
                    q = q.bind::<Text, _>(kind.to_string());
                }
                q.get_result::<JobRow>(c).optional()
            })?,
        };
        let Some(row) = row else { return Ok(None) };
        let job = Job::try_from(row)?;
        if job.attempts <= job.max_attempts {
            return Ok(Some(job));
        }
        // Its last allowed attempt died with its worker: give up rather than run it again.
        let why = JobError::Permanent(format!(
            "the lease ran out on attempt {} of {} (the worker stopped or overran its lease)",
            job.attempts - 1,
            job.max_attempts
        ));
        tracing::warn!(job = %job.id, kind = %job.kind, "job given up: {why}");
        finish(conn, &job, now, JobState::Dead, job.run_at, Some(&why))?;
    }
}

/// The claim statement; `p` is the placeholder prefix (`$1` on PostgreSQL, `?1` on SQLite,
/// which both allow a numbered parameter to appear twice).
fn claim_sql(p: char, kinds: usize, skip_locked: bool) -> String {
    let kind_params: Vec<String> = (0..kinds).map(|i| format!("{p}{}", i + 4)).collect();
    format!(
        "UPDATE jobs SET state = 'running', attempts = attempts + 1, \
         locked_by = {p}1, locked_until = {p}2, updated_at = {p}3 \
         WHERE id = (SELECT id FROM jobs \
           WHERE ((state = 'queued' AND run_at <= {p}3) OR (state = 'running' AND locked_until < {p}3)) \
             AND kind IN ({kinds}) \
           ORDER BY run_at, id LIMIT 1{lock}) \
         RETURNING id, tenant_id, kind, payload, state, attempts, max_attempts, run_at, locked_by, \
           locked_until, last_error, dedupe_key, created_at, updated_at, finished_at, request_id",
        kinds = kind_params.join(", "),
        lock = if skip_locked {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        },
    )
}

/// Moves the lease of a job still held by the claim that produced `job` to `until` (the
/// worker's heartbeat while a long job runs). `false` when the claim was lost meanwhile.
pub fn extend_lease(conn: &mut AnyConnection, job: &Job, until: Millis) -> QueryResult<bool> {
    diesel::update(j::jobs.filter(held(job)))
        .set(j::locked_until.eq(until.0))
        .execute(conn)
        .map(|n| n == 1)
}

/// Marks a claimed job `done`. `false` when the claim was lost meanwhile (the lease ran out
/// and another worker took the job over; it will complete it).
pub fn complete(conn: &mut AnyConnection, job: &Job, now: Millis) -> QueryResult<bool> {
    finish(conn, job, now, JobState::Done, job.run_at, None).map(|n| n == 1)
}

/// Records a failed run: a [`JobError::Retry`] with attempts left goes back to `queued`, due
/// after [`backoff`]; anything else becomes `dead`. Returns the new state, or `None` when the
/// claim was lost meanwhile.
pub fn fail(
    conn: &mut AnyConnection,
    job: &Job,
    now: Millis,
    error: &JobError,
) -> QueryResult<Option<JobState>> {
    let (state, run_at) = match error {
        JobError::Retry(_) if job.attempts < job.max_attempts => {
            let delay = backoff(job.attempts).as_millis() as i64;
            (JobState::Queued, Millis(now.0.saturating_add(delay)))
        }
        JobError::Retry(_) | JobError::Permanent(_) => (JobState::Dead, job.run_at),
    };
    let n = finish(conn, job, now, state, run_at, Some(error))?;
    Ok((n == 1).then_some(state))
}

/// The newest job of `kind` for `tenant_id` whose payload contains `payload_fragment` (e.g.
/// `"contract_id":"<uuid>"`) that has failed and is not done: waiting for a retry, being
/// retried, or given up (`dead`). What an operator or the page of the job's subject shows.
pub fn latest_failed(
    conn: &mut AnyConnection,
    tenant_id: &str,
    kind: &str,
    payload_fragment: &str,
) -> QueryResult<Option<Job>> {
    let escaped: String = payload_fragment
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    j::jobs
        .filter(
            j::tenant_id
                .eq(tenant_id)
                .and(j::kind.eq(kind))
                .and(j::payload.like(format!("%{escaped}%")).escape('\\'))
                .and(j::state.ne(JobState::Done.as_str()))
                .and(j::last_error.is_not_null()),
        )
        .order((j::updated_at.desc(), j::id.desc()))
        .select(JobRow::as_select())
        .first(conn)
        .optional()?
        .map(Job::try_from)
        .transpose()
}

/// Replaces the payload of a job this worker holds (e.g. to drop a secret once it has been
/// used, or to record progress for a second run). `false` when the claim was lost.
pub fn replace_payload(
    conn: &mut AnyConnection,
    job: &Job,
    payload: &serde_json::Value,
) -> QueryResult<bool> {
    diesel::update(j::jobs.filter(held(job)))
        .set(j::payload.eq(payload.to_string()))
        .execute(conn)
        .map(|n| n == 1)
}

/// Deletes `done` jobs finished before `before` (`dead` ones stay for the operator). Their
/// dedupe keys become free again.
pub fn purge_finished(conn: &mut AnyConnection, before: Millis) -> QueryResult<usize> {
    diesel::delete(
        j::jobs.filter(
            j::state
                .eq(JobState::Done.as_str())
                .and(j::finished_at.lt(before.0)),
        ),
    )
    .execute(conn)
}

/// Matches the row of `job` as long as the claim that produced `job` still holds it.
fn held(
    job: &Job,
) -> Box<dyn BoxableExpression<jobs::table, Backend, SqlType = Nullable<Bool>> + '_> {
    Box::new(
        j::id
            .eq(job.id.as_str())
            .and(j::state.eq(JobState::Running.as_str()))
            .and(j::locked_by.eq(job.locked_by.as_deref().unwrap_or_default()))
            .and(j::attempts.eq(job.attempts)),
    )
}

/// Ends a claim: releases the lease and sets the new state.
fn finish(
    conn: &mut AnyConnection,
    job: &Job,
    now: Millis,
    state: JobState,
    run_at: Millis,
    error: Option<&JobError>,
) -> QueryResult<usize> {
    let finished_at = matches!(state, JobState::Done | JobState::Dead).then_some(now.0);
    diesel::update(j::jobs.filter(held(job)))
        .set((
            j::state.eq(state.as_str()),
            j::run_at.eq(run_at.0),
            j::locked_by.eq(None::<String>),
            j::locked_until.eq(None::<i64>),
            j::updated_at.eq(now.0),
            j::finished_at.eq(finished_at),
            j::last_error.eq(error
                .map(|e| truncate(&e.to_string(), MAX_ERROR_CHARS))
                .or_else(|| job.last_error.clone())),
        ))
        .execute(conn)
}

fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_sql_numbers_the_kinds_after_the_three_fixed_parameters() {
        let pg = claim_sql('$', 2, true);
        assert!(pg.contains("kind IN ($4, $5)"), "{pg}");
        assert!(pg.contains("LIMIT 1 FOR UPDATE SKIP LOCKED)"), "{pg}");
        let lite = claim_sql('?', 1, false);
        assert!(
            lite.contains("kind IN (?4)") && !lite.contains("SKIP"),
            "{lite}"
        );
    }

    #[test]
    fn long_errors_are_cut_on_a_character_boundary() {
        assert_eq!(truncate("あいう", 2), "あい…");
        assert_eq!(truncate("ab", 2), "ab");
    }
}
