//! The `Idempotency-Key` header on the POST operations that need a login: the HTTP side of
//! `workflow::idempotency` (validating the key, reading the body for the fingerprint, giving a
//! kept answer again with `Idempotent-Replayed: true`).
//!
//! The key is 1–255 printable ASCII characters (else 400 `idempotency_key_invalid`). The
//! fingerprint is the SHA-256 of method, path with query, and body: the same key with another
//! request is 422 `idempotency_key_reused`; while the first is in flight, 409
//! `idempotency_key_in_progress`. Answers up to 1 MB are kept (status, `Content-Type`,
//! `Location`, `Content-Disposition`, body); a larger one is recorded as given, and a retry
//! gets 409 `idempotency_response_not_stored` instead of a second action; so does an answer
//! that shows a secret once ([`shown_once`]). A 5xx answer is not kept. Requests whose credential fails are passed on untouched (the handler answers 401).

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{Error, HttpRequest, HttpResponse, ResponseError, web};
use sha2::{Digest, Sha256};
use shared::problem::ProblemCode;

use crate::api::body;
use crate::api::error::ApiError;
use crate::api::extract;
use crate::clock::Millis;
use crate::startup::AppState;
use crate::workflow::idempotency::{self, Claim, MAX_STORED_BODY, Scope, StoredResponse};

/// The request header.
pub const HEADER: &str = "Idempotency-Key";
/// The answer header of a replay.
pub const REPLAYED: &str = "Idempotent-Replayed";
/// Longest key.
pub const MAX_KEY_LEN: usize = 255;

/// The headers kept with an answer.
const KEPT_HEADERS: [HeaderName; 3] = [
    header::CONTENT_TYPE,
    header::LOCATION,
    header::CONTENT_DISPOSITION,
];

/// The key, if the header's value is 1–255 printable ASCII characters.
pub fn valid_key(value: &HeaderValue) -> Option<String> {
    let bytes = value.as_bytes();
    let ok =
        (1..=MAX_KEY_LEN).contains(&bytes.len()) && bytes.iter().all(|b| (0x20..=0x7e).contains(b));
    ok.then(|| String::from_utf8_lossy(bytes).into_owned())
}

/// Marks an answer that shows a secret once (an API token, an initial password, a TOTP
/// secret): never kept for a replay, so the secret is not stored; a retry with the same key
/// gets 409 `idempotency_response_not_stored` and nothing is done twice.
pub fn shown_once(mut res: HttpResponse) -> HttpResponse {
    res.extensions_mut().insert(ShownOnce);
    res
}

/// The marker of [`shown_once`].
struct ShownOnce;

/// Handles a POST carrying `Idempotency-Key`; without the header, `next` as usual.
pub async fn handle(
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(raw) = req.headers().get(HEADER) else {
        return next.call(req).await;
    };
    let Some(key) = valid_key(raw) else {
        let (http, _) = req.into_parts();
        return Ok(problem(http, ProblemCode::IdempotencyKeyInvalid));
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await;
    };
    let Some((tenant_id, principal)) = principal(req.request()).await else {
        return next.call(req).await;
    };
    let (http, payload) = req.into_parts();
    let limit = state
        .config
        .max_upload_bytes
        .max(state.config.max_json_bytes as u64);
    let body = match body::read_limited(payload, limit).await {
        Ok(body) => Bytes::from(body),
        Err(code) => return Ok(problem(http, code)),
    };
    let scope = Scope {
        tenant_id,
        principal,
        method: http.method().to_string(),
        path: http.path().to_owned(),
        key,
    };
    let fingerprint = fingerprint(&http, &body);
    let claimed = {
        let scope = scope.clone();
        state
            .run(move |conn| idempotency::claim(conn, &scope, &fingerprint, Millis::now()))
            .await
    };
    match claimed {
        Ok(Claim::Acquired) => {}
        Ok(Claim::Replay(stored)) => return Ok(ServiceResponse::new(http, replay(stored))),
        Ok(Claim::Reused) => return Ok(problem(http, ProblemCode::IdempotencyKeyReused)),
        Ok(Claim::InProgress) => {
            let mut res = problem(http, ProblemCode::IdempotencyKeyInProgress);
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return Ok(res);
        }
        Ok(Claim::NotStored) => {
            return Ok(problem(http, ProblemCode::IdempotencyResponseNotStored));
        }
        Err(e) => return Ok(ServiceResponse::new(http, e.error_response())),
    }
    let answered = next
        .call(ServiceRequest::from_parts(http, Payload::from(body)))
        .await;
    let res = match answered {
        Ok(res) if !res.status().is_server_error() => res,
        other => {
            release(&state, scope).await;
            return other;
        }
    };
    keep(&state, scope, res).await
}

/// Tenant and principal of the request's credential: one API token, or the user of a session.
async fn principal(req: &HttpRequest) -> Option<(String, String)> {
    if let Some(token) = extract::token_actor(req) {
        let actor = token.await.ok()?;
        let secret = extract::bearer(req)?;
        let digest = crate::auth::tokens::digest(&secret);
        return Some((actor.tenant_id, format!("token:{digest}")));
    }
    let (actor, _) = extract::session_user(req).await.ok()?;
    Some((actor.tenant_id, format!("user:{}", actor.user_id)))
}

/// SHA-256 of method, path with query, and body.
fn fingerprint(req: &HttpRequest, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(req.method().as_str().as_bytes());
    h.update(b"\n");
    h.update(
        req.uri()
            .path_and_query()
            .map_or("", |p| p.as_str())
            .as_bytes(),
    );
    h.update(b"\n");
    h.update(body);
    data_encoding::HEXLOWER.encode(&h.finalize())
}

fn problem(http: HttpRequest, code: ProblemCode) -> ServiceResponse<BoxBody> {
    ServiceResponse::new(http, ApiError::from(code).error_response())
}

fn replay(stored: StoredResponse) -> HttpResponse {
    let mut res =
        HttpResponse::build(StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK));
    for (name, value) in &stored.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::from_str(value),
        ) {
            res.insert_header((n, v));
        }
    }
    res.insert_header((REPLAYED, "true"));
    res.body(stored.body)
}

async fn release(state: &web::Data<AppState>, scope: Scope) {
    if let Err(e) = state
        .run(move |conn| idempotency::release(conn, &scope))
        .await
    {
        tracing::warn!(error = %e, "could not release an idempotency key");
    }
}

/// Records the answer (kept when at most 1 MB) and gives it on.
async fn keep(
    state: &web::Data<AppState>,
    scope: Scope,
    res: ServiceResponse<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let status = res.status().as_u16();
    let headers: Vec<(String, String)> = KEPT_HEADERS
        .iter()
        .filter_map(|n| {
            let v = res.headers().get(n)?.to_str().ok()?;
            Some((n.as_str().to_owned(), v.to_owned()))
        })
        .collect();
    let (http, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let small = match body.size() {
        BodySize::None => true,
        BodySize::Sized(n) => n <= MAX_STORED_BODY as u64,
        BodySize::Stream => false,
    } && head.extensions().get::<ShownOnce>().is_none();
    let (kept, body) = if small {
        let bytes = actix_web::body::to_bytes(body)
            .await
            .map_err(|e| actix_web::error::ErrorInternalServerError(e.to_string()))?;
        let kept = StoredResponse {
            status,
            headers,
            body: bytes.to_vec(),
        };
        (Some(kept), BoxBody::new(bytes))
    } else {
        (None, body)
    };
    let recorded = state
        .run(move |conn| idempotency::finish(conn, &scope, status, kept.as_ref()))
        .await;
    if let Err(e) = recorded {
        tracing::warn!(error = %e, "could not record an idempotent answer");
    }
    Ok(ServiceResponse::new(http, head.set_body(body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_short_printable_ascii() {
        let v = |s: &str| HeaderValue::from_str(s).unwrap();
        assert_eq!(
            valid_key(&v("order-42 retry")).as_deref(),
            Some("order-42 retry")
        );
        assert!(valid_key(&v("")).is_none());
        assert!(valid_key(&v(&"k".repeat(255))).is_some());
        assert!(valid_key(&v(&"k".repeat(256))).is_none());
        assert!(valid_key(&HeaderValue::from_bytes("鍵".as_bytes()).unwrap()).is_none());
        assert!(valid_key(&HeaderValue::from_bytes(b"a\tb").unwrap()).is_none());
    }
}
