//! A work item as its sub-resources (sub-tasks, tags, users, logs, comments, dependencies) see
//! it: found in the project and readable by the caller, or NotFound. Every change to a
//! sub-resource is a change of the item (BEHAVIOUR.md §8), hence `touch`.

use super::access::{self, Member};
use super::{Actor, OpError, OpResult, Scope};
use crate::model;
use crate::params;
use crate::store::Tx;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemRef {
    pub project_id: i64,
    pub work_item_id: i64,
    pub category_id: Option<i64>,
    pub is_story: bool,
    pub parent_story_id: Option<i64>,
    /// Only read by `load` (other queries that build an `ItemRef` may leave it out).
    #[sqlx(default)]
    pub board_id: Option<i64>,
}
crate::lite_row!(ItemRef { project_id, work_item_id, category_id, is_story, parent_story_id } default { board_id });

impl ItemRef {
    /// The category the permission rules look at (user stories have none).
    pub fn category(&self) -> Option<i64> {
        if self.is_story {
            None
        } else {
            self.category_id
        }
    }
}

/// The item `wid` of project `pid`; unknown, or in a category the member cannot read → NotFound.
pub async fn load(tx: &mut Tx, m: &Member, wid: i64) -> OpResult<ItemRef> {
    let item: ItemRef = tx
        .opt(
            "SELECT project_id, work_item_id, category_id, is_story, parent_story_id, board_id \
             FROM work_items WHERE project_id = $1 AND work_item_id = $2",
            params![m.project_id, wid],
        )
        .await?
        .ok_or(OpError::NotFound)?;
    if !m.can_read_category(item.category()) {
        return Err(OpError::NotFound);
    }
    Ok(item)
}

/// The caller's membership (with `scope`) and the item, in one call.
pub async fn open(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    wid: i64,
    scope: Scope,
) -> OpResult<(Member, ItemRef)> {
    let m = access::member(tx, actor, pid, scope).await?;
    let item = load(tx, &m, wid).await?;
    // Every change to a sub-resource changes the item: refused while it is on a closed board.
    if matches!(scope, Scope::WorkItemsWrite) {
        access::require_open_board(tx, pid, item.board_id).await?;
    }
    Ok((m, item))
}

/// `open` for a write that edits the item's own data (tags, assignees, dependencies): the
/// member must also have write permission on its category.
pub async fn open_for_edit(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    wid: i64,
) -> OpResult<(Member, ItemRef)> {
    let (m, item) = open(tx, actor, pid, wid, Scope::WorkItemsWrite).await?;
    m.require(m.can_write_category(item.category()))?;
    Ok((m, item))
}

/// Marks the item as changed now.
pub async fn touch(tx: &mut Tx, pid: i64, wid: i64) -> OpResult<()> {
    tx.exec(
        "UPDATE work_items SET update_date = $1 WHERE project_id = $2 AND work_item_id = $3",
        params![model::now(), pid, wid],
    )
    .await?;
    Ok(())
}
