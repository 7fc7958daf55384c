//! The request ID in every problem (4xx too), believed only from a trusted proxy; liveness
//! and readiness when the database is gone under the running app; `/metrics` is off without
//! a token.

use std::time::Duration;

use actix_web::test::TestRequest;
use diesel::prelude::*;

use crate::helpers::{Backend, assert_problem, spawn_with};
use crate::on_both_databases;

on_both_databases!(
    a_client_error_names_the_request_and_only_a_trusted_proxy_chooses_the_id,
    readiness_fails_when_the_database_is_gone_and_liveness_does_not,
);

async fn a_client_error_names_the_request_and_only_a_trusted_proxy_chooses_the_id(
    backend: Backend,
) {
    let Some(app) = spawn_with(backend, &[("TACHIAI_TRUSTED_PROXIES", "10.0.0.0/8")]).await else {
        return;
    };
    let unknown = || {
        TestRequest::get()
            .uri("/api/v1/contracts/00000000-0000-0000-0000-000000000000")
            .insert_header(("X-Request-Id", "chosen-by-the-caller"))
    };
    // A client's own ID is not taken: a new one, in the header and the 401's body.
    let (st, body, headers) = app.send_from("203.0.113.9:5000", unknown()).await;
    assert_problem(&(st, body.clone()), 401, "unauthenticated");
    let made = headers.get("X-Request-Id").unwrap().to_str().unwrap();
    assert_ne!(made, "chosen-by-the-caller");
    assert_eq!(body["request_id"], made);
    // Through the trusted proxy it is kept.
    let (st, body, headers) = app.send_from("10.1.2.3:5000", unknown()).await;
    assert_problem(&(st, body.clone()), 401, "unauthenticated");
    assert_eq!(body["request_id"], "chosen-by-the-caller");
    assert_eq!(headers.get("X-Request-Id").unwrap(), "chosen-by-the-caller");
    // A malformed body (an extractor's 400) and an unknown route name theirs too.
    let admin = app.admin().await;
    let (st, body, headers) = app
        .send_from(
            "10.1.2.3:5000",
            TestRequest::post()
                .uri("/api/v1/departments")
                .insert_header(("Cookie", format!("tachiai_session={}", admin.cookie)))
                .insert_header(("X-CSRF-Token", admin.csrf.clone()))
                .insert_header(("Content-Type", "application/json"))
                .insert_header(("X-Request-Id", "proxy-4711"))
                .set_payload("{not json"),
        )
        .await;
    assert_problem(&(st, body.clone()), 400, "malformed_request");
    assert_eq!(body["request_id"], "proxy-4711");
    assert_eq!(headers.get("X-Request-Id").unwrap(), "proxy-4711");
    let (st, body, _) = app
        .send(TestRequest::get().uri("/api/v1/no-such-thing"))
        .await;
    assert_problem(&(st, body), 404, "route_not_found");
    // No token configured: no metrics on the service's address.
    let (st, body, _) = app.send(TestRequest::get().uri("/metrics")).await;
    assert_problem(&(st, body), 404, "route_not_found");
}

async fn readiness_fails_when_the_database_is_gone_and_liveness_does_not(backend: Backend) {
    let Some(app) = spawn_with(backend, &[]).await else {
        return;
    };
    let (st, ready, _) = app
        .send(TestRequest::get().uri("/api/v1/health/ready"))
        .await;
    assert_eq!(st.as_u16(), 200, "{ready}");
    assert_eq!(ready["status"], "ok");
    let names: Vec<&str> = ready["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["database", "storage", "tsa"]);

    // The database goes away under the running app: its schema (PostgreSQL), or the table of
    // the tenants (SQLite: a deleted file stays open, so a broken table stands in).
    app.with_conn(|conn| match conn {
        backend::db::AnyConnection::Postgresql(c) => diesel::sql_query(
            "DO $$ BEGIN EXECUTE 'DROP SCHEMA ' || quote_ident(current_schema()) || ' CASCADE'; END $$",
        )
        .execute(c)
        .map(drop),
        backend::db::AnyConnection::Sqlite(c) => {
            diesel::sql_query("ALTER TABLE tenants RENAME TO tenants_gone")
                .execute(c)
                .map(drop)
        }
    })
    .unwrap();
    // The result is reused for a few seconds: a flood of probes does not reach the database.
    let (st, cached, _) = app
        .send(TestRequest::get().uri("/api/v1/health/ready"))
        .await;
    assert_eq!(
        (st.as_u16(), &cached["checked_at"]),
        (200, &ready["checked_at"])
    );
    actix_web::rt::time::sleep(backend::readiness::FRESH_FOR + Duration::from_millis(100)).await;
    let (st, v, _) = app
        .send(TestRequest::get().uri("/api/v1/health/ready"))
        .await;
    assert_eq!(st.as_u16(), 503, "{v}");
    assert_eq!(v["status"], "unavailable");
    let database = &v["checks"][0];
    assert_eq!(
        (database["name"].as_str(), database["ok"].as_bool()),
        (Some("database"), Some(false)),
        "{v}"
    );
    assert_eq!(v["checks"][1]["ok"], true, "{v}");
    // Alive all the same: liveness asks nothing of the database.
    let (st, live, _) = app
        .send(TestRequest::get().uri("/api/v1/health/live"))
        .await;
    assert_eq!((st.as_u16(), live["status"].as_str()), (200, Some("ok")));
}
