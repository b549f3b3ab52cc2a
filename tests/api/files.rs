//! Files and attachments (issue 10): uploads on work items and design elements, the public
//! links, the storage report, limits, card pictures, and that storage is freed.

use std::time::Duration;

use questlog::http::HttpSettings;
use serde_json::{Value, json};

use crate::helpers::*;

/// A work item of a fresh project: (project, item).
async fn item(app: &TestApp) -> (i64, i64) {
    let pid = app.project("Files").await;
    let wid = app.work_item_sql(pid, "Concept art").await;
    (pid, wid)
}

fn att_path(pid: i64, wid: i64) -> String {
    format!("/v0/projects/{pid}/workitems/{wid}/attachments")
}

/// Waits until the blob store holds exactly `n` objects (deletes happen after commit).
pub async fn wait_for_objects(app: &TestApp, n: usize) -> Vec<String> {
    let mut keys = Vec::new();
    for _ in 0..100 {
        keys = app.blobs.list_keys().await.expect("list keys");
        if keys.len() == n {
            return keys;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("expected {n} stored objects, found {keys:?}");
}

/// An image of `w`×`h` in `format`, as bytes.
pub fn image_bytes(format: image::ImageFormat, w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, format)
        .expect("encode");
    out.into_inner()
}

#[tokio::test]
async fn upload_list_get_download_delete_round_trip() {
    let app = spawn_app().await;
    let (pid, wid) = item(&app).await;
    let content: Vec<u8> = (0..50_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let a = app
        .upload(
            &att_path(pid, wid),
            "build log.txt",
            "text/plain",
            content.clone(),
        )
        .await
        .expect(201);
    assert_eq!(a["projectId"], pid);
    assert_eq!(a["workItemId"], wid);
    assert_eq!(a["isCardPicture"], false);
    assert_eq!(a["user"]["id"], 1);
    let aid = a["attachmentId"].as_i64().unwrap();
    let f = &a["file"];
    let fid = f["fileId"].as_i64().unwrap();
    assert_eq!(f["projectId"], pid);
    assert_eq!(f["name"], "build log.txt");
    assert_eq!(f["size"], content.len());
    assert_eq!(f["isImage"], false);
    assert!(
        f.get("thumbUrl").is_none() && f.get("thumbName").is_none(),
        "{f}"
    );
    let url = f["url"].as_str().unwrap().to_string();
    assert!(url.starts_with(&format!("{}/files/", app.base)), "{url}");
    assert!(url.ends_with("/build%20log.txt"), "{url}");

    // Listed (paged) and fetched alone, the same object.
    let page = app.get(&att_path(pid, wid)).await.expect(200);
    assert_eq!(page["totalCount"], 1);
    assert_eq!(page["offset"], 0);
    assert_eq!(page["limit"], 20);
    assert_eq!(page["items"][0], a);
    let one = app
        .get(&format!("{}/{aid}", att_path(pid, wid)))
        .await
        .expect(200);
    assert_eq!(one, a);

    // The public link: no key, exact bytes, headers.
    let (status, h, body) = app.fetch(&url, None).await;
    assert_eq!(status, 200);
    assert_eq!(body, content);
    assert_eq!(h["content-type"], "text/plain");
    assert_eq!(h["content-length"], content.len().to_string().as_str());
    assert_eq!(h["x-content-type-options"], "nosniff");
    let disposition = h["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"build log.txt\""),
        "{disposition}"
    );
    // Ranges.
    let (status, h, body) = app.fetch(&url, Some("bytes=100-199")).await;
    assert_eq!(status, 206);
    assert_eq!(body, &content[100..200]);
    assert_eq!(
        h["content-range"],
        format!("bytes 100-199/{}", content.len()).as_str()
    );
    let (status, _, body) = app.fetch(&url, Some("bytes=-10")).await;
    assert_eq!(status, 206);
    assert_eq!(body, &content[content.len() - 10..]);
    let (status, _, body) = app.fetch(&url, Some("bytes=49990-")).await;
    assert_eq!((status, body.as_slice()), (206, &content[49_990..]));
    let (status, h, _) = app.fetch(&url, Some("bytes=60000-60010")).await;
    assert_eq!(status, 416);
    assert_eq!(h["content-range"], "bytes */50000");
    // A wrong token is a 404, whatever the name.
    let bad = url
        .replace("/files/", "/files/0")
        .replacen("/files/0", "/files/", 1);
    let wrong = format!("{}/files/{}/build%20log.txt", app.base, "0".repeat(32));
    assert_eq!(app.fetch(&wrong, None).await.0, 404);
    assert_eq!(
        app.fetch(&format!("{}/files/../../etc/passwd", app.base), None)
            .await
            .0,
        404
    );
    let _ = bad;

    // The project's files and its storage.
    let files = app
        .get(&format!("/v0/projects/{pid}/files"))
        .await
        .expect(200);
    assert_eq!(files, json!([f.clone()]));
    let st = app
        .get(&format!("/v0/projects/{pid}/storage"))
        .await
        .expect(200);
    assert_eq!(st["projectId"], pid);
    assert_eq!(st["projectUsedSpace"], content.len());
    assert_eq!(st["totalUsedSpace"], content.len());
    assert_eq!(st["fileLimit"], 100 * 1024 * 1024);
    assert_eq!(st["totalSpace"], 10i64 * 1024 * 1024 * 1024);

    // Unlinking keeps the file; deleting the file frees it.
    app.delete(&format!("{}/{aid}", att_path(pid, wid)))
        .await
        .expect_empty(200);
    assert_eq!(
        app.get(&att_path(pid, wid)).await.expect(200)["totalCount"],
        0
    );
    assert_eq!(
        app.get(&format!("{}/{aid}", att_path(pid, wid)))
            .await
            .status,
        404
    );
    assert_eq!(app.fetch(&url, None).await.0, 200);
    assert_eq!(wait_for_objects(&app, 1).await.len(), 1);
    app.delete(&format!("/v0/projects/{pid}/files/{fid}"))
        .await
        .expect_empty(200);
    assert_eq!(
        app.get(&format!("/v0/projects/{pid}/files"))
            .await
            .expect(200),
        json!([])
    );
    let st = app
        .get(&format!("/v0/projects/{pid}/storage"))
        .await
        .expect(200);
    assert_eq!(st["projectUsedSpace"], 0);
    assert_eq!(app.fetch(&url, None).await.0, 404);
    wait_for_objects(&app, 0).await;
    assert_eq!(
        app.delete(&format!("/v0/projects/{pid}/files/{fid}"))
            .await
            .status,
        404
    );

    let events = app.events(pid).await;
    for e in ["workitem.attachment.added", "workitem.attachment.removed"] {
        assert!(events.iter().any(|x| x == e), "{e} missing from {events:?}");
    }
}

#[tokio::test]
async fn images_get_thumbnails_of_their_kind() {
    let app = spawn_app().await;
    let (pid, wid) = item(&app).await;
    for (format, name, declared) in [
        (image::ImageFormat::Png, "a.png", "image/png"),
        (image::ImageFormat::Jpeg, "b.jpg", "image/jpeg"),
        (image::ImageFormat::Gif, "c.gif", "application/octet-stream"),
        (image::ImageFormat::WebP, "d.webp", "image/webp"),
    ] {
        let bytes = image_bytes(format, 800, 400);
        let a = app
            .upload(&att_path(pid, wid), name, declared, bytes.clone())
            .await
            .expect(201);
        let f = &a["file"];
        assert_eq!(f["isImage"], true, "{name}: {f}");
        let thumb_url = f["thumbUrl"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: no thumbnail: {f}"));
        assert!(f["thumbName"].as_str().unwrap().contains("_thumb."), "{f}");
        let (status, h, body) = app.fetch(f["url"].as_str().unwrap(), None).await;
        assert_eq!((status, body == bytes), (200, true));
        // The type comes from the bytes, not from what the client declared.
        assert_eq!(h["content-type"], format.to_mime_type(), "{name}");
        assert!(
            h["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("inline")
        );
        let (status, h, thumb) = app.fetch(thumb_url, None).await;
        assert_eq!(status, 200, "{name}");
        let ct = h["content-type"].to_str().unwrap().to_string();
        let img = image::load_from_memory(&thumb)
            .unwrap_or_else(|e| panic!("{name}: thumbnail does not decode ({ct}): {e}"));
        assert!(
            img.width() <= 256 && img.height() <= 256,
            "{name}: {}x{}",
            img.width(),
            img.height()
        );
        assert_eq!(img.width(), 2 * img.height(), "{name}: ratio kept");
    }
    // A corrupt "PNG" is stored fine, as a plain file without thumbnail.
    let mut broken = image_bytes(image::ImageFormat::Png, 64, 64);
    broken.truncate(60);
    let a = app
        .upload(
            &att_path(pid, wid),
            "broken.png",
            "image/png",
            broken.clone(),
        )
        .await
        .expect(201);
    assert!(a["file"].get("thumbUrl").is_none(), "{}", a["file"]);
    let (status, _, body) = app.fetch(a["file"]["url"].as_str().unwrap(), None).await;
    assert_eq!((status, body), (200, broken));
}

#[tokio::test]
async fn only_multipart_is_an_upload() {
    let app = spawn_app().await;
    let (pid, wid) = item(&app).await;
    let r = app.post(&att_path(pid, wid), json!({"file": "x"})).await;
    assert_eq!(r.status, 415);
    assert_eq!(
        r.json()["message"],
        "The content is not MIME multipart content."
    );
    // A multipart body without any file part.
    let (ct, body) = multipart(&[("comment", None, "text/plain", b"hello")]);
    let r = app
        .raw_multipart(&app.key, &att_path(pid, wid), &ct, body)
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    // A broken multipart body.
    let r = app
        .raw_multipart(
            &app.key,
            &att_path(pid, wid),
            "multipart/form-data; boundary=zzz",
            b"--zzz\r\nnonsense".to_vec(),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    // Any part name, and an odd file name made safe.
    let (ct, body) = multipart(&[
        ("note", None, "text/plain", b"ignored"),
        (
            "whatever",
            Some("../../etc/pa\u{202e}sswd"),
            "text/plain",
            b"abc",
        ),
    ]);
    let a = app
        .raw_multipart(&app.key, &att_path(pid, wid), &ct, body)
        .await
        .expect(201);
    assert_eq!(a["file"]["name"], "passwd");
    assert_eq!(a["file"]["size"], 3);
    assert_eq!(
        app.get(&format!("/v0/projects/{pid}/files"))
            .await
            .expect(200)
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn size_and_quota_limits_leave_nothing_behind() {
    let mut settings = HttpSettings::default();
    settings.files.max_file_size = 1000;
    settings.files.workspace_quota = 1500;
    let app = spawn_app_with(settings).await;
    let (pid, wid) = item(&app).await;
    let r = app
        .upload(
            &att_path(pid, wid),
            "big.bin",
            "application/octet-stream",
            vec![1; 1001],
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["message"], "File size limit exceeded.");
    wait_for_objects(&app, 0).await;

    app.upload(
        &att_path(pid, wid),
        "one.bin",
        "application/octet-stream",
        vec![1; 1000],
    )
    .await
    .expect(201);
    let r = app
        .upload(
            &att_path(pid, wid),
            "two.bin",
            "application/octet-stream",
            vec![2; 600],
        )
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.json()["message"], "Account storage limit exceeded.");
    wait_for_objects(&app, 1).await;
    let st = app
        .get(&format!("/v0/projects/{pid}/storage"))
        .await
        .expect(200);
    assert_eq!(
        st,
        json!({"projectId": pid, "totalSpace": 1500, "totalUsedSpace": 1000, "projectUsedSpace": 1000, "fileLimit": 1000})
    );
    // The quota is the workspace's: another project of it shares it.
    let other = app.project("Other").await;
    let w2 = app.work_item_sql(other, "x").await;
    let r = app
        .upload(
            &att_path(other, w2),
            "three.bin",
            "application/octet-stream",
            vec![3; 501],
        )
        .await;
    assert_eq!(r.status, 409);
    app.upload(
        &att_path(other, w2),
        "four.bin",
        "application/octet-stream",
        vec![4; 500],
    )
    .await
    .expect(201);
    let st = app
        .get(&format!("/v0/projects/{other}/storage"))
        .await
        .expect(200);
    assert_eq!(
        (
            st["totalUsedSpace"].as_i64(),
            st["projectUsedSpace"].as_i64()
        ),
        (Some(1500), Some(500))
    );
    // Nothing left in the spool directory either.
    wait_for_objects(&app, 2).await;
}

#[tokio::test]
async fn card_picture_toggles_and_shows_on_the_item() {
    let app = spawn_app().await;
    let pid = app.project("Cards").await;
    let w = app
        .post(
            &format!("/v0/projects/{pid}/workitems"),
            json!({"title": "Hero", "importanceLevelId": 3}),
        )
        .await
        .expect(200);
    let wid = w["workItemId"].as_i64().unwrap();
    assert!(w.get("picture").is_none());
    let png = image_bytes(image::ImageFormat::Png, 300, 300);
    let a1 = app
        .upload(&att_path(pid, wid), "one.png", "image/png", png.clone())
        .await
        .expect(201);
    let a2 = app
        .upload(&att_path(pid, wid), "two.png", "image/png", png)
        .await
        .expect(201);
    let (id1, id2) = (
        a1["attachmentId"].as_i64().unwrap(),
        a2["attachmentId"].as_i64().unwrap(),
    );
    let item_path = format!("/v0/projects/{pid}/workitems/{wid}");
    let put = |id: i64, body: Option<&str>| {
        let path = format!("{}/{id}", att_path(pid, wid));
        let body = body.map(str::to_string);
        let app = &app;
        async move {
            app.call("PUT", &path, Some(&app.key), body.as_deref())
                .await
        }
    };
    put(id1, None).await.expect_empty(200);
    let w = app.get(&item_path).await.expect(200);
    assert_eq!(w["picture"]["attachmentId"], id1);
    assert_eq!(w["picture"]["isCardPicture"], true);
    assert_eq!(w["picture"]["file"]["name"], "one.png");
    // One per item: the second replaces the first.
    put(id2, None).await.expect_empty(200);
    assert_eq!(
        app.get(&item_path).await.expect(200)["picture"]["attachmentId"],
        id2
    );
    let page = app.get(&att_path(pid, wid)).await.expect(200);
    let flags: Vec<bool> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["isCardPicture"].as_bool().unwrap())
        .collect();
    assert_eq!(flags, vec![false, true]);
    // The list of work items shows it too.
    let list = app
        .get(&format!("/v0/projects/{pid}/workitems"))
        .await
        .expect(200);
    assert_eq!(list["items"][0]["picture"]["attachmentId"], id2);
    // Toggling again clears it; `true`/`false` set explicitly.
    put(id2, None).await.expect_empty(200);
    assert!(
        app.get(&item_path)
            .await
            .expect(200)
            .get("picture")
            .is_none()
    );
    put(id1, Some("true")).await.expect_empty(200);
    put(id1, Some("true")).await.expect_empty(200);
    assert_eq!(
        app.get(&item_path).await.expect(200)["picture"]["attachmentId"],
        id1
    );
    put(id1, Some("{\"isCardPicture\": false}"))
        .await
        .expect_empty(200);
    assert!(
        app.get(&item_path)
            .await
            .expect(200)
            .get("picture")
            .is_none()
    );
    assert_eq!(put(id1, Some("\"maybe\"")).await.status, 400);
    assert_eq!(put(999_999, None).await.status, 404);
    // Deleting the picture's attachment clears the picture.
    put(id1, None).await.expect_empty(200);
    app.delete(&format!("{}/{id1}", att_path(pid, wid)))
        .await
        .expect_empty(200);
    assert!(
        app.get(&item_path)
            .await
            .expect(200)
            .get("picture")
            .is_none()
    );
}

#[tokio::test]
async fn design_element_attachments_round_trip() {
    let app = spawn_app().await;
    let pid = app.project("Design").await;
    let de = app
        .post(
            &format!("/v0/projects/{pid}/designelements"),
            json!({"designElementTypeId": 11, "name": "Hero"}),
        )
        .await
        .expect(201);
    let did = de["designElementId"].as_i64().unwrap();
    let path = format!("/v0/projects/{pid}/designelements/{did}/attachments");
    let a = app
        .upload(
            &path,
            "sheet.pdf",
            "application/pdf",
            b"%PDF-1.4 tiny".to_vec(),
        )
        .await
        .expect(201);
    assert_eq!(a["designElementId"], did);
    assert_eq!(a["projectId"], pid);
    assert!(a.get("isCardPicture").is_none());
    assert_eq!(a["file"]["name"], "sheet.pdf");
    let aid = a["attachmentId"].as_i64().unwrap();
    let page = app.get(&path).await.expect(200);
    assert_eq!(
        (page["totalCount"].clone(), page["items"][0].clone()),
        (json!(1), a.clone())
    );
    assert_eq!(app.get(&format!("{path}/{aid}")).await.expect(200), a);
    let (status, h, body) = app.fetch(a["file"]["url"].as_str().unwrap(), None).await;
    assert_eq!((status, body.as_slice()), (200, &b"%PDF-1.4 tiny"[..]));
    assert_eq!(h["content-type"], "application/pdf");
    // Paging.
    for i in 0..3 {
        app.upload(&path, &format!("n{i}.txt"), "text/plain", vec![b'x'; 10])
            .await
            .expect(201);
    }
    let p = app
        .get(&format!("{path}?offset=1&limit=2"))
        .await
        .expect(200);
    assert_eq!(p["totalCount"], 4);
    let names: Vec<&str> = p["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["file"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["n0.txt", "n1.txt"]);
    assert_eq!(app.get(&format!("{path}?limit=0")).await.status, 400);
    assert_eq!(app.get(&format!("{path}?offset=-1")).await.status, 400);
    app.delete(&format!("{path}/{aid}")).await.expect_empty(200);
    assert_eq!(app.get(&format!("{path}/{aid}")).await.status, 404);
    let events = app.events(pid).await;
    for e in [
        "designelement.attachment.added",
        "designelement.attachment.removed",
    ] {
        assert!(events.iter().any(|x| x == e), "{e} missing from {events:?}");
    }
    // The design model's attachments module can be switched off on its own.
    app.patch(
        &format!("/v0/projects/{pid}"),
        json!({"moduleConfig": {"gameDesignModelAttachments": false}}),
    )
    .await
    .expect(200);
    let r = app.get(&path).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json()["message"],
        "The design model attachments module is disabled in this project."
    );
    assert_eq!(
        app.upload(&path, "x.txt", "text/plain", b"x".to_vec())
            .await
            .status,
        403
    );
    app.patch(
        &format!("/v0/projects/{pid}"),
        json!({"moduleConfig": {"gameDesignModelAttachments": true}}),
    )
    .await
    .expect(200);
    // Deleting the element frees its files.
    app.call(
        "DELETE",
        &format!("/v0/projects/{pid}/designelements/{did}"),
        Some(&app.key),
        Some("{}"),
    )
    .await
    .expect_empty(200);
    assert_eq!(
        app.get(&format!("/v0/projects/{pid}/files"))
            .await
            .expect(200),
        json!([])
    );
    wait_for_objects(&app, 0).await;
}

#[tokio::test]
async fn deleting_items_and_projects_frees_their_files() {
    let app = spawn_app().await;
    let (pid, wid) = item(&app).await;
    let png = image_bytes(image::ImageFormat::Png, 400, 200);
    app.upload(&att_path(pid, wid), "a.png", "image/png", png.clone())
        .await
        .expect(201);
    wait_for_objects(&app, 2).await; // the file and its thumbnail
    app.delete(&format!("/v0/projects/{pid}/workitems/{wid}"))
        .await
        .expect_empty(200);
    let st = app
        .get(&format!("/v0/projects/{pid}/storage"))
        .await
        .expect(200);
    assert_eq!(st["projectUsedSpace"], 0);
    wait_for_objects(&app, 0).await;

    let w2 = app.work_item_sql(pid, "again").await;
    let a = app
        .upload(&att_path(pid, w2), "b.png", "image/png", png)
        .await
        .expect(201);
    wait_for_objects(&app, 2).await;
    app.delete(&format!("/v0/projects/{pid}"))
        .await
        .expect_empty(200);
    wait_for_objects(&app, 0).await;
    assert_eq!(
        app.fetch(a["file"]["url"].as_str().unwrap(), None).await.0,
        404
    );
}

#[tokio::test]
async fn who_may_read_and_upload() {
    let app = spawn_app().await;
    let (pid, wid) = item(&app).await;
    let a = app
        .upload(&att_path(pid, wid), "a.txt", "text/plain", b"a".to_vec())
        .await
        .expect(201);
    let aid = a["attachmentId"].as_i64().unwrap();
    // A stranger: 403 on everything, the upload refused before its body matters.
    let (_, stranger) = app.add_user("stranger").await;
    assert_eq!(
        app.as_user(&stranger, "GET", &att_path(pid, wid), None)
            .await
            .status,
        403
    );
    assert_eq!(
        app.upload_as(
            &stranger,
            &att_path(pid, wid),
            "x.txt",
            "text/plain",
            b"x".to_vec()
        )
        .await
        .status,
        403
    );
    assert_eq!(
        app.as_user(
            &stranger,
            "GET",
            &format!("/v0/projects/{pid}/storage"),
            None
        )
        .await
        .status,
        403
    );
    // A guest reads but does not upload or unlink; the files list is for admins.
    let (gid, guest) = app.add_user("guest").await;
    app.add_member(pid, gid, json!({"isGuest": true})).await;
    assert_eq!(
        app.as_user(&guest, "GET", &att_path(pid, wid), None)
            .await
            .expect(200)["totalCount"],
        1
    );
    assert_eq!(
        app.upload_as(
            &guest,
            &att_path(pid, wid),
            "x.txt",
            "text/plain",
            b"x".to_vec()
        )
        .await
        .status,
        403
    );
    assert_eq!(
        app.as_user(
            &guest,
            "DELETE",
            &format!("{}/{aid}", att_path(pid, wid)),
            None
        )
        .await
        .status,
        403
    );
    assert_eq!(
        app.as_user(&guest, "GET", &format!("/v0/projects/{pid}/files"), None)
            .await
            .status,
        403
    );
    assert_eq!(
        app.as_user(&guest, "GET", &format!("/v0/projects/{pid}/storage"), None)
            .await
            .status,
        200
    );
    // A member edits; ids of another project are 404s.
    let (mid, member) = app.add_user("member").await;
    app.add_member(pid, mid, json!({})).await;
    app.upload_as(
        &member,
        &att_path(pid, wid),
        "m.txt",
        "text/plain",
        b"m".to_vec(),
    )
    .await
    .expect(201);
    let other = app.project("Other").await;
    let ow = app.work_item_sql(other, "o").await;
    assert_eq!(
        app.get(&format!("{}/{aid}", att_path(other, ow)))
            .await
            .status,
        404
    );
    assert_eq!(
        app.get(&format!("/v0/projects/{pid}/workitems/999/attachments"))
            .await
            .status,
        404
    );
    let fid = a["file"]["fileId"].as_i64().unwrap();
    assert_eq!(
        app.delete(&format!("/v0/projects/{other}/files/{fid}"))
            .await
            .status,
        404
    );
    assert_eq!(
        app.get(&format!("/v0/projects/{pid}/files?limit=101"))
            .await
            .status,
        400
    );
    let _: Value = app
        .get(&format!("/v0/projects/{pid}/files?limit=1&offset=1"))
        .await
        .expect(200);
}
