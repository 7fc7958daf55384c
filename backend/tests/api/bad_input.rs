//! Malformed, oversized and wrongly typed requests get specific 4xx problems, never a 500.

use actix_web::test::TestRequest;
use serde_json::json;

use crate::helpers::{Backend, assert_problem, raw_json_login, spawn};
use crate::on_both_databases;

on_both_databases!(
    malformed_json_unknown_fields_and_wrong_types_are_400,
    oversized_bodies_are_413_and_wrong_media_types_415,
    invalid_fields_are_listed_and_duplicate_login_ids_are_409,
    unknown_routes_and_ids_are_404_problems,
);

async fn malformed_json_unknown_fields_and_wrong_types_are_400(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    for body in [
        "{not json",
        r#"{"tenant_code":"dev","login_id":"admin","password":"x","role":"admin"}"#,
        r#"{"tenant_code":"dev","login_id":42,"password":"x"}"#,
        r#"{"tenant_code":"dev"}"#,
    ] {
        let (st, b, headers) = app.send(raw_json_login(body)).await;
        assert_eq!(
            headers.get("content-type").unwrap(),
            "application/problem+json"
        );
        assert_problem(&(st, b), 400, "malformed_request");
    }
    let admin = app.admin().await;
    assert_problem(
        &app.get(&admin, "/api/v1/users?page=first").await,
        400,
        "malformed_request",
    );
    assert_problem(
        &app.get(&admin, "/api/v1/users?color=red").await,
        400,
        "malformed_request",
    );
}

async fn oversized_bodies_are_413_and_wrong_media_types_415(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let big = json!({"name": "x".repeat(10_000)});
    assert_problem(
        &app.post(&admin, "/api/v1/departments", big).await,
        413,
        "payload_too_large",
    );
    let form = TestRequest::post()
        .uri("/api/v1/auth/login")
        .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
        .set_payload("tenant_code=dev");
    let (st, b, _) = app.send(form).await;
    assert_problem(&(st, b), 415, "unsupported_media_type");
}

async fn invalid_fields_are_listed_and_duplicate_login_ids_are_409(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let got = app
        .post(&admin, "/api/v1/users", json!({
            "login_id": "田中花子", "name": " ", "email": "not-an-address", "roles": [], "password": "short"
        }))
        .await;
    assert_problem(&got, 422, "validation_failed");
    let fields: Vec<(&str, &str)> = got.1["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fields,
        [
            ("login_id", "invalid_characters"),
            ("name", "required"),
            ("email", "invalid_email"),
            ("roles", "empty_selection")
        ]
    );
    app.create_user(&admin, "tanaka", &["staff"], &[]).await;
    let again = json!({"login_id": "tanaka", "name": "田中 花子", "email": "h@city.example.lg.jp", "roles": ["staff"]});
    assert_problem(
        &app.post(&admin, "/api/v1/users", again).await,
        409,
        "login_id_taken",
    );
    let weak = json!({"login_id": "suzuki", "name": "鈴木", "email": "s@city.example.lg.jp", "roles": ["staff"], "password": "suzuki-123456789"});
    let got = app.post(&admin, "/api/v1/users", weak).await;
    assert_problem(&got, 422, "validation_failed");
    assert_eq!(got.1["errors"][0]["field"], "password");
}

async fn unknown_routes_and_ids_are_404_problems(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    assert_problem(
        &app.get(&admin, "/api/v1/nothing-here").await,
        404,
        "route_not_found",
    );
    assert_problem(
        &app.get(&admin, "/api/v2/users").await,
        404,
        "route_not_found",
    );
    assert_problem(
        &app.get(&admin, "/api/v1/users/not-a-uuid").await,
        404,
        "not_found",
    );
    let random = uuid::Uuid::new_v4();
    assert_problem(
        &app.get(&admin, &format!("/api/v1/users/{random}")).await,
        404,
        "not_found",
    );
}
