//! The whole contract journey through the API on both databases: approval, sending, the
//! counterparties' links and one-time codes read from the real `.eml` outbox, agreement,
//! forwarding, sealing by the job queue, conclusion, and the signed PDF and completion
//! certificate judged by the service's own verifier and (when installed) the validator harness.

use std::path::{Path, PathBuf};

use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::helpers::{
    Backend, Session, TestApp, assert_problem, check_archive, external_validation, pdftotext, spawn,
};
use crate::support::corpus;
use crate::{on_both_databases, upload};

on_both_databases!(
    a_contract_past_its_deadline_expires_after_a_warning,
    with_the_tsa_down_the_contract_waits_in_concluding,
    a_seal_that_keeps_failing_tells_the_administrators_and_gives_up,
    two_recipients_one_forwards_and_the_contract_is_concluded,
    wrong_codes_lock_the_link_and_a_declined_contract_ends,
    repeated_wrong_codes_lock_longer_and_then_close_the_link,
);

/// The text bodies of every `.eml` sent to `to`, oldest first.
pub(crate) fn mails_to(outbox: &Path, to: &str) -> Vec<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(outbox)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "eml"));
    files.sort();
    files
        .iter()
        .filter_map(|p| {
            let raw = std::fs::read(p).unwrap();
            let msg = mail_parser::MessageParser::default().parse(&raw)?;
            let addressed = msg
                .to()
                .and_then(|a| a.first())
                .and_then(|a| a.address())
                .is_some_and(|a| a == to);
            addressed.then(|| msg.body_text(0).unwrap_or_default().into_owned())
        })
        .collect()
}

/// The signing token of the newest link in a mail to `to`.
pub(crate) fn newest_link(outbox: &Path, to: &str) -> String {
    let mails = mails_to(outbox, to);
    let body = mails
        .iter()
        .rev()
        .find(|m| m.contains("/sign/"))
        .unwrap_or_else(|| panic!("no signing mail to {to}"));
    let at = body.find("/sign/").unwrap() + "/sign/".len();
    body[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// The newest 6-digit code in a mail to `to`.
pub(crate) fn newest_code(outbox: &Path, to: &str) -> String {
    let mails = mails_to(outbox, to);
    for body in mails.iter().rev() {
        let digits: Vec<char> = body.chars().collect();
        for w in digits.windows(8) {
            if !w[0].is_ascii_digit()
                && w[1..7].iter().all(char::is_ascii_digit)
                && !w[7].is_ascii_digit()
            {
                return w[1..7].iter().collect();
            }
        }
    }
    panic!("no code mailed to {to}")
}

pub(crate) trait Journey {
    async fn call(&self, req: TestRequest) -> (u16, Value);
    async fn run_jobs(&self);
    fn outbox(&self) -> PathBuf;
}

impl<S, B> Journey for TestApp<S>
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    async fn call(&self, req: TestRequest) -> (u16, Value) {
        let (st, v, _) = self.send(req).await;
        (st.as_u16(), v)
    }

    async fn run_jobs(&self) {
        let state = self.state.clone();
        actix_web::web::block(move || {
            let registry = backend::startup::job_registry(&state).unwrap();
            backend::jobs::run_until_idle(&state.pool, &registry).unwrap()
        })
        .await
        .unwrap();
    }

    fn outbox(&self) -> PathBuf {
        self.state.config.data_dir.join("outbox")
    }
}

/// A recipient's way through the signing page: link → code → confirmed session.
pub(crate) async fn confirm(
    app: &impl Journey,
    email: &str,
    access_code: Option<&str>,
) -> (String, String) {
    app.run_jobs().await;
    let token = newest_link(&app.outbox(), email);
    let (st, v) = app
        .call(TestRequest::get().uri(&format!("/api/v1/signing/{token}")))
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["verified"], false);
    assert!(
        v["title"].is_null(),
        "nothing of the contract before the code"
    );
    let (st, v) = app
        .call(TestRequest::post().uri(&format!("/api/v1/signing/{token}/code")))
        .await;
    assert_eq!(st, 204, "{v}");
    app.run_jobs().await;
    let code = newest_code(&app.outbox(), email);
    let (st, v) = app
        .call(
            TestRequest::post()
                .uri(&format!("/api/v1/signing/{token}/verify"))
                .set_json(json!({"code": code, "access_code": access_code})),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    (token, v["session_token"].as_str().unwrap().to_owned())
}

pub(crate) fn bearer(req: TestRequest, session: &str) -> TestRequest {
    req.insert_header(("Authorization", format!("Bearer {session}")))
}

/// The one recipient of most journeys: 高橋 次郎 of 合同会社サンプル, `takahashi@example.jp`.
fn takahashi() -> Value {
    json!([{"organization_name": "合同会社サンプル", "name": "高橋 次郎", "email": "takahashi@example.jp"}])
}

/// The cast of a journey and its contract, sent: the admin, the clerk `tanaka` who created and
/// sent it, and its id.
pub(crate) struct SentContract {
    pub admin: Session,
    pub staff: Session,
    pub cid: String,
}

/// The set-up of every journey: the admin creates the clerk `tanaka` and the approver `kacho`;
/// the clerk drafts a contract with the corpus PDF, `recipients` and a one-step route, is refused
/// sending it unapproved, submits it; the approver approves; the clerk sends it.
pub(crate) async fn sent_contract(
    app: &TestApp<
        impl actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
            Error = actix_web::Error,
        >,
    >,
    recipients: Value,
    allow_forwarding: bool,
) -> SentContract {
    let admin = app.admin().await;
    let (tanaka, kacho, boss_id) = app.staff_and_approver(&admin).await;
    let (staff, boss) = (&tanaka, &kacho);
    let (st, c) = app
        .post(
            staff,
            "/api/v1/contracts",
            json!({"title": "庁舎清掃業務委託契約", "counterparty_name": "株式会社テスト商事",
                   "amount_yen": 1_234_000, "allow_forwarding": allow_forwarding,
                   "stamp": {"page": 1, "x": 330, "y": 40, "width": 230, "height": 80}}),
        )
        .await;
    assert_eq!(st, 201, "{c}");
    let cid = c["id"].as_str().unwrap().to_owned();
    let (st, v) = upload!(
        app,
        staff,
        cid,
        "main",
        "contract.pdf",
        corpus("libreoffice-ja-contract.pdf")
    );
    assert_eq!(st, 201, "{v}");
    let (st, v) = app
        .put(
            staff,
            &format!("/api/v1/contracts/{cid}/recipients"),
            json!({"recipients": recipients}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let (st, v) = app
        .put(
            staff,
            &format!("/api/v1/contracts/{cid}/approval-route"),
            json!({"steps": [{"name": "課長決裁", "rule": "any", "approver_ids": [boss_id]}]}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_problem(
        &app.post(staff, &format!("/api/v1/contracts/{cid}/send"), json!({}))
            .await,
        409,
        "approval_required",
    );
    let (st, v) = app
        .post(staff, &format!("/api/v1/contracts/{cid}/submit"), json!({}))
        .await;
    assert_eq!(st, 200, "{v}");
    let (st, v) = app
        .post(boss, &format!("/api/v1/contracts/{cid}/approve"), json!({}))
        .await;
    assert_eq!(st, 200, "{v}");
    let (st, v) = app
        .post(staff, &format!("/api/v1/contracts/{cid}/send"), json!({}))
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["state"], "sent");
    SentContract {
        admin,
        staff: tanaka,
        cid,
    }
}

async fn two_recipients_one_forwards_and_the_contract_is_concluded(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let SentContract { admin, staff, cid } = sent_contract(
        &app,
        json!([
            {"organization_name": "株式会社テスト商事", "name": "山田 太郎", "email": "yamada@example.co.jp"},
            {"organization_name": "株式会社テスト商事", "name": "佐藤 花子", "email": "sato@example.co.jp", "access_code": "883121"},
        ]),
        true,
    )
    .await;

    // Recipient 1 confirms, sees the contract, downloads it and agrees.
    let (t1, s1) = confirm(&app, "yamada@example.co.jp", None).await;
    let (st, v) = app
        .call(bearer(
            TestRequest::get().uri(&format!("/api/v1/signing/{t1}")),
            &s1,
        ))
        .await;
    assert_eq!(st, 200);
    assert_eq!(v["verified"], true);
    assert_eq!(v["title"], "庁舎清掃業務委託契約");
    let doc = v["documents"][0]["id"].as_str().unwrap().to_owned();
    let (st, _) = app
        .call(bearer(
            TestRequest::get().uri(&format!("/api/v1/signing/{t1}/documents/{doc}")),
            &s1,
        ))
        .await;
    assert_eq!(st, 200);
    // Shown in the page twice: one 相手方の表示, under the recipient's name.
    for _ in 0..2 {
        let (st, _) = app
            .call(bearer(
                TestRequest::get().uri(&format!("/api/v1/signing/{t1}/documents/{doc}?view=true")),
                &s1,
            ))
            .await;
        assert_eq!(st, 200);
    }
    let (_, c) = app.get(&staff, &format!("/api/v1/contracts/{cid}")).await;
    let seen: Vec<&serde_json::Value> = c["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "recipient.viewed")
        .collect();
    assert_eq!(seen.len(), 1, "{c}");
    assert_eq!(seen[0]["actor_name"], "山田 太郎（株式会社テスト商事）");
    assert_problem(
        &{
            let (st, v, _) = app
                .send(bearer(
                    TestRequest::post()
                        .uri(&format!("/api/v1/signing/{t1}/agree"))
                        .set_json(json!({"consent": false})),
                    &s1,
                ))
                .await;
            (st, v)
        },
        422,
        "consent_required",
    );
    let (st, v) = app
        .call(bearer(
            TestRequest::post()
                .uri(&format!("/api/v1/signing/{t1}/agree"))
                .set_json(json!({"consent": true})),
            &s1,
        ))
        .await;
    assert_eq!(st, 204, "{v}");

    // Recipient 2 (their turn now) needs the access code too; they forward to a colleague.
    let (t2, s2) = confirm(&app, "sato@example.co.jp", Some("883121")).await;
    let (st, v) = app
        .call(bearer(
            TestRequest::post()
                .uri(&format!("/api/v1/signing/{t2}/forward"))
                .set_json(json!({"name": "鈴木 一郎", "email": "suzuki@example.co.jp"})),
            &s2,
        ))
        .await;
    assert_eq!(st, 204, "{v}");
    let (st, v) = app
        .call(TestRequest::get().uri(&format!("/api/v1/signing/{t2}")))
        .await;
    assert_eq!(st, 410, "the forwarded link is dead: {v}");
    // The access code the city gave still guards the forwarded request.
    let (t3, s3) = confirm(&app, "suzuki@example.co.jp", Some("883121")).await;
    let (st, v) = app
        .call(bearer(
            TestRequest::post()
                .uri(&format!("/api/v1/signing/{t3}/agree"))
                .set_json(json!({"consent": true})),
            &s3,
        ))
        .await;
    assert_eq!(st, 204, "{v}");
    let (_, v) = app.get(&staff, &format!("/api/v1/contracts/{cid}")).await;
    assert_eq!(v["state"], "concluding");

    // The job queue seals both agreements, makes it B-LTA, issues the certificate.
    app.run_jobs().await;
    let (_, v) = app.get(&staff, &format!("/api/v1/contracts/{cid}")).await;
    assert_eq!(v["state"], "concluded", "{v}");
    assert!(v["concluded_on"].is_string());
    let docs = v["documents"].as_array().unwrap();
    let sealed = docs.iter().rev().find(|d| d["role"] == "sealed").unwrap();
    let certificate = docs.iter().find(|d| d["role"] == "certificate").unwrap();
    assert!(actions(&v).contains(&"download_certificate".to_string()));

    let download = |doc: &Value| {
        let store = app.state.blobs.clone();
        let sha = doc["sha256"].as_str().unwrap().to_owned();
        store.read(&sha).unwrap()
    };
    let signed = download(sealed);
    assert!(signed.starts_with(&corpus("libreoffice-ja-contract.pdf")));
    let report = backend::seal::verify(&signed, &app.state.seal.trust).unwrap();
    assert!(report.all_valid, "{report:#?}");
    let kinds: Vec<&str> = report.signatures.iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["signature", "signature", "signature", "document_timestamp"],
        "the sending seal, one seal per agreement, the document timestamp: {report:#?}"
    );
    let cert = download(certificate);
    let cert_report = backend::seal::verify(&cert, &app.state.seal.trust).unwrap();
    assert!(cert_report.all_valid, "{cert_report:#?}");

    let dir = app.state.config.data_dir.clone();
    std::fs::write(dir.join("signed.pdf"), &signed).unwrap();
    std::fs::write(dir.join("certificate.pdf"), &cert).unwrap();
    if let Some(text) = pdftotext(&dir.join("certificate.pdf")) {
        for name in ["山田 太郎", "鈴木 一郎", "佐藤 花子", "株式会社テスト商事"]
        {
            assert!(text.contains(name), "{name} in the certificate");
        }
    }
    external_validation(&dir.join("pki/root-ca.pem"), &dir.join("signed.pdf"));
    external_validation(&dir.join("pki/root-ca.pem"), &dir.join("certificate.pdf"));

    // Anyone can verify the signed file and see that this service issued it; the QR page says
    // only number, date and seal status.
    let (st, v) = app
        .call(
            TestRequest::post()
                .uri("/api/v1/verify")
                .insert_header(("Content-Type", "application/pdf"))
                .set_payload(signed.clone()),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["issued_by_this_service"], true);
    assert_eq!(v["verification"]["all_valid"], true);
    assert_eq!(v["document_role"], "sealed");
    // Each seal says whom it records: the city's sending act with its approval route, then the
    // two parties who agreed, in order.
    let reasons: Vec<&str> = v["verification"]["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["reason"].as_str())
        .collect();
    assert_eq!(reasons.len(), 3, "{v}");
    assert!(
        reasons[0].contains("（送信者）が、承認: ") && reasons[0].contains("の決裁を経て送信"),
        "{reasons:?}"
    );
    assert!(reasons[1].contains("山田 太郎"), "{reasons:?}");
    assert!(reasons[2].contains("鈴木 一郎"), "{reasons:?}");
    // The long-term verdict, from the file alone: every seal reaches B-LTA, the OCSP responses
    // and CRLs of the seal's and the TSA's chains are in the file and under the archive timestamp.
    for s in v["verification"]["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == "signature")
    {
        assert_eq!(s["pades_level"], "B-LTA", "{s}");
        assert_eq!(s["ltv"]["complete"], true, "{s}");
        let checks = s["revocation"].as_array().unwrap();
        assert!(!checks.is_empty(), "{s}");
        assert!(
            checks
                .iter()
                .all(|r| r["status"] == "good" && r["origin"] == "dss"),
            "{s}"
        );
    }
    let (st, v) = app
        .call(
            TestRequest::post()
                .uri("/api/v1/verify")
                .set_payload(corpus("presigned-pades-bt-rsa.pdf")),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["issued_by_this_service"], false);
    assert_eq!(v["verification"]["all_valid"], false, "not our trust root");
    let (st, v) = app
        .call(
            TestRequest::post()
                .uri("/api/v1/verify")
                .set_payload(corpus("truncated.pdf")),
        )
        .await;
    assert_eq!((st, v["code"].as_str()), (422, Some("pdf_damaged")));
    let (_, detail) = app.get(&staff, &format!("/api/v1/contracts/{cid}")).await;
    let public_id = detail["public_id"].as_str().unwrap();
    let (st, v) = app
        .call(TestRequest::get().uri(&format!("/api/v1/public/contracts/{public_id}")))
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["sealed"], true);
    assert_eq!(v["contract_number"], detail["contract_number"]);
    assert!(v.get("title").is_none(), "nothing of the content: {v}");

    // The ZIP holds every file, the event log and a manifest whose hashes match.
    let zip_bytes = {
        let req = TestRequest::get()
            .uri(&format!("/api/v1/contracts/{cid}/archive"))
            .insert_header(("Cookie", format!("tachiai_session={}", staff.cookie)))
            .to_request();
        let res = actix_web::test::call_service(&app.svc, req).await;
        assert_eq!(res.status(), 200);
        assert_eq!(
            res.headers().get("content-type").unwrap(),
            "application/zip"
        );
        actix_web::test::read_body(res).await
    };
    check_archive(&zip_bytes, &signed);
    app.run_jobs().await;
    for to in ["yamada@example.co.jp", "suzuki@example.co.jp"] {
        assert!(
            mails_to(&app.outbox(), to)
                .iter()
                .any(|m| m.contains("締結")),
            "{to}"
        );
    }
    let (_, chain) = app.get(&admin, "/api/v1/audit-events/verify").await;
    assert_eq!(chain["intact"], true, "{chain}");
}

/// The `allowed_actions` of a contract view, as strings.
fn actions(v: &Value) -> Vec<String> {
    v["allowed_actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_owned())
        .collect()
}

async fn wrong_codes_lock_the_link_and_a_declined_contract_ends(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let SentContract { staff, cid, .. } = sent_contract(&app, takahashi(), false).await;
    app.run_jobs().await;
    // Staff were told: the approver when asked, the creator when approved.
    assert!(!mails_to(&app.outbox(), "kacho@city.example.lg.jp").is_empty());
    assert!(!mails_to(&app.outbox(), "tanaka@city.example.lg.jp").is_empty());
    // A reminder mails a fresh link; the old one stops working.
    let first = newest_link(&app.outbox(), "takahashi@example.jp");
    let (st, v) = app
        .post(
            &staff,
            &format!("/api/v1/contracts/{cid}/remind"),
            json!({}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    app.run_jobs().await;
    let token = newest_link(&app.outbox(), "takahashi@example.jp");
    assert_ne!(first, token);
    let (st, _) = app
        .call(TestRequest::get().uri(&format!("/api/v1/signing/{first}")))
        .await;
    assert_eq!(st, 404);

    // Unknown links are 404; without a session nothing of the contract is shown or changed.
    let (st, _) = app
        .call(TestRequest::get().uri("/api/v1/signing/not-a-real-token"))
        .await;
    assert_eq!(st, 404);
    let (st, v) = app
        .call(
            TestRequest::post()
                .uri(&format!("/api/v1/signing/{token}/agree"))
                .set_json(json!({"consent": true})),
        )
        .await;
    assert_eq!(
        (st, v["code"].as_str()),
        (401, Some("signing_verification_required"))
    );

    // A code is needed before verifying; five wrong ones lock the link.
    let (st, v) = app
        .call(
            TestRequest::post()
                .uri(&format!("/api/v1/signing/{token}/verify"))
                .set_json(json!({"code": "000000"})),
        )
        .await;
    assert_eq!(
        (st, v["code"].as_str()),
        (401, Some("signing_code_expired")),
        "{v}"
    );
    let (st, _) = app
        .call(TestRequest::post().uri(&format!("/api/v1/signing/{token}/code")))
        .await;
    assert_eq!(st, 204);
    let (st, v) = app
        .call(TestRequest::post().uri(&format!("/api/v1/signing/{token}/code")))
        .await;
    assert_eq!(
        (st, v["code"].as_str()),
        (429, Some("signing_code_too_soon"))
    );
    app.run_jobs().await;
    let right = newest_code(&app.outbox(), "takahashi@example.jp");
    let wrong = if right == "123456" {
        "654321"
    } else {
        "123456"
    };
    for i in 1..=5 {
        let (st, v) = app
            .call(
                TestRequest::post()
                    .uri(&format!("/api/v1/signing/{token}/verify"))
                    .set_json(json!({"code": wrong})),
            )
            .await;
        let expected = if i < 5 {
            "signing_code_invalid"
        } else {
            "signing_locked"
        };
        assert_eq!(v["code"], expected, "attempt {i}: {st} {v}");
    }
    let (st, v) = app
        .call(
            TestRequest::post()
                .uri(&format!("/api/v1/signing/{token}/verify"))
                .set_json(json!({"code": right})),
        )
        .await;
    assert_eq!(
        (st, v["code"].as_str()),
        (423, Some("signing_locked")),
        "locked even for the right code"
    );

    // Unlock by time (simulated), confirm, and decline.
    app.with_conn(|conn| {
        use diesel::prelude::*;
        diesel::sql_query("UPDATE recipients SET locked_until = NULL, otp_expires_at = NULL")
            .execute(conn)
            .unwrap();
    });
    let (t, s) = confirm(&app, "takahashi@example.jp", None).await;
    let (st, v) = app
        .call(bearer(
            TestRequest::post()
                .uri(&format!("/api/v1/signing/{t}/forward"))
                .set_json(json!({"name": "x", "email": "x@example.jp"})),
            &s,
        ))
        .await;
    assert_eq!(
        (st, v["code"].as_str()),
        (409, Some("forwarding_not_allowed"))
    );
    let (st, v) = app
        .call(bearer(
            TestRequest::post()
                .uri(&format!("/api/v1/signing/{t}/decline"))
                .set_json(json!({"reason": "金額に誤りがあります。"})),
            &s,
        ))
        .await;
    assert_eq!(st, 204, "{v}");
    let (_, v) = app.get(&staff, &format!("/api/v1/contracts/{cid}")).await;
    assert_eq!(v["state"], "declined");
    assert_eq!(
        v["recipients"][0]["decline_reason"],
        "金額に誤りがあります。"
    );
    let (st, v) = app
        .call(bearer(
            TestRequest::post()
                .uri(&format!("/api/v1/signing/{t}/agree"))
                .set_json(json!({"consent": true})),
            &s,
        ))
        .await;
    assert_eq!(
        (st, v["code"].as_str()),
        (409, Some("contract_state_conflict"))
    );
    app.run_jobs().await;
    assert!(
        mails_to(&app.outbox(), "tanaka@city.example.lg.jp")
            .iter()
            .any(|m| m.contains("金額に誤りがあります"))
    );
}

/// A contract sent to 高橋, who has agreed: its seal is due.
pub(crate) async fn agreed_contract(
    app: &TestApp<
        impl actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
            Error = actix_web::Error,
        >,
    >,
) -> SentContract {
    let sent = sent_contract(app, takahashi(), false).await;
    let (t, s) = confirm(app, "takahashi@example.jp", None).await;
    let (st, v) = app
        .call(bearer(
            TestRequest::post()
                .uri(&format!("/api/v1/signing/{t}/agree"))
                .set_json(json!({"consent": true})),
            &s,
        ))
        .await;
    assert_eq!(st, 204, "{v}");
    sent
}

/// The sealing job alone, with a TSA that does not answer (a closed port).
fn sealing_with_the_tsa_down(state: &backend::startup::AppState) -> backend::jobs::Registry {
    let mut kit = backend::seal::SealKit::from_config(&state.config).unwrap();
    kit.tsa = backend::seal::TsaSource::Http(
        pades::HttpTimeStamper::new(["http://127.0.0.1:9/tsa"]).attempts(1),
    );
    backend::jobs::Registry::new().with(backend::workflow::sealing::SealHandler::new(
        std::sync::Arc::new(backend::seal::SealService::new(
            std::sync::Arc::new(kit),
            state.keys.clone(),
            Vec::new(),
        )),
        state.blobs.clone(),
        backend::workflow::signing::Links::new(&state.config.public_url),
    ))
}

/// Fail closed: no timestamp, no seal. The contract stays `concluding`, the job is retried, and
/// when the TSA answers again the contract is concluded.
async fn with_the_tsa_down_the_contract_waits_in_concluding(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let SentContract { admin, staff, cid } = agreed_contract(&app).await;

    // The TSA is unreachable (a closed port): the seal job fails and is retried later.
    let state = app.state.clone();
    let summary = actix_web::web::block(move || {
        let registry = sealing_with_the_tsa_down(&state);
        backend::jobs::run_until_idle(&state.pool, &registry).unwrap()
    })
    .await
    .unwrap();
    assert_eq!(summary.retried, 1, "{summary:?}");
    let (_, v) = app.get(&staff, &format!("/api/v1/contracts/{cid}")).await;
    assert_eq!(v["state"], "concluding");
    assert_eq!(
        v["documents"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["role"] == "sealed")
            .count(),
        1,
        "no file without a timestamp: only the one sealed at sending"
    );
    // The contract page says why, in Japanese, and that it will try again.
    let trouble = &v["seal_trouble"];
    assert_eq!(trouble["gave_up"], false, "{v}");
    assert!(
        trouble["reason_ja"]
            .as_str()
            .unwrap()
            .starts_with("タイムスタンプを取得できなかったため"),
        "{trouble}"
    );
    assert_eq!(trouble["attempts"], 1, "{trouble}");
    assert!(trouble["next_attempt_at"].is_string(), "{trouble}");
    let (_, log) = app.get(&admin, "/api/v1/audit-events?per_page=200").await;
    assert!(
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "contract.seal_failed")
    );

    // The TSA is back (the built-in one); after the backoff the job concludes the contract.
    let state = app.state.clone();
    actix_web::web::block(move || {
        let registry = backend::startup::job_registry(&state).unwrap();
        let later = backend::clock::Millis::now().plus_minutes(60);
        backend::jobs::run_until_idle_at(&state.pool, &registry, later).unwrap()
    })
    .await
    .unwrap();
    let (_, v) = app.get(&staff, &format!("/api/v1/contracts/{cid}")).await;
    assert_eq!(v["state"], "concluded", "{v}");
}

/// The subjects of every `.eml` in the outbox.
fn subjects(outbox: &Path) -> Vec<String> {
    std::fs::read_dir(outbox)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .filter_map(|p| {
            let raw = std::fs::read(p).unwrap();
            let msg = mail_parser::MessageParser::default().parse(&raw)?;
            msg.subject().map(str::to_owned)
        })
        .collect()
}

/// A seal job that cannot complete does not retry silently: the contract page says why, the
/// administrators are mailed after three failed attempts and again when it gives up (after the
/// allowed attempts), and the contract stays 締結処理中 without a file missing its timestamp.
async fn a_seal_that_keeps_failing_tells_the_administrators_and_gives_up(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let SentContract { admin, staff, cid } = agreed_contract(&app).await;
    let state = app.state.clone();
    let summaries = actix_web::web::block(move || {
        let registry = sealing_with_the_tsa_down(&state);
        // Two hours later each time: past any backoff.
        (0..=backend::jobs::DEFAULT_MAX_ATTEMPTS)
            .map(|n| {
                let at = backend::clock::Millis::now().plus_minutes(120 * i64::from(n));
                backend::jobs::run_until_idle_at(&state.pool, &registry, at).unwrap()
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    let retried: usize = summaries.iter().map(|s| s.retried).sum();
    let dead: usize = summaries.iter().map(|s| s.dead).sum();
    assert_eq!(
        (retried, dead),
        (backend::jobs::DEFAULT_MAX_ATTEMPTS as usize - 1, 1),
        "{summaries:?}"
    );
    let (_, v) = app.get(&staff, &format!("/api/v1/contracts/{cid}")).await;
    assert_eq!(v["state"], "concluding");
    let trouble = &v["seal_trouble"];
    assert_eq!(trouble["gave_up"], true, "{v}");
    assert_eq!(trouble["attempts"], backend::jobs::DEFAULT_MAX_ATTEMPTS);
    assert!(trouble["next_attempt_at"].is_null(), "{trouble}");
    assert!(
        trouble["reason_ja"]
            .as_str()
            .unwrap()
            .starts_with("タイムスタンプを取得できなかったため"),
        "{trouble}"
    );
    assert!(
        trouble["detail"].as_str().unwrap().contains("127.0.0.1:9"),
        "{trouble}"
    );
    // The administrators' mails: after 3 attempts, and when it gave up.
    app.run_jobs().await;
    let told = subjects(&app.outbox())
        .into_iter()
        .filter(|s| s.contains("電子署名の処理が止まっています"))
        .count();
    assert_eq!(told, 2, "{:?}", subjects(&app.outbox()));
    let (_, log) = app.get(&admin, "/api/v1/audit-events?per_page=200").await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "contract.seal_failed")
            .count(),
        backend::jobs::DEFAULT_MAX_ATTEMPTS as usize
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "contract.seal_stuck")
            .count(),
        2
    );
}

/// Three days before the deadline the creator is warned (once); after it the contract expires
/// and its links stop working.
async fn a_contract_past_its_deadline_expires_after_a_warning(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let SentContract { staff, cid, .. } = sent_contract(&app, takahashi(), false).await;
    app.run_jobs().await;
    let token = newest_link(&app.outbox(), "takahashi@example.jp");
    let set_deadline = |ms: i64| {
        app.with_conn(|conn| {
            use diesel::prelude::*;
            diesel::sql_query(format!("UPDATE contracts SET expires_at = {ms}"))
                .execute(conn)
                .unwrap();
        })
    };
    let sweep = || {
        let links = backend::workflow::signing::Links::new(&app.state.config.public_url);
        app.with_conn(|conn| {
            backend::workflow::expiry::sweep(conn, &links, backend::clock::Millis::now()).unwrap()
        })
    };
    let now = backend::clock::Millis::now().0;
    set_deadline(now + 86_400_000);
    // The dashboard's 「回答期限が7日以内」 as a list.
    for (query, total) in [
        ("expires_within_days=7&state=sent", 1),
        ("expires_within_days=0", 0),
    ] {
        let (st, v) = app.get(&staff, &format!("/api/v1/contracts?{query}")).await;
        assert_eq!(
            (st.as_u16(), &v["total"]),
            (200, &json!(total)),
            "{query}: {v}"
        );
    }
    assert_problem(
        &app.get(&staff, "/api/v1/contracts?expires_within_days=400")
            .await,
        422,
        "validation_failed",
    );
    let first = sweep();
    assert_eq!(first.warned, 1);
    assert_eq!(
        first.reminded, 0,
        "the request went out less than a day ago"
    );
    // Two days after sending, the recipient who has not answered gets one reminder.
    let requested_two_days_ago = || {
        app.with_conn(|conn| {
            use diesel::prelude::*;
            diesel::sql_query(format!(
                "UPDATE recipients SET notified_at = {}",
                now - 2 * 86_400_000
            ))
            .execute(conn)
            .unwrap();
        })
    };
    requested_two_days_ago();
    let second = sweep();
    assert_eq!(
        (second.warned, second.reminded),
        (1, 1),
        "the warning job is deduplicated, not mailed twice; the reminder goes out"
    );
    requested_two_days_ago();
    assert_eq!(sweep().reminded, 0, "once per sending");
    app.run_jobs().await;
    let warnings = mails_to(&app.outbox(), "tanaka@city.example.lg.jp")
        .into_iter()
        .filter(|m| m.contains("高橋 次郎"))
        .count();
    assert_eq!(warnings, 1);
    assert_eq!(
        mails_to(&app.outbox(), "takahashi@example.jp").len(),
        2,
        "request and one reminder"
    );
    let reminded = newest_link(&app.outbox(), "takahashi@example.jp");
    assert_ne!(reminded, token, "the reminder carries a fresh link");
    let (st, _) = app
        .call(TestRequest::get().uri(&format!("/api/v1/signing/{reminded}")))
        .await;
    assert_eq!(st, 200, "the reminder's link works until the deadline");
    let token = reminded;

    set_deadline(now - 1000);
    assert_eq!(sweep().expired, 1);
    let (_, v) = app.get(&staff, &format!("/api/v1/contracts/{cid}")).await;
    assert_eq!(v["state"], "expired");
    let (st, _) = app
        .call(TestRequest::get().uri(&format!("/api/v1/signing/{token}")))
        .await;
    assert_eq!(st, 410);
    assert_eq!(
        sweep(),
        backend::workflow::expiry::Sweep::default(),
        "nothing left to do"
    );
}

/// Guessing does not go on for ever: each lock lasts longer (30 minutes, 2
/// hours, 24 hours); after 20 wrong codes the link is closed, the sender is told, and only a
/// new link from staff works.
async fn repeated_wrong_codes_lock_longer_and_then_close_the_link(backend: Backend) {
    use backend::db::ids::{ContractId, TenantId};
    use backend::db::queries::recipients;
    let Some(app) = spawn(backend).await else {
        return;
    };
    // Borrowed, so that the helpers below can be called more than once.
    let app = &app;
    let email = "takahashi@example.jp";
    let SentContract { admin, staff, cid } = sent_contract(
        app,
        json!([{"organization_name": "合同会社サンプル", "name": "高橋 次郎", "email": email}]),
        false,
    )
    .await;
    let tenant = admin.body["me"]["tenant"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.run_jobs().await;
    let token = &newest_link(&app.outbox(), email);
    let post = |path: String, body: Value| app.call(TestRequest::post().uri(&path).set_json(body));
    let recipient = || {
        app.with_conn(|c| {
            recipients::list_for_contract(c, TenantId(&tenant), ContractId(&cid)).unwrap()
        })
        .remove(0)
    };
    // One round: a fresh code, then five wrong ones; the fifth answers `last`.
    let round = |last: &'static str| async move {
        let (st, v) = post(format!("/api/v1/signing/{token}/code"), json!(null)).await;
        assert_eq!(st, 204, "{v}");
        app.run_jobs().await;
        let right = newest_code(&app.outbox(), email);
        let wrong = if right == "123456" {
            "654321"
        } else {
            "123456"
        };
        for i in 1..=5 {
            let (st, v) = post(
                format!("/api/v1/signing/{token}/verify"),
                json!({"code": wrong}),
            )
            .await;
            let expected = if i < 5 { "signing_code_invalid" } else { last };
            assert_eq!(v["code"], expected, "attempt {i}: {st} {v}");
        }
        right
    };
    for (n, minutes) in [(1, 30_i64), (2, 120), (3, 24 * 60)] {
        let before = backend::clock::Millis::now().0;
        round("signing_locked").await;
        let r = recipient();
        assert_eq!(r.code_locks, n);
        let until = r.locked_until.expect("locked");
        assert!(
            (until - before - minutes * 60_000).abs() < 60_000,
            "lock {n} should last {minutes} minutes, lasts {} s",
            (until - before) / 1000
        );
        // The lock passes (simulated).
        app.with_conn(|conn| {
            use diesel::prelude::*;
            diesel::sql_query("UPDATE recipients SET locked_until = NULL")
                .execute(conn)
                .unwrap();
        });
    }
    let right = round("signing_link_closed").await;
    // Closed for good: even the right code, a new code or the page answer 410.
    for (st, v) in [
        post(
            format!("/api/v1/signing/{token}/verify"),
            json!({"code": right}),
        )
        .await,
        post(format!("/api/v1/signing/{token}/code"), json!(null)).await,
        app.call(TestRequest::get().uri(&format!("/api/v1/signing/{token}")))
            .await,
    ] {
        assert_eq!(
            (st, v["code"].as_str()),
            (410, Some("signing_link_closed")),
            "{v}"
        );
    }
    assert_eq!(recipient().code_locks, 4);
    // The sender is told by mail, and the log has it.
    app.run_jobs().await;
    let told = mails_to(&app.outbox(), "tanaka@city.example.lg.jp");
    assert!(
        told.iter().any(|m| m.contains("確認用リンクを停止しました") || m.contains("リンクを停止しました")),
        "{told:?}"
    );
    let (_, log) = app
        .get(
            &admin,
            &format!("/api/v1/audit-events?action=recipient.link_closed&target_id={cid}"),
        )
        .await;
    assert_eq!(log["total"], 1, "{log}");
    assert_eq!(log["items"][0]["details"]["locks"], 4);

    // A reminder from staff sends a new link, which works from scratch.
    let (st, v) = app
        .post(
            &staff,
            &format!("/api/v1/contracts/{cid}/remind"),
            json!({}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let (t, _) = confirm(app, email, None).await;
    assert_ne!(&t, token);
    assert_eq!(recipient().code_locks, 0);
}
