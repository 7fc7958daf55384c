//! The seal keyring and the TSA list over the API: only a holder of
//! the service-wide `manage_seal_keys` (which no role gives, not even the city's admin) may see
//! or change them; bad key material is refused with its own problem code and changes nothing;
//! key material is stored encrypted; exactly one key is active; the TSA list is edited in order.

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{Backend, assert_problem, spawn, user_password};
use crate::on_both_databases;

on_both_databases!(
    seal_keys_are_the_service_operators_and_bad_keys_change_nothing,
    the_tsa_list_is_edited_in_order_and_checked,
);

/// A development PKI as a stand-in CA: (seal key, seal certificate, chain) PEM.
fn ca(dir: &std::path::Path, tag: &str) -> (String, String, String) {
    pades::DevPki::generate_tagged(dir, &Default::default(), tag).unwrap();
    let read = |n: &str| std::fs::read_to_string(dir.join(n)).unwrap();
    (read("seal.key"), read("seal.pem"), read("chain.pem"))
}

fn pem(label: &str, key: &str, cert: &str, chain: &str) -> Value {
    json!({"label": label, "material": {"kind": "pem", "key_pem": key, "certificate_pem": cert, "chain_pem": chain}})
}

fn count(state: &backend::startup::AppState, sql: &str) -> i64 {
    let mut conn = state.pool.get().unwrap();
    diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!(
        "({sql})"
    )))
    .get_result(&mut conn)
    .unwrap()
}

/// Gives `manage_seal_keys` to user `id` the way the operator does (the API cannot: the
/// admin does not hold it), and logs in as `login`.
macro_rules! sealer {
    ($app:expr, $admin:expr) => {{
        let id = $app.create_user($admin, "sealer", &["viewer"], &[]).await;
        let mut conn = $app.state.pool.get().unwrap();
        {
            use backend::db::schema::users::dsl as u;
            diesel::update(u::users.filter(u::id.eq(&id)))
                .set(u::grants.eq("manage_seal_keys"))
                .execute(&mut conn)
                .unwrap();
        }
        $app.login("dev", "sealer", &user_password("sealer")).await
    }};
}

async fn seal_keys_are_the_service_operators_and_bad_keys_change_nothing(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    // Least privilege: the city's admin neither sees nor grants the keyring.
    assert_problem(
        &app.get(&admin, "/api/v1/seal/keys").await,
        403,
        "forbidden",
    );
    let (st, v) = app
        .post(
            &admin,
            "/api/v1/users",
            json!({"login_id": "wannabe", "name": "試験", "email": "w@city.example.lg.jp",
                   "roles": ["viewer"], "grants": ["manage_seal_keys"], "password": user_password("wannabe")}),
        )
        .await;
    assert_eq!(st, 403, "{v}");
    let sealer = sealer!(app, &admin);

    let dir = app.db.dir.join("ca-a");
    let (key_a, cert_a, chain_a) = ca(&dir, " A");
    let (key_b, cert_b, chain_b) = ca(&app.db.dir.join("ca-b"), " B");
    for (body, code) in [
        (
            pem("誤った鍵", &key_b, &cert_a, &chain_a),
            "seal_key_mismatch",
        ),
        (
            pem("誤ったチェーン", &key_a, &cert_a, &chain_b),
            "seal_chain_broken",
        ),
        (
            pem("鍵でない", "not a key", &cert_a, &chain_a),
            "seal_key_unreadable",
        ),
        (
            json!({"label": "PKCS#12", "material": {"kind": "pkcs12", "pkcs12_base64": "AAECAwQ=", "password": "x"}}),
            "seal_key_unreadable",
        ),
    ] {
        let got = app.post(&sealer, "/api/v1/seal/keys", body).await;
        assert_problem(&got, 422, code);
        assert!(
            got.1["detail_ja"].as_str().unwrap().ends_with('。'),
            "{}",
            got.1
        );
    }
    assert_eq!(
        count(&app.state, "SELECT count(*) FROM seal_keys"),
        0,
        "nothing stored"
    );
    assert_eq!(
        count(
            &app.state,
            "SELECT count(*) FROM audit_events WHERE action = 'seal_key.refused'"
        ),
        4
    );

    let (st, a) = app
        .post(
            &sealer,
            "/api/v1/seal/keys",
            pem("2026年度", &key_a, &cert_a, &chain_a),
        )
        .await;
    assert_eq!(st, 201, "{a}");
    assert_eq!(
        (a["state"].as_str(), a["kind"].as_str()),
        (Some("standby"), Some("pem"))
    );
    assert_eq!(a["chain"].as_array().unwrap().len(), 2);
    assert_problem(
        &app.post(
            &sealer,
            "/api/v1/seal/keys",
            pem("もう一度", &key_a, &cert_a, &chain_a),
        )
        .await,
        409,
        "seal_key_duplicate",
    );
    // At rest the key is sealed, never PEM.
    let stored: Option<String> = app.with_conn(|conn| {
        use backend::db::schema::seal_keys::dsl as k;
        k::seal_keys.select(k::sealed_material).first(conn).unwrap()
    });
    let stored = stored.unwrap();
    assert!(
        stored.starts_with("enc1:") && !stored.contains("PRIVATE KEY"),
        "{stored}"
    );

    let a_id = a["id"].as_str().unwrap().to_owned();
    let (st, v) = app
        .post(
            &sealer,
            &format!("/api/v1/seal/keys/{a_id}/activate"),
            json!({}),
        )
        .await;
    assert_eq!(
        (st.as_u16(), v["state"].as_str()),
        (200, Some("active")),
        "{v}"
    );
    let (_, seal) = app.get(&admin, "/api/v1/seal").await;
    assert_eq!(seal["development"], false, "{seal}");
    assert_eq!(seal["signer"]["sha256"], a["certificate"]["sha256"]);
    assert_problem(
        &app.post(
            &sealer,
            &format!("/api/v1/seal/keys/{a_id}/retire"),
            json!({}),
        )
        .await,
        409,
        "seal_key_active",
    );
    let (_, b) = app
        .post(
            &sealer,
            "/api/v1/seal/keys",
            pem("2027年度", &key_b, &cert_b, &chain_b),
        )
        .await;
    let b_id = b["id"].as_str().unwrap().to_owned();
    app.post(
        &sealer,
        &format!("/api/v1/seal/keys/{b_id}/activate"),
        json!({}),
    )
    .await;
    let (st, v) = app
        .post(
            &sealer,
            &format!("/api/v1/seal/keys/{a_id}/retire"),
            json!({}),
        )
        .await;
    assert_eq!(
        (st.as_u16(), v["state"].as_str()),
        (200, Some("retired")),
        "{v}"
    );
    assert_problem(
        &app.post(
            &sealer,
            &format!("/api/v1/seal/keys/{a_id}/activate"),
            json!({}),
        )
        .await,
        409,
        "seal_key_not_activatable",
    );
    let (_, ring) = app.get(&sealer, "/api/v1/seal/keys").await;
    assert_eq!(ring["active_id"].as_str(), Some(b_id.as_str()), "{ring}");
    assert_eq!(
        count(
            &app.state,
            "SELECT count(*) FROM seal_keys WHERE state = 'active'"
        ),
        1
    );
    // The verifier trusts both keys' roots (the retired one's too), and the service's own.
    let trust = app.with_conn(|conn| app.state.seal_service.trust(conn).unwrap());
    assert_eq!(trust.trust_roots.len(), 3);
    for action in [
        "seal_key.imported",
        "seal_key.activated",
        "seal_key.retired",
    ] {
        assert!(
            count(
                &app.state,
                &format!(
                    "SELECT count(*) FROM audit_events WHERE action = '{action}' AND actor_label = 'sealer'"
                )
            ) >= 1,
            "{action}"
        );
    }
    let (_, chain) = app.get(&admin, "/api/v1/audit-events/verify").await;
    assert_eq!(chain["intact"], true, "{chain}");
}

async fn the_tsa_list_is_edited_in_order_and_checked(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    assert_problem(
        &app.get(&admin, "/api/v1/seal/tsas").await,
        403,
        "forbidden",
    );
    let sealer = sealer!(app, &admin);
    let (_, v) = app.get(&sealer, "/api/v1/seal/tsas").await;
    assert_eq!(v["source"], "builtin", "{v}");
    assert!(
        v["tsas"][0]["certificate_days_left"].as_i64().unwrap() > 300,
        "{v}"
    );
    for bad in ["ftp://tsa.example", "http://", "https://a b.example/"] {
        assert_problem(
            &app.post(&sealer, "/api/v1/seal/tsas", json!({"url": bad}))
                .await,
            422,
            "tsa_url_invalid",
        );
    }
    for url in ["http://tsa-1.example/tsa", "http://tsa-2.example/tsa"] {
        let (st, v) = app
            .post(&sealer, "/api/v1/seal/tsas", json!({"url": url}))
            .await;
        assert_eq!(st, 201, "{v}");
    }
    let (st, v) = app
        .post(
            &sealer,
            "/api/v1/seal/tsas",
            json!({"url": "http://tsa-0.example/tsa", "position": 1}),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    assert_problem(
        &app.post(
            &sealer,
            "/api/v1/seal/tsas",
            json!({"url": "http://tsa-0.example/tsa"}),
        )
        .await,
        409,
        "tsa_duplicate",
    );
    let urls = |v: &Value| -> Vec<String> {
        v["tsas"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["url"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(v["source"], "database");
    assert_eq!(
        urls(&v),
        [
            "http://tsa-0.example/tsa",
            "http://tsa-1.example/tsa",
            "http://tsa-2.example/tsa"
        ]
    );
    let last = v["tsas"][2]["id"].as_str().unwrap().to_owned();
    let (_, v) = app
        .put(
            &sealer,
            &format!("/api/v1/seal/tsas/{last}/position"),
            json!({"position": 1}),
        )
        .await;
    assert_eq!(urls(&v)[0], "http://tsa-2.example/tsa");
    let (st, v) = app
        .delete(&sealer, &format!("/api/v1/seal/tsas/{last}"))
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        urls(&v),
        ["http://tsa-0.example/tsa", "http://tsa-1.example/tsa"]
    );
    assert_eq!(
        count(
            &app.state,
            "SELECT count(*) FROM audit_events WHERE action IN ('tsa.added', 'tsa.moved', 'tsa.removed')"
        ),
        5
    );
}
