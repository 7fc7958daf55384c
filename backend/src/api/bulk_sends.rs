//! Bulk sending from CSV (一括送信): upload a CSV for a template, then follow its progress.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use shared::dto::BulkSendView;
use shared::problem::Problem;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::api::body::read_limited;
use crate::api::error::{ApiError, ApiResult};
use crate::api::extract::Authenticated;
use crate::startup::AppState;
use crate::workflow::bulk_send;

/// The largest CSV accepted (2,000 rows of a few hundred bytes each fit well within it).
const MAX_CSV_BYTES: u64 = 5 * 1024 * 1024;

/// Query of a bulk send.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CreateQuery {
    /// The document template (ひな形).
    template_id: Uuid,
    /// The CSV file's name, for the list.
    file_name: Option<String>,
}

/// Starts a bulk send: the body is the CSV (UTF-8 with or without BOM, or Shift_JIS as Excel
/// saves it), a header line with 相手方名, 担当者名, メールアドレス (required; English aliases
/// `counterparty_name`, `name`, `email`) and optionally 件名, 金額, 契約期間開始,
/// 契約期間終了, 備考, メッセージ; 1 to 2,000 rows. The whole file is checked first: a
/// refusal (`csv_encoding_invalid`, `csv_column_missing`, `csv_row_count`, `csv_rows_invalid`)
/// lists every bad line in `errors` as `csv[line].column` and creates nothing. Accepted, one
/// contract per row is created and sent (or submitted for approval when the template has a
/// route) in the background; poll `GET /api/v1/bulk-sends/{id}`.
#[utoipa::path(post, path = "/api/v1/bulk-sends", tag = "templates", params(CreateQuery),
    request_body(content = inline(crate::api::binary::Binary), content_type = "application/octet-stream",
        description = "The CSV file as it is (UTF-8, with or without BOM, or Shift_JIS)"),
    responses((status = 202, body = BulkSendView),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "csv_encoding_invalid, csv_column_missing, csv_row_count, csv_rows_invalid, template_document_missing, template_not_ready_for_bulk, approval_required, not_found, forbidden")))]
pub async fn create(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    query: web::Query<CreateQuery>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let bytes = read_limited(payload, MAX_CSV_BYTES).await?;
    let template_id = q.template_id.to_string();
    let file_name = q.file_name.unwrap_or_else(|| "bulk.csv".into());
    let result = state
        .run(move |conn| {
            bulk_send::create_bulk_send(conn, &actor, &template_id, &file_name, &bytes)
        })
        .await?;
    match result {
        Ok(view) => Ok(HttpResponse::Accepted().json(view)),
        Err(refusal) => Err(ApiError::new(Problem {
            errors: refusal.errors,
            ..Problem::new(refusal.code)
        })),
    }
}

/// The user's bulk sends (every one with `view_all_departments`), newest first.
#[utoipa::path(get, path = "/api/v1/bulk-sends", tag = "templates",
    responses((status = 200, body = Vec<BulkSendView>),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<web::Json<Vec<BulkSendView>>> {
    let view = state
        .run(move |conn| bulk_send::list_bulk_sends(conn, &actor))
        .await?;
    Ok(web::Json(view))
}

/// A bulk send's progress: rows, contracts created, sent, submitted, failed (with reasons).
#[utoipa::path(get, path = "/api/v1/bulk-sends/{id}", tag = "templates", params(("id" = Uuid, Path)),
    responses((status = 200, body = BulkSendView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<BulkSendView>> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| bulk_send::get_bulk_send(conn, &actor, &id))
        .await?;
    Ok(web::Json(view))
}
