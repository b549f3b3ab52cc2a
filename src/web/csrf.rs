//! CSRF: every write carries the session's token, as the hidden form field `_csrf` or the
//! `X-CSRF-Token` header (app.js's `api` helper sends it). The session cookie is SameSite=Lax
//! too; the token covers what Lax lets through and older browsers.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use super::error::WebError;
use super::session::Viewer;
use crate::http::AppState;

pub const FIELD: &str = "_csrf";
pub const HEADER: &str = "x-csrf-token";

/// Constant-time comparison of the sent token with the session's.
pub fn check(viewer: &Viewer, token: &str) -> Result<(), WebError> {
    let a = viewer.csrf.as_bytes();
    let b = token.as_bytes();
    if a.len() != b.len() || a.is_empty() {
        return Err(WebError::Csrf);
    }
    let diff = a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y));
    if diff == 0 {
        Ok(())
    } else {
        Err(WebError::Csrf)
    }
}

/// Checks the `X-CSRF-Token` header (fetches from app.js).
pub fn check_headers(viewer: &Viewer, headers: &HeaderMap) -> Result<(), WebError> {
    let token = headers
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    check(viewer, token)
}

/// The hidden input every writing form carries.
pub fn field(viewer: &Viewer) -> maud::Markup {
    maud::html! { input type="hidden" name=(FIELD) value=(viewer.csrf); }
}

/// A form post from a signed-in viewer whose CSRF token matched: `CsrfForm(viewer, fields)`.
/// The token is the `_csrf` field (or the header); `T` is the form's other fields
/// (`Vec<(String, String)>` keeps repeated fields such as checkboxes).
pub struct CsrfForm<T>(pub Viewer, pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let viewer = <Viewer as axum::extract::FromRequestParts<AppState>>::from_request_parts(
            &mut parts, state,
        )
        .await
        .map_err(IntoResponse::into_response)?;
        let req = Request::from_parts(parts, body);
        let headers = req.headers().clone();
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| WebError::bad("The form could not be read.").into_response())?;
        let token = pairs
            .iter()
            .find(|(k, _)| k == FIELD)
            .map(|(_, v)| v.as_str());
        match token {
            Some(t) => check(&viewer, t),
            None => check_headers(&viewer, &headers),
        }
        .map_err(IntoResponse::into_response)?;
        let value: T = serde_urlencoded::from_bytes(&bytes).map_err(|e| {
            WebError::bad(format!("The form could not be read: {e}.")).into_response()
        })?;
        Ok(CsrfForm(viewer, value))
    }
}
