//! The project users assigned to a work item. Assigning a user to a child of a user story also
//! assigns them to the story (BEHAVIOUR.md §8).

use axum::extract::State;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::{Auth, Scope};
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{Ids, RawBody};
use super::reply;
use super::work_item_access as wia;
use crate::model;
use crate::params;

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
    auth: Auth,
    Ids((pid, wid)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let user_id = body.int("userId")?;
    let mut tx = s.db.write().await?;
    let (m, item) = wia::open(&mut tx, &auth, pid, wid, Scope::WorkItemsWrite).await?;
    m.require(m.can_write_category(item.category()))?;
    let active: Option<(bool,)> = tx
        .opt(
            "SELECT is_active FROM project_users WHERE project_id = $1 AND user_id = $2",
            params![pid, user_id],
        )
        .await?;
    match active {
        None => return Err(ApiError::NotFound),
        Some((false,)) => return Err(ApiError::conflict("The user is inactive in the project.")),
        Some((true,)) => {}
    }
    let assigned = "SELECT user_id FROM work_item_users WHERE project_id = $1 AND work_item_id = $2 AND user_id = $3";
    if tx.exists(assigned, params![pid, wid, user_id]).await? {
        return Err(ApiError::conflict(
            "The user is already assigned to the work item.",
        ));
    }
    let now = model::now();
    let insert = "INSERT INTO work_item_users (project_id, work_item_id, user_id, creation_date) \
                  VALUES ($1, $2, $3, $4)";
    tx.exec(insert, params![pid, wid, user_id, &now]).await?;
    wia::touch(&mut tx, pid, wid).await?;
    if let Some(story) = item.parent_story_id
        && !tx.exists(assigned, params![pid, story, user_id]).await?
    {
        tx.exec(insert, params![pid, story, user_id, &now]).await?;
        wia::touch(&mut tx, pid, story).await?;
    }
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
    auth: Auth,
    Ids((pid, wid, user_id)): Ids<(i64, i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    let (m, item) = wia::open(&mut tx, &auth, pid, wid, Scope::WorkItemsWrite).await?;
    m.require(m.can_write_category(item.category()))?;
    if tx
        .exec(
            "DELETE FROM work_item_users WHERE project_id = $1 AND work_item_id = $2 AND user_id = $3",
            params![pid, wid, user_id],
        )
        .await?
        == 0
    {
        return Err(ApiError::NotFound);
    }
    wia::touch(&mut tx, pid, wid).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}
