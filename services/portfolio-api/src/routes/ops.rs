//! Operational routes: liveness, readiness, metrics and the 404 for unknown paths.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use http_kit::Problem;
use http_kit::health::Readiness;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db;
use crate::startup::AppState;

/// The liveness body, as the original service answered it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `healthy` while the process serves HTTP.
    #[schema(example = "healthy")]
    pub status: &'static str,
    /// The service's version.
    #[schema(example = "0.1.0")]
    pub version: &'static str,
}

/// Liveness: the process is up. Touches no database.
#[utoipa::path(get, path = "/health", tag = "operations", operation_id = "health",
    responses((status = 200, description = "The process is alive", body = Health)))]
pub async fn health() -> Json<Health> {
    Json(Health {
        status: "healthy",
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// Readiness: the database answers and every migration is applied.
#[utoipa::path(get, path = "/ready", tag = "operations", operation_id = "ready",
    responses(
        (status = 200, description = "Ready to serve", body = Readiness),
        (status = 503, description = "Not ready; the body says which check failed", body = Readiness),
    ))]
pub async fn ready(State(state): State<AppState>) -> Readiness {
    pgpool::migrations::readiness(&state.db, &db::MIGRATOR).await
}

/// Prometheus metrics: HTTP requests by route and status, and the connection pool.
#[utoipa::path(get, path = "/metrics", tag = "operations", operation_id = "metrics",
    responses((status = 200, description = "Prometheus text exposition", content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    state.db.record_metrics();
    http_kit::metrics::render()
}

/// Any path no route serves.
pub async fn not_found() -> Response {
    Problem::new(StatusCode::NOT_FOUND, "No resource lives at this path.").into_response()
}
