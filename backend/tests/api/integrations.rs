//! Integrators and overviews: API tokens (`Authorization: Bearer tachiai_…`), the dashboard,
//! and the contract list as CSV.

use actix_web::test::TestRequest;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{Backend, Session, assert_problem, id, spawn, user_password};
use crate::support::corpus;
use crate::{on_both_databases, upload};

on_both_databases!(
    api_tokens_act_as_their_user_without_csrf_until_revoked,
    token_scopes_limit_what_a_token_may_do,
    another_tenants_token_sees_nothing,
    the_dashboard_counts_and_lists_what_concerns_me,
    the_csv_export_is_excel_ready_and_defused,
);

const SECRET_LEN: usize = "tachiai_".len() + 43;

/// `(status, body, headers)` of a request with the given bearer token and no cookie or CSRF.
macro_rules! bearer {
    ($app:expr, $req:expr, $token:expr) => {{
        $app.send($req.insert_header(("Authorization", format!("Bearer {}", $token))))
            .await
    }};
}

fn contract(title: &str, counterparty: &str) -> Value {
    json!({"title": title, "counterparty_name": counterparty, "amount_yen": 1_234_000})
}

fn audit_actions(log: &Value) -> Vec<(String, String)> {
    log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["actor_label"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn api_tokens_act_as_their_user_without_csrf_until_revoked(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let tanaka_id = app.create_user(&admin, "tanaka", &["staff"], &[]).await;
    app.create_user(&admin, "suzuki", &["staff"], &[]).await;
    let tanaka = app.login("dev", "tanaka", &user_password("tanaka")).await;
    let suzuki = app.login("dev", "suzuki", &user_password("suzuki")).await;

    // A scope the user does not have, no scope, or a silly lifetime: refused.
    let (st, v) = app
        .post(
            &tanaka,
            "/api/v1/api-tokens",
            json!({"name": "連携", "scopes": ["view_contracts", "approve_contracts"]}),
        )
        .await;
    assert_eq!(st, 422, "{v}");
    assert_eq!(v["errors"][0]["field"], "scopes");
    let (st, v) = app
        .post(
            &tanaka,
            "/api/v1/api-tokens",
            json!({"name": "", "scopes": [], "expires_in_days": 0}),
        )
        .await;
    assert_eq!(st, 422, "{v}");
    assert_eq!(v["errors"].as_array().unwrap().len(), 3, "{v}");

    let (st, created) = app
        .post(
            &tanaka,
            "/api/v1/api-tokens",
            json!({"name": "文書管理システム連携", "scopes": ["view_contracts", "create_contracts"], "expires_in_days": 30}),
        )
        .await;
    assert_eq!(st, 201, "{created}");
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(
        secret.starts_with("tachiai_") && secret.len() == SECRET_LEN,
        "{secret}"
    );
    let token_id = id(&created["token"]);
    assert_eq!(created["token"]["active"], true);
    assert_eq!(created["token"]["login_id"], "tanaka");
    assert!(created["token"]["expires_at"].is_string());
    // Only the digest is stored.
    let stored: Vec<String> = app.with_conn(|conn| {
        use backend::db::schema::api_tokens::dsl as t;
        t::api_tokens.select(t::token_hash).load(conn).unwrap()
    });
    assert_eq!(stored.len(), 1);
    assert!(!stored[0].contains(&secret[8..]) && stored[0].len() == 64);

    // GET and POST with the bearer alone: no cookie, no CSRF header.
    let (st, list, _) = bearer!(app, TestRequest::get().uri("/api/v1/contracts"), secret);
    assert_eq!(st, 200, "{list}");
    let (st, c, _) = bearer!(
        app,
        TestRequest::post()
            .uri("/api/v1/contracts")
            .set_json(contract("トークンで作成", "株式会社連携")),
        secret
    );
    assert_eq!(st, 201, "{c}");
    assert_eq!(c["created_by"], tanaka_id.as_str());
    // A cross-site Origin does not matter to a bearer request (nothing ambient to abuse).
    let (st, _, _) = bearer!(
        app,
        TestRequest::post()
            .uri("/api/v1/contracts")
            .insert_header(("Origin", "https://evil.example"))
            .set_json(contract("二件目", "株式会社連携")),
        secret
    );
    assert_eq!(st, 201);

    // The token cannot reach the account endpoints (session only) nor tokens (refused, with
    // its own code).
    let (st, v, _) = bearer!(
        app,
        TestRequest::post()
            .uri("/api/v1/account/password")
            .set_json(json!({"current_password": "x", "new_password": "y"})),
        secret
    );
    assert_problem(&(st, v), 401, "unauthenticated");
    let (st, v, _) = bearer!(app, TestRequest::get().uri("/api/v1/api-tokens"), secret);
    assert_problem(&(st, v), 403, "api_token_not_allowed");
    let (st, v, _) = bearer!(
        app,
        TestRequest::post()
            .uri("/api/v1/api-tokens")
            .set_json(json!({"name": "x", "scopes": ["view_contracts"]})),
        secret
    );
    assert_problem(&(st, v), 403, "api_token_not_allowed");

    // Listed for its owner (used just now) and for an admin; another staff member sees none
    // and cannot revoke it.
    let (st, mine) = app.get(&tanaka, "/api/v1/api-tokens").await;
    assert_eq!(st, 200, "{mine}");
    assert_eq!(mine["total"], 1);
    assert!(mine["items"][0]["last_used_at"].is_string(), "{mine}");
    assert!(mine["items"][0].get("secret").is_none());
    let (_, all) = app.get(&admin, "/api/v1/api-tokens").await;
    assert_eq!(all["total"], 1);
    let (_, theirs) = app.get(&suzuki, "/api/v1/api-tokens").await;
    assert_eq!(theirs["total"], 0);
    assert_problem(
        &app.post(
            &suzuki,
            &format!("/api/v1/api-tokens/{token_id}/revoke"),
            json!({}),
        )
        .await,
        404,
        "not_found",
    );

    // What the token did is in the audit chain as `token:<name>`, with the user as actor.
    let (_, log) = app
        .get(&admin, "/api/v1/audit-events?action=contract.created")
        .await;
    let event = &log["items"][0];
    assert_eq!(event["actor_label"], "token:文書管理システム連携");
    assert_eq!(event["actor_id"], tanaka_id.as_str());

    // Revoked: 401 at once, with the RFC 6750 challenge; revoking again changes nothing.
    let (st, v) = app
        .post(
            &tanaka,
            &format!("/api/v1/api-tokens/{token_id}/revoke"),
            json!({}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["active"], false);
    assert!(v["revoked_at"].is_string());
    let (st, v, headers) = bearer!(app, TestRequest::get().uri("/api/v1/contracts"), secret);
    assert_problem(&(st, v), 401, "api_token_invalid");
    assert_eq!(
        headers.get("www-authenticate").unwrap(),
        "Bearer error=\"invalid_token\""
    );
    let (st, _) = app
        .post(
            &admin,
            &format!("/api/v1/api-tokens/{token_id}/revoke"),
            json!({}),
        )
        .await;
    assert_eq!(st, 200);
    for bogus in [
        "tachiai_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "not-a-tachiai-token",
    ] {
        let (st, v, _) = bearer!(app, TestRequest::get().uri("/api/v1/contracts"), bogus);
        assert_problem(&(st, v), 401, "api_token_invalid");
    }

    // A token of a disabled user stops working; the user's lost permissions are the token's.
    let (_, second) = app
        .post(
            &tanaka,
            "/api/v1/api-tokens",
            json!({"name": "二本目", "scopes": ["view_contracts", "create_contracts"]}),
        )
        .await;
    let second = second["secret"].as_str().unwrap().to_owned();
    let (st, v) = app
        .put(
            &admin,
            &format!("/api/v1/users/{tanaka_id}"),
            json!({"name": "試験 tanaka", "email": "tanaka@city.example.lg.jp", "roles": ["viewer"]}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let (st, v, _) = bearer!(
        app,
        TestRequest::post()
            .uri("/api/v1/contracts")
            .set_json(contract("閲覧者になった", "株式会社連携")),
        second
    );
    assert_problem(&(st, v), 403, "forbidden");
    let (st, _) = app
        .post(
            &admin,
            &format!("/api/v1/users/{tanaka_id}/disable"),
            json!({}),
        )
        .await;
    assert_eq!(st, 200);
    // Disabling revoked the token for good (enabling the user again does not revive it).
    let (st, v, _) = bearer!(app, TestRequest::get().uri("/api/v1/contracts"), second);
    assert_problem(&(st, v), 401, "api_token_invalid");
    let (st, _) = app
        .post(
            &admin,
            &format!("/api/v1/users/{tanaka_id}/enable"),
            json!({}),
        )
        .await;
    assert_eq!(st, 200);
    let (st, v, _) = bearer!(app, TestRequest::get().uri("/api/v1/contracts"), second);
    assert_problem(&(st, v), 401, "api_token_invalid");

    let (_, log) = app.get(&admin, "/api/v1/audit-events?per_page=200").await;
    let logged = audit_actions(&log);
    for (action, label) in [
        ("api_token.created", "tanaka"),
        ("api_token.revoked", "tanaka"),
        ("access.denied", "token:二本目"),
        ("auth.credentials_revoked", "admin"),
    ] {
        assert!(
            logged.iter().any(|(a, l)| a == action && l == label),
            "{action} by {label} in {logged:?}"
        );
    }
    let (_, chain) = app.get(&admin, "/api/v1/audit-events/verify").await;
    assert_eq!(chain["intact"], true, "{chain}");
}

async fn token_scopes_limit_what_a_token_may_do(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let (st, created) = app
        .post(
            &admin,
            "/api/v1/api-tokens",
            json!({"name": "登録専用", "scopes": ["view_contracts", "create_contracts", "edit_contracts"]}),
        )
        .await;
    assert_eq!(st, 201, "{created}");
    let secret = created["secret"].as_str().unwrap().to_owned();
    let (st, c, _) = bearer!(
        app,
        TestRequest::post()
            .uri("/api/v1/contracts")
            .set_json(contract("範囲の確認", "株式会社範囲")),
        secret
    );
    assert_eq!(st, 201, "{c}");
    let cid = id(&c);
    // The admin may do everything, the token only what its scopes allow.
    let allowed: Vec<&str> = c["allowed_actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(
        allowed.contains(&"edit") && !allowed.contains(&"cancel"),
        "{allowed:?}"
    );
    let (st, v, _) = bearer!(
        app,
        TestRequest::post()
            .uri(&format!("/api/v1/contracts/{cid}/send"))
            .set_json(json!({})),
        secret
    );
    assert_problem(&(st, v), 403, "forbidden");
    let (st, v, _) = bearer!(
        app,
        TestRequest::post()
            .uri(&format!("/api/v1/contracts/{cid}/cancel"))
            .set_json(json!({})),
        secret
    );
    assert_problem(&(st, v), 403, "forbidden");
    // Not scoped for the address book, users or the audit log either.
    for path in [
        "/api/v1/users",
        "/api/v1/audit-events",
        "/api/v1/organizations",
    ] {
        let (st, v, _) = bearer!(app, TestRequest::get().uri(path), secret);
        assert_problem(&(st, v), 403, "forbidden");
    }
    // The same send from the admin's session gets past the permission check: the refusal was
    // the scope's.
    assert_problem(
        &app.post(&admin, &format!("/api/v1/contracts/{cid}/send"), json!({}))
            .await,
        409,
        "approval_required",
    );
    let (_, log) = app
        .get(
            &admin,
            &format!("/api/v1/audit-events?target_id={cid}&per_page=50"),
        )
        .await;
    assert!(
        audit_actions(&log)
            .iter()
            .any(|(a, l)| a == "contract.action_refused" && l == "token:登録専用"),
        "{log}"
    );
}

async fn another_tenants_token_sees_nothing(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let (_, c) = app
        .post(
            &admin,
            "/api/v1/contracts",
            contract("本市の契約", "株式会社本市"),
        )
        .await;
    let cid = id(&c);
    let other = app.other_tenant_admin().await;
    let (st, created) = app
        .post(
            &other,
            "/api/v1/api-tokens",
            json!({"name": "別市連携", "scopes": ["view_contracts", "view_all_departments", "edit_contracts", "cancel_contracts", "download_documents"]}),
        )
        .await;
    assert_eq!(st, 201, "{created}");
    let secret = created["secret"].as_str().unwrap();

    let (st, v, _) = bearer!(
        app,
        TestRequest::get().uri(&format!("/api/v1/contracts/{cid}")),
        secret
    );
    assert_problem(&(st, v), 404, "not_found");
    let (st, v, _) = bearer!(
        app,
        TestRequest::post()
            .uri(&format!("/api/v1/contracts/{cid}/cancel"))
            .set_json(json!({})),
        secret
    );
    assert_problem(&(st, v), 404, "not_found");
    let (_, list, _) = bearer!(app, TestRequest::get().uri("/api/v1/contracts"), secret);
    assert_eq!(list["total"], 0);
    let (st, dash, _) = bearer!(app, TestRequest::get().uri("/api/v1/dashboard"), secret);
    assert_eq!(st, 200, "{dash}");
    assert!(dash["recent_events"].as_array().unwrap().is_empty());
    let (st, csv, _) = bearer!(app, TestRequest::get().uri("/api/v1/contracts.csv"), secret);
    assert_eq!(st, 200);
    assert_eq!(csv.as_str().unwrap().lines().count(), 1, "header only");
    // Its own tenant's admin cannot revoke it either: it is not theirs to see.
    let token_id = id(&created["token"]);
    assert_problem(
        &app.post(
            &admin,
            &format!("/api/v1/api-tokens/{token_id}/revoke"),
            json!({}),
        )
        .await,
        404,
        "not_found",
    );
    // Still the contract is untouched.
    let (_, c) = app.get(&admin, &format!("/api/v1/contracts/{cid}")).await;
    assert_eq!(c["state"], "draft");
}

/// A contract with a main PDF, one recipient and a one-step route approved by `approver`.
async fn ready_contract(
    app: &impl ContractSteps,
    s: &Session,
    title: &str,
    approver: &str,
) -> String {
    let c = app
        .ok(
            s,
            "POST",
            "/api/v1/contracts",
            Some(contract(title, "株式会社テスト商事")),
        )
        .await;
    let cid = id(&c);
    app.upload(s, &cid).await;
    app.ok(
        s,
        "PUT",
        &format!("/api/v1/contracts/{cid}/recipients"),
        Some(json!({"recipients": [{"organization_name": "株式会社テスト商事", "name": "山田 太郎", "email": "yamada@example.co.jp"}]})),
    )
    .await;
    app.ok(
        s,
        "PUT",
        &format!("/api/v1/contracts/{cid}/approval-route"),
        Some(json!({"steps": [{"name": "課長決裁", "rule": "any", "approver_ids": [approver]}]})),
    )
    .await;
    cid
}

/// The calls the dashboard scenario repeats, over the helpers' generic app type.
trait ContractSteps {
    /// Sends a JSON request and asserts a 2xx answer.
    async fn ok(&self, s: &Session, method: &str, path: &str, body: Option<Value>) -> Value;
    /// Uploads the main PDF.
    async fn upload(&self, s: &Session, cid: &str);
}

impl<S, B> ContractSteps for crate::helpers::TestApp<S>
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    async fn ok(&self, s: &Session, method: &str, path: &str, body: Option<Value>) -> Value {
        let (st, v) = match method {
            "GET" => self.get(s, path).await,
            "PUT" => self.put(s, path, body.unwrap_or(json!({}))).await,
            _ => self.post(s, path, body.unwrap_or(json!({}))).await,
        };
        assert!(st.is_success(), "{method} {path}: {st} {v}");
        v
    }

    async fn upload(&self, s: &Session, cid: &str) {
        let (st, v) = upload!(
            self,
            s,
            cid,
            "main",
            "contract.pdf",
            corpus("libreoffice-ja-contract.pdf")
        );
        assert_eq!(st, 201, "{v}");
    }
}

fn count(counts: &Value, state: &str) -> u64 {
    counts
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["state"] == state)
        .unwrap_or_else(|| panic!("{state} in {counts}"))["count"]
        .as_u64()
        .unwrap()
}

fn ids(list: &Value) -> Vec<String> {
    list["items"].as_array().unwrap().iter().map(id).collect()
}

async fn the_dashboard_counts_and_lists_what_concerns_me(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let dept = app
        .ok(
            &admin,
            "POST",
            "/api/v1/departments",
            Some(json!({"name": "総務課"})),
        )
        .await;
    let dept = id(&dept);
    let user = |login: &str, roles: &[&str], department: Option<&str>| {
        let body = json!({
            "login_id": login, "name": format!("試験 {login}"),
            "email": format!("{login}@city.example.lg.jp"), "department_id": department,
            "roles": roles, "password": user_password(login),
        });
        let admin = admin.clone();
        let app = &app;
        async move {
            let v = app.ok(&admin, "POST", "/api/v1/users", Some(body)).await;
            v["user"]["id"].as_str().unwrap().to_owned()
        }
    };
    user("tanaka", &["staff"], Some(&dept)).await;
    user("suzuki", &["staff"], Some(&dept)).await;
    let boss_id = user("kacho", &["approver"], None).await;
    let tanaka = app.login("dev", "tanaka", &user_password("tanaka")).await;
    let suzuki = app.login("dev", "suzuki", &user_password("suzuki")).await;
    let boss = app.login("dev", "kacho", &user_password("kacho")).await;
    // Sent contracts answer within 5 days here, so a sent one is "expiring within 7 days".
    app.with_conn(|conn| {
        use backend::db::schema::tenants::dsl as t;
        diesel::update(t::tenants)
            .set(t::link_expiry_days.eq(5))
            .execute(conn)
            .unwrap();
    });

    // Tanaka's: a plain draft, one in approval, one rejected, one sent, one sent back.
    let plain = app
        .ok(
            &tanaka,
            "POST",
            "/api/v1/contracts",
            Some(contract("下書きのまま", "株式会社一")),
        )
        .await;
    let plain = id(&plain);
    let pending = ready_contract(&app, &tanaka, "承認待ち", &boss_id).await;
    app.ok(
        &tanaka,
        "POST",
        &format!("/api/v1/contracts/{pending}/submit"),
        None,
    )
    .await;
    let rejected = ready_contract(&app, &tanaka, "差し戻し", &boss_id).await;
    app.ok(
        &tanaka,
        "POST",
        &format!("/api/v1/contracts/{rejected}/submit"),
        None,
    )
    .await;
    app.ok(
        &boss,
        "POST",
        &format!("/api/v1/contracts/{rejected}/reject"),
        Some(json!({"comment": "金額を確認してください。"})),
    )
    .await;
    let mut sent = Vec::new();
    for title in ["送信済み", "送信後に戻す"] {
        let cid = ready_contract(&app, &tanaka, title, &boss_id).await;
        app.ok(
            &tanaka,
            "POST",
            &format!("/api/v1/contracts/{cid}/submit"),
            None,
        )
        .await;
        app.ok(
            &boss,
            "POST",
            &format!("/api/v1/contracts/{cid}/approve"),
            None,
        )
        .await;
        app.ok(
            &tanaka,
            "POST",
            &format!("/api/v1/contracts/{cid}/send"),
            None,
        )
        .await;
        sent.push(cid);
    }
    let sent_back = sent.pop().unwrap();
    let sent = sent.pop().unwrap();
    app.ok(
        &tanaka,
        "POST",
        &format!("/api/v1/contracts/{sent_back}/send-back"),
        None,
    )
    .await;
    // A colleague's draft in the same department.
    let colleague = app
        .ok(
            &suzuki,
            "POST",
            "/api/v1/contracts",
            Some(contract("同僚の下書き", "株式会社二")),
        )
        .await;
    let colleague = id(&colleague);

    let d = app.ok(&tanaka, "GET", "/api/v1/dashboard", None).await;
    assert_eq!(
        d["mine"].as_array().unwrap().len(),
        shared::contract::ContractState::ALL.len(),
        "every state: {d}"
    );
    assert_eq!(count(&d["mine"], "draft"), 3, "{d}");
    assert_eq!(count(&d["mine"], "pending_approval"), 1);
    assert_eq!(count(&d["mine"], "sent"), 1);
    assert_eq!(count(&d["mine"], "concluded"), 0);
    assert_eq!(count(&d["my_department"], "draft"), 4, "{d}");
    assert_eq!(count(&d["my_department"], "sent"), 1);
    assert_eq!(d["drafts"]["total"], 3);
    let mut returned = ids(&d["returned"]);
    returned.sort();
    let mut expected = vec![rejected.clone(), sent_back.clone()];
    expected.sort();
    assert_eq!(returned, expected, "{d}");
    assert_eq!(d["pending_approvals"]["total"], 0);
    assert_eq!(ids(&d["expiring"]), vec![sent.clone()]);
    let events = d["recent_events"].as_array().unwrap();
    assert_eq!(events.len(), 20, "{d}");
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] > w[1]),
        "newest first: {seqs:?}"
    );
    assert_eq!(events[0]["contract_id"], colleague.as_str());
    assert_eq!(events[0]["action"], "contract.created");
    assert_eq!(events[0]["actor_label"], "suzuki");

    // The approver: only the contract waiting for them; no department; events only of the
    // contracts on their route.
    let d = app.ok(&boss, "GET", "/api/v1/dashboard", None).await;
    assert_eq!(ids(&d["pending_approvals"]), vec![pending.clone()], "{d}");
    assert!(d["my_department"].is_null());
    assert_eq!(count(&d["mine"], "draft"), 0);
    assert!(
        d["expiring"]["total"] == 1,
        "the sent contract is on their route: {d}"
    );
    for e in d["recent_events"].as_array().unwrap() {
        let c = e["contract_id"].as_str().unwrap();
        assert!(c != plain && c != colleague, "{e}");
    }
    // The colleague sees the department's counts but none of tanaka's lists.
    let d = app.ok(&suzuki, "GET", "/api/v1/dashboard", None).await;
    assert_eq!(count(&d["mine"], "draft"), 1);
    assert_eq!(count(&d["my_department"], "draft"), 4);
    assert_eq!(d["returned"]["total"], 0);
}

async fn the_csv_export_is_excel_ready_and_defused(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    for (title, counterparty) in [
        (
            "=HYPERLINK(\"http://evil.example\",\"開く\")",
            "株式会社\"テスト\",本社",
        ),
        ("@SUM(A1:A9)", "-10+20"),
        ("庁舎清掃業務委託契約", "+81-3-0000-0000 商事"),
    ] {
        let (st, v) = app
            .post(&admin, "/api/v1/contracts", contract(title, counterparty))
            .await;
        assert_eq!(st, 201, "{v}");
    }
    let (st, body, headers) = app
        .send(
            TestRequest::get()
                .uri("/api/v1/contracts.csv?state=draft&sort=number&page=3")
                .insert_header(("Cookie", format!("tachiai_session={}", admin.cookie))),
        )
        .await;
    assert_eq!(st, 200, "{body}");
    assert_eq!(
        headers.get("content-type").unwrap(),
        "text/csv; charset=utf-8"
    );
    let disposition = headers
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        disposition.contains("filename*=UTF-8''%E5%A5%91%E7%B4%84%E4%B8%80%E8%A6%A7_"),
        "{disposition}"
    );
    assert!(headers.get("x-tachiai-truncated").is_none());
    let csv = body.as_str().unwrap();
    assert!(csv.starts_with('\u{feff}'), "UTF-8 BOM");
    let lines: Vec<&str> = csv['\u{feff}'.len_utf8()..]
        .split_terminator("\r\n")
        .collect();
    assert!(!csv.replace("\r\n", "").contains('\n'), "CRLF only");
    assert_eq!(
        lines[0],
        "契約番号,件名,相手方,所属,金額,状態,契約締結日,更新日時"
    );
    assert_eq!(lines.len(), 4, "{csv}");
    // Sorted by number, i.e. in the order of creation.
    let (_, first) = lines[1].split_once(',').unwrap();
    assert!(
        first.starts_with(
            "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"開く\"\")\",\"株式会社\"\"テスト\"\",本社\",,1234000,下書き,,"
        ),
        "{csv}"
    );
    assert!(
        csv.contains(",'@SUM(A1:A9),'-10+20,,1234000,下書き,,"),
        "{csv}"
    );
    assert!(
        csv.contains(",庁舎清掃業務委託契約,'+81-3-0000-0000 商事,,1234000,下書き,,"),
        "{csv}"
    );
    // 更新日時 in JST, e.g. 2026-11-25 15:04:05.
    let updated = lines[1].rsplit(',').next().unwrap();
    assert_eq!(updated.len(), 19, "{updated}");
    assert_eq!(&updated[10..11], " ");

    // The list's filters apply; a bad one is refused as in the list.
    let (st, body, _) = app
        .send(
            TestRequest::get()
                .uri("/api/v1/contracts.csv?state=sent")
                .insert_header(("Cookie", format!("tachiai_session={}", admin.cookie))),
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(body.as_str().unwrap().lines().count(), 1);
    let (st, body, _) = app
        .send(
            TestRequest::get()
                .uri("/api/v1/contracts.csv?state=bogus")
                .insert_header(("Cookie", format!("tachiai_session={}", admin.cookie))),
        )
        .await;
    assert_problem(&(st, body), 422, "validation_failed");
    // A viewer outside the department sees nothing of it.
    app.create_user(&admin, "etsuran", &["viewer"], &[]).await;
    let viewer = app.login("dev", "etsuran", &user_password("etsuran")).await;
    let (st, body, _) = app
        .send(
            TestRequest::get()
                .uri("/api/v1/contracts.csv")
                .insert_header(("Cookie", format!("tachiai_session={}", viewer.cookie))),
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(body.as_str().unwrap().lines().count(), 1);

    // Audited with the row count and the filters.
    let (_, log) = app
        .get(&admin, "/api/v1/audit-events?action=contract.exported")
        .await;
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{log}");
    let first = items.last().unwrap();
    assert_eq!(first["details"]["rows"], 3);
    assert_eq!(first["details"]["truncated"], false);
    assert_eq!(first["details"]["filters"]["states"], json!(["draft"]));
    assert_eq!(first["actor_label"], "admin");
}
