//! Boards: the HTTP side of `ops::boards` and of board closure (`ops::closure`).

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Ids, Q, RawBody, flag};
use super::reply;
use crate::model::{Board, Metrics};
use crate::ops::Actor;
use crate::ops::boards::{self, BoardValues, PatchBoardValues};
use crate::ops::closure::{self, Closable};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_boards, create_board))
        .routes(routes!(set_default_board, clear_default_board))
        .routes(routes!(get_board, update_board, patch_board, delete_board))
        .routes(routes!(close_board, reopen_board))
        .routes(routes!(board_metrics))
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

/// Gets the list of boards in the project.
#[utoipa::path(get, path = "/v0/projects/{projectId}/boards", tag = "Boards",
    params(("projectId" = i64, Path, description = "The project id."), ListQuery),
    responses((status = 200, body = Vec<Board>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn list_boards(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
    Q(q): Q<ListQuery>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let list = boards::list(&mut tx, &actor, pid, q.include_closed == Some(true)).await?;
    tx.commit().await?;
    Ok(reply::ok(list))
}

/// [ADMIN] Creates a new board.
#[utoipa::path(post, path = "/v0/projects/{projectId}/boards", tag = "Boards",
    params(("projectId" = i64, Path, description = "The project id.")),
    request_body = BoardValues,
    responses((status = 201, body = Board), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn create_board(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: BoardValues = body.json()?;
    let mut tx = s.db.write().await?;
    let b = boards::create(&mut tx, &actor, pid, v).await?;
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
    actor: Actor,
    Ids((pid, bid)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let b = boards::get(&mut tx, &actor, pid, bid).await?;
    tx.commit().await?;
    Ok(reply::ok(b))
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
    actor: Actor,
    Ids((pid, bid)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: BoardValues = body.json()?;
    let mut tx = s.db.write().await?;
    let b = boards::update(&mut tx, &actor, pid, bid, v).await?;
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
    actor: Actor,
    Ids((pid, bid)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: PatchBoardValues = body.json()?;
    let mut tx = s.db.write().await?;
    let b = boards::patch(&mut tx, &actor, pid, bid, v).await?;
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
    actor: Actor,
    Ids((pid, bid)): Ids<(i64, i64)>,
    Q(q): Q<DeleteQuery>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    boards::delete(&mut tx, &actor, pid, bid, q.remove_work_items == Some(true)).await?;
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
    actor: Actor,
    Ids((pid, bid)): Ids<(i64, i64)>,
    Q(q): Q<MetricsQuery>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let out = boards::metrics(&mut tx, &actor, pid, bid, q.user_id).await?;
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
    actor: Actor,
    Ids(pid): Ids<i64>,
    body: RawBody,
) -> ApiResult<Response> {
    let bid = body.int("boardId")?;
    let mut tx = s.db.write().await?;
    boards::set_default(&mut tx, &actor, pid, bid).await?;
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
    actor: Actor,
    Ids(pid): Ids<i64>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    boards::clear_default(&mut tx, &actor, pid).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}
