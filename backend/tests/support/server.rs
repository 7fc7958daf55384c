//! A real `tachiai serve` process and a blocking HTTP client for it, for `tests/process.rs` and
//! `benches/journey.rs`: the binary on a free port with its own data directory and database
//! (`helpers::TestDb`), sessions as a browser holds them (cookie, `X-CSRF-Token`, `Origin`),
//! mail read from a directory of `.eml` files (the file outbox, or what the SMTP sink received),
//! and one helper per user step of the contract journey.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::{ADMIN_PASSWORD, Session, TestDb, user_password};

/// The server binary (the test or bench profile's build).
pub const BIN: &str = env!("CARGO_BIN_EXE_tachiai");

use crate::support::free_port;

/// `tachiai serve` as a child process; killed on drop.
pub struct Server {
    /// `http://127.0.0.1:<port>`: where it listens (its `public_url` too unless one is given).
    pub base: String,
    /// Its data directory (blobs, outbox, development PKI, logs).
    pub data_dir: PathBuf,
    addr: SocketAddr,
    env: Vec<(String, String)>,
    child: Option<Child>,
    name: String,
    starts: usize,
    agent: ureq::Agent,
}

impl Server {
    /// Starts a server on `db` with `data_dir`, plus `extra` `TACHIAI_*` settings, and waits
    /// until it answers.
    pub fn start(name: &str, db: &TestDb, data_dir: &Path, extra: &[(&str, &str)]) -> Server {
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let base = format!("http://{addr}");
        let mut env: Vec<(String, String)> = vec![
            ("TACHIAI_DATA_DIR".into(), data_dir.display().to_string()),
            ("TACHIAI_DATABASE_URL".into(), db.url.clone()),
            ("TACHIAI_BIND".into(), addr.to_string()),
            ("TACHIAI_PUBLIC_URL".into(), base.clone()),
            (
                "TACHIAI_INITIAL_ADMIN_PASSWORD".into(),
                ADMIN_PASSWORD.into(),
            ),
            (
                "TACHIAI_DIST_DIR".into(),
                data_dir.join("dist").display().to_string(),
            ),
            (
                "TACHIAI_LOG".into(),
                std::env::var("TEST_LOG").unwrap_or_else(|_| "warn".into()),
            ),
        ];
        for (k, v) in extra {
            env.retain(|(name, _)| name != k);
            env.push((k.to_string(), v.to_string()));
        }
        std::fs::create_dir_all(data_dir).unwrap();
        let mut server = Server {
            base,
            data_dir: data_dir.to_owned(),
            addr,
            env,
            child: None,
            name: name.to_owned(),
            starts: 0,
            agent: agent(),
        };
        server.spawn();
        server
    }

    fn spawn(&mut self) {
        self.starts += 1;
        // Pooled connections to a killed process are dead.
        self.agent = agent();
        let log = self.log_path();
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap();
        let child = Command::new(BIN)
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("start tachiai serve");
        self.child = Some(child);
        self.wait_ready();
    }

    fn log_path(&self) -> PathBuf {
        self.data_dir.join(format!("{}.log", self.name))
    }

    /// What the server printed so far (all its runs).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("{} exited with {status}:\n{}", self.name, self.log());
            }
            if TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_ok()
                && self.get(None, "/api/v1/health").status == 200
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{} did not start:\n{}",
                self.name,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A client for a server that is not this test's child: the reverse proxy at `base` in
    /// front of several (`support/proxy.rs`), whose `public_url` it is.
    pub fn client(name: &str, base: &str, data_dir: &Path) -> Server {
        Server {
            base: base.to_owned(),
            data_dir: data_dir.to_owned(),
            addr: base
                .trim_start_matches("http://")
                .parse()
                .expect("http://ip:port"),
            env: vec![("TACHIAI_PUBLIC_URL".into(), base.to_owned())],
            child: None,
            name: name.to_owned(),
            starts: 0,
            agent: agent(),
        }
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its `public_url`: its own address, or the proxy's in front of it. The `Origin` it
    /// expects of a browser.
    pub fn public_url(&self) -> &str {
        self.env
            .iter()
            .find(|(k, _)| k == "TACHIAI_PUBLIC_URL")
            .map_or(&self.base, |(_, v)| v)
    }

    /// Sends SIGTERM and returns at once (a graceful stop: see [`Server::wait_exit`]).
    pub fn terminate(&self) {
        let pid = self.pid().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "kill -TERM {pid}");
    }

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| c.try_wait().unwrap().is_none())
    }

    /// Waits up to `timeout` for the process to exit; its status, or `None` if it still runs.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.as_mut()?.try_wait().unwrap() {
                self.child = None;
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The process id of the running server.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// `kill -9`: no shutdown, no flush, no goodbye.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM and wait for the exit (SIGKILL after 15 s).
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if child.try_wait().unwrap().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Starts it again: same port, database, data directory and settings.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// Stops it (`kill -9`) and starts it again under another port and public URL, as after a
    /// move: same database, data directory and other settings.
    pub fn restart_elsewhere(&mut self) {
        self.kill();
        self.addr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        self.base = format!("http://{}", self.addr);
        for (k, v) in self.env.iter_mut() {
            match k.as_str() {
                "TACHIAI_BIND" => *v = self.addr.to_string(),
                "TACHIAI_PUBLIC_URL" => v.clone_from(&self.base),
                _ => {}
            }
        }
        self.spawn();
    }

    /// How many times it was started.
    pub fn starts(&self) -> usize {
        self.starts
    }

    /// Runs the `tachiai` CLI with this server's settings (without `bind`).
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        Command::new(BIN)
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .output()
            .expect("run tachiai")
    }

    /// Runs the `tachiai` CLI with this server's settings changed by `extra` (an empty value
    /// unsets the setting).
    pub fn cli_with(&self, args: &[&str], extra: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(
                self.env
                    .iter()
                    .filter(|(k, _)| !extra.iter().any(|(e, _)| e == k))
                    .map(|(k, v)| (k, v)),
            )
            .envs(extra.iter().filter(|(_, v)| !v.is_empty()).copied());
        cmd
    }

    /// Sends a request: `body` is JSON, raw bytes with a content type, or nothing.
    pub fn request(&self, method: &str, path: &str, auth: Auth<'_>, body: Body<'_>) -> Reply {
        self.request_with(method, path, auth, body, &[])
    }

    /// [`Self::request`] with more headers (`X-Request-Id`, as a reverse proxy sets it).
    pub fn request_with(
        &self,
        method: &str,
        path: &str,
        auth: Auth<'_>,
        body: Body<'_>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        if !matches!(method, "GET" | "HEAD") {
            req = req.header("Origin", self.public_url());
        }
        match auth {
            Auth::None => {}
            Auth::Session(s) => {
                req = req
                    .header("Cookie", format!("tachiai_session={}", s.cookie))
                    .header("X-CSRF-Token", &s.csrf);
            }
            Auth::Bearer(token) => req = req.header("Authorization", format!("Bearer {token}")),
        }
        let result = match body {
            Body::Empty if matches!(method, "GET" | "HEAD") => {
                self.agent.run(req.body(()).unwrap())
            }
            Body::Empty => self.agent.run(req.body(Vec::new()).unwrap()),
            Body::Json(v) => self.agent.run(
                req.header("Content-Type", "application/json")
                    .body(serde_json::to_vec(&v).unwrap())
                    .unwrap(),
            ),
            Body::Bytes(bytes, content_type) => self.agent.run(
                req.header("Content-Type", content_type)
                    .body(bytes.to_vec())
                    .unwrap(),
            ),
        };
        let mut res = result.unwrap_or_else(|e| self.fail(method, path, &e));
        let status = res.status().as_u16();
        let cookies = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect();
        let content_type = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = res
            .body_mut()
            .with_config()
            .limit(512 << 20)
            .read_to_vec()
            .unwrap();
        Reply {
            status,
            bytes,
            content_type,
            cookies,
        }
    }

    /// An anonymous request as a reverse proxy would pass it on: `X-Forwarded-For: client`.
    pub fn request_from(&self, client: &str, method: &str, path: &str, body: Body<'_>) -> Reply {
        let mut req = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("X-Forwarded-For", client);
        let bytes = match body {
            Body::Empty => Vec::new(),
            Body::Json(v) => {
                req = req.header("Content-Type", "application/json");
                serde_json::to_vec(&v).unwrap()
            }
            Body::Bytes(bytes, content_type) => {
                req = req.header("Content-Type", content_type);
                bytes.to_vec()
            }
        };
        let mut res = self
            .agent
            .run(req.body(bytes).unwrap())
            .unwrap_or_else(|e| self.fail(method, path, &e));
        Reply {
            status: res.status().as_u16(),
            content_type: String::new(),
            cookies: Vec::new(),
            bytes: res.body_mut().read_to_vec().unwrap_or_default(),
        }
    }

    /// A request over a connection from the loopback address `source` (`127.0.0.2`, …; the
    /// server then sees that peer address), raw HTTP/1.1: `headers` are sent as given, `body` as
    /// JSON. Returns the status, the headers (names in lower case) and the body.
    pub fn request_via(
        &self,
        source: &str,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> (u16, std::collections::BTreeMap<String, String>, Vec<u8>) {
        use socket2::{Domain, SockAddr, Socket, Type};
        use std::io::{Read, Write};
        let addr: SocketAddr = self.base.trim_start_matches("http://").parse().unwrap();
        let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
        let local = SocketAddr::new(source.parse().unwrap(), 0);
        socket.bind(&SockAddr::from(local)).unwrap();
        socket.connect(&SockAddr::from(addr)).unwrap();
        let mut stream: TcpStream = socket.into();
        let body = body
            .map(|b| serde_json::to_vec(b).unwrap())
            .unwrap_or_default();
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        if !body.is_empty() {
            head.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(&body).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("an HTTP answer");
        let text = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = text.split("\r\n");
        let status = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers: std::collections::BTreeMap<String, String> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        assert!(
            !headers.contains_key("transfer-encoding"),
            "chunked answers are not read here"
        );
        (status, headers, raw[split + 4..].to_vec())
    }

    /// A request that got no answer: the end of the server's log says whether it was still alive.
    fn fail(&self, method: &str, path: &str, e: &ureq::Error) -> ! {
        let log = self.log();
        let tail: Vec<&str> = log.lines().rev().take(30).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        panic!(
            "{method} {path} on {}: {e}\nlast lines of its log:\n{}",
            self.name,
            tail.join("\n")
        )
    }

    /// `GET` with a session (or none).
    pub fn get(&self, s: Option<&Session>, path: &str) -> Reply {
        let auth = s.map_or(Auth::None, Auth::Session);
        self.request("GET", path, auth, Body::Empty)
    }

    /// `POST` JSON with a session.
    pub fn post(&self, s: &Session, path: &str, body: Value) -> Reply {
        self.request("POST", path, Auth::Session(s), Body::Json(body))
    }

    /// `PUT` JSON with a session.
    pub fn put(&self, s: &Session, path: &str, body: Value) -> Reply {
        self.request("PUT", path, Auth::Session(s), Body::Json(body))
    }

    /// Logs in (as the browser app does) and keeps the cookie and CSRF token.
    pub fn login(&self, login_id: &str, password: &str) -> Session {
        let r = self.request(
            "POST",
            "/api/v1/auth/login",
            Auth::None,
            Body::Json(json!({"tenant_code": "dev", "login_id": login_id,
                              "password": password, "totp_code": null})),
        );
        assert_eq!(r.status, 200, "login {login_id}: {}", r.text());
        let cookie = r
            .cookies
            .iter()
            .find_map(|c| c.strip_prefix("tachiai_session="))
            .and_then(|c| c.split(';').next())
            .expect("session cookie")
            .to_owned();
        let body = r.json();
        Session {
            cookie,
            csrf: body["csrf_token"].as_str().unwrap().to_owned(),
            body,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .max_idle_connections(64)
        .max_idle_connections_per_host(32)
        // Below actix's 5 s keep-alive: a connection the server is closing at the moment it is
        // taken from the pool fails with "Peer disconnected" (seen once in CI).
        .max_idle_age(Duration::from_secs(2))
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

/// Which credential a request carries.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    /// None.
    None,
    /// The session cookie and its CSRF token.
    Session(&'a Session),
    /// A signing session (`Authorization: Bearer …`).
    Bearer(&'a str),
}

/// A request body.
pub enum Body<'a> {
    /// None.
    Empty,
    /// JSON.
    Json(Value),
    /// Bytes of a media type.
    Bytes(&'a [u8], &'a str),
}

/// A response.
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Body.
    pub bytes: Vec<u8>,
    /// `Content-Type`.
    pub content_type: String,
    /// Every `Set-Cookie`.
    pub cookies: Vec<String>,
}

impl Reply {
    /// The body as JSON (`Null` when empty or not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// Asserts the status and returns the JSON body.
    #[track_caller]
    pub fn expect(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "{}", self.text());
        self.json()
    }

    /// Asserts a problem response with its code.
    #[track_caller]
    pub fn expect_problem(&self, status: u16, code: &str) {
        let v = self.json();
        assert_eq!(
            (self.status, v["code"].as_str()),
            (status, Some(code)),
            "{v}"
        );
        assert!(
            self.content_type.starts_with("application/problem+json"),
            "{}",
            self.content_type
        );
    }
}

/// One mail as received.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The file it came from.
    pub file: PathBuf,
    /// The first `To` address.
    pub to: String,
    /// Its subject.
    pub subject: String,
    /// The text body.
    pub text: String,
}

/// A directory of `.eml` files: the file transport's outbox, or what the SMTP sink received.
#[derive(Debug, Clone)]
pub struct Mailbox {
    /// The directory.
    pub dir: PathBuf,
}

impl Mailbox {
    /// Every mail so far, oldest first (both writers name files by time).
    pub fn all(&self) -> Vec<Mail> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.retain(|p| p.extension().is_some_and(|e| e == "eml"));
        files.sort();
        files
            .into_iter()
            .filter_map(|file| {
                let raw = std::fs::read(&file).ok()?;
                let msg = mail_parser::MessageParser::default().parse(&raw)?;
                let to = msg
                    .to()
                    .and_then(|a| a.first())
                    .and_then(|a| a.address())?
                    .to_owned();
                let subject = msg.subject().unwrap_or_default().to_owned();
                let text = msg.body_text(0).unwrap_or_default().into_owned();
                Some(Mail {
                    file,
                    to,
                    subject,
                    text,
                })
            })
            .collect()
    }

    /// The mails to `to`, oldest first.
    pub fn to(&self, to: &str) -> Vec<Mail> {
        self.all().into_iter().filter(|m| m.to == to).collect()
    }

    /// Waits until `to` has more than `seen` mails and returns them all.
    pub fn wait_more(&self, to: &str, seen: usize) -> Vec<Mail> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let mails = self.to(to);
            if mails.len() > seen {
                return mails;
            }
            assert!(
                Instant::now() < deadline,
                "no new mail to {to} in {}",
                self.dir.display()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The signing token of the newest link mailed to `to` (waits for one).
    pub fn newest_link(&self, to: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(body) = self
                .to(to)
                .iter()
                .rev()
                .map(|m| m.text.clone())
                .find(|t| t.contains("/sign/"))
            {
                let at = body.find("/sign/").unwrap() + "/sign/".len();
                return body[at..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect();
            }
            assert!(Instant::now() < deadline, "no signing mail to {to}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The first 6-digit number standing alone in `text`.
pub fn six_digit_code(text: &str) -> Option<String> {
    let chars: Vec<char> = format!(" {text} ").chars().collect();
    chars
        .windows(8)
        .find(|w| {
            !w[0].is_ascii_digit()
                && w[1..7].iter().all(char::is_ascii_digit)
                && !w[7].is_ascii_digit()
        })
        .map(|w| w[1..7].iter().collect())
}

/// The tenant as the journey needs it: an admin, a department, a staff member and an approver.
pub struct Org {
    /// The admin's session.
    pub admin: Session,
    /// 田中 (staff, in the department).
    pub staff: Session,
    /// 課長 (approver).
    pub boss: Session,
    /// The approver's user id.
    pub boss_id: String,
}

/// Sets up the tenant through the API of `server`.
pub fn set_up_org(server: &Server) -> Org {
    let admin = server.login("admin", ADMIN_PASSWORD);
    let dept = server
        .post(
            &admin,
            "/api/v1/departments",
            json!({"name": "総務部契約課", "code": "K01"}),
        )
        .expect(201);
    let dept_id = dept["id"].as_str().expect("department id").to_owned();
    let mut ids = Vec::new();
    for (login, role) in [("tanaka", "staff"), ("kacho", "approver")] {
        let v = server
            .post(
                &admin,
                "/api/v1/users",
                json!({"login_id": login, "name": format!("試験 {login}"),
                       "email": format!("{login}@city.example.lg.jp"),
                       "department_id": dept_id, "roles": [role], "grants": [],
                       "password": user_password(login)}),
            )
            .expect(201);
        ids.push(v["user"]["id"].as_str().unwrap().to_owned());
    }
    Org {
        staff: server.login("tanaka", &user_password("tanaka")),
        boss: server.login("kacho", &user_password("kacho")),
        boss_id: ids.pop().unwrap(),
        admin,
    }
}

/// Drafts, uploads, routes, has approved and sends a contract; step `i` goes to
/// `servers[i % len]`, so with two servers the processes alternate. Returns its id.
pub fn send_contract(
    servers: &[&Server],
    org: &Org,
    title: &str,
    pdf: &[u8],
    recipients: Value,
    allow_forwarding: bool,
) -> String {
    let mut step = 0;
    let mut next = || {
        step += 1;
        servers[step % servers.len()]
    };
    let c = next()
        .post(
            &org.staff,
            "/api/v1/contracts",
            json!({"title": title, "counterparty_name": "株式会社テスト商事",
                   "amount_yen": 1_234_000, "allow_forwarding": allow_forwarding,
                   "stamp": {"page": 1, "x": 330, "y": 40, "width": 230, "height": 80}}),
        )
        .expect(201);
    let cid = c["id"].as_str().unwrap().to_owned();
    next()
        .request(
            "POST",
            &format!("/api/v1/contracts/{cid}/documents?role=main&file_name=contract.pdf"),
            Auth::Session(&org.staff),
            Body::Bytes(pdf, "application/pdf"),
        )
        .expect(201);
    next()
        .put(
            &org.staff,
            &format!("/api/v1/contracts/{cid}/recipients"),
            json!({"recipients": recipients}),
        )
        .expect(200);
    next()
        .put(
            &org.staff,
            &format!("/api/v1/contracts/{cid}/approval-route"),
            json!({"steps": [{"name": "課長決裁", "rule": "any", "approver_ids": [org.boss_id]}]}),
        )
        .expect(200);
    next()
        .post(
            &org.staff,
            &format!("/api/v1/contracts/{cid}/send"),
            json!({}),
        )
        .expect_problem(409, "approval_required");
    next()
        .post(
            &org.staff,
            &format!("/api/v1/contracts/{cid}/submit"),
            json!({}),
        )
        .expect(200);
    next()
        .post(
            &org.boss,
            &format!("/api/v1/contracts/{cid}/approve"),
            json!({}),
        )
        .expect(200);
    let v = next()
        .post(
            &org.staff,
            &format!("/api/v1/contracts/{cid}/send"),
            json!({}),
        )
        .expect(200);
    assert_eq!(v["state"], "sent", "{v}");
    cid
}

/// A recipient follows the newest mailed link, asks for a code, reads it from the next mail
/// and confirms: returns the link's token and the signing session.
pub fn confirm(
    server: &Server,
    mail: &Mailbox,
    email: &str,
    access_code: Option<&str>,
) -> (String, String) {
    let token = mail.newest_link(email);
    let v = server
        .get(None, &format!("/api/v1/signing/{token}"))
        .expect(200);
    assert_eq!(v["verified"], false, "{v}");
    assert!(
        v["title"].is_null(),
        "nothing of the contract before the code"
    );
    let seen = mail.to(email).len();
    server
        .request(
            "POST",
            &format!("/api/v1/signing/{token}/code"),
            Auth::None,
            Body::Empty,
        )
        .expect(204);
    let mails = mail.wait_more(email, seen);
    let code = mails[seen..]
        .iter()
        .find_map(|m| six_digit_code(&m.text))
        .unwrap_or_else(|| panic!("no code in the mail to {email}"));
    let v = server
        .request(
            "POST",
            &format!("/api/v1/signing/{token}/verify"),
            Auth::None,
            Body::Json(json!({"code": code, "access_code": access_code})),
        )
        .expect(200);
    (token, v["session_token"].as_str().unwrap().to_owned())
}

/// The confirmed recipient agrees.
pub fn agree(server: &Server, token: &str, session: &str) {
    server
        .request(
            "POST",
            &format!("/api/v1/signing/{token}/agree"),
            Auth::Bearer(session),
            Body::Json(json!({"consent": true})),
        )
        .expect(204);
}

/// Polls the contract until it is `concluded` (the server's own job workers seal it).
pub fn wait_concluded(server: &Server, s: &Session, cid: &str, timeout: Duration) -> Value {
    let deadline = Instant::now() + timeout;
    loop {
        let v = server
            .get(Some(s), &format!("/api/v1/contracts/{cid}"))
            .expect(200);
        if v["state"] == "concluded" {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "contract {cid} not concluded within {timeout:?}: {}",
            v["state"]
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Downloads a file of the contract through the API.
pub fn download(server: &Server, s: &Session, cid: &str, doc: &Value) -> Vec<u8> {
    let r = server.get(
        Some(s),
        &format!(
            "/api/v1/contracts/{cid}/documents/{}",
            doc["id"].as_str().unwrap()
        ),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    r.bytes
}

/// The newest sealed file and the completion certificate of a concluded contract.
pub fn sealed_and_certificate(detail: &Value) -> (Value, Value) {
    let docs = detail["documents"].as_array().unwrap();
    let sealed = docs.iter().rev().find(|d| d["role"] == "sealed").unwrap();
    let certificate = docs.iter().find(|d| d["role"] == "certificate").unwrap();
    (sealed.clone(), certificate.clone())
}

/// The kinds of the signatures in `pdf` as the service's public verifier reports them (all
/// valid and issued by this service, else it panics).
pub fn signature_kinds(server: &Server, pdf: &[u8]) -> Vec<String> {
    let v = server
        .request(
            "POST",
            "/api/v1/verify",
            Auth::None,
            Body::Bytes(pdf, "application/pdf"),
        )
        .expect(200);
    assert_eq!(v["verification"]["all_valid"], true, "{v}");
    assert_eq!(v["issued_by_this_service"], true, "{v}");
    v["verification"]["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// Waits until `to` has `n` mails whose subject contains `subject`, and no more.
pub fn wait_for_subject(mail: &Mailbox, to: &str, subject: &str, n: usize) {
    let count = || {
        mail.to(to)
            .iter()
            .filter(|m| m.subject.contains(subject))
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while count() < n {
        assert!(Instant::now() < deadline, "no {subject} mail to {to}");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(count(), n, "{subject} mails to {to}");
}

/// Each mail to `to` has a subject of its own: no job sent one twice.
pub fn assert_no_mail_twice(mail: &Mailbox, to: &str) {
    let mut subjects: std::collections::BTreeMap<String, usize> = Default::default();
    for m in mail.to(to) {
        *subjects.entry(m.subject).or_default() += 1;
    }
    assert!(
        subjects.values().all(|n| *n == 1),
        "mails to {to}: {subjects:#?}"
    );
}
