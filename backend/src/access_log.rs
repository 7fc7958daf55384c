//! The access log: one line per request, with the client's address (see [`crate::client_addr`])
//! and the path **with its secrets cut out**. A counterparty's link (`/sign/{token}`, the API's
//! `/signing/{token}/…`) is a bearer credential; so is any query parameter named like one.
//! Logs are read by more people and kept longer than the database, so they never hold either.

use std::future::Future;
use std::time::Instant;

use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};

/// What replaces a secret in a logged path.
pub const REDACTED: &str = "[redacted]";

/// Path prefixes whose next segment is a link token.
const TOKEN_PREFIXES: &[&str] = &["/sign/", "/api/v1/signing/"];

/// Query parameters whose values are secrets (compared case-insensitively, also as a suffix:
/// `access_code`, `csrf_token`).
const SECRET_PARAMS: &[&str] = &[
    "token",
    "code",
    "password",
    "secret",
    "key",
    "session",
    "otp",
    "totp",
    "signature",
];

/// `path?query` as it may be logged: link tokens and secret query values replaced by
/// [`REDACTED`].
pub fn redact(path: &str, query: &str) -> String {
    let mut out = path.to_owned();
    for prefix in TOKEN_PREFIXES {
        if let Some(rest) = path.strip_prefix(prefix)
            && !rest.is_empty()
        {
            let tail = rest.find('/').map_or("", |i| &rest[i..]);
            out = format!("{prefix}{REDACTED}{tail}");
        }
    }
    if !query.is_empty() {
        let q: Vec<String> = query
            .split('&')
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                let key = k.to_ascii_lowercase();
                let secret = SECRET_PARAMS
                    .iter()
                    .any(|s| key == *s || key.ends_with(&format!("_{s}")));
                if secret && !v.is_empty() {
                    format!("{k}={REDACTED}")
                } else {
                    pair.to_owned()
                }
            })
            .collect();
        out.push('?');
        out.push_str(&q.join("&"));
    }
    out
}

/// The middleware: logs `client "METHOD path HTTP/x" status bytes duration id=<request ID>` at
/// `info` under the `access` target once the response is ready, inside the request's span
/// ([`crate::request_id`] is outside this middleware), and counts the request for the metrics
/// under its route template (`/api/v1/contracts/{id}`, never the raw path).
pub fn log<S, B>(
    req: ServiceRequest,
    srv: &S,
) -> impl Future<Output = Result<ServiceResponse<B>, actix_web::Error>> + use<S, B>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    S::Future: 'static,
    B: MessageBody,
{
    let started = Instant::now();
    let client = crate::api::extract::client_ip(req.request())
        .map(|ip| ip.to_string())
        .unwrap_or_else(|| "-".into());
    let line = format!(
        "{} {} {:?}",
        req.method(),
        redact(req.path(), req.query_string()),
        req.version()
    );
    let method = req.method().clone();
    let route = req.match_pattern();
    let response = srv.call(req);
    async move {
        let res = response.await?;
        crate::metrics::global().observe_request(
            &method,
            route.as_deref(),
            res.status().as_u16(),
            started.elapsed(),
        );
        let bytes = match res.response().body().size() {
            BodySize::Sized(n) => n.to_string(),
            _ => "-".into(),
        };
        let id = crate::request_id::current().unwrap_or_else(|| "-".into());
        tracing::info!(
            target: "access",
            "{client} \"{line}\" {} {bytes} {}ms id={id}",
            res.status().as_u16(),
            started.elapsed().as_millis()
        );
        Ok(res)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_tokens_and_secret_parameters_are_cut_out() {
        assert_eq!(redact("/sign/AbC-123_x", ""), "/sign/[redacted]");
        assert_eq!(
            redact("/api/v1/signing/tok3n/documents/9f", ""),
            "/api/v1/signing/[redacted]/documents/9f"
        );
        assert_eq!(
            redact("/api/v1/signing/tok3n", ""),
            "/api/v1/signing/[redacted]"
        );
        assert_eq!(
            redact(
                "/api/v1/contracts",
                "page=2&Token=abc&access_code=123456&q=契約"
            ),
            "/api/v1/contracts?page=2&Token=[redacted]&access_code=[redacted]&q=契約"
        );
        assert_eq!(redact("/sign/", ""), "/sign/");
        assert_eq!(redact("/api/v1/health", ""), "/api/v1/health");
        assert_eq!(redact("/x", "code"), "/x?code");
    }
}
