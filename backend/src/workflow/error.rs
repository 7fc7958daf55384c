//! The error every use-case returns. `api::error` turns it into a problem response; the CLI
//! prints it as a sentence.

use shared::problem::{FieldError, ProblemCode};
use shared::validate::ValidationError;

/// A use-case's failure.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    /// A refusal with a stable problem code (not found, forbidden, conflict, …).
    #[error("{}", .0.message_en())]
    Refused(ProblemCode),
    /// Invalid fields.
    #[error("invalid fields: {}", .0.iter().map(|e| e.field.as_str()).collect::<Vec<_>>().join(", "))]
    Invalid(Vec<FieldError>),
    /// The database could not be reached in time.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Anything unexpected; logged with its cause chain, answered as a bare 500.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Result of a use-case.
pub type WorkflowResult<T> = Result<T, WorkflowError>;

impl WorkflowError {
    /// Another tenant's row, or none at all.
    pub fn not_found() -> Self {
        WorkflowError::Refused(ProblemCode::NotFound)
    }

    /// One invalid field.
    pub fn field(field: &str, code: ValidationError) -> Self {
        WorkflowError::Invalid(vec![FieldError {
            field: field.to_owned(),
            code,
        }])
    }

    /// The problem code this error is answered with.
    pub fn code(&self) -> ProblemCode {
        match self {
            WorkflowError::Refused(code) => *code,
            WorkflowError::Invalid(_) => ProblemCode::ValidationFailed,
            WorkflowError::Unavailable(_) => ProblemCode::ServiceUnavailable,
            WorkflowError::Internal(_) => ProblemCode::Internal,
        }
    }
}

impl From<ProblemCode> for WorkflowError {
    fn from(code: ProblemCode) -> Self {
        WorkflowError::Refused(code)
    }
}

impl From<diesel::result::Error> for WorkflowError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => WorkflowError::not_found(),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                WorkflowError::Refused(ProblemCode::Conflict)
            }
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                WorkflowError::Unavailable(info.message().to_owned())
            }
            other => WorkflowError::Internal(anyhow::Error::new(other).context("database query")),
        }
    }
}

impl From<crate::mail::EnqueueError> for WorkflowError {
    fn from(e: crate::mail::EnqueueError) -> Self {
        match e {
            crate::mail::EnqueueError::Database(e) => e.into(),
            crate::mail::EnqueueError::Payload(e) => {
                WorkflowError::Internal(anyhow::Error::new(e).context("mail job payload"))
            }
        }
    }
}

impl From<shared::contract::UnknownStoredValue> for WorkflowError {
    /// A stored enum this version cannot read: the row is broken, not the request.
    fn from(e: shared::contract::UnknownStoredValue) -> Self {
        WorkflowError::Internal(anyhow::Error::new(e).context("stored value"))
    }
}

impl From<diesel::r2d2::PoolError> for WorkflowError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        WorkflowError::Unavailable(e.to_string())
    }
}

/// Collects field errors of a request so that all of them are reported at once.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// Parses `raw` with `parse`, remembering the error under `field`.
    pub fn check<T>(&mut self, field: &str, result: Result<T, ValidationError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(code) => {
                self.0.push(FieldError {
                    field: field.to_owned(),
                    code,
                });
                None
            }
        }
    }

    /// Adds an error.
    pub fn push(&mut self, field: &str, code: ValidationError) {
        self.0.push(FieldError {
            field: field.to_owned(),
            code,
        });
    }

    /// `Err` if any field was invalid.
    pub fn finish(self) -> WorkflowResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(WorkflowError::Invalid(self.0))
        }
    }

    /// [`finish`](Self::finish), then `build` the checked value from the parsed fields (each an
    /// `Option` from [`check`](Self::check), taken with `?`). Every `None` was recorded as a
    /// field error, so `build` fails only on a bug: an internal error, not a panic.
    pub fn finish_with<T>(self, build: impl FnOnce() -> Option<T>) -> WorkflowResult<T> {
        self.finish()?;
        build()
            .ok_or_else(|| WorkflowError::Internal(anyhow::anyhow!("a checked field has no value")))
    }
}

/// An optional text field: `None` or blank stays `None`, otherwise it must parse.
pub fn optional<T>(
    raw: Option<&str>,
    parse: impl Fn(&str) -> Result<T, ValidationError>,
) -> Result<Option<T>, ValidationError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => parse(s).map(Some),
    }
}
