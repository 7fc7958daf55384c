//! Webhooks with the real `tachiai serve`: the server is killed (`kill -9`) while a receiver
//! (`tests/webhook_receiver.py`, a real process checking signatures) holds a delivery open.
//! Delivery is at least once with a stable event ID: the restarted server takes the job over
//! when its lease runs out and posts the same event again; the receiver, deduplicating by the
//! event ID, processes each event exactly once, and the delivery log says delivered.

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;
#[path = "support/server.rs"]
#[allow(dead_code)]
mod server;
#[allow(dead_code)]
mod support;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use helpers::{Backend, TestDb};
use server::{Server, send_contract, set_up_org};
use support::{WebhookReceiver, corpus, count_jobs};

#[test]
fn kill_9_during_a_delivery_delivers_each_event_once_on_sqlite() {
    kill_9_during_a_delivery(Backend::Sqlite);
}

#[test]
fn kill_9_during_a_delivery_delivers_each_event_once_on_postgres() {
    kill_9_during_a_delivery(Backend::Postgres);
}

/// Polls `f` every 100 ms until it is true, at most `secs` seconds.
fn wait_until(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn kill_9_during_a_delivery(backend: Backend) {
    let Some(db) = TestDb::create(backend) else {
        return;
    };
    let data = db.dir.join("data");
    let mut receiver = WebhookReceiver::new(&db.dir.join("receiver"));
    receiver.start();
    // Held open longer than the lease, so only a kill or the lease ends the first attempt.
    receiver.slow(8);
    let mut server = Server::start(
        "serve",
        &db,
        &data,
        &[
            ("TACHIAI_WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "true"),
            ("TACHIAI_JOB_LEASE_SECONDS", "3"),
        ],
    );
    let org = set_up_org(&server);
    let v = server
        .post(
            &org.admin,
            "/api/v1/webhooks",
            json!({"url": receiver.url(), "events": ["contract.sent", "contract.cancelled"]}),
        )
        .expect(201);
    let eid = v["endpoint"]["id"].as_str().unwrap().to_owned();
    receiver.accept_secrets(&[v["secret"].as_str().unwrap()]);

    let cid = send_contract(
        &[&server],
        &org,
        "道路補修工事請負契約",
        &corpus("libreoffice-ja-contract.pdf"),
        json!([{"organization_name": "株式会社テスト商事", "name": "山田 太郎", "email": "yamada@example.co.jp"}]),
        false,
    );
    // The receiver has the event and holds the answer: kill -9.
    wait_until("the first delivery arrives", 60, || {
        !receiver.raw().is_empty()
    });
    server.kill();
    receiver.slow(0);
    server.restart();
    let log = |server: &Server| -> Vec<Value> {
        server
            .get(
                Some(&org.admin),
                &format!("/api/v1/webhooks/{eid}/deliveries"),
            )
            .expect(200)["items"]
            .as_array()
            .unwrap()
            .clone()
    };
    wait_until("the sent event is delivered after the restart", 90, || {
        log(&server)
            .first()
            .is_some_and(|d| d["state"] == "delivered")
    });

    // One more event after the restart, delivered normally.
    server
        .post(
            &org.admin,
            &format!("/api/v1/contracts/{cid}/cancel"),
            json!({"comment": "取消"}),
        )
        .expect(200);
    wait_until("the cancelled event is delivered", 60, || {
        let l = log(&server);
        l.len() == 2 && l.iter().all(|d| d["state"] == "delivered")
    });

    // Each event processed once; every request carried a valid signature.
    let deliveries = log(&server);
    let logged: BTreeSet<String> = deliveries
        .iter()
        .map(|d| d["event_id"].as_str().unwrap().to_owned())
        .collect();
    let accepted: Vec<String> = receiver
        .accepted()
        .iter()
        .map(|a| a["event_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(accepted.len(), 2, "{accepted:?}");
    assert_eq!(accepted.iter().cloned().collect::<BTreeSet<_>>(), logged);
    let raw = receiver.raw();
    assert!(
        raw.iter()
            .all(|r| r["verdict"] == "accepted" || r["verdict"] == "duplicate"),
        "{raw:?}"
    );
    let sent_event = deliveries
        .iter()
        .find(|d| d["event_type"] == "contract.sent")
        .unwrap();
    let sent_id = sent_event["event_id"].as_str().unwrap();
    let posts_of_sent = raw.iter().filter(|r| r["event_id"] == sent_id).count();
    assert!(
        posts_of_sent >= 2,
        "the killed delivery was posted again with the same event ID: {raw:?}"
    );
    assert_eq!(sent_event["last_status"], 200, "{sent_event}");
    assert!(
        count_jobs(&db.url, "kind = 'webhook.deliver' AND attempts >= 2") >= 1,
        "the killed job was taken over"
    );
    wait_until("no webhook job is left", 30, || {
        count_jobs(&db.url, "kind = 'webhook.deliver' AND state <> 'done'") == 0
    });
}
