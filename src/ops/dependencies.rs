//! Dependencies of a work item: the items (predecessors) it waits for. An item is blocked while
//! a predecessor sits in a stage that is neither closed nor an unblocker (BEHAVIOUR.md §8); the
//! loader derives `isBlocked`/`hasDependencies` from the table, so they follow every change here.

use super::access::Member;
use super::work_item_access::{self as wia, ItemRef};
use super::{Actor, OpError, OpResult, Scope, work_items};
use crate::changes::{self, Event};
use crate::model::{self, DependencyChange, WorkItemDependency};
use crate::params;
use crate::store::{self, Tx};

pub const SELF_DEPENDENCY: &str = "A work item cannot depend on itself.";
pub const DUPLICATE: &str = "The work item already depends on this work item.";
pub const CYCLE: &str = "The dependency would create a cycle.";

async fn exists(tx: &mut Tx, item: &ItemRef, dep: i64) -> OpResult<bool> {
    Ok(tx
        .exists(
            "SELECT depends_on_id FROM dependencies \
             WHERE project_id = $1 AND work_item_id = $2 AND depends_on_id = $3",
            params![item.project_id, item.work_item_id, dep],
        )
        .await?)
}

/// The dependency object for predecessor `dep` (already checked readable).
async fn one(tx: &mut Tx, m: &Member, pid: i64, dep: i64) -> OpResult<WorkItemDependency> {
    store::work_items::load(tx, pid, &[dep], &m.hidden_categories())
        .await?
        .pop()
        .map(WorkItemDependency::from)
        .ok_or(OpError::NotFound)
}

/// The existing dependency of `item` on `dep`, with a predecessor the member can read; else NotFound.
async fn find(tx: &mut Tx, m: &Member, item: &ItemRef, dep: i64) -> OpResult<()> {
    if !exists(tx, item, dep).await? {
        return Err(OpError::NotFound);
    }
    wia::load(tx, m, dep).await?;
    Ok(())
}

/// The item's dependencies, by predecessor id; predecessors the caller cannot read are left out.
pub async fn list(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    wid: i64,
) -> OpResult<Vec<WorkItemDependency>> {
    let (m, _) = wia::open(tx, actor, pid, wid, Scope::WorkItemsRead).await?;
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
    Ok(
        store::work_items::load(tx, pid, &ids, &m.hidden_categories())
            .await?
            .into_iter()
            .map(WorkItemDependency::from)
            .collect(),
    )
}

/// Makes `wid` depend on `dep`; a dependency on itself, a duplicate or a cycle → Invalid.
pub async fn add(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    wid: i64,
    dep: i64,
) -> OpResult<WorkItemDependency> {
    let (m, item) = wia::open_for_edit(tx, actor, pid, wid).await?;
    if dep == wid {
        return Err(OpError::invalid(SELF_DEPENDENCY));
    }
    wia::load(tx, &m, dep).await?;
    // Serializes concurrent additions, so two of them cannot close a cycle together.
    store::work_items::lock_project(tx, pid).await?;
    if exists(tx, &item, dep).await? {
        return Err(OpError::invalid(DUPLICATE));
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
        return Err(OpError::invalid(CYCLE));
    }
    tx.exec(
        "INSERT INTO dependencies (project_id, work_item_id, depends_on_id, creation_date) \
         VALUES ($1, $2, $3, $4)",
        params![pid, wid, dep, model::now()],
    )
    .await?;
    wia::touch(tx, pid, wid).await?;
    let d = one(tx, &m, pid, dep).await?;
    record(tx, actor, &item, Event::WorkItemDependencyAdded, &d).await?;
    // An unresolved predecessor blocks the item when nothing else did.
    if !d.is_resolved
        && !work_items::blocked_only_by(tx, pid, dep, Some(wid))
            .await?
            .is_empty()
    {
        work_items::record_flips(tx, actor, &m, pid, &[wid], Event::WorkItemBlocked).await?;
    }
    Ok(d)
}

/// The dependency of `wid` on `dep`.
pub async fn get(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    wid: i64,
    dep: i64,
) -> OpResult<WorkItemDependency> {
    let (m, item) = wia::open(tx, actor, pid, wid, Scope::WorkItemsRead).await?;
    find(tx, &m, &item, dep).await?;
    one(tx, &m, pid, dep).await
}

/// Removes the dependency of `wid` on `dep`.
pub async fn remove(tx: &mut Tx, actor: &Actor, pid: i64, wid: i64, dep: i64) -> OpResult<()> {
    let (m, item) = wia::open_for_edit(tx, actor, pid, wid).await?;
    find(tx, &m, &item, dep).await?;
    // The dependency as it was, and whether it alone was blocking the item.
    let d = one(tx, &m, pid, dep).await?;
    let unblocks = !d.is_resolved
        && !work_items::blocked_only_by(tx, pid, dep, Some(wid))
            .await?
            .is_empty();
    tx.exec(
        "DELETE FROM dependencies WHERE project_id = $1 AND work_item_id = $2 AND depends_on_id = $3",
        params![pid, wid, dep],
    )
    .await?;
    wia::touch(tx, pid, wid).await?;
    record(tx, actor, &item, Event::WorkItemDependencyRemoved, &d).await?;
    if unblocks {
        work_items::record_flips(tx, actor, &m, pid, &[wid], Event::WorkItemUnblocked).await?;
    }
    Ok(())
}

/// Records a dependency event: the entity is the dependency with the item it belongs to, the
/// entity id the predecessor (the API's `dependencyId`), filed under the item's category.
async fn record(
    tx: &mut Tx,
    actor: &Actor,
    item: &ItemRef,
    event: Event,
    d: &WorkItemDependency,
) -> OpResult<()> {
    let entity = DependencyChange {
        project_id: item.project_id,
        work_item_id: item.work_item_id,
        dependency: d.clone(),
    };
    changes::record(
        tx,
        actor,
        item.project_id,
        event,
        d.work_item.work_item_id,
        item.category(),
        &entity,
    )
    .await?;
    Ok(())
}
