//! Dependencies of a work item: the items (predecessors) it waits for. An item is blocked while
//! a predecessor sits in a stage that is neither closed nor an unblocker (BEHAVIOUR.md §8); the
//! loader derives `isBlocked`/`hasDependencies` from the table, so they follow every change here.

use axum::extract::State;
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::{Auth, Scope};
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{Ids, RawBody};
use super::reply;
use super::work_item_access::{self as wia, ItemRef};
use crate::model::{self, WorkItem};
use crate::ops::access::Member;
use crate::params;
use crate::store::{self, Tx};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_dependencies, add_dependency))
        .routes(routes!(get_dependency, remove_dependency))
}

pub const SELF_DEPENDENCY: &str = "A work item cannot depend on itself.";
pub const DUPLICATE: &str = "The work item already depends on this work item.";
pub const CYCLE: &str = "The dependency would create a cycle.";

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WorkItemDependency {
    /// The predecessor.
    pub work_item: WorkItem,
    /// The predecessor is in a closed stage or an unblocker stage.
    pub is_resolved: bool,
}

impl From<WorkItem> for WorkItemDependency {
    fn from(w: WorkItem) -> Self {
        let is_resolved = w.stage.status == "closed" || w.stage.is_unblocker;
        WorkItemDependency {
            work_item: w,
            is_resolved,
        }
    }
}

async fn exists(tx: &mut Tx, item: &ItemRef, dep: i64) -> ApiResult<bool> {
    Ok(tx
        .exists(
            "SELECT depends_on_id FROM dependencies \
             WHERE project_id = $1 AND work_item_id = $2 AND depends_on_id = $3",
            params![item.project_id, item.work_item_id, dep],
        )
        .await?)
}

/// The dependency object for predecessor `dep` (already checked readable).
async fn one(tx: &mut Tx, m: &Member, pid: i64, dep: i64) -> ApiResult<WorkItemDependency> {
    store::work_items::load(tx, pid, &[dep], &m.hidden_categories())
        .await?
        .pop()
        .map(WorkItemDependency::from)
        .ok_or(ApiError::NotFound)
}

/// The existing dependency of `item` on `dep`, with a predecessor the member can read; else 404.
async fn find(tx: &mut Tx, m: &Member, item: &ItemRef, dep: i64) -> ApiResult<()> {
    if !exists(tx, item, dep).await? {
        return Err(ApiError::NotFound);
    }
    wia::load(tx, m, dep).await?;
    Ok(())
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
    auth: Auth,
    Ids((pid, wid)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let (m, _) = wia::open(&mut tx, &auth, pid, wid, Scope::WorkItemsRead).await?;
    let preds: Vec<ItemRef> = tx
        .all(
            "SELECT w.project_id, w.work_item_id, w.category_id, w.is_story, w.parent_story_id \
             FROM dependencies d JOIN work_items w \
             ON w.project_id = d.project_id AND w.work_item_id = d.depends_on_id \
             WHERE d.project_id = $1 AND d.work_item_id = $2 ORDER BY d.depends_on_id",
            params![pid, wid],
        )
        .await?;
    let ids: Vec<i64> = preds
        .iter()
        .filter(|p| m.can_read_category(p.category()))
        .map(|p| p.work_item_id)
        .collect();
    let list: Vec<WorkItemDependency> =
        store::work_items::load(&mut tx, pid, &ids, &m.hidden_categories())
            .await?
            .into_iter()
            .map(WorkItemDependency::from)
            .collect();
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
    auth: Auth,
    Ids((pid, wid)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let dep = body
        .int("dependencyId")
        .or_else(|_| body.int("workItemId"))?;
    let mut tx = s.db.write().await?;
    let (m, item) = wia::open(&mut tx, &auth, pid, wid, Scope::WorkItemsWrite).await?;
    m.require(m.can_write_category(item.category()))?;
    if dep == wid {
        return Err(ApiError::bad(SELF_DEPENDENCY));
    }
    wia::load(&mut tx, &m, dep).await?;
    // Serializes concurrent additions, so two of them cannot close a cycle together.
    store::work_items::lock_project(&mut tx, pid).await?;
    if exists(&mut tx, &item, dep).await? {
        return Err(ApiError::bad(DUPLICATE));
    }
    // A cycle: the predecessor already depends, directly or not, on this item. UNION (not ALL)
    // keeps the walk finite whatever the graph.
    let cycle = tx
        .exists(
            "WITH RECURSIVE chain(id) AS ( \
               SELECT CAST($2 AS BIGINT) \
               UNION \
               SELECT d.depends_on_id FROM dependencies d JOIN chain c ON d.work_item_id = c.id \
               WHERE d.project_id = $1) \
             SELECT id FROM chain WHERE id = $3",
            params![pid, dep, wid],
        )
        .await?;
    if cycle {
        return Err(ApiError::bad(CYCLE));
    }
    tx.exec(
        "INSERT INTO dependencies (project_id, work_item_id, depends_on_id, creation_date) \
         VALUES ($1, $2, $3, $4)",
        params![pid, wid, dep, model::now()],
    )
    .await?;
    wia::touch(&mut tx, pid, wid).await?;
    let d = one(&mut tx, &m, pid, dep).await?;
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
    auth: Auth,
    Ids((pid, wid, dep)): Ids<(i64, i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let (m, item) = wia::open(&mut tx, &auth, pid, wid, Scope::WorkItemsRead).await?;
    find(&mut tx, &m, &item, dep).await?;
    let d = one(&mut tx, &m, pid, dep).await?;
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
    auth: Auth,
    Ids((pid, wid, dep)): Ids<(i64, i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    let (m, item) = wia::open(&mut tx, &auth, pid, wid, Scope::WorkItemsWrite).await?;
    m.require(m.can_write_category(item.category()))?;
    find(&mut tx, &m, &item, dep).await?;
    tx.exec(
        "DELETE FROM dependencies WHERE project_id = $1 AND work_item_id = $2 AND depends_on_id = $3",
        params![pid, wid, dep],
    )
    .await?;
    wia::touch(&mut tx, pid, wid).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}
