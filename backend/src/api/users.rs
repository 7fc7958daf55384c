//! User administration.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use shared::dto::{CreateUserRequest, Page, UpdateUserRequest, UserCredentialView, UserView};
use shared::problem::Problem;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::api::error::ApiResult;
use crate::api::extract::Authenticated;
use crate::startup::AppState;
use crate::workflow::{PageRequest, users};

/// Query of the user list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListUsersQuery {
    /// 1-based page (default 1).
    #[serde(default, deserialize_with = "shared::dto::paging::page")]
    #[param(minimum = 1, maximum = 1_000_000)]
    page: Option<u32>,
    /// Items per page (default 50, at most 500).
    #[serde(default, deserialize_with = "shared::dto::paging::per_page")]
    #[param(minimum = 1, maximum = 500)]
    per_page: Option<u32>,
    /// Part of the login ID, name or e-mail.
    q: Option<String>,
    /// Also list disabled users.
    #[serde(default)]
    include_disabled: bool,
}

/// Lists the tenant's users (needs `manage_users`).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(ListUsersQuery),
    responses((status = 200, body = Page<UserView>),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    query: web::Query<ListUsersQuery>,
) -> ApiResult<web::Json<Page<UserView>>> {
    let q = query.into_inner();
    let page = PageRequest::new(q.page, q.per_page);
    let view = state
        .run(move |conn| users::list_users(conn, &actor, q.q.as_deref(), q.include_disabled, page))
        .await?;
    Ok(web::Json(view))
}

/// Creates a user. Without `password`, one is generated and returned once in
/// `initial_password`; the user must change it at first login.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = CreateUserRequest,
    responses((status = 201, body = UserCredentialView),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "validation_failed, login_id_taken, forbidden, grant_not_held, admin_only, api_token_not_allowed")))]
pub async fn create(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    body: web::Json<CreateUserRequest>,
) -> ApiResult<HttpResponse> {
    let view = state
        .run(move |conn| users::create_user(conn, &actor, &body))
        .await?;
    Ok(crate::api::idempotency::shown_once(
        HttpResponse::Created().json(view),
    ))
}

/// One user (admins: anyone in the tenant; others: themselves).
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = Uuid, Path)),
    responses((status = 200, body = UserView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<UserView>> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| users::get_user(conn, &actor, &id))
        .await?;
    Ok(web::Json(view))
}

/// Replaces name, e-mail, department, roles and grants.
#[utoipa::path(put, path = "/api/v1/users/{id}", tag = "users", params(("id" = Uuid, Path)),
    request_body = UpdateUserRequest,
    responses((status = 200, body = UserView),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "validation_failed, self_lockout, not_found, forbidden, grant_not_held, admin_only, api_token_not_allowed")))]
pub async fn update(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<UpdateUserRequest>,
) -> ApiResult<web::Json<UserView>> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| users::update_user(conn, &actor, &id, &body))
        .await?;
    Ok(web::Json(view))
}

/// Disables a user (users are never deleted); their sessions end and their API tokens are
/// revoked.
#[utoipa::path(post, path = "/api/v1/users/{id}/disable", tag = "users", params(("id" = Uuid, Path)),
    responses((status = 200, body = UserView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn disable(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<UserView>> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| users::set_user_disabled(conn, &actor, &id, true))
        .await?;
    Ok(web::Json(view))
}

/// Enables a disabled user again.
#[utoipa::path(post, path = "/api/v1/users/{id}/enable", tag = "users", params(("id" = Uuid, Path)),
    responses((status = 200, body = UserView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn enable(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<UserView>> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| users::set_user_disabled(conn, &actor, &id, false))
        .await?;
    Ok(web::Json(view))
}

/// Generates a new password (shown once), lifts a lockout, ends the user's sessions and revokes
/// their API tokens.
#[utoipa::path(post, path = "/api/v1/users/{id}/reset-password", tag = "users", params(("id" = Uuid, Path)),
    responses((status = 200, body = UserCredentialView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn reset_password(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| users::reset_password(conn, &actor, &id))
        .await?;
    Ok(crate::api::idempotency::shown_once(
        HttpResponse::Ok().json(view),
    ))
}
