//! Sign-in and sign-out: `/login`, `/logout`.
//!
//! The sign-in form has no session yet to take a CSRF token from, so it carries a double-submit
//! token instead: GET /login sets it in a short-lived cookie and in a hidden field, and the POST
//! must bring both (another site can't read or set our cookie), which stops a forged sign-in into
//! an attacker's account.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use maud::{Markup, html};
use serde::Deserialize;

use super::csrf::CsrfForm;
use super::error::{WebError, WebResult};
use super::session::{self, Viewer, cookie};
use super::{html, layout, safe_next, see_other};
use crate::http::AppState;
use crate::ops::sessions::{self as ops_sessions, random_token};

const LOGIN_COOKIE: &str = "questlog_login";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

fn login_page(next: &str, token: &str, username: &str, error: Option<&str>) -> Markup {
    layout::page(
        None,
        "Sign in",
        html! {
            div.auth-box.panel {
                h1 { "Sign in to Questlog" }
                @if let Some(e) = error { p.error role="alert" { (e) } }
                form.stack method="post" action="/login" {
                    input type="hidden" name="_login" value=(token);
                    input type="hidden" name="next" value=(next);
                    div {
                        label for="username" { "Username" }
                        input #username type="text" name="username" value=(username)
                            autocomplete="username" required autofocus[username.is_empty()];
                    }
                    div {
                        label for="password" { "Password" }
                        input #password type="password" name="password"
                            autocomplete="current-password" required autofocus[!username.is_empty()];
                    }
                    button type="submit" { "Sign in" }
                }
                p.muted { "No password yet? An administrator sets one with "
                    code { "questlog user passwd NAME" } "." }
            }
        },
    )
}

fn login_cookie(token: &str, secure: bool) -> HeaderValue {
    let s = format!(
        "{LOGIN_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&s).expect("a hex token is a valid header value")
}

/// The sign-in page (a signed-in viewer goes straight on).
async fn login_form(
    State(s): State<AppState>,
    viewer: Option<Viewer>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    let next = safe_next(q.next.as_deref());
    if viewer.is_some() {
        return see_other(&next);
    }
    // Reuse the token of a form already open in another tab, so both can submit.
    let token = cookie(&headers, LOGIN_COOKIE)
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_string)
        .unwrap_or_else(random_token);
    let mut res = html(login_page(&next, &token, "", None));
    res.headers_mut().append(
        header::SET_COOKIE,
        login_cookie(&token, session::is_secure(&s, &headers)),
    );
    res
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
    #[serde(rename = "_login", default)]
    login_token: String,
}

fn client_ip(info: Option<&ConnectInfo<SocketAddr>>) -> String {
    info.map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

async fn login(
    State(s): State<AppState>,
    info: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> WebResult<Response> {
    let next = safe_next(f.next.as_deref());
    let secure = session::is_secure(&s, &headers);
    let sent = cookie(&headers, LOGIN_COOKIE).unwrap_or("");
    if sent.is_empty() || sent != f.login_token {
        return Err(WebError::Csrf);
    }
    let username = f.username.trim().to_string();
    let again = |status: StatusCode, msg: &str| {
        let mut res = html(login_page(&next, &f.login_token, &username, Some(msg)));
        *res.status_mut() = status;
        res
    };
    if username.is_empty() || f.password.is_empty() || username.len() > 255 {
        return Ok(again(
            StatusCode::BAD_REQUEST,
            "Enter your username and password.",
        ));
    }
    let ip = client_ip(info.as_ref().map(|e| &e.0));

    let mut tx = s.db.read().await?;
    let found = ops_sessions::begin_login(&mut tx, &username, &ip).await?;
    tx.commit().await?;
    let candidate = match found {
        Err(t) => {
            let minutes = (t.retry_after_secs + 59) / 60;
            let mut res = again(
                StatusCode::TOO_MANY_REQUESTS,
                &format!(
                    "Too many failed sign-ins for this account or from your network. \
                     Try again in {minutes} minute{}.",
                    if minutes == 1 { "" } else { "s" }
                ),
            );
            if let Ok(v) = HeaderValue::from_str(&t.retry_after_secs.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return Ok(res);
        }
        Ok(c) => c,
    };

    // argon2 takes tens of milliseconds of CPU: off the async workers, outside any transaction.
    let password = f.password.clone();
    let phc = candidate.as_ref().map(|(_, h)| h.clone());
    let ok = tokio::task::spawn_blocking(move || {
        let phc = phc.as_deref().unwrap_or_else(|| ops_sessions::decoy_hash());
        ops_sessions::verify_password(&password, phc)
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))?;

    let mut tx = s.db.write().await?;
    match candidate {
        Some((user_id, _)) if ok => {
            let new = ops_sessions::login_succeeded(&mut tx, user_id, &username).await?;
            tx.commit().await?;
            let mut res = see_other(&next);
            let h = res.headers_mut();
            h.append(
                header::SET_COOKIE,
                session::session_cookie(&new.token, secure),
            );
            h.append(
                header::SET_COOKIE,
                HeaderValue::from_static("questlog_login=; Path=/login; Max-Age=0"),
            );
            Ok(res)
        }
        _ => {
            ops_sessions::login_failed(&mut tx, &username, &ip).await?;
            tx.commit().await?;
            Ok(again(
                StatusCode::UNAUTHORIZED,
                "Wrong username or password.",
            ))
        }
    }
}

/// Ends this session.
async fn logout(
    State(s): State<AppState>,
    headers: HeaderMap,
    CsrfForm(viewer, _): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let mut tx = s.db.write().await?;
    ops_sessions::logout(&mut tx, viewer.session_id).await?;
    tx.commit().await?;
    let mut res = see_other("/login");
    res.headers_mut().append(
        header::SET_COOKIE,
        session::clear_cookie(session::is_secure(&s, &headers)),
    );
    Ok(res)
}
