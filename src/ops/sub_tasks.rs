//! Sub-tasks (checklist items) of a work item. Ids are numbered per work item. Adding, renaming
//! and deleting one edits the item (category write permission); ticking one only updates it.

use serde::Deserialize;
use utoipa::ToSchema;

use super::access::Member;
use super::work_item_access::{self as wia, ItemRef};
use super::{Actor, OpError, OpResult, Scope};
use crate::changes::{self, Event};
use crate::model::{self, Check, SubTask};
use crate::params;
use crate::store::Tx;

/// PUT: both fields; an omitted `isCompleted` becomes false.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateWorkItemSubTaskValues {
    /// Required.
    pub title: Option<String>,
    pub is_completed: Option<bool>,
}

/// PATCH: only the fields present change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PatchWorkItemSubTaskValues {
    pub title: Option<String>,
    pub is_completed: Option<bool>,
}

const SUB_TASK_SELECT: &str = "SELECT s.project_id, s.work_item_id, s.sub_task_id, s.title, s.is_completed, \
     (SELECT COUNT(*) FROM sub_tasks o WHERE o.project_id = s.project_id \
      AND o.work_item_id = s.work_item_id AND o.sub_task_id < s.sub_task_id) AS position, \
     s.creation_date FROM sub_tasks s WHERE s.project_id = $1 AND s.work_item_id = $2";

async fn load(tx: &mut Tx, item: &ItemRef, sid: i64) -> OpResult<SubTask> {
    tx.opt(
        &format!("{SUB_TASK_SELECT} AND s.sub_task_id = $3"),
        params![item.project_id, item.work_item_id, sid],
    )
    .await?
    .ok_or(OpError::NotFound)
}

/// The item's sub-tasks, in the order they were added.
pub async fn list(tx: &mut Tx, actor: &Actor, pid: i64, wid: i64) -> OpResult<Vec<SubTask>> {
    let (_, item) = wia::open(tx, actor, pid, wid, Scope::WorkItemsRead).await?;
    Ok(tx
        .all(
            &format!("{SUB_TASK_SELECT} ORDER BY s.sub_task_id"),
            params![item.project_id, item.work_item_id],
        )
        .await?)
}

pub async fn get(tx: &mut Tx, actor: &Actor, pid: i64, wid: i64, sid: i64) -> OpResult<SubTask> {
    let (_, item) = wia::open(tx, actor, pid, wid, Scope::WorkItemsRead).await?;
    load(tx, &item, sid).await
}

/// Adds a sub-task, not completed, at the end of the list.
pub async fn create(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    wid: i64,
    title: String,
) -> OpResult<SubTask> {
    let mut c = Check::new();
    c.name("title", Some(&title));
    c.finish()?;
    let (m, item) = wia::open(tx, actor, pid, wid, Scope::WorkItemsWrite).await?;
    m.require(m.can_write_category(item.category()))?;
    let (sid,): (i64,) = tx
        .one(
            "UPDATE work_items SET last_sub_task_id = last_sub_task_id + 1 \
             WHERE project_id = $1 AND work_item_id = $2 RETURNING last_sub_task_id",
            params![pid, wid],
        )
        .await?;
    tx.exec(
        "INSERT INTO sub_tasks (project_id, work_item_id, sub_task_id, title, is_completed, creation_date) \
         VALUES ($1, $2, $3, $4, FALSE, $5)",
        params![pid, wid, sid, title.trim(), model::now()],
    )
    .await?;
    wia::touch(tx, pid, wid).await?;
    let st = load(tx, &item, sid).await?;
    let event = Event::WorkItemSubTaskCreated;
    changes::record(tx, actor, pid, event, sid, item.category(), &st).await?;
    Ok(st)
}

/// Replaces both values; an omitted `isCompleted` becomes false.
pub async fn update(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    wid: i64,
    sid: i64,
    v: UpdateWorkItemSubTaskValues,
) -> OpResult<SubTask> {
    let mut c = Check::new();
    c.name("title", v.title.as_deref());
    c.finish()?;
    let (m, item) = wia::open(tx, actor, pid, wid, Scope::WorkItemsWrite).await?;
    let cur = load(tx, &item, sid).await?;
    let title = v.title.unwrap_or_default();
    save(
        tx,
        actor,
        &m,
        &item,
        cur,
        title,
        v.is_completed.unwrap_or(false),
    )
    .await
}

/// Changes only the values sent.
pub async fn patch(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    wid: i64,
    sid: i64,
    v: PatchWorkItemSubTaskValues,
) -> OpResult<SubTask> {
    let mut c = Check::new();
    if v.title.is_some() {
        c.name("title", v.title.as_deref());
    }
    c.finish()?;
    let (m, item) = wia::open(tx, actor, pid, wid, Scope::WorkItemsWrite).await?;
    let cur = load(tx, &item, sid).await?;
    let title = v.title.unwrap_or_else(|| cur.title.clone());
    let done = v.is_completed.unwrap_or(cur.is_completed);
    save(tx, actor, &m, &item, cur, title, done).await
}

/// Validated values onto the stored sub-task. Changing only `isCompleted` (ticking) needs update
/// permission on the category; anything else needs write permission. Records `closed` or
/// `reopened` when `isCompleted` flips, `updated` when the title changes or nothing flips.
async fn save(
    tx: &mut Tx,
    actor: &Actor,
    m: &Member,
    item: &ItemRef,
    cur: SubTask,
    title: String,
    is_completed: bool,
) -> OpResult<SubTask> {
    let title = title.trim().to_string();
    if title != cur.title {
        m.require(m.can_write_category(item.category()))?;
    } else {
        m.require(m.can_update_category(item.category()))?;
    }
    tx.exec(
        "UPDATE sub_tasks SET title = $1, is_completed = $2 \
         WHERE project_id = $3 AND work_item_id = $4 AND sub_task_id = $5",
        params![
            &title,
            is_completed,
            item.project_id,
            item.work_item_id,
            cur.sub_task_id
        ],
    )
    .await?;
    wia::touch(tx, item.project_id, item.work_item_id).await?;
    let flip = match (cur.is_completed, is_completed) {
        (false, true) => Some(Event::WorkItemSubTaskClosed),
        (true, false) => Some(Event::WorkItemSubTaskReopened),
        _ => None,
    };
    let renamed = title != cur.title;
    // Only the two values changed: the rest (position, creation date) stays as loaded.
    let st = SubTask {
        title,
        is_completed,
        ..cur
    };
    let events = (renamed || flip.is_none())
        .then_some(Event::WorkItemSubTaskUpdated)
        .into_iter()
        .chain(flip);
    for event in events {
        let (pid, sid) = (st.project_id, st.sub_task_id);
        changes::record(tx, actor, pid, event, sid, item.category(), &st).await?;
    }
    Ok(st)
}

pub async fn delete(tx: &mut Tx, actor: &Actor, pid: i64, wid: i64, sid: i64) -> OpResult<()> {
    let (m, item) = wia::open(tx, actor, pid, wid, Scope::WorkItemsWrite).await?;
    let st = load(tx, &item, sid).await?;
    m.require(m.can_write_category(item.category()))?;
    tx.exec(
        "DELETE FROM sub_tasks WHERE project_id = $1 AND work_item_id = $2 AND sub_task_id = $3",
        params![pid, wid, sid],
    )
    .await?;
    wia::touch(tx, pid, wid).await?;
    let event = Event::WorkItemSubTaskDeleted;
    changes::record(tx, actor, pid, event, sid, item.category(), &st).await?;
    Ok(())
}
