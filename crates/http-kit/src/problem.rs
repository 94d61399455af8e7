//! Problem details for HTTP APIs (RFC 9457), served as `application/problem+json`.
//!
//! Every error a service returns, from a validation failure to a timeout, is a [`Problem`], so a
//! client parses one shape. Server-side failures carry only a generic `detail`; their causes are
//! logged, never sent.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Media type of a problem details body.
pub const CONTENT_TYPE: &str = "application/problem+json";

/// An RFC 9457 problem details object.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI identifying the problem type (`about:blank` for plain HTTP errors).
    #[serde(rename = "type")]
    #[schema(example = "urn:problem:validation")]
    pub kind: String,
    /// A short summary of the problem type.
    #[schema(example = "Validation failed")]
    pub title: String,
    /// The HTTP status code.
    #[schema(example = 400)]
    pub status: u16,
    /// What went wrong with this request, for a human.
    #[schema(example = "The request body has 1 invalid field.")]
    pub detail: String,
    /// For validation failures: each bad field and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    #[serde(skip)]
    retry_after: Option<u32>,
    #[serde(skip)]
    cause: Option<String>,
}

/// The internal cause of a 5xx response, carried in the response's extensions so that the
/// access-log middleware logs it once, next to the request it belongs to. Never sent.
#[derive(Debug, Clone)]
pub struct ErrorCause(pub String);

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The field's name (a JSON path for nested bodies, the parameter name for queries).
    #[schema(example = "amount")]
    pub field: String,
    /// Why the value was refused.
    #[schema(example = "must be greater than 0 and at most 50000")]
    pub message: String,
}

impl FieldError {
    /// A field error for `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl Problem {
    /// A plain HTTP problem: `type` is `about:blank` and `title` the status' reason phrase.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            kind: "about:blank".to_owned(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
            cause: None,
        }
    }

    /// A problem of a named type (`urn:problem:{slug}`) with its own title.
    pub fn typed(status: StatusCode, slug: &str, title: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: format!("urn:problem:{slug}"),
            title: title.to_owned(),
            ..Self::new(status, detail)
        }
    }

    /// 400 with one entry per invalid field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [only] => format!("`{}` {}", only.field, only.message),
            _ => format!("{} fields are invalid", errors.len()),
        };
        Self {
            errors,
            ..Self::typed(
                StatusCode::BAD_REQUEST,
                "validation",
                "Validation failed",
                detail,
            )
        }
    }

    /// 400 for a single invalid field or parameter.
    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, message)])
    }

    /// 500 with an opaque body; log the cause separately.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server could not complete the request.",
        )
    }

    /// 503 asking the client to retry after `seconds`.
    pub fn unavailable(detail: impl Into<String>, seconds: u32) -> Self {
        Self {
            retry_after: Some(seconds),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, detail)
        }
    }

    /// Adds a `Retry-After` header (seconds) to the response.
    #[must_use]
    pub fn with_retry_after(mut self, seconds: u32) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// Records the internal cause (an error chain) to be logged with the request; it is never
    /// part of the body.
    #[must_use]
    pub fn with_cause(mut self, cause: impl std::fmt::Display) -> Self {
        self.cause = Some(cause.to_string());
        self
    }

    /// The status as a [`StatusCode`].
    pub fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl IntoResponse for Problem {
    fn into_response(mut self) -> Response {
        let status = self.status_code();
        let retry_after = self.retry_after;
        let cause = self.cause.take();
        let body = serde_json::to_vec(&self).unwrap_or_else(|_| b"{}".to_vec());
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(seconds) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if let Some(cause) = cause {
            response.extensions_mut().insert(ErrorCause(cause));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_problem_uses_about_blank_and_the_reason_phrase() {
        let problem = Problem::new(StatusCode::NOT_FOUND, "no such loan");
        let json = serde_json::to_value(&problem).unwrap();
        assert_eq!(json["type"], "about:blank");
        assert_eq!(json["title"], "Not Found");
        assert_eq!(json["status"], 404);
        assert!(json.get("errors").is_none());
    }

    #[test]
    fn validation_problem_names_each_field() {
        let problem = Problem::validation(vec![
            FieldError::new("amount", "must be positive"),
            FieldError::new("currency", "must be 3 letters"),
        ]);
        let json = serde_json::to_value(&problem).unwrap();
        assert_eq!(json["status"], 400);
        assert_eq!(json["type"], "urn:problem:validation");
        assert_eq!(json["errors"][1]["field"], "currency");
        assert_eq!(json["detail"], "2 fields are invalid");
    }

    #[test]
    fn response_has_problem_content_type_and_retry_after() {
        let response = Problem::unavailable("database unavailable", 2).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::CONTENT_TYPE], CONTENT_TYPE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
    }
}
