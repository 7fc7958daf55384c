//! The request ID: one per request, taken from the `X-Request-Id` of a trusted reverse proxy
//! (`trusted_proxies`, the same list that may name the client's address) or made here, echoed
//! in the response header, and carried by a tracing span (`request_id`) around the whole
//! request, so every log line of the request names it. Every problem body names it too, and
//! every job the request queues keeps it (`jobs.request_id`), so the worker's lines about the
//! seal and the mails it caused name it as well: a user's report with the ID finds them all.

use std::cell::RefCell;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use tracing::Instrument;

use crate::startup::AppState;

/// The header read from a trusted proxy and echoed in the answer.
pub const HEADER: &str = "X-Request-Id";

/// The longest incoming ID that is kept.
const MAX_LEN: usize = 64;

tokio::task_local! {
    static CURRENT: String;
}

thread_local! {
    /// The ID on a blocking thread (a request's use-case, a job): see [`within`].
    static ON_THREAD: RefCell<Option<String>> = const { RefCell::new(None) };
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

/// The ID of the request being served (or of the request that caused the job being run),
/// when called while serving or running one.
pub fn current() -> Option<String> {
    CURRENT
        .try_with(Clone::clone)
        .ok()
        .or_else(|| ON_THREAD.with(|c| c.borrow().clone()))
}

/// Runs `f` on this thread with `id` as the [`current`] ID: a request's blocking use-case
/// (`telemetry::block`) and a job's handler, so what they queue keeps the ID.
pub fn within<R>(id: Option<String>, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<String>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            ON_THREAD.with(|c| *c.borrow_mut() = previous);
        }
    }
    let _restore = Restore(ON_THREAD.with(|c| c.replace(id)));
    f()
}

/// The `X-Request-Id` of the request if its TCP peer is a trusted proxy; a client's own is
/// ignored (it could otherwise pick an ID to confuse the log of someone else's request).
fn from_trusted_proxy(req: &ServiceRequest) -> Option<&str> {
    let state = req.app_data::<web::Data<AppState>>()?;
    let peer = req.peer_addr()?.ip();
    if !state.config.trusted_proxies.contains(peer) {
        return None;
    }
    req.headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// The middleware (`from_fn`), outermost: assigns the ID, runs the rest of the request inside
/// the `request` span and the ID's scope, and sets the response header.
pub async fn assign(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = accept_or_make(from_trusted_proxy(&req));
    let span = tracing::info_span!("request", request_id = %id);
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

    #[test]
    fn a_blocking_thread_has_the_id_it_is_given_and_then_none() {
        assert_eq!(current(), None);
        let inner = within(Some("outer".into()), || {
            let nested = within(Some("inner".into()), current);
            (nested, current())
        });
        assert_eq!(inner, (Some("inner".into()), Some("outer".into())));
        assert_eq!(current(), None);
    }
}
