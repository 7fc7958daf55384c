//! Document templates (ひな形): list, create, change, their files, and contracts made from them.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use shared::contract::DocumentRole;
use shared::dto::{ContractView, TemplateContractRequest, TemplateRequest, TemplateView};
use shared::problem::Problem;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::api::body::read_limited;
use crate::api::error::{ApiError, ApiResult};
use crate::api::extract::Authenticated;
use crate::startup::AppState;
use crate::workflow::WorkflowError;
use crate::workflow::contracts::{self, Upload};
use crate::workflow::templates;

/// Filters of the template list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Also archived templates (default false).
    include_archived: Option<bool>,
}

/// The templates the user may see (their department's and the shared ones; all with
/// `view_all_departments`), by name.
#[utoipa::path(get, path = "/api/v1/templates", tag = "templates", params(ListQuery),
    responses((status = 200, body = Vec<TemplateView>),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    query: web::Query<ListQuery>,
) -> ApiResult<web::Json<Vec<TemplateView>>> {
    let all = query.include_archived.unwrap_or(false);
    let view = state
        .run(move |conn| templates::list_templates(conn, &actor, all))
        .await?;
    Ok(web::Json(view))
}

/// Creates a template (needs `manage_templates`; for another department or every department
/// also `view_all_departments`).
#[utoipa::path(post, path = "/api/v1/templates", tag = "templates", request_body = TemplateRequest,
    responses((status = 201, body = TemplateView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    body: web::Json<TemplateRequest>,
) -> ApiResult<HttpResponse> {
    let view = state
        .run(move |conn| templates::create_template(conn, &actor, &body))
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// A template.
#[utoipa::path(get, path = "/api/v1/templates/{id}", tag = "templates", params(("id" = Uuid, Path)),
    responses((status = 200, body = TemplateView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<TemplateView>> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| templates::get_template(conn, &actor, &id))
        .await?;
    Ok(web::Json(view))
}

/// Changes or archives a template; contracts made from it keep what they copied.
#[utoipa::path(put, path = "/api/v1/templates/{id}", tag = "templates", params(("id" = Uuid, Path)),
    request_body = TemplateRequest,
    responses((status = 200, body = TemplateView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn update(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<TemplateRequest>,
) -> ApiResult<web::Json<TemplateView>> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| templates::update_template(conn, &actor, &id, &body))
        .await?;
    Ok(web::Json(view))
}

/// Query of a template's upload.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// `main` (the contract PDF; replaces the previous one) or `attachment`.
    role: String,
    /// The file's name (UTF-8).
    file_name: String,
}

/// Uploads a file of the template, the raw bytes as the body, checked as a contract's files
/// are (a main PDF by the sealing engine's reader, an attachment by its content).
#[utoipa::path(post, path = "/api/v1/templates/{id}/documents", tag = "templates",
    params(("id" = Uuid, Path), UploadQuery),
    request_body(content = inline(crate::api::binary::Binary), content_type = "application/octet-stream"),
    responses((status = 201, body = TemplateView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn upload(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
    query: web::Query<UploadQuery>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner().to_string();
    let q = query.into_inner();
    let role = DocumentRole::parse(&q.role)
        .filter(|r| r.is_uploaded())
        .ok_or_else(|| {
            ApiError::from(WorkflowError::field(
                "role",
                shared::validate::ValidationError::OutOfRange,
            ))
        })?;
    let limits = state.upload_limits;
    let bytes = read_limited(payload, limits.file_bytes).await?;
    let upload = Upload {
        role,
        file_name: q.file_name,
        bytes,
    };
    let checked = crate::telemetry::block(move || contracts::check_upload(upload)).await?;
    let store = state.blobs.clone();
    let view = state
        .run(move |conn| {
            templates::upload_template_document(conn, &actor, &store, limits, &id, checked)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Removes a file from the template.
#[utoipa::path(delete, path = "/api/v1/templates/{id}/documents/{document_id}", tag = "templates",
    params(("id" = Uuid, Path), ("document_id" = Uuid, Path)),
    responses((status = 200, body = TemplateView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn remove_document(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<web::Json<TemplateView>> {
    let (id, doc) = path.into_inner();
    let (id, doc) = (id.to_string(), doc.to_string());
    let view = state
        .run(move |conn| templates::remove_template_document(conn, &actor, &id, &doc))
        .await?;
    Ok(web::Json(view))
}

/// 「ひな形から作成」: a new draft with the template's files, defaults, counterparty slots,
/// approval route and stamp position; the body's values replace the defaults (needs
/// `create_contracts`).
#[utoipa::path(post, path = "/api/v1/templates/{id}/contracts", tag = "templates", params(("id" = Uuid, Path)),
    request_body = TemplateContractRequest,
    responses((status = 201, body = ContractView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn create_contract(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<TemplateContractRequest>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| templates::create_contract(conn, &actor, &id, &body))
        .await?;
    Ok(HttpResponse::Created().json(view))
}
