//! Failures the client cannot fix: a database broken under the running app answers a bare 500
//! `internal` whose only extra is the request ID, and the server log's lines carry that ID
//! with the cause.

use std::io::Write;
use std::sync::{Arc, Mutex};

use actix_web::test::TestRequest;
use diesel::prelude::*;

use crate::helpers::{Backend, assert_problem, spawn_with};
use crate::on_both_databases;

on_both_databases!(a_broken_database_answers_a_bare_500_naming_the_request);

/// Log output collected in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn lines(&self) -> Vec<String> {
        String::from_utf8_lossy(&self.0.lock().unwrap())
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

async fn a_broken_database_answers_a_bare_500_naming_the_request(backend: Backend) {
    // The tests' peer (192.0.2.10) is the reverse proxy whose `X-Request-Id` is believed.
    let Some(app) = spawn_with(backend, &[("TACHIAI_TRUSTED_PROXIES", "192.0.2.10")]).await else {
        return;
    };
    let log = Captured::default();
    let writer = log.clone();
    // This thread runs the app under test; the subscriber sees what the requests log.
    let _subscriber = tracing::subscriber::set_default(
        tracing_subscriber::fmt()
            .with_env_filter("info")
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish(),
    );
    let admin = app.admin().await;
    // Arrange: the table behind `GET /departments` disappears under the running app.
    app.with_conn(|conn| {
        diesel::sql_query("ALTER TABLE departments RENAME TO departments_gone")
            .execute(conn)
            .unwrap();
    });
    let list = || {
        TestRequest::get()
            .uri("/api/v1/departments")
            .insert_header(("Cookie", format!("tachiai_session={}", admin.cookie)))
    };

    // A safe incoming ID is kept: in the header, the body and the log.
    let (st, body, headers) = app
        .send(list().insert_header(("X-Request-Id", "support-case-42")))
        .await;
    assert_problem(&(st, body.clone()), 500, "internal");
    assert_eq!(body["request_id"], "support-case-42");
    assert_eq!(headers.get("X-Request-Id").unwrap(), "support-case-42");
    // Bare: the standard messages and the ID, nothing of the cause.
    let mut members: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    members.sort_unstable();
    assert_eq!(
        members,
        [
            "code",
            "detail",
            "detail_ja",
            "request_id",
            "status",
            "title",
            "type"
        ]
    );
    assert_eq!(body["detail"], "An unexpected error occurred.");
    let text = body.to_string();
    for leak in [
        "departments",
        "table",
        "relation",
        "diesel",
        "database",
        "query",
    ] {
        assert!(!text.contains(leak), "{leak} leaked: {text}");
    }
    let lines = log.lines();
    let error_line = lines
        .iter()
        .find(|l| l.contains("ERROR") && l.contains("internal error"))
        .unwrap_or_else(|| panic!("no error line in {lines:#?}"));
    assert!(error_line.contains("support-case-42"), "{error_line}");
    let all = lines.join("\n");
    assert!(
        all.contains("no such table: departments")
            || all.contains("relation \"departments\" does not exist"),
        "the cause is logged: {all}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("\"GET /api/v1/departments HTTP/1.1\" 500")
                && l.ends_with("id=support-case-42")),
        "access line: {lines:#?}"
    );

    // An unsafe or overlong incoming ID is replaced by a new one, answered in both places.
    for incoming in ["two words", &"x".repeat(65)] {
        let (st, body, headers) = app
            .send(list().insert_header(("X-Request-Id", incoming)))
            .await;
        assert_eq!(st.as_u16(), 500);
        let id = headers.get("X-Request-Id").unwrap().to_str().unwrap();
        assert_eq!(body["request_id"], id);
        assert!(
            id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
            "{id}"
        );
    }

    // A successful answer carries an ID too (and no problem body to put it in).
    let (st, _, headers) = app.send(TestRequest::get().uri("/api/v1/health")).await;
    assert_eq!(st.as_u16(), 200);
    assert_eq!(headers.get("X-Request-Id").unwrap().len(), 32);
}
