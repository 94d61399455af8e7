//! The pages shown when something is missing or the API is not answering.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;

use super::layout;
use crate::api::ApiError;

/// 404 for a path no page lives at.
pub fn not_found() -> Response {
    let content = html! {
        h1 { "Page not found" }
        p.lead { "There is nothing at this address. It may have been mistyped, or the loan may not exist." }
        p { a href="/" { "Back to the portfolio" } " · " a href="/loans" { "All loans" } }
    };
    (StatusCode::NOT_FOUND, layout("Not found", "", &content)).into_response()
}

/// The page for a failed API call: what happened in words a user can act on. The rest of the
/// site keeps working; only this page is affected.
pub fn api_failure(error: &ApiError, current: &str) -> Response {
    let (status, title, explanation) = match error {
        ApiError::NotFound => return not_found(),
        ApiError::Timeout => (
            StatusCode::GATEWAY_TIMEOUT,
            "The service is slow to answer",
            "The data for this page did not arrive in time. It is usually back within a minute; try again shortly.",
        ),
        ApiError::Unavailable(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "The service is not answering",
            "The service behind this page is unavailable right now. Other pages may still work; try again shortly.",
        ),
        ApiError::Invalid(_) | ApiError::Refused(_) | ApiError::Other(_) => (
            StatusCode::BAD_GATEWAY,
            "Something went wrong",
            "The service gave an answer this page could not use. The problem has been logged.",
        ),
    };
    tracing::warn!(%error, "page could not be rendered");
    let content = html! {
        h1 { (title) }
        div.notice.warn role="alert" { p { (explanation) } }
        p { a.button href="" { "Try again" } " " a.button.secondary href="/status" { "Service status" } }
    };
    (status, layout(title, current, &content)).into_response()
}
