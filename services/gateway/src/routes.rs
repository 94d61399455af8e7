//! The gateway's own endpoints, and the fallback that proxies everything else.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, Method, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use http_kit::health::{Check, Readiness};
use serde::Serialize;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::CorsConfig;
use crate::gateway::Gateway;
use crate::{openapi, proxy};

/// Every route of the gateway, before the shared middleware is applied.
pub fn router(gateway: Arc<Gateway>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi_json))
        .route("/docs", get(docs))
        .fallback(proxy::handle)
        .with_state(gateway)
}

/// Browsers on the allowed origins may call the API; no layer at all when none is allowed.
pub fn cors(config: &CorsConfig) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = config
        .allowed_origins
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin).ok())
        .collect();
    if origins.is_empty() {
        return None;
    }
    let allowed_headers = [
        "authorization",
        "content-type",
        "idempotency-key",
        "if-match",
        "if-none-match",
        "x-request-id",
        "traceparent",
    ];
    let exposed_headers = [
        "location",
        "etag",
        "link",
        "x-request-id",
        "retry-after",
        "ratelimit-limit",
        "ratelimit-remaining",
        "ratelimit-reset",
    ];
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([
                Method::GET,
                Method::HEAD,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
            ])
            .allow_headers(allowed_headers.map(header::HeaderName::from_static))
            .expose_headers(exposed_headers.map(header::HeaderName::from_static))
            .max_age(std::time::Duration::from_secs(600)),
    )
}

#[derive(Debug, Serialize)]
struct Health {
    status: &'static str,
}

async fn health() -> axum::Json<Health> {
    axum::Json(Health { status: "ok" })
}

/// Ready when every upstream has at least one replica answering its readiness probe.
async fn ready(State(gateway): State<Arc<Gateway>>) -> Readiness {
    let checks: Vec<(String, Check)> = gateway
        .upstreams
        .iter()
        .map(|(upstream, _)| {
            let status = upstream.status();
            let detail = format!(
                "{} of {} replicas ready, {} ejected, breaker {}",
                status.ready_replicas, status.replicas, status.ejected_replicas, status.breaker
            );
            let check = if upstream.is_ready() {
                Check::up_with(detail)
            } else {
                Check::down(detail)
            };
            (upstream.name.clone(), check)
        })
        .collect();
    Readiness::from_named_checks(checks)
}

async fn metrics(State(gateway): State<Arc<Gateway>>) -> Response {
    for (upstream, _) in &gateway.upstreams {
        upstream.record_metrics();
    }
    http_kit::metrics::render()
}

async fn openapi_json(State(gateway): State<Arc<Gateway>>) -> Response {
    let document = gateway.openapi.get(&gateway).await;
    axum::Json(document.as_ref().clone()).into_response()
}

async fn docs() -> Html<&'static str> {
    Html(openapi::DOCS_PAGE)
}
