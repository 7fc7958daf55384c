//! The middleware that audits refused API requests: it reads the problem a response carries
//! (wherever it was raised: an extractor, a handler, the JSON parser) and hands audited codes
//! to the system chain's rate limiter (`audit::refusals`). It never changes the response.

use actix_web::dev::ServiceResponse;
use actix_web::http::header;
use actix_web::web;

use crate::api::error::ApiError;
use crate::api::extract::{self, SESSION_COOKIE};
use crate::audit::refusals::{self, Refusal};
use crate::clock::Millis;
use crate::startup::AppState;

/// Audits the answer if it is a refusal (call from `App::wrap_fn` after the service).
pub async fn observe<B>(res: &ServiceResponse<B>) {
    let req = res.request();
    if !req.path().starts_with("/api/") {
        return;
    }
    let Some(code) = res
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>())
        .map(|e| e.0.code)
        .filter(|code| refusals::is_audited(*code))
    else {
        return;
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return;
    };
    let origin = extract::origin(req);
    let now = Millis::now();
    let address = origin.ip.clone().unwrap_or_default();
    let (write, ended) = state.refusals.admit(&address, code, now);
    if !write && ended.is_none() {
        return;
    }
    let refusal = Refusal {
        method: req.method().to_string(),
        route: req
            .match_pattern()
            .unwrap_or_else(|| "(no route)".to_owned()),
        code,
        credential: if req.headers().contains_key(header::AUTHORIZATION) {
            "api_token"
        } else if req.cookie(SESSION_COOKIE).is_some() {
            "session"
        } else {
            "none"
        },
    };
    let written = state
        .run(move |conn| {
            if let Some(summary) = &ended {
                refusals::write_summary(conn, summary, now)?;
            }
            if write {
                refusals::write_refusal(conn, &origin, &refusal, now)?;
            }
            Ok(())
        })
        .await;
    if let Err(e) = written {
        tracing::warn!(error = %e, "could not audit a refused request");
    }
}
