//! Login, sessions, lockout, passwords and TOTP.

use actix_web::test::TestRequest;
use serde_json::json;

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::{
    ADMIN_PASSWORD, Backend, Session, TestDb, assert_problem, spawn, user_password,
};
use crate::on_both_databases;
use crate::server::{Auth, Body, Mailbox, Server};

on_both_databases!(
    health_names_the_database_and_schema,
    login_sets_a_hardened_cookie_and_returns_the_csrf_token,
    login_answers_alike_for_unknown_disabled_locked_accounts_and_wrong_passwords,
    parallel_wrong_passwords_lock_the_account_at_exactly_the_limit,
    parallel_guesses_from_one_address_stop_at_the_throttle,
    totp_secrets_are_encrypted_at_rest_and_follow_a_key_rotation,
    a_stolen_session_cannot_guess_the_password_without_limit,
    requests_without_a_valid_session_are_401,
    state_changes_need_the_csrf_token_and_a_same_site_origin,
    logout_and_idle_timeout_end_the_session,
    password_change_follows_the_policy_and_admin_reset_forces_a_new_one,
    totp_is_a_second_step_once_enabled_and_can_be_required,
    disabled_users_cannot_log_in_and_lose_their_sessions,
    a_refused_initial_admin_password_names_the_rule,
);

/// `tachiai serve` on an empty database with `TACHIAI_INITIAL_ADMIN_PASSWORD` set: a password
/// the policy refuses stops the start with the rule it breaks, and creates nothing.
async fn a_refused_initial_admin_password_names_the_rule(backend: Backend) {
    let Some(db) = TestDb::create(backend) else {
        return;
    };
    for (password, rule) in [
        ("Admin-2026-secret", "it must not contain the login ID"),
        ("short-1", "it must be 12 to 128 characters long"),
        (
            "no-digits-at-all",
            "it must contain at least one letter and one digit",
        ),
    ] {
        let config =
            crate::helpers::config_with(&db, &[("TACHIAI_INITIAL_ADMIN_PASSWORD", password)]);
        let pool = backend::db::connect(
            &backend::db::DatabaseUrl::parse(&db.url),
            config.db_pool_size,
        )
        .unwrap();
        let refused = backend::startup::ensure_initial_tenant(&pool, &config)
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            refused,
            Some(format!(
                "TACHIAI_INITIAL_ADMIN_PASSWORD (initial_admin_password) is refused: {rule} \
                 (the admin's login ID is \"admin\")"
            ))
        );
        let mut conn = pool.get().unwrap();
        assert_eq!(backend::db::queries::tenants::count(&mut conn).unwrap(), 0);
    }
}

async fn health_names_the_database_and_schema(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let (st, body, _) = app.send(TestRequest::get().uri("/api/v1/health")).await;
    assert_eq!(st, 200);
    let expected = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert_eq!(body["database"], expected);
    // The newest migration, e.g. `2026-11-25-200000_contracts` → "20261125200000".
    let newest = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations/sqlite"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .max()
        .unwrap();
    let version: String = newest
        .split('_')
        .next()
        .unwrap()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    assert_eq!(body["schema_version"], version.as_str());
}

async fn login_sets_a_hardened_cookie_and_returns_the_csrf_token(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let req = TestRequest::post()
        .uri("/api/v1/auth/login")
        .set_json(json!({"tenant_code": "dev", "login_id": "admin", "password": ADMIN_PASSWORD}));
    let (st, body, headers) = app.send(req).await;
    assert_eq!(st, 200, "{body}");
    let cookie = headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(cookie.starts_with("tachiai_session="));
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
            && cookie.contains("Path=/")
    );
    assert!(
        !cookie.contains("Secure"),
        "plain http public URL: no Secure attribute"
    );
    assert_eq!(body["csrf_token"].as_str().unwrap().len(), 43);
    assert!(
        body["me"]["permissions"]
            .as_array()
            .unwrap()
            .contains(&json!("manage_users"))
    );
    assert_eq!(body["me"]["tenant"]["code"], "dev");

    // A second login rotates: the old session stops working once a new one is made from it.
    let first = app.admin().await;
    let req = TestRequest::post()
        .uri("/api/v1/auth/login")
        .insert_header(("Cookie", format!("tachiai_session={}", first.cookie)))
        .set_json(json!({"tenant_code": "dev", "login_id": "admin", "password": ADMIN_PASSWORD}));
    assert_eq!(app.send(req).await.0, 200);
    app.assert_session_ended(&first).await;
}

/// The answer (status and body) of a failed login, and how long it took.
async fn failed_login<S, B>(
    app: &crate::helpers::TestApp<S>,
    tenant: &str,
    login_id: &str,
    password: &str,
) -> ((actix_web::http::StatusCode, Value), Duration)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let started = Instant::now();
    let e = app
        .try_login(tenant, login_id, password, None)
        .await
        .expect_err("the login must fail");
    (e, started.elapsed())
}

async fn login_answers_alike_for_unknown_disabled_locked_accounts_and_wrong_passwords(
    backend: Backend,
) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    app.create_user(&admin, "tanaka", &["staff"], &[]).await;
    let ito = app.create_user(&admin, "ito", &["viewer"], &[]).await;
    assert_eq!(
        app.post(&admin, &format!("/api/v1/users/{ito}/disable"), json!(null))
            .await
            .0,
        200
    );
    // Five wrong passwords lock tanaka; every answer is the same.
    let mut wrong = Vec::new();
    for _ in 0..5 {
        wrong.push(failed_login(&app, "dev", "tanaka", "wrong password 1").await);
    }
    let reference = wrong[0].0.clone();
    assert_problem(&reference, 401, "invalid_credentials");
    let right = user_password("tanaka");
    let ito_right = user_password("ito");
    let mut cases = vec![
        (
            "locked, right password",
            failed_login(&app, "dev", "tanaka", &right).await,
        ),
        (
            "disabled, right password",
            failed_login(&app, "dev", "ito", &ito_right).await,
        ),
        (
            "unknown login ID",
            failed_login(&app, "dev", "nobody", "x").await,
        ),
        (
            "unknown tenant",
            failed_login(&app, "nowhere", "tanaka", &right).await,
        ),
    ];
    cases.extend(wrong.into_iter().map(|w| ("wrong password", w)));
    // Alike but for the request ID, which every answer carries its own of.
    let alike = |answer: &(actix_web::http::StatusCode, serde_json::Value)| {
        let mut body = answer.1.clone();
        if let Some(fields) = body.as_object_mut() {
            fields.remove("request_id");
        }
        (answer.0, body)
    };
    for (what, (answer, _)) in &cases {
        assert_eq!(
            alike(answer),
            alike(&reference),
            "{what} answers differently"
        );
    }
    // Unknown and locked accounts do the argon2 work too: no case is much faster than a wrong
    // password (without it they answer in about a millisecond, with it in tens).
    let fastest_wrong = cases
        .iter()
        .filter(|(w, _)| *w == "wrong password")
        .map(|(_, (_, t))| *t)
        .min()
        .unwrap();
    for (what, (_, took)) in &cases {
        assert!(
            took.as_secs_f64() > fastest_wrong.as_secs_f64() * 0.3,
            "{what} took {took:?}, a wrong password at least {fastest_wrong:?}"
        );
    }

    // The audit log keeps the real reasons, and tanaka is told by mail that the account is locked.
    let (_, log) = app
        .get(
            &admin,
            "/api/v1/audit-events?action=auth.login_failed&per_page=100",
        )
        .await;
    let reasons: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["details"]["reason"].as_str().unwrap())
        .collect();
    for reason in ["wrong_password", "locked", "disabled", "unknown_login_id"] {
        assert!(reasons.contains(&reason), "{reason} in {reasons:?}");
    }
    let (_, locked) = app
        .get(&admin, "/api/v1/audit-events?action=auth.account_locked")
        .await;
    assert_eq!(locked["total"], 1, "{locked}");
    let registry = backend::startup::job_registry(&app.state).unwrap();
    let state = app.state.clone();
    actix_web::web::block(move || backend::jobs::run_until_idle(&state.pool, &registry).unwrap())
        .await
        .unwrap();
    let mails = Mailbox {
        dir: app.state.config.data_dir.join("outbox"),
    }
    .to("tanaka@city.example.lg.jp");
    assert_eq!(mails.len(), 1, "one lock, one mail");
    assert!(
        mails[0].subject.contains("アカウントがロックされました"),
        "{}",
        mails[0].subject
    );
    assert!(mails[0].text.contains("locked until"), "{}", mails[0].text);

    // An admin reset lifts the lock.
    let tanaka = app.get(&admin, "/api/v1/users?q=tanaka").await.1["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, reset) = app
        .post(
            &admin,
            &format!("/api/v1/users/{tanaka}/reset-password"),
            json!(null),
        )
        .await;
    app.login("dev", "tanaka", reset["initial_password"].as_str().unwrap())
        .await;
}

/// `n` logins at once against `server`, started together; their replies in order.
fn parallel_logins(server: &Server, n: usize, login_id: &str, password: &str) -> Vec<(u16, Value)> {
    let start = std::sync::Barrier::new(n);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .map(|_| {
                let start = &start;
                scope.spawn(move || {
                    start.wait();
                    let r = server.request(
                        "POST",
                        "/api/v1/auth/login",
                        Auth::None,
                        Body::Json(json!({"tenant_code": "dev", "login_id": login_id,
                                          "password": password, "totp_code": null})),
                    );
                    (r.status, r.json())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// Login failures of the audit log by their recorded reason.
fn failure_reasons(server: &Server, admin: &Session) -> Vec<String> {
    let log = server
        .get(
            Some(admin),
            "/api/v1/audit-events?action=auth.login_failed&per_page=500",
        )
        .expect(200);
    log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["details"]["reason"].as_str().unwrap().to_owned())
        .collect()
}

async fn parallel_wrong_passwords_lock_the_account_at_exactly_the_limit(backend: Backend) {
    let Some(db) = TestDb::create(backend) else {
        return;
    };
    let data = db.dir.join("data");
    let server = Server::start(
        "login-flood",
        &db,
        &data,
        &[("TACHIAI_IP_MAX_FAILURES", "1000")],
    );
    let admin = server.login("admin", ADMIN_PASSWORD);
    server
        .post(
            &admin,
            "/api/v1/users",
            json!({"login_id": "tanaka", "name": "田中 一郎", "email": "tanaka@city.example.lg.jp",
                   "roles": ["staff"], "password": user_password("tanaka")}),
        )
        .expect(201);

    let started = Instant::now();
    let replies = parallel_logins(&server, 20, "tanaka", "wrong password 1");
    eprintln!(
        "20 parallel wrong logins answered in {:?}",
        started.elapsed()
    );
    for (status, body) in &replies {
        assert_eq!(
            (*status, body["code"].as_str()),
            (401, Some("invalid_credentials"))
        );
    }
    // Exactly the allowance (5) was checked against the password; the rest met the lock.
    let reasons = failure_reasons(&server, &admin);
    let checked = reasons.iter().filter(|r| *r == "wrong_password").count();
    let locked = reasons.iter().filter(|r| *r == "locked").count();
    assert_eq!((checked, locked), (5, 15), "{reasons:?}");
    let locks = server
        .get(
            Some(&admin),
            "/api/v1/audit-events?action=auth.account_locked",
        )
        .expect(200);
    assert_eq!(locks["total"], 1, "{locks}");
    // The right password now fails too, alike.
    let r = server.request(
        "POST",
        "/api/v1/auth/login",
        Auth::None,
        Body::Json(json!({"tenant_code": "dev", "login_id": "tanaka",
                          "password": user_password("tanaka"), "totp_code": null})),
    );
    r.expect_problem(401, "invalid_credentials");
    // The owner is told by mail, once.
    let mails = Mailbox {
        dir: data.join("outbox"),
    }
    .wait_more("tanaka@city.example.lg.jp", 0);
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].subject.contains("アカウントがロックされました"),
        "{}",
        mails[0].subject
    );
}

async fn parallel_guesses_from_one_address_stop_at_the_throttle(backend: Backend) {
    let Some(db) = TestDb::create(backend) else {
        return;
    };
    let data = db.dir.join("data");
    let server = Server::start(
        "ip-flood",
        &db,
        &data,
        &[
            ("TACHIAI_IP_MAX_FAILURES", "30"),
            ("TACHIAI_LOGIN_MAX_FAILURES", "1000"),
            // This is the database-backed throttle's test: the in-memory per-address login
            // limit (tests/api/limits.rs) stays out of its way.
            ("TACHIAI_RATE_LIMIT_LOGIN_PER_MINUTE", "10000"),
        ],
    );
    let admin = server.login("admin", ADMIN_PASSWORD);
    let started = Instant::now();
    let replies = parallel_logins(&server, 60, "admin", "wrong password 1");
    eprintln!(
        "60 parallel wrong logins answered in {:?}",
        started.elapsed()
    );
    let evaluated = replies.iter().filter(|(s, _)| *s == 401).count();
    let throttled = replies
        .iter()
        .filter(|(s, b)| *s == 429 && b["code"] == "too_many_requests")
        .count();
    assert_eq!((evaluated, throttled), (30, 30), "{replies:?}");
    assert_eq!(failure_reasons(&server, &admin).len(), 30);
    // The address stays throttled, even for the right password.
    let r = server.request(
        "POST",
        "/api/v1/auth/login",
        Auth::None,
        Body::Json(json!({"tenant_code": "dev", "login_id": "admin",
                          "password": ADMIN_PASSWORD, "totp_code": null})),
    );
    r.expect_problem(429, "too_many_requests");
}

async fn totp_secrets_are_encrypted_at_rest_and_follow_a_key_rotation(backend: Backend) {
    use backend::auth::totp;
    use backend::db::queries::users;
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let uid = app.create_user(&admin, "kato", &["staff"], &[]).await;
    let pw = user_password("kato");
    let kato = app.login("dev", "kato", &pw).await;
    let setup = app
        .post(&kato, "/api/v1/account/totp/setup", json!(null))
        .await
        .1;
    let secret = setup["secret"].as_str().unwrap().to_owned();
    let now = backend::clock::Millis::now().unix_seconds();
    let code = |t: i64| format!("{:06}", totp::code_at(&secret, t).unwrap());
    assert_eq!(
        app.post(
            &kato,
            "/api/v1/account/totp/enable",
            json!({"code": code(now)})
        )
        .await
        .0,
        204
    );
    let column = || {
        app.with_conn(|c| {
            users::find_by_login_id(c, &admin_tenant(&admin), "kato")
                .unwrap()
                .unwrap()
                .totp_secret
                .unwrap()
        })
    };
    let sealed = column();
    assert!(!sealed.contains(&secret), "{sealed}");
    assert!(sealed.starts_with("enc1:"), "{sealed}");
    // The key file is private to the service.
    let key_file = backend::secrets::key_path(&app.state.config.data_dir, "secret");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    app.try_login("dev", "kato", &pw, Some(&code(now + 30)))
        .await
        .expect("TOTP login with the sealed secret");

    // A secret stored in plain text by an earlier version is sealed at the next start.
    let tenant = admin_tenant(&admin);
    app.with_conn(|c| users::replace_totp_secret(c, &tenant, &uid, &sealed, &secret))
        .unwrap();
    let restart = |config: backend::config::Config| {
        backend::startup::AppState::new(app.state.pool.clone(), config).expect("start")
    };
    restart((*app.state.config).clone());
    let migrated = column();
    assert!(migrated.starts_with("enc1:") && !migrated.contains(&secret));

    // Rotation: the new key plus the old one as the previous key re-encrypts at start.
    let old_key = std::fs::read_to_string(&key_file).unwrap();
    let new_key = backend::secrets::SecretKey::generate();
    let mut rotated = (*app.state.config).clone();
    rotated.secret_key = Some(new_key.to_base64());
    rotated.secret_key_previous = Some(old_key.trim().to_owned());
    let state = restart(rotated.clone());
    let resealed = column();
    assert!(
        resealed.starts_with(&format!("enc1:{}:", new_key.id())),
        "{resealed} under {}",
        new_key.id()
    );
    // Logging in on the rotated state works; the old key is no longer needed.
    rotated.secret_key_previous = None;
    let state2 = restart(rotated);
    drop(state);
    // A fresh code of the current step (the last one used is forgotten, so that it may repeat).
    app.with_conn(|c| users::set_totp_last_step(c, &tenant, &uid, 0))
        .unwrap();
    let now = backend::clock::Millis::now().unix_seconds();
    let svc = actix_web::test::init_service(backend::startup::build_app(
        actix_web::web::Data::new(state2),
    ))
    .await;
    let req = TestRequest::post()
        .uri("/api/v1/auth/login")
        .peer_addr("192.0.2.11:40000".parse().unwrap())
        .set_json(
            json!({"tenant_code": "dev", "login_id": "kato", "password": pw,
                         "totp_code": code(now)}),
        )
        .to_request();
    let res = actix_web::test::call_service(&svc, req).await;
    assert_eq!(res.status(), 200);
    let (_, log) = app
        .get(
            &admin,
            "/api/v1/audit-events?action=auth.totp_secrets_sealed",
        )
        .await;
    assert_eq!(
        log["total"], 2,
        "the plain-text pass and the rotation: {log}"
    );
}

/// The password confirmations of the account page count against the login allowance: five
/// wrong ones lock the account like five failed logins.
async fn a_stolen_session_cannot_guess_the_password_without_limit(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let id = app.create_user(&admin, "sato", &["staff"], &[]).await;
    let sato = app.login("dev", "sato", &user_password("sato")).await;
    let change =
        |current: &str| json!({"current_password": current, "new_password": "Another-pass-2026"});
    for i in 1..=5 {
        assert_problem(
            &app.post(
                &sato,
                "/api/v1/account/password",
                change(&format!("guess {i}")),
            )
            .await,
            403,
            "current_password_wrong",
        );
    }
    // Locked now: the right password is refused here and at the login.
    assert_problem(
        &app.post(
            &sato,
            "/api/v1/account/password",
            change(&user_password("sato")),
        )
        .await,
        423,
        "account_locked",
    );
    assert_problem(
        &app.post(
            &sato,
            "/api/v1/account/totp/disable",
            json!({"current_password": user_password("sato")}),
        )
        .await,
        423,
        "account_locked",
    );
    assert_problem(
        &app.try_login("dev", "sato", &user_password("sato"), None)
            .await
            .unwrap_err(),
        401,
        "invalid_credentials",
    );
    let (_, locked) = app
        .get(
            &admin,
            &format!("/api/v1/audit-events?action=auth.account_locked&target_id={id}"),
        )
        .await;
    assert_eq!(locked["total"], 1, "{locked}");
    let (_, denied) = app
        .get(
            &admin,
            "/api/v1/audit-events?action=access.denied&per_page=50",
        )
        .await;
    assert_eq!(
        denied["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["details"]["reason"] == "wrong_current_password")
            .count(),
        5
    );
}

/// The tenant id of a session's user.
fn admin_tenant(s: &Session) -> String {
    s.body["me"]["tenant"]["id"].as_str().unwrap().to_owned()
}

async fn requests_without_a_valid_session_are_401(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let (st, body, _) = app.send(TestRequest::get().uri("/api/v1/users")).await;
    assert_problem(&(st, body), 401, "unauthenticated");
    let forged = Session {
        cookie: "forged".into(),
        csrf: "x".into(),
        ..Default::default()
    };
    assert_problem(
        &app.get(&forged, "/api/v1/users").await,
        401,
        "session_expired",
    );
    // The session probe is the exception: "nobody is logged in" is an answer, not an error.
    let (st, body, _) = app
        .send(TestRequest::get().uri("/api/v1/auth/session"))
        .await;
    assert_eq!((st.as_u16(), body), (204, Value::Null));
    app.assert_session_ended(&forged).await;
}

async fn state_changes_need_the_csrf_token_and_a_same_site_origin(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let body = json!({"name": "総務課"});
    let no_token = TestRequest::post()
        .uri("/api/v1/departments")
        .insert_header(("Cookie", format!("tachiai_session={}", admin.cookie)))
        .set_json(&body);
    let (st, b, _) = app.send(no_token).await;
    assert_problem(&(st, b), 403, "csrf_token_missing");
    let wrong = Session {
        csrf: "x".repeat(43),
        ..admin.clone()
    };
    assert_problem(
        &app.post(&wrong, "/api/v1/departments", body.clone()).await,
        403,
        "csrf_token_invalid",
    );
    let cross_site = TestRequest::post()
        .uri("/api/v1/departments")
        .insert_header(("Cookie", format!("tachiai_session={}", admin.cookie)))
        .insert_header(("X-CSRF-Token", admin.csrf.clone()))
        .insert_header(("Origin", "https://evil.example"))
        .set_json(&body);
    let (st, b, _) = app.send(cross_site).await;
    assert_problem(&(st, b), 403, "csrf_token_invalid");
    let (st, _) = app.post(&admin, "/api/v1/departments", body).await;
    assert_eq!(st, 201);
    // GET needs no token.
    let get_only_cookie = TestRequest::get()
        .uri("/api/v1/departments")
        .insert_header(("Cookie", format!("tachiai_session={}", admin.cookie)));
    assert_eq!(app.send(get_only_cookie).await.0, 200);
}

async fn logout_and_idle_timeout_end_the_session(backend: Backend) {
    use diesel::prelude::*;
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let (st, _) = app.post(&admin, "/api/v1/auth/logout", json!(null)).await;
    assert_eq!(st, 204);
    app.assert_session_ended(&admin).await;

    let admin = app.admin().await;
    // Pretend the last activity was 31 minutes ago (idle timeout 30).
    app.with_conn(|conn| {
        use backend::db::schema::sessions::dsl as s;
        diesel::update(s::sessions)
            .set(s::last_seen_at.eq(s::last_seen_at - 31 * 60_000))
            .execute(conn)
            .unwrap();
    });
    assert_problem(
        &app.get(&admin, "/api/v1/users").await,
        401,
        "session_expired",
    );
}

async fn password_change_follows_the_policy_and_admin_reset_forces_a_new_one(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    // Borrowed, so that the helpers below can be called more than once.
    let app = &app;
    let admin = app.admin().await;
    let id = app.create_user(&admin, "sato", &["staff"], &[]).await;
    let sato = app.login("dev", "sato", &user_password("sato")).await;

    let change =
        |current: &str, new: &str| json!({"current_password": current, "new_password": new});
    assert_problem(
        &app.post(
            &sato,
            "/api/v1/account/password",
            change("wrong", "Another-pass-2026"),
        )
        .await,
        403,
        "current_password_wrong",
    );
    assert_problem(
        &app.post(
            &sato,
            "/api/v1/account/password",
            change(&user_password("sato"), "short1"),
        )
        .await,
        422,
        "password_policy",
    );
    assert_problem(
        &app.post(
            &sato,
            "/api/v1/account/password",
            change(&user_password("sato"), "sato-1234567890"),
        )
        .await,
        422,
        "password_policy",
    );
    // Before the change: an API token and a second session (another browser).
    let token = |s: Session| async move {
        let (st, t) = app
            .post(
                &s,
                "/api/v1/api-tokens",
                json!({"name": "連携", "scopes": ["view_contracts"]}),
            )
            .await;
        assert_eq!(st, 201, "{t}");
        t["secret"].as_str().unwrap().to_owned()
    };
    let first_token = token(sato.clone()).await;
    let other_browser = app.login("dev", "sato", &user_password("sato")).await;
    let bearer_status = |secret: String| async move {
        let (st, v, _) = app
            .send(
                TestRequest::get()
                    .uri("/api/v1/contracts")
                    .insert_header(("Authorization", format!("Bearer {secret}"))),
            )
            .await;
        (
            st.as_u16(),
            v["code"].as_str().unwrap_or_default().to_owned(),
        )
    };
    assert_eq!(bearer_status(first_token.clone()).await.0, 200);
    let (st, _) = app
        .post(
            &sato,
            "/api/v1/account/password",
            change(&user_password("sato"), "Another-pass-2026"),
        )
        .await;
    assert_eq!(st, 204);
    // The token is revoked and the other session ended; this session goes on.
    assert_eq!(
        bearer_status(first_token).await,
        (401, "api_token_invalid".to_owned())
    );
    app.assert_session_ended(&other_browser).await;
    assert_eq!(app.get(&sato, "/api/v1/auth/session").await.0, 200);
    let (_, revoked) = app
        .get(
            &admin,
            &format!("/api/v1/audit-events?action=auth.credentials_revoked&target_id={id}"),
        )
        .await;
    let details = &revoked["items"][0]["details"];
    assert_eq!(
        (
            details["reason"].as_str(),
            details["api_tokens_revoked"].as_u64(),
            details["sessions_ended"].as_u64()
        ),
        (Some("password_changed"), Some(1), Some(1)),
        "{revoked}"
    );
    let sato = app.login("dev", "sato", "Another-pass-2026").await;
    let second_token = token(sato.clone()).await;

    let (st, reset) = app
        .post(
            &admin,
            &format!("/api/v1/users/{id}/reset-password"),
            json!(null),
        )
        .await;
    assert_eq!(st, 200);
    let temp = reset["initial_password"].as_str().unwrap().to_owned();
    app.assert_session_ended(&sato).await;
    assert_eq!(
        bearer_status(second_token).await,
        (401, "api_token_invalid".to_owned()),
        "an admin reset revokes the user's tokens"
    );
    let sato = app.login("dev", "sato", &temp).await;
    assert_eq!(sato.body["me"]["user"]["must_change_password"], true);
    assert_problem(
        &app.get(&sato, "/api/v1/departments").await,
        403,
        "password_change_required",
    );
    let (st, _) = app
        .post(
            &sato,
            "/api/v1/account/password",
            change(&temp, "Third-pass-2026"),
        )
        .await;
    assert_eq!(st, 204);
    assert_eq!(app.get(&sato, "/api/v1/departments").await.0, 200);
}

async fn totp_is_a_second_step_once_enabled_and_can_be_required(backend: Backend) {
    use backend::auth::totp;
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    app.create_user(&admin, "kato", &["staff"], &[]).await;
    let pw = user_password("kato");

    // The tenant requires TOTP: kato can log in but must set it up first.
    let mut settings = app.get(&admin, "/api/v1/settings").await.1;
    settings["require_totp"] = json!(true);
    settings.as_object_mut().unwrap().remove("code");
    assert_eq!(app.put(&admin, "/api/v1/settings", settings).await.0, 200);
    let kato = app.login("dev", "kato", &pw).await;
    assert_eq!(kato.body["me"]["totp_setup_required"], true);
    assert_problem(
        &app.get(&kato, "/api/v1/organizations").await,
        403,
        "totp_setup_required",
    );

    let (st, setup) = app
        .post(&kato, "/api/v1/account/totp/setup", json!(null))
        .await;
    assert_eq!(st, 200);
    let secret = setup["secret"].as_str().unwrap().to_owned();
    assert!(
        setup["otpauth_uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/Tachiai:dev%3Akato?secret=")
    );
    assert_problem(
        &app.post(
            &kato,
            "/api/v1/account/totp/enable",
            json!({"code": "000000x"}),
        )
        .await,
        422,
        "validation_failed",
    );
    let now = backend::clock::Millis::now().unix_seconds();
    // A code from ten minutes ago is outside the window.
    let stale = format!("{:06}", totp::code_at(&secret, now - 600).unwrap());
    assert_problem(
        &app.post(&kato, "/api/v1/account/totp/enable", json!({"code": stale}))
            .await,
        401,
        "totp_invalid",
    );
    let code = format!("{:06}", totp::code_at(&secret, now).unwrap());
    assert_eq!(
        app.post(&kato, "/api/v1/account/totp/enable", json!({"code": code}))
            .await
            .0,
        204
    );

    let e = app.try_login("dev", "kato", &pw, None).await.unwrap_err();
    assert_problem(&e, 401, "totp_required");
    let e = app
        .try_login("dev", "kato", &pw, Some("123456"))
        .await
        .unwrap_err();
    if e.1["code"] != "totp_invalid" {
        panic!("a random code should not pass: {e:?}");
    }
    // The code used to enable cannot be replayed; the next step's code is accepted.
    let next = format!("{:06}", totp::code_at(&secret, now + 30).unwrap());
    let kato = app
        .try_login("dev", "kato", &pw, Some(&next))
        .await
        .expect("valid TOTP");
    assert_eq!(kato.body["me"]["totp_setup_required"], false);
    assert_eq!(app.get(&kato, "/api/v1/organizations").await.0, 200);
}

async fn disabled_users_cannot_log_in_and_lose_their_sessions(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let id = app.create_user(&admin, "ito", &["viewer"], &[]).await;
    let ito = app.login("dev", "ito", &user_password("ito")).await;
    let (st, view) = app
        .post(&admin, &format!("/api/v1/users/{id}/disable"), json!(null))
        .await;
    assert_eq!((st.as_u16(), view["disabled"].clone()), (200, json!(true)));
    app.assert_session_ended(&ito).await;
    // The right password of a disabled account answers like a wrong one.
    let e = app
        .try_login("dev", "ito", &user_password("ito"), None)
        .await
        .unwrap_err();
    assert_problem(&e, 401, "invalid_credentials");
    // An admin cannot disable themselves.
    let me = admin.body["me"]["user"]["id"].as_str().unwrap().to_owned();
    assert_problem(
        &app.post(&admin, &format!("/api/v1/users/{me}/disable"), json!(null))
            .await,
        409,
        "self_lockout",
    );
    assert_eq!(
        app.post(&admin, &format!("/api/v1/users/{id}/enable"), json!(null))
            .await
            .0,
        200
    );
    app.login("dev", "ito", &user_password("ito")).await;
}
