//! Workspaces, their teams and their users: the HTTP side of `ops::workspaces`.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Ids, Q, flag};
use super::reply;
use crate::ops::Actor;
use crate::ops::workspaces::{self, Workspace, WorkspaceFilter, WorkspaceTeam, WorkspaceUser};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_workspaces))
        .routes(routes!(get_workspace))
        .routes(routes!(list_teams))
        .routes(routes!(get_team))
        .routes(routes!(list_users))
        .routes(routes!(get_user))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Include each workspace's projects (those the caller is a member of).
    #[serde(default, deserialize_with = "flag")]
    #[param(value_type = Option<bool>)]
    include_projects: Option<bool>,
    /// Only workspaces the caller administers.
    #[serde(default, deserialize_with = "flag")]
    #[param(value_type = Option<bool>)]
    only_admin: Option<bool>,
    /// Only the workspace the caller owns.
    #[serde(default, deserialize_with = "flag")]
    #[param(value_type = Option<bool>)]
    only_owner: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct GetQuery {
    /// Include the workspace's projects (those the caller is a member of).
    #[serde(default, deserialize_with = "flag")]
    #[param(value_type = Option<bool>)]
    include_projects: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct UsersQuery {
    /// Include users who left the workspace.
    #[serde(default, deserialize_with = "flag")]
    #[param(value_type = Option<bool>)]
    include_inactive: Option<bool>,
}

/// Gets the list of workspaces the user belongs to.
#[utoipa::path(get, path = "/v0/workspaces", tag = "Workspaces", params(ListQuery),
    responses((status = 200, body = Vec<Workspace>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn list_workspaces(
    State(s): State<AppState>,
    actor: Actor,
    Q(q): Q<ListQuery>,
) -> ApiResult<Response> {
    let f = WorkspaceFilter {
        only_admin: q.only_admin == Some(true),
        only_owner: q.only_owner == Some(true),
        include_projects: q.include_projects == Some(true),
    };
    let mut tx = s.db.read().await?;
    let out = workspaces::list(&mut tx, &actor, f).await?;
    tx.commit().await?;
    Ok(reply::ok(out))
}

/// Gets a workspace object.
#[utoipa::path(get, path = "/v0/workspaces/{workspaceId}", tag = "Workspaces",
    params(("workspaceId" = i64, Path, description = "The workspace id."), GetQuery),
    responses((status = 200, body = Workspace), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn get_workspace(
    State(s): State<AppState>,
    actor: Actor,
    Ids(workspace_id): Ids<i64>,
    Q(q): Q<GetQuery>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let out = workspaces::get(
        &mut tx,
        &actor,
        workspace_id,
        q.include_projects == Some(true),
    )
    .await?;
    tx.commit().await?;
    Ok(reply::ok(out))
}

/// Gets a list of the teams in the workspace.
#[utoipa::path(get, path = "/v0/workspaces/{workspaceId}/teams", tag = "Workspaces / Teams",
    params(("workspaceId" = i64, Path, description = "The workspace id.")),
    responses((status = 200, body = Vec<WorkspaceTeam>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn list_teams(
    State(s): State<AppState>,
    actor: Actor,
    Ids(workspace_id): Ids<i64>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let out = workspaces::teams(&mut tx, &actor, workspace_id).await?;
    tx.commit().await?;
    Ok(reply::ok(out))
}

/// Get a workspace team by id.
#[utoipa::path(get, path = "/v0/workspaces/{workspaceId}/teams/{teamId}", tag = "Workspaces / Teams",
    params(("workspaceId" = i64, Path, description = "The workspace id."),
           ("teamId" = i64, Path, description = "The team id.")),
    responses((status = 200, body = WorkspaceTeam), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn get_team(
    State(s): State<AppState>,
    actor: Actor,
    Ids((workspace_id, team_id)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let out = workspaces::team(&mut tx, &actor, workspace_id, team_id).await?;
    tx.commit().await?;
    Ok(reply::ok(out))
}

/// Gets a list of the users of the workspace.
#[utoipa::path(get, path = "/v0/workspaces/{workspaceId}/users", tag = "Workspaces / Users",
    params(("workspaceId" = i64, Path, description = "The workspace id."), UsersQuery),
    responses((status = 200, body = Vec<WorkspaceUser>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn list_users(
    State(s): State<AppState>,
    actor: Actor,
    Ids(workspace_id): Ids<i64>,
    Q(q): Q<UsersQuery>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let out = workspaces::users(
        &mut tx,
        &actor,
        workspace_id,
        q.include_inactive == Some(true),
    )
    .await?;
    tx.commit().await?;
    Ok(reply::ok(out))
}

/// Gets a workspace user.
#[utoipa::path(get, path = "/v0/workspaces/{workspaceId}/users/{userId}", tag = "Workspaces / Users",
    params(("workspaceId" = i64, Path, description = "The workspace id."),
           ("userId" = i64, Path, description = "The user id.")),
    responses((status = 200, body = WorkspaceUser), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn get_user(
    State(s): State<AppState>,
    actor: Actor,
    Ids((workspace_id, user_id)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let out = workspaces::user(&mut tx, &actor, workspace_id, user_id).await?;
    tx.commit().await?;
    Ok(reply::ok(out))
}
