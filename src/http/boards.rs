//! Boards: CRUD, closure, metrics and the project's default board.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::{Auth, Scope};
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{Ids, Q, RawBody, flag};
use super::reply;
use crate::model::{self, BOARD_SELECT, Board, BoardRow, Check, Metrics, TEXT_MAX};
use crate::ops::Actor;
use crate::ops::access;
use crate::ops::access::admin;
use crate::ops::closure::{self, Closable};
use crate::params;
use crate::store::metrics::{self, MetricsScope};
use crate::store::{Tx, Val, placeholders};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_boards, create_board))
        .routes(routes!(set_default_board, clear_default_board))
        .routes(routes!(get_board, update_board, patch_board, delete_board))
        .routes(routes!(close_board, reopen_board))
        .routes(routes!(board_metrics))
}

/// POST and PUT: every editable field; on PUT omitted optionals become null.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BoardValues {
    /// Required.
    pub name: Option<String>,
    /// A milestone of the project; absent, null or 0 = none.
    pub milestone_id: Option<i64>,
    pub description: Option<String>,
    pub general_info: Option<String>,
    pub start_date: Option<String>,
    pub due_date: Option<String>,
}

/// PATCH: only the fields present change; `null` clears a nullable field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PatchBoardValues {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<i64>)]
    pub milestone_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub general_info: Option<Option<String>>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub start_date: Option<Option<String>>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub due_date: Option<Option<String>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Include closed boards (default false).
    #[serde(default, deserialize_with = "flag")]
    #[param(value_type = Option<bool>)]
    include_closed: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct DeleteQuery {
    /// Delete the board's work items instead of moving them to the backlog (default false).
    #[serde(default, deserialize_with = "flag")]
    #[param(value_type = Option<bool>)]
    remove_work_items: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(super) struct MetricsQuery {
    /// Count only the work items assigned to this user.
    pub user_id: Option<i64>,
}

async fn load(tx: &mut Tx, pid: i64, bid: i64) -> ApiResult<Board> {
    tx.opt::<BoardRow>(
        &format!("{BOARD_SELECT} WHERE b.project_id = $1 AND b.id = $2"),
        params![pid, bid],
    )
    .await?
    .map(Board::from)
    .ok_or(ApiError::NotFound)
}

/// Boards of the project, optionally only those of one milestone or of any milestone.
pub(super) async fn boards_of(
    tx: &mut Tx,
    pid: i64,
    milestone: Option<i64>,
) -> ApiResult<Vec<Board>> {
    let rows: Vec<BoardRow> = match milestone {
        Some(m) => {
            tx.all(
                &format!("{BOARD_SELECT} WHERE b.project_id = $1 AND b.milestone_id = $2 ORDER BY b.id"),
                params![pid, m],
            )
            .await?
        }
        None => {
            tx.all(
                &format!("{BOARD_SELECT} WHERE b.project_id = $1 AND b.milestone_id IS NOT NULL ORDER BY b.id"),
                params![pid],
            )
            .await?
        }
    };
    Ok(rows.into_iter().map(Board::from).collect())
}

/// A date of a PATCH body: absent keeps `cur`, null clears, a value is parsed.
pub(super) fn patch_date(
    c: &mut Check,
    field: &str,
    v: Option<Option<String>>,
    cur: Option<String>,
) -> Option<String> {
    match v {
        None => cur,
        Some(None) => None,
        Some(Some(s)) => c.date(field, Some(&s)),
    }
}

/// The due date may not come before the start date.
pub(super) fn date_order(c: &mut Check, start: Option<&str>, due: Option<&str>) {
    c.date_order(start, due);
}

/// `milestoneId` must name a milestone of the project (0 = none). A board can't be put into a
/// closed milestone (one already there may stay: `current`).
async fn milestone(
    tx: &mut Tx,
    c: &mut Check,
    pid: i64,
    id: Option<i64>,
    current: Option<i64>,
) -> ApiResult<Option<i64>> {
    match id {
        None | Some(0) => Ok(None),
        Some(m) => {
            let row: Option<(Option<String>,)> = tx
                .opt(
                    "SELECT closing_date FROM milestones WHERE id = $1 AND project_id = $2",
                    params![m, pid],
                )
                .await?;
            match row {
                None => c.fail("milestoneId", "The milestone does not exist."),
                Some((Some(_),)) if current != Some(m) => {
                    c.fail("milestoneId", "The milestone is closed.")
                }
                Some(_) => return Ok(Some(m)),
            }
            Ok(None)
        }
    }
}

/// Deletes boards; their work items are deleted (`delete_items`) or moved to the backlog.
/// A milestone may hold any number of boards: they go in chunks, so no statement carries more
/// bound parameters than both backends accept.
pub(super) async fn remove_boards(
    tx: &mut Tx,
    pid: i64,
    ids: &[i64],
    delete_items: bool,
) -> ApiResult<()> {
    for chunk in ids.chunks(500) {
        remove_board_chunk(tx, pid, chunk, delete_items).await?;
    }
    Ok(())
}

async fn remove_board_chunk(
    tx: &mut Tx,
    pid: i64,
    ids: &[i64],
    delete_items: bool,
) -> ApiResult<()> {
    let list = placeholders(2, ids.len());
    let mut p: Vec<Val> = vec![pid.into()];
    p.extend(ids.iter().map(|i| Val::from(*i)));
    if delete_items {
        // Children of a deleted story stay, without a parent.
        tx.exec(
            &format!(
                "UPDATE work_items SET parent_story_id = NULL WHERE project_id = $1 AND parent_story_id IN \
                 (SELECT w.work_item_id FROM work_items w WHERE w.project_id = $1 AND w.board_id IN ({list}))"
            ),
            &p,
        )
        .await?;
        tx.exec(
            &format!("DELETE FROM work_items WHERE project_id = $1 AND board_id IN ({list})"),
            &p,
        )
        .await?;
    } else {
        // Appended after the backlog's items, so its positions stay dense.
        crate::store::work_items::move_boards_to_backlog(tx, pid, ids, &model::now()).await?;
    }
    tx.exec(
        &format!("UPDATE projects SET default_board_id = NULL WHERE id = $1 AND default_board_id IN ({list})"),
        &p,
    )
    .await?;
    tx.exec(
        &format!("DELETE FROM boards WHERE project_id = $1 AND id IN ({list})"),
        &p,
    )
    .await?;
    Ok(())
}

/// Gets the list of boards in the project.
#[utoipa::path(get, path = "/v0/projects/{projectId}/boards", tag = "Boards",
    params(("projectId" = i64, Path, description = "The project id."), ListQuery),
    responses((status = 200, body = Vec<Board>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn list_boards(
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
        " AND b.closing_date IS NULL"
    };
    let rows: Vec<BoardRow> = tx
        .all(
            &format!("{BOARD_SELECT} WHERE b.project_id = $1{open_only} ORDER BY b.id"),
            params![pid],
        )
        .await?;
    tx.commit().await?;
    Ok(reply::ok(
        rows.into_iter().map(Board::from).collect::<Vec<_>>(),
    ))
}

/// [ADMIN] Creates a new board.
#[utoipa::path(post, path = "/v0/projects/{projectId}/boards", tag = "Boards",
    params(("projectId" = i64, Path, description = "The project id.")),
    request_body = BoardValues,
    responses((status = 201, body = Board), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn create_board(
    State(s): State<AppState>,
    auth: Auth,
    Ids(pid): Ids<i64>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: BoardValues = body.json()?;
    let mut tx = s.db.write().await?;
    admin(&mut tx, &auth, pid).await?;
    let mut c = Check::new();
    c.name("name", v.name.as_deref());
    c.text("description", v.description.as_deref(), TEXT_MAX);
    c.text("generalInfo", v.general_info.as_deref(), TEXT_MAX);
    let start = c.date("startDate", v.start_date.as_deref());
    let due = c.date("dueDate", v.due_date.as_deref());
    date_order(&mut c, start.as_deref(), due.as_deref());
    let mid = milestone(&mut tx, &mut c, pid, v.milestone_id, None).await?;
    c.finish()?;
    let (id,): (i64,) = tx
        .one(
            "INSERT INTO boards (project_id, milestone_id, name, description, general_info, start_date, due_date, \
             creation_date, creator_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            params![
                pid,
                mid,
                v.name.unwrap_or_default().trim(),
                v.description,
                v.general_info,
                start,
                due,
                model::now(),
                auth.user_id
            ],
        )
        .await?;
    let b = load(&mut tx, pid, id).await?;
    tx.commit().await?;
    Ok(reply::created(b))
}

/// Gets a board.
#[utoipa::path(get, path = "/v0/projects/{projectId}/boards/{boardId}", tag = "Boards",
    params(("projectId" = i64, Path, description = "The project id."),
           ("boardId" = i64, Path, description = "The board id.")),
    responses((status = 200, body = Board), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn get_board(
    State(s): State<AppState>,
    auth: Auth,
    Ids((pid, bid)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    access::member(&mut tx, &auth, pid, Scope::ProjectsRead).await?;
    let b = load(&mut tx, pid, bid).await?;
    tx.commit().await?;
    Ok(reply::ok(b))
}

struct BoardUpdate {
    name: String,
    milestone_id: Option<i64>,
    description: Option<String>,
    general_info: Option<String>,
    start_date: Option<String>,
    due_date: Option<String>,
}

async fn save(tx: &mut Tx, pid: i64, bid: i64, u: BoardUpdate) -> ApiResult<Board> {
    tx.exec(
        "UPDATE boards SET name = $1, milestone_id = $2, description = $3, general_info = $4, \
         start_date = $5, due_date = $6 WHERE id = $7 AND project_id = $8",
        params![
            u.name,
            u.milestone_id,
            u.description,
            u.general_info,
            u.start_date,
            u.due_date,
            bid,
            pid
        ],
    )
    .await?;
    load(tx, pid, bid).await
}

/// [ADMIN] Updates the board: every field is replaced; omitted optionals become null.
#[utoipa::path(put, path = "/v0/projects/{projectId}/boards/{boardId}", tag = "Boards",
    params(("projectId" = i64, Path, description = "The project id."),
           ("boardId" = i64, Path, description = "The board id.")),
    request_body = BoardValues,
    responses((status = 200, body = Board), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn update_board(
    State(s): State<AppState>,
    auth: Auth,
    Ids((pid, bid)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: BoardValues = body.json()?;
    let mut tx = s.db.write().await?;
    admin(&mut tx, &auth, pid).await?;
    let cur = load(&mut tx, pid, bid).await?;
    access::require_open_board(&mut tx, pid, Some(bid)).await?;
    let mut c = Check::new();
    c.name("name", v.name.as_deref());
    c.text("description", v.description.as_deref(), TEXT_MAX);
    c.text("generalInfo", v.general_info.as_deref(), TEXT_MAX);
    let start = c.date("startDate", v.start_date.as_deref());
    let due = c.date("dueDate", v.due_date.as_deref());
    date_order(&mut c, start.as_deref(), due.as_deref());
    let mid = milestone(&mut tx, &mut c, pid, v.milestone_id, cur.milestone_id).await?;
    c.finish()?;
    let b = save(
        &mut tx,
        pid,
        bid,
        BoardUpdate {
            name: v.name.unwrap_or_default().trim().to_string(),
            milestone_id: mid,
            description: v.description,
            general_info: v.general_info,
            start_date: start,
            due_date: due,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(reply::ok(b))
}

/// [ADMIN] Updates the board partially.
#[utoipa::path(patch, path = "/v0/projects/{projectId}/boards/{boardId}", tag = "Boards",
    params(("projectId" = i64, Path, description = "The project id."),
           ("boardId" = i64, Path, description = "The board id.")),
    request_body = PatchBoardValues,
    responses((status = 200, body = Board), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn patch_board(
    State(s): State<AppState>,
    auth: Auth,
    Ids((pid, bid)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: PatchBoardValues = body.json()?;
    let mut tx = s.db.write().await?;
    admin(&mut tx, &auth, pid).await?;
    let cur = load(&mut tx, pid, bid).await?;
    access::require_open_board(&mut tx, pid, Some(bid)).await?;
    let mut c = Check::new();
    if v.name.is_some() {
        c.name("name", v.name.as_deref());
    }
    let description = v.description.unwrap_or(cur.description);
    let general_info = v.general_info.unwrap_or(cur.general_info);
    c.text("description", description.as_deref(), TEXT_MAX);
    c.text("generalInfo", general_info.as_deref(), TEXT_MAX);
    let start = patch_date(&mut c, "startDate", v.start_date, cur.start_date);
    let due = patch_date(&mut c, "dueDate", v.due_date, cur.due_date);
    date_order(&mut c, start.as_deref(), due.as_deref());
    let mid = match v.milestone_id {
        None => cur.milestone_id,
        Some(m) => milestone(&mut tx, &mut c, pid, m, cur.milestone_id).await?,
    };
    c.finish()?;
    let b = save(
        &mut tx,
        pid,
        bid,
        BoardUpdate {
            name: v.name.map(|n| n.trim().to_string()).unwrap_or(cur.name),
            milestone_id: mid,
            description,
            general_info,
            start_date: start,
            due_date: due,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(reply::ok(b))
}

/// [ADMIN] Deletes the board; its work items go to the backlog unless `removeWorkItems=true`.
#[utoipa::path(delete, path = "/v0/projects/{projectId}/boards/{boardId}", tag = "Boards",
    params(("projectId" = i64, Path, description = "The project id."),
           ("boardId" = i64, Path, description = "The board id."), DeleteQuery),
    responses((status = 200, description = "Deleted (empty body)"), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn delete_board(
    State(s): State<AppState>,
    auth: Auth,
    Ids((pid, bid)): Ids<(i64, i64)>,
    Q(q): Q<DeleteQuery>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    admin(&mut tx, &auth, pid).await?;
    load(&mut tx, pid, bid).await?;
    remove_boards(&mut tx, pid, &[bid], q.remove_work_items == Some(true)).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}

/// [ADMIN] Closes the board (body: a closeBoardValues object, `{}` is fine). A closed board
/// stops being the default board.
#[utoipa::path(post, path = "/v0/projects/{projectId}/boards/{boardId}/closure", tag = "Boards",
    params(("projectId" = i64, Path, description = "The project id."),
           ("boardId" = i64, Path, description = "The board id.")),
    request_body(content = Object, description = "closeBoardValues: a JSON object, possibly `{}`."),
    responses((status = 200, description = "Closed (empty body)"), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found"),
              (status = 409, body = ErrorBody, description = "The board is already closed.")))]
async fn close_board(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, bid)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let _: Map<String, Value> = body.json()?;
    let mut tx = s.db.write().await?;
    closure::close(&mut tx, &actor, Closable::Board, pid, bid).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}

/// [ADMIN] Reopens the board.
#[utoipa::path(delete, path = "/v0/projects/{projectId}/boards/{boardId}/closure", tag = "Boards",
    params(("projectId" = i64, Path, description = "The project id."),
           ("boardId" = i64, Path, description = "The board id.")),
    responses((status = 200, description = "Reopened (empty body)"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found"),
              (status = 409, body = ErrorBody, description = "The board is already open.")))]
async fn reopen_board(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, bid)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    closure::reopen(&mut tx, &actor, Closable::Board, pid, bid).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}

/// Gets the board metrics (optionally only the work items assigned to `userId`).
#[utoipa::path(get, path = "/v0/projects/{projectId}/boards/{boardId}/metrics", tag = "Boards",
    params(("projectId" = i64, Path, description = "The project id."),
           ("boardId" = i64, Path, description = "The board id."), MetricsQuery),
    responses((status = 200, body = Metrics), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn board_metrics(
    State(s): State<AppState>,
    auth: Auth,
    Ids((pid, bid)): Ids<(i64, i64)>,
    Q(q): Q<MetricsQuery>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let m = access::member(&mut tx, &auth, pid, Scope::ProjectsRead).await?;
    load(&mut tx, pid, bid).await?;
    let scope = MetricsScope::Board {
        board_id: bid,
        user_id: q.user_id,
    };
    let out = metrics::compute(&mut tx, pid, &scope, |c| m.can_read_category(Some(c))).await?;
    tx.commit().await?;
    Ok(reply::ok(out))
}

/// [ADMIN] Sets the default board of the project (body: bare int boardId, or `{"boardId": n}`).
#[utoipa::path(post, path = "/v0/projects/{projectId}/boards/default", tag = "Boards",
    params(("projectId" = i64, Path, description = "The project id.")),
    request_body(content = i64, description = "The board id (bare integer, or {\"boardId\": n})."),
    responses((status = 200, description = "Set (empty body)"), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Project or board not found"),
              (status = 409, body = ErrorBody, description = "The board is closed.")))]
async fn set_default_board(
    State(s): State<AppState>,
    auth: Auth,
    Ids(pid): Ids<i64>,
    body: RawBody,
) -> ApiResult<Response> {
    let bid = body.int("boardId")?;
    let mut tx = s.db.write().await?;
    admin(&mut tx, &auth, pid).await?;
    if load(&mut tx, pid, bid).await?.closing_date.is_some() {
        return Err(ApiError::conflict("The board is closed."));
    }
    tx.exec(
        "UPDATE projects SET default_board_id = $1 WHERE id = $2",
        params![bid, pid],
    )
    .await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}

/// [ADMIN] Clears the default board of the project.
#[utoipa::path(delete, path = "/v0/projects/{projectId}/boards/default", tag = "Boards",
    params(("projectId" = i64, Path, description = "The project id.")),
    responses((status = 200, description = "Cleared (empty body)"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn clear_default_board(
    State(s): State<AppState>,
    auth: Auth,
    Ids(pid): Ids<i64>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    admin(&mut tx, &auth, pid).await?;
    tx.exec(
        "UPDATE projects SET default_board_id = NULL WHERE id = $1",
        params![pid],
    )
    .await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}
