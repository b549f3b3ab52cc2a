//! Work logs of a work item: the HTTP side of `ops::work_logs`.

use axum::extract::State;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Ids, RawBody};
use super::reply;
use crate::model::WorkLog;
use crate::ops::Actor;
use crate::ops::work_logs::{self, CreateWorkLogValues};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_work_logs, create_work_log))
        .routes(routes!(get_work_log, update_work_log, delete_work_log))
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
    actor: Actor,
    Ids((pid, wid)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let logs = work_logs::list(&mut tx, &actor, pid, wid).await?;
    tx.commit().await?;
    Ok(reply::ok(logs))
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
    actor: Actor,
    Ids((pid, wid)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: CreateWorkLogValues = body.json()?;
    let mut tx = s.db.write().await?;
    let log = work_logs::create(&mut tx, &actor, pid, wid, v).await?;
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
    actor: Actor,
    Ids((pid, wid, lid)): Ids<(i64, i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let log = work_logs::get(&mut tx, &actor, pid, wid, lid).await?;
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
    actor: Actor,
    Ids((pid, wid, lid)): Ids<(i64, i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let value = body.number("value")?;
    let mut tx = s.db.write().await?;
    let log = work_logs::update(&mut tx, &actor, pid, wid, lid, value).await?;
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
    actor: Actor,
    Ids((pid, wid, lid)): Ids<(i64, i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    work_logs::delete(&mut tx, &actor, pid, wid, lid).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}
