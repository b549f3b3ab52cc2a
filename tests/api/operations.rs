//! Operations: `questlog backup` / `questlog restore` round trips, and upgrades from the previous
//! release's schema with data in it.

use std::path::Path;
use std::process::Command;

use questlog::http::HttpSettings;
use questlog::store::{Db, backup, migrate};
use serde_json::{Value, json};

use crate::helpers::*;

/// Seeds a project with one of everything through the API; returns every GET path worth
/// comparing (lists and single objects), each answering 200.
pub async fn seed(app: &TestApp) -> Vec<String> {
    let (ana, _) = app.add_user("ana").await;
    let (ben, _) = app.add_user("ben").await;
    let pid = app.project("Skyfall").await;
    let other = app.project("Side project").await;
    let p = format!("/v0/projects/{pid}");
    let id = |v: &Value, k: &str| v[k].as_i64().unwrap_or_else(|| panic!("{k} in {v}"));

    let role = app
        .post(
            &format!("{p}/roles"),
            json!({"name": "Writer", "permissions": {"categoryPermissions":
                [{"categoryId": 2, "canRead": true, "canWrite": false}]}}),
        )
        .await
        .expect(201);
    let rid = id(&role, "roleId");
    app.add_member(pid, ana, json!({"roleId": rid})).await;
    app.add_member(pid, ben, json!({"isAdmin": true})).await;
    let bug = id(
        &app.post(
            &format!("{p}/tags"),
            json!({"name": "bug", "color": "#e74c3c"}),
        )
        .await
        .expect(201),
        "tagId",
    );
    let polish = id(
        &app.post(&format!("{p}/tags"), json!({"name": "polish"}))
            .await
            .expect(201),
        "tagId",
    );
    let ms = id(
        &app.post(
            &format!("{p}/milestones"),
            json!({"name": "Alpha", "description": "First playable",
                   "startDate": "2026-03-01", "dueDate": "2026-03-31"}),
        )
        .await
        .expect(201),
        "milestoneId",
    );
    let board = id(
        &app.post(
            &format!("{p}/boards"),
            json!({"name": "Sprint 1", "milestoneId": ms, "startDate": "2026-03-02",
                   "dueDate": "2026-03-15"}),
        )
        .await
        .expect(201),
        "boardId",
    );
    let hub = id(
        &app.post(
            &format!("{p}/designelements"),
            json!({"designElementTypeId": 1, "name": "Hub", "description": "The **centre**",
                   "startDate": "2026-03-03"}),
        )
        .await
        .expect(201),
        "designElementId",
    );
    let forest = id(
        &app.post(
            &format!("{p}/designelements"),
            json!({"designElementTypeId": 2, "name": "Forest", "parentId": hub}),
        )
        .await
        .expect(201),
        "designElementId",
    );
    id(
        &app.post(
            &format!("{p}/designelements/{hub}/comments"),
            json!("Needs a fountain"),
        )
        .await
        .expect(201),
        "commentId",
    );
    let items = format!("{p}/workitems");
    let story = id(
        &app.post(
            &items,
            json!({"title": "Traversal", "isStory": true, "importanceLevelId": 2}),
        )
        .await
        .expect(200),
        "workItemId",
    );
    let jump = id(
        &app.post(
            &items,
            json!({"title": "Double jump", "description": "Feels floaty", "importanceLevelId": 1,
                   "categoryId": 1, "estimatedCost": 2.5, "boardId": board,
                   "designElementId": hub, "parentId": story, "startDate": "2026-03-04",
                   "dueDate": "2026-03-06T10:00:00Z", "assignedUserIds": [ana, 1],
                   "tagIds": [bug, polish], "subTasks": ["Tune gravity", "Add coyote time"]}),
        )
        .await
        .expect(200),
        "workItemId",
    );
    let art = id(
        &app.post(
            &items,
            json!({"title": "Tree sprites", "importanceLevelId": 3, "categoryId": 2,
                   "estimatedCost": 4, "boardId": board, "designElementId": forest,
                   "assignedUserIds": [ben], "dependencyIds": [jump]}),
        )
        .await
        .expect(200),
        "workItemId",
    );
    let backlog = id(
        &app.post(
            &items,
            json!({"title": "Backlog idea", "importanceLevelId": 4}),
        )
        .await
        .expect(200),
        "workItemId",
    );
    app.patch(&format!("{items}/{jump}"), json!({"stageId": 2}))
        .await
        .expect(200);
    app.patch(
        &format!("{items}/{jump}/subtasks/1"),
        json!({"isCompleted": true}),
    )
    .await
    .expect(200);
    let wl = |w: i64| format!("{items}/{w}/worklogs");
    app.post(
        &wl(jump),
        json!({"value": 1.5, "comment": "Physics pass", "date": "2026-03-05"}),
    )
    .await
    .expect(201);
    app.post(&wl(jump), json!({"value": 2})).await.expect(201);
    app.post(&wl(art), json!({"value": 0.25})).await.expect(201);
    app.post(
        &format!("{items}/{jump}/comments"),
        json!("Much better now"),
    )
    .await
    .expect(201);
    app.post(
        &format!("{items}/{art}/comments"),
        json!({"text": "Which palette?"}),
    )
    .await
    .expect(201);
    app.post(
        &format!("/v0/projects/{other}/workitems"),
        json!({"title": "Elsewhere", "importanceLevelId": 3}),
    )
    .await
    .expect(200);

    let mut paths: Vec<String> = [
        "/v0/users/me",
        "/v0/workspaces",
        "/v0/workspaces/1",
        "/v0/workspaces/1/users",
        "/v0/workspaces/1/teams",
        "/v0/projects",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for s in [
        "",
        "/categories",
        "/stages",
        "/importancelevels",
        "/designelementtypes",
        "/tags",
        "/roles",
        "/users",
        "/milestones",
        "/milestones?includeClosed=true",
        "/boards",
        "/metrics",
        "/events?from=2026-01-01&to=2026-12-31",
        "/designelements",
        "/workitems",
        "/workitems?limit=2&offset=1",
        "/workitems?searchTerms=jump",
    ] {
        paths.push(format!("{p}{s}"));
    }
    paths.push(format!("/v0/projects/{other}/workitems"));
    paths.push(format!("{p}/roles/{rid}"));
    paths.push(format!("{p}/users/{ana}"));
    paths.push(format!("{p}/milestones/{ms}"));
    paths.push(format!("{p}/milestones/{ms}/metrics"));
    paths.push(format!("{p}/boards/{board}"));
    paths.push(format!("{p}/boards/{board}/metrics"));
    paths.push(format!("{items}?boardId={board}"));
    for d in [hub, forest] {
        let de = format!("{p}/designelements/{d}");
        paths.push(de.clone());
        paths.push(format!("{de}?includeChildren=true"));
        paths.push(format!("{de}/comments"));
        paths.push(format!("{de}/metrics"));
    }
    for w in [story, jump, art, backlog] {
        let wi = format!("{items}/{w}");
        paths.push(wi.clone());
        for s in ["subtasks", "worklogs", "comments", "dependencies"] {
            paths.push(format!("{wi}/{s}"));
        }
    }
    for path in &paths {
        let r = app.get(path).await;
        assert_eq!(r.status.as_u16(), 200, "GET {path}: {}", r.text);
    }
    paths
}

/// Every reply, as (path, status, body).
pub async fn snapshot(base: &str, key: &str, paths: &[String]) -> Vec<(String, u16, String)> {
    let client = reqwest::Client::new();
    let mut out = Vec::new();
    for p in paths {
        let r = client
            .get(format!("{base}{p}"))
            .header("Authorization", format!("ApiKey {key}"))
            .send()
            .await
            .unwrap();
        out.push((p.clone(), r.status().as_u16(), r.text().await.unwrap()));
    }
    out
}

/// A server on an existing database; dropping the sender stops it.
async fn serve_on(url: &str) -> (String, tokio::sync::oneshot::Sender<()>) {
    let app = questlog::App::build(url, "127.0.0.1:0", HttpSettings::default(), 4)
        .await
        .expect("app builds");
    let base = format!("http://{}", app.local_addr());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = app
            .run(async {
                let _ = rx.await;
            })
            .await;
    });
    (base, tx)
}

fn questlog(data_dir: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_questlog"))
        .env_remove("QUESTLOG_DATABASE_URL")
        .env("QUESTLOG_DATA_DIR", data_dir)
        .env("QUESTLOG_LOG_LEVEL", "warn")
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

pub fn on_postgres() -> bool {
    std::env::var("QUESTLOG_TEST_DATABASE_URL").is_ok_and(|v| !v.is_empty())
}

fn assert_same(before: &[(String, u16, String)], after: &[(String, u16, String)]) {
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(after) {
        assert_eq!(b, a, "GET {} differs after the round trip", b.0);
    }
}

#[tokio::test]
async fn backup_and_restore_round_trip_every_get_byte_for_byte() {
    if on_postgres() {
        eprintln!("SQLite file round trip; on PostgreSQL backups are pg_dump's (README)");
        return;
    }
    let app = spawn_app().await;
    let paths = seed(&app).await;
    let before = snapshot(&app.base, &app.key, &paths).await;
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("skyfall.db");

    // Online: the server keeps running (and its pool open) during the backup.
    backup::backup_sqlite(&app.db, &file).await.unwrap();
    let again = backup::backup_sqlite(&app.db, &file).await.unwrap_err();
    assert!(again.to_string().contains("already exists"), "{again}");
    app.get("/v0/users/me").await.expect(200);

    // Restore with the binary into a new, empty data dir, then serve it.
    let d2 = work.path().join("restored");
    let (ok, out, err) = questlog(&d2, &["restore", file.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("schema version"), "{out}");
    let (ok, _, err) = questlog(&d2, &["restore", file.to_str().unwrap()]);
    assert!(!ok && err.contains("not empty"), "{err}");
    let (base2, stop2) = serve_on(&format!("sqlite://{}", d2.join("questlog.db").display())).await;
    assert_same(&before, &snapshot(&base2, &app.key, &paths).await);

    // The binary's backup of a running server round-trips too.
    let file2 = work.path().join("second.db");
    let (ok, out, err) = questlog(&d2, &["backup", file2.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), file2.to_str().unwrap());
    let (ok, _, err) = questlog(&d2, &["backup", file2.to_str().unwrap()]);
    assert!(!ok && err.contains("already exists"), "{err}");
    let d3 = work.path().join("third");
    let (ok, _, err) = questlog(&d3, &["restore", file2.to_str().unwrap()]);
    assert!(ok, "{err}");
    let (base3, _stop3) = serve_on(&format!("sqlite://{}", d3.join("questlog.db").display())).await;
    assert_same(&before, &snapshot(&base3, &app.key, &paths).await);
    drop(stop2);

    // The restored server is a normal one: it takes writes.
    let r = reqwest::Client::new()
        .post(format!("{base3}/v0/projects/1/workitems"))
        .header("Authorization", format!("ApiKey {}", app.key))
        .json(&json!({"title": "After restore", "importanceLevelId": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["workItemId"], 5);
}

#[tokio::test]
async fn backup_and_restore_refuse_what_they_must() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    // Nothing to back up: no database is created on the way.
    let (ok, _, err) = questlog(
        &w.join("none"),
        &["backup", w.join("x.db").to_str().unwrap()],
    );
    assert!(!ok && err.contains("no database"), "{err}");
    assert!(!w.join("none/questlog.db").exists());

    // Not SQLite, or SQLite but not Questlog's.
    std::fs::write(w.join("notes.txt"), "hello").unwrap();
    let (ok, _, err) = questlog(
        &w.join("a"),
        &["restore", w.join("notes.txt").to_str().unwrap()],
    );
    assert!(!ok && err.contains("not a SQLite database"), "{err}");
    let foreign = w.join("foreign.db");
    let db = Db::connect(&format!("sqlite://{}", foreign.display()), 1)
        .await
        .unwrap();
    let mut tx = db.write().await.unwrap();
    tx.exec("CREATE TABLE t (x BIGINT)", &[]).await.unwrap();
    tx.commit().await.unwrap();
    db.close().await;
    let (ok, _, err) = questlog(&w.join("b"), &["restore", foreign.to_str().unwrap()]);
    assert!(!ok && err.contains("not a Questlog database"), "{err}");
    assert!(!w.join("b/questlog.db").exists(), "nothing left behind");
    let (ok, _, err) = questlog(
        &w.join("c"),
        &["restore", w.join("missing.db").to_str().unwrap()],
    );
    assert!(!ok && err.contains("missing.db"), "{err}");

    // A database from a newer release is refused, by restore and on start.
    let newer = w.join("newer.db");
    let db = Db::connect(&format!("sqlite://{}", newer.display()), 1)
        .await
        .unwrap();
    migrate::run(&db).await.unwrap();
    let mut tx = db.write().await.unwrap();
    tx.exec(
        "INSERT INTO schema_migrations (version, applied_date) VALUES ($1, 'x')",
        questlog::params![migrate::LATEST + 1],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    db.close().await;
    let (ok, _, err) = questlog(&w.join("d"), &["restore", newer.to_str().unwrap()]);
    assert!(!ok && err.contains("newer than this questlog"), "{err}");
    let e = questlog::App::build(
        &format!("sqlite://{}", newer.display()),
        "127.0.0.1:0",
        HttpSettings::default(),
        1,
    )
    .await
    .err()
    .expect("refused");
    assert!(
        format!("{e:#}").contains("newer than this questlog"),
        "{e:#}"
    );

    // On PostgreSQL, restore names pg_restore.
    let out = Command::new(env!("CARGO_BIN_EXE_questlog"))
        .env(
            "QUESTLOG_DATABASE_URL",
            "postgres://ql:secret@127.0.0.1:1/ql",
        )
        .args(["restore", "x.dump"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("pg_restore"), "{err}");
    assert!(!err.contains("secret"), "{err}");
}

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn backend_name() -> &'static str {
    if on_postgres() { "postgres" } else { "sqlite" }
}

/// A fresh, empty database URL (and the temp dir that holds it on SQLite).
async fn fresh_url() -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = match std::env::var("QUESTLOG_TEST_DATABASE_URL") {
        Ok(server) if !server.is_empty() => fresh_pg_database(&server).await,
        _ => format!("sqlite://{}", dir.path().join("questlog.db").display()),
    };
    (url, dir)
}

/// Is every field of `want` in `got` with the same value? New fields in `got` are fine (a
/// later release may add some); the "last 7 days" metrics move with the clock and are skipped.
fn contains(want: &Value, got: &Value, at: &str) -> Result<(), String> {
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => {
            for (k, v) in w {
                if k.ends_with("Variation") {
                    continue;
                }
                let g = g.get(k).ok_or(format!("{at}.{k} is missing"))?;
                contains(v, g, &format!("{at}.{k}"))?;
            }
            Ok(())
        }
        (Value::Array(w), Value::Array(g)) if w.len() == g.len() => w
            .iter()
            .zip(g)
            .enumerate()
            .try_for_each(|(i, (w, g))| contains(w, g, &format!("{at}[{i}]"))),
        _ if want == got => Ok(()),
        _ => Err(format!("{at}: was {want}, now {got}")),
    }
}

/// Upgrades: a database written by release v1 (schema 0001 plus the data `seed` makes), loaded
/// as it was, then opened by this build, which applies every newer migration. Every reply v1
/// gave must still hold, and the data must take writes. New migrations are covered as they
/// are added; when a release ships, add its fixture (`write_release_fixture`) beside this one.
#[tokio::test]
async fn upgrades_from_v1_keep_the_data_and_take_writes() {
    let b = backend_name();
    let sql = std::fs::read_to_string(fixture(&format!("v1-{b}.sql"))).unwrap();
    let replies: serde_json::Map<String, Value> = serde_json::from_str(
        &std::fs::read_to_string(fixture(&format!("v1-{b}-replies.json"))).unwrap(),
    )
    .unwrap();
    let (url, _dir) = fresh_url().await;
    // A connection of its own: the PostgreSQL dump changes session settings.
    let loader = Db::connect(&url, 1).await.unwrap();
    let mut conn = loader.read().await.unwrap();
    conn.exec_batch(&sql).await.unwrap();
    conn.commit().await.unwrap();
    loader.close().await;

    let (base, _stop) = serve_on(&url).await;
    let db = Db::connect(&url, 1).await.unwrap();
    let mut tx = db.read().await.unwrap();
    let applied: Vec<(i64,)> = tx
        .all(
            "SELECT version FROM schema_migrations ORDER BY version",
            &[],
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    db.close().await;
    assert_eq!(
        applied.into_iter().map(|v| v.0).collect::<Vec<_>>(),
        migrate::versions()
    );

    let paths: Vec<String> = replies.keys().cloned().collect();
    for (path, status, body) in snapshot(&base, OWNER_KEY, &paths).await {
        assert_eq!(status, 200, "GET {path}: {body}");
        let got: Value = serde_json::from_str(&body).unwrap();
        if let Err(e) = contains(&replies[&path], &got, "") {
            panic!("GET {path} after the upgrade: {e}");
        }
    }

    // Writable: every kind of write lands and is read back.
    let c = reqwest::Client::new();
    let send = |m: reqwest::Method, p: &str, body: Value| {
        c.request(m, format!("{base}/v0/projects/1{p}"))
            .header("Authorization", format!("ApiKey {OWNER_KEY}"))
            .json(&body)
            .send()
    };
    use reqwest::Method;
    let r = send(
        Method::POST,
        "/workitems",
        json!({"title": "After the upgrade", "importanceLevelId": 3, "subTasks": ["x"],
               "tagIds": [1], "estimatedCost": 3}),
    )
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let made: Value = r.json().await.unwrap();
    assert_eq!(made["workItemId"], 5);
    assert_eq!(made["boardIndex"], 2, "after the two v1 backlog items");
    for (m, p, body, want) in [
        (
            Method::PATCH,
            "/workitems/2",
            json!({"title": "Triple jump"}),
            200,
        ),
        (
            Method::POST,
            "/workitems/2/comments",
            json!("Still good"),
            201,
        ),
        (
            Method::POST,
            "/workitems/2/worklogs",
            json!({"value": 1}),
            201,
        ),
        (Method::POST, "/milestones", json!({"name": "Beta"}), 201),
        (
            Method::POST,
            "/designelements",
            json!({"designElementTypeId": 1, "name": "Caves"}),
            201,
        ),
    ] {
        let r = send(m.clone(), p, body).await.unwrap();
        assert_eq!(
            r.status().as_u16(),
            want,
            "{m} {p}: {}",
            r.text().await.unwrap()
        );
    }
    let w: Value = send(Method::GET, "/workitems/2", Value::Null)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(w["title"], "Triple jump");
    assert_eq!(w["loggedCost"], 4.5);

    // Search (migration 0006 rebuilt it on the database's own full-text index): the v1 items
    // are found by their words, in their project only, and the edits above took effect.
    for (project, terms, want) in [
        (1, "floa", vec![2]),
        (1, "TREE+sprit", vec![3]),
        (1, "trav", vec![1]),
        (1, "elsewhere", vec![]),
        (2, "elsewhere", vec![1]),
        (1, "triple", vec![2]),
        (1, "double", vec![]),
        (1, "jump+floaty", vec![2]),
        (1, "upgrade", vec![5]),
        (1, "i", vec![4]),
    ] {
        let page: Value = c
            .get(format!(
                "{base}/v0/projects/{project}/workitems?searchTerms={terms}"
            ))
            .header("Authorization", format!("ApiKey {OWNER_KEY}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let got: Vec<i64> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["workItemId"].as_i64().unwrap())
            .collect();
        assert_eq!(got, want, "{project} {terms}");
        assert_eq!(page["totalCount"], want.len() as i64, "{project} {terms}");
    }
}

/// Writes `tests/fixtures/<release>-<backend>.sql` and its replies from the current build.
/// Run it once per release, before the next release's first migration:
/// `QUESTLOG_WRITE_FIXTURE=v2 cargo test --test api write_release_fixture -- --ignored`
/// (and again with `QUESTLOG_TEST_DATABASE_URL` set for PostgreSQL). Needs `sqlite3` / `pg_dump`.
#[tokio::test]
#[ignore]
async fn write_release_fixture() {
    let release = std::env::var("QUESTLOG_WRITE_FIXTURE").expect("QUESTLOG_WRITE_FIXTURE=vN");
    let b = backend_name();
    let app = spawn_app().await;
    let paths = seed(&app).await;
    let mut replies = serde_json::Map::new();
    for (p, _, body) in snapshot(&app.base, &app.key, &paths).await {
        replies.insert(p, serde_json::from_str(&body).unwrap());
    }
    let dump = match &app.db {
        Db::Sqlite(_) => {
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join("f.db");
            backup::backup_sqlite(&app.db, &file).await.unwrap();
            let out = Command::new("sqlite3")
                .arg(&file)
                .arg(".dump")
                .output()
                .unwrap();
            assert!(out.status.success());
            String::from_utf8(out.stdout).unwrap()
        }
        Db::Postgres(pool) => {
            let name = pool.connect_options().get_database().unwrap().to_string();
            let server = std::env::var("QUESTLOG_TEST_DATABASE_URL").unwrap();
            let url = format!("{}/{name}", server.rsplit_once('/').unwrap().0);
            let out = Command::new("pg_dump")
                .args([
                    "--inserts",
                    "--no-owner",
                    "--no-privileges",
                    "--dbname",
                    &url,
                ])
                .output()
                .unwrap();
            assert!(out.status.success());
            // psql meta-commands (\restrict) are not SQL.
            String::from_utf8(out.stdout)
                .unwrap()
                .lines()
                .filter(|l| !l.starts_with('\\'))
                .collect::<Vec<_>>()
                .join("\n")
        }
    };
    let head = format!(
        "-- Questlog {release} database ({b}): its schema and the rows tests/api/operations.rs `seed`\n\
         -- makes, written by `write_release_fixture`. Never edit: upgrades are tested from it.\n"
    );
    std::fs::create_dir_all(fixture("")).unwrap();
    std::fs::write(fixture(&format!("{release}-{b}.sql")), head + &dump).unwrap();
    std::fs::write(
        fixture(&format!("{release}-{b}-replies.json")),
        serde_json::to_string_pretty(&Value::Object(replies)).unwrap() + "\n",
    )
    .unwrap();
}

/// Instances started together on one empty database (a rolling deploy) migrate it once.
#[tokio::test]
async fn instances_starting_together_migrate_once() {
    let (url, _dir) = fresh_url().await;
    let starts = (0..4).map(|_| {
        let url = url.clone();
        tokio::spawn(async move {
            questlog::App::build(&url, "127.0.0.1:0", HttpSettings::default(), 2)
                .await
                .map(|a| a.db().clone())
        })
    });
    let mut dbs = Vec::new();
    for s in starts {
        dbs.push(s.await.unwrap().expect("every instance starts"));
    }
    assert_eq!(
        migrate::current_version(&dbs[0]).await.unwrap(),
        migrate::LATEST
    );
    for db in dbs {
        db.close().await;
    }
}

/// PostgreSQL: `questlog backup` runs pg_dump; pg_restore into an empty database (as the README
/// says) brings back every reply byte for byte.
#[tokio::test]
async fn postgres_backup_is_a_pg_dump_that_restores() {
    let Ok(server) = std::env::var("QUESTLOG_TEST_DATABASE_URL") else {
        return;
    };
    if server.is_empty()
        || Command::new("pg_restore")
            .arg("--version")
            .output()
            .is_err()
    {
        return;
    }
    let app = spawn_app().await;
    let paths = seed(&app).await;
    let before = snapshot(&app.base, &app.key, &paths).await;
    let Db::Postgres(pool) = &app.db else {
        unreachable!()
    };
    let name = pool.connect_options().get_database().unwrap().to_string();
    let url = format!("{}/{name}", server.rsplit_once('/').unwrap().0);
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("skyfall.dump");
    let out = Command::new(env!("CARGO_BIN_EXE_questlog"))
        .env("QUESTLOG_DATABASE_URL", &url)
        .args(["backup", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(env!("CARGO_BIN_EXE_questlog"))
        .env("QUESTLOG_DATABASE_URL", &url)
        .args(["backup", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));

    let target = fresh_pg_database(&server).await;
    let out = Command::new("pg_restore")
        .args(["--no-owner", "--dbname", &target, file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (base, _stop) = serve_on(&target).await;
    assert_same(&before, &snapshot(&base, &app.key, &paths).await);
}
