//! Work items: the HTTP side of `ops::work_items` (extract, call the operation, shape the reply).

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Ids, PageQuery, Paged, Q, RawBody};
use super::reply;
use crate::model::WorkItem;
use crate::ops::Actor;
use crate::ops::work_items::{
    self, CreateWorkItemValues, PatchWorkItemValues, SearchQuery, UpdateWorkItemValues,
};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search_work_items, create_work_item))
        .routes(routes!(
            get_work_item,
            clone_work_item,
            update_work_item,
            patch_work_item,
            delete_work_item
        ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct BoardQuery {
    /// The board (0 or absent: the backlog; on clone, absent keeps the source's board).
    board_id: Option<i64>,
}

/// Gets a list of work items based on a search criteria.
#[utoipa::path(get, path = "/v0/projects/{projectId}/workitems", tag = "Work Items",
    params(("projectId" = i64, Path, description = "The project id."), SearchQuery, PageQuery),
    responses((status = 200, body = Paged<WorkItem>),
              (status = 400, body = ErrorBody, description = "Invalid offset and limit values, or sort values."),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Project not found")))]
async fn search_work_items(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
    Q(q): Q<SearchQuery>,
    Q(page): Q<PageQuery>,
) -> ApiResult<Response> {
    let paging = page.paging()?;
    let mut tx = s.db.read().await?;
    let page = work_items::search(&mut tx, &actor, pid, &q, paging).await?;
    tx.commit().await?;
    Ok(reply::ok(page))
}

/// Creates a new work item (in the project's first stage, at the end of its board).
#[utoipa::path(post, path = "/v0/projects/{projectId}/workitems", tag = "Work Items",
    params(("projectId" = i64, Path, description = "The project id."), BoardQuery),
    request_body = CreateWorkItemValues,
    responses((status = 200, body = WorkItem, description = "The new work item."),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Project not found")))]
async fn create_work_item(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
    Q(q): Q<BoardQuery>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: CreateWorkItemValues = body.json()?;
    let mut tx = s.db.write().await?;
    let item = work_items::create(&mut tx, &actor, pid, q.board_id, v).await?;
    tx.commit().await?;
    Ok(reply::ok(item))
}

/// Gets a work item.
#[utoipa::path(get, path = "/v0/projects/{projectId}/workitems/{workItemId}", tag = "Work Items",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id.")),
    responses((status = 200, body = WorkItem), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn get_work_item(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, id)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let item = work_items::get(&mut tx, &actor, pid, id).await?;
    tx.commit().await?;
    Ok(reply::ok(item))
}

/// Clones a work item (title, description, story, parent, category, estimate, importance,
/// design element, dates, tags, assignees and sub-tasks) into the first stage.
#[utoipa::path(post, path = "/v0/projects/{projectId}/workitems/{workItemId}", tag = "Work Items",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item to clone."), BoardQuery),
    responses((status = 200, body = WorkItem, description = "The new work item."),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn clone_work_item(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, id)): Ids<(i64, i64)>,
    Q(q): Q<BoardQuery>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    let item = work_items::clone(&mut tx, &actor, pid, id, q.board_id).await?;
    tx.commit().await?;
    Ok(reply::ok(item))
}

/// Replaces the work item's editable fields; omitted optional fields become null.
#[utoipa::path(put, path = "/v0/projects/{projectId}/workitems/{workItemId}", tag = "Work Items",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id.")),
    request_body = UpdateWorkItemValues,
    responses((status = 200, body = WorkItem, description = "The updated work item."),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn update_work_item(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, id)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: UpdateWorkItemValues = body.json()?;
    let mut tx = s.db.write().await?;
    let item = work_items::update(&mut tx, &actor, pid, id, v).await?;
    tx.commit().await?;
    Ok(reply::ok(item))
}

/// Updates the fields present in the body.
#[utoipa::path(patch, path = "/v0/projects/{projectId}/workitems/{workItemId}", tag = "Work Items",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id.")),
    request_body = PatchWorkItemValues,
    responses((status = 200, body = WorkItem, description = "The updated work item."),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn patch_work_item(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, id)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: PatchWorkItemValues = body.json()?;
    let mut tx = s.db.write().await?;
    let item = work_items::patch(&mut tx, &actor, pid, id, v).await?;
    tx.commit().await?;
    Ok(reply::ok(item))
}

/// Deletes a work item with its sub-tasks, comments, work logs, links and dependencies.
#[utoipa::path(delete, path = "/v0/projects/{projectId}/workitems/{workItemId}", tag = "Work Items",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id.")),
    responses((status = 200, description = "Deleted (empty body)"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn delete_work_item(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, id)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    work_items::delete(&mut tx, &actor, pid, id).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}
