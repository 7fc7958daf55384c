//! Each role's allowed and forbidden actions, and per-user grants.

use actix_web::test::TestRequest;
use serde_json::json;

use crate::helpers::{ADMIN_PASSWORD, Backend, assert_problem, id, spawn, user_password};
use crate::support::corpus;
use crate::{on_both_databases, upload};

on_both_databases!(
    each_role_can_do_exactly_its_share,
    a_grant_adds_one_permission_and_forbidden_attempts_are_audited,
    an_admin_cannot_remove_their_own_admin_role,
    manage_users_is_not_a_way_to_become_admin,
    api_tokens_cannot_manage_users_or_tokens,
);

/// Each role against the administration, the address book and a contract: what its permissions
/// (`shared::access::Role::permissions`) allow succeeds, everything else is `403 forbidden`.
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
    let (st, v) = app.put(&admin, "/api/v1/settings", settings.clone()).await;
    assert_eq!(st, 200, "{v}");

    // A draft ready for approval in the department every role's user belongs to, so that each
    // of them sees it and only permissions decide.
    let (st, home) = app
        .post(&admin, "/api/v1/departments", json!({"name": "契約課"}))
        .await;
    assert_eq!(st, 201, "{home}");
    let home = id(&home);
    let kacho = app.create_user(&admin, "kacho", &["approver"], &[]).await;
    let (st, c) = app
        .post(
            &admin,
            "/api/v1/contracts",
            json!({"title": "権限確認契約", "counterparty_name": "株式会社テスト商事", "department_id": home}),
        )
        .await;
    assert_eq!(st, 201, "{c}");
    let cid = id(&c);
    let (st, v) = upload!(
        app,
        admin,
        cid,
        "main",
        "contract.pdf",
        corpus("libreoffice-ja-contract.pdf")
    );
    assert_eq!(st, 201, "{v}");
    let doc = v["documents"][0]["id"].as_str().unwrap().to_owned();
    let recipients = json!({"recipients": [{"organization_name": "株式会社テスト商事", "name": "山田 太郎", "email": "yamada@example.co.jp"}]});
    let (st, v) = app
        .put(
            &admin,
            &format!("/api/v1/contracts/{cid}/recipients"),
            recipients.clone(),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let (st, v) = app
        .put(
            &admin,
            &format!("/api/v1/contracts/{cid}/approval-route"),
            json!({"steps": [{"name": "課長決裁", "rule": "any", "approver_ids": [kacho]}]}),
        )
        .await;
    assert_eq!(st, 200, "{v}");

    // (role, may manage users/departments/settings/audit, may edit the address book,
    //  may create/edit/send contracts, may approve, may download, the draft's buttons)
    for (role, admin_like, edit_book, works_contracts, approves, downloads, buttons) in [
        (
            "admin",
            true,
            true,
            true,
            true,
            true,
            &["edit", "submit", "cancel", "duplicate", "download_zip"][..],
        ),
        (
            "approver",
            false,
            false,
            false,
            true,
            true,
            &["download_zip"][..],
        ),
        (
            "staff",
            false,
            false,
            true,
            false,
            true,
            &["edit", "submit", "duplicate", "download_zip"][..],
        ),
        ("viewer", false, false, false, false, false, &[][..]),
    ] {
        let login = format!("role-{role}");
        let (st, v) = app
            .post(
                &admin,
                "/api/v1/users",
                json!({"login_id": login, "name": format!("試験 {login}"),
                       "email": format!("{login}@city.example.lg.jp"), "department_id": home,
                       "roles": [role], "grants": [], "password": user_password(&login)}),
            )
            .await;
        assert_eq!(st, 201, "{v}");
        let s = app.login("dev", &login, &user_password(&login)).await;
        let me = s.body["me"]["user"]["id"].as_str().unwrap().to_owned();
        let contract = |rest: &str| format!("/api/v1/contracts/{cid}{rest}");
        // (held, method, path, body, what): held → success, else 403 `forbidden`.
        let checks = [
            (
                admin_like,
                "GET",
                "/api/v1/users".to_owned(),
                json!(null),
                "list users",
            ),
            (
                admin_like,
                "POST",
                format!("/api/v1/users/{target}/reset-password"),
                json!(null),
                "reset passwords",
            ),
            (
                admin_like,
                "POST",
                "/api/v1/departments".to_owned(),
                dept.clone(),
                "create departments",
            ),
            (
                admin_like,
                "GET",
                "/api/v1/settings".to_owned(),
                json!(null),
                "read settings",
            ),
            (
                admin_like,
                "PUT",
                "/api/v1/settings".to_owned(),
                settings.clone(),
                "change settings",
            ),
            // Monthly usage report (月次利用状況報告).
            (
                admin_like,
                "GET",
                "/api/v1/reports/monthly/2026-11".to_owned(),
                json!(null),
                "read the monthly usage report",
            ),
            // Records management: the fiscal-year export is an administrator's.
            (
                admin_like,
                "GET",
                "/api/v1/exports".to_owned(),
                json!(null),
                "list the fiscal-year exports",
            ),
            (
                admin_like,
                "GET",
                "/api/v1/audit-events".to_owned(),
                json!(null),
                "read the audit log",
            ),
            // Maintenance notices (お知らせ).
            (
                admin_like,
                "GET",
                "/api/v1/notices".to_owned(),
                json!(null),
                "manage notices",
            ),
            (
                true,
                "GET",
                "/api/v1/notices/current".to_owned(),
                json!(null),
                "read the banner's notices",
            ),
            // Retention and disposition:
            (
                admin_like,
                "GET",
                "/api/v1/dispositions/candidates".to_owned(),
                json!(null),
                "list disposition candidates",
            ),
            (
                admin_like,
                "GET",
                "/api/v1/dispositions".to_owned(),
                json!(null),
                "list disposition requests",
            ),
            (
                admin_like,
                "PUT",
                contract("/retention"),
                json!({"years": 10}),
                "set a contract's retention years",
            ),
            // Webhooks (Webhook 通知).
            (
                admin_like,
                "GET",
                "/api/v1/webhooks".to_owned(),
                json!(null),
                "list the webhook endpoints",
            ),
            (
                edit_book,
                "POST",
                "/api/v1/organizations".to_owned(),
                org.clone(),
                "edit the address book",
            ),
            (
                true,
                "GET",
                "/api/v1/organizations".to_owned(),
                json!(null),
                "read the address book",
            ),
            (
                true,
                "GET",
                "/api/v1/departments".to_owned(),
                json!(null),
                "read departments",
            ),
            (
                true,
                "GET",
                format!("/api/v1/users/{me}"),
                json!(null),
                "read themselves",
            ),
            (
                true,
                "GET",
                "/api/v1/contracts".to_owned(),
                json!(null),
                "list contracts",
            ),
            (
                downloads,
                "GET",
                contract(&format!("/documents/{doc}")),
                json!(null),
                "download documents",
            ),
            (
                works_contracts,
                "PUT",
                contract("/recipients"),
                recipients.clone(),
                "edit contracts",
            ),
        ];
        for (held, method, path, body, what) in checks {
            let got = match method {
                "GET" => app.get(&s, &path).await,
                "POST" => app.post(&s, &path, body).await,
                _ => app.put(&s, &path, body).await,
            };
            if held {
                assert!(
                    got.0.is_success(),
                    "{role} should be allowed to {what}: {}",
                    got.1
                );
            } else {
                assert_problem(&got, 403, "forbidden");
            }
        }

        // The draft's buttons are the role's permissions applied by the state machine.
        let (st, detail) = app.get(&s, &contract("")).await;
        assert_eq!(st, 200, "{role}: {detail}");
        assert_eq!(detail["allowed_actions"], json!(buttons), "{role}");
        // Holding the permission gets past it to the state machine's own refusal.
        for (held, action, refusal) in [
            (approves, "/approve", "contract_state_conflict"),
            (works_contracts, "/send", "approval_required"),
        ] {
            let got = app.post(&s, &contract(action), json!({})).await;
            match held {
                true => assert_problem(&got, 409, refusal),
                false => assert_problem(&got, 403, "forbidden"),
            }
        }
        let (st, own) = app
            .post(
                &s,
                "/api/v1/contracts",
                json!({"title": format!("{role}の契約"), "counterparty_name": "株式会社テスト商事"}),
            )
            .await;
        match works_contracts {
            true => assert_eq!(st, 201, "{role}: {own}"),
            false => assert_problem(&(st, own.clone()), 403, "forbidden"),
        }
        // Only administrators cancel (取消), even their own drafts.
        let cancellable = if works_contracts {
            id(&own)
        } else {
            cid.clone()
        };
        let got = app
            .post(
                &s,
                &format!("/api/v1/contracts/{cancellable}/cancel"),
                json!({}),
            )
            .await;
        match role {
            "admin" => assert_eq!(got.0, 200, "{}", got.1),
            _ => assert_problem(&got, 403, "forbidden"),
        }
    }
    let (_, detail) = app.get(&admin, &format!("/api/v1/contracts/{cid}")).await;
    assert_eq!(detail["state"], "draft", "{detail}");
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
    let (st, before) = app.get(&admin, &format!("/api/v1/users/{me}")).await;
    assert_eq!(st, 200, "{before}");
    assert_eq!(before["roles"], json!(["admin"]));
    let demote =
        json!({"name": "降格 試験", "email": "demoted@city.example.lg.jp", "roles": ["staff"]});
    assert_problem(
        &app.put(&admin, &format!("/api/v1/users/{me}"), demote)
            .await,
        409,
        "self_lockout",
    );
    assert_problem(
        &app.post(&admin, &format!("/api/v1/users/{me}/disable"), json!(null))
            .await,
        409,
        "self_lockout",
    );

    // Nothing of the refused change was written: the role, the name and the e-mail address
    // are as before, and the session still manages users.
    let (st, after) = app.get(&admin, &format!("/api/v1/users/{me}")).await;
    assert_eq!(st, 200, "{after}");
    assert_eq!(after, before);
    assert_eq!(after["disabled"], false);
    assert_eq!(app.get(&admin, "/api/v1/users").await.0, 200);
    let again = app.admin().await;
    assert_eq!(
        again.body["me"]["user"]["roles"],
        json!(["admin"]),
        "{}",
        again.body
    );
}

/// The ways up through `manage_users`, each refused with its own code and audited.
async fn manage_users_is_not_a_way_to_become_admin(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let admin_id = admin.body["me"]["user"]["id"].as_str().unwrap().to_owned();
    let mgr_id = app
        .create_user(&admin, "jinji", &["viewer"], &["manage_users"])
        .await;
    let staff_id = app.create_user(&admin, "tanto", &["staff"], &[]).await;
    let viewer_id = app.create_user(&admin, "etsuran", &["viewer"], &[]).await;
    let mgr = app.login("dev", "jinji", &user_password("jinji")).await;
    let profile = |login: &str, roles: &[&str], grants: &[&str]| {
        json!({"name": format!("試験 {login}"), "email": format!("{login}@city.example.lg.jp"),
               "roles": roles, "grants": grants})
    };

    // Giving oneself the admin role, or a grant one does not hold.
    assert_problem(
        &app.put(
            &mgr,
            &format!("/api/v1/users/{mgr_id}"),
            profile("jinji", &["viewer", "admin"], &["manage_users"]),
        )
        .await,
        403,
        "admin_only",
    );
    assert_problem(
        &app.put(
            &mgr,
            &format!("/api/v1/users/{mgr_id}"),
            profile("jinji", &["viewer"], &["manage_users", "view_audit_log"]),
        )
        .await,
        403,
        "grant_not_held",
    );
    // A role that brings permissions the manager lacks (staff sends contracts).
    assert_problem(
        &app.put(
            &mgr,
            &format!("/api/v1/users/{mgr_id}"),
            profile("jinji", &["staff"], &["manage_users"]),
        )
        .await,
        403,
        "grant_not_held",
    );
    // Creating an admin with a chosen password.
    let mut new_admin = profile("kaizan", &["admin"], &[]);
    new_admin["login_id"] = json!("kaizan");
    new_admin["password"] = json!("Chosen-pass-2026");
    assert_problem(
        &app.post(&mgr, "/api/v1/users", new_admin).await,
        403,
        "admin_only",
    );
    assert!(
        app.try_login("dev", "kaizan", "Chosen-pass-2026", None)
            .await
            .is_err()
    );
    // Resetting the admin's password, disabling the admin, editing the admin.
    assert_problem(
        &app.post(
            &mgr,
            &format!("/api/v1/users/{admin_id}/reset-password"),
            json!(null),
        )
        .await,
        403,
        "admin_only",
    );
    assert_problem(
        &app.post(
            &mgr,
            &format!("/api/v1/users/{admin_id}/disable"),
            json!(null),
        )
        .await,
        403,
        "admin_only",
    );
    assert_problem(
        &app.put(
            &mgr,
            &format!("/api/v1/users/{admin_id}"),
            json!({"name": "管理者", "email": "attacker@example.com", "roles": ["admin"]}),
        )
        .await,
        403,
        "admin_only",
    );
    // Resetting a user who holds more (staff can send) would hand the manager their rights.
    assert_problem(
        &app.post(
            &mgr,
            &format!("/api/v1/users/{staff_id}/reset-password"),
            json!(null),
        )
        .await,
        403,
        "grant_not_held",
    );
    app.login("dev", "admin", ADMIN_PASSWORD).await;
    app.login("dev", "tanto", &user_password("tanto")).await;

    // What the manager does hold, they may manage: a viewer, given the address book view.
    let (st, v) = app
        .put(
            &mgr,
            &format!("/api/v1/users/{viewer_id}"),
            profile("etsuran", &["viewer"], &["view_address_book"]),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let (st, v) = app
        .post(
            &mgr,
            &format!("/api/v1/users/{viewer_id}/reset-password"),
            json!(null),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    // An admin may do all of it.
    let (st, v) = app
        .put(
            &admin,
            &format!("/api/v1/users/{mgr_id}"),
            profile("jinji", &["viewer", "admin"], &[]),
        )
        .await;
    assert_eq!(st, 200, "{v}");

    let (_, log) = app
        .get(
            &admin,
            "/api/v1/audit-events?action=access.denied&per_page=100",
        )
        .await;
    let reasons: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["details"]["reason"].as_str())
        .collect();
    for reason in [
        "grant_admin_role",
        "grant_not_held",
        "target_is_admin",
        "target_holds_more",
    ] {
        assert!(reasons.contains(&reason), "{reason} in {reasons:?}");
    }
    // Nobody but the first admin and the one an admin promoted holds the admin role.
    let (_, users) = app.get(&admin, "/api/v1/users?per_page=100").await;
    let admins: Vec<&str> = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["roles"].as_array().unwrap().contains(&json!("admin")))
        .map(|u| u["login_id"].as_str().unwrap())
        .collect();
    assert_eq!(admins, vec!["admin", "jinji"]);
}

/// A token scoped to `manage_users` (even an admin's) cannot create, change, reset or list
/// users, nor see or mint tokens: `api_token_not_allowed`.
async fn api_tokens_cannot_manage_users_or_tokens(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let tanaka = app.create_user(&admin, "tanaka", &["staff"], &[]).await;
    let (st, created) = app
        .post(
            &admin,
            "/api/v1/api-tokens",
            json!({"name": "人事連携", "scopes": ["manage_users", "view_contracts"]}),
        )
        .await;
    assert_eq!(st, 201, "{created}");
    let secret = created["secret"].as_str().unwrap().to_owned();
    let with_token =
        |req: TestRequest| req.insert_header(("Authorization", format!("Bearer {secret}")));
    let new_admin = json!({"login_id": "kaizan", "name": "改竄 太郎", "email": "k@example.com",
                           "roles": ["admin"], "password": "Chosen-pass-2026"});
    let attempts = [
        TestRequest::post().uri("/api/v1/users").set_json(new_admin),
        TestRequest::post().uri(&format!("/api/v1/users/{tanaka}/reset-password")),
        TestRequest::post().uri(&format!("/api/v1/users/{tanaka}/disable")),
        TestRequest::put()
            .uri(&format!("/api/v1/users/{tanaka}"))
            .set_json(json!({"name": "試験 tanaka", "email": "x@example.com", "roles": ["admin"]})),
        TestRequest::get().uri("/api/v1/users"),
        TestRequest::get().uri("/api/v1/api-tokens"),
        TestRequest::post()
            .uri("/api/v1/api-tokens")
            .set_json(json!({"name": "もう一本", "scopes": ["manage_users"]})),
    ];
    for req in attempts {
        let (st, v, _) = app.send(with_token(req)).await;
        assert_problem(&(st, v), 403, "api_token_not_allowed");
    }
    app.login("dev", "tanaka", &user_password("tanaka")).await;
    assert!(
        app.try_login("dev", "kaizan", "Chosen-pass-2026", None)
            .await
            .is_err()
    );
    // The token still does what it is for.
    let (st, _, _) = app
        .send(with_token(TestRequest::get().uri("/api/v1/contracts")))
        .await;
    assert_eq!(st, 200);
}
