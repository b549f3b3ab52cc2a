//! Users: the caller (`GET /v0/users/me`), which every client calls first to validate its key.

use axum::extract::State;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::ApiResult;
use super::reply;
use crate::model::User;
use crate::ops::{Actor, users};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(me))
}

/// Returns the information of the authenticated user.
#[utoipa::path(get, path = "/v0/users/me", tag = "Users",
    responses((status = 200, body = User), (status = 401, body = super::error::ErrorBody)))]
async fn me(State(s): State<AppState>, actor: Actor) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let user = users::me(&mut tx, &actor).await?;
    tx.commit().await?;
    Ok(reply::ok(user))
}
