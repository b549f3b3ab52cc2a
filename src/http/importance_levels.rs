//! Importance levels of work items. Exactly one level of a project is the default.

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
use crate::model::{self, Check, IMPORTANCE_LEVEL_COLS, ImportanceLevel};
use crate::ops::access;
use crate::ops::access::admin;
use crate::params;
use crate::store::{Tx, sequences};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_levels, create_level))
        .routes(routes!(get_level, update_level, patch_level, delete_level))
}

/// Create and PUT: `name` is required; on PUT omitted `icon`/`color` become null.
/// `isDefault: true` makes this the default level (the previous default loses it). A project
/// always has exactly one default: `isDefault: false` on the current default is a 400 (the
/// default moves by setting another level's `isDefault` to true).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportanceLevelValues {
    pub name: Option<String>,
    /// `#` and 3, 6 or 8 hex digits.
    pub color: Option<String>,
    pub icon: Option<String>,
    pub is_default: Option<bool>,
}

/// PATCH: only the fields present change; `null` clears `icon`/`color`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PatchImportanceLevelValues {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub color: Option<Option<String>>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub icon: Option<Option<String>>,
    pub is_default: Option<bool>,
}

/// `isDefault: false` cannot take the default away from the current default level.
fn check_default(c: &mut Check, cur: &ImportanceLevel, is_default: Option<bool>) {
    if cur.is_default && is_default == Some(false) {
        c.fail(
            "isDefault",
            "A project always has a default importance level: make another level the default \
             (isDefault: true on it) instead.",
        );
    }
}

async fn load(tx: &mut Tx, pid: i64, id: i64) -> ApiResult<ImportanceLevel> {
    tx.opt(
        &format!(
            "SELECT {IMPORTANCE_LEVEL_COLS} FROM importance_levels il \
             WHERE il.project_id = $1 AND il.importance_level_id = $2"
        ),
        params![pid, id],
    )
    .await?
    .ok_or(ApiError::NotFound)
}

async fn clear_default(tx: &mut Tx, pid: i64) -> ApiResult<()> {
    tx.exec(
        "UPDATE importance_levels SET is_default = FALSE WHERE project_id = $1 AND is_default",
        params![pid],
    )
    .await?;
    Ok(())
}

async fn save(tx: &mut Tx, l: &ImportanceLevel) -> ApiResult<ImportanceLevel> {
    if l.is_default {
        clear_default(tx, l.project_id).await?;
    }
    tx.exec(
        "UPDATE importance_levels SET name = $1, icon = $2, color = $3, is_default = $4 \
         WHERE project_id = $5 AND importance_level_id = $6",
        params![
            &l.name,
            &l.icon,
            &l.color,
            l.is_default,
            l.project_id,
            l.importance_level_id
        ],
    )
    .await?;
    load(tx, l.project_id, l.importance_level_id).await
}

/// Gets a list of the importance levels of the project.
#[utoipa::path(get, path = "/v0/projects/{projectId}/importancelevels", tag = "Projects / Importance Levels",
    params(("projectId" = i64, Path, description = "The project id.")),
    responses((status = 200, body = Vec<ImportanceLevel>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn list_levels(
    State(s): State<AppState>,
    auth: Auth,
    Ids(pid): Ids<i64>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    access::member(&mut tx, &auth, pid, Scope::ProjectsRead).await?;
    let rows: Vec<ImportanceLevel> = tx
        .all(
            &format!(
                "SELECT {IMPORTANCE_LEVEL_COLS} FROM importance_levels il WHERE il.project_id = $1 \
                 ORDER BY il.importance_level_id"
            ),
            params![pid],
        )
        .await?;
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
    auth: Auth,
    Ids(pid): Ids<i64>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: ImportanceLevelValues = body.json()?;
    let mut tx = s.db.write().await?;
    admin(&mut tx, &auth, pid).await?;
    let mut c = Check::new();
    c.name("name", v.name.as_deref());
    c.look(v.color.as_deref(), v.icon.as_deref());
    c.finish()?;
    let is_default = v.is_default.unwrap_or(false);
    if is_default {
        clear_default(&mut tx, pid).await?;
    }
    let id = sequences::next_id(&mut tx, pid, "importancelevel").await?;
    tx.exec(
        "INSERT INTO importance_levels (project_id, importance_level_id, name, icon, color, is_default, \
         creation_date) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![
            pid,
            id,
            v.name.unwrap_or_default().trim(),
            v.icon,
            v.color,
            is_default,
            model::now()
        ],
    )
    .await?;
    let level = load(&mut tx, pid, id).await?;
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
    auth: Auth,
    Ids((pid, id)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    access::member(&mut tx, &auth, pid, Scope::ProjectsRead).await?;
    let level = load(&mut tx, pid, id).await?;
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
    auth: Auth,
    Ids((pid, id)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: ImportanceLevelValues = body.json()?;
    let mut tx = s.db.write().await?;
    admin(&mut tx, &auth, pid).await?;
    let cur = load(&mut tx, pid, id).await?;
    let mut c = Check::new();
    c.name("name", v.name.as_deref());
    c.look(v.color.as_deref(), v.icon.as_deref());
    check_default(&mut c, &cur, v.is_default);
    c.finish()?;
    let level = save(
        &mut tx,
        &ImportanceLevel {
            name: v.name.unwrap_or_default().trim().to_string(),
            icon: v.icon,
            color: v.color,
            is_default: cur.is_default || v.is_default == Some(true),
            ..cur
        },
    )
    .await?;
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
    auth: Auth,
    Ids((pid, id)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: PatchImportanceLevelValues = body.json()?;
    let mut tx = s.db.write().await?;
    admin(&mut tx, &auth, pid).await?;
    let cur = load(&mut tx, pid, id).await?;
    let mut c = Check::new();
    if v.name.is_some() {
        c.name("name", v.name.as_deref());
    }
    c.look(
        v.color.clone().flatten().as_deref(),
        v.icon.clone().flatten().as_deref(),
    );
    check_default(&mut c, &cur, v.is_default);
    c.finish()?;
    let level = save(
        &mut tx,
        &ImportanceLevel {
            name: v.name.map(|n| n.trim().to_string()).unwrap_or(cur.name),
            icon: v.icon.unwrap_or(cur.icon),
            color: v.color.unwrap_or(cur.color),
            is_default: cur.is_default || v.is_default == Some(true),
            ..cur
        },
    )
    .await?;
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
    auth: Auth,
    Ids((pid, id)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    admin(&mut tx, &auth, pid).await?;
    if load(&mut tx, pid, id).await?.is_default {
        return Err(ApiError::conflict(
            "The default importance level can't be deleted.",
        ));
    }
    let (default,): (i64,) = tx
        .one(
            "SELECT importance_level_id FROM importance_levels WHERE project_id = $1 AND is_default \
             ORDER BY importance_level_id LIMIT 1",
            params![pid],
        )
        .await?;
    tx.exec(
        "UPDATE work_items SET importance_level_id = $1, update_date = $2 \
         WHERE project_id = $3 AND importance_level_id = $4",
        params![default, model::now(), pid, id],
    )
    .await?;
    tx.exec(
        "DELETE FROM importance_levels WHERE project_id = $1 AND importance_level_id = $2",
        params![pid, id],
    )
    .await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}
