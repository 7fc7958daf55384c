//! 月次利用状況報告 (monthly usage report): one month of the tenant's use, per department, as
//! JSON for the page or as a CSV or PDF file.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use shared::dto::MonthlyReportView;
use shared::problem::Problem;
use utoipa::IntoParams;

use crate::api::download::{ascii_name, attachment};
use crate::api::error::ApiResult;
use crate::api::extract::Authenticated;
use crate::clock::Millis;
use crate::startup::AppState;
use crate::workflow::reports::{self, ReportOutput};

/// How the report is wanted.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// `json` (default): the figures; `csv`: UTF-8 with BOM and Japanese headers, for Excel;
    /// `pdf`: the Japanese report with a table and a bar chart.
    format: Option<String>,
}

/// The monthly usage report of a JST calendar month (`YYYY-MM`, this month or earlier) per
/// department: contracts created, sent, concluded, declined, expired and cancelled, the
/// recipients addressed, the staff who used the service, the storage kept (at the month's end),
/// the seals and timestamps made. A month the monthly job reported gives the figures it stored
/// and mailed. Needs `view_reports`; audited as `report.viewed`.
#[utoipa::path(get, path = "/api/v1/reports/monthly/{month}", tag = "reports",
    params(("month" = String, Path, description = "`YYYY-MM`, e.g. `2026-11`"), ReportQuery),
    responses((status = 200, body = MonthlyReportView),
              (status = 200, content_type = "text/csv", body = String),
              (status = 200, content_type = "application/pdf", body = inline(crate::api::binary::Binary)),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "report_month_invalid, report_month_in_future, report_format_invalid, forbidden")))]
pub async fn monthly(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    month: web::Path<String>,
    query: web::Query<ReportQuery>,
) -> ApiResult<HttpResponse> {
    let month = month.into_inner();
    let format = query.into_inner().format;
    let out = state
        .run(move |conn| {
            reports::monthly_report(conn, &actor, &month, format.as_deref(), Millis::now())
        })
        .await?;
    Ok(match out {
        ReportOutput::Json(view) => HttpResponse::Ok().json(view),
        ReportOutput::File {
            bytes,
            file_name,
            content_type,
        } => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, content_type))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header(attachment(
                &file_name,
                ascii_name(&file_name.replace("月次利用状況報告", "monthly-report")),
            ))
            .body(bytes),
    })
}
