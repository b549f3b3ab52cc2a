//! Comments on a work item: the HTTP side of `ops::comments` (shared with design elements).

use axum::extract::State;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Ids, PageQuery, Paged, Q, RawBody};
use super::reply;
use crate::model::WorkItemComment;
use crate::ops::Actor;
use crate::ops::comments::{self, OnWorkItem};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_comments, create_comment))
        .routes(routes!(get_comment, update_comment, delete_comment))
}

/// Gets a paged list of comments from a work item, oldest first.
#[utoipa::path(get, path = "/v0/projects/{projectId}/workitems/{workItemId}/comments",
    tag = "Work Items / Comments",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id."),
           PageQuery),
    responses((status = 200, body = Paged<WorkItemComment>),
              (status = 400, body = ErrorBody, description = "Invalid offset and limit values."),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn list_comments(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, wid)): Ids<(i64, i64)>,
    Q(q): Q<PageQuery>,
) -> ApiResult<Response> {
    let page = q.paging()?;
    let mut tx = s.db.read().await?;
    let (total_count, items) =
        comments::list::<OnWorkItem>(&mut tx, &actor, pid, wid, page.offset, page.limit).await?;
    tx.commit().await?;
    Ok(reply::ok(Paged {
        total_count,
        offset: page.offset,
        limit: page.limit,
        items,
    }))
}

/// Creates a new comment for the work item.
#[utoipa::path(post, path = "/v0/projects/{projectId}/workitems/{workItemId}/comments",
    tag = "Work Items / Comments",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id.")),
    request_body(content = String, description = "The text, Markdown, max 5000 chars (bare JSON string, or {\"text\": \"…\"})."),
    responses((status = 201, body = WorkItemComment), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn create_comment(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, wid)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let text = body.text("text")?;
    let mut tx = s.db.write().await?;
    let comment = comments::create::<OnWorkItem>(&mut tx, &actor, pid, wid, text).await?;
    tx.commit().await?;
    Ok(reply::created(comment))
}

/// Gets a work item comment.
#[utoipa::path(get, path = "/v0/projects/{projectId}/workitems/{workItemId}/comments/{commentId}",
    tag = "Work Items / Comments",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id."),
           ("commentId" = i64, Path, description = "The comment id.")),
    responses((status = 200, body = WorkItemComment), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn get_comment(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, wid, cid)): Ids<(i64, i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let comment = comments::get::<OnWorkItem>(&mut tx, &actor, pid, wid, cid).await?;
    tx.commit().await?;
    Ok(reply::ok(comment))
}

/// Updates a work item comment. Only its author can, not even an admin.
#[utoipa::path(put, path = "/v0/projects/{projectId}/workitems/{workItemId}/comments/{commentId}",
    tag = "Work Items / Comments",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id."),
           ("commentId" = i64, Path, description = "The comment id.")),
    request_body(content = String, description = "The new text, max 5000 chars (bare JSON string, or {\"text\": \"…\"})."),
    responses((status = 200, body = WorkItemComment), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn update_comment(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, wid, cid)): Ids<(i64, i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let text = body.text("text")?;
    let mut tx = s.db.write().await?;
    let comment = comments::update::<OnWorkItem>(&mut tx, &actor, pid, wid, cid, text).await?;
    tx.commit().await?;
    Ok(reply::ok(comment))
}

/// Deletes a work item comment (its author or an admin).
#[utoipa::path(delete, path = "/v0/projects/{projectId}/workitems/{workItemId}/comments/{commentId}",
    tag = "Work Items / Comments",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id."),
           ("commentId" = i64, Path, description = "The comment id.")),
    responses((status = 200, description = "Deleted (empty body)"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn delete_comment(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, wid, cid)): Ids<(i64, i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    comments::delete::<OnWorkItem>(&mut tx, &actor, pid, wid, cid).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}
