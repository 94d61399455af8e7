//! HTTP routes, one module per resource, and the router that joins them.

pub mod docs;
pub mod loans;
pub mod ops;
pub mod stats;

use axum::Router;
use axum::routing::{get, post};

use crate::startup::AppState;

/// Every route of the service, before the shared middleware is applied.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/loans", get(loans::list).post(loans::create))
        .route("/api/loans/{id}", get(loans::get))
        .route("/api/loans/{id}/status", post(loans::change_status))
        .route("/api/stats", get(stats::get))
        .route("/health", get(ops::health))
        .route("/ready", get(ops::ready))
        .route("/metrics", get(ops::metrics))
        .merge(docs::router())
        .fallback(ops::not_found)
        .with_state(state)
}
