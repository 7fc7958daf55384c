//! Several nodes: two `tachiai serve` processes on one PostgreSQL database, one S3 bucket (a
//! real moto server process) for the files, and one data directory (outbox, development PKI,
//! audit key), behind nginx as the reverse proxy,
//! started at the same moment on an empty database. A session made on one node works on the
//! other; a contract's seal job is claimed once; a node killed with SIGKILL while it seals is
//! routed around and its job finished by the other; a node stopped with SIGTERM answers the
//! upload in progress and finishes the seal it is running before it exits, taking no new job.

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;
#[path = "support/moto.rs"]
#[allow(dead_code)]
mod moto;
#[path = "support/proxy.rs"]
mod proxy;
#[path = "support/server.rs"]
#[allow(dead_code)]
mod server;
#[allow(dead_code)]
mod support;
#[path = "support/tsa_gate.rs"]
#[allow(dead_code)]
mod tsa_gate;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::json;

use helpers::{ADMIN_PASSWORD, Backend, TestDb};
use moto::Moto;
use proxy::Proxy;
use server::{
    Auth, Body, Mailbox, Server, agree, assert_no_mail_twice, confirm, send_contract, set_up_org,
    wait_for_subject,
};
use support::{corpus, count_jobs, sql_count};
use tsa_gate::TsaGate;

const PDF: &str = "libreoffice-ja-contract.pdf";
const CONCLUDED: &str = "契約締結のお知らせ";
const SEAL_JOB: &str = "kind = 'contract.seal'";
/// Short, so that the killed node's seal is taken over within the test.
const LEASE_SECONDS: &str = "8";

#[test]
fn two_nodes_behind_a_proxy_share_sessions_jobs_and_survive_kill_and_sigterm() {
    let Some(db) = TestDb::create(Backend::Postgres) else {
        return;
    };
    if !Proxy::available() {
        assert!(
            !support::validators_required(),
            "nginx is missing: scripts/setup test installs it"
        );
        eprintln!("skipped: nginx is not installed (scripts/setup test)");
        return;
    }
    let Some(moto) = Moto::start(&db.dir.join("moto")) else {
        return;
    };
    let data = db.dir.join("data");
    let port = Proxy::pick_port();
    let public = format!("http://127.0.0.1:{port}");
    let gate = TsaGate::start(&format!("{public}/pki/tsa"), usize::MAX);
    let env = [
        ("TACHIAI_PUBLIC_URL", public.as_str()),
        ("TACHIAI_TRUSTED_PROXIES", "127.0.0.1"),
        ("TACHIAI_TSA_URLS", gate.url.as_str()),
        ("TACHIAI_JOB_LEASE_SECONDS", LEASE_SECONDS),
        ("TACHIAI_SHUTDOWN_TIMEOUT_SECONDS", "20"),
    ];
    let s3 = moto.settings("nodes");
    let env: Vec<(&str, &str)> = env
        .into_iter()
        .chain(s3.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .collect();
    // Both at the same moment on the empty database: one migrates and creates the first tenant
    // and the shared files, the other waits and finds them.
    let (mut a, mut b) = std::thread::scope(|s| {
        let a = s.spawn(|| Server::start("node-a", &db, &data, &env));
        let b = s.spawn(|| Server::start("node-b", &db, &data, &env));
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_eq!(
        sql_count(
            &db.url,
            "SELECT count(*) FROM users WHERE login_id = 'admin'"
        ),
        1,
        "one first tenant and admin"
    );
    let proxy = Proxy::start(port, &[a.addr(), b.addr()], &db.dir);
    let via = Server::client("proxy", &proxy.base, &data);
    let mail = Mailbox {
        dir: data.join("outbox"),
    };

    sessions_are_shared(&a, &b);
    let org = set_up_org(&via);
    let pdf = corpus(PDF);
    let party = |to: &str| json!([{"organization_name": "株式会社テスト商事", "name": "伊藤 三郎", "email": to}]);

    // 1. A journey whose steps alternate between the nodes: its seal job is claimed once.
    let c1 = send_contract(
        &[&a, &b],
        &org,
        "複数ノードの契約",
        &pdf,
        party("one@example.jp"),
        false,
    );
    let (t, s) = confirm(&b, &mail, "one@example.jp", None);
    agree(&a, &t, &s);
    assert_sealed_once(&via, &org.staff, &c1);
    wait_for_subject(&mail, "one@example.jp", CONCLUDED, 1);
    assert_eq!(
        count_jobs(&db.url, &format!("{SEAL_JOB} AND attempts <> 1")),
        0
    );

    // 2. The node sealing contract 2 is killed while its seal waits on the TSA: the proxy routes
    // around it and the other node takes the job over when the lease runs out.
    let (c2, holder) = agree_with_seal_held(
        &via,
        &org,
        &mail,
        &gate,
        &db.url,
        "停止をまたぐ契約",
        "two@example.jp",
    );
    let (victim, survivor) = if holder == a.pid() {
        (&mut a, &b)
    } else {
        (&mut b, &a)
    };
    assert_eq!(
        holder,
        victim.pid(),
        "the seal job is held by one of the nodes"
    );
    victim.kill();
    gate.allow(usize::MAX);
    for _ in 0..5 {
        // Every request finds the surviving node.
        via.get(Some(&org.staff), "/api/v1/contracts").expect(200);
    }
    assert_sealed_once(&via, &org.staff, &c2);
    wait_for_subject(&mail, "two@example.jp", CONCLUDED, 1);
    assert_eq!(
        count_jobs(&db.url, &format!("{SEAL_JOB} AND attempts = 2")),
        1,
        "the killed node's seal job was taken over once"
    );
    assert!(!survivor.log().contains("panicked"), "{}", survivor.log());
    victim.restart();
    // nginx asks the restarted node again once the node's fail_timeout has passed: before the
    // other node is stopped, as in a rolling restart.
    std::thread::sleep(proxy::FAIL_TIMEOUT);

    // 3. SIGTERM to the node sealing contract 3 while an upload to it is half sent: the upload
    // is answered, the seal finishes on that node (one claim), then the process exits 0.
    let draft = via
        .post(&org.staff, "/api/v1/contracts", json!({"title": "停止中のアップロード", "counterparty_name": "株式会社テスト商事", "amount_yen": 1000}))
        .expect(201);
    let (c3, holder) = agree_with_seal_held(
        &via,
        &org,
        &mail,
        &gate,
        &db.url,
        "停止中の封緘",
        "three@example.jp",
    );
    let stopping = if holder == a.pid() { &mut a } else { &mut b };
    let path = format!(
        "/api/v1/contracts/{}/documents?role=main&file_name=slow.pdf",
        draft["id"].as_str().unwrap()
    );
    let mut upload = SlowUpload::begin(stopping, &org.staff, &path, &pdf);
    stopping.terminate();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(stopping.running(), "waits for the upload and the seal");
    gate.allow(usize::MAX);
    let status = upload.finish();
    assert_eq!(status, 201, "the upload in progress at SIGTERM is answered");
    let exit = stopping.wait_exit(Duration::from_secs(30));
    assert!(
        exit.is_some_and(|e| e.success()),
        "exits 0 after finishing: {exit:?}\n{}",
        stopping.log()
    );
    assert_sealed_once(&via, &org.staff, &c3);
    assert_eq!(
        count_jobs(&db.url, &format!("{SEAL_JOB} AND attempts > 1")),
        1,
        "contract 3's seal was finished by the stopping node, not taken over"
    );
    wait_for_subject(&mail, "three@example.jp", CONCLUDED, 1);
    for to in ["one@example.jp", "two@example.jp", "three@example.jp"] {
        assert_no_mail_twice(&mail, to);
    }
    let chain = via
        .get(Some(&org.admin), "/api/v1/audit-events/verify")
        .expect(200);
    assert_eq!(chain["intact"], true, "{chain}");
    assert!(
        !data.join("blobs").exists(),
        "the files are in the shared bucket, none on a node's disk"
    );
    drop(proxy);
}

/// A session made by logging in on node A is accepted by node B (reads and CSRF-checked
/// writes); logging out on B ends it on A too.
fn sessions_are_shared(a: &Server, b: &Server) {
    let s = a.login("admin", ADMIN_PASSWORD);
    b.get(Some(&s), "/api/v1/auth/session").expect(200);
    b.post(
        &s,
        "/api/v1/departments",
        json!({"name": "ノード確認課", "code": "N01"}),
    )
    .expect(201);
    b.request(
        "POST",
        "/api/v1/auth/logout",
        Auth::Session(&s),
        Body::Empty,
    );
    let after = a.get(Some(&s), "/api/v1/contracts");
    assert_eq!(after.status, 401, "{}", after.text());
}

/// Sends a contract to `to` through the proxy and has it agreed while the TSA holds the seal's
/// request: returns the contract's id and the pid of the node whose worker waits on the TSA.
fn agree_with_seal_held(
    via: &Server,
    org: &server::Org,
    mail: &Mailbox,
    gate: &TsaGate,
    url: &str,
    title: &str,
    to: &str,
) -> (String, u32) {
    let party =
        json!([{"organization_name": "株式会社テスト商事", "name": "伊藤 三郎", "email": to}]);
    let cid = send_contract(&[via], org, title, &corpus(PDF), party, false);
    let (t, s) = confirm(via, mail, to, None);
    let held = gate.arrived();
    gate.allow(held);
    agree(via, &t, &s);
    gate.wait_arrived(held + 1);
    (cid, seal_holder(url))
}

/// The process id of the node holding the running seal job (`locked_by` is
/// `host:pid:worker:random`).
fn seal_holder(url: &str) -> u32 {
    let mut conn = diesel::PgConnection::establish(url).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let holder: Option<String> = diesel::select(diesel::dsl::sql::<
            diesel::sql_types::Nullable<diesel::sql_types::Text>,
        >(&format!(
            "(SELECT locked_by FROM jobs WHERE {SEAL_JOB} AND state = 'running' LIMIT 1)"
        )))
        .get_result(&mut conn)
        .unwrap();
        if let Some(pid) = holder.and_then(|h| h.split(':').nth(1)?.parse().ok()) {
            return pid;
        }
        assert!(Instant::now() < deadline, "no running seal job");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until the contract is concluded; its sealed PDF carries the sending seal, exactly one
/// signature for its one agreement, and the document timestamp (a seal run twice would add one).
fn assert_sealed_once(via: &Server, s: &helpers::Session, cid: &str) {
    let detail = server::wait_concluded(via, s, cid, Duration::from_secs(60));
    let (sealed, _) = server::sealed_and_certificate(&detail);
    let pdf = server::download(via, s, cid, &sealed);
    assert_eq!(
        server::signature_kinds(via, &pdf),
        ["signature", "signature", "document_timestamp"],
        "{cid}"
    );
}

/// An upload sent in two halves over a connection of its own, straight to one node.
struct SlowUpload<'a> {
    stream: TcpStream,
    rest: &'a [u8],
}

impl<'a> SlowUpload<'a> {
    /// Sends the headers and the first half, and waits a moment for the node to be reading.
    fn begin(node: &Server, s: &helpers::Session, path: &str, pdf: &'a [u8]) -> SlowUpload<'a> {
        let mut stream = TcpStream::connect(node.addr()).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        write!(
            stream,
            "POST {path} HTTP/1.1\r\nHost: {}\r\nOrigin: {}\r\nCookie: tachiai_session={}\r\n\
             X-CSRF-Token: {}\r\nContent-Type: application/pdf\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n",
            node.addr(),
            node.public_url(),
            s.cookie,
            s.csrf,
            pdf.len()
        )
        .unwrap();
        let (first, rest) = pdf.split_at(pdf.len() / 2);
        stream.write_all(first).unwrap();
        stream.flush().unwrap();
        std::thread::sleep(Duration::from_millis(300));
        SlowUpload { stream, rest }
    }

    /// Sends the rest and returns the answer's status.
    fn finish(&mut self) -> u16 {
        self.stream.write_all(self.rest).unwrap();
        let mut answer = String::new();
        let _ = self.stream.read_to_string(&mut answer);
        answer
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no HTTP answer: {answer:?}"))
    }
}
