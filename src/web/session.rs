//! The signed-in person: `Viewer`, extracted from the `questlog_session` cookie.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};

use super::error::WebError;
use crate::http::AppState;
use crate::ops::sessions::{self, ABSOLUTE_SECS};
use crate::ops::{Actor, Scopes};

pub const COOKIE: &str = "questlog_session";

/// The person behind a request with a live session.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user_id: i64,
    pub username: String,
    /// The session's CSRF token: forms carry it as `_csrf`, fetches as `X-CSRF-Token`.
    pub csrf: String,
    pub session_id: i64,
}

impl Viewer {
    /// The user with every scope: in the browser a user has their own permissions (the project
    /// roles decide), scopes only narrow API keys.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.user_id,
            scopes: Scopes::ALL,
        }
    }
}

/// The value of a cookie in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// Whether the browser reached us over TLS (directly, or through a proxy that says so), or the
/// configured public URL is https: then cookies get `Secure`.
pub fn is_secure(state: &AppState, headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
        || state
            .settings
            .public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
}

/// `Set-Cookie` for a new session token.
pub fn session_cookie(token: &str, secure: bool) -> HeaderValue {
    let s = format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={ABSOLUTE_SECS}{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&s).expect("a hex token is a valid header value")
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_cookie(secure: bool) -> HeaderValue {
    let s = format!(
        "{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&s).expect("a static header value")
}

/// The viewer of a request, None without a live session.
async fn find(parts: &Parts, state: &AppState) -> Result<Option<Viewer>, WebError> {
    if let Some(v) = parts.extensions.get::<Viewer>() {
        return Ok(Some(v.clone()));
    }
    let Some(token) = cookie(&parts.headers, COOKIE) else {
        return Ok(None);
    };
    let mut tx = state.db.read().await?;
    let found = sessions::resolve(&mut tx, token).await?;
    tx.commit().await?;
    let Some(s) = found else {
        return Ok(None);
    };
    if s.stale {
        let mut tx = state.db.write().await?;
        sessions::touch(&mut tx, s.id).await?;
        tx.commit().await?;
    }
    Ok(Some(Viewer {
        user_id: s.user_id,
        username: s.username,
        csrf: s.csrf,
        session_id: s.id,
    }))
}

/// Without a session: a GET goes to the sign-in page (and comes back after), anything else 401.
pub struct SignInFirst(Response);

impl IntoResponse for SignInFirst {
    fn into_response(self) -> Response {
        self.0
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = SignInFirst;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match find(parts, state).await {
            Ok(Some(v)) => {
                parts.extensions.insert(v.clone());
                Ok(v)
            }
            Ok(None) if parts.method == Method::GET || parts.method == Method::HEAD => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                let to = format!("/login?next={}", encode_component(next));
                Err(SignInFirst(super::see_other(&to)))
            }
            Ok(None) => Err(SignInFirst(WebError::Unauthorized.into_response())),
            Err(e) => Err(SignInFirst(e.into_response())),
        }
    }
}

impl OptionalFromRequestParts<AppState> for Viewer {
    type Rejection = SignInFirst;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        match find(parts, state).await {
            Ok(v) => Ok(v),
            Err(e) => Err(SignInFirst(e.into_response())),
        }
    }
}

/// Percent-encodes everything but unreserved characters and `/` (for `next=` values).
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
