//! The audit log: every operation is recorded, the chain verifies, and `tachiai audit verify`
//! finds an edited and a deleted event, and (with the HMAC key kept outside the database) a
//! chain rewritten consistently by someone who can write the database. Refused requests land
//! in the system chain, rate-limited.

use actix_web::test::TestRequest;
use backend::audit::{self, SYSTEM_CHAIN_ID};
use backend::db::models::AuditEvent;
use backend::db::queries::audit_events;
use diesel::connection::SimpleConnection;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestDb, assert_problem, spawn};
use crate::on_both_databases;

on_both_databases!(
    operations_are_recorded_with_who_what_and_where,
    audit_verify_finds_edited_and_deleted_events,
    refused_requests_are_audited_in_the_system_chain,
    a_flood_of_refusals_writes_a_bounded_number_of_rows,
    rewriting_the_chain_without_the_key_is_detected,
    chains_from_before_the_key_still_verify_once_sealed,
    verify_needs_the_right_key,
);

/// Runs the `tachiai` binary on the test database with `key` as TACHIAI_AUDIT_KEY (none: the
/// data directory's key file, which the in-process tests never create).
fn tachiai(db: &TestDb, key: Option<&str>, args: &[&str]) -> (Option<i32>, String, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tachiai"));
    cmd.args(args)
        .env("TACHIAI_DATABASE_URL", &db.url)
        .env("TACHIAI_DATA_DIR", db.dir.join("cli-data"))
        .env("TACHIAI_LOG", "warn")
        .env_remove("TACHIAI_AUDIT_KEY");
    if let Some(key) = key {
        cmd.env("TACHIAI_AUDIT_KEY", key);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The key this test process signs with (the first app's, installed process-wide).
fn process_key() -> String {
    audit::key::current().to_hex()
}

/// `tachiai audit verify` (plus `args`) with the process's key: exit code and stdout.
fn verify_cli(db: &TestDb, args: &[&str]) -> (Option<i32>, String) {
    let mut all = vec!["audit", "verify"];
    all.extend_from_slice(args);
    let (code, out, _) = tachiai(db, Some(&process_key()), &all);
    (code, out)
}

fn chain(conn: &mut backend::db::AnyConnection, tenant_id: &str) -> Vec<AuditEvent> {
    audit_events::chain_batch(conn, tenant_id, 0, 1_000_000).unwrap()
}

fn details(e: &AuditEvent) -> Value {
    serde_json::from_str(&e.details).unwrap()
}

fn drop_guards(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;"
        }
        Backend::Postgres => "DROP TRIGGER audit_events_no_update ON audit_events;",
    }
}

/// What an attacker with write access to the database (but not the key) can do: change the
/// events from `from_seq` on with `edit`, and re-seal them and every later one with the only
/// seal they can compute — the unkeyed SHA-256 — relinking the chain and moving the head.
fn rewrite_without_key(
    conn: &mut backend::db::AnyConnection,
    tenant_id: &str,
    from_seq: i64,
    edit: impl Fn(&mut AuditEvent),
) {
    use backend::db::schema::audit_events::dsl as a;
    use backend::db::schema::tenants::dsl as t;
    use diesel::prelude::*;
    let mut prev: Option<String> = None;
    for mut e in chain(conn, tenant_id) {
        if e.seq < from_seq {
            prev = Some(e.hash.clone());
            continue;
        }
        if e.seq == from_seq {
            edit(&mut e);
        }
        e.prev_hash = prev.unwrap_or_else(|| audit::GENESIS_HASH.to_owned());
        e.key_id = None;
        e.hash = audit::legacy_hash(&e);
        diesel::update(a::audit_events.filter(a::tenant_id.eq(tenant_id).and(a::seq.eq(e.seq))))
            .set((
                a::details.eq(&e.details),
                a::prev_hash.eq(&e.prev_hash),
                a::hash.eq(&e.hash),
                a::key_id.eq(None::<String>),
            ))
            .execute(conn)
            .unwrap();
        prev = Some(e.hash.clone());
    }
    diesel::update(t::tenants.filter(t::id.eq(tenant_id)))
        .set(t::audit_head.eq(prev.unwrap()))
        .execute(conn)
        .unwrap();
}

async fn operations_are_recorded_with_who_what_and_where(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let _ = app
        .try_login("dev", "admin", "wrong password 1", None)
        .await;
    let admin = app.admin().await;
    app.create_user(&admin, "kobayashi", &["staff"], &[]).await;
    let (_, page) = app.get(&admin, "/api/v1/audit-events").await;
    let items = page["items"].as_array().unwrap();
    let newest_first: Vec<&str> = items
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        newest_first,
        [
            "user.created",
            "auth.login",
            "auth.login_failed",
            "user.created",
            "tenant.created"
        ]
    );
    let failed = &items[2];
    assert_eq!(failed["result"], "failure");
    assert_eq!(failed["ip"], "192.0.2.10");
    assert_eq!(failed["details"]["reason"], "wrong_password");
    assert_eq!(items[0]["target_type"], "user");
    assert_eq!(items[4]["seq"], 1);

    let (_, report) = app.get(&admin, "/api/v1/audit-events/verify").await;
    assert_eq!(
        report,
        json!({"intact": true, "events_checked": 5, "first_break": null})
    );
    // There is no way to change or delete events through the API.
    assert_problem(
        &app.put(&admin, "/api/v1/audit-events/1", json!({})).await,
        404,
        "route_not_found",
    );
}

async fn audit_verify_finds_edited_and_deleted_events(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    for name in ["総務課", "財政課", "契約課"] {
        app.post(&admin, "/api/v1/departments", json!({"name": name}))
            .await;
    }
    let cli = |db: &TestDb| verify_cli(db, &["--tenant", "dev"]);
    assert_eq!(
        verify_cli(&app.db, &[]),
        (
            Some(0),
            "_system: OK, 0 events, chain intact\ndev: OK, 6 events, chain intact\n".to_owned()
        )
    );

    // The database refuses edits; an attacker with DDL rights removes that guard first.
    let refused = app.with_conn(|conn| {
        conn.batch_execute("UPDATE audit_events SET actor_label = 'x' WHERE seq = 3")
    });
    assert!(
        refused.is_err(),
        "the append-only trigger must refuse updates"
    );
    app.with_conn(|conn| conn.batch_execute(drop_guards(backend)))
        .unwrap();

    app.with_conn(|conn| {
        conn.batch_execute(
            "UPDATE audit_events SET details = '{\"name\":\"改ざん\"}' WHERE seq = 4",
        )
    })
    .unwrap();
    let (code, out) = cli(&app.db);
    assert_eq!(code, Some(1));
    assert_eq!(out, "dev: BROKEN at event 4: edited (4 events read)\n");
    let (_, report) = app.get(&admin, "/api/v1/audit-events/verify").await;
    assert_eq!(report["first_break"], json!({"seq": 4, "kind": "edited"}));

    app.with_conn(|conn| conn.batch_execute("DELETE FROM audit_events WHERE seq = 4"))
        .unwrap();
    let (code, out) = cli(&app.db);
    assert_eq!(
        (code, out),
        (
            Some(1),
            "dev: BROKEN at event 4: deleted (4 events read)\n".to_owned()
        )
    );

    // Removing the newest events is caught by the head kept on the tenant row.
    app.with_conn(|conn| conn.batch_execute("DELETE FROM audit_events WHERE seq >= 4"))
        .unwrap();
    let (code, out) = cli(&app.db);
    assert_eq!(
        (code, out),
        (
            Some(1),
            "dev: BROKEN at event 4: deleted (3 events read)\n".to_owned()
        )
    );
}

async fn refused_requests_are_audited_in_the_system_chain(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let user_id = app.create_user(&admin, "kobayashi", &["staff"], &[]).await;

    // A cross-site Origin on a session request.
    let cross_site = TestRequest::post()
        .uri("/api/v1/departments")
        .insert_header(("Cookie", format!("tachiai_session={}", admin.cookie)))
        .insert_header(("X-CSRF-Token", admin.csrf.clone()))
        .insert_header(("Origin", "https://evil.example"))
        .set_json(json!({"name": "総務課"}));
    let (st, b, _) = app.send(cross_site).await;
    assert_problem(&(st, b), 403, "csrf_token_invalid");

    // A session cookie that names no session (guessed, or ended).
    let (st, b, _) = app
        .send(
            TestRequest::get()
                .uri("/api/v1/contracts")
                .insert_header(("Cookie", "tachiai_session=guessed-session-token")),
        )
        .await;
    assert_problem(&(st, b), 401, "session_expired");

    // An API token nobody issued, and one that was revoked.
    let guessed = format!("tachiai_{}", "A".repeat(43));
    let bearer = |secret: &str| {
        TestRequest::get()
            .uri("/api/v1/contracts")
            .insert_header(("Authorization", format!("Bearer {secret}")))
    };
    let (st, b, _) = app.send(bearer(&guessed)).await;
    assert_problem(&(st, b), 401, "api_token_invalid");
    let (_, created) = app
        .post(
            &admin,
            "/api/v1/api-tokens",
            json!({"name": "連携", "scopes": ["view_contracts"], "expires_in_days": 30}),
        )
        .await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    let token_id = created["token"]["id"].as_str().unwrap().to_owned();
    let (st, _) = app
        .post(
            &admin,
            &format!("/api/v1/api-tokens/{token_id}/revoke"),
            json!({}),
        )
        .await;
    assert_eq!(st, 200);
    let (st, b, _) = app.send(bearer(&secret)).await;
    assert_problem(&(st, b), 401, "api_token_invalid");

    // Another tenant's admin asks for this tenant's user: 404.
    let other = app.other_tenant_admin().await;
    assert_problem(
        &app.get(&other, &format!("/api/v1/users/{user_id}")).await,
        404,
        "not_found",
    );

    // Guessing passwords from one address until it is throttled: 429.
    let mut throttled = None;
    for i in 0..40 {
        if let Err(e) = app
            .try_login("dev", "nobody", &format!("guess-{i}"), None)
            .await
            && e.0 == 429
        {
            throttled = Some(e);
            break;
        }
    }
    assert_problem(&throttled.expect("throttled"), 429, "too_many_requests");

    let events = app.with_conn(|conn| chain(conn, SYSTEM_CHAIN_ID));
    let refused: Vec<(String, String, String)> = events
        .iter()
        .filter(|e| e.action == "request.refused")
        .map(|e| {
            let d = details(e);
            (
                d["code"].as_str().unwrap().to_owned(),
                d["method"].as_str().unwrap().to_owned(),
                d["route"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let has = |code: &str, method: &str, route: &str| {
        refused
            .iter()
            .any(|r| r == &(code.into(), method.into(), route.into()))
    };
    assert!(
        has("csrf_token_invalid", "POST", "/api/v1/departments"),
        "{refused:?}"
    );
    let token_refusals = refused
        .iter()
        .filter(|r| r.0 == "api_token_invalid")
        .count();
    assert_eq!(token_refusals, 2, "{refused:?}");
    assert!(has("not_found", "GET", "/api/v1/users/{id}"), "{refused:?}");
    assert!(
        has("too_many_requests", "POST", "/api/v1/auth/login"),
        "{refused:?}"
    );
    assert!(
        has("invalid_credentials", "POST", "/api/v1/auth/login"),
        "{refused:?}"
    );
    for e in &events {
        assert_eq!(e.ip.as_deref(), Some("192.0.2.10"));
        assert_eq!(e.result, "failure");
        // Neither the token's secret nor the raw path is written down.
        assert!(!e.details.contains(&secret[8..]) && !e.details.contains(&guessed[8..]));
        assert!(!e.details.contains(&user_id), "{}", e.details);
    }
    let report =
        app.with_conn(|conn| audit::verify(conn, SYSTEM_CHAIN_ID, audit::key::current()).unwrap());
    assert_eq!(report.first_break, None);
    assert_eq!(report.events_checked, events.len() as u64);
    // The operator reads them with the CLI (no tenant's log viewer shows the system chain).
    let (code, out, err) = tachiai(
        &app.db,
        None,
        &[
            "audit",
            "events",
            "--tenant",
            "_system",
            "--action",
            "request.refused",
            "--last",
            "2",
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert_eq!(lines[0]["seq"], json!(events.last().unwrap().seq));
    assert_eq!(lines[0]["ip"], "192.0.2.10");
    assert_eq!(lines[0]["details"]["code"], "too_many_requests");
    // The tenants' own chains are unaffected and still intact.
    let (_, dev) = app.get(&admin, "/api/v1/audit-events/verify").await;
    assert_eq!(dev["intact"], true, "{dev}");
}

async fn a_flood_of_refusals_writes_a_bounded_number_of_rows(backend: Backend) {
    const FLOOD: u64 = 100_000;
    let Some(app) = spawn(backend).await else {
        return;
    };
    let per_address = u64::from(app.state.config.audit_refusals_per_address);
    let started = std::time::Instant::now();
    let minute = |at: backend::clock::Millis| at.0.div_euclid(audit::refusals::WINDOW_MS);
    let first_minute = minute(backend::clock::Millis::now());
    for _ in 0..FLOOD {
        let forged = TestRequest::post()
            .uri("/api/v1/departments")
            .insert_header(("Cookie", "tachiai_session=stolen-or-guessed"))
            .insert_header(("Origin", "https://evil.example"))
            .set_json(json!({"name": "総務課"}));
        let (st, _, _) = app.send(forged).await;
        assert_eq!(st, 403);
    }
    let minutes = (minute(backend::clock::Millis::now()) - first_minute + 1) as u64;
    let elapsed = started.elapsed();
    // The minute that is still open is summarised when it ends (the server's flush does
    // this every minute; here it is asked for directly).
    let later =
        backend::clock::Millis(backend::clock::Millis::now().0 + audit::refusals::WINDOW_MS);
    if let Some(summary) = app.state.refusals.take_ended(later) {
        app.with_conn(|conn| audit::refusals::write_summary(conn, &summary, later))
            .unwrap();
    }
    let events = app.with_conn(|conn| chain(conn, SYSTEM_CHAIN_ID));
    let recorded = events
        .iter()
        .filter(|e| e.action == "request.refused")
        .count() as u64;
    let summaries: Vec<Value> = events
        .iter()
        .filter(|e| e.action == "request.refusals_summarized")
        .map(details)
        .collect();
    let summarised: u64 = summaries
        .iter()
        .map(|d| d["by_code"]["csrf_token_invalid"].as_u64().unwrap())
        .sum();
    eprintln!(
        "{FLOOD} refused requests in {elapsed:.1?} ({:.0}/s): {} rows ({recorded} events, {} summaries)",
        FLOOD as f64 / elapsed.as_secs_f64(),
        events.len(),
        summaries.len()
    );
    assert!(
        recorded <= per_address * minutes,
        "{recorded} events in {minutes} minutes"
    );
    assert!(recorded >= per_address.min(FLOOD));
    assert!(summaries.len() as u64 <= minutes);
    // Every refusal is accounted for: written one by one, or counted in a summary.
    assert_eq!(recorded + summarised, FLOOD);
    assert_eq!(
        summaries[0]["top_addresses"][0],
        json!({"ip": "192.0.2.10", "not_recorded": summaries[0]["not_recorded"]})
    );
    let report =
        app.with_conn(|conn| audit::verify(conn, SYSTEM_CHAIN_ID, audit::key::current()).unwrap());
    assert_eq!(report.first_break, None);
}

async fn rewriting_the_chain_without_the_key_is_detected(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    for name in ["総務課", "財政課", "契約課"] {
        app.post(&admin, "/api/v1/departments", json!({"name": name}))
            .await;
    }
    // The operator records the heads outside the database.
    let (code, heads, _) = tachiai(&app.db, None, &["audit", "head"]);
    assert_eq!(code, Some(0));
    let dev_head = heads
        .lines()
        .find(|l| l.starts_with("dev:"))
        .unwrap()
        .to_owned();
    assert!(dev_head.starts_with("dev:6:"), "{heads}");
    assert!(heads.starts_with("_system:0:"), "{heads}");
    assert_eq!(
        verify_cli(&app.db, &["--tenant", "dev", "--expect-head", &dev_head]),
        (
            Some(0),
            "dev: OK, 6 events, chain intact\ndev: recorded head at event 6 matches\n".to_owned()
        )
    );
    let dev_id = app.with_conn(|conn| {
        backend::db::queries::tenants::find_by_code(conn, "dev")
            .unwrap()
            .unwrap()
            .id
    });
    app.with_conn(|conn| conn.batch_execute(drop_guards(backend)))
        .unwrap();

    // An edit re-sealed from there on the way the unkeyed chain allowed: every link and the
    // head agree, but the keyed events before it cannot be followed by unkeyed ones.
    app.with_conn(|conn| {
        rewrite_without_key(conn, &dev_id, 4, |e| {
            e.details = json!({"name": "改ざん"}).to_string();
        })
    });
    let (code, out) = verify_cli(&app.db, &["--tenant", "dev"]);
    assert_eq!(
        (code, out.as_str()),
        (Some(1), "dev: BROKEN at event 4: edited (4 events read)\n")
    );
    // Rewriting the whole chain as unkeyed leaves no keyed event: reported, and the recorded
    // head no longer matches.
    app.with_conn(|conn| rewrite_without_key(conn, &dev_id, 1, |_| {}));
    let (code, out) = verify_cli(&app.db, &["--tenant", "dev", "--expect-head", &dev_head]);
    assert_eq!(code, Some(1));
    assert_eq!(
        out,
        "dev: BROKEN at event 6: unkeyed (6 events read)\n\
         dev: BROKEN: the recorded head at event 6 is rewritten\n"
    );
    // The API's verification (same key, same rules) agrees.
    let (_, report) = app.get(&admin, "/api/v1/audit-events/verify").await;
    assert_eq!(report["first_break"]["kind"], "unkeyed", "{report}");
}

async fn chains_from_before_the_key_still_verify_once_sealed(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    app.post(&admin, "/api/v1/departments", json!({"name": "総務課"}))
        .await;
    let dev_id = app.with_conn(|conn| {
        backend::db::queries::tenants::find_by_code(conn, "dev")
            .unwrap()
            .unwrap()
            .id
    });
    // The database as the previous version left it: every event sealed with plain SHA-256.
    app.with_conn(|conn| conn.batch_execute(drop_guards(backend)))
        .unwrap();
    app.with_conn(|conn| rewrite_without_key(conn, &dev_id, 1, |_| {}));
    let (code, out) = verify_cli(&app.db, &["--tenant", "dev"]);
    assert_eq!(
        (code, out.as_str()),
        (Some(1), "dev: BROKEN at event 4: unkeyed (4 events read)\n")
    );
    // The upgrade (`tachiai migrate`, as `serve` does at start) seals it with a keyed event.
    let (code, out, err) = tachiai(&app.db, Some(&process_key()), &["migrate"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("1 audit chains from before the audit key are now keyed"),
        "{out}"
    );
    assert_eq!(
        verify_cli(&app.db, &["--tenant", "dev"]),
        (
            Some(0),
            "dev: OK, 5 events (4 from before the audit key), chain intact\n".to_owned()
        )
    );
    let sealed = app.with_conn(|conn| chain(conn, &dev_id)).pop().unwrap();
    assert_eq!(sealed.action, "audit.chain_keyed");
    assert_eq!(details(&sealed)["unkeyed_events"], 4);
    // An old event edited and everything after it re-sealed with SHA-256 (the keyed event
    // cannot be re-sealed without the key) leaves no keyed event: reported.
    app.with_conn(|conn| rewrite_without_key(conn, &dev_id, 2, |e| e.details = "{}".into()));
    assert_eq!(
        verify_cli(&app.db, &["--tenant", "dev"]),
        (
            Some(1),
            "dev: BROKEN at event 5: unkeyed (5 events read)\n".to_owned()
        )
    );
}

async fn verify_needs_the_right_key(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    app.admin().await;
    let (code, out, err) = tachiai(&app.db, None, &["audit", "verify"]);
    assert_eq!((code, out.as_str()), (Some(1), ""));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("tachiai: the audit key is missing: set TACHIAI_AUDIT_KEY or restore "),
        "{err}"
    );
    let wrong = audit::AuditKey::generate();
    let (code, out, err) = tachiai(&app.db, Some(&wrong.to_hex()), &["audit", "verify"]);
    assert_eq!((code, out.as_str()), (Some(1), ""));
    assert_eq!(
        err,
        format!(
            "tachiai: the audit key does not match the log: its events are sealed with key {}, the given key is {}\n",
            audit::key::current().id(),
            wrong.id()
        )
    );
    let (code, _, err) = tachiai(&app.db, Some("not-hex"), &["audit", "verify"]);
    assert_eq!(code, Some(1));
    assert_eq!(
        err,
        "tachiai: TACHIAI_AUDIT_KEY must be 64 hexadecimal characters (a 32-byte key)\n"
    );
}
