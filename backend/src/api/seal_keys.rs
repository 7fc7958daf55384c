//! The service's seal keys and time-stamp authorities (needs `manage_seal_keys`, which no role
//! implies; changes need a session, not an API token).

use actix_web::{HttpResponse, web};
use shared::dto::{
    AddTsaRequest, ImportSealKeyRequest, MoveTsaRequest, SealKeyView, SealKeyringView, TsaListView,
};
use shared::problem::Problem;
use uuid::Uuid;

use crate::api::error::ApiResult;
use crate::api::extract::Authenticated;
use crate::startup::AppState;
use crate::workflow::seal_keys;

/// The seal keyring: every key with its certificate, state and seal count, and what seals when
/// no key is active.
#[utoipa::path(get, path = "/api/v1/seal/keys", tag = "settings",
    responses((status = 200, body = SealKeyringView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<web::Json<SealKeyringView>> {
    let service = state.seal_service.clone();
    let view = state
        .run(move |conn| seal_keys::list_keys(conn, &actor, &service))
        .await?;
    Ok(web::Json(view))
}

/// Imports a seal key (PKCS#12, PEM, or a PKCS#11 reference); it stands by until activated.
/// The key material is stored encrypted; a bad password, an expired or not-yet-valid
/// certificate, a key that does not match it, a certificate without digitalSignature or a
/// chain that does not lead to it is refused and nothing is stored.
#[utoipa::path(post, path = "/api/v1/seal/keys", tag = "settings", request_body = ImportSealKeyRequest,
    responses((status = 201, body = SealKeyView),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "seal_key_unreadable, seal_certificate_expired, seal_certificate_not_yet_valid, seal_key_mismatch, seal_certificate_not_for_signing, seal_chain_broken, seal_key_duplicate, forbidden")))]
pub async fn import(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    body: web::Json<ImportSealKeyRequest>,
) -> ApiResult<HttpResponse> {
    let keys = state.keys.clone();
    let view = state
        .run(move |conn| seal_keys::import_key(conn, &actor, &keys, &body))
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Makes the key the one the service seals with, from the next seal on, in every server
/// process, without a restart; the previous key stands by.
#[utoipa::path(post, path = "/api/v1/seal/keys/{id}/activate", tag = "settings",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = SealKeyView),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "seal_key_not_activatable, not_found, forbidden")))]
pub async fn activate(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<SealKeyView>> {
    let id = id.into_inner().to_string();
    let keys = state.keys.clone();
    let view = state
        .run(move |conn| seal_keys::activate_key(conn, &actor, &keys, &id))
        .await?;
    Ok(web::Json(view))
}

/// Retires a key: it never seals again; its certificates stay trusted by the verifier.
#[utoipa::path(post, path = "/api/v1/seal/keys/{id}/retire", tag = "settings",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = SealKeyView),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "seal_key_active, not_found, forbidden")))]
pub async fn retire(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<SealKeyView>> {
    let id = id.into_inner().to_string();
    let view = state
        .run(move |conn| seal_keys::retire_key(conn, &actor, &id))
        .await?;
    Ok(web::Json(view))
}

/// The time-stamp authorities in failover order, with their health (last success, last
/// error, certificate expiry).
#[utoipa::path(get, path = "/api/v1/seal/tsas", tag = "settings",
    responses((status = 200, body = TsaListView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn tsas(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
) -> ApiResult<web::Json<TsaListView>> {
    let service = state.seal_service.clone();
    let view = state
        .run(move |conn| seal_keys::list_tsas(conn, &actor, &service))
        .await?;
    Ok(web::Json(view))
}

/// Adds a time-stamp authority (used from the next seal on).
#[utoipa::path(post, path = "/api/v1/seal/tsas", tag = "settings", request_body = AddTsaRequest,
    responses((status = 201, body = TsaListView),
              (status = "4XX", body = Problem, content_type = "application/problem+json",
               description = "tsa_url_invalid, tsa_duplicate, forbidden")))]
pub async fn add_tsa(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    body: web::Json<AddTsaRequest>,
) -> ApiResult<HttpResponse> {
    let service = state.seal_service.clone();
    let view = state
        .run(move |conn| seal_keys::add_tsa(conn, &actor, &service, &body))
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Removes a time-stamp authority.
#[utoipa::path(delete, path = "/api/v1/seal/tsas/{id}", tag = "settings",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = TsaListView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn remove_tsa(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<TsaListView>> {
    let id = id.into_inner().to_string();
    let service = state.seal_service.clone();
    let view = state
        .run(move |conn| seal_keys::remove_tsa(conn, &actor, &service, &id))
        .await?;
    Ok(web::Json(view))
}

/// Moves a time-stamp authority in the failover order.
#[utoipa::path(put, path = "/api/v1/seal/tsas/{id}/position", tag = "settings",
    params(("id" = Uuid, Path)), request_body = MoveTsaRequest,
    responses((status = 200, body = TsaListView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn move_tsa(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<MoveTsaRequest>,
) -> ApiResult<web::Json<TsaListView>> {
    let id = id.into_inner().to_string();
    let service = state.seal_service.clone();
    let view = state
        .run(move |conn| seal_keys::move_tsa(conn, &actor, &service, &id, &body))
        .await?;
    Ok(web::Json(view))
}
