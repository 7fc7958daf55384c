//! The real thing: `tachiai serve` as a child process on a free port, driven over HTTP the way
//! the browser app and the counterparties do it, on SQLite and PostgreSQL; mail read from the
//! `.eml` outbox or received by a local SMTP server; the server killed with SIGKILL while it
//! waits on the time-stamp authority mid-seal and started again; two server processes sharing
//! one PostgreSQL database and job queue. Nothing runs in-process but the test's own client.

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;
#[path = "support/server.rs"]
#[allow(dead_code)]
mod server;
#[allow(dead_code)]
mod support;
#[path = "support/tsa_gate.rs"]
mod tsa_gate;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use helpers::{Backend, TestDb, check_archive, external_validation, pdftotext};
use server::{
    Auth, Body, Mailbox, Server, agree, assert_no_mail_twice, confirm, download, send_contract,
    set_up_org, wait_for_subject,
};
use support::{SmtpSink, corpus, count_jobs, free_port, sql_count};
use tsa_gate::TsaGate;

const PDF: &str = "libreoffice-ja-contract.pdf";
const CONCLUDED: &str = "契約締結のお知らせ";

#[test]
fn journey_on_sqlite() {
    journey(Backend::Sqlite, false);
}

#[test]
fn journey_on_postgres() {
    journey(Backend::Postgres, false);
}

#[test]
fn journey_with_mail_over_real_smtp() {
    journey(Backend::Sqlite, true);
}

/// Admin sets up the tenant; staff draft, upload, route; sending before approval is refused;
/// the approver approves; staff send; recipient 1 agrees, recipient 2 forwards to a colleague
/// who agrees; the server's own workers seal and conclude; the files pass the validators; the
/// CLI verifies the audit chain of the stopped server's database.
fn journey(backend: Backend, smtp: bool) {
    let python = match smtp {
        true => match SmtpSink::python() {
            Some(python) => Some(python),
            None => return,
        },
        false => None,
    };
    let Some(db) = TestDb::create(backend) else {
        return;
    };
    let sink = python.map(|p| SmtpSink::start(&p, free_port(), &db.dir.join("smtp-received")));
    let data = db.dir.join("data");
    let port = sink
        .as_ref()
        .map(|s| s.port.to_string())
        .unwrap_or_default();
    let smtp_env = [
        ("TACHIAI_MAIL_TRANSPORT", "smtp"),
        ("TACHIAI_SMTP_HOST", "127.0.0.1"),
        ("TACHIAI_SMTP_PORT", port.as_str()),
        ("TACHIAI_SMTP_SECURITY", "none"),
        ("TACHIAI_MAIL_FROM", "noreply@tachiai.example.lg.jp"),
    ];
    let mut server = Server::start("serve", &db, &data, if smtp { &smtp_env } else { &[] });
    let mail = Mailbox {
        dir: sink
            .as_ref()
            .map_or_else(|| data.join("outbox"), |s| s.dir.clone()),
    };
    let org = set_up_org(&server);
    bad_input_is_answered_not_panicked_on(&server, &org.staff);

    let cid = send_contract(
        &[&server],
        &org,
        "庁舎清掃業務委託契約",
        &corpus(PDF),
        json!([
            {"organization_name": "株式会社テスト商事", "name": "山田 太郎", "email": "yamada@example.co.jp"},
            {"organization_name": "株式会社テスト商事", "name": "佐藤 花子", "email": "sato@example.co.jp", "access_code": "883121"},
        ]),
        true,
    );

    // Recipient 1: link → code → sees the contract → agrees.
    let (t1, s1) = confirm(&server, &mail, "yamada@example.co.jp", None);
    let v = server
        .request(
            "GET",
            &format!("/api/v1/signing/{t1}"),
            Auth::Bearer(&s1),
            Body::Empty,
        )
        .expect(200);
    assert_eq!(
        (v["verified"].as_bool(), v["title"].as_str()),
        (Some(true), Some("庁舎清掃業務委託契約"))
    );
    agree(&server, &t1, &s1);

    // Recipient 2 (with the access code) forwards to a colleague, who agrees.
    let (t2, s2) = confirm(&server, &mail, "sato@example.co.jp", Some("883121"));
    server
        .request(
            "POST",
            &format!("/api/v1/signing/{t2}/forward"),
            Auth::Bearer(&s2),
            Body::Json(json!({"name": "鈴木 一郎", "email": "suzuki@example.co.jp"})),
        )
        .expect(204);
    assert_eq!(
        server.get(None, &format!("/api/v1/signing/{t2}")).status,
        410
    );
    let (t3, s3) = confirm(&server, &mail, "suzuki@example.co.jp", Some("883121"));
    agree(&server, &t3, &s3);

    let detail = server::wait_concluded(&server, &org.staff, &cid, Duration::from_secs(120));
    let signed = check_concluded(&server, &org.staff, &cid, &detail, 2);
    let archive = server.get(
        Some(&org.staff),
        &format!("/api/v1/contracts/{cid}/archive"),
    );
    assert_eq!(
        (archive.status, archive.content_type.as_str()),
        (200, "application/zip")
    );
    check_archive(&archive.bytes, &signed);
    for to in ["yamada@example.co.jp", "suzuki@example.co.jp"] {
        wait_for_subject(&mail, to, CONCLUDED, 1);
        assert_no_mail_twice(&mail, to);
    }
    if let Some(sink) = &sink {
        // The SMTP envelope names the configured sender.
        let first = mail.to("yamada@example.co.jp").remove(0);
        let envelope: Value =
            serde_json::from_slice(&std::fs::read(first.file.with_extension("json")).unwrap())
                .unwrap();
        assert_eq!(envelope["mail_from"], "noreply@tachiai.example.lg.jp");
        assert!(
            !data.join("outbox").exists()
                || std::fs::read_dir(data.join("outbox")).unwrap().count() == 0,
            "with SMTP nothing goes to the outbox ({})",
            sink.dir.display()
        );
    }
    let chain = server
        .get(Some(&org.admin), "/api/v1/audit-events/verify")
        .expect(200);
    assert_eq!(chain["intact"], true, "{chain}");
    assert!(!server.log().contains("panicked"), "{}", server.log());

    server.stop();
    audit_verify_cli(&server);
}

/// Garbage gets a problem answer, never a dropped connection or a panic.
fn bad_input_is_answered_not_panicked_on(server: &Server, staff: &helpers::Session) {
    let cases: [(&str, &str, Body<'_>); 7] = [
        (
            "POST",
            "/api/v1/contracts",
            Body::Bytes(&b"{\"title\": "[..], "application/json"),
        ),
        ("POST", "/api/v1/contracts", Body::Json(json!({"title": 5}))),
        ("GET", "/api/v1/contracts/not-a-uuid", Body::Empty),
        (
            "GET",
            "/api/v1/contracts?sort=%ff%fe&per_page=-1",
            Body::Empty,
        ),
        (
            "POST",
            "/api/v1/signing/%00%01/verify",
            Body::Json(json!({"code": "x"})),
        ),
        (
            "POST",
            "/api/v1/verify",
            Body::Bytes(&b"%PDF-1.7\n1 0 obj <<"[..], "application/pdf"),
        ),
        (
            "POST",
            "/api/v1/contracts/00000000-0000-4000-8000-000000000000/documents?role=main&file_name=x.pdf",
            Body::Bytes(&[0xff; 4096][..], "application/pdf"),
        ),
    ];
    for (method, path, body) in cases {
        let r = server.request(method, path, Auth::Session(staff), body);
        assert!(
            (400..500).contains(&r.status),
            "{method} {path}: {} {}",
            r.status,
            r.text()
        );
        assert!(
            r.content_type.starts_with("application/problem+json"),
            "{method} {path}"
        );
    }
    assert_eq!(server.get(None, "/api/v1/health").status, 200);
}

/// The sealed file (the sending seal, one signature per agreement, then the document
/// timestamp) and the certificate, judged by the server's verifier, the validator harness and
/// pdftotext. Returns the sealed file.
fn check_concluded(
    server: &Server,
    s: &helpers::Session,
    cid: &str,
    detail: &Value,
    agreements: usize,
) -> Vec<u8> {
    let (sealed, certificate) = server::sealed_and_certificate(detail);
    let signed = download(server, s, cid, &sealed);
    let cert = download(server, s, cid, &certificate);
    assert!(
        signed.starts_with(&corpus(PDF)),
        "the original bytes come first"
    );
    let mut expected = vec!["signature"; 1 + agreements];
    expected.push("document_timestamp");
    assert_eq!(server::signature_kinds(server, &signed), expected);
    // The first seal is the city's own act: the sender and the completed approval route.
    let v = server
        .request(
            "POST",
            "/api/v1/verify",
            Auth::None,
            Body::Bytes(&signed, "application/pdf"),
        )
        .expect(200);
    let sending = v["verification"]["signatures"][0]["reason"]
        .as_str()
        .unwrap_or_default();
    assert!(
        sending.contains("試験 tanaka（送信者）が、承認: 課長決裁 試験 kacho（")
            && sending.contains("の決裁を経て送信"),
        "{sending}"
    );
    assert!(!server::signature_kinds(server, &cert).is_empty());
    let dir = server.data_dir.join(format!("check-{cid}"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("signed.pdf"), &signed).unwrap();
    std::fs::write(dir.join("certificate.pdf"), &cert).unwrap();
    if let Some(text) = pdftotext(&dir.join("certificate.pdf")) {
        let names: Vec<String> = detail["recipients"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_owned())
            .chain(["株式会社テスト商事".to_owned()])
            .collect();
        for name in names {
            assert!(text.contains(&name), "{name} in the certificate:\n{text}");
        }
        assert!(
            text.contains("送信時の電子署名"),
            "the sending seal in the certificate:\n{text}"
        );
    }
    let root = server.data_dir.join("pki/root-ca.pem");
    external_validation(&root, &dir.join("signed.pdf"));
    external_validation(&root, &dir.join("certificate.pdf"));
    signed
}

fn audit_verify_cli(server: &Server) {
    let out = server.cli(&["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("chain intact"), "{stdout}");
}

/// Waits until every job is finished.
fn wait_jobs_finished(db: &TestDb) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while count_jobs(&db.url, "state NOT IN ('done', 'dead')") > 0 {
        assert!(Instant::now() < deadline, "jobs left unfinished");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(count_jobs(&db.url, "state = 'dead'"), 0, "no job gave up");
}

/// Files in the blob store's temporary directory (a half-written blob would be there).
fn temp_blobs(data: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(data.join("blobs/tmp"))
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default()
}

/// A random delay up to `max_ms` (from the OS's randomness, via a v4 UUID).
fn random_ms(max_ms: u64) -> u64 {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    u64::from_le_bytes(bytes[..8].try_into().unwrap()) % (max_ms + 1)
}

#[test]
fn kill_9_while_sealing_recovers_on_sqlite() {
    kill_9_while_sealing_recovers(Backend::Sqlite, 3);
}

#[test]
fn kill_9_while_sealing_recovers_on_postgres() {
    kill_9_while_sealing_recovers(Backend::Postgres, 1);
}

/// `kill -9` while a seal job waits on the TSA: after a restart the job is taken over when its
/// lease runs out, the contract concludes with exactly one signature per agreement, no
/// half-written file is left, and each party is told once. Then kills at random moments.
fn kill_9_while_sealing_recovers(backend: Backend, random_rounds: usize) {
    let Some(db) = TestDb::create(backend) else {
        return;
    };
    let data = db.dir.join("data");
    // The gate forwards to the server's own TSA; the server's port is known only after start,
    // so the target is filled in then (it stays the same over restarts). The first request
    // (the seal at sending) goes through.
    let gate = TsaGate::start("", 1);
    let env = [
        ("TACHIAI_TSA_URLS", gate.url.as_str()),
        ("TACHIAI_JOB_LEASE_SECONDS", "3"),
    ];
    let mut server = Server::start("serve", &db, &data, &env);
    gate.set_target(&format!("{}/pki/tsa", server.base));
    let mail = Mailbox {
        dir: data.join("outbox"),
    };
    let org = set_up_org(&server);
    let cid = send_contract(
        &[&server],
        &org,
        "道路補修工事請負契約",
        &corpus(PDF),
        json!([
            {"organization_name": "株式会社テスト商事", "name": "山田 太郎", "email": "yamada@example.co.jp"},
            {"organization_name": "合同会社サンプル", "name": "高橋 次郎", "email": "takahashi@example.jp"},
        ]),
        false,
    );
    let (t1, s1) = confirm(&server, &mail, "yamada@example.co.jp", None);
    agree(&server, &t1, &s1);

    // The seal of the first agreement is waiting for its timestamp: kill -9.
    gate.wait_arrived(2);
    server.kill();
    // The seal works on a locked temporary copy, never on a file that looks stored; the dead
    // process's copy is swept at start.
    gate.allow(usize::MAX);
    server.restart();
    wait_sealed_files(&server, &org.staff, &cid, 2);
    assert!(temp_blobs(&data).is_empty(), "{:?}", temp_blobs(&data));

    // The second agreement's seal gets its timestamp; the next TSA request (the conclusion's
    // B-LTA step) is held: kill -9 again.
    let (t2, s2) = confirm(&server, &mail, "takahashi@example.jp", None);
    let before = gate.arrived();
    gate.allow(before + 1);
    agree(&server, &t2, &s2);
    gate.wait_arrived(before + 2);
    server.kill();
    gate.allow(usize::MAX);
    server.restart();
    let detail = server::wait_concluded(&server, &org.staff, &cid, Duration::from_secs(120));
    check_concluded(&server, &org.staff, &cid, &detail, 2);
    let sealed_docs = detail["documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["role"] == "sealed")
        .count();
    assert_eq!(
        sealed_docs, 4,
        "one file per seal step (sending, two agreements, conclusion): {detail}"
    );
    for to in ["yamada@example.co.jp", "takahashi@example.jp"] {
        wait_for_subject(&mail, to, CONCLUDED, 1);
        assert_no_mail_twice(&mail, to);
    }
    wait_jobs_finished(&db);
    assert!(temp_blobs(&data).is_empty(), "{:?}", temp_blobs(&data));
    assert!(
        count_jobs(&db.url, "kind = 'contract.seal' AND attempts >= 2") >= 2,
        "both killed seal jobs were taken over by the restarted server"
    );

    // Kills at random moments after an agreement (before, during or after sealing).
    for round in 0..random_rounds {
        let to = format!("party{round}@example.jp");
        let cid = send_contract(
            &[&server],
            &org,
            &format!("物品購入契約 第{round}号"),
            &corpus(PDF),
            json!([{"organization_name": "株式会社テスト商事", "name": "伊藤 三郎", "email": to}]),
            false,
        );
        let (t, s) = confirm(&server, &mail, &to, None);
        agree(&server, &t, &s);
        let delay = random_ms(1500);
        std::thread::sleep(Duration::from_millis(delay));
        server.kill();
        server.restart();
        let detail = server::wait_concluded(&server, &org.staff, &cid, Duration::from_secs(120));
        let (sealed, _) = server::sealed_and_certificate(&detail);
        let signed = download(&server, &org.staff, &cid, &sealed);
        assert_eq!(
            server::signature_kinds(&server, &signed),
            ["signature", "signature", "document_timestamp"],
            "round {round}, killed after {delay} ms"
        );
        // A kill between sending a mail and recording it may send it again (at least once);
        // the conclusion itself is never announced twice by two seal runs.
        wait_for_subject_at_least(&mail, &to, CONCLUDED);
        eprintln!(
            "round {round}: killed {delay} ms after the agreement; concluded once, {} mails",
            mail.to(&to).len()
        );
    }
    wait_jobs_finished(&db);
    assert!(temp_blobs(&data).is_empty(), "{:?}", temp_blobs(&data));
    assert!(!server.log().contains("panicked"), "{}", server.log());
    server.stop();
    audit_verify_cli(&server);
}

#[test]
fn the_seal_survives_a_move_to_another_url() {
    let Some(db) = TestDb::create(Backend::Sqlite) else {
        return;
    };
    the_seal_survives_a_move(db);
}

/// The development PKI's certificates carry the first start's URL (its port). Contract 1 is
/// concluded under URL A; contract 2 is agreed under A and its seal is waiting on the TSA when
/// the server goes (`kill -9`); the server comes back under URL B (another port, A closed).
/// Contract 2's pending seal and conclusion, and a contract 3 made entirely under B, all
/// conclude (the B-LTA step gets the seal's own revocation data from the service itself, not
/// from A) and pass the validators, as does contract 1.
fn the_seal_survives_a_move(db: TestDb) {
    let data = db.dir.join("data");
    let gate = TsaGate::start("", usize::MAX);
    let env = [
        ("TACHIAI_TSA_URLS", gate.url.as_str()),
        ("TACHIAI_JOB_LEASE_SECONDS", "3"),
    ];
    let mut server = Server::start("serve", &db, &data, &env);
    gate.set_target(&format!("{}/pki/tsa", server.base));
    let url_a = server.base.clone();
    let mail = Mailbox {
        dir: data.join("outbox"),
    };
    let org = set_up_org(&server);
    let party = |to: &str| json!([{"organization_name": "株式会社テスト商事", "name": "伊藤 三郎", "email": to}]);
    let conclude = |server: &Server, title: &str, to: &str| {
        let cid = send_contract(&[server], &org, title, &corpus(PDF), party(to), false);
        let (t, s) = confirm(server, &mail, to, None);
        agree(server, &t, &s);
        cid
    };
    let started = Instant::now();
    let c1 = conclude(&server, "移転前の契約", "first@example.jp");
    let d1 = server::wait_concluded(&server, &org.staff, &c1, Duration::from_secs(120));
    let (sealed1, _) = server::sealed_and_certificate(&d1);
    let signed1 = download(&server, &org.staff, &c1, &sealed1);

    // Contract 2: agreed under A, its seal held at the TSA, and the server goes.
    let c2 = send_contract(
        &[&server],
        &org,
        "移転をまたぐ契約",
        &corpus(PDF),
        party("second@example.jp"),
        false,
    );
    let (t, s) = confirm(&server, &mail, "second@example.jp", None);
    let before = gate.arrived();
    gate.allow(before);
    agree(&server, &t, &s);
    gate.wait_arrived(before + 1);
    server.restart_elsewhere();
    assert_ne!(server.base, url_a, "a new port");
    assert!(
        std::net::TcpStream::connect(url_a.trim_start_matches("http://")).is_err(),
        "nothing answers at the old URL any more"
    );
    gate.set_target(&format!("{}/pki/tsa", server.base));
    gate.allow(usize::MAX);
    let seal_pem = std::fs::read_to_string(data.join("pki/seal.pem")).unwrap();
    assert!(
        !seal_pem.is_empty(),
        "the PKI (with URL A in its certificates) is kept"
    );

    let c3 = conclude(&server, "移転後の契約", "third@example.jp");
    for (cid, agreements) in [(&c1, 1), (&c2, 1), (&c3, 1)] {
        let detail = server::wait_concluded(&server, &org.staff, cid, Duration::from_secs(120));
        check_concluded(&server, &org.staff, cid, &detail, agreements);
    }
    // Contract 1's file did not change with the move.
    let d1 = server
        .get(Some(&org.staff), &format!("/api/v1/contracts/{c1}"))
        .expect(200);
    let (sealed1_after, _) = server::sealed_and_certificate(&d1);
    assert_eq!(download(&server, &org.staff, &c1, &sealed1_after), signed1);
    wait_jobs_finished(&db);
    eprintln!(
        "moved from {url_a} to {}: 3 contracts concluded and validated in {:.1} s",
        server.base,
        started.elapsed().as_secs_f64()
    );
    assert!(!server.log().contains("panicked"), "{}", server.log());
    server.stop();
}

/// Waits until the contract has `n` sealed files (committed seals).
fn wait_sealed_files(server: &Server, s: &helpers::Session, cid: &str, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let v = server
            .get(Some(s), &format!("/api/v1/contracts/{cid}"))
            .expect(200);
        let sealed = v["documents"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["role"] == "sealed")
            .count();
        if sealed >= n {
            return;
        }
        assert!(Instant::now() < deadline, "no seal committed: {v}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn wait_for_subject_at_least(mail: &Mailbox, to: &str, subject: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !mail.to(to).iter().any(|m| m.subject.contains(subject)) {
        assert!(Instant::now() < deadline, "no {subject} mail to {to}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Sends a contract to one party (steps alternating between `servers`), who confirms with the
/// first and agrees with the second. Returns the contract's id.
fn send_and_agree(
    servers: [&Server; 2],
    org: &server::Org,
    mail: &Mailbox,
    pdf: &[u8],
    title: &str,
    to: &str,
) -> String {
    let cid = send_contract(
        &servers,
        org,
        title,
        pdf,
        json!([{"organization_name": "株式会社テスト商事", "name": "伊藤 三郎", "email": to}]),
        false,
    );
    let (t, s) = confirm(servers[0], mail, to, None);
    agree(servers[1], &t, &s);
    cid
}

/// Two server processes on one PostgreSQL database (and one data directory for blobs and
/// outbox): ten contracts, each step alternating between the processes, all sealed and
/// concluded exactly once, no job run twice, the audit chain intact.
#[test]
fn two_servers_share_one_postgres_database() {
    let Some(db) = TestDb::create(Backend::Postgres) else {
        return;
    };
    let data = db.dir.join("data");
    let mut a = Server::start("serve-a", &db, &data, &[]);
    let mut b = Server::start("serve-b", &db, &data, &[]);
    let mail = Mailbox {
        dir: data.join("outbox"),
    };
    let org = set_up_org(&a);
    let pdf = corpus(PDF);
    let contracts: Vec<(String, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..10)
            .map(|i| {
                let (a, b, org, mail, pdf) = (&a, &b, &org, &mail, &pdf);
                scope.spawn(move || {
                    let servers: [&Server; 2] = if i % 2 == 0 { [a, b] } else { [b, a] };
                    let to = format!("party{i}@example.jp");
                    let title = format!("業務委託契約 第{i}号");
                    (send_and_agree(servers, org, mail, pdf, &title, &to), to)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (i, (cid, to)) in contracts.iter().enumerate() {
        let server = if i % 2 == 0 { &a } else { &b };
        let detail = server::wait_concluded(server, &org.staff, cid, Duration::from_secs(180));
        let (sealed, _) = server::sealed_and_certificate(&detail);
        let signed = download(server, &org.staff, cid, &sealed);
        assert_eq!(
            server::signature_kinds(server, &signed),
            ["signature", "signature", "document_timestamp"],
            "{cid}"
        );
        wait_for_subject(&mail, to, CONCLUDED, 1);
        assert_no_mail_twice(&mail, to);
    }
    wait_jobs_finished(&db);
    assert_eq!(count_jobs(&db.url, "attempts <> 1"), 0, "a job ran twice");
    let chain = b
        .get(Some(&org.admin), "/api/v1/audit-events/verify")
        .expect(200);
    assert_eq!(chain["intact"], true, "{chain}");
    for s in [&a, &b] {
        assert!(!s.log().contains("panicked"), "{}", s.log());
    }
    a.stop();
    b.stop();
    audit_verify_cli(&a);
}

/// A second certification authority for the key rotation test: another development PKI whose
/// OCSP responder, CRLs and CA certificates this test serves over HTTP (as a real CA would), so
/// the servers can make its seals B-LTA.
struct SecondCa {
    pki: Arc<pades::DevPki>,
    dir: PathBuf,
}

impl SecondCa {
    fn start(dir: &Path) -> SecondCa {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}/pki", listener.local_addr().unwrap());
        let pki = Arc::new(
            pades::DevPki::generate_tagged(
                dir,
                &pades::DevPkiOptions {
                    base_url: Some(base),
                },
                " 2027",
            )
            .unwrap(),
        );
        let served = pki.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let pki = served.clone();
                std::thread::spawn(move || {
                    let _ = SecondCa::serve(stream, &pki);
                });
            }
        });
        SecondCa {
            pki,
            dir: dir.to_owned(),
        }
    }

    fn serve(stream: TcpStream, pki: &pades::DevPki) -> std::io::Result<()> {
        let mut reader = BufReader::new(stream.try_clone()?);
        let mut request_line = String::new();
        reader.read_line(&mut request_line)?;
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 || line == "\r\n" {
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        let mut parts = request_line.split_whitespace();
        let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let path = path.strip_prefix("/pki").unwrap_or(path);
        let mut out = stream;
        match pki.http_response(method, path, &body) {
            Some((content_type, reply)) => {
                write!(
                    out,
                    "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    reply.len()
                )?;
                out.write_all(&reply)?;
            }
            None => write!(
                out,
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )?,
        }
        out.flush()
    }

    fn file(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }
}

/// Which of two roots the signer of each signature (not document timestamp) chains to.
fn seals_by_root(pdf: &[u8], roots: [&str; 2]) -> Vec<usize> {
    let trust = roots.map(|pem| pades::ValidationContext::from_pem(pem).unwrap());
    let verdicts = trust.map(|ctx| pades::verify(pdf, &ctx).unwrap());
    (0..verdicts[0].len())
        .filter(|&i| verdicts[0][i].kind == pades::SignatureKind::Signature)
        .map(|i| {
            let by: Vec<usize> = (0..2).filter(|&k| verdicts[k][i].trusted).collect();
            assert_eq!(
                by.len(),
                1,
                "signature {i} chains to exactly one key's root"
            );
            by[0]
        })
        .collect()
}

fn job_errors(url: &str) -> String {
    use diesel::prelude::*;
    let mut conn = diesel::PgConnection::establish(url).unwrap();
    diesel::select(diesel::dsl::sql::<
        diesel::sql_types::Nullable<diesel::sql_types::Text>,
    >(
        "(SELECT string_agg(last_error, ' | ') FROM jobs WHERE last_error IS NOT NULL)",
    ))
    .get_result::<Option<String>>(&mut conn)
    .unwrap()
    .unwrap_or_default()
}

/// A new seal key is imported and activated with the command line while two server
/// processes on one PostgreSQL database conclude contracts. Every seal is made by exactly one
/// of the two keys (the PDFs say so, and `document_seals` agrees), no seal job fails or
/// retries, both keys' seals verify afterwards (the service's own verifier, which trusts every
/// key's root, and the external validators); a city admin cannot touch the keyring, bad key
/// material is refused with exit 3 and changes nothing.
#[test]
fn seal_key_rotation_while_two_servers_conclude() {
    let Some(db) = TestDb::create(Backend::Postgres) else {
        return;
    };
    let data = db.dir.join("data");
    let ca2 = SecondCa::start(&db.dir.join("pki2"));
    let mut a = Server::start("serve-a", &db, &data, &[]);
    let mut b = Server::start("serve-b", &db, &data, &[]);
    let mail = Mailbox {
        dir: data.join("outbox"),
    };
    let org = set_up_org(&a);
    let pdf = corpus(PDF);
    let pki1 = data.join("pki");

    // Least privilege: the city's admin may not see or change the service's keys.
    a.get(Some(&org.admin), "/api/v1/seal/keys")
        .expect_problem(403, "forbidden");
    // Bad key material: refused with one sentence and exit 3, nothing stored.
    let mismatch = a.cli(&[
        "seal",
        "import",
        "--label",
        "誤った組",
        "--key",
        &pki1.join("seal.key").display().to_string(),
        "--cert",
        &ca2.file("seal.pem"),
        "--chain",
        &ca2.file("chain.pem"),
    ]);
    assert_eq!(mismatch.status.code(), Some(3), "{mismatch:?}");
    let said = String::from_utf8_lossy(&mismatch.stderr);
    assert!(
        said.contains("does not match the certificate") && said.lines().count() == 1,
        "{said}"
    );
    let broken = a.cli(&[
        "seal",
        "import",
        "--label",
        "別のチェーン",
        "--key",
        &ca2.file("seal.key"),
        "--cert",
        &ca2.file("seal.pem"),
        "--chain",
        &pki1.join("chain.pem").display().to_string(),
    ]);
    assert_eq!(broken.status.code(), Some(3), "{broken:?}");
    assert_eq!(sql_count(&db.url, "SELECT count(*) FROM seal_keys"), 0);

    let rotated_at = Mutex::new(None::<(i64, i64)>);
    let first: Vec<(String, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..6)
            .map(|i| {
                let (a, b, org, mail, pdf) = (&a, &b, &org, &mail, &pdf);
                scope.spawn(move || {
                    let servers: [&Server; 2] = if i % 2 == 0 { [a, b] } else { [b, a] };
                    let to = format!("rotation{i}@example.jp");
                    let title = format!("鍵更新中の契約 第{i}号");
                    (send_and_agree(servers, org, mail, pdf, &title, &to), to)
                })
            })
            .collect();
        // Mid-stream: once two seals are in, the operator imports and activates the new key.
        let deadline = Instant::now() + Duration::from_secs(300);
        while sql_count(&db.url, "SELECT count(*) FROM document_seals") < 2 {
            assert!(Instant::now() < deadline, "no seal was made");
            std::thread::sleep(Duration::from_millis(50));
        }
        let started = Instant::now();
        let out = a.cli(&[
            "seal",
            "import",
            "--label",
            "2027年度 電子署名鍵",
            "--key",
            &ca2.file("seal.key"),
            "--cert",
            &ca2.file("seal.pem"),
            "--chain",
            &ca2.file("chain.pem"),
            "--activate",
        ]);
        assert!(out.status.success(), "{out:?}");
        eprintln!(
            "seal import + activate took {:?} (CLI process included)",
            started.elapsed()
        );
        *rotated_at.lock().unwrap() = Some((
            sql_count(&db.url, "SELECT count(*) FROM document_seals"),
            count_jobs(&db.url, "kind = 'contract.seal' AND state <> 'done'"),
        ));
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let (seals_before, pending) = rotated_at.lock().unwrap().unwrap();
    eprintln!("at activation: {seals_before} seals made, {pending} seal jobs not done");
    // And two more, surely after the switch.
    let mut contracts = first;
    for i in 6..8 {
        let servers: [&Server; 2] = if i % 2 == 0 { [&a, &b] } else { [&b, &a] };
        let to = format!("rotation{i}@example.jp");
        let title = format!("鍵更新後の契約 第{i}号");
        contracts.push((send_and_agree(servers, &org, &mail, &pdf, &title, &to), to));
    }

    let root1 = std::fs::read_to_string(pki1.join("root-ca.pem")).unwrap();
    let root2 = ca2.pki.root_pem().unwrap();
    let both = db.dir.join("both-roots.pem");
    std::fs::write(&both, format!("{root1}\n{root2}")).unwrap();
    let mut by_key = [0usize; 2];
    let mut checked_externally = [false; 2];
    for (i, (cid, _)) in contracts.iter().enumerate() {
        let server = if i % 2 == 0 { &a } else { &b };
        let deadline = Instant::now() + Duration::from_secs(240);
        while server
            .get(Some(&org.staff), &format!("/api/v1/contracts/{cid}"))
            .expect(200)["state"]
            != "concluded"
        {
            assert!(
                Instant::now() < deadline,
                "{cid} not concluded; the seal jobs said: {}",
                job_errors(&db.url)
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let detail = server::wait_concluded(server, &org.staff, cid, Duration::from_secs(5));
        let (sealed, certificate) = server::sealed_and_certificate(&detail);
        for doc in [&sealed, &certificate] {
            let file = download(server, &org.staff, cid, doc);
            // The service's own verifier (the public page) trusts both keys' roots.
            server::signature_kinds(server, &file);
            // The contract file: the sending seal and the agreement's; the certificate: one.
            let keys = seals_by_root(&file, [&root1, &root2]);
            let expected = if doc["role"] == "certificate" { 1 } else { 2 };
            assert_eq!(keys.len(), expected, "{cid}: {doc}");
            // Seals come one after another: once the new key seals, the old one no longer does.
            assert!(keys.is_sorted(), "{cid}: seals by keys {keys:?}");
            for &k in &keys {
                by_key[k] += 1;
            }
            if keys.iter().any(|&k| !checked_externally[k]) {
                let path = db.dir.join(format!(
                    "rotation-{i}-{}.pdf",
                    doc["role"].as_str().unwrap()
                ));
                std::fs::write(&path, &file).unwrap();
                helpers::external_validation(&both, &path);
                for &k in &keys {
                    checked_externally[k] = true;
                }
            }
        }
    }
    eprintln!(
        "seals by the first key: {}, by the new key: {}",
        by_key[0], by_key[1]
    );
    assert!(by_key[0] > 0 && by_key[1] > 0, "{by_key:?}");
    // The database records the same: each seal by exactly one key, the new one after the switch.
    let recorded_new = sql_count(
        &db.url,
        "SELECT count(*) FROM document_seals s JOIN seal_keys k ON k.id = s.seal_key_id \
         WHERE s.cert_sha256 = k.cert_sha256 AND k.state = 'active'",
    );
    let recorded_old = sql_count(
        &db.url,
        "SELECT count(*) FROM document_seals WHERE seal_key_id IS NULL AND source = 'development'",
    );
    // One row per seal (sending, agreement, certificate): exactly the signatures counted in the
    // files.
    assert_eq!(
        (recorded_old as usize, recorded_new as usize),
        (by_key[0], by_key[1])
    );
    assert_eq!(
        recorded_old + recorded_new,
        sql_count(&db.url, "SELECT count(*) FROM document_seals")
    );
    wait_jobs_finished(&db);
    assert_eq!(
        count_jobs(&db.url, "attempts <> 1"),
        0,
        "a seal job failed and was retried"
    );
    // Every change is in the service's audit chain, with its actor.
    let events = a.cli(&["audit", "events", "--tenant", "_system", "--last", "50"]);
    let events = String::from_utf8_lossy(&events.stdout);
    for action in [
        "seal_key.imported",
        "seal_key.activated",
        "seal_key.refused",
    ] {
        assert!(events.contains(action), "{action} not audited: {events}");
    }
    assert!(events.contains("\"actor\":\"operator\""), "{events}");
    for s in [&a, &b] {
        assert!(!s.log().contains("panicked"), "{}", s.log());
    }
    a.stop();
    b.stop();
    audit_verify_cli(&a);
}

// Idempotency keys and rate limits.
#[test]
fn anonymous_limits_count_real_source_addresses() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = TestDb::create(backend) else {
            continue;
        };
        let data = db.dir.join("data");
        let server = Server::start(
            "serve",
            &db,
            &data,
            &[("TACHIAI_RATE_LIMIT_ANONYMOUS_PER_MINUTE", "2")],
        );
        let path = "/api/v1/public/contracts/unknown";
        // Two connections' worth from 127.0.0.2, then 429; 127.0.0.3 has its own count.
        for left in ["1", "0"] {
            let (status, headers) = get_from("127.0.0.2", &server, path);
            assert_eq!(status, 404);
            assert_eq!(headers["ratelimit-remaining"], left);
        }
        let (status, headers) = get_from("127.0.0.2", &server, path);
        assert_eq!(status, 429);
        assert_eq!(headers["retry-after"], "30");
        let (status, headers) = get_from("127.0.0.3", &server, path);
        assert_eq!(
            (status, headers["ratelimit-remaining"].as_str()),
            (404, "1")
        );
    }
}

/// `GET path` over a connection from the loopback address `source` (raw HTTP/1.1): the status
/// and the headers, names in lower case.
fn get_from(source: &str, server: &Server, path: &str) -> (u16, BTreeMap<String, String>) {
    let (status, headers, _) = server.request_via(source, "GET", path, &[], None);
    (status, headers)
}
