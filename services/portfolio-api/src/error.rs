//! The service's one error type, and how each case is answered.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use http_kit::{FieldError, Problem};

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed; each bad parameter is named.
    #[error("invalid request")]
    Validation(Vec<FieldError>),
    /// No asset has this id.
    #[error("asset {0} not found")]
    NotFound(String),
    /// The database failed or could not be reached.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A response could not be serialized.
    #[error("serialization error: {0}")]
    Serialization(#[from] serde_json::Error),
}

impl ApiError {
    /// The HTTP status for this error.
    pub fn status_code(&self) -> StatusCode {
        match self {
            Self::Validation(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Database(error) => pgpool::problem::status(error),
            Self::Serialization(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            Self::Validation(errors) => Problem::validation(errors).into_response(),
            Self::NotFound(id) => {
                Problem::new(StatusCode::NOT_FOUND, format!("No asset has the id {id}."))
                    .into_response()
            }
            Self::Database(error) => {
                pgpool::problem::problem(&error, "portfolio database").into_response()
            }
            Self::Serialization(error) => Problem::internal().with_cause(error).into_response(),
        }
    }
}
