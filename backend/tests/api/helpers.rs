//! Test harness: a fresh database per test (a SQLite file, or a PostgreSQL schema of its own
//! when 127.0.0.1:5432 answers), the real application, and one helper per API call.

use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::web;
use backend::config::Config;
use backend::db::{self, DatabaseUrl};
use backend::startup::{AppState, build_app};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use serde_json::{Value, json};

use crate::support::validators_required;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A stand-in for Trunk's output: an inline module loader, as Trunk writes it.
pub const INDEX_HTML: &str = "<!DOCTYPE html><html lang=\"ja\"><head><script type=\"module\">import init from '/app.js';init();</script></head><body></body></html>";
pub const INLINE_LOADER: &str = "import init from '/app.js';init();";

pub const ADMIN_PASSWORD: &str = "Initial-pass-2026";
const PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A database that removes itself: a temp directory, or a PostgreSQL schema.
pub struct TestDb {
    pub url: String,
    pub dir: std::path::PathBuf,
    schema: Option<String>,
}

impl TestDb {
    /// `None` when PostgreSQL is not reachable (and not required by TACHIAI_REQUIRE_POSTGRES).
    pub fn create(backend: Backend) -> Option<TestDb> {
        let dir = std::env::temp_dir().join(format!("tachiai-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        match backend {
            Backend::Sqlite => Some(TestDb {
                url: dir.join("test.db").to_string_lossy().into_owned(),
                dir,
                schema: None,
            }),
            Backend::Postgres => {
                let addr: SocketAddr = "127.0.0.1:5432".parse().unwrap();
                if TcpStream::connect_timeout(&addr, Duration::from_millis(300)).is_err() {
                    if std::env::var_os("TACHIAI_REQUIRE_POSTGRES").is_some() {
                        panic!(
                            "PostgreSQL is required (TACHIAI_REQUIRE_POSTGRES) but 127.0.0.1:5432 does not answer"
                        );
                    }
                    eprintln!("skipped: PostgreSQL at 127.0.0.1:5432 does not answer");
                    return None;
                }
                let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
                let mut admin =
                    PgConnection::establish(PG_ADMIN_URL).expect("connect to PostgreSQL");
                admin
                    .batch_execute(&format!("CREATE SCHEMA {schema}"))
                    .unwrap();
                Some(TestDb {
                    url: format!("{PG_ADMIN_URL}?options=-c%20search_path%3D{schema}"),
                    dir,
                    schema: Some(schema),
                })
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(schema) = &self.schema
            && let Ok(mut admin) = PgConnection::establish(PG_ADMIN_URL)
        {
            let _ = admin.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"));
        }
        // TACHIAI_TEST_KEEP=1 keeps a test's files (data directory, PDFs) to look into.
        if std::env::var_os("TACHIAI_TEST_KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// A logged-in client: its cookie and CSRF token.
#[derive(Debug, Clone, Default)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
    pub body: Value,
}

/// The application on a fresh database with tenant `dev` and its admin.
pub struct TestApp<S> {
    pub svc: S,
    pub state: web::Data<AppState>,
    pub db: TestDb,
}

#[allow(dead_code)] // used by the jobs_mail tests
pub fn config_for(db: &TestDb) -> Config {
    config_with(db, &[])
}

/// [`config_for`] with more (or overriding) settings.
pub fn config_with(db: &TestDb, extra: &[(&str, &str)]) -> Config {
    let mut env: Vec<(String, String)> = vec![
        (
            "TACHIAI_DATA_DIR".into(),
            db.dir.to_string_lossy().into_owned(),
        ),
        ("TACHIAI_DATABASE_URL".into(), db.url.clone()),
        (
            "TACHIAI_INITIAL_ADMIN_PASSWORD".into(),
            ADMIN_PASSWORD.into(),
        ),
        (
            "TACHIAI_DIST_DIR".into(),
            db.dir.join("dist").to_string_lossy().into_owned(),
        ),
        ("TACHIAI_DB_POOL_SIZE".into(), "4".into()),
        ("TACHIAI_MAX_JSON_BYTES".into(), "4096".into()),
    ];
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Config::from_sources(None, &env).unwrap()
}

pub async fn spawn(
    backend: Backend,
) -> Option<
    TestApp<
        impl Service<Request, Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error>,
    >,
> {
    spawn_with(backend, &[]).await
}

/// [`spawn`] with more (or overriding) settings.
pub async fn spawn_with(
    backend: Backend,
    settings: &[(&str, &str)],
) -> Option<
    TestApp<
        impl Service<Request, Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error>,
    >,
> {
    let db = TestDb::create(backend)?;
    let dist = db.dir.join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(dist.join("index.html"), INDEX_HTML).unwrap();
    // A stand-in for the PDF viewer's module (a large static file).
    std::fs::create_dir_all(dist.join("pdfjs")).unwrap();
    std::fs::write(
        dist.join("pdfjs/pdf.min.mjs"),
        "export const pdf = 'pdf.js';\n".repeat(500),
    )
    .unwrap();
    let config = config_with(&db, settings);
    let pool = db::connect(&DatabaseUrl::parse(&db.url), config.db_pool_size).expect("database");
    backend::startup::ensure_initial_tenant(&pool, &config).expect("initial tenant");
    let state = web::Data::new(AppState::new(pool, config).expect("app state"));
    let svc = test::init_service(build_app(state.clone())).await;
    Some(TestApp { svc, state, db })
}

impl<S, B> TestApp<S>
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    /// Sends a request; returns status, JSON body (Null if empty) and the response headers.
    pub async fn send(
        &self,
        req: TestRequest,
    ) -> (StatusCode, Value, actix_web::http::header::HeaderMap) {
        self.send_from("192.0.2.10:40000", req).await
    }

    /// [`Self::send`] from the TCP peer `peer` (`address:port`).
    pub async fn send_from(
        &self,
        peer: &str,
        req: TestRequest,
    ) -> (StatusCode, Value, actix_web::http::header::HeaderMap) {
        let res =
            test::call_service(&self.svc, req.peer_addr(peer.parse().unwrap()).to_request()).await;
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = test::read_body(res).await;
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        (status, body, headers)
    }

    fn with_session(req: TestRequest, s: &Session) -> TestRequest {
        req.insert_header(("Cookie", format!("tachiai_session={}", s.cookie)))
            .insert_header(("X-CSRF-Token", s.csrf.clone()))
    }

    pub async fn get(&self, s: &Session, path: &str) -> (StatusCode, Value) {
        let (st, body, _) = self
            .send(Self::with_session(TestRequest::get().uri(path), s))
            .await;
        (st, body)
    }

    pub async fn post(&self, s: &Session, path: &str, body: Value) -> (StatusCode, Value) {
        let (st, body, _) = self
            .send(Self::with_session(
                TestRequest::post().uri(path).set_json(body),
                s,
            ))
            .await;
        (st, body)
    }

    pub async fn delete(&self, s: &Session, path: &str) -> (StatusCode, Value) {
        let (st, body, _) = self
            .send(Self::with_session(TestRequest::delete().uri(path), s))
            .await;
        (st, body)
    }

    pub async fn put(&self, s: &Session, path: &str, body: Value) -> (StatusCode, Value) {
        let (st, body, _) = self
            .send(Self::with_session(
                TestRequest::put().uri(path).set_json(body),
                s,
            ))
            .await;
        (st, body)
    }

    /// Logs in; `Err` carries the status and problem body.
    pub async fn try_login(
        &self,
        tenant: &str,
        login_id: &str,
        password: &str,
        totp: Option<&str>,
    ) -> Result<Session, (StatusCode, Value)> {
        let req = TestRequest::post().uri("/api/v1/auth/login").set_json(json!({
            "tenant_code": tenant, "login_id": login_id, "password": password, "totp_code": totp,
        }));
        let (status, body, headers) = self.send(req).await;
        if status != StatusCode::OK {
            return Err((status, body));
        }
        let cookie = headers
            .get_all("set-cookie")
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| c.strip_prefix("tachiai_session="))
            .and_then(|c| c.split(';').next())
            .expect("session cookie")
            .to_owned();
        Ok(Session {
            cookie,
            csrf: body["csrf_token"].as_str().unwrap().to_owned(),
            body,
        })
    }

    pub async fn login(&self, tenant: &str, login_id: &str, password: &str) -> Session {
        self.try_login(tenant, login_id, password, None)
            .await
            .unwrap_or_else(|e| panic!("login {login_id} failed: {e:?}"))
    }

    /// `s`'s session has ended: the session probe says nobody is logged in (204), and an
    /// endpoint that needs the session answers 401 `session_expired`.
    pub async fn assert_session_ended(&self, s: &Session) {
        let (st, body) = self.get(s, "/api/v1/auth/session").await;
        assert_eq!((st.as_u16(), body), (204, Value::Null));
        assert_problem(
            &self.post(s, "/api/v1/auth/logout", Value::Null).await,
            401,
            "session_expired",
        );
    }

    pub async fn admin(&self) -> Session {
        self.login("dev", "admin", ADMIN_PASSWORD).await
    }

    /// Creates a user with the given roles and grants and a known password; returns its id.
    pub async fn create_user(
        &self,
        admin: &Session,
        login_id: &str,
        roles: &[&str],
        grants: &[&str],
    ) -> String {
        let (st, body) = self
            .post(
                admin,
                "/api/v1/users",
                json!({
                    "login_id": login_id, "name": format!("試験 {login_id}"),
                    "email": format!("{login_id}@city.example.lg.jp"),
                    "roles": roles, "grants": grants, "password": user_password(login_id),
                }),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{body}");
        body["user"]["id"].as_str().unwrap().to_owned()
    }

    /// Runs `f` with a database connection.
    /// A clerk `tanaka` (staff) and an approver `kacho`, logged in: their sessions and the
    /// approver's id, the cast of most contract scenarios.
    pub async fn staff_and_approver(&self, admin: &Session) -> (Session, Session, String) {
        self.create_user(admin, "tanaka", &["staff"], &[]).await;
        let boss_id = self.create_user(admin, "kacho", &["approver"], &[]).await;
        let staff = self.login("dev", "tanaka", &user_password("tanaka")).await;
        let boss = self.login("dev", "kacho", &user_password("kacho")).await;
        (staff, boss, boss_id)
    }

    /// The admin of a second tenant, `other-city` (別市), logged in: for isolation checks.
    pub async fn other_tenant_admin(&self) -> Session {
        self.with_conn(|conn| {
            backend::workflow::tenants::create_tenant(
                conn,
                "other-city",
                "別市",
                "admin",
                "admin@other.example.lg.jp",
                Some("Other-city-pass-2026"),
                &backend::workflow::tenants::operator_origin("test"),
            )
            .map(|_| ())
        })
        .unwrap();
        self.login("other-city", "admin", "Other-city-pass-2026")
            .await
    }

    pub fn with_conn<T>(&self, f: impl FnOnce(&mut db::AnyConnection) -> T) -> T {
        let mut conn = self.state.pool.get().unwrap();
        f(&mut conn)
    }
}

/// The password `create_user` gives a user.
pub fn user_password(login_id: &str) -> String {
    format!("Pw-{}-2026-ok", login_id.len())
}

/// Asserts status and problem code, and that the body is a complete problem document.
#[track_caller]
pub fn assert_problem(got: &(StatusCode, Value), status: u16, code: &str) {
    assert_eq!(got.0.as_u16(), status, "body: {}", got.1);
    assert_eq!(got.1["code"], code, "body: {}", got.1);
    assert_eq!(got.1["status"], status);
    assert!(got.1["detail_ja"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(got.1["type"], format!("/problems/{code}"));
    // Every problem names its request (the `X-Request-Id` of the answer), 4xx as well as 5xx.
    assert!(
        got.1["request_id"].as_str().is_some_and(|s| !s.is_empty()),
        "no request_id: {}",
        got.1
    );
}

/// Uploads `$bytes` as a document of `$contract` with `$s`'s session; `(status, body)`.
#[macro_export]
macro_rules! upload {
    ($app:expr, $s:expr, $contract:expr, $role:expr, $name:expr, $bytes:expr) => {{
        let (st, body, _) = $app
            .send(
                actix_web::test::TestRequest::post()
                    .uri(&format!(
                        "/api/v1/contracts/{}/documents?role={}&file_name={}",
                        $contract,
                        $role,
                        $crate::helpers::urlencode($name)
                    ))
                    .insert_header(("Cookie", format!("tachiai_session={}", $s.cookie)))
                    .insert_header(("X-CSRF-Token", $s.csrf.clone()))
                    .insert_header(("Content-Type", "application/pdf"))
                    .set_payload($bytes),
            )
            .await;
        (st, body)
    }};
}

/// Generates one test per database for a scenario `async fn name(backend: Backend)`.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[actix_web::test]
                async fn sqlite() {
                    super::$name($crate::helpers::Backend::Sqlite).await;
                }
                #[actix_web::test]
                async fn postgres() {
                    super::$name($crate::helpers::Backend::Postgres).await;
                }
            }
        )*
    };
}

/// The `id` of a JSON object.
pub fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// Percent-encodes a query value.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The text of a PDF by poppler's `pdftotext`, `None` (with a notice) when it is missing.
pub fn pdftotext(pdf: &std::path::Path) -> Option<String> {
    match std::process::Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
    {
        Ok(o) if o.status.success() => Some(String::from_utf8_lossy(&o.stdout).into_owned()),
        _ if validators_required() => panic!("pdftotext is required"),
        _ => {
            eprintln!("NOTICE: pdftotext missing; certificate text not checked");
            None
        }
    }
}

/// `tools/verify-signed-pdf --level B-LTA --revocation none` against `root` (the development
/// root): offline, the DSS must hold everything.
pub fn external_validation(root: &std::path::Path, pdf: &std::path::Path) {
    let tool = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/verify-signed-pdf");
    if !std::path::Path::new("/opt/tachiai-validators/venv/bin/pyhanko").exists() {
        assert!(!validators_required(), "the validator harness is required");
        eprintln!(
            "NOTICE: validators not installed; {} not checked externally",
            pdf.display()
        );
        return;
    }
    let out = std::process::Command::new(tool)
        .arg(pdf)
        .arg("--trust")
        .arg(root)
        .args(["--level", "B-LTA", "--revocation", "none"])
        .output()
        .unwrap();
    eprintln!(
        "verify-signed-pdf {}: {}",
        pdf.display(),
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .unwrap_or_default()
    );
    assert!(
        out.status.success(),
        "verify-signed-pdf {}:\n{}{}",
        pdf.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The `manifest.json` of a downloaded archive.
pub fn zip_manifest<R: std::io::Read + std::io::Seek>(zip: &mut zip::ZipArchive<R>) -> Value {
    use std::io::Read;
    let mut manifest = String::new();
    zip.by_name("manifest.json")
        .unwrap()
        .read_to_string(&mut manifest)
        .unwrap();
    serde_json::from_str(&manifest).unwrap()
}

/// A login request with `body` sent as it is (no JSON encoding): for malformed input.
pub fn raw_json_login(body: &'static str) -> actix_web::test::TestRequest {
    actix_web::test::TestRequest::post()
        .uri("/api/v1/auth/login")
        .insert_header(("Content-Type", "application/json"))
        .set_payload(body)
}

/// Every manifest entry of a contract ZIP is in it with that SHA-256 and size, the sealed file
/// among them, and each part of the record is there.
pub fn check_archive(zip_bytes: &[u8], signed: &[u8]) {
    use sha2::Digest;
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).unwrap();
    let manifest = zip_manifest(&mut zip);
    let entries = manifest["entries"].as_array().unwrap();
    assert!(entries.len() >= 6, "{manifest}");
    let mut found_signed = false;
    for e in entries {
        let mut bytes = Vec::new();
        zip.by_name(e["path"].as_str().unwrap())
            .unwrap()
            .read_to_end(&mut bytes)
            .unwrap();
        assert_eq!(e["size"], bytes.len());
        assert_eq!(
            e["sha256"],
            data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(&bytes))
        );
        found_signed |= bytes == signed;
    }
    assert!(found_signed, "the sealed PDF is in the archive");
    let paths: Vec<&str> = entries
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    for part in [
        "/原本/",
        "/電子署名済/",
        "/合意締結証明書/",
        "/経過記録.csv",
        "/経過記録.json",
        "/契約情報.json",
    ] {
        assert!(
            paths.iter().any(|p| p.contains(part)),
            "{part} in {paths:?}"
        );
    }
}
