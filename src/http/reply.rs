//! Reply helpers shared by the handlers.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// 201 with the new object.
pub fn created<T: Serialize>(v: T) -> Response {
    (StatusCode::CREATED, Json(v)).into_response()
}

/// 200 with the object.
pub fn ok<T: Serialize>(v: T) -> Response {
    Json(v).into_response()
}

/// 200 with an empty body and `Content-Length: 0` (deletes, closures and other "no schema" 200s).
pub fn empty_ok() -> Response {
    super::error::empty(StatusCode::OK)
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: String,
}
