//! Sub-tasks of a work item: the HTTP side of `ops::sub_tasks`.

use axum::extract::State;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Ids, RawBody};
use super::reply;
use crate::model::SubTask;
use crate::ops::Actor;
use crate::ops::sub_tasks::{self, PatchWorkItemSubTaskValues, UpdateWorkItemSubTaskValues};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_sub_tasks, create_sub_task))
        .routes(routes!(
            get_sub_task,
            update_sub_task,
            patch_sub_task,
            delete_sub_task
        ))
}

/// Gets the list of subtasks of the work item.
#[utoipa::path(get, path = "/v0/projects/{projectId}/workitems/{workItemId}/subtasks",
    tag = "Work Items / Subtasks",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id.")),
    responses((status = 200, body = Vec<SubTask>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn list_sub_tasks(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, wid)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let list = sub_tasks::list(&mut tx, &actor, pid, wid).await?;
    tx.commit().await?;
    Ok(reply::ok(list))
}

/// Creates a new work item subtask; replies with the new sub-task (not an array).
#[utoipa::path(post, path = "/v0/projects/{projectId}/workitems/{workItemId}/subtasks",
    tag = "Work Items / Subtasks",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id.")),
    request_body(content = String, description = "The title (bare JSON string, or {\"title\": \"…\"})."),
    responses((status = 200, body = SubTask), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn create_sub_task(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, wid)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let title = body.text("title")?;
    let mut tx = s.db.write().await?;
    let st = sub_tasks::create(&mut tx, &actor, pid, wid, title).await?;
    tx.commit().await?;
    Ok(reply::ok(st))
}

/// Gets a work item subtask.
#[utoipa::path(get, path = "/v0/projects/{projectId}/workitems/{workItemId}/subtasks/{subTaskId}",
    tag = "Work Items / Subtasks",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id."),
           ("subTaskId" = i64, Path, description = "The sub-task id.")),
    responses((status = 200, body = SubTask), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn get_sub_task(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, wid, sid)): Ids<(i64, i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let st = sub_tasks::get(&mut tx, &actor, pid, wid, sid).await?;
    tx.commit().await?;
    Ok(reply::ok(st))
}

/// Updates a work item subtask: every field is replaced.
#[utoipa::path(put, path = "/v0/projects/{projectId}/workitems/{workItemId}/subtasks/{subTaskId}",
    tag = "Work Items / Subtasks",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id."),
           ("subTaskId" = i64, Path, description = "The sub-task id.")),
    request_body = UpdateWorkItemSubTaskValues,
    responses((status = 200, description = "Updated (empty body)"), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn update_sub_task(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, wid, sid)): Ids<(i64, i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: UpdateWorkItemSubTaskValues = body.json()?;
    let mut tx = s.db.write().await?;
    sub_tasks::update(&mut tx, &actor, pid, wid, sid, v).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}

/// Updates a work item subtask partially.
#[utoipa::path(patch, path = "/v0/projects/{projectId}/workitems/{workItemId}/subtasks/{subTaskId}",
    tag = "Work Items / Subtasks",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id."),
           ("subTaskId" = i64, Path, description = "The sub-task id.")),
    request_body = PatchWorkItemSubTaskValues,
    responses((status = 200, description = "Updated (empty body)"), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn patch_sub_task(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, wid, sid)): Ids<(i64, i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: PatchWorkItemSubTaskValues = body.json()?;
    let mut tx = s.db.write().await?;
    sub_tasks::patch(&mut tx, &actor, pid, wid, sid, v).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}

/// Deletes a work item subtask.
#[utoipa::path(delete, path = "/v0/projects/{projectId}/workitems/{workItemId}/subtasks/{subTaskId}",
    tag = "Work Items / Subtasks",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id."),
           ("subTaskId" = i64, Path, description = "The sub-task id.")),
    responses((status = 200, description = "Deleted (empty body)"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn delete_sub_task(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, wid, sid)): Ids<(i64, i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    sub_tasks::delete(&mut tx, &actor, pid, wid, sid).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}
