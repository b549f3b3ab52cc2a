//! The app's CSS and JavaScript, embedded in the binary and served at `/assets/{name}`. Pages
//! link them as `url(name)`, which adds `?v=` and the content's hash, so a long cache lifetime
//! is safe: a new build gets new URLs.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use crate::http::AppState;

/// Every asset: name and content. Page scripts are added here.
const FILES: &[(&str, &str)] = &[
    ("app.css", include_str!("assets/app.css")),
    ("app.js", include_str!("assets/app.js")),
    ("plan.css", include_str!("assets/plan.css")),
    ("board.js", include_str!("assets/board.js")),
    ("item.js", include_str!("assets/item.js")),
    ("design.js", include_str!("assets/design.js")),
];

/// The first 12 hex digits of each asset's SHA-256, computed once.
static HASHES: LazyLock<Vec<String>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|(_, body)| hex::encode(&Sha256::digest(body.as_bytes())[..6]))
        .collect()
});

/// The URL of an asset, with its content hash.
pub fn url(name: &str) -> String {
    match FILES.iter().position(|(n, _)| *n == name) {
        Some(i) => format!("/assets/{name}?v={}", HASHES[i]),
        None => format!("/assets/{name}"),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/assets/{name}", get(asset))
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

async fn asset(Path(name): Path<String>) -> Response {
    let Some((name, body)) = FILES.iter().find(|(n, _)| *n == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(content_type(name)),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        *body,
    )
        .into_response()
}
