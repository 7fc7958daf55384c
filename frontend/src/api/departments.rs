//! `/departments`: the department tree (所属).

use gloo_net::http::Method;
use shared::dto::{DepartmentRequest, DepartmentView, Page};
use shared::problem::Problem;
use uuid::Uuid;

use super::{get, send};

/// All departments of the tenant (the tree is small: one page of up to 500).
pub async fn list_all() -> Result<Vec<DepartmentView>, Problem> {
    let page: Page<DepartmentView> = get("/departments?page=1&per_page=500").await?;
    Ok(page.items)
}

/// `POST /departments`.
pub async fn create(req: &DepartmentRequest) -> Result<DepartmentView, Problem> {
    send(Method::POST, "/departments", req).await
}

/// `PUT /departments/{id}`.
pub async fn update(id: Uuid, req: &DepartmentRequest) -> Result<DepartmentView, Problem> {
    send(Method::PUT, &format!("/departments/{id}"), req).await
}
