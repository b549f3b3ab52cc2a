//! The project tags assigned to a work item: the HTTP side of `ops::work_item_tags`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{self, ApiResult, ErrorBody};
use super::extract::{Ids, RawBody};
use super::reply;
use crate::model::Tag;
use crate::ops::{Actor, work_item_tags};

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
    actor: Actor,
    Ids((pid, wid)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let tags = work_item_tags::list(&mut tx, &actor, pid, wid).await?;
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
    actor: Actor,
    Ids((pid, wid)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let tag_id = body.int("tagId")?;
    let mut tx = s.db.write().await?;
    work_item_tags::add(&mut tx, &actor, pid, wid, tag_id).await?;
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
    actor: Actor,
    Ids((pid, wid, tag_id)): Ids<(i64, i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    work_item_tags::remove(&mut tx, &actor, pid, wid, tag_id).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}
