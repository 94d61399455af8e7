//! The request stack every service runs, assembled in one place by [`apply`].
//!
//! One middleware function, [`envelope`], does per request, in order:
//! 1. **request id**: keep a well-formed incoming `X-Request-Id`, else mint one; it is set on
//!    the request (so proxies forward it) and echoed on the response;
//! 2. **trace**: one `request` span, child of the caller's W3C `traceparent`, carrying the
//!    request id and trace id into every log line; the [`telemetry::TraceContext`] goes into the
//!    request's extensions for handlers that call other services;
//! 3. **timeout**: a request that runs longer than the limit gets a 503 problem;
//! 4. **problem bodies**: any error response that is neither JSON nor an HTML page (axum's 405,
//!    a 413, …) is rewritten as problem+json;
//! 5. **access log and metrics**, and the logged cause of any 5xx.
//!
//! Inside it, a panicking handler becomes an opaque 500 problem (tower-http's `CatchPanic`), and
//! axum's `DefaultBodyLimit` bounds request bodies. Doing it all in one function keeps the
//! per-request cost to one boxed future instead of one per concern.

use std::any::Any;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;
use tracing::Instrument;

use crate::problem::{ErrorCause, Problem};

/// The request id header, kept from the caller or minted here.
pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Limits applied to every request.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest a request may run before it is answered with 503.
    pub request_timeout: Duration,
    /// Largest request body accepted, in bytes (413 beyond).
    pub body_limit: usize,
}

/// The request id of the request being served, as a request extension.
#[derive(Debug, Clone)]
pub struct RequestId(pub HeaderValue);

impl RequestId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        self.0.to_str().unwrap_or_default()
    }
}

/// Wraps every route of `router` (and its fallback) in the shared middleware stack.
pub fn apply(router: Router, limits: Limits) -> Router {
    crate::metrics::install();
    router
        .layer(DefaultBodyLimit::max(limits.body_limit))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(from_fn_with_state(limits.request_timeout, envelope))
}

/// A caller's id is kept when it is 1–128 characters of a conservative alphabet; anything else
/// (empty, huge, control characters) is replaced so it cannot pollute logs.
fn acceptable_request_id(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    (1..=128).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=@".contains(b))
}

fn request_id(request: &Request) -> HeaderValue {
    match request.headers().get(&REQUEST_ID) {
        Some(value) if acceptable_request_id(value) => value.clone(),
        _ => {
            let mut buffer = uuid::Uuid::encode_buffer();
            let minted = uuid::Uuid::new_v4().simple().encode_lower(&mut buffer);
            HeaderValue::from_str(minted).unwrap_or_else(|_| HeaderValue::from_static("-"))
        }
    }
}

/// Health probes and scrapes are logged at debug level: they are frequent and say little.
fn is_probe(path: &str) -> bool {
    matches!(path, "/health" | "/ready" | "/metrics")
}

async fn envelope(State(timeout): State<Duration>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request_id(&request);
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let id_text = id.to_str().unwrap_or_default().to_owned();
    let (span, trace) = telemetry::request_span(&id_text, &method, &route, request.headers());
    request.headers_mut().insert(REQUEST_ID.clone(), id.clone());
    request.extensions_mut().insert(RequestId(id.clone()));
    request.extensions_mut().insert(trace);

    let response = match tokio::time::timeout(timeout, next.run(request).instrument(span)).await {
        Ok(response) => response,
        Err(_) => Problem::unavailable("The request took too long and was abandoned.", 1)
            .with_cause(format!("request exceeded the {timeout:?} timeout"))
            .into_response(),
    };
    let mut response = problem_body(response, &method);
    response.headers_mut().insert(REQUEST_ID.clone(), id);

    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    let trace_id = trace.trace_id();
    if let Some(ErrorCause(cause)) = response.extensions().get::<ErrorCause>() {
        tracing::error!(%method, %path, %route, status, latency_ms, request_id = %id_text, %trace_id, error = %cause, "request failed");
    } else if is_probe(&path) {
        tracing::debug!(%method, %path, %route, status, latency_ms, request_id = %id_text, %trace_id, "request completed");
    } else {
        tracing::info!(%method, %path, %route, status, latency_ms, request_id = %id_text, %trace_id, "request completed");
    }
    let route = response
        .extensions()
        .get::<crate::metrics::RouteLabel>()
        .map_or(route.as_str(), |label| label.0.as_str());
    crate::metrics::record_request(&method, route, status, elapsed);
    response
}

/// Rewrites an error response that is not JSON as problem+json, keeping its headers.
fn problem_body(response: Response, method: &Method) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    // JSON bodies are already problems (or deliberate); HTML error pages are the web tier's.
    let deliberate = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.contains("json") || value.starts_with("text/html"));
    if deliberate {
        return response;
    }
    let detail = match status {
        StatusCode::NOT_FOUND => "No resource lives at this path.".to_owned(),
        // axum adds the `Allow` header after this layer has run.
        StatusCode::METHOD_NOT_ALLOWED => format!(
            "This path does not accept {method}; the Allow header lists the methods it does."
        ),
        StatusCode::PAYLOAD_TOO_LARGE => {
            "The request body is larger than this endpoint accepts.".to_owned()
        }
        _ => status
            .canonical_reason()
            .unwrap_or("The request failed.")
            .to_owned(),
    };
    let (mut parts, _) = response.into_parts();
    let mut rewritten = Problem::new(status, detail).into_response();
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in rewritten.headers() {
        parts.headers.insert(name.clone(), value.clone());
    }
    *rewritten.headers_mut() = parts.headers;
    rewritten.extensions_mut().extend(parts.extensions);
    rewritten
}

#[allow(clippy::needless_pass_by_value)] // the signature CatchPanicLayer expects
fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    Problem::internal()
        .with_cause(format!("handler panicked: {message}"))
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::{Body, to_bytes};
    use axum::routing::get;
    use tower::ServiceExt;

    fn app() -> Router {
        let router = Router::new()
            .route("/ok", get(|| async { "ok" }))
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "late"
                }),
            )
            .route("/panic", get(|| async { panic!("boom") as &'static str }));
        apply(
            router,
            Limits {
                request_timeout: Duration::from_millis(100),
                body_limit: 16,
            },
        )
    }

    async fn call(uri: &str, method: &str, id: Option<&str>) -> Response {
        let mut request = Request::builder().uri(uri).method(method);
        if let Some(id) = id {
            request = request.header("x-request-id", id);
        }
        let request = request.body(Body::empty()).unwrap();
        app().oneshot(request).await.unwrap()
    }

    async fn json(response: Response) -> serde_json::Value {
        let bytes = to_bytes(response.into_body(), 1 << 16).await.unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn keeps_a_good_request_id_and_replaces_a_bad_one() {
        let kept = call("/ok", "GET", Some("abc-123")).await;
        assert_eq!(kept.headers()["x-request-id"], "abc-123");

        let replaced = call("/ok", "GET", Some("has spaces")).await;
        let id = replaced.headers()["x-request-id"].to_str().unwrap();
        assert_eq!(id.len(), 32, "{id}");

        let minted = call("/ok", "GET", None).await;
        assert!(minted.headers().contains_key("x-request-id"));
    }

    #[tokio::test]
    async fn wrong_method_is_a_problem_that_lists_allowed_methods() {
        let response = call("/ok", "DELETE", None).await;
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            crate::problem::CONTENT_TYPE
        );
        assert!(response.headers().contains_key(header::ALLOW));
        assert!(response.headers().contains_key("x-request-id"));
        let body = json(response).await;
        assert_eq!(body["status"], 405);
    }

    #[tokio::test]
    async fn a_panic_becomes_an_opaque_500_problem() {
        let response = call("/panic", "GET", None).await;
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = json(response).await;
        assert_eq!(body["status"], 500);
        assert!(!body.to_string().contains("boom"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_handler_is_cut_off_with_503() {
        let response = call("/slow", "GET", None).await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
    }
}
