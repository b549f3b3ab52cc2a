//! TEMPORARY stub of h-webcore's session extractor (dropped at merge).
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;

use crate::http::AppState;
use crate::ops::{Actor, Scopes};

#[derive(Debug, Clone)]
pub struct Viewer {
    pub user_id: i64,
    pub username: String,
    pub csrf: String,
}

impl Viewer {
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.user_id,
            scopes: Scopes::ALL,
        }
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = StatusCode;
    async fn from_request_parts(_: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Err(StatusCode::UNAUTHORIZED)
    }
}
