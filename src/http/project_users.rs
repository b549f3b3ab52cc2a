//! Project users: membership of a project (admin/guest flags, a role), added one by one or a
//! whole workspace team at once. Removed members stay as inactive rows for history.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Ids, Q, RawBody, flag};
use super::reply;
use crate::model::ProjectUser;
use crate::ops::Actor;
use crate::ops::project_users::{
    self, CreateProjectUserValues, PatchProjectUserValues, UpdateProjectUserValues,
};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, add_user))
        .routes(routes!(get_user, update_user, patch_user, remove_user))
        .routes(routes!(add_team))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Include users who were removed from the project (default false).
    #[serde(default, deserialize_with = "flag")]
    #[param(value_type = Option<bool>)]
    include_inactive: Option<bool>,
    /// Include guest users (default true).
    #[serde(default, deserialize_with = "flag")]
    #[param(value_type = Option<bool>)]
    include_guests: Option<bool>,
}

/// Gets the list of users of the project.
#[utoipa::path(get, path = "/v0/projects/{projectId}/users", tag = "Projects / Users",
    params(("projectId" = i64, Path, description = "The project id."), ListQuery),
    responses((status = 200, body = Vec<ProjectUser>), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn list_users(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
    Q(q): Q<ListQuery>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let users = project_users::list(
        &mut tx,
        &actor,
        pid,
        q.include_inactive.unwrap_or(false),
        q.include_guests.unwrap_or(true),
    )
    .await?;
    tx.commit().await?;
    Ok(reply::ok(users))
}

/// [ADMIN] Adds a user of the project's workspace to the project.
#[utoipa::path(post, path = "/v0/projects/{projectId}/users", tag = "Projects / Users",
    params(("projectId" = i64, Path, description = "The project id.")),
    request_body = CreateProjectUserValues,
    responses((status = 201, body = ProjectUser), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Project or user not found"),
              (status = 409, body = ErrorBody, description = "The user is a member of the project already.")))]
async fn add_user(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: CreateProjectUserValues = body.json()?;
    let mut tx = s.db.write().await?;
    let pu = project_users::add(&mut tx, &actor, pid, v).await?;
    tx.commit().await?;
    Ok(reply::created(pu))
}

/// Gets a project user (also one who was removed).
#[utoipa::path(get, path = "/v0/projects/{projectId}/users/{userId}", tag = "Projects / Users",
    params(("projectId" = i64, Path, description = "The project id."),
           ("userId" = i64, Path, description = "The user id.")),
    responses((status = 200, body = ProjectUser), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn get_user(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, user_id)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let pu = project_users::get(&mut tx, &actor, pid, user_id).await?;
    tx.commit().await?;
    Ok(reply::ok(pu))
}

/// [ADMIN] Updates the project user (every field; omitted ones reset).
#[utoipa::path(put, path = "/v0/projects/{projectId}/users/{userId}", tag = "Projects / Users",
    params(("projectId" = i64, Path, description = "The project id."),
           ("userId" = i64, Path, description = "The user id.")),
    request_body = UpdateProjectUserValues,
    responses((status = 200, description = "Updated (empty body)"), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found"),
              (status = 409, body = ErrorBody, description = "The project owner can't be changed this way.")))]
async fn update_user(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, user_id)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: UpdateProjectUserValues = body.json()?;
    let mut tx = s.db.write().await?;
    project_users::update(&mut tx, &actor, pid, user_id, v).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}

/// [ADMIN] Updates the project user partially.
#[utoipa::path(patch, path = "/v0/projects/{projectId}/users/{userId}", tag = "Projects / Users",
    params(("projectId" = i64, Path, description = "The project id."),
           ("userId" = i64, Path, description = "The user id.")),
    request_body = PatchProjectUserValues,
    responses((status = 200, description = "Updated (empty body)"), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found"),
              (status = 409, body = ErrorBody, description = "The project owner can't be changed this way.")))]
async fn patch_user(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, user_id)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: PatchProjectUserValues = body.json()?;
    let mut tx = s.db.write().await?;
    project_users::patch(&mut tx, &actor, pid, user_id, v).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}

/// [ADMIN/SELF] Removes a user from the project: the membership is kept, inactive, and the
/// user is unassigned from the project's work items.
#[utoipa::path(delete, path = "/v0/projects/{projectId}/users/{userId}", tag = "Projects / Users",
    params(("projectId" = i64, Path, description = "The project id."),
           ("userId" = i64, Path, description = "The user id.")),
    responses((status = 200, description = "Removed (empty body)"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found"),
              (status = 409, body = ErrorBody, description = "The project owner can't be removed.")))]
async fn remove_user(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, user_id)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    project_users::remove(&mut tx, &actor, pid, user_id).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}

/// [ADMIN] Adds every active member of a workspace team to the project.
#[utoipa::path(post, path = "/v0/projects/{projectId}/teams", tag = "Projects / Users",
    params(("projectId" = i64, Path, description = "The project id.")),
    request_body(content = i64, description = "The team id (bare integer, or {\"teamId\": n})."),
    responses((status = 201, body = Vec<ProjectUser>, description = "The project users added"),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Project or team not found.")))]
async fn add_team(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
    body: RawBody,
) -> ApiResult<Response> {
    let team_id = body.int("teamId")?;
    let mut tx = s.db.write().await?;
    let added = project_users::add_team(&mut tx, &actor, pid, team_id).await?;
    tx.commit().await?;
    Ok(reply::created(added))
}
