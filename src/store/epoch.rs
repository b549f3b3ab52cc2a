//! The data epoch: a number that changes whenever a committed write may have changed what a read
//! returns. Whatever caches a reply (http::cache) keys it by the epoch read before the reply's
//! reads began, and drops it when the epoch moves on.
//!
//! Two counters make it: this process's commits (bumped right after each COMMIT, so a client
//! that wrote and then reads never sees its write missing) and everybody else's, which the
//! backend reports after the fact:
//! - SQLite: the checkpoint thread polls `PRAGMA data_version` every `lite::EXTERNAL_POLL`
//!   (it changes when another connection, of this process or another one, has committed).
//! - PostgreSQL: every write transaction of every Questlog process sends `NOTIFY` on
//!   `PG_CHANNEL` as it commits, and `watch_postgres` listens. While the listener is not
//!   connected nobody could vouch for a cached reply, so the epoch is unknown (`None`).
//!
//! So a write made outside this process (the CLI beside the server, another server on the same
//! PostgreSQL) reaches cached replies a few milliseconds after it commits.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// The channel every PostgreSQL write notifies.
pub const PG_CHANNEL: &str = "questlog_writes";

/// The statement every PostgreSQL write runs before it commits (on `PG_CHANNEL`).
pub const PG_NOTIFY: &str = "NOTIFY questlog_writes";

#[derive(Debug)]
pub struct Epoch {
    local: AtomicU64,
    external: AtomicU64,
    /// False while changes made elsewhere could go unseen (PostgreSQL's listener is down).
    watched: AtomicBool,
}

impl Epoch {
    pub fn new(watched: bool) -> Arc<Epoch> {
        Arc::new(Epoch {
            local: AtomicU64::new(0),
            external: AtomicU64::new(0),
            watched: AtomicBool::new(watched),
        })
    }

    /// The current epoch, or `None` when it cannot be trusted.
    pub fn get(&self) -> Option<u64> {
        if !self.watched.load(Ordering::Acquire) {
            return None;
        }
        // Both only grow, so their sum changes whenever either does.
        Some(
            self.local
                .load(Ordering::Acquire)
                .wrapping_add(self.external.load(Ordering::Acquire)),
        )
    }

    /// This process's writes committed so far.
    pub fn local(&self) -> u64 {
        self.local.load(Ordering::Acquire)
    }

    /// A write of this process committed.
    pub fn committed(&self) {
        self.local.fetch_add(1, Ordering::Release);
    }

    /// A write elsewhere committed (or may have).
    pub fn changed_elsewhere(&self) {
        self.external.fetch_add(1, Ordering::Release);
    }

    /// Changes elsewhere cannot be seen (any more): the epoch is unknown from now on.
    pub fn unwatch(&self) {
        self.set_watched(false);
    }

    fn set_watched(&self, on: bool) {
        // Whatever happened while unwatched is unknown: count it as a change either way.
        self.changed_elsewhere();
        self.watched.store(on, Ordering::Release);
    }
}

/// Listens on `PG_CHANNEL` for as long as the pool lives, reconnecting after a failure; the
/// epoch is unknown from the moment the connection drops until it listens again.
pub fn watch_postgres(pool: sqlx::PgPool, epoch: Arc<Epoch>) {
    tokio::spawn(async move {
        loop {
            if pool.is_closed() {
                epoch.set_watched(false);
                return;
            }
            match sqlx::postgres::PgListener::connect_with(&pool).await {
                Ok(mut l) => {
                    if let Err(e) = l.listen(PG_CHANNEL).await {
                        tracing::warn!("could not listen for writes: {e}");
                    } else {
                        epoch.set_watched(true);
                        // `try_recv` answers None when the connection dropped; notifications
                        // sent meanwhile are lost, so the listener starts over.
                        while let Ok(Some(_)) = l.try_recv().await {
                            epoch.changed_elsewhere();
                        }
                    }
                    epoch.set_watched(false);
                }
                Err(e) => tracing::debug!("no listener for writes: {e}"),
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    });
}
