//! Work logs: time (or points) spent on a work item. The item's logged cost is their sum. A log
//! created with a comment also posts that comment on the item, linked to the log.

use std::collections::HashMap;

use axum::extract::State;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::{Auth, Scope};
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{Ids, RawBody};
use super::reply;
use super::work_item_access as wia;
use crate::model::{self, COMMENT_MAX, Check, User};
use crate::params;
use crate::store::{DbResult, Tx, Val, placeholders};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_work_logs, create_work_log))
        .routes(routes!(get_work_log, update_work_log, delete_work_log))
}

/// Largest value one log may carry, in the project's cost unit.
const VALUE_MAX: f64 = 1e6;

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WorkLog {
    pub project_id: i64,
    pub work_item_id: i64,
    pub work_log_id: i64,
    pub user: User,
    #[serde(serialize_with = "model::num")]
    pub value: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// When the work was done.
    pub date: String,
    pub creation_date: String,
}

#[derive(sqlx::FromRow)]
struct WorkLogRow {
    project_id: i64,
    work_item_id: i64,
    work_log_id: i64,
    value: f64,
    description: Option<String>,
    date: String,
    creation_date: String,
    user_id: i64,
    username: String,
    email: String,
    name: Option<String>,
    user_creation_date: String,
}

impl From<WorkLogRow> for WorkLog {
    fn from(r: WorkLogRow) -> Self {
        WorkLog {
            project_id: r.project_id,
            work_item_id: r.work_item_id,
            work_log_id: r.work_log_id,
            user: User {
                id: r.user_id,
                username: r.username,
                email: r.email,
                name: r.name,
                creation_date: r.user_creation_date,
            },
            value: r.value,
            comment: r.description,
            date: r.date,
            creation_date: r.creation_date,
        }
    }
}

const WORK_LOG_SELECT: &str = "SELECT l.project_id, l.work_item_id, l.id AS work_log_id, l.value, l.description, \
     l.date, l.creation_date, u.id AS user_id, u.username, u.email, u.name, \
     u.creation_date AS user_creation_date FROM work_logs l JOIN users u ON u.id = l.user_id";

/// Logs by id, in one query (comments nest the log they came with).
pub async fn by_ids(tx: &mut Tx, ids: &[i64]) -> DbResult<HashMap<i64, WorkLog>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "{WORK_LOG_SELECT} WHERE l.id IN ({})",
        placeholders(1, ids.len())
    );
    let params: Vec<Val> = ids.iter().map(|i| Val::from(*i)).collect();
    let rows: Vec<WorkLogRow> = tx.all(&sql, &params).await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.work_log_id, WorkLog::from(r)))
        .collect())
}

async fn load(tx: &mut Tx, pid: i64, wid: i64, lid: i64) -> ApiResult<WorkLog> {
    let row: WorkLogRow = tx
        .opt(
            &format!(
                "{WORK_LOG_SELECT} WHERE l.project_id = $1 AND l.work_item_id = $2 AND l.id = $3"
            ),
            params![pid, wid, lid],
        )
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(row.into())
}

fn check_value(c: &mut Check, v: f64) {
    if !v.is_finite() || v <= 0.0 || v > VALUE_MAX {
        c.fail(
            "value",
            "The value must be greater than 0 and at most 1000000.",
        );
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateWorkLogValues {
    /// Required: greater than 0, at most 1,000,000, in the project's cost unit.
    pub value: Option<f64>,
    /// Also posted as a comment on the work item. Max 5000 chars.
    #[serde(alias = "description")]
    pub comment: Option<String>,
    /// When the work was done; defaults to now.
    pub date: Option<String>,
}

/// Gets the list of logs of the work item.
#[utoipa::path(get, path = "/v0/projects/{projectId}/workitems/{workItemId}/worklogs",
    tag = "Work Items / Work Logs",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id.")),
    responses((status = 200, body = Vec<WorkLog>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn list_work_logs(
    State(s): State<AppState>,
    auth: Auth,
    Ids((pid, wid)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    wia::open(&mut tx, &auth, pid, wid, Scope::WorkItemsRead).await?;
    let rows: Vec<WorkLogRow> = tx
        .all(
            &format!(
                "{WORK_LOG_SELECT} WHERE l.project_id = $1 AND l.work_item_id = $2 ORDER BY l.id"
            ),
            params![pid, wid],
        )
        .await?;
    tx.commit().await?;
    Ok(reply::ok(
        rows.into_iter().map(WorkLog::from).collect::<Vec<_>>(),
    ))
}

/// Creates a new work log (and, with a comment, a comment on the work item).
#[utoipa::path(post, path = "/v0/projects/{projectId}/workitems/{workItemId}/worklogs",
    tag = "Work Items / Work Logs",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id.")),
    request_body = CreateWorkLogValues,
    responses((status = 201, body = WorkLog), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn create_work_log(
    State(s): State<AppState>,
    auth: Auth,
    Ids((pid, wid)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: CreateWorkLogValues = body.json()?;
    let mut c = Check::new();
    match v.value {
        None => c.fail("value", "The value is required."),
        Some(x) => check_value(&mut c, x),
    }
    c.text("comment", v.comment.as_deref(), COMMENT_MAX);
    let date = c.date("date", v.date.as_deref());
    c.finish()?;
    let comment = v.comment.filter(|t| !t.trim().is_empty());

    let mut tx = s.db.write().await?;
    let (m, item) = wia::open(&mut tx, &auth, pid, wid, Scope::WorkItemsWrite).await?;
    m.require(m.can_update_category(item.category()))?;
    let now = model::now();
    let (lid,): (i64,) = tx
        .one(
            "INSERT INTO work_logs (project_id, work_item_id, user_id, value, description, date, creation_date) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            params![
                pid,
                wid,
                auth.user_id,
                v.value.unwrap_or_default(),
                &comment,
                date.unwrap_or_else(|| now.clone()),
                &now
            ],
        )
        .await?;
    if let Some(text) = &comment {
        tx.exec(
            "INSERT INTO comments (project_id, work_item_id, user_id, text, work_log_id, creation_date) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            params![pid, wid, auth.user_id, text, lid, &now],
        )
        .await?;
    }
    wia::touch(&mut tx, pid, wid).await?;
    let log = load(&mut tx, pid, wid, lid).await?;
    tx.commit().await?;
    Ok(reply::created(log))
}

/// Gets a work log by its id.
#[utoipa::path(get, path = "/v0/projects/{projectId}/workitems/{workItemId}/worklogs/{workLogId}",
    tag = "Work Items / Work Logs",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id."),
           ("workLogId" = i64, Path, description = "The work log id.")),
    responses((status = 200, body = WorkLog), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn get_work_log(
    State(s): State<AppState>,
    auth: Auth,
    Ids((pid, wid, lid)): Ids<(i64, i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    wia::open(&mut tx, &auth, pid, wid, Scope::WorkItemsRead).await?;
    let log = load(&mut tx, pid, wid, lid).await?;
    tx.commit().await?;
    Ok(reply::ok(log))
}

/// Updates the value of a work log (its author or an admin). Replies 201, as the reference says.
#[utoipa::path(put, path = "/v0/projects/{projectId}/workitems/{workItemId}/worklogs/{workLogId}",
    tag = "Work Items / Work Logs",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id."),
           ("workLogId" = i64, Path, description = "The work log id.")),
    request_body(content = f64, description = "The new value (bare number, or {\"value\": n})."),
    responses((status = 201, body = WorkLog), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn update_work_log(
    State(s): State<AppState>,
    auth: Auth,
    Ids((pid, wid, lid)): Ids<(i64, i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let value = body.number("value")?;
    let mut c = Check::new();
    check_value(&mut c, value);
    c.finish()?;
    let mut tx = s.db.write().await?;
    let (m, item) = wia::open(&mut tx, &auth, pid, wid, Scope::WorkItemsWrite).await?;
    let log = load(&mut tx, pid, wid, lid).await?;
    m.require(m.is_admin || (log.user.id == m.user_id && m.can_update_category(item.category())))?;
    tx.exec(
        "UPDATE work_logs SET value = $1 WHERE id = $2",
        params![value, lid],
    )
    .await?;
    wia::touch(&mut tx, pid, wid).await?;
    let log = load(&mut tx, pid, wid, lid).await?;
    tx.commit().await?;
    Ok(reply::created(log))
}

/// Deletes the work log (its author or an admin). A comment posted with it stays.
#[utoipa::path(delete, path = "/v0/projects/{projectId}/workitems/{workItemId}/worklogs/{workLogId}",
    tag = "Work Items / Work Logs",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id."),
           ("workLogId" = i64, Path, description = "The work log id.")),
    responses((status = 200, description = "Deleted (empty body)"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn delete_work_log(
    State(s): State<AppState>,
    auth: Auth,
    Ids((pid, wid, lid)): Ids<(i64, i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    let (m, item) = wia::open(&mut tx, &auth, pid, wid, Scope::WorkItemsWrite).await?;
    let log = load(&mut tx, pid, wid, lid).await?;
    m.require(m.is_admin || (log.user.id == m.user_id && m.can_update_category(item.category())))?;
    // Explicit rather than relying on ON DELETE SET NULL being enforced.
    tx.exec(
        "UPDATE comments SET work_log_id = NULL WHERE work_log_id = $1",
        params![lid],
    )
    .await?;
    tx.exec("DELETE FROM work_logs WHERE id = $1", params![lid])
        .await?;
    wia::touch(&mut tx, pid, wid).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}
