//! Webhooks (Webhook 通知) through the API on both databases, delivered to a real receiver
//! process (`tests/webhook_receiver.py`) that checks the signatures: administrators only,
//! another tenant's endpoints are not found, the secret is shown once and sealed at rest,
//! deliveries survive a receiver that is down, a delivery that keeps failing is given up and
//! can be redelivered, a rotated secret signs beside the new one until the overlap ends, and
//! forged, altered or replayed deliveries are refused by the documented check.

use serde_json::{Value, json};

use crate::helpers::{Backend, Session, TestApp, assert_problem, id, spawn, spawn_with};
use crate::journey::sent_contract;
use crate::on_both_databases;
use crate::support::{WebhookReceiver, count_jobs};
use backend::clock::Millis;
use backend::workflow::webhooks::signature;

on_both_databases!(
    endpoints_are_managed_by_administrators_and_other_tenants_see_none,
    deliveries_are_signed_survive_downtime_and_are_logged,
    a_delivery_that_keeps_failing_is_given_up_and_can_be_redelivered,
    a_rotated_secret_signs_beside_the_new_one_until_the_overlap_ends,
);

/// Lets endpoints point at the receiver on 127.0.0.1 (refused by default).
const ALLOW_LOOPBACK: (&str, &str) = ("TACHIAI_WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "true");

fn endpoint(url: &str, events: &[&str]) -> Value {
    json!({"url": url, "description": "財務会計システム", "events": events})
}

/// Registers an endpoint; returns its id and secret.
async fn register<S, B>(
    app: &TestApp<S>,
    admin: &Session,
    url: &str,
    events: &[&str],
) -> (String, String)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let (st, v) = app
        .post(admin, "/api/v1/webhooks", endpoint(url, events))
        .await;
    assert_eq!(st, 201, "{v}");
    let secret = v["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{v}");
    (id(&v["endpoint"]), secret)
}

/// Runs every due job with the clock at `at`.
async fn run_jobs_at<S>(app: &TestApp<S>, at: Millis) {
    let state = app.state.clone();
    actix_web::web::block(move || {
        let registry = backend::startup::job_registry(&state).unwrap();
        backend::jobs::run_until_idle_at(&state.pool, &registry, at).unwrap()
    })
    .await
    .unwrap();
}

/// The delivery log of an endpoint, newest first.
async fn deliveries<S, B>(app: &TestApp<S>, admin: &Session, endpoint: &str) -> Vec<Value>
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let (st, v) = app
        .get(admin, &format!("/api/v1/webhooks/{endpoint}/deliveries"))
        .await;
    assert_eq!(st, 200, "{v}");
    v["items"].as_array().unwrap().clone()
}

fn verdicts(r: &WebhookReceiver) -> Vec<String> {
    r.raw()
        .iter()
        .map(|x| x["verdict"].as_str().unwrap().to_owned())
        .collect()
}

/// Where a delivery is redelivered.
fn redeliver_path(d: &Value) -> String {
    format!(
        "/api/v1/webhooks/deliveries/{}/redeliver",
        d["id"].as_str().unwrap()
    )
}

/// Posts to the receiver as anyone could: `signature` as given.
fn post_to(r: &WebhookReceiver, event_id: &str, signature: Option<&str>, body: &str) -> u16 {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut req = agent
        .post(r.url())
        .header("Content-Type", "application/json")
        .header("Tachiai-Event-Id", event_id);
    if let Some(s) = signature {
        req = req.header("Tachiai-Signature", s);
    }
    req.send(body.as_bytes()).unwrap().status().as_u16()
}

async fn endpoints_are_managed_by_administrators_and_other_tenants_see_none(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let events = ["contract.sent", "contract.agreed"];

    // Bad input, and by default no internal address (the server must not call into its own
    // network for a tenant administrator).
    for (url, code) in [
        ("ftp://hooks.example.jp/in", "webhook_url_invalid"),
        ("https://user:pw@hooks.example.jp/", "webhook_url_invalid"),
        ("http://127.0.0.1:9/in", "webhook_url_not_allowed"),
        ("http://10.0.0.8/in", "webhook_url_not_allowed"),
        (
            "http://169.254.169.254/latest/meta-data",
            "webhook_url_not_allowed",
        ),
        ("http://[::1]:8080/", "webhook_url_not_allowed"),
    ] {
        let got = app
            .post(&admin, "/api/v1/webhooks", endpoint(url, &events))
            .await;
        assert_problem(&got, 422, code);
    }
    let got = app
        .post(
            &admin,
            "/api/v1/webhooks",
            endpoint("https://93.184.215.14/in", &[]),
        )
        .await;
    assert_problem(&got, 422, "validation_failed");
    let got = app
        .post(
            &admin,
            "/api/v1/webhooks",
            json!({"url": "https://93.184.215.14/in", "events": ["contract.exploded"]}),
        )
        .await;
    assert!(got.0.is_client_error(), "{got:?}");

    // The secret is in the creation's answer only, and sealed in the database.
    let (eid, secret) = register(&app, &admin, "https://93.184.215.14/in", &events).await;
    let (st, list) = app.get(&admin, "/api/v1/webhooks").await;
    assert_eq!(st, 200, "{list}");
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(
        list[0]["events"],
        json!(["contract.sent", "contract.agreed"])
    );
    assert!(!list.to_string().contains(&secret));
    let stored: String = app.with_conn(|conn| {
        use backend::db::schema::webhook_endpoints::dsl as e;
        use diesel::prelude::*;
        e::webhook_endpoints
            .filter(e::id.eq(&eid))
            .select(e::secret)
            .first(conn)
            .unwrap()
    });
    assert!(stored.starts_with("enc1:") && !stored.contains(&secret[6..]));

    let (st, v) = app
        .put(
            &admin,
            &format!("/api/v1/webhooks/{eid}"),
            json!({"url": "https://93.184.215.14/v2", "events": ["contract.concluded"], "active": false}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["active"], false);
    assert_eq!(v["url"], "https://93.184.215.14/v2");

    // Staff may not; another tenant's administrator finds nothing.
    app.create_user(&admin, "tanaka", &["staff"], &[]).await;
    let staff = app
        .login("dev", "tanaka", &crate::helpers::user_password("tanaka"))
        .await;
    assert_problem(&app.get(&staff, "/api/v1/webhooks").await, 403, "forbidden");
    let other = app.other_tenant_admin().await;
    let (st, theirs) = app.get(&other, "/api/v1/webhooks").await;
    assert_eq!((st.as_u16(), theirs), (200, json!([])));
    for got in [
        app.put(
            &other,
            &format!("/api/v1/webhooks/{eid}"),
            endpoint("https://93.184.215.14/x", &events),
        )
        .await,
        app.post(
            &other,
            &format!("/api/v1/webhooks/{eid}/rotate-secret"),
            json!({}),
        )
        .await,
        app.get(&other, &format!("/api/v1/webhooks/{eid}/deliveries"))
            .await,
        app.delete(&other, &format!("/api/v1/webhooks/{eid}")).await,
    ] {
        assert_problem(&got, 404, "not_found");
    }

    let (st, _) = app.delete(&admin, &format!("/api/v1/webhooks/{eid}")).await;
    assert_eq!(st, 204);
    let (_, list) = app.get(&admin, "/api/v1/webhooks").await;
    assert_eq!(list, json!([]));
    let (_, log) = app.get(&admin, "/api/v1/audit-events?per_page=200").await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in ["webhook.created", "webhook.updated", "webhook.deleted"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    assert!(!log.to_string().contains(&secret));
}

async fn deliveries_are_signed_survive_downtime_and_are_logged(backend: Backend) {
    let Some(app) = spawn_with(backend, &[ALLOW_LOOPBACK]).await else {
        return;
    };
    let admin = app.admin().await;
    // The receiver is down when the contract is sent.
    let mut receiver = WebhookReceiver::new(&app.db.dir.join("receiver"));
    let (eid, secret) = register(
        &app,
        &admin,
        &receiver.url(),
        &["contract.sent", "contract.cancelled"],
    )
    .await;
    receiver.accept_secrets(&[&secret]);
    // Another tenant's endpoint, with a receiver of its own, must hear nothing of ours.
    let other = app.other_tenant_admin().await;
    let mut theirs = WebhookReceiver::new(&app.db.dir.join("theirs"));
    theirs.start();
    let (their_eid, _) = register(&app, &other, &theirs.url(), &["contract.sent"]).await;

    let sent = sent_contract(&app, json!([{"organization_name": "合同会社サンプル", "name": "高橋 次郎", "email": "takahashi@example.jp"}]), false).await;
    let t0 = Millis::now();
    run_jobs_at(&app, t0).await;
    let log = deliveries(&app, &admin, &eid).await;
    assert_eq!(log.len(), 1, "{log:?}");
    let d = &log[0];
    assert_eq!(d["event_type"], "contract.sent");
    assert_eq!(d["state"], "retrying", "{d}");
    assert!(d["attempts"][0]["status"].is_null(), "{d}");
    assert!(
        d["attempts"][0]["error"]
            .as_str()
            .is_some_and(|e| !e.is_empty()),
        "{d}"
    );

    // Back up: the retry after the first backoff (10 s) gets through.
    receiver.start();
    run_jobs_at(&app, t0.plus_minutes(1)).await;
    let d = deliveries(&app, &admin, &eid).await.remove(0);
    assert_eq!(d["state"], "delivered", "{d}");
    assert_eq!(d["last_status"], 200);
    assert_eq!(d["attempts"].as_array().unwrap().len(), 2, "{d}");
    assert_eq!(d["attempts"][1]["status"], 200);
    let accepted = receiver.accepted();
    assert_eq!(accepted.len(), 1, "{accepted:?}");
    let event = &accepted[0]["event"];
    assert_eq!(event["id"], d["event_id"]);
    assert_eq!(event["type"], "contract.sent");
    assert_eq!(event["data"]["contract"]["id"], sent.cid.as_str());
    assert_eq!(event["data"]["contract"]["state"], "sent");
    assert_eq!(event["data"]["contract"]["title"], "庁舎清掃業務委託契約");
    assert!(event["data"]["contract"]["number"].is_string());
    assert_eq!(verdicts(&receiver), ["accepted"]);
    // Our own check of the same signature agrees with the receiver's.
    let raw = &receiver.raw()[0];
    let header = raw["signature"].as_str().unwrap();
    let body = raw["body"].as_str().unwrap();
    let t: i64 = header[2..header.find(',').unwrap()].parse().unwrap();
    assert_eq!(
        signature::verify(secret.as_bytes(), header, body.as_bytes(), t + 1),
        Ok(())
    );

    // A second event; then a redelivery of the first carries the same event ID.
    let (st, v) = app
        .post(
            &admin,
            &format!("/api/v1/contracts/{}/cancel", sent.cid),
            json!({"comment": "仕様変更のため"}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    run_jobs_at(&app, Millis::now()).await;
    let (st, v) = app.post(&admin, &redeliver_path(&d), json!({})).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["state"], "pending");
    run_jobs_at(&app, Millis::now()).await;
    let log = deliveries(&app, &admin, &eid).await;
    assert_eq!(log.len(), 2, "{log:?}");
    assert!(log.iter().all(|d| d["state"] == "delivered"), "{log:?}");
    let types: Vec<String> = receiver
        .accepted()
        .iter()
        .map(|a| a["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(types, ["contract.sent", "contract.cancelled"]);
    assert_eq!(verdicts(&receiver), ["accepted", "accepted", "duplicate"]);
    assert_eq!(
        receiver.raw()[2]["event_id"],
        d["event_id"],
        "the redelivery carries the event's ID"
    );

    // Forged, altered, stale and replayed requests are refused by the documented check.
    let event_id = d["event_id"].as_str().unwrap();
    let altered = body.replace("庁舎清掃業務委託契約", "庁舎清掃業務委託契約（改）");
    assert_eq!(post_to(&receiver, event_id, Some(header), &altered), 400);
    assert_eq!(post_to(&receiver, event_id, None, body), 400);
    let forged = signature::header(
        &[b"whsec_guessed"],
        Millis::now().unix_seconds(),
        body.as_bytes(),
    );
    assert_eq!(post_to(&receiver, event_id, Some(&forged), body), 400);
    let stale_t = Millis::now().unix_seconds() - 600;
    let stale = signature::header(&[secret.as_bytes()], stale_t, body.as_bytes());
    assert_eq!(post_to(&receiver, event_id, Some(&stale), body), 400);
    // A replay within the tolerance is answered but not processed again.
    assert_eq!(post_to(&receiver, event_id, Some(header), body), 200);
    assert_eq!(
        verdicts(&receiver)[3..],
        [
            "rejected: mismatch",
            "rejected: malformed",
            "rejected: mismatch",
            "rejected: stale",
            "duplicate"
        ]
    );
    assert_eq!(receiver.accepted().len(), 2);

    // Tenant isolation: the other tenant heard nothing and cannot redeliver ours.
    assert!(theirs.raw().is_empty(), "{:?}", theirs.raw());
    assert!(deliveries(&app, &other, &their_eid).await.is_empty());
    assert_problem(
        &app.post(&other, &redeliver_path(&d), json!({})).await,
        404,
        "not_found",
    );
}

async fn a_delivery_that_keeps_failing_is_given_up_and_can_be_redelivered(backend: Backend) {
    let Some(app) = spawn_with(
        backend,
        &[ALLOW_LOOPBACK, ("TACHIAI_WEBHOOK_MAX_ATTEMPTS", "2")],
    )
    .await
    else {
        return;
    };
    let admin = app.admin().await;
    let mut receiver = WebhookReceiver::new(&app.db.dir.join("receiver"));
    let (eid, secret) = register(&app, &admin, &receiver.url(), &["contract.sent"]).await;
    receiver.accept_secrets(&[&secret]);
    sent_contract(&app, json!([{"organization_name": "合同会社サンプル", "name": "高橋 次郎", "email": "takahashi@example.jp"}]), false).await;
    let t0 = Millis::now();
    run_jobs_at(&app, t0).await;
    run_jobs_at(&app, t0.plus_minutes(1)).await;
    run_jobs_at(&app, t0.plus_minutes(60)).await;
    let d = deliveries(&app, &admin, &eid).await.remove(0);
    assert_eq!(d["state"], "dead", "{d}");
    assert_eq!(d["attempts"].as_array().unwrap().len(), 2, "{d}");
    assert_eq!(
        count_jobs(&app.db.url, "kind = 'webhook.deliver' AND state = 'dead'"),
        1
    );

    receiver.start();
    let (st, v) = app.post(&admin, &redeliver_path(&d), json!({})).await;
    assert_eq!(st, 200, "{v}");
    run_jobs_at(&app, Millis::now()).await;
    let d = deliveries(&app, &admin, &eid).await.remove(0);
    assert_eq!(d["state"], "delivered", "{d}");
    assert_eq!(d["attempts"].as_array().unwrap().len(), 3, "{d}");
    assert_eq!(verdicts(&receiver), ["accepted"]);
}

async fn a_rotated_secret_signs_beside_the_new_one_until_the_overlap_ends(backend: Backend) {
    let Some(app) = spawn_with(backend, &[ALLOW_LOOPBACK]).await else {
        return;
    };
    let admin = app.admin().await;
    let mut receiver = WebhookReceiver::new(&app.db.dir.join("receiver"));
    receiver.start();
    let (eid, old) = register(
        &app,
        &admin,
        &receiver.url(),
        &["contract.sent", "contract.cancelled"],
    )
    .await;
    let (st, v) = app
        .post(
            &admin,
            &format!("/api/v1/webhooks/{eid}/rotate-secret"),
            json!({"overlap_minutes": 60}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let new = v["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert!(v["endpoint"]["previous_secret_until"].is_string(), "{v}");
    assert_problem(
        &app.post(
            &admin,
            &format!("/api/v1/webhooks/{eid}/rotate-secret"),
            json!({"overlap_minutes": 20000}),
        )
        .await,
        422,
        "validation_failed",
    );

    // During the overlap a receiver that still knows only the old secret accepts.
    receiver.accept_secrets(&[&old]);
    let sent = sent_contract(&app, json!([{"organization_name": "合同会社サンプル", "name": "高橋 次郎", "email": "takahashi@example.jp"}]), false).await;
    run_jobs_at(&app, Millis::now()).await;
    let first = receiver.raw();
    assert_eq!(verdicts(&receiver), ["accepted"], "{first:?}");
    let header = first[0]["signature"].as_str().unwrap();
    let body = first[0]["body"].as_str().unwrap().as_bytes();
    let t: i64 = header[2..header.find(',').unwrap()].parse().unwrap();
    assert_eq!(header.matches("v1=").count(), 2, "{header}");
    assert_eq!(signature::verify(old.as_bytes(), header, body, t), Ok(()));
    assert_eq!(signature::verify(new.as_bytes(), header, body, t), Ok(()));

    // After it, only the new secret signs: the old one no longer verifies.
    receiver.accept_secrets(&[&old]);
    let (st, v) = app
        .post(
            &admin,
            &format!("/api/v1/contracts/{}/cancel", sent.cid),
            json!({"comment": "取消"}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    run_jobs_at(&app, Millis::now().plus_minutes(61)).await;
    assert_eq!(verdicts(&receiver), ["accepted", "rejected: mismatch"]);
    let second = &receiver.raw()[1];
    let header = second["signature"].as_str().unwrap();
    let body = second["body"].as_str().unwrap().as_bytes();
    let t: i64 = header[2..header.find(',').unwrap()].parse().unwrap();
    assert_eq!(header.matches("v1=").count(), 1, "{header}");
    assert_eq!(signature::verify(new.as_bytes(), header, body, t), Ok(()));
    // The receiver switches to the new secret; the retry is accepted.
    receiver.accept_secrets(&[&new]);
    run_jobs_at(&app, Millis::now().plus_minutes(70)).await;
    assert_eq!(
        verdicts(&receiver),
        ["accepted", "rejected: mismatch", "accepted"]
    );
    let log = deliveries(&app, &admin, &eid).await;
    assert!(log.iter().all(|d| d["state"] == "delivered"), "{log:?}");
    let (_, audit) = app.get(&admin, "/api/v1/audit-events?per_page=200").await;
    assert!(audit.to_string().contains("webhook.secret_rotated"));
    assert!(!audit.to_string().contains(&new));
}
