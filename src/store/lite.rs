//! SQLite through rusqlite: every statement runs on the calling thread, from a per-connection
//! cache of prepared statements.
//!
//! Why not sqlx's SQLite driver: it runs each connection on a worker thread of its own and sends
//! every statement there and every row back through a channel, so a reply of six statements costs
//! a dozen thread wake-ups, which dominated the CPU profile of reads and serialised writes behind
//! them. SQLite statements on a warm page cache take microseconds, less than one wake-up, so they
//! run inline on the runtime's worker: a statement never awaits, a connection is held only while
//! a `Tx` lives.
//!
//! Connections: one writer behind an async mutex (writes queue instead of failing with
//! "database is locked"; `BEGIN IMMEDIATE` so a write never upgrades a read lock), and a few
//! readers checked out of a small pool (WAL lets them read beside the writer). Readers are opened
//! lazily, at most `max_readers`.
//!
//! Rows decode through [`LiteRecord`]: tuples by position, structs by column name through the
//! [`lite_row!`](crate::lite_row) line that sits under each `#[derive(sqlx::FromRow)]` (the derive
//! serves PostgreSQL).

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, Row};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::epoch::Epoch;
use super::group_commit;
use super::{DbResult, Val};

/// Prepared statements kept per connection. The API's statements are a few hundred texts; lists
/// of ids make more (one text per list length), which the LRU evicts.
const STATEMENT_CACHE: usize = 512;

/// SQLite's page cache per connection, in KiB (negative `cache_size`).
const READER_CACHE_KIB: i64 = 48 * 1024;
const WRITER_CACHE_KIB: i64 = 24 * 1024;

/// The SQLite database: the file, its writer and its readers.
pub struct Lite {
    path: PathBuf,
    /// Committed writes, of this process and others (see `Lists` and `epoch`).
    epoch: Arc<Epoch>,
    /// Deep pages' id lists (see `Lists`).
    lists: Lists,
    /// The checkpointer thread and the sender whose drop ends it.
    checkpointer: Mutex<Option<(std::sync::mpsc::Sender<()>, std::thread::JoinHandle<()>)>>,
    writer: group_commit::Writer,
    idle: Mutex<Vec<Connection>>,
    permits: Arc<Semaphore>,
}

impl std::fmt::Debug for Lite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lite").field("path", &self.path).finish()
    }
}

impl Lite {
    /// Opens (creating if needed) the database at `path`, in WAL mode.
    pub fn open(path: PathBuf, max_readers: usize) -> DbResult<Lite> {
        let writer = connect(&path, true, WRITER_CACHE_KIB).map_err(to_sqlx)?;
        let epoch = Epoch::new(true);
        let checkpointer =
            spawn_checkpointer(connect(&path, false, 1024).map_err(to_sqlx)?, epoch.clone());
        if checkpointer.is_none() {
            // Nobody watches for other processes' commits: nothing may be cached.
            epoch.unwatch();
            writer
                .pragma_update(None, "wal_autocheckpoint", 1000)
                .map_err(to_sqlx)?;
        }
        Ok(Lite {
            epoch: epoch.clone(),
            lists: Lists::default(),
            checkpointer: Mutex::new(checkpointer),
            path,
            writer: group_commit::Writer::new(writer, epoch.clone()),
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(max_readers.max(1))),
        })
    }

    /// The writer, with a transaction begun on it (shared with the writes queued beside it:
    /// `group_commit`).
    pub async fn write(&self) -> DbResult<LiteWrite> {
        Ok(LiteWrite(self.writer.begin().await?))
    }

    /// A reader, until the returned handle drops.
    pub async fn read(self: &Arc<Self>) -> DbResult<LiteRead> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let pooled = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match pooled {
            Some(c) => c,
            None => connect(&self.path, false, READER_CACHE_KIB).map_err(to_sqlx)?,
        };
        Ok(LiteRead {
            conn: Some(conn),
            snapshot: std::cell::Cell::new(None),
            home: self.clone(),
            _permit: permit,
        })
    }

    /// Closes the connections (readers still checked out close when they come back); the last
    /// one to close checkpoints the WAL into the database file.
    pub async fn close(&self) {
        self.stop_checkpointer();
        self.permits.close();
        self.idle.lock().unwrap_or_else(|p| p.into_inner()).clear();
        self.writer.close().await;
    }
}

impl Lite {
    /// The data epoch (see `store::epoch`).
    pub fn epoch(&self) -> &Arc<Epoch> {
        &self.epoch
    }

    fn epoch_now(&self) -> Option<u64> {
        self.epoch.get()
    }

    /// Ends the checkpointer and waits for its connection to close, so that the writer's close
    /// is the last one (which checkpoints the whole WAL into the file).
    fn stop_checkpointer(&self) {
        let taken = self
            .checkpointer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some((stop, thread)) = taken {
            drop(stop);
            let _ = thread.join();
        }
    }
}

impl Drop for Lite {
    fn drop(&mut self) {
        self.stop_checkpointer();
    }
}

/// How often the checkpointer copies the WAL back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// Checkpoints on a thread of their own: the writer's automatic checkpoint is off, so no write
/// waits while a thousand pages are copied and the file is synced (with `synchronous = NORMAL`
/// the checkpoint is the only sync). A passive checkpoint never blocks the writer or readers;
/// once the WAL is wholly copied the writer starts it over (trimmed to `journal_size_limit`).
/// None when the thread could not start.
///
/// The same thread watches for commits of other connections (`PRAGMA data_version` changes
/// with each) and reports them to the data epoch.
fn spawn_checkpointer(
    c: Connection,
    epoch: Arc<Epoch>,
) -> Option<(std::sync::mpsc::Sender<()>, std::thread::JoinHandle<()>)> {
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let run = move || {
        let mut ticks: u64 = 0;
        let mut seen: Option<i64> = None;
        // Returns at once when the sender drops.
        while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
            stopped.recv_timeout(EXTERNAL_POLL)
        {
            let version = c
                .prepare_cached("PRAGMA data_version")
                .and_then(|mut s| s.query_row([], |r| r.get::<_, i64>(0)))
                .ok();
            if version.is_none() || version != seen {
                epoch.changed_elsewhere();
                seen = version;
            }
            if ticks.is_multiple_of(CHECKPOINT_TICKS) {
                let _ = c.execute_batch("PRAGMA wal_checkpoint(PASSIVE)");
            }
            if ticks.is_multiple_of(STATS_EVERY_TICKS) {
                refresh_stats(&c);
            }
            ticks += 1;
        }
    };
    match std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(run)
    {
        Ok(thread) => Some((stop, thread)),
        Err(e) => {
            tracing::warn!("no checkpoint thread ({e}); SQLite checkpoints on commit instead");
            None
        }
    }
}

/// How often other connections' commits are looked for (the thread's tick).
pub const EXTERNAL_POLL: Duration = Duration::from_millis(20);

/// A checkpoint every `CHECKPOINT_EVERY`, in ticks.
const CHECKPOINT_TICKS: u64 = (CHECKPOINT_EVERY.as_millis() / EXTERNAL_POLL.as_millis()) as u64;

/// Planner statistics are looked at every half hour and at start.
const STATS_EVERY_TICKS: u64 = 30 * 60 * 1000 / EXTERNAL_POLL.as_millis() as u64;

/// Gives the query planner statistics once the database has some size, and refreshes them as
/// it grows (`PRAGMA optimize` re-analyses a table that changed size a lot). Without them SQLite
/// guesses, and at 100,000 items it guessed a scan of every dependency of a project for a
/// lookup by predecessor. Sampled (`analysis_limit`), so a run takes a fraction of a second.
fn refresh_stats(c: &Connection) {
    let has_stats = c
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .unwrap_or(0)
        > 0;
    let sql = if has_stats {
        "PRAGMA analysis_limit = 400; PRAGMA optimize;"
    } else {
        let items = c
            .query_row("SELECT COUNT(*) FROM work_items", [], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap_or(0);
        if items < 1000 {
            return;
        }
        "PRAGMA analysis_limit = 400; ANALYZE;"
    };
    if let Err(e) = c.execute_batch(sql) {
        tracing::debug!("planner statistics not refreshed: {e}");
    }
}

fn connect(path: &PathBuf, writer: bool, cache_kib: i64) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let c = Connection::open_with_flags(path, flags)?;
    c.busy_timeout(Duration::from_secs(30))?;
    c.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    if writer {
        // WAL is a property of the file: set once, by the writer, before any reader opens.
        c.pragma_update(None, "journal_mode", "WAL")?;
        // Checkpoints run on their own thread (`spawn_checkpointer`).
        c.pragma_update(None, "wal_autocheckpoint", 0)?;
        c.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
    }
    // No mmap: each connection would map the file again, and every mapped page counts in the
    // process's RSS; the page cache (`cache_size`) bounds memory instead.
    c.execute_batch(&format!(
        "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; \
         PRAGMA cache_size = -{cache_kib}; PRAGMA mmap_size = 0;"
    ))?;
    Ok(c)
}

/// The writer with an open transaction; dropping it without `commit` rolls back.
pub struct LiteWrite(group_commit::Write);

impl LiteWrite {
    pub fn conn(&self) -> &Connection {
        self.0.conn()
    }

    pub async fn commit(self) -> DbResult<()> {
        self.0.commit().await
    }
}

/// Ends a reader's transaction, if one is open.
fn end_read(c: &Connection) -> rusqlite::Result<()> {
    if !c.is_autocommit() {
        c.prepare_cached("COMMIT")?.execute([])?;
    }
    Ok(())
}

/// A reader connection; it goes back to the pool when dropped.
pub struct LiteRead {
    conn: Option<Connection>,
    /// `generation` when the open read transaction began.
    snapshot: std::cell::Cell<Option<u64>>,
    home: Arc<Lite>,
    _permit: OwnedSemaphorePermit,
}

impl LiteRead {
    /// The connection, inside the reply's read transaction: begun by the first statement and
    /// ended when the reader goes back to the pool. Each statement outside a transaction would
    /// take and release SQLite's shared-memory and file locks again (a fifth of a point read's
    /// CPU); one transaction takes them once, and gives the reply one consistent snapshot.
    pub fn conn(&self) -> DbResult<&Connection> {
        let c = self.raw();
        if c.is_autocommit() {
            // Read before the snapshot is taken (by the first statement after BEGIN), so the
            // snapshot holds at least every write this epoch counts.
            self.snapshot.set(self.home.epoch_now());
            c.prepare_cached("BEGIN")
                .and_then(|mut s| s.execute([]))
                .map_err(to_sqlx)?;
        }
        Ok(c)
    }

    /// The connection outside any transaction (statements that refuse one: `VACUUM INTO`).
    pub fn conn_autocommit(&self) -> DbResult<&Connection> {
        let c = self.raw();
        end_read(c).map_err(to_sqlx)?;
        Ok(c)
    }

    fn raw(&self) -> &Connection {
        self.conn
            .as_ref()
            .expect("a reader holds its connection until dropped")
    }

    /// The data epoch when the reply's snapshot began (now, if none has): an entry cached under
    /// it is stale as soon as a write commits, never the reverse.
    pub fn generation(&self) -> Option<u64> {
        if self.raw().is_autocommit() {
            self.home.epoch_now()
        } else {
            self.snapshot.get()
        }
    }

    pub fn lists(&self) -> &Lists {
        &self.home.lists
    }
}

/// The ordered ids of a work-item list, kept for deep pages: an `OFFSET` of 10,000 walks 10,000
/// index entries on every page, so a client paging through a large project pays for every page
/// before it again. The first deep page of a list stores all its ids; the next pages are slices
/// while no write has committed since (`LiteRead::generation`: the data epoch, which counts
/// this process's commits at once and other processes' within `EXTERNAL_POLL`). Bounded by `LIST_CACHE_IDS` ids in
/// all (8 bytes each), oldest entry out first.
#[derive(Default)]
pub struct Lists {
    entries: Mutex<Vec<ListEntry>>,
}

/// A list's key (statement and parameters), the generation it was read at, and its ids.
type ListEntry = (String, u64, Arc<Vec<i64>>);

/// Most ids the list cache holds over all its entries (16 MiB).
pub const LIST_CACHE_IDS: usize = 2 * 1024 * 1024;

impl Lists {
    /// The ids stored for `key` at `generation`.
    pub fn get(&self, key: &str, generation: u64) -> Option<Arc<Vec<i64>>> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .iter()
            .find(|(k, g, _)| k == key && *g == generation)
            .map(|(_, _, ids)| ids.clone())
    }

    /// Stores `ids` (at most `LIST_CACHE_IDS`), dropping entries of older generations and then
    /// the oldest ones until it fits.
    pub fn put(&self, key: String, generation: u64, ids: Arc<Vec<i64>>) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.retain(|(k, g, _)| *g == generation && *k != key);
        while entries.iter().map(|e| e.2.len()).sum::<usize>() + ids.len() > LIST_CACHE_IDS {
            entries.remove(0);
        }
        entries.push((key, generation, ids));
    }
}

impl Drop for LiteRead {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            // Its read transaction ends here, so a pooled reader never pins an old snapshot
            // (which would keep checkpoints from reaching the WAL's end); after close it is
            // simply dropped.
            if end_read(&c).is_ok() && c.is_autocommit() && !self.home.permits.is_closed() {
                self.home
                    .idle
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(c);
            }
        }
    }
}

/// Logs each statement with its duration at `trace` level (`QUESTLOG_LOG_LEVEL=questlog::sql=trace`):
/// how a reply's statements add up. Costs one level check per statement when off.
struct Timed<'a> {
    sql: &'a str,
    start: Option<std::time::Instant>,
}

impl<'a> Timed<'a> {
    fn new(sql: &'a str) -> Timed<'a> {
        let on = tracing::enabled!(target: "questlog::sql", tracing::Level::TRACE);
        Timed {
            sql,
            start: on.then(std::time::Instant::now),
        }
    }
}

impl Drop for Timed<'_> {
    fn drop(&mut self) {
        if let Some(t) = self.start {
            let us = t.elapsed().as_micros();
            tracing::trace!(target: "questlog::sql", us, sql = %self.sql);
        }
    }
}

/// Binds `params` to `st`: `$N` (and `?N`) name the N-th parameter, as on PostgreSQL; a bare `?`
/// takes the next one in order.
fn bind(st: &mut rusqlite::Statement<'_>, params: &[Val]) -> rusqlite::Result<()> {
    for i in 1..=st.parameter_count() {
        let at = match st.parameter_name(i) {
            Some(name) => name[1..].parse::<usize>().unwrap_or(i),
            None => i,
        };
        let Some(v) = params.get(at.wrapping_sub(1)) else {
            return Err(rusqlite::Error::InvalidParameterCount(at, params.len()));
        };
        match v {
            Val::I(x) => st.raw_bind_parameter(i, x)?,
            Val::F(x) => st.raw_bind_parameter(i, x)?,
            Val::B(x) => st.raw_bind_parameter(i, x.map(i64::from))?,
            Val::S(x) => st.raw_bind_parameter(i, x.as_deref())?,
        }
    }
    Ok(())
}

/// Runs a statement to its end; the number of rows it changed.
pub fn exec(c: &Connection, sql: &str, params: &[Val]) -> DbResult<u64> {
    let _t = Timed::new(sql);
    let run = || -> rusqlite::Result<u64> {
        let mut st = c.prepare_cached(sql)?;
        bind(&mut st, params)?;
        let mut rows = st.raw_query();
        while rows.next()?.is_some() {}
        Ok(c.changes())
    };
    run().map_err(to_sqlx)
}

/// Runs a statement and decodes up to `limit` rows.
pub fn rows<T: LiteRecord>(
    c: &Connection,
    sql: &str,
    params: &[Val],
    limit: usize,
) -> DbResult<Vec<T>> {
    let _t = Timed::new(sql);
    let run = || -> rusqlite::Result<Vec<T>> {
        let mut st = c.prepare_cached(sql)?;
        bind(&mut st, params)?;
        let cols = Cols::of(&st, T::BY_NAME);
        let mut rows = st.raw_query();
        let mut out = Vec::new();
        while out.len() < limit {
            match rows.next()? {
                Some(r) => out.push(T::from_lite(r, &cols)?),
                None => break,
            }
        }
        Ok(out)
    };
    run().map_err(to_sqlx)
}

/// Each row as text (NULL as None), for dumps and comparisons.
pub fn text_rows(c: &Connection, sql: &str) -> DbResult<Vec<Vec<Option<String>>>> {
    let run = || -> rusqlite::Result<Vec<Vec<Option<String>>>> {
        let mut st = c.prepare(sql)?;
        let n = st.column_count();
        let mut rows = st.raw_query();
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut row = Vec::with_capacity(n);
            for i in 0..n {
                row.push(match r.get_ref(i)? {
                    ValueRef::Null => None,
                    ValueRef::Integer(v) => Some(v.to_string()),
                    ValueRef::Real(v) => Some(v.to_string()),
                    ValueRef::Text(t) | ValueRef::Blob(t) => {
                        Some(String::from_utf8_lossy(t).into_owned())
                    }
                });
            }
            out.push(row);
        }
        Ok(out)
    };
    run().map_err(to_sqlx)
}

pub fn exec_batch(c: &Connection, sql: &str) -> DbResult<()> {
    c.execute_batch(sql).map_err(to_sqlx)
}

/// A row type decoded from a SQLite row.
pub trait LiteRecord: Sized {
    /// Whether it reads columns by name (structs) rather than by position (tuples).
    const BY_NAME: bool;
    fn from_lite(row: &Row<'_>, cols: &Cols) -> rusqlite::Result<Self>;
}

/// A statement's column names, read once per execution rather than once per row and field.
pub struct Cols(Vec<String>);

impl Cols {
    fn of(st: &rusqlite::Statement<'_>, by_name: bool) -> Cols {
        Cols(if by_name {
            st.column_names().into_iter().map(str::to_owned).collect()
        } else {
            Vec::new()
        })
    }
}

/// A column value as a Rust type, with the conversions sqlx's SQLite driver made: integers for
/// booleans, integers widen to floats, NULL only into `Option`.
pub trait LiteValue: Sized {
    fn from_value(v: ValueRef<'_>) -> Result<Self, rusqlite::types::FromSqlError>;
}

fn wrong(v: ValueRef<'_>, want: &str) -> rusqlite::types::FromSqlError {
    rusqlite::types::FromSqlError::Other(
        format!("a {} column where {want} was expected", v.data_type()).into(),
    )
}

impl LiteValue for i64 {
    fn from_value(v: ValueRef<'_>) -> Result<Self, rusqlite::types::FromSqlError> {
        match v {
            ValueRef::Integer(i) => Ok(i),
            ValueRef::Real(f) if f.fract() == 0.0 && f.abs() < 9.0e18 => Ok(f as i64),
            _ => Err(wrong(v, "an integer")),
        }
    }
}

impl LiteValue for i32 {
    fn from_value(v: ValueRef<'_>) -> Result<Self, rusqlite::types::FromSqlError> {
        let i = i64::from_value(v)?;
        i32::try_from(i).map_err(|_| rusqlite::types::FromSqlError::OutOfRange(i))
    }
}

impl LiteValue for f64 {
    fn from_value(v: ValueRef<'_>) -> Result<Self, rusqlite::types::FromSqlError> {
        match v {
            ValueRef::Real(f) => Ok(f),
            ValueRef::Integer(i) => Ok(i as f64),
            _ => Err(wrong(v, "a number")),
        }
    }
}

impl LiteValue for bool {
    fn from_value(v: ValueRef<'_>) -> Result<Self, rusqlite::types::FromSqlError> {
        match v {
            ValueRef::Integer(i) => Ok(i != 0),
            ValueRef::Real(f) => Ok(f != 0.0),
            _ => Err(wrong(v, "a boolean")),
        }
    }
}

impl LiteValue for String {
    fn from_value(v: ValueRef<'_>) -> Result<Self, rusqlite::types::FromSqlError> {
        match v {
            ValueRef::Text(t) => std::str::from_utf8(t)
                .map(str::to_owned)
                .map_err(|e| rusqlite::types::FromSqlError::Other(Box::new(e))),
            ValueRef::Integer(i) => Ok(i.to_string()),
            ValueRef::Real(f) => Ok(f.to_string()),
            _ => Err(wrong(v, "text")),
        }
    }
}

impl LiteValue for Vec<u8> {
    fn from_value(v: ValueRef<'_>) -> Result<Self, rusqlite::types::FromSqlError> {
        match v {
            ValueRef::Blob(b) | ValueRef::Text(b) => Ok(b.to_vec()),
            _ => Err(wrong(v, "a blob")),
        }
    }
}

impl<T: LiteValue> LiteValue for Option<T> {
    fn from_value(v: ValueRef<'_>) -> Result<Self, rusqlite::types::FromSqlError> {
        match v {
            ValueRef::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// Column `i` of `row` as `T`.
pub fn at<T: LiteValue>(row: &Row<'_>, i: usize) -> rusqlite::Result<T> {
    let v = row.get_ref(i)?;
    T::from_value(v)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, v.data_type(), e.into()))
}

/// The index of column `name`, looked for first at `*hint` (struct fields usually follow the
/// SELECT list), then everywhere; `*hint` moves past the column found.
pub fn index_of(cols: &Cols, hint: &mut usize, name: &str) -> Option<usize> {
    let found = if cols.0.get(*hint).is_some_and(|c| c == name) {
        Some(*hint)
    } else {
        cols.0.iter().position(|c| c == name)
    };
    if let Some(i) = found {
        *hint = i + 1;
    }
    found
}

/// Column `name` of `row` as `T`; an error when the statement has no such column.
pub fn named<T: LiteValue>(
    row: &Row<'_>,
    cols: &Cols,
    hint: &mut usize,
    name: &str,
) -> rusqlite::Result<T> {
    match index_of(cols, hint, name) {
        Some(i) => at(row, i),
        None => Err(rusqlite::Error::InvalidColumnName(name.to_string())),
    }
}

/// Column `name` of `row` as `T`, or `T::default()` when the statement has no such column.
pub fn named_or_default<T: LiteValue + Default>(
    row: &Row<'_>,
    cols: &Cols,
    hint: &mut usize,
    name: &str,
) -> rusqlite::Result<T> {
    match index_of(cols, hint, name) {
        Some(i) => at(row, i),
        None => Ok(T::default()),
    }
}

macro_rules! tuple_record {
    ($($t:ident $i:tt),+) => {
        impl<$($t: LiteValue),+> LiteRecord for ($($t,)+) {
            const BY_NAME: bool = false;
            fn from_lite(row: &Row<'_>, _: &Cols) -> rusqlite::Result<Self> {
                Ok(($(at::<$t>(row, $i)?,)+))
            }
        }
    };
}
tuple_record!(A 0);
tuple_record!(A 0, B 1);
tuple_record!(A 0, B 1, C 2);
tuple_record!(A 0, B 1, C 2, D 3);
tuple_record!(A 0, B 1, C 2, D 3, E 4);
tuple_record!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_record!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_record!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_record!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_record!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_record!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_record!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);
tuple_record!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12);
tuple_record!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13);
tuple_record!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14);
tuple_record!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14, P 15);

/// The SQLite decoding of a `#[derive(sqlx::FromRow)]` struct, written under it:
/// `lite_row!(Name { field, other = "column_name" } flatten { nested } default { maybe });`
/// (`flatten` and `default` mirror the `#[sqlx(…)]` attributes of those fields).
#[macro_export]
macro_rules! lite_row {
    ($t:ident { $($f:ident $(= $col:literal)?),* $(,)? }
     $(flatten { $($ff:ident),* $(,)? })?
     $(default { $($df:ident),* $(,)? })?) => {
        impl $crate::store::lite::LiteRecord for $t {
            const BY_NAME: bool = true;
            fn from_lite(
                row: &::rusqlite::Row<'_>,
                cols: &$crate::store::lite::Cols,
            ) -> ::rusqlite::Result<Self> {
                #[allow(unused_mut, unused_variables)]
                let mut hint = 0usize;
                Ok($t {
                    $($f: $crate::store::lite::named(row, cols, &mut hint, $crate::lite_row!(@col $f $($col)?))?,)*
                    $($($ff: $crate::store::lite::LiteRecord::from_lite(row, cols)?,)*)?
                    $($($df: $crate::store::lite::named_or_default(row, cols, &mut hint, stringify!($df))?,)*)?
                })
            }
        }
    };
    (@col $f:ident) => { stringify!($f) };
    (@col $f:ident $col:literal) => { $col };
}

/// A SQLite error as sqlx reports database errors, so callers tell unique and foreign-key
/// violations apart the same way on both backends.
#[derive(Debug)]
pub struct LiteError {
    code: i32,
    message: String,
}

impl std::fmt::Display for LiteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for LiteError {}

impl sqlx::error::DatabaseError for LiteError {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Owned(self.code.to_string()))
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> sqlx::error::ErrorKind {
        use rusqlite::ffi;
        match self.code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                sqlx::error::ErrorKind::UniqueViolation
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => sqlx::error::ErrorKind::ForeignKeyViolation,
            ffi::SQLITE_CONSTRAINT_NOTNULL => sqlx::error::ErrorKind::NotNullViolation,
            ffi::SQLITE_CONSTRAINT_CHECK => sqlx::error::ErrorKind::CheckViolation,
            _ => sqlx::error::ErrorKind::Other,
        }
    }
}

/// rusqlite's error in sqlx's terms (the error type of the whole store).
pub fn to_sqlx(e: rusqlite::Error) -> sqlx::Error {
    match e {
        rusqlite::Error::SqliteFailure(f, msg) => sqlx::Error::Database(Box::new(LiteError {
            code: f.extended_code,
            message: msg.unwrap_or_else(|| f.to_string()),
        })),
        rusqlite::Error::QueryReturnedNoRows => sqlx::Error::RowNotFound,
        rusqlite::Error::FromSqlConversionFailure(i, _, source) => sqlx::Error::ColumnDecode {
            index: i.to_string(),
            source,
        },
        rusqlite::Error::InvalidColumnName(name) => sqlx::Error::ColumnNotFound(name),
        other => sqlx::Error::Protocol(other.to_string()),
    }
}
