//! Maintenance and outage notices (メンテナンス・障害のお知らせ): the banner's list for staff,
//! the tenant administrators' management, and the signing page's list for counterparties.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use shared::dto::{NoticeBannersView, NoticeRequest, NoticeView, Page};
use shared::problem::Problem;
use uuid::Uuid;

use crate::api::PageQuery;
use crate::api::error::ApiResult;
use crate::api::extract::Authenticated;
use crate::startup::AppState;
use crate::workflow::notices;

/// The notices the staff banner shows now: the tenant's and the service-wide ones, active
/// or starting within 7 days, at most 5 (every signed-in user).
#[utoipa::path(get, path = "/api/v1/notices/current", tag = "notices",
    responses((status = 200, body = NoticeBannersView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn current(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<web::Json<NoticeBannersView>> {
    let view = state
        .run(move |conn| notices::current_notices(conn, &actor))
        .await?;
    Ok(web::Json(view))
}

/// Lists the tenant's own notices, newest first, withdrawn ones included (needs
/// `manage_notices`).
#[utoipa::path(get, path = "/api/v1/notices", tag = "notices", params(PageQuery),
    responses((status = 200, body = Page<NoticeView>),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    query: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<NoticeView>>> {
    let page = query.page_request();
    let view = state
        .run(move |conn| notices::list_tenant_notices(conn, &actor, page))
        .await?;
    Ok(web::Json(view))
}

/// Publishes a notice of the tenant (needs `manage_notices`); planned maintenance is mailed
/// to the tenant's administrators now and a day before it starts.
#[utoipa::path(post, path = "/api/v1/notices", tag = "notices", request_body = NoticeRequest,
    responses((status = 201, body = NoticeView),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "notice_time_invalid, notice_end_before_start, notice_end_in_past, notice_period_too_long, validation_failed, forbidden")))]
pub async fn create(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    body: web::Json<NoticeRequest>,
) -> ApiResult<HttpResponse> {
    let view = state
        .run(move |conn| notices::create_tenant_notice(conn, &actor, &body))
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Changes one of the tenant's notices (needs `manage_notices`).
#[utoipa::path(put, path = "/api/v1/notices/{id}", tag = "notices", params(("id" = Uuid, Path)),
    request_body = NoticeRequest,
    responses((status = 200, body = NoticeView),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "notice_withdrawn, notice_time_invalid, notice_end_before_start, notice_end_in_past, notice_period_too_long, validation_failed, not_found, forbidden")))]
pub async fn update(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<NoticeRequest>,
) -> ApiResult<web::Json<NoticeView>> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| notices::update_tenant_notice(conn, &actor, &id, &body))
        .await?;
    Ok(web::Json(view))
}

/// Withdraws one of the tenant's notices (needs `manage_notices`): banners stop showing it
/// and no reminder is mailed.
#[utoipa::path(post, path = "/api/v1/notices/{id}/withdraw", tag = "notices", params(("id" = Uuid, Path)),
    responses((status = 200, body = NoticeView),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "notice_withdrawn, not_found, forbidden")))]
pub async fn withdraw(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<NoticeView>> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| notices::withdraw_tenant_notice(conn, &actor, &id))
        .await?;
    Ok(web::Json(view))
}

/// The notices for a counterparty's signing page (no account): the service-wide ones and
/// those of the contract's organisation, at most 5. Always 200 with the same shape; an
/// unknown link gets the service-wide ones only. Cacheable privately for a minute.
#[utoipa::path(get, path = "/api/v1/signing/{token}/notices", tag = "signing", params(("token" = String, Path)),
    responses((status = 200, body = NoticeBannersView)))]
pub async fn signing(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let view = state
        .run(move |conn| notices::signing_notices(conn, &token))
        .await?;
    Ok(HttpResponse::Ok()
        // Private: the path holds the link's secret, so no shared cache may keep it.
        .insert_header((header::CACHE_CONTROL, "private, max-age=60"))
        .json(view))
}
