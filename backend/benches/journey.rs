//! The journey benchmark (`cargo bench -p backend --bench journey`): a release `tachiai serve`
//! on SQLite, and on PostgreSQL when 127.0.0.1:5432 answers, with the built-in TSA.
//!
//! (a) Contracts concluded per second end to end through the API: a few concurrent clients
//!     each create → upload → route → submit → approve → send → code → agree (1 recipient) and
//!     wait until the server's job workers have sealed it and it is `concluded`; and the
//!     latency from the agreement to `concluded` (p50/p95/p99).
//! (b) With 10,000 contracts (drafts with their PDF and recipients, seeded through the same
//!     workflow use-cases the API calls, in-process): p50/p99 latency and requests/s of
//!     `GET /api/v1/contracts/{id}` and of a filtered, sorted `GET /api/v1/contracts?…` under
//!     concurrent load.
//!
//! Settings: BENCH_CONTRACTS (50), BENCH_CLIENTS (5), BENCH_SEED (10000), BENCH_LOAD_CLIENTS
//! (8), BENCH_SECONDS (10), BENCH_BACKENDS (`sqlite,postgres`), BENCH_KEEP (a path: keep a copy
//! of the seeded SQLite database there), BENCH_JOURNEY_ONLY (set: only (a)).

#[path = "../tests/api/helpers.rs"]
#[allow(dead_code)]
mod helpers;
#[path = "../tests/support/server.rs"]
#[allow(dead_code)]
mod server;
#[path = "../tests/support/mod.rs"]
#[allow(dead_code)]
mod support;

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use common::{COUNTERPARTIES, PDF, percentile, seed};

use helpers::{Backend, TestDb, urlencode};
use server::{Mailbox, Server, agree, confirm, send_contract, set_up_org};
use support::{corpus, setting};

fn main() {
    let backends = std::env::var("BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    for name in backends.split(',') {
        let backend = match name.trim() {
            "sqlite" => Backend::Sqlite,
            "postgres" => Backend::Postgres,
            other => panic!("BENCH_BACKENDS: unknown backend {other}"),
        };
        let Some(db) = TestDb::create(backend) else {
            println!("{name}: skipped (PostgreSQL does not answer)");
            continue;
        };
        run(name, &db);
    }
}

fn run(name: &str, db: &TestDb) {
    let data = db.dir.join("data");
    // Every client of the benchmark is 127.0.0.1: the per-address limits are lifted.
    let server = Server::start(
        "bench",
        db,
        &data,
        &[
            ("TACHIAI_LOG", "error"),
            ("TACHIAI_RATE_LIMIT_ANONYMOUS_PER_MINUTE", "1000000"),
            ("TACHIAI_RATE_LIMIT_LOGIN_PER_MINUTE", "1000000"),
        ],
    );
    let org = set_up_org(&server);
    let mail = Mailbox {
        dir: data.join("outbox"),
    };
    println!("== {name} ({}) ==", server::BIN);

    // (a) End to end.
    let n = setting("BENCH_CONTRACTS", 50);
    let clients = setting("BENCH_CLIENTS", 5);
    let pdf = corpus(PDF);
    let next = AtomicUsize::new(0);
    let start = Instant::now();
    let timings: Vec<(Duration, Duration)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..clients)
            .map(|_| {
                let (server, org, mail, pdf, next) = (&server, &org, &mail, &pdf, &next);
                scope.spawn(move || {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        if i >= n {
                            return mine;
                        }
                        let t0 = Instant::now();
                        let to = format!("bench{i}@example.jp");
                        let cid = send_contract(
                            &[server],
                            org,
                            &format!("性能試験契約 第{i}号"),
                            pdf,
                            json!([{"organization_name": COUNTERPARTIES[i % 10], "name": "伊藤 三郎", "email": to}]),
                            false,
                        );
                        let (t, s) = confirm(server, mail, &to, None);
                        let agreed = Instant::now();
                        agree(server, &t, &s);
                        wait_concluded(server, &org.staff, &cid);
                        mine.push((t0.elapsed(), agreed.elapsed()));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let wall = start.elapsed();
    let (mut journeys, mut sealing): (Vec<Duration>, Vec<Duration>) = timings.into_iter().unzip();
    journeys.sort();
    sealing.sort();
    println!(
        "journey: {n} contracts concluded by {clients} clients in {:.1} s = {:.2} contracts/s; per contract p50 {:.2} s, p95 {:.2} s, p99 {:.2} s",
        wall.as_secs_f64(),
        n as f64 / wall.as_secs_f64(),
        percentile(&journeys, 50.0).as_secs_f64(),
        percentile(&journeys, 95.0).as_secs_f64(),
        percentile(&journeys, 99.0).as_secs_f64(),
    );
    println!(
        "agreement → concluded (sealed): p50 {:.0} ms, p95 {:.0} ms, p99 {:.0} ms (seen by polling the contract every {} ms)",
        ms(percentile(&sealing, 50.0)),
        ms(percentile(&sealing, 95.0)),
        ms(percentile(&sealing, 99.0)),
        CONCLUDED_POLL.as_millis(),
    );
    if std::env::var_os("BENCH_JOURNEY_ONLY").is_some() {
        return;
    }

    // (b) Reads with 10,000 contracts.
    let seeded = seed(
        db,
        &data,
        &[],
        &org.staff.cookie,
        setting("BENCH_SEED", 10_000),
    );
    let load_clients = setting("BENCH_LOAD_CLIENTS", 8);
    let seconds = setting("BENCH_SECONDS", 10) as u64;
    let total = server
        .get(Some(&org.staff), "/api/v1/contracts?per_page=1")
        .expect(200)["total"]
        .clone();
    println!("contracts in the database: {total}");
    let detail = load(
        &server,
        &org.staff,
        load_clients,
        seconds,
        |i| format!("/api/v1/contracts/{}", seeded[(i * 7919) % seeded.len()]),
        |v| assert!(v["id"].is_string() && !v["recipients"].as_array().unwrap().is_empty()),
    );
    println!("GET /api/v1/contracts/{{id}}: {detail}");
    let list = load(
        &server,
        &org.staff,
        load_clients,
        seconds,
        |i| {
            format!(
                "/api/v1/contracts?counterparty={}&state=draft,concluded&sort=amount&per_page=50&page={}",
                urlencode(COUNTERPARTIES[i % 10]),
                1 + i % 3
            )
        },
        |v| assert!(v["total"].as_i64().unwrap() > 0, "{v}"),
    );
    println!(
        "GET /api/v1/contracts?counterparty=…&state=draft,concluded&sort=amount&per_page=50: {list}"
    );
    if let Ok(keep) = std::env::var("BENCH_KEEP")
        && !db.url.starts_with("postgres")
    {
        // The seeded SQLite database, for EXPLAIN QUERY PLAN and the like.
        std::fs::copy(&db.url, &keep).unwrap();
        println!("kept the database as {keep}");
    }
}

/// What a load run measured.
struct LoadResult {
    requests: usize,
    seconds: f64,
    p50: Duration,
    p99: Duration,
}

impl std::fmt::Display for LoadResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} requests in {:.1} s = {:.0} req/s, p50 {:.1} ms, p99 {:.1} ms",
            self.requests,
            self.seconds,
            self.requests as f64 / self.seconds,
            self.p50.as_secs_f64() * 1000.0,
            self.p99.as_secs_f64() * 1000.0
        )
    }
}

/// `clients` threads send `path(i)` back to back for `seconds`, each on its own connection;
/// every answer must be 200 and pass `check`.
fn load(
    server: &Server,
    s: &helpers::Session,
    clients: usize,
    seconds: u64,
    path: impl Fn(usize) -> String + Sync,
    check: impl Fn(&serde_json::Value) + Sync,
) -> LoadResult {
    // Warm up (connections, caches).
    for i in 0..20 {
        check(&server.get(Some(s), &path(i)).expect(200));
    }
    let start = Instant::now();
    let until = start + Duration::from_secs(seconds);
    let counter = AtomicUsize::new(0);
    let mut all: Vec<Duration> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..clients)
            .map(|_| {
                let (path, check, counter) = (&path, &check, &counter);
                scope.spawn(move || {
                    let mut mine = Vec::new();
                    while Instant::now() < until {
                        let i = counter.fetch_add(1, Ordering::Relaxed);
                        let t0 = Instant::now();
                        let r = server.get(Some(s), &path(i));
                        mine.push(t0.elapsed());
                        assert_eq!(r.status, 200, "{}", r.text());
                        if i % 50 == 0 {
                            check(&r.json());
                        }
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let seconds = start.elapsed().as_secs_f64();
    all.sort();
    LoadResult {
        requests: all.len(),
        seconds,
        p50: percentile(&all, 50.0),
        p99: percentile(&all, 99.0),
    }
}

/// How often a client looks whether its contract is concluded yet: the resolution of the
/// agreement → concluded latency.
const CONCLUDED_POLL: Duration = Duration::from_millis(20);

/// Waits until the contract is `concluded` (at most ten minutes).
fn wait_concluded(server: &Server, s: &helpers::Session, cid: &str) {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let v = server
            .get(Some(s), &format!("/api/v1/contracts/{cid}"))
            .expect(200);
        if v["state"] == "concluded" {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{cid} not concluded: {}",
            v["state"]
        );
        std::thread::sleep(CONCLUDED_POLL);
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
