//! Errors as RFC 9457 `application/problem+json`. The status of every code is fixed in
//! `shared::problem`; this file only renders, and logs what the client must not see.

use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use actix_web::{HttpRequest, HttpResponse, ResponseError, error::JsonPayloadError};
use shared::problem::{Problem, ProblemCode};

use crate::workflow::WorkflowError;

/// An error answer (boxed: a problem document is large, and most results are `Ok`).
#[derive(Debug)]
pub struct ApiError(pub Box<Problem>);

impl ApiError {
    /// Wraps a problem document.
    pub fn new(problem: Problem) -> Self {
        ApiError(Box::new(problem))
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.0.code.as_str(), self.0.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header(ContentType(
            "application/problem+json"
                .parse()
                .expect("a valid media type"),
        ));
        match self.0.code {
            ProblemCode::TooManyRequests => {
                res.insert_header(("Retry-After", "900"));
            }
            ProblemCode::VerificationBusy => {
                res.insert_header(("Retry-After", "5"));
            }
            ProblemCode::VerificationRateLimited => {
                res.insert_header(("Retry-After", "60"));
            }
            _ => {}
        }
        if matches!(
            self.0.code,
            ProblemCode::ApiTokenInvalid | ProblemCode::MetricsTokenInvalid
        ) {
            // RFC 6750 §3.
            res.insert_header(("WWW-Authenticate", "Bearer error=\"invalid_token\""));
        }
        if self.0.request_id.is_none() {
            // Every problem names the request: the ID is what connects a user's report to the
            // log lines (for a 500, the only place its cause is written).
            let problem = Problem {
                request_id: crate::request_id::current(),
                ..(*self.0).clone()
            };
            return res.body(serde_json::to_string(&problem).unwrap_or_default());
        }
        res.body(serde_json::to_string(&self.0).unwrap_or_default())
    }
}

impl From<ProblemCode> for ApiError {
    fn from(code: ProblemCode) -> Self {
        ApiError::new(Problem::new(code))
    }
}

impl From<WorkflowError> for ApiError {
    fn from(e: WorkflowError) -> Self {
        match e {
            WorkflowError::Refused(code) => code.into(),
            WorkflowError::Invalid(errors) => ApiError::new(Problem::validation(errors)),
            WorkflowError::Unavailable(cause) => {
                tracing::warn!(%cause, "database unavailable");
                ProblemCode::ServiceUnavailable.into()
            }
            WorkflowError::Internal(cause) => {
                tracing::error!(error = ?cause, "internal error");
                ProblemCode::Internal.into()
            }
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(_: actix_web::error::BlockingError) -> Self {
        tracing::error!("blocking task was cancelled");
        ProblemCode::Internal.into()
    }
}

/// Malformed, oversized or wrongly typed JSON bodies: specific 4xx, never a plain-text error.
pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let problem = match &err {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            Problem::new(ProblemCode::PayloadTooLarge)
        }
        JsonPayloadError::ContentType => Problem::new(ProblemCode::UnsupportedMediaType),
        JsonPayloadError::Deserialize(cause) => Problem {
            detail: format!("Invalid JSON body: {cause}"),
            ..Problem::new(ProblemCode::MalformedRequest)
        },
        _ => Problem::new(ProblemCode::MalformedRequest),
    };
    ApiError::new(problem).into()
}

/// Invalid query strings.
pub fn query_error(
    err: actix_web::error::QueryPayloadError,
    _req: &HttpRequest,
) -> actix_web::Error {
    ApiError::new(Problem {
        detail: format!("Invalid query string: {err}"),
        ..Problem::new(ProblemCode::MalformedRequest)
    })
    .into()
}

/// An id in the path that is not a UUID names nothing: 404.
pub fn path_error(_err: actix_web::error::PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::from(ProblemCode::NotFound).into()
}

/// Unknown `/api/*` routes.
pub async fn route_not_found() -> ApiResult<HttpResponse> {
    Err(ProblemCode::RouteNotFound.into())
}
