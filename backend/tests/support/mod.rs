//! What every test binary of the backend shares, whatever it drives (the application in
//! process, a `tachiai serve` child, the CLI, the job queue): ports, the PDF corpus, the CI
//! switch for external tools, the SMTP sink and a look at the job table.
//!
//! Included by each binary with `mod support;` (`#[path = "../support/mod.rs"]` from
//! `tests/api/`), so it depends on nothing of theirs; `support/server.rs` (the real process)
//! and `api/helpers.rs` (the application in process) build on it.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use diesel::{Connection, RunQueryDsl};

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The path of a file of the PDF corpus (`testdata/pdf-corpus`, described by its README).
pub fn corpus_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/pdf-corpus")
        .join(name)
}

/// The bytes of a file of the PDF corpus.
pub fn corpus(name: &str) -> Vec<u8> {
    let path = corpus_path(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A benchmark's numeric setting from the environment, or `default`.
pub fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `TACHIAI_REQUIRE_VALIDATORS=1` (CI): a missing external tool (validator, aiosmtpd, poppler)
/// fails the test instead of skipping the check with a notice.
pub fn validators_required() -> bool {
    std::env::var("TACHIAI_REQUIRE_VALIDATORS").is_ok_and(|v| v == "1")
}

/// Counts the rows of the `jobs` table matching `condition` (SQL, e.g. `state = 'dead'`; `TRUE`
/// for all) in the database at `url`, on a connection of its own.
pub fn count_jobs(url: &str, condition: &str) -> i64 {
    let sql = format!("(SELECT count(*) FROM jobs WHERE {condition})");
    let query = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(&sql));
    if url.starts_with("postgres") {
        let mut conn = diesel::PgConnection::establish(url).unwrap();
        query.get_result(&mut conn).unwrap()
    } else {
        let mut conn = diesel::SqliteConnection::establish(url).unwrap();
        query.get_result(&mut conn).unwrap()
    }
}

/// The number a counting query (`SELECT count(*) …`) answers on the PostgreSQL database at
/// `url`, on a connection of its own.
pub fn sql_count(url: &str, sql: &str) -> i64 {
    let mut conn = diesel::PgConnection::establish(url).unwrap();
    diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!(
        "({sql})"
    )))
    .get_result(&mut conn)
    .unwrap()
}

/// `tests/smtp_sink.py` (aiosmtpd) on a free port, writing each mail it receives into `dir`
/// (`.eml` plus a `.json` envelope); killed on drop.
pub struct SmtpSink {
    child: Child,
    /// The port it listens on (127.0.0.1).
    pub port: u16,
    /// Where the received mails are.
    pub dir: PathBuf,
}

impl SmtpSink {
    /// The validators' Python with aiosmtpd, or `None` (with a notice) when it is missing and
    /// not [required](validators_required).
    pub fn python() -> Option<PathBuf> {
        let venv = std::env::var("TACHIAI_VALIDATORS_VENV")
            .unwrap_or_else(|_| "/opt/tachiai-validators/venv".into());
        let python = Path::new(&venv).join("bin/python");
        let ok = Command::new(&python)
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return Some(python);
        }
        assert!(
            !validators_required(),
            "TACHIAI_REQUIRE_VALIDATORS=1 but {venv} has no aiosmtpd (scripts/setup test)"
        );
        eprintln!("skipped: no aiosmtpd in {venv} (scripts/setup test installs it)");
        None
    }

    /// Starts the sink on `port` and waits until it accepts connections.
    pub fn start(python: &Path, port: u16, dir: &Path) -> SmtpSink {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_sink.py");
        let mut child = Command::new(python)
            .arg(script)
            .arg(port.to_string())
            .arg(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the SMTP sink");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready", "the SMTP sink did not start");
        SmtpSink {
            child,
            port,
            dir: dir.to_owned(),
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// Webhooks (Webhook 通知).
/// `tests/webhook_receiver.py` (Python's standard library only) on a port, checking
/// signatures with the secrets in `dir/secrets` and recording into `dir`; killed on drop.
/// Stopped and started again on the same port and directory to play a receiver that is down.
pub struct WebhookReceiver {
    child: Option<Child>,
    /// The port it listens on (127.0.0.1).
    pub port: u16,
    /// Where it records.
    pub dir: PathBuf,
}

impl WebhookReceiver {
    /// A receiver on a free port recording into `dir` (not started yet).
    pub fn new(dir: &Path) -> WebhookReceiver {
        std::fs::create_dir_all(dir).unwrap();
        WebhookReceiver {
            child: None,
            port: free_port(),
            dir: dir.to_owned(),
        }
    }

    /// Its URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks/tachiai", self.port)
    }

    /// Starts it and waits until it accepts connections.
    pub fn start(&mut self) {
        self.child = Some(start_python_peer(
            "webhook_receiver.py",
            self.port,
            &self.dir,
        ));
    }

    /// Kills it (nothing listens on its port until [`WebhookReceiver::start`]).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Accept signatures by these secrets (and no others).
    pub fn accept_secrets(&self, secrets: &[&str]) {
        std::fs::write(self.dir.join("secrets"), secrets.join("\n")).unwrap();
    }

    /// Answer each request only after `seconds` (0: at once).
    pub fn slow(&self, seconds: u64) {
        let path = self.dir.join("slow");
        if seconds == 0 {
            let _ = std::fs::remove_file(path);
        } else {
            std::fs::write(path, seconds.to_string()).unwrap();
        }
    }

    fn lines(&self, name: &str) -> Vec<serde_json::Value> {
        json_lines(&self.dir.join(name))
    }

    /// Every request received: `event_id`, `signature`, `body`, `verdict`.
    pub fn raw(&self) -> Vec<serde_json::Value> {
        self.lines("raw.jsonl")
    }

    /// Each event accepted, once: `event_id`, `type`, `event` (the parsed body).
    pub fn accepted(&self) -> Vec<serde_json::Value> {
        self.lines("accepted.jsonl")
    }
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts `tests/<script>` (Python's standard library only) with `PORT DIR` and waits for its
/// "ready" line: the HTTP peers the tests talk to (webhook receiver, SMS gateway).
fn start_python_peer(script: &str, port: u16, dir: &Path) -> Child {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(script);
    let mut child = Command::new("python3")
        .arg(path)
        .arg(port.to_string())
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start {script} (python3): {e}"));
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "ready", "{script} did not start");
    child
}

fn json_lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

// SMS verification of counterparties (SMS認証).
/// `tests/sms_provider.py` on a free port: an SMS gateway taking the key in `dir/key`,
/// recording every request into `dir/received.jsonl`, failing on demand; killed on drop.
pub struct SmsGateway {
    child: Option<Child>,
    /// The port it listens on (127.0.0.1).
    pub port: u16,
    /// Where it records.
    pub dir: PathBuf,
}

impl SmsGateway {
    /// The bearer key the tests configure.
    pub const KEY: &'static str = "sms-test-key-0123456789";

    /// A gateway on a free port accepting [`SmsGateway::KEY`], started, recording into a
    /// directory of its own (removed on drop unless `TACHIAI_TEST_KEEP` is set).
    pub fn start() -> SmsGateway {
        let dir = &std::env::temp_dir().join(format!("tachiai-sms-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("key"), SmsGateway::KEY).unwrap();
        let mut g = SmsGateway {
            child: None,
            port: free_port(),
            dir: dir.to_owned(),
        };
        g.restart();
        g
    }

    /// Its URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/v1/messages", self.port)
    }

    /// Starts it again on the same port (after [`SmsGateway::stop`]).
    pub fn restart(&mut self) {
        self.child = Some(start_python_peer("sms_provider.py", self.port, &self.dir));
    }

    /// Kills it: nothing listens on its port (a provider that is down).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Answer the next `count` requests with `status` (`None`: every request).
    pub fn fail(&self, count: Option<u32>, status: u16) {
        let n = count.map_or("*".to_owned(), |c| c.to_string());
        std::fs::write(self.dir.join("fail"), format!("{n} {status}")).unwrap();
    }

    /// Answer normally again.
    pub fn heal(&self) {
        let _ = std::fs::remove_file(self.dir.join("fail"));
    }

    /// Every request received: `path`, `authorization`, `body` ({to, body}), `status`.
    pub fn received(&self) -> Vec<serde_json::Value> {
        json_lines(&self.dir.join("received.jsonl"))
    }

    /// The 6-digit code in the newest message accepted for `to` (E.164).
    pub fn newest_code(&self, to: &str) -> String {
        let text = self
            .received()
            .into_iter()
            .rev()
            .find(|r| r["status"] == 200 && r["body"]["to"] == to)
            .unwrap_or_else(|| panic!("no SMS accepted for {to}"))["body"]["body"]
            .as_str()
            .unwrap()
            .to_owned();
        let digits: Vec<char> = text.chars().collect();
        digits
            .windows(6)
            .find(|w| w.iter().all(char::is_ascii_digit))
            .map(|w| w.iter().collect())
            .unwrap_or_else(|| panic!("no code in {text}"))
    }
}

impl Drop for SmsGateway {
    fn drop(&mut self) {
        self.stop();
        if std::env::var_os("TACHIAI_TEST_KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
