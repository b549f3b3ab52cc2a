use questlog::http::auth::Scopes;
use serde_json::{Value, json};

use crate::design_elements::design_role;
use crate::helpers::*;

/// A project with one design element; returns (project id, comments path).
async fn setup(app: &TestApp) -> (i64, String) {
    let pid = app.project("Comments").await;
    let e = app
        .post(
            &format!("/v0/projects/{pid}/designelements"),
            json!({"designElementTypeId": 1, "name": "Hub"}),
        )
        .await
        .expect(201);
    (
        pid,
        format!(
            "/v0/projects/{pid}/designelements/{}/comments",
            e["designElementId"]
        ),
    )
}

async fn count(app: &TestApp) -> i64 {
    let mut tx = app.db.read().await.unwrap();
    let (n,): (i64,) = tx
        .one("SELECT COUNT(*) FROM design_element_comments", &[])
        .await
        .unwrap();
    n
}

#[tokio::test]
async fn comments_are_created_listed_in_pages_and_edited() {
    let app = spawn_app().await;
    let (pid, path) = setup(&app).await;
    let c = app.post(&path, json!("First **note**")).await.expect(201);
    assert!(c["commentId"].as_i64().unwrap() > 0);
    assert_eq!(c["projectId"], pid);
    assert_eq!(c["designElementId"], 1);
    assert_eq!(c["text"], "First **note**");
    assert_eq!(c["user"]["id"], 1);
    assert_eq!(c["user"]["username"], "owner");
    assert!(
        c["user"].get("user").is_none(),
        "a plain user, not a project user"
    );
    assert!(c["creationDate"].as_str().unwrap().ends_with('Z'));
    assert!(c.get("updateDate").is_none(), "never edited");
    // The one-field object form.
    let c2 = app.post(&path, json!({"text": "second"})).await.expect(201);
    for i in 3..=5 {
        app.post(&path, json!(format!("c{i}"))).await.expect(201);
    }

    let page = app.get(&path).await.expect(200);
    assert_eq!(page["totalCount"], 5);
    assert_eq!(page["offset"], 0);
    assert_eq!(page["limit"], 20);
    let texts: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["First **note**", "second", "c3", "c4", "c5"]);
    assert_eq!(page["items"][0], c);
    let page = app
        .get(&format!("{path}?offset=1&limit=2"))
        .await
        .expect(200);
    assert_eq!(page["totalCount"], 5);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["items"][0]["commentId"], c2["commentId"]);
    let page = app.get(&format!("{path}?offset=50")).await.expect(200);
    assert_eq!(page["items"], json!([]));
    assert_eq!(page["totalCount"], 5);
    for q in ["offset=-1", "limit=0", "limit=101"] {
        let r = app.get(&format!("{path}?{q}")).await.expect(400);
        assert_eq!(r["message"], "Invalid offset and limit values.");
    }
    app.get(&format!("{path}?limit=abc")).await.expect(400);

    // PUT by the author.
    let cid = c2["commentId"].as_i64().unwrap();
    let u = app
        .put(&format!("{path}/{cid}"), json!("second, edited"))
        .await
        .expect(200);
    assert_eq!(u["text"], "second, edited");
    assert_eq!(u["commentId"], cid);
    assert!(u["updateDate"].is_string());
    let u = app
        .put(&format!("{path}/{cid}"), json!({"text": "again"}))
        .await
        .expect(200);
    assert_eq!(u["text"], "again");
    let page = app
        .get(&format!("{path}?offset=1&limit=1"))
        .await
        .expect(200);
    assert_eq!(page["items"][0]["text"], "again");
}

#[tokio::test]
async fn bad_text_is_rejected_and_nothing_changes() {
    let app = spawn_app().await;
    let (pid, path) = setup(&app).await;
    let c = app.post(&path, json!("keep")).await.expect(201);
    let cid = c["commentId"].as_i64().unwrap();
    let long = "z".repeat(5001);
    for body in [json!(long), json!("a\u{0}b"), json!("   ")] {
        let r = app.post(&path, body.clone()).await.expect(400);
        assert!(r["modelState"]["text"].is_array(), "{r}");
        let r = app.put(&format!("{path}/{cid}"), body).await.expect(400);
        assert!(r["modelState"]["text"].is_array());
    }
    app.post(&path, json!("q".repeat(5000))).await.expect(201);
    for raw in ["", "{", "42", "{\"other\": \"x\"}", "[\"x\"]", "null"] {
        let r = app.call("POST", &path, Some(&app.key), Some(raw)).await;
        assert_eq!(
            r.expect(400),
            json!({"message": "Invalid values object."}),
            "{raw}"
        );
    }
    assert_eq!(count(&app).await, 2);
    let page = app.get(&path).await.expect(200);
    assert_eq!(page["items"][0]["text"], "keep");
    // Unknown element, comment, project; an element of another project.
    let other = app.project("Other").await;
    for p in [
        format!("/v0/projects/{pid}/designelements/9/comments"),
        format!("/v0/projects/{other}/designelements/1/comments"),
        "/v0/projects/777/designelements/1/comments".to_string(),
    ] {
        app.get(&p).await.expect_empty(404);
        app.post(&p, json!("x")).await.expect_empty(404);
    }
    app.put(&format!("{path}/9999"), json!("x"))
        .await
        .expect_empty(404);
    app.delete(&format!("{path}/9999")).await.expect_empty(404);
    // The comment id exists, but under another element.
    app.post(
        &format!("/v0/projects/{pid}/designelements"),
        json!({"designElementTypeId": 1, "name": "Second"}),
    )
    .await
    .expect(201);
    app.put(
        &format!("/v0/projects/{pid}/designelements/2/comments/{cid}"),
        json!("x"),
    )
    .await
    .expect_empty(404);
    app.delete(&format!(
        "/v0/projects/{pid}/designelement/2/comments/{cid}"
    ))
    .await
    .expect_empty(404);
    assert_eq!(count(&app).await, 2);
}

#[tokio::test]
async fn both_delete_paths_work_for_author_and_admin() {
    let app = spawn_app().await;
    let (pid, path) = setup(&app).await;
    let (admin_id, admin) = app.add_user("admin").await;
    let (member_id, member) = app.add_user("member").await;
    let (other_id, other) = app.add_user("other").await;
    app.add_member_sql(pid, admin_id, true, false, None).await;
    app.add_member_sql(pid, member_id, false, false, None).await;
    app.add_member_sql(pid, other_id, false, false, None).await;
    let mine = |v: &Value| v["commentId"].as_i64().unwrap();
    let c1 = mine(
        &app.as_user(&member, "POST", &path, Some(json!("one")))
            .await
            .expect(201),
    );
    let c2 = mine(
        &app.as_user(&member, "POST", &path, Some(json!("two")))
            .await
            .expect(201),
    );
    let c3 = mine(
        &app.as_user(&member, "POST", &path, Some(json!("three")))
            .await
            .expect(201),
    );
    let singular = format!("/v0/projects/{pid}/designelement/1/comments");

    // Only the author edits: not the owner, not an admin, not another member.
    for key in [app.key.as_str(), admin.as_str(), other.as_str()] {
        let r = app
            .as_user(key, "PUT", &format!("{path}/{c1}"), Some(json!("hijack")))
            .await;
        assert_eq!(r.status.as_u16(), 403, "{}", r.text);
    }
    // Another member may not delete; the author and admins may, on either path.
    for p in [&path, &singular] {
        let r = app
            .as_user(&other, "DELETE", &format!("{p}/{c1}"), None)
            .await;
        assert_eq!(r.status.as_u16(), 403);
    }
    assert_eq!(count(&app).await, 3);
    app.as_user(&member, "DELETE", &format!("{singular}/{c1}"), None)
        .await
        .expect_empty(200);
    app.as_user(&admin, "DELETE", &format!("{path}/{c2}"), None)
        .await
        .expect_empty(200);
    // Case and trailing slash do not matter.
    app.as_user(
        &app.key,
        "DELETE",
        &format!("/v0/Projects/{pid}/designElement/1/Comments/{c3}/"),
        None,
    )
    .await
    .expect_empty(200);
    assert_eq!(count(&app).await, 0);
    app.delete(&format!("{singular}/{c3}"))
        .await
        .expect_empty(404);
    let page = app.get(&path).await.expect(200);
    assert_eq!(
        page,
        json!({"totalCount": 0, "offset": 0, "limit": 20, "items": []})
    );
}

#[tokio::test]
async fn who_may_read_and_write_comments() {
    let app = spawn_app().await;
    let (pid, path) = setup(&app).await;
    let (guest_id, guest) = app.add_user("guest").await;
    let (_, outsider) = app.add_user("outsider").await;
    let (noread_id, noread) = app.add_user("noread").await;
    let (nowrite_id, nowrite) = app.add_user("nowrite").await;
    app.add_member_sql(pid, guest_id, false, true, None).await;
    let r0 = design_role(&app, pid, false, false).await;
    let r1 = design_role(&app, pid, true, false).await;
    app.add_member_sql(pid, noread_id, false, false, Some(r0))
        .await;
    app.add_member_sql(pid, nowrite_id, false, false, Some(r1))
        .await;
    let read_key = app.add_key(1, Scopes::parse("read").unwrap()).await;
    let c = app.post(&path, json!("owner says")).await.expect(201);
    let cid = c["commentId"].as_i64().unwrap();

    for (key, read, write) in [
        (guest.as_str(), 200, 403),
        (outsider.as_str(), 403, 403),
        (noread.as_str(), 403, 403),
        // Commenting is not editing the model.
        (nowrite.as_str(), 200, 201),
        (read_key.as_str(), 200, 403),
    ] {
        let r = app.as_user(key, "GET", &path, None).await;
        assert_eq!(r.status.as_u16(), read, "{}", r.text);
        let r = app.as_user(key, "POST", &path, Some(json!("hi"))).await;
        assert_eq!(r.status.as_u16(), write, "{}", r.text);
    }
    // The read-only key of the author cannot edit or delete.
    let r = app
        .as_user(&read_key, "PUT", &format!("{path}/{cid}"), Some(json!("x")))
        .await;
    assert_eq!(r.status.as_u16(), 403);
    let r = app
        .as_user(&read_key, "DELETE", &format!("{path}/{cid}"), None)
        .await;
    assert_eq!(r.status.as_u16(), 403);
    assert_eq!(count(&app).await, 2);

    // The comments module can be switched off on its own.
    app.patch(
        &format!("/v0/projects/{pid}"),
        json!({"moduleConfig": {"gameDesignModelComments": false}}),
    )
    .await
    .expect(200);
    let r = app.get(&path).await.expect(403);
    assert_eq!(
        r["message"],
        "The design model comments module is disabled in this project."
    );
    app.post(&path, json!("x")).await.expect(403);
    app.delete(&format!("{path}/{cid}")).await.expect(403);
    app.get(&format!("/v0/projects/{pid}/designelements"))
        .await
        .expect(200);
}

#[tokio::test]
async fn openapi_documents_both_delete_paths() {
    let app = spawn_app().await;
    let doc = app
        .call("GET", "/openapi.json", None, None)
        .await
        .expect(200);
    let paths = &doc["paths"];
    let singular =
        &paths["/v0/projects/{projectId}/designelement/{designElementId}/comments/{commentId}"];
    assert!(singular["delete"].is_object());
    let plural =
        &paths["/v0/projects/{projectId}/designelements/{designElementId}/comments/{commentId}"];
    assert!(plural["delete"].is_object());
    assert!(plural["put"].is_object());
    let list = &paths["/v0/projects/{projectId}/designelements/{designElementId}/comments"];
    assert!(list["get"].is_object() && list["post"].is_object());
    let one = &paths["/v0/projects/{projectId}/designelements/{designElementId}"];
    for m in ["get", "put", "patch", "delete"] {
        assert!(one[m].is_object(), "{m}");
    }
    assert!(paths["/v0/projects/{projectId}/events"]["get"].is_object());
}
