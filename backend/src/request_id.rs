//! The request ID: one per request, taken from a trusted-looking `X-Request-Id` (a proxy's) or
//! made here, echoed in the response header, and carried by a tracing span around the whole
//! request, so every log line of the request names it; a 500's problem body names it too
//! (`request_id`), which is how a user's report finds the log lines.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;

/// The header read from the client (or proxy) and echoed in the answer.
pub const HEADER: &str = "X-Request-Id";

/// The longest incoming ID that is kept.
const MAX_LEN: usize = 64;

tokio::task_local! {
    static CURRENT: String;
}

/// The incoming ID if it is short and made of safe characters (it ends up in log lines and
/// JSON), else a new one: 32 hex digits.
pub fn accept_or_make(incoming: Option<&str>) -> String {
    match incoming {
        Some(id)
            if (1..=MAX_LEN).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')) =>
        {
            id.to_owned()
        }
        _ => uuid::Uuid::new_v4().simple().to_string(),
    }
}

/// The ID of the request being served, when called while serving one.
pub fn current() -> Option<String> {
    CURRENT.try_with(Clone::clone).ok()
}

/// The middleware (`from_fn`): assigns the ID, runs the rest of the request inside the
/// `request` span and the ID's scope, and sets the response header.
pub async fn assign(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = accept_or_make(
        req.headers()
            .get(HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::trim),
    );
    let span = tracing::info_span!("request", id = %id);
    let value = HeaderValue::from_str(&id).expect("the ID is made of header-safe characters");
    let mut res = CURRENT.scope(id, next.call(req).instrument(span)).await?;
    res.headers_mut()
        .insert(HeaderName::from_static("x-request-id"), value);
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_safe_ids_are_kept() {
        assert_eq!(accept_or_make(Some("req-42_a.b")), "req-42_a.b");
        let made = accept_or_make(None);
        assert_eq!(made.len(), 32);
        assert!(made.bytes().all(|b| b.is_ascii_hexdigit()));
        for bad in [
            "",
            "a b",
            "x\"y",
            "ok\nforged log line",
            "é",
            &"a".repeat(65),
        ] {
            let got = accept_or_make(Some(bad));
            assert_ne!(got, bad);
            assert_eq!(got.len(), 32, "{bad:?}");
        }
    }
}
