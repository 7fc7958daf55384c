//! Fuzz target: the real server (one `tachiai` HTTP server on a loopback port, SQLite in a
//! temporary directory) answers any public request without a 5xx, a dropped connection or a
//! hang. The first input byte picks the endpoint (login, the counterparty's signing endpoints,
//! the public verification upload), the second the content type; the rest is the body.
#![no_main]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::OnceLock;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;

/// Endpoints whose body parsers are public (no login needed to reach them).
const ENDPOINTS: [&str; 7] = [
    "/api/v1/auth/login",
    "/api/v1/signing/fuzz-token/code",
    "/api/v1/signing/fuzz-token/verify",
    "/api/v1/signing/fuzz-token/agree",
    "/api/v1/signing/fuzz-token/decline",
    "/api/v1/signing/fuzz-token/forward",
    "/api/v1/verify",
];

const CONTENT_TYPES: [&str; 4] = [
    "application/json",
    "application/pdf",
    "text/plain",
    "application/json; charset=utf-8",
];

/// Starts the server once per fuzzing process; its address.
fn server() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("tachiai-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("dist")).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let env: Vec<(String, String)> = vec![
            ("TACHIAI_DATA_DIR".into(), dir.display().to_string()),
            (
                "TACHIAI_DIST_DIR".into(),
                dir.join("dist").display().to_string(),
            ),
            ("TACHIAI_PUBLIC_URL".into(), format!("http://{addr}")),
            (
                "TACHIAI_INITIAL_ADMIN_PASSWORD".into(),
                "Fuzz-pass-2026-ok".into(),
            ),
        ];
        let config = backend::config::Config::from_sources(None, &env).unwrap();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let pool = backend::db::connect(&config.database_url, 4).unwrap();
                backend::startup::ensure_initial_tenant(&pool, &config).unwrap();
                let state = actix_web::web::Data::new(
                    backend::startup::AppState::new(pool, config).unwrap(),
                );
                actix_web::HttpServer::new(move || backend::startup::build_app(state.clone()))
                    .workers(1)
                    .listen(listener)
                    .unwrap()
                    .run()
                    .await
                    .unwrap();
            })
        });
        for _ in 0..600 {
            if TcpStream::connect(addr).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        addr
    })
}

fuzz_target!(|data: &[u8]| {
    let (Some(&which), Some(&ct)) = (data.first(), data.get(1)) else {
        return;
    };
    let path = ENDPOINTS[usize::from(which) % ENDPOINTS.len()];
    let content_type = CONTENT_TYPES[usize::from(ct) % CONTENT_TYPES.len()];
    let body = &data[2..];
    let mut stream = TcpStream::connect(server()).expect("the server is up");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    // The server may answer (413) before reading a large body and close: not an error.
    let _ = stream.write_all(body);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    let status: u16 = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|s| s.get(..3))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no answer (connection dropped or timed out) for {path}"));
    assert!(status < 500, "{status} for {path}: {text}");
});
