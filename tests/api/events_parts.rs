//! The change records of sub-tasks, work logs and comments (on work items and design elements),
//! read back through the activity feed.

use serde_json::{Value, json};

use crate::helpers::*;

/// The project's changes whose event starts with `prefix`, oldest first (other groups record
/// their own events beside these).
async fn changes(app: &TestApp, pid: i64, prefix: &str) -> Vec<Value> {
    let mut items: Vec<Value> = app
        .activity(pid)
        .await
        .into_iter()
        .filter(|c| c["event"].as_str().unwrap().starts_with(prefix))
        .collect();
    items.reverse();
    items
}

fn events(list: &[Value]) -> Vec<&str> {
    list.iter().map(|c| c["event"].as_str().unwrap()).collect()
}

/// The category the activity feed filters a work item's changes by: stored with the change.
async fn stored_categories(app: &TestApp, pid: i64, prefix: &str) -> Vec<Option<i64>> {
    let mut tx = app.db.read().await.unwrap();
    let rows: Vec<(Option<i64>,)> = tx
        .all(
            "SELECT category_id FROM changes WHERE project_id = $1 AND event LIKE $2 ORDER BY seq",
            questlog::params![pid, format!("{prefix}%")],
        )
        .await
        .unwrap();
    rows.into_iter().map(|(c,)| c).collect()
}

async fn item_category(app: &TestApp, pid: i64, wid: i64) -> i64 {
    app.get(&format!("/v0/projects/{pid}/workitems/{wid}"))
        .await
        .expect(200)["category"]["categoryId"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn sub_task_changes_are_recorded_with_flips_as_closed_and_reopened() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let wid = app.work_item_sql(pid, "Jump").await;
    let url = format!("/v0/projects/{pid}/workitems/{wid}/subtasks");
    let st = app.post(&url, json!("Sketch")).await.expect(200);
    let sid = st["subTaskId"].as_i64().unwrap();
    let one = format!("{url}/{sid}");
    // Title only → updated; tick only → closed; both (untick + rename) → updated and reopened.
    app.patch(&one, json!({"title": "Sketch it"}))
        .await
        .expect_empty(200);
    app.patch(&one, json!({"isCompleted": true}))
        .await
        .expect_empty(200);
    app.put(&one, json!({"title": "Draw it", "isCompleted": false}))
        .await
        .expect_empty(200);
    app.delete(&one).await.expect_empty(200);

    let list = changes(&app, pid, "workitem.subtask.").await;
    assert_eq!(
        events(&list),
        [
            "workitem.subtask.created",
            "workitem.subtask.updated",
            "workitem.subtask.closed",
            "workitem.subtask.updated",
            "workitem.subtask.reopened",
            "workitem.subtask.deleted",
        ]
    );
    for c in &list {
        assert_eq!(c["entityKind"], "workitem.subtask");
        assert_eq!(c["entityId"], sid);
        assert_eq!(c["entity"]["projectId"], pid);
        assert_eq!(c["entity"]["workItemId"], wid);
        assert_eq!(c["entity"]["subTaskId"], sid);
        assert_eq!(c["user"]["username"], "owner");
    }
    // The entity as GET shows it, after the change.
    assert_eq!(list[0]["entity"], st);
    assert_eq!(list[1]["entity"]["title"], "Sketch it");
    assert_eq!(list[1]["entity"]["isCompleted"], false);
    assert_eq!(list[2]["entity"]["isCompleted"], true);
    assert_eq!(list[3]["entity"]["title"], "Draw it");
    assert_eq!(list[4]["entity"]["isCompleted"], false);
    // The delete carries the sub-task as it was.
    assert_eq!(list[5]["entity"]["title"], "Draw it");
    assert_eq!(list[5]["entity"]["index"], 0);
    let cat = item_category(&app, pid, wid).await;
    assert_eq!(
        stored_categories(&app, pid, "workitem.subtask.").await,
        vec![Some(cat); 6]
    );
}

#[tokio::test]
async fn an_unchanged_sub_task_put_is_an_update() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let wid = app.work_item_sql(pid, "Jump").await;
    let url = format!("/v0/projects/{pid}/workitems/{wid}/subtasks");
    app.post(&url, json!({"title": "A"})).await.expect(200);
    app.put(&format!("{url}/1"), json!({"title": "A"}))
        .await
        .expect_empty(200);
    let list = changes(&app, pid, "workitem.subtask.").await;
    assert_eq!(
        events(&list),
        ["workitem.subtask.created", "workitem.subtask.updated"]
    );
}

#[tokio::test]
async fn work_log_changes_are_recorded_and_a_log_comment_is_a_comment() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let wid = app.work_item_sql(pid, "Jump").await;
    let url = format!("/v0/projects/{pid}/workitems/{wid}/worklogs");
    let log = app.post(&url, json!({"value": 3})).await.expect(201);
    let lid = log["workLogId"].as_i64().unwrap();
    let with_comment = app
        .post(&url, json!({"value": 2.5, "comment": "Paired on it"}))
        .await
        .expect(201);
    let lid2 = with_comment["workLogId"].as_i64().unwrap();
    let updated = app.put(&format!("{url}/{lid}"), json!(5)).await.expect(201);
    app.delete(&format!("{url}/{lid}")).await.expect_empty(200);

    let list = changes(&app, pid, "workitem.worklog.").await;
    assert_eq!(
        events(&list),
        [
            "workitem.worklog.created",
            "workitem.worklog.created",
            "workitem.worklog.updated",
            "workitem.worklog.deleted",
        ]
    );
    assert_eq!(list[0]["entity"], log);
    assert_eq!(list[1]["entity"], with_comment);
    assert_eq!(list[1]["entityId"], lid2);
    assert_eq!(list[2]["entity"], updated);
    assert_eq!(list[2]["entity"]["value"], 5);
    assert_eq!(list[3]["entityId"], lid);
    assert_eq!(list[3]["entity"]["value"], 5);
    for c in &list {
        assert_eq!(c["entity"]["workItemId"], wid);
        assert_eq!(c["entity"]["user"]["username"], "owner");
    }
    let cat = item_category(&app, pid, wid).await;
    assert_eq!(
        stored_categories(&app, pid, "workitem.worklog.").await,
        vec![Some(cat); 4]
    );

    // The comment the second log came with, nesting it.
    let comments = changes(&app, pid, "workitem.comment.").await;
    assert_eq!(events(&comments), ["workitem.comment.created"]);
    assert_eq!(comments[0]["entity"]["text"], "Paired on it");
    assert_eq!(comments[0]["entity"]["workLog"]["workLogId"], lid2);
    let shown = app
        .get(&format!("/v0/projects/{pid}/workitems/{wid}/comments"))
        .await
        .expect(200);
    assert_eq!(comments[0]["entity"], shown["items"][0]);
}

#[tokio::test]
async fn work_item_comment_changes_are_recorded() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let wid = app.work_item_sql(pid, "Jump").await;
    let url = format!("/v0/projects/{pid}/workitems/{wid}/comments");
    let c = app.post(&url, json!("First")).await.expect(201);
    let cid = c["commentId"].as_i64().unwrap();
    let edited = app
        .put(&format!("{url}/{cid}"), json!({"text": "Second"}))
        .await
        .expect(200);
    app.delete(&format!("{url}/{cid}")).await.expect_empty(200);

    let list = changes(&app, pid, "workitem.comment.").await;
    assert_eq!(
        events(&list),
        [
            "workitem.comment.created",
            "workitem.comment.updated",
            "workitem.comment.deleted",
        ]
    );
    assert_eq!(list[0]["entity"], c);
    assert_eq!(list[1]["entity"], edited);
    assert_eq!(list[2]["entity"], edited, "the delete carries it as it was");
    for ch in &list {
        assert_eq!(ch["entityKind"], "workitem.comment");
        assert_eq!(ch["entityId"], cid);
        assert_eq!(ch["entity"]["projectId"], pid);
        assert_eq!(ch["entity"]["workItemId"], wid);
        assert_eq!(ch["entity"]["user"]["username"], "owner");
    }
    let cat = item_category(&app, pid, wid).await;
    assert_eq!(
        stored_categories(&app, pid, "workitem.comment.").await,
        vec![Some(cat); 3]
    );
}

#[tokio::test]
async fn design_element_comment_changes_are_recorded_without_a_category() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let e = app
        .post(
            &format!("/v0/projects/{pid}/designelements"),
            json!({"designElementTypeId": 1, "name": "Hub"}),
        )
        .await
        .expect(201);
    let de = e["designElementId"].as_i64().unwrap();
    let url = format!("/v0/projects/{pid}/designelements/{de}/comments");
    let c = app.post(&url, json!("Looks good")).await.expect(201);
    let cid = c["commentId"].as_i64().unwrap();
    let edited = app
        .put(&format!("{url}/{cid}"), json!("Looks great"))
        .await
        .expect(200);
    // The reference's singular path deletes too.
    app.delete(&format!(
        "/v0/projects/{pid}/designelement/{de}/comments/{cid}"
    ))
    .await
    .expect_empty(200);

    let list = changes(&app, pid, "designelement.comment.").await;
    assert_eq!(
        events(&list),
        [
            "designelement.comment.created",
            "designelement.comment.updated",
            "designelement.comment.deleted",
        ]
    );
    assert_eq!(list[0]["entity"], c);
    assert_eq!(list[1]["entity"], edited);
    assert_eq!(list[2]["entity"], edited);
    for ch in &list {
        assert_eq!(ch["entityKind"], "designelement.comment");
        assert_eq!(ch["entityId"], cid);
        assert_eq!(ch["entity"]["designElementId"], de);
        assert_eq!(ch["entity"]["user"]["username"], "owner");
    }
    assert_eq!(
        stored_categories(&app, pid, "designelement.comment.").await,
        vec![None; 3]
    );
}

#[tokio::test]
async fn refused_writes_record_nothing() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let wid = app.work_item_sql(pid, "Jump").await;
    let item = format!("/v0/projects/{pid}/workitems/{wid}");
    app.post(&format!("{item}/subtasks"), json!("A"))
        .await
        .expect(200);
    app.post(&format!("{item}/comments"), json!("Mine"))
        .await
        .expect(201);
    app.post(&format!("{item}/worklogs"), json!({"value": 1}))
        .await
        .expect(201);
    let e = app
        .post(
            &format!("/v0/projects/{pid}/designelements"),
            json!({"designElementTypeId": 1, "name": "Hub"}),
        )
        .await
        .expect(201);
    let de_url = format!(
        "/v0/projects/{pid}/designelements/{}/comments",
        e["designElementId"]
    );
    app.post(&de_url, json!("Mine")).await.expect(201);
    let before = app.activity(pid).await.len();

    // Bad input (400) and unknown targets (404).
    app.post(&format!("{item}/subtasks"), json!("  "))
        .await
        .expect(400);
    app.patch(&format!("{item}/subtasks/9"), json!({"title": "B"}))
        .await
        .expect(404);
    app.post(&format!("{item}/worklogs"), json!({"value": -1}))
        .await
        .expect(400);
    app.put(&format!("{item}/worklogs/9"), json!(2))
        .await
        .expect(404);
    app.post(&format!("{item}/comments"), json!(""))
        .await
        .expect(400);
    app.delete(&format!("{item}/comments/9")).await.expect(404);
    app.post(&de_url, json!("x".repeat(5001))).await.expect(400);
    app.post(
        &format!("/v0/projects/{pid}/designelements/99/comments"),
        json!("Hi"),
    )
    .await
    .expect(404);

    // Permission refusals (403): a guest, and a member editing the owner's comment.
    let (gid, guest) = app.add_user("gus").await;
    app.add_member_sql(pid, gid, false, true, None).await;
    let (mid, member) = app.add_user("mia").await;
    app.add_member_sql(pid, mid, false, false, None).await;
    app.as_user(
        &guest,
        "POST",
        &format!("{item}/subtasks"),
        Some(json!("G")),
    )
    .await
    .expect(403);
    app.as_user(&guest, "POST", &de_url, Some(json!("G")))
        .await
        .expect(403);
    app.as_user(
        &member,
        "PUT",
        &format!("{item}/comments/1"),
        Some(json!("Not mine")),
    )
    .await
    .expect(403);
    app.as_user(&member, "DELETE", &format!("{item}/worklogs/1"), None)
        .await
        .expect(403);
    app.as_user(&member, "PUT", &format!("{de_url}/1"), Some(json!("No")))
        .await
        .expect(403);

    assert_eq!(app.activity(pid).await.len(), before);
}
