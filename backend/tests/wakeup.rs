//! Job workers are woken, not polled: `tachiai serve` runs with an idle poll of an hour, so a
//! job that runs within seconds was started by a wake-up — in the server's own process after
//! the agreement's transaction commits (both databases), and from another process through
//! PostgreSQL `LISTEN/NOTIFY`.

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;
#[path = "support/server.rs"]
#[allow(dead_code)]
mod server;
#[allow(dead_code)]
mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use backend::db::queries::tenants;
use backend::db::{self, DatabaseUrl};
use diesel::Connection;
use lettre::message::Mailbox as Address;
use serde_json::json;

use helpers::{Backend, TestDb};
use server::{Mailbox, Server, agree, confirm, send_contract, set_up_org};
use support::corpus;

/// Far longer than any bound below: whatever runs within a bound was woken.
const POLL: (&str, &str) = ("TACHIAI_JOB_POLL_SECONDS", "3600");
/// Generous for a loaded machine, and still 360 times shorter than the poll.
const BOUND: Duration = Duration::from_secs(10);

#[test]
fn an_agreement_is_sealed_at_once_on_sqlite() {
    an_agreement_is_sealed_at_once(Backend::Sqlite);
}

#[test]
fn an_agreement_is_sealed_at_once_on_postgres() {
    an_agreement_is_sealed_at_once(Backend::Postgres);
}

/// Sending, the code mail, the seal after the agreement and the conclusion mail each wait for
/// a job; with the poll at an hour they all run on wake-ups.
fn an_agreement_is_sealed_at_once(backend: Backend) {
    let Some(db) = TestDb::create(backend) else {
        return;
    };
    let data = db.dir.join("data");
    let server = Server::start("wakeup", &db, &data, &[POLL]);
    let org = set_up_org(&server);
    let mail = Mailbox {
        dir: data.join("outbox"),
    };
    let to = "wakeup@example.jp";
    let cid = send_contract(
        &[&server],
        &org,
        "起こされる作業員の試験",
        &corpus("libreoffice-ja-contract.pdf"),
        json!([{"organization_name": "株式会社テスト商事", "name": "伊藤 三郎", "email": to}]),
        false,
    );
    let (token, session) = confirm(&server, &mail, to, None);
    let agreed = Instant::now();
    agree(&server, &token, &session);
    server::wait_concluded(&server, &org.staff, &cid, BOUND);
    println!("sealed {:?} after the agreement", agreed.elapsed());
}

/// A mail queued by this test process (not the server) is sent by the server's worker.
#[test]
fn a_job_queued_by_another_process_is_run_at_once_on_postgres() {
    let Some(db) = TestDb::create(Backend::Postgres) else {
        return;
    };
    let data = db.dir.join("data");
    let server = Server::start("listener", &db, &data, &[POLL]);
    // Let the workers finish their first look and go idle, and the listener connect.
    std::thread::sleep(Duration::from_secs(2));
    let pool = db::connect(&DatabaseUrl::parse(&db.url), 1).unwrap();
    let mut conn = pool.get().unwrap();
    let tenant = tenants::find_by_code(&mut conn, "dev").unwrap().unwrap().id;
    let to = Address::new(None, "listener@example.jp".parse().unwrap());
    let template = backend::mail::samples().remove(0);
    let queued = Instant::now();
    conn.transaction(|c| backend::mail::enqueue(c, &tenant, &to, &template).map(drop))
        .unwrap();
    let outbox = data.join("outbox");
    while eml_count(&outbox) == 0 {
        assert!(
            queued.elapsed() < BOUND,
            "not sent within {BOUND:?}: {}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    println!("sent {:?} after the commit", queued.elapsed());
}

fn eml_count(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                .count()
        })
        .unwrap_or(0)
}
