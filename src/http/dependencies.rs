//! Dependencies of a work item: the HTTP side of `ops::dependencies`.

use axum::extract::State;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Ids, RawBody};
use super::reply;
use crate::model::WorkItemDependency;
use crate::ops::{Actor, dependencies};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_dependencies, add_dependency))
        .routes(routes!(get_dependency, remove_dependency))
}

/// Gets the list of dependencies of the work item (ordered by predecessor id; predecessors the
/// caller cannot read are left out).
#[utoipa::path(get, path = "/v0/projects/{projectId}/workitems/{workItemId}/dependencies",
    tag = "Work Items / Dependencies",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id.")),
    responses((status = 200, body = Vec<WorkItemDependency>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn list_dependencies(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, wid)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let list = dependencies::list(&mut tx, &actor, pid, wid).await?;
    tx.commit().await?;
    Ok(reply::ok(list))
}

/// Makes the work item depend on another one (the predecessor); replies with the new dependency.
#[utoipa::path(post, path = "/v0/projects/{projectId}/workitems/{workItemId}/dependencies",
    tag = "Work Items / Dependencies",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id.")),
    request_body(content = i64, description = "The predecessor's work item id (bare integer, \"42\", \
        {\"dependencyId\": n} or {\"workItemId\": n})."),
    responses((status = 201, body = WorkItemDependency),
              (status = 400, body = ErrorBody, description = "Malformed body, a dependency on itself, \
                a duplicate or a cycle"),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Work item or predecessor not found")))]
async fn add_dependency(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, wid)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let dep = body
        .int("dependencyId")
        .or_else(|_| body.int("workItemId"))?;
    let mut tx = s.db.write().await?;
    let d = dependencies::add(&mut tx, &actor, pid, wid, dep).await?;
    tx.commit().await?;
    Ok(reply::created(d))
}

/// Gets a work item dependency (`dependencyId` is the predecessor's work item id).
#[utoipa::path(get, path = "/v0/projects/{projectId}/workitems/{workItemId}/dependencies/{dependencyId}",
    tag = "Work Items / Dependencies",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id."),
           ("dependencyId" = i64, Path, description = "The predecessor's work item id.")),
    responses((status = 200, body = WorkItemDependency), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody),
              (status = 404, description = "Work item not found, or it has no such dependency")))]
async fn get_dependency(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, wid, dep)): Ids<(i64, i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let d = dependencies::get(&mut tx, &actor, pid, wid, dep).await?;
    tx.commit().await?;
    Ok(reply::ok(d))
}

/// Removes a work item dependency.
#[utoipa::path(delete, path = "/v0/projects/{projectId}/workitems/{workItemId}/dependencies/{dependencyId}",
    tag = "Work Items / Dependencies",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id."),
           ("dependencyId" = i64, Path, description = "The predecessor's work item id.")),
    responses((status = 200, description = "Removed (empty body)"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody),
              (status = 404, description = "Work item not found, or it has no such dependency")))]
async fn remove_dependency(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, wid, dep)): Ids<(i64, i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    dependencies::remove(&mut tx, &actor, pid, wid, dep).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}
