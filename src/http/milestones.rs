//! Milestones: the HTTP side of `ops::milestones` and of milestone closure (`ops::closure`).

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::boards::MetricsQuery;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Ids, Q, RawBody, flag};
use super::reply;
use crate::model::{Metrics, Milestone};
use crate::ops::Actor;
use crate::ops::closure::{self, Closable};
use crate::ops::milestones::{self, DeleteMilestone, MilestoneValues, PatchMilestoneValues};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_milestones, create_milestone))
        .routes(routes!(
            get_milestone,
            update_milestone,
            patch_milestone,
            delete_milestone
        ))
        .routes(routes!(close_milestone, reopen_milestone))
        .routes(routes!(milestone_metrics))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Nest each milestone's boards (default false).
    #[serde(default, deserialize_with = "flag")]
    #[param(value_type = Option<bool>)]
    include_boards: Option<bool>,
    /// Include closed milestones (default false).
    #[serde(default, deserialize_with = "flag")]
    #[param(value_type = Option<bool>)]
    include_closed: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct GetQuery {
    /// Accepted for compatibility: a single milestone always carries its boards.
    #[serde(default, deserialize_with = "flag")]
    #[param(value_type = Option<bool>)]
    #[allow(dead_code)]
    include_boards: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct DeleteQuery {
    /// Delete the milestone's boards too (default false: they stay, without milestone).
    #[serde(default, deserialize_with = "flag")]
    #[param(value_type = Option<bool>)]
    delete_boards: Option<bool>,
    /// With `deleteBoards`, delete the boards' work items instead of moving them to the backlog
    /// (default false).
    #[serde(default, deserialize_with = "flag")]
    #[param(value_type = Option<bool>)]
    delete_work_items: Option<bool>,
}

/// Gets the list of milestones in the project.
#[utoipa::path(get, path = "/v0/projects/{projectId}/milestones", tag = "Milestones",
    params(("projectId" = i64, Path, description = "The project id."), ListQuery),
    responses((status = 200, body = Vec<Milestone>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn list_milestones(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
    Q(q): Q<ListQuery>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let list = milestones::list(
        &mut tx,
        &actor,
        pid,
        q.include_closed == Some(true),
        q.include_boards == Some(true),
    )
    .await?;
    tx.commit().await?;
    Ok(reply::ok(list))
}

/// [ADMIN] Creates a new milestone.
#[utoipa::path(post, path = "/v0/projects/{projectId}/milestones", tag = "Milestones",
    params(("projectId" = i64, Path, description = "The project id.")),
    request_body = MilestoneValues,
    responses((status = 201, body = Milestone), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn create_milestone(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: MilestoneValues = body.json()?;
    let mut tx = s.db.write().await?;
    let m = milestones::create(&mut tx, &actor, pid, v).await?;
    tx.commit().await?;
    Ok(reply::created(m))
}

/// Gets a milestone, with its boards.
#[utoipa::path(get, path = "/v0/projects/{projectId}/milestones/{milestoneId}", tag = "Milestones",
    params(("projectId" = i64, Path, description = "The project id."),
           ("milestoneId" = i64, Path, description = "The milestone id."), GetQuery),
    responses((status = 200, body = Milestone), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn get_milestone(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, mid)): Ids<(i64, i64)>,
    Q(_q): Q<GetQuery>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let m = milestones::get(&mut tx, &actor, pid, mid).await?;
    tx.commit().await?;
    Ok(reply::ok(m))
}

/// [ADMIN] Updates the milestone: every field is replaced; omitted optionals become null.
#[utoipa::path(put, path = "/v0/projects/{projectId}/milestones/{milestoneId}", tag = "Milestones",
    params(("projectId" = i64, Path, description = "The project id."),
           ("milestoneId" = i64, Path, description = "The milestone id.")),
    request_body = MilestoneValues,
    responses((status = 200, body = Milestone), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn update_milestone(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, mid)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: MilestoneValues = body.json()?;
    let mut tx = s.db.write().await?;
    let m = milestones::update(&mut tx, &actor, pid, mid, v).await?;
    tx.commit().await?;
    Ok(reply::ok(m))
}

/// [ADMIN] Updates the milestone partially.
#[utoipa::path(patch, path = "/v0/projects/{projectId}/milestones/{milestoneId}", tag = "Milestones",
    params(("projectId" = i64, Path, description = "The project id."),
           ("milestoneId" = i64, Path, description = "The milestone id.")),
    request_body = PatchMilestoneValues,
    responses((status = 200, body = Milestone), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn patch_milestone(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, mid)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: PatchMilestoneValues = body.json()?;
    let mut tx = s.db.write().await?;
    let m = milestones::patch(&mut tx, &actor, pid, mid, v).await?;
    tx.commit().await?;
    Ok(reply::ok(m))
}

/// [ADMIN] Deletes the milestone. Its boards stay (without milestone) unless `deleteBoards=true`;
/// deleted boards' work items go to the backlog unless `deleteWorkItems=true`.
#[utoipa::path(delete, path = "/v0/projects/{projectId}/milestones/{milestoneId}", tag = "Milestones",
    params(("projectId" = i64, Path, description = "The project id."),
           ("milestoneId" = i64, Path, description = "The milestone id."), DeleteQuery),
    responses((status = 200, description = "Deleted (empty body)"), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn delete_milestone(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, mid)): Ids<(i64, i64)>,
    Q(q): Q<DeleteQuery>,
) -> ApiResult<Response> {
    let how = DeleteMilestone {
        delete_boards: q.delete_boards == Some(true),
        delete_work_items: q.delete_work_items == Some(true),
    };
    let mut tx = s.db.write().await?;
    milestones::delete(&mut tx, &actor, pid, mid, how).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}

/// [ADMIN] Closes the milestone (body: a closeMilestoneValues object, `{}` is fine).
#[utoipa::path(post, path = "/v0/projects/{projectId}/milestones/{milestoneId}/closure", tag = "Milestones",
    params(("projectId" = i64, Path, description = "The project id."),
           ("milestoneId" = i64, Path, description = "The milestone id.")),
    request_body(content = Object, description = "closeMilestoneValues: a JSON object, possibly `{}`."),
    responses((status = 200, description = "Closed (empty body)"), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found"),
              (status = 409, body = ErrorBody, description = "The milestone is already closed.")))]
async fn close_milestone(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, mid)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let _: Map<String, Value> = body.json()?;
    let mut tx = s.db.write().await?;
    closure::close(&mut tx, &actor, Closable::Milestone, pid, mid).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}

/// [ADMIN] Reopens the milestone.
#[utoipa::path(delete, path = "/v0/projects/{projectId}/milestones/{milestoneId}/closure", tag = "Milestones",
    params(("projectId" = i64, Path, description = "The project id."),
           ("milestoneId" = i64, Path, description = "The milestone id.")),
    responses((status = 200, description = "Reopened (empty body)"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found"),
              (status = 409, body = ErrorBody, description = "The milestone is already open.")))]
async fn reopen_milestone(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, mid)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    closure::reopen(&mut tx, &actor, Closable::Milestone, pid, mid).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}

/// Gets the milestone metrics: the work items on its boards (optionally only those assigned
/// to `userId`).
#[utoipa::path(get, path = "/v0/projects/{projectId}/milestones/{milestoneId}/metrics", tag = "Milestones",
    params(("projectId" = i64, Path, description = "The project id."),
           ("milestoneId" = i64, Path, description = "The milestone id."), MetricsQuery),
    responses((status = 200, body = Metrics), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn milestone_metrics(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, mid)): Ids<(i64, i64)>,
    Q(q): Q<MetricsQuery>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let out = milestones::metrics(&mut tx, &actor, pid, mid, q.user_id).await?;
    tx.commit().await?;
    Ok(reply::ok(out))
}
