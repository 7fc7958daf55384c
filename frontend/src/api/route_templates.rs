//! `/approval-route-templates`: the approval route templates (承認ルートのひな形).

use gloo_net::http::Method;
use shared::dto::{RouteTemplateRequest, RouteTemplateView};
use shared::problem::Problem;
use uuid::Uuid;

use super::{get, send};

/// `GET /approval-route-templates`: for `department` (and those for every department), or
/// all of them when `None`; archived ones too with `include_archived`.
pub async fn list(
    department: Option<Uuid>,
    include_archived: bool,
) -> Result<Vec<RouteTemplateView>, Problem> {
    let mut q = Vec::new();
    if let Some(d) = department {
        q.push(format!("department_id={d}"));
    }
    if include_archived {
        q.push("include_archived=true".to_owned());
    }
    let query = if q.is_empty() {
        String::new()
    } else {
        format!("?{}", q.join("&"))
    };
    get(&format!("/approval-route-templates{query}")).await
}

/// `POST /approval-route-templates`.
pub async fn create(req: &RouteTemplateRequest) -> Result<RouteTemplateView, Problem> {
    send(Method::POST, "/approval-route-templates", req).await
}

/// `PUT /approval-route-templates/{id}`.
pub async fn update(id: Uuid, req: &RouteTemplateRequest) -> Result<RouteTemplateView, Problem> {
    send(Method::PUT, &format!("/approval-route-templates/{id}"), req).await
}
