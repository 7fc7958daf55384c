//! What an administrator configures for the contract journey: the tenant's contract settings,
//! approval route templates, the seal and TSA in use, and the operation log's date filters and
//! CSV; and what staff read from it: the approval inbox filter and a contract's timeline.

use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::helpers::{Backend, assert_problem, id, spawn, user_password};
use crate::{on_both_databases, upload};

on_both_databases!(
    contract_settings_shape_new_contracts,
    route_templates_are_offered_per_department,
    the_seal_and_tsa_in_use_are_shown_to_administrators,
    the_operation_log_filters_by_day_and_exports_csv,
    the_approval_inbox_and_the_timeline,
);

fn settings_with(current: &Value, changes: Value) -> Value {
    let mut s = current.clone();
    s.as_object_mut().unwrap().remove("code");
    for (k, v) in changes.as_object().unwrap() {
        s[k] = v.clone();
    }
    s
}

async fn contract_settings_shape_new_contracts(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let (st, current) = app.get(&admin, "/api/v1/settings").await;
    assert_eq!(st, 200, "{current}");
    assert_eq!(current["approval_required"], true);
    assert_eq!(current["contract_number_pattern"], "R{fy}-{seq:6}");
    assert_eq!(current["retention_years"], 10);
    assert_eq!(current["link_expiry_days"], 14);
    assert_eq!(current["japanese_era"], false);

    // Refusals name the field and the reason.
    for (changes, field, code) in [
        (
            json!({"contract_number_pattern": "R{fy}-001"}),
            "contract_number_pattern",
            "pattern_without_sequence",
        ),
        (
            json!({"contract_number_pattern": ""}),
            "contract_number_pattern",
            "required",
        ),
        (
            json!({"retention_years": 0}),
            "retention_years",
            "out_of_range",
        ),
        (
            json!({"link_expiry_days": 91}),
            "link_expiry_days",
            "out_of_range",
        ),
    ] {
        let (st, v) = app
            .put(&admin, "/api/v1/settings", settings_with(&current, changes))
            .await;
        assert_eq!(st, 422, "{v}");
        assert_eq!(v["errors"][0]["field"], field, "{v}");
        assert_eq!(v["errors"][0]["code"], code, "{v}");
    }

    let (st, v) = app
        .put(
            &admin,
            "/api/v1/settings",
            settings_with(
                &current,
                json!({"contract_number_pattern": "契約{fyyyy}-{seq:4}", "approval_required": false,
                       "retention_years": 30, "link_expiry_days": 7, "japanese_era": true}),
            ),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["japanese_era"], true);

    app.create_user(&admin, "tanaka", &["staff"], &[]).await;
    let staff = app.login("dev", "tanaka", &user_password("tanaka")).await;
    let (st, c) = app
        .post(
            &staff,
            "/api/v1/contracts",
            json!({"title": "備品購入契約", "counterparty_name": "株式会社テスト商事"}),
        )
        .await;
    assert_eq!(st, 201, "{c}");
    let number = c["contract_number"].as_str().unwrap();
    assert!(
        number.starts_with("契約20") && number.ends_with("-0001"),
        "{number}"
    );
    assert_eq!(c["retention_years"], 30);
    // Without mandatory approval the state machine lets a complete draft be sent directly.
    assert_eq!(c["facts"]["approval_required"], false, "{c}");

    // The change is in the operation log with before and after.
    let (_, log) = app
        .get(&admin, "/api/v1/audit-events?action=settings.updated")
        .await;
    let details = &log["items"][0]["details"];
    assert_eq!(details["retention_years"], json!([10, 30]), "{log}");
    assert_eq!(details["approval_required"], json!([true, false]), "{log}");
}

async fn route_templates_are_offered_per_department(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let boss = app.create_user(&admin, "kacho", &["approver"], &[]).await;
    let director = app.create_user(&admin, "bucho", &["approver"], &[]).await;
    app.create_user(&admin, "tanaka", &["staff"], &[]).await;
    let staff = app.login("dev", "tanaka", &user_password("tanaka")).await;
    let (st, dept) = app
        .post(&admin, "/api/v1/departments", json!({"name": "契約課"}))
        .await;
    assert_eq!(st, 201, "{dept}");
    let (_, other) = app
        .post(&admin, "/api/v1/departments", json!({"name": "財政課"}))
        .await;
    let dept_id = id(&dept);

    let route = json!([
        {"name": "課長決裁", "rule": "any", "approver_ids": [boss]},
        {"name": "部長決裁", "rule": "all", "approver_ids": [director, director]},
    ]);
    let (st, t) = app
        .post(
            &admin,
            "/api/v1/approval-route-templates",
            json!({"name": "契約課 標準", "department_id": dept_id, "steps": route}),
        )
        .await;
    assert_eq!(st, 201, "{t}");
    assert_eq!(t["department_name"], "契約課");
    assert_eq!(
        t["steps"][1]["approver_ids"],
        json!([director]),
        "repeats are dropped"
    );
    let (st, _) = app
        .post(
            &admin,
            "/api/v1/approval-route-templates",
            json!({"name": "全庁共通", "steps": [{"name": "課長決裁", "rule": "any", "approver_ids": [boss]}]}),
        )
        .await;
    assert_eq!(st, 201);

    // Staff choose from their department's and the common ones, but cannot change them.
    let (st, list) = app
        .get(
            &staff,
            &format!("/api/v1/approval-route-templates?department_id={dept_id}"),
        )
        .await;
    assert_eq!(st, 200, "{list}");
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["全庁共通", "契約課 標準"]);
    let (_, list) = app
        .get(
            &staff,
            &format!(
                "/api/v1/approval-route-templates?department_id={}",
                id(&other)
            ),
        )
        .await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_problem(
        &app.post(
            &staff,
            "/api/v1/approval-route-templates",
            json!({"name": "x", "steps": route}),
        )
        .await,
        403,
        "forbidden",
    );

    // A template's approvers must be users of the tenant; an empty route is not a template.
    let (st, v) = app
        .post(
            &admin,
            "/api/v1/approval-route-templates",
            json!({"name": "x", "steps": [{"name": "課長決裁", "rule": "any", "approver_ids": [uuid::Uuid::new_v4()]}]}),
        )
        .await;
    assert_eq!(st, 422, "{v}");
    assert_eq!(v["errors"][0]["field"], "steps[0].approver_ids");
    let (st, v) = app
        .post(
            &admin,
            "/api/v1/approval-route-templates",
            json!({"name": "x", "steps": []}),
        )
        .await;
    assert_eq!(st, 422, "{v}");

    // Archived templates are kept but no longer offered.
    let tid = id(&t);
    let (st, v) = app
        .put(
            &admin,
            &format!("/api/v1/approval-route-templates/{tid}"),
            json!({"name": "契約課 標準（旧）", "department_id": dept_id, "steps": route, "archived": true}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let (_, list) = app.get(&staff, "/api/v1/approval-route-templates").await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    let (_, list) = app
        .get(
            &admin,
            "/api/v1/approval-route-templates?include_archived=true",
        )
        .await;
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    assert_problem(
        &app.put(
            &admin,
            &format!("/api/v1/approval-route-templates/{}", uuid::Uuid::new_v4()),
            json!({"name": "x", "steps": route}),
        )
        .await,
        404,
        "not_found",
    );
    let (_, log) = app
        .get(&admin, &format!("/api/v1/audit-events?target_id={tid}"))
        .await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["route_template.updated", "route_template.created"]
    );
}

async fn the_seal_and_tsa_in_use_are_shown_to_administrators(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let (st, seal) = app.get(&admin, "/api/v1/seal").await;
    assert_eq!(st, 200, "{seal}");
    assert_eq!(seal["development"], true);
    assert_eq!(seal["tsa_source"], "builtin");
    assert!(
        seal["signer"]["days_left"].as_i64().unwrap() > 300,
        "{seal}"
    );
    assert_eq!(seal["signer"]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(
        seal["chain"].as_array().unwrap().len(),
        2,
        "intermediate and root: {seal}"
    );
    assert_eq!(
        seal["signer"]["issuer"], seal["chain"][0]["subject"],
        "the chain starts at the issuer"
    );
    assert!(seal["tsa_certificate"]["subject"].is_string(), "{seal}");
    app.create_user(&admin, "tanaka", &["staff"], &[]).await;
    let staff = app.login("dev", "tanaka", &user_password("tanaka")).await;
    assert_problem(&app.get(&staff, "/api/v1/seal").await, 403, "forbidden");
}

async fn the_operation_log_filters_by_day_and_exports_csv(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    app.create_user(&admin, "tanaka", &["staff"], &[]).await;
    app.create_user(&admin, "sato", &["staff"], &[]).await;
    let today = backend::clock::jst_date(backend::clock::Millis::now().0);
    let tomorrow = backend::clock::jst_date(backend::clock::Millis::now().0 + 86_400_000);

    let (st, v) = app
        .get(
            &admin,
            &format!("/api/v1/audit-events?action=user.created&from={today}&until={today}"),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["total"], 3, "the initial admin, tanaka and sato: {v}");
    let (_, v) = app
        .get(&admin, &format!("/api/v1/audit-events?from={tomorrow}"))
        .await;
    assert_eq!(v["total"], 0, "{v}");
    let (st, v) = app
        .get(&admin, "/api/v1/audit-events?from=2026-02-30")
        .await;
    assert_eq!(st, 422, "{v}");
    assert_eq!(v["errors"][0]["field"], "from");

    let (st, csv, headers) = app
        .send(
            TestRequest::get()
                .uri("/api/v1/audit-events.csv?action=user.created")
                .insert_header(("Cookie", format!("tachiai_session={}", admin.cookie))),
        )
        .await;
    assert_eq!(st, 200, "{csv}");
    assert_eq!(
        headers.get("content-type").unwrap(),
        "text/csv; charset=utf-8"
    );
    let disposition = headers
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(disposition.contains("audit-log_"), "{disposition}");
    let csv = csv.as_str().unwrap();
    assert!(csv.starts_with('\u{feff}'));
    let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[0].contains("操作コード"), "{csv}");
    assert!(
        lines[1].contains("利用者の登録") && lines[1].contains("user.created"),
        "{csv}"
    );

    // The export itself is recorded.
    let (_, log) = app
        .get(&admin, "/api/v1/audit-events?action=audit.exported")
        .await;
    assert_eq!(log["items"][0]["details"]["rows"], 3, "{log}");
}

async fn the_approval_inbox_and_the_timeline(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let (staff, boss, boss_id) = app.staff_and_approver(&admin).await;
    let (_, c) = app
        .post(
            &staff,
            "/api/v1/contracts",
            json!({"title": "庁舎清掃業務委託契約", "counterparty_name": "株式会社テスト商事"}),
        )
        .await;
    let cid = id(&c);
    let (st, v) = upload!(
        app,
        staff,
        cid,
        "main",
        "contract.pdf",
        crate::support::corpus("libreoffice-ja-contract.pdf")
    );
    assert_eq!(st, 201, "{v}");
    // A file shown in the page is recorded once per person and file; a saved one each time.
    let doc = v["documents"][0]["id"].as_str().unwrap().to_owned();
    for query in ["?view=true", "?view=true", ""] {
        let (st, _) = app
            .get(
                &staff,
                &format!("/api/v1/contracts/{cid}/documents/{doc}{query}"),
            )
            .await;
        assert_eq!(st, 200, "{query}");
    }
    app.put(
        &staff,
        &format!("/api/v1/contracts/{cid}/recipients"),
        json!({"recipients": [{"organization_name": "株式会社テスト商事", "name": "山田 太郎", "email": "yamada@example.co.jp"}]}),
    )
    .await;
    let (st, v) = app
        .put(
            &staff,
            &format!("/api/v1/contracts/{cid}/approval-route"),
            json!({"steps": [{"name": "課長決裁", "rule": "any", "approver_ids": [boss_id]}]}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let inbox = "/api/v1/contracts?awaiting_my_approval=true";
    let (_, v) = app.get(&boss, inbox).await;
    assert_eq!(v["total"], 0, "not submitted yet: {v}");
    app.post(
        &staff,
        &format!("/api/v1/contracts/{cid}/submit"),
        json!({}),
    )
    .await;
    let (st, v) = app.get(&boss, inbox).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(v["items"][0]["id"], cid.as_str());
    let (_, v) = app.get(&staff, inbox).await;
    assert_eq!(v["total"], 0, "the creator approves nothing: {v}");

    let (st, v) = app
        .post(
            &boss,
            &format!("/api/v1/contracts/{cid}/reject"),
            json!({"comment": "金額を確認してください"}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let (_, v) = app.get(&boss, inbox).await;
    assert_eq!(v["total"], 0, "{v}");
    // The rejected draft is back with its creator: the dashboard's 差し戻し task as a list.
    for (who, query, total) in [
        (&staff, "returned_to_me=true", 1),
        (&boss, "returned_to_me=true", 0),
        (&staff, "created_by_me=true&state=draft", 1),
        (&boss, "created_by_me=true", 0),
        (&staff, "returned_to_me=true&awaiting_my_approval=true", 0),
    ] {
        let (st, v) = app.get(who, &format!("/api/v1/contracts?{query}")).await;
        assert_eq!(st, 200, "{v}");
        assert_eq!(v["total"], total, "{query}: {v}");
    }

    let (_, c) = app.get(&staff, &format!("/api/v1/contracts/{cid}")).await;
    let timeline: Vec<(&str, Option<&str>)> = c["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["comment"].as_str()))
        .collect();
    assert_eq!(
        timeline.first().unwrap().0,
        "contract.created",
        "{timeline:?}"
    );
    assert!(
        timeline.contains(&("contract.submitted", None)),
        "{timeline:?}"
    );
    assert_eq!(
        timeline.last().unwrap(),
        &("contract.rejected", Some("金額を確認してください"))
    );
    let count = |action: &str| {
        c["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == action)
            .count()
    };
    assert_eq!(count("document.viewed"), 1, "{c}");
    assert_eq!(count("document.downloaded"), 1, "{c}");
    // Who, by name: the clerk made it, the approver sent it back.
    let first = &c["timeline"][0];
    assert_eq!(first["actor_label"], "tanaka");
    assert_eq!(first["actor_name"], "試験 tanaka");
    assert_eq!(
        c["timeline"].as_array().unwrap().last().unwrap()["actor_name"],
        "試験 kacho"
    );
    let seqs: Vec<i64> = c["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "oldest first: {seqs:?}"
    );
}
