//! Tests of the tags endpoints.

use questlog::http::auth::Scopes;
use serde_json::{Value, json};

use crate::helpers::*;

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|t| t["tagId"].as_i64().unwrap())
        .collect()
}

async fn tag_item(app: &TestApp, pid: i64, w: i64, tag: i64) {
    let mut tx = app.db.write().await.unwrap();
    tx.exec(
        "INSERT INTO work_item_tags (project_id, work_item_id, tag_id) VALUES ($1, $2, $3)",
        questlog::params![pid, w, tag],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

async fn item_tags(app: &TestApp, pid: i64) -> Vec<(i64, i64)> {
    let mut tx = app.db.read().await.unwrap();
    tx.all(
        "SELECT work_item_id, tag_id FROM work_item_tags WHERE project_id = $1 ORDER BY 1, 2",
        questlog::params![pid],
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn a_new_project_has_no_tags() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    assert_eq!(
        app.get(&format!("/v0/projects/{pid}/tags"))
            .await
            .expect(200),
        json!([])
    );
}

#[tokio::test]
async fn create_list_put_and_patch() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let url = format!("/v0/projects/{pid}/tags");
    let t = app
        .post(
            &url,
            json!({"name": " backend ", "color": "#00ff00", "icon": "server", "displayIconOnly": true}),
        )
        .await
        .expect(201);
    assert_eq!(
        t,
        json!({"projectId": pid, "tagId": 1, "name": "backend", "icon": "server", "color": "#00ff00",
               "displayIconOnly": true, "creationDate": t["creationDate"]})
    );
    assert!(t["creationDate"].as_str().unwrap().ends_with('Z'));
    let bare = app.post(&url, json!({"name": "ui"})).await.expect(201);
    assert_eq!(
        bare,
        json!({"projectId": pid, "tagId": 2, "name": "ui", "displayIconOnly": false,
               "creationDate": bare["creationDate"]})
    );
    assert_eq!(app.get(&url).await.expect(200), json!([t, bare]));
    let one = format!("{url}/1");
    let p = app.patch(&one, json!({"name": "server"})).await.expect(200);
    assert_eq!(p["name"], "server");
    assert_eq!(p["icon"], "server");
    assert_eq!(p["color"], "#00ff00");
    assert_eq!(p["displayIconOnly"], true);
    let p = app
        .patch(&one, json!({"color": null, "displayIconOnly": false}))
        .await
        .expect(200);
    assert!(p.get("color").is_none());
    assert_eq!(p["displayIconOnly"], false);
    assert_eq!(p["icon"], "server");
    app.patch(&one, json!({"displayIconOnly": true, "color": "#fff"}))
        .await
        .expect(200);
    let p = app.put(&one, json!({"name": "api"})).await.expect(200);
    assert_eq!(
        p,
        json!({"projectId": pid, "tagId": 1, "name": "api", "displayIconOnly": false,
               "creationDate": t["creationDate"]})
    );
    let list = app.get(&url).await.expect(200);
    assert_eq!(list[0], p);
    // There is no single GET of a tag.
    assert_eq!(app.get(&one).await.status, 405);
}

#[tokio::test]
async fn delete_untags_work_items() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let url = format!("/v0/projects/{pid}/tags");
    for name in ["a", "b"] {
        app.post(&url, json!({"name": name})).await.expect(201);
    }
    let w1 = app.work_item_sql(pid, "One").await;
    let w2 = app.work_item_sql(pid, "Two").await;
    tag_item(&app, pid, w1, 1).await;
    tag_item(&app, pid, w1, 2).await;
    tag_item(&app, pid, w2, 1).await;
    app.delete(&format!("{url}/1")).await.expect_empty(200);
    assert_eq!(item_tags(&app, pid).await, vec![(w1, 2)]);
    assert_eq!(ids(&app.get(&url).await.expect(200)), vec![2]);
    app.delete(&format!("{url}/1")).await.expect_empty(404);
    app.put(&format!("{url}/1"), json!({"name": "x"}))
        .await
        .expect_empty(404);
    // Ids are not reused.
    assert_eq!(
        app.post(&url, json!({"name": "c"})).await.expect(201)["tagId"],
        3
    );
}

#[tokio::test]
async fn members_write_tags_but_only_admins_delete_them() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let other = app.project("Other").await;
    let url = format!("/v0/projects/{pid}/tags");
    let (admin, admin_key) = app.add_user("ada").await;
    let (plain, plain_key) = app.add_user("pat").await;
    let (guest, guest_key) = app.add_user("gus").await;
    let (_, stranger_key) = app.add_user("eve").await;
    app.add_member_sql(pid, admin, true, false, None).await;
    app.add_member_sql(pid, plain, false, false, None).await;
    app.add_member_sql(pid, guest, false, true, None).await;
    let read_key = app.add_key(plain, Scopes::parse("read").unwrap()).await;
    let items_key = app
        .add_key(plain, Scopes::parse("workitems:write").unwrap())
        .await;
    let projects_admin_key = app
        .add_key(plain, Scopes::parse("projects:admin").unwrap())
        .await;

    // A plain member creates and edits tags.
    let t = app
        .as_user(&plain_key, "POST", &url, Some(json!({"name": "mine"})))
        .await
        .expect(201);
    assert_eq!(t["tagId"], 1);
    app.as_user(
        &plain_key,
        "PUT",
        &format!("{url}/1"),
        Some(json!({"name": "ours"})),
    )
    .await
    .expect(200);
    app.as_user(
        &items_key,
        "PATCH",
        &format!("{url}/1"),
        Some(json!({"color": "#abc"})),
    )
    .await
    .expect(200);
    app.as_user(&items_key, "POST", &url, Some(json!({"name": "two"})))
        .await
        .expect(201);
    // ...but cannot delete them, whatever the key.
    for key in [
        &plain_key,
        &projects_admin_key,
        &guest_key,
        &read_key,
        &stranger_key,
    ] {
        let r = app.as_user(key, "DELETE", &format!("{url}/1"), None).await;
        assert_eq!(r.status, 403, "{}", r.text);
    }
    // Guests, read-only keys, keys without the work-items scope and strangers write nothing.
    for key in [&guest_key, &read_key, &projects_admin_key, &stranger_key] {
        for (m, path) in [
            ("POST", url.clone()),
            ("PUT", format!("{url}/1")),
            ("PATCH", format!("{url}/1")),
        ] {
            let r = app
                .as_user(key, m, &path, Some(json!({"name": "nope"})))
                .await;
            assert_eq!(r.status, 403, "{m} {path}: {}", r.text);
        }
    }
    // Everyone in the project reads (with a read scope); the stranger and a write-only key don't.
    for key in [&admin_key, &plain_key, &guest_key, &read_key] {
        assert_eq!(
            ids(&app.as_user(key, "GET", &url, None).await.expect(200)),
            vec![1, 2]
        );
    }
    assert_eq!(
        app.as_user(&stranger_key, "GET", &url, None).await.status,
        403
    );
    assert_eq!(app.as_user(&items_key, "GET", &url, None).await.status, 403);
    let list = app.get(&url).await.expect(200);
    assert_eq!(list[0]["name"], "ours");
    assert_eq!(list[0]["color"], "#abc");
    // Admins delete.
    app.as_user(&admin_key, "DELETE", &format!("{url}/2"), None)
        .await
        .expect_empty(200);
    assert_eq!(ids(&app.get(&url).await.expect(200)), vec![1]);

    // Unknown project / tag, and a tag id only another project has.
    app.get("/v0/projects/4242/tags").await.expect_empty(404);
    app.post("/v0/projects/4242/tags", json!({"name": "x"}))
        .await
        .expect_empty(404);
    for name in ["a", "b", "c"] {
        app.post(&format!("/v0/projects/{other}/tags"), json!({"name": name}))
            .await
            .expect(201);
    }
    for (m, b) in [
        ("PUT", Some(json!({"name": "x"}))),
        ("PATCH", Some(json!({"name": "x"}))),
        ("DELETE", None),
    ] {
        app.as_user(OWNER_KEY, m, &format!("{url}/3"), b)
            .await
            .expect_empty(404);
        app.as_user(OWNER_KEY, m, &format!("{url}/zz"), None)
            .await
            .expect_empty(404);
    }
    assert_eq!(
        app.get(&format!("/v0/projects/{other}/tags"))
            .await
            .expect(200)[2]["name"],
        "c"
    );
}

#[tokio::test]
async fn bad_input_is_rejected_and_changes_nothing() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let url = format!("/v0/projects/{pid}/tags");
    app.post(
        &url,
        json!({"name": "first", "color": "#111", "icon": "one"}),
    )
    .await
    .expect(201);
    let one = format!("{url}/1");
    let before = app.get(&url).await.expect(200);
    for (m, path) in [("POST", &url), ("PUT", &one), ("PATCH", &one)] {
        for raw in [
            "{",
            "",
            "7",
            "{\"name\": {}}",
            "{\"name\": \"x\", \"displayIconOnly\": \"no\"}",
        ] {
            let r = app.call(m, path, Some(OWNER_KEY), Some(raw)).await;
            assert_eq!(
                r.expect(400),
                json!({"message": "Invalid values object."}),
                "{m} {raw}"
            );
        }
        for (b, field) in [
            (json!({"name": "x".repeat(300)}), "name"),
            (json!({"name": "x\u{0}"}), "name"),
            (json!({"name": ""}), "name"),
            (json!({"name": "ok", "color": "#zzz"}), "color"),
            (json!({"name": "ok", "icon": "i".repeat(256)}), "icon"),
        ] {
            let r = app
                .as_user(OWNER_KEY, m, path, Some(b.clone()))
                .await
                .expect(400);
            assert!(r["modelState"][field].is_array(), "{m} {b}: {r}");
        }
    }
    for (m, path) in [("POST", &url), ("PUT", &one)] {
        let r = app
            .as_user(OWNER_KEY, m, path, Some(json!({"displayIconOnly": true})))
            .await
            .expect(400);
        assert_eq!(r["modelState"]["name"], json!(["The name is required."]));
    }
    assert_eq!(app.get(&url).await.expect(200), before, "nothing changed");
    assert_eq!(
        app.post(&url, json!({"name": "second"})).await.expect(201)["tagId"],
        2
    );
}
