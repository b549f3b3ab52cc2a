//! Tests of the sub tasks endpoints, and the fixtures the other work item sub-resource tests share.

use questlog::http::auth::Scopes;
use questlog::params;
use serde_json::{Value, json};

use crate::helpers::*;

/// A project with one work item (category 1) and a cast of callers.
pub struct Cast {
    pub pid: i64,
    pub wid: i64,
    pub member_id: i64,
    /// Plain member, no role.
    pub member: String,
    pub admin_id: i64,
    pub admin: String,
    pub guest: String,
    /// Not a member of the project.
    pub outsider: String,
    /// The plain member's read-only key.
    pub reader: String,
    /// Role on category 1: read and update, no write.
    pub updater_id: i64,
    pub updater: String,
    /// Role on category 1: no read.
    pub blind: String,
}

pub async fn role_sql(app: &TestApp, pid: i64, name: &str, permissions: Value) -> i64 {
    let mut tx = app.db.write().await.unwrap();
    let id = questlog::store::sequences::next_id(&mut tx, pid, "role")
        .await
        .unwrap();
    tx.exec(
        "INSERT INTO roles (project_id, role_id, name, is_admin, permissions, creation_date) \
         VALUES ($1, $2, $3, FALSE, $4, '2026-01-01T00:00:00.000Z')",
        params![pid, id, name, permissions.to_string()],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

fn category_1(can_read: bool, can_write: bool, can_update: bool) -> Value {
    json!({"categoryPermissions": [{"categoryId": 1, "canRead": can_read, "canWrite": can_write,
            "canUpdate": can_update}],
           "gameDesignModelPermissions": {"canRead": true, "canWrite": true}})
}

pub async fn cast(app: &TestApp) -> Cast {
    let pid = app.project("Dungeon").await;
    let wid = app.work_item_sql(pid, "Jump").await;
    let (member_id, member) = app.add_user("mia").await;
    app.add_member_sql(pid, member_id, false, false, None).await;
    let (admin_id, admin) = app.add_user("ada").await;
    app.add_member_sql(pid, admin_id, true, false, None).await;
    let (guest_id, guest) = app.add_user("gus").await;
    app.add_member_sql(pid, guest_id, false, true, None).await;
    let (_, outsider) = app.add_user("oz").await;
    let reader = app.add_key(member_id, Scopes::parse("read").unwrap()).await;
    let updater_role = role_sql(app, pid, "Tester", category_1(true, false, true)).await;
    let (updater_id, updater) = app.add_user("ulla").await;
    app.add_member_sql(pid, updater_id, false, false, Some(updater_role))
        .await;
    let blind_role = role_sql(app, pid, "Blind", category_1(false, false, false)).await;
    let (blind_id, blind) = app.add_user("bo").await;
    app.add_member_sql(pid, blind_id, false, false, Some(blind_role))
        .await;
    Cast {
        pid,
        wid,
        member_id,
        member,
        admin_id,
        admin,
        guest,
        outsider,
        reader,
        updater_id,
        updater,
        blind,
    }
}

/// The item's `update_date`; set back to a fixed old value so a change is visible.
pub async fn update_date(app: &TestApp, pid: i64, wid: i64) -> String {
    let mut tx = app.db.read().await.unwrap();
    let (d,): (String,) = tx
        .one(
            "SELECT update_date FROM work_items WHERE project_id = $1 AND work_item_id = $2",
            params![pid, wid],
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    d
}

pub async fn count(app: &TestApp, sql: &str) -> i64 {
    let mut tx = app.db.read().await.unwrap();
    let (n,): (i64,) = tx.one(sql, &[]).await.unwrap();
    tx.commit().await.unwrap();
    n
}

pub const OLD_DATE: &str = "2026-01-01T00:00:00.000Z";

fn base(pid: i64, wid: i64) -> String {
    format!("/v0/projects/{pid}/workitems/{wid}/subtasks")
}

#[tokio::test]
async fn sub_tasks_are_created_listed_edited_and_deleted() {
    let app = spawn_app().await;
    let pid = app.project("Dungeon").await;
    let wid = app.work_item_sql(pid, "Jump").await;
    let other = app.work_item_sql(pid, "Run").await;
    let b = base(pid, wid);
    assert_eq!(app.get(&b).await.expect(200), json!([]));

    // Bare string body: the reply is the single new sub-task, 200.
    let r = app
        .call(
            "POST",
            &b,
            Some(&app.key),
            Some(r#""  Animate the jump  ""#),
        )
        .await;
    let st = r.expect(200);
    assert_eq!(st["projectId"], pid);
    assert_eq!(st["workItemId"], wid);
    assert_eq!(st["subTaskId"], 1);
    assert_eq!(st["title"], "Animate the jump");
    assert_eq!(st["isCompleted"], false);
    assert_eq!(st["index"], 0);
    assert!(st["creationDate"].as_str().unwrap().ends_with('Z'));
    assert_eq!(st.as_object().unwrap().len(), 7);
    assert_ne!(update_date(&app, pid, wid).await, OLD_DATE);

    // The one-field object form.
    let st2 = app
        .post(&b, json!({"title": "Tune gravity"}))
        .await
        .expect(200);
    assert_eq!(st2["subTaskId"], 2);
    assert_eq!(st2["index"], 1);

    // Ids are per work item.
    let o = app
        .post(&base(pid, other), json!("Other"))
        .await
        .expect(200);
    assert_eq!(o["subTaskId"], 1);
    assert_eq!(o["workItemId"], other);

    let list = app.get(&b).await.expect(200);
    assert_eq!(list, json!([st, st2]));
    assert_eq!(app.get(&format!("{b}/2")).await.expect(200), st2);

    // PATCH ticks and keeps the title; PATCH of the title keeps the tick.
    app.patch(&format!("{b}/1"), json!({"isCompleted": true}))
        .await
        .expect_empty(200);
    let got = app.get(&format!("{b}/1")).await.expect(200);
    assert_eq!(got["isCompleted"], true);
    assert_eq!(got["title"], "Animate the jump");
    app.patch(&format!("{b}/1"), json!({"title": "Animate it"}))
        .await
        .expect_empty(200);
    let got = app.get(&format!("{b}/1")).await.expect(200);
    assert_eq!(got["isCompleted"], true);
    assert_eq!(got["title"], "Animate it");
    assert_eq!(got["creationDate"], st["creationDate"]);

    // PUT replaces: an omitted isCompleted becomes false.
    app.put(&format!("{b}/1"), json!({"title": "Animate"}))
        .await
        .expect_empty(200);
    let got = app.get(&format!("{b}/1")).await.expect(200);
    assert_eq!(got["isCompleted"], false);
    assert_eq!(got["title"], "Animate");
    app.put(
        &format!("{b}/2"),
        json!({"title": "Tune", "isCompleted": true}),
    )
    .await
    .expect_empty(200);
    assert_eq!(
        app.get(&format!("{b}/2")).await.expect(200)["isCompleted"],
        true
    );

    // Delete; ids are not reused and positions close up.
    app.delete(&format!("{b}/1")).await.expect_empty(200);
    app.get(&format!("{b}/1")).await.expect_empty(404);
    app.delete(&format!("{b}/1")).await.expect_empty(404);
    assert_eq!(app.get(&format!("{b}/2")).await.expect(200)["index"], 0);
    let st3 = app.post(&b, json!("Again")).await.expect(200);
    assert_eq!(st3["subTaskId"], 3);
    let ids: Vec<i64> = app
        .get(&b)
        .await
        .expect(200)
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["subTaskId"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![2, 3]);
}

#[tokio::test]
async fn every_sub_task_change_touches_the_work_item() {
    let app = spawn_app().await;
    let pid = app.project("Dungeon").await;
    let wid = app.work_item_sql(pid, "Jump").await;
    let b = base(pid, wid);
    let reset = async || {
        let mut tx = app.db.write().await.unwrap();
        tx.exec("UPDATE work_items SET update_date = $1", params![OLD_DATE])
            .await
            .unwrap();
        tx.commit().await.unwrap();
    };
    app.post(&b, json!("A")).await.expect(200);
    assert_ne!(update_date(&app, pid, wid).await, OLD_DATE);
    reset().await;
    app.patch(&format!("{b}/1"), json!({"isCompleted": true}))
        .await
        .expect_empty(200);
    assert_ne!(update_date(&app, pid, wid).await, OLD_DATE);
    reset().await;
    app.put(&format!("{b}/1"), json!({"title": "B"}))
        .await
        .expect_empty(200);
    assert_ne!(update_date(&app, pid, wid).await, OLD_DATE);
    reset().await;
    app.get(&b).await.expect(200);
    assert_eq!(
        update_date(&app, pid, wid).await,
        OLD_DATE,
        "reads change nothing"
    );
    app.delete(&format!("{b}/1")).await.expect_empty(200);
    assert_ne!(update_date(&app, pid, wid).await, OLD_DATE);
}

#[tokio::test]
async fn bad_sub_task_input_is_rejected_and_changes_nothing() {
    let app = spawn_app().await;
    let pid = app.project("Dungeon").await;
    let wid = app.work_item_sql(pid, "Jump").await;
    let b = base(pid, wid);
    let st = app.post(&b, json!("Keep me")).await.expect(200);
    let key = Some(app.key.as_str());

    for body in [
        "",
        "{",
        "42",
        "true",
        "[\"a\"]",
        "{\"name\": \"x\"}",
        "null",
        "{\"title\": 5}",
    ] {
        let r = app.call("POST", &b, key, Some(body)).await;
        assert_eq!(
            r.expect(400),
            json!({"message": "Invalid values object."}),
            "body {body}"
        );
    }
    let long = "x".repeat(256);
    for title in ["", "   ", long.as_str(), "a\u{0}b"] {
        let e = app.post(&b, json!(title)).await.expect(400);
        assert_eq!(e["message"], "The request is invalid.");
        assert!(e["modelState"]["title"].is_array(), "{e}");
    }
    let ok = "y".repeat(255);
    let made = app.post(&b, json!(ok)).await.expect(200);
    app.delete(&format!("{b}/{}", made["subTaskId"]))
        .await
        .expect_empty(200);

    let one = format!("{b}/1");
    for (m, body) in [
        ("PUT", "{"),
        ("PUT", "\"title\""),
        ("PUT", "{\"title\": \"A\", \"isCompleted\": \"yes\"}"),
        ("PATCH", ""),
        ("PATCH", "{\"isCompleted\": 1}"),
        ("PATCH", "[]"),
    ] {
        let r = app.call(m, &one, key, Some(body)).await;
        assert_eq!(
            r.expect(400)["message"],
            "Invalid values object.",
            "{m} {body}"
        );
    }
    let e = app
        .put(&one, json!({"isCompleted": true}))
        .await
        .expect(400);
    assert!(e["modelState"]["title"].is_array());
    let e = app.patch(&one, json!({"title": "\u{0}"})).await.expect(400);
    assert!(e["modelState"]["title"].is_array());
    let e = app.patch(&one, json!({"title": ""})).await.expect(400);
    assert!(e["modelState"]["title"].is_array());

    assert_eq!(app.get(&b).await.expect(200), json!([st]));
}

#[tokio::test]
async fn sub_tasks_of_unknown_or_foreign_items_are_not_found() {
    let app = spawn_app().await;
    let pid = app.project("Dungeon").await;
    let wid = app.work_item_sql(pid, "Jump").await;
    let other_item = app.work_item_sql(pid, "Run").await;
    let p2 = app.project("Other").await;
    app.work_item_sql(p2, "A").await;
    let foreign = app.work_item_sql(p2, "B").await;
    app.post(&base(pid, wid), json!("Mine")).await.expect(200);
    app.post(&base(p2, foreign), json!("Theirs"))
        .await
        .expect(200);

    // Item 2 of project 2 is the foreign one; project 1's item 2 exists but has no sub-task.
    app.get(&base(pid, 99)).await.expect_empty(404);
    app.post(&base(pid, 99), json!("x")).await.expect_empty(404);
    app.get(&base(999, wid)).await.expect_empty(404);
    app.get(&format!("/v0/projects/{pid}/workitems/abc/subtasks"))
        .await
        .expect_empty(404);
    app.get(&format!("{}/1", base(pid, other_item)))
        .await
        .expect_empty(404);
    app.patch(
        &format!("{}/1", base(pid, other_item)),
        json!({"isCompleted": true}),
    )
    .await
    .expect_empty(404);
    app.put(
        &format!("{}/1", base(pid, other_item)),
        json!({"title": "x"}),
    )
    .await
    .expect_empty(404);
    app.delete(&format!("{}/1", base(pid, other_item)))
        .await
        .expect_empty(404);
    app.get(&format!("{}/2", base(pid, wid)))
        .await
        .expect_empty(404);
    assert_eq!(app.get(&base(pid, other_item)).await.expect(200), json!([]));
    assert_eq!(
        app.get(&base(p2, foreign)).await.expect(200)[0]["title"],
        "Theirs"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sub_tasks").await, 2);
}

#[tokio::test]
async fn sub_task_permissions_follow_member_roles() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let b = base(c.pid, c.wid);
    let one = format!("{b}/1");
    app.post(&b, json!("Owner's")).await.expect(200);

    // Plain member and admin: everything.
    let r = app
        .as_user(&c.member, "POST", &b, Some(json!("Member's")))
        .await;
    assert_eq!(r.expect(200)["subTaskId"], 2);
    app.as_user(
        &c.admin,
        "PUT",
        &format!("{b}/2"),
        Some(json!({"title": "Admin's"})),
    )
    .await
    .expect_empty(200);
    app.as_user(&c.member, "DELETE", &format!("{b}/2"), None)
        .await
        .expect_empty(200);

    // Guests read only.
    assert_eq!(
        app.as_user(&c.guest, "GET", &b, None).await.expect(200)[0]["title"],
        "Owner's"
    );
    app.as_user(&c.guest, "POST", &b, Some(json!("no")))
        .await
        .expect(403);
    app.as_user(&c.guest, "PATCH", &one, Some(json!({"isCompleted": true})))
        .await
        .expect(403);
    app.as_user(&c.guest, "DELETE", &one, None)
        .await
        .expect(403);

    // Non-members: 403 even to read.
    app.as_user(&c.outsider, "GET", &b, None).await.expect(403);
    app.as_user(&c.outsider, "GET", &one, None)
        .await
        .expect(403);

    // A read-only key reads but does not write.
    app.as_user(&c.reader, "GET", &one, None).await.expect(200);
    app.as_user(&c.reader, "POST", &b, Some(json!("no")))
        .await
        .expect(403);
    app.as_user(&c.reader, "PATCH", &one, Some(json!({"isCompleted": true})))
        .await
        .expect(403);

    // A role that may update but not write the category: ticks, nothing else.
    app.as_user(
        &c.updater,
        "PATCH",
        &one,
        Some(json!({"isCompleted": true})),
    )
    .await
    .expect_empty(200);
    app.as_user(
        &c.updater,
        "PUT",
        &one,
        Some(json!({"title": "Owner's", "isCompleted": false})),
    )
    .await
    .expect_empty(200);
    app.as_user(&c.updater, "PATCH", &one, Some(json!({"title": "Renamed"})))
        .await
        .expect(403);
    app.as_user(&c.updater, "PUT", &one, Some(json!({"title": "Renamed"})))
        .await
        .expect(403);
    app.as_user(&c.updater, "POST", &b, Some(json!("no")))
        .await
        .expect(403);
    app.as_user(&c.updater, "DELETE", &one, None)
        .await
        .expect(403);

    // A role that cannot read the category does not see the item.
    app.as_user(&c.blind, "GET", &b, None)
        .await
        .expect_empty(404);
    app.as_user(&c.blind, "GET", &one, None)
        .await
        .expect_empty(404);
    app.as_user(&c.blind, "PATCH", &one, Some(json!({"isCompleted": true})))
        .await
        .expect_empty(404);

    let st = app.get(&one).await.expect(200);
    assert_eq!(st["title"], "Owner's");
    assert_eq!(st["isCompleted"], false);
    assert_eq!(app.get(&b).await.expect(200).as_array().unwrap().len(), 1);
    // Silence unused-field warnings of the shared cast in this module.
    let _ = (c.member_id, c.admin_id, c.updater_id);
}
