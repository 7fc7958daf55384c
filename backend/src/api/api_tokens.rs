//! API tokens for integrators: issued, listed and revoked from a logged-in session only
//! (`SessionActor`: a token presented here is refused with `api_token_not_allowed`, as a token
//! cannot mint or see tokens); used everywhere `Authenticated` is, as
//! `Authorization: Bearer tachiai_…`.

use actix_web::{HttpResponse, web};
use shared::dto::{ApiTokenView, CreateApiTokenRequest, CreatedApiTokenView, Page};
use shared::problem::Problem;
use uuid::Uuid;

use crate::api::PageQuery;
use crate::api::error::ApiResult;
use crate::api::extract::SessionActor;
use crate::startup::AppState;
use crate::workflow::api_tokens;

/// Lists the own API tokens, newest first (with `manage_users`: every token of the tenant).
#[utoipa::path(get, path = "/api/v1/api-tokens", tag = "api-tokens", params(PageQuery),
    responses((status = 200, body = Page<ApiTokenView>),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    state: web::Data<AppState>,
    SessionActor(actor): SessionActor,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<ApiTokenView>>> {
    let page = query.page_request();
    let view = state
        .run(move |conn| api_tokens::list(conn, &actor, page))
        .await?;
    Ok(web::Json(view))
}

/// Issues an API token for the logged-in user. `scopes` must be a subset of the user's
/// permissions; the token's permissions are always the user's current ones intersected with
/// them. The secret is in this answer only.
#[utoipa::path(post, path = "/api/v1/api-tokens", tag = "api-tokens", request_body = CreateApiTokenRequest,
    responses((status = 201, body = CreatedApiTokenView),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "validation_failed (e.g. a scope the user does not have), api_token_not_allowed")))]
pub async fn create(
    state: web::Data<AppState>,
    SessionActor(actor): SessionActor,
    body: web::Json<CreateApiTokenRequest>,
) -> ApiResult<HttpResponse> {
    let view = state
        .run(move |conn| api_tokens::create(conn, &actor, &body))
        .await?;
    Ok(crate::api::idempotency::shown_once(
        HttpResponse::Created().json(view),
    ))
}

/// Revokes an API token at once (own tokens; any of the tenant's with `manage_users`).
/// Revoking a revoked token changes nothing.
#[utoipa::path(post, path = "/api/v1/api-tokens/{id}/revoke", tag = "api-tokens", params(("id" = Uuid, Path)),
    responses((status = 200, body = ApiTokenView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn revoke(
    state: web::Data<AppState>,
    SessionActor(actor): SessionActor,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ApiTokenView>> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| api_tokens::revoke(conn, &actor, &id))
        .await?;
    Ok(web::Json(view))
}
