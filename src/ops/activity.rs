//! The project's activity: its change log as a member may read it (ours, not in the reference).

use super::access;
use super::{Actor, OpResult, Scope};
use crate::changes::{self, Change};
use crate::model::{Paged, Paging};
use crate::store::Tx;

/// Newest first; the changes of work items in categories the caller may not read are left out.
pub async fn list(tx: &mut Tx, actor: &Actor, pid: i64, page: Paging) -> OpResult<Paged<Change>> {
    let m = access::member(tx, actor, pid, Scope::ProjectsRead).await?;
    let (total, items) = changes::read(
        tx,
        pid,
        &m.hidden_categories(),
        None,
        true,
        page.limit,
        page.offset,
    )
    .await?;
    Ok(Paged {
        total_count: total,
        offset: page.offset,
        limit: page.limit,
        items,
    })
}

/// Changes after `after` (a change number), oldest first, at most `limit`: the live stream's poll.
pub async fn since(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    after: i64,
    limit: i64,
) -> OpResult<Vec<Change>> {
    let m = access::member(tx, actor, pid, Scope::ProjectsRead).await?;
    let (_, items) = changes::read(
        tx,
        pid,
        &m.hidden_categories(),
        Some(after),
        false,
        limit,
        0,
    )
    .await?;
    Ok(items)
}
