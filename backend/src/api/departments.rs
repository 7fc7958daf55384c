//! Departments (所属).

use actix_web::{HttpResponse, web};
use shared::dto::{DepartmentRequest, DepartmentView, Page};
use shared::problem::Problem;
use uuid::Uuid;

use crate::api::PageQuery;
use crate::api::error::ApiResult;
use crate::api::extract::Authenticated;
use crate::startup::AppState;
use crate::workflow::departments;

/// Lists the departments (every user may; build the tree from `parent_id`).
#[utoipa::path(get, path = "/api/v1/departments", tag = "departments", params(PageQuery),
    responses((status = 200, body = Page<DepartmentView>),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<DepartmentView>>> {
    let page = query.page_request();
    let view = state
        .run(move |conn| departments::list_departments(conn, &actor, page))
        .await?;
    Ok(web::Json(view))
}

/// Creates a department (needs `manage_departments`).
#[utoipa::path(post, path = "/api/v1/departments", tag = "departments", request_body = DepartmentRequest,
    responses((status = 201, body = DepartmentView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    body: web::Json<DepartmentRequest>,
) -> ApiResult<HttpResponse> {
    let view = state
        .run(move |conn| departments::create_department(conn, &actor, &body))
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Renames, moves or (de)activates a department; a move under its own descendant is refused.
#[utoipa::path(put, path = "/api/v1/departments/{id}", tag = "departments", params(("id" = Uuid, Path)),
    request_body = DepartmentRequest,
    responses((status = 200, body = DepartmentView),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "department_cycle, validation_failed, not_found, forbidden")))]
pub async fn update(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<DepartmentRequest>,
) -> ApiResult<web::Json<DepartmentView>> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| departments::update_department(conn, &actor, &id, &body))
        .await?;
    Ok(web::Json(view))
}
