//! 月次利用状況報告 (monthly usage report) through the API on both databases: contracts in every
//! state made by real transitions in two departments, every figure of the month checked per
//! department; the JST month boundary; the CSV bytes and the PDF; the job on the 1st that stores
//! each tenant's month once and mails the administrators; refusals and tenant isolation.

use std::path::Path;

use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::helpers::{Backend, Session, TestApp, assert_problem, id, spawn, user_password};
use crate::journey::{Journey, bearer, confirm, mails_to};
use crate::support::corpus;
use crate::{on_both_databases, upload};

on_both_databases!(
    the_month_is_counted_per_department_and_reported_once_on_the_first,
    bad_months_clerks_and_other_tenants_are_refused,
);

/// Status, headers and the raw body of a GET with `s`'s session.
async fn get_raw(
    app: &TestApp<
        impl actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
            Error = actix_web::Error,
        >,
    >,
    s: &Session,
    path: &str,
) -> (u16, actix_web::http::header::HeaderMap, Vec<u8>) {
    let res = actix_web::test::call_service(
        &app.svc,
        TestRequest::get()
            .uri(path)
            .insert_header(("Cookie", format!("tachiai_session={}", s.cookie)))
            .peer_addr("192.0.2.10:40000".parse().unwrap())
            .to_request(),
    )
    .await;
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = actix_web::test::read_body(res).await.to_vec();
    (status, headers, body)
}

/// A contract of `dept` drafted by `s` with the corpus PDF and `recipients`; sent when `send`
/// (and the sending seal made).
async fn contract(
    app: &TestApp<
        impl actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
            Error = actix_web::Error,
        >,
    >,
    s: &Session,
    title: &str,
    recipients: Value,
    send: bool,
) -> String {
    let (st, c) = app
        .post(
            s,
            "/api/v1/contracts",
            json!({"title": title, "counterparty_name": "株式会社テスト商事"}),
        )
        .await;
    assert_eq!(st, 201, "{c}");
    let cid = id(&c);
    let (st, v) = upload!(
        app,
        s,
        cid,
        "main",
        "contract.pdf",
        corpus("libreoffice-ja-contract.pdf")
    );
    assert_eq!(st, 201, "{v}");
    let (st, v) = app
        .put(
            s,
            &format!("/api/v1/contracts/{cid}/recipients"),
            json!({"recipients": recipients}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    if send {
        let (st, v) = app
            .post(s, &format!("/api/v1/contracts/{cid}/send"), json!({}))
            .await;
        assert_eq!(st, 200, "{v}");
        app.run_jobs().await;
    }
    cid
}

fn party(name: &str, email: &str) -> Value {
    json!({"organization_name": "合同会社サンプル", "name": name, "email": email})
}

/// The row of `department` in a report's JSON.
fn row<'a>(report: &'a Value, department: &str) -> &'a Value {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["department"] == department)
        .unwrap_or_else(|| panic!("no row {department} in {report}"))
}

/// The figures of a row, in the CSV's column order.
fn figures(r: &Value) -> [i64; 11] {
    [
        "created",
        "sent",
        "concluded",
        "declined",
        "expired",
        "cancelled",
        "recipients",
        "active_users",
        "storage_bytes",
        "seals",
        "timestamps",
    ]
    .map(|k| r[k].as_i64().unwrap_or_else(|| panic!("{k} in {r}")))
}

/// The bytes of every file of `cids` as the contract pages list them.
async fn stored_bytes(
    app: &TestApp<
        impl actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
            Error = actix_web::Error,
        >,
    >,
    s: &Session,
    cids: &[&str],
) -> i64 {
    let mut n = 0;
    for cid in cids {
        let (_, c) = app.get(s, &format!("/api/v1/contracts/{cid}")).await;
        n += c["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["size"].as_i64().unwrap())
            .sum::<i64>();
    }
    n
}

/// The Unix milliseconds of an RFC 3339 time.
fn ms(rfc3339: &str) -> i64 {
    let t = time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .unwrap();
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

async fn the_month_is_counted_per_department_and_reported_once_on_the_first(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    // Sending without internal approval keeps the cast small.
    let settings = json!({"name": "開発用団体", "require_totp": false, "session_idle_minutes": 30, "session_absolute_hours": 12,
        "approval_required": false, "contract_number_pattern": "R{fy}-{seq:6}", "retention_years": 10, "link_expiry_days": 14, "japanese_era": false});
    let (st, v) = app.put(&admin, "/api/v1/settings", settings).await;
    assert_eq!(st, 200, "{v}");
    let mut depts = Vec::new();
    for name in ["契約課", "財政課"] {
        let (st, d) = app
            .post(&admin, "/api/v1/departments", json!({"name": name}))
            .await;
        assert_eq!(st, 201, "{d}");
        depts.push(id(&d));
    }
    let mut clerks = Vec::new();
    for (login, dept) in [("tanaka", &depts[0]), ("suzuki", &depts[1])] {
        let (st, v) = app
            .post(
                &admin,
                "/api/v1/users",
                json!({"login_id": login, "name": format!("試験 {login}"),
                       "email": format!("{login}@city.example.lg.jp"), "department_id": dept,
                       "roles": ["staff"], "grants": [], "password": user_password(login)}),
            )
            .await;
        assert_eq!(st, 201, "{v}");
        clerks.push(app.login("dev", login, &user_password(login)).await);
    }
    let (tanaka, suzuki) = (&clerks[0], &clerks[1]);

    // 契約課: one declined (two recipients), one concluded, one cancelled as a draft.
    let declined = contract(
        &app,
        tanaka,
        "却下される契約",
        json!([
            party("高橋 次郎", "takahashi@example.jp"),
            party("伊藤 三郎", "ito@example.jp")
        ]),
        true,
    )
    .await;
    let (t, s) = confirm(&app, "takahashi@example.jp", None).await;
    let (st, v) = app
        .call(bearer(
            TestRequest::post()
                .uri(&format!("/api/v1/signing/{t}/decline"))
                .set_json(json!({"reason": "金額に誤りがあります"})),
            &s,
        ))
        .await;
    assert_eq!(st, 204, "{v}");
    let concluded = contract(
        &app,
        tanaka,
        "締結される契約",
        json!([party("山田 太郎", "yamada@example.jp")]),
        true,
    )
    .await;
    let (t, s) = confirm(&app, "yamada@example.jp", None).await;
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
    let cancelled = contract(&app, tanaka, "取り消す契約", json!([]), false).await;
    // 取消 is the administrator's (a clerk has no `cancel_contracts`).
    let (st, v) = app
        .post(
            &admin,
            &format!("/api/v1/contracts/{cancelled}/cancel"),
            json!({"comment": "重複して作成したため"}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    // 財政課: one sent that expires, one draft.
    let expired = contract(
        &app,
        suzuki,
        "期限切れになる契約",
        json!([party("佐藤 花子", "sato@example.jp")]),
        true,
    )
    .await;
    let draft = contract(&app, suzuki, "下書きの契約", json!([]), false).await;
    app.with_conn(|conn| {
        use diesel::prelude::*;
        diesel::sql_query(format!(
            "UPDATE contracts SET expires_at = {} WHERE id = '{expired}'",
            backend::clock::Millis::now().0 - 1000
        ))
        .execute(conn)
        .unwrap();
        let links = backend::workflow::signing::Links::new(&app.state.config.public_url);
        let swept =
            backend::workflow::expiry::sweep(conn, &links, backend::clock::Millis::now()).unwrap();
        assert_eq!(swept.expired, 1);
    });
    for (cid, state) in [
        (&declined, "declined"),
        (&concluded, "concluded"),
        (&cancelled, "cancelled"),
        (&expired, "expired"),
        (&draft, "draft"),
    ] {
        let (_, c) = app.get(&admin, &format!("/api/v1/contracts/{cid}")).await;
        assert_eq!(c["state"], state, "{c}");
    }

    // This month, as the page asks for it.
    let now = backend::clock::Millis::now();
    let month = backend::workflow::reports::current_month(now).to_string();
    let (st, report) = app
        .get(&admin, &format!("/api/v1/reports/monthly/{month}"))
        .await;
    assert_eq!(st, 200, "{report}");
    assert_eq!(report["month"], month);
    assert_eq!(report["partial"], true);
    assert_eq!(report["stored"], false);
    assert_eq!(report["tenant_name"], "開発用団体");
    let keiyaku = stored_bytes(&app, &admin, &[&declined, &concluded, &cancelled]).await;
    let zaisei = stored_bytes(&app, &admin, &[&expired, &draft]).await;
    // Seals: 契約課 — the declined one's at sending; the concluded one's at sending, at the
    // agreement and on its certificate. Timestamps: one per seal and two at the conclusion.
    assert_eq!(
        figures(row(&report, "契約課")),
        [3, 2, 1, 1, 0, 1, 3, 1, keiyaku, 4, 6],
        "{report}"
    );
    assert_eq!(
        figures(row(&report, "財政課")),
        [2, 1, 0, 0, 1, 0, 1, 1, zaisei, 1, 1],
        "{report}"
    );
    // The administrator has no department: 所属なし, with nothing but themselves.
    assert_eq!(
        figures(row(&report, "所属なし")),
        [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0],
        "{report}"
    );
    assert_eq!(
        figures(&report["total"]),
        [5, 3, 1, 1, 1, 1, 4, 3, keiyaku + zaisei, 5, 7],
        "{report}"
    );
    assert_eq!(
        report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["department"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["契約課", "財政課", "所属なし"],
        "by name, 所属なし last"
    );

    // The CSV: BOM, Japanese header, one line per department and the total, CRLF.
    let (st, headers, csv) = get_raw(
        &app,
        &admin,
        &format!("/api/v1/reports/monthly/{month}?format=csv"),
    )
    .await;
    assert_eq!(st, 200, "{}", String::from_utf8_lossy(&csv));
    assert_eq!(
        headers.get("content-type").unwrap(),
        "text/csv; charset=utf-8"
    );
    assert!(
        headers
            .get("content-disposition")
            .unwrap()
            .to_str()
            .unwrap()
            .contains(&format!("monthly-report_{month}.csv"))
    );
    assert!(csv.starts_with(&[0xEF, 0xBB, 0xBF]), "BOM");
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.split_terminator("\r\n").collect();
    assert_eq!(
        lines[0],
        "対象月,所属,作成件数,送信件数,締結件数,却下件数,期限切れ件数,取消件数,送信先数,利用職員数,保存容量（バイト）,電子署名数,タイムスタンプ数"
    );
    assert_eq!(
        lines[1],
        format!("{month},契約課,3,2,1,1,0,1,3,1,{keiyaku},4,6")
    );
    assert_eq!(
        lines[4],
        format!("{month},合計,5,3,1,1,1,1,4,3,{},5,7", keiyaku + zaisei)
    );
    assert_eq!(lines.len(), 5, "{text}");

    // The PDF: whole, clean, and its text is Japanese.
    let (st, headers, pdf) = get_raw(
        &app,
        &admin,
        &format!("/api/v1/reports/monthly/{month}?format=pdf"),
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(headers.get("content-type").unwrap(), "application/pdf");
    check_pdf(
        &pdf,
        &[
            "月次利用状況報告",
            "契約課",
            "財政課",
            "所属別の送信件数と締結件数",
        ],
    );

    // Every reading is in the operation log.
    let (_, log) = app
        .get(
            &admin,
            "/api/v1/audit-events?action=report.viewed&per_page=50",
        )
        .await;
    let formats: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["details"]["format"].as_str().unwrap())
        .collect();
    assert_eq!(formats, ["pdf", "csv", "json"], "{log}");

    // The JST boundary, with events recorded by the audit module at chosen times: a contract
    // concluded at 2026-03-31 23:30 JST belongs to March; one cancelled at 2026-04-01 00:00 JST
    // to April. Nothing of this month leaks into them, and March's storage is at its end (empty).
    let tenant = admin.body["me"]["tenant"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.with_conn(|conn| {
        for (action, cid, at) in [
            (
                shared::audit::AuditAction::ContractConcluded,
                &concluded,
                "2026-03-31T14:30:00Z",
            ),
            (
                shared::audit::AuditAction::ContractCancelled,
                &cancelled,
                "2026-03-31T15:00:00Z",
            ),
        ] {
            backend::audit::record(
                conn,
                &tenant,
                &backend::audit::Origin {
                    actor_id: None,
                    actor_label: "system".into(),
                    ip: None,
                    user_agent: None,
                },
                backend::audit::Entry {
                    action,
                    target: Some(("contract", cid)),
                    outcome: backend::audit::Outcome::Success,
                    details: json!({}),
                },
                backend::clock::Millis(ms(at)),
            )
            .unwrap();
        }
    });
    let (st, march) = app.get(&admin, "/api/v1/reports/monthly/2026-03").await;
    assert_eq!(st, 200, "{march}");
    assert_eq!(march["partial"], false);
    assert_eq!(march["from"], "2026-02-28T15:00:00Z");
    assert_eq!(march["until"], "2026-03-31T15:00:00Z");
    assert_eq!(
        figures(&march["total"]),
        [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2],
        "{march}"
    );
    assert_eq!(figures(row(&march, "契約課"))[2], 1);
    let (_, april) = app.get(&admin, "/api/v1/reports/monthly/2026-04").await;
    assert_eq!(
        figures(&april["total"]),
        [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0],
        "{april}"
    );

    // A second tenant, for the job and for isolation.
    let other = app.other_tenant_admin().await;
    let (_, theirs) = app
        .get(&other, &format!("/api/v1/reports/monthly/{month}"))
        .await;
    assert_eq!(theirs["tenant_name"], "別市");
    assert_eq!(
        figures(&theirs["total"])[..8],
        [0, 0, 0, 0, 0, 0, 0, 1],
        "only their own administrator: {theirs}"
    );
    assert_eq!(theirs["total"]["storage_bytes"], 0);
    assert!(
        theirs["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["department"] == "所属なし"),
        "{theirs}"
    );

    // The 1st of next month, 00:10 JST: each tenant's month is enqueued once, whichever process
    // and however often; the job stores it and mails the administrators.
    let next =
        backend::workflow::reports::window(backend::workflow::reports::current_month(now)).until;
    let first = backend::clock::Millis(next + 10 * 60_000);
    let state = app.state.clone();
    let (enqueued, runs, again) = actix_web::web::block(move || {
        let mut conn = state.pool.get().unwrap();
        let enqueued = (0..3)
            .map(|_| backend::workflow::reports::schedule_due(&mut conn, first).unwrap())
            .collect::<Vec<_>>();
        let registry = backend::startup::job_registry(&state).unwrap();
        let runs = backend::jobs::run_until_idle_at(&state.pool, &registry, first).unwrap();
        backend::workflow::reports::schedule_due(&mut conn, first).unwrap();
        let again = backend::jobs::run_until_idle_at(&state.pool, &registry, first).unwrap();
        (enqueued, runs, again)
    })
    .await
    .unwrap();
    assert_eq!(enqueued, [2, 2, 2], "both tenants looked at each time");
    assert_eq!(again.done, 0, "nothing left: {again:?}");
    let stored: Vec<(String, String)> = app.with_conn(|conn| {
        use backend::db::schema::monthly_reports as m;
        use diesel::prelude::*;
        m::table
            .select((m::tenant_id, m::month))
            .order(m::tenant_id)
            .load(conn)
            .unwrap()
    });
    assert_eq!(stored.len(), 2, "one per tenant: {stored:?}");
    assert!(stored.iter().all(|(_, m)| *m == month));
    let jobs: i64 = app.with_conn(|conn| {
        use diesel::prelude::*;
        diesel::sql_query("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'report.monthly'")
            .get_result::<Count>(conn)
            .unwrap()
            .n
    });
    assert_eq!(jobs, 2, "deduplicated per tenant and month; runs: {runs:?}");
    app.run_jobs().await;
    let label = {
        let m = shared::report::ReportMonth::parse(&month).unwrap();
        m.label_ja()
    };
    for (to, tenant_name) in [
        ("admin@example.invalid", "開発用団体"),
        ("admin@other.example.lg.jp", "別市"),
    ] {
        let mails: Vec<String> = mails_to(&app.outbox(), to)
            .into_iter()
            .filter(|m| m.contains("利用状況報告を作成しました"))
            .collect();
        assert_eq!(mails.len(), 1, "{to}: {mails:?}");
        assert!(mails[0].contains(&label) && mails[0].contains(tenant_name));
        assert!(
            mails[0].contains(&format!("/reports?month={month}")),
            "{}",
            mails[0]
        );
    }
    assert!(
        mails_to(&app.outbox(), "tanaka@city.example.lg.jp")
            .iter()
            .all(|m| !m.contains("月次利用状況報告")),
        "clerks are not mailed"
    );
    let (_, log) = app
        .get(&admin, "/api/v1/audit-events?action=report.generated")
        .await;
    assert_eq!(log["total"], 1, "{log}");
    assert_eq!(log["items"][0]["details"]["mailed"], 1);
    // The mailed link shows the stored month: the figures as computed on the 1st (the month
    // over, storage at its end).
    let (_, stored) = app
        .get(&admin, &format!("/api/v1/reports/monthly/{month}"))
        .await;
    assert_eq!(stored["stored"], true);
    assert_eq!(stored["partial"], false);
    assert_eq!(
        figures(&stored["total"])[..8],
        [5, 3, 1, 1, 1, 1, 4, 3],
        "{stored}"
    );
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// `%PDF`, `%%EOF`; when the validators are installed: `qpdf --check` passes and `pdftotext`
/// finds every one of `texts`.
fn check_pdf(pdf: &[u8], texts: &[&str]) {
    assert!(pdf.starts_with(b"%PDF-") && pdf.ends_with(b"%%EOF"));
    let dir = std::env::temp_dir().join(format!("tachiai-report-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("report.pdf");
    std::fs::write(&file, pdf).unwrap();
    check_with_qpdf(&file);
    if let Some(text) = crate::helpers::pdftotext(&file) {
        let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        for t in texts {
            assert!(flat.contains(t), "{t} not in {text}");
        }
        assert!(!text.contains('〓'), "a character the font lacks: {text}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

fn check_with_qpdf(file: &Path) {
    match std::process::Command::new("qpdf")
        .arg("--check")
        .arg(file)
        .output()
    {
        Ok(out) => {
            let text = String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "qpdf --check: {text}");
            assert!(!text.to_lowercase().contains("warning"), "{text}");
        }
        Err(_) => {
            assert!(
                !crate::support::validators_required(),
                "qpdf is required (tools/install-validators)"
            );
            eprintln!("NOTICE: qpdf missing; the report PDF not checked by it");
        }
    }
}

async fn bad_months_clerks_and_other_tenants_are_refused(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    for (month, code) in [
        ("2026-13", "report_month_invalid"),
        ("2026-00", "report_month_invalid"),
        ("2026-1", "report_month_invalid"),
        ("26-11", "report_month_invalid"),
        ("1999-12", "report_month_invalid"),
        ("2099-01", "report_month_in_future"),
    ] {
        assert_problem(
            &app.get(&admin, &format!("/api/v1/reports/monthly/{month}"))
                .await,
            422,
            code,
        );
    }
    let next = backend::workflow::reports::current_month(backend::clock::Millis::now()).next();
    assert_problem(
        &app.get(&admin, &format!("/api/v1/reports/monthly/{next}"))
            .await,
        422,
        "report_month_in_future",
    );
    assert_problem(
        &app.get(&admin, "/api/v1/reports/monthly/2026-11?format=xlsx")
            .await,
        422,
        "report_format_invalid",
    );
    // A clerk has no `view_reports`: refused and audited; a grant gives it.
    app.create_user(&admin, "tanaka", &["staff"], &[]).await;
    let clerk = app.login("dev", "tanaka", &user_password("tanaka")).await;
    assert_problem(
        &app.get(&clerk, "/api/v1/reports/monthly/2026-11?format=csv")
            .await,
        403,
        "forbidden",
    );
    let (_, log) = app
        .get(&admin, "/api/v1/audit-events?action=access.denied")
        .await;
    assert!(
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["details"]["required"] == "view_reports"),
        "{log}"
    );
    app.create_user(&admin, "keiri", &["staff"], &["view_reports"])
        .await;
    let granted = app.login("dev", "keiri", &user_password("keiri")).await;
    let (st, v) = app.get(&granted, "/api/v1/reports/monthly/2026-11").await;
    assert_eq!(st, 200, "{v}");
    // Another tenant's administrator sees only their own tenant: none of `dev`'s contracts.
    let (st, c) = app
        .post(
            &admin,
            "/api/v1/contracts",
            json!({"title": "自団体の契約", "counterparty_name": "株式会社テスト商事"}),
        )
        .await;
    assert_eq!(st, 201, "{c}");
    let other = app.other_tenant_admin().await;
    let month = backend::workflow::reports::current_month(backend::clock::Millis::now());
    let (_, mine) = app
        .get(&admin, &format!("/api/v1/reports/monthly/{month}"))
        .await;
    let (_, theirs) = app
        .get(&other, &format!("/api/v1/reports/monthly/{month}"))
        .await;
    assert_eq!(mine["total"]["created"], 1, "{mine}");
    assert_eq!(theirs["total"]["created"], 0, "{theirs}");
    assert_eq!(theirs["tenant_name"], "別市");

    // The operator's copy: `tachiai report monthly`, the format by the extension, written whole.
    let dir = app.db.dir.join("cli-out");
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("report.csv");
    let (code, _, err) = tachiai(
        &app,
        &[
            "report",
            "monthly",
            &month.to_string(),
            "--tenant",
            "dev",
            "-o",
            csv.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    let bytes = std::fs::read(&csv).unwrap();
    assert!(bytes.starts_with("\u{feff}対象月,所属,作成件数".as_bytes()));
    assert!(String::from_utf8_lossy(&bytes).contains(&format!("{month},合計,1,")));
    for (args, says) in [
        (
            vec!["report", "monthly", "2026-13", "--tenant", "dev", "-o"],
            "YYYY-MM",
        ),
        (
            vec!["report", "monthly", "2026-11", "--tenant", "nosuch", "-o"],
            "no tenant",
        ),
    ] {
        let target = dir.join("refused.pdf");
        let mut args = args;
        let path = target.to_str().unwrap().to_owned();
        args.push(&path);
        let (code, _, err) = tachiai(&app, &args);
        assert_eq!(code, Some(1), "{err}");
        assert!(err.contains(says), "{err}");
        assert!(!target.exists(), "nothing written");
    }
}

/// Runs the `tachiai` binary on the test app's database, signing audit events with this test
/// process's key.
fn tachiai<S>(app: &TestApp<S>, args: &[&str]) -> (Option<i32>, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tachiai"))
        .args(args)
        .env("TACHIAI_DATABASE_URL", &app.db.url)
        .env("TACHIAI_DATA_DIR", app.db.dir.join("cli-data"))
        .env("TACHIAI_LOG", "warn")
        .env("TACHIAI_AUDIT_KEY", backend::audit::key::current().to_hex())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
