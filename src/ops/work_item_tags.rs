//! The project tags assigned to a work item.

use super::work_item_access as wia;
use super::{Actor, OpError, OpResult, Scope, work_items};
use crate::changes::Event;
use crate::model::{TAG_COLS, Tag};
use crate::params;
use crate::store::Tx;

/// The item's tags, by id.
pub async fn list(tx: &mut Tx, actor: &Actor, pid: i64, wid: i64) -> OpResult<Vec<Tag>> {
    wia::open(tx, actor, pid, wid, Scope::WorkItemsRead).await?;
    Ok(tx
        .all(
            &format!(
                "SELECT {TAG_COLS} FROM work_item_tags wt \
                 JOIN tags t ON t.project_id = wt.project_id AND t.tag_id = wt.tag_id \
                 WHERE wt.project_id = $1 AND wt.work_item_id = $2 ORDER BY t.tag_id"
            ),
            params![pid, wid],
        )
        .await?)
}

/// Tags the item; an unknown tag → NotFound, one it already has → Conflict.
pub async fn add(tx: &mut Tx, actor: &Actor, pid: i64, wid: i64, tag_id: i64) -> OpResult<()> {
    let (m, _) = wia::open_for_edit(tx, actor, pid, wid).await?;
    if !tx
        .exists(
            "SELECT tag_id FROM tags WHERE project_id = $1 AND tag_id = $2",
            params![pid, tag_id],
        )
        .await?
    {
        return Err(OpError::NotFound);
    }
    if tx
        .exists(
            "SELECT tag_id FROM work_item_tags WHERE project_id = $1 AND work_item_id = $2 AND tag_id = $3",
            params![pid, wid, tag_id],
        )
        .await?
    {
        return Err(OpError::conflict(
            "The tag is already assigned to the work item.",
        ));
    }
    tx.exec(
        "INSERT INTO work_item_tags (project_id, work_item_id, tag_id) VALUES ($1, $2, $3)",
        params![pid, wid, tag_id],
    )
    .await?;
    wia::touch(tx, pid, wid).await?;
    // A tag added or removed is an edit of the item.
    let w = work_items::reload(tx, &m, wid).await?;
    work_items::record_item(tx, actor, Event::WorkItemUpdated, &w).await
}

/// Removes a tag from the item; one it does not have → NotFound.
pub async fn remove(tx: &mut Tx, actor: &Actor, pid: i64, wid: i64, tag_id: i64) -> OpResult<()> {
    let (m, _) = wia::open_for_edit(tx, actor, pid, wid).await?;
    if tx
        .exec(
            "DELETE FROM work_item_tags WHERE project_id = $1 AND work_item_id = $2 AND tag_id = $3",
            params![pid, wid, tag_id],
        )
        .await?
        == 0
    {
        return Err(OpError::NotFound);
    }
    wia::touch(tx, pid, wid).await?;
    // A tag added or removed is an edit of the item.
    let w = work_items::reload(tx, &m, wid).await?;
    work_items::record_item(tx, actor, Event::WorkItemUpdated, &w).await
}
