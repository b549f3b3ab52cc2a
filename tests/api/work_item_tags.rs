//! Tests of the work item tags endpoints.

use questlog::params;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::sub_tasks::{OLD_DATE, cast, count, update_date};

async fn tag_sql(app: &TestApp, pid: i64, name: &str, color: Option<&str>) -> i64 {
    let mut tx = app.db.write().await.unwrap();
    let id = questlog::store::sequences::next_id(&mut tx, pid, "tag")
        .await
        .unwrap();
    tx.exec(
        "INSERT INTO tags (project_id, tag_id, name, color, display_icon_only, creation_date) \
         VALUES ($1, $2, $3, $4, FALSE, '2026-01-02T00:00:00.000Z')",
        params![pid, id, name, color],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

fn base(pid: i64, wid: i64) -> String {
    format!("/v0/projects/{pid}/workitems/{wid}/tags")
}

fn ids(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|t| t["tagId"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn tags_are_assigned_listed_and_removed() {
    let app = spawn_app().await;
    let pid = app.project("Dungeon").await;
    let wid = app.work_item_sql(pid, "Jump").await;
    let bug = tag_sql(&app, pid, "Bug", Some("#ff0000")).await;
    let ui = tag_sql(&app, pid, "UI", None).await;
    let third = tag_sql(&app, pid, "Third", None).await;
    let b = base(pid, wid);
    assert_eq!(app.get(&b).await.expect(200), json!([]));

    // Bare integer, the object form and a quoted integer all assign; 201 with an empty body.
    let key = Some(app.key.as_str());
    let r = app.call("POST", &b, key, Some(&ui.to_string())).await;
    r.expect_empty(201);
    assert_ne!(update_date(&app, pid, wid).await, OLD_DATE);
    app.post(&b, json!({"tagId": bug})).await.expect_empty(201);
    app.post(&b, json!(third.to_string()))
        .await
        .expect_empty(201);

    let list = app.get(&b).await.expect(200);
    assert_eq!(ids(&list), vec![bug, ui, third]);
    assert_eq!(
        list[0],
        json!({"projectId": pid, "tagId": bug, "name": "Bug", "color": "#ff0000",
               "displayIconOnly": false, "creationDate": "2026-01-02T00:00:00.000Z"})
    );
    assert!(list[1].get("color").is_none(), "null fields are omitted");
    assert!(list[1].get("icon").is_none());

    // Already assigned → 409.
    let e = app.post(&b, json!(bug)).await.expect(409);
    assert_eq!(
        e,
        json!({"message": "The tag is already assigned to the work item."})
    );

    app.delete(&format!("{b}/{ui}")).await.expect_empty(200);
    assert_eq!(ids(&app.get(&b).await.expect(200)), vec![bug, third]);
    // Not assigned (any more) → 404.
    app.delete(&format!("{b}/{ui}")).await.expect_empty(404);
    app.delete(&format!("{b}/999")).await.expect_empty(404);
    // The tag itself still exists.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM tags").await, 3);

    // Reset the date: a removal touches the item too.
    let mut tx = app.db.write().await.unwrap();
    tx.exec("UPDATE work_items SET update_date = $1", params![OLD_DATE])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    app.delete(&format!("{b}/{bug}")).await.expect_empty(200);
    assert_ne!(update_date(&app, pid, wid).await, OLD_DATE);
}

#[tokio::test]
async fn unknown_tags_items_and_bad_bodies() {
    let app = spawn_app().await;
    let pid = app.project("Dungeon").await;
    let wid = app.work_item_sql(pid, "Jump").await;
    let tag = tag_sql(&app, pid, "Bug", None).await;
    let p2 = app.project("Other").await;
    tag_sql(&app, p2, "A", None).await;
    let foreign_tag = tag_sql(&app, p2, "B", None).await;
    app.work_item_sql(p2, "A").await;
    let foreign_item = app.work_item_sql(p2, "B").await;
    let b = base(pid, wid);

    // A tag of another project, or none at all → 404.
    app.post(&b, json!(foreign_tag)).await.expect_empty(404);
    app.post(&b, json!(999)).await.expect_empty(404);
    app.post(&b, json!(-1)).await.expect_empty(404);
    // Unknown item, item of another project, unknown project.
    app.post(&base(pid, foreign_item), json!(tag))
        .await
        .expect_empty(404);
    app.get(&base(pid, foreign_item)).await.expect_empty(404);
    app.delete(&format!("{}/{tag}", base(pid, 77)))
        .await
        .expect_empty(404);
    app.get(&base(999, wid)).await.expect_empty(404);

    let key = Some(app.key.as_str());
    for body in [
        "",
        "{",
        "\"abc\"",
        "true",
        "[1]",
        "{}",
        "{\"id\": 1}",
        "1.5",
        "null",
    ] {
        let r = app.call("POST", &b, key, Some(body)).await;
        assert_eq!(
            r.expect(400),
            json!({"message": "Invalid values object."}),
            "body {body}"
        );
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM work_item_tags").await, 0);
    assert_eq!(update_date(&app, pid, wid).await, OLD_DATE);
}

#[tokio::test]
async fn tag_permissions_follow_member_roles() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let t1 = tag_sql(&app, c.pid, "One", None).await;
    let t2 = tag_sql(&app, c.pid, "Two", None).await;
    let b = base(c.pid, c.wid);

    app.as_user(&c.member, "POST", &b, Some(json!(t1)))
        .await
        .expect_empty(201);
    app.as_user(&c.admin, "POST", &b, Some(json!(t2)))
        .await
        .expect_empty(201);
    app.as_user(&c.member, "DELETE", &format!("{b}/{t2}"), None)
        .await
        .expect_empty(200);

    for key in [&c.guest, &c.reader, &c.updater] {
        assert_eq!(
            ids(&app.as_user(key, "GET", &b, None).await.expect(200)),
            vec![t1]
        );
        app.as_user(key, "POST", &b, Some(json!(t2)))
            .await
            .expect(403);
        app.as_user(key, "DELETE", &format!("{b}/{t1}"), None)
            .await
            .expect(403);
    }
    app.as_user(&c.outsider, "GET", &b, None).await.expect(403);
    app.as_user(&c.outsider, "POST", &b, Some(json!(t2)))
        .await
        .expect(403);
    app.as_user(&c.blind, "GET", &b, None)
        .await
        .expect_empty(404);
    app.as_user(&c.blind, "POST", &b, Some(json!(t2)))
        .await
        .expect_empty(404);
    assert_eq!(ids(&app.get(&b).await.expect(200)), vec![t1]);
}
