//! Verification for anyone, without login: upload a signed PDF, or look up the QR code's id.

use actix_web::{get, post, web};
use futures_util::StreamExt;
use shared::dto::{PublicContractView, PublicVerificationView};
use shared::problem::{Problem, ProblemCode};

use crate::api::error::{ApiError, ApiResult};
use crate::startup::AppState;
use crate::workflow::verification;

/// Verifies a PDF's signatures and timestamps (the raw PDF as the body, up to the upload
/// limit) and says whether this service issued exactly this file.
#[utoipa::path(post, path = "/api/v1/verify", tag = "verification",
    request_body(content = Vec<u8>, content_type = "application/pdf"),
    responses((status = 200, body = PublicVerificationView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[post("/verify")]
pub async fn verify(
    state: web::Data<AppState>,
    mut payload: web::Payload,
) -> ApiResult<web::Json<PublicVerificationView>> {
    let limit = state.upload_limits.file_bytes;
    let mut bytes = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::from(ProblemCode::MalformedRequest))?;
        if (bytes.len() + chunk.len()) as u64 > limit {
            return Err(ProblemCode::PayloadTooLarge.into());
        }
        bytes.extend_from_slice(&chunk);
    }
    let kit = state.seal.clone();
    let view = state
        .run(move |conn| verification::verify_upload(conn, &kit, &bytes))
        .await?;
    Ok(web::Json(view))
}

/// The QR code's target: contract number, conclusion date and seal status only.
#[utoipa::path(get, path = "/api/v1/public/contracts/{public_id}", tag = "verification",
    params(("public_id" = String, Path)),
    responses((status = 200, body = PublicContractView),
              (status = "4XX", body = Problem, content_type = "application/problem+json")))]
#[get("/public/contracts/{public_id}")]
pub async fn contract(
    state: web::Data<AppState>,
    public_id: web::Path<String>,
) -> ApiResult<web::Json<PublicContractView>> {
    let view = state
        .run(move |conn| verification::public_contract(conn, &public_id))
        .await?;
    Ok(web::Json(view))
}
