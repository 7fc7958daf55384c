//! The audit log: every operation is recorded, the chain verifies, and `tachiai audit verify`
//! finds an edited and a deleted event.

use diesel::connection::SimpleConnection;
use serde_json::json;

use crate::helpers::{Backend, assert_problem, spawn};
use crate::on_both_databases;

on_both_databases!(
    operations_are_recorded_with_who_what_and_where,
    audit_verify_finds_edited_and_deleted_events,
);

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
    let cli = |app_db: &crate::helpers::TestDb| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_tachiai"))
            .args(["audit", "verify"])
            .env("TACHIAI_DATABASE_URL", &app_db.url)
            .env("TACHIAI_LOG", "warn")
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    assert_eq!(
        cli(&app.db),
        (Some(0), "dev: OK, 6 events, chain intact\n".to_owned())
    );

    // The database refuses edits; an attacker with DDL rights removes that guard first.
    let refused = app.with_conn(|conn| {
        conn.batch_execute("UPDATE audit_events SET actor_label = 'x' WHERE seq = 3")
    });
    assert!(
        refused.is_err(),
        "the append-only trigger must refuse updates"
    );
    let drop_guards = match backend {
        Backend::Sqlite => {
            "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;"
        }
        Backend::Postgres => "DROP TRIGGER audit_events_no_update ON audit_events;",
    };
    app.with_conn(|conn| conn.batch_execute(drop_guards))
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
