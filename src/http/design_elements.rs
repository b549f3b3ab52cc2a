//! The game design model: the HTTP side of `ops::design_elements` (extract, call the
//! operation, shape the reply).

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Ids, Q, RawBody, flag};
use super::reply;
use crate::model::{DesignElement, Metrics};
use crate::ops::Actor;
use crate::ops::design_elements::{
    self as ops, CreateDesignElementValues, DeleteDesignElementValues, PatchDesignElementValues,
    UpdateDesignElementValues,
};
// The comments group reads the same module checks (moved to ops with the design model).

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_design_elements, create_design_element))
        .routes(routes!(
            get_design_element,
            update_design_element,
            patch_design_element,
            delete_design_element
        ))
        .routes(routes!(design_element_metrics))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct GetQuery {
    /// Return the whole subtree nested in `children`.
    #[serde(default, deserialize_with = "flag")]
    #[param(value_type = Option<bool>)]
    include_children: Option<bool>,
}

/// Gets the game design model: every element with its direct children (each without its own
/// children) and its parent (without parent or children).
#[utoipa::path(get, path = "/v0/projects/{projectId}/designelements", tag = "Design Elements",
    params(("projectId" = i64, Path, description = "The project id.")),
    responses((status = 200, body = Vec<DesignElement>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn list_design_elements(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let out = ops::list(&mut tx, &actor, pid).await?;
    tx.commit().await?;
    Ok(reply::ok(out))
}

/// Creates a design element, last among its siblings unless `index` says otherwise.
#[utoipa::path(post, path = "/v0/projects/{projectId}/designelements", tag = "Design Elements",
    params(("projectId" = i64, Path, description = "The project id.")),
    request_body = CreateDesignElementValues,
    responses((status = 201, body = DesignElement), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn create_design_element(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: CreateDesignElementValues = body.json()?;
    let mut tx = s.db.write().await?;
    let e = ops::create(&mut tx, &actor, pid, v).await?;
    tx.commit().await?;
    Ok(reply::created(e))
}

/// Gets a design element with its parent; `includeChildren=true` adds its subtree, nested at
/// most `MAX_DEPTH` (32) levels deep (an element on the last level with children of its own
/// carries no `children` key).
#[utoipa::path(get, path = "/v0/projects/{projectId}/designelements/{designElementId}",
    tag = "Design Elements",
    params(("projectId" = i64, Path, description = "The project id."),
           ("designElementId" = i64, Path, description = "The design element id."), GetQuery),
    responses((status = 200, body = DesignElement), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn get_design_element(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, id)): Ids<(i64, i64)>,
    Q(q): Q<GetQuery>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let e = ops::get(
        &mut tx,
        &actor,
        pid,
        id,
        q.include_children.unwrap_or(false),
    )
    .await?;
    tx.commit().await?;
    Ok(reply::ok(e))
}

/// Updates the design element: every field is replaced (an omitted `parentId` makes it a root).
#[utoipa::path(put, path = "/v0/projects/{projectId}/designelements/{designElementId}",
    tag = "Design Elements",
    params(("projectId" = i64, Path, description = "The project id."),
           ("designElementId" = i64, Path, description = "The design element id.")),
    request_body = UpdateDesignElementValues,
    responses((status = 200, body = DesignElement), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn update_design_element(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, id)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: UpdateDesignElementValues = body.json()?;
    let mut tx = s.db.write().await?;
    let e = ops::update(&mut tx, &actor, pid, id, v).await?;
    tx.commit().await?;
    Ok(reply::ok(e))
}

/// Updates the design element partially; `parentId` re-parents it (null → root).
#[utoipa::path(patch, path = "/v0/projects/{projectId}/designelements/{designElementId}",
    tag = "Design Elements",
    params(("projectId" = i64, Path, description = "The project id."),
           ("designElementId" = i64, Path, description = "The design element id.")),
    request_body = PatchDesignElementValues,
    responses((status = 200, body = DesignElement), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn patch_design_element(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, id)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: PatchDesignElementValues = body.json()?;
    let mut tx = s.db.write().await?;
    let e = ops::patch(&mut tx, &actor, pid, id, v).await?;
    tx.commit().await?;
    Ok(reply::ok(e))
}

/// Deletes the design element with its whole subtree and their comments. Linked work items are
/// unlinked, or deleted with `removeWorkItems: true`.
#[utoipa::path(delete, path = "/v0/projects/{projectId}/designelements/{designElementId}",
    tag = "Design Elements",
    params(("projectId" = i64, Path, description = "The project id."),
           ("designElementId" = i64, Path, description = "The design element id.")),
    request_body(content = Option<DeleteDesignElementValues>, description = "Optional; `{}` when absent."),
    responses((status = 200, description = "Deleted (empty body)"), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn delete_design_element(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, id)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: DeleteDesignElementValues = body.json_opt()?.unwrap_or_default();
    let mut tx = s.db.write().await?;
    ops::delete(&mut tx, &actor, pid, id, v).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct MetricsQuery {
    /// Sum up the work items of the element's whole subtree too.
    #[serde(default, deserialize_with = "flag")]
    #[param(value_type = Option<bool>)]
    include_children: Option<bool>,
}

/// Gets the metrics of the work items linked to the element (and, with `includeChildren`,
/// to every element below it), as board metrics are computed.
#[utoipa::path(get, path = "/v0/projects/{projectId}/designelements/{designElementId}/metrics",
    tag = "Design Elements",
    params(("projectId" = i64, Path, description = "The project id."),
           ("designElementId" = i64, Path, description = "The design element id."), MetricsQuery),
    responses((status = 200, body = Metrics), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn design_element_metrics(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, id)): Ids<(i64, i64)>,
    Q(q): Q<MetricsQuery>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let out = ops::metrics(&mut tx, &actor, pid, id, q.include_children == Some(true)).await?;
    tx.commit().await?;
    Ok(reply::ok(out))
}
