//! PostgreSQL connections for replies' reads, kept in a queue of our own.
//!
//! sqlx's pool tests every connection as it comes back: a task spawned per release and a
//! round trip (`Sync`, wait for `ReadyForQuery`) that the PostgreSQL backend serves on the same
//! cores as the server. A GET of one work item runs one statement, so that test was half of its
//! round trips. Here a connection goes back to the queue at once when its last statement
//! finished normally; one that saw an error, or whose statement was cancelled midway (the
//! client went away, a timeout), may hold half a reply in its buffers and is closed instead.
//! Writes keep sqlx's pool (their transactions need it, and a commit is a round trip anyway).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::DbResult;

/// How long a reply waits for a free connection before it fails (as the pool's acquire timeout).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

pub struct Readers {
    opts: PgConnectOptions,
    idle: Mutex<Vec<PgConnection>>,
    /// One permit per connection that may be open (idle or lent).
    permits: Arc<Semaphore>,
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Readers")
    }
}

impl Readers {
    pub fn new(opts: PgConnectOptions, max: usize) -> Readers {
        Readers {
            opts,
            idle: Mutex::default(),
            permits: Arc::new(Semaphore::new(max.max(1))),
        }
    }

    /// An idle connection, or a new one while fewer than `max` are open.
    pub async fn acquire(self: &Arc<Self>) -> DbResult<Reader> {
        let permit = tokio::time::timeout(ACQUIRE_TIMEOUT, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match idle {
            Some(c) => c,
            None => self.opts.connect().await?,
        };
        Ok(Reader {
            conn: Some(conn),
            readers: self.clone(),
            settled: true,
            _permit: permit,
        })
    }

    /// Closes the idle connections and lets no new one open.
    pub async fn close(&self) {
        self.permits.close();
        let idle = std::mem::take(&mut *self.idle.lock().unwrap_or_else(|p| p.into_inner()));
        for c in idle {
            let _ = c.close().await;
        }
    }
}

/// A lent connection; it goes back to the queue when dropped, if it is settled.
pub struct Reader {
    conn: Option<PgConnection>,
    readers: Arc<Readers>,
    /// False from the start of a statement until it returned its rows.
    settled: bool,
    _permit: OwnedSemaphorePermit,
}

impl Reader {
    /// The connection, for one statement: call `settle` once it has succeeded.
    pub fn start(&mut self) -> &mut PgConnection {
        self.settled = false;
        self.conn
            .as_mut()
            .expect("a lent reader holds its connection")
    }

    pub fn settle(&mut self) {
        self.settled = true;
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        if self.settled && !self.readers.permits.is_closed() {
            self.readers
                .idle
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(conn);
        }
        // Otherwise the connection is dropped, which closes its socket; the backend ends.
    }
}
