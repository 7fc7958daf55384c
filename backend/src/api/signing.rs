//! The counterparty's signing page API: no account, no cookie. The link token from the mail is
//! in the path; after the one-time code the session token goes in `Authorization: Bearer …`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use shared::dto::{
    SigningAgreeRequest, SigningDeclineRequest, SigningForwardRequest, SigningSessionView,
    SigningSmsVerifyRequest, SigningVerifyRequest, SigningView,
};
use shared::problem::Problem;
use uuid::Uuid;

use crate::api::contracts::{DownloadQuery, file_response};
use crate::api::error::ApiResult;
use crate::api::extract::origin;
use crate::startup::AppState;
use crate::workflow::signing::{self, Links, SESSION_MINUTES};
use crate::workflow::sms_verification;

fn bearer(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|s| s.trim().to_owned())
}

/// What the signing page shows (more after the code is confirmed).
#[utoipa::path(get, path = "/api/v1/signing/{token}", tag = "signing", params(("token" = String, Path)),
    responses((status = 200, body = SigningView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn view(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> ApiResult<web::Json<SigningView>> {
    let session = bearer(&req);
    let v = state
        .run(move |conn| signing::view(conn, &token, session.as_deref()))
        .await?;
    Ok(web::Json(v))
}

/// Mails a one-time code (6 digits, valid 10 minutes) to the recipient's address.
#[utoipa::path(post, path = "/api/v1/signing/{token}/code", tag = "signing", params(("token" = String, Path)),
    responses((status = 204),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn send_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let o = origin(&req);
    state
        .run(move |conn| signing::send_code(conn, &token, &o))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Confirms the one-time code (and access code): returns the session token. Wrong codes lock
/// the link (`signing_locked`: 30 minutes, then 2 and 24 hours); after 20 in all it is closed
/// (`signing_link_closed`) and the sender is told.
#[utoipa::path(post, path = "/api/v1/signing/{token}/verify", tag = "signing", params(("token" = String, Path)),
    request_body = SigningVerifyRequest,
    responses((status = 200, body = SigningSessionView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn verify(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    body: web::Json<SigningVerifyRequest>,
) -> ApiResult<web::Json<SigningSessionView>> {
    let o = origin(&req);
    let links = Links::new(&state.config.public_url);
    let session_token = state
        .run(move |conn| {
            signing::verify(
                conn,
                &links,
                &token,
                &body.code,
                body.access_code.as_deref(),
                &o,
            )
        })
        .await?;
    Ok(web::Json(SigningSessionView {
        session_token,
        expires_in: (SESSION_MINUTES * 60) as u32,
    }))
}

/// Downloads a file of the contract (confirmed session).
#[utoipa::path(get, path = "/api/v1/signing/{token}/documents/{document_id}", tag = "signing",
    params(("token" = String, Path), ("document_id" = Uuid, Path), DownloadQuery),
    responses((status = 200, content_type = "*/*", body = inline(crate::api::binary::Binary),
               description = "The file, byte-exact, as its own media type: `application/pdf` for the main, sealed and certificate PDFs, an attachment as its accepted type"),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn download(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, Uuid)>,
    query: web::Query<DownloadQuery>,
) -> ApiResult<HttpResponse> {
    let (token, doc) = path.into_inner();
    let purpose = query.purpose();
    let session = bearer(&req);
    let o = origin(&req);
    let store = state.blobs.clone();
    let d = state
        .run(move |conn| {
            signing::download(
                conn,
                &store,
                &token,
                session.as_deref(),
                &doc.to_string(),
                &o,
                purpose,
            )
        })
        .await?;
    file_response(&req, &state.blobs, d).await
}

/// 合意: agrees to the contract (needs `consent: true`).
#[utoipa::path(post, path = "/api/v1/signing/{token}/agree", tag = "signing", params(("token" = String, Path)),
    request_body = SigningAgreeRequest,
    responses((status = 204),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn agree(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    body: web::Json<SigningAgreeRequest>,
) -> ApiResult<HttpResponse> {
    let session = bearer(&req);
    let o = origin(&req);
    let links = Links::new(&state.config.public_url);
    state
        .run(move |conn| signing::agree(conn, &links, &token, session.as_deref(), body.consent, &o))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// 却下: declines with a reason.
#[utoipa::path(post, path = "/api/v1/signing/{token}/decline", tag = "signing", params(("token" = String, Path)),
    request_body = SigningDeclineRequest,
    responses((status = 204),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn decline(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    body: web::Json<SigningDeclineRequest>,
) -> ApiResult<HttpResponse> {
    let session = bearer(&req);
    let o = origin(&req);
    let links = Links::new(&state.config.public_url);
    state
        .run(move |conn| {
            signing::decline(conn, &links, &token, session.as_deref(), &body.reason, &o)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// 転送: hands the request to a colleague (when the sender allowed it).
#[utoipa::path(post, path = "/api/v1/signing/{token}/forward", tag = "signing", params(("token" = String, Path)),
    request_body = SigningForwardRequest,
    responses((status = 204),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn forward(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    body: web::Json<SigningForwardRequest>,
) -> ApiResult<HttpResponse> {
    let session = bearer(&req);
    let o = origin(&req);
    let links = Links::new(&state.config.public_url);
    state
        .run(move |conn| signing::forward(conn, &links, &token, session.as_deref(), &body, &o))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// SMS認証: sends a one-time code (6 digits, valid 10 minutes) by SMS to the mobile number the
/// sender gave (confirmed session only). One a minute and 5 an hour per recipient
/// (`signing_code_too_soon`, `sms_send_limit`); a provider that does not take it is
/// `sms_send_failed` (nothing counted against the minute: ask again).
#[utoipa::path(post, path = "/api/v1/signing/{token}/sms/code", tag = "signing", params(("token" = String, Path)),
    responses((status = 204),
              (status = "4XX", body = Problem, content_type = "application/problem+json"),
              (status = "5XX", body = Problem, content_type = "application/problem+json",
               description = "sms_send_failed (the SMS provider did not take the message), internal_error or service_unavailable")))]
pub async fn send_sms_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let session = bearer(&req);
    let o = origin(&req);
    let provider = state.sms.clone();
    state
        .run_pooled(move |pool| {
            sms_verification::send_code(pool, provider.as_deref(), &token, session.as_deref(), &o)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// SMS認証: confirms the code from the SMS; the session may then agree, decline or forward.
/// Wrong codes count with the e-mailed ones (`signing_locked`, `signing_link_closed`).
#[utoipa::path(post, path = "/api/v1/signing/{token}/sms/verify", tag = "signing", params(("token" = String, Path)),
    request_body = SigningSmsVerifyRequest,
    responses((status = 204),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn verify_sms(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    body: web::Json<SigningSmsVerifyRequest>,
) -> ApiResult<HttpResponse> {
    let session = bearer(&req);
    let o = origin(&req);
    let links = Links::new(&state.config.public_url);
    state
        .run(move |conn| {
            sms_verification::verify(conn, &links, &token, session.as_deref(), &body.code, &o)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
