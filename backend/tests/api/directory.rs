//! Departments, users and the address book, and tenant isolation across all of them.

use serde_json::{Value, json};

use crate::helpers::{ADMIN_PASSWORD, Backend, assert_problem, spawn};
use crate::on_both_databases;

on_both_databases!(
    departments_form_a_tree_without_cycles,
    the_address_book_has_organisations_with_contacts_and_search,
    another_tenants_objects_are_404,
    lists_paginate,
);

async fn departments_form_a_tree_without_cycles(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let (st, bu) = app
        .post(
            &admin,
            "/api/v1/departments",
            json!({"name": "総務部", "code": "100"}),
        )
        .await;
    assert_eq!(st, 201);
    let (_, ka) = app
        .post(
            &admin,
            "/api/v1/departments",
            json!({"name": "契約課", "parent_id": bu["id"]}),
        )
        .await;
    let (_, kakari) = app
        .post(
            &admin,
            "/api/v1/departments",
            json!({"name": "契約係", "parent_id": ka["id"]}),
        )
        .await;
    assert_eq!(kakari["parent_id"], ka["id"]);
    let cycle = json!({"name": "総務部", "parent_id": kakari["id"]});
    assert_problem(
        &app.put(
            &admin,
            &format!("/api/v1/departments/{}", bu["id"].as_str().unwrap()),
            cycle,
        )
        .await,
        409,
        "department_cycle",
    );
    let moved = json!({"name": "契約係", "parent_id": bu["id"], "active": false});
    let (st, v) = app
        .put(
            &admin,
            &format!("/api/v1/departments/{}", kakari["id"].as_str().unwrap()),
            moved,
        )
        .await;
    assert_eq!(
        (st.as_u16(), v["parent_id"].clone(), v["active"].clone()),
        (200, bu["id"].clone(), json!(false))
    );
    let (_, list) = app.get(&admin, "/api/v1/departments").await;
    assert_eq!(list["total"], 3);
}

async fn the_address_book_has_organisations_with_contacts_and_search(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let (st, org) = app
        .post(&admin, "/api/v1/organizations", json!({"name": "株式会社テスト商事", "name_kana": "テストショウジ", "address": "新潟県新潟市中央区1-1"}))
        .await;
    assert_eq!(st, 201, "{org}");
    let oid = org["id"].as_str().unwrap();
    let (st, contact) = app
        .post(&admin, &format!("/api/v1/organizations/{oid}/contacts"), json!({"name": "山田 太郎", "email": "yamada@test-shoji.example.co.jp", "division": "営業部"}))
        .await;
    assert_eq!(st, 201, "{contact}");
    app.post(
        &admin,
        "/api/v1/organizations",
        json!({"name": "〇〇建設株式会社"}),
    )
    .await;
    let (_, found) = app
        .get(
            &admin,
            "/api/v1/organizations?q=%E3%83%86%E3%82%B9%E3%83%88",
        )
        .await; // q=テスト
    assert_eq!(found["total"], 1);
    assert_eq!(found["items"][0]["contacts"][0]["name"], "山田 太郎");
    let archived = json!({"name": "株式会社テスト商事", "archived": true});
    assert_eq!(
        app.put(&admin, &format!("/api/v1/organizations/{oid}"), archived)
            .await
            .0,
        200
    );
    assert_eq!(app.get(&admin, "/api/v1/organizations").await.1["total"], 1);
    assert_eq!(
        app.get(&admin, "/api/v1/organizations?include_archived=true")
            .await
            .1["total"],
        2
    );
    let cid = contact["id"].as_str().unwrap();
    let bad = json!({"name": "山田 太郎", "email": "yamada at example"});
    assert_problem(
        &app.put(&admin, &format!("/api/v1/contacts/{cid}"), bad)
            .await,
        422,
        "validation_failed",
    );
}

async fn another_tenants_objects_are_404(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin_a = app.admin().await;
    let user_a = app.create_user(&admin_a, "yamamoto", &["staff"], &[]).await;
    let (_, dept_a) = app
        .post(&admin_a, "/api/v1/departments", json!({"name": "財政課"}))
        .await;
    let (_, org_a) = app
        .post(&admin_a, "/api/v1/organizations", json!({"name": "A社"}))
        .await;
    let (_, contact_a) = app
        .post(
            &admin_a,
            &format!(
                "/api/v1/organizations/{}/contacts",
                org_a["id"].as_str().unwrap()
            ),
            json!({"name": "A", "email": "a@a.example.jp"}),
        )
        .await;

    app.with_conn(|conn| {
        let origin = backend::workflow::tenants::operator_origin("test");
        backend::workflow::tenants::create_tenant(
            conn,
            "other-city",
            "別の市",
            "admin",
            "admin@other.example.lg.jp",
            Some(ADMIN_PASSWORD),
            &origin,
        )
        .unwrap();
    });
    let admin_b = app.login("other-city", "admin", ADMIN_PASSWORD).await;
    let id = |v: &Value| v["id"].as_str().unwrap().to_owned();

    assert_problem(
        &app.get(&admin_b, &format!("/api/v1/users/{user_a}")).await,
        404,
        "not_found",
    );
    let update = json!({"name": "x", "email": "x@x.example.jp", "roles": ["admin"]});
    assert_problem(
        &app.put(&admin_b, &format!("/api/v1/users/{user_a}"), update)
            .await,
        404,
        "not_found",
    );
    assert_problem(
        &app.post(
            &admin_b,
            &format!("/api/v1/users/{user_a}/disable"),
            json!(null),
        )
        .await,
        404,
        "not_found",
    );
    assert_problem(
        &app.post(
            &admin_b,
            &format!("/api/v1/users/{user_a}/reset-password"),
            json!(null),
        )
        .await,
        404,
        "not_found",
    );
    assert_problem(
        &app.put(
            &admin_b,
            &format!("/api/v1/departments/{}", id(&dept_a)),
            json!({"name": "x"}),
        )
        .await,
        404,
        "not_found",
    );
    assert_problem(
        &app.get(&admin_b, &format!("/api/v1/organizations/{}", id(&org_a)))
            .await,
        404,
        "not_found",
    );
    assert_problem(
        &app.post(
            &admin_b,
            &format!("/api/v1/organizations/{}/contacts", id(&org_a)),
            json!({"name": "B", "email": "b@b.example.jp"}),
        )
        .await,
        404,
        "not_found",
    );
    assert_problem(
        &app.put(
            &admin_b,
            &format!("/api/v1/contacts/{}", id(&contact_a)),
            json!({"name": "B", "email": "b@b.example.jp"}),
        )
        .await,
        404,
        "not_found",
    );
    // Another tenant's department cannot be referenced either.
    let got = app
        .post(&admin_b, "/api/v1/users", json!({"login_id": "xyz1", "name": "x", "email": "x@x.example.jp", "roles": ["staff"], "department_id": dept_a["id"]}))
        .await;
    assert_problem(&got, 422, "validation_failed");
    assert_eq!(got.1["errors"][0]["code"], "unknown_reference");
    // Lists show only the own tenant; the same login ID may exist in both.
    assert_eq!(app.get(&admin_b, "/api/v1/users").await.1["total"], 1);
    assert_eq!(
        app.get(&admin_b, "/api/v1/organizations").await.1["total"],
        0
    );
    assert_eq!(app.get(&admin_b, "/api/v1/departments").await.1["total"], 0);
    assert_eq!(
        app.get(&admin_b, "/api/v1/audit-events?per_page=500")
            .await
            .1["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["actor_label"] == "yamamoto")
            .count(),
        0
    );
    app.create_user(&admin_b, "yamamoto", &["staff"], &[]).await;
}

async fn lists_paginate(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    for i in 0..7 {
        let (st, v) = app
            .post(
                &admin,
                "/api/v1/organizations",
                json!({"name": format!("取引先{i:02}")}),
            )
            .await;
        assert_eq!(st, 201, "{v}");
    }
    let (_, p1) = app.get(&admin, "/api/v1/organizations?per_page=3").await;
    let (_, p3) = app
        .get(&admin, "/api/v1/organizations?per_page=3&page=3")
        .await;
    assert_eq!(
        (p1["total"].clone(), p1["items"].as_array().unwrap().len()),
        (json!(7), 3)
    );
    // The pages together hold every organisation once, in order.
    let (_, p2) = app
        .get(&admin, "/api/v1/organizations?per_page=3&page=2")
        .await;
    let names: Vec<&str> = [&p1, &p2, &p3]
        .iter()
        .flat_map(|p| p["items"].as_array().unwrap())
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (0..7).map(|i| format!("取引先{i:02}")).collect();
    assert_eq!(names, expected);
    assert_eq!(
        (p3["page"].clone(), p3["total"].clone()),
        (json!(3), json!(7))
    );
    let (_, beyond) = app
        .get(&admin, "/api/v1/organizations?per_page=3&page=4")
        .await;
    assert_eq!(beyond["items"], json!([]), "{beyond}");
    // Beyond the documented bounds: refused, not clamped.
    for query in ["per_page=100000", "per_page=0", "page=0", "page=1000001"] {
        let (st, v) = app
            .get(&admin, &format!("/api/v1/organizations?{query}"))
            .await;
        assert_eq!(
            (st.as_u16(), v["code"].as_str()),
            (400, Some("malformed_request")),
            "{query}: {v}"
        );
    }
    let (_, most) = app.get(&admin, "/api/v1/organizations?per_page=500").await;
    assert_eq!(most["per_page"], 500);
}
