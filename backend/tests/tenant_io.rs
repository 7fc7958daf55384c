//! 全データ返却 end to end with real processes: a `tachiai serve` on SQLite concludes contracts,
//! `tachiai export tenant` writes the tenant out, `tachiai import tenant` recreates it on a
//! PostgreSQL instance and from there back on a fresh SQLite one. Each hop must keep every row
//! (counted per table by re-exporting), every file (by hash), every seal (the source instance's
//! public verifier checks the sealed files as stored by the importing instance), the audit
//! chain (`tachiai audit verify` on the importing instance), and leave the import's own audit
//! event. Then damaged exports are refused with one sentence and nothing written.
//!
//! `TENANT_IO_CONTRACTS` (default 2) sets how many contracts are concluded; the test prints the
//! export and import times (`cargo test --release --test tenant_io -- --nocapture` for the
//! measurement).

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;
#[path = "support/server.rs"]
#[allow(dead_code)]
mod server;
#[allow(dead_code)]
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use helpers::{Backend, TestDb};
use server::{Auth, Body, Mailbox, Server, agree, confirm, send_contract, set_up_org};
use support::{corpus, setting};

const PDF: &str = "libreoffice-ja-contract.pdf";

/// Runs the CLI; returns (exit status, stdout, stderr).
fn cli(server: &Server, args: &[&str]) -> (i32, String, String) {
    let out = server.cli(args);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs the CLI and insists on success; returns stdout.
fn cli_ok(server: &Server, args: &[&str]) -> String {
    let (code, out, err) = cli(server, args);
    assert_eq!(code, 0, "tachiai {args:?}: {out}\n{err}");
    out
}

/// Reads `manifest.json` of an export (directory, .zip or .tar) through the `unzip`-free way:
/// for a directory directly, else by importing nothing but reading the container with the zip
/// crate or the tar layout.
fn manifest(path: &Path) -> Value {
    let bytes = read_entry(path, "manifest.json").expect("manifest.json");
    serde_json::from_slice(&bytes).unwrap()
}

/// One entry of an export.
fn read_entry(path: &Path, name: &str) -> Option<Vec<u8>> {
    if path.is_dir() {
        return std::fs::read(path.join(name)).ok();
    }
    let file = std::fs::File::open(path).unwrap();
    if path.extension().is_some_and(|e| e == "zip") {
        let mut zip = zip::ZipArchive::new(file).unwrap();
        let mut entry = zip.by_name(name).ok()?;
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut out).unwrap();
        return Some(out);
    }
    // tar: 512-byte headers, name in the first 100 bytes, octal size at 124.
    let bytes = std::fs::read(path).unwrap();
    let mut at = 0;
    while at + 512 <= bytes.len() && bytes[at..at + 512].iter().any(|&b| b != 0) {
        let h = &bytes[at..at + 512];
        let end = h[..100].iter().position(|&b| b == 0).unwrap_or(100);
        let entry = std::str::from_utf8(&h[..end]).unwrap();
        let size_text = std::str::from_utf8(&h[124..136])
            .unwrap()
            .trim_matches(|c: char| c == '\0' || c == ' ');
        let size = usize::from_str_radix(size_text, 8).unwrap();
        if entry == name {
            return Some(bytes[at + 512..at + 512 + size].to_vec());
        }
        at += 512 + size.div_ceil(512) * 512;
    }
    None
}

/// Rows per table, as the manifest counts them.
fn rows(m: &Value) -> BTreeMap<String, u64> {
    m["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_owned(),
                t["rows"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The stored files: path → SHA-256.
fn files(m: &Value) -> BTreeMap<String, String> {
    m["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"].as_str().unwrap().starts_with("files/"))
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["sha256"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The JSON Lines of a table.
fn table(path: &Path, name: &str) -> Vec<Value> {
    let bytes = read_entry(path, &format!("tables/{name}.jsonl")).unwrap();
    String::from_utf8(bytes)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Every blob file under `data/blobs` (not the temporary directory).
fn blob_count(data: &Path) -> usize {
    let Ok(dirs) = std::fs::read_dir(data.join("blobs")) else {
        return 0;
    };
    dirs.map(|d| d.unwrap().path())
        .filter(|d| d.file_name().unwrap() != "tmp" && d.is_dir())
        .map(|d| std::fs::read_dir(d).unwrap().count())
        .sum()
}

/// A tenant with `n` concluded contracts, an address book entry, a route template and an API
/// token, on `server` (its own tenant `dev`).
fn populate(server: &Server, n: usize) {
    let mail = Mailbox {
        dir: server.data_dir.join("outbox"),
    };
    let org = set_up_org(server);
    let o = server
        .post(
            &org.admin,
            "/api/v1/organizations",
            json!({"name": "株式会社テスト商事", "name_kana": "テストショウジ"}),
        )
        .expect(201);
    server
        .post(
            &org.admin,
            &format!(
                "/api/v1/organizations/{}/contacts",
                o["id"].as_str().unwrap()
            ),
            json!({"name": "山田 太郎", "email": "yamada@example.co.jp"}),
        )
        .expect(201);
    server
        .post(
            &org.admin,
            "/api/v1/approval-route-templates",
            json!({"name": "課長決裁", "steps": [{"name": "課長", "rule": "any", "approver_ids": [org.boss_id]}]}),
        )
        .expect(201);
    server
        .post(
            &org.admin,
            "/api/v1/api-tokens",
            json!({"name": "文書管理連携", "scopes": ["view_contracts"], "expires_in_days": 30}),
        )
        .expect(201);
    let pdf = corpus(PDF);
    for i in 0..n {
        let email = format!("party{i}@example.co.jp");
        let cid = send_contract(
            &[server],
            &org,
            &format!("返却試験契約 {i}"),
            &pdf,
            json!([{"organization_name": "株式会社テスト商事", "name": "山田 太郎", "email": email}]),
            false,
        );
        let (token, session) = confirm(server, &mail, &email, None);
        agree(server, &token, &session);
        server::wait_concluded(server, &org.staff, &cid, Duration::from_secs(120));
    }
}

/// The seals of every sealed file the importing instance stores verify with the source
/// instance's public verifier (its trust anchors sealed them): the bytes are unchanged.
fn seals_verify(source: &Server, importer_data: &Path, export: &Path) -> usize {
    let mut checked = 0;
    for doc in table(export, "documents") {
        if doc["role"] != "sealed" {
            continue;
        }
        let sha = doc["sha256"].as_str().unwrap();
        let pdf = std::fs::read(importer_data.join("blobs").join(&sha[..2]).join(sha)).unwrap();
        let v = source
            .request(
                "POST",
                "/api/v1/verify",
                Auth::None,
                Body::Bytes(&pdf, "application/pdf"),
            )
            .expect(200);
        assert_eq!(v["verification"]["all_valid"], true, "{v}");
        assert_eq!(v["issued_by_this_service"], true, "{v}");
        checked += 1;
    }
    checked
}

/// Checks the import on `server` under `code`: the CLI output, the chain verifies, the import
/// event is there and names the source, imported users cannot log in.
fn check_imported(server: &Server, code: &str, source_code: &str) {
    let out = cli_ok(server, &["audit", "verify", "--tenant", code]);
    assert!(out.contains(&format!("{code}: OK")), "{out}");
    let events = cli_ok(
        server,
        &[
            "audit",
            "events",
            "--tenant",
            code,
            "--action",
            "tenant.imported",
        ],
    );
    let event: Value =
        serde_json::from_str(events.lines().next().expect("an import event")).unwrap();
    assert_eq!(event["details"]["source_code"], source_code, "{event}");
    assert_eq!(event["details"]["code"], code, "{event}");
    assert_eq!(event["actor"], "cli");
    let r = server.request(
        "POST",
        "/api/v1/auth/login",
        Auth::None,
        Body::Json(json!({"tenant_code": code, "login_id": "tanaka",
                          "password": helpers::user_password("tanaka"), "totp_code": null})),
    );
    assert_eq!(
        r.status,
        401,
        "an imported user has no password: {}",
        r.text()
    );
}

fn export(server: &Server, code: &str, out: &Path) -> (Value, Duration) {
    let started = Instant::now();
    let text = cli_ok(
        server,
        &[
            "export",
            "tenant",
            "--tenant",
            code,
            "-o",
            out.to_str().unwrap(),
        ],
    );
    let took = started.elapsed();
    assert!(
        text.starts_with(&format!("exported tenant {code}")),
        "{text}"
    );
    (manifest(out), took)
}

fn import(server: &Server, from: &Path, code: &str) -> Duration {
    import_with(server, from, code, &[]).0
}

fn import_with(server: &Server, from: &Path, code: &str, extra: &[&str]) -> (Duration, String) {
    let started = Instant::now();
    let mut args = vec!["import", "tenant", from.to_str().unwrap(), "--code", code];
    args.extend_from_slice(extra);
    let text = cli_ok(server, &args);
    let took = started.elapsed();
    assert!(
        text.starts_with(&format!("imported tenant {code}")),
        "{text}"
    );
    assert!(
        text.contains("tachiai admin create-user --tenant"),
        "{text}"
    );
    (took, text)
}

#[test]
fn a_tenant_goes_from_sqlite_to_postgres_and_back_intact() {
    let (Some(db_a), Some(db_b), Some(db_c)) = (
        TestDb::create(Backend::Sqlite),
        TestDb::create(Backend::Postgres),
        TestDb::create(Backend::Sqlite),
    ) else {
        return;
    };
    let n = setting("TENANT_IO_CONTRACTS", 2);
    // A verifies every sealed file of both hops on its public endpoint.
    let a = Server::start(
        "a",
        &db_a,
        &db_a.dir.join("data"),
        &[("TACHIAI_VERIFY_PER_MINUTE", "100000")],
    );
    let started = Instant::now();
    populate(&a, n);
    eprintln!("{n} contracts concluded in {:?}", started.elapsed());

    // SQLite → directory export.
    let dir_export = db_a.dir.join("export-dir");
    let (m_a, t_export_a) = export(&a, "dev", &dir_export);
    assert_eq!(m_a["format"], "tachiai-tenant-export");
    assert_eq!(m_a["format_version"], 1);
    assert_eq!(m_a["audit_chain"]["verified_at_export"], true);
    let rows_a = rows(&m_a);
    assert_eq!(rows_a["contracts"], n as u64);
    assert!(rows_a["documents"] >= 3 * n as u64, "{rows_a:?}");
    assert_eq!(rows_a["tenants"], 1);
    for table in [
        "users",
        "departments",
        "organizations",
        "contacts",
        "approval_route_templates",
        "api_tokens",
        "recipients",
        "approval_steps",
        "approval_decisions",
        "audit_events",
        "document_seals",
    ] {
        assert!(rows_a[table] > 0, "{table} is empty: {rows_a:?}");
    }
    // No secret left the instance.
    let users = table(&dir_export, "users");
    assert!(
        users
            .iter()
            .all(|u| u.get("password_hash").is_none() && u.get("totp_secret").is_none())
    );
    assert!(
        table(&dir_export, "api_tokens")
            .iter()
            .all(|t| t.get("token_hash").is_none())
    );
    let text = std::fs::read_to_string(dir_export.join("tables/users.jsonl")).unwrap();
    assert!(!text.contains("$argon2"), "a password hash was exported");
    let seal_keys = read_entry(&dir_export, "reference/seal_keys.jsonl").unwrap();
    assert!(!String::from_utf8_lossy(&seal_keys).contains("PRIVATE KEY"));

    // → PostgreSQL. Its own first tenant is `dev`, so the code is taken.
    let b = Server::start("b", &db_b, &db_b.dir.join("data"), &[]);
    let (code, _, err) = cli(&b, &["import", "tenant", dir_export.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        err.contains("a tenant with code dev already exists"),
        "{err}"
    );
    // A's operator hands its audit key over: every event A sealed is HMAC-checked on import.
    let a_key = a.data_dir.join("audit.key");
    let (t_import_b, text) = import_with(
        &b,
        &dir_export,
        "moved",
        &["--source-audit-key-file", a_key.to_str().unwrap()],
    );
    assert!(
        text.contains(&format!(
            "{} imported audit events carried a valid HMAC",
            rows_a["audit_events"]
        )),
        "{text}"
    );
    check_imported(&b, "moved", "dev");
    let zip_export = db_b.dir.join("export.zip");
    let (m_b, t_export_b) = export(&b, "moved", &zip_export);
    let rows_b = rows(&m_b);
    for (t, n_a) in &rows_a {
        // The chain grows by the import event, the refused login of `check_imported` and the
        // second export's event.
        let expected = if t == "audit_events" { n_a + 3 } else { *n_a };
        assert_eq!(rows_b[t], expected, "{t}: {rows_a:?} vs {rows_b:?}");
    }
    assert_eq!(files(&m_a), files(&m_b));
    assert_eq!(m_b["source"]["database"], "postgres");
    assert_eq!(m_b["tenant"]["id"], m_a["tenant"]["id"]);
    let sealed = seals_verify(&a, &b.data_dir, &zip_export);
    assert!(sealed >= n, "{sealed} sealed files checked");

    // → SQLite again, from a tar written by PostgreSQL's instance.
    let tar_export = db_b.dir.join("export.tar");
    export(&b, "moved", &tar_export);
    let mut c = Server::start("c", &db_c, &db_c.dir.join("data"), &[]);
    let t_import_c = import(&c, &tar_export, "back");
    check_imported(&c, "back", "moved");
    let (m_c, _) = export(&c, "back", &db_c.dir.join("export.zip"));
    for (t, n_b) in rows(&m_b) {
        // B's tar export, C's import, the refused login, C's export.
        let expected = if t == "audit_events" { n_b + 4 } else { n_b };
        assert_eq!(rows(&m_c)[&t], expected, "{t}");
    }
    assert_eq!(files(&m_a), files(&m_c));
    assert!(seals_verify(&a, &c.data_dir, &db_c.dir.join("export.zip")) >= n);
    // The chain that came through B is pinned by C, B's pin included: still intact on C, and
    // an event the importing instance writes later is keyed normally.
    assert!(cli_ok(&c, &["audit", "verify"]).contains("back: OK"));

    // Someone who can write C's database rewrites an event that came from A: C cannot recompute
    // A's HMAC, but the digest its import event pinned no longer matches.
    c.stop();
    {
        use diesel::{Connection, RunQueryDsl};
        let mut conn = diesel::SqliteConnection::establish(&db_c.url).unwrap();
        diesel::sql_query("DROP TRIGGER audit_events_no_update")
            .execute(&mut conn)
            .unwrap();
        let changed = diesel::sql_query(
            "UPDATE audit_events SET actor_label = 'mallory' WHERE tenant_id = ? AND seq = 2",
        )
        .bind::<diesel::sql_types::Text, _>(m_a["tenant"]["id"].as_str().unwrap())
        .execute(&mut conn)
        .unwrap();
        assert_eq!(changed, 1);
    }
    let (code, out, _) = cli(&c, &["audit", "verify", "--tenant", "back"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("back: BROKEN"), "{out}");

    println!(
        "tenant_io: {n} contracts, {} files; export SQLite {:?}, import PostgreSQL {:?}, export PostgreSQL {:?}, import SQLite {:?}",
        files(&m_a).len(),
        t_export_a,
        t_import_b,
        t_export_b,
        t_import_c
    );
}

/// Copies a directory tree.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

#[test]
fn damaged_exports_and_taken_codes_are_refused_with_nothing_written() {
    let (Some(db_a), Some(db_b)) = (
        TestDb::create(Backend::Sqlite),
        TestDb::create(Backend::Postgres),
    ) else {
        return;
    };
    let a = Server::start("a", &db_a, &db_a.dir.join("data"), &[]);
    let org = set_up_org(&a);
    // A draft with an uploaded file: the export holds one stored file.
    let c = a
        .post(
            &org.staff,
            "/api/v1/contracts",
            json!({"title": "下書き", "counterparty_name": "株式会社テスト商事"}),
        )
        .expect(201);
    a.request(
        "POST",
        &format!(
            "/api/v1/contracts/{}/documents?role=main&file_name=contract.pdf",
            c["id"].as_str().unwrap()
        ),
        Auth::Session(&org.staff),
        Body::Bytes(&corpus(PDF), "application/pdf"),
    )
    .expect(201);
    let good: PathBuf = db_a.dir.join("good");
    export(&a, "dev", &good);
    let good_zip = db_a.dir.join("good.zip");
    export(&a, "dev", &good_zip);
    // A ZIP cut short in transfer.
    let truncated = db_a.dir.join("truncated.zip");
    let bytes = std::fs::read(&good_zip).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    // Exporting onto an existing path or an unknown tenant is refused.
    let (code, _, err) = cli(
        &a,
        &[
            "export",
            "tenant",
            "--tenant",
            "dev",
            "-o",
            good.to_str().unwrap(),
        ],
    );
    assert_eq!((code, err.contains("already exists")), (1, true), "{err}");
    let (code, _, err) = cli(
        &a,
        &["export", "tenant", "--tenant", "nope", "-o", "/tmp/x-never"],
    );
    assert_eq!(
        (code, err.trim_end()),
        (1, "tachiai: no tenant with code nope")
    );

    let b = Server::start("b", &db_b, &db_b.dir.join("data"), &[]);
    let blobs_before = blob_count(&b.data_dir);
    let head_before = cli_ok(&b, &["audit", "head"]);
    let variant = |name: &str, change: &dyn Fn(&Path)| {
        let dir = db_a.dir.join(name);
        copy_dir(&good, &dir);
        change(&dir);
        dir
    };
    let m = manifest(&good);
    let file_entry = files(&m).into_keys().next().expect("a stored file");
    let cases: Vec<(PathBuf, &str)> = vec![
        (
            variant("tampered", &|d| {
                let p = d.join("tables/contracts.jsonl");
                let text = std::fs::read_to_string(&p)
                    .unwrap()
                    .replace("下書き", "改竄済");
                std::fs::write(p, text).unwrap();
            }),
            "tables/contracts.jsonl does not match its SHA-256 in the manifest",
        ),
        (
            variant("tampered-file", &|d| {
                let p = d.join(&file_entry);
                let mut bytes = std::fs::read(&p).unwrap();
                let last = bytes.len() - 1;
                bytes[last] ^= 1;
                std::fs::write(p, bytes).unwrap();
            }),
            "does not match its SHA-256 in the manifest",
        ),
        (
            variant("missing", &|d| {
                std::fs::remove_file(d.join(&file_entry)).unwrap()
            }),
            "is listed in the manifest but missing from the export",
        ),
        (
            variant("extra", &|d| {
                std::fs::write(d.join("tables/evil.jsonl"), "{}\n").unwrap()
            }),
            "tables/evil.jsonl is in the export but not in its manifest",
        ),
        (
            variant("version", &|d| {
                let mut m = manifest(d);
                m["format_version"] = json!(99);
                std::fs::write(d.join("manifest.json"), m.to_string()).unwrap();
            }),
            "the export has format version 99, this instance reads version 1 only",
        ),
        (
            variant("not-ours", &|d| {
                std::fs::write(d.join("manifest.json"), "{}").unwrap()
            }),
            "is not a tenant export of Tachiai",
        ),
    ];
    let cases: Vec<(PathBuf, &str)> = cases
        .into_iter()
        .chain([(truncated.clone(), "is not a tenant export of Tachiai")])
        .collect();
    for (dir, expected) in &cases {
        let (code, out, err) = cli(
            &b,
            &[
                "import",
                "tenant",
                dir.to_str().unwrap(),
                "--code",
                "refused",
            ],
        );
        assert_eq!(code, 1, "{dir:?}: {out}");
        assert!(err.contains(expected), "{dir:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "one sentence: {err}");
    }
    // The code `dev` exists on B; the export's tenant id exists on A.
    let (code, _, err) = cli(&b, &["import", "tenant", good.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        err.contains("a tenant with code dev already exists on this instance"),
        "{err}"
    );
    let (code, _, err) = cli(
        &a,
        &[
            "import",
            "tenant",
            good.to_str().unwrap(),
            "--code",
            "again",
        ],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("already exists on this instance as dev"),
        "{err}"
    );
    let (code, _, err) = cli(
        &b,
        &[
            "import",
            "tenant",
            good.to_str().unwrap(),
            "--code",
            "Bad Code",
        ],
    );
    assert_eq!(code, 1);
    assert!(err.contains("is not a valid tenant code"), "{err}");
    // Nothing was written: no tenant, no chain, no file.
    assert_eq!(cli_ok(&b, &["audit", "head"]), head_before);
    assert_eq!(blob_count(&b.data_dir), blobs_before);
    // And the good export (as a ZIP) still imports.
    import(&b, &good_zip, "accepted");
    check_imported(&b, "accepted", "dev");
    assert_eq!(blob_count(&b.data_dir), blobs_before + 1);
}
