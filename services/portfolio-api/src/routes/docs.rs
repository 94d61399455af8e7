//! The OpenAPI document, generated from the handlers and types, and a page to read it.

use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use utoipa::OpenApi;
use utoipa_scalar::{Scalar, Servable};

use crate::startup::AppState;

/// The service's OpenAPI description.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "portfolio-api",
        description = "An asset-backed lending portfolio and its insights. Every error is \
                       `application/problem+json` (RFC 9457).",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    paths(
        super::assets::list,
        super::assets::get,
        super::insights::get,
        super::ops::health,
        super::ops::ready,
        super::ops::metrics,
    ),
    components(schemas(http_kit::FieldError)),
    tags(
        (name = "portfolio", description = "Assets and portfolio insights"),
        (name = "operations", description = "Health, readiness and metrics"),
    )
)]
pub struct ApiDoc;

/// `/openapi.json` and the interactive reference at `/docs`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi_json))
        .merge(Scalar::with_url("/docs", ApiDoc::openapi()))
}

async fn openapi_json() -> Response {
    axum::Json(ApiDoc::openapi()).into_response()
}
