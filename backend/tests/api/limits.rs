//! Idempotency keys (`Idempotency-Key`) and rate limits (`RateLimit-*`, 429 `rate_limited`):
//! a retried POST acts once, a reused key with another body is refused, per-token limits follow
//! the tenant's setting and are not shared across tokens or tenants, and anonymous callers are
//! counted per source address.

use actix_web::http::StatusCode;
use actix_web::http::header::HeaderMap;
use actix_web::test::TestRequest;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{Backend, assert_problem, id, spawn, spawn_with};
use crate::on_both_databases;

on_both_databases!(
    a_retried_post_acts_once,
    concurrent_duplicates_act_once,
    token_limits_follow_the_tenant_setting,
    anonymous_callers_are_limited_per_address,
);

fn contract(title: &str) -> Value {
    json!({"title": title, "counterparty_name": "株式会社再送", "amount_yen": 10_000})
}

/// A POST of `body` to `/api/v1/contracts` with an API token and an idempotency key.
fn create(secret: &str, key: &str, body: Value) -> TestRequest {
    TestRequest::post()
        .uri("/api/v1/contracts")
        .insert_header(("Authorization", format!("Bearer {secret}")))
        .insert_header(("Idempotency-Key", key))
        .set_json(body)
}

fn bearer_get(secret: &str, path: &str) -> TestRequest {
    TestRequest::get()
        .uri(path)
        .insert_header(("Authorization", format!("Bearer {secret}")))
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// `(limit, remaining)` of the `RateLimit-*` headers.
fn quota(h: &HeaderMap) -> (u32, u32) {
    let n = |name| {
        header(h, name)
            .unwrap_or_else(|| panic!("no {name}"))
            .parse()
            .unwrap()
    };
    (n("ratelimit-limit"), n("ratelimit-remaining"))
}

/// A token of `s`'s user that may view and create contracts.
macro_rules! token {
    ($app:expr, $s:expr) => {{
        let (st, v) = $app
            .post(
                $s,
                "/api/v1/api-tokens",
                json!({"name": "連携", "scopes": ["view_contracts", "create_contracts"]}),
            )
            .await;
        assert_eq!(st, 201, "{v}");
        v["secret"].as_str().unwrap().to_owned()
    }};
}

macro_rules! contract_count {
    ($app:expr, $s:expr) => {{
        let (st, list) = $app.get($s, "/api/v1/contracts").await;
        assert_eq!(st, 200, "{list}");
        list["total"].as_u64().unwrap()
    }};
}

async fn a_retried_post_acts_once(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let secret = token!(app, &admin);

    let (st, first, h) = app.send(create(&secret, "order-1", contract("初回"))).await;
    assert_eq!(st, 201, "{first}");
    assert_eq!(header(&h, "idempotent-replayed"), None);
    // The answer was lost; the client retries: the first answer again, nothing done twice.
    let (st, again, h) = app.send(create(&secret, "order-1", contract("初回"))).await;
    assert_eq!((st.as_u16(), &again), (201, &first));
    assert_eq!(header(&h, "idempotent-replayed"), Some("true"));
    assert_eq!(header(&h, "content-type"), Some("application/json"));
    assert_eq!(contract_count!(app, &admin), 1);

    // The same key with another body is a client bug, not a retry.
    let (st, v, _) = app
        .send(create(&secret, "order-1", contract("別内容")))
        .await;
    assert_problem(&(st, v), 422, "idempotency_key_reused");
    assert_eq!(contract_count!(app, &admin), 1);

    // Keys belong to one credential: the admin's session with the same key acts on its own,
    // and its own retry (cookie + CSRF) is replayed.
    let by_session = |title: &str| {
        TestRequest::post()
            .uri("/api/v1/contracts")
            .insert_header(("Cookie", format!("tachiai_session={}", admin.cookie)))
            .insert_header(("X-CSRF-Token", admin.csrf.clone()))
            .insert_header(("Idempotency-Key", "order-1"))
            .set_json(contract(title))
    };
    let (st, mine, _) = app.send(by_session("初回")).await;
    assert_eq!(st, 201, "{mine}");
    assert_ne!(id(&mine), id(&first));
    let (st, mine_again, h) = app.send(by_session("初回")).await;
    assert_eq!((st.as_u16(), &mine_again), (201, &mine));
    assert_eq!(header(&h, "idempotent-replayed"), Some("true"));
    assert_eq!(contract_count!(app, &admin), 2);

    // A refusal is an answer too: kept and replayed, not acted on again.
    let (st, bad, _) = app
        .send(create(
            &secret,
            "order-2",
            json!({"title": "", "counterparty_name": "株式会社再送"}),
        ))
        .await;
    assert_eq!(st, 422, "{bad}");
    let (st, bad_again, h) = app
        .send(create(
            &secret,
            "order-2",
            json!({"title": "", "counterparty_name": "株式会社再送"}),
        ))
        .await;
    assert_eq!((st.as_u16(), &bad_again), (422, &bad));
    assert_eq!(header(&h, "idempotent-replayed"), Some("true"));

    // An answer showing a secret once (a new API token) is not kept: a retry is refused
    // rather than acting twice or storing the secret.
    let new_token = || {
        TestRequest::post()
            .uri("/api/v1/api-tokens")
            .insert_header(("Cookie", format!("tachiai_session={}", admin.cookie)))
            .insert_header(("X-CSRF-Token", admin.csrf.clone()))
            .insert_header(("Idempotency-Key", "token-1"))
            .set_json(json!({"name": "再送", "scopes": ["view_contracts"]}))
    };
    let (st, issued, _) = app.send(new_token()).await;
    assert_eq!(st, 201, "{issued}");
    let (st, v, _) = app.send(new_token()).await;
    assert_problem(&(st, v), 409, "idempotency_response_not_stored");
    let (tokens, kept): (i64, Vec<Option<String>>) = app.with_conn(|conn| {
        use backend::db::schema::api_tokens::dsl as t;
        use backend::db::schema::idempotency_keys::dsl as k;
        let tokens = t::api_tokens.count().get_result(conn).unwrap();
        let kept = k::idempotency_keys
            .filter(k::idempotency_key.eq("token-1"))
            .select(k::response_body)
            .load(conn)
            .unwrap();
        (tokens, kept)
    });
    assert_eq!((tokens, kept), (2, vec![None]));

    // Keys: 1-255 printable ASCII characters.
    for key in ["k".repeat(256), "鍵".to_owned()] {
        let req = TestRequest::post()
            .uri("/api/v1/contracts")
            .insert_header(("Authorization", format!("Bearer {secret}")))
            .insert_header((
                actix_web::http::header::HeaderName::from_static("idempotency-key"),
                actix_web::http::header::HeaderValue::from_bytes(key.as_bytes()).unwrap(),
            ))
            .set_json(contract("不正なキー"));
        let (st, v, _) = app.send(req).await;
        assert_problem(&(st, v), 400, "idempotency_key_invalid");
    }
    assert_eq!(contract_count!(app, &admin), 2);

    // After a day the key is forgotten: the same request acts anew, and housekeeping removes
    // expired keys.
    app.with_conn(|conn| {
        use backend::db::schema::idempotency_keys::dsl as k;
        diesel::update(k::idempotency_keys)
            .set(k::expires_at.eq(1))
            .execute(conn)
            .unwrap();
    });
    let (st, later, h) = app.send(create(&secret, "order-1", contract("初回"))).await;
    assert_eq!(st, 201, "{later}");
    assert_ne!(id(&later), id(&first));
    assert_eq!(header(&h, "idempotent-replayed"), None);
    let purged = app.with_conn(|conn| {
        backend::workflow::idempotency::purge_expired(conn, backend::clock::Millis::now()).unwrap()
    });
    assert_eq!(
        purged, 3,
        "the session's, order-2's and token-1's keys expired; order-1's is new"
    );
}

async fn concurrent_duplicates_act_once(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let secret = token!(app, &admin);
    let body = contract("同時送信");
    let (a, b, c) = futures_util::future::join3(
        app.send(create(&secret, "twice", body.clone())),
        app.send(create(&secret, "twice", body.clone())),
        app.send(create(&secret, "twice", body.clone())),
    )
    .await;
    let created: Vec<&Value> = [&a, &b, &c]
        .into_iter()
        .filter(|(st, _, h)| {
            *st == StatusCode::CREATED && header(h, "idempotent-replayed").is_none()
        })
        .map(|(_, v, _)| v)
        .collect();
    assert_eq!(created.len(), 1, "{a:?}\n{b:?}\n{c:?}");
    for (st, v, h) in [&a, &b, &c] {
        match st.as_u16() {
            201 => assert_eq!(v, created[0]),
            409 => {
                assert_problem(&(*st, v.clone()), 409, "idempotency_key_in_progress");
                assert_eq!(header(h, "retry-after"), Some("1"));
            }
            other => panic!("{other}: {v}"),
        }
    }
    assert_eq!(contract_count!(app, &admin), 1);
    // Once the first is done, every retry gets its answer.
    let (st, v, h) = app.send(create(&secret, "twice", body)).await;
    assert_eq!((st.as_u16(), &v), (201, created[0]));
    assert_eq!(header(&h, "idempotent-replayed"), Some("true"));
}

/// `PUT /api/v1/settings/rate-limit`: `(status, body)`.
macro_rules! set_limit {
    ($app:expr, $s:expr, $body:expr) => {{
        let (st, v) = $app.put($s, "/api/v1/settings/rate-limit", $body).await;
        (st.as_u16(), v)
    }};
}

async fn token_limits_follow_the_tenant_setting(backend: Backend) {
    let Some(app) = spawn_with(backend, &[("TACHIAI_RATE_LIMIT_TOKEN_PER_MINUTE", "3")]).await
    else {
        return;
    };
    let admin = app.admin().await;
    let a = token!(app, &admin);
    let b = token!(app, &admin);
    let other_admin = app.other_tenant_admin().await;
    let c = token!(app, &other_admin);

    // A burst of three, then 429 with when to come back (3 a minute: one every 20 s).
    for left in [2, 1, 0] {
        let (st, v, h) = app.send(bearer_get(&a, "/api/v1/contracts")).await;
        assert_eq!(st, 200, "{v}");
        assert_eq!(quota(&h), (3, left));
        assert_eq!(header(&h, "ratelimit-policy"), Some("3;w=60"));
    }
    let (st, v, h) = app.send(bearer_get(&a, "/api/v1/contracts")).await;
    assert_problem(&(st, v), 429, "rate_limited");
    assert_eq!(header(&h, "retry-after"), Some("20"));
    assert_eq!(quota(&h), (3, 0));
    assert_eq!(header(&h, "ratelimit-reset"), Some("60"));
    // An idempotent POST is refused before it acts.
    let (st, _, _) = app.send(create(&a, "limited", contract("制限中"))).await;
    assert_eq!(st, 429);

    // Per token, and not shared with another tenant; the session is not counted.
    let (st, _, h) = app.send(bearer_get(&b, "/api/v1/contracts")).await;
    assert_eq!((st.as_u16(), quota(&h)), (200, (3, 2)));
    let (st, _, h) = app.send(bearer_get(&c, "/api/v1/contracts")).await;
    assert_eq!((st.as_u16(), quota(&h)), (200, (3, 2)));
    for _ in 0..5 {
        let (st, _, h) = app
            .send(
                TestRequest::get()
                    .uri("/api/v1/contracts")
                    .insert_header(("Cookie", format!("tachiai_session={}", admin.cookie))),
            )
            .await;
        assert_eq!(st, 200);
        assert!(h.get("ratelimit-limit").is_none());
    }

    // The tenant raises its limit: at once, for its tokens only.
    let (st, v) = app.get(&admin, "/api/v1/settings/rate-limit").await;
    assert_eq!(
        (st.as_u16(), &v),
        (
            200,
            &json!({"token_requests_per_minute": 3, "is_default": true})
        )
    );
    let (st, v) = set_limit!(app, &admin, json!({"token_requests_per_minute": 5}));
    assert_eq!(
        (st, &v),
        (
            200,
            &json!({"token_requests_per_minute": 5, "is_default": false})
        )
    );
    let (st, _, h) = app.send(bearer_get(&a, "/api/v1/contracts")).await;
    assert_eq!((st.as_u16(), quota(&h)), (200, (5, 4)));
    let (st, _, h) = app.send(bearer_get(&c, "/api/v1/contracts")).await;
    assert_eq!((st.as_u16(), quota(&h)), (200, (3, 1)));

    // Out of range is refused; null is the server's default again.
    for bad in [
        json!({"token_requests_per_minute": 0}),
        json!({"token_requests_per_minute": 100_001}),
    ] {
        let (st, v) = set_limit!(app, &admin, bad);
        assert_eq!(
            (st, v["errors"][0]["field"].as_str()),
            (422, Some("token_requests_per_minute"))
        );
    }
    let (st, v) = set_limit!(app, &admin, json!({"token_requests_per_minute": null}));
    assert_eq!(
        (st, &v),
        (
            200,
            &json!({"token_requests_per_minute": 3, "is_default": true})
        )
    );
    // Only administrators set it; another tenant's setting is its own.
    let (st, v) = app.get(&other_admin, "/api/v1/settings/rate-limit").await;
    assert_eq!((st.as_u16(), v["is_default"].as_bool()), (200, Some(true)));
    let audited: i64 = app.with_conn(|conn| {
        use backend::db::schema::audit_events::dsl as e;
        e::audit_events
            .filter(e::action.eq("settings.rate_limit_updated"))
            .count()
            .get_result(conn)
            .unwrap()
    });
    assert_eq!(audited, 2);
}

async fn anonymous_callers_are_limited_per_address(backend: Backend) {
    let Some(app) = spawn_with(
        backend,
        &[
            ("TACHIAI_RATE_LIMIT_ANONYMOUS_PER_MINUTE", "2"),
            ("TACHIAI_RATE_LIMIT_LOGIN_PER_MINUTE", "2"),
            ("TACHIAI_TRUSTED_PROXIES", "127.0.0.1"),
        ],
    )
    .await
    else {
        return;
    };
    let public = || TestRequest::get().uri("/api/v1/public/contracts/unknown");
    // The public verification page's lookup, from two source addresses.
    for left in [1, 0] {
        let (st, _, h) = app.send_from("127.0.0.2:50000", public()).await;
        assert_eq!((st.as_u16(), quota(&h)), (404, (2, left)));
    }
    let (st, v, h) = app.send_from("127.0.0.2:50001", public()).await;
    assert_problem(&(st, v), 429, "rate_limited");
    assert_eq!(header(&h, "retry-after"), Some("30"));
    let (st, _, h) = app.send_from("127.0.0.3:50000", public()).await;
    assert_eq!((st.as_u16(), quota(&h)), (404, (2, 1)));
    // A forwarded address counts only from a trusted proxy: from 127.0.0.2 it is ignored.
    let forwarded = |client: &str| public().insert_header(("Forwarded", format!("for={client}")));
    let (st, _, _) = app
        .send_from("127.0.0.2:50002", forwarded("198.51.100.7"))
        .await;
    assert_eq!(st, 429);
    for _ in 0..2 {
        let (st, _, _) = app
            .send_from("127.0.0.1:50000", forwarded("198.51.100.7"))
            .await;
        assert_eq!(st, 404);
    }
    let (st, _, _) = app
        .send_from("127.0.0.1:50000", forwarded("198.51.100.7"))
        .await;
    assert_eq!(st, 429);
    let (st, _, _) = app
        .send_from("127.0.0.1:50000", forwarded("198.51.100.8"))
        .await;
    assert_eq!(st, 404);
    // The health probe is never limited.
    let (st, _, h) = app
        .send_from("127.0.0.2:50003", TestRequest::get().uri("/api/v1/health"))
        .await;
    assert_eq!(st, 200);
    assert!(h.get("ratelimit-limit").is_none());

    // The login has its own, stricter count: the third attempt is refused even with the right
    // password; another address may still log in.
    let login = |password: &str| {
        TestRequest::post()
            .uri("/api/v1/auth/login")
            .set_json(json!({"tenant_code": "dev", "login_id": "admin", "password": password}))
    };
    for _ in 0..2 {
        let (st, _, _) = app
            .send_from("127.0.0.4:50000", login("wrong password 1"))
            .await;
        assert_eq!(st, 401);
    }
    let (st, v, h) = app
        .send_from("127.0.0.4:50000", login(crate::helpers::ADMIN_PASSWORD))
        .await;
    assert_problem(&(st, v), 429, "rate_limited");
    assert!(header(&h, "retry-after").is_some());
    let (st, v, _) = app
        .send_from("127.0.0.5:50000", login(crate::helpers::ADMIN_PASSWORD))
        .await;
    assert_eq!(st, 200, "{v}");
}
