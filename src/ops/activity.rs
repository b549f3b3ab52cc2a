//! The project's activity: its change log as a member may read it, as a page (the feed) or as
//! the changes after a given one (the live stream). Ours, not in the reference.

use std::collections::VecDeque;
use std::time::Duration;

use super::access;
use super::{Actor, OpError, OpResult, Scope};
use crate::changes::{self, Change};
use crate::model::{Paged, Paging};
use crate::store::{Db, Tx};

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

/// How often a live stream looks for new changes. Polling the database (one indexed query) is
/// what lets a stream see the changes written by every instance sharing a PostgreSQL.
const POLL: Duration = Duration::from_millis(500);
/// Changes read per poll; a stream that resumes far back catches up in batches this size.
const BATCH: i64 = 100;

/// One live stream's position in the change log.
pub struct Feed {
    db: Db,
    actor: Actor,
    pid: i64,
    after: i64,
    queued: VecDeque<crate::changes::Change>,
    first: bool,
}

impl Feed {
    /// A stream of `pid`'s changes after `after` (see `stream_start`), read as `actor`.
    pub fn new(db: Db, actor: Actor, pid: i64, after: i64) -> Feed {
        Feed {
            db,
            actor,
            pid,
            after,
            queued: VecDeque::new(),
            first: true,
        }
    }

    /// The next change, waiting for it; `None` ends the stream (no longer a member, project gone).
    pub async fn next(&mut self) -> Option<crate::changes::Change> {
        loop {
            if let Some(c) = self.queued.pop_front() {
                self.after = c.change_id;
                return Some(c);
            }
            if !std::mem::take(&mut self.first) {
                tokio::time::sleep(POLL).await;
            }
            match self.poll().await {
                Ok(batch) => self.queued.extend(batch),
                Err(OpError::Forbidden(_) | OpError::NotFound) => return None,
                // A database hiccup: try again at the next poll.
                Err(e) => {
                    tracing::warn!(project = self.pid, error = %e, "change stream poll failed")
                }
            }
        }
    }

    async fn poll(&self) -> Result<Vec<crate::changes::Change>, OpError> {
        let mut tx = self.db.read().await?;
        let batch = since(&mut tx, &self.actor, self.pid, self.after, BATCH).await?;
        tx.commit().await?;
        Ok(batch)
    }
}
