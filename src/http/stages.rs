//! Project stages: the columns of the boards. A work item is done while its stage is `closed`.

use axum::extract::State;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Ids, RawBody};
use super::reply;
use crate::model::Stage;
use crate::ops::stages::{self, PatchStageValues, StageValues};
use crate::ops::{Actor, config};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_stages, create_stage))
        .routes(routes!(get_stage, update_stage, patch_stage, delete_stage))
}

/// Gets a list of the stages in the project, in display order.
#[utoipa::path(get, path = "/v0/projects/{projectId}/stages", tag = "Projects / Stages",
    params(("projectId" = i64, Path, description = "The project id.")),
    responses((status = 200, body = Vec<Stage>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn list_stages(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let rows: Vec<Stage> = config::list(&mut tx, &actor, pid).await?;
    tx.commit().await?;
    Ok(reply::ok(rows))
}

/// [ADMIN] Creates a project stage; it goes last in display order.
#[utoipa::path(post, path = "/v0/projects/{projectId}/stages", tag = "Projects / Stages",
    params(("projectId" = i64, Path, description = "The project id.")),
    request_body = StageValues,
    responses((status = 201, body = Stage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn create_stage(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: StageValues = body.json()?;
    let mut tx = s.db.write().await?;
    let stage = stages::create(&mut tx, &actor, pid, v).await?;
    tx.commit().await?;
    Ok(reply::created(stage))
}

/// Gets a project stage.
#[utoipa::path(get, path = "/v0/projects/{projectId}/stages/{stageId}", tag = "Projects / Stages",
    params(("projectId" = i64, Path, description = "The project id."),
           ("stageId" = i64, Path, description = "The stage id.")),
    responses((status = 200, body = Stage), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn get_stage(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, sid)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let stage: Stage = config::get(&mut tx, &actor, pid, sid).await?;
    tx.commit().await?;
    Ok(reply::ok(stage))
}

/// [ADMIN] Updates a project stage; omitted optional values are reset.
#[utoipa::path(put, path = "/v0/projects/{projectId}/stages/{stageId}", tag = "Projects / Stages",
    params(("projectId" = i64, Path, description = "The project id."),
           ("stageId" = i64, Path, description = "The stage id.")),
    request_body = StageValues,
    responses((status = 200, body = Stage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn update_stage(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, sid)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: StageValues = body.json()?;
    let mut tx = s.db.write().await?;
    let stage = stages::update(&mut tx, &actor, pid, sid, v).await?;
    tx.commit().await?;
    Ok(reply::ok(stage))
}

/// [ADMIN] Updates a project stage partially.
#[utoipa::path(patch, path = "/v0/projects/{projectId}/stages/{stageId}", tag = "Projects / Stages",
    params(("projectId" = i64, Path, description = "The project id."),
           ("stageId" = i64, Path, description = "The stage id.")),
    request_body = PatchStageValues,
    responses((status = 200, body = Stage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn patch_stage(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, sid)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: PatchStageValues = body.json()?;
    let mut tx = s.db.write().await?;
    let stage = stages::patch(&mut tx, &actor, pid, sid, v).await?;
    tx.commit().await?;
    Ok(reply::ok(stage))
}

/// [ADMIN] Deletes a project stage; its work items move to the first remaining stage.
#[utoipa::path(delete, path = "/v0/projects/{projectId}/stages/{stageId}", tag = "Projects / Stages",
    params(("projectId" = i64, Path, description = "The project id."),
           ("stageId" = i64, Path, description = "The stage id.")),
    responses((status = 200, description = "Deleted (empty body)"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found"),
              (status = 409, body = ErrorBody, description = "The last stage can't be deleted.")))]
async fn delete_stage(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, sid)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    stages::delete(&mut tx, &actor, pid, sid).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}
