//! `/departments`: the department tree (所属).

use gloo_net::http::Method;
use shared::dto::{DepartmentRequest, DepartmentView, Page};
use shared::problem::Problem;
use uuid::Uuid;

use super::{get, send};

/// All departments of the tenant, page by page (the server gives at most 500 at a time).
pub async fn list_all() -> Result<Vec<DepartmentView>, Problem> {
    let mut all = Vec::new();
    for n in 1u32.. {
        let page: Page<DepartmentView> =
            get(&format!("/departments?page={n}&per_page=500")).await?;
        let done = page.items.is_empty() || (all.len() + page.items.len()) as u64 >= page.total;
        all.extend(page.items);
        if done {
            break;
        }
    }
    Ok(all)
}

/// `POST /departments`.
pub async fn create(req: &DepartmentRequest) -> Result<DepartmentView, Problem> {
    send(Method::POST, "/departments", req).await
}

/// `PUT /departments/{id}`.
pub async fn update(id: Uuid, req: &DepartmentRequest) -> Result<DepartmentView, Problem> {
    send(Method::PUT, &format!("/departments/{id}"), req).await
}
