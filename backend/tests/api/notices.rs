//! Maintenance and outage notices (メンテナンス・障害のお知らせ): a tenant's administrators
//! publish, change and withdraw theirs, the operator publishes service-wide ones with
//! `tachiai notice`; staff and counterparties see the ones that concern them and nothing of
//! another tenant; planned maintenance is mailed to administrators on publication and the day
//! before, once.

use std::path::{Path, PathBuf};

use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::helpers::{
    Backend, Session, TestApp, TestDb, assert_problem, id, spawn, spawn_with, user_password,
};
use crate::journey::{Journey, newest_link, sent_contract};
use crate::on_both_databases;
use crate::support::{SmtpSink, free_port};

on_both_databases!(
    an_admin_publishes_changes_and_withdraws_a_notice_that_staff_see,
    notices_need_manage_notices_and_never_cross_tenants,
    bad_notices_are_refused_with_specific_codes,
    the_signing_page_shows_its_tenants_and_service_notices_only,
    planned_maintenance_is_mailed_to_administrators_once_and_the_day_before,
    the_operator_publishes_lists_and_withdraws_notices_with_the_cli,
);

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

fn now_ms() -> i64 {
    backend::clock::Millis::now().0
}

fn at(ms: i64) -> String {
    backend::clock::rfc3339(ms)
}

/// A notice request starting `start` from now and lasting two hours.
fn notice(kind: &str, start: i64, title: &str) -> Value {
    let s = now_ms() + start;
    json!({"kind": kind, "starts_at": at(s), "ends_at": at(s + 2 * HOUR),
           "title": title, "text": "22:00〜24:00 はサービスを利用できません。\n<b>ご注意ください</b>"})
}

/// The titles of the banner's notices in a `NoticeBannersView`.
fn titles(v: &Value) -> Vec<String> {
    v["notices"]
        .as_array()
        .unwrap_or_else(|| panic!("not a banner list: {v}"))
        .iter()
        .map(|n| n["title"].as_str().unwrap().to_owned())
        .collect()
}

/// The operator's service-wide notice, published as `tachiai notice publish` does.
fn publish_service_wide(app: &TestApp<impl Sized>, req: Value) -> String {
    let req: shared::dto::NoticeRequest = serde_json::from_value(req).unwrap();
    let mut conn = app.state.pool.get().unwrap();
    let origin = backend::workflow::tenants::operator_origin("cli");
    backend::workflow::notices::publish(
        &mut conn,
        backend::workflow::notices::Publisher {
            tenant_id: None,
            origin: &origin,
        },
        &req,
    )
    .unwrap()
    .id
}

/// The audit actions of the tenant's log, newest first, as the admin reads them.
async fn audit_actions<S, B>(app: &TestApp<S>, admin: &Session) -> Vec<String>
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let (st, log) = app.get(admin, "/api/v1/audit-events?per_page=200").await;
    assert_eq!(st, 200, "{log}");
    log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

/// Publish → a clerk's banner shows it (ahead, not active) → change → withdraw → gone; a
/// withdrawn notice cannot be changed or withdrawn again; every step is in the audit log.
async fn an_admin_publishes_changes_and_withdraws_a_notice_that_staff_see(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    app.create_user(&admin, "tanaka", &["staff"], &[]).await;
    let staff = app.login("dev", "tanaka", &user_password("tanaka")).await;

    let (st, created) = app
        .post(
            &admin,
            "/api/v1/notices",
            notice("planned", 2 * DAY, "定期メンテナンス"),
        )
        .await;
    assert_eq!(st, 201, "{created}");
    assert_eq!(created["scope"], "tenant");
    assert_eq!(created["kind"], "planned");
    assert_eq!(created["shown"], true);
    assert_eq!(created["created_by"], "admin");
    assert_eq!(
        created["text"], "22:00〜24:00 はサービスを利用できません。\n<b>ご注意ください</b>",
        "plain text, kept as typed (the browser escapes it)"
    );
    let nid = id(&created);

    let (st, banner) = app.get(&staff, "/api/v1/notices/current").await;
    assert_eq!(st, 200, "{banner}");
    assert_eq!(titles(&banner), ["定期メンテナンス"]);
    assert_eq!(
        banner["notices"][0]["active"], false,
        "ahead, not yet active"
    );
    assert_eq!(banner["notices"][0]["kind"], "planned");

    // An outage now: active, and listed before the planned one.
    let (st, outage) = app
        .post(
            &admin,
            "/api/v1/notices",
            notice("outage", -HOUR, "障害発生"),
        )
        .await;
    assert_eq!(st, 201, "{outage}");
    let (_, banner) = app.get(&staff, "/api/v1/notices/current").await;
    assert_eq!(titles(&banner), ["障害発生", "定期メンテナンス"]);
    assert_eq!(banner["notices"][0]["active"], true);

    let mut changed = notice("planned", 3 * DAY, "定期メンテナンス（日程変更）");
    changed["text"] = json!("日程を変更しました。");
    let (st, v) = app
        .put(&admin, &format!("/api/v1/notices/{nid}"), changed.clone())
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["title"], "定期メンテナンス（日程変更）");
    let (_, list) = app.get(&admin, "/api/v1/notices").await;
    assert_eq!(list["total"], 2, "{list}");
    let stored = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == nid.as_str())
        .unwrap();
    assert_eq!(stored["text"], "日程を変更しました。");
    assert_eq!(stored["starts_at"], changed["starts_at"]);

    let (st, v) = app
        .post(
            &admin,
            &format!("/api/v1/notices/{nid}/withdraw"),
            json!(null),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert!(v["withdrawn_at"].is_string() && v["shown"] == false, "{v}");
    let (_, banner) = app.get(&staff, "/api/v1/notices/current").await;
    assert_eq!(
        titles(&banner),
        ["障害発生"],
        "a withdrawn notice is not shown"
    );
    assert_problem(
        &app.post(
            &admin,
            &format!("/api/v1/notices/{nid}/withdraw"),
            json!(null),
        )
        .await,
        409,
        "notice_withdrawn",
    );
    assert_problem(
        &app.put(&admin, &format!("/api/v1/notices/{nid}"), changed)
            .await,
        409,
        "notice_withdrawn",
    );
    let actions = audit_actions(&app, &admin).await;
    for a in ["notice.published", "notice.updated", "notice.withdrawn"] {
        assert!(actions.iter().any(|x| x == a), "{a} missing: {actions:?}");
    }
    assert_eq!(
        actions.iter().filter(|x| *x == "notice.published").count(),
        2
    );
}

/// Only `manage_notices` manages (a clerk is refused, and the refusal audited; a grant gives
/// it); a notice of tenant A is never shown to B's staff and cannot be read, changed or
/// withdrawn by B's admin (404, as if it did not exist); a service-wide notice is shown to
/// both but is nobody's to change through the API.
async fn notices_need_manage_notices_and_never_cross_tenants(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    app.create_user(&admin, "tanaka", &["staff"], &[]).await;
    app.create_user(&admin, "koho", &["viewer"], &["manage_notices"])
        .await;
    let staff = app.login("dev", "tanaka", &user_password("tanaka")).await;
    let koho = app.login("dev", "koho", &user_password("koho")).await;

    assert_problem(
        &app.post(&staff, "/api/v1/notices", notice("planned", DAY, "x"))
            .await,
        403,
        "forbidden",
    );
    assert_problem(&app.get(&staff, "/api/v1/notices").await, 403, "forbidden");
    let (st, a_notice) = app
        .post(
            &koho,
            "/api/v1/notices",
            notice("outage", -HOUR, "A市の障害"),
        )
        .await;
    assert_eq!(st, 201, "a grant of manage_notices is enough: {a_notice}");
    let a_id = id(&a_notice);
    assert!(
        audit_actions(&app, &admin)
            .await
            .iter()
            .any(|a| a == "access.denied"),
        "the refused attempt is audited"
    );

    let service = publish_service_wide(&app, notice("planned", 3 * DAY, "全体メンテナンス"));

    let other = app.other_tenant_admin().await;
    let (_, b_banner) = app.get(&other, "/api/v1/notices/current").await;
    assert_eq!(
        titles(&b_banner),
        ["全体メンテナンス"],
        "B sees the service's, not A's"
    );
    let (_, b_list) = app.get(&other, "/api/v1/notices").await;
    assert_eq!(b_list["total"], 0, "{b_list}");
    assert_problem(
        &app.put(
            &other,
            &format!("/api/v1/notices/{a_id}"),
            notice("outage", -HOUR, "乗っ取り"),
        )
        .await,
        404,
        "not_found",
    );
    assert_problem(
        &app.post(
            &other,
            &format!("/api/v1/notices/{a_id}/withdraw"),
            json!(null),
        )
        .await,
        404,
        "not_found",
    );
    assert_problem(
        &app.post(
            &admin,
            &format!("/api/v1/notices/{service}/withdraw"),
            json!(null),
        )
        .await,
        404,
        "not_found",
    );
    let (st, b_notice) = app
        .post(
            &other,
            "/api/v1/notices",
            notice("recovered", -HOUR, "B市の復旧"),
        )
        .await;
    assert_eq!(st, 201, "{b_notice}");

    let (_, a_banner) = app.get(&staff, "/api/v1/notices/current").await;
    assert_eq!(titles(&a_banner), ["A市の障害", "全体メンテナンス"]);
    let (_, a_list) = app.get(&admin, "/api/v1/notices").await;
    assert_eq!(a_list["total"], 1, "only A's own: {a_list}");
    assert_eq!(a_list["items"][0]["title"], "A市の障害");
    assert_eq!(a_list["items"][0]["created_by"], "koho");
}

/// Each rule has its code: the window's own codes, `validation_failed` naming the fields for
/// the title and text, `malformed_request` for an unknown kind; nothing is stored.
async fn bad_notices_are_refused_with_specific_codes(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let now = now_ms();
    let with = |start: String, end: String| json!({"kind": "planned", "starts_at": start, "ends_at": end, "title": "件名", "text": "本文"});
    for (body, code) in [
        (
            with("2026-12-20 22:00".into(), at(now + DAY)),
            "notice_time_invalid",
        ),
        (
            with(at(now + DAY), "2026-12-21T00:00:00".into()),
            "notice_time_invalid",
        ),
        (
            with(at(now + 2 * DAY), at(now + DAY)),
            "notice_end_before_start",
        ),
        (with(at(now - 2 * DAY), at(now - DAY)), "notice_end_in_past"),
        (with(at(now), at(now + 91 * DAY)), "notice_period_too_long"),
    ] {
        assert_problem(&app.post(&admin, "/api/v1/notices", body).await, 422, code);
    }
    let (st, v) = app
        .post(
            &admin,
            "/api/v1/notices",
            json!({"kind": "planned", "starts_at": at(now + DAY), "ends_at": at(now + 2 * DAY),
                   "title": "一行目\n二行目", "text": "x".repeat(2001)}),
        )
        .await;
    assert_problem(&(st, v.clone()), 422, "validation_failed");
    assert_eq!(
        v["errors"],
        json!([{"field": "title", "code": "invalid_characters"}, {"field": "text", "code": "too_long"}])
    );
    let (st, v) = app
        .post(
            &admin,
            "/api/v1/notices",
            json!({"kind": "planned", "starts_at": at(now + DAY), "ends_at": at(now + 2 * DAY),
                   "title": " ", "text": "本文"}),
        )
        .await;
    assert_problem(&(st, v.clone()), 422, "validation_failed");
    assert_eq!(v["errors"], json!([{"field": "title", "code": "required"}]));
    let mut unknown_kind = with(at(now + DAY), at(now + 2 * DAY));
    unknown_kind["kind"] = json!("maintenance");
    assert_problem(
        &app.post(&admin, "/api/v1/notices", unknown_kind).await,
        400,
        "malformed_request",
    );
    let (_, list) = app.get(&admin, "/api/v1/notices").await;
    assert_eq!(list["total"], 0, "nothing stored: {list}");
}

/// The counterparty's page asks with its link: it gets the service-wide notices and those of
/// the contract's tenant, in a fixed shape that names no tenant, privately cacheable; another
/// tenant's notice never appears; a made-up link gets the service-wide ones and nothing else.
async fn the_signing_page_shows_its_tenants_and_service_notices_only(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let sent = sent_contract(
        &app,
        json!([{"organization_name": "合同会社サンプル", "name": "高橋 次郎", "email": "takahashi@example.jp"}]),
        false,
    )
    .await;
    app.run_jobs().await;
    let token = newest_link(&app.outbox(), "takahashi@example.jp");

    let (st, _) = app
        .post(
            &sent.admin,
            "/api/v1/notices",
            notice("outage", -HOUR, "A市の障害"),
        )
        .await;
    assert_eq!(st, 201);
    let other = app.other_tenant_admin().await;
    let (st, _) = app
        .post(
            &other,
            "/api/v1/notices",
            notice("outage", -HOUR, "B市の障害"),
        )
        .await;
    assert_eq!(st, 201);
    publish_service_wide(&app, notice("planned", 2 * DAY, "全体メンテナンス"));
    // Ahead by more than the banner's week: not shown yet.
    publish_service_wide(&app, notice("planned", 8 * DAY, "来月のメンテナンス"));

    let (st, v, headers) = app
        .send(TestRequest::get().uri(&format!("/api/v1/signing/{token}/notices")))
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(titles(&v), ["A市の障害", "全体メンテナンス"]);
    assert_eq!(
        headers.get("cache-control").unwrap(),
        "private, max-age=60",
        "cacheable by the browser only: the path holds the link"
    );
    let keys = |o: &Value| {
        let mut k: Vec<String> = o.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&v), ["notices"]);
    for n in v["notices"].as_array().unwrap() {
        assert_eq!(
            keys(n),
            [
                "active",
                "ends_at",
                "id",
                "kind",
                "starts_at",
                "text",
                "title"
            ],
            "nothing names a tenant or a publisher"
        );
    }

    let (st, v, _) = app
        .send(TestRequest::get().uri("/api/v1/signing/made-up-link-0123456789/notices"))
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(titles(&v), ["全体メンテナンス"]);
    let long = "x".repeat(5000);
    let (st, v, _) = app
        .send(TestRequest::get().uri(&format!("/api/v1/signing/{long}/notices")))
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(titles(&v), ["全体メンテナンス"]);

    // The banner is bounded: a flood of the tenant's own notices leaves at most five, and the
    // service-wide one still among them.
    for i in 0..7 {
        let (st, _) = app
            .post(
                &sent.admin,
                "/api/v1/notices",
                notice("planned", DAY + i * HOUR, &format!("A市 {i}")),
            )
            .await;
        assert_eq!(st, 201);
    }
    let (_, v, _) = app
        .send(TestRequest::get().uri(&format!("/api/v1/signing/{token}/notices")))
        .await;
    let shown = titles(&v);
    assert_eq!(shown.len(), 5, "{shown:?}");
    assert_eq!(shown[0], "A市の障害", "the active outage first");
    assert!(shown.iter().any(|t| t == "全体メンテナンス"), "{shown:?}");
    assert!(!shown.iter().any(|t| t.starts_with("B市")));
}

/// Where the mails arrive: the real SMTP sink when aiosmtpd is installed, else the outbox.
struct MailDir {
    dir: PathBuf,
    _sink: Option<SmtpSink>,
}

/// (recipient, subject, text) of every mail in `dir`.
fn mails(dir: &Path) -> Vec<(String, String, String)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "eml"));
    files.sort();
    files
        .iter()
        .filter_map(|p| {
            let raw = std::fs::read(p).unwrap();
            let msg = mail_parser::MessageParser::default().parse(&raw)?;
            let to = msg.to()?.first()?.address()?.to_owned();
            Some((
                to,
                msg.subject().unwrap_or_default().to_owned(),
                msg.body_text(0).unwrap_or_default().into_owned(),
            ))
        })
        .collect()
}

/// Runs the queue as of `at`; the mails a job queues are due at the real time, so "now" is
/// taken a second ahead.
async fn run_jobs_at<S>(app: &TestApp<S>, at: i64) {
    let at = at.max(now_ms() + 1000);
    let state = app.state.clone();
    actix_web::web::block(move || {
        let registry = backend::startup::job_registry(&state).unwrap();
        backend::jobs::run_until_idle_at(&state.pool, &registry, backend::clock::Millis(at))
            .unwrap()
    })
    .await
    .unwrap();
}

/// Publishing planned maintenance mails every administrator of the tenant (not the clerks) at
/// once; a day before the start they are reminded; running the queue again, or on another
/// node, sends nothing twice. A withdrawn notice's reminder, and the reminder of a start that
/// was moved, send nothing; the moved start gets its own mails.
async fn planned_maintenance_is_mailed_to_administrators_once_and_the_day_before(backend: Backend) {
    let port = free_port().to_string();
    let python = SmtpSink::python();
    let smtp = [
        ("TACHIAI_MAIL_TRANSPORT", "smtp"),
        ("TACHIAI_SMTP_HOST", "127.0.0.1"),
        ("TACHIAI_SMTP_PORT", port.as_str()),
        ("TACHIAI_SMTP_SECURITY", "none"),
    ];
    let Some(app) = spawn_with(backend, if python.is_some() { &smtp[..] } else { &[] }).await
    else {
        return;
    };
    let mail = match python {
        Some(p) => {
            let dir = app.db.dir.join("smtp-received");
            MailDir {
                dir: dir.clone(),
                _sink: Some(SmtpSink::start(&p, port.parse().unwrap(), &dir)),
            }
        }
        None => MailDir {
            dir: app.outbox(),
            _sink: None,
        },
    };
    let admin = app.admin().await;
    app.create_user(&admin, "kanri2", &["admin"], &[]).await;
    app.create_user(&admin, "tanaka", &["staff"], &[]).await;

    let start = now_ms() + 3 * DAY;
    let (st, v) = app
        .post(
            &admin,
            "/api/v1/notices",
            json!({"kind": "planned", "starts_at": at(start), "ends_at": at(start + 2 * HOUR),
                   "title": "定期メンテナンス <b>", "text": "サーバーの更新作業を行います。"}),
        )
        .await;
    assert_eq!(st, 201, "{v}");

    // An outage is not mailed.
    let (st, _) = app
        .post(&admin, "/api/v1/notices", notice("outage", -HOUR, "障害"))
        .await;
    assert_eq!(st, 201);

    run_jobs_at(&app, now_ms()).await;
    run_jobs_at(&app, now_ms()).await;
    let sent = mails(&mail.dir);
    let mut to: Vec<&str> = sent.iter().map(|m| m.0.as_str()).collect();
    to.sort();
    assert_eq!(
        to,
        ["admin@example.invalid", "kanri2@city.example.lg.jp"],
        "each administrator once, no clerk"
    );
    for (_, subject, text) in &sent {
        assert!(
            subject.starts_with("【立会】計画メンテナンスのお知らせ：定期メンテナンス <b>"),
            "{subject}"
        );
        let ja = text.find("サーバーの更新作業を行います。").unwrap();
        let en = text.find("Planned maintenance").unwrap_or(usize::MAX);
        assert!(ja < en, "Japanese first: {text}");
    }

    // Two days later nothing new; a day before the start, the reminder, once.
    run_jobs_at(&app, start - 2 * DAY).await;
    assert_eq!(mails(&mail.dir).len(), 2);
    run_jobs_at(&app, start - DAY + 60_000).await;
    run_jobs_at(&app, start - DAY + 120_000).await;
    let sent = mails(&mail.dir);
    assert_eq!(sent.len(), 4, "{sent:?}");
    assert_eq!(
        sent.iter()
            .filter(|m| m.1.contains("計画メンテナンスの前日のお知らせ"))
            .count(),
        2
    );

    // A second notice: moved, then the copy is withdrawn. Nothing of the old start is sent.
    let start2 = now_ms() + 5 * DAY;
    let (_, v) = app
        .post(
            &admin,
            "/api/v1/notices",
            json!({"kind": "planned", "starts_at": at(start2), "ends_at": at(start2 + HOUR),
                   "title": "移動するメンテナンス", "text": "本文"}),
        )
        .await;
    let moved = id(&v);
    let start3 = start2 + 2 * DAY;
    let (st, v) = app
        .put(
            &admin,
            &format!("/api/v1/notices/{moved}"),
            json!({"kind": "planned", "starts_at": at(start3), "ends_at": at(start3 + HOUR),
                   "title": "移動するメンテナンス", "text": "日程を変更しました。"}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let (_, v) = app
        .post(
            &admin,
            "/api/v1/notices",
            json!({"kind": "planned", "starts_at": at(start2), "ends_at": at(start2 + HOUR),
                   "title": "取り下げるメンテナンス", "text": "本文"}),
        )
        .await;
    let dropped = id(&v);
    run_jobs_at(&app, now_ms()).await;
    let (st, _) = app
        .post(
            &admin,
            &format!("/api/v1/notices/{dropped}/withdraw"),
            json!(null),
        )
        .await;
    assert_eq!(st, 200);
    let before = mails(&mail.dir).len();
    run_jobs_at(&app, start2 - DAY + 60_000).await;
    let after_old: Vec<_> = mails(&mail.dir).into_iter().skip(before).collect();
    assert!(
        after_old.is_empty(),
        "no reminder for a withdrawn notice or a moved start: {after_old:?}"
    );
    run_jobs_at(&app, start3 - DAY + 60_000).await;
    let reminders: Vec<_> = mails(&mail.dir)
        .into_iter()
        .skip(before)
        .filter(|m| m.1.contains("前日") && m.1.contains("移動するメンテナンス"))
        .collect();
    assert_eq!(
        reminders.len(),
        2,
        "the moved start is reminded: {reminders:?}"
    );

    // At least once: the announcement's job run again (a worker that died after queuing the
    // mails, or a second node) queues nothing new.
    let total = mails(&mail.dir).len();
    app.with_conn(|conn| {
        backend::jobs::enqueue(
            conn,
            backend::jobs::NewJob::new(
                backend::workflow::notices::MAIL_KIND,
                json!({"notice_id": moved, "starts_at": start3, "reminder": false}),
            ),
        )
        .unwrap()
    });
    run_jobs_at(&app, now_ms()).await;
    assert_eq!(mails(&mail.dir).len(), total, "no mail twice");
}

/// `tachiai` on the test database, as the operator runs it.
fn tachiai(db: &TestDb, args: &[&str]) -> (Option<i32>, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tachiai"))
        .args(args)
        .env("TACHIAI_DATABASE_URL", &db.url)
        .env("TACHIAI_DATA_DIR", db.dir.join("cli-data"))
        .env("TACHIAI_AUDIT_KEY", backend::audit::key::current().to_hex())
        .env("TACHIAI_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `tachiai notice publish` (service-wide, and for one tenant from a text file), `list` and
/// `withdraw`: staff see what it publishes; bad input exits non-zero with one sentence and
/// stores nothing; each change is audited as `cli` on the system chain or the tenant's.
async fn the_operator_publishes_lists_and_withdraws_notices_with_the_cli(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let now = now_ms();
    let (start, end) = (at(now + DAY), at(now + DAY + 2 * HOUR));
    let (code, out, err) = tachiai(
        &app.db,
        &[
            "notice",
            "publish",
            "--kind",
            "planned",
            "--start",
            &start,
            "--end",
            &end,
            "--title",
            "全体メンテナンス",
            "--text",
            "サービス全体を停止します。",
        ],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    let service_id = out
        .strip_prefix("published notice ")
        .and_then(|s| s.split_whitespace().next())
        .unwrap_or_else(|| panic!("{out}"))
        .to_owned();
    assert!(out.contains("service-wide"), "{out}");

    let text_file = app.db.dir.join("notice.txt");
    std::fs::write(&text_file, "dev市のみの障害です。\n復旧作業中です。").unwrap();
    let (code, out, err) = tachiai(
        &app.db,
        &[
            "notice",
            "publish",
            "--kind",
            "outage",
            "--start",
            &at(now - HOUR),
            "--end",
            &at(now + HOUR),
            "--title",
            "dev市の障害",
            "--text-file",
            text_file.to_str().unwrap(),
            "--tenant",
            "dev",
        ],
    );
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("tenant dev"), "{out}");

    let (_, banner) = app.get(&admin, "/api/v1/notices/current").await;
    assert_eq!(titles(&banner), ["dev市の障害", "全体メンテナンス"]);
    assert_eq!(
        banner["notices"][0]["text"],
        "dev市のみの障害です。\n復旧作業中です。"
    );
    let (_, own) = app.get(&admin, "/api/v1/notices").await;
    assert_eq!(
        own["total"], 1,
        "the operator's notice for dev is dev's: {own}"
    );

    for (args, says) in [
        (
            vec![
                "--kind",
                "planned",
                "--start",
                end.as_str(),
                "--end",
                start.as_str(),
            ],
            "notice_end_before_start",
        ),
        (
            vec![
                "--kind",
                "planned",
                "--start",
                "tomorrow",
                "--end",
                end.as_str(),
            ],
            "notice_time_invalid",
        ),
        (
            vec![
                "--kind",
                "planned",
                "--start",
                start.as_str(),
                "--end",
                end.as_str(),
                "--tenant",
                "nowhere",
            ],
            "no tenant with code nowhere",
        ),
        (
            vec![
                "--kind",
                "maintenance",
                "--start",
                start.as_str(),
                "--end",
                end.as_str(),
            ],
            "unknown kind",
        ),
    ] {
        let mut all = vec!["notice", "publish", "--title", "誤り", "--text", "本文"];
        all.extend(args);
        let (code, out, err) = tachiai(&app.db, &all);
        assert_ne!(code, Some(0), "{all:?}: {out}");
        assert!(err.contains(says), "{all:?}: {err}");
    }
    let (code, _, err) = tachiai(
        &app.db,
        &[
            "notice", "publish", "--kind", "planned", "--start", &start, "--end", &end, "--title",
            "x\u{7}", "--text", "t",
        ],
    );
    assert_eq!(code, Some(1));
    assert_eq!(err.trim().lines().count(), 1, "one sentence: {err}");
    assert!(err.contains("--title"), "{err}");

    let (code, out, _) = tachiai(&app.db, &["notice", "list"]);
    assert_eq!(code, Some(0));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        out.contains(&format!("{service_id}\t*\tplanned\t")),
        "{out}"
    );
    assert!(
        out.contains("\tdev\toutage\t") && out.contains("\tactive\tdev市の障害"),
        "{out}"
    );

    let (code, out, err) = tachiai(&app.db, &["notice", "withdraw", &service_id]);
    assert_eq!(code, Some(0), "{out}{err}");
    let (code, _, err) = tachiai(&app.db, &["notice", "withdraw", &service_id]);
    assert_eq!(code, Some(1));
    assert!(err.contains("notice_withdrawn"), "{err}");
    let (code, _, err) = tachiai(
        &app.db,
        &["notice", "withdraw", "00000000-0000-0000-0000-00000000abcd"],
    );
    assert_eq!(code, Some(1));
    assert!(err.contains("no notice with ID"), "{err}");
    let (_, out, _) = tachiai(&app.db, &["notice", "list"]);
    assert!(out.contains("\twithdrawn\t全体メンテナンス"), "{out}");
    let (_, banner) = app.get(&admin, "/api/v1/notices/current").await;
    assert_eq!(titles(&banner), ["dev市の障害"]);

    // Audited as the operator: service-wide on the system chain, dev's on dev's.
    let system: Vec<(String, String)> = app.with_conn(|conn| {
        backend::db::queries::audit_events::chain_batch(
            conn,
            backend::audit::SYSTEM_CHAIN_ID,
            0,
            1_000_000,
        )
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.actor_label))
        .collect()
    });
    for a in ["notice.published", "notice.withdrawn"] {
        assert!(
            system.iter().any(|(x, who)| x == a && who == "cli"),
            "{a}: {system:?}"
        );
    }
    let (_, log) = app.get(&admin, "/api/v1/audit-events?per_page=200").await;
    assert!(
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "notice.published" && e["actor_label"] == "cli"),
        "{log}"
    );
}
