//! Project roles: a name, an admin flag and per-category / design-model permissions.
//! A category a role does not list is fully allowed (see `model::Permissions`).

use std::collections::HashSet;

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::{Auth, Scope};
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{Ids, RawBody};
use super::reply;
use crate::model::{self, Check, Permissions, ROLE_COLS, Role, RoleRow};
use crate::ops::access;
use crate::params;
use crate::store::{Tx, placeholders, sequences};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_roles, create_role))
        .routes(routes!(get_role, update_role, patch_role, delete_role))
}

/// Create and PUT body. PUT: omitted `isAdmin` → false, omitted `permissions` → none listed
/// (everything allowed).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoleValues {
    /// Required.
    pub name: Option<String>,
    pub is_admin: Option<bool>,
    pub permissions: Option<Permissions>,
}

/// PATCH body: only the fields present change; `permissions` is replaced as a whole.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PatchRoleValues {
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub name: Option<Option<String>>,
    pub is_admin: Option<bool>,
    /// `null` clears the restrictions (everything allowed).
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<Permissions>)]
    pub permissions: Option<Option<Permissions>>,
}

async fn load(tx: &mut Tx, pid: i64, role_id: i64) -> ApiResult<Role> {
    let row: RoleRow = tx
        .opt(
            &format!("SELECT {ROLE_COLS} FROM roles r WHERE r.project_id = $1 AND r.role_id = $2"),
            params![pid, role_id],
        )
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(row.into())
}

/// Checks the listed categories exist in the project and are listed once; returns the
/// permissions with categories in id order.
async fn check_permissions(
    tx: &mut Tx,
    c: &mut Check,
    pid: i64,
    p: Option<Permissions>,
) -> ApiResult<Permissions> {
    let mut p = p.unwrap_or_default();
    p.category_permissions.sort_by_key(|cp| cp.category_id);
    let ids: Vec<i64> = p
        .category_permissions
        .iter()
        .map(|cp| cp.category_id)
        .collect();
    let unique: HashSet<i64> = ids.iter().copied().collect();
    if unique.len() != ids.len() {
        c.fail("permissions", "A category is listed more than once.");
        return Ok(p);
    }
    if !ids.is_empty() {
        let sql = format!(
            "SELECT category_id FROM categories WHERE project_id = $1 AND category_id IN ({})",
            placeholders(2, ids.len())
        );
        let mut params = vec![pid.into()];
        params.extend(ids.iter().map(|i| (*i).into()));
        let found: Vec<(i64,)> = tx.all(&sql, &params).await?;
        if found.len() != ids.len() {
            c.fail(
                "permissions",
                "The permissions name a category that does not exist in the project.",
            );
        }
    }
    Ok(p)
}

async fn save(
    tx: &mut Tx,
    pid: i64,
    role_id: i64,
    name: &str,
    is_admin: bool,
    perms: &Permissions,
) -> ApiResult<Role> {
    tx.exec(
        "UPDATE roles SET name = $1, is_admin = $2, permissions = $3 WHERE project_id = $4 AND role_id = $5",
        params![name.trim(), is_admin, perms.to_stored(), pid, role_id],
    )
    .await?;
    load(tx, pid, role_id).await
}

/// Gets a list of the roles in the project.
#[utoipa::path(get, path = "/v0/projects/{projectId}/roles", tag = "Projects / Roles",
    params(("projectId" = i64, Path, description = "The project id.")),
    responses((status = 200, body = Vec<Role>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn list_roles(
    State(s): State<AppState>,
    auth: Auth,
    Ids(pid): Ids<i64>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    access::member(&mut tx, &auth, pid, Scope::ProjectsRead).await?;
    let rows: Vec<RoleRow> = tx
        .all(
            &format!("SELECT {ROLE_COLS} FROM roles r WHERE r.project_id = $1 ORDER BY r.role_id"),
            params![pid],
        )
        .await?;
    tx.commit().await?;
    Ok(reply::ok(
        rows.into_iter().map(Role::from).collect::<Vec<_>>(),
    ))
}

/// [ADMIN] Creates a project role.
#[utoipa::path(post, path = "/v0/projects/{projectId}/roles", tag = "Projects / Roles",
    params(("projectId" = i64, Path, description = "The project id.")),
    request_body = RoleValues,
    responses((status = 201, body = Role), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn create_role(
    State(s): State<AppState>,
    auth: Auth,
    Ids(pid): Ids<i64>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: RoleValues = body.json()?;
    let mut tx = s.db.write().await?;
    access::member(&mut tx, &auth, pid, Scope::ProjectsAdmin)
        .await?
        .require_admin()?;
    let mut c = Check::new();
    c.name("name", v.name.as_deref());
    let perms = check_permissions(&mut tx, &mut c, pid, v.permissions).await?;
    c.finish()?;
    let role_id = sequences::next_id(&mut tx, pid, "role").await?;
    tx.exec(
        "INSERT INTO roles (project_id, role_id, name, is_admin, permissions, creation_date) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        params![
            pid,
            role_id,
            v.name.as_deref().unwrap_or_default().trim(),
            v.is_admin.unwrap_or(false),
            perms.to_stored(),
            model::now()
        ],
    )
    .await?;
    let role = load(&mut tx, pid, role_id).await?;
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
    auth: Auth,
    Ids((pid, role_id)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    access::member(&mut tx, &auth, pid, Scope::ProjectsRead).await?;
    let role = load(&mut tx, pid, role_id).await?;
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
    auth: Auth,
    Ids((pid, role_id)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: RoleValues = body.json()?;
    let mut tx = s.db.write().await?;
    access::member(&mut tx, &auth, pid, Scope::ProjectsAdmin)
        .await?
        .require_admin()?;
    load(&mut tx, pid, role_id).await?;
    let mut c = Check::new();
    c.name("name", v.name.as_deref());
    let perms = check_permissions(&mut tx, &mut c, pid, v.permissions).await?;
    c.finish()?;
    let role = save(
        &mut tx,
        pid,
        role_id,
        v.name.as_deref().unwrap_or_default(),
        v.is_admin.unwrap_or(false),
        &perms,
    )
    .await?;
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
    auth: Auth,
    Ids((pid, role_id)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: PatchRoleValues = body.json()?;
    let mut tx = s.db.write().await?;
    access::member(&mut tx, &auth, pid, Scope::ProjectsAdmin)
        .await?
        .require_admin()?;
    let cur = load(&mut tx, pid, role_id).await?;
    let mut c = Check::new();
    if let Some(name) = &v.name {
        c.name("name", name.as_deref());
    }
    let perms = match v.permissions {
        Some(p) => check_permissions(&mut tx, &mut c, pid, p).await?,
        None => cur.permissions,
    };
    c.finish()?;
    let name = v.name.flatten().unwrap_or(cur.name);
    let role = save(
        &mut tx,
        pid,
        role_id,
        &name,
        v.is_admin.unwrap_or(cur.is_admin),
        &perms,
    )
    .await?;
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
    auth: Auth,
    Ids((pid, role_id)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    access::member(&mut tx, &auth, pid, Scope::ProjectsAdmin)
        .await?
        .require_admin()?;
    load(&mut tx, pid, role_id).await?;
    let (active, removed): (i64, i64) = tx
        .one(
            "SELECT COUNT(CASE WHEN is_active THEN user_id END), \
             COUNT(CASE WHEN NOT is_active THEN user_id END) \
             FROM project_users WHERE project_id = $1 AND role_id = $2",
            params![pid, role_id],
        )
        .await?;
    if active + removed > 0 {
        return Err(ApiError::conflict(format!(
            "The role is still assigned to {active} project member(s) and {removed} removed \
             member(s); give them another role before deleting it."
        )));
    }
    tx.exec(
        "DELETE FROM roles WHERE project_id = $1 AND role_id = $2",
        params![pid, role_id],
    )
    .await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}
