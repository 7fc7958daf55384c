//! Login, sessions, lockout, passwords and TOTP.

use actix_web::test::TestRequest;
use serde_json::json;

use crate::helpers::{ADMIN_PASSWORD, Backend, Session, assert_problem, spawn, user_password};
use crate::on_both_databases;

on_both_databases!(
    health_names_the_database_and_schema,
    login_sets_a_hardened_cookie_and_returns_the_csrf_token,
    wrong_passwords_lock_the_account_after_five_failures,
    requests_without_a_valid_session_are_401,
    state_changes_need_the_csrf_token_and_a_same_site_origin,
    logout_and_idle_timeout_end_the_session,
    password_change_follows_the_policy_and_admin_reset_forces_a_new_one,
    totp_is_a_second_step_once_enabled_and_can_be_required,
    disabled_users_cannot_log_in_and_lose_their_sessions,
);

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
    assert_problem(
        &app.get(&first, "/api/v1/auth/session").await,
        401,
        "session_expired",
    );
}

async fn wrong_passwords_lock_the_account_after_five_failures(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    for _ in 0..4 {
        let e = app
            .try_login("dev", "admin", "wrong password 1", None)
            .await
            .unwrap_err();
        assert_problem(&e, 401, "invalid_credentials");
    }
    let e = app
        .try_login("dev", "admin", "wrong password 1", None)
        .await
        .unwrap_err();
    assert_problem(&e, 423, "account_locked");
    let e = app
        .try_login("dev", "admin", ADMIN_PASSWORD, None)
        .await
        .unwrap_err();
    assert_problem(&e, 423, "account_locked");
    // Unknown tenant and unknown user answer exactly like a wrong password.
    assert_problem(
        &app.try_login("nowhere", "admin", "x", None)
            .await
            .unwrap_err(),
        401,
        "invalid_credentials",
    );
    assert_problem(
        &app.try_login("dev", "nobody", "x", None).await.unwrap_err(),
        401,
        "invalid_credentials",
    );
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
    assert_problem(
        &app.get(&admin, "/api/v1/auth/session").await,
        401,
        "session_expired",
    );

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
    let (st, _) = app
        .post(
            &sato,
            "/api/v1/account/password",
            change(&user_password("sato"), "Another-pass-2026"),
        )
        .await;
    assert_eq!(st, 204);
    app.login("dev", "sato", "Another-pass-2026").await;

    let (st, reset) = app
        .post(
            &admin,
            &format!("/api/v1/users/{id}/reset-password"),
            json!(null),
        )
        .await;
    assert_eq!(st, 200);
    let temp = reset["initial_password"].as_str().unwrap().to_owned();
    assert_problem(
        &app.get(&sato, "/api/v1/auth/session").await,
        401,
        "session_expired",
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
    assert_problem(
        &app.get(&ito, "/api/v1/auth/session").await,
        401,
        "session_expired",
    );
    let e = app
        .try_login("dev", "ito", &user_password("ito"), None)
        .await
        .unwrap_err();
    assert_problem(&e, 403, "account_disabled");
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
