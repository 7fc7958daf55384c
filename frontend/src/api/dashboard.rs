//! `/dashboard`: the start page's counts, task lists and recent events.

use shared::dto::DashboardView;
use shared::problem::Problem;

use super::get;

/// `GET /dashboard`.
pub async fn dashboard() -> Result<DashboardView, Problem> {
    get("/dashboard").await
}
