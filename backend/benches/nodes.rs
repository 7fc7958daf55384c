//! Several nodes under load (`cargo bench -p backend --bench nodes`): 1, 2 and 3 release
//! `tachiai serve` processes on one PostgreSQL database, one S3 bucket (a moto server process,
//! `.venv-s3` from `scripts/setup test`; without it, one local data directory) and one data
//! directory (outbox, development PKI) behind nginx
//! (`tests/support/proxy.rs`), driven by `wrk` through the proxy with a mix of staff and
//! counterparty traffic: 40 % contract list, 35 % contract detail, 20 % signing page data
//! (anonymous, by link), 5 % PDF uploads (108 KB, CSRF-checked writes). Prints requests/s, the
//! latency percentiles and the errors per node count. Then, with the most nodes, the kill test:
//! while wrk runs and contracts go through their whole journey, one node is killed with SIGKILL;
//! every contract whose agreement was answered must be sealed exactly once, each party told
//! once, no job dead, and the proxy must route around the dead node.
//!
//! The anonymous and login rate limits (counted per process) are raised for the run: all the
//! load comes from one address. The machine's load is printed with the numbers: on a shared
//! 2-core machine the nodes, PostgreSQL, nginx and wrk compete for the same cores, so more nodes
//! cannot mean proportionally more requests per second there.
//!
//! Settings: BENCH_NODES (`1,2,3`), BENCH_SECONDS (15), BENCH_CONNECTIONS (16), BENCH_SEED
//! (contracts, 2000), BENCH_SIGNING (sent contracts whose links are read, 10), BENCH_KILL
//! (contracts in the kill test, 12; 0 skips it).

#[path = "../tests/api/helpers.rs"]
#[allow(dead_code)]
mod helpers;
#[path = "../tests/support/moto.rs"]
#[allow(dead_code)]
mod moto;
#[path = "../tests/support/proxy.rs"]
mod proxy;
#[path = "../tests/support/server.rs"]
#[allow(dead_code)]
mod server;
#[path = "../tests/support/mod.rs"]
#[allow(dead_code)]
mod support;

#[allow(dead_code)]
mod common;

use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use helpers::{Backend, TestDb};
use proxy::Proxy;
use server::{Mailbox, Org, Server, agree, confirm, send_contract, set_up_org};
use support::{corpus, count_jobs, setting};

const CONCLUDED: &str = "契約締結のお知らせ";

fn main() {
    if Command::new("wrk").arg("--version").output().is_err() || !Proxy::available() {
        println!("nodes: skipped (wrk or nginx is not installed: scripts/setup test)");
        return;
    }
    let Some(db) = TestDb::create(Backend::Postgres) else {
        println!("nodes: skipped (PostgreSQL does not answer)");
        return;
    };
    let counts: Vec<usize> = std::env::var("BENCH_NODES")
        .unwrap_or_else(|_| "1,2,3".into())
        .split(',')
        .map(|n| n.trim().parse().expect("BENCH_NODES: numbers"))
        .collect();
    let bench = Bench::new(&db);
    let mut nodes = vec![bench.node(1)];
    let (org, script) = {
        let proxy = Proxy::start(bench.port, &[nodes[0].addr()], &db.dir);
        let via = Server::client("proxy", &proxy.base, &bench.data);
        let org = set_up_org(&via);
        let ids = common::seed(
            &db,
            &bench.data,
            &bench.s3,
            &org.staff.cookie,
            setting("BENCH_SEED", 2000),
        );
        let tokens = signing_tokens(&via, &org, &bench.mail, setting("BENCH_SIGNING", 10));
        let script = bench.data.join("mix.lua");
        std::fs::write(&script, wrk_script(&ids, &tokens, &org, &bench.public)).unwrap();
        (org, script)
    };
    println!("== several nodes ({}) ==", server::BIN);
    println!("machine: {}", machine());
    println!("files: {}", bench.files);
    for &n in &counts {
        while nodes.len() < n {
            nodes.push(bench.node(nodes.len() + 1));
        }
        let addrs: Vec<_> = nodes[..n].iter().map(Server::addr).collect();
        let proxy = Proxy::start(bench.port, &addrs, &db.dir);
        let out = bench.wrk(&script).output().expect("run wrk");
        println!(
            "{n} node(s): {}  [load after: {}]",
            summary(&out),
            load_average()
        );
        drop(proxy);
    }
    let contracts = setting("BENCH_KILL", 12);
    if contracts > 0 {
        while nodes.len() < 2 {
            nodes.push(bench.node(nodes.len() + 1));
        }
        kill_test(&bench, &mut nodes, &org, &script, contracts);
    }
}

/// What every node and run shares.
struct Bench<'a> {
    db: &'a TestDb,
    data: std::path::PathBuf,
    port: u16,
    public: String,
    mail: Mailbox,
    /// The S3 settings of every node (empty: the local data directory).
    s3: Vec<(String, String)>,
    /// Where the files are, for the report.
    files: String,
    _moto: Option<moto::Moto>,
}

impl Bench<'_> {
    fn new(db: &TestDb) -> Bench<'_> {
        let data = db.dir.join("data");
        let port = Proxy::pick_port();
        let moto = moto::Moto::start(&db.dir.join("moto"));
        let (s3, files) = match &moto {
            Some(m) => (
                m.settings("bench"),
                format!("one S3 bucket (moto at {})", m.endpoint()),
            ),
            None => (
                Vec::new(),
                "one local data directory (moto is not installed: scripts/setup test)".into(),
            ),
        };
        Bench {
            db,
            s3,
            files,
            _moto: moto,
            mail: Mailbox {
                dir: data.join("outbox"),
            },
            public: format!("http://127.0.0.1:{port}"),
            data,
            port,
        }
    }

    /// Starts node `i`; its `public_url` is the proxy's.
    fn node(&self, i: usize) -> Server {
        let env: Vec<(&str, &str)> = [
            ("TACHIAI_PUBLIC_URL", self.public.as_str()),
            ("TACHIAI_TRUSTED_PROXIES", "127.0.0.1"),
            ("TACHIAI_LOG", "error"),
            ("TACHIAI_RATE_LIMIT_ANONYMOUS_PER_MINUTE", "100000000"),
            ("TACHIAI_RATE_LIMIT_LOGIN_PER_MINUTE", "100000000"),
            ("TACHIAI_JOB_LEASE_SECONDS", "10"),
        ]
        .into_iter()
        .chain(self.s3.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .collect();
        Server::start(&format!("node-{i}"), self.db, &self.data, &env)
    }

    /// wrk through the proxy with the mixed script.
    fn wrk(&self, script: &Path) -> Command {
        let mut cmd = Command::new("wrk");
        cmd.arg(format!(
            "--connections={}",
            setting("BENCH_CONNECTIONS", 16)
        ))
        .arg("--threads=2")
        .arg(format!("--duration={}s", setting("BENCH_SECONDS", 15)))
        .arg("--timeout=10s")
        .arg("--latency")
        .arg(format!("--script={}", script.display()))
        .arg(&self.public);
        cmd
    }
}

/// Sends `n` contracts (one party each) and reads their signing links from the outbox.
fn signing_tokens(via: &Server, org: &Org, mail: &Mailbox, n: usize) -> Vec<String> {
    let pdf = corpus(common::PDF);
    (0..n)
        .map(|i| {
            let to = format!("reader{i}@example.jp");
            send_contract(
                &[via],
                org,
                &format!("閲覧用の契約 第{i}号"),
                &pdf,
                party(&to),
                false,
            );
            mail.newest_link(&to)
        })
        .collect()
}

fn party(to: &str) -> Value {
    json!([{"organization_name": "株式会社テスト商事", "name": "伊藤 三郎", "email": to}])
}

/// The wrk script: each request picks its kind by the mix in the module documentation.
fn wrk_script(ids: &[String], tokens: &[String], org: &Org, origin: &str) -> String {
    let list = |items: &[String]| {
        items.iter().fold(String::new(), |mut s, i| {
            let _ = write!(s, "\"{i}\",");
            s
        })
    };
    let pdf = server_pdf_path();
    format!(
        r#"local ids = {{ {ids} }}
local tokens = {{ {tokens} }}
local f = assert(io.open("{pdf}", "rb"))
local pdf = f:read("*all")
f:close()
local staff = {{ ["Cookie"] = "tachiai_session={cookie}" }}
local writer = {{ ["Cookie"] = "tachiai_session={cookie}", ["X-CSRF-Token"] = "{csrf}",
                 ["Origin"] = "{origin}", ["Content-Type"] = "application/pdf" }}
request = function()
  local r = math.random(100)
  if r <= 40 then
    return wrk.format("GET", "/api/v1/contracts", staff)
  elseif r <= 75 then
    return wrk.format("GET", "/api/v1/contracts/" .. ids[math.random(#ids)], staff)
  elseif r <= 95 then
    return wrk.format("GET", "/api/v1/signing/" .. tokens[math.random(#tokens)], {{}})
  else
    local id = ids[math.random(#ids)]
    return wrk.format("POST", "/api/v1/contracts/" .. id .. "/documents?role=main&file_name=up.pdf", writer, pdf)
  end
end
"#,
        ids = list(ids),
        tokens = list(tokens),
        cookie = org.staff.cookie,
        csrf = org.staff.csrf,
    )
}

fn server_pdf_path() -> String {
    support::corpus_path(common::PDF).display().to_string()
}

/// `N req/s, p50 …, p99 …, errors …` from wrk's `--latency` report: errors are answers other
/// than 2xx/3xx plus socket errors (connect, read, write, timeout).
fn summary(out: &Output) -> String {
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "wrk failed: {report}");
    let mut rate = "?".to_owned();
    let (mut p50, mut p99) = ("?".to_owned(), "?".to_owned());
    let mut requests = 0u64;
    let mut errors = 0u64;
    for line in report.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        if let Some(r) = line.strip_prefix("Requests/sec:") {
            rate = r.trim().to_owned();
        } else if words.len() == 2 && words[0] == "50%" {
            p50 = words[1].to_owned();
        } else if words.len() == 2 && words[0] == "99%" {
            p99 = words[1].to_owned();
        } else if line.contains("requests in") {
            requests = words[0].parse().unwrap_or(0);
        } else if let Some(n) = line.strip_prefix("Non-2xx or 3xx responses:") {
            errors += n.trim().parse::<u64>().unwrap_or(0);
        } else if let Some(socket) = line.strip_prefix("Socket errors:") {
            // "connect 0, read 0, write 0, timeout 0"
            errors += socket
                .split(',')
                .filter_map(|p| p.split_whitespace().nth(1)?.parse::<u64>().ok())
                .sum::<u64>();
        }
    }
    format!("{rate} req/s, p50 {p50}, p99 {p99}, {requests} requests, {errors} errors")
}

/// With all nodes behind the proxy: wrk runs and `contracts` go through their journeys (two at a
/// time) while, a third into the run, the node holding a seal job (else the last one) is killed
/// with SIGKILL. Then every contract whose agreement was answered must be concluded with one
/// sealed file, each party told once, and no job dead.
fn kill_test(bench: &Bench<'_>, nodes: &mut [Server], org: &Org, script: &Path, contracts: usize) {
    let addrs: Vec<_> = nodes.iter().map(Server::addr).collect();
    let proxy = Proxy::start(bench.port, &addrs, &bench.db.dir);
    let via = Server::client("proxy", &proxy.base, &bench.data);
    let pdf = corpus(common::PDF);
    let run = Instant::now();
    let wrk = bench
        .wrk(script)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start wrk");
    let seconds = setting("BENCH_SECONDS", 15) as u64;
    // (contract, party) of each journey whose agreement was answered; the others were cut by
    // the kill (the proxy answers 502 for a write the dead node had received).
    let agreed = Mutex::new(Vec::new());
    let cut = Mutex::new(0usize);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let killed = std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if i >= contracts {
                        return;
                    }
                    let to = format!("kill{i}@example.jp");
                    let journey = catch_unwind(AssertUnwindSafe(|| {
                        let cid = send_contract(
                            &[&via],
                            org,
                            &format!("停止試験 第{i}号"),
                            &pdf,
                            party(&to),
                            false,
                        );
                        let (t, s) = confirm(&via, &bench.mail, &to, None);
                        agree(&via, &t, &s);
                        cid
                    }));
                    match journey {
                        Ok(cid) => agreed.lock().unwrap().push((cid, to)),
                        Err(_) => *cut.lock().unwrap() += 1,
                    }
                }
            });
        }
        std::thread::sleep(Duration::from_secs(seconds / 3));
        let holder = seal_holder(&bench.db.url);
        let victim = nodes
            .iter()
            .position(|n| Some(n.pid()) == holder)
            .unwrap_or(nodes.len() - 1);
        let at = run.elapsed();
        nodes[victim].kill();
        (victim, at, holder.is_some())
    });
    let out = wrk.wait_with_output().expect("wrk");
    let agreed = agreed.into_inner().unwrap();
    let mut sealed_once = 0;
    let mut told_once = 0;
    for (cid, to) in &agreed {
        let detail = server::wait_concluded(&via, &org.staff, cid, Duration::from_secs(180));
        // The sending seal, one signature for the one agreement, the document timestamp: a
        // seal run twice would add a signature.
        let (sealed, _) = server::sealed_and_certificate(&detail);
        let pdf = server::download(&via, &org.staff, cid, &sealed);
        let kinds = server::signature_kinds(&via, &pdf);
        sealed_once += usize::from(kinds == ["signature", "signature", "document_timestamp"]);
        // The conclusion is announced once, whoever sealed.
        server::wait_for_subject(&bench.mail, to, CONCLUDED, 1);
        told_once += usize::from(no_mail_twice(&bench.mail, to));
    }
    let dead = count_jobs(&bench.db.url, "state = 'dead'");
    let taken_over = count_jobs(&bench.db.url, "attempts > 1");
    let (victim, at, was_sealing) = killed;
    println!(
        "kill -9 node-{} at {:.1} s ({}): wrk through the proxy {}",
        victim + 1,
        at.as_secs_f64(),
        if was_sealing {
            "while it held a seal job"
        } else {
            "no seal job running then"
        },
        summary(&out)
    );
    println!(
        "  journeys: {contracts} started, {} agreed, {} cut by the kill (a write in flight on \
         the dead node: 502); of the agreed: {sealed_once} sealed exactly once, {told_once} \
         with every mail once (a kill between sending a mail and recording it may repeat it); \
         jobs dead: {dead}, jobs taken over after a lease: {taken_over}",
        agreed.len(),
        cut.into_inner().unwrap(),
    );
    assert_eq!(
        sealed_once,
        agreed.len(),
        "every agreed contract sealed once"
    );
    assert_eq!(dead, 0, "no job given up");
    drop(proxy);
}

/// The pid of the node holding a running seal job (`locked_by` is `host:pid:worker:random`).
fn seal_holder(url: &str) -> Option<u32> {
    use diesel::prelude::*;
    let mut conn = diesel::PgConnection::establish(url).ok()?;
    let holder: Option<String> = diesel::select(diesel::dsl::sql::<
        diesel::sql_types::Nullable<diesel::sql_types::Text>,
    >(
        "(SELECT locked_by FROM jobs WHERE kind = 'contract.seal' AND state = 'running' LIMIT 1)",
    ))
    .get_result(&mut conn)
    .ok()?;
    holder?.split(':').nth(1)?.parse().ok()
}

/// Whether each mail to `to` has a subject of its own.
fn no_mail_twice(mail: &Mailbox, to: &str) -> bool {
    let mut subjects: Vec<String> = mail.to(to).into_iter().map(|m| m.subject).collect();
    let n = subjects.len();
    subjects.sort();
    subjects.dedup();
    subjects.len() == n
}

/// Cores and the load average before the run.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cores} cores, load average {}", load_average())
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}
