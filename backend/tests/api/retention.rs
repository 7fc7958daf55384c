//! Retention and disposition (保存期間・廃棄) on both databases: 保存期限 under the tenant's
//! rule and a contract's own years, legal holds, the 廃棄候補 list, and the two-person
//! disposition that deletes the files (gone from the blob store) and the personal data while
//! the tombstone and the audit chain stay.

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::TestRequest;
use diesel::prelude::*;
use serde_json::{Value, json};
use shared::records::{Date, RetentionConvention, retention_end};

use crate::helpers::{Backend, Session, TestApp, assert_problem, id, spawn, user_password};
use crate::journey::{Journey, bearer, confirm, sent_contract};
use crate::on_both_databases;

on_both_databases!(
    retention_ends_follow_the_tenant_rule_and_the_contract_override,
    a_second_administrator_disposes_of_a_concluded_contract,
    a_held_contract_is_never_disposed_of_and_requests_can_be_closed,
);

/// Today in Japan, as the server counts it.
fn today() -> Date {
    backend::workflow::retention::today()
}

/// Sets a contract's dates as if years had passed (the test cannot wait ten years).
fn age_contract<S>(
    app: &TestApp<S>,
    cid: &str,
    concluded_on: Option<&str>,
    period_end: Option<&str>,
    updated_at: Option<i64>,
) {
    use backend::db::schema::contracts::dsl as c;
    let conn = &mut app.state.pool.get().unwrap();
    {
        diesel::update(c::contracts.filter(c::id.eq(cid)))
            .set((
                c::concluded_on.eq(concluded_on),
                c::period_end.eq(period_end),
            ))
            .execute(conn)
            .unwrap();
        if let Some(at) = updated_at {
            diesel::update(c::contracts.filter(c::id.eq(cid)))
                .set(c::updated_at.eq(at))
                .execute(conn)
                .unwrap();
        }
    }
}

/// Unix milliseconds of noon JST on a `YYYY-MM-DD` day.
fn jst_noon(date: &str) -> i64 {
    backend::clock::jst_day_start(date).unwrap() + 12 * 3600 * 1000
}

/// The audit actions recorded on `target` (any kind), oldest first.
fn audit_actions<S>(app: &TestApp<S>, target: &str) -> Vec<String> {
    use backend::db::schema::audit_events::dsl as a;
    let conn = &mut app.state.pool.get().unwrap();
    a::audit_events
        .filter(a::target_id.eq(target))
        .order(a::seq)
        .select(a::action)
        .load::<String>(conn)
        .unwrap()
}

/// A draft by `s`, cancelled at once: 取消, an ended contract without 締結日.
async fn cancelled<S, B>(app: &TestApp<S>, s: &Session, title: &str) -> String
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let (st, c) = app
        .post(
            s,
            "/api/v1/contracts",
            json!({"title": title, "counterparty_name": "株式会社廃棄確認"}),
        )
        .await;
    assert_eq!(st, 201, "{c}");
    let cid = id(&c);
    let (st, v) = app
        .post(s, &format!("/api/v1/contracts/{cid}/cancel"), json!({}))
        .await;
    assert_eq!(st, 200, "{v}");
    cid
}

/// A second administrator `kanri2`, logged in.
async fn second_admin<S, B>(app: &TestApp<S>, admin: &Session) -> Session
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    app.create_user(admin, "kanri2", &["admin"], &[]).await;
    app.login("dev", "kanri2", &user_password("kanri2")).await
}

/// The candidates' ids.
async fn candidate_ids<S, B>(app: &TestApp<S>, s: &Session) -> Vec<String>
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let (st, v) = app.get(s, "/api/v1/dispositions/candidates").await;
    assert_eq!(st, 200, "{v}");
    v.as_array().unwrap().iter().map(id).collect()
}

async fn retention_ends_follow_the_tenant_rule_and_the_contract_override(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let cid = cancelled(&app, &admin, "保存期限の確認").await;
    // Cancelled today: counted from today, 10 years under the fiscal-year convention.
    let (st, c) = app.get(&admin, &format!("/api/v1/contracts/{cid}")).await;
    assert_eq!(st, 200, "{c}");
    let expected = retention_end(today(), 10, RetentionConvention::FiscalYear);
    assert_eq!(c["retention_end"], expected.to_string());
    assert_eq!(c["state"], "cancelled");

    // A 締結日 and a period end: the rule decides which counts and how.
    age_contract(&app, &cid, Some("2026-05-10"), Some("2029-06-30"), None);
    let end = |app_c: Value| app_c["retention_end"].as_str().unwrap().to_owned();
    let (_, c) = app.get(&admin, &format!("/api/v1/contracts/{cid}")).await;
    assert_eq!(end(c), "2037-03-31", "翌年度4月1日起算, from 締結日");
    let (st, rule) = app.get(&admin, "/api/v1/settings/retention").await;
    assert_eq!(st, 200, "{rule}");
    assert_eq!(
        rule,
        json!({"default_years": 10, "convention": "fiscal_year", "basis": "concluded_on"})
    );
    for (convention, basis, expected) in [
        ("anniversary", "concluded_on", "2036-05-10"),
        ("fiscal_year", "period_end", "2040-03-31"),
        ("anniversary", "period_end", "2039-06-30"),
    ] {
        let (st, v) = app
            .put(
                &admin,
                "/api/v1/settings/retention",
                json!({"default_years": 7, "convention": convention, "basis": basis}),
            )
            .await;
        assert_eq!(st, 200, "{v}");
        let (_, c) = app.get(&admin, &format!("/api/v1/contracts/{cid}")).await;
        assert_eq!(end(c), expected, "{convention} {basis}");
    }
    // The default years are those of new contracts.
    let (_, v) = app.get(&admin, "/api/v1/settings").await;
    assert_eq!(v["retention_years"], 7);

    // The contract's own years: FY 2029 ends 2030-03-31, five years from 2030-04-01.
    app.put(
        &admin,
        "/api/v1/settings/retention",
        json!({"default_years": 10, "convention": "fiscal_year", "basis": "period_end"}),
    )
    .await;
    let (st, c) = app
        .put(
            &admin,
            &format!("/api/v1/contracts/{cid}/retention"),
            json!({"years": 5}),
        )
        .await;
    assert_eq!(st, 200, "{c}");
    assert_eq!(c["retention_years"], 5);
    assert_eq!(c["retention_end"], "2035-03-31");
    assert!(audit_actions(&app, &cid).contains(&"contract.retention_changed".to_owned()));

    // Bad input and who may.
    assert_problem(
        &app.put(
            &admin,
            &format!("/api/v1/contracts/{cid}/retention"),
            json!({"years": 0}),
        )
        .await,
        422,
        "validation_failed",
    );
    assert_problem(
        &app.put(
            &admin,
            "/api/v1/settings/retention",
            json!({"default_years": 101, "convention": "fiscal_year", "basis": "period_end"}),
        )
        .await,
        422,
        "validation_failed",
    );
    app.create_user(&admin, "tanaka", &["staff"], &[]).await;
    let clerk = app.login("dev", "tanaka", &user_password("tanaka")).await;
    assert_problem(
        &app.put(
            &clerk,
            &format!("/api/v1/contracts/{cid}/retention"),
            json!({"years": 30}),
        )
        .await,
        403,
        "forbidden",
    );
    assert_problem(
        &app.get(&clerk, "/api/v1/settings/retention").await,
        403,
        "forbidden",
    );
    // Another tenant's contract does not exist for this one.
    let other = app.other_tenant_admin().await;
    assert_problem(
        &app.put(
            &other,
            &format!("/api/v1/contracts/{cid}/retention"),
            json!({"years": 30}),
        )
        .await,
        404,
        "not_found",
    );
    let (_, c) = app.get(&admin, &format!("/api/v1/contracts/{cid}")).await;
    assert_eq!(c["retention_years"], 5, "unchanged by the refusals");
}

async fn a_second_administrator_disposes_of_a_concluded_contract(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let recipients = json!([{"organization_name": "合同会社サンプル", "name": "高橋 次郎", "email": "takahashi@example.jp"}]);
    let sent = sent_contract(&app, recipients, false).await;
    let (admin, clerk, cid) = (sent.admin, sent.staff, sent.cid);
    let (t, s) = confirm(&app, "takahashi@example.jp", None).await;
    let (st, v) = app
        .call(bearer(
            TestRequest::post()
                .uri(&format!("/api/v1/signing/{t}/agree"))
                .set_json(json!({"consent": true})),
            &s,
        ))
        .await;
    assert_eq!(st, 204, "{v}");
    app.run_jobs().await;
    let (_, c) = app.get(&admin, &format!("/api/v1/contracts/{cid}")).await;
    assert_eq!(c["state"], "concluded", "{c}");
    let hashes: Vec<String> = c["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["sha256"].as_str().unwrap().to_owned())
        .collect();
    let roles: Vec<&str> = c["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["role"].as_str().unwrap())
        .collect();
    assert!(
        roles.contains(&"sealed") && roles.contains(&"certificate") && roles.contains(&"main"),
        "{roles:?}"
    );
    for h in &hashes {
        assert!(app.state.blobs.exists(h).unwrap());
    }
    let doc = c["documents"][0]["id"].as_str().unwrap().to_owned();
    // The uploaded original, shared with a copy that stays (the store keeps one file per hash).
    let main_sha = c["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["role"] == "main")
        .map(|d| d["sha256"].as_str().unwrap().to_owned())
        .unwrap();
    let (st, copy) = app
        .post(
            &admin,
            &format!("/api/v1/contracts/{cid}/duplicate"),
            json!({}),
        )
        .await;
    assert_eq!(st, 201, "{copy}");
    let public_id = c["public_id"].as_str().unwrap().to_owned();

    // Concluded today: kept for ten more years, no candidate.
    assert!(!candidate_ids(&app, &admin).await.contains(&cid));
    assert_problem(
        &app.post(
            &admin,
            "/api/v1/dispositions",
            json!({"contract_ids": [cid], "reason": "早すぎる廃棄"}),
        )
        .await,
        409,
        "retention_not_ended",
    );
    // Concluded in FY2010 with 1 year: kept through 2012-03-31.
    app.put(
        &admin,
        &format!("/api/v1/contracts/{cid}/retention"),
        json!({"years": 1}),
    )
    .await;
    age_contract(&app, &cid, Some("2010-05-10"), None, None);
    let (st, list) = app.get(&admin, "/api/v1/dispositions/candidates").await;
    assert_eq!(st, 200, "{list}");
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == cid.as_str())
        .expect("a candidate");
    assert_eq!(row["retention_end"], "2012-03-31");
    assert_eq!(row["state"], "concluded");
    assert!(row["pending_request_id"].is_null());

    // A clerk may neither see the candidates nor request.
    assert_problem(
        &app.get(&clerk, "/api/v1/dispositions/candidates").await,
        403,
        "forbidden",
    );
    assert_problem(
        &app.post(
            &clerk,
            "/api/v1/dispositions",
            json!({"contract_ids": [cid], "reason": "x"}),
        )
        .await,
        403,
        "forbidden",
    );
    assert_problem(
        &app.post(
            &admin,
            "/api/v1/dispositions",
            json!({"contract_ids": [], "reason": "空"}),
        )
        .await,
        422,
        "validation_failed",
    );

    let (st, req) = app
        .post(
            &admin,
            "/api/v1/dispositions",
            json!({"contract_ids": [cid], "reason": "平成22年度 保存期間満了分"}),
        )
        .await;
    assert_eq!(st, 201, "{req}");
    assert_eq!(req["state"], "pending");
    assert_eq!(req["requested_by_me"], true);
    let rid = id(&req);
    assert_problem(
        &app.post(
            &admin,
            "/api/v1/dispositions",
            json!({"contract_ids": [cid], "reason": "二重"}),
        )
        .await,
        409,
        "disposition_already_requested",
    );
    let (_, list) = app.get(&admin, "/api/v1/dispositions/candidates").await;
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == cid.as_str())
        .unwrap();
    assert_eq!(row["pending_request_id"], rid.as_str());

    // The requester cannot approve; nothing changed.
    assert_problem(
        &app.post(
            &admin,
            &format!("/api/v1/dispositions/{rid}/approve"),
            json!({}),
        )
        .await,
        409,
        "disposition_self_approval",
    );
    let (_, c) = app.get(&admin, &format!("/api/v1/contracts/{cid}")).await;
    assert_eq!(c["state"], "concluded");
    // Another tenant sees neither the request nor the contract.
    let other = app.other_tenant_admin().await;
    assert_problem(
        &app.post(
            &other,
            &format!("/api/v1/dispositions/{rid}/approve"),
            json!({}),
        )
        .await,
        404,
        "not_found",
    );
    let (st, v) = app.get(&other, "/api/v1/dispositions/candidates").await;
    assert_eq!((st.as_u16(), v), (200, json!([])));

    // A second administrator approves.
    let second = second_admin(&app, &admin).await;
    let (st, done) = app
        .post(
            &second,
            &format!("/api/v1/dispositions/{rid}/approve"),
            json!({"comment": "確認しました"}),
        )
        .await;
    assert_eq!(st, 200, "{done}");
    assert_eq!(done["state"], "approved");
    assert_eq!(done["decided_by_name"], "試験 kanri2");
    assert_problem(
        &app.post(
            &second,
            &format!("/api/v1/dispositions/{rid}/approve"),
            json!({}),
        )
        .await,
        409,
        "disposition_not_pending",
    );

    // The files are gone from the store (the copy's original stays); the tombstone keeps
    // their hashes.
    let stored = |h: &str| app.state.blobs.exists(h).unwrap();
    for h in hashes.iter().filter(|h| **h != main_sha) {
        assert!(!stored(h), "{h} still stored");
        assert!(app.state.blobs.local_file(h).is_err());
    }
    assert!(stored(&main_sha), "the copy's file was deleted");
    let (st, v) = app
        .get(
            &admin,
            &format!(
                "/api/v1/contracts/{}/documents/{}",
                id(&copy),
                copy["documents"][0]["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let (st, c) = app.get(&admin, &format!("/api/v1/contracts/{cid}")).await;
    assert_eq!(st, 200, "{c}");
    assert_eq!(c["state"], "disposed");
    assert_eq!(c["counterparty_name"], "");
    assert_eq!(c["documents"], json!([]));
    assert_eq!(c["recipients"], json!([]));
    assert_eq!(c["allowed_actions"], json!([]));
    let t = &c["disposal"];
    assert_eq!(t["contract_number"], c["contract_number"]);
    assert_eq!(t["title"], "庁舎清掃業務委託契約");
    assert_eq!(t["prior_state"], "concluded");
    assert_eq!(t["concluded_on"], "2010-05-10");
    assert_eq!(t["retention_end"], "2012-03-31");
    assert_eq!(t["requested_by_name"], "管理者");
    assert_eq!(t["approved_by_name"], "試験 kanri2");
    let mut kept: Vec<String> = t["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["sha256"].as_str().unwrap().to_owned())
        .collect();
    let mut all = hashes.clone();
    kept.sort();
    kept.dedup();
    all.sort();
    all.dedup();
    assert!(all.iter().all(|h| kept.contains(h)), "{kept:?} ⊇ {all:?}");

    // Personal data erased in the database, not only hidden.
    let (emails, codes): (Vec<String>, Vec<Option<String>>) = app.with_conn(|conn| {
        use backend::db::schema::recipients::dsl as r;
        let rows: Vec<(String, Option<String>)> = r::recipients
            .filter(r::contract_id.eq(&cid))
            .select((r::email, r::link_token_hash))
            .load(conn)
            .unwrap();
        rows.into_iter().unzip()
    });
    assert!(
        !emails.is_empty() && emails.iter().all(String::is_empty),
        "{emails:?}"
    );
    assert!(codes.iter().all(Option::is_none));

    // Downloads: gone, with a specific problem.
    assert_problem(
        &app.get(&admin, &format!("/api/v1/contracts/{cid}/documents/{doc}"))
            .await,
        410,
        "contract_disposed",
    );
    assert_problem(
        &app.get(&admin, &format!("/api/v1/contracts/{cid}/archive"))
            .await,
        410,
        "contract_disposed",
    );
    assert_problem(
        &app.put(
            &admin,
            &format!("/api/v1/contracts/{cid}/legal-hold"),
            json!({"reason": "遅すぎる保留"}),
        )
        .await,
        410,
        "contract_disposed",
    );
    // The verification page says when.
    let (st, v) = app
        .call(TestRequest::get().uri(&format!("/api/v1/public/contracts/{public_id}")))
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["state"], "disposed");
    assert_eq!(v["disposed_on"], today().to_string());

    // The audit trail stays and still verifies; the job finds nothing left to delete.
    let actions = audit_actions(&app, &cid);
    for a in ["contract.concluded", "contract.disposed"] {
        assert!(actions.contains(&a.to_owned()), "{a} in {actions:?}");
    }
    let on_request = audit_actions(&app, &rid);
    assert!(
        on_request.contains(&"disposition.requested".to_owned()),
        "{on_request:?}"
    );
    assert!(
        on_request.contains(&"disposition.approved".to_owned()),
        "{on_request:?}"
    );
    assert!(
        on_request.contains(&"disposition.refused".to_owned()),
        "{on_request:?}"
    );
    app.run_jobs().await;
    // Had the process died after the commit, the job deletes the files: put one back and run
    // the job again (it is idempotent and spares the copy's file).
    let sealed = hashes.iter().find(|h| **h != main_sha).unwrap().clone();
    let root = app
        .state
        .blobs
        .local_root()
        .expect("the tests' store is local");
    let file = root.join(&sealed[..2]).join(&sealed);
    std::fs::write(&file, b"left behind by a crash").unwrap();
    {
        let conn = &mut app.state.pool.get().unwrap();
        backend::jobs::enqueue(
            conn,
            backend::jobs::NewJob::new(
                backend::workflow::retention::DELETE_BLOBS_JOB,
                json!({ "sha256": [sealed, main_sha] }),
            ),
        )
        .unwrap();
    }
    app.run_jobs().await;
    assert!(!file.exists(), "the job deleted the file");
    assert!(stored(&main_sha), "the job spared the copy's file");
    let (st, chain) = app.get(&admin, "/api/v1/audit-events/verify").await;
    assert_eq!(st, 200, "{chain}");
    assert_eq!(chain["intact"], true, "{chain}");
    let (st, v) = app.get(&admin, "/api/v1/dispositions").await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v[0]["contracts"][0]["state"], "disposed");
}

async fn a_held_contract_is_never_disposed_of_and_requests_can_be_closed(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let second = second_admin(&app, &admin).await;
    let long_ago = Some(jst_noon("2015-06-01"));
    let held = cancelled(&app, &admin, "訴訟中の契約").await;
    let later = cancelled(&app, &admin, "申請後に保留").await;
    let closed = cancelled(&app, &admin, "却下・取消の確認").await;
    let fresh = cancelled(&app, &admin, "取消したばかり").await;
    for cid in [&held, &later, &closed] {
        age_contract(&app, cid, None, None, long_ago);
    }

    // A clerk cannot hold; an administrator can, with a reason.
    app.create_user(&admin, "tanaka", &["staff"], &[]).await;
    let clerk = app.login("dev", "tanaka", &user_password("tanaka")).await;
    let hold = |cid: &str| format!("/api/v1/contracts/{cid}/legal-hold");
    assert_problem(
        &app.put(&clerk, &hold(&held), json!({"reason": "係争中"}))
            .await,
        403,
        "forbidden",
    );
    assert_problem(
        &app.put(&admin, &hold(&held), json!({"reason": "  "})).await,
        422,
        "validation_failed",
    );
    let (st, c) = app
        .put(
            &admin,
            &hold(&held),
            json!({"reason": "令和8年(ワ)第123号 係争中"}),
        )
        .await;
    assert_eq!(st, 200, "{c}");
    assert_eq!(c["legal_hold"]["reason"], "令和8年(ワ)第123号 係争中");
    assert_eq!(c["facts"]["legal_hold"], true);
    assert!(audit_actions(&app, &held).contains(&"contract.legal_hold_set".to_owned()));

    // Held: no candidate, and a request is refused.
    let ids = candidate_ids(&app, &admin).await;
    assert!(
        !ids.contains(&held) && ids.contains(&later) && ids.contains(&closed),
        "{ids:?}"
    );
    assert!(
        !ids.contains(&fresh),
        "cancelled today: retention not ended"
    );
    assert_problem(
        &app.post(
            &admin,
            "/api/v1/dispositions",
            json!({"contract_ids": [held, later], "reason": "満了分"}),
        )
        .await,
        409,
        "contract_on_legal_hold",
    );
    assert_problem(
        &app.post(
            &admin,
            "/api/v1/dispositions",
            json!({"contract_ids": [fresh], "reason": "満了分"}),
        )
        .await,
        409,
        "retention_not_ended",
    );
    let (_, list) = app.get(&admin, "/api/v1/dispositions").await;
    assert_eq!(list, json!([]), "a refused request leaves nothing");

    // Held between request and approval: the approval is refused, nothing is disposed of.
    let (st, req) = app
        .post(
            &admin,
            "/api/v1/dispositions",
            json!({"contract_ids": [later], "reason": "満了分"}),
        )
        .await;
    assert_eq!(st, 201, "{req}");
    let rid = id(&req);
    let (st, v) = app
        .put(&second, &hold(&later), json!({"reason": "監査のため保留"}))
        .await;
    assert_eq!(st, 200, "{v}");
    assert_problem(
        &app.post(
            &second,
            &format!("/api/v1/dispositions/{rid}/approve"),
            json!({}),
        )
        .await,
        409,
        "contract_on_legal_hold",
    );
    let (_, c) = app.get(&admin, &format!("/api/v1/contracts/{later}")).await;
    assert_eq!(c["state"], "cancelled");
    assert_eq!(c["counterparty_name"], "株式会社廃棄確認");
    // Released, the same request is approved.
    let (st, c) = app.delete(&second, &hold(&later)).await;
    assert_eq!(st, 200, "{c}");
    assert!(c["legal_hold"].is_null());
    assert_problem(&app.delete(&second, &hold(&later)).await, 404, "not_found");
    let (st, v) = app
        .post(
            &second,
            &format!("/api/v1/dispositions/{rid}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let (_, c) = app.get(&admin, &format!("/api/v1/contracts/{later}")).await;
    assert_eq!(c["state"], "disposed");
    assert_eq!(c["disposal"]["prior_state"], "cancelled");
    assert_eq!(
        c["disposal"]["retention_end"], "2026-03-31",
        "FY2015 + 10 years"
    );

    // Reject and cancel: only another administrator rejects, only the requester cancels.
    let (st, req) = app
        .post(
            &admin,
            "/api/v1/dispositions",
            json!({"contract_ids": [closed], "reason": "満了分"}),
        )
        .await;
    assert_eq!(st, 201, "{req}");
    let rid = id(&req);
    assert_problem(
        &app.post(
            &admin,
            &format!("/api/v1/dispositions/{rid}/reject"),
            json!({}),
        )
        .await,
        409,
        "disposition_self_approval",
    );
    assert_problem(
        &app.post(
            &second,
            &format!("/api/v1/dispositions/{rid}/cancel"),
            json!({}),
        )
        .await,
        403,
        "disposition_not_requester",
    );
    let (st, v) = app
        .post(
            &admin,
            &format!("/api/v1/dispositions/{rid}/cancel"),
            json!({"comment": "対象を見直します"}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["state"], "cancelled");
    assert_problem(
        &app.post(
            &second,
            &format!("/api/v1/dispositions/{rid}/approve"),
            json!({}),
        )
        .await,
        409,
        "disposition_not_pending",
    );
    let (st, req) = app
        .post(
            &admin,
            "/api/v1/dispositions",
            json!({"contract_ids": [closed], "reason": "再申請"}),
        )
        .await;
    assert_eq!(st, 201, "{req}");
    let rid = id(&req);
    let (st, v) = app
        .post(
            &second,
            &format!("/api/v1/dispositions/{rid}/reject"),
            json!({"comment": "保存を継続"}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["state"], "rejected");
    let (_, c) = app
        .get(&admin, &format!("/api/v1/contracts/{closed}"))
        .await;
    assert_eq!(c["state"], "cancelled");
    let (st, chain) = app.get(&admin, "/api/v1/audit-events/verify").await;
    assert_eq!(
        (st.as_u16(), chain["intact"].clone()),
        (200, json!(true)),
        "{chain}"
    );
}
