//! `/audit-events`: the operation log (操作ログ).

use shared::dto::{AuditChainView, AuditEventView, Page};
use shared::problem::Problem;

use super::get;

/// `GET /audit-events`.
pub async fn list(page: u32, per_page: u32) -> Result<Page<AuditEventView>, Problem> {
    get(&format!("/audit-events?page={page}&per_page={per_page}")).await
}

/// `GET /audit-events/verify`.
pub async fn verify() -> Result<AuditChainView, Problem> {
    get("/audit-events/verify").await
}
