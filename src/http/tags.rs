//! Project tags. Members make them while tagging work items, so creating and editing a tag
//! needs a non-guest member with the work-items write scope; only deleting is `[ADMIN]`.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::access::{self, Member};
use super::auth::{Auth, Scope};
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{Ids, RawBody};
use super::reply;
use crate::model::{self, Check, TAG_COLS, Tag};
use crate::params;
use crate::store::{Tx, sequences};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tags, create_tag))
        .routes(routes!(update_tag, patch_tag, delete_tag))
}

/// Create and PUT: `name` is required; on PUT omitted `icon`/`color` become null and
/// `displayIconOnly` false.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TagValues {
    pub name: Option<String>,
    pub display_icon_only: Option<bool>,
    /// `#` and 3, 6 or 8 hex digits.
    pub color: Option<String>,
    pub icon: Option<String>,
}

/// PATCH: only the fields present change; `null` clears `icon`/`color`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PatchTagValues {
    pub name: Option<String>,
    pub display_icon_only: Option<bool>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub color: Option<Option<String>>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub icon: Option<Option<String>>,
}

/// Creating and editing tags.
async fn writer(tx: &mut Tx, auth: &Auth, pid: i64) -> ApiResult<Member> {
    let m = access::member(tx, auth, pid, Scope::WorkItemsWrite).await?;
    m.require_not_guest()?;
    Ok(m)
}

async fn load(tx: &mut Tx, pid: i64, id: i64) -> ApiResult<Tag> {
    tx.opt(
        &format!("SELECT {TAG_COLS} FROM tags t WHERE t.project_id = $1 AND t.tag_id = $2"),
        params![pid, id],
    )
    .await?
    .ok_or(ApiError::NotFound)
}

async fn save(tx: &mut Tx, t: &Tag) -> ApiResult<Tag> {
    tx.exec(
        "UPDATE tags SET name = $1, icon = $2, color = $3, display_icon_only = $4 \
         WHERE project_id = $5 AND tag_id = $6",
        params![
            &t.name,
            &t.icon,
            &t.color,
            t.display_icon_only,
            t.project_id,
            t.tag_id
        ],
    )
    .await?;
    load(tx, t.project_id, t.tag_id).await
}

/// Gets a list of the project tags.
#[utoipa::path(get, path = "/v0/projects/{projectId}/tags", tag = "Projects / Tags",
    params(("projectId" = i64, Path, description = "The project id.")),
    responses((status = 200, body = Vec<Tag>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn list_tags(
    State(s): State<AppState>,
    auth: Auth,
    Ids(pid): Ids<i64>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    access::member(&mut tx, &auth, pid, Scope::ProjectsRead).await?;
    let rows: Vec<Tag> = tx
        .all(
            &format!("SELECT {TAG_COLS} FROM tags t WHERE t.project_id = $1 ORDER BY t.tag_id"),
            params![pid],
        )
        .await?;
    tx.commit().await?;
    Ok(reply::ok(rows))
}

/// Creates a project tag (any non-guest member).
#[utoipa::path(post, path = "/v0/projects/{projectId}/tags", tag = "Projects / Tags",
    params(("projectId" = i64, Path, description = "The project id.")),
    request_body = TagValues,
    responses((status = 201, body = Tag), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn create_tag(
    State(s): State<AppState>,
    auth: Auth,
    Ids(pid): Ids<i64>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: TagValues = body.json()?;
    let mut tx = s.db.write().await?;
    writer(&mut tx, &auth, pid).await?;
    let mut c = Check::new();
    c.name("name", v.name.as_deref());
    c.look(v.color.as_deref(), v.icon.as_deref());
    c.finish()?;
    let id = sequences::next_id(&mut tx, pid, "tag").await?;
    tx.exec(
        "INSERT INTO tags (project_id, tag_id, name, icon, color, display_icon_only, creation_date) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![
            pid,
            id,
            v.name.unwrap_or_default().trim(),
            v.icon,
            v.color,
            v.display_icon_only.unwrap_or(false),
            model::now()
        ],
    )
    .await?;
    let tag = load(&mut tx, pid, id).await?;
    tx.commit().await?;
    Ok(reply::created(tag))
}

/// Updates the tag; omitted optional values are reset.
#[utoipa::path(put, path = "/v0/projects/{projectId}/tags/{tagId}", tag = "Projects / Tags",
    params(("projectId" = i64, Path, description = "The project id."),
           ("tagId" = i64, Path, description = "The tag id.")),
    request_body = TagValues,
    responses((status = 200, body = Tag), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn update_tag(
    State(s): State<AppState>,
    auth: Auth,
    Ids((pid, id)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: TagValues = body.json()?;
    let mut tx = s.db.write().await?;
    writer(&mut tx, &auth, pid).await?;
    let cur = load(&mut tx, pid, id).await?;
    let mut c = Check::new();
    c.name("name", v.name.as_deref());
    c.look(v.color.as_deref(), v.icon.as_deref());
    c.finish()?;
    let tag = save(
        &mut tx,
        &Tag {
            name: v.name.unwrap_or_default().trim().to_string(),
            icon: v.icon,
            color: v.color,
            display_icon_only: v.display_icon_only.unwrap_or(false),
            ..cur
        },
    )
    .await?;
    tx.commit().await?;
    Ok(reply::ok(tag))
}

/// Updates the tag partially.
#[utoipa::path(patch, path = "/v0/projects/{projectId}/tags/{tagId}", tag = "Projects / Tags",
    params(("projectId" = i64, Path, description = "The project id."),
           ("tagId" = i64, Path, description = "The tag id.")),
    request_body = PatchTagValues,
    responses((status = 200, body = Tag), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn patch_tag(
    State(s): State<AppState>,
    auth: Auth,
    Ids((pid, id)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: PatchTagValues = body.json()?;
    let mut tx = s.db.write().await?;
    writer(&mut tx, &auth, pid).await?;
    let cur = load(&mut tx, pid, id).await?;
    let mut c = Check::new();
    if v.name.is_some() {
        c.name("name", v.name.as_deref());
    }
    c.look(
        v.color.clone().flatten().as_deref(),
        v.icon.clone().flatten().as_deref(),
    );
    c.finish()?;
    let tag = save(
        &mut tx,
        &Tag {
            name: v.name.map(|n| n.trim().to_string()).unwrap_or(cur.name),
            icon: v.icon.unwrap_or(cur.icon),
            color: v.color.unwrap_or(cur.color),
            display_icon_only: v.display_icon_only.unwrap_or(cur.display_icon_only),
            ..cur
        },
    )
    .await?;
    tx.commit().await?;
    Ok(reply::ok(tag))
}

/// [ADMIN] Deletes the tag; work items lose it.
#[utoipa::path(delete, path = "/v0/projects/{projectId}/tags/{tagId}", tag = "Projects / Tags",
    params(("projectId" = i64, Path, description = "The project id."),
           ("tagId" = i64, Path, description = "The tag id.")),
    responses((status = 200, description = "Deleted (empty body)"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Project or tag not found.")))]
async fn delete_tag(
    State(s): State<AppState>,
    auth: Auth,
    Ids((pid, id)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    access::member(&mut tx, &auth, pid, Scope::ProjectsAdmin)
        .await?
        .require_admin()?;
    load(&mut tx, pid, id).await?;
    // work_item_tags rows go with it (ON DELETE CASCADE); stated here so both backends agree.
    tx.exec(
        "DELETE FROM work_item_tags WHERE project_id = $1 AND tag_id = $2",
        params![pid, id],
    )
    .await?;
    tx.exec(
        "DELETE FROM tags WHERE project_id = $1 AND tag_id = $2",
        params![pid, id],
    )
    .await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}
