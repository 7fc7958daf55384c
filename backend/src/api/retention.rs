//! Retention and disposition (保存期間・廃棄): the tenant's rule, a contract's retention years
//! and legal hold, the disposition candidates and the two-person disposition requests.

use actix_web::web;
use shared::dto::{
    ContractView, CreateDispositionRequest, DispositionCandidateView, DispositionDecisionRequest,
    DispositionState, DispositionView, LegalHoldRequest, RetentionOverrideRequest,
    RetentionRuleRequest,
};
use shared::problem::Problem;
use shared::records::RetentionRule;
use uuid::Uuid;

use crate::api::error::ApiResult;
use crate::api::extract::Authenticated;
use crate::startup::AppState;
use crate::workflow::retention;

/// The tenant's retention rule: default years, 起算方法 and 起算日 (needs `manage_settings`).
#[utoipa::path(get, path = "/api/v1/settings/retention", tag = "retention",
    responses((status = 200, body = RetentionRule),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn get_rule(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<web::Json<RetentionRule>> {
    let view = state
        .run(move |conn| retention::get_rule(conn, &actor))
        .await?;
    Ok(web::Json(view))
}

/// Changes the tenant's retention rule (needs `manage_settings`); audited.
#[utoipa::path(put, path = "/api/v1/settings/retention", tag = "retention",
    request_body = RetentionRuleRequest,
    responses((status = 200, body = RetentionRule),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "validation_failed, forbidden")))]
pub async fn update_rule(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    body: web::Json<RetentionRuleRequest>,
) -> ApiResult<web::Json<RetentionRule>> {
    let view = state
        .run(move |conn| retention::update_rule(conn, &actor, &body))
        .await?;
    Ok(web::Json(view))
}

/// Sets this contract's own retention years (needs `manage_retention`); audited.
#[utoipa::path(put, path = "/api/v1/contracts/{id}/retention", tag = "retention",
    params(("id" = Uuid, Path)), request_body = RetentionOverrideRequest,
    responses((status = 200, body = ContractView),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "contract_disposed, validation_failed, not_found, forbidden")))]
pub async fn override_years(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<RetentionOverrideRequest>,
) -> ApiResult<web::Json<ContractView>> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| retention::override_years(conn, &actor, &id, &body))
        .await?;
    Ok(web::Json(view))
}

/// Puts the contract on legal hold (廃棄保留) with a reason (needs `manage_retention`).
#[utoipa::path(put, path = "/api/v1/contracts/{id}/legal-hold", tag = "retention",
    params(("id" = Uuid, Path)), request_body = LegalHoldRequest,
    responses((status = 200, body = ContractView),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "contract_disposed, validation_failed, not_found, forbidden")))]
pub async fn set_hold(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<LegalHoldRequest>,
) -> ApiResult<web::Json<ContractView>> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| retention::set_legal_hold(conn, &actor, &id, &body))
        .await?;
    Ok(web::Json(view))
}

/// Releases the legal hold (needs `manage_retention`).
#[utoipa::path(delete, path = "/api/v1/contracts/{id}/legal-hold", tag = "retention",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ContractView),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "contract_disposed, not_found (also: no hold), forbidden")))]
pub async fn release_hold(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ContractView>> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| retention::release_legal_hold(conn, &actor, &id))
        .await?;
    Ok(web::Json(view))
}

/// 廃棄候補: ended contracts whose retention period is over and that are not held (needs
/// `dispose_records`).
#[utoipa::path(get, path = "/api/v1/dispositions/candidates", tag = "retention",
    responses((status = 200, body = Vec<DispositionCandidateView>),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn candidates(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<web::Json<Vec<DispositionCandidateView>>> {
    let view = state
        .run(move |conn| retention::candidates(conn, &actor))
        .await?;
    Ok(web::Json(view))
}

/// The disposition requests (廃棄申請), newest first (needs `dispose_records`).
#[utoipa::path(get, path = "/api/v1/dispositions", tag = "retention",
    responses((status = 200, body = Vec<DispositionView>),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<web::Json<Vec<DispositionView>>> {
    let view = state
        .run(move |conn| retention::list_dispositions(conn, &actor))
        .await?;
    Ok(web::Json(view))
}

/// Requests the disposition of candidates; another administrator must approve (needs
/// `dispose_records`).
#[utoipa::path(post, path = "/api/v1/dispositions", tag = "retention",
    request_body = CreateDispositionRequest,
    responses((status = 201, body = DispositionView),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "contract_on_legal_hold, retention_not_ended, contract_state_conflict, disposition_already_requested, validation_failed, not_found, forbidden")))]
pub async fn create(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    body: web::Json<CreateDispositionRequest>,
) -> ApiResult<actix_web::HttpResponse> {
    let view = state
        .run(move |conn| retention::request_disposition(conn, &actor, &body))
        .await?;
    Ok(actix_web::HttpResponse::Created().json(view))
}

/// Approves a disposition request: its contracts' files and personal data are deleted, a
/// tombstone stays. Not by the requester (needs `dispose_records`).
#[utoipa::path(post, path = "/api/v1/dispositions/{id}/approve", tag = "retention",
    params(("id" = Uuid, Path)), request_body = DispositionDecisionRequest,
    responses((status = 200, body = DispositionView),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "disposition_self_approval, disposition_not_pending, contract_on_legal_hold, retention_not_ended, not_found, forbidden")))]
pub async fn approve(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<DispositionDecisionRequest>,
) -> ApiResult<web::Json<DispositionView>> {
    let id = id.into_inner().to_string();
    let blobs = state.blobs.clone();
    let view = state
        .run(move |conn| retention::approve_disposition(conn, &actor, &blobs, &id, &body))
        .await?;
    Ok(web::Json(view))
}

/// Rejects a disposition request (another administrator than the requester).
#[utoipa::path(post, path = "/api/v1/dispositions/{id}/reject", tag = "retention",
    params(("id" = Uuid, Path)), request_body = DispositionDecisionRequest,
    responses((status = 200, body = DispositionView),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "disposition_self_approval, disposition_not_pending, not_found, forbidden")))]
pub async fn reject(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<DispositionDecisionRequest>,
) -> ApiResult<web::Json<DispositionView>> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| {
            retention::close_disposition(conn, &actor, &id, &body, DispositionState::Rejected)
        })
        .await?;
    Ok(web::Json(view))
}

/// Cancels one's own disposition request.
#[utoipa::path(post, path = "/api/v1/dispositions/{id}/cancel", tag = "retention",
    params(("id" = Uuid, Path)), request_body = DispositionDecisionRequest,
    responses((status = 200, body = DispositionView),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "disposition_not_requester, disposition_not_pending, not_found, forbidden")))]
pub async fn cancel(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<DispositionDecisionRequest>,
) -> ApiResult<web::Json<DispositionView>> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| {
            retention::close_disposition(conn, &actor, &id, &body, DispositionState::Cancelled)
        })
        .await?;
    Ok(web::Json(view))
}
