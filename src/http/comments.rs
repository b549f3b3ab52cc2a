//! Comments on a work item: a paged list, oldest first. A comment posted with a work log nests it.

use axum::extract::State;
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::{Auth, Scope};
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{Ids, PageQuery, Paged, Q, RawBody, comment_text};
use super::reply;
use super::work_item_access as wia;
use super::work_logs::{self, WorkLog};
use crate::model::{self, User};
use crate::params;
use crate::store::Tx;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_comments, create_comment))
        .routes(routes!(get_comment, update_comment, delete_comment))
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WorkItemComment {
    pub project_id: i64,
    pub work_item_id: i64,
    pub comment_id: i64,
    pub text: String,
    pub user: User,
    /// The work log this comment was posted with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub work_log: Option<WorkLog>,
    pub creation_date: String,
    /// Set once the comment is edited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_date: Option<String>,
}

#[derive(sqlx::FromRow)]
struct CommentRow {
    project_id: i64,
    work_item_id: i64,
    comment_id: i64,
    text: String,
    work_log_id: Option<i64>,
    creation_date: String,
    update_date: Option<String>,
    user_id: i64,
    username: String,
    email: String,
    name: Option<String>,
    user_creation_date: String,
}

const COMMENT_SELECT: &str = "SELECT c.project_id, c.work_item_id, c.id AS comment_id, c.text, c.work_log_id, \
     c.creation_date, c.update_date, u.id AS user_id, u.username, u.email, u.name, \
     u.creation_date AS user_creation_date FROM comments c JOIN users u ON u.id = c.user_id \
     WHERE c.project_id = $1 AND c.work_item_id = $2";

/// Shapes rows into comments, nesting their work logs (one extra query).
async fn build(tx: &mut Tx, rows: Vec<CommentRow>) -> ApiResult<Vec<WorkItemComment>> {
    let log_ids: Vec<i64> = rows.iter().filter_map(|r| r.work_log_id).collect();
    let mut logs = work_logs::by_ids(tx, &log_ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| WorkItemComment {
            project_id: r.project_id,
            work_item_id: r.work_item_id,
            comment_id: r.comment_id,
            text: r.text,
            user: User {
                id: r.user_id,
                username: r.username,
                email: r.email,
                name: r.name,
                creation_date: r.user_creation_date,
            },
            work_log: r.work_log_id.and_then(|l| logs.remove(&l)),
            creation_date: r.creation_date,
            update_date: r.update_date,
        })
        .collect())
}

async fn load(tx: &mut Tx, pid: i64, wid: i64, cid: i64) -> ApiResult<WorkItemComment> {
    let row: CommentRow = tx
        .opt(
            &format!("{COMMENT_SELECT} AND c.id = $3"),
            params![pid, wid, cid],
        )
        .await?
        .ok_or(ApiError::NotFound)?;
    build(tx, vec![row]).await?.pop().ok_or(ApiError::NotFound)
}

/// Gets a paged list of comments from a work item, oldest first.
#[utoipa::path(get, path = "/v0/projects/{projectId}/workitems/{workItemId}/comments",
    tag = "Work Items / Comments",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id."),
           PageQuery),
    responses((status = 200, body = Paged<WorkItemComment>),
              (status = 400, body = ErrorBody, description = "Invalid offset and limit values."),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn list_comments(
    State(s): State<AppState>,
    auth: Auth,
    Ids((pid, wid)): Ids<(i64, i64)>,
    Q(q): Q<PageQuery>,
) -> ApiResult<Response> {
    let page = q.paging()?;
    let mut tx = s.db.read().await?;
    wia::open(&mut tx, &auth, pid, wid, Scope::WorkItemsRead).await?;
    let (total,): (i64,) = tx
        .one(
            "SELECT COUNT(*) FROM comments WHERE project_id = $1 AND work_item_id = $2",
            params![pid, wid],
        )
        .await?;
    let rows: Vec<CommentRow> = tx
        .all(
            &format!("{COMMENT_SELECT} ORDER BY c.id LIMIT $3 OFFSET $4"),
            params![pid, wid, page.limit, page.offset],
        )
        .await?;
    let items = build(&mut tx, rows).await?;
    tx.commit().await?;
    Ok(reply::ok(Paged {
        total_count: total,
        offset: page.offset,
        limit: page.limit,
        items,
    }))
}

/// Creates a new comment for the work item.
#[utoipa::path(post, path = "/v0/projects/{projectId}/workitems/{workItemId}/comments",
    tag = "Work Items / Comments",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id.")),
    request_body(content = String, description = "The text, Markdown, max 5000 chars (bare JSON string, or {\"text\": \"…\"})."),
    responses((status = 201, body = WorkItemComment), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn create_comment(
    State(s): State<AppState>,
    auth: Auth,
    Ids((pid, wid)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let text = comment_text(&body)?;
    let mut tx = s.db.write().await?;
    let (m, item) = wia::open(&mut tx, &auth, pid, wid, Scope::WorkItemsWrite).await?;
    m.require(m.can_update_category(item.category()))?;
    let (cid,): (i64,) = tx
        .one(
            "INSERT INTO comments (project_id, work_item_id, user_id, text, creation_date) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            params![pid, wid, auth.user_id, text, model::now()],
        )
        .await?;
    wia::touch(&mut tx, pid, wid).await?;
    let comment = load(&mut tx, pid, wid, cid).await?;
    tx.commit().await?;
    Ok(reply::created(comment))
}

/// Gets a work item comment.
#[utoipa::path(get, path = "/v0/projects/{projectId}/workitems/{workItemId}/comments/{commentId}",
    tag = "Work Items / Comments",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id."),
           ("commentId" = i64, Path, description = "The comment id.")),
    responses((status = 200, body = WorkItemComment), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn get_comment(
    State(s): State<AppState>,
    auth: Auth,
    Ids((pid, wid, cid)): Ids<(i64, i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    wia::open(&mut tx, &auth, pid, wid, Scope::WorkItemsRead).await?;
    let comment = load(&mut tx, pid, wid, cid).await?;
    tx.commit().await?;
    Ok(reply::ok(comment))
}

/// Updates a work item comment. Only its author can, not even an admin.
#[utoipa::path(put, path = "/v0/projects/{projectId}/workitems/{workItemId}/comments/{commentId}",
    tag = "Work Items / Comments",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id."),
           ("commentId" = i64, Path, description = "The comment id.")),
    request_body(content = String, description = "The new text, max 5000 chars (bare JSON string, or {\"text\": \"…\"})."),
    responses((status = 200, body = WorkItemComment), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn update_comment(
    State(s): State<AppState>,
    auth: Auth,
    Ids((pid, wid, cid)): Ids<(i64, i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let text = comment_text(&body)?;
    let mut tx = s.db.write().await?;
    let (m, item) = wia::open(&mut tx, &auth, pid, wid, Scope::WorkItemsWrite).await?;
    let cur = load(&mut tx, pid, wid, cid).await?;
    m.require(cur.user.id == m.user_id && m.can_update_category(item.category()))?;
    tx.exec(
        "UPDATE comments SET text = $1, update_date = $2 WHERE id = $3",
        params![text, model::now(), cid],
    )
    .await?;
    wia::touch(&mut tx, pid, wid).await?;
    let comment = load(&mut tx, pid, wid, cid).await?;
    tx.commit().await?;
    Ok(reply::ok(comment))
}

/// Deletes a work item comment (its author or an admin).
#[utoipa::path(delete, path = "/v0/projects/{projectId}/workitems/{workItemId}/comments/{commentId}",
    tag = "Work Items / Comments",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id."),
           ("commentId" = i64, Path, description = "The comment id.")),
    responses((status = 200, description = "Deleted (empty body)"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn delete_comment(
    State(s): State<AppState>,
    auth: Auth,
    Ids((pid, wid, cid)): Ids<(i64, i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    let (m, item) = wia::open(&mut tx, &auth, pid, wid, Scope::WorkItemsWrite).await?;
    let cur = load(&mut tx, pid, wid, cid).await?;
    m.require(m.is_admin || (cur.user.id == m.user_id && m.can_update_category(item.category())))?;
    tx.exec("DELETE FROM comments WHERE id = $1", params![cid])
        .await?;
    wia::touch(&mut tx, pid, wid).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}
