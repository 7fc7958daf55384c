//! SMS verification (SMS認証) of counterparties on both databases, against a real SMS gateway
//! process (`tests/sms_provider.py`) that records what it is sent: the code read from the
//! gateway lets the counterparty agree and the seal's /Reason, the certificate and the audit
//! trail name the method with the number masked; wrong codes lock, an expired code is refused;
//! a gateway that is down or failing gives a clear error and a retry works; the hourly budget
//! holds; a bad number is a field error and SMS without a configured provider is refused;
//! forwarding needs the colleague's number.

use actix_web::test::TestRequest;
use diesel::RunQueryDsl;
use serde_json::{Value, json};

use crate::helpers::{Backend, Session, TestApp, assert_problem, spawn, spawn_with};
use crate::journey::{Journey, SentContract, bearer, confirm, sent_contract};
use crate::on_both_databases;
use crate::support::SmsGateway;

on_both_databases!(
    an_sms_code_lets_the_counterparty_agree_and_the_seal_names_the_method,
    wrong_sms_codes_lock_the_link_and_an_expired_code_is_refused,
    a_failing_gateway_gives_a_clear_error_and_a_retry_works_within_the_budget,
    bad_numbers_are_field_errors_and_sms_needs_a_provider,
    forwarding_needs_the_colleagues_number,
);

const EMAIL: &str = "takahashi@example.jp";
/// E.164 of the number typed in full-width digits in [`recipient`].
const E164: &str = "+819012345678";
const MASKED: &str = "090-****-5678";

fn recipient() -> Value {
    json!([{"organization_name": "合同会社サンプル", "name": "高橋 次郎", "email": EMAIL,
            "mobile_phone": "０９０－１２３４－５６７８"}])
}

/// A gateway process, and the app configured to use it (the test ends quietly when its
/// database is not available).
macro_rules! app_with_gateway {
    ($backend:expr, $gateway:ident, $app:ident) => {
        #[allow(unused_mut)]
        let mut $gateway = SmsGateway::start();
        let url = $gateway.url();
        let settings = [
            ("TACHIAI_SMS_PROVIDER_URL", url.as_str()),
            ("TACHIAI_SMS_PROVIDER_KEY", SmsGateway::KEY),
        ];
        let Some($app) = spawn_with($backend, &settings).await else {
            return;
        };
    };
}

async fn sms_code(app: &impl Journey, token: &str, session: &str) -> (u16, Value) {
    app.call(bearer(
        TestRequest::post().uri(&format!("/api/v1/signing/{token}/sms/code")),
        session,
    ))
    .await
}

async fn sms_verify(app: &impl Journey, token: &str, session: &str, code: &str) -> (u16, Value) {
    app.call(bearer(
        TestRequest::post()
            .uri(&format!("/api/v1/signing/{token}/sms/verify"))
            .set_json(json!({ "code": code })),
        session,
    ))
    .await
}

async fn agree(app: &impl Journey, token: &str, session: &str) -> (u16, Value) {
    app.call(bearer(
        TestRequest::post()
            .uri(&format!("/api/v1/signing/{token}/agree"))
            .set_json(json!({"consent": true})),
        session,
    ))
    .await
}

async fn signing_view(app: &impl Journey, token: &str, session: &str) -> Value {
    let (st, v) = app
        .call(bearer(
            TestRequest::get().uri(&format!("/api/v1/signing/{token}")),
            session,
        ))
        .await;
    assert_eq!(st, 200, "{v}");
    v
}

/// Moves the pending SMS code's expiry into the past: the code no longer works and the next
/// one may be asked for at once (as ten minutes later).
fn age_pending_code<S, B>(app: &TestApp<S>)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    app.with_conn(|c| {
        diesel::sql_query("UPDATE recipients SET sms_code_expires_at = 1")
            .execute(c)
            .unwrap()
    });
}

/// The details of each audit event `action`, oldest first.
async fn audit_details<S, B>(app: &TestApp<S>, admin: &Session, action: &str) -> Vec<Value>
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let (st, v) = app
        .get(admin, &format!("/api/v1/audit-events?action={action}"))
        .await;
    assert_eq!(st, 200, "{v}");
    let mut items: Vec<Value> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["details"].clone())
        .collect();
    items.reverse();
    items
}

async fn an_sms_code_lets_the_counterparty_agree_and_the_seal_names_the_method(backend: Backend) {
    app_with_gateway!(backend, gateway, app);
    let SentContract { admin, staff, cid } = sent_contract(&app, recipient(), false).await;
    let (_, c) = app.get(&staff, &format!("/api/v1/contracts/{cid}")).await;
    assert_eq!(c["recipients"][0]["mobile_phone"], "090-1234-5678", "{c}");

    // The e-mailed code opens the contract; the SMS step is announced with the number masked.
    let (token, session) = confirm(&app, EMAIL, None).await;
    let (_, anonymous) = app
        .call(TestRequest::get().uri(&format!("/api/v1/signing/{token}")))
        .await;
    assert_eq!(anonymous["sms_required"], true, "{anonymous}");
    assert!(anonymous["phone_hint"].is_null(), "{anonymous}");
    let v = signing_view(&app, &token, &session).await;
    assert_eq!(
        (&v["sms_required"], &v["sms_verified"], &v["phone_hint"]),
        (&json!(true), &json!(false), &json!(MASKED)),
        "{v}"
    );
    let text = v.to_string();
    assert!(
        !text.contains("12345678") && !text.contains("1234-5678"),
        "only the masked number: {v}"
    );

    // Not without the SMS code; and no SMS for a link without a confirmed session.
    let (st, v) = agree(&app, &token, &session).await;
    assert_eq!(
        (st, v["code"].as_str()),
        (403, Some("sms_verification_required"))
    );
    let (st, v) = app
        .call(TestRequest::post().uri(&format!("/api/v1/signing/{token}/sms/code")))
        .await;
    assert_eq!(
        (st, v["code"].as_str()),
        (401, Some("signing_verification_required"))
    );
    assert!(gateway.received().is_empty());

    // The gateway gets the number in E.164 with the bearer key, and the code.
    let (st, v) = sms_code(&app, &token, &session).await;
    assert_eq!(st, 204, "{v}");
    let got = gateway.received();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(
        got[0]["authorization"],
        format!("Bearer {}", SmsGateway::KEY)
    );
    assert_eq!(got[0]["body"]["to"], E164);
    let code = gateway.newest_code(E164);
    let (st, v) = sms_code(&app, &token, &session).await;
    assert_eq!(
        (st, v["code"].as_str()),
        (429, Some("signing_code_too_soon"))
    );
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (st, v) = sms_verify(&app, &token, &session, wrong).await;
    assert_eq!((st, v["code"].as_str()), (401, Some("sms_code_invalid")));
    let (st, v) = sms_verify(&app, &token, &session, &code).await;
    assert_eq!(st, 204, "{v}");
    assert_eq!(
        signing_view(&app, &token, &session).await["sms_verified"],
        true
    );
    // The code is used up.
    let (st, v) = sms_verify(&app, &token, &session, &code).await;
    assert_eq!((st, v["code"].as_str()), (401, Some("sms_code_expired")));
    let (st, v) = agree(&app, &token, &session).await;
    assert_eq!(st, 204, "{v}");

    // Sealed and concluded: the agreement seal's /Reason names the method, number masked.
    app.run_jobs().await;
    let (_, c) = app.get(&staff, &format!("/api/v1/contracts/{cid}")).await;
    assert_eq!(c["state"], "concluded", "{c}");
    let docs = c["documents"].as_array().unwrap();
    let sealed = docs.iter().rev().find(|d| d["role"] == "sealed").unwrap();
    let signed = app
        .state
        .blobs
        .read(sealed["sha256"].as_str().unwrap())
        .unwrap();
    let (st, v) = app
        .call(
            TestRequest::post()
                .uri("/api/v1/verify")
                .insert_header(("Content-Type", "application/pdf"))
                .set_payload(signed),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["verification"]["all_valid"], true, "{v}");
    let reasons: Vec<&str> = v["verification"]["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["reason"].as_str())
        .collect();
    let method = format!("メールアドレス確認（ワンタイムパスワード）、SMS認証（{MASKED}）");
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("高橋 次郎") && r.contains(&method)),
        "{reasons:?}"
    );
    // The certificate lists it for the party (its text read by poppler where installed).
    let certificate = docs.iter().find(|d| d["role"] == "certificate").unwrap();
    let cert = app
        .state
        .blobs
        .read(certificate["sha256"].as_str().unwrap())
        .unwrap();
    let path = app.state.config.data_dir.join("certificate.pdf");
    std::fs::write(&path, cert).unwrap();
    if let Some(text) = crate::helpers::pdftotext(&path) {
        assert!(text.contains(&format!("SMS認証（{MASKED}）")), "{text}");
    }

    // The audit trail: sent, failed, verified, agreed with the method; never the whole number.
    let sent = audit_details(&app, &admin, "recipient.sms_code_sent").await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["to"], MASKED);
    assert_eq!(
        audit_details(&app, &admin, "recipient.sms_code_failed")
            .await
            .len(),
        1
    );
    let verified = audit_details(&app, &admin, "recipient.sms_verified").await;
    assert_eq!(verified.len(), 1);
    let agreed = audit_details(&app, &admin, "recipient.agreed").await;
    assert!(
        agreed[0]["method"].as_str().unwrap().contains(&method),
        "{agreed:?}"
    );
    let (_, log) = app.get(&admin, "/api/v1/audit-events").await;
    assert!(!log.to_string().contains("9012345678"), "{log}");
    let (_, chain) = app.get(&admin, "/api/v1/audit-events/verify").await;
    assert_eq!(chain["intact"], true, "{chain}");
}

async fn wrong_sms_codes_lock_the_link_and_an_expired_code_is_refused(backend: Backend) {
    app_with_gateway!(backend, gateway, app);
    let SentContract { admin, .. } = sent_contract(&app, recipient(), false).await;
    let (token, session) = confirm(&app, EMAIL, None).await;
    let (st, v) = sms_code(&app, &token, &session).await;
    assert_eq!(st, 204, "{v}");
    let code = gateway.newest_code(E164);
    // Ten minutes on, the code no longer works.
    age_pending_code(&app);
    let (st, v) = sms_verify(&app, &token, &session, &code).await;
    assert_eq!((st, v["code"].as_str()), (401, Some("sms_code_expired")));

    // A new code; five wrong ones lock the link, the right one then too.
    let (st, v) = sms_code(&app, &token, &session).await;
    assert_eq!(st, 204, "{v}");
    let code = gateway.newest_code(E164);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..4 {
        let (st, v) = sms_verify(&app, &token, &session, wrong).await;
        assert_eq!((st, v["code"].as_str()), (401, Some("sms_code_invalid")));
    }
    let (st, v) = sms_verify(&app, &token, &session, wrong).await;
    assert_eq!((st, v["code"].as_str()), (423, Some("signing_locked")));
    let (st, v) = sms_verify(&app, &token, &session, &code).await;
    assert_eq!((st, v["code"].as_str()), (423, Some("signing_locked")));
    let (st, v) = sms_code(&app, &token, &session).await;
    assert_eq!((st, v["code"].as_str()), (423, Some("signing_locked")));
    let (st, v) = agree(&app, &token, &session).await;
    assert_eq!(
        (st, v["code"].as_str()),
        (403, Some("sms_verification_required"))
    );
    assert_eq!(gateway.received().len(), 2, "no SMS while locked");
    let locked = audit_details(&app, &admin, "recipient.sms_locked").await;
    assert_eq!(locked.len(), 1);
    assert!(locked[0]["locked_until"].is_string(), "{locked:?}");
    assert_eq!(
        audit_details(&app, &admin, "recipient.sms_code_failed")
            .await
            .len(),
        4
    );
}

async fn a_failing_gateway_gives_a_clear_error_and_a_retry_works_within_the_budget(
    backend: Backend,
) {
    app_with_gateway!(backend, gateway, app);
    let SentContract { admin, .. } = sent_contract(&app, recipient(), false).await;
    let (token, session) = confirm(&app, EMAIL, None).await;

    // Down: nothing listens.
    gateway.stop();
    let (st, v) = sms_code(&app, &token, &session).await;
    assert_eq!(
        (st, v["code"].as_str()),
        (503, Some("sms_send_failed")),
        "{v}"
    );
    assert!(
        v["detail_ja"]
            .as_str()
            .unwrap()
            .contains("SMSを送信できませんでした")
    );
    gateway.restart();
    // Failing: two attempts (one retry), both 500; the recipient may ask again at once.
    gateway.fail(None, 500);
    let (st, v) = sms_code(&app, &token, &session).await;
    assert_eq!((st, v["code"].as_str()), (503, Some("sms_send_failed")));
    let got = gateway.received();
    assert_eq!(
        got.iter()
            .map(|r| r["status"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [500, 500]
    );
    // A wrong key is not retried.
    gateway.heal();
    std::fs::write(gateway.dir.join("key"), "another-key").unwrap();
    let (st, v) = sms_code(&app, &token, &session).await;
    assert_eq!((st, v["code"].as_str()), (503, Some("sms_send_failed")));
    assert_eq!(gateway.received().len(), 3);
    std::fs::write(gateway.dir.join("key"), SmsGateway::KEY).unwrap();
    // One hiccup is absorbed by the retry.
    gateway.fail(Some(1), 503);
    let (st, v) = sms_code(&app, &token, &session).await;
    assert_eq!(st, 204, "{v}");
    let got = gateway.received();
    assert_eq!(
        got[3..]
            .iter()
            .map(|r| r["status"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [503, 200]
    );
    let code = gateway.newest_code(E164);
    let failures = audit_details(&app, &admin, "recipient.sms_send_failed").await;
    assert_eq!(failures.len(), 3, "{failures:?}");
    assert!(
        failures[1]["error"].as_str().unwrap().contains("HTTP 500"),
        "{failures:?}"
    );
    assert_eq!(
        failures[2]["error"].as_str().unwrap(),
        "the SMS provider answered HTTP 401"
    );

    // Five sends an hour (failed ones count): the fifth goes out and replaces the fourth's
    // code; the sixth is refused.
    age_pending_code(&app);
    let (st, v) = sms_code(&app, &token, &session).await;
    assert_eq!(st, 204, "{v}");
    let newest = gateway.newest_code(E164);
    if newest != code {
        let (st, v) = sms_verify(&app, &token, &session, &code).await;
        assert_eq!((st, v["code"].as_str()), (401, Some("sms_code_invalid")));
    }
    let (st, v) = sms_verify(&app, &token, &session, &newest).await;
    assert_eq!(st, 204, "{v}");
    let (st, v) = sms_code(&app, &token, &session).await;
    assert_eq!((st, v["code"].as_str()), (429, Some("sms_send_limit")));
    assert_eq!(
        gateway.received().len(),
        6,
        "four sends, two of them retried"
    );
}

/// A clerk's session and their new draft contract's id.
async fn draft<S, B>(app: &TestApp<S>) -> (Session, String)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let admin = app.admin().await;
    let (staff, _, _) = app.staff_and_approver(&admin).await;
    let (st, c) = app
        .post(
            &staff,
            "/api/v1/contracts",
            json!({"title": "物品購入契約", "counterparty_name": "合同会社サンプル"}),
        )
        .await;
    assert_eq!(st, 201, "{c}");
    (staff, c["id"].as_str().unwrap().to_owned())
}

async fn bad_numbers_are_field_errors_and_sms_needs_a_provider(backend: Backend) {
    let put = |number: &str| {
        json!({"recipients": [{"organization_name": "合同会社サンプル", "name": "高橋 次郎",
                                "email": EMAIL, "mobile_phone": number}]})
    };
    {
        let Some(app) = spawn(backend).await else {
            return;
        };
        let (staff, cid) = draft(&app).await;
        let path = format!("/api/v1/contracts/{cid}/recipients");
        assert_problem(
            &app.put(&staff, &path, put("090-1234-5678")).await,
            422,
            "sms_not_configured",
        );
        let (_, c) = app.get(&staff, &format!("/api/v1/contracts/{cid}")).await;
        assert_eq!(c["recipients"], json!([]), "nothing saved: {c}");
        // Without a number nothing needs a provider.
        let (st, v) = app.put(&staff, &path, put("")).await;
        assert_eq!(st, 200, "{v}");
        assert!(v["recipients"][0]["mobile_phone"].is_null(), "{v}");
    }
    app_with_gateway!(backend, gateway, app);
    let (staff, cid) = draft(&app).await;
    let path = format!("/api/v1/contracts/{cid}/recipients");
    for bad in ["03-1234-5678", "090-1234-567", "+1 415 555 0100", "携帯"] {
        let got = app.put(&staff, &path, put(bad)).await;
        assert_problem(&got, 422, "validation_failed");
        assert_eq!(
            got.1["errors"],
            json!([{"field": "recipients[0].mobile_phone", "code": "invalid_mobile_phone"}]),
            "{bad}: {}",
            got.1
        );
    }
    let (st, v) = app.put(&staff, &path, put("+81 80-9876-5432")).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["recipients"][0]["mobile_phone"], "080-9876-5432");
    assert!(gateway.received().is_empty());
}

async fn forwarding_needs_the_colleagues_number(backend: Backend) {
    app_with_gateway!(backend, gateway, app);
    let SentContract { staff, cid, .. } = sent_contract(&app, recipient(), true).await;
    let (token, session) = confirm(&app, EMAIL, None).await;
    let forward = |body: Value| {
        bearer(
            TestRequest::post()
                .uri(&format!("/api/v1/signing/{token}/forward"))
                .set_json(body),
            &session,
        )
    };
    let colleague = json!({"name": "鈴木 一郎", "email": "suzuki@example.jp"});
    let (st, v) = app.call(forward(colleague.clone())).await;
    assert_eq!(
        (st, v["code"].as_str()),
        (403, Some("sms_verification_required"))
    );
    let (st, v) = sms_code(&app, &token, &session).await;
    assert_eq!(st, 204, "{v}");
    let (st, v) = sms_verify(&app, &token, &session, &gateway.newest_code(E164)).await;
    assert_eq!(st, 204, "{v}");
    // The phone is not carried over: the forwarder names the colleague's.
    let (st, v) = app.call(forward(colleague.clone())).await;
    assert_eq!((st, v["code"].as_str()), (422, Some("validation_failed")));
    assert_eq!(
        v["errors"],
        json!([{"field": "mobile_phone", "code": "required"}])
    );
    let mut with_phone = colleague.clone();
    with_phone["mobile_phone"] = json!("050-1234-5678");
    let (st, v) = app.call(forward(with_phone.clone())).await;
    assert_eq!(
        v["errors"],
        json!([{"field": "mobile_phone", "code": "invalid_mobile_phone"}]),
        "{st}"
    );
    with_phone["mobile_phone"] = json!("080 9876 5432");
    let (st, v) = app.call(forward(with_phone)).await;
    assert_eq!(st, 204, "{v}");

    let (t2, s2) = confirm(&app, "suzuki@example.jp", None).await;
    let v = signing_view(&app, &t2, &s2).await;
    assert_eq!(v["phone_hint"], "080-****-5432", "{v}");
    let (st, v) = agree(&app, &t2, &s2).await;
    assert_eq!(
        (st, v["code"].as_str()),
        (403, Some("sms_verification_required"))
    );
    let (st, v) = sms_code(&app, &t2, &s2).await;
    assert_eq!(st, 204, "{v}");
    let (st, v) = sms_verify(&app, &t2, &s2, &gateway.newest_code("+818098765432")).await;
    assert_eq!(st, 204, "{v}");
    let (st, v) = agree(&app, &t2, &s2).await;
    assert_eq!(st, 204, "{v}");
    let (_, c) = app.get(&staff, &format!("/api/v1/contracts/{cid}")).await;
    let numbers: Vec<&Value> = c["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["mobile_phone"])
        .collect();
    assert_eq!(
        numbers,
        [&json!("090-1234-5678"), &json!("080-9876-5432")],
        "{c}"
    );
}
