//! `questlog import hacknplan` (issue 12 §1), through the binary, against a second real Questlog
//! server playing the hosted service (`questlog serve --rate-limit 5`, its data seeded through
//! the API first), over loopback. The target is SQLite, or PostgreSQL when
//! QUESTLOG_TEST_DATABASE_URL is set.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use questlog::changes::dispatch::DispatchSettings;
use questlog::http::HttpSettings;
use questlog::http::auth::Scopes;
use questlog::store::{Db, accounts};
use serde_json::{Value, json};

use crate::helpers::*;

/// The hosted service: a `questlog serve --rate-limit 5` process on a seeded database.
struct Upstream {
    base: String,
    child: Child,
    /// The in-process app's directory (database and files), kept while the server runs.
    _dir: tempfile::TempDir,
    /// The seeded paths (every object of the seed, by its GET).
    paths: Vec<String>,
}

impl Drop for Upstream {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn s3() -> bool {
    std::env::var("QUESTLOG_TEST_BLOBS").as_deref() == Ok("s3")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Seeds a studio through the API of an in-process server (no rate limit), then serves the same
/// data with the binary, rate limited as the hosted service is.
async fn upstream() -> Upstream {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let app = spawn_app_on(
        url,
        dir,
        HttpSettings::default(),
        DispatchSettings::default(),
    )
    .await;
    let mut paths = crate::operations::seed(&app).await;
    let p = "/v0/projects/1";
    // Files: an image attachment (with its thumbnail) as a card picture, a design element's file.
    let png = crate::files::image_bytes(image::ImageFormat::Png, 64, 48);
    let a = app
        .upload(
            &format!("{p}/workitems/2/attachments"),
            "shot.png",
            "image/png",
            png,
        )
        .await
        .expect(201);
    let aid = a["attachmentId"].as_i64().unwrap();
    app.patch(&format!("{p}/workitems/2"), json!({"pictureId": aid}))
        .await
        .expect(200);
    app.upload(
        &format!("{p}/designelements/1/attachments"),
        "notes.txt",
        "text/plain",
        b"level notes".to_vec(),
    )
    .await
    .expect(201);
    // Closed things stay closed: a milestone with a board, both closed; the side project closed.
    let ms = app
        .post(&format!("{p}/milestones"), json!({"name": "Prototype"}))
        .await
        .expect(201)["milestoneId"]
        .as_i64()
        .unwrap();
    let board = app
        .post(
            &format!("{p}/boards"),
            json!({"name": "Sprint 0", "milestoneId": ms}),
        )
        .await
        .expect(201)["boardId"]
        .as_i64()
        .unwrap();
    app.post(&format!("{p}/boards/{board}/closure"), json!(null))
        .await;
    app.post(&format!("{p}/milestones/{ms}/closure"), json!(null))
        .await;
    app.post("/v0/projects/2/closure", json!(null)).await;
    app.post(
        &format!("{p}/webhooks"),
        json!({"url": "http://127.0.0.1:9/hook", "events": ["workitem.created", "workitem.updated"],
               "headers": ["X-Team: skyfall"]}),
    )
    .await
    .expect(201);
    // A team with a member.
    let mut tx = app.db.write().await.unwrap();
    let team = accounts::create_team(&mut tx, 1, "Level design")
        .await
        .unwrap();
    accounts::add_team_user(&mut tx, team, 2).await.unwrap();
    tx.commit().await.unwrap();
    for s in [
        "/files",
        "/webhooks",
        "/boards?includeClosed=true",
        "/workitems/2/attachments",
        "/designelements/1/attachments",
    ] {
        paths.push(format!("{p}{s}"));
    }
    paths.push("/v0/projects/2".into());
    paths.push("/v0/projects/2/milestones?includeClosed=true".into());
    paths.push(format!("{p}/milestones/{ms}"));
    paths.push(format!("{p}/boards/{board}"));
    paths.retain(|p| !p.contains("/events?") && !p.contains("searchTerms"));

    let (url, dir) = app.stop().await;
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_questlog"))
        .env_remove("QUESTLOG_DATA_DIR")
        .env("QUESTLOG_LOG_LEVEL", "warn")
        .args([
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--database-url",
            &url,
            "serve",
            "--rate-limit",
            "5",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .spawn()
        .expect("serve starts");
    let base = format!("http://127.0.0.1:{port}");
    let up = Upstream {
        base,
        child,
        _dir: dir,
        paths,
    };
    let started = Instant::now();
    while reqwest::get(format!("{}/v0/users/me", up.base))
        .await
        .is_err()
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "upstream did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    up
}

/// A GET that waits out the upstream's 429s; returns the status and body.
async fn get(base: &str, key: &str, path: &str) -> (u16, Vec<u8>) {
    let client = reqwest::Client::new();
    let url = if path.starts_with("http") {
        path.to_string()
    } else {
        format!("{base}{path}")
    };
    for _ in 0..100 {
        let r = client
            .get(&url)
            .header("Authorization", format!("ApiKey {key}"))
            .send()
            .await
            .unwrap();
        if r.status().as_u16() == 429 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            continue;
        }
        return (r.status().as_u16(), r.bytes().await.unwrap().to_vec());
    }
    panic!("GET {url}: still throttled");
}

async fn get_json(base: &str, key: &str, path: &str) -> Value {
    let (status, body) = get(base, key, path).await;
    assert_eq!(
        status,
        200,
        "GET {base}{path}: {}",
        String::from_utf8_lossy(&body)
    );
    serde_json::from_slice(&body).unwrap()
}

/// A target instance: its data dir and database URL (PostgreSQL when the suite runs on it).
struct Target {
    dir: tempfile::TempDir,
    url: String,
}

async fn target() -> Target {
    let dir = tempfile::tempdir().unwrap();
    let url = match std::env::var("QUESTLOG_TEST_DATABASE_URL") {
        Ok(server) if !server.is_empty() => fresh_pg_database(&server).await,
        _ => format!("sqlite://{}", dir.path().join("test.db").display()),
    };
    Target { dir, url }
}

fn import_cmd(t: &Target, up: &Upstream, extra: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_questlog"));
    c.env_remove("QUESTLOG_DATA_DIR")
        .env("QUESTLOG_DATABASE_URL", &t.url)
        .env("QUESTLOG_LOG_LEVEL", "warn")
        .args([
            "--data-dir",
            t.dir.path().to_str().unwrap(),
            "import",
            "hacknplan",
            "--api-key",
            OWNER_KEY,
            "--base-url",
            &format!("{}/v0", up.base),
        ])
        .args(extra);
    c
}

/// Runs the import to its end; returns (success, stdout, stderr).
fn import(t: &Target, up: &Upstream, extra: &[&str]) -> (bool, String, String) {
    let out = import_cmd(t, up, extra).output().expect("runs");
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The summary's request counts: (sent, from the cache, throttled).
fn requests(summary: &str) -> (u64, u64, u64) {
    let line = summary
        .lines()
        .find(|l| l.contains("requests:"))
        .unwrap_or_else(|| panic!("no request counts in {summary}"));
    let nums: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|s| s.parse().ok())
        .collect();
    (nums[0], nums[1], nums[2])
}

/// Serves the target with the owner's key (user 1, imported without keys).
async fn serve_target(t: Target) -> TestApp {
    let db = Db::connect(&t.url, 1).await.unwrap();
    let mut tx = db.write().await.unwrap();
    accounts::create_key(&mut tx, 1, "test", Scopes::ALL, Some(OWNER_KEY))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    db.close().await;
    spawn_app_on(
        t.url,
        t.dir,
        HttpSettings::default(),
        DispatchSettings::default(),
    )
    .await
}

/// What may differ between the two servers: file links (their host and token), and webhooks
/// (imported disabled).
fn normalise(v: &mut Value, base: &str) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                match (k.as_str(), &*x) {
                    ("url" | "thumbUrl", Value::String(s)) if s.starts_with(base) => {
                        *x = json!("LINK")
                    }
                    _ => normalise(x, base),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| normalise(x, base)),
        _ => {}
    }
}

/// Every path answers the same on both servers, field by field (file links aside; webhooks
/// disabled on the import side); every file's bytes are the same.
async fn assert_same_objects(up: &Upstream, here: &TestApp, paths: &[String]) {
    for path in paths {
        let mut a = get_json(&up.base, OWNER_KEY, path).await;
        let mut b = get_json(&here.base, &here.key, path).await;
        if path.contains("/webhooks") {
            for h in a.as_array_mut().unwrap() {
                assert_eq!(h["isEnabled"], true);
                h["isEnabled"] = json!(false);
            }
        }
        // File links point at each server; the bytes behind them are compared below.
        let (la, lb) = (links(&a), links(&b));
        assert_eq!(la.len(), lb.len(), "{path}");
        for (x, y) in la.iter().zip(&lb) {
            let (sa, ba) = get(&up.base, OWNER_KEY, x).await;
            let (sb, bb) = get(&here.base, &here.key, y).await;
            assert_eq!((sa, sb), (200, 200), "{x} / {y}");
            assert!(ba == bb, "{path}: the bytes of {x} and {y} differ");
        }
        normalise(&mut a, &up.base);
        normalise(&mut b, &here.base);
        assert_same(&a, &b, path);
    }
}

fn links(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    match (k.as_str(), x) {
                        ("url" | "thumbUrl", Value::String(s))
                            if s.contains("/files/") || s.contains("/thumbs/") =>
                        {
                            out.push(s.clone())
                        }
                        _ => walk(x, out),
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    walk(v, &mut out);
    out
}

/// Field by field, naming the first field that differs.
fn assert_same(a: &Value, b: &Value, at: &str) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let kx: Vec<_> = x.keys().collect();
            let ky: Vec<_> = y.keys().collect();
            assert_eq!(kx, ky, "fields of {at}");
            for (k, v) in x {
                assert_same(v, &y[k], &format!("{at}.{k}"));
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "length of {at}");
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                assert_same(v, w, &format!("{at}[{i}]"));
            }
        }
        _ => assert_eq!(a, b, "{at}"),
    }
}

#[tokio::test]
async fn hosted_import_keeps_every_object_and_its_id() {
    if s3() {
        eprintln!("file blobs only");
        return;
    }
    let up = upstream().await;
    let t = target().await;
    // Faster than the upstream allows: its 429s are waited out.
    let (ok, out, err) = import(&t, &up, &["--rate", "20"]);
    assert!(ok, "{err}");
    assert!(out.contains("imported 2 project(s) [1, 2]"), "{out}");
    let (sent, cached, throttled) = requests(&out);
    assert!(sent > 40, "{out}");
    assert_eq!(cached, 0, "{out}");
    assert!(
        throttled > 0,
        "--rate 20 against a 5/s server is throttled: {out}"
    );
    // The users report names everyone, for `questlog key add`.
    for name in ["owner", "ana", "ben"] {
        assert!(out.contains(&format!("\t{name}\t")), "{out}");
    }
    assert!(out.contains("questlog key add"), "{out}");
    // The crawl's cache is gone once written.
    assert!(
        !t.dir
            .path()
            .join("import-hacknplan")
            .join(format!("127.0.0.1_{}", up.base.rsplit(':').next().unwrap()))
            .exists()
    );
    let here = serve_target(t).await;
    // The closed things stay closed.
    let p2 = get_json(&here.base, &here.key, "/v0/projects/2").await;
    assert!(p2["closingDate"].is_string(), "{p2}");
    let hooks = get_json(&here.base, &here.key, "/v0/projects/1/webhooks").await;
    assert_eq!(hooks[0]["isEnabled"], false);
    assert_same_objects(&up, &here, &up.paths).await;
    // New objects get new ids, past the imported ones.
    let b = here
        .post("/v0/projects/1/boards", json!({"name": "After the move"}))
        .await
        .expect(201);
    let max = get_json(
        &up.base,
        OWNER_KEY,
        "/v0/projects/1/boards?includeClosed=true",
    )
    .await;
    let top = max
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|b| b["boardId"].as_i64())
        .max()
        .unwrap();
    assert!(b["boardId"].as_i64().unwrap() > top);
    let w = here
        .post(
            "/v0/projects/1/workitems",
            json!({"title": "New", "importanceLevelId": 1}),
        )
        .await
        .expect(200);
    assert_eq!(w["workItemId"], 5);
}

#[tokio::test]
async fn hosted_import_killed_midway_resumes_from_its_cache() {
    if s3() {
        eprintln!("file blobs only");
        return;
    }
    let up = upstream().await;
    let t = target().await;
    let cache = t
        .dir
        .path()
        .join("import-hacknplan")
        .join(format!("127.0.0.1_{}", up.base.rsplit(':').next().unwrap()));
    let mut child = import_cmd(&t, &up, &[])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        let n = std::fs::read_dir(cache.join("replies"))
            .map(|d| d.count())
            .unwrap_or(0);
        if n >= 20 {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import ended before it was killed"
        );
        assert!(started.elapsed() < Duration::from_secs(60));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // Nothing was written by the killed run.
    assert!(count_projects(&t.url).await == 0);
    let (ok, out, err) = import(&t, &up, &[]);
    assert!(ok, "{err}");
    assert!(err.contains("resuming"), "{err}");
    let (sent, cached, _) = requests(&out);
    assert!(cached >= 20, "{out}");
    assert!(sent > 0, "{out}");
    let here = serve_target(t).await;
    assert_same_objects(&up, &here, &up.paths).await;
}

async fn count_projects(url: &str) -> i64 {
    let db = Db::connect(url, 1).await.unwrap();
    questlog::store::migrate::run(&db).await.unwrap();
    let mut tx = db.read().await.unwrap();
    let (n,): (i64,) = tx.one("SELECT COUNT(*) FROM projects", &[]).await.unwrap();
    tx.commit().await.unwrap();
    db.close().await;
    n
}

#[tokio::test]
async fn hosted_import_rerun_applies_upstream_changes() {
    if s3() {
        eprintln!("file blobs only");
        return;
    }
    let up = upstream().await;
    let t = target().await;
    let (ok, out, err) = import(&t, &up, &[]);
    assert!(ok, "{err}\n{out}");
    // Upstream: an item edited, a comment deleted, an item added, a project file gone with its
    // attachment.
    let client = reqwest::Client::new();
    let call = |method: reqwest::Method, path: String, body: Option<Value>| {
        let client = client.clone();
        let base = up.base.clone();
        async move {
            for _ in 0..100 {
                let mut r = client
                    .request(method.clone(), format!("{base}{path}"))
                    .header("Authorization", format!("ApiKey {OWNER_KEY}"));
                if let Some(b) = &body {
                    r = r.json(b);
                }
                let r = r.send().await.unwrap();
                if r.status().as_u16() == 429 {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    continue;
                }
                assert!(
                    r.status().is_success(),
                    "{path}: {}",
                    r.text().await.unwrap()
                );
                return;
            }
            panic!("throttled");
        }
    };
    let p = "/v0/projects/1";
    call(
        reqwest::Method::PATCH,
        format!("{p}/workitems/3"),
        Some(json!({"title": "Tree sprites, autumn"})),
    )
    .await;
    let comments = get_json(&up.base, OWNER_KEY, &format!("{p}/workitems/2/comments")).await;
    let cid = comments["items"][0]["commentId"].as_i64().unwrap();
    call(
        reqwest::Method::DELETE,
        format!("{p}/workitems/2/comments/{cid}"),
        None,
    )
    .await;
    call(
        reqwest::Method::POST,
        format!("{p}/workitems"),
        Some(json!({"title": "Added upstream", "importanceLevelId": 1})),
    )
    .await;

    let (ok, out, err) = import(&t, &up, &[]);
    assert!(ok, "{err}\n{out}");
    assert!(
        out.contains("replaced (imported before from this source): [1, 2]"),
        "{out}"
    );
    let (_, cached, _) = requests(&out);
    assert_eq!(cached, 0, "a written import leaves no cache: {out}");
    let here = serve_target(t).await;
    let item = get_json(&here.base, &here.key, &format!("{p}/workitems/3")).await;
    assert_eq!(item["title"], "Tree sprites, autumn");
    let c = get_json(&here.base, &here.key, &format!("{p}/workitems/2/comments")).await;
    assert!(
        c["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["commentId"] != cid),
        "{c}"
    );
    let list = get_json(&here.base, &here.key, &format!("{p}/workitems?limit=100")).await;
    assert_eq!(list["totalCount"], 5, "nothing duplicated: {list}");
    let mut paths = up.paths.clone();
    paths.push(format!("{p}/workitems/5"));
    assert_same_objects(&up, &here, &paths).await;
}

#[tokio::test]
async fn hosted_import_refuses_ids_taken_by_local_data() {
    if s3() {
        eprintln!("file blobs only");
        return;
    }
    let up = upstream().await;
    // A target with a project of its own, id 1, and its owner (user 1, 'owner').
    let local = spawn_app().await;
    local.project("Our own").await;
    let before = snapshot(&local.db).await;
    let t = Target {
        dir: tempfile::tempdir().unwrap(),
        url: local.url.clone(),
    };
    let (ok, out, err) = import(&t, &up, &[]);
    assert!(!ok, "{out}");
    assert!(
        err.contains(&format!(
            "project 1 already exists here and was not imported from {}/v0",
            up.base
        )),
        "{err}"
    );
    assert!(err.contains("nothing was imported"), "{err}");
    let after = snapshot(&local.db).await;
    assert!(
        snapshot_diff(&before, &after).is_none(),
        "{:?}",
        snapshot_diff(&before, &after)
    );
}

// Multi-threaded: the source runs in this process while the binary is awaited blocking.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hosted_import_bad_input_is_refused_clearly() {
    let source = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_questlog"))
            .env_remove("QUESTLOG_DATA_DIR")
            .env_remove("QUESTLOG_DATABASE_URL")
            .env("QUESTLOG_LOG_LEVEL", "warn")
            .args([
                "--data-dir",
                dir.path().to_str().unwrap(),
                "import",
                "hacknplan",
            ])
            .args(args)
            .output()
            .unwrap();
        (out.status.success(), String::from_utf8(out.stderr).unwrap())
    };
    let base = format!("{}/v0", source.base);
    let (ok, err) = run(&[
        "--api-key",
        "ffffffffffffffffffffffffffffffff",
        "--base-url",
        &base,
    ]);
    assert!(!ok);
    assert!(
        err.contains("401") && err.contains("is the API key right?"),
        "{err}"
    );
    let (ok, err) = run(&["--api-key", OWNER_KEY, "--base-url", &base, "--rate", "0"]);
    assert!(!ok);
    assert!(err.contains("--rate must be a positive number"), "{err}");
    let (ok, err) = run(&["--api-key", OWNER_KEY, "--base-url", "not a url"]);
    assert!(!ok);
    assert!(err.contains("is not an http(s) URL"), "{err}");
    let (ok, err) = run(&[
        "--api-key",
        OWNER_KEY,
        "--base-url",
        &base,
        "--project",
        "99",
    ]);
    assert!(!ok);
    assert!(
        err.contains("--project 99: the key cannot read a project 99"),
        "{err}"
    );
    // Nothing was written.
    let url = format!("sqlite://{}", dir.path().join("questlog.db").display());
    assert_eq!(count_projects(&url).await, 0);
}
