//! `questlog export` / `questlog import json` (issue 12, part 2): through the binary, a seeded
//! project goes into a fresh instance and every v0 GET answers the same bytes there.

use std::path::Path;
use std::process::Command;

use questlog::changes::dispatch::DispatchSettings;
use questlog::http::HttpSettings;
use questlog::http::auth::Scopes;
use questlog::store::{Db, accounts};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::operations::{seed, snapshot};

/// Runs the binary with `--database-url url` and the given arguments.
pub fn questlog(url: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_questlog"))
        .env_remove("QUESTLOG_DATA_DIR")
        .env("QUESTLOG_DATABASE_URL", url)
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

fn blob_url(dir: &Path) -> String {
    format!("file://{}", dir.display())
}

/// A new empty database: a SQLite file in `dir`, or a fresh PostgreSQL database.
async fn fresh_url(dir: &Path) -> String {
    match std::env::var("QUESTLOG_TEST_DATABASE_URL") {
        Ok(server) if !server.is_empty() => fresh_pg_database(&server).await,
        _ => format!("sqlite://{}", dir.join("test.db").display()),
    }
}

/// The replies with the server's own address taken out (file links name it).
fn portable(snap: Vec<(String, u16, String)>, base: &str) -> Vec<(String, u16, String)> {
    snap.into_iter()
        .map(|(p, s, t)| (p, s, t.replace(base, "http://SERVER")))
        .collect()
}

fn assert_same(before: &[(String, u16, String)], after: &[(String, u16, String)]) {
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(after) {
        assert_eq!(b, a, "GET {} differs after export and import", b.0);
    }
}

/// Imports `doc` with the binary into the empty database `url` (files into `dir/files`), gives
/// user 1 the owner key, and serves it.
async fn import_and_serve(doc: &Path, url: String, dir: tempfile::TempDir) -> TestApp {
    let (ok, out, err) = questlog(
        &url,
        &[
            "import",
            "json",
            doc.to_str().unwrap(),
            "--blob-url",
            &blob_url(&dir.path().join("files")),
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains("imported 2 project(s)"), "{out}");
    let db = Db::connect(&url, 1).await.unwrap();
    let mut tx = db.write().await.unwrap();
    accounts::create_key(&mut tx, 1, "test", Scopes::ALL, Some(OWNER_KEY))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    db.close().await;
    spawn_app_on(
        url,
        dir,
        HttpSettings::default(),
        DispatchSettings::default(),
    )
    .await
}

#[tokio::test]
async fn export_then_import_answers_every_get_byte_for_byte() {
    if std::env::var("QUESTLOG_TEST_BLOBS").as_deref() == Ok("s3") {
        eprintln!("file blobs only");
        return;
    }
    // From SQLite into the backend under test (PostgreSQL when QUESTLOG_TEST_DATABASE_URL is
    // set), then back into SQLite.
    let dir1 = tempfile::tempdir().unwrap();
    let url1 = format!("sqlite://{}", dir1.path().join("test.db").display());
    let app = spawn_app_on(
        url1,
        dir1,
        HttpSettings::default(),
        DispatchSettings::default(),
    )
    .await;
    let mut paths = seed(&app).await;
    let pid = 1;
    let p = format!("/v0/projects/{pid}");
    // Files: an attachment (with a thumbnail) as a card picture, and a project file.
    let png = crate::files::image_bytes(image::ImageFormat::Png, 64, 48);
    let a = app
        .upload(
            &format!("{p}/workitems/2/attachments"),
            "shot.png",
            "image/png",
            png.clone(),
        )
        .await
        .expect(201);
    let aid = a["attachmentId"].as_i64().unwrap();
    app.patch(&format!("{p}/workitems/2"), json!({"pictureId": aid}))
        .await;
    app.upload(
        &format!("{p}/designelements/1/attachments"),
        "notes.txt",
        "text/plain",
        b"level notes".to_vec(),
    )
    .await
    .expect(201);
    app.post(
        &format!("{p}/webhooks"),
        json!({"url": "http://127.0.0.1:9/hook", "events": ["workitem.created"]}),
    )
    .await
    .expect(201);
    for s in [
        "/files",
        "/workitems/2/attachments",
        "/designelements/1/attachments",
        "/workitems/2",
        "/metrics",
        "/workitems?searchTerms=floaty",
    ] {
        paths.push(format!("{p}{s}"));
    }
    let before = portable(snapshot(&app.base, &app.key, &paths).await, &app.base);

    // Export through the binary, beside its files.
    let work = tempfile::tempdir().unwrap();
    let doc = work.path().join("studio.json");
    let files1 = app.spool_dir().parent().unwrap().join("files");
    let (ok, out, err) = questlog(
        &app.url,
        &[
            "export",
            "-o",
            doc.to_str().unwrap(),
            "--blob-url",
            &blob_url(&files1),
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(out.trim(), doc.to_str().unwrap());
    let text = std::fs::read_to_string(&doc).unwrap();
    let parsed: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(parsed["format"], "questlog-export");
    assert_eq!(parsed["version"], 1);
    assert!(!text.contains("key_hash"), "no keys leave the instance");
    let blobs = parsed["projects"][0]["blobs"].as_array().unwrap();
    assert_eq!(blobs.len(), 3, "two files and a thumbnail: {blobs:?}");
    for b in blobs {
        let key = b["key"].as_str().unwrap();
        assert!(doc.with_extension("files").join(key).is_file(), "{key}");
        assert_eq!(b["sha256"].as_str().unwrap().len(), 64);
    }
    let (ok, _, err) = questlog(&app.url, &["export", "-o", doc.to_str().unwrap()]);
    assert!(!ok && err.contains("already exists"), "{err}");

    // Import into a fresh instance, then serve it with the same owner key.
    let dir2 = tempfile::tempdir().unwrap();
    let url2 = fresh_url(dir2.path()).await;
    let app2 = import_and_serve(&doc, url2.clone(), dir2).await;
    let after = portable(snapshot(&app2.base, &app2.key, &paths).await, &app2.base);
    assert_same(&before, &after);

    // And back: exported from there into a new SQLite instance.
    let work2 = tempfile::tempdir().unwrap();
    let doc2 = work2.path().join("again.json");
    let files2 = app2.spool_dir().parent().unwrap().join("files");
    let (ok, _, err) = questlog(
        &url2,
        &[
            "export",
            "-o",
            doc2.to_str().unwrap(),
            "--blob-url",
            &blob_url(&files2),
        ],
    );
    assert!(ok, "{err}");
    let dir3 = tempfile::tempdir().unwrap();
    let url3 = format!("sqlite://{}", dir3.path().join("test.db").display());
    let app3 = import_and_serve(&doc2, url3, dir3).await;
    let back = portable(snapshot(&app3.base, &app3.key, &paths).await, &app3.base);
    assert_same(&before, &back);

    // The files' bytes came along.
    let files = app2.get(&format!("{p}/files")).await.expect(200);
    let url = files
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "shot.png")
        .unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _, body) = app2.fetch(&url, None).await;
    assert_eq!((status, body), (200, png));

    // Webhooks arrive disabled.
    let hooks = app2.get(&format!("{p}/webhooks")).await.expect(200);
    let hooks = hooks
        .as_array()
        .cloned()
        .or_else(|| hooks["items"].as_array().cloned())
        .unwrap();
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0]["isEnabled"], false, "{hooks:?}");

    // New rows get new ids after the imported ones.
    let board = app2
        .post(&format!("{p}/boards"), json!({"name": "Sprint 2"}))
        .await
        .expect(201);
    assert!(board["boardId"].as_i64().unwrap() > 1, "{board}");
    let item = app2
        .post(
            &format!("{p}/workitems"),
            json!({"title": "After the move", "importanceLevelId": 1}),
        )
        .await
        .expect(200);
    assert_eq!(item["workItemId"], 5);
    app2.post(&format!("{p}/workitems/5/comments"), json!("hi"))
        .await
        .expect(201);

    // A second import is refused before anything is written.
    let (ok, _, err) = questlog(&url2, &["import", "json", doc.to_str().unwrap()]);
    assert!(!ok && err.contains("project 1 already exists"), "{err}");
}

/// Refusals write nothing: a document that is not an export, one out of order, a user id held by
/// someone else, a project id already taken.
#[tokio::test]
async fn refused_imports_write_nothing() {
    let work = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", work.path().join("t.db").display());
    // Written in the export's key order (json! would sort the keys).
    let write = |name: &str, v: Value| {
        let p = work.path().join(name);
        let mut text = format!("{{\"format\":{},\"version\":{}", v["format"], v["version"]);
        for k in ["instance", "projects"] {
            if !v[k].is_null() {
                text.push_str(&format!(",\"{k}\":{}", v[k]));
            }
        }
        text.push('}');
        std::fs::write(&p, text).unwrap();
        p
    };
    let user = |id: i64, name: &str| {
        json!({"id": id, "username": name, "email": format!("{name}@x.test"), "name": null,
               "is_admin": false, "creation_date": "2026-01-01T00:00:00.000Z"})
    };
    let bad = write("bad.json", json!({"format": "other", "version": 1}));
    let (ok, _, err) = questlog(&url, &["import", "json", bad.to_str().unwrap()]);
    assert!(!ok && err.contains("not a Questlog export"), "{err}");
    let newer = write(
        "newer.json",
        json!({"format": "questlog-export", "version": 2, "instance": {}}),
    );
    let (ok, _, err) = questlog(&url, &["import", "json", newer.to_str().unwrap()]);
    assert!(!ok && err.contains("version 1, not 2"), "{err}");
    let broken = work.path().join("broken.json");
    std::fs::write(
        &broken,
        r#"{"format":"questlog-export","version":1,"instance":{"users":[{"id":1,"username":"a""#,
    )
    .unwrap();
    let (ok, _, err) = questlog(&url, &["import", "json", broken.to_str().unwrap()]);
    assert!(!ok && err.contains("not a valid export"), "{err}");

    let first = write(
        "first.json",
        json!({"format": "questlog-export", "version": 1,
               "instance": {"users": [user(1, "ana"), user(2, "ben")]}, "projects": []}),
    );
    let (ok, out, err) = questlog(&url, &["import", "json", first.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("2 rows"), "{out}");
    // The same users again are kept; user 2 under another name is refused, and with it the rest.
    let (ok, out, err) = questlog(&url, &["import", "json", first.to_str().unwrap()]);
    assert!(
        ok && out.contains("2 instance rows already present"),
        "{out} {err}"
    );
    let clash = write(
        "clash.json",
        json!({"format": "questlog-export", "version": 1,
               "instance": {"users": [user(3, "cat"), user(2, "dan")]}, "projects": []}),
    );
    let (ok, _, err) = questlog(&url, &["import", "json", clash.to_str().unwrap()]);
    assert!(
        !ok && err.contains("conflicts with user 2 ('ben')"),
        "{err}"
    );
    let db = Db::connect(&url, 1).await.unwrap();
    let mut tx = db.read().await.unwrap();
    let (n,): (i64,) = tx.one("SELECT COUNT(*) FROM users", &[]).await.unwrap();
    assert_eq!(n, 2, "user 3 was not written");
    drop(tx);
    db.close().await;
    // A row of a table before the table it depends on is refused.
    let order = work.path().join("order.json");
    std::fs::write(
        &order,
        r#"{"format":"questlog-export","version":1,"instance":{},"projects":[{"id":5,"tables":{"boards":[{"id":1,"project_id":5}],"projects":[{"id":5}]}}]}"#,
    )
    .unwrap();
    let (ok, _, err) = questlog(&url, &["import", "json", order.to_str().unwrap()]);
    assert!(!ok && err.contains("out of order"), "{err}");
}

/// `--project` picks projects (an unknown one is refused), `--with-history false` leaves the
/// change log out, and without `-o` the document goes to stdout.
#[tokio::test]
async fn export_picks_projects_and_history() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let app = spawn_app_on(
        url.clone(),
        dir,
        HttpSettings::default(),
        DispatchSettings::default(),
    )
    .await;
    seed(&app).await;
    let (ok, out, err) = questlog(&url, &["export", "--project", "2"]);
    assert!(ok, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    let projects = doc["projects"].as_array().unwrap();
    assert_eq!(projects.len(), 1);
    assert_eq!(projects[0]["id"], 2);
    assert!(
        !projects[0]["tables"]["changes"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(doc["instance"]["users"].as_array().unwrap().len(), 3);
    let (ok, out, err) = questlog(&url, &["export", "--with-history", "false"]);
    assert!(ok, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["projects"].as_array().unwrap().len(), 2);
    assert!(doc["projects"][0]["tables"].get("changes").is_none());
    let (ok, _, err) = questlog(&url, &["export", "--project", "99"]);
    assert!(!ok && err.contains("no project 99"), "{err}");
}
