//! `openapi/openapi.json` against a live `tachiai serve` (SQLite, a fresh data directory, the
//! seeded admin): schemathesis (PyPI) sends every operation generated, boundary and
//! schema-violating requests with the credential the document names for it and checks the
//! answers against the document; and a Python client generated from the document
//! (openapi-python-client, into a temporary directory) drives the whole contract journey with
//! API tokens and the public signing API. If the document says what the server does not do,
//! one of them fails.
//!
//! Both tools live in the repository's tools virtualenv (`.venv-tools`, made by
//! `scripts/setup test` from `tools/api-tools.requirements.txt`; `TACHIAI_API_TOOLS_VENV`
//! names another). Without it the tests say so and pass, unless `TACHIAI_REQUIRE_VALIDATORS=1`
//! (CI), where that fails them.

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;
#[path = "support/server.rs"]
#[allow(dead_code)]
mod server;
#[allow(dead_code)]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::{Value, json};

use helpers::{Backend, Session, TestDb};
use server::{Server, send_contract, set_up_org};
use support::validators_required;

/// The repository's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The tools virtualenv's `bin`, or `None` (with a notice) when it lacks `tool`.
fn tools_bin(tool: &str) -> Option<PathBuf> {
    let venv = std::env::var_os("TACHIAI_API_TOOLS_VENV")
        .map_or_else(|| root().join(".venv-tools"), PathBuf::from);
    let bin = venv.join("bin");
    if bin.join(tool).is_file() {
        return Some(bin);
    }
    assert!(
        !validators_required(),
        "TACHIAI_REQUIRE_VALIDATORS=1 but {} has no {tool} (scripts/setup test installs it)",
        venv.display()
    );
    eprintln!(
        "skipped: no {tool} in {} (scripts/setup test installs it)",
        venv.display()
    );
    None
}

/// The committed document.
fn document() -> Value {
    let path = root().join("openapi/openapi.json");
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

/// Issues an API token with every permission of the session's user.
fn api_token(server: &Server, s: &Session, name: &str) -> String {
    let scopes = s.body["me"]["permissions"].clone();
    let v = server
        .post(
            s,
            "/api/v1/api-tokens",
            json!({"name": name, "scopes": scopes}),
        )
        .expect(201);
    v["secret"].as_str().unwrap().to_owned()
}

/// The checks every answer must pass: no server error, the status, media type and body the
/// document lists, and a request the document forbids refused.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
                      response_schema_conformance,negative_data_rejection";

/// Every operation but logging out (which would end the session the others are tested with),
/// each with the credential its `security` names first (`tools/api-contract/schemathesis.toml`):
/// the admin's API token where the operation accepts one, else the admin's session cookie with
/// its CSRF header (and the `Origin` the server expects); valid and invalid requests from the
/// examples, coverage (boundaries, each constraint broken) and fuzzing phases.
/// Rate limits no test run reaches.
const UNLIMITED: [(&str, &str); 3] = [
    ("TACHIAI_RATE_LIMIT_TOKEN_PER_MINUTE", "100000"),
    ("TACHIAI_RATE_LIMIT_ANONYMOUS_PER_MINUTE", "100000"),
    ("TACHIAI_RATE_LIMIT_LOGIN_PER_MINUTE", "100000"),
];

#[test]
fn schemathesis_finds_the_server_true_to_its_document() {
    let Some(bin) = tools_bin("schemathesis") else {
        return;
    };
    let db = TestDb::create(Backend::Sqlite).unwrap();
    // Limits far above what the run sends, so that its requests reach the handlers (the 429
    // answers are documented, but would test nothing else).
    let server = Server::start("serve", &db, &db.dir.join("data"), &UNLIMITED);
    // Data for the answers to show: users, a department, a contract sent with its documents,
    // recipients and approvals (the contract paths use its id), and their audit events.
    let org = set_up_org(&server);
    let cid = send_contract(
        &[&server],
        &org,
        "庁舎清掃業務委託契約",
        &support::corpus("libreoffice-ja-contract.pdf"),
        json!([{"organization_name": "株式会社テスト商事", "name": "山田 太郎",
                "email": "yamada@example.co.jp"}]),
        true,
    );
    let admin = org.admin;
    let token = api_token(&server, &admin, "schemathesis");

    let mut doc = document();
    doc["paths"]
        .as_object_mut()
        .unwrap()
        .remove("/api/v1/auth/logout");
    let dir = db.dir.join("schemathesis");
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("openapi.json");
    std::fs::write(&spec, serde_json::to_vec(&doc).unwrap()).unwrap();
    let examples = support::setting("TACHIAI_SCHEMATHESIS_EXAMPLES", 12).to_string();
    let started = Instant::now();
    let out = Command::new(bin.join("schemathesis"))
        .current_dir(&dir)
        .env("TACHIAI_API_TOKEN", &token)
        .env("TACHIAI_SESSION_COOKIE", &admin.cookie)
        .env("TACHIAI_CSRF_TOKEN", &admin.csrf)
        .env("TACHIAI_CONTRACT_ID", &cid)
        .arg("--config-file")
        .arg(root().join("tools/api-contract/schemathesis.toml"))
        .args(["--no-color", "run"])
        .arg(&spec)
        .args([
            "--url",
            &server.base,
            "-H",
            &format!("Origin: {}", server.base),
        ])
        .args(["--checks", CHECKS, "--max-examples", &examples])
        .args(["--phases", "examples,coverage,fuzzing", "--mode", "all"])
        // One worker: hypothesis describing its strategies from several threads at once trips
        // over CPython 3.11's parser ("AST constructor recursion depth mismatch", seen once).
        .args(["--seed", "17", "--workers", "1", "--request-timeout", "60"])
        .args([
            "--suppress-health-check",
            "all",
            "--output-truncate",
            "false",
        ])
        .output()
        .expect("run schemathesis");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("schemathesis: {:.0?}\n{}", started.elapsed(), tail(&text));
    assert!(
        out.status.success(),
        "schemathesis found answers that contradict openapi/openapi.json:\n{text}\n--- server log ---\n{}",
        tail(&server.log())
    );
}

/// The last 40 lines.
fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

/// openapi-python-client generates a client from the committed document into a temporary
/// directory; `tools/api-contract/journey.py` uses only it (and the outbox's mails, as a
/// counterparty reads them) to draft, upload, route, submit, approve and send a contract,
/// let the counterparty agree through the signing API, wait until it is concluded and
/// download the sealed PDF, which the test then checks.
#[test]
fn a_client_generated_from_the_document_runs_the_journey() {
    let Some(bin) = tools_bin("openapi-python-client") else {
        return;
    };
    let db = TestDb::create(Backend::Sqlite).unwrap();
    let data = db.dir.join("data");
    let server = Server::start("serve", &db, &data, &[]);
    let org = set_up_org(&server);
    let staff_token = api_token(&server, &org.staff, "journey-staff");
    let boss_token = api_token(&server, &org.boss, "journey-approver");

    // The package `tachiai_client` (tools/api-contract/client-config.yaml); ruff, which formats
    // what the generator writes, is in the same `bin`.
    let client_dir = db.dir.join("tachiai_client");
    let path = std::env::join_paths(std::iter::once(bin.clone()).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let out = Command::new(bin.join("openapi-python-client"))
        .current_dir(&db.dir)
        .env("PATH", &path)
        .args(["generate", "--meta", "none", "--overwrite"])
        .arg("--path")
        .arg(root().join("openapi/openapi.json"))
        .arg("--config")
        .arg(root().join("tools/api-contract/client-config.yaml"))
        .arg("--output-path")
        .arg(&client_dir)
        .output()
        .expect("run openapi-python-client");
    let generated = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "generating the client: {generated}");
    // A warning means an operation or schema the generator could not read: it left it out.
    assert!(
        !generated.contains("Warning"),
        "the generator could not read all of the document:\n{generated}"
    );

    let sealed = db.dir.join("sealed.pdf");
    let out = Command::new(bin.join("python"))
        .arg(root().join("tools/api-contract/journey.py"))
        .env("PYTHONPATH", &db.dir)
        .env("TACHIAI_URL", &server.base)
        .env("TACHIAI_STAFF_TOKEN", &staff_token)
        .env("TACHIAI_APPROVER_TOKEN", &boss_token)
        .env("TACHIAI_APPROVER_ID", &org.boss_id)
        .env("TACHIAI_OUTBOX", data.join("outbox"))
        .env(
            "TACHIAI_PDF",
            support::corpus_path("libreoffice-ja-contract.pdf"),
        )
        .env("TACHIAI_SEALED_OUT", &sealed)
        .output()
        .expect("run the journey");
    assert!(
        out.status.success(),
        "the generated client's journey failed:\n{}{}\n--- server log ---\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        tail(&server.log())
    );
    let pdf = std::fs::read(&sealed).unwrap();
    assert!(pdf.starts_with(b"%PDF-"), "the sealed file is no PDF");
    let kinds = server::signature_kinds(&server, &pdf);
    assert!(!kinds.is_empty(), "the sealed PDF carries no signature");
}
