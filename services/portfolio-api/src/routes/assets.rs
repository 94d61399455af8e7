//! `/assets`: the portfolio's assets.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use http_kit::{FieldError, Problem};
use serde::Deserialize;
use sqlx::PgConnection;
use utoipa::IntoParams;

use crate::cache::DEFAULT_PAGE;
use crate::domain::{Asset, AssetStatus};
use crate::error::ApiError;
use crate::repo;
use crate::startup::AppState;

const MAX_LIMIT: i64 = 1000;

/// Query parameters of `GET /assets`, checked by hand so each bad one is named.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page size, 1 to 1000 (default 100).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    /// Where the previous page ended: the `cursor` of its `Link: rel="next"` URL.
    cursor: Option<String>,
    /// Only assets in this status.
    #[param(value_type = Option<AssetStatus>)]
    status: Option<String>,
}

impl ListParams {
    fn is_empty(&self) -> bool {
        self.limit.is_none() && self.cursor.is_none() && self.status.is_none()
    }
}

/// The portfolio's assets in id order: a plain array (all 20 of the demo portfolio by default).
/// More than `limit` assets are paged with `Link: <…>; rel="next"`.
#[utoipa::path(get, path = "/assets", tag = "portfolio", operation_id = "listAssets", params(ListParams),
    responses(
        (status = 200, description = "A page of assets", body = [Asset],
            headers(("ETag" = String), ("Link" = String, description = "The next page, when there is one"))),
        (status = 304, description = "Unchanged since the ETag sent in If-None-Match"),
        (status = 400, description = "A query parameter is invalid", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<ListParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = query.map_err(|rejection| {
        ApiError::Validation(vec![FieldError::new("query", rejection.body_text())])
    })?;
    if params.is_empty() && state.cache.enabled() {
        let snapshot = state.cache.snapshot(&state.db).await?;
        return Ok(super::cached(&headers, &snapshot.assets));
    }

    let (status, after, limit) = parse(&params)?;
    let mut page = state
        .db
        .run(async |connection: &mut PgConnection| {
            repo::list(connection, status, after.as_deref(), limit + 1).await
        })
        .await?;
    let mut response_headers = HeaderMap::new();
    if page.len() > usize::try_from(limit).unwrap_or(usize::MAX) {
        page.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        if let Some(last) = page.last() {
            let link = next_link(&params, limit, &last.id);
            if let Ok(value) = HeaderValue::from_str(&link) {
                response_headers.insert(header::LINK, value);
            }
        }
    }
    Ok((response_headers, Json(page)).into_response())
}

fn parse(params: &ListParams) -> Result<(Option<AssetStatus>, Option<String>, i64), ApiError> {
    let mut errors = Vec::new();
    let limit = match params.limit.as_deref() {
        None => DEFAULT_PAGE,
        Some(text) => match text.parse::<i64>() {
            Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => limit,
            _ => {
                errors.push(FieldError::new(
                    "limit",
                    "must be an integer from 1 to 1000",
                ));
                DEFAULT_PAGE
            }
        },
    };
    let status = match params.status.as_deref().map(str::parse::<AssetStatus>) {
        None => None,
        Some(Ok(status)) => Some(status),
        Some(Err(error)) => {
            errors.push(FieldError::new("status", error.to_string()));
            None
        }
    };
    // The cursor is the last id shown; asset ids are short, printable and ordered.
    let after = match params.cursor.as_deref() {
        Some(cursor) if cursor.is_empty() || cursor.len() > 64 => {
            errors.push(FieldError::new("cursor", "is not a cursor this API issued"));
            None
        }
        other => other.map(str::to_owned),
    };
    if errors.is_empty() {
        Ok((status, after, limit))
    } else {
        Err(ApiError::Validation(errors))
    }
}

fn next_link(params: &ListParams, limit: i64, last_id: &str) -> String {
    let limit = limit.to_string();
    let mut pairs: Vec<(&str, &str)> = vec![("limit", limit.as_str())];
    if let Some(status) = &params.status {
        pairs.push(("status", status));
    }
    pairs.push(("cursor", last_id));
    let query = serde_urlencoded::to_string(pairs).unwrap_or_default();
    format!("</assets?{query}>; rel=\"next\"")
}

/// One asset.
#[utoipa::path(get, path = "/assets/{id}", tag = "portfolio", operation_id = "getAsset",
    params(("id" = String, Path, description = "The asset's id", example = "asset-001")),
    responses(
        (status = 200, description = "The asset", body = Asset),
        (status = 404, description = "No such asset", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Asset>, ApiError> {
    let asset = state
        .db
        .run(async |connection: &mut PgConnection| repo::find(connection, &id).await)
        .await?
        .ok_or_else(|| ApiError::NotFound(id.clone()))?;
    Ok(Json(asset))
}
