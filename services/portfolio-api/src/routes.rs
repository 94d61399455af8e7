//! HTTP routes, one module per resource, and the router that joins them.

pub mod assets;
pub mod docs;
pub mod insights;
pub mod ops;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::cache::Rendered;
use crate::startup::AppState;

/// Every route of the service, before the shared middleware is applied.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/assets", get(assets::list))
        .route("/assets/{id}", get(assets::get))
        .route("/insights", get(insights::get))
        .route("/health", get(ops::health))
        .route("/ready", get(ops::ready))
        .route("/metrics", get(ops::metrics))
        .merge(docs::router())
        .fallback(ops::not_found)
        .with_state(state)
}

/// A cached JSON response, or 304 when the client already has it (`If-None-Match`).
fn cached(request_headers: &HeaderMap, rendered: &Rendered) -> Response {
    let unchanged = request_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',').map(str::trim).any(|tag| {
                tag == "*" || tag.trim_start_matches("W/").as_bytes() == rendered.etag.as_bytes()
            })
        });
    let mut response = if unchanged {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut response = rendered.json.clone().into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    };
    response
        .headers_mut()
        .insert(header::ETAG, rendered.etag.clone());
    response
}
