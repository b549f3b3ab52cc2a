//! Importance levels of work items. Exactly one level of a project is the default.

use axum::extract::State;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Ids, RawBody};
use super::reply;
use crate::model::ImportanceLevel;
use crate::ops::importance_levels::{self, ImportanceLevelValues, PatchImportanceLevelValues};
use crate::ops::{Actor, config};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_levels, create_level))
        .routes(routes!(get_level, update_level, patch_level, delete_level))
}

/// Gets a list of the importance levels of the project.
#[utoipa::path(get, path = "/v0/projects/{projectId}/importancelevels", tag = "Projects / Importance Levels",
    params(("projectId" = i64, Path, description = "The project id.")),
    responses((status = 200, body = Vec<ImportanceLevel>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn list_levels(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let rows: Vec<ImportanceLevel> = config::list(&mut tx, &actor, pid).await?;
    tx.commit().await?;
    Ok(reply::ok(rows))
}

/// [ADMIN] Creates an importance level.
#[utoipa::path(post, path = "/v0/projects/{projectId}/importancelevels", tag = "Projects / Importance Levels",
    params(("projectId" = i64, Path, description = "The project id.")),
    request_body = ImportanceLevelValues,
    responses((status = 201, body = ImportanceLevel), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn create_level(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: ImportanceLevelValues = body.json()?;
    let mut tx = s.db.write().await?;
    let level = importance_levels::create(&mut tx, &actor, pid, v).await?;
    tx.commit().await?;
    Ok(reply::created(level))
}

/// Gets an importance level.
#[utoipa::path(get, path = "/v0/projects/{projectId}/importancelevels/{importanceLevelId}",
    tag = "Projects / Importance Levels",
    params(("projectId" = i64, Path, description = "The project id."),
           ("importanceLevelId" = i64, Path, description = "The importance level id.")),
    responses((status = 200, body = ImportanceLevel), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn get_level(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, id)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let level: ImportanceLevel = config::get(&mut tx, &actor, pid, id).await?;
    tx.commit().await?;
    Ok(reply::ok(level))
}

/// [ADMIN] Updates the importance level; omitted optional values become null.
#[utoipa::path(put, path = "/v0/projects/{projectId}/importancelevels/{importanceLevelId}",
    tag = "Projects / Importance Levels",
    params(("projectId" = i64, Path, description = "The project id."),
           ("importanceLevelId" = i64, Path, description = "The importance level id.")),
    request_body = ImportanceLevelValues,
    responses((status = 200, body = ImportanceLevel), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn update_level(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, id)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: ImportanceLevelValues = body.json()?;
    let mut tx = s.db.write().await?;
    let level = importance_levels::update(&mut tx, &actor, pid, id, v).await?;
    tx.commit().await?;
    Ok(reply::ok(level))
}

/// [ADMIN] Updates the importance level partially.
#[utoipa::path(patch, path = "/v0/projects/{projectId}/importancelevels/{importanceLevelId}",
    tag = "Projects / Importance Levels",
    params(("projectId" = i64, Path, description = "The project id."),
           ("importanceLevelId" = i64, Path, description = "The importance level id.")),
    request_body = PatchImportanceLevelValues,
    responses((status = 200, body = ImportanceLevel), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn patch_level(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, id)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: PatchImportanceLevelValues = body.json()?;
    let mut tx = s.db.write().await?;
    let level = importance_levels::patch(&mut tx, &actor, pid, id, v).await?;
    tx.commit().await?;
    Ok(reply::ok(level))
}

/// [ADMIN] Deletes the importance level; its work items move to the default level.
#[utoipa::path(delete, path = "/v0/projects/{projectId}/importancelevels/{importanceLevelId}",
    tag = "Projects / Importance Levels",
    params(("projectId" = i64, Path, description = "The project id."),
           ("importanceLevelId" = i64, Path, description = "The importance level id.")),
    responses((status = 200, description = "Deleted (empty body)"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found"),
              (status = 409, body = ErrorBody, description = "The default importance level can't be deleted.")))]
async fn delete_level(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, id)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    importance_levels::delete(&mut tx, &actor, pid, id).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}
