//! Projects / Files: the storage report and the admin's view of the project's files.

use axum::extract::State;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Ids, PageQuery, Q};
use super::reply;
use crate::model::{ProjectFile, ProjectStorage};
use crate::ops::{Actor, files};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(storage))
        .routes(routes!(list_files))
        .routes(routes!(delete_file))
}

/// Gets storage information about the project: the workspace's quota and what it uses, what
/// this project uses, and the largest file accepted (bytes).
#[utoipa::path(get, path = "/v0/projects/{projectId}/storage", tag = "Projects / Files",
    params(("projectId" = i64, Path, description = "The project id.")),
    responses((status = 200, body = ProjectStorage), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn storage(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let st = files::storage(&mut tx, &actor, pid, &s.files.settings).await?;
    tx.commit().await?;
    Ok(reply::ok(st))
}

/// [ADMIN] Gets all the files in the project, oldest first (a bare array).
#[utoipa::path(get, path = "/v0/projects/{projectId}/files", tag = "Projects / Files",
    params(("projectId" = i64, Path, description = "The project id."), PageQuery),
    responses((status = 200, body = Vec<ProjectFile>),
              (status = 400, body = ErrorBody, description = "Invalid offset or limit parameters."),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn list_files(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
    Q(q): Q<PageQuery>,
) -> ApiResult<Response> {
    let page = q.paging()?;
    let mut tx = s.db.read().await?;
    let list = files::list(&mut tx, &actor, pid, page).await?;
    tx.commit().await?;
    Ok(reply::ok(list))
}

/// [ADMIN] Removes a file from the project: from every attachment, and from storage.
#[utoipa::path(delete, path = "/v0/projects/{projectId}/files/{fileId}", tag = "Projects / Files",
    params(("projectId" = i64, Path, description = "The project id."),
           ("fileId" = i64, Path, description = "The file id.")),
    responses((status = 200, description = "Deleted (empty body)"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn delete_file(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, fid)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    files::delete(&mut tx, &actor, pid, fid).await?;
    tx.commit().await?;
    s.files.kick_sweeper();
    Ok(reply::empty_ok())
}
