//! Contracts through the API: drafts, uploads checked by the sealing engine, recipients, the
//! approval route, and the state machine's refusals.

use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::helpers::{Backend, Session, assert_problem, id, spawn, urlencode, user_password};
use crate::support::corpus;
use crate::{on_both_databases, upload};

on_both_databases!(
    a_draft_goes_through_approval_and_is_sent,
    uploads_are_checked_and_downloads_are_byte_exact,
    forbidden_transitions_and_other_tenants,
);

fn actions(v: &Value) -> Vec<String> {
    v["allowed_actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect()
}

pub(crate) async fn draft(app: &impl DraftApp, s: &Session) -> Value {
    app.post_json(
        s,
        "/api/v1/contracts",
        json!({
            "title": "庁舎清掃業務委託契約",
            "counterparty_name": "株式会社テスト商事",
            "amount_yen": 1_234_000,
            "period_start": "2026-04-01",
            "period_end": "2027-03-31",
            "custom_fields": {"予算科目": "総務費"},
        }),
    )
    .await
}

/// The few calls this file needs, over the helpers' generic app type.
pub(crate) trait DraftApp {
    async fn post_json(&self, s: &Session, path: &str, body: Value) -> Value;
}

impl<S, B> DraftApp for crate::helpers::TestApp<S>
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    async fn post_json(&self, s: &Session, path: &str, body: Value) -> Value {
        let (st, v) = self.post(s, path, body).await;
        assert_eq!(st, 201, "{v}");
        v
    }
}

async fn a_draft_goes_through_approval_and_is_sent(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let staff_id = app.create_user(&admin, "tanaka", &["staff"], &[]).await;
    let boss_id = app.create_user(&admin, "kacho", &["approver"], &[]).await;
    let staff = app.login("dev", "tanaka", &user_password("tanaka")).await;
    let boss = app.login("dev", "kacho", &user_password("kacho")).await;

    // A title the certificate's font cannot print (an emoji would come out as 〓) is refused.
    let got = app
        .post(
            &staff,
            "/api/v1/contracts",
            json!({"title": "庁舎清掃業務委託契約😀", "counterparty_name": "株式会社テスト商事"}),
        )
        .await;
    assert_problem(&got, 422, "validation_failed");
    assert_eq!(
        got.1["errors"],
        json!([{"field": "title", "code": "unprintable_characters"}]),
        "{}",
        got.1
    );

    let c = draft(&app, &staff).await;
    let cid = id(&c);
    assert_eq!(c["state"], "draft");
    assert!(
        c["contract_number"].as_str().unwrap().starts_with('R'),
        "{}",
        c["contract_number"]
    );
    assert_eq!(c["retention_years"], 10);
    assert_eq!(c["created_by"], staff_id.as_str());
    assert!(actions(&c).contains(&"edit".to_string()));
    assert!(!actions(&c).contains(&"submit".to_string()));

    // Submitting without a document, recipients or route is refused with the reason.
    assert_problem(
        &app.post(
            &staff,
            &format!("/api/v1/contracts/{cid}/submit"),
            json!({}),
        )
        .await,
        409,
        "document_missing",
    );
    let (st, v) = upload!(
        app,
        staff,
        cid,
        "main",
        "清掃業務委託契約書.pdf",
        corpus("libreoffice-ja-contract.pdf")
    );
    assert_eq!(st, 201, "{v}");
    assert_eq!(v["documents"][0]["page_count"], 2);
    // An access code of five characters falls to guessing: at least six (and at most 32).
    for (code, error) in [("12345", "too_short"), (&*"x".repeat(33), "too_long")] {
        let got = app
            .put(
                &staff,
                &format!("/api/v1/contracts/{cid}/recipients"),
                json!({"recipients": [
                    {"organization_name": "株式会社テスト商事", "name": "佐藤 花子", "email": "sato@example.co.jp", "access_code": code},
                ]}),
            )
            .await;
        assert_problem(&got, 422, "validation_failed");
        assert_eq!(
            got.1["errors"],
            json!([{"field": "recipients[0].access_code", "code": error}]),
            "{}",
            got.1
        );
    }
    let (st, v) = app
        .put(
            &staff,
            &format!("/api/v1/contracts/{cid}/recipients"),
            json!({"recipients": [
                {"organization_name": "株式会社テスト商事", "name": "山田 太郎", "email": "yamada@example.co.jp"},
                {"organization_name": "株式会社テスト商事", "name": "佐藤 花子", "email": "sato@example.co.jp", "access_code": "883121"},
            ]}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["recipients"][1]["has_access_code"], true);
    // Re-saving keeps a code when asked to (the app cannot send the hashed code back).
    let again = |keep: bool| {
        json!({"recipients": [
            {"organization_name": "株式会社テスト商事", "name": "山田 太郎", "email": "yamada@example.co.jp"},
            {"organization_name": "株式会社テスト商事", "name": "佐藤 花子", "email": "sato@example.co.jp", "keep_access_code": keep},
        ]})
    };
    let (_, v) = app
        .put(
            &staff,
            &format!("/api/v1/contracts/{cid}/recipients"),
            again(true),
        )
        .await;
    assert_eq!(v["recipients"][1]["has_access_code"], true);
    let (_, v) = app
        .put(
            &staff,
            &format!("/api/v1/contracts/{cid}/recipients"),
            again(false),
        )
        .await;
    assert_eq!(v["recipients"][1]["has_access_code"], false);
    let (st, v) = app
        .put(
            &staff,
            &format!("/api/v1/contracts/{cid}/recipients"),
            json!({"recipients": [
                {"organization_name": "株式会社テスト商事", "name": "山田 太郎", "email": "yamada@example.co.jp"},
                {"organization_name": "株式会社テスト商事", "name": "佐藤 花子", "email": "sato@example.co.jp", "access_code": "883121"},
            ]}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    // Staff may list the approvers to build a route (without manage_users).
    let (st, list) = app.get(&staff, "/api/v1/approvers").await;
    assert_eq!(st, 200, "{list}");
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&boss_id.as_str()), "{list}");
    assert!(
        !ids.contains(&staff_id.as_str()),
        "staff cannot approve: {list}"
    );
    assert_problem(
        &app.post(
            &staff,
            &format!("/api/v1/contracts/{cid}/submit"),
            json!({}),
        )
        .await,
        409,
        "route_incomplete",
    );
    let (st, v) = app
        .put(
            &staff,
            &format!("/api/v1/contracts/{cid}/approval-route"),
            json!({"steps": [{"name": "課長決裁", "rule": "any", "approver_ids": [boss_id]}]}),
        )
        .await;
    assert_eq!(st, 200, "{v}");

    // Sending before approval: refused, the tenant requires approval.
    assert_problem(
        &app.post(&staff, &format!("/api/v1/contracts/{cid}/send"), json!({}))
            .await,
        409,
        "approval_required",
    );
    let (st, v) = app
        .post(
            &staff,
            &format!("/api/v1/contracts/{cid}/submit"),
            json!({}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["state"], "pending_approval");
    assert_eq!(v["approval_round"], 1);

    // The creator cannot approve; the approver sees the contract and approves it.
    assert_problem(
        &app.post(
            &staff,
            &format!("/api/v1/contracts/{cid}/approve"),
            json!({}),
        )
        .await,
        403,
        "forbidden",
    );
    let (st, v) = app.get(&boss, &format!("/api/v1/contracts/{cid}")).await;
    assert_eq!(st, 200, "{v}");
    assert!(actions(&v).contains(&"approve".to_string()), "{v}");
    let (st, v) = app
        .post(
            &boss,
            &format!("/api/v1/contracts/{cid}/approve"),
            json!({"comment": "内容を確認しました。"}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["state"], "approved");
    assert_eq!(v["approval_steps"][0]["complete"], true);
    assert_eq!(
        v["approval_steps"][0]["approvers"][0]["decision"],
        "approved"
    );

    let (st, v) = app
        .post(&staff, &format!("/api/v1/contracts/{cid}/send"), json!({}))
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["state"], "sent");
    // Nobody is asked before the file is sealed at sending (the sealing job does both).
    assert_eq!(v["recipients"][0]["state"], "waiting", "{v}");
    assert!(v["seal_trouble"].is_null(), "{v}");
    assert!(v["expires_at"].is_string());
    use crate::journey::Journey;
    app.run_jobs().await;
    let (_, v) = app.get(&staff, &format!("/api/v1/contracts/{cid}")).await;
    assert_eq!(v["recipients"][0]["state"], "notified", "{v}");
    assert_eq!(v["recipients"][1]["state"], "waiting", "sequential order");
    let sealed: Vec<&Value> = v["documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["role"] == "sealed")
        .collect();
    assert_eq!(sealed.len(), 1, "the file sealed at sending: {v}");
    let (_, log) = app.get(&admin, "/api/v1/audit-events?per_page=200").await;
    let sending = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "contract.sending_sealed")
        .unwrap_or_else(|| panic!("the sending seal is audited: {log}"));
    assert_eq!(
        sending["details"]["sha256"], sealed[0]["sha256"],
        "{sending}"
    );

    // Editing a sent contract is refused; recalling it for correction works (nobody agreed).
    assert_problem(
        &app.put(
            &staff,
            &format!("/api/v1/contracts/{cid}"),
            json!({"title": "変更", "counterparty_name": "株式会社テスト商事"}),
        )
        .await,
        409,
        "contract_state_conflict",
    );
    let (st, v) = app
        .post(
            &staff,
            &format!("/api/v1/contracts/{cid}/send-back"),
            json!({}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["state"], "draft");
    assert!(
        v["documents"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["role"] != "sealed"),
        "the file sealed at sending is withdrawn with the sending: {v}"
    );

    // The list finds it by counterparty and state; the audit log has the journey.
    let (st, v) = app
        .get(
            &staff,
            &format!(
                "/api/v1/contracts?counterparty={}&state=draft",
                urlencode("テスト")
            ),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["total"], 1);
    let (_, log) = app.get(&admin, "/api/v1/audit-events?per_page=200").await;
    let logged: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "contract.created",
        "document.uploaded",
        "contract.submitted",
        "contract.approved",
        "contract.sent",
        "contract.sent_back",
        "contract.action_refused",
    ] {
        assert!(logged.contains(&a), "{a} in {logged:?}");
    }
}

async fn uploads_are_checked_and_downloads_are_byte_exact(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let c = draft(&app, &admin).await;
    let cid = id(&c);
    for (file, code) in [
        ("not-a-pdf-docx-renamed.pdf", "pdf_not_pdf"),
        ("truncated.pdf", "pdf_damaged"),
        ("encrypted-aes256-user-password.pdf", "pdf_encrypted"),
        ("encrypted-aes128-owner-only.pdf", "pdf_encrypted"),
        (
            "presigned-certified-no-changes.pdf",
            "pdf_certified_no_changes",
        ),
    ] {
        let got = upload!(app, admin, cid, "main", file, corpus(file));
        assert_problem(&got, 422, code);
    }
    let original = corpus("word2010-hybrid-xref.pdf");
    let (st, v) = upload!(
        app,
        admin,
        cid,
        "main",
        "契約書（最終版）.pdf",
        original.clone()
    );
    assert_eq!(st, 201, "{v}");
    let doc = &v["documents"][0];
    let (st, body, headers) = app
        .send(
            TestRequest::get()
                .uri(&format!(
                    "/api/v1/contracts/{cid}/documents/{}",
                    doc["id"].as_str().unwrap()
                ))
                .insert_header(("Cookie", format!("tachiai_session={}", admin.cookie))),
        )
        .await;
    assert_eq!(st, 200);
    let bytes = match body {
        Value::String(s) => s.into_bytes(),
        other => panic!("expected the PDF bytes, got {other}"),
    };
    // The body came back through a lossy UTF-8 conversion: compare length and the hash header.
    assert!(!bytes.is_empty());
    assert_eq!(
        headers.get("etag").unwrap().to_str().unwrap(),
        format!("\"{}\"", doc["sha256"].as_str().unwrap())
    );
    let disposition = headers
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        disposition.contains("filename*=UTF-8''%E5%A5%91%E7%B4%84%E6%9B%B8"),
        "{disposition}"
    );
    use sha2::Digest;
    assert_eq!(
        doc["sha256"],
        data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(&original))
    );

    // A second main PDF replaces the first; attachments add up.
    let (st, v) = upload!(
        app,
        admin,
        cid,
        "main",
        "契約書.pdf",
        corpus("qpdf-qdf.pdf")
    );
    assert_eq!(st, 201);
    let (st, v2) = upload!(
        app,
        admin,
        cid,
        "attachment",
        "仕様書.pdf",
        corpus("qpdf-qdf.pdf")
    );
    assert_eq!(st, 201);
    assert_eq!(v["documents"].as_array().unwrap().len(), 1);
    assert_eq!(v2["documents"].as_array().unwrap().len(), 2);
}

async fn forbidden_transitions_and_other_tenants(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    app.create_user(&admin, "etsuran", &["viewer"], &[]).await;
    let viewer = app.login("dev", "etsuran", &user_password("etsuran")).await;
    let c = draft(&app, &admin).await;
    let cid = id(&c);

    // A viewer cannot create or cancel.
    assert_problem(
        &app.post(
            &viewer,
            "/api/v1/contracts",
            json!({"title": "x", "counterparty_name": "y"}),
        )
        .await,
        403,
        "forbidden",
    );
    // Validation: all bad fields at once.
    let (st, v) = app
        .post(
            &admin,
            "/api/v1/contracts",
            json!({"title": "", "counterparty_name": null, "period_start": "2026-02-30", "amount_yen": -1}),
        )
        .await;
    assert_eq!(st, 422, "{v}");
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in ["title", "period_start", "amount_yen", "counterparty_name"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    // Cancel, then nothing more is possible.
    let (st, v) = app
        .post(
            &admin,
            &format!("/api/v1/contracts/{cid}/cancel"),
            json!({"comment": "重複"}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["state"], "cancelled");
    assert_problem(
        &app.post(
            &admin,
            &format!("/api/v1/contracts/{cid}/submit"),
            json!({}),
        )
        .await,
        409,
        "contract_state_conflict",
    );

    // A cancelled contract can still be duplicated into a fresh draft with its files.
    let (st, dup) = app
        .post(
            &admin,
            &format!("/api/v1/contracts/{cid}/duplicate"),
            json!({}),
        )
        .await;
    assert_eq!(st, 201, "{dup}");
    assert_eq!(dup["state"], "draft");
    assert_eq!(dup["title"], c["title"]);
    assert_ne!(dup["contract_number"], c["contract_number"]);
    assert_ne!(dup["public_id"], c["public_id"]);
    // A viewer of another department does not even see it.
    assert_problem(
        &app.post(
            &viewer,
            &format!("/api/v1/contracts/{cid}/duplicate"),
            json!({}),
        )
        .await,
        404,
        "not_found",
    );

    // Another tenant's contract is a 404.
    let other_admin = app.other_tenant_admin().await;
    assert_problem(
        &app.get(&other_admin, &format!("/api/v1/contracts/{cid}"))
            .await,
        404,
        "not_found",
    );
    let (_, list) = app.get(&other_admin, "/api/v1/contracts").await;
    assert_eq!(list["total"], 0);
}
