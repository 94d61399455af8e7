//! `/api/…`: passed to the gateway unchanged, credentials included, so the public API is
//! reachable through the edge as the original's rewrites made it.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_kit::Problem;
use telemetry::TraceContext;

use crate::startup::AppState;

/// The largest request body passed through (the gateway applies its own, smaller, limit).
const BODY_LIMIT: usize = 1024 * 1024;

/// Headers that describe one connection, not the request or response.
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Forwards the request to the gateway and its answer back.
pub async fn forward(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The request body is too large.",
        )
        .into_response();
    };
    let path_and_query = parts
        .uri
        .path_and_query()
        .map_or("/", |value| value.as_str());
    let mut outgoing = state
        .api
        .http()
        .request(
            parts.method.clone(),
            format!("{}{path_and_query}", state.api.base()),
        )
        .timeout(state.passthrough_timeout);
    for (name, value) in &parts.headers {
        if !HOP_BY_HOP.contains(&name.as_str())
            && *name != header::HOST
            && *name != header::CONTENT_LENGTH
            && name != "traceparent"
        {
            outgoing = outgoing.header(name, value);
        }
    }
    if let Some(trace) = parts.extensions.get::<TraceContext>() {
        outgoing = outgoing.header("traceparent", trace.traceparent());
    }
    let answer = match outgoing.body(body).send().await {
        Ok(answer) => answer,
        Err(error) if error.is_timeout() => {
            return Problem::new(
                StatusCode::GATEWAY_TIMEOUT,
                "The API did not answer in time.",
            )
            .with_cause(error)
            .into_response();
        }
        Err(error) => {
            return Problem::new(StatusCode::BAD_GATEWAY, "The API could not be reached.")
                .with_cause(error)
                .into_response();
        }
    };
    let status = answer.status();
    let headers = answer.headers().clone();
    let bytes = match answer.bytes().await {
        Ok(bytes) => bytes,
        Err(error) => {
            return Problem::new(StatusCode::BAD_GATEWAY, "The API's answer broke off.")
                .with_cause(error)
                .into_response();
        }
    };
    let mut response = Response::builder()
        .status(status)
        .body(Body::from(bytes))
        .unwrap_or_default();
    for (name, value) in &headers {
        if !HOP_BY_HOP.contains(&name.as_str())
            && *name != header::CONTENT_LENGTH
            && *name != HeaderName::from_static("x-request-id")
        {
            response.headers_mut().append(name.clone(), value.clone());
        }
    }
    response
}
