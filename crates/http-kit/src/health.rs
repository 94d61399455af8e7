//! The `/ready` body: one entry per dependency, 200 when all are up, 503 otherwise.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The state of one dependency the service needs to serve traffic.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Check {
    /// `up` or `down`.
    #[schema(example = "up")]
    pub status: &'static str,
    /// Why it is down (never a secret or a connection string).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Check {
    /// A dependency that answers.
    pub fn up() -> Self {
        Self {
            status: "up",
            detail: None,
        }
    }

    /// A dependency that answers, with a note on how it is doing.
    pub fn up_with(detail: impl Into<String>) -> Self {
        Self {
            status: "up",
            detail: Some(detail.into()),
        }
    }

    /// A dependency that does not, and why.
    pub fn down(detail: impl Into<String>) -> Self {
        Self {
            status: "down",
            detail: Some(detail.into()),
        }
    }

    fn is_up(&self) -> bool {
        self.status == "up"
    }
}

/// The readiness report returned by `/ready`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Readiness {
    /// `ready` when every check is up, else `not_ready`.
    #[schema(example = "ready")]
    pub status: &'static str,
    /// Each dependency by name.
    pub checks: BTreeMap<String, Check>,
}

impl Readiness {
    /// Builds the report from named checks.
    pub fn from_checks(checks: impl IntoIterator<Item = (&'static str, Check)>) -> Self {
        Self::from_named_checks(
            checks
                .into_iter()
                .map(|(name, check)| (name.to_owned(), check)),
        )
    }

    /// Builds the report from checks whose names are known only at run time.
    pub fn from_named_checks(checks: impl IntoIterator<Item = (String, Check)>) -> Self {
        let checks: BTreeMap<String, Check> = checks.into_iter().collect();
        let status = if checks.values().all(Check::is_up) {
            "ready"
        } else {
            "not_ready"
        };
        Self { status, checks }
    }

    /// Whether every check is up.
    pub fn is_ready(&self) -> bool {
        self.status == "ready"
    }
}

impl IntoResponse for Readiness {
    fn into_response(self) -> Response {
        let status = if self.is_ready() {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        };
        (status, Json(self)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_down_check_makes_the_service_not_ready() {
        let report = Readiness::from_checks([
            ("database", Check::up()),
            ("migrations", Check::down("2 pending")),
        ]);
        assert!(!report.is_ready());
        assert_eq!(
            report.into_response().status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert!(Readiness::from_checks([("database", Check::up())]).is_ready());
    }
}
