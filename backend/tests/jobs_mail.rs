//! The durable job queue and mail delivery, on SQLite and (when 127.0.0.1:5432 answers)
//! PostgreSQL: claims, backoff, dedupe, lease take-over, concurrent workers, the `.eml`
//! outbox, and real SMTP to a local server (`tests/smtp_sink.py`, aiosmtpd) that is down
//! at first.

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;
#[allow(dead_code)]
mod support;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use backend::clock::Millis;
use backend::db::queries::tenants;
use backend::db::{self, AnyConnection, DatabaseUrl, DbPool};
use backend::jobs::{
    self, Job, JobContext, JobError, JobHandler, JobState, NewJob, Registry, RunSummary,
};
use backend::mail::{
    self, MailConfig, MailTemplate, MailTransportConfig, SmtpConfig, SmtpSecurity,
};
use diesel::Connection;
use helpers::{Backend, TestDb};
use lettre::message::Mailbox;
use serde_json::json;
use support::{SmtpSink, count_jobs, free_port};

const LEASE: Duration = Duration::from_secs(30);
const SECOND: i64 = 1000;

/// A fresh, migrated database and its pool.
fn database(backend: Backend) -> Option<(TestDb, DbPool)> {
    let db = TestDb::create(backend)?;
    let pool = db::connect(&DatabaseUrl::parse(&db.url), 4).expect("database");
    Some((db, pool))
}

fn claim(pool: &DbPool, worker: &str, now: Millis, kinds: &[&str]) -> Option<Job> {
    jobs::claim(&mut pool.get().unwrap(), worker, now, LEASE, kinds).unwrap()
}

fn find(pool: &DbPool, job: &Job) -> Job {
    jobs::find(&mut pool.get().unwrap(), job.id.as_str())
        .unwrap()
        .expect("job exists")
}

async fn a_job_is_claimed_once_and_completed(backend: Backend) {
    let Some((_db, pool)) = database(backend) else {
        return;
    };
    let id = jobs::enqueue(
        &mut pool.get().unwrap(),
        NewJob::new("test.a", json!({"n": 1})),
    )
    .unwrap();
    let now = Millis::now();

    let job = claim(&pool, "w1", now, &["test.a"]).expect("a due job");
    assert_eq!(job.id, id);
    assert_eq!((job.state, job.attempts), (JobState::Running, 1));
    assert_eq!(job.locked_by.as_deref(), Some("w1"));
    assert_eq!(job.locked_until, Some(Millis(now.0 + 30 * SECOND)));
    assert_eq!(job.payload::<serde_json::Value>().unwrap(), json!({"n": 1}));
    assert!(
        claim(&pool, "w2", now, &["test.a"]).is_none(),
        "claimed twice"
    );
    assert!(
        claim(&pool, "w2", now, &["test.other"]).is_none(),
        "wrong kind"
    );

    assert!(jobs::complete(&mut pool.get().unwrap(), &job, now).unwrap());
    let done = find(&pool, &job);
    assert_eq!(done.state, JobState::Done);
    assert_eq!((done.finished_at, done.locked_by), (Some(now), None));
    assert!(claim(&pool, "w2", Millis(now.0 + 3600 * SECOND), &["test.a"]).is_none());
}

async fn a_retried_job_waits_ten_then_twenty_seconds_and_dies_after_its_last_attempt(
    backend: Backend,
) {
    let Some((_db, pool)) = database(backend) else {
        return;
    };
    let kinds = &["test.flaky"];
    jobs::enqueue(
        &mut pool.get().unwrap(),
        NewJob::new("test.flaky", json!({})).max_attempts(3),
    )
    .unwrap();
    let t0 = Millis::now();
    let retry = JobError::Retry("relay down".into());

    let job = claim(&pool, "w", t0, kinds).unwrap();
    let state = jobs::fail(&mut pool.get().unwrap(), &job, t0, &retry).unwrap();
    assert_eq!(state, Some(JobState::Queued));
    let queued = find(&pool, &job);
    assert_eq!(queued.run_at, Millis(t0.0 + 10 * SECOND));
    assert_eq!(queued.last_error.as_deref(), Some("retry: relay down"));
    assert!(claim(&pool, "w", Millis(t0.0 + 10 * SECOND - 1), kinds).is_none());

    let t1 = Millis(t0.0 + 10 * SECOND);
    let job = claim(&pool, "w", t1, kinds).expect("due after 10 s");
    assert_eq!(job.attempts, 2);
    jobs::fail(&mut pool.get().unwrap(), &job, t1, &retry).unwrap();
    assert_eq!(find(&pool, &job).run_at, Millis(t1.0 + 20 * SECOND));
    assert!(claim(&pool, "w", Millis(t1.0 + 20 * SECOND - 1), kinds).is_none());

    let t2 = Millis(t1.0 + 20 * SECOND);
    let job = claim(&pool, "w", t2, kinds).expect("due after 20 s more");
    assert_eq!(job.attempts, 3);
    let state = jobs::fail(&mut pool.get().unwrap(), &job, t2, &retry).unwrap();
    assert_eq!(
        state,
        Some(JobState::Dead),
        "the third of three attempts was the last"
    );
    let dead = find(&pool, &job);
    assert_eq!(
        (dead.finished_at, dead.last_error.as_deref()),
        (Some(t2), Some("retry: relay down"))
    );
    assert!(claim(&pool, "w", Millis(t2.0 + 86_400 * SECOND), kinds).is_none());

    // A permanent error ends a job at once, whatever attempts are left.
    jobs::enqueue(
        &mut pool.get().unwrap(),
        NewJob::new("test.flaky", json!({})),
    )
    .unwrap();
    let job = claim(&pool, "w", Millis::now(), kinds).unwrap();
    let permanent = JobError::Permanent("no such recipient".into());
    let state = jobs::fail(&mut pool.get().unwrap(), &job, t0, &permanent).unwrap();
    assert_eq!(state, Some(JobState::Dead));
}

async fn enqueuing_the_same_dedupe_key_twice_is_a_no_op_and_jobs_commit_with_the_transaction(
    backend: Backend,
) {
    let Some((db, pool)) = database(backend) else {
        return;
    };
    let mut conn = pool.get().unwrap();
    let (first, second, other) = conn
        .transaction(|conn| {
            let job = |key| NewJob::new("test.mail", json!({})).dedupe_key(key);
            let first = jobs::enqueue(conn, job("invite:r1:1"))?;
            let second = jobs::enqueue(conn, job("invite:r1:1"))?;
            let other = jobs::enqueue(conn, job("invite:r2:1"))?;
            diesel::QueryResult::Ok((first, second, other))
        })
        .unwrap();
    assert_eq!(first, second);
    assert_ne!(first, other);
    // Still a no-op after the first one has run.
    let job = claim(&pool, "w", Millis::now(), &["test.mail"]).unwrap();
    jobs::complete(&mut conn, &job, Millis::now()).unwrap();
    let again = jobs::enqueue(
        &mut conn,
        NewJob::new("test.mail", json!({})).dedupe_key("invite:r1:1"),
    );
    assert_eq!(again.unwrap(), first);
    assert_eq!(count_jobs(&db.url, "TRUE"), 2);

    // A job enqueued in a transaction that rolls back never existed.
    let rolled_back: Result<(), diesel::result::Error> = conn.transaction(|conn| {
        jobs::enqueue(conn, NewJob::new("test.mail", json!({})))?;
        Err(diesel::result::Error::RollbackTransaction)
    });
    assert!(rolled_back.is_err());
    assert_eq!(count_jobs(&db.url, "TRUE"), 2);
}

async fn a_job_whose_lease_ran_out_is_taken_over_and_the_old_claim_cannot_finish_it(
    backend: Backend,
) {
    let Some((_db, pool)) = database(backend) else {
        return;
    };
    let kinds = &["test.seal"];
    jobs::enqueue(
        &mut pool.get().unwrap(),
        NewJob::new("test.seal", json!({})),
    )
    .unwrap();
    let t0 = Millis::now();
    // Worker A claims it and is then killed (kill -9): it never reports back.
    let a = claim(&pool, "worker-a", t0, kinds).unwrap();
    assert!(claim(&pool, "worker-b", Millis(t0.0 + 29 * SECOND), kinds).is_none());
    let b = claim(&pool, "worker-b", Millis(t0.0 + 30 * SECOND + 1), kinds).expect("lease ran out");
    assert_eq!((b.id.clone(), b.attempts), (a.id.clone(), 2));
    assert_eq!(b.locked_by.as_deref(), Some("worker-b"));
    // A comes back to life: its claim is gone.
    assert!(!jobs::complete(&mut pool.get().unwrap(), &a, Millis(t0.0 + 31 * SECOND)).unwrap());
    let failed = jobs::fail(
        &mut pool.get().unwrap(),
        &a,
        t0,
        &JobError::Permanent("x".into()),
    );
    assert_eq!(failed.unwrap(), None);
    assert!(jobs::complete(&mut pool.get().unwrap(), &b, Millis(t0.0 + 32 * SECOND)).unwrap());
    assert_eq!(find(&pool, &a).state, JobState::Done);

    // A lease that runs out on the last allowed attempt gives the job up instead.
    jobs::enqueue(
        &mut pool.get().unwrap(),
        NewJob::new("test.seal", json!({})).max_attempts(1),
    )
    .unwrap();
    let t1 = Millis::now();
    let only = claim(&pool, "worker-a", t1, kinds).unwrap();
    assert!(claim(&pool, "worker-b", Millis(t1.0 + 31 * SECOND), kinds).is_none());
    let dead = find(&pool, &only);
    assert_eq!(dead.state, JobState::Dead);
    assert!(dead.last_error.unwrap().contains("lease ran out"));
}

/// Sleeps as many milliseconds as its payload says.
struct Slow;

impl JobHandler for Slow {
    fn kind(&self) -> &'static str {
        "test.slow"
    }

    fn run(&self, _ctx: &JobContext, job: &Job) -> Result<(), JobError> {
        let ms: u64 = job.payload()?;
        std::thread::sleep(Duration::from_millis(ms));
        Ok(())
    }
}

async fn a_job_running_past_its_lease_keeps_it_while_its_worker_lives(backend: Backend) {
    let Some((db, pool)) = database(backend) else {
        return;
    };
    jobs::enqueue(
        &mut pool.get().unwrap(),
        NewJob::new("test.slow", json!(2000)),
    )
    .unwrap();
    let lease = Duration::from_millis(600);
    let registry = Registry::new().with(Slow);
    let running = {
        let pool = pool.clone();
        std::thread::spawn(move || {
            jobs::run_one(&pool, &registry, "worker-a", Millis::now(), lease).unwrap()
        })
    };
    // Another worker looks for it all along, at the real time: the lease is renewed (every
    // 200 ms) before it runs out, so it never finds it.
    let mut looks = 0;
    while !running.is_finished() {
        std::thread::sleep(Duration::from_millis(50));
        let other = jobs::claim(
            &mut pool.get().unwrap(),
            "worker-b",
            Millis::now(),
            lease,
            &["test.slow"],
        )
        .unwrap();
        assert!(other.is_none(), "taken over while running: {other:?}");
        looks += 1;
    }
    assert!(looks >= 20, "{looks} looks");
    assert_eq!(running.join().unwrap(), jobs::Outcome::Done);
    let mut conn = pool.get().unwrap();
    let job = jobs::claim(&mut conn, "worker-b", Millis::now(), lease, &["test.slow"]).unwrap();
    assert!(job.is_none(), "done, not claimable");
    let attempts = count_jobs(
        &db.url,
        "kind = 'test.slow' AND state = 'done' AND attempts = 1",
    );
    assert_eq!(attempts, 1, "run once");
}

async fn two_workers_with_their_own_connections_never_claim_the_same_job(backend: Backend) {
    let Some((_db, pool)) = database(backend) else {
        return;
    };
    {
        let mut conn = pool.get().unwrap();
        for n in 0..50 {
            jobs::enqueue(&mut conn, NewJob::new("test.race", json!({ "n": n }))).unwrap();
        }
    }
    let barrier = Arc::new(Barrier::new(2));
    let workers: Vec<_> = ["w1", "w2"]
        .into_iter()
        .map(|name| {
            let pool = pool.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let mut conn = pool.get().unwrap();
                barrier.wait();
                let mut ids = Vec::new();
                while let Some(job) =
                    jobs::claim(&mut conn, name, Millis::now(), LEASE, &["test.race"]).unwrap()
                {
                    assert_eq!(job.locked_by.as_deref(), Some(name));
                    assert!(jobs::complete(&mut conn, &job, Millis::now()).unwrap());
                    ids.push(job.id);
                }
                ids
            })
        })
        .collect();
    let claimed: Vec<Vec<_>> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    let all: Vec<_> = claimed.iter().flatten().cloned().collect();
    let distinct: HashSet<_> = all.iter().cloned().collect();
    assert_eq!(
        all.len(),
        50,
        "per worker: {} + {}",
        claimed[0].len(),
        claimed[1].len()
    );
    assert_eq!(distinct.len(), 50, "a job was claimed twice");
    eprintln!(
        "{backend:?}: worker 1 ran {}, worker 2 ran {}",
        claimed[0].len(),
        claimed[1].len()
    );
}

/// Refuses a payload that is not an object (`Permanent`), panics on `{"panic": true}`, fails
/// its first other run with `Retry`, and succeeds after that.
struct Flaky {
    runs: AtomicUsize,
}

impl JobHandler for Flaky {
    fn kind(&self) -> &'static str {
        "test.flaky"
    }

    fn run(&self, _ctx: &JobContext, job: &Job) -> Result<(), JobError> {
        let payload: serde_json::Value = job.payload()?;
        if !payload.is_object() {
            return Err(JobError::Permanent("the payload is not an object".into()));
        }
        if payload["panic"] == true {
            panic!("handler bug");
        }
        if self.runs.fetch_add(1, Ordering::SeqCst) == 0 {
            return Err(JobError::Retry("first run fails".into()));
        }
        Ok(())
    }
}

async fn run_until_idle_runs_only_registered_kinds_and_a_panic_is_a_retry(backend: Backend) {
    let Some((_db, pool)) = database(backend) else {
        return;
    };
    {
        let mut conn = pool.get().unwrap();
        for payload in [json!({}), json!({}), json!({"panic": true})] {
            jobs::enqueue(&mut conn, NewJob::new("test.flaky", payload)).unwrap();
        }
        jobs::enqueue(&mut conn, NewJob::new("test.unknown", json!({}))).unwrap();
        jobs::enqueue(&mut conn, NewJob::new("test.flaky", json!("not an object"))).unwrap();
    }
    let registry = Registry::new().with(Flaky {
        runs: AtomicUsize::new(0),
    });
    let first = jobs::run_until_idle(&pool, &registry).unwrap();
    let expected = RunSummary {
        done: 1,
        retried: 2,
        dead: 1,
        lost: 0,
    };
    assert_eq!(
        first, expected,
        "retried: the first run and the panic; dead: the string"
    );
    let later = jobs::run_until_idle_at(&pool, &registry, Millis(Millis::now().0 + 11 * SECOND));
    assert_eq!(
        later.unwrap(),
        RunSummary {
            done: 1,
            retried: 1,
            ..RunSummary::default()
        },
        "the retried job is done, the panicking one retried again"
    );
    let mut conn = pool.get().unwrap();
    let unknown = jobs::claim(&mut conn, "w", Millis::now(), LEASE, &["test.unknown"]).unwrap();
    assert_eq!(
        unknown.expect("left for a worker that knows it").attempts,
        1
    );
}

fn tenant_id(pool: &DbPool, db: &TestDb) -> String {
    let config = helpers::config_for(db);
    backend::startup::ensure_initial_tenant(pool, &config).unwrap();
    tenants::find_by_code(&mut pool.get().unwrap(), "dev")
        .unwrap()
        .unwrap()
        .id
}

fn recipient() -> Mailbox {
    Mailbox::new(
        Some("山田 太郎".into()),
        "yamada@example.co.jp".parse().unwrap(),
    )
}

fn signing_request() -> MailTemplate {
    mail::samples().remove(0)
}

fn eml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "eml"));
    files.sort();
    files
}

/// Checks the headers and both bodies of a signing request as sent.
fn assert_signing_request(raw: &[u8], from_domain: &str) {
    let msg = mail_parser::MessageParser::default()
        .parse(raw)
        .expect("a parseable message");
    assert_eq!(
        msg.subject(),
        Some(
            "【立会】契約書の確認と同意のお願い（R8-000123） / Request to review and agree (R8-000123)"
        )
    );
    let from = msg.from().and_then(|a| a.first()).unwrap();
    assert_eq!(from.name.as_deref(), Some("立会 電子契約"));
    let to = msg.to().and_then(|a| a.first()).unwrap();
    assert_eq!(to.name.as_deref(), Some("山田 太郎"));
    assert_eq!(to.address.as_deref(), Some("yamada@example.co.jp"));
    let id = msg.message_id().expect("Message-ID");
    assert!(id.ends_with(&format!("@{from_domain}")), "{id}");
    assert!(msg.date().is_some(), "Date");
    assert_eq!(
        msg.header_raw("Auto-Submitted").map(str::trim),
        Some("auto-generated")
    );
    assert!(
        msg.header_raw("Content-Type")
            .unwrap()
            .contains("multipart/alternative")
    );
    let text = msg.body_text(0).unwrap();
    assert!(
        text.contains("〇〇市 契約課より、下記の契約書への同意のお願いです。"),
        "{text}"
    );
    assert!(text.contains("https://tachiai.example.lg.jp/s/abcDEF123?x=1&y=2"));
    assert!(text.contains("Please review it"));
    let html = msg.body_html(0).unwrap();
    assert!(html.contains("&lt;script&gt;"), "{html}");
    assert!(html.contains("下記の契約書への同意のお願いです。"));
    assert!(
        raw.is_ascii(),
        "the message is 7-bit clean (bodies and headers encoded)"
    );
}

async fn a_mail_is_written_to_the_outbox_as_a_parseable_eml_once(backend: Backend) {
    let Some((db, pool)) = database(backend) else {
        return;
    };
    let tenant = tenant_id(&pool, &db);
    let config = helpers::config_for(&db);
    let MailTransportConfig::File { outbox_dir } = &config.mail.transport else {
        panic!("the default transport is the outbox")
    };
    assert_eq!(outbox_dir, &db.dir.join("outbox"));

    let id = db::tenant_transaction(&mut pool.get().unwrap(), &tenant, |conn| {
        mail::enqueue(conn, &tenant, &recipient(), &signing_request())
    })
    .unwrap();
    let handler = mail::SendMailHandler::new(&config.mail).unwrap();
    let registry = Registry::new().with(handler);
    let summary = jobs::run_until_idle(&pool, &registry).unwrap();
    assert_eq!(summary.done, 1, "{summary:?}");

    let files = eml_files(outbox_dir);
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("20") && name.contains("T") && name.ends_with(".eml"),
        "{name}"
    );
    assert_signing_request(&std::fs::read(&files[0]).unwrap(), "localhost");

    // The stored copy no longer holds the link; a second run (the worker died before
    // completing) sends nothing.
    let mut job = jobs::find(&mut pool.get().unwrap(), id.as_str())
        .unwrap()
        .unwrap();
    assert_eq!(job.state, JobState::Done);
    assert_eq!(job.tenant_id.as_deref(), Some(tenant.as_str()));
    assert!(!job.payload.contains("abcDEF123"), "{}", job.payload);
    assert!(
        job.payload.contains("\"status\":\"sent\""),
        "{}",
        job.payload
    );
    job.state = JobState::Running;
    let ctx = JobContext {
        pool: pool.clone(),
        worker_id: "w".into(),
        now: Millis::now(),
    };
    mail::SendMailHandler::new(&config.mail)
        .unwrap()
        .run(&ctx, &job)
        .unwrap();
    assert_eq!(eml_files(outbox_dir).len(), 1, "sent twice");

    // Same dedupe key, same job: one mail.
    let mut conn = pool.get().unwrap();
    let once = |conn: &mut AnyConnection| {
        mail::enqueue_once(conn, &tenant, &recipient(), &signing_request(), "req:1")
    };
    assert_eq!(once(&mut conn).unwrap(), once(&mut conn).unwrap());
}

async fn smtp_down_delays_a_mail_and_it_is_delivered_once_the_relay_is_up(backend: Backend) {
    let Some(python) = SmtpSink::python() else {
        return;
    };
    let Some((db, pool)) = database(backend) else {
        return;
    };
    let tenant = tenant_id(&pool, &db);
    let port = free_port();
    let mail_config = MailConfig {
        from: "立会 電子契約 <noreply@tachiai.example.lg.jp>"
            .parse()
            .unwrap(),
        transport: MailTransportConfig::Smtp(SmtpConfig {
            host: "127.0.0.1".into(),
            port,
            security: SmtpSecurity::None,
            credentials: None,
            timeout: Duration::from_secs(5),
        }),
    };
    let registry = Registry::new().with(mail::SendMailHandler::new(&mail_config).unwrap());
    let id = mail::enqueue(
        &mut pool.get().unwrap(),
        &tenant,
        &recipient(),
        &signing_request(),
    )
    .unwrap();

    // Nobody listens on the port: the mail waits.
    let t0 = Millis::now();
    let down = jobs::run_until_idle_at(&pool, &registry, t0).unwrap();
    assert_eq!(
        down,
        RunSummary {
            retried: 1,
            ..RunSummary::default()
        }
    );
    let job = jobs::find(&mut pool.get().unwrap(), id.as_str())
        .unwrap()
        .unwrap();
    assert_eq!(job.state, JobState::Queued);
    assert!(
        job.last_error
            .as_deref()
            .unwrap()
            .starts_with("retry: SMTP"),
        "{:?}",
        job.last_error
    );
    assert!(job.run_at.0 >= t0.0 + 10 * SECOND);

    let dir = db.dir.join("smtp-received");
    let sink = SmtpSink::start(&python, port, &dir);
    assert_eq!(
        jobs::run_until_idle_at(&pool, &registry, t0).unwrap(),
        RunSummary::default()
    );
    let up = jobs::run_until_idle_at(&pool, &registry, Millis(t0.0 + 11 * SECOND)).unwrap();
    assert_eq!(
        up,
        RunSummary {
            done: 1,
            ..RunSummary::default()
        }
    );

    let files = eml_files(&sink.dir);
    assert_eq!(files.len(), 1, "{files:?}");
    assert_signing_request(&std::fs::read(&files[0]).unwrap(), "tachiai.example.lg.jp");
    let envelope: serde_json::Value =
        serde_json::from_slice(&std::fs::read(files[0].with_extension("json")).unwrap()).unwrap();
    assert_eq!(envelope["mail_from"], "noreply@tachiai.example.lg.jp");
    assert_eq!(envelope["rcpt_tos"], json!(["yamada@example.co.jp"]));
    let job = jobs::find(&mut pool.get().unwrap(), id.as_str())
        .unwrap()
        .unwrap();
    assert_eq!((job.state, job.attempts), (JobState::Done, 2));
}

on_both_databases!(
    a_job_is_claimed_once_and_completed,
    a_retried_job_waits_ten_then_twenty_seconds_and_dies_after_its_last_attempt,
    enqueuing_the_same_dedupe_key_twice_is_a_no_op_and_jobs_commit_with_the_transaction,
    a_job_whose_lease_ran_out_is_taken_over_and_the_old_claim_cannot_finish_it,
    a_job_running_past_its_lease_keeps_it_while_its_worker_lives,
    two_workers_with_their_own_connections_never_claim_the_same_job,
    run_until_idle_runs_only_registered_kinds_and_a_panic_is_a_retry,
    a_mail_is_written_to_the_outbox_as_a_parseable_eml_once,
    smtp_down_delays_a_mail_and_it_is_delivered_once_the_relay_is_up,
);
