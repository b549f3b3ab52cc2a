//! The web app's error: an HTML page with the right status. Unknown and foreign projects are
//! both 404 (never say what another project holds); refused actions 403.

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::html;

use crate::ops::OpError;

#[derive(Debug)]
pub enum WebError {
    NotFound,
    Forbidden(String),
    /// Bad input; the message is shown on the page.
    BadRequest(String),
    Conflict(String),
    /// A form or fetch without the session's CSRF token.
    Csrf,
    Unauthorized,
    TooManyRequests {
        retry_after_secs: i64,
        message: String,
    },
    Internal(String),
}

pub type WebResult<T> = Result<T, WebError>;

impl WebError {
    pub fn bad(msg: impl Into<String>) -> Self {
        WebError::BadRequest(msg.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Forbidden(_) | WebError::Csrf => StatusCode::FORBIDDEN,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::Unauthorized => StatusCode::UNAUTHORIZED,
            WebError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the page says.
    pub fn message(&self) -> String {
        match self {
            WebError::NotFound => "There is nothing here, or you don't have access to it.".into(),
            WebError::Forbidden(m) => m.clone(),
            WebError::BadRequest(m) | WebError::Conflict(m) => m.clone(),
            WebError::Csrf => {
                "The form was out of date or sent from another site. Reload the page and try again."
                    .into()
            }
            WebError::Unauthorized => "Please sign in.".into(),
            WebError::TooManyRequests { message, .. } => message.clone(),
            WebError::Internal(_) => "Something went wrong on the server.".into(),
        }
    }
}

/// Field messages as one line each ("name: The name is required.").
pub fn field_messages(m: &BTreeMap<String, Vec<String>>) -> String {
    m.iter()
        .flat_map(|(f, msgs)| msgs.iter().map(move |x| format!("{f}: {x}")))
        .collect::<Vec<_>>()
        .join("\n")
}

impl From<OpError> for WebError {
    fn from(e: OpError) -> Self {
        match e {
            OpError::NotFound => WebError::NotFound,
            // The API answers 403 to a non-member (HacknPlan does); in the browser a project
            // one doesn't belong to does not exist, so its existence isn't revealed either.
            OpError::Forbidden(m) if m == crate::ops::access::NOT_A_MEMBER => WebError::NotFound,
            OpError::Forbidden(m) => WebError::Forbidden(m),
            OpError::Invalid(m) => WebError::BadRequest(m),
            OpError::Validation(m) => WebError::BadRequest(field_messages(&m)),
            OpError::Conflict(m) => WebError::Conflict(m),
            OpError::Internal(m) => WebError::Internal(m),
        }
    }
}

impl From<sqlx::Error> for WebError {
    fn from(e: sqlx::Error) -> Self {
        OpError::from(e).into()
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let WebError::Internal(cause) = &self {
            tracing::error!(%cause, "web request failed");
        }
        let status = self.status();
        let title = status.canonical_reason().unwrap_or("Error");
        let message = self.message();
        let body = html! {
            section.error-page {
                h1 { (status.as_u16()) " " (title) }
                @for line in message.lines() { p { (line) } }
                p { a href="/" { "Back to your projects" } }
            }
        };
        let mut res = super::html(super::layout::page(None, title, body));
        *res.status_mut() = status;
        if let WebError::TooManyRequests {
            retry_after_secs, ..
        } = &self
            && let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}
