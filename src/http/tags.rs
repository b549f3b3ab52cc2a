//! Project tags: the HTTP side of `ops::tags` (extract, call the operation, shape the reply).

use axum::extract::State;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Ids, RawBody};
use super::reply;
use crate::model::Tag;
use crate::ops::tags::{self, PatchTagValues, TagValues};
use crate::ops::{Actor, config};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tags, create_tag))
        .routes(routes!(update_tag, patch_tag, delete_tag))
}

/// Gets a list of the project tags.
#[utoipa::path(get, path = "/v0/projects/{projectId}/tags", tag = "Projects / Tags",
    params(("projectId" = i64, Path, description = "The project id.")),
    responses((status = 200, body = Vec<Tag>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn list_tags(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let rows: Vec<Tag> = config::list(&mut tx, &actor, pid).await?;
    tx.commit().await?;
    Ok(reply::ok(rows))
}

/// Creates a project tag (any non-guest member).
#[utoipa::path(post, path = "/v0/projects/{projectId}/tags", tag = "Projects / Tags",
    params(("projectId" = i64, Path, description = "The project id.")),
    request_body = TagValues,
    responses((status = 201, body = Tag), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn create_tag(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: TagValues = body.json()?;
    let mut tx = s.db.write().await?;
    let tag = tags::create(&mut tx, &actor, pid, v).await?;
    tx.commit().await?;
    Ok(reply::created(tag))
}

/// Updates the tag; omitted optional values are reset.
#[utoipa::path(put, path = "/v0/projects/{projectId}/tags/{tagId}", tag = "Projects / Tags",
    params(("projectId" = i64, Path, description = "The project id."),
           ("tagId" = i64, Path, description = "The tag id.")),
    request_body = TagValues,
    responses((status = 200, body = Tag), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn update_tag(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, id)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: TagValues = body.json()?;
    let mut tx = s.db.write().await?;
    let tag = tags::update(&mut tx, &actor, pid, id, v).await?;
    tx.commit().await?;
    Ok(reply::ok(tag))
}

/// Updates the tag partially.
#[utoipa::path(patch, path = "/v0/projects/{projectId}/tags/{tagId}", tag = "Projects / Tags",
    params(("projectId" = i64, Path, description = "The project id."),
           ("tagId" = i64, Path, description = "The tag id.")),
    request_body = PatchTagValues,
    responses((status = 200, body = Tag), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn patch_tag(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, id)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: PatchTagValues = body.json()?;
    let mut tx = s.db.write().await?;
    let tag = tags::patch(&mut tx, &actor, pid, id, v).await?;
    tx.commit().await?;
    Ok(reply::ok(tag))
}

/// [ADMIN] Deletes the tag; work items lose it.
#[utoipa::path(delete, path = "/v0/projects/{projectId}/tags/{tagId}", tag = "Projects / Tags",
    params(("projectId" = i64, Path, description = "The project id."),
           ("tagId" = i64, Path, description = "The tag id.")),
    responses((status = 200, description = "Deleted (empty body)"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Project or tag not found.")))]
async fn delete_tag(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, id)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    tags::delete(&mut tx, &actor, pid, id).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}
