//! Design element types (Chapter, Level, Character, …) of the project's game design model.

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
use crate::model::{self, Check, DESIGN_ELEMENT_TYPE_COLS, DesignElementType};
use crate::ops::access;
use crate::ops::access::admin;
use crate::params;
use crate::store::{Tx, sequences};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_types, create_type))
        .routes(routes!(get_type, update_type, delete_type))
}

/// Create and PUT: `name` is required; on PUT omitted `icon`/`color` become null.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DesignElementTypeValues {
    pub name: Option<String>,
    /// `#` and 3, 6 or 8 hex digits.
    pub color: Option<String>,
    pub icon: Option<String>,
}

/// The optional body of a delete: a bare integer, or this object (read by `RawBody::int_opt`;
/// the type only documents it).
#[allow(dead_code)]
#[derive(Debug, ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DeleteDesignElementTypeValues {
    /// Where the elements of the deleted type go; absent → the first remaining type.
    pub target_design_element_type_id: Option<i64>,
}

const NO_TARGET: &str = "The target design element type id does not exist.";

async fn load(tx: &mut Tx, pid: i64, id: i64) -> ApiResult<DesignElementType> {
    tx.opt(
        &format!(
            "SELECT {DESIGN_ELEMENT_TYPE_COLS} FROM design_element_types dt \
             WHERE dt.project_id = $1 AND dt.design_element_type_id = $2"
        ),
        params![pid, id],
    )
    .await?
    .ok_or(ApiError::NotFound)
}

fn check(v: &DesignElementTypeValues) -> ApiResult<()> {
    let mut c = Check::new();
    c.name("name", v.name.as_deref());
    c.look(v.color.as_deref(), v.icon.as_deref());
    Ok(c.finish()?)
}

/// Gets the list of design element types of the project.
#[utoipa::path(get, path = "/v0/projects/{projectId}/designelementtypes", tag = "Projects / Design Element Types",
    params(("projectId" = i64, Path, description = "The project id.")),
    responses((status = 200, body = Vec<DesignElementType>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn list_types(
    State(s): State<AppState>,
    auth: Auth,
    Ids(pid): Ids<i64>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    access::member(&mut tx, &auth, pid, Scope::ProjectsRead).await?;
    let rows: Vec<DesignElementType> = tx
        .all(
            &format!(
                "SELECT {DESIGN_ELEMENT_TYPE_COLS} FROM design_element_types dt WHERE dt.project_id = $1 \
                 ORDER BY dt.design_element_type_id"
            ),
            params![pid],
        )
        .await?;
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
    auth: Auth,
    Ids(pid): Ids<i64>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: DesignElementTypeValues = body.json()?;
    let mut tx = s.db.write().await?;
    admin(&mut tx, &auth, pid).await?;
    check(&v)?;
    let id = sequences::next_id(&mut tx, pid, "designelementtype").await?;
    tx.exec(
        "INSERT INTO design_element_types (project_id, design_element_type_id, name, icon, color, creation_date) \
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
    let t = load(&mut tx, pid, id).await?;
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
    auth: Auth,
    Ids((pid, id)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    access::member(&mut tx, &auth, pid, Scope::ProjectsRead).await?;
    let t = load(&mut tx, pid, id).await?;
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
    auth: Auth,
    Ids((pid, id)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: DesignElementTypeValues = body.json()?;
    let mut tx = s.db.write().await?;
    admin(&mut tx, &auth, pid).await?;
    load(&mut tx, pid, id).await?;
    check(&v)?;
    tx.exec(
        "UPDATE design_element_types SET name = $1, icon = $2, color = $3 \
         WHERE project_id = $4 AND design_element_type_id = $5",
        params![v.name.unwrap_or_default().trim(), v.icon, v.color, pid, id],
    )
    .await?;
    let t = load(&mut tx, pid, id).await?;
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
    auth: Auth,
    Ids((pid, id)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    // `{}` is "no target" too, like an empty body.
    let empty_object = matches!(body.json_opt::<serde_json::Value>(), Ok(Some(serde_json::Value::Object(m))) if m.is_empty());
    let requested = if empty_object {
        None
    } else {
        body.int_opt("targetDesignElementTypeId")?
    };
    let mut tx = s.db.write().await?;
    admin(&mut tx, &auth, pid).await?;
    load(&mut tx, pid, id).await?;
    let first: Option<(i64,)> = tx
        .opt(
            "SELECT design_element_type_id FROM design_element_types \
             WHERE project_id = $1 AND design_element_type_id <> $2 \
             ORDER BY design_element_type_id LIMIT 1",
            params![pid, id],
        )
        .await?;
    let Some((first,)) = first else {
        return Err(ApiError::conflict(
            "The design element type is the last one and can't be deleted.",
        ));
    };
    let target = match requested {
        None => first,
        Some(t) if t == id => return Err(ApiError::bad(NO_TARGET)),
        Some(t) => {
            if !tx
                .exists(
                    "SELECT design_element_type_id FROM design_element_types \
                     WHERE project_id = $1 AND design_element_type_id = $2",
                    params![pid, t],
                )
                .await?
            {
                return Err(ApiError::bad(NO_TARGET));
            }
            t
        }
    };
    tx.exec(
        "UPDATE design_elements SET design_element_type_id = $1, update_date = $2 \
         WHERE project_id = $3 AND design_element_type_id = $4",
        params![target, model::now(), pid, id],
    )
    .await?;
    tx.exec(
        "DELETE FROM design_element_types WHERE project_id = $1 AND design_element_type_id = $2",
        params![pid, id],
    )
    .await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}
