//! Fuzzing on the stable toolchain, through the real application: random and mutated bodies
//! (and path segments, query strings, content types) for every public parser — the login, the
//! counterparty's signing endpoints (code, verify, agree, decline, forward) with a live link
//! and session, the public verification upload — and for the staff's file upload. Whatever
//! comes in, the answer is never a 5xx or a panic, every refusal is a problem document with a
//! code, and each answer comes within a time bound.
//!
//! `TACHIAI_FUZZ_ITERATIONS` (default 150 per target) and `TACHIAI_FUZZ_SEED` (default fixed,
//! so CI is reproducible) steer it; a failure prints the seed, target and input to replay.

use std::time::{Duration, Instant};

use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::helpers::{Backend, Session, TestApp, raw_json_login, spawn};
use crate::journey::{SentContract, confirm, sent_contract};
use crate::on_both_databases;
use crate::support::corpus;

on_both_databases!(
    public_parsers_survive_random_and_mutated_input,
    nul_characters_are_refused_not_a_server_error,
);

/// The slowest answer allowed (debug build on a shared CI machine; a hang is far beyond it).
const TIME_BOUND: Duration = Duration::from_secs(5);

/// xorshift64*: small, seedable, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// Up to `max` random bytes.
    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let n = self.below(max + 1);
        (0..n).map(|_| self.next() as u8).collect()
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Values that have broken JSON handlers elsewhere: wrong types, extremes, odd text, depth.
fn interesting(rng: &mut Rng) -> Value {
    let deep = |n: usize| -> Value {
        serde_json::from_str(&format!("{}{}", "[".repeat(n), "]".repeat(n))).unwrap_or(Value::Null)
    };
    match rng.below(16) {
        0 => Value::Null,
        1 => json!(true),
        2 => json!(-1),
        3 => json!(u64::MAX),
        4 => json!(1e308),
        5 => json!(""),
        6 => json!("x".repeat(rng.below(5000))),
        7 => json!("\u{0}\u{202e}𠮷\r\n<script>alert(1)</script>"),
        8 => json!("../../../etc/passwd"),
        9 => json!([]),
        10 => json!({}),
        11 => deep(100),
        12 => json!("123456"),
        13 => json!("a@b"),
        14 => json!({"$ne": null}),
        _ => json!(" ".repeat(rng.below(64)) + "0"),
    }
}

/// One mutation of `seed` (or something unrelated to it), the way coverage-less fuzzers do.
fn mutate(rng: &mut Rng, seed: &[u8], seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut out = seed.to_vec();
    match rng.below(9) {
        0 => return rng.bytes(600),
        1 => {
            for _ in 0..=rng.below(8) {
                if !out.is_empty() {
                    let i = rng.below(out.len());
                    out[i] ^= 1 << rng.below(8);
                }
            }
        }
        2 => {
            let at = rng.below(out.len() + 1);
            let tokens: [&[u8]; 10] = [
                b"\"",
                b"{",
                b"}",
                b"[",
                b"]",
                b",",
                b":",
                b"\\u0000",
                b"\xff\xfe",
                b"null",
            ];
            let t = rng.pick(&tokens).to_vec();
            out.splice(at..at, t);
        }
        3 => {
            if !out.is_empty() {
                let a = rng.below(out.len());
                let b = (a + rng.below(32)).min(out.len());
                out.drain(a..b);
            }
        }
        4 => {
            if !out.is_empty() {
                let a = rng.below(out.len());
                let b = (a + 1 + rng.below(16)).min(out.len());
                let chunk = out[a..b].to_vec();
                for _ in 0..rng.below(200) {
                    out.splice(a..a, chunk.iter().copied());
                }
            }
        }
        5 => {
            let other = rng.pick(seeds);
            let cut = rng.below(out.len() + 1);
            out.truncate(cut);
            out.extend_from_slice(&other[rng.below(other.len() + 1)..]);
        }
        6 => out.truncate(rng.below(out.len() + 1)),
        _ => {
            // Structural: a field replaced, added or removed.
            if let Ok(Value::Object(mut map)) = serde_json::from_slice::<Value>(seed) {
                let keys: Vec<String> = map.keys().cloned().collect();
                match rng.below(3) {
                    0 if !keys.is_empty() => {
                        let k = rng.pick(&keys).clone();
                        map.insert(k, interesting(rng));
                    }
                    1 if !keys.is_empty() => {
                        map.remove(rng.pick(&keys).as_str());
                    }
                    _ => {
                        map.insert(format!("extra{}", rng.below(3)), interesting(rng));
                    }
                }
                out = serde_json::to_vec(&Value::Object(map)).unwrap();
            } else {
                out = serde_json::to_vec(&interesting(rng)).unwrap();
            }
        }
    }
    out
}

/// A path segment an attacker might try instead of a token or id.
fn odd_segment(rng: &mut Rng) -> String {
    let raw = match rng.below(5) {
        0 => "A".repeat(rng.below(3000)),
        1 => "..%2F..%2Fetc%2Fpasswd".to_owned(),
        2 => "%00%ff%fe".to_owned(),
        3 => "00000000-0000-0000-0000-000000000000".to_owned(),
        _ => data_encoding::BASE64URL_NOPAD.encode(&rng.bytes(64)),
    };
    if raw.is_empty() { "x".to_owned() } else { raw }
}

/// One fuzzing target: where its input goes and what a valid input looks like.
struct Target {
    name: &'static str,
    method: &'static str,
    /// Path, possibly with the query string.
    path: String,
    /// Headers every request carries (credentials).
    headers: Vec<(&'static str, String)>,
    content_type: &'static str,
    seeds: Vec<Vec<u8>>,
}

#[derive(Default)]
struct Tally {
    requests: u64,
    by_status: std::collections::BTreeMap<u16, u64>,
    slowest: Duration,
}

async fn fire<S, B>(
    app: &TestApp<S>,
    target: &Target,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
    seed: u64,
    tally: &mut Tally,
) where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let mut req = match target.method {
        "GET" => TestRequest::get(),
        _ => TestRequest::post(),
    }
    .uri(path);
    for (name, value) in &target.headers {
        req = req.insert_header((*name, value.clone()));
    }
    if let Some(ct) = content_type {
        req = req.insert_header(("Content-Type", ct));
    }
    let shown = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
    let started = Instant::now();
    let (status, answer, _) = app.send(req.set_payload(body)).await;
    let took = started.elapsed();
    let replay = || {
        format!(
            "TACHIAI_FUZZ_SEED={seed} target {} {path} content-type {content_type:?} body {shown:?}",
            target.name
        )
    };
    assert!(status.as_u16() < 500, "{status} {answer} for {}", replay());
    if status.as_u16() >= 400 {
        assert!(
            answer["code"].as_str().is_some_and(|c| !c.is_empty()),
            "{status} without a problem code: {answer} for {}",
            replay()
        );
    }
    assert!(took < TIME_BOUND, "{took:?} for {}", replay());
    tally.requests += 1;
    *tally.by_status.entry(status.as_u16()).or_default() += 1;
    tally.slowest = tally.slowest.max(took);
}

async fn public_parsers_survive_random_and_mutated_input(backend: Backend) {
    let iterations: usize = std::env::var("TACHIAI_FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150);
    let seed: u64 = std::env::var("TACHIAI_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x7ac1_a1f0_2026)
        .max(1);
    let Some(app) = spawn(backend).await else {
        return;
    };
    let SentContract { admin, staff, .. } = sent_contract(
        &app,
        json!([{"organization_name": "株式会社テスト商事", "name": "山田 太郎",
                "email": "yamada@example.co.jp"}]),
        true,
    )
    .await;
    let (token, signing_session) = confirm(&app, "yamada@example.co.jp", None).await;
    let (_, draft) = app
        .post(
            &staff,
            "/api/v1/contracts",
            json!({"title": "ファジング用", "counterparty_name": "株式会社テスト商事"}),
        )
        .await;
    let draft_id = draft["id"].as_str().unwrap().to_owned();

    let json_seeds = |values: &[Value]| -> Vec<Vec<u8>> {
        values
            .iter()
            .map(|v| serde_json::to_vec(v).unwrap())
            .collect()
    };
    let signed_in = vec![("Authorization", format!("Bearer {signing_session}"))];
    let staff_session = |s: &Session| {
        vec![
            ("Cookie", format!("tachiai_session={}", s.cookie)),
            ("X-CSRF-Token", s.csrf.clone()),
        ]
    };
    let pdfs = vec![
        corpus("reportlab-acroform.pdf"),
        corpus("not-a-pdf-docx-renamed.pdf"),
        b"%PDF-1.7\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF".to_vec(),
    ];
    let targets = vec![
        Target {
            name: "login",
            method: "POST",
            path: "/api/v1/auth/login".into(),
            headers: vec![],
            content_type: "application/json",
            seeds: json_seeds(&[
                json!({"tenant_code": "dev", "login_id": "admin", "password": "wrong", "totp_code": null}),
                json!({"tenant_code": "dev", "login_id": "tanaka", "password": "x", "totp_code": "123456"}),
            ]),
        },
        Target {
            name: "signing code",
            method: "POST",
            path: format!("/api/v1/signing/{token}/code"),
            headers: vec![],
            content_type: "application/json",
            seeds: json_seeds(&[json!({})]),
        },
        Target {
            name: "signing verify",
            method: "POST",
            path: format!("/api/v1/signing/{token}/verify"),
            headers: vec![],
            content_type: "application/json",
            seeds: json_seeds(&[
                json!({"code": "123456", "access_code": null}),
                json!({"code": "000000", "access_code": "8831"}),
            ]),
        },
        Target {
            name: "signing forward",
            method: "POST",
            path: format!("/api/v1/signing/{token}/forward"),
            headers: signed_in.clone(),
            content_type: "application/json",
            seeds: json_seeds(&[json!({"name": "佐藤 花子", "email": "sato@example.co.jp",
                                       "organization_name": "株式会社テスト商事"})]),
        },
        Target {
            name: "signing decline",
            method: "POST",
            path: format!("/api/v1/signing/{token}/decline"),
            headers: signed_in.clone(),
            content_type: "application/json",
            // Valid reasons would end the contract at once: the seed is one field short.
            seeds: json_seeds(&[json!({"reason": ""}), json!({"reason": null})]),
        },
        Target {
            name: "signing agree",
            method: "POST",
            path: format!("/api/v1/signing/{token}/agree"),
            headers: signed_in,
            content_type: "application/json",
            seeds: json_seeds(&[json!({"consent": false}), json!({"consent": "true"})]),
        },
        Target {
            name: "public verify upload",
            method: "POST",
            path: "/api/v1/verify".into(),
            headers: vec![],
            content_type: "application/pdf",
            seeds: pdfs.clone(),
        },
        Target {
            name: "document upload",
            method: "POST",
            path: format!("/api/v1/contracts/{draft_id}/documents?role=attachment&file_name=a.pdf"),
            headers: staff_session(&staff),
            content_type: "application/pdf",
            seeds: pdfs,
        },
    ];

    let mut rng = Rng(seed);
    let content_types = [
        None,
        Some("text/plain"),
        Some("application/json; charset=utf-16"),
        Some("multipart/form-data; boundary=x"),
        Some("application/x-www-form-urlencoded"),
    ];
    let started = Instant::now();
    let mut tally = Tally::default();
    for target in &targets {
        for i in 0..iterations {
            let seed_body = rng.pick(&target.seeds).clone();
            let body = mutate(&mut rng, &seed_body, &target.seeds);
            // Mostly the right content type, sometimes another or none.
            let ct = if rng.below(8) == 0 {
                *rng.pick(&content_types)
            } else {
                Some(target.content_type)
            };
            // Now and then the token, id or query string is what gets mangled instead.
            let path = match (i % 10, target.path.find('?')) {
                (0, Some(q)) => format!(
                    "{}?role={}&file_name={}",
                    &target.path[..q],
                    odd_segment(&mut rng),
                    odd_segment(&mut rng)
                ),
                (0, None) if target.path.contains(&token) => {
                    target.path.replace(&token, &odd_segment(&mut rng))
                }
                _ => target.path.clone(),
            };
            fire(&app, target, &path, ct, body, seed, &mut tally).await;
        }
    }
    for _ in 0..iterations {
        let path = format!("/api/v1/public/contracts/{}", odd_segment(&mut rng));
        let get = Target {
            name: "public contract",
            method: "GET",
            path: path.clone(),
            headers: vec![],
            content_type: "application/json",
            seeds: vec![],
        };
        fire(&app, &get, &path, None, Vec::new(), seed, &mut tally).await;
    }
    let elapsed = started.elapsed();
    eprintln!(
        "fuzz ({backend:?}): {} requests in {elapsed:.1?} ({:.0}/s), slowest {:.1?}, statuses {:?}",
        tally.requests,
        tally.requests as f64 / elapsed.as_secs_f64(),
        tally.slowest,
        tally.by_status
    );
    // The application still serves its users afterwards.
    let (st, _) = app.get(&admin, "/api/v1/contracts").await;
    assert_eq!(st, 200);
}

/// Found by the fuzz test: PostgreSQL cannot store U+0000, so a NUL anywhere in the input
/// reached the database and answered 500 there (SQLite stored it). Refused at the door now.
async fn nul_characters_are_refused_not_a_server_error(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let (st, v, _) = app
        .send(raw_json_login(
            r#"{"tenant_code":"dev","login_id":"ta\u0000naka","password":"x","totp_code":"123456"}"#,
        ))
        .await;
    crate::helpers::assert_problem(&(st, v), 400, "malformed_request");
    let admin = app.admin().await;
    for path in [
        "/api/v1/public/contracts/abc%00def",
        "/api/v1/audit-events?action=%00",
        "/api/v1/signing/%00/code",
    ] {
        let (st, v, _) = app
            .send(
                TestRequest::get()
                    .uri(path)
                    .insert_header(("Cookie", format!("tachiai_session={}", admin.cookie))),
            )
            .await;
        crate::helpers::assert_problem(&(st, v), 400, "malformed_request");
    }
    // An escaped backslash before "u0000" is ordinary text, and bodies pass through intact.
    let (st, dept) = app
        .post(
            &admin,
            "/api/v1/departments",
            json!({"name": "総務課\\u0000"}),
        )
        .await;
    assert_eq!(st, 201, "{dept}");
    assert_eq!(dept["name"], "総務課\\u0000");
    // The log-in still works, on both databases.
    assert_eq!(app.get(&admin, "/api/v1/contracts").await.0, 200);
}
