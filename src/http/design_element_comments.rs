//! Comments on design elements: the HTTP side of `ops::comments` (shared with work items).

use axum::extract::State;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Ids, PageQuery, Paged, Q, RawBody};
use super::reply;
use crate::model::DesignElementComment;
use crate::ops::Actor;
use crate::ops::comments::{self, OnDesignElement};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_comments, create_comment))
        .routes(routes!(update_comment, delete_comment_plural))
        .routes(routes!(delete_comment))
}

/// Gets a page of the design element's comments, oldest first.
#[utoipa::path(get, path = "/v0/projects/{projectId}/designelements/{designElementId}/comments",
    tag = "Design Elements / Comments",
    params(("projectId" = i64, Path, description = "The project id."),
           ("designElementId" = i64, Path, description = "The design element id."), PageQuery),
    responses((status = 200, body = Paged<DesignElementComment>), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn list_comments(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, de)): Ids<(i64, i64)>,
    Q(q): Q<PageQuery>,
) -> ApiResult<Response> {
    let page = q.paging()?;
    let mut tx = s.db.read().await?;
    let (total_count, items) =
        comments::list::<OnDesignElement>(&mut tx, &actor, pid, de, page.offset, page.limit)
            .await?;
    tx.commit().await?;
    Ok(reply::ok(Paged {
        total_count,
        offset: page.offset,
        limit: page.limit,
        items,
    }))
}

/// Creates a comment; the body is the text as a JSON string (or `{"text": "…"}`), max 5000 chars.
#[utoipa::path(post, path = "/v0/projects/{projectId}/designelements/{designElementId}/comments",
    tag = "Design Elements / Comments",
    params(("projectId" = i64, Path, description = "The project id."),
           ("designElementId" = i64, Path, description = "The design element id.")),
    request_body(content = String, description = "The comment text (Markdown, max 5000 chars)."),
    responses((status = 201, body = DesignElementComment), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn create_comment(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, de)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let text = body.text("text")?;
    let mut tx = s.db.write().await?;
    let c = comments::create::<OnDesignElement>(&mut tx, &actor, pid, de, text).await?;
    tx.commit().await?;
    Ok(reply::created(c))
}

/// Updates a comment (its author only); replies with the updated comment.
#[utoipa::path(put, path = "/v0/projects/{projectId}/designelements/{designElementId}/comments/{commentId}",
    tag = "Design Elements / Comments",
    params(("projectId" = i64, Path, description = "The project id."),
           ("designElementId" = i64, Path, description = "The design element id."),
           ("commentId" = i64, Path, description = "The comment id.")),
    request_body(content = String, description = "The comment text (Markdown, max 5000 chars)."),
    responses((status = 200, body = DesignElementComment), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn update_comment(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, de, id)): Ids<(i64, i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let text = body.text("text")?;
    let mut tx = s.db.write().await?;
    let c = comments::update::<OnDesignElement>(&mut tx, &actor, pid, de, id, text).await?;
    tx.commit().await?;
    Ok(reply::ok(c))
}

async fn remove(s: AppState, actor: Actor, pid: i64, de: i64, id: i64) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    comments::delete::<OnDesignElement>(&mut tx, &actor, pid, de, id).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}

/// Deletes a comment (its author or an admin). The reference's path, singular `designelement`.
#[utoipa::path(delete, path = "/v0/projects/{projectId}/designelement/{designElementId}/comments/{commentId}",
    tag = "Design Elements / Comments",
    params(("projectId" = i64, Path, description = "The project id."),
           ("designElementId" = i64, Path, description = "The design element id."),
           ("commentId" = i64, Path, description = "The comment id.")),
    responses((status = 200, description = "Deleted (empty body)"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn delete_comment(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, de, id)): Ids<(i64, i64, i64)>,
) -> ApiResult<Response> {
    remove(s, actor, pid, de, id).await
}

/// Deletes a comment (its author or an admin): the same as the singular path, under `designelements`.
#[utoipa::path(delete, path = "/v0/projects/{projectId}/designelements/{designElementId}/comments/{commentId}",
    tag = "Design Elements / Comments",
    params(("projectId" = i64, Path, description = "The project id."),
           ("designElementId" = i64, Path, description = "The design element id."),
           ("commentId" = i64, Path, description = "The comment id.")),
    responses((status = 200, description = "Deleted (empty body)"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn delete_comment_plural(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, de, id)): Ids<(i64, i64, i64)>,
) -> ApiResult<Response> {
    remove(s, actor, pid, de, id).await
}
