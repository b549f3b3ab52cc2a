//! Sub-tasks (checklist items) of a work item. Ids are numbered per work item.

use axum::extract::State;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::{Auth, Scope};
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{Ids, RawBody};
use super::reply;
use super::work_item_access::{self as wia, ItemRef};
use crate::model::{self, Check};
use crate::ops::access::Member;
use crate::params;
use crate::store::Tx;

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

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SubTask {
    pub project_id: i64,
    pub work_item_id: i64,
    pub sub_task_id: i64,
    pub title: String,
    pub is_completed: bool,
    /// Position in the item's list, from 0.
    #[sqlx(rename = "position")]
    pub index: i64,
    pub creation_date: String,
}

const SUB_TASK_SELECT: &str = "SELECT s.project_id, s.work_item_id, s.sub_task_id, s.title, s.is_completed, \
     (SELECT COUNT(*) FROM sub_tasks o WHERE o.project_id = s.project_id \
      AND o.work_item_id = s.work_item_id AND o.sub_task_id < s.sub_task_id) AS position, \
     s.creation_date FROM sub_tasks s WHERE s.project_id = $1 AND s.work_item_id = $2";

/// PUT: both fields; an omitted `isCompleted` becomes false.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateWorkItemSubTaskValues {
    /// Required.
    pub title: Option<String>,
    pub is_completed: Option<bool>,
}

/// PATCH: only the fields present change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PatchWorkItemSubTaskValues {
    pub title: Option<String>,
    pub is_completed: Option<bool>,
}

async fn load(tx: &mut Tx, item: &ItemRef, sid: i64) -> ApiResult<SubTask> {
    tx.opt(
        &format!("{SUB_TASK_SELECT} AND s.sub_task_id = $3"),
        params![item.project_id, item.work_item_id, sid],
    )
    .await?
    .ok_or(ApiError::NotFound)
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
    auth: Auth,
    Ids((pid, wid)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let (_, item) = wia::open(&mut tx, &auth, pid, wid, Scope::WorkItemsRead).await?;
    let list: Vec<SubTask> = tx
        .all(
            &format!("{SUB_TASK_SELECT} ORDER BY s.sub_task_id"),
            params![item.project_id, item.work_item_id],
        )
        .await?;
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
    auth: Auth,
    Ids((pid, wid)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let title = body.text("title")?;
    let mut c = Check::new();
    c.name("title", Some(&title));
    c.finish()?;
    let mut tx = s.db.write().await?;
    let (m, item) = wia::open(&mut tx, &auth, pid, wid, Scope::WorkItemsWrite).await?;
    m.require(m.can_write_category(item.category()))?;
    let (sid,): (i64,) = tx
        .one(
            "UPDATE work_items SET last_sub_task_id = last_sub_task_id + 1 \
             WHERE project_id = $1 AND work_item_id = $2 RETURNING last_sub_task_id",
            params![pid, wid],
        )
        .await?;
    tx.exec(
        "INSERT INTO sub_tasks (project_id, work_item_id, sub_task_id, title, is_completed, creation_date) \
         VALUES ($1, $2, $3, $4, FALSE, $5)",
        params![pid, wid, sid, title.trim(), model::now()],
    )
    .await?;
    wia::touch(&mut tx, pid, wid).await?;
    let st = load(&mut tx, &item, sid).await?;
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
    auth: Auth,
    Ids((pid, wid, sid)): Ids<(i64, i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let (_, item) = wia::open(&mut tx, &auth, pid, wid, Scope::WorkItemsRead).await?;
    let st = load(&mut tx, &item, sid).await?;
    tx.commit().await?;
    Ok(reply::ok(st))
}

/// Validates and saves a sub-task change. Changing only `isCompleted` (ticking) needs update
/// permission on the category; anything else needs write permission.
async fn save(
    tx: &mut Tx,
    m: &Member,
    item: &ItemRef,
    cur: &SubTask,
    title: String,
    is_completed: bool,
) -> ApiResult<()> {
    let title = title.trim().to_string();
    if title != cur.title {
        m.require(m.can_write_category(item.category()))?;
    } else {
        m.require(m.can_update_category(item.category()))?;
    }
    tx.exec(
        "UPDATE sub_tasks SET title = $1, is_completed = $2 \
         WHERE project_id = $3 AND work_item_id = $4 AND sub_task_id = $5",
        params![
            title,
            is_completed,
            item.project_id,
            item.work_item_id,
            cur.sub_task_id
        ],
    )
    .await?;
    wia::touch(tx, item.project_id, item.work_item_id).await
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
    auth: Auth,
    Ids((pid, wid, sid)): Ids<(i64, i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: UpdateWorkItemSubTaskValues = body.json()?;
    let mut c = Check::new();
    c.name("title", v.title.as_deref());
    c.finish()?;
    let mut tx = s.db.write().await?;
    let (m, item) = wia::open(&mut tx, &auth, pid, wid, Scope::WorkItemsWrite).await?;
    let cur = load(&mut tx, &item, sid).await?;
    save(
        &mut tx,
        &m,
        &item,
        &cur,
        v.title.unwrap_or_default(),
        v.is_completed.unwrap_or(false),
    )
    .await?;
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
    auth: Auth,
    Ids((pid, wid, sid)): Ids<(i64, i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: PatchWorkItemSubTaskValues = body.json()?;
    let mut c = Check::new();
    if v.title.is_some() {
        c.name("title", v.title.as_deref());
    }
    c.finish()?;
    let mut tx = s.db.write().await?;
    let (m, item) = wia::open(&mut tx, &auth, pid, wid, Scope::WorkItemsWrite).await?;
    let cur = load(&mut tx, &item, sid).await?;
    let title = v.title.unwrap_or_else(|| cur.title.clone());
    let done = v.is_completed.unwrap_or(cur.is_completed);
    save(&mut tx, &m, &item, &cur, title, done).await?;
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
    auth: Auth,
    Ids((pid, wid, sid)): Ids<(i64, i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    let (m, item) = wia::open(&mut tx, &auth, pid, wid, Scope::WorkItemsWrite).await?;
    load(&mut tx, &item, sid).await?;
    m.require(m.can_write_category(item.category()))?;
    tx.exec(
        "DELETE FROM sub_tasks WHERE project_id = $1 AND work_item_id = $2 AND sub_task_id = $3",
        params![pid, wid, sid],
    )
    .await?;
    wia::touch(&mut tx, pid, wid).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}
