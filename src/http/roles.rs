//! Project roles: a name, an admin flag and per-category / design-model permissions.
//! A category a role does not list is fully allowed (see `model::Permissions`).

use axum::extract::State;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Ids, RawBody};
use super::reply;
use crate::model::Role;
use crate::ops::roles::{self, PatchRoleValues, RoleValues};
use crate::ops::{Actor, config};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_roles, create_role))
        .routes(routes!(get_role, update_role, patch_role, delete_role))
}

/// Gets a list of the roles in the project.
#[utoipa::path(get, path = "/v0/projects/{projectId}/roles", tag = "Projects / Roles",
    params(("projectId" = i64, Path, description = "The project id.")),
    responses((status = 200, body = Vec<Role>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn list_roles(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let rows: Vec<Role> = config::list(&mut tx, &actor, pid).await?;
    tx.commit().await?;
    Ok(reply::ok(rows))
}

/// [ADMIN] Creates a project role.
#[utoipa::path(post, path = "/v0/projects/{projectId}/roles", tag = "Projects / Roles",
    params(("projectId" = i64, Path, description = "The project id.")),
    request_body = RoleValues,
    responses((status = 201, body = Role), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn create_role(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: RoleValues = body.json()?;
    let mut tx = s.db.write().await?;
    let role = roles::create(&mut tx, &actor, pid, v).await?;
    tx.commit().await?;
    Ok(reply::created(role))
}

/// Gets a project role.
#[utoipa::path(get, path = "/v0/projects/{projectId}/roles/{roleId}", tag = "Projects / Roles",
    params(("projectId" = i64, Path, description = "The project id."),
           ("roleId" = i64, Path, description = "The role id.")),
    responses((status = 200, body = Role), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn get_role(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, role_id)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let role: Role = config::get(&mut tx, &actor, pid, role_id).await?;
    tx.commit().await?;
    Ok(reply::ok(role))
}

/// [ADMIN] Updates the project role (every field; omitted ones reset).
#[utoipa::path(put, path = "/v0/projects/{projectId}/roles/{roleId}", tag = "Projects / Roles",
    params(("projectId" = i64, Path, description = "The project id."),
           ("roleId" = i64, Path, description = "The role id.")),
    request_body = RoleValues,
    responses((status = 200, body = Role), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn update_role(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, role_id)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: RoleValues = body.json()?;
    let mut tx = s.db.write().await?;
    let role = roles::update(&mut tx, &actor, pid, role_id, v).await?;
    tx.commit().await?;
    Ok(reply::ok(role))
}

/// [ADMIN] Updates the project role partially.
#[utoipa::path(patch, path = "/v0/projects/{projectId}/roles/{roleId}", tag = "Projects / Roles",
    params(("projectId" = i64, Path, description = "The project id."),
           ("roleId" = i64, Path, description = "The role id.")),
    request_body = PatchRoleValues,
    responses((status = 200, body = Role), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn patch_role(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, role_id)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: PatchRoleValues = body.json()?;
    let mut tx = s.db.write().await?;
    let role = roles::patch(&mut tx, &actor, pid, role_id, v).await?;
    tx.commit().await?;
    Ok(reply::ok(role))
}

/// [ADMIN] Deletes the project role. A role still held by a project member (removed members
/// included) is not deleted (409): without a role a member may do everything, so deleting it
/// would widen their rights. Give them another role (or none, knowingly) first.
#[utoipa::path(delete, path = "/v0/projects/{projectId}/roles/{roleId}", tag = "Projects / Roles",
    params(("projectId" = i64, Path, description = "The project id."),
           ("roleId" = i64, Path, description = "The role id.")),
    responses((status = 200, description = "Deleted (empty body)"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found"),
              (status = 409, body = ErrorBody, description = "The role is still assigned to project members.")))]
async fn delete_role(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, role_id)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    roles::delete(&mut tx, &actor, pid, role_id).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}
