//! Project stages: the columns of the boards. A work item is done while its stage is `closed`.

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
use crate::model::{self, Check, STAGE_COLS, Stage};
use crate::ops::access;
use crate::ops::access::admin;
use crate::params;
use crate::store::{Tx, sequences};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_stages, create_stage))
        .routes(routes!(get_stage, update_stage, patch_stage, delete_stage))
}

/// Create and PUT. `name` is required. `status` defaults to `created` on create and keeps its
/// value when omitted on PUT; `isUnblocker` defaults to false; a missing `icon` gets the
/// status's default icon; an omitted `color` is null.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StageValues {
    pub name: Option<String>,
    /// `created`, `started` or `closed` (any case).
    pub status: Option<String>,
    pub is_unblocker: Option<bool>,
    /// `#` and 3, 6 or 8 hex digits.
    pub color: Option<String>,
    pub icon: Option<String>,
}

/// PATCH: only the fields present change; `null` clears `color` (and resets `icon` to the default).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PatchStageValues {
    pub name: Option<String>,
    pub status: Option<String>,
    pub is_unblocker: Option<bool>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub color: Option<Option<String>>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub icon: Option<Option<String>>,
}

const STATUSES: [&str; 3] = ["created", "started", "closed"];

/// The real service answers 500 for a stage without an icon; Questlog picks one by status.
fn default_icon(status: &str) -> &'static str {
    match status {
        "closed" => "completed",
        "started" => "in-progress",
        _ => "planned",
    }
}

fn status(c: &mut Check, v: Option<&str>) -> Option<String> {
    let s = v?.trim().to_ascii_lowercase();
    if STATUSES.contains(&s.as_str()) {
        Some(s)
    } else {
        c.fail(
            "status",
            "The status is invalid (created, started or closed).",
        );
        None
    }
}

async fn load(tx: &mut Tx, pid: i64, sid: i64) -> ApiResult<Stage> {
    tx.opt(
        &format!("SELECT {STAGE_COLS} FROM stages s WHERE s.project_id = $1 AND s.stage_id = $2"),
        params![pid, sid],
    )
    .await?
    .ok_or(ApiError::NotFound)
}

/// Makes the closing dates of the items in `stage_id` agree with its status (`closed` ⇒ set).
async fn sync_closing(tx: &mut Tx, pid: i64, stage_id: i64, status: &str) -> ApiResult<()> {
    let sql = if status == "closed" {
        "UPDATE work_items SET closing_date = $1, update_date = $1 \
         WHERE project_id = $2 AND stage_id = $3 AND closing_date IS NULL"
    } else {
        "UPDATE work_items SET closing_date = NULL, update_date = $1 \
         WHERE project_id = $2 AND stage_id = $3 AND closing_date IS NOT NULL"
    };
    tx.exec(sql, params![model::now(), pid, stage_id]).await?;
    Ok(())
}

async fn save(tx: &mut Tx, old_status: &str, st: &Stage) -> ApiResult<Stage> {
    tx.exec(
        "UPDATE stages SET name = $1, icon = $2, color = $3, status = $4, is_unblocker = $5 \
         WHERE project_id = $6 AND stage_id = $7",
        params![
            &st.name,
            &st.icon,
            &st.color,
            &st.status,
            st.is_unblocker,
            st.project_id,
            st.stage_id
        ],
    )
    .await?;
    if old_status != st.status {
        sync_closing(tx, st.project_id, st.stage_id, &st.status).await?;
    }
    load(tx, st.project_id, st.stage_id).await
}

/// Gets a list of the stages in the project, in display order.
#[utoipa::path(get, path = "/v0/projects/{projectId}/stages", tag = "Projects / Stages",
    params(("projectId" = i64, Path, description = "The project id.")),
    responses((status = 200, body = Vec<Stage>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn list_stages(
    State(s): State<AppState>,
    auth: Auth,
    Ids(pid): Ids<i64>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    access::member(&mut tx, &auth, pid, Scope::ProjectsRead).await?;
    let rows: Vec<Stage> = tx
        .all(
            &format!(
                "SELECT {STAGE_COLS} FROM stages s WHERE s.project_id = $1 \
                 ORDER BY s.display_order, s.stage_id"
            ),
            params![pid],
        )
        .await?;
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
    auth: Auth,
    Ids(pid): Ids<i64>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: StageValues = body.json()?;
    let mut tx = s.db.write().await?;
    admin(&mut tx, &auth, pid).await?;
    let mut c = Check::new();
    c.name("name", v.name.as_deref());
    let st = status(&mut c, v.status.as_deref()).unwrap_or_else(|| "created".into());
    c.look(v.color.as_deref(), v.icon.as_deref());
    c.finish()?;
    let id = sequences::next_id(&mut tx, pid, "stage").await?;
    let (order,): (i64,) = tx
        .one(
            "SELECT CAST(COALESCE(MAX(display_order), 0) + 1 AS BIGINT) FROM stages WHERE project_id = $1",
            params![pid],
        )
        .await?;
    let icon = v.icon.unwrap_or_else(|| default_icon(&st).to_string());
    tx.exec(
        "INSERT INTO stages (project_id, stage_id, name, icon, color, status, is_unblocker, display_order, \
         creation_date) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        params![
            pid,
            id,
            v.name.unwrap_or_default().trim(),
            icon,
            v.color,
            &st,
            v.is_unblocker.unwrap_or(false),
            order,
            model::now()
        ],
    )
    .await?;
    let stage = load(&mut tx, pid, id).await?;
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
    auth: Auth,
    Ids((pid, sid)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    access::member(&mut tx, &auth, pid, Scope::ProjectsRead).await?;
    let stage = load(&mut tx, pid, sid).await?;
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
    auth: Auth,
    Ids((pid, sid)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: StageValues = body.json()?;
    let mut tx = s.db.write().await?;
    admin(&mut tx, &auth, pid).await?;
    let cur = load(&mut tx, pid, sid).await?;
    let mut c = Check::new();
    c.name("name", v.name.as_deref());
    let st = status(&mut c, v.status.as_deref()).unwrap_or_else(|| cur.status.clone());
    c.look(v.color.as_deref(), v.icon.as_deref());
    c.finish()?;
    let old = cur.status.clone();
    let stage = save(
        &mut tx,
        &old,
        &Stage {
            name: v.name.unwrap_or_default().trim().to_string(),
            icon: Some(v.icon.unwrap_or_else(|| default_icon(&st).to_string())),
            color: v.color,
            status: st,
            is_unblocker: v.is_unblocker.unwrap_or(false),
            ..cur
        },
    )
    .await?;
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
    auth: Auth,
    Ids((pid, sid)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: PatchStageValues = body.json()?;
    let mut tx = s.db.write().await?;
    admin(&mut tx, &auth, pid).await?;
    let cur = load(&mut tx, pid, sid).await?;
    let mut c = Check::new();
    if v.name.is_some() {
        c.name("name", v.name.as_deref());
    }
    let st = status(&mut c, v.status.as_deref()).unwrap_or_else(|| cur.status.clone());
    c.look(
        v.color.clone().flatten().as_deref(),
        v.icon.clone().flatten().as_deref(),
    );
    c.finish()?;
    let old = cur.status.clone();
    let icon = match v.icon {
        None => cur.icon.clone(),
        Some(i) => Some(i.unwrap_or_else(|| default_icon(&st).to_string())),
    };
    let stage = save(
        &mut tx,
        &old,
        &Stage {
            name: v
                .name
                .map(|n| n.trim().to_string())
                .unwrap_or(cur.name.clone()),
            icon,
            color: v.color.unwrap_or(cur.color.clone()),
            status: st,
            is_unblocker: v.is_unblocker.unwrap_or(cur.is_unblocker),
            ..cur
        },
    )
    .await?;
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
    auth: Auth,
    Ids((pid, sid)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    admin(&mut tx, &auth, pid).await?;
    load(&mut tx, pid, sid).await?;
    let target: Option<(i64, String)> = tx
        .opt(
            "SELECT stage_id, status FROM stages WHERE project_id = $1 AND stage_id <> $2 \
             ORDER BY display_order, stage_id LIMIT 1",
            params![pid, sid],
        )
        .await?;
    let Some((target, target_status)) = target else {
        return Err(ApiError::conflict("The last stage can't be deleted."));
    };
    let now = model::now();
    let sql = if target_status == "closed" {
        "UPDATE work_items SET stage_id = $1, closing_date = COALESCE(closing_date, $2), update_date = $2 \
         WHERE project_id = $3 AND stage_id = $4"
    } else {
        "UPDATE work_items SET stage_id = $1, closing_date = NULL, update_date = $2 \
         WHERE project_id = $3 AND stage_id = $4"
    };
    tx.exec(sql, params![target, &now, pid, sid]).await?;
    tx.exec(
        "DELETE FROM stages WHERE project_id = $1 AND stage_id = $2",
        params![pid, sid],
    )
    .await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}
