//! Network zones (ネットワークゾーン) with the real `tachiai serve` and real source addresses:
//! the test's connections come from 127.0.0.1 (the administrator, on "LGWAN"), 127.0.0.2 (a
//! trusted reverse proxy) and 127.0.0.3 (a member of staff elsewhere), so the server sees the
//! TCP peers a city's network would show it. On SQLite and PostgreSQL.

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;
#[path = "support/server.rs"]
#[allow(dead_code)]
mod server;
#[allow(dead_code)]
mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};

use helpers::{ADMIN_PASSWORD, Backend, TestDb, user_password};
use server::{
    Mailbox, Server, agree, confirm, sealed_and_certificate, send_contract, set_up_org,
    wait_concluded,
};
use support::corpus;

const LGWAN_URL: &str = "http://lgwan.city.example";
const INTERNET_URL: &str = "http://keiyaku.example.jp";
const PDF: &str = "libreoffice-ja-contract.pdf";

#[test]
fn zones_on_sqlite() {
    zones(Backend::Sqlite);
}

#[test]
fn zones_on_postgres() {
    zones(Backend::Postgres);
}

/// An answer of [`Server::request_via`].
struct Answer {
    status: u16,
    headers: BTreeMap<String, String>,
    body: Value,
}

impl Answer {
    fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or_default()
    }
}

/// `method path` from the loopback address `source` with `headers`.
fn via(
    server: &Server,
    source: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Answer {
    let (status, headers, bytes) = server.request_via(source, method, path, headers, body.as_ref());
    Answer {
        status,
        headers,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

/// Logs `login_id` in from `source` (with `headers`, e.g. a proxy's `Forwarded`).
fn login_via(server: &Server, source: &str, login_id: &str, headers: &[(&str, &str)]) -> Answer {
    let password = match login_id {
        "admin" => ADMIN_PASSWORD.to_owned(),
        other => user_password(other),
    };
    let mut headers = headers.to_vec();
    headers.push(("Origin", server.base.as_str()));
    via(
        server,
        source,
        "POST",
        "/api/v1/auth/login",
        &headers,
        Some(
            json!({"tenant_code": "dev", "login_id": login_id, "password": password, "totp_code": null}),
        ),
    )
}

/// The session cookie a login answer set.
fn cookie(a: &Answer) -> String {
    let set = a.headers.get("set-cookie").expect("a session cookie");
    let value = set
        .strip_prefix("tachiai_session=")
        .and_then(|c| c.split(';').next())
        .expect("the session cookie");
    format!("tachiai_session={value}")
}

/// `GET /api/v1/auth/session` with `cookie` from `source`: the status and the problem code.
fn probe(server: &Server, source: &str, cookie: &str) -> (u16, String) {
    let a = via(
        server,
        source,
        "GET",
        "/api/v1/auth/session",
        &[("Cookie", cookie)],
        None,
    );
    (a.status, a.code().to_owned())
}

/// The first mail to `to` whose subject contains `needle` (waits for it).
fn wait_subject(mail: &Mailbox, to: &str, needle: &str) -> server::Mail {
    let mut seen = 0;
    loop {
        let mails = mail.wait_more(to, seen);
        seen = mails.len();
        if let Some(m) = mails.into_iter().find(|m| m.subject.contains(needle)) {
            return m;
        }
    }
}

fn zone(zone: &str, enabled: bool, cidrs: &[&str], url: &str) -> Value {
    json!({"zone": zone, "enabled": enabled, "cidrs": cidrs, "public_url": url})
}

/// The refusals recorded for `address`.
fn refusals(server: &Server, admin: &helpers::Session, address: &str) -> Vec<Value> {
    let v = server
        .get(
            Some(admin),
            "/api/v1/audit-events?action=network_zones.refused&per_page=500",
        )
        .expect(200);
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["ip"] == address)
        .cloned()
        .collect()
}

fn zones(backend: Backend) {
    let Some(db) = TestDb::create(backend) else {
        return;
    };
    let data = db.dir.join("data");
    let server = Server::start(
        "serve",
        &db,
        &data,
        &[("TACHIAI_TRUSTED_PROXIES", "127.0.0.2")],
    );
    let mail = Mailbox {
        dir: data.join("outbox"),
    };
    let org = set_up_org(&server);
    let admin = &org.admin;

    // Unconfigured: everything allowed, as before zones existed; 127.0.0.3 logs in.
    let v = server
        .get(Some(admin), "/api/v1/settings/network-zones")
        .expect(200);
    assert_eq!(v["configured"], false, "{v}");
    assert_eq!(v["client_address"], "127.0.0.1", "{v}");
    assert_eq!(v["staff_url"], server.base, "{v}");
    let away = login_via(&server, "127.0.0.3", "tanaka", &[]);
    assert_eq!(away.status, 200, "{}", away.body);
    let away_cookie = cookie(&away);
    assert_eq!(probe(&server, "127.0.0.3", &away_cookie).0, 200);
    let token = server
        .post(
            admin,
            "/api/v1/api-tokens",
            json!({"name": "会計システム連携", "scopes": ["view_contracts"], "expires_in_days": 30}),
        )
        .expect(201);
    let bearer = format!("Bearer {}", token["secret"].as_str().unwrap());

    // Zones that would lock the administrator (at 127.0.0.1) out are refused.
    let lockout = json!({"zones": [
        zone("lgwan", true, &["10.20.0.0/16"], LGWAN_URL),
        zone("internet", false, &["127.0.0.3/32"], INTERNET_URL),
    ]});
    server
        .put(admin, "/api/v1/settings/network-zones", lockout)
        .expect_problem(409, "network_zone_lockout");
    // Bad input names its fields.
    let bad = server.put(
        admin,
        "/api/v1/settings/network-zones",
        json!({"zones": [zone("lgwan", true, &["10.0.0.0/33"], "ftp://x"), zone("internet", true, &[], INTERNET_URL)]}),
    );
    assert_eq!(bad.status, 422, "{}", bad.text());
    let bad = bad.json();
    let fields: Vec<&str> = bad["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "zones.lgwan.cidrs[0]",
            "zones.lgwan.public_url",
            "zones.internet.cidrs"
        ]
    );

    // LGWAN only: 127.0.0.1 (the test's own client) and 10.20.0.0/16 behind the proxy.
    let lgwan_only = json!({"zones": [
        zone("lgwan", true, &["127.0.0.1", "10.20.0.0/16"], LGWAN_URL),
        zone("internet", false, &["127.0.0.3/32"], &format!("{INTERNET_URL}/")),
    ]});
    let v = server
        .put(admin, "/api/v1/settings/network-zones", lgwan_only)
        .expect(200);
    assert_eq!(v["configured"], true, "{v}");
    assert_eq!(v["client_zone"], "lgwan", "{v}");
    assert_eq!(
        v["zones"][0]["cidrs"],
        json!(["127.0.0.1/32", "10.20.0.0/16"])
    );
    assert_eq!(v["zones"][1]["public_url"], INTERNET_URL);
    assert_eq!(
        (v["staff_url"].as_str(), v["counterparty_url"].as_str()),
        (Some(LGWAN_URL), Some(INTERNET_URL))
    );

    // 127.0.0.3 is outside: its login is refused and audited with the address, its existing
    // session and an API token from there too (without restart).
    let refused = login_via(&server, "127.0.0.3", "kacho", &[]);
    assert_eq!(
        (refused.status, refused.code()),
        (403, "outside_network_zone"),
        "{}",
        refused.body
    );
    assert!(
        refused.body["detail_ja"]
            .as_str()
            .unwrap()
            .contains("LGWAN-ASP")
    );
    assert_eq!(
        probe(&server, "127.0.0.3", &away_cookie),
        (403, "outside_network_zone".to_owned())
    );
    let a = via(
        &server,
        "127.0.0.3",
        "GET",
        "/api/v1/contracts",
        &[("Authorization", bearer.as_str())],
        None,
    );
    assert_eq!(
        (a.status, a.code()),
        (403, "outside_network_zone"),
        "{}",
        a.body
    );
    let a = via(
        &server,
        "127.0.0.1",
        "GET",
        "/api/v1/contracts",
        &[("Authorization", bearer.as_str())],
        None,
    );
    assert_eq!(a.status, 200, "{}", a.body);
    let events = refusals(&server, admin, "127.0.0.3");
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["details"]["credential"].as_str().unwrap())
        .collect();
    assert!(
        ["login", "session", "api_token"]
            .iter()
            .all(|k| kinds.contains(k)),
        "{events:?}"
    );
    assert!(
        events.iter().any(|e| e["actor_label"] == "kacho"),
        "{events:?}"
    );
    // A session that keeps trying from outside (a laptop that left the office) is refused every
    // time but written once a minute per address and kind: the chain does not grow with it.
    for _ in 0..6 {
        assert_eq!(probe(&server, "127.0.0.3", &away_cookie).0, 403);
    }
    let sessions = refusals(&server, admin, "127.0.0.3")
        .into_iter()
        .filter(|e| e["details"]["credential"] == "session")
        .count();
    assert!(
        (1..=2).contains(&sessions),
        "{sessions} session refusals written for 7 (a minute may have turned once)"
    );

    // Through the trusted proxy (127.0.0.2) the forwarded address counts: inside LGWAN logs in,
    // outside is refused; from an untrusted peer the same header is ignored.
    let inside = login_via(
        &server,
        "127.0.0.2",
        "kacho",
        &[("Forwarded", "for=10.20.3.4;proto=https")],
    );
    assert_eq!(inside.status, 200, "{}", inside.body);
    let outside = login_via(
        &server,
        "127.0.0.2",
        "kacho",
        &[("X-Forwarded-For", "198.51.100.7")],
    );
    assert_eq!(
        (outside.status, outside.code()),
        (403, "outside_network_zone")
    );
    assert_eq!(refusals(&server, admin, "198.51.100.7").len(), 1);
    let spoofed = login_via(
        &server,
        "127.0.0.3",
        "kacho",
        &[("Forwarded", "for=10.20.3.4")],
    );
    assert_eq!(
        (spoofed.status, spoofed.code()),
        (403, "outside_network_zone")
    );
    assert!(refusals(&server, admin, "10.20.3.4").is_empty());

    // The browser's Origin: the zones' URLs are accepted, another site is not.
    let inside_cookie = cookie(&inside);
    let csrf = inside.body["csrf_token"].as_str().unwrap().to_owned();
    // (The foreign origin first: the accepted one ends the session.)
    for (origin, status) in [("http://evil.example", 403), (LGWAN_URL, 204)] {
        let a = via(
            &server,
            "127.0.0.2",
            "POST",
            "/api/v1/auth/logout",
            &[
                ("Forwarded", "for=10.20.3.4"),
                ("Cookie", inside_cookie.as_str()),
                ("X-CSRF-Token", csrf.as_str()),
                ("Origin", origin),
            ],
            None,
        );
        assert_eq!(a.status, status, "{origin}: {}", a.body);
    }

    // Mails: the approver's (staff) link names the LGWAN URL, the counterparty's the internet
    // URL; so do the concluded contract's mails and its certificate's verification URL.
    let to = "yamada@example.co.jp";
    let cid = send_contract(
        &[&server],
        &org,
        "ネットワーク機器保守契約",
        &corpus(PDF),
        json!([{"organization_name": "株式会社テスト商事", "name": "山田 太郎", "email": to}]),
        false,
    );
    let approver_mail = mail.wait_more("kacho@city.example.lg.jp", 0);
    assert!(
        approver_mail
            .iter()
            .any(|m| m.text.contains(&format!("{LGWAN_URL}/contracts/{cid}"))),
        "{approver_mail:?}"
    );
    let signing = mail.wait_more(to, 0);
    assert!(
        signing[0].text.contains(&format!("{INTERNET_URL}/sign/")),
        "{:?}",
        signing[0].text
    );
    assert!(!signing[0].text.contains(LGWAN_URL));

    // LGWAN outage: the internet zone is switched on (no restart). 127.0.0.3's session is not
    // lost: it works again, and 127.0.0.3 logs in.
    let switched = json!({"zones": [
        zone("lgwan", true, &["127.0.0.1", "10.20.0.0/16"], LGWAN_URL),
        zone("internet", true, &["127.0.0.3/32"], INTERNET_URL),
    ]});
    let v = server
        .put(admin, "/api/v1/settings/network-zones", switched)
        .expect(200);
    assert_eq!(v["zones"][1]["enabled"], true);
    assert_eq!(probe(&server, "127.0.0.3", &away_cookie).0, 200);
    assert_eq!(login_via(&server, "127.0.0.3", "kacho", &[]).status, 200);
    let a = via(
        &server,
        "127.0.0.3",
        "GET",
        "/api/v1/contracts",
        &[("Authorization", bearer.as_str())],
        None,
    );
    assert_eq!(a.status, 200, "{}", a.body);
    // The admin's own session (from LGWAN) kept working throughout.
    server
        .get(Some(admin), "/api/v1/settings/network-zones")
        .expect(200);

    // The counterparty agrees; the concluded contract's mails and certificate.
    let (token, session) = confirm(&server, &mail, to, None);
    agree(&server, &token, &session);
    let detail = wait_concluded(&server, &org.staff, &cid, Duration::from_secs(120));
    let concluded = wait_subject(&mail, "tanaka@city.example.lg.jp", "締結");
    assert!(
        concluded
            .text
            .contains(&format!("{LGWAN_URL}/contracts/{cid}")),
        "{}",
        concluded.text
    );
    let download = wait_subject(&mail, to, "締結");
    assert!(
        download.text.contains(&format!("{INTERNET_URL}/sign/")),
        "{}",
        download.text
    );
    let (_, certificate) = sealed_and_certificate(&detail);
    let pdf = server::download(&server, &org.staff, &cid, &certificate);
    let path = db.dir.join("certificate.pdf");
    std::fs::write(&path, &pdf).unwrap();
    if let Some(text) = helpers::pdftotext(&path) {
        let compact: String = text.split_whitespace().collect();
        assert!(compact.contains(&format!("{INTERNET_URL}/v/")), "{text}");
    }

    // Each change is audited with before and after.
    let v = server
        .get(
            Some(admin),
            "/api/v1/audit-events?action=network_zones.updated",
        )
        .expect(200);
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{v}");
    let last = items.iter().max_by_key(|e| e["seq"].as_i64()).unwrap();
    assert_eq!(
        last["details"]["before"]["zones"][1]["enabled"], false,
        "{last}"
    );
    assert_eq!(
        last["details"]["after"]["zones"][1]["enabled"], true,
        "{last}"
    );

    // Removing the zones lifts the restriction: mails go back to public_url.
    let v = server
        .request(
            "DELETE",
            "/api/v1/settings/network-zones",
            server::Auth::Session(admin),
            server::Body::Empty,
        )
        .expect(200);
    assert_eq!(
        (v["configured"].as_bool(), v["staff_url"].as_str()),
        (Some(false), Some(server.base.as_str()))
    );
    assert!(!server.log().contains("panicked"), "{}", server.log());
}
