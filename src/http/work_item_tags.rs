//! The project tags assigned to a work item.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::{Auth, Scope};
use super::error::{self, ApiError, ApiResult, ErrorBody};
use super::extract::{Ids, RawBody};
use super::reply;
use super::work_item_access as wia;
use crate::model::{TAG_COLS, Tag};
use crate::params;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_item_tags, add_item_tag))
        .routes(routes!(remove_item_tag))
}

/// Gets the list of tags of the work item.
#[utoipa::path(get, path = "/v0/projects/{projectId}/workitems/{workItemId}/tags",
    tag = "Work Items / Tags",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id.")),
    responses((status = 200, body = Vec<Tag>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn list_item_tags(
    State(s): State<AppState>,
    auth: Auth,
    Ids((pid, wid)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    wia::open(&mut tx, &auth, pid, wid, Scope::WorkItemsRead).await?;
    let tags: Vec<Tag> = tx
        .all(
            &format!(
                "SELECT {TAG_COLS} FROM work_item_tags wt \
                 JOIN tags t ON t.project_id = wt.project_id AND t.tag_id = wt.tag_id \
                 WHERE wt.project_id = $1 AND wt.work_item_id = $2 ORDER BY t.tag_id"
            ),
            params![pid, wid],
        )
        .await?;
    tx.commit().await?;
    Ok(reply::ok(tags))
}

/// Assigns a project tag to a work item.
#[utoipa::path(post, path = "/v0/projects/{projectId}/workitems/{workItemId}/tags",
    tag = "Work Items / Tags",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id.")),
    request_body(content = i64, description = "The tag id (bare integer, or {\"tagId\": n})."),
    responses((status = 201, description = "Assigned (empty body)"), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Work item or tag not found"),
              (status = 409, body = ErrorBody, description = "The tag is already assigned to the work item.")))]
async fn add_item_tag(
    State(s): State<AppState>,
    auth: Auth,
    Ids((pid, wid)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let tag_id = body.int("tagId")?;
    let mut tx = s.db.write().await?;
    let (m, item) = wia::open(&mut tx, &auth, pid, wid, Scope::WorkItemsWrite).await?;
    m.require(m.can_write_category(item.category()))?;
    if !tx
        .exists(
            "SELECT tag_id FROM tags WHERE project_id = $1 AND tag_id = $2",
            params![pid, tag_id],
        )
        .await?
    {
        return Err(ApiError::NotFound);
    }
    if tx
        .exists(
            "SELECT tag_id FROM work_item_tags WHERE project_id = $1 AND work_item_id = $2 AND tag_id = $3",
            params![pid, wid, tag_id],
        )
        .await?
    {
        return Err(ApiError::conflict(
            "The tag is already assigned to the work item.",
        ));
    }
    tx.exec(
        "INSERT INTO work_item_tags (project_id, work_item_id, tag_id) VALUES ($1, $2, $3)",
        params![pid, wid, tag_id],
    )
    .await?;
    wia::touch(&mut tx, pid, wid).await?;
    tx.commit().await?;
    Ok(error::empty(StatusCode::CREATED))
}

/// Removes a tag from a work item.
#[utoipa::path(delete, path = "/v0/projects/{projectId}/workitems/{workItemId}/tags/{tagId}",
    tag = "Work Items / Tags",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id."),
           ("tagId" = i64, Path, description = "The tag id.")),
    responses((status = 200, description = "Removed (empty body)"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody),
              (status = 404, description = "Work item not found, or the tag is not assigned to it")))]
async fn remove_item_tag(
    State(s): State<AppState>,
    auth: Auth,
    Ids((pid, wid, tag_id)): Ids<(i64, i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    let (m, item) = wia::open(&mut tx, &auth, pid, wid, Scope::WorkItemsWrite).await?;
    m.require(m.can_write_category(item.category()))?;
    if tx
        .exec(
            "DELETE FROM work_item_tags WHERE project_id = $1 AND work_item_id = $2 AND tag_id = $3",
            params![pid, wid, tag_id],
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
