//! `/pki/…`: the development PKI's OCSP responder, CRLs, CA certificates and RFC 3161 TSA, at
//! the URLs its certificates name, so that pyHanko, Acrobat or `openssl` can fetch what they need
//! to validate a development seal. Absent (404) when the seal is not the development one.

use actix_web::{HttpRequest, HttpResponse, web};

use crate::startup::AppState;

/// Answers one request under [`crate::seal::DEV_PKI_PATH`].
pub async fn respond(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let Some(endpoints) = state.seal.dev_pki_endpoints() else {
        return HttpResponse::NotFound().finish();
    };
    let path = req
        .path()
        .strip_prefix(crate::seal::DEV_PKI_PATH)
        .unwrap_or_default()
        .to_owned();
    let method = req.method().as_str().to_owned();
    let answer = crate::telemetry::block(move || endpoints.respond(&method, &path, &body)).await;
    match answer {
        Ok(Some((content_type, bytes))) => HttpResponse::Ok()
            .content_type(content_type)
            .insert_header(("Cache-Control", "no-store"))
            .body(bytes),
        Ok(None) => HttpResponse::NotFound().finish(),
        Err(_) => HttpResponse::ServiceUnavailable().finish(),
    }
}
