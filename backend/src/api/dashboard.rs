//! The start page's data and the contract list as CSV (仕様 5-(17)(18)).

use actix_web::{HttpResponse, web};
use shared::dto::{ContractListQuery, DashboardView};
use shared::problem::Problem;

use crate::api::contracts::list_query;
use crate::api::download::csv_response;
use crate::api::error::ApiResult;
use crate::api::extract::Authenticated;
use crate::startup::AppState;
use crate::workflow::contracts::{dashboard, export};
use futures_util::StreamExt;

/// Counts per state for me and my department, the approvals waiting for me, my drafts and
/// those returned to me, sent contracts expiring within 7 days, and the 20 newest events on
/// contracts I can see (needs `view_contracts`); for administrators also how the renewal of
/// the archive timestamps stands (長期署名の延長).
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "contracts",
    responses((status = 200, body = DashboardView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<web::Json<DashboardView>> {
    let policy = crate::workflow::ltv::LtvPolicy::from_config(&state.config);
    let view = state
        .run(move |conn| {
            let mut view = dashboard::dashboard(conn, &actor)?;
            view.archive_renewal = crate::workflow::ltv::dashboard_figures(conn, &actor, &policy)?;
            Ok(view)
        })
        .await?;
    Ok(web::Json(view))
}

/// The contract list as CSV for Excel: the same filters and sort as `GET /api/v1/contracts`
/// (`page` and `per_page` are ignored), UTF-8 with BOM, CRLF, RFC 4180 quoting, columns
/// 契約番号, 件名, 相手方, 所属, 金額, 状態, 契約締結日, 更新日時 (JST). Cells starting with
/// `=`, `+`, `-` or `@` are prefixed with `'`. At most 1,000,000 rows: when more match, the
/// first 1,000,000 are sent with `X-Tachiai-Truncated: true`. Audited as `contract.exported`.
/// The body is streamed (chunked) in batches of rows.
#[utoipa::path(get, path = "/api/v1/contracts.csv", tag = "contracts", params(ContractListQuery),
    responses((status = 200, content_type = "text/csv", body = String,
               headers(("X-Tachiai-Truncated" = String, description = "`true` when more than 1,000,000 contracts matched"))),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn export_csv(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    query: web::Query<Vec<(String, String)>>,
) -> ApiResult<HttpResponse> {
    let (query, _) = list_query(query)?;
    let csv = state
        .run(move |conn| export::export_csv(conn, &actor, &query))
        .await?;
    let mut response = csv_response(&csv.file_name, csv.truncated);
    let head = web::Bytes::from(csv.head());
    let state = state.into_inner();
    // One batch per step, each on a pooled connection: memory stays at one batch.
    let rows = futures_util::stream::unfold(Some(csv), move |csv| {
        let state = state.clone();
        async move {
            let mut csv = csv?;
            let read = state
                .run(move |conn| {
                    let batch = csv.next_batch(conn)?;
                    Ok((csv, batch))
                })
                .await;
            match read {
                Ok((csv, Some(batch))) => Some((Ok(web::Bytes::from(batch)), Some(csv))),
                Ok((_, None)) => None,
                Err(e) => Some((Err(actix_web::Error::from(e)), None)),
            }
        }
    });
    let body =
        futures_util::stream::once(async move { Ok::<_, actix_web::Error>(head) }).chain(rows);
    Ok(response.streaming(body))
}
