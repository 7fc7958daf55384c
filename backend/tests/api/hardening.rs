//! The attacks of the security review, each performed against the real application: HTML and
//! scripts uploaded as attachments, two attachments of one name in a ZIP, forwarding to shed the
//! access code or to put a link into the service's mail, spoofed client addresses, and the
//! public verifier's budgets.

use std::io::Read;

use actix_web::test::TestRequest;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::contracts::DraftApp;
use crate::helpers::{Backend, assert_problem, id, spawn, spawn_with, zip_manifest};
use crate::journey::{Journey, bearer, confirm, newest_code, sent_contract};
use crate::support::corpus;
use crate::{on_both_databases, upload};

on_both_databases!(
    attachments_are_typed_by_their_content_and_always_downloaded,
    two_attachments_of_one_name_get_unique_zip_entries,
    forwarding_keeps_the_access_code_is_capped_and_takes_plain_names_only,
    client_addresses_come_from_trusted_proxies_only,
    the_public_verifier_has_a_body_limit_and_a_per_address_rate,
    hostile_pdfs_are_refused_at_upload_and_verification_with_their_codes,
);

/// A draft contract's id.
async fn draft(app: &impl DraftApp, admin: &crate::helpers::Session) -> String {
    id(&crate::contracts::draft(app, admin).await)
}

async fn attachments_are_typed_by_their_content_and_always_downloaded(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let cid = draft(&app, &admin).await;
    let html = b"<!DOCTYPE html><html><script>fetch('/api/v1/users')</script></html>".to_vec();
    for (name, bytes, code) in [
        ("page.html", html.clone(), "attachment_type_not_allowed"),
        (
            "image.svg",
            b"<svg onload=alert(1)>".to_vec(),
            "attachment_type_not_allowed",
        ),
        (
            "app.js",
            b"alert(1)".to_vec(),
            "attachment_type_not_allowed",
        ),
        (
            "no-extension",
            b"hello".to_vec(),
            "attachment_type_not_allowed",
        ),
        ("readme.txt", html.clone(), "attachment_type_mismatch"),
        (
            "photo.png",
            b"<script>alert(1)</script>".to_vec(),
            "attachment_type_mismatch",
        ),
        ("仕様書.pdf", html.clone(), "attachment_type_mismatch"),
        (
            "見積.xlsx",
            b"%PDF-1.7 not a zip".to_vec(),
            "attachment_type_mismatch",
        ),
    ] {
        // Whatever the request claims as its type.
        let (st, v, _) = app
            .send(
                TestRequest::post()
                    .uri(&format!(
                        "/api/v1/contracts/{cid}/documents?role=attachment&file_name={}",
                        crate::helpers::urlencode(name)
                    ))
                    .insert_header(("Cookie", format!("tachiai_session={}", admin.cookie)))
                    .insert_header(("X-CSRF-Token", admin.csrf.clone()))
                    .insert_header(("Content-Type", "image/png"))
                    .set_payload(bytes),
            )
            .await;
        assert_problem(&(st, v), 422, code);
    }
    let (_, events) = app
        .get(&admin, "/api/v1/audit-events?action=document.rejected")
        .await;
    assert_eq!(events["items"].as_array().unwrap().len(), 8, "{events}");

    let csv = "\u{feff}品名,数量\n机,3\n".as_bytes().to_vec();
    let (st, v) = upload!(app, admin, cid, "attachment", "内訳.csv", csv.clone());
    assert_eq!(st, 201, "{v}");
    let doc = v["documents"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(doc["content_type"], "text/csv");
    let download = |doc_id: String| {
        TestRequest::get()
            .uri(&format!("/api/v1/contracts/{cid}/documents/{doc_id}"))
            .insert_header(("Cookie", format!("tachiai_session={}", admin.cookie)))
    };
    let (st, _, headers) = app.send(download(id(&doc))).await;
    assert_eq!(st, 200);
    assert_eq!(headers.get("content-type").unwrap(), "text/csv");
    assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
    assert!(
        headers
            .get("content-disposition")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );

    // A row stored before types were checked is served as bytes to save, not as a page.
    let doc_id = id(&doc);
    app.with_conn(|conn| {
        use backend::db::schema::documents::dsl as d;
        diesel::update(d::documents.filter(d::id.eq(&doc_id)))
            .set(d::content_type.eq("text/html"))
            .execute(conn)
            .unwrap();
    });
    let (st, _, headers) = app.send(download(doc_id)).await;
    assert_eq!(st, 200);
    assert_eq!(
        headers.get("content-type").unwrap(),
        "application/octet-stream"
    );
}

async fn two_attachments_of_one_name_get_unique_zip_entries(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let cid = draft(&app, &admin).await;
    let pdf = corpus("qpdf-qdf.pdf");
    let (st, _) = upload!(app, admin, cid, "main", "契約書.pdf", pdf.clone());
    assert_eq!(st, 201);
    for bytes in [
        "a,b\n1,2\n".as_bytes().to_vec(),
        "a,b\n3,4\n".as_bytes().to_vec(),
        "a,b\n5,6\n".as_bytes().to_vec(),
    ] {
        let (st, v) = upload!(app, admin, cid, "attachment", "見積書.csv", bytes);
        assert_eq!(st, 201, "{v}");
    }
    // The raw bytes (the helper's `send` reads bodies as text).
    let res = actix_web::test::call_service(
        &app.svc,
        TestRequest::get()
            .uri(&format!("/api/v1/contracts/{cid}/archive"))
            .insert_header(("Cookie", format!("tachiai_session={}", admin.cookie)))
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers().get("content-type").unwrap(),
        "application/zip"
    );
    let bytes = actix_web::test::read_body(res).await;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let names: Vec<String> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "{names:?}");
    let mut contents = Vec::new();
    for n in ["見積書.csv", "見積書 (2).csv", "見積書 (3).csv"] {
        let path = names
            .iter()
            .find(|p| p.ends_with(&format!("添付資料/{n}")))
            .unwrap_or_else(|| panic!("{n} in {names:?}"))
            .clone();
        let mut s = String::new();
        zip.by_name(&path).unwrap().read_to_string(&mut s).unwrap();
        contents.push(s);
    }
    contents.sort();
    contents.dedup();
    assert_eq!(contents.len(), 3, "each attachment kept its own bytes");
    let manifest = zip_manifest(&mut zip);
    assert_eq!(
        manifest["entries"].as_array().unwrap().len(),
        names.len() - 1
    );
}

async fn forwarding_keeps_the_access_code_is_capped_and_takes_plain_names_only(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let code = "K7-4431";
    sent_contract(
        &app,
        json!([{"organization_name": "株式会社テスト商事", "name": "佐藤 花子",
                "email": "sato@example.co.jp", "access_code": code}]),
        true,
    )
    .await;
    let (mut token, mut session) = confirm(&app, "sato@example.co.jp", Some(code)).await;
    let forward = |token: &str, session: &str, body: Value| {
        bearer(
            TestRequest::post()
                .uri(&format!("/api/v1/signing/{token}/forward"))
                .set_json(body),
            session,
        )
    };

    // Links and messages cannot ride in the names the service writes into its mails.
    for (name, org) in [
        ("https://evil.example/pay", None),
        ("詳細は evil.example へ", None),
        ("鈴木 一郎", Some("<a href=x>至急</a>")),
        ("鈴木\n至急ご確認ください", None),
    ] {
        let (st, v) = app
            .call(forward(
                &token,
                &session,
                json!({"name": name, "email": "x@example.co.jp", "organization_name": org}),
            ))
            .await;
        assert_eq!(st, 422, "{name}: {v}");
        assert_eq!(v["code"], "validation_failed");
    }

    for hop in 1..=backend::workflow::signing::MAX_FORWARDS {
        let email = format!("colleague{hop}@example.co.jp");
        let (st, v) = app
            .call(forward(
                &token,
                &session,
                json!({"name": format!("同僚 {hop}"), "email": email}),
            ))
            .await;
        assert_eq!(st, 204, "hop {hop}: {v}");
        // The colleague's link needs the access code too: without it, refused.
        app.run_jobs().await;
        let next = crate::journey::newest_link(&app.outbox(), &email);
        let (st, _) = app
            .call(TestRequest::post().uri(&format!("/api/v1/signing/{next}/code")))
            .await;
        assert_eq!(st, 204);
        app.run_jobs().await;
        let otp = newest_code(&app.outbox(), &email);
        let (st, v) = app
            .call(
                TestRequest::post()
                    .uri(&format!("/api/v1/signing/{next}/verify"))
                    .set_json(json!({"code": otp, "access_code": null})),
            )
            .await;
        assert_eq!(
            (st, v["code"].as_str()),
            (401, Some("signing_code_invalid")),
            "{v}"
        );
        let (st, v) = app
            .call(
                TestRequest::post()
                    .uri(&format!("/api/v1/signing/{next}/verify"))
                    .set_json(json!({"code": otp, "access_code": code})),
            )
            .await;
        assert_eq!(st, 200, "{v}");
        (token, session) = (next, v["session_token"].as_str().unwrap().to_owned());
    }
    // The chain ends: no more forwards of this request.
    let (st, v) = app
        .call(forward(
            &token,
            &session,
            json!({"name": "最後 の人", "email": "last@example.co.jp"}),
        ))
        .await;
    assert_eq!(
        (st, v["code"].as_str()),
        (409, Some("forward_limit_reached")),
        "{v}"
    );
}

async fn client_addresses_come_from_trusted_proxies_only(backend: Backend) {
    // The test client's peer is 192.0.2.10; here it is the operator's proxy.
    let Some(app) = spawn_with(
        backend,
        &[
            ("TACHIAI_TRUSTED_PROXIES", "192.0.2.0/28"),
            ("TACHIAI_PUBLIC_URL", "https://keiyaku.example.lg.jp"),
        ],
    )
    .await
    else {
        return;
    };
    let login = |xff: &'static str| {
        TestRequest::post()
            .uri("/api/v1/auth/login")
            .insert_header(("X-Forwarded-For", xff))
            .set_json(
                json!({"tenant_code": "dev", "login_id": "admin", "password": "wrong password 1"}),
            )
    };
    let (st, _, headers) = app.send(login("198.51.100.1, 203.0.113.9")).await;
    assert_eq!(st, 401);
    assert_eq!(
        headers.get("strict-transport-security").unwrap(),
        "max-age=31536000"
    );
    let admin = app.admin().await;
    let (_, page) = app
        .get(&admin, "/api/v1/audit-events?action=auth.login_failed")
        .await;
    // The nearest hop the proxy saw, not what the client wrote first.
    assert_eq!(page["items"][0]["ip"], "203.0.113.9", "{page}");

    // Without trusted proxies a forwarded header is the client's own words: ignored.
    let Some(plain) = spawn(backend).await else {
        return;
    };
    let (st, _, headers) = plain.send(login("203.0.113.9")).await;
    assert_eq!(st, 401);
    assert!(headers.get("strict-transport-security").is_none());
    let admin = plain.admin().await;
    let (_, page) = plain
        .get(&admin, "/api/v1/audit-events?action=auth.login_failed")
        .await;
    assert_eq!(page["items"][0]["ip"], "192.0.2.10", "{page}");
}

async fn the_public_verifier_has_a_body_limit_and_a_per_address_rate(backend: Backend) {
    let Some(app) = spawn_with(
        backend,
        &[
            ("TACHIAI_TRUSTED_PROXIES", "192.0.2.10"),
            ("TACHIAI_VERIFY_PER_MINUTE", "3"),
            ("TACHIAI_MAX_VERIFY_BYTES", "300000"),
        ],
    )
    .await
    else {
        return;
    };
    let verify = |from: &'static str, pdf: Vec<u8>| {
        TestRequest::post()
            .uri("/api/v1/verify")
            .insert_header(("X-Forwarded-For", from))
            .insert_header(("Content-Type", "application/pdf"))
            .set_payload(pdf)
    };
    let pdf = corpus("qpdf-qdf.pdf");
    assert!(pdf.len() < 300_000);
    let (st, v, _) = app.send(verify("203.0.113.1", vec![b'%'; 300_001])).await;
    assert_problem(&(st, v), 413, "payload_too_large");
    for _ in 0..2 {
        let (st, v, _) = app.send(verify("203.0.113.1", pdf.clone())).await;
        assert_eq!(st, 200, "{v}");
        assert_eq!(v["issued_by_this_service"], false);
    }
    let (st, v, headers) = app.send(verify("203.0.113.1", pdf.clone())).await;
    assert_problem(&(st, v), 429, "verification_rate_limited");
    assert_eq!(headers.get("retry-after").unwrap(), "60");
    // Another address has its own count.
    let (st, v, _) = app.send(verify("203.0.113.2", pdf.clone())).await;
    assert_eq!(st, 200, "{v}");
    let (st, v, _) = app
        .send(verify("203.0.113.2", b"%PDF-1.7\nnot really".to_vec()))
        .await;
    assert_problem(&(st, v), 422, "pdf_damaged");
    // Out of time: the reader stops and the caller hears so (503, not a hung worker).
    let started = std::time::Instant::now();
    let err = backend::workflow::verification::verify_pdf(
        &app.state.seal.trust,
        &corpus("presigned-certified-no-changes.pdf"),
        std::time::Duration::from_nanos(1),
    )
    .unwrap_err();
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    let err = backend::api::error::ApiError::from(err);
    assert_eq!(
        (err.0.code.as_str(), err.0.status),
        ("verification_timeout", 503)
    );
}

/// Every file of the adversarial corpus (`testdata/adversarial/MANIFEST.tsv` says what the
/// engine makes of it) as a contract's main PDF and at the public verifier: a 201/200 or the
/// specific 422, never a 5xx.
async fn hostile_pdfs_are_refused_at_upload_and_verification_with_their_codes(backend: Backend) {
    let Some(app) = spawn_with(backend, &[("TACHIAI_VERIFY_PER_MINUTE", "1000")]).await else {
        return;
    };
    let admin = app.admin().await;
    let cid = draft(&app, &admin).await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/adversarial");
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
    let problem = |outcome: &str| match outcome {
        "ok" => None,
        "pdf_too_complex" => Some("pdf_too_complex"),
        "damaged_pdf" => Some("pdf_damaged"),
        other => panic!("unknown outcome {other}"),
    };
    let mut files = 0;
    for line in manifest.lines().filter(|l| !l.starts_with('#')) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (name, inspect, verify) = (cols[0], cols[1], cols[2]);
        let pdf = std::fs::read(dir.join(name)).unwrap();
        let got = upload!(app, admin, cid, "main", name, pdf.clone());
        match problem(inspect) {
            None => assert_eq!(got.0, 201, "{name}: {}", got.1),
            Some(code) => assert_problem(&got, 422, code),
        }
        let (st, v, _) = app
            .send(
                TestRequest::post()
                    .uri("/api/v1/verify")
                    .insert_header(("Content-Type", "application/pdf"))
                    .set_payload(pdf),
            )
            .await;
        match problem(verify) {
            None => assert_eq!(st, 200, "{name}: {v}"),
            Some(code) => assert_problem(&(st, v), 422, code),
        }
        files += 1;
    }
    assert!(files >= 20, "{files}");
}
