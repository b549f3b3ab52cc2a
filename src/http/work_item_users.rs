//! The project users assigned to a work item: the HTTP side of `ops::work_item_users`.

use axum::extract::State;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Ids, RawBody};
use super::reply;
use crate::ops::{Actor, work_item_users};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(assign_user))
        .routes(routes!(unassign_user))
}

/// Assigns a user to a work item.
#[utoipa::path(post, path = "/v0/projects/{projectId}/workitems/{workItemId}/users",
    tag = "Work Items / Users",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id.")),
    request_body(content = i64, description = "The user id (bare integer, \"42\", or {\"userId\": n})."),
    responses((status = 200, description = "Assigned (empty body)"), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Work item not found, or the user is not a member of the project"),
              (status = 409, body = ErrorBody, description = "The user is inactive in the project, or already assigned.")))]
async fn assign_user(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, wid)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let user_id = body.int("userId")?;
    let mut tx = s.db.write().await?;
    work_item_users::assign(&mut tx, &actor, pid, wid, user_id).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}

/// Unassigns a user from a work item.
#[utoipa::path(delete, path = "/v0/projects/{projectId}/workitems/{workItemId}/users/{userId}",
    tag = "Work Items / Users",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id."),
           ("userId" = i64, Path, description = "The user id.")),
    responses((status = 200, description = "Unassigned (empty body)"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody),
              (status = 404, description = "Work item not found, or the user is not assigned to it")))]
async fn unassign_user(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, wid, user_id)): Ids<(i64, i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    work_item_users::unassign(&mut tx, &actor, pid, wid, user_id).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}
