//! The fiscal-year export (年度別一括出力) through the API and the operator's CLI, on both
//! databases: a concluded contract's files, index (UTF-8 with BOM and CP932), the manifest's
//! hashes and its CMS signature (checked by the service's verifier and, when installed, by
//! `openssl cms -verify`), tenant isolation, permission refusal, bad input, and
//! `tachiai export verify` on an intact, a tampered and a truncated ZIP.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;

use actix_web::test::TestRequest;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{Backend, Session, TestApp, assert_problem, id, spawn};
use crate::journey::{Journey, agreed_contract};
use crate::on_both_databases;
use crate::support::validators_required;

const BIN: &str = env!("CARGO_BIN_EXE_tachiai");

on_both_databases!(
    a_fiscal_year_export_holds_every_file_indexed_and_sealed,
    exports_are_refused_without_the_permission_for_bad_input_and_across_tenants,
);

/// The fiscal year (年度) of today in JST.
fn this_fiscal_year() -> i32 {
    backend::workflow::fiscal_year_export::last_fiscal_year(backend::clock::Millis::now()) - 1
}

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every entry of a ZIP by name.
fn entries(zip_bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        out.insert(f.name().unwrap().into_owned(), bytes);
    }
    out
}

/// A copy of `entries` as a ZIP, `change` applied first (to tamper with it).
fn rezip(
    entries: &BTreeMap<String, Vec<u8>>,
    change: impl FnOnce(&mut BTreeMap<String, Vec<u8>>),
) -> Vec<u8> {
    let mut entries = entries.clone();
    change(&mut entries);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in &entries {
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

async fn download<S, B>(app: &TestApp<S>, s: &Session, export_id: &str) -> (u16, Vec<u8>)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let req = TestRequest::get()
        .uri(&format!("/api/v1/exports/{export_id}/download"))
        .insert_header(("Cookie", format!("tachiai_session={}", s.cookie)))
        .peer_addr("192.0.2.10:40000".parse().unwrap())
        .to_request();
    let res = actix_web::test::call_service(&app.svc, req).await;
    let status = res.status().as_u16();
    if status == 200 {
        assert_eq!(
            res.headers().get("content-type").unwrap(),
            "application/zip"
        );
    }
    (status, actix_web::test::read_body(res).await.to_vec())
}

/// Runs `tachiai` on the test's database and data directory: (exit status, stdout, stderr).
fn tachiai(data_dir: &Path, database_url: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .env("TACHIAI_DATA_DIR", data_dir)
        .env("TACHIAI_DATABASE_URL", database_url)
        .env("TACHIAI_LOG", "error")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `openssl cms -verify` of the manifest's signature against the development root, when
/// openssl is installed.
fn openssl_verifies(dir: &Path, root: &Path) -> Option<bool> {
    let status = Command::new("openssl")
        .args(["cms", "-verify", "-binary", "-inform", "DER", "-in"])
        .arg(dir.join("MANIFEST.sha256.p7s"))
        .arg("-content")
        .arg(dir.join("MANIFEST.sha256"))
        .args(["-purpose", "any", "-CAfile"])
        .arg(root)
        .args(["-out", "/dev/null"])
        .output()
        .ok()?;
    Some(status.status.success())
}

async fn a_fiscal_year_export_holds_every_file_indexed_and_sealed(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let fy = this_fiscal_year();
    let sent = agreed_contract(&app).await;
    app.run_jobs().await;
    let (_, contract) = app
        .get(&sent.staff, &format!("/api/v1/contracts/{}", sent.cid))
        .await;
    assert_eq!(contract["state"], "concluded", "{contract}");
    let number = contract["contract_number"].as_str().unwrap().to_owned();
    let concluded_on = contract["concluded_on"].as_str().unwrap().to_owned();
    let admin = &sent.admin;

    let (st, v) = app
        .post(
            admin,
            "/api/v1/exports/fiscal-year",
            json!({"fiscal_year": fy, "encoding": "cp932"}),
        )
        .await;
    assert_eq!(st, 202, "{v}");
    assert_eq!(v["state"], "queued");
    let export_id = id(&v);
    // Nothing to download before the job ran.
    let (st, body) = download(&app, admin, &export_id).await;
    assert_eq!(st, 409);
    let problem: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(problem["code"], "export_not_ready");

    app.run_jobs().await;
    let (st, v) = app
        .get(admin, &format!("/api/v1/exports/{export_id}"))
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["state"], "done", "{v}");
    assert_eq!(v["contracts"], 1);
    assert_eq!(v["timestamped"], true, "the development TSA answers");
    assert_eq!(v["entries_done"], v["entries_total"]);
    assert_eq!(v["cp932_replacements"], 0);
    let (_, listed) = app.get(admin, "/api/v1/exports").await;
    assert_eq!(listed[0]["id"], v["id"]);

    let (st, zip_bytes) = download(&app, admin, &export_id).await;
    assert_eq!(st, 200);
    assert_eq!(Some(hex(&zip_bytes).as_str()), v["sha256"].as_str());
    assert_eq!(v["size"], zip_bytes.len());
    let files = entries(&zip_bytes);
    assert_eq!(v["entries_total"], files.len());
    let folder = format!("contracts/{number}");
    for name in [
        "README.txt",
        "index.csv",
        "index_cp932.csv",
        "export.json",
        "MANIFEST.sha256",
        "MANIFEST.sha256.p7s",
    ] {
        assert!(files.contains_key(name), "{name} in {:?}", files.keys());
    }
    let in_folder = |sub: &str| {
        files
            .iter()
            .filter(|(n, _)| n.starts_with(&format!("{folder}/{sub}/")))
            .collect::<Vec<_>>()
    };
    let (sealed, original, certificate) = (
        in_folder("電子署名済"),
        in_folder("原本"),
        in_folder("合意締結証明書"),
    );
    assert_eq!((sealed.len(), original.len(), certificate.len()), (1, 1, 1));
    assert!(sealed[0].1.starts_with(b"%PDF") && certificate[0].1.starts_with(b"%PDF"));
    assert_eq!(
        original[0].1,
        &crate::support::corpus("libreoffice-ja-contract.pdf")
    );
    let log = String::from_utf8(files[&format!("{folder}/経過記録.csv")].clone()).unwrap();
    assert!(log.starts_with('\u{feff}'));
    assert!(log.contains("contract.concluded"), "{log}");

    // The index: BOM, the searchable fields, each file's SHA-256.
    let index = String::from_utf8(files["index.csv"].clone()).unwrap();
    let index = index.strip_prefix('\u{feff}').expect("a byte-order mark");
    let lines: Vec<&str> = index.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 2, "{index}");
    assert_eq!(
        lines[0],
        backend::workflow::fiscal_year_export::writer::INDEX_HEADERS.join(",")
    );
    let row: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(row[0], number);
    assert_eq!(row[1], "庁舎清掃業務委託契約");
    assert_eq!(row[2], "株式会社テスト商事");
    assert_eq!(row[4], "1234000");
    assert_eq!(row[7], concluded_on);
    assert_eq!(
        row[8],
        format!("{}-03-31", fy + 11),
        "保存期限: 10 years from 翌年度"
    );
    assert_eq!(row[9], "締結済み");
    assert_eq!(row[10], folder);
    assert_eq!(row[11], hex(sealed[0].1));
    assert_eq!(row[12], hex(original[0].1));
    assert_eq!(row[13], hex(certificate[0].1));
    assert_eq!(row[15], hex(&files[&format!("{folder}/経過記録.csv")]));
    assert_eq!(row[16], sent.cid);
    // The CP932 copy decodes to the same text.
    let (decoded, _, had_errors) = encoding_rs::SHIFT_JIS.decode(&files["index_cp932.csv"]);
    assert!(!had_errors);
    assert_eq!(decoded, index);

    // The manifest lists every other entry with its SHA-256.
    let manifest = String::from_utf8(files["MANIFEST.sha256"].clone()).unwrap();
    let mut listed = 0;
    for line in manifest.lines() {
        let (sha, name) = line.split_once("  ").unwrap();
        assert_eq!(sha, hex(&files[name]), "{name}");
        listed += 1;
    }
    assert_eq!(listed, files.len() - 2);
    assert_eq!(v["manifest_sha256"], hex(manifest.as_bytes()));

    // The signature over it verifies with the service's verifier and with openssl.
    let root = app.state.config.data_dir.join("pki/root-ca.pem");
    let trust =
        pades::ValidationContext::from_pem(&std::fs::read_to_string(&root).unwrap()).unwrap();
    let status =
        pades::verify_detached(&files["MANIFEST.sha256.p7s"], manifest.as_bytes(), &trust).unwrap();
    assert!(
        status.intact && status.valid && status.trusted,
        "{status:?}"
    );
    assert!(status.timestamp.is_some(), "{status:?}");
    let unpacked = app.state.config.data_dir.join("unpacked");
    std::fs::create_dir_all(&unpacked).unwrap();
    for name in ["MANIFEST.sha256", "MANIFEST.sha256.p7s"] {
        std::fs::write(unpacked.join(name), &files[name]).unwrap();
    }
    match openssl_verifies(&unpacked, &root) {
        Some(ok) => assert!(ok, "openssl cms -verify refused the manifest's signature"),
        None if validators_required() => panic!("openssl is not installed"),
        None => eprintln!("notice: openssl not installed; its check of the signature skipped"),
    }
    std::fs::write(unpacked.join("MANIFEST.sha256"), manifest.replace('a', "b")).unwrap();
    if let Some(ok) = openssl_verifies(&unpacked, &root) {
        assert!(!ok, "openssl accepted a changed manifest");
    }

    // Requested, completed and downloaded are in the operation log.
    for action in [
        "records.export_requested",
        "records.export_completed",
        "records.export_downloaded",
    ] {
        let (_, events) = app
            .get(admin, &format!("/api/v1/audit-events?action={action}"))
            .await;
        assert_eq!(events["total"], 1, "{action}: {events}");
    }

    // The operator's CLI writes the same content, and `export verify` tells intact from not.
    let dir = app.state.config.data_dir.clone();
    let url = app.db.url.clone();
    let out = dir.join("cli/fy.zip");
    let fy_text = fy.to_string();
    let (code, stdout, stderr) = tachiai(
        &dir,
        &url,
        &[
            "export",
            "fy",
            &fy_text,
            "--tenant",
            "dev",
            "-o",
            out.to_str().unwrap(),
            "--encoding",
            "cp932",
        ],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("1 contracts"), "{stdout}");
    let cli_files = entries(&std::fs::read(&out).unwrap());
    assert_eq!(
        cli_files.keys().collect::<Vec<_>>(),
        files.keys().collect::<Vec<_>>()
    );
    assert_eq!(cli_files["index.csv"], files["index.csv"]);
    let leftovers: Vec<_> = std::fs::read_dir(dir.join("cli"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left: {leftovers:?}");
    let root_arg = root.to_str().unwrap();
    let (code, stdout, stderr) = tachiai(
        &dir,
        &url,
        &["export", "verify", out.to_str().unwrap(), "--ca", root_arg],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("intact"), "{stdout}");
    assert!(stdout.contains("timestamped 20"), "{stdout}");

    let sealed_name = sealed[0].0.clone();
    let tampered = dir.join("cli/tampered.zip");
    std::fs::write(
        &tampered,
        rezip(&cli_files, |e| {
            e.get_mut(&sealed_name).unwrap().extend_from_slice(b"%%\n");
        }),
    )
    .unwrap();
    let missing = dir.join("cli/missing.zip");
    std::fs::write(
        &missing,
        rezip(&cli_files, |e| {
            e.remove(&format!("{folder}/経過記録.csv"));
        }),
    )
    .unwrap();
    let unsigned = dir.join("cli/unsigned.zip");
    std::fs::write(
        &unsigned,
        rezip(&cli_files, |e| {
            let m = e.get_mut("MANIFEST.sha256").unwrap();
            m.extend_from_slice(format!("{}  extra.txt\n", hex(b"x")).as_bytes());
            e.insert("extra.txt".into(), b"x".to_vec());
        }),
    )
    .unwrap();
    let added = dir.join("cli/added.zip");
    std::fs::write(
        &added,
        rezip(&cli_files, |e| {
            e.insert(format!("{folder}/後から.txt"), b"added".to_vec());
        }),
    )
    .unwrap();
    for (file, expect) in [
        (&tampered, "does not match its SHA-256"),
        (&missing, "is missing from the ZIP"),
        (&unsigned, "signature over MANIFEST.sha256 does not verify"),
        (&added, "is not listed in MANIFEST.sha256"),
    ] {
        let (code, stdout, stderr) =
            tachiai(&dir, &url, &["export", "verify", file.to_str().unwrap()]);
        assert_eq!(code, 1, "{}: {stdout}{stderr}", file.display());
        assert!(stderr.contains(expect), "{}: {stderr}", file.display());
        assert_eq!(stderr.trim().lines().count(), 1, "one sentence: {stderr}");
    }

    // Bad input on the CLI: a sentence and exit 1, nothing written.
    for (args, expect) in [
        (
            vec!["export", "fy", "1999", "--tenant", "dev"],
            "between 2000",
        ),
        (
            vec!["export", "fy", &fy_text, "--tenant", "nowhere"],
            "no tenant",
        ),
        (
            vec![
                "export",
                "fy",
                &fy_text,
                "--tenant",
                "dev",
                "--department",
                "無い課",
            ],
            "departments does not exist",
        ),
    ] {
        let bad = dir.join("cli/bad.zip");
        let mut args = args.clone();
        args.extend(["-o", bad.to_str().unwrap()]);
        let (code, stdout, stderr) = tachiai(&dir, &url, &args);
        assert_eq!(code, 1, "{args:?}: {stdout}{stderr}");
        assert!(stderr.contains(expect), "{args:?}: {stderr}");
        assert!(!bad.exists());
    }
}

async fn exports_are_refused_without_the_permission_for_bad_input_and_across_tenants(
    backend: Backend,
) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let fy = this_fiscal_year();
    let admin = app.admin().await;
    let (staff, _, _) = app.staff_and_approver(&admin).await;

    // Least privilege: a clerk who reads and sends contracts may not export the year.
    assert_problem(
        &app.post(
            &staff,
            "/api/v1/exports/fiscal-year",
            json!({"fiscal_year": fy}),
        )
        .await,
        403,
        "forbidden",
    );
    assert_problem(&app.get(&staff, "/api/v1/exports").await, 403, "forbidden");

    // Bad input: a year out of range, an unknown department, an unknown field.
    for year in [1999, fy + 2] {
        assert_problem(
            &app.post(
                &admin,
                "/api/v1/exports/fiscal-year",
                json!({"fiscal_year": year}),
            )
            .await,
            422,
            "export_fiscal_year_out_of_range",
        );
    }
    assert_problem(
        &app.post(
            &admin,
            "/api/v1/exports/fiscal-year",
            json!({"fiscal_year": fy, "department_ids": [uuid::Uuid::new_v4()]}),
        )
        .await,
        422,
        "export_department_unknown",
    );
    let (st, _) = app
        .post(
            &admin,
            "/api/v1/exports/fiscal-year",
            json!({"fiscal_year": fy, "encoding": "ebcdic"}),
        )
        .await;
    assert_eq!(st.as_u16(), 400);

    // Next year's is accepted (prepared in March), and holds nothing yet.
    let (st, v) = app
        .post(
            &admin,
            "/api/v1/exports/fiscal-year",
            json!({"fiscal_year": fy + 1}),
        )
        .await;
    assert_eq!(st, 202, "{v}");
    let mine = id(&v);

    // Another tenant sees neither the export nor its file, and may not name our departments.
    let (st, dept) = app
        .post(&admin, "/api/v1/departments", json!({"name": "財政課"}))
        .await;
    assert_eq!(st, 201, "{dept}");
    let other = app.other_tenant_admin().await;
    assert_problem(
        &app.get(&other, &format!("/api/v1/exports/{mine}")).await,
        404,
        "not_found",
    );
    let (st, _) = download(&app, &other, &mine).await;
    assert_eq!(st, 404);
    assert_problem(
        &app.post(
            &other,
            "/api/v1/exports/fiscal-year",
            json!({"fiscal_year": fy, "department_ids": [id(&dept)]}),
        )
        .await,
        422,
        "export_department_unknown",
    );
    let (_, theirs) = app.get(&other, "/api/v1/exports").await;
    assert_eq!(theirs.as_array().unwrap().len(), 0);

    app.run_jobs().await;
    let (_, v) = app.get(&admin, &format!("/api/v1/exports/{mine}")).await;
    assert_eq!(v["state"], "done", "{v}");
    assert_eq!(v["contracts"], 0);
    let (st, zip_bytes) = download(&app, &admin, &mine).await;
    assert_eq!(st, 200);
    let files = entries(&zip_bytes);
    assert!(!files.contains_key("index_cp932.csv"), "utf8 by default");
    assert!(files.keys().all(|n| !n.starts_with("contracts/")));
}
