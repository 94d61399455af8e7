//! Every route of the web tier, and the security headers on every response.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{Next, from_fn};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use http_kit::health::{Check, Readiness};

use crate::pages::{dashboard, errors, loans, stats, status};
use crate::startup::AppState;
use crate::{assets, passthrough};

/// The policy every page is served under: nothing inline, nothing from elsewhere.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// The router, before the shared middleware is applied.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(dashboard::page))
        .route("/loans", get(loans::list))
        .route("/loans/new", get(loans::new).post(loans::create))
        .route("/loans/{id}", get(loans::detail))
        .route("/loans/{id}/status", post(loans::change_status))
        .route("/stats", get(stats::page))
        .route("/status", get(status::page))
        .route("/static/{name}", get(assets::serve))
        .route("/api/{*rest}", any(passthrough::forward))
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(|| async { http_kit::metrics::render() }))
        .fallback(|| async { errors::not_found() })
        .with_state(state)
        .layer(from_fn(security_headers))
}

/// CSP and the other browser protections on every response; pages are never cached stale.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    if html {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    response
}

async fn health() -> impl IntoResponse {
    axum::Json(serde_json::json!({"status": "ok"}))
}

/// Ready when the gateway answers.
async fn ready(State(state): State<AppState>) -> Readiness {
    let gateway = if state.api.reachable().await {
        Check::up()
    } else {
        Check::down("the gateway does not answer")
    };
    Readiness::from_checks([("gateway", gateway)])
}
