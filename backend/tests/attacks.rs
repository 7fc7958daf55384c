//! The security review's attacks against a real `tachiai serve` process: a flood of hostile
//! PDFs at the public verifier while a clerk works, secrets in the access log, and the modes of
//! every file the service writes.

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;
#[path = "support/server.rs"]
#[allow(dead_code)]
mod server;
#[allow(dead_code)]
mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::json;

use helpers::{Backend, TestDb};
use server::{Auth, Body, Mailbox, Server, confirm, send_contract, set_up_org};
use support::corpus;

/// The adversarial corpus (`testdata/adversarial/`, made by its generator).
fn adversarial() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/adversarial");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 8,
        "the adversarial corpus has {} files",
        files.len()
    );
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect()
}

/// A server on SQLite (`extra` settings) with the tenant set up and one contract sent to
/// 山田 太郎: the database (kept alive), the server, the staff and the contract's id.
fn server_with_a_sent_contract(
    name: &str,
    extra: &[(&str, &str)],
) -> Option<(TestDb, Server, server::Org, String)> {
    let db = TestDb::create(Backend::Sqlite)?;
    let server = Server::start(name, &db, &db.dir.join("data"), extra);
    let org = set_up_org(&server);
    let cid = send_contract(
        &[&server],
        &org,
        "攻撃試験契約",
        &corpus("libreoffice-ja-contract.pdf"),
        json!([{"organization_name": "株式会社テスト商事", "name": "山田 太郎", "email": "yamada@example.co.jp"}]),
        false,
    );
    Some((db, server, org, cid))
}

/// 16 hostile uploads at once, again and again, from as many addresses (through a trusted
/// proxy, so the per-address limit does not simply stop them), while a clerk logs in and opens
/// a contract: the clerk's every request is answered within a second, every hostile one gets a
/// 4xx problem (or a verdict), none a 5xx, and none is still running when the flood ends.
#[test]
fn a_flood_of_hostile_pdfs_does_not_stop_the_service() {
    let Some((_db, server, _org, cid)) = server_with_a_sent_contract(
        "flood",
        &[
            ("TACHIAI_TRUSTED_PROXIES", "127.0.0.1"),
            ("TACHIAI_VERIFY_PER_MINUTE", "1000"),
            // The clerk below logs in again each round, over 60 times in 8 s on an idle
            // machine: the login throttle is not what this test is about.
            ("TACHIAI_RATE_LIMIT_LOGIN_PER_MINUTE", "1000"),
        ],
    ) else {
        return;
    };
    let files = adversarial();
    let flood_for = Duration::from_secs(8);
    let started = Instant::now();
    let (statuses, slowest) = std::thread::scope(|scope| {
        let attackers: Vec<_> = (0..16)
            .map(|i| {
                let server = &server;
                let files = &files;
                scope.spawn(move || {
                    let mut seen = Vec::new();
                    let mut n = i;
                    while started.elapsed() < flood_for {
                        let (name, pdf) = &files[n % files.len()];
                        n += 16;
                        let reply = server.request_from(
                            &format!("198.51.100.{}", i + 1),
                            "POST",
                            "/api/v1/verify",
                            Body::Bytes(pdf, "application/pdf"),
                        );
                        seen.push((name.clone(), reply.status, reply.text()));
                    }
                    seen
                })
            })
            .collect();
        // The clerk, meanwhile.
        let mut slowest = Duration::ZERO;
        std::thread::sleep(Duration::from_millis(500));
        while started.elapsed() < flood_for {
            let t = Instant::now();
            let session = server.login("tanaka", &helpers::user_password("tanaka"));
            let login = t.elapsed();
            let t = Instant::now();
            server
                .get(Some(&session), &format!("/api/v1/contracts/{cid}"))
                .expect(200);
            let detail = t.elapsed();
            let health = Instant::now();
            assert_eq!(server.get(None, "/api/v1/health").status, 200);
            slowest = slowest.max(login).max(detail).max(health.elapsed());
            eprintln!("clerk: login {login:?}, detail {detail:?}");
        }
        let statuses: Vec<(String, u16, String)> = attackers
            .into_iter()
            .flat_map(|a| a.join().unwrap())
            .collect();
        (statuses, slowest)
    });
    let total = statuses.len();
    let mut by_status = std::collections::BTreeMap::<u16, usize>::new();
    for (name, status, body) in &statuses {
        *by_status.entry(*status).or_default() += 1;
        assert!(
            *status == 200 || (400..500).contains(status),
            "{name}: {status} {body}"
        );
    }
    eprintln!(
        "{total} hostile uploads in {flood_for:?}: {by_status:?}; slowest clerk request {slowest:?}"
    );
    assert!(total >= 16, "{total}");
    assert!(
        slowest < Duration::from_secs(1),
        "slowest clerk request {slowest:?}"
    );
    // The flood is over: a normal verification is answered at once.
    let t = Instant::now();
    let reply = server.request(
        "POST",
        "/api/v1/verify",
        Auth::None,
        Body::Bytes(&corpus("qpdf-qdf.pdf"), "application/pdf"),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(t.elapsed() < Duration::from_secs(2));
}

/// Stalled uploads (headers sent, the body never comes) cannot keep the verifier's slots: each
/// is answered 408 `upload_timeout` once the time limit passes, and the next verification runs.
#[test]
fn stalled_uploads_do_not_keep_the_verifier_busy() {
    use std::io::{Read, Write};
    let Some(db) = TestDb::create(Backend::Sqlite) else {
        return;
    };
    let server = Server::start(
        "slow",
        &db,
        &db.dir.join("data"),
        &[("TACHIAI_VERIFY_TIMEOUT_SECONDS", "2")],
    );
    let addr = server.base.trim_start_matches("http://").to_owned();
    let stalled: Vec<std::net::TcpStream> = (0..2)
        .map(|_| {
            let mut s = std::net::TcpStream::connect(&addr).unwrap();
            write!(
                s,
                "POST /api/v1/verify HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/pdf\r\nContent-Length: 100000\r\n\r\n%PDF-1.7\n"
            )
            .unwrap();
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let pdf = corpus("qpdf-qdf.pdf");
    let busy = server.request(
        "POST",
        "/api/v1/verify",
        Auth::None,
        Body::Bytes(&pdf, "application/pdf"),
    );
    assert_eq!(busy.status, 429, "both slots are taken: {}", busy.text());
    for mut s in stalled {
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut answer = vec![0u8; 4096];
        let n = s.read(&mut answer).unwrap();
        let head = String::from_utf8_lossy(&answer[..n]);
        assert!(head.starts_with("HTTP/1.1 408"), "{head}");
        assert!(head.contains("upload_timeout"), "{head}");
    }
    let reply = server.request(
        "POST",
        "/api/v1/verify",
        Auth::None,
        Body::Bytes(&pdf, "application/pdf"),
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
}

/// A counterparty's link and any secret in a query never reach the log.
#[test]
fn link_tokens_and_secrets_stay_out_of_the_log() {
    let Some((_db, server, _org, _)) =
        server_with_a_sent_contract("log", &[("TACHIAI_LOG", "info")])
    else {
        return;
    };
    let mail = Mailbox {
        dir: server.data_dir.join("outbox"),
    };
    let (token, session) = confirm(&server, &mail, "yamada@example.co.jp", None);
    server
        .request(
            "GET",
            &format!("/api/v1/signing/{token}"),
            Auth::Bearer(&session),
            Body::Empty,
        )
        .expect(200);
    // The signing page's own URL (the browser app's route) is logged too.
    server.get(None, &format!("/sign/{token}"));
    server.get(
        None,
        "/api/v1/health?token=hunter2-query-secret&access_code=991122",
    );
    let log = server.log();
    assert!(log.contains("/api/v1/signing/[redacted]"), "{log}");
    assert!(log.contains("/sign/[redacted]"), "{log}");
    for secret in [
        token.as_str(),
        "hunter2-query-secret",
        "991122",
        session.as_str(),
    ] {
        assert!(!log.contains(secret), "{secret} is in the log:\n{log}");
    }
}

/// Every directory the service made is 0700 and every file 0600: the database and its WAL,
/// blobs, the outbox (live links and codes), the development PKI's keys.
#[test]
fn the_data_directory_is_private_to_the_service() {
    let Some((db, server, _org, _)) = server_with_a_sent_contract("modes", &[]) else {
        return;
    };
    let mail = Mailbox {
        dir: server.data_dir.join("outbox"),
    };
    mail.newest_link("yamada@example.co.jp");
    let mut checked = 0;
    let data = server.data_dir.clone();
    let mut stack = vec![data.clone()];
    let test_log = data.join("modes.log");
    while let Some(dir) = stack.pop() {
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}", dir.display());
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path != test_log {
                let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
                assert_eq!(mode, 0o600, "{}", path.display());
                checked += 1;
            }
        }
    }
    for must in ["outbox", "blobs", "pki"] {
        assert!(data.join(must).exists(), "{must}");
    }
    // The test keeps its SQLite file beside the data directory: made by the server all the same.
    let db_file = PathBuf::from(&db.url);
    for f in [db_file.clone(), PathBuf::from(format!("{}-wal", db.url))] {
        let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", f.display());
    }
    assert!(checked >= 10, "{checked} files checked");
}
