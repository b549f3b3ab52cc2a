//! The project's activity: its change log as a member may read it, as a page (the feed) or as
//! the changes after a given one (the live stream). Ours, not in the reference.

use super::access;
use super::{Actor, OpResult, Scope};
use crate::changes::{self, Change};
use crate::model::{Paged, Paging};
use crate::store::Tx;

/// Newest first; the changes of work items in categories the caller may not read are left out.
pub async fn list(tx: &mut Tx, actor: &Actor, pid: i64, page: Paging) -> OpResult<Paged<Change>> {
    let m = access::member(tx, actor, pid, Scope::ProjectsRead).await?;
    let hidden = m.hidden_categories();
    let total = changes::count(tx, pid, &hidden).await?;
    let items = changes::read(tx, pid, &hidden, 0, true, page).await?;
    Ok(Paged {
        total_count: total,
        offset: page.offset,
        limit: page.limit,
        items,
    })
}

/// Where a live stream starts: after `after` when the client resumes, else after the newest change.
pub async fn stream_start(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    after: Option<i64>,
) -> OpResult<i64> {
    access::member(tx, actor, pid, Scope::ProjectsRead).await?;
    match after {
        Some(a) => Ok(a),
        None => changes::latest(tx, pid).await,
    }
}

/// Up to `limit` changes after `after`, oldest first: one poll of a live stream. The caller's
/// membership is checked again on every poll, so a removed member's stream ends.
pub async fn since(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    after: i64,
    limit: i64,
) -> OpResult<Vec<Change>> {
    let m = access::member(tx, actor, pid, Scope::ProjectsRead).await?;
    let page = Paging { offset: 0, limit };
    changes::read(tx, pid, &m.hidden_categories(), after, false, page).await
}
