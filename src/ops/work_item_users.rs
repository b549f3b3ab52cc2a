//! The project users assigned to a work item. Assigning a user to a child of a user story also
//! assigns them to the story (BEHAVIOUR.md §8).

use super::work_item_access as wia;
use super::{Actor, OpError, OpResult, work_items};
use crate::changes::Event;
use crate::model;
use crate::params;
use crate::store::{self, Tx};

const ASSIGNED: &str = "SELECT user_id FROM work_item_users WHERE project_id = $1 AND work_item_id = $2 AND user_id = $3";
const INSERT: &str = "INSERT INTO work_item_users (project_id, work_item_id, user_id, creation_date) \
                      VALUES ($1, $2, $3, $4)";

/// Assigns an active project member to the item (and to its story).
pub async fn assign(tx: &mut Tx, actor: &Actor, pid: i64, wid: i64, user_id: i64) -> OpResult<()> {
    let (m, item) = wia::open_for_edit(tx, actor, pid, wid).await?;
    let active: Option<(bool,)> = tx
        .opt(
            "SELECT is_active FROM project_users WHERE project_id = $1 AND user_id = $2",
            params![pid, user_id],
        )
        .await?;
    match active {
        None => return Err(OpError::NotFound),
        Some((false,)) => return Err(OpError::conflict("The user is inactive in the project.")),
        Some((true,)) => {}
    }
    if tx.exists(ASSIGNED, params![pid, wid, user_id]).await? {
        return Err(OpError::conflict(
            "The user is already assigned to the work item.",
        ));
    }
    let now = model::now();
    tx.exec(INSERT, params![pid, wid, user_id, &now]).await?;
    wia::touch(tx, pid, wid).await?;
    let mut changed = vec![wid];
    if let Some(story) = item.parent_story_id
        && !tx.exists(ASSIGNED, params![pid, story, user_id]).await?
    {
        tx.exec(INSERT, params![pid, story, user_id, &now]).await?;
        wia::touch(tx, pid, story).await?;
        changed.push(story);
    }
    // One assignment record per item that gained the user (the item, then its story).
    for w in store::work_items::load(tx, pid, &changed, &m.hidden_categories()).await? {
        work_items::record_users(tx, actor, Event::WorkItemUserAssigned, &w, &[user_id]).await?;
    }
    Ok(())
}

/// Unassigns a user from the item (the story keeps them).
pub async fn unassign(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    wid: i64,
    user_id: i64,
) -> OpResult<()> {
    let (m, _) = wia::open_for_edit(tx, actor, pid, wid).await?;
    if tx
        .exec(
            "DELETE FROM work_item_users WHERE project_id = $1 AND work_item_id = $2 AND user_id = $3",
            params![pid, wid, user_id],
        )
        .await?
        == 0
    {
        return Err(OpError::NotFound);
    }
    wia::touch(tx, pid, wid).await?;
    let w = work_items::reload(tx, &m, wid).await?;
    work_items::record_users(tx, actor, Event::WorkItemUserUnassigned, &w, &[user_id]).await
}
