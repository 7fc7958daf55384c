//! `/exports`: the fiscal-year export (年度別一括出力).

use gloo_net::http::Method;
use shared::dto::{ExportView, FiscalYearExportRequest};
use shared::problem::Problem;
use uuid::Uuid;

use super::{BASE, get, send};

/// `POST /exports/fiscal-year`.
pub async fn request(req: &FiscalYearExportRequest) -> Result<ExportView, Problem> {
    send(Method::POST, "/exports/fiscal-year", req).await
}

/// `GET /exports`: the tenant's exports, newest first.
pub async fn list() -> Result<Vec<ExportView>, Problem> {
    get("/exports").await
}

/// The download of a finished export (the session cookie authorises it).
pub fn download_url(id: Uuid) -> String {
    format!("{BASE}/exports/{id}/download")
}
