//! Projects: the HTTP side of `ops::projects` (extract, call the operation, shape the reply).

use axum::extract::State;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Ids, RawBody};
use super::reply;
use crate::model::{Metrics, Project};
use crate::ops::Actor;
use crate::ops::projects::{self, CreateProjectValues, PatchProjectValues, UpdateProjectValues};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_projects, create_project))
        .routes(routes!(
            get_project,
            update_project,
            patch_project,
            delete_project
        ))
        .routes(routes!(close_project, reopen_project))
        .routes(routes!(transfer_owner))
        .routes(routes!(project_metrics))
}

/// Get all the projects the authenticated user is member of.
#[utoipa::path(get, path = "/v0/projects", tag = "Projects",
    responses((status = 200, body = Vec<Project>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody, description = "The key lacks the projects:read scope")))]
async fn list_projects(State(s): State<AppState>, actor: Actor) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let list = projects::list(&mut tx, &actor).await?;
    tx.commit().await?;
    Ok(reply::ok(list))
}

/// Creates a new project.
#[utoipa::path(post, path = "/v0/projects", tag = "Projects", request_body = CreateProjectValues,
    responses((status = 201, body = Project), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn create_project(
    State(s): State<AppState>,
    actor: Actor,
    body: RawBody,
) -> ApiResult<Response> {
    let v: CreateProjectValues = body.json()?;
    let mut tx = s.db.write().await?;
    let project = projects::create(&mut tx, &actor, v).await?;
    tx.commit().await?;
    Ok(reply::created(project))
}

/// Gets a project.
#[utoipa::path(get, path = "/v0/projects/{projectId}", tag = "Projects",
    params(("projectId" = i64, Path, description = "The project id.")),
    responses((status = 200, body = Project), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn get_project(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let p = projects::get(&mut tx, &actor, pid).await?;
    tx.commit().await?;
    Ok(reply::ok(p))
}

/// [ADMIN] Updates the project.
#[utoipa::path(put, path = "/v0/projects/{projectId}", tag = "Projects",
    params(("projectId" = i64, Path, description = "The project id.")),
    request_body = UpdateProjectValues,
    responses((status = 200, body = Project), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn update_project(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: UpdateProjectValues = body.json()?;
    let mut tx = s.db.write().await?;
    let p = projects::update(&mut tx, &actor, pid, v).await?;
    tx.commit().await?;
    Ok(reply::ok(p))
}

/// [ADMIN] Updates the project partially.
#[utoipa::path(patch, path = "/v0/projects/{projectId}", tag = "Projects",
    params(("projectId" = i64, Path, description = "The project id.")),
    request_body = PatchProjectValues,
    responses((status = 200, body = Project), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn patch_project(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: PatchProjectValues = body.json()?;
    let mut tx = s.db.write().await?;
    let p = projects::patch(&mut tx, &actor, pid, v).await?;
    tx.commit().await?;
    Ok(reply::ok(p))
}

/// [OWNER] Deletes a project and everything in it.
#[utoipa::path(delete, path = "/v0/projects/{projectId}", tag = "Projects",
    params(("projectId" = i64, Path, description = "The project id.")),
    responses((status = 200, description = "Deleted (empty body)"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Project not found.")))]
async fn delete_project(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    projects::delete(&mut tx, &actor, pid).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}

/// [ADMIN] Closes the project (takes no body).
#[utoipa::path(post, path = "/v0/projects/{projectId}/closure", tag = "Projects",
    params(("projectId" = i64, Path, description = "The project id.")),
    responses((status = 200, description = "Closed (empty body)"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found"),
              (status = 409, body = ErrorBody, description = "The project is already closed.")))]
async fn close_project(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    projects::close(&mut tx, &actor, pid).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}

/// [ADMIN] Reopens the project.
#[utoipa::path(delete, path = "/v0/projects/{projectId}/closure", tag = "Projects",
    params(("projectId" = i64, Path, description = "The project id.")),
    responses((status = 200, description = "Reopened (empty body)"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found"),
              (status = 409, body = ErrorBody, description = "The project is already open.")))]
async fn reopen_project(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    projects::reopen(&mut tx, &actor, pid).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}

/// [OWNER] Transfers the ownership of the project to another active member, who becomes admin.
#[utoipa::path(put, path = "/v0/projects/{projectId}/owner", tag = "Projects",
    params(("projectId" = i64, Path, description = "The project id.")),
    request_body(content = i64, description = "The id of the new owner (bare integer, or {\"ownerUserId\": n})."),
    responses((status = 200, description = "Transferred (empty body)"), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Project or user not found")))]
async fn transfer_owner(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
    body: RawBody,
) -> ApiResult<Response> {
    let new_owner = body.int("ownerUserId")?;
    let mut tx = s.db.write().await?;
    projects::transfer_owner(&mut tx, &actor, pid, new_owner).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}

/// Gets the project metrics (work items of the categories the caller can read).
#[utoipa::path(get, path = "/v0/projects/{projectId}/metrics", tag = "Projects",
    params(("projectId" = i64, Path, description = "The project id.")),
    responses((status = 200, body = Metrics), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn project_metrics(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let out = projects::metrics(&mut tx, &actor, pid).await?;
    tx.commit().await?;
    Ok(reply::ok(out))
}
