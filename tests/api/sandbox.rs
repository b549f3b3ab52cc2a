//! `questlog sandbox` (issue 12, part 3), through the binary: seeded from the built-in demo or
//! a fixture, reset and snapshots, the fixed clock, HacknPlan's rate limit, and no `/_sandbox`
//! routes in `serve`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::*;
use crate::operations::seed;
use crate::portable::questlog;

/// A running sandbox, killed when dropped.
struct Sandbox {
    child: Child,
    base: String,
    key: String,
    client: reqwest::Client,
}

impl Drop for Sandbox {
    /// SIGTERM, as a user's Ctrl-C would: the sandbox removes its temporary database.
    fn drop(&mut self) {
        // SAFETY: a signal to our own child process.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

fn start(args: &[&str]) -> (Sandbox, Duration) {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_questlog"))
        .env("QUESTLOG_LOG_LEVEL", "warn")
        .args(["sandbox", "--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .expect("runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut key = String::new();
    let mut base = String::new();
    for _ in 0..2 {
        let line = lines.next().expect("a line").unwrap();
        if let Some(k) = line.strip_prefix("QUESTLOG_SANDBOX_KEY=") {
            key = k.to_string();
        } else if let Some(u) = line.strip_prefix("QUESTLOG_SANDBOX_URL=") {
            base = u.to_string();
        }
    }
    let took = started.elapsed();
    assert!(!key.is_empty() && !base.is_empty());
    let sandbox = Sandbox {
        child,
        base,
        key,
        client: reqwest::Client::new(),
    };
    (sandbox, took)
}

impl Sandbox {
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, String) {
        let mut req = self
            .client
            .request(method.parse().unwrap(), format!("{}{path}", self.base))
            .header("Authorization", format!("ApiKey {}", self.key));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }
}

/// A client's test: creates and changes things, reads them back; every reply in order.
async fn client_suite(s: &Sandbox) -> Vec<(u16, String)> {
    let p = "/v0/projects/1";
    let mut out = vec![
        s.call("GET", "/v0/users/me", None).await,
        s.call("GET", &format!("{p}/boards"), None).await,
    ];
    let created = s
        .call(
            "POST",
            &format!("{p}/workitems"),
            Some(json!({"title": "Boss fight", "importanceLevelId": 1, "boardId": 1})),
        )
        .await;
    assert_eq!(created.0, 200, "{}", created.1);
    let id = serde_json::from_str::<Value>(&created.1).unwrap()["workItemId"]
        .as_i64()
        .unwrap();
    out.push(created);
    let item = format!("{p}/workitems/{id}");
    out.push(
        s.call(
            "PATCH",
            &item,
            Some(json!({"stageId": 2, "estimatedCost": 3})),
        )
        .await,
    );
    out.push(
        s.call(
            "POST",
            &format!("{item}/comments"),
            Some(json!("Looks good")),
        )
        .await,
    );
    out.push(
        s.call(
            "POST",
            &format!("{p}/boards"),
            Some(json!({"name": "Sprint 9"})),
        )
        .await,
    );
    for path in [
        item.clone(),
        format!("{item}/comments"),
        format!("{p}/workitems"),
        format!("{p}/metrics"),
        format!("{p}/boards"),
        format!("{p}/events?from=2025-01-01&to=2027-12-31"),
    ] {
        out.push(s.call("GET", &path, None).await);
    }
    out
}

#[tokio::test]
async fn a_client_suite_runs_twice_with_a_reset_between_and_gets_the_same_replies() {
    let (s, took) = start(&["--no-rate-limit", "--clock", "2026-01-01T00:00:00Z"]);
    eprintln!("sandbox up in {took:?}");
    assert!(took < Duration::from_secs(5), "started in {took:?}");
    let first = client_suite(&s).await;
    // The clock: what the suite created is dated at the fixed instant.
    let item: Value = serde_json::from_str(&first[2].1).unwrap();
    assert_eq!(item["creationDate"], "2026-01-01T00:00:00.000Z", "{item}");
    let (status, body) = s.call("POST", "/_sandbox/reset", None).await;
    assert_eq!(status, 200, "{body}");
    let ms = serde_json::from_str::<Value>(&body).unwrap()["ms"]
        .as_f64()
        .unwrap();
    assert!(ms < 1000.0, "reset took {ms} ms");
    let second = client_suite(&s).await;
    assert_eq!(first.len(), second.len());
    for (i, (a, b)) in first.iter().zip(&second).enumerate() {
        assert_eq!(a, b, "reply {i} differs after the reset");
    }
    // The key survives resets; ids come from the fixture.
    let (status, _) = s.call("GET", "/v0/projects/1/workitems/1", None).await;
    assert_eq!(status, 200);

    // Snapshots: saved, changed, restored.
    s.call("POST", "/_sandbox/reset", None).await;
    let (status, body) = s
        .call(
            "POST",
            "/_sandbox/snapshots",
            Some(json!({"name": "clean"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let before = s.call("GET", "/v0/projects/1/workitems", None).await;
    s.call(
        "POST",
        "/v0/projects/1/workitems",
        Some(json!({"title": "Temporary", "importanceLevelId": 1})),
    )
    .await;
    assert_ne!(
        s.call("GET", "/v0/projects/1/workitems", None).await,
        before
    );
    let (status, body) = s.call("POST", "/_sandbox/restore/clean", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        s.call("GET", "/v0/projects/1/workitems", None).await,
        before
    );
    let (status, _) = s.call("POST", "/_sandbox/restore/nope", None).await;
    assert_eq!(status, 404);
    let (status, _) = s
        .call("POST", "/_sandbox/snapshots", Some(json!({"name": "../x"})))
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn the_sandbox_limits_clients_like_hacknplan_by_default() {
    let (s, _) = start(&[]);
    let mut statuses = Vec::new();
    for _ in 0..15 {
        statuses.push(s.call("GET", "/v0/users/me", None).await.0);
    }
    assert!(
        statuses.contains(&200) && statuses.contains(&429),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn serve_has_no_sandbox_routes() {
    let app = spawn_app().await;
    for path in [
        "/_sandbox/reset",
        "/_sandbox/snapshots",
        "/_sandbox/restore/x",
    ] {
        let r = app.post(path, json!({"name": "x"})).await;
        assert_eq!(r.status.as_u16(), 404, "{path}: {}", r.text);
    }
}

/// The built-in demo studio is an export of a studio seeded through the API (the operations
/// tests' seed); `QUESTLOG_WRITE_DEMO=1` writes it again into src/sandbox/demo.json.
#[tokio::test]
async fn demo_fixture_is_an_export_of_a_seeded_studio() {
    let embedded: Value = serde_json::from_str(questlog::sandbox::DEMO).unwrap();
    if std::env::var("QUESTLOG_WRITE_DEMO").as_deref() != Ok("1") {
        assert_eq!(embedded["format"], "questlog-export");
        let p = &embedded["projects"][0]["tables"];
        assert!(!p["boards"].as_array().unwrap().is_empty());
        assert!(p["work_items"].as_array().unwrap().len() >= 3);
        assert!(p["design_elements"].as_array().unwrap().len() >= 2);
        assert!(p["changes"].as_array().unwrap().len() >= 10);
        assert!(embedded["instance"]["users"].as_array().unwrap().len() >= 3);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let app = spawn_app_on(
        url.clone(),
        dir,
        questlog::http::HttpSettings::default(),
        questlog::changes::dispatch::DispatchSettings::default(),
    )
    .await;
    seed(&app).await;
    let work = tempfile::tempdir().unwrap();
    let doc = work.path().join("demo.json");
    let (ok, _, err) = questlog(&url, &["export", "-o", doc.to_str().unwrap()]);
    assert!(ok, "{err}");
    let target = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/sandbox/demo.json");
    std::fs::copy(&doc, &target).unwrap();
}

/// A fixture of one's own (an export with files): its ids and files are served, and a reset
/// brings back a file deleted meanwhile.
#[tokio::test]
async fn a_fixture_with_files_is_served_and_reset() {
    // The export below reads the app's files from its local directory; the S3 run of the file
    // tests (scripts/test) stores them in the bucket instead.
    if std::env::var("QUESTLOG_TEST_BLOBS").as_deref() == Ok("s3") {
        eprintln!("file blobs only");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let app = spawn_app_on(
        url.clone(),
        dir,
        questlog::http::HttpSettings::default(),
        questlog::changes::dispatch::DispatchSettings::default(),
    )
    .await;
    seed(&app).await;
    let a = app
        .upload(
            "/v0/projects/1/workitems/2/attachments",
            "notes.txt",
            "text/plain",
            b"boss notes".to_vec(),
        )
        .await
        .expect(201);
    let fid = a["file"]["fileId"].as_i64().unwrap();
    let work = tempfile::tempdir().unwrap();
    let doc = work.path().join("mine.json");
    let files = app.spool_dir().parent().unwrap().join("files");
    let (ok, _, err) = questlog(
        &url,
        &[
            "export",
            "-o",
            doc.to_str().unwrap(),
            "--blob-url",
            &format!("file://{}", files.display()),
        ],
    );
    assert!(ok, "{err}");

    let (s, _) = start(&["--no-rate-limit", "--fixture", doc.to_str().unwrap()]);
    let (status, body) = s.call("GET", "/v0/projects/1/files", None).await;
    assert_eq!(status, 200, "{body}");
    let link = |body: &str| {
        serde_json::from_str::<Value>(body).unwrap()[0]["url"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let url = link(&body);
    let got = s.client.get(&url).send().await.unwrap();
    assert_eq!(got.bytes().await.unwrap().as_ref(), b"boss notes");
    let (status, _) = s
        .call("DELETE", &format!("/v0/projects/1/files/{fid}"), None)
        .await;
    assert_eq!(status / 100, 2);
    tokio::time::sleep(Duration::from_millis(200)).await;
    s.call("POST", "/_sandbox/reset", None).await;
    let (_, body) = s.call("GET", "/v0/projects/1/files", None).await;
    let got = s.client.get(link(&body)).send().await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.unwrap().as_ref(), b"boss notes");
}
