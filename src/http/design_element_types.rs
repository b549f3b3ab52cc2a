//! Design element types (Chapter, Level, Character, …) of the project's game design model.

use axum::extract::State;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Ids, RawBody};
use super::reply;
use crate::model::DesignElementType;
use crate::ops::design_element_types::{
    self, DeleteDesignElementTypeValues, DesignElementTypeValues,
};
use crate::ops::{Actor, config};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_types, create_type))
        .routes(routes!(get_type, update_type, delete_type))
}

/// Gets the list of design element types of the project.
#[utoipa::path(get, path = "/v0/projects/{projectId}/designelementtypes", tag = "Projects / Design Element Types",
    params(("projectId" = i64, Path, description = "The project id.")),
    responses((status = 200, body = Vec<DesignElementType>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn list_types(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let rows: Vec<DesignElementType> = config::list(&mut tx, &actor, pid).await?;
    tx.commit().await?;
    Ok(reply::ok(rows))
}

/// [ADMIN] Creates a design element type.
#[utoipa::path(post, path = "/v0/projects/{projectId}/designelementtypes", tag = "Projects / Design Element Types",
    params(("projectId" = i64, Path, description = "The project id.")),
    request_body = DesignElementTypeValues,
    responses((status = 201, body = DesignElementType), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn create_type(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: DesignElementTypeValues = body.json()?;
    let mut tx = s.db.write().await?;
    let t = design_element_types::create(&mut tx, &actor, pid, v).await?;
    tx.commit().await?;
    Ok(reply::created(t))
}

/// Gets a design element type.
#[utoipa::path(get, path = "/v0/projects/{projectId}/designelementtypes/{designElementTypeId}",
    tag = "Projects / Design Element Types",
    params(("projectId" = i64, Path, description = "The project id."),
           ("designElementTypeId" = i64, Path, description = "The design element type id.")),
    responses((status = 200, body = DesignElementType), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn get_type(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, id)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let t: DesignElementType = config::get(&mut tx, &actor, pid, id).await?;
    tx.commit().await?;
    Ok(reply::ok(t))
}

/// [ADMIN] Updates a design element type; omitted optional values become null.
#[utoipa::path(put, path = "/v0/projects/{projectId}/designelementtypes/{designElementTypeId}",
    tag = "Projects / Design Element Types",
    params(("projectId" = i64, Path, description = "The project id."),
           ("designElementTypeId" = i64, Path, description = "The design element type id.")),
    request_body = DesignElementTypeValues,
    responses((status = 200, body = DesignElementType), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn update_type(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, id)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: DesignElementTypeValues = body.json()?;
    let mut tx = s.db.write().await?;
    let t = design_element_types::update(&mut tx, &actor, pid, id, v).await?;
    tx.commit().await?;
    Ok(reply::ok(t))
}

/// [ADMIN] Deletes a design element type; its design elements move to the target type.
#[utoipa::path(delete, path = "/v0/projects/{projectId}/designelementtypes/{designElementTypeId}",
    tag = "Projects / Design Element Types",
    params(("projectId" = i64, Path, description = "The project id."),
           ("designElementTypeId" = i64, Path, description = "The design element type id.")),
    request_body(content = Option<DeleteDesignElementTypeValues>,
        description = "Optional: the bare integer `targetDesignElementTypeId`, or this object."),
    responses((status = 200, description = "Deleted (empty body)"),
              (status = 400, body = ErrorBody, description = "The target design element type id does not exist."),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found"),
              (status = 409, body = ErrorBody,
               description = "The design element type is the last one and can't be deleted.")))]
async fn delete_type(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, id)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    // `{}` is "no target" too, like an empty body.
    let empty_object = matches!(body.json_opt::<serde_json::Value>(), Ok(Some(serde_json::Value::Object(m))) if m.is_empty());
    let target = if empty_object {
        None
    } else {
        body.int_opt("targetDesignElementTypeId")?
    };
    let mut tx = s.db.write().await?;
    design_element_types::delete(&mut tx, &actor, pid, id, target).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}
