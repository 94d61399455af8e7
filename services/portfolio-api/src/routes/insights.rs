//! `/insights`: four figures computed over the whole portfolio.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use http_kit::Problem;
use sqlx::PgConnection;

use crate::domain::Insight;
use crate::error::ApiError;
use crate::repo;
use crate::startup::AppState;

/// Exactly four insights, in this order: `total_portfolio_value` (sum of nominal values),
/// `default_rate` (defaulted ÷ all, 4 places), `outstanding_debt` (sum over active assets),
/// `collection_rate` (paid value ÷ total value, 4 places). Computed by the database.
#[utoipa::path(get, path = "/insights", tag = "portfolio", operation_id = "listInsights",
    responses(
        (status = 200, description = "The four insights", body = [Insight], headers(("ETag" = String))),
        (status = 304, description = "Unchanged since the ETag sent in If-None-Match"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    if state.cache.enabled() {
        let snapshot = state.cache.snapshot(&state.db).await?;
        return Ok(super::cached(&headers, &snapshot.insights));
    }
    let insights = state
        .db
        .run(async |connection: &mut PgConnection| repo::insights(connection).await)
        .await?;
    Ok(Json(insights).into_response())
}
