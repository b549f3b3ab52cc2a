//! A real server per test on 127.0.0.1:0 over a fresh database: a new SQLite file, or a new
//! PostgreSQL database when `QUESTLOG_TEST_DATABASE_URL` names a server (see scripts/test).

use std::sync::atomic::{AtomicU64, Ordering};

use questlog::http::HttpSettings;
use questlog::http::auth::Scopes;
use questlog::store::{Db, accounts};
use reqwest::{Method, StatusCode};
use serde_json::Value;

pub const OWNER_KEY: &str = "0123456789abcdef0123456789abcdef";

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db: Db,
    /// The owner's key (user 1, owner of workspace 1).
    pub key: String,
    _dir: tempfile::TempDir,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

/// A reply, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?} {}", self.status, self.text))
    }
    /// Asserts the status, then returns the JSON body.
    #[track_caller]
    pub fn expect(&self, status: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        if self.text.is_empty() {
            Value::Null
        } else {
            self.json()
        }
    }
    /// Asserts an empty reply with `Content-Length: 0`.
    #[track_caller]
    pub fn expect_empty(&self, status: u16) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        assert_eq!(self.text, "");
        assert_eq!(
            self.headers
                .get("content-length")
                .map(|v| v.to_str().unwrap()),
            Some("0")
        );
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

pub async fn spawn_app() -> TestApp {
    spawn_app_with(HttpSettings::default()).await
}

pub async fn spawn_app_with(settings: HttpSettings) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = match std::env::var("QUESTLOG_TEST_DATABASE_URL") {
        Ok(server) if !server.is_empty() => fresh_pg_database(&server).await,
        _ => format!("sqlite://{}", dir.path().join("test.db").display()),
    };
    let app = questlog::App::build(&url, "127.0.0.1:0", settings, 4)
        .await
        .expect("app builds");
    let addr = app.local_addr();
    let db = app.db().clone();
    accounts::bootstrap(&db, Some(OWNER_KEY))
        .await
        .expect("bootstrap");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = app
            .run(async {
                let _ = rx.await;
            })
            .await;
    });
    TestApp {
        base: format!("http://{addr}"),
        client: reqwest::Client::new(),
        db,
        key: OWNER_KEY.to_string(),
        _dir: dir,
        _shutdown: tx,
    }
}

/// Creates `ql_test_<pid>_<n>` on the server and returns its URL.
pub async fn fresh_pg_database(server: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let name = format!(
        "ql_test_{}_{}_{}",
        std::process::id(),
        n,
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let admin = Db::connect(server, 1).await.expect("postgres reachable");
    // CREATE DATABASE cannot run in a transaction: use the pool directly.
    if let Db::Postgres(pool) = &admin {
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(pool)
            .await
            .expect("create database");
    }
    admin.close().await;
    let (base, _) = server.rsplit_once('/').expect("database URL has a path");
    format!("{base}/{name}")
}

impl TestApp {
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<&str>,
    ) -> Reply {
        let mut req = self.client.request(
            Method::from_bytes(method.as_bytes()).unwrap(),
            format!("{}{}", self.base, path),
        );
        if let Some(k) = key {
            req = req.header("Authorization", format!("ApiKey {k}"));
        }
        if let Some(b) = body {
            req = req
                .header("Content-Type", "application/json")
                .body(b.to_string());
        }
        let resp = req.send().await.expect("request sent");
        let reply = Reply {
            status: resp.status(),
            headers: resp.headers().clone(),
            text: resp.text().await.expect("body read"),
        };
        let content_type = reply
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok());
        crate::contract::check(
            method,
            path,
            reply.status.as_u16(),
            content_type,
            &reply.text,
        );
        reply
    }

    /// GET as the owner.
    pub async fn get(&self, path: &str) -> Reply {
        self.call("GET", path, Some(&self.key), None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call("POST", path, Some(&self.key), Some(&body.to_string()))
            .await
    }
    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.call("PUT", path, Some(&self.key), Some(&body.to_string()))
            .await
    }
    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.call("PATCH", path, Some(&self.key), Some(&body.to_string()))
            .await
    }
    pub async fn delete(&self, path: &str) -> Reply {
        self.call("DELETE", path, Some(&self.key), None).await
    }

    /// `call` with a JSON body as another user.
    pub async fn as_user(&self, key: &str, method: &str, path: &str, body: Option<Value>) -> Reply {
        let b = body.map(|b| b.to_string());
        self.call(method, path, Some(key), b.as_deref()).await
    }

    /// A new user in workspace 1 with a full-scope key: (user id, key).
    pub async fn add_user(&self, username: &str) -> (i64, String) {
        self.add_user_scoped(username, Scopes::ALL).await
    }

    pub async fn add_user_scoped(&self, username: &str, scopes: Scopes) -> (i64, String) {
        let mut tx = self.db.write().await.unwrap();
        let id = accounts::create_user(
            &mut tx,
            username,
            &format!("{username}@example.com"),
            Some(username),
            false,
        )
        .await
        .unwrap();
        let key = accounts::create_key(&mut tx, id, "test", scopes, None)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        (id, key)
    }

    /// Another key for an existing user.
    pub async fn add_key(&self, user_id: i64, scopes: Scopes) -> String {
        let mut tx = self.db.write().await.unwrap();
        let key = accounts::create_key(&mut tx, user_id, "test", scopes, None)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        key
    }

    /// Creates a project as the owner; returns its id.
    pub async fn project(&self, name: &str) -> i64 {
        self.post(
            "/v0/projects",
            serde_json::json!({"name": name, "costMetric": "hours"}),
        )
        .await
        .expect(201)["id"]
            .as_i64()
            .unwrap()
    }

    /// The project's change log as the owner sees it, newest first (up to 100 entries).
    #[allow(dead_code)]
    pub async fn activity(&self, project_id: i64) -> Vec<Value> {
        self.get(&format!("/v0/projects/{project_id}/activity?limit=100"))
            .await
            .expect(200)["items"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// The event names of the project's change log, oldest first.
    #[allow(dead_code)]
    pub async fn events(&self, project_id: i64) -> Vec<String> {
        let mut names: Vec<String> = self
            .activity(project_id)
            .await
            .iter()
            .map(|c| c["event"].as_str().unwrap().to_string())
            .collect();
        names.reverse();
        names
    }

    #[allow(dead_code)]
    /// Adds a user to a project (as the owner) with extra fields, e.g. `{"isGuest": true}`.
    pub async fn add_member(&self, project_id: i64, user_id: i64, extra: Value) {
        let mut body = serde_json::json!({"userId": user_id});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                b.insert(k.clone(), v.clone());
            }
        }
        let r = self
            .post(&format!("/v0/projects/{project_id}/users"), body)
            .await;
        assert_eq!(r.status.as_u16(), 201, "add member: {}", r.text);
    }

    /// Makes a user a member of a project straight in the database (for tests of groups
    /// that need members without going through the project-users endpoints).
    #[allow(dead_code)]
    pub async fn add_member_sql(
        &self,
        project_id: i64,
        user_id: i64,
        is_admin: bool,
        is_guest: bool,
        role_id: Option<i64>,
    ) {
        let mut tx = self.db.write().await.unwrap();
        tx.exec(
            "INSERT INTO project_users (project_id, user_id, role_id, is_admin, is_guest, is_active, creation_date) \
             VALUES ($1, $2, $3, $4, $5, TRUE, '2026-01-01T00:00:00.000Z')",
            questlog::params![project_id, user_id, role_id, is_admin, is_guest],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }

    /// Inserts a work item straight in the database: first stage, default importance level,
    /// first category, backlog. Returns its per-project id.
    #[allow(dead_code)]
    pub async fn work_item_sql(&self, project_id: i64, title: &str) -> i64 {
        let mut tx = self.db.write().await.unwrap();
        let id = questlog::store::sequences::next_id(&mut tx, project_id, "workitem")
            .await
            .unwrap();
        tx.exec(
            "INSERT INTO work_items (project_id, work_item_id, title, category_id, importance_level_id, stage_id, \
             creation_date, update_date, creator_id) VALUES ($1, $2, $3, \
             (SELECT MIN(category_id) FROM categories WHERE project_id = $1), \
             (SELECT MIN(importance_level_id) FROM importance_levels WHERE project_id = $1 AND is_default), \
             (SELECT MIN(stage_id) FROM stages WHERE project_id = $1), \
             '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 1)",
            questlog::params![project_id, id, title],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        id
    }
}

/// Every row of every table, as text, in a stable order: compared before and after a request
/// that must change nothing. Tables come from the schema itself, so a new table is covered.
#[allow(dead_code)]
pub type Snapshot = std::collections::BTreeMap<String, Vec<Vec<Option<String>>>>;

#[allow(dead_code)]
pub async fn snapshot(db: &Db) -> Snapshot {
    use sqlx::Row;
    let mut out = Snapshot::new();
    match db {
        Db::Sqlite { read, .. } => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
            )
            .fetch_all(read)
            .await
            .unwrap();
            for t in tables {
                let cols: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT name FROM pragma_table_info('{t}') ORDER BY cid"
                )))
                .fetch_all(read)
                .await
                .unwrap();
                let sql = snapshot_select(&t, &cols);
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .fetch_all(read)
                    .await
                    .unwrap();
                let mut rows: Vec<Vec<Option<String>>> = rows
                    .iter()
                    .map(|r| {
                        (0..cols.len())
                            .map(|i| r.get::<Option<String>, _>(i))
                            .collect()
                    })
                    .collect();
                rows.sort();
                out.insert(t, rows);
            }
        }
        Db::Postgres(pool) => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT table_name::TEXT FROM information_schema.tables \
                 WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            for t in tables {
                let cols: Vec<String> = sqlx::query_scalar(
                    "SELECT column_name::TEXT FROM information_schema.columns \
                     WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
                )
                .bind(&t)
                .fetch_all(pool)
                .await
                .unwrap();
                let sql = snapshot_select(&t, &cols);
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .fetch_all(pool)
                    .await
                    .unwrap();
                let mut rows: Vec<Vec<Option<String>>> = rows
                    .iter()
                    .map(|r| {
                        (0..cols.len())
                            .map(|i| r.get::<Option<String>, _>(i))
                            .collect()
                    })
                    .collect();
                rows.sort();
                out.insert(t, rows);
            }
        }
    }
    out
}

/// Volatile columns (none yet: key lookups write nothing) would be blanked here.
fn snapshot_select(table: &str, cols: &[String]) -> String {
    let list: Vec<String> = cols
        .iter()
        .map(|c| format!("CAST(\"{c}\" AS TEXT)"))
        .collect();
    format!("SELECT {} FROM \"{table}\"", list.join(", "))
}

/// The first difference between two snapshots, for an assertion message.
#[allow(dead_code)]
pub fn snapshot_diff(before: &Snapshot, after: &Snapshot) -> Option<String> {
    for (t, rows) in after {
        let old = before.get(t).cloned().unwrap_or_default();
        if &old != rows {
            let added: Vec<_> = rows.iter().filter(|r| !old.contains(r)).take(3).collect();
            let removed: Vec<_> = old.iter().filter(|r| !rows.contains(r)).take(3).collect();
            return Some(format!("table {t}: added {added:?}, removed {removed:?}"));
        }
    }
    None
}

/// A request without the contract check, with any bytes as the body: `Err` when the
/// connection failed or was dropped (which a test of bad input treats as a failure).
#[allow(dead_code)]
pub async fn raw_call(
    app: &TestApp,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<Vec<u8>>,
) -> Result<Reply, String> {
    let mut req = app.client.request(
        Method::from_bytes(method.as_bytes()).unwrap(),
        format!("{}{}", app.base, path),
    );
    if let Some(k) = key {
        req = req.header("Authorization", format!("ApiKey {k}"));
    }
    if let Some(b) = body {
        req = req.header("Content-Type", "application/json").body(b);
    }
    let resp = req
        .send()
        .await
        .map_err(|e| format!("request failed: {e:?}"))?;
    let status = resp.status();
    let headers = resp.headers().clone();
    // A live stream never ends: its status and headers are the reply.
    let streaming = headers
        .get("content-type")
        .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
    let text = if streaming {
        String::new()
    } else {
        resp.text()
            .await
            .map_err(|e| format!("body not read: {e:?}"))?
    };
    Ok(Reply {
        status,
        headers,
        text,
    })
}

impl TestApp {
    /// Revokes a key the way `questlog key revoke` does (by its id).
    #[allow(dead_code)]
    pub async fn revoke_key(&self, key: &str) {
        let mut tx = self.db.write().await.unwrap();
        let (id,): (i64,) = tx
            .one(
                "SELECT id FROM api_keys WHERE key_hash = $1",
                questlog::params![questlog::http::auth::hash_key(key)],
            )
            .await
            .unwrap();
        assert!(accounts::revoke_key(&mut tx, id).await.unwrap());
        tx.commit().await.unwrap();
    }
}
