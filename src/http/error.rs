//! The one API error type, rendered in HacknPlan's shapes (BEHAVIOUR.md §3).

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::ops::OpError;

pub const INVALID_VALUES: &str = "Invalid values object.";
pub const UNAUTHORIZED: &str = "Authorization has been denied for this request.";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 with a message of its own ("Invalid values object.", "Invalid offset and limit values.", …).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 400 "The request is invalid." with per-field messages.
    #[error("validation failed")]
    Validation(BTreeMap<String, Vec<String>>),
    #[error("unauthorized")]
    Unauthorized,
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 404 with an empty body.
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("payload too large")]
    PayloadTooLarge,
    /// 415 with its message (an upload that is not `multipart/form-data`).
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    /// 503: the request took longer than `--request-timeout`.
    #[error("request timed out")]
    Timeout,
    #[error("internal: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn invalid_values() -> Self {
        ApiError::BadRequest(INVALID_VALUES.into())
    }
    pub fn bad(msg: impl Into<String>) -> Self {
        ApiError::BadRequest(msg.into())
    }
    pub fn forbidden() -> Self {
        ApiError::Forbidden("You don't have permission to perform this action.".into())
    }
    pub fn conflict(msg: impl Into<String>) -> Self {
        ApiError::Conflict(msg.into())
    }
    /// A single-field validation failure.
    pub fn field(field: &str, msg: impl Into<String>) -> Self {
        let mut m = BTreeMap::new();
        m.insert(field.to_string(), vec![msg.into()]);
        ApiError::Validation(m)
    }
}

/// The JSON body of every error reply that has one.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_state: Option<BTreeMap<String, Vec<String>>>,
}

fn json(status: StatusCode, message: &str) -> Response {
    let body = ErrorBody {
        message: message.to_string(),
        model_state: None,
    };
    (status, axum::Json(body)).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::BadRequest(m) => json(StatusCode::BAD_REQUEST, &m),
            ApiError::Validation(errors) => (
                StatusCode::BAD_REQUEST,
                axum::Json(ErrorBody {
                    message: "The request is invalid.".into(),
                    model_state: Some(errors),
                }),
            )
                .into_response(),
            ApiError::Unauthorized => {
                let mut r = json(StatusCode::UNAUTHORIZED, UNAUTHORIZED);
                r.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("ApiKey"));
                r
            }
            ApiError::Forbidden(m) => json(StatusCode::FORBIDDEN, &m),
            ApiError::NotFound => empty(StatusCode::NOT_FOUND),
            ApiError::MethodNotAllowed(method) => json(
                StatusCode::METHOD_NOT_ALLOWED,
                &format!("The requested resource does not support http method '{method}'."),
            ),
            ApiError::Conflict(m) => json(StatusCode::CONFLICT, &m),
            ApiError::PayloadTooLarge => json(
                StatusCode::PAYLOAD_TOO_LARGE,
                "The request body is too large.",
            ),
            ApiError::UnsupportedMediaType(m) => json(StatusCode::UNSUPPORTED_MEDIA_TYPE, &m),
            ApiError::TooManyRequests { retry_after_secs } => {
                let mut r = json(
                    StatusCode::TOO_MANY_REQUESTS,
                    "API calls quota exceeded, try again later.",
                );
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
                r
            }
            ApiError::Timeout => json(
                StatusCode::SERVICE_UNAVAILABLE,
                "The request took too long and was abandoned.",
            ),
            ApiError::Internal(cause) => {
                // The cause goes to the log, never to the client.
                tracing::error!(%cause, "internal error");
                json(StatusCode::INTERNAL_SERVER_ERROR, "An error has occurred.")
            }
        }
    }
}

/// A reply with the given status, an empty body and `Content-Length: 0`.
pub fn empty(status: StatusCode) -> Response {
    let mut r = (status, axum::body::Body::empty()).into_response();
    r.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
    r
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => ApiError::NotFound,
            // A concurrent request created the same thing first.
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                ApiError::Conflict("The item already exists.".into())
            }
            sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                ApiError::BadRequest("A referenced item does not exist.".into())
            }
            _ => ApiError::Internal(e.to_string()),
        }
    }
}

/// Operations fail with `OpError`; handlers just use `?`.
impl From<OpError> for ApiError {
    fn from(e: OpError) -> Self {
        match e {
            OpError::NotFound => ApiError::NotFound,
            OpError::Forbidden(m) => ApiError::Forbidden(m),
            OpError::Invalid(m) => ApiError::BadRequest(m),
            OpError::Validation(m) => ApiError::Validation(m),
            OpError::Conflict(m) => ApiError::Conflict(m),
            OpError::Internal(m) => ApiError::Internal(m),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
