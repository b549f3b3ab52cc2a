//! Users: the caller (`GET /v0/users/me`), which every client calls first to validate its key.

use axum::extract::State;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Auth;
use super::error::{ApiError, ApiResult};
use super::reply;
use crate::model::{USER_COLS, User};
use crate::params;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(me))
}

/// Returns the information of the authenticated user.
#[utoipa::path(get, path = "/v0/users/me", tag = "Users",
    responses((status = 200, body = User), (status = 401, body = super::error::ErrorBody)))]
async fn me(State(s): State<AppState>, auth: Auth) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let user: User = tx
        .opt(
            &format!("SELECT {USER_COLS} FROM users u WHERE u.id = $1"),
            params![auth.user_id],
        )
        .await?
        .ok_or(ApiError::NotFound)?;
    tx.commit().await?;
    Ok(reply::ok(user))
}
