//! The stylesheet and script, compiled into the binary and served under content-hashed names
//! with a year-long, immutable cache lifetime: a new build changes the names, never the content
//! behind a name.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

struct Asset {
    path: String,
    body: &'static [u8],
    content_type: &'static str,
}

fn assets() -> &'static [Asset; 2] {
    static ASSETS: OnceLock<[Asset; 2]> = OnceLock::new();
    ASSETS.get_or_init(|| {
        let hashed = |stem: &str, extension: &str, body: &'static [u8], content_type| Asset {
            path: format!(
                "{stem}.{}.{extension}",
                &hex::encode(Sha256::digest(body))[..12]
            ),
            body,
            content_type,
        };
        [
            hashed(
                "app",
                "css",
                include_bytes!("../static/app.css"),
                "text/css; charset=utf-8",
            ),
            hashed(
                "app",
                "js",
                include_bytes!("../static/app.js"),
                "text/javascript; charset=utf-8",
            ),
        ]
    })
}

/// The stylesheet's URL path.
pub fn stylesheet() -> String {
    format!("/static/{}", assets()[0].path)
}

/// The script's URL path.
pub fn script() -> String {
    format!("/static/{}", assets()[1].path)
}

/// `GET /static/{name}`.
pub async fn serve(Path(name): Path<String>) -> Response {
    let Some(asset) = assets().iter().find(|asset| asset.path == name) else {
        return crate::pages::errors::not_found().into_response();
    };
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        asset.body,
    )
        .into_response()
}
