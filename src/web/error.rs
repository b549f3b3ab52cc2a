//! TEMPORARY stub (dropped at merge).
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::ops::OpError;

#[derive(Debug)]
pub enum WebError {
    Op(OpError),
    Csrf,
}

impl From<OpError> for WebError {
    fn from(e: OpError) -> Self {
        WebError::Op(e)
    }
}
impl From<sqlx::Error> for WebError {
    fn from(e: sqlx::Error) -> Self {
        WebError::Op(e.into())
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = match &self {
            WebError::Csrf => StatusCode::FORBIDDEN,
            WebError::Op(OpError::NotFound) => StatusCode::NOT_FOUND,
            WebError::Op(OpError::Forbidden(_)) => StatusCode::FORBIDDEN,
            WebError::Op(OpError::Invalid(_) | OpError::Validation(_)) => StatusCode::BAD_REQUEST,
            WebError::Op(OpError::Conflict(_)) => StatusCode::CONFLICT,
            WebError::Op(OpError::Internal(_)) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        (status, format!("{self:?}")).into_response()
    }
}
