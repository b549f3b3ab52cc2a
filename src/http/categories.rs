//! Project categories: the kinds of work (Programming, Art, …) that role permissions are granted on.

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
use crate::model::{self, CATEGORY_COLS, Category, Check};
use crate::ops::access;
use crate::ops::access::admin;
use crate::params;
use crate::store::{Tx, sequences};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_categories, create_category))
        .routes(routes!(
            get_category,
            update_category,
            patch_category,
            delete_category
        ))
}

/// Create and PUT: `name` is required; on PUT omitted `icon`/`color` become null.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CategoryValues {
    pub name: Option<String>,
    /// `#` and 3, 6 or 8 hex digits.
    pub color: Option<String>,
    pub icon: Option<String>,
}

/// PATCH: only the fields present change; `null` clears `icon`/`color`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PatchCategoryValues {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub color: Option<Option<String>>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub icon: Option<Option<String>>,
}

async fn load(tx: &mut Tx, pid: i64, cid: i64) -> ApiResult<Category> {
    tx.opt(
        &format!(
            "SELECT {CATEGORY_COLS} FROM categories c WHERE c.project_id = $1 AND c.category_id = $2"
        ),
        params![pid, cid],
    )
    .await?
    .ok_or(ApiError::NotFound)
}

async fn save(tx: &mut Tx, cat: &Category) -> ApiResult<Category> {
    tx.exec(
        "UPDATE categories SET name = $1, icon = $2, color = $3 WHERE project_id = $4 AND category_id = $5",
        params![
            &cat.name,
            &cat.icon,
            &cat.color,
            cat.project_id,
            cat.category_id
        ],
    )
    .await?;
    load(tx, cat.project_id, cat.category_id).await
}

/// Gets a list of the categories in the project (those the caller can read).
#[utoipa::path(get, path = "/v0/projects/{projectId}/categories", tag = "Projects / Categories",
    params(("projectId" = i64, Path, description = "The project id.")),
    responses((status = 200, body = Vec<Category>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn list_categories(
    State(s): State<AppState>,
    auth: Auth,
    Ids(pid): Ids<i64>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let m = access::member(&mut tx, &auth, pid, Scope::ProjectsRead).await?;
    let rows: Vec<Category> = tx
        .all(
            &format!(
                "SELECT {CATEGORY_COLS} FROM categories c WHERE c.project_id = $1 ORDER BY c.category_id"
            ),
            params![pid],
        )
        .await?;
    tx.commit().await?;
    let rows: Vec<Category> = rows
        .into_iter()
        .filter(|c| m.can_read_category(Some(c.category_id)))
        .collect();
    Ok(reply::ok(rows))
}

/// [ADMIN] Creates a category.
#[utoipa::path(post, path = "/v0/projects/{projectId}/categories", tag = "Projects / Categories",
    params(("projectId" = i64, Path, description = "The project id.")),
    request_body = CategoryValues,
    responses((status = 201, body = Category), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn create_category(
    State(s): State<AppState>,
    auth: Auth,
    Ids(pid): Ids<i64>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: CategoryValues = body.json()?;
    let mut tx = s.db.write().await?;
    admin(&mut tx, &auth, pid).await?;
    let mut c = Check::new();
    c.name("name", v.name.as_deref());
    c.look(v.color.as_deref(), v.icon.as_deref());
    c.finish()?;
    let id = sequences::next_id(&mut tx, pid, "category").await?;
    tx.exec(
        "INSERT INTO categories (project_id, category_id, name, icon, color, creation_date) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        params![
            pid,
            id,
            v.name.unwrap_or_default().trim(),
            v.icon,
            v.color,
            model::now()
        ],
    )
    .await?;
    let cat = load(&mut tx, pid, id).await?;
    tx.commit().await?;
    Ok(reply::created(cat))
}

/// Gets a category (404 when the caller can't read it).
#[utoipa::path(get, path = "/v0/projects/{projectId}/categories/{categoryId}", tag = "Projects / Categories",
    params(("projectId" = i64, Path, description = "The project id."),
           ("categoryId" = i64, Path, description = "The category id.")),
    responses((status = 200, body = Category), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn get_category(
    State(s): State<AppState>,
    auth: Auth,
    Ids((pid, cid)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let m = access::member(&mut tx, &auth, pid, Scope::ProjectsRead).await?;
    let cat = load(&mut tx, pid, cid).await?;
    tx.commit().await?;
    if !m.can_read_category(Some(cid)) {
        return Err(ApiError::NotFound);
    }
    Ok(reply::ok(cat))
}

/// [ADMIN] Updates the category; omitted optional values become null.
#[utoipa::path(put, path = "/v0/projects/{projectId}/categories/{categoryId}", tag = "Projects / Categories",
    params(("projectId" = i64, Path, description = "The project id."),
           ("categoryId" = i64, Path, description = "The category id.")),
    request_body = CategoryValues,
    responses((status = 200, body = Category), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn update_category(
    State(s): State<AppState>,
    auth: Auth,
    Ids((pid, cid)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: CategoryValues = body.json()?;
    let mut tx = s.db.write().await?;
    admin(&mut tx, &auth, pid).await?;
    let cur = load(&mut tx, pid, cid).await?;
    let mut c = Check::new();
    c.name("name", v.name.as_deref());
    c.look(v.color.as_deref(), v.icon.as_deref());
    c.finish()?;
    let cat = save(
        &mut tx,
        &Category {
            name: v.name.unwrap_or_default().trim().to_string(),
            icon: v.icon,
            color: v.color,
            ..cur
        },
    )
    .await?;
    tx.commit().await?;
    Ok(reply::ok(cat))
}

/// [ADMIN] Updates the category partially.
#[utoipa::path(patch, path = "/v0/projects/{projectId}/categories/{categoryId}", tag = "Projects / Categories",
    params(("projectId" = i64, Path, description = "The project id."),
           ("categoryId" = i64, Path, description = "The category id.")),
    request_body = PatchCategoryValues,
    responses((status = 200, body = Category), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn patch_category(
    State(s): State<AppState>,
    auth: Auth,
    Ids((pid, cid)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: PatchCategoryValues = body.json()?;
    let mut tx = s.db.write().await?;
    admin(&mut tx, &auth, pid).await?;
    let cur = load(&mut tx, pid, cid).await?;
    let mut c = Check::new();
    if v.name.is_some() {
        c.name("name", v.name.as_deref());
    }
    c.look(
        v.color.clone().flatten().as_deref(),
        v.icon.clone().flatten().as_deref(),
    );
    c.finish()?;
    let cat = save(
        &mut tx,
        &Category {
            name: v.name.map(|n| n.trim().to_string()).unwrap_or(cur.name),
            icon: v.icon.unwrap_or(cur.icon),
            color: v.color.unwrap_or(cur.color),
            ..cur
        },
    )
    .await?;
    tx.commit().await?;
    Ok(reply::ok(cat))
}

/// [ADMIN] Deletes the category. Only categories with no tasks assigned can be deleted.
#[utoipa::path(delete, path = "/v0/projects/{projectId}/categories/{categoryId}", tag = "Projects / Categories",
    params(("projectId" = i64, Path, description = "The project id."),
           ("categoryId" = i64, Path, description = "The category id.")),
    responses((status = 200, description = "Deleted (empty body)"),
              (status = 400, body = ErrorBody, description = "You can't delete the last category."),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found"),
              (status = 409, body = ErrorBody,
               description = "There are tasks assigned to the category, reassing the tasks before deleting it.")))]
async fn delete_category(
    State(s): State<AppState>,
    auth: Auth,
    Ids((pid, cid)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    admin(&mut tx, &auth, pid).await?;
    load(&mut tx, pid, cid).await?;
    let (n,): (i64,) = tx
        .one(
            "SELECT COUNT(*) FROM categories WHERE project_id = $1",
            params![pid],
        )
        .await?;
    if n <= 1 {
        return Err(ApiError::bad("You can't delete the last category."));
    }
    if tx
        .exists(
            "SELECT work_item_id FROM work_items WHERE project_id = $1 AND category_id = $2 LIMIT 1",
            params![pid, cid],
        )
        .await?
    {
        return Err(ApiError::conflict(
            "There are tasks assigned to the category, reassing the tasks before deleting it.",
        ));
    }
    tx.exec(
        "DELETE FROM categories WHERE project_id = $1 AND category_id = $2",
        params![pid, cid],
    )
    .await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}
