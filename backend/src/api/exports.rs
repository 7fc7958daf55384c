//! The fiscal-year export (年度別一括出力): request, progress, download. For integrators (API
//! token with the `export_records` scope) and the administration pages.

use actix_web::{HttpRequest, HttpResponse, web};
use shared::dto::{ExportView, FiscalYearExportRequest};
use shared::problem::Problem;
use uuid::Uuid;

use crate::api::download::{ExactFile, ascii_name, exact_file, hash_file, sha256_of_hex};
use crate::api::error::{ApiError, ApiResult};
use crate::api::extract::Authenticated;
use crate::startup::AppState;
use crate::workflow::WorkflowError;
use crate::workflow::fiscal_year_export as export;

/// Requests the export of a fiscal year's concluded contracts (needs `export_records`); a
/// background job writes the ZIP. Poll `GET /api/v1/exports/{id}` for its progress.
#[utoipa::path(post, path = "/api/v1/exports/fiscal-year", tag = "exports",
    request_body = FiscalYearExportRequest,
    responses((status = 202, body = ExportView),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "export_fiscal_year_out_of_range, export_department_unknown, validation_failed, forbidden")))]
pub async fn request(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    body: web::Json<FiscalYearExportRequest>,
) -> ApiResult<HttpResponse> {
    let view = state
        .run(move |conn| export::request_export(conn, &actor, &body))
        .await?;
    Ok(HttpResponse::Accepted().json(view))
}

/// The tenant's exports, newest first (needs `export_records`).
#[utoipa::path(get, path = "/api/v1/exports", tag = "exports",
    responses((status = 200, body = Vec<ExportView>),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<web::Json<Vec<ExportView>>> {
    let view = state
        .run(move |conn| export::list_exports(conn, &actor))
        .await?;
    Ok(web::Json(view))
}

/// An export's state and progress (entries written of all).
#[utoipa::path(get, path = "/api/v1/exports/{id}", tag = "exports", params(("id" = Uuid, Path)),
    responses((status = 200, body = ExportView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ExportView>> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| export::get_export(conn, &actor, &id))
        .await?;
    Ok(web::Json(view))
}

/// Downloads a finished export (ZIP); `export_not_ready` before it is done.
#[utoipa::path(get, path = "/api/v1/exports/{id}/download", tag = "exports", params(("id" = Uuid, Path)),
    responses((status = 200, content_type = "application/zip", body = inline(crate::api::binary::Binary)),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "export_not_ready, not_found, forbidden")))]
pub async fn download(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner().to_string();
    let d = state
        .run(move |conn| export::open_download(conn, &actor, &id))
        .await?;
    let (path, stored) = (d.path.clone(), d.sha256.as_deref().and_then(sha256_of_hex));
    let (file, sha256) =
        crate::telemetry::block(move || -> std::io::Result<(std::fs::File, [u8; 32])> {
            let mut f = std::fs::File::open(&path)?;
            // The digest the export job computed when it wrote the ZIP; an older row without
            // one is hashed now.
            let sha256 = match stored {
                Some(h) => h,
                None => hash_file(&mut f)?,
            };
            Ok((f, sha256))
        })
        .await?
        .map_err(|e| ApiError::from(WorkflowError::Internal(e.into())))?;
    Ok(exact_file(
        &req,
        ExactFile {
            file,
            sha256,
            content_type: "application/zip".into(),
            file_name: d.file_name,
            ascii_name: ascii_name("fiscal-year-export.zip"),
        },
    ))
}
