//! The service's one error type, and how each case is answered.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_kit::{FieldError, Problem};
use uuid::Uuid;

use crate::domain::LoanStatus;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed; each bad field is named.
    #[error("invalid request")]
    Validation(Vec<FieldError>),
    /// A problem already shaped by an extractor (bad body, bad content type, …).
    #[error("{}", .0.detail)]
    Rejected(Problem),
    /// No loan has this id.
    #[error("loan {0} not found")]
    NotFound(Uuid),
    /// The lifecycle does not allow this move.
    #[error("a {from} loan cannot become {to}")]
    Transition {
        /// The loan's current status.
        from: LoanStatus,
        /// The status asked for.
        to: LoanStatus,
    },
    /// `If-Match` did not match the loan's current `ETag`.
    #[error("the loan has changed since it was read")]
    PreconditionFailed {
        /// The current `ETag`, sent back so the client can re-read and retry.
        current_etag: String,
    },
    /// The `Idempotency-Key` was used before for a different request.
    #[error("idempotency key reused for a different request")]
    IdempotencyKeyReused,
    /// The `Idempotency-Key` is being settled by a concurrent request; retry shortly.
    #[error("idempotency key in flux")]
    IdempotencyKeyBusy,
    /// The database failed or could not be reached.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A response could not be serialized.
    #[error("serialization error: {0}")]
    Serialization(#[from] serde_json::Error),
}

impl From<Problem> for ApiError {
    fn from(problem: Problem) -> Self {
        Self::Rejected(problem)
    }
}

impl ApiError {
    /// The HTTP status for this error.
    pub fn status_code(&self) -> StatusCode {
        match self {
            Self::Validation(_) => StatusCode::BAD_REQUEST,
            Self::Rejected(problem) => problem.status_code(),
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Transition { .. } => StatusCode::CONFLICT,
            Self::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            Self::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Database(error) => pgpool::problem::status(error),
            Self::IdempotencyKeyBusy => StatusCode::SERVICE_UNAVAILABLE,
            Self::Serialization(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status_code();
        match self {
            Self::Validation(errors) => Problem::validation(errors).into_response(),
            Self::Rejected(problem) => problem.into_response(),
            Self::NotFound(id) => Problem::new(status, format!("No loan has the id {id}.")).into_response(),
            Self::Transition { from, to } => {
                let allowed: Vec<&str> = from.next().iter().map(|s| s.as_str()).collect();
                let detail = if allowed.is_empty() {
                    format!("A {from} loan cannot change status; {from} is final.")
                } else {
                    format!("A {from} loan cannot become {to}; it can become {}.", allowed.join(" or "))
                };
                Problem::typed(status, "invalid-transition", "Status change not allowed", detail).into_response()
            }
            Self::PreconditionFailed { current_etag } => {
                let mut response = Problem::typed(
                    status,
                    "stale-etag",
                    "Loan has changed",
                    "The loan has changed since you read it; read it again and retry with its new ETag.",
                )
                .into_response();
                if let Ok(value) = HeaderValue::from_str(&current_etag) {
                    response.headers_mut().insert(header::ETAG, value);
                }
                response
            }
            Self::IdempotencyKeyReused => Problem::typed(
                status,
                "idempotency-key-reused",
                "Idempotency key reused",
                "This Idempotency-Key was already used for a different request; use a new key for a new request.",
            )
            .into_response(),
            Self::IdempotencyKeyBusy => Problem::unavailable(
                "Another request with this Idempotency-Key is being settled; retry shortly.",
                1,
            )
            .into_response(),
            Self::Database(error) => pgpool::problem::problem(&error, "loan database").into_response(),
            Self::Serialization(error) => Problem::internal().with_cause(error).into_response(),
        }
    }
}
