//! Approval route templates (決裁ルートのひな形).

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use shared::dto::{RouteTemplateRequest, RouteTemplateView};
use shared::problem::Problem;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::api::error::ApiResult;
use crate::api::extract::Authenticated;
use crate::startup::AppState;
use crate::workflow::approval_routes;

/// Filters of the template list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListTemplatesQuery {
    /// Only templates for this department and those for every department.
    department_id: Option<Uuid>,
    /// Also archived templates (default false).
    include_archived: Option<bool>,
}

/// Lists the templates by name (every user may: staff choose from them).
#[utoipa::path(get, path = "/api/v1/approval-route-templates", tag = "contracts", params(ListTemplatesQuery),
    responses((status = 200, body = Vec<RouteTemplateView>),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    query: web::Query<ListTemplatesQuery>,
) -> ApiResult<web::Json<Vec<RouteTemplateView>>> {
    let q = query.into_inner();
    let view = state
        .run(move |conn| {
            approval_routes::list_templates(
                conn,
                &actor,
                q.department_id,
                q.include_archived.unwrap_or(false),
            )
        })
        .await?;
    Ok(web::Json(view))
}

/// Creates a template (needs `manage_settings`).
#[utoipa::path(post, path = "/api/v1/approval-route-templates", tag = "contracts", request_body = RouteTemplateRequest,
    responses((status = 201, body = RouteTemplateView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    body: web::Json<RouteTemplateRequest>,
) -> ApiResult<HttpResponse> {
    let view = state
        .run(move |conn| approval_routes::create_template(conn, &actor, &body))
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Changes or archives a template (needs `manage_settings`); contracts that copied it keep
/// their route.
#[utoipa::path(put, path = "/api/v1/approval-route-templates/{id}", tag = "contracts", params(("id" = Uuid, Path)),
    request_body = RouteTemplateRequest,
    responses((status = 200, body = RouteTemplateView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn update(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<RouteTemplateRequest>,
) -> ApiResult<web::Json<RouteTemplateView>> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| approval_routes::update_template(conn, &actor, &id, &body))
        .await?;
    Ok(web::Json(view))
}
