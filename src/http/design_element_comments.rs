//! Comments on design elements. Commenting is not editing the model: any non-guest member who
//! can read the design model may comment; only the author edits, the author or an admin deletes.

use axum::extract::State;
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::{Auth, Scope};
use super::design_elements::design_access;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{Ids, PageQuery, Paged, Q, RawBody, comment_text};
use super::reply;
use crate::model::{self, User};
use crate::ops::access::Member;
use crate::params;
use crate::store::Tx;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_comments, create_comment))
        .routes(routes!(update_comment, delete_comment_plural))
        .routes(routes!(delete_comment))
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DesignElementComment {
    pub project_id: i64,
    pub design_element_id: i64,
    pub comment_id: i64,
    pub text: String,
    pub user: User,
    pub creation_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_date: Option<String>,
}

#[derive(sqlx::FromRow)]
struct CommentRow {
    project_id: i64,
    design_element_id: i64,
    id: i64,
    text: String,
    creation_date: String,
    update_date: Option<String>,
    user_id: i64,
    username: String,
    email: String,
    name: Option<String>,
    user_creation_date: String,
}

const COMMENT_SELECT: &str = "SELECT c.project_id, c.design_element_id, c.id, c.text, c.creation_date, \
     c.update_date, u.id AS user_id, u.username, u.email, u.name, u.creation_date AS user_creation_date \
     FROM design_element_comments c JOIN users u ON u.id = c.user_id";

impl From<CommentRow> for DesignElementComment {
    fn from(r: CommentRow) -> Self {
        DesignElementComment {
            project_id: r.project_id,
            design_element_id: r.design_element_id,
            comment_id: r.id,
            text: r.text,
            user: User {
                id: r.user_id,
                username: r.username,
                email: r.email,
                name: r.name,
                creation_date: r.user_creation_date,
            },
            creation_date: r.creation_date,
            update_date: r.update_date,
        }
    }
}

/// Membership checks shared by every comment endpoint: module flags, reading the design model,
/// and (for writes) not being a guest. Then the element must exist.
async fn commenter(tx: &mut Tx, auth: &Auth, pid: i64, de: i64, write: bool) -> ApiResult<Member> {
    let scope = if write {
        Scope::DesignModelWrite
    } else {
        Scope::DesignModelRead
    };
    let (m, modules) = design_access(tx, auth, pid, scope).await?;
    if !modules.game_design_model_comments {
        return Err(ApiError::Forbidden(
            "The design model comments module is disabled in this project.".into(),
        ));
    }
    m.require(m.can_read_design_model())?;
    if write {
        m.require_not_guest()?;
    }
    if !tx
        .exists(
            "SELECT design_element_id FROM design_elements WHERE project_id = $1 AND design_element_id = $2",
            params![pid, de],
        )
        .await?
    {
        return Err(ApiError::NotFound);
    }
    Ok(m)
}

async fn load(tx: &mut Tx, pid: i64, de: i64, id: i64) -> ApiResult<DesignElementComment> {
    tx.opt::<CommentRow>(
        &format!(
            "{COMMENT_SELECT} WHERE c.project_id = $1 AND c.design_element_id = $2 AND c.id = $3"
        ),
        params![pid, de, id],
    )
    .await?
    .map(DesignElementComment::from)
    .ok_or(ApiError::NotFound)
}

/// Gets a page of the design element's comments, oldest first.
#[utoipa::path(get, path = "/v0/projects/{projectId}/designelements/{designElementId}/comments",
    tag = "Design Elements / Comments",
    params(("projectId" = i64, Path, description = "The project id."),
           ("designElementId" = i64, Path, description = "The design element id."), PageQuery),
    responses((status = 200, body = Paged<DesignElementComment>), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn list_comments(
    State(s): State<AppState>,
    auth: Auth,
    Ids((pid, de)): Ids<(i64, i64)>,
    Q(q): Q<PageQuery>,
) -> ApiResult<Response> {
    let page = q.paging()?;
    let mut tx = s.db.read().await?;
    commenter(&mut tx, &auth, pid, de, false).await?;
    let (total,): (i64,) = tx
        .one(
            "SELECT COUNT(*) FROM design_element_comments WHERE project_id = $1 AND design_element_id = $2",
            params![pid, de],
        )
        .await?;
    let rows: Vec<CommentRow> = tx
        .all(
            &format!(
                "{COMMENT_SELECT} WHERE c.project_id = $1 AND c.design_element_id = $2 \
                 ORDER BY c.id LIMIT $3 OFFSET $4"
            ),
            params![pid, de, page.limit, page.offset],
        )
        .await?;
    tx.commit().await?;
    Ok(reply::ok(Paged {
        total_count: total,
        offset: page.offset,
        limit: page.limit,
        items: rows
            .into_iter()
            .map(DesignElementComment::from)
            .collect::<Vec<_>>(),
    }))
}

/// Creates a comment; the body is the text as a JSON string (or `{"text": "…"}`), max 5000 chars.
#[utoipa::path(post, path = "/v0/projects/{projectId}/designelements/{designElementId}/comments",
    tag = "Design Elements / Comments",
    params(("projectId" = i64, Path, description = "The project id."),
           ("designElementId" = i64, Path, description = "The design element id.")),
    request_body(content = String, description = "The comment text (Markdown, max 5000 chars)."),
    responses((status = 201, body = DesignElementComment), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn create_comment(
    State(s): State<AppState>,
    auth: Auth,
    Ids((pid, de)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let text = comment_text(&body)?;
    let mut tx = s.db.write().await?;
    commenter(&mut tx, &auth, pid, de, true).await?;
    let (id,): (i64,) = tx
        .one(
            "INSERT INTO design_element_comments (project_id, design_element_id, user_id, text, creation_date) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            params![pid, de, auth.user_id, text, model::now()],
        )
        .await?;
    let c = load(&mut tx, pid, de, id).await?;
    tx.commit().await?;
    Ok(reply::created(c))
}

/// Updates a comment (its author only); replies with the updated comment.
#[utoipa::path(put, path = "/v0/projects/{projectId}/designelements/{designElementId}/comments/{commentId}",
    tag = "Design Elements / Comments",
    params(("projectId" = i64, Path, description = "The project id."),
           ("designElementId" = i64, Path, description = "The design element id."),
           ("commentId" = i64, Path, description = "The comment id.")),
    request_body(content = String, description = "The comment text (Markdown, max 5000 chars)."),
    responses((status = 200, body = DesignElementComment), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn update_comment(
    State(s): State<AppState>,
    auth: Auth,
    Ids((pid, de, id)): Ids<(i64, i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let text = comment_text(&body)?;
    let mut tx = s.db.write().await?;
    let m = commenter(&mut tx, &auth, pid, de, true).await?;
    let cur = load(&mut tx, pid, de, id).await?;
    m.require(cur.user.id == m.user_id)?;
    tx.exec(
        "UPDATE design_element_comments SET text = $1, update_date = $2 WHERE id = $3",
        params![text, model::now(), id],
    )
    .await?;
    let c = load(&mut tx, pid, de, id).await?;
    tx.commit().await?;
    Ok(reply::ok(c))
}

async fn remove(s: AppState, auth: Auth, pid: i64, de: i64, id: i64) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    let m = commenter(&mut tx, &auth, pid, de, true).await?;
    let cur = load(&mut tx, pid, de, id).await?;
    m.require(m.is_admin || cur.user.id == m.user_id)?;
    tx.exec(
        "DELETE FROM design_element_comments WHERE id = $1",
        params![id],
    )
    .await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}

/// Deletes a comment (its author or an admin). The reference's path, singular `designelement`.
#[utoipa::path(delete, path = "/v0/projects/{projectId}/designelement/{designElementId}/comments/{commentId}",
    tag = "Design Elements / Comments",
    params(("projectId" = i64, Path, description = "The project id."),
           ("designElementId" = i64, Path, description = "The design element id."),
           ("commentId" = i64, Path, description = "The comment id.")),
    responses((status = 200, description = "Deleted (empty body)"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn delete_comment(
    State(s): State<AppState>,
    auth: Auth,
    Ids((pid, de, id)): Ids<(i64, i64, i64)>,
) -> ApiResult<Response> {
    remove(s, auth, pid, de, id).await
}

/// Deletes a comment (its author or an admin): the same as the singular path, under `designelements`.
#[utoipa::path(delete, path = "/v0/projects/{projectId}/designelements/{designElementId}/comments/{commentId}",
    tag = "Design Elements / Comments",
    params(("projectId" = i64, Path, description = "The project id."),
           ("designElementId" = i64, Path, description = "The design element id."),
           ("commentId" = i64, Path, description = "The comment id.")),
    responses((status = 200, description = "Deleted (empty body)"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn delete_comment_plural(
    State(s): State<AppState>,
    auth: Auth,
    Ids((pid, de, id)): Ids<(i64, i64, i64)>,
) -> ApiResult<Response> {
    remove(s, auth, pid, de, id).await
}
