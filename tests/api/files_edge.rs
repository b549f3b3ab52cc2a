//! Files at the edges (issue 10): a client that goes away mid-upload, a 200 MB upload streamed
//! both ways, concurrent uploads against the quota, odd names and odd multipart bodies,
//! refusals that must change nothing, a card picture whose file the admin deletes, the
//! attachment webhooks, and files surviving a restart. Backend-neutral: objects are counted
//! through `app.blobs` (local directory or S3); only the spool directory is looked at on disk.

use std::time::Duration;

use questlog::changes::dispatch::{DispatchSettings, parse_delays};
use questlog::http::HttpSettings;
use questlog::http::auth::Scopes;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::files::{image_bytes, wait_for_objects};
use crate::helpers::*;
use crate::receiver::Receiver;

/// A work item of a fresh project: (project, item).
async fn item(app: &TestApp) -> (i64, i64) {
    let pid = app.project("Edge").await;
    let wid = app.work_item_sql(pid, "Concept art").await;
    (pid, wid)
}

fn att_path(pid: i64, wid: i64) -> String {
    format!("/v0/projects/{pid}/workitems/{wid}/attachments")
}

fn host(app: &TestApp) -> String {
    app.base.trim_start_matches("http://").to_string()
}

/// The names of the files in the app's spool directory.
fn spooled(app: &TestApp) -> Vec<String> {
    std::fs::read_dir(app.spool_dir())
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Polls `check` every 100 ms for up to `secs` seconds; true once it held.
async fn eventually<F, Fut>(secs: u64, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..secs * 10 {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    check().await
}

async fn file_count(app: &TestApp, pid: i64) -> usize {
    app.get(&format!("/v0/projects/{pid}/files"))
        .await
        .expect(200)
        .as_array()
        .unwrap()
        .len()
}

/// The opening of a one-file multipart body and its closing, for bodies written by hand.
fn multipart_frame(boundary: &str, filename: &str) -> (Vec<u8>, Vec<u8>) {
    (
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes(),
        format!("\r\n--{boundary}--\r\n").into_bytes(),
    )
}

fn request_head(app: &TestApp, path: &str, boundary: &str, len: usize) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: ApiKey {}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {len}\r\n\
         Connection: close\r\n\r\n",
        host(app),
        app.key
    )
}

#[tokio::test]
async fn a_client_that_disconnects_mid_upload_leaves_nothing() {
    let app = spawn_app().await;
    let (pid, wid) = item(&app).await;
    let boundary = "edge-disconnect-boundary";
    let (open, close) = multipart_frame(boundary, "half.bin");
    let claimed = 50 * 1024 * 1024;
    let len = open.len() + claimed + close.len();
    let mut s = TcpStream::connect(host(&app)).await.unwrap();
    s.write_all(request_head(&app, &att_path(pid, wid), boundary, len).as_bytes())
        .await
        .unwrap();
    s.write_all(&open).await.unwrap();
    let chunk = vec![0x5au8; 64 * 1024];
    for _ in 0..16 {
        s.write_all(&chunk).await.unwrap();
    }
    s.flush().await.unwrap();
    // The server is spooling it: a file in the spool directory.
    assert!(
        eventually(10, || async { !spooled(&app).is_empty() }).await,
        "the upload never reached the spool directory"
    );
    drop(s);
    assert!(
        eventually(10, || async { spooled(&app).is_empty() }).await,
        "left in the spool directory: {:?}",
        spooled(&app)
    );
    assert!(
        eventually(10, || async {
            app.blobs.list_keys().await.unwrap().is_empty()
        })
        .await,
        "objects left: {:?}",
        app.blobs.list_keys().await.unwrap()
    );
    assert_eq!(file_count(&app, pid).await, 0);
    assert_eq!(
        app.get(&att_path(pid, wid)).await.expect(200)["totalCount"],
        0
    );
    let st = app
        .get(&format!("/v0/projects/{pid}/storage"))
        .await
        .expect(200);
    assert_eq!(st["totalUsedSpace"], 0);
    // And the server still takes uploads.
    app.upload(
        &att_path(pid, wid),
        "after.txt",
        "text/plain",
        b"ok".to_vec(),
    )
    .await
    .expect(201);
}

/// Chunk `i` of the generated 200 MB: one random megabyte with the chunk's index in front, so
/// a chunk lost, repeated or moved changes the digest.
fn fill_chunk(base: &[u8], i: u64, out: &mut [u8]) {
    out.copy_from_slice(base);
    out[..8].copy_from_slice(&i.to_le_bytes());
}

#[tokio::test]
async fn a_200_mb_upload_streams_through_and_back() {
    const MB: usize = 1024 * 1024;
    const SIZE: usize = 200 * MB;
    let mut settings = HttpSettings::default();
    settings.files.max_file_size = 256 * MB as u64;
    settings.request_timeout = Duration::from_secs(600);
    let app = spawn_app_with(settings).await;
    let (pid, wid) = item(&app).await;
    let boundary = "edge-large-boundary";
    let (open, close) = multipart_frame(boundary, "build.bin");
    let len = open.len() + SIZE + close.len();
    let mut s = TcpStream::connect(host(&app)).await.unwrap();
    s.write_all(request_head(&app, &att_path(pid, wid), boundary, len).as_bytes())
        .await
        .unwrap();
    s.write_all(&open).await.unwrap();
    let base: Vec<u8> = (0..MB as u64)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let mut chunk = vec![0u8; MB];
    let mut sent = Sha256::new();
    for i in 0..(SIZE / MB) as u64 {
        fill_chunk(&base, i, &mut chunk);
        sent.update(&chunk);
        s.write_all(&chunk).await.unwrap();
    }
    s.write_all(&close).await.unwrap();
    s.flush().await.unwrap();
    let mut reply = Vec::new();
    s.read_to_end(&mut reply).await.unwrap();
    let text = String::from_utf8_lossy(&reply);
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP reply");
    assert!(head.starts_with("HTTP/1.1 201"), "{head}\n{body}");
    let a: Value = serde_json::from_str(body).expect("JSON");
    assert_eq!(a["file"]["size"], SIZE);
    assert_eq!(a["file"]["name"], "build.bin");

    // Downloaded as a stream, hashed as it comes.
    let mut resp = app
        .client
        .get(a["file"]["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.content_length(), Some(SIZE as u64));
    let mut got = Sha256::new();
    let mut n = 0usize;
    while let Some(c) = resp.chunk().await.unwrap() {
        n += c.len();
        got.update(&c);
    }
    assert_eq!(n, SIZE);
    assert_eq!(
        got.finalize(),
        sent.finalize(),
        "the bytes came back changed"
    );
    // A range deep inside it.
    let off = 150 * MB + 3;
    let (status, _, part) = app
        .fetch(
            a["file"]["url"].as_str().unwrap(),
            Some(&format!("bytes={off}-{}", off + 99)),
        )
        .await;
    assert_eq!(status, 206);
    fill_chunk(&base, 150, &mut chunk);
    assert_eq!(part, &chunk[3..103]);
    assert!(spooled(&app).is_empty(), "{:?}", spooled(&app));
    let st = app
        .get(&format!("/v0/projects/{pid}/storage"))
        .await
        .expect(200);
    assert_eq!(st["projectUsedSpace"], SIZE);
}

#[tokio::test]
async fn concurrent_uploads_never_overrun_the_quota() {
    let mut settings = HttpSettings::default();
    settings.files.workspace_quota = 1_000_000;
    let app = spawn_app_with(settings).await;
    let (pid, wid) = item(&app).await;
    let path = att_path(pid, wid);
    // Non-images (no thumbnails): one object per stored file.
    let replies = futures_util::future::join_all((0..16u8).map(|i| {
        let (app, path) = (&app, &path);
        async move {
            app.upload(
                path,
                &format!("part{i}.bin"),
                "application/octet-stream",
                vec![i; 100_000],
            )
            .await
        }
    }))
    .await;
    let mut statuses: Vec<u16> = replies.iter().map(|r| r.status.as_u16()).collect();
    statuses.sort();
    assert_eq!(
        statuses,
        [vec![201; 10], vec![409; 6]].concat(),
        "{replies:?}"
    );
    for r in replies.iter().filter(|r| r.status.as_u16() == 409) {
        assert_eq!(r.json()["message"], "Account storage limit exceeded.");
    }
    let st = app
        .get(&format!("/v0/projects/{pid}/storage"))
        .await
        .expect(200);
    assert_eq!(st["totalUsedSpace"], 1_000_000);
    assert_eq!(st["projectUsedSpace"], 1_000_000);
    assert_eq!(file_count(&app, pid).await, 10);
    assert_eq!(app.get(&path).await.expect(200)["totalCount"], 10);
    wait_for_objects(&app, 10).await;
    assert!(spooled(&app).is_empty(), "{:?}", spooled(&app));
    // Each stored file holds its own bytes.
    for r in replies.iter().filter(|r| r.status.as_u16() == 201) {
        let f = &r.json()["file"];
        let i: u8 = f["name"].as_str().unwrap()[4..]
            .trim_end_matches(".bin")
            .parse()
            .unwrap();
        let (status, _, body) = app.fetch(f["url"].as_str().unwrap(), None).await;
        assert_eq!((status, body == vec![i; 100_000]), (200, true));
    }
}

/// `%XX` decoding of an RFC 5987 value.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// A multipart body with one file part whose `filename` parameter is `raw` exactly as given
/// (quotes escaped as `\"` like browsers do).
fn named_file(raw: &[u8], bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "edge-names-boundary";
    let mut body =
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"")
            .into_bytes();
    for &c in raw {
        if c == b'"' {
            body.extend_from_slice(b"\\\"");
        } else {
            body.push(c);
        }
    }
    body.extend_from_slice(b"\"\r\nContent-Type: text/plain\r\n\r\n");
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The download's `Content-Disposition`: one line, an ASCII fallback without quotes or
/// backslashes inside, and `filename*` carrying exactly the stored name.
async fn check_disposition(app: &TestApp, f: &Value) {
    let name = f["name"].as_str().unwrap();
    let (status, h, _) = app.fetch(f["url"].as_str().unwrap(), None).await;
    assert_eq!(status, 200, "{f}");
    let all: Vec<_> = h.get_all("content-disposition").iter().collect();
    assert_eq!(all.len(), 1, "{all:?}");
    let v = all[0].to_str().expect("an ASCII header");
    assert!(!v.contains(['\r', '\n', '\0']), "{v:?}");
    let rest = v
        .strip_prefix("attachment; filename=\"")
        .unwrap_or_else(|| panic!("{v}"));
    let (fallback, rest) = rest.split_once('"').unwrap();
    assert!(
        fallback
            .chars()
            .all(|c| c.is_ascii() && !c.is_ascii_control() && c != '\\'),
        "{fallback:?}"
    );
    let exact = rest
        .strip_prefix("; filename*=UTF-8''")
        .unwrap_or_else(|| panic!("{v}"));
    assert!(!exact.contains(['"', ' ', ';']), "{exact}");
    assert_eq!(percent_decode(exact), name, "{v}");
}

#[tokio::test]
async fn odd_file_names_are_stored_safely() {
    let app = spawn_app().await;
    let (pid, wid) = item(&app).await;
    let path = att_path(pid, wid);
    let up = |raw: Vec<u8>| {
        let (ct, body) = named_file(&raw, b"content");
        let (app, path) = (&app, path.clone());
        async move { app.raw_multipart(&app.key, &path, &ct, body).await }
    };
    // 10,000 characters: cut to 255, the extension kept.
    let long = format!("{}.txt", "n".repeat(10_000));
    let a = up(long.into_bytes()).await.expect(201);
    let name = a["file"]["name"].as_str().unwrap();
    assert_eq!(name.chars().count(), 255);
    assert!(name.ends_with("nnn.txt"), "{name}");
    check_disposition(&app, &a["file"]).await;
    let mut stored = 1;

    // Names that get through the multipart header, and what is kept of them.
    for (raw, kept) in [
        ("say \"hi\".txt", "say \"hi\".txt"),
        ("dir\\sub\\evil.txt", "evil.txt"),
        ("a\tb.txt", "ab.txt"),
        ("\u{202e}gnp.exe", "gnp.exe"),
        ("🎮 level 1 – ünïcode.txt", "🎮 level 1 – ünïcode.txt"),
        (
            "semi;colon, comma=equals.txt",
            "semi;colon, comma=equals.txt",
        ),
        ("100%25 done.txt", "100%25 done.txt"),
    ] {
        let a = up(raw.as_bytes().to_vec()).await.expect(201);
        assert_eq!(a["file"]["name"], kept, "{raw:?}");
        check_disposition(&app, &a["file"]).await;
        stored += 1;
    }
    // NUL, CR and LF cannot be in a part's header: the body is malformed, a 400.
    for raw in [&b"nul\0.txt"[..], b"cr\r.txt", b"lf\n.txt", b"crlf\r\n.txt"] {
        let r = up(raw.to_vec()).await;
        assert_eq!(r.status.as_u16(), 400, "{raw:?}: {}", r.text);
        assert!(r.json()["message"].is_string());
    }
    assert_eq!(file_count(&app, pid).await, stored);
    wait_for_objects(&app, stored).await;
    assert!(spooled(&app).is_empty());
}

#[tokio::test]
async fn odd_multipart_bodies() {
    let app = spawn_app().await;
    let (pid, wid) = item(&app).await;
    let path = att_path(pid, wid);
    let raw = |ct: &str, body: Vec<u8>| {
        let (app, path, ct) = (&app, path.clone(), ct.to_string());
        async move { app.raw_multipart(&app.key, &path, &ct, body).await }
    };
    // An empty file is a file.
    let a = app
        .upload(&path, "empty.txt", "text/plain", Vec::new())
        .await
        .expect(201);
    assert_eq!(a["file"]["size"], 0);
    let (status, h, body) = app.fetch(a["file"]["url"].as_str().unwrap(), None).await;
    assert_eq!((status, body.len()), (200, 0));
    assert_eq!(h["content-length"], "0");

    // Two files in one request.
    let (ct, body) = multipart(&[
        ("file", Some("one.txt"), "text/plain", b"1"),
        ("file2", Some("two.txt"), "text/plain", b"2"),
    ]);
    let r = raw(&ct, body).await;
    assert_eq!(r.status.as_u16(), 400, "{}", r.text);
    // A part with neither a name nor a file name is no file.
    let b = "edge-noname";
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data\r\nContent-Type: text/plain\r\n\r\nx\r\n--{b}--\r\n"
    );
    let r = raw(
        &format!("multipart/form-data; boundary={b}"),
        body.into_bytes(),
    )
    .await;
    assert_eq!(r.status.as_u16(), 400, "{}", r.text);
    // A part with a file name but no part name is the file (any part name is fine).
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; filename=\"nameless.txt\"\r\n\r\nabc\r\n--{b}--\r\n"
    );
    let a2 = raw(
        &format!("multipart/form-data; boundary={b}"),
        body.into_bytes(),
    )
    .await
    .expect(201);
    assert_eq!(
        (a2["file"]["name"].as_str(), a2["file"]["size"].as_i64()),
        (Some("nameless.txt"), Some(3))
    );
    // Not form-data, or no boundary.
    let (ct, body) = multipart(&[("file", Some("m.txt"), "text/plain", b"m")]);
    let mixed = ct.replace("multipart/form-data", "multipart/mixed");
    let r = raw(&mixed, body.clone()).await;
    assert_eq!(r.status.as_u16(), 415, "{}", r.text);
    assert_eq!(
        r.json()["message"],
        "The content is not MIME multipart content."
    );
    let r = raw("multipart/form-data", body.clone()).await;
    assert_eq!(r.status.as_u16(), 400, "{}", r.text);
    let r = raw("multipart/form-data; boundary=", body).await;
    assert!(r.status.is_client_error(), "{}", r.text);
    // A body cut short.
    let (ct, body) = multipart(&[("file", Some("cut.txt"), "text/plain", &[7u8; 5000])]);
    let r = raw(&ct, body[..3000].to_vec()).await;
    assert_eq!(r.status.as_u16(), 400, "{}", r.text);

    // Nothing partial: exactly the two accepted files, everywhere.
    assert_eq!(file_count(&app, pid).await, 2);
    assert_eq!(app.get(&path).await.expect(200)["totalCount"], 2);
    let st = app
        .get(&format!("/v0/projects/{pid}/storage"))
        .await
        .expect(200);
    assert_eq!(st["projectUsedSpace"], 3);
    wait_for_objects(&app, 2).await;
    assert!(spooled(&app).is_empty(), "{:?}", spooled(&app));
}

#[tokio::test]
async fn refused_uploads_and_foreign_ids_change_nothing() {
    let app = spawn_app().await;
    let a = app.project("A").await;
    let b = app.project("B").await;
    let wa = app.work_item_sql(a, "a item").await;
    // B has more items than A will ever have here: its last id names nothing in A.
    let mut wb = 0;
    for n in 0..5 {
        wb = app.work_item_sql(b, &format!("b item {n}")).await;
    }
    let de_path = |p: i64| format!("/v0/projects/{p}/designelements");
    let de_a = app
        .post(
            &de_path(a),
            json!({"designElementTypeId": 1, "name": "A el"}),
        )
        .await
        .expect(201)["designElementId"]
        .as_i64()
        .unwrap();
    let mut de_b = 0;
    for n in ["B1", "B2", "B3"] {
        de_b = app
            .post(&de_path(b), json!({"designElementTypeId": 1, "name": n}))
            .await
            .expect(201)["designElementId"]
            .as_i64()
            .unwrap();
    }
    assert_ne!(de_a, de_b);
    let bw = app
        .upload(&att_path(b, wb), "b.txt", "text/plain", b"bb".to_vec())
        .await
        .expect(201);
    let bd = app
        .upload(
            &format!("{}/{de_b}/attachments", de_path(b)),
            "bd.txt",
            "text/plain",
            b"bd".to_vec(),
        )
        .await
        .expect(201);
    let (bwa, bfid, bda) = (
        bw["attachmentId"].as_i64().unwrap(),
        bw["file"]["fileId"].as_i64().unwrap(),
        bd["attachmentId"].as_i64().unwrap(),
    );
    // The callers and the places that must be refused.
    let (gid, guest) = app.add_user("guest").await;
    app.add_member(a, gid, json!({"isGuest": true})).await;
    let read_only = app
        .add_key(1, Scopes::parse("workitems:read").unwrap())
        .await;
    let board = app
        .post(&format!("/v0/projects/{a}/boards"), json!({"name": "Done"}))
        .await
        .expect(201)["boardId"]
        .as_i64()
        .unwrap();
    let closed_item = app
        .post(
            &format!("/v0/projects/{a}/workitems"),
            json!({"title": "On a closed board", "importanceLevelId": 3, "boardId": board}),
        )
        .await
        .expect(200)["workItemId"]
        .as_i64()
        .unwrap();
    app.post(
        &format!("/v0/projects/{a}/boards/{board}/closure"),
        json!({}),
    )
    .await
    .expect_empty(200);
    // A third project without the design model.
    let c = app.project("C").await;
    let de_c = app
        .post(
            &de_path(c),
            json!({"designElementTypeId": 1, "name": "C el"}),
        )
        .await
        .expect(201)["designElementId"]
        .as_i64()
        .unwrap();
    app.patch(
        &format!("/v0/projects/{c}"),
        json!({"moduleConfig": {"gameDesignModel": false}}),
    )
    .await
    .expect(200);

    let keys_before = app.blobs.list_keys().await.unwrap();
    let before = snapshot(&app.db).await;
    let owner = app.key.clone();
    let upload = |key: String, path: String| {
        let app = &app;
        async move {
            app.upload_as(&key, &path, "x.txt", "text/plain", b"x".to_vec())
                .await
        }
    };
    let cases: Vec<(&str, String, String, u16)> = vec![
        ("B's item id through A", owner.clone(), att_path(a, wb), 404),
        (
            "B's design element through A",
            owner.clone(),
            format!("{}/{de_b}/attachments", de_path(a)),
            404,
        ),
        ("a guest", guest.clone(), att_path(a, wa), 403),
        (
            "a key without workitems:write",
            read_only.clone(),
            att_path(a, wa),
            403,
        ),
        (
            "an item on a closed board",
            owner.clone(),
            att_path(a, closed_item),
            403,
        ),
        (
            "the design model switched off",
            owner.clone(),
            format!("{}/{de_c}/attachments", de_path(c)),
            403,
        ),
    ];
    for (what, key, path, want) in &cases {
        let r = upload(key.clone(), path.clone()).await;
        assert_eq!(r.status.as_u16(), *want, "{what}: {}", r.text);
        // 404s are empty, like every other "Not found" of the API; refusals say why.
        if *want == 403 {
            assert!(r.json()["message"].is_string(), "{what}");
        }
    }
    // B's attachments and file through A's paths.
    let wpa = att_path(a, wa);
    let dpa = format!("{}/{de_a}/attachments", de_path(a));
    for (method, p) in [
        ("GET", format!("{wpa}/{bwa}")),
        ("PUT", format!("{wpa}/{bwa}")),
        ("DELETE", format!("{wpa}/{bwa}")),
        ("GET", format!("{dpa}/{bda}")),
        ("DELETE", format!("{dpa}/{bda}")),
        ("GET", format!("{wpa}/{bda}")),
        ("DELETE", format!("/v0/projects/{a}/files/{bfid}")),
    ] {
        let r = app.call(method, &p, Some(&owner), None).await;
        assert_eq!(r.status.as_u16(), 404, "{method} {p}: {}", r.text);
    }
    // The design model switched off: reading its attachments is refused too.
    let r = app.get(&format!("{}/{de_c}/attachments", de_path(c))).await;
    assert_eq!(r.status.as_u16(), 403, "{}", r.text);

    if let Some(d) = snapshot_diff(&before, &snapshot(&app.db).await) {
        panic!("a refused request changed the database: {d}");
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut keys_after = app.blobs.list_keys().await.unwrap();
    let mut keys_before = keys_before;
    keys_before.sort();
    keys_after.sort();
    assert_eq!(keys_after, keys_before);
    assert!(spooled(&app).is_empty());
}

#[tokio::test]
async fn deleting_the_file_of_a_card_picture_clears_the_picture() {
    let app = spawn_app().await;
    let (pid, wid) = item(&app).await;
    let (aid_, fid) = {
        let a = app
            .upload(
                &att_path(pid, wid),
                "cover.png",
                "image/png",
                image_bytes(image::ImageFormat::Png, 320, 200),
            )
            .await
            .expect(201);
        (
            a["attachmentId"].as_i64().unwrap(),
            a["file"]["fileId"].as_i64().unwrap(),
        )
    };
    let item_path = format!("/v0/projects/{pid}/workitems/{wid}");
    app.call(
        "PUT",
        &format!("{}/{aid_}", att_path(pid, wid)),
        Some(&app.key),
        None,
    )
    .await
    .expect_empty(200);
    assert_eq!(
        app.get(&item_path).await.expect(200)["picture"]["attachmentId"],
        aid_
    );
    wait_for_objects(&app, 2).await;
    // An admin (not the owner) deletes the file.
    let (adm, adm_key) = app.add_user("admin").await;
    app.add_member(pid, adm, json!({"isAdmin": true})).await;
    app.as_user(
        &adm_key,
        "DELETE",
        &format!("/v0/projects/{pid}/files/{fid}"),
        None,
    )
    .await
    .expect_empty(200);
    let w = app.get(&item_path).await.expect(200);
    assert!(w.get("picture").is_none(), "{w}");
    assert_eq!(
        app.get(&att_path(pid, wid)).await.expect(200)["totalCount"],
        0
    );
    let list = app
        .get(&format!("/v0/projects/{pid}/workitems"))
        .await
        .expect(200);
    assert!(list["items"][0].get("picture").is_none(), "{list}");
    let activity = app.activity(pid).await;
    let removed = activity
        .iter()
        .find(|c| c["event"] == "workitem.attachment.removed")
        .unwrap_or_else(|| panic!("no removal recorded: {activity:?}"));
    assert_eq!(removed["user"]["id"], adm, "{removed}");
    wait_for_objects(&app, 0).await;
}

#[tokio::test]
async fn attachment_webhooks_reach_a_receiver() {
    let d = DispatchSettings {
        retry_delays: parse_delays("1s").unwrap(),
        poll_interval: Duration::from_millis(100),
        ..DispatchSettings::default()
    };
    let app = spawn_app_config(HttpSettings::default(), d).await;
    let rx = Receiver::start().await;
    let (pid, wid) = item(&app).await;
    let did = app
        .post(
            &format!("/v0/projects/{pid}/designelements"),
            json!({"designElementTypeId": 1, "name": "Hero"}),
        )
        .await
        .expect(201)["designElementId"]
        .as_i64()
        .unwrap();
    app.post(
        &format!("/v0/projects/{pid}/webhooks"),
        json!({"url": rx.url, "events": [
            "workitem.attachment.added", "workitem.attachment.removed",
            "designelement.attachment.added", "designelement.attachment.removed"]}),
    )
    .await
    .expect(201);
    let wpath = att_path(pid, wid);
    let dpath = format!("/v0/projects/{pid}/designelements/{did}/attachments");
    let wa = app
        .upload(&wpath, "notes.txt", "text/plain", b"notes".to_vec())
        .await
        .expect(201);
    let wa_id = wa["attachmentId"].as_i64().unwrap();
    app.delete(&format!("{wpath}/{wa_id}"))
        .await
        .expect_empty(200);
    let da = app
        .upload(&dpath, "sheet.pdf", "application/pdf", b"%PDF-1.4".to_vec())
        .await
        .expect(201);
    let da_id = da["attachmentId"].as_i64().unwrap();
    app.delete(&format!("{dpath}/{da_id}"))
        .await
        .expect_empty(200);

    let hits = rx.wait_for(4, Duration::from_secs(30)).await;
    let events: Vec<String> = hits.iter().map(|h| h.event()).collect();
    assert_eq!(
        events,
        [
            "workitem.attachment.added",
            "workitem.attachment.removed",
            "designelement.attachment.added",
            "designelement.attachment.removed"
        ]
    );
    for (h, (a, parent_key, parent, name, size)) in hits.iter().zip([
        (&wa, "WorkItemId", wid, "notes.txt", 5),
        (&wa, "WorkItemId", wid, "notes.txt", 5),
        (&da, "DesignElementId", did, "sheet.pdf", 8),
        (&da, "DesignElementId", did, "sheet.pdf", 8),
    ]) {
        let body = h.json();
        let e = h.event();
        assert_eq!(h.method, "POST");
        assert_eq!(body["ProjectId"], pid, "{e}: {body}");
        assert_eq!(body["AttachmentId"], a["attachmentId"], "{e}: {body}");
        assert_eq!(body[parent_key], parent, "{e}: {body}");
        let f = &body["File"];
        assert_eq!(f["FileId"], a["file"]["fileId"], "{e}: {body}");
        assert_eq!(f["Name"], name, "{e}: {body}");
        assert_eq!(f["Size"], size, "{e}: {body}");
        assert_eq!(f["Url"], a["file"]["url"], "{e}: {body}");
        assert!(f.get("IsImage").is_some(), "{e}: {body}");
        // PascalCase all the way down: no camelCase key anywhere.
        let text = String::from_utf8_lossy(&h.body);
        for k in ["\"attachmentId\"", "\"file\"", "\"fileId\"", "\"url\""] {
            assert!(!text.contains(k), "{e}: {k} in {text}");
        }
    }
}

#[tokio::test]
async fn files_survive_a_restart() {
    let app = spawn_app().await;
    let (pid, wid) = item(&app).await;
    let content: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
    let png = image_bytes(image::ImageFormat::Png, 300, 150);
    let a = app
        .upload(
            &att_path(pid, wid),
            "save.dat",
            "application/octet-stream",
            content.clone(),
        )
        .await
        .expect(201);
    let p = app
        .upload(&att_path(pid, wid), "shot.png", "image/png", png.clone())
        .await
        .expect(201);
    let aid = a["attachmentId"].as_i64().unwrap();
    let old_base = app.base.clone();
    let (url, dir) = app.stop().await;
    let app = spawn_app_on(
        url,
        dir,
        HttpSettings::default(),
        DispatchSettings::default(),
    )
    .await;
    let again = app
        .get(&format!("{}/{aid}", att_path(pid, wid)))
        .await
        .expect(200);
    let link = again["file"]["url"].as_str().unwrap();
    assert_eq!(
        link,
        a["file"]["url"]
            .as_str()
            .unwrap()
            .replace(&old_base, &app.base)
    );
    let (status, _, body) = app.fetch(link, None).await;
    assert_eq!(status, 200);
    assert!(body == content, "the file changed across the restart");
    let moved = |v: &Value| v.as_str().unwrap().replace(&old_base, &app.base);
    let (status, _, body) = app.fetch(&moved(&p["file"]["url"]), None).await;
    assert_eq!((status, body == png), (200, true));
    let (status, _, thumb) = app.fetch(&moved(&p["file"]["thumbUrl"]), None).await;
    assert_eq!(status, 200);
    assert!(image::load_from_memory(&thumb).is_ok());
    wait_for_objects(&app, 3).await;
    let st = app
        .get(&format!("/v0/projects/{pid}/storage"))
        .await
        .expect(200);
    assert_eq!(st["projectUsedSpace"], content.len() + png.len());
}

#[tokio::test]
async fn an_endless_part_header_is_refused_early() {
    let app = spawn_app().await;
    let (pid, wid) = item(&app).await;
    let boundary = "edge-header-boundary";
    let open =
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"");
    let claimed = 90 * 1024 * 1024;
    let s = TcpStream::connect(host(&app)).await.unwrap();
    let (mut rd, mut wr) = s.into_split();
    let head = request_head(&app, &att_path(pid, wid), boundary, open.len() + claimed);
    // The part's header never ends: 90 MB of file name.
    let writer = tokio::spawn(async move {
        wr.write_all(head.as_bytes()).await?;
        wr.write_all(open.as_bytes()).await?;
        let chunk = vec![b'a'; 1024 * 1024];
        let mut sent = 0;
        for _ in 0..90 {
            wr.write_all(&chunk).await?;
            sent += chunk.len();
        }
        Ok::<usize, std::io::Error>(sent)
    });
    let mut reply = Vec::new();
    let _ = rd.read_to_end(&mut reply).await;
    let _ = writer.await;
    let text = String::from_utf8_lossy(&reply);
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert!(text.contains("\"message\""), "{text}");
    assert!(spooled(&app).is_empty());
    assert_eq!(file_count(&app, pid).await, 0);
    app.upload(
        &att_path(pid, wid),
        "after.txt",
        "text/plain",
        b"ok".to_vec(),
    )
    .await
    .expect(201);
}
