//! NUL characters are refused at the door of the API. PostgreSQL cannot store U+0000 in text
//! and fails the whole statement (SQLite stores it), so a `\u0000` in any JSON string, or a
//! `%00` in the path or query, would otherwise end as a 500 deep inside whatever use-case got
//! it first (found by the fuzz test: a login ID with a NUL). Answered as 400
//! `malformed_request` before any handler runs.

use std::pin::Pin;

use actix_web::HttpMessage;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes, BytesMut};
use futures_util::{Stream, StreamExt};
use shared::problem::{Problem, ProblemCode};

use crate::api::error::ApiError;
use crate::startup::AppState;

/// Whether a JSON text holds the escape `\u0000` (a raw NUL is already invalid JSON).
fn has_escaped_nul(json: &[u8]) -> bool {
    let mut i = 0;
    while i < json.len() {
        if json[i] == b'\\' {
            if json.get(i + 1..i + 6) == Some(&b"u0000"[..]) {
                return true;
            }
            // Skip the escaped character: `\\u0000` is a backslash and the text "u0000".
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

fn refuse(req: ServiceRequest, problem: Problem) -> ServiceResponse<BoxBody> {
    req.error_response(ApiError::new(problem))
}

fn nul_problem() -> Problem {
    Problem {
        detail: "The request contains a NUL character (U+0000), which no field accepts.".into(),
        ..Problem::new(ProblemCode::MalformedRequest)
    }
}

/// `middleware::from_fn` body for every request: API requests with a NUL in the target or
/// in a JSON body are refused; the body is read (up to the JSON limit) and handed on intact.
pub async fn refuse_nul(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if !req.path().starts_with("/api/") {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    if req.uri().to_string().contains("%00") {
        return Ok(refuse(req, nul_problem()));
    }
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            let essence = ct.split(';').next().unwrap_or("").trim();
            essence.eq_ignore_ascii_case("application/json")
                || essence.to_ascii_lowercase().ends_with("+json")
        });
    if json {
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map_or(usize::MAX, |s| s.config.max_json_bytes);
        let mut payload = req.take_payload();
        let mut body = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let Ok(chunk) = chunk else {
                return Ok(refuse(req, Problem::new(ProblemCode::MalformedRequest)));
            };
            if body.len() + chunk.len() > limit {
                return Ok(refuse(req, Problem::new(ProblemCode::PayloadTooLarge)));
            }
            body.extend_from_slice(&chunk);
        }
        if has_escaped_nul(&body) {
            return Ok(refuse(req, nul_problem()));
        }
        let body: Bytes = body.freeze();
        let stream: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> =
            Box::pin(futures_util::stream::once(async move { Ok(body) }));
        req.set_payload(stream.into());
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::has_escaped_nul;

    #[test]
    fn finds_the_nul_escape_and_nothing_else() {
        assert!(has_escaped_nul(br#"{"login_id":"ta\u0000naka"}"#));
        assert!(has_escaped_nul(br#"["\\\u0000"]"#));
        assert!(!has_escaped_nul(br#"{"name":"a\\u0000"}"#));
        assert!(!has_escaped_nul(br#"{"name":"\u3042\n"}"#));
        assert!(!has_escaped_nul(br#"\"#));
    }
}
