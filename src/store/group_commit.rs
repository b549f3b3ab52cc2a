//! Group commit for SQLite's one writer.
//!
//! A commit writes every page the transaction changed to the WAL; a new work item dirties the
//! same dozen index, full-text and counter pages as the one before it, so committing writes one
//! by one copied those pages again for each (a third of a POST's CPU). Here writes that queue for
//! the writer share a transaction: each runs inside a savepoint of its own (a failed write rolls
//! back its savepoint only), and a write that finishes while others wait leaves the transaction
//! open for them and waits for the one COMMIT that ends the group. No reply is sent before the
//! commit that holds its change, and a failed COMMIT fails every write of the group.
//!
//! A group ends when no write is waiting, at `MAX_GROUP` writes, after `MAX_AGE`, or at the
//! latest when the flush task armed by its first waiting member runs (`FLUSH_AFTER`), so a group
//! is never left open by a write whose request was cancelled.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rusqlite::Connection;
use tokio::sync::{Mutex, OwnedMutexGuard, oneshot};

use super::DbResult;
use super::epoch::Epoch;

const MAX_GROUP: usize = 64;
const MAX_AGE: Duration = Duration::from_millis(4);
const FLUSH_AFTER: Duration = Duration::from_millis(2);

/// Why a write of a group failed after its own part succeeded.
type Outcome = Result<(), String>;

/// The writer connection and the group open on it.
pub struct State {
    pub conn: Option<Connection>,
    /// Writes done in the open transaction, waiting for its COMMIT.
    members: Vec<oneshot::Sender<Outcome>>,
    opened: Option<Instant>,
    flush_armed: bool,
}

#[derive(Clone)]
pub struct Writer {
    state: Arc<Mutex<State>>,
    /// Writes queued for the lock.
    waiting: Arc<AtomicUsize>,
    epoch: Arc<Epoch>,
}

/// Decrements the queue count however the wait for the lock ends (a cancelled request too).
struct Queued<'a>(&'a AtomicUsize);

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn sql_err(e: rusqlite::Error) -> sqlx::Error {
    super::lite::to_sqlx(e)
}

fn run(c: &Connection, sql: &str) -> rusqlite::Result<()> {
    c.prepare_cached(sql)?.execute([]).map(|_| ())
}

impl Writer {
    pub fn new(conn: Connection, epoch: Arc<Epoch>) -> Writer {
        Writer {
            state: Arc::new(Mutex::new(State {
                conn: Some(conn),
                members: Vec::new(),
                opened: None,
                flush_armed: false,
            })),
            waiting: Arc::new(AtomicUsize::new(0)),
            epoch,
        }
    }

    /// The writer with a savepoint of this write open (inside the group's transaction).
    pub async fn begin(&self) -> DbResult<Write> {
        self.waiting.fetch_add(1, Ordering::AcqRel);
        let queued = Queued(&self.waiting);
        let mut guard = self.state.clone().lock_owned().await;
        drop(queued);
        let Some(c) = guard.conn.as_ref() else {
            return Err(sqlx::Error::PoolClosed);
        };
        if c.is_autocommit() {
            if !guard.members.is_empty() {
                // SQLite rolled the group's transaction back on its own (an I/O error, a full
                // disk): its writes are gone.
                fail(&mut guard, "the transaction was rolled back");
            }
            let c = guard.conn.as_ref().expect("checked above");
            run(c, "BEGIN IMMEDIATE").map_err(sql_err)?;
            guard.opened = Some(Instant::now());
        }
        let c = guard.conn.as_ref().expect("checked above");
        if let Err(e) = run(c, "SAVEPOINT questlog_write") {
            end_group(&mut guard, &self.epoch);
            return Err(sql_err(e));
        }
        Ok(Write {
            guard: Some(guard),
            writer: self.clone(),
        })
    }

    /// Takes the connection away for good (after the group in progress, if any, ends).
    pub async fn close(&self) {
        let mut guard = self.state.lock().await;
        end_group(&mut guard, &self.epoch);
        guard.conn.take();
    }

    /// Ends the group a little later if nobody else does (see the module's doc).
    fn arm_flush(&self, state: &mut State) {
        if state.flush_armed {
            return;
        }
        state.flush_armed = true;
        let w = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(FLUSH_AFTER).await;
            let mut guard = w.state.lock().await;
            guard.flush_armed = false;
            end_group(&mut guard, &w.epoch);
        });
    }
}

/// One write: the writer, with its savepoint open; dropping it without `commit` rolls back
/// this write only.
pub struct Write {
    guard: Option<OwnedMutexGuard<State>>,
    writer: Writer,
}

impl Write {
    pub fn conn(&self) -> &Connection {
        self.guard
            .as_ref()
            .and_then(|g| g.conn.as_ref())
            .expect("a write holds the connection until it ends")
    }

    pub async fn commit(mut self) -> DbResult<()> {
        let Some(mut guard) = self.guard.take() else {
            return Err(sqlx::Error::PoolClosed);
        };
        let c = guard.conn.as_ref().expect("a write holds the connection");
        let released = run(c, "RELEASE questlog_write");
        if let Err(e) = released {
            let _ = run(c, "ROLLBACK TO questlog_write");
            let _ = run(c, "RELEASE questlog_write");
            end_group(&mut guard, &self.writer.epoch);
            return Err(sql_err(e));
        }
        if c.is_autocommit() {
            fail(&mut guard, "the transaction was rolled back");
            return Err(sqlx::Error::Protocol(
                "the write's transaction was rolled back".into(),
            ));
        }
        let others_waiting = self.writer.waiting.load(Ordering::Acquire) > 0;
        let young = guard.opened.is_some_and(|t| t.elapsed() < MAX_AGE);
        if others_waiting && young && guard.members.len() + 1 < MAX_GROUP {
            let (tx, rx) = oneshot::channel();
            guard.members.push(tx);
            self.writer.arm_flush(&mut guard);
            drop(guard);
            return match rx.await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(why)) => Err(sqlx::Error::Protocol(why)),
                Err(_) => Err(sqlx::Error::Protocol(
                    "the write's group was dropped".into(),
                )),
            };
        }
        match commit_group(&mut guard, &self.writer.epoch) {
            Ok(()) => Ok(()),
            Err(e) => Err(sql_err(e)),
        }
    }
}

impl Drop for Write {
    fn drop(&mut self) {
        let Some(mut guard) = self.guard.take() else {
            return;
        };
        if let Some(c) = guard.conn.as_ref() {
            let _ = run(c, "ROLLBACK TO questlog_write");
            let _ = run(c, "RELEASE questlog_write");
        }
        // The others of the group are waiting for a commit: give it to them unless a queued
        // write will (the flush task is armed whenever the group has members).
        if guard.members.is_empty() || self.writer.waiting.load(Ordering::Acquire) == 0 {
            end_group(&mut guard, &self.writer.epoch);
        }
    }
}

/// Commits the open transaction (if any) and tells its members; rolls back an empty one.
fn end_group(state: &mut State, epoch: &Epoch) {
    let open = state.conn.as_ref().is_some_and(|c| !c.is_autocommit());
    if !open {
        if !state.members.is_empty() {
            fail(state, "the transaction was rolled back");
        }
        return;
    }
    let _ = commit_group(state, epoch);
}

fn commit_group(state: &mut State, epoch: &Epoch) -> rusqlite::Result<()> {
    state.opened = None;
    let Some(c) = state.conn.as_ref() else {
        fail(state, "the database is closed");
        return Ok(());
    };
    match run(c, "COMMIT") {
        Ok(()) => {
            epoch.committed();
            for m in state.members.drain(..) {
                let _ = m.send(Ok(()));
            }
            Ok(())
        }
        Err(e) => {
            let _ = run(c, "ROLLBACK");
            fail(state, &format!("the commit failed: {e}"));
            Err(e)
        }
    }
}

fn fail(state: &mut State, why: &str) {
    state.opened = None;
    for m in state.members.drain(..) {
        let _ = m.send(Err(why.to_string()));
    }
}
