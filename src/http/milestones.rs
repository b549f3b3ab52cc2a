//! Milestones: CRUD (with their boards), closure and metrics.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::{Auth, Scope};
use super::boards::{MetricsQuery, boards_of, date_order, patch_date, remove_boards};
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{Ids, Q, RawBody, flag};
use super::reply;
use crate::model::{self, Check, MILESTONE_SELECT, Metrics, Milestone, MilestoneRow, TEXT_MAX};
use crate::ops::Actor;
use crate::ops::access;
use crate::ops::access::admin;
use crate::ops::closure::{self, Closable};
use crate::params;
use crate::store::Tx;
use crate::store::metrics::{self, MetricsScope};

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

/// POST and PUT: every editable field; on PUT omitted optionals become null. Unknown fields
/// (`description`, `endDate`, which clients send) are ignored.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MilestoneValues {
    /// Required.
    pub name: Option<String>,
    pub start_date: Option<String>,
    pub due_date: Option<String>,
    pub general_info: Option<String>,
}

/// PATCH: only the fields present change; `null` clears a nullable field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PatchMilestoneValues {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub start_date: Option<Option<String>>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub due_date: Option<Option<String>>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub general_info: Option<Option<String>>,
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

/// The milestone with its boards.
async fn load(tx: &mut Tx, pid: i64, mid: i64) -> ApiResult<Milestone> {
    let mut m: Milestone = tx
        .opt::<MilestoneRow>(
            &format!("{MILESTONE_SELECT} WHERE m.project_id = $1 AND m.id = $2"),
            params![pid, mid],
        )
        .await?
        .map(Milestone::from)
        .ok_or(ApiError::NotFound)?;
    m.boards = Some(boards_of(tx, pid, Some(mid)).await?);
    Ok(m)
}

/// Gets the list of milestones in the project.
#[utoipa::path(get, path = "/v0/projects/{projectId}/milestones", tag = "Milestones",
    params(("projectId" = i64, Path, description = "The project id."), ListQuery),
    responses((status = 200, body = Vec<Milestone>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn list_milestones(
    State(s): State<AppState>,
    auth: Auth,
    Ids(pid): Ids<i64>,
    Q(q): Q<ListQuery>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    access::member(&mut tx, &auth, pid, Scope::ProjectsRead).await?;
    let open_only = if q.include_closed == Some(true) {
        ""
    } else {
        " AND m.closing_date IS NULL"
    };
    let rows: Vec<MilestoneRow> = tx
        .all(
            &format!("{MILESTONE_SELECT} WHERE m.project_id = $1{open_only} ORDER BY m.id"),
            params![pid],
        )
        .await?;
    let mut list: Vec<Milestone> = rows.into_iter().map(Milestone::from).collect();
    if q.include_boards == Some(true) {
        // One query for the boards of every milestone.
        let boards = boards_of(&mut tx, pid, None).await?;
        for m in &mut list {
            m.boards = Some(
                boards
                    .iter()
                    .filter(|b| b.milestone_id == Some(m.milestone_id))
                    .cloned()
                    .collect(),
            );
        }
    }
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
    auth: Auth,
    Ids(pid): Ids<i64>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: MilestoneValues = body.json()?;
    let mut tx = s.db.write().await?;
    admin(&mut tx, &auth, pid).await?;
    let mut c = Check::new();
    c.name("name", v.name.as_deref());
    c.text("generalInfo", v.general_info.as_deref(), TEXT_MAX);
    let start = c.date("startDate", v.start_date.as_deref());
    let due = c.date("dueDate", v.due_date.as_deref());
    date_order(&mut c, start.as_deref(), due.as_deref());
    c.finish()?;
    let (id,): (i64,) = tx
        .one(
            "INSERT INTO milestones (project_id, name, general_info, start_date, due_date, creation_date, creator_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            params![
                pid,
                v.name.unwrap_or_default().trim(),
                v.general_info,
                start,
                due,
                model::now(),
                auth.user_id
            ],
        )
        .await?;
    let m = load(&mut tx, pid, id).await?;
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
    auth: Auth,
    Ids((pid, mid)): Ids<(i64, i64)>,
    Q(_q): Q<GetQuery>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    access::member(&mut tx, &auth, pid, Scope::ProjectsRead).await?;
    let m = load(&mut tx, pid, mid).await?;
    tx.commit().await?;
    Ok(reply::ok(m))
}

async fn save(
    tx: &mut Tx,
    pid: i64,
    mid: i64,
    name: String,
    general_info: Option<String>,
    start: Option<String>,
    due: Option<String>,
) -> ApiResult<Milestone> {
    tx.exec(
        "UPDATE milestones SET name = $1, general_info = $2, start_date = $3, due_date = $4 \
         WHERE id = $5 AND project_id = $6",
        params![name, general_info, start, due, mid, pid],
    )
    .await?;
    load(tx, pid, mid).await
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
    auth: Auth,
    Ids((pid, mid)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: MilestoneValues = body.json()?;
    let mut tx = s.db.write().await?;
    admin(&mut tx, &auth, pid).await?;
    let cur = load(&mut tx, pid, mid).await?;
    access::require_open_milestone(cur.closing_date.as_deref())?;
    let mut c = Check::new();
    c.name("name", v.name.as_deref());
    c.text("generalInfo", v.general_info.as_deref(), TEXT_MAX);
    let start = c.date("startDate", v.start_date.as_deref());
    let due = c.date("dueDate", v.due_date.as_deref());
    date_order(&mut c, start.as_deref(), due.as_deref());
    c.finish()?;
    let name = v.name.unwrap_or_default().trim().to_string();
    let m = save(&mut tx, pid, mid, name, v.general_info, start, due).await?;
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
    auth: Auth,
    Ids((pid, mid)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: PatchMilestoneValues = body.json()?;
    let mut tx = s.db.write().await?;
    admin(&mut tx, &auth, pid).await?;
    let cur = load(&mut tx, pid, mid).await?;
    access::require_open_milestone(cur.closing_date.as_deref())?;
    let mut c = Check::new();
    if v.name.is_some() {
        c.name("name", v.name.as_deref());
    }
    let general_info = v.general_info.unwrap_or(cur.general_info);
    c.text("generalInfo", general_info.as_deref(), TEXT_MAX);
    let start = patch_date(&mut c, "startDate", v.start_date, cur.start_date);
    let due = patch_date(&mut c, "dueDate", v.due_date, cur.due_date);
    date_order(&mut c, start.as_deref(), due.as_deref());
    c.finish()?;
    let name = v.name.map(|n| n.trim().to_string()).unwrap_or(cur.name);
    let m = save(&mut tx, pid, mid, name, general_info, start, due).await?;
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
    auth: Auth,
    Ids((pid, mid)): Ids<(i64, i64)>,
    Q(q): Q<DeleteQuery>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    admin(&mut tx, &auth, pid).await?;
    let m = load(&mut tx, pid, mid).await?;
    if q.delete_boards == Some(true) {
        let ids: Vec<i64> = m
            .boards
            .unwrap_or_default()
            .iter()
            .map(|b| b.board_id)
            .collect();
        remove_boards(&mut tx, pid, &ids, q.delete_work_items == Some(true)).await?;
    } else {
        tx.exec(
            "UPDATE boards SET milestone_id = NULL WHERE project_id = $1 AND milestone_id = $2",
            params![pid, mid],
        )
        .await?;
    }
    tx.exec(
        "DELETE FROM milestones WHERE id = $1 AND project_id = $2",
        params![mid, pid],
    )
    .await?;
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
    auth: Auth,
    Ids((pid, mid)): Ids<(i64, i64)>,
    Q(q): Q<MetricsQuery>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let member = access::member(&mut tx, &auth, pid, Scope::ProjectsRead).await?;
    if !tx
        .exists(
            "SELECT id FROM milestones WHERE id = $1 AND project_id = $2",
            params![mid, pid],
        )
        .await?
    {
        return Err(ApiError::NotFound);
    }
    let scope = MetricsScope::Milestone {
        milestone_id: mid,
        user_id: q.user_id,
    };
    let out = metrics::compute(&mut tx, pid, &scope, |c| member.can_read_category(Some(c))).await?;
    tx.commit().await?;
    Ok(reply::ok(out))
}
