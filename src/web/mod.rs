//! The web app (issue 13): server-rendered pages under `/` for people in a browser, beside the
//! API at `/v0`. Handlers translate between forms/cookies and `ops::…` calls; permissions and
//! SQL stay in ops/store. Not part of the OpenAPI document.

pub mod account;
pub mod assets;
pub mod auth;
pub mod board;
pub mod charts;
mod comments;
pub mod csrf;
pub mod design;
pub mod error;
pub mod items;
pub mod layout;
pub mod live;
pub mod markdown;
pub mod projects;
pub mod reports;
pub mod session;
pub mod settings;

use axum::Router;
use axum::http::HeaderValue;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};

use crate::http::AppState;

/// Every web route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(assets::routes())
        .merge(auth::routes())
        .merge(account::routes())
        .merge(projects::routes())
        .merge(settings::routes())
        .merge(board::routes())
        .merge(items::routes())
        .merge(live::routes())
        .merge(reports::routes())
        .merge(design::routes())
}

/// A rendered page as a reply: never stored by shared caches (pages carry per-user data).
pub fn html(markup: maud::Markup) -> Response {
    let mut res = Html(markup.into_string()).into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    res
}

/// 303 See Other to `to` (the redirect after a POST).
pub fn see_other(to: &str) -> Response {
    let mut res = axum::http::StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// A `next=` target that stays on this site: a local path, never `//host` or a scheme.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.chars().any(|c| c.is_control()) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    /// Overlapping routes panic when the router is built: catch that here, not at start-up.
    #[test]
    fn routes_build() {
        let _ = super::routes();
    }
}
