//! Verification for anyone, without login: upload a signed PDF, or look up the QR code's id.

use std::time::{Duration, Instant};

use actix_web::{HttpRequest, web};
use futures_util::StreamExt;
use shared::dto::{PublicContractView, PublicVerificationView};
use shared::problem::{Problem, ProblemCode};

use crate::api::error::{ApiError, ApiResult};
use crate::api::extract::client_ip;
use crate::startup::AppState;
use crate::workflow::verification;

/// Verifies a PDF's signatures and timestamps (the raw PDF as the body, up to
/// `max_verify_bytes`) and says whether this service issued exactly this file, or else
/// whether it was made from one (`derived_from`: a sanitising gateway rewrote it). Anyone may call
/// it, so it is budgeted: a few verifications at once (`verification_busy`), a number per client
/// address and minute (`verification_rate_limited`), a time limit (`verification_timeout`), and
/// the reader's own limits on what one PDF may make it do (`pdf_too_complex`). No database
/// connection is held while the PDF is read.
#[utoipa::path(post, path = "/api/v1/verify", tag = "verification",
    request_body(description = "The PDF's raw bytes (any `Content-Type`: it is not looked at)",
        content = inline(crate::api::binary::Binary), content_type = "application/octet-stream"),
    responses((status = 200, body = PublicVerificationView),
              (status = "4XX", body = Problem, content_type = "application/problem+json"),
              (status = 503, body = Problem, content_type = "application/problem+json")))]
pub async fn verify(
    state: web::Data<AppState>,
    req: HttpRequest,
    mut payload: web::Payload,
) -> ApiResult<web::Json<PublicVerificationView>> {
    let limits = state.verify_gate.limits();
    let slot = state
        .verify_gate
        .enter(client_ip(&req), Instant::now())
        .map_err(ApiError::from)?;
    // The slot is held while the body arrives (so memory is slots × body limit), and the body
    // must arrive within the time limit, so a stalled upload cannot keep a slot.
    let read = async {
        let mut bytes = Vec::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|_| ApiError::from(ProblemCode::MalformedRequest))?;
            if (bytes.len() + chunk.len()) as u64 > limits.max_bytes {
                return Err(ProblemCode::PayloadTooLarge.into());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok::<_, ApiError>(bytes)
    };
    let bytes = actix_web::rt::time::timeout(limits.timeout, read)
        .await
        .map_err(|_| ApiError::from(ProblemCode::UploadTimeout))??;
    let service = state.seal_service.clone();
    let trust = state
        .run(move |conn| verification::trust(conn, &service))
        .await?;
    let deadline = limits.timeout;
    let work = crate::telemetry::block(move || {
        let _slot = slot;
        let started = Instant::now();
        let verdict = verification::verify_pdf(&trust, &bytes, deadline)?;
        // What may tie a rewritten file to its original, within what is left of the time.
        let marks = verification::marks_of(&bytes, deadline.saturating_sub(started.elapsed()));
        Ok::<_, crate::workflow::WorkflowError>((verdict, marks))
    });
    // The reader stops itself at the deadline; this answers even if it somehow did not (its
    // slot stays taken until it does).
    let (verification, marks) =
        actix_web::rt::time::timeout(deadline + Duration::from_secs(2), work)
            .await
            .map_err(|_| ApiError::from(ProblemCode::VerificationTimeout))??
            .map_err(ApiError::from)?;
    let view = state
        .run(move |conn| verification::issued_by_this_service(conn, verification, marks))
        .await?;
    Ok(web::Json(view))
}

/// The QR code's target: contract number, conclusion date and seal status only.
#[utoipa::path(get, path = "/api/v1/public/contracts/{public_id}", tag = "verification",
    params(("public_id" = String, Path)),
    responses((status = 200, body = PublicContractView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub async fn contract(
    state: web::Data<AppState>,
    public_id: web::Path<String>,
) -> ApiResult<web::Json<PublicContractView>> {
    let view = state
        .run(move |conn| verification::public_contract(conn, &public_id))
        .await?;
    Ok(web::Json(view))
}
