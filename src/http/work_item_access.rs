//! A work item as its sub-resources (sub-tasks, tags, users, logs, comments) see it: found in the
//! project and readable by the caller, or 404. Every change to a sub-resource is a change of the
//! item (BEHAVIOUR.md §8), hence `touch`.

use super::auth::{Auth, Scope};
use super::error::{ApiError, ApiResult};
use crate::model;
use crate::ops::access::{self, Member};
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

/// The item `wid` of project `pid`; unknown, or in a category the member cannot read → 404.
pub async fn load(tx: &mut Tx, m: &Member, wid: i64) -> ApiResult<ItemRef> {
    let item: ItemRef = tx
        .opt(
            "SELECT project_id, work_item_id, category_id, is_story, parent_story_id, board_id \
             FROM work_items WHERE project_id = $1 AND work_item_id = $2",
            params![m.project_id, wid],
        )
        .await?
        .ok_or(ApiError::NotFound)?;
    if !m.can_read_category(item.category()) {
        return Err(ApiError::NotFound);
    }
    Ok(item)
}

/// The caller's membership (with `scope`) and the item, in one call.
pub async fn open(
    tx: &mut Tx,
    auth: &Auth,
    pid: i64,
    wid: i64,
    scope: Scope,
) -> ApiResult<(Member, ItemRef)> {
    let m = access::member(tx, auth, pid, scope).await?;
    let item = load(tx, &m, wid).await?;
    // Every change to a sub-resource changes the item: refused while it is on a closed board.
    if matches!(scope, Scope::WorkItemsWrite) {
        access::require_open_board(tx, pid, item.board_id).await?;
    }
    Ok((m, item))
}

/// Marks the item as changed now.
pub async fn touch(tx: &mut Tx, pid: i64, wid: i64) -> ApiResult<()> {
    tx.exec(
        "UPDATE work_items SET update_date = $1 WHERE project_id = $2 AND work_item_id = $3",
        params![model::now(), pid, wid],
    )
    .await?;
    Ok(())
}
