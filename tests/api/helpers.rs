//! A real server per test on 127.0.0.1:0 over a fresh database: a new SQLite file, or a new
//! PostgreSQL database when `QUESTLOG_TEST_DATABASE_URL` names a server (see scripts/test).

use std::sync::atomic::{AtomicU64, Ordering};

use questlog::blobs::{Blobs, S3Options};
use questlog::changes::dispatch::DispatchSettings;
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
    /// The database URL (another app can be started on it).
    pub url: String,
    /// Where the app stores files: a directory of the test, or a fresh prefix of the test S3
    /// bucket when `QUESTLOG_TEST_BLOBS=s3` (scripts/test).
    pub blobs: Blobs,
    _dir: tempfile::TempDir,
    _shutdown: tokio::sync::oneshot::Sender<()>,
    done: tokio::task::JoinHandle<()>,
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
    spawn_app_config(settings, DispatchSettings::default()).await
}

/// A fresh app with webhook settings of its own (short retry delays, …).
pub async fn spawn_app_config(settings: HttpSettings, dispatch: DispatchSettings) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = match std::env::var("QUESTLOG_TEST_DATABASE_URL") {
        Ok(server) if !server.is_empty() => fresh_pg_database(&server).await,
        _ => format!("sqlite://{}", dir.path().join("test.db").display()),
    };
    spawn_app_on(url, dir, settings, dispatch).await
}

/// An app on an existing database (a restart, or a second instance on one PostgreSQL).
pub async fn spawn_app_on(
    url: String,
    dir: tempfile::TempDir,
    mut settings: HttpSettings,
    dispatch: DispatchSettings,
) -> TestApp {
    // Uploads spool inside the test's directory, so a test can see that nothing is left there.
    if settings.files.spool_dir == HttpSettings::default().files.spool_dir {
        settings.files.spool_dir = dir.path().join("spool");
        std::fs::create_dir_all(&settings.files.spool_dir).expect("spool dir");
    }
    let blobs = test_blobs(&dir);
    let app = questlog::App::build(&url, "127.0.0.1:0", settings, 4)
        .await
        .expect("app builds")
        .with_dispatch(dispatch)
        .with_blobs(blobs.clone());
    let addr = app.local_addr();
    let db = app.db().clone();
    accounts::bootstrap(&db, Some(OWNER_KEY))
        .await
        .expect("bootstrap");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(async move {
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
        url,
        blobs,
        _dir: dir,
        _shutdown: tx,
        done,
    }
}

/// The blob store of a test app: `<dir>/files`, or with `QUESTLOG_TEST_BLOBS=s3` a prefix of its
/// own in the bucket `QUESTLOG_TEST_S3_URL` names (the same prefix again for a restart on `dir`).
pub fn test_blobs(dir: &tempfile::TempDir) -> Blobs {
    if std::env::var("QUESTLOG_TEST_BLOBS").as_deref() == Ok("s3") {
        let base = std::env::var("QUESTLOG_TEST_S3_URL").expect("QUESTLOG_TEST_S3_URL");
        let leaf = dir
            .path()
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("t")
            .trim_start_matches('.')
            .to_string();
        let endpoint = std::env::var("QUESTLOG_TEST_S3_ENDPOINT").ok();
        let opts = S3Options {
            allow_http: endpoint
                .as_deref()
                .is_some_and(|e| e.starts_with("http://")),
            endpoint,
            region: None,
            access_key_id: std::env::var("QUESTLOG_TEST_S3_KEY").ok(),
            secret_access_key: std::env::var("QUESTLOG_TEST_S3_SECRET").ok(),
        };
        Blobs::from_url(&format!("{}/{leaf}", base.trim_end_matches('/')), &opts).expect("S3 blobs")
    } else {
        Blobs::local(&dir.path().join("files")).expect("local blobs")
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
    if let Db::Postgres(pg) = &admin {
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&pg.pool)
            .await
            .expect("create database");
    }
    admin.close().await;
    let (base, _) = server.rsplit_once('/').expect("database URL has a path");
    format!("{base}/{name}")
}

impl TestApp {
    /// Where this app spools uploads (`<test dir>/spool`, unless the settings named another).
    #[allow(dead_code)]
    pub fn spool_dir(&self) -> std::path::PathBuf {
        self._dir.path().join("spool")
    }

    /// Stops the server (and its webhook dispatcher) and waits until it is gone; returns the
    /// database URL and directory for a new app.
    #[allow(dead_code)]
    pub async fn stop(self) -> (String, tempfile::TempDir) {
        let TestApp {
            url,
            _dir,
            _shutdown,
            done,
            ..
        } = self;
        drop(_shutdown);
        let _ = done.await;
        (url, _dir)
    }

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

    /// Uploads `bytes` as `filename` (a multipart part named `file`) to `path`, as `key`.
    #[allow(dead_code)]
    pub async fn upload_as(
        &self,
        key: &str,
        path: &str,
        filename: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Reply {
        let (ct, body) = multipart(&[("file", Some(filename), content_type, &bytes)]);
        self.raw_multipart(key, path, &ct, body).await
    }

    /// `upload_as` the owner.
    #[allow(dead_code)]
    pub async fn upload(
        &self,
        path: &str,
        filename: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Reply {
        self.upload_as(&self.key.clone(), path, filename, content_type, bytes)
            .await
    }

    /// POSTs a ready-made body with the given Content-Type.
    #[allow(dead_code)]
    pub async fn raw_multipart(
        &self,
        key: &str,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Reply {
        let resp = self
            .client
            .post(format!("{}{}", self.base, path))
            .header("Authorization", format!("ApiKey {key}"))
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .expect("request sent");
        let reply = Reply {
            status: resp.status(),
            headers: resp.headers().clone(),
            text: resp.text().await.expect("body read"),
        };
        let ct = reply
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok());
        crate::contract::check("POST", path, reply.status.as_u16(), ct, &reply.text);
        reply
    }

    /// GETs an absolute URL (a file link) without a key: status, headers, bytes.
    #[allow(dead_code)]
    pub async fn fetch(
        &self,
        url: &str,
        range: Option<&str>,
    ) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let mut req = self.client.get(url);
        if let Some(r) = range {
            req = req.header("Range", r);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        (status, headers, resp.bytes().await.expect("body").to_vec())
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
        Db::Sqlite(_) => {
            let mut tx = db.read().await.unwrap();
            let tables: Vec<(String,)> = tx
                .all(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
                    &[],
                )
                .await
                .unwrap();
            for (t,) in tables {
                let cols: Vec<(String,)> = tx
                    .all(
                        &format!("SELECT name FROM pragma_table_info('{t}') ORDER BY cid"),
                        &[],
                    )
                    .await
                    .unwrap();
                // Blobs (the full-text index's pages) as hex, so they compare as text too.
                let list: Vec<String> = cols
                    .iter()
                    .map(|(c,)| {
                        format!(
                            "CASE WHEN typeof(\"{c}\") = 'blob' THEN hex(\"{c}\") \
                             ELSE CAST(\"{c}\" AS TEXT) END"
                        )
                    })
                    .collect();
                let sql = format!("SELECT {} FROM \"{t}\"", list.join(", "));
                let mut rows = tx.text_rows(&sql).await.unwrap();
                rows.sort();
                out.insert(t, rows);
            }
        }
        Db::Postgres(pg) => {
            let pool = &pg.pool;
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

/// A `multipart/form-data` body of `(part name, file name, content type, bytes)` parts:
/// (Content-Type header value, body).
#[allow(dead_code)]
pub fn multipart(parts: &[(&str, Option<&str>, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "questlog-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, filename, ct, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match filename {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n")
                    .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(format!("Content-Type: {ct}\r\n\r\n").as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}
