//! Each role's allowed and forbidden actions, and per-user grants.

use serde_json::json;

use crate::helpers::{Backend, assert_problem, spawn, user_password};
use crate::on_both_databases;

on_both_databases!(
    each_role_can_do_exactly_its_share,
    a_grant_adds_one_permission_and_forbidden_attempts_are_audited,
    an_admin_cannot_remove_their_own_admin_role,
);

async fn each_role_can_do_exactly_its_share(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let target = app.create_user(&admin, "target", &["viewer"], &[]).await;
    let org = json!({"name": "株式会社ロール確認"});
    let dept = json!({"name": "ロール確認課"});
    let settings = json!({"name": "開発用団体", "require_totp": false, "session_idle_minutes": 30, "session_absolute_hours": 12,
        "approval_required": true, "contract_number_pattern": "R{fy}-{seq:6}", "retention_years": 10, "link_expiry_days": 14, "japanese_era": false});

    // (role, may manage users/departments/settings/audit, may edit the address book, may read it)
    for (role, admin_like, edit_book) in [
        ("admin", true, true),
        ("approver", false, false),
        ("staff", false, false),
        ("viewer", false, false),
    ] {
        let login = format!("role-{role}");
        app.create_user(&admin, &login, &[role], &[]).await;
        let s = app.login("dev", &login, &user_password(&login)).await;
        let expect =
            |allowed: bool, got: (actix_web::http::StatusCode, serde_json::Value), what: &str| {
                if allowed {
                    assert!(
                        got.0.is_success(),
                        "{role} should be allowed to {what}: {}",
                        got.1
                    );
                } else {
                    assert_problem(&got, 403, "forbidden");
                }
            };
        expect(admin_like, app.get(&s, "/api/v1/users").await, "list users");
        expect(
            admin_like,
            app.post(
                &s,
                &format!("/api/v1/users/{target}/reset-password"),
                json!(null),
            )
            .await,
            "reset passwords",
        );
        expect(
            admin_like,
            app.post(&s, "/api/v1/departments", dept.clone()).await,
            "create departments",
        );
        expect(
            admin_like,
            app.get(&s, "/api/v1/settings").await,
            "read settings",
        );
        expect(
            admin_like,
            app.put(&s, "/api/v1/settings", settings.clone()).await,
            "change settings",
        );
        expect(
            admin_like,
            app.get(&s, "/api/v1/audit-events").await,
            "read the audit log",
        );
        expect(
            edit_book,
            app.post(&s, "/api/v1/organizations", org.clone()).await,
            "edit the address book",
        );
        expect(
            true,
            app.get(&s, "/api/v1/organizations").await,
            "read the address book",
        );
        expect(
            true,
            app.get(&s, "/api/v1/departments").await,
            "read departments",
        );
        let me = s.body["me"]["user"]["id"].as_str().unwrap().to_owned();
        expect(
            true,
            app.get(&s, &format!("/api/v1/users/{me}")).await,
            "read themselves",
        );
    }
}

async fn a_grant_adds_one_permission_and_forbidden_attempts_are_audited(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let id = app.create_user(&admin, "nakamura", &["staff"], &[]).await;
    let s = app
        .login("dev", "nakamura", &user_password("nakamura"))
        .await;
    let org = json!({"name": "株式会社権限"});
    assert_problem(
        &app.post(&s, "/api/v1/organizations", org.clone()).await,
        403,
        "forbidden",
    );

    let grant = json!({"name": "中村 一郎", "email": "nakamura@city.example.lg.jp", "roles": ["staff"], "grants": ["manage_address_book"]});
    let (st, v) = app.put(&admin, &format!("/api/v1/users/{id}"), grant).await;
    assert_eq!(
        (st.as_u16(), v["grants"].clone()),
        (200, json!(["manage_address_book"]))
    );
    assert_eq!(app.post(&s, "/api/v1/organizations", org).await.0, 201);
    assert_problem(&app.get(&s, "/api/v1/users").await, 403, "forbidden");

    let (_, events) = app.get(&admin, "/api/v1/audit-events?per_page=200").await;
    let actions: Vec<(&str, &str, &str)> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["actor_label"].as_str().unwrap(),
                e["result"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        actions.contains(&("access.denied", "nakamura", "failure")),
        "{actions:?}"
    );
    assert!(
        actions.contains(&("user.permissions_changed", "admin", "success")),
        "{actions:?}"
    );
    assert!(
        actions.contains(&("organization.created", "nakamura", "success")),
        "{actions:?}"
    );
}

async fn an_admin_cannot_remove_their_own_admin_role(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let me = admin.body["me"]["user"]["id"].as_str().unwrap().to_owned();
    let demote = json!({"name": "管理者", "email": "admin@example.invalid", "roles": ["staff"]});
    assert_problem(
        &app.put(&admin, &format!("/api/v1/users/{me}"), demote)
            .await,
        409,
        "self_lockout",
    );
}
