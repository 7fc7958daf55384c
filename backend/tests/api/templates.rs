//! Document templates (ひな形) and bulk sending from CSV (一括送信) through the API: per
//! department, permissions and tenants; a contract made from a template; a CSV checked whole
//! (Shift_JIS, UTF-8 with BOM, broken bytes, missing columns, too many rows) and, accepted,
//! created and sent through the job queue with its progress.

use actix_web::test::TestRequest;
use diesel::RunQueryDsl;
use serde_json::{Value, json};

use crate::helpers::{Backend, Session, assert_problem, id, spawn, urlencode, user_password};
use crate::journey::{Journey, mails_to};
use crate::on_both_databases;
use crate::support::corpus;

on_both_databases!(
    templates_belong_to_departments_and_make_contracts,
    a_shift_jis_csv_of_500_rows_is_checked_whole_then_sent,
    csv_files_are_refused_by_encoding_columns_and_size,
);

/// `SELECT count(*) …` on the app's database.
fn count<S, B>(app: &crate::helpers::TestApp<S>, sql: &str) -> i64
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    app.with_conn(|conn| {
        diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!(
            "({sql})"
        )))
        .get_result(conn)
        .unwrap()
    })
}

/// A department named `name`; its id.
async fn department<S, B>(app: &crate::helpers::TestApp<S>, admin: &Session, name: &str) -> String
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let (st, d) = app
        .post(admin, "/api/v1/departments", json!({"name": name}))
        .await;
    assert_eq!(st, 201, "{d}");
    id(&d)
}

/// A staff user `login` of `department`, logged in.
async fn staff_of<S, B>(
    app: &crate::helpers::TestApp<S>,
    admin: &Session,
    login: &str,
    department: &str,
    roles: &[&str],
) -> Session
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let (st, body) = app
        .post(
            admin,
            "/api/v1/users",
            json!({
                "login_id": login, "name": format!("試験 {login}"),
                "email": format!("{login}@city.example.lg.jp"), "department_id": department,
                "roles": roles, "grants": [], "password": user_password(login),
            }),
        )
        .await;
    assert_eq!(st, 201, "{body}");
    app.login("dev", login, &user_password(login)).await
}

/// A template body with the usual defaults.
fn template_body(name: &str, route: Option<&str>) -> Value {
    json!({
        "name": name,
        "route_template_id": route,
        "fields": {
            "title": "物品購入契約", "amount_yen": 120000, "period_start": "2026-04-01",
            "period_end": "2027-03-31", "notes": "ひな形の備考", "message": "ご確認ください。",
            "stamp": {"page": 1, "x": 400.0, "y": 60.0, "width": 150.0, "height": 50.0},
        },
        "recipient_slots": [{"label": "受注者"}],
    })
}

async fn upload_template_file<S, B>(
    app: &crate::helpers::TestApp<S>,
    s: &Session,
    template: &str,
    role: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (actix_web::http::StatusCode, Value)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let (st, body, _) = app
        .send(
            TestRequest::post()
                .uri(&format!(
                    "/api/v1/templates/{template}/documents?role={role}&file_name={}",
                    urlencode(name)
                ))
                .insert_header(("Cookie", format!("tachiai_session={}", s.cookie)))
                .insert_header(("X-CSRF-Token", s.csrf.clone()))
                .set_payload(bytes),
        )
        .await;
    (st, body)
}

async fn templates_belong_to_departments_and_make_contracts(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let keiyaku = department(&app, &admin, "契約課").await;
    let zaisei = department(&app, &admin, "財政課").await;
    let tanaka = staff_of(&app, &admin, "tanaka", &keiyaku, &["staff"]).await;
    let suzuki = staff_of(&app, &admin, "suzuki", &zaisei, &["staff"]).await;
    let viewer = staff_of(&app, &admin, "etsuran", &keiyaku, &["viewer"]).await;
    let boss_id = app.create_user(&admin, "kacho", &["approver"], &[]).await;
    let (st, route) = app
        .post(
            &admin,
            "/api/v1/approval-route-templates",
            json!({"name": "課長決裁", "steps": [{"name": "課長", "rule": "any", "approver_ids": [boss_id]}]}),
        )
        .await;
    assert_eq!(st, 201, "{route}");

    // A viewer may not manage templates; staff manage their own department's only.
    let refused = app
        .post(
            &viewer,
            "/api/v1/templates",
            template_body("閲覧者の", None),
        )
        .await;
    assert_problem(&refused, 403, "forbidden");
    let mut other = template_body("財政課の", None);
    other["department_id"] = json!(zaisei);
    assert_problem(
        &app.post(&tanaka, "/api/v1/templates", other).await,
        403,
        "forbidden",
    );
    let mut bad = template_body("", None);
    bad["fields"]["amount_yen"] = json!(-1);
    bad["recipient_slots"] = json!([{"label": "受注者", "email": "not-an-address"}]);
    let got = app.post(&tanaka, "/api/v1/templates", bad).await;
    assert_problem(&got, 422, "validation_failed");
    let fields: Vec<&str> = got.1["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["name", "recipient_slots[0].email", "fields.amount_yen"],
        "{}",
        got.1
    );

    let (st, t) = app
        .post(
            &tanaka,
            "/api/v1/templates",
            template_body("物品購入（標準）", Some(&id(&route))),
        )
        .await;
    assert_eq!(st, 201, "{t}");
    assert_eq!(
        t["department_id"],
        json!(keiyaku),
        "own department by default"
    );
    assert_eq!(t["route_template_name"], "課長決裁");
    let tid = id(&t);
    let pdf = corpus("libreoffice-ja-contract.pdf");
    let (st, v) =
        upload_template_file(&app, &tanaka, &tid, "main", "契約書.pdf", pdf.clone()).await;
    assert_eq!(st, 201, "{v}");
    let (st, v) = upload_template_file(
        &app,
        &tanaka,
        &tid,
        "attachment",
        "仕様書.txt",
        "仕様\n".as_bytes().to_vec(),
    )
    .await;
    assert_eq!(st, 201, "{v}");
    assert_eq!(v["documents"].as_array().unwrap().len(), 2);
    assert_eq!(v["documents"][0]["role"], "main");
    let (st, refused) = upload_template_file(
        &app,
        &tanaka,
        &tid,
        "main",
        "壊れた.pdf",
        b"%PDF-1.7 nonsense".to_vec(),
    )
    .await;
    assert!(st == 422 || st == 400, "{st} {refused}");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM template_documents WHERE removed_at IS NULL"
        ),
        2,
        "a refused PDF replaces nothing"
    );

    // Another department's staff neither see nor use it; the other tenant does not either.
    let (st, list) = app.get(&suzuki, "/api/v1/templates").await;
    assert_eq!(st, 200);
    assert_eq!(list.as_array().unwrap().len(), 0, "{list}");
    for got in [
        app.get(&suzuki, &format!("/api/v1/templates/{tid}")).await,
        app.post(
            &suzuki,
            &format!("/api/v1/templates/{tid}/contracts"),
            json!({}),
        )
        .await,
        app.put(
            &suzuki,
            &format!("/api/v1/templates/{tid}"),
            template_body("x", None),
        )
        .await,
    ] {
        assert_problem(&got, 404, "not_found");
    }
    let stranger = app.other_tenant_admin().await;
    assert_problem(
        &app.get(&stranger, &format!("/api/v1/templates/{tid}"))
            .await,
        404,
        "not_found",
    );
    let (_, list) = app.get(&stranger, "/api/v1/templates").await;
    assert_eq!(list, json!([]));
    // The administrator (every department) sees it.
    let (_, list) = app.get(&admin, "/api/v1/templates").await;
    assert_eq!(list.as_array().unwrap().len(), 1);

    // 「ひな形から作成」: every slot must end up complete.
    let path = format!("/api/v1/templates/{tid}/contracts");
    let got = app
        .post(
            &tanaka,
            &path,
            json!({"counterparty_name": "株式会社テスト商事", "recipients": [{"name": "高橋"}]}),
        )
        .await;
    assert_problem(&got, 422, "validation_failed");
    assert_eq!(
        got.1["errors"][0]["field"], "recipients[0].email",
        "{}",
        got.1
    );
    let (st, c) = app
        .post(
            &tanaka,
            &path,
            json!({"counterparty_name": "株式会社テスト商事", "amount_yen": 98000,
                   "recipients": [{"name": "高橋 一郎", "email": "takahashi@example.jp"}]}),
        )
        .await;
    assert_eq!(st, 201, "{c}");
    assert_eq!(c["state"], "draft");
    assert_eq!(c["title"], "物品購入契約");
    assert_eq!(c["amount_yen"], 98000);
    assert_eq!(c["period_end"], "2027-03-31");
    assert_eq!(c["stamp"]["width"], 150.0, "{c}");
    assert_eq!(c["documents"].as_array().unwrap().len(), 2, "{c}");
    // The same files (blobs shared by hash), in whatever order they were inserted.
    let hashes = |v: &Value| {
        let mut h: Vec<String> = v["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["sha256"].as_str().unwrap().to_owned())
            .collect();
        h.sort();
        h
    };
    assert_eq!(hashes(&c), hashes(&v));
    assert_eq!(
        c["recipients"][0]["organization_name"],
        "株式会社テスト商事"
    );
    assert_eq!(c["recipients"][0]["email"], "takahashi@example.jp");
    assert_eq!(c["approval_steps"].as_array().map(Vec::len), Some(1), "{c}");
    // The draft goes on as any other: submitted for approval.
    let (st, v) = app
        .post(
            &tanaka,
            &format!("/api/v1/contracts/{}/submit", id(&c)),
            json!({}),
        )
        .await;
    assert_eq!(st, 200, "{v}");

    // Archived: no longer offered, and no contract is made from it.
    let mut archived = template_body("物品購入（標準）", Some(&id(&route)));
    archived["archived"] = json!(true);
    let (st, _) = app
        .put(&tanaka, &format!("/api/v1/templates/{tid}"), archived)
        .await;
    assert_eq!(st, 200);
    let (_, list) = app.get(&tanaka, "/api/v1/templates").await;
    assert_eq!(list, json!([]));
    assert_problem(&app.post(&tanaka, &path, json!({})).await, 404, "not_found");

    for action in [
        "template.created",
        "template.updated",
        "contract.created_from_template",
    ] {
        assert!(
            count(
                &app,
                &format!("SELECT count(*) FROM audit_events WHERE action = '{action}'")
            ) >= 1,
            "{action}"
        );
    }
}

/// A bulk-send template of `s`'s department with a main PDF and one slot; approval off for
/// the tenant so that rows are sent directly. Its id.
async fn bulk_template<S, B>(app: &crate::helpers::TestApp<S>, s: &Session) -> String
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    app.with_conn(|conn| {
        diesel::sql_query("UPDATE tenants SET approval_required = FALSE")
            .execute(conn)
            .unwrap()
    });
    let (st, t) = app
        .post(s, "/api/v1/templates", template_body("一括送信用", None))
        .await;
    assert_eq!(st, 201, "{t}");
    let tid = id(&t);
    let (st, v) = upload_template_file(
        app,
        s,
        &tid,
        "main",
        "契約書.pdf",
        corpus("libreoffice-ja-contract.pdf"),
    )
    .await;
    assert_eq!(st, 201, "{v}");
    tid
}

async fn post_csv<S, B>(
    app: &crate::helpers::TestApp<S>,
    s: &Session,
    template: &str,
    bytes: Vec<u8>,
) -> (actix_web::http::StatusCode, Value)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let (st, body, _) = app
        .send(
            TestRequest::post()
                .uri(&format!(
                    "/api/v1/bulk-sends?template_id={template}&file_name={}",
                    urlencode("相手方一覧.csv")
                ))
                .insert_header(("Cookie", format!("tachiai_session={}", s.cookie)))
                .insert_header(("X-CSRF-Token", s.csrf.clone()))
                .insert_header(("Content-Type", "text/csv"))
                .set_payload(bytes),
        )
        .await;
    (st, body)
}

const HEADER: &str = "相手方名,担当者名,メールアドレス,件名,金額\r\n";

/// Row `i` (data line `i + 1`): valid.
fn row(i: usize) -> String {
    format!(
        "株式会社取引先{i},担当 {i},torihiki{i}@example.jp,物品購入契約（{i}）,\"1,{i:03}\"\r\n"
    )
}

fn shift_jis(s: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(s);
    assert!(!unmappable);
    bytes.into_owned()
}

fn error_fields(v: &Value) -> Vec<(String, String)> {
    v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn a_shift_jis_csv_of_500_rows_is_checked_whole_then_sent(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let keiyaku = department(&app, &admin, "契約課").await;
    let tanaka = staff_of(&app, &admin, "tanaka", &keiyaku, &["staff"]).await;
    let tid = bulk_template(&app, &tanaka).await;

    // Four bad rows among 500: each is reported with its line; nothing is created.
    let mut bad = HEADER.to_owned();
    for i in 1..=500 {
        let line = i + 1;
        bad.push_str(&match line {
            5 => format!("株式会社取引先{i},担当 {i},torihiki{i}@,件名,100\r\n"),
            17 => format!("株式会社取引先{i},,torihiki{i}@example.jp,件名,100\r\n"),
            100 => format!(
                "{},担当 {i},torihiki{i}@example.jp,件名,100\r\n",
                "長".repeat(300)
            ),
            321 => format!("株式会社取引先{i},担当 {i},torihiki{i}@example.jp,件名,12万\r\n"),
            _ => row(i),
        });
    }
    let got = post_csv(&app, &tanaka, &tid, shift_jis(&bad)).await;
    assert_problem(&got, 422, "csv_rows_invalid");
    assert_eq!(
        error_fields(&got.1),
        [
            (
                "csv[5].メールアドレス".to_owned(),
                "invalid_email".to_owned()
            ),
            ("csv[17].担当者名".to_owned(), "required".to_owned()),
            ("csv[100].相手方名".to_owned(), "too_long".to_owned()),
            ("csv[321].金額".to_owned(), "invalid_characters".to_owned()),
        ]
    );
    assert_eq!(count(&app, "SELECT count(*) FROM contracts"), 0);
    assert_eq!(count(&app, "SELECT count(*) FROM bulk_sends"), 0);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM jobs WHERE kind = 'bulk_send.row'"
        ),
        0
    );

    // Corrected: 500 contracts created and sent, the progress reaching 500.
    let good: String = std::iter::once(HEADER.to_owned())
        .chain((1..=500).map(row))
        .collect();
    let (st, b) = post_csv(&app, &tanaka, &tid, shift_jis(&good)).await;
    assert_eq!(st, 202, "{b}");
    assert_eq!(b["total"], 500);
    assert_eq!(b["state"], "running");
    let bid = id(&b);
    app.run_jobs().await;
    let (st, b) = app.get(&tanaka, &format!("/api/v1/bulk-sends/{bid}")).await;
    assert_eq!(st, 200);
    assert_eq!(
        (&b["state"], &b["created"], &b["sent"], &b["failed"]),
        (&json!("done"), &json!(500), &json!(500), &json!(0)),
        "{b}"
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM contracts WHERE state = 'sent'"),
        500
    );
    for i in [1, 250, 500] {
        let mails = mails_to(&app.outbox(), &format!("torihiki{i}@example.jp"));
        assert_eq!(mails.len(), 1, "row {i}");
        assert!(
            mails[0].contains(&format!("物品購入契約（{i}）")),
            "{}",
            mails[0]
        );
    }
    let (_, list) = app.get(&tanaka, "/api/v1/bulk-sends").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    // Jobs run again (at least once delivery) create nothing twice.
    app.with_conn(|conn| {
        diesel::sql_query(
            "UPDATE jobs SET state = 'queued', run_at = 0 WHERE kind = 'bulk_send.row'",
        )
        .execute(conn)
        .unwrap()
    });
    app.run_jobs().await;
    assert_eq!(count(&app, "SELECT count(*) FROM contracts"), 500);
    // Other users of the department do not see someone else's bulk send; another tenant neither.
    let suzuki = staff_of(&app, &admin, "suzuki", &keiyaku, &["staff"]).await;
    assert_problem(
        &app.get(&suzuki, &format!("/api/v1/bulk-sends/{bid}")).await,
        404,
        "not_found",
    );
    let stranger = app.other_tenant_admin().await;
    assert_problem(
        &app.get(&stranger, &format!("/api/v1/bulk-sends/{bid}"))
            .await,
        404,
        "not_found",
    );
}

async fn csv_files_are_refused_by_encoding_columns_and_size(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.admin().await;
    let keiyaku = department(&app, &admin, "契約課").await;
    let tanaka = staff_of(&app, &admin, "tanaka", &keiyaku, &["staff"]).await;

    // A template without a main PDF cannot be bulk sent.
    let (_, empty) = app
        .post(&tanaka, "/api/v1/templates", template_body("PDFなし", None))
        .await;
    let got = post_csv(
        &app,
        &tanaka,
        &id(&empty),
        shift_jis(&format!("{HEADER}{}", row(1))),
    )
    .await;
    assert_problem(&got, 409, "template_document_missing");

    let tid = bulk_template(&app, &tanaka).await;
    // Broken bytes on line 3 of a Shift_JIS file.
    let mut broken = shift_jis(&format!("{HEADER}{}", row(1)));
    broken.extend_from_slice(b"\x82\xA0\xFF,x,y@example.jp,t,1\r\n");
    broken.extend(shift_jis(&row(3)));
    let got = post_csv(&app, &tanaka, &tid, broken).await;
    assert_problem(&got, 422, "csv_encoding_invalid");
    assert_eq!(got.1["errors"][0]["field"], "csv[3]", "{}", got.1);
    // A missing column is named.
    let got = post_csv(
        &app,
        &tanaka,
        &tid,
        "相手方名,件名\nA社,契約\n".as_bytes().to_vec(),
    )
    .await;
    assert_problem(&got, 422, "csv_column_missing");
    assert_eq!(
        error_fields(&got.1),
        [
            ("columns.担当者名".to_owned(), "required".to_owned()),
            ("columns.メールアドレス".to_owned(), "required".to_owned()),
        ]
    );
    // 2,001 rows are too many.
    let many: String = std::iter::once(HEADER.to_owned())
        .chain((1..=2001).map(row))
        .collect();
    assert_problem(
        &post_csv(&app, &tanaka, &tid, many.into_bytes()).await,
        422,
        "csv_row_count",
    );
    assert_eq!(count(&app, "SELECT count(*) FROM contracts"), 0);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM audit_events WHERE action = 'bulk_send.refused'"
        ),
        3
    );

    // UTF-8 with a BOM and English headers are accepted.
    let utf8 = "\u{feff}counterparty_name,name,email\r\nA社,山田,yamada@example.jp\r\nB社,佐藤,sato@example.jp\r\n".to_owned();
    let (st, b) = post_csv(&app, &tanaka, &tid, utf8.into_bytes()).await;
    assert_eq!(st, 202, "{b}");
    app.run_jobs().await;
    let (_, b) = app
        .get(&tanaka, &format!("/api/v1/bulk-sends/{}", id(&b)))
        .await;
    assert_eq!(
        (&b["sent"], &b["state"]),
        (&json!(2), &json!("done")),
        "{b}"
    );
    assert_eq!(mails_to(&app.outbox(), "sato@example.jp").len(), 1);

    // A viewer may not bulk send.
    let viewer = staff_of(&app, &admin, "etsuran", &keiyaku, &["viewer"]).await;
    let got = post_csv(
        &app,
        &viewer,
        &tid,
        format!("{HEADER}{}", row(1)).into_bytes(),
    )
    .await;
    assert_problem(&got, 403, "forbidden");
}
