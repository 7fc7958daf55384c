//! Observability of a real `tachiai serve`: JSON log lines that each name their request, also
//! in the background jobs a request caused (the seal, the mails); the Prometheus metrics
//! behind their token and on their own address, parsed as exposition text, counting a seal;
//! liveness and readiness with an unreachable time-stamp authority.

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;
#[path = "support/server.rs"]
#[allow(dead_code)]
mod server;
#[allow(dead_code)]
mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use helpers::{Backend, TestDb};
use server::{Auth, Body, Mailbox, Server, confirm, send_contract, set_up_org};
use support::{corpus, count_jobs, free_port};

const TOKEN: &str = "metrics-token-for-the-observability-test";

/// Samples of an exposition (`name{labels}` → value), after checking every line's form: `# HELP`,
/// `# TYPE`, `# UNIT` or a sample `name{label="value",…} number`, ending with `# EOF`.
fn parse_exposition(text: &str) -> BTreeMap<String, f64> {
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.last(), Some(&"# EOF"), "{text}");
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.chars().enumerate().all(|(i, c)| {
                c.is_ascii_alphabetic() || c == '_' || c == ':' || (i > 0 && c.is_ascii_digit())
            })
    };
    let mut samples = BTreeMap::new();
    for line in &lines[..lines.len() - 1] {
        if let Some(meta) = line.strip_prefix("# ") {
            let mut parts = meta.splitn(3, ' ');
            let (kind, name) = (parts.next().unwrap(), parts.next().unwrap_or_default());
            assert!(name_ok(name), "metric name in {line}");
            match kind {
                "HELP" | "UNIT" => {}
                "TYPE" => assert!(
                    ["counter", "gauge", "histogram", "info", "unknown"]
                        .contains(&parts.next().unwrap_or_default()),
                    "{line}"
                ),
                _ => panic!("unknown comment {line}"),
            }
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        let name = series.split('{').next().unwrap();
        assert!(name_ok(name), "{line}");
        if let Some(labels) = series.strip_prefix(name)
            && !labels.is_empty()
        {
            {
                let inner = labels
                    .strip_prefix('{')
                    .and_then(|l| l.strip_suffix('}'))
                    .unwrap_or_else(|| panic!("labels of {line}"));
                for pair in inner.split("\",").filter(|p| !p.is_empty()) {
                    let (k, v) = pair.split_once("=\"").unwrap_or_else(|| panic!("{line}"));
                    assert!(name_ok(k), "label {k} in {line}");
                    assert!(!v.trim_end_matches('"').contains('"'), "{line}");
                }
            }
        }
        let v: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("value of {line}")),
        };
        samples.insert(series.to_owned(), v);
    }
    samples
}

fn metrics(server: &Server, token: &str) -> BTreeMap<String, f64> {
    let r = server.request("GET", "/metrics", Auth::Bearer(token), Body::Empty);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        r.content_type.starts_with("application/openmetrics-text"),
        "{}",
        r.content_type
    );
    parse_exposition(&r.text())
}

/// The JSON objects the server logged after byte `from` of its log; every line must be one.
fn json_lines(server: &Server, from: usize) -> Vec<Value> {
    server.log()[from..]
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("not one JSON object: {l}: {e}"))
        })
        .collect()
}

fn wait_jobs_idle(db: &TestDb) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while count_jobs(&db.url, "state IN ('queued', 'running')") > 0 {
        assert!(Instant::now() < deadline, "jobs still running");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A counterparty agrees through a trusted proxy that names the request; every log line of that
/// request, of the seal job it queued and of the mails that job queued names the ID, and the
/// metrics count the conclusion's seal once.
#[test]
fn a_request_id_names_every_line_of_the_request_and_its_jobs_and_the_seal_is_counted() {
    let Some(db) = TestDb::create(Backend::Sqlite) else {
        return;
    };
    let data = db.dir.join("data");
    let hash = data_encoding::HEXLOWER.encode(&Sha256::digest(TOKEN.as_bytes()));
    let server = Server::start(
        "serve",
        &db,
        &data,
        &[
            ("TACHIAI_LOG", "info"),
            ("TACHIAI_LOG_FORMAT", "json"),
            ("TACHIAI_TRUSTED_PROXIES", "127.0.0.1"),
            ("TACHIAI_METRICS_TOKEN_SHA256", &hash),
        ],
    );
    let mail = Mailbox {
        dir: data.join("outbox"),
    };

    // The metrics need the token; the refusal is a problem naming its request.
    for auth in [Auth::None, Auth::Bearer("metrics-token-guessed")] {
        let r = server.request_with(
            "GET",
            "/metrics",
            auth,
            Body::Empty,
            &[("X-Request-Id", "scrape-refused-1")],
        );
        r.expect_problem(401, "metrics_token_invalid");
        assert_eq!(r.json()["request_id"], "scrape-refused-1");
    }
    let before = metrics(&server, TOKEN);
    assert!(before["process_start_time_seconds"] > 1.7e9, "{before:?}");
    assert_eq!(before["tachiai_database_up"], 1.0);
    let seals = |m: &BTreeMap<String, f64>, level: &str| {
        m.get(&format!("tachiai_seals_total{{level=\"{level}\"}}"))
            .copied()
            .unwrap_or(0.0)
    };

    let org = set_up_org(&server);
    let cid = send_contract(
        &[&server],
        &org,
        "観測用の契約",
        &corpus("libreoffice-ja-contract.pdf"),
        json!([{"organization_name": "株式会社テスト商事", "name": "山田 太郎",
                "email": "yamada@example.co.jp"}]),
        false,
    );
    let (token, session) = confirm(&server, &mail, "yamada@example.co.jp", None);
    wait_jobs_idle(&db);
    let sent = metrics(&server, TOKEN);
    assert_eq!(
        seals(&sent, "B-T") - seals(&before, "B-T"),
        1.0,
        "the sending seal"
    );

    // From here on, every job is one the agreement caused.
    let from = server.log().len();
    let id = format!("agree-{}", uuid::Uuid::new_v4().simple());
    let r = server.request_with(
        "POST",
        &format!("/api/v1/signing/{token}/agree"),
        Auth::Bearer(&session),
        Body::Json(json!({"consent": true})),
        &[("X-Request-Id", &id)],
    );
    assert_eq!(r.status, 204, "{}", r.text());
    server::wait_concluded(&server, &org.staff, &cid, Duration::from_secs(120));
    wait_jobs_idle(&db);

    let lines = json_lines(&server, from);
    let named = |l: &&Value| l["request_id"] == id.as_str();
    let in_span = |l: &Value, span: &str| {
        l["spans"]
            .as_array()
            .is_some_and(|s| s.iter().any(|n| n == span))
    };
    // Every line inside a request names a request; every job line names the agreement.
    for l in &lines {
        if in_span(l, "request") || l["target"] == "access" {
            assert!(
                l["request_id"].as_str().is_some_and(|r| !r.is_empty()),
                "{l}"
            );
        }
        if in_span(l, "job") {
            assert_eq!(
                l["request_id"],
                id.as_str(),
                "a job line of another request: {l}"
            );
        }
    }
    let of_request: Vec<&Value> = lines.iter().filter(named).collect();
    let has = |what: &str, test: &dyn Fn(&Value) -> bool| {
        assert!(
            of_request.iter().any(|l| test(l)),
            "no {what} line naming {id} in {of_request:#?}"
        );
    };
    has("access", &|l| {
        l["target"] == "access"
            && l["message"]
                .as_str()
                .is_some_and(|m| m.contains("/agree HTTP/1.1\" 204"))
    });
    has("seal job", &|l| {
        l["kind"] == "contract.seal" && l["message"] == "job done"
    });
    has("conclusion", &|l| {
        l["message"] == "contract concluded" && l["contract_id"] == cid.as_str()
    });
    has("mail", &|l| {
        l["kind"] == "mail.send" && l["message"] == "mail sent"
    });
    // The signing use-case's span names the tenant and the contract.
    has("signing", &|l| {
        in_span(l, "agree") && l["contract_id"] == cid.as_str() && l["tenant_id"].is_string()
    });
    // The link token (a bearer credential) is in no line.
    assert!(!server.log().contains(&token), "the link token was logged");

    // The metrics: the conclusion's B-LTA and the agreement's B-T, once each.
    let after = metrics(&server, TOKEN);
    assert_eq!(seals(&after, "B-LTA") - seals(&sent, "B-LTA"), 1.0);
    assert_eq!(seals(&after, "B-T") - seals(&sent, "B-T"), 1.0);
    let agreed = "tachiai_http_requests_total{method=\"POST\",route=\"/api/v1/signing/{token}/agree\",status=\"204\"}";
    assert_eq!(after.get(agreed), Some(&1.0), "{after:#?}");
    assert!(
        after.keys().all(|k| !k.contains(&token)),
        "raw paths are no labels"
    );
    assert!(after["tachiai_db_pool_max_connections"] >= 1.0);
    // Job gauges exist only for kinds with unfinished jobs: by now every mail may be sent, so
    // their presence is timing; their labels are checked when they are there.
    for key in after.keys().filter(|k| k.starts_with("tachiai_jobs{")) {
        assert!(key.contains("kind=") && key.contains("state="), "{key}");
    }
    assert!(
        after
            .keys()
            .any(|k| k.starts_with("tachiai_tsa_request_duration_seconds_bucket{")),
        "{after:#?}"
    );
}

/// With its TSA unreachable the server is alive but not ready (503 naming the TSA check), and
/// the metrics are served on `metrics_bind` only, without a token there.
#[test]
fn an_unreachable_tsa_makes_the_server_unready_but_alive_and_metrics_have_their_own_address() {
    let Some(db) = TestDb::create(Backend::Sqlite) else {
        return;
    };
    let data = db.dir.join("data");
    // A port nobody listens on: connections are refused at once.
    let tsa = format!("http://127.0.0.1:{}/tsa", free_port());
    let metrics_port = free_port();
    let metrics_bind = format!("127.0.0.1:{metrics_port}");
    let server = Server::start(
        "serve",
        &db,
        &data,
        &[
            ("TACHIAI_TSA_URLS", &tsa),
            ("TACHIAI_METRICS_BIND", &metrics_bind),
            ("TACHIAI_TRUSTED_PROXIES", "127.0.0.1"),
        ],
    );
    let live = server.get(None, "/api/v1/health/live").expect(200);
    assert_eq!(live["status"], "ok");
    let ready = server.get(None, "/api/v1/health/ready");
    let v = ready.expect(503);
    assert_eq!(v["status"], "unavailable");
    let checks: BTreeMap<&str, bool> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["ok"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        checks,
        BTreeMap::from([("database", true), ("storage", true), ("tsa", false)]),
        "{v}"
    );
    assert!(
        !v.to_string().contains(&tsa),
        "the TSA's URL is not told: {v}"
    );
    // Probes in a row reuse the result: the TSA is not asked again within seconds.
    for _ in 0..20 {
        let again = server.get(None, "/api/v1/health/ready").expect(503);
        assert_eq!(again["checked_at"], v["checked_at"]);
    }
    // The old probe still answers as before.
    server.get(None, "/api/v1/health").expect(200);

    // No token: /metrics is not on the service's address at all …
    let r = server.request_with(
        "GET",
        "/metrics",
        Auth::None,
        Body::Empty,
        &[("X-Request-Id", "metrics-probe-7")],
    );
    r.expect_problem(404, "route_not_found");
    assert_eq!(r.json()["request_id"], "metrics-probe-7");
    // … but on metrics_bind.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut res = agent
        .get(format!("http://{metrics_bind}/metrics"))
        .call()
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let samples = parse_exposition(&res.body_mut().read_to_string().unwrap());
    assert!(samples.contains_key("process_start_time_seconds"));
    let probes =
        "tachiai_http_requests_total{method=\"GET\",route=\"/api/v1/health/ready\",status=\"503\"}";
    assert_eq!(samples.get(probes), Some(&21.0), "{samples:#?}");
    let other = agent
        .get(format!("http://{metrics_bind}/api/v1/health"))
        .call()
        .unwrap();
    assert_eq!(other.status().as_u16(), 404, "only /metrics there");
}
