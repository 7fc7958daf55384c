//! The API load benchmark (`cargo bench -p backend --bench api_load`): a release `tachiai
//! serve` with a tenant of many contracts, and `wrk` (scripts/setup test installs it) asking
//! `GET /api/v1/contracts/{id}` for random contracts over 16 connections. Prints requests/s and
//! the latency percentiles wrk measured, per database.
//!
//! The tenant holds BENCH_BULK contracts of `tachiai admin seed` (other departments' ten years)
//! and BENCH_SEED contracts the staff member made through the workflow (a PDF, a recipient and
//! their log events each), which wrk asks for.
//!
//! Settings: BENCH_BULK (0; e.g. 100000), BENCH_SEED (10000), BENCH_CONNECTIONS (16),
//! BENCH_SECONDS (15), BENCH_BACKENDS (`sqlite,postgres`).

#[path = "../tests/api/helpers.rs"]
#[allow(dead_code)]
mod helpers;
#[path = "../tests/support/server.rs"]
#[allow(dead_code)]
mod server;
#[path = "../tests/support/mod.rs"]
#[allow(dead_code)]
mod support;

#[allow(dead_code)]
mod common;

use std::fmt::Write as _;
use std::process::Command;

use helpers::{Backend, TestDb};
use server::{Server, set_up_org};
use support::setting;

fn main() {
    if Command::new("wrk").arg("--version").output().is_err() {
        println!("api_load: skipped (wrk is not installed: scripts/setup test)");
        return;
    }
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
    let server = Server::start("bench", db, &data, &[("TACHIAI_LOG", "error")]);
    let org = set_up_org(&server);
    println!("== {name} ({}) ==", server::BIN);
    let bulk = setting("BENCH_BULK", 0);
    if bulk > 0 {
        let t0 = std::time::Instant::now();
        let out = server.cli(&[
            "admin",
            "seed",
            "--tenant",
            "dev",
            "--contracts",
            &bulk.to_string(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        println!(
            "{} ({:.1} s)",
            String::from_utf8_lossy(&out.stdout).trim(),
            t0.elapsed().as_secs_f64()
        );
    }
    let ids = common::seed(
        db,
        &data,
        &[],
        &org.staff.cookie,
        setting("BENCH_SEED", 10_000),
    );
    let script = data.join("contracts.lua");
    std::fs::write(&script, wrk_script(&ids, &org.staff.cookie)).unwrap();
    let connections = setting("BENCH_CONNECTIONS", 16);
    let out = Command::new("wrk")
        .arg(format!("--connections={connections}"))
        .arg("--threads=2")
        .arg(format!("--duration={}s", setting("BENCH_SECONDS", 15)))
        .arg("--latency")
        .arg(format!("--script={}", script.display()))
        .arg(&server.base)
        .output()
        .expect("run wrk");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "wrk failed: {report}");
    assert!(
        !report.contains("Non-2xx"),
        "answers other than 200: {report}"
    );
    println!(
        "GET /api/v1/contracts/{{id}} ({} of {} contracts, {connections} connections): {}",
        ids.len(),
        ids.len() + bulk,
        summary(&report)
    );
}

/// A wrk script asking for a random one of `ids` with the session cookie.
fn wrk_script(ids: &[String], cookie: &str) -> String {
    let mut s = String::from("local ids = {\n");
    for id in ids {
        writeln!(s, "  \"{id}\",").unwrap();
    }
    write!(
        s,
        "}}\nlocal headers = {{ [\"Cookie\"] = \"tachiai_session={cookie}\" }}\n\
         request = function()\n  \
           return wrk.format(\"GET\", \"/api/v1/contracts/\" .. ids[math.random(#ids)], headers)\n\
         end\n"
    )
    .unwrap();
    s
}

/// `N req/s, p50 …, p75 …, p90 …, p99 …` from wrk's `--latency` report.
fn summary(report: &str) -> String {
    let field = |line: &str| line.split_whitespace().nth(1).unwrap_or("?").to_owned();
    let mut parts = Vec::new();
    for line in report.lines().map(str::trim) {
        if let Some(rate) = line.strip_prefix("Requests/sec:") {
            parts.insert(0, format!("{} req/s", rate.trim()));
        }
        for p in ["50%", "75%", "90%", "99%"] {
            if line.starts_with(p) && line.split_whitespace().count() == 2 {
                parts.push(format!("p{} {}", p.trim_end_matches('%'), field(line)));
            }
        }
    }
    parts.join(", ")
}
