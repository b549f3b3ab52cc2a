//! The storage seam: one `Db` over SQLite or PostgreSQL, chosen from the URL at start-up.
//!
//! Every statement is written once, with `$1`-style placeholders, and runs unchanged on both
//! backends. Parameters travel as [`Val`] so that dynamic queries (search filters) bind the same
//! way as static ones. SQLite runs on rusqlite (`lite`), PostgreSQL on sqlx; rows decode through a
//! `sqlx::FromRow` derive (PostgreSQL) and the `lite_row!` line under it (SQLite).

pub mod accounts;
pub mod backup;
pub mod changelog;
pub mod epoch;
pub mod files;
mod group_commit;
pub mod hosted;
pub mod lite;
pub mod metrics;
pub mod migrate;
pub mod projects;
mod readers;
pub mod search;
pub mod sequences;
pub mod sessions;
pub mod work_items;

use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{AssertSqlSafe, FromRow, PgPool, Postgres, Transaction};

pub type DbResult<T> = Result<T, sqlx::Error>;

/// A bound parameter. Nulls are typed because PostgreSQL wants to know what a NULL is.
#[derive(Debug, Clone)]
pub enum Val {
    I(Option<i64>),
    F(Option<f64>),
    B(Option<bool>),
    S(Option<String>),
}

macro_rules! val_from {
    ($t:ty, $v:ident, $conv:expr) => {
        impl From<$t> for Val {
            fn from(x: $t) -> Val {
                #[allow(clippy::redundant_closure_call)]
                Val::$v(Some(($conv)(x)))
            }
        }
        impl From<Option<$t>> for Val {
            fn from(x: Option<$t>) -> Val {
                #[allow(clippy::redundant_closure_call)]
                Val::$v(x.map($conv))
            }
        }
    };
}
val_from!(i64, I, |x| x);
val_from!(i32, I, |x: i32| x as i64);
val_from!(f64, F, |x| x);
val_from!(bool, B, |x| x);
val_from!(String, S, |x| x);
val_from!(&str, S, |x: &str| x.to_string());
val_from!(&String, S, |x: &String| x.clone());

impl From<&Option<String>> for Val {
    fn from(x: &Option<String>) -> Val {
        Val::S(x.clone())
    }
}

/// `params![a, b, c]` builds the parameter slice of a statement.
#[macro_export]
macro_rules! params {
    () => { &[] as &[$crate::store::Val] };
    ($($v:expr),+ $(,)?) => { &[$($crate::store::Val::from($v)),+] as &[$crate::store::Val] };
}

/// A row type both backends can decode.
pub trait Record: lite::LiteRecord + for<'r> FromRow<'r, PgRow> + Send + Unpin + 'static {}
impl<T> Record for T where T: lite::LiteRecord + for<'r> FromRow<'r, PgRow> + Send + Unpin + 'static {}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database. SQLite gets one writer connection (writes queue instead of failing with
/// "database is locked") and a few readers (`lite`); PostgreSQL one pool.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(Arc<lite::Lite>),
    Postgres(Pg),
}

/// The PostgreSQL pool, this process's data epoch (see `epoch`) and the statement results kept
/// for it (`Memo`).
#[derive(Clone, Debug)]
pub struct Pg {
    pub pool: PgPool,
    /// Connections for replies' reads (see `readers`); writes use `pool`.
    readers: Arc<readers::Readers>,
    epoch: Arc<epoch::Epoch>,
    memo: Arc<Memo>,
}

/// Results of a few small, hot read statements (a caller's membership of a project, the design
/// elements items nest), kept while the data epoch is the one read before they were run, as the
/// reply cache keeps replies (`http::cache`): every commit of this process moves the epoch on at
/// once, other processes' commits when their `NOTIFY` arrives, and while the listener is down the
/// epoch is unknown and nothing is kept or served. PostgreSQL only: there each statement is a
/// round trip that costs a backend's CPU on the same machine, where SQLite's is a call.
#[derive(Default)]
pub struct Memo {
    inner: Mutex<MemoInner>,
    /// The search index's common lexemes and when they were read (`search::common_lexemes`):
    /// a hint for how to run a search, so it is kept by age, not by epoch.
    common: Mutex<Option<(Instant, Arc<HashSet<String>>)>>,
}

#[derive(Default)]
struct MemoInner {
    /// The epoch of every entry (older ones are dropped together when it moves on).
    epoch: u64,
    map: HashMap<String, Arc<dyn Any + Send + Sync>>,
}

/// Entries kept at most; past it the memo starts over.
const MEMO_ENTRIES: usize = 4096;

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Memo")
    }
}

impl Memo {
    fn get<T: Clone + Send + Sync + 'static>(&self, key: &str, epoch: u64) -> Option<Vec<T>> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if inner.epoch != epoch {
            return None;
        }
        inner.map.get(key)?.downcast_ref::<Vec<T>>().cloned()
    }

    /// Keeps rows read after `epoch` was read, unless the epoch has moved on meanwhile (they
    /// may be stale already).
    fn put<T: Send + Sync + 'static>(&self, key: String, epoch: u64, rows: Vec<T>) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if epoch > inner.epoch || inner.map.len() >= MEMO_ENTRIES {
            inner.map.clear();
            inner.epoch = inner.epoch.max(epoch);
        }
        if epoch == inner.epoch {
            inner.map.insert(key, Arc::new(rows));
        }
    }
}

impl std::ops::Deref for Pg {
    type Target = PgPool;
    fn deref(&self) -> &PgPool {
        &self.pool
    }
}

impl Db {
    /// Opens (creating if needed) the database named by `url`: `postgres://…` or `sqlite://path`.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)?;
            let readers = Arc::new(readers::Readers::new(
                opts.clone(),
                max_connections.max(2) as usize,
            ));
            let pool = PgPoolOptions::new()
                .max_connections(max_connections.max(2))
                // No ping before every checkout: it was a round trip of its own, as many as the
                // statements of a single GET. A connection that broke while idle fails the one
                // statement that finds out, and the pool drops it.
                .test_before_acquire(false)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(opts)
                .await?;
            Ok(Db::Postgres(Pg {
                pool,
                readers,
                // Unknown until `watch_writes` listens.
                epoch: epoch::Epoch::new(false),
                memo: Arc::default(),
            }))
        } else if let Some(rest) = url.strip_prefix("sqlite:") {
            // `sqlite://path`, `sqlite:path`; options after `?` are ours to set, not the URL's.
            let path = rest.strip_prefix("//").unwrap_or(rest);
            let path = path.split('?').next().unwrap_or(path);
            if path.is_empty() {
                anyhow::bail!("the SQLite URL names no file");
            }
            // Statements run inline on the runtime's workers, so readers beyond one per core add
            // memory (each has its page cache), not throughput.
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
            let readers = cores.max(2).min(max_connections.max(1) as usize);
            Ok(Db::Sqlite(Arc::new(lite::Lite::open(
                path.into(),
                readers,
            )?)))
        } else {
            anyhow::bail!("unsupported database URL (expected postgres://… or sqlite://…)")
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// A transaction for a write. Commit it; dropping it rolls back.
    pub async fn write(&self) -> DbResult<Tx> {
        Ok(match self {
            Db::Sqlite(lite) => Conn::Sqlite(lite.write().await?).into(),
            Db::Postgres(p) => Conn::Postgres(p.begin().await?, p.epoch.clone()).into(),
        })
    }

    /// A pooled connection for a reply's reads. No transaction: BEGIN and COMMIT would double
    /// the round trips of a typical GET, and every write is already atomic, so each statement
    /// sees a committed state (two statements of one reply may see two successive states).
    pub async fn read(&self) -> DbResult<Tx> {
        Ok(match self {
            Db::Sqlite(lite) => Conn::SqliteRead(lite.read().await?).into(),
            Db::Postgres(p) => {
                // The epoch before any statement of the reply runs (see `Memo::put`).
                let memo = p.epoch.get().map(|e| (p.memo.clone(), e));
                let mut tx: Tx = Conn::PostgresRead(p.readers.acquire().await?).into();
                tx.memo = memo;
                tx
            }
        })
    }

    /// The data epoch (see `epoch`): `None` while it cannot be trusted.
    pub fn epoch(&self) -> Option<u64> {
        match self {
            Db::Sqlite(lite) => lite.epoch().get(),
            Db::Postgres(p) => p.epoch.get(),
        }
    }

    /// Starts watching for other processes' writes (PostgreSQL: a listener; SQLite's checkpoint
    /// thread already does). The server calls it; one-shot commands need not.
    pub fn watch_writes(&self) {
        if let Db::Postgres(p) = self {
            epoch::watch_postgres(p.pool.clone(), p.epoch.clone());
        }
    }

    pub async fn ping(&self) -> DbResult<()> {
        let mut tx = self.read().await?;
        tx.one::<(i64,)>("SELECT CAST(1 AS BIGINT)", &[]).await?;
        tx.commit().await
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(lite) => lite.close().await,
            Db::Postgres(p) => {
                p.readers.close().await;
                p.pool.close().await;
            }
        }
    }
}

/// A write transaction, or (from `Db::read`) a plain connection; both run the same methods.
pub struct Tx {
    conn: Conn,
    /// Changes recorded by this write, appended to the change log just before it commits
    /// (see `changelog`).
    pending: Vec<changelog::PendingChange>,
    /// PostgreSQL reads while the epoch is known: the memo and the epoch read as the reply began.
    memo: Option<(Arc<Memo>, u64)>,
}

enum Conn {
    Sqlite(lite::LiteWrite),
    /// With the epoch its commit moves on.
    Postgres(Transaction<'static, Postgres>, Arc<epoch::Epoch>),
    SqliteRead(lite::LiteRead),
    PostgresRead(readers::Reader),
}

impl From<Conn> for Tx {
    fn from(conn: Conn) -> Tx {
        Tx {
            conn,
            pending: Vec::new(),
            memo: None,
        }
    }
}

/// Runs `$body` with `$c` bound to the backend's connection, once per backend.
macro_rules! on_conn {
    ($tx:expr, $c:ident => sqlite: $s:expr, postgres: $p:expr) => {
        match &mut $tx.conn {
            Conn::Sqlite(t) => {
                let $c: &rusqlite::Connection = t.conn();
                $s
            }
            Conn::SqliteRead(t) => {
                let $c: &rusqlite::Connection = t.conn()?;
                $s
            }
            Conn::Postgres(t, _) => {
                let $c: &mut sqlx::PgConnection = &mut **t;
                $p
            }
            Conn::PostgresRead(t) => {
                // Only a statement that returned (no error, not cancelled) leaves the
                // connection fit to lend again (see `readers`).
                let $c: &mut sqlx::PgConnection = t.start();
                let out = $p;
                t.settle();
                out
            }
        }
    };
}

macro_rules! bind_all {
    ($q:expr, $params:expr) => {{
        let mut q = $q;
        for p in $params {
            q = match p {
                Val::I(v) => q.bind(*v),
                Val::F(v) => q.bind(*v),
                Val::B(v) => q.bind(*v),
                Val::S(v) => q.bind(v.clone()),
            };
        }
        q
    }};
}

impl Tx {
    pub fn backend(&self) -> Backend {
        match self.conn {
            Conn::Sqlite(_) | Conn::SqliteRead(_) => Backend::Sqlite,
            Conn::Postgres(..) | Conn::PostgresRead(_) => Backend::Postgres,
        }
    }

    /// Commits a write; for a read connection, returns it to the pool.
    /// Appends the recorded changes to the change log first, so the log row and the change
    /// commit together (and the project's change-number lock is the last lock a write takes).
    pub async fn commit(mut self) -> DbResult<()> {
        if !self.pending.is_empty() {
            let pending = std::mem::take(&mut self.pending);
            changelog::append(&mut self, pending).await?;
        }
        match self.conn {
            Conn::Sqlite(t) => t.commit().await,
            Conn::Postgres(mut t, epoch) => {
                // Other Questlog processes on this database learn of the write (`epoch`); the
                // notification is delivered when, and only if, the transaction commits.
                sqlx::query(epoch::PG_NOTIFY).execute(&mut *t).await?;
                t.commit().await?;
                epoch.committed();
                Ok(())
            }
            Conn::SqliteRead(_) | Conn::PostgresRead(_) => Ok(()),
        }
    }

    /// Queues a change for the change log; it is written when this transaction commits.
    pub fn defer_change(&mut self, change: changelog::PendingChange) {
        self.pending.push(change);
    }

    /// Runs a statement; returns the number of rows it affected.
    pub async fn exec(&mut self, sql: &str, params: &[Val]) -> DbResult<u64> {
        Ok(on_conn!(self, c =>
            sqlite: lite::exec(c, sql, params)?,
            postgres: bind_all!(sqlx::query(AssertSqlSafe(sql.to_string())), params)
                .execute(c).await?.rows_affected()))
    }

    /// SQLite's `VACUUM INTO` (a consistent copy of the database at `path`), which refuses to
    /// run inside a transaction: on a reader only.
    pub async fn vacuum_into(&mut self, path: &str) -> DbResult<()> {
        let Conn::SqliteRead(r) = &self.conn else {
            return Err(sqlx::Error::Protocol(
                "VACUUM INTO needs a SQLite reader".into(),
            ));
        };
        // The path travels as a bound parameter, never as SQL.
        lite::exec(r.conn_autocommit()?, "VACUUM INTO $1", params![path])?;
        Ok(())
    }

    /// Runs a batch of statements with no parameters (migrations).
    pub async fn exec_batch(&mut self, sql: &str) -> DbResult<()> {
        use sqlx::Executor;
        // A batch on a reader runs as it is written (a dump brings its own BEGIN and COMMIT).
        if let Conn::SqliteRead(r) = &self.conn {
            return lite::exec_batch(r.conn_autocommit()?, sql);
        }
        on_conn!(self, c =>
            sqlite: lite::exec_batch(c, sql)?,
            postgres: { c.execute(AssertSqlSafe(sql.to_string())).await?; });
        Ok(())
    }

    pub async fn all<T: Record>(&mut self, sql: &str, params: &[Val]) -> DbResult<Vec<T>> {
        on_conn!(self, c =>
            sqlite: lite::rows(c, sql, params, usize::MAX),
            postgres: Ok(bind_all!(sqlx::query_as::<Postgres, T>(AssertSqlSafe(sql.to_string())), params)
                .fetch_all(c).await?))
    }

    pub async fn opt<T: Record>(&mut self, sql: &str, params: &[Val]) -> DbResult<Option<T>> {
        on_conn!(self, c =>
            sqlite: Ok(lite::rows(c, sql, params, 1)?.pop()),
            postgres: Ok(bind_all!(sqlx::query_as::<Postgres, T>(AssertSqlSafe(sql.to_string())), params)
                .fetch_optional(c).await?))
    }

    /// `all`, served from the memo while the data epoch is unchanged (see `Memo`): PostgreSQL
    /// reads only; writes and SQLite always run the statement.
    pub async fn all_memo<T: Record + Clone + Sync>(
        &mut self,
        sql: &str,
        params: &[Val],
    ) -> DbResult<Vec<T>> {
        if self.memo.is_none() {
            return self.all(sql, params).await;
        }
        let key = format!("{sql}\u{0}{params:?}");
        if let Some(rows) = self.memo_get::<T>(&key) {
            return Ok(rows);
        }
        let rows: Vec<T> = self.all(sql, params).await?;
        self.memo_put(key, rows.clone());
        Ok(rows)
    }

    /// Rows kept under `key` by `memo_put` at this reply's epoch (see `Memo`); always None
    /// where `all_memo` runs the statement.
    pub fn memo_get<T: Clone + Send + Sync + 'static>(&self, key: &str) -> Option<Vec<T>> {
        let (memo, epoch) = self.memo.as_ref()?;
        memo.get(key, *epoch)
    }

    /// Keeps rows this reply read under `key` (for rows read in one statement and kept one by
    /// one; the key must name everything the rows depend on).
    pub fn memo_put<T: Send + Sync + 'static>(&self, key: String, rows: Vec<T>) {
        if let Some((memo, epoch)) = &self.memo {
            memo.put(key, *epoch, rows);
        }
    }

    /// Whether this is a PostgreSQL read with the memo (the data epoch is known).
    pub fn has_memo(&self) -> bool {
        self.memo.is_some()
    }

    /// The common lexemes kept by `memo_set_common`, if younger than `max_age`.
    pub fn memo_common(&self, max_age: Duration) -> Option<Arc<HashSet<String>>> {
        let (memo, _) = self.memo.as_ref()?;
        let common = memo.common.lock().unwrap_or_else(|p| p.into_inner());
        let (at, set) = common.as_ref()?;
        (at.elapsed() < max_age).then(|| set.clone())
    }

    pub fn memo_set_common(&self, set: Arc<HashSet<String>>) {
        if let Some((memo, _)) = &self.memo {
            *memo.common.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), set));
        }
    }

    /// `opt` through the memo (see `all_memo`).
    pub async fn opt_memo<T: Record + Clone + Sync>(
        &mut self,
        sql: &str,
        params: &[Val],
    ) -> DbResult<Option<T>> {
        Ok(self.all_memo(sql, params).await?.into_iter().next())
    }

    pub async fn one<T: Record>(&mut self, sql: &str, params: &[Val]) -> DbResult<T> {
        self.opt(sql, params).await?.ok_or(sqlx::Error::RowNotFound)
    }

    /// Every row of a query as text (NULL as None): dumps and comparisons in tests and tools.
    pub async fn text_rows(&mut self, sql: &str) -> DbResult<Vec<Vec<Option<String>>>> {
        use sqlx::Row;
        on_conn!(self, c =>
        sqlite: lite::text_rows(c, sql),
        postgres: {
            let rows = sqlx::query(AssertSqlSafe(sql.to_string())).fetch_all(c).await?;
            rows.iter()
                .map(|r| (0..r.len()).map(|i| r.try_get::<Option<String>, _>(i)).collect())
                .collect()
        })
    }

    /// Every id of an ordered list (`sql` selects one id column), from the deep-page cache when
    /// no write has committed since it was stored (`lite::Lists`). SQLite readers only; None
    /// elsewhere, or for a list longer than the cache holds, and the caller pages with OFFSET.
    pub async fn cached_ids(
        &mut self,
        sql: &str,
        params: &[Val],
    ) -> DbResult<Option<Arc<Vec<i64>>>> {
        let Conn::SqliteRead(r) = &self.conn else {
            return Ok(None);
        };
        let Some(generation) = r.generation() else {
            return Ok(None);
        };
        let key = format!("{sql}\u{0}{params:?}");
        if let Some(ids) = r.lists().get(&key, generation) {
            return Ok(Some(ids));
        }
        // One id past the bound tells a list too long to keep, without reading it whole.
        let rows: Vec<(i64,)> = lite::rows(r.conn()?, sql, params, lite::LIST_CACHE_IDS + 1)?;
        if rows.len() > lite::LIST_CACHE_IDS {
            return Ok(None);
        }
        let ids = Arc::new(rows.into_iter().map(|r| r.0).collect::<Vec<_>>());
        r.lists().put(key, generation, ids.clone());
        Ok(Some(ids))
    }

    /// Whether the query returns at least one row.
    pub async fn exists(&mut self, sql: &str, params: &[Val]) -> DbResult<bool> {
        Ok(self.opt::<(i64,)>(sql, params).await?.is_some())
    }
}

/// `LIMIT $limit OFFSET $offset` for two bound parameters (`"$3"`, `"$4"`). The casts keep
/// SQLite from planning with the bound values: a statement planned with them is re-prepared on
/// every execution that binds new ones, which cost a page of work items a twentieth of its CPU.
pub fn limit_offset(limit: &str, offset: &str) -> String {
    format!("LIMIT CAST({limit} AS BIGINT) OFFSET CAST({offset} AS BIGINT)")
}

/// Placeholder list `$from, $from+1, …` for an `IN (…)` of `n` values.
pub fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Is this error a unique-key violation (a concurrent duplicate insert)?
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

// After the macros above, which it uses.
pub mod portable;
