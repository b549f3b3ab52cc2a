//! Project categories: the kinds of work (Programming, Art, …) that role permissions are granted on.

use axum::extract::State;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Ids, RawBody};
use super::reply;
use crate::model::Category;
use crate::ops::Actor;
use crate::ops::categories::{self, CategoryValues, PatchCategoryValues};

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

/// Gets a list of the categories in the project (those the caller can read).
#[utoipa::path(get, path = "/v0/projects/{projectId}/categories", tag = "Projects / Categories",
    params(("projectId" = i64, Path, description = "The project id.")),
    responses((status = 200, body = Vec<Category>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn list_categories(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let rows = categories::list(&mut tx, &actor, pid).await?;
    tx.commit().await?;
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
    actor: Actor,
    Ids(pid): Ids<i64>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: CategoryValues = body.json()?;
    let mut tx = s.db.write().await?;
    let cat = categories::create(&mut tx, &actor, pid, v).await?;
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
    actor: Actor,
    Ids((pid, cid)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let cat = categories::get(&mut tx, &actor, pid, cid).await?;
    tx.commit().await?;
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
    actor: Actor,
    Ids((pid, cid)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: CategoryValues = body.json()?;
    let mut tx = s.db.write().await?;
    let cat = categories::update(&mut tx, &actor, pid, cid, v).await?;
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
    actor: Actor,
    Ids((pid, cid)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: PatchCategoryValues = body.json()?;
    let mut tx = s.db.write().await?;
    let cat = categories::patch(&mut tx, &actor, pid, cid, v).await?;
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
    actor: Actor,
    Ids((pid, cid)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    categories::delete(&mut tx, &actor, pid, cid).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}
