//! The change records of work items, their users, tags and dependencies, read back through the
//! activity feed: event names, entity ids and entities, and nothing for a refused write.

use serde_json::{Value, json};

use crate::helpers::*;

fn items(pid: i64) -> String {
    format!("/v0/projects/{pid}/workitems")
}

fn item(pid: i64, wid: i64) -> String {
    format!("/v0/projects/{pid}/workitems/{wid}")
}

/// The feed oldest first, as (event, entityId, entity).
async fn feed(app: &TestApp, pid: i64) -> Vec<(String, i64, Value)> {
    let mut v: Vec<(String, i64, Value)> = app
        .activity(pid)
        .await
        .into_iter()
        .map(|c| {
            (
                c["event"].as_str().unwrap().to_string(),
                c["entityId"].as_i64().unwrap(),
                c["entity"].clone(),
            )
        })
        .collect();
    v.reverse();
    v
}

async fn create(app: &TestApp, pid: i64, body: Value) -> Value {
    app.post(&items(pid), body).await.expect(200)
}

#[tokio::test]
async fn create_edit_assign_and_delete_are_recorded() {
    let app = spawn_app().await;
    let pid = app.project("Dungeon").await;
    let (ana, _) = app.add_user("ana").await;
    app.add_member_sql(pid, ana, false, false, None).await;
    let w = create(
        &app,
        pid,
        json!({"title": "Jump", "importanceLevelId": 3, "assignedUserIds": [ana]}),
    )
    .await;
    let wid = w["workItemId"].as_i64().unwrap();
    let f = feed(&app, pid).await;
    assert_eq!(f.len(), 2);
    assert_eq!((f[0].0.as_str(), f[0].1), ("workitem.created", wid));
    // The entity is the work item exactly as its GET shows it.
    assert_eq!(f[0].2, app.get(&item(pid, wid)).await.expect(200));
    assert_eq!((f[1].0.as_str(), f[1].1), ("workitem.user.assigned", ana));
    assert_eq!(f[1].2["workItemId"], wid);
    assert_eq!(f[1].2["assignedUsers"][0]["user"]["id"], ana);

    // PATCH: a stage change is an update; swapping the assignee records both sides.
    let after = app
        .patch(
            &item(pid, wid),
            json!({"stageId": 2, "assignedUserIds": [1]}),
        )
        .await
        .expect(200);
    let f = feed(&app, pid).await;
    assert_eq!(f.len(), 5);
    assert_eq!((f[2].0.as_str(), f[2].1), ("workitem.updated", wid));
    assert_eq!(f[2].2, after);
    assert_eq!(f[2].2["stage"]["stageId"], 2);
    assert_eq!((f[3].0.as_str(), f[3].1), ("workitem.user.assigned", 1));
    assert_eq!((f[4].0.as_str(), f[4].1), ("workitem.user.unassigned", ana));

    // PUT.
    app.put(
        &item(pid, wid),
        json!({"title": "Leap", "assignedUserIds": [1]}),
    )
    .await
    .expect(200);
    let f = feed(&app, pid).await;
    assert_eq!(f.len(), 6);
    assert_eq!(f[5].0, "workitem.updated");
    assert_eq!(f[5].2["title"], "Leap");

    // Refused writes record nothing.
    app.patch(&item(pid, wid), json!({"title": null}))
        .await
        .expect(400);
    app.patch(&item(pid, wid), json!({"stageId": 999}))
        .await
        .expect(400);
    app.post(&items(pid), json!({"title": "No level"}))
        .await
        .expect(400);
    app.delete(&item(pid, 999)).await.expect_empty(404);
    assert_eq!(feed(&app, pid).await.len(), 6);

    // Delete: the item as it was.
    let before = app.get(&item(pid, wid)).await.expect(200);
    app.delete(&item(pid, wid)).await.expect_empty(200);
    let f = feed(&app, pid).await;
    assert_eq!(f.len(), 7);
    assert_eq!((f[6].0.as_str(), f[6].1), ("workitem.deleted", wid));
    assert_eq!(f[6].2, before);
}

#[tokio::test]
async fn users_and_tags_endpoints_are_recorded() {
    let app = spawn_app().await;
    let pid = app.project("Dungeon").await;
    let (ana, _) = app.add_user("ana").await;
    app.add_member_sql(pid, ana, false, false, None).await;
    let story = create(
        &app,
        pid,
        json!({"title": "Story", "isStory": true, "importanceLevelId": 3}),
    )
    .await["workItemId"]
        .as_i64()
        .unwrap();
    let task = create(
        &app,
        pid,
        json!({"title": "Task", "parentStoryId": story, "importanceLevelId": 3}),
    )
    .await["workItemId"]
        .as_i64()
        .unwrap();
    let n = feed(&app, pid).await.len();
    assert_eq!(n, 2);

    // Assigning to a task assigns the story too: one record per item that gained the user.
    app.post(&format!("{}/users", item(pid, task)), json!(ana))
        .await
        .expect_empty(200);
    let f = feed(&app, pid).await;
    assert_eq!(f.len(), 4);
    assert_eq!((f[2].0.as_str(), f[2].1), ("workitem.user.assigned", ana));
    assert_eq!(f[2].2["workItemId"], task);
    assert_eq!((f[3].0.as_str(), f[3].1), ("workitem.user.assigned", ana));
    assert_eq!(f[3].2["workItemId"], story);
    assert_eq!(f[3].2["assignedUsers"][0]["user"]["id"], ana);
    // Already assigned (409) and an unknown user (404): nothing.
    app.post(&format!("{}/users", item(pid, task)), json!(ana))
        .await
        .expect(409);
    app.post(&format!("{}/users", item(pid, task)), json!(999))
        .await
        .expect_empty(404);
    assert_eq!(feed(&app, pid).await.len(), 4);

    app.delete(&format!("{}/users/{ana}", item(pid, task)))
        .await
        .expect_empty(200);
    let f = feed(&app, pid).await;
    assert_eq!(f.len(), 5);
    assert_eq!((f[4].0.as_str(), f[4].1), ("workitem.user.unassigned", ana));
    assert_eq!(f[4].2["assignedUsers"], json!([]));

    // Tags on an item are edits of the item.
    let tag = app
        .post(&format!("/v0/projects/{pid}/tags"), json!({"name": "art"}))
        .await
        .expect(201)["tagId"]
        .as_i64()
        .unwrap();
    app.post(&format!("{}/tags", item(pid, task)), json!(tag))
        .await
        .expect_empty(201);
    app.post(&format!("{}/tags", item(pid, task)), json!(tag))
        .await
        .expect(409);
    app.delete(&format!("{}/tags/{tag}", item(pid, task)))
        .await
        .expect_empty(200);
    let f = feed(&app, pid).await;
    assert_eq!(f.len(), 8);
    assert_eq!(f[5].0, "tag.created");
    assert_eq!((f[6].0.as_str(), f[6].1), ("workitem.updated", task));
    assert_eq!(f[6].2["tags"][0]["tagId"], tag);
    assert_eq!((f[7].0.as_str(), f[7].1), ("workitem.updated", task));
    assert_eq!(f[7].2["tags"], json!([]));
}

#[tokio::test]
async fn dependencies_and_blocked_state_are_recorded() {
    let app = spawn_app().await;
    let pid = app.project("Dungeon").await;
    let a = app.work_item_sql(pid, "A").await;
    let b = app.work_item_sql(pid, "B").await;
    let c = app.work_item_sql(pid, "C").await;
    let deps = |w: i64| format!("{}/dependencies", item(pid, w));

    // B ← A: the dependency, then B blocked.
    let d = app.post(&deps(b), json!(a)).await.expect(201);
    let f = feed(&app, pid).await;
    assert_eq!(f.len(), 2);
    assert_eq!((f[0].0.as_str(), f[0].1), ("workitem.dependency.added", a));
    assert_eq!(f[0].2["projectId"], pid);
    assert_eq!(f[0].2["workItemId"], b);
    assert_eq!(f[0].2["workItem"], d["workItem"]);
    assert_eq!(f[0].2["isResolved"], false);
    assert_eq!((f[1].0.as_str(), f[1].1), ("workitem.blocked", b));
    assert_eq!(f[1].2["isBlocked"], true);

    // C ← A and C ← B: only the first blocks C.
    app.post(&deps(c), json!(a)).await.expect(201);
    app.post(&deps(c), json!(b)).await.expect(201);
    let names: Vec<(String, i64)> = feed(&app, pid)
        .await
        .into_iter()
        .map(|x| (x.0, x.1))
        .collect();
    assert_eq!(
        names[2..],
        [
            ("workitem.dependency.added".to_string(), a),
            ("workitem.blocked".to_string(), c),
            ("workitem.dependency.added".to_string(), b),
        ]
    );
    // A cycle and a duplicate are refused and record nothing.
    app.post(&deps(a), json!(c)).await.expect(400);
    app.post(&deps(b), json!(a)).await.expect(400);
    assert_eq!(feed(&app, pid).await.len(), 5);

    // A closes: B is unblocked (C still waits on B), all in one update.
    app.patch(&item(pid, a), json!({"stageId": 4}))
        .await
        .expect(200);
    let f = feed(&app, pid).await;
    assert_eq!(f.len(), 7);
    assert_eq!((f[5].0.as_str(), f[5].1), ("workitem.updated", a));
    assert_eq!((f[6].0.as_str(), f[6].1), ("workitem.unblocked", b));
    assert_eq!(f[6].2["isBlocked"], false);
    // A reopens: B is blocked again.
    app.patch(&item(pid, a), json!({"stageId": 1}))
        .await
        .expect(200);
    let f = feed(&app, pid).await;
    assert_eq!(f.len(), 9);
    assert_eq!((f[8].0.as_str(), f[8].1), ("workitem.blocked", b));

    // Removing C ← A leaves C blocked by B: no flip. Removing C ← B unblocks C.
    app.delete(&format!("{}/{a}", deps(c)))
        .await
        .expect_empty(200);
    app.delete(&format!("{}/{b}", deps(c)))
        .await
        .expect_empty(200);
    let f = feed(&app, pid).await;
    assert_eq!(f.len(), 12);
    assert_eq!(
        (f[9].0.as_str(), f[9].1),
        ("workitem.dependency.removed", a)
    );
    assert_eq!(f[9].2["workItemId"], c);
    assert_eq!(f[9].2["workItem"]["workItemId"], a);
    assert_eq!(
        (f[10].0.as_str(), f[10].1),
        ("workitem.dependency.removed", b)
    );
    assert_eq!((f[11].0.as_str(), f[11].1), ("workitem.unblocked", c));

    // Deleting A (B's only blocker) unblocks B.
    app.delete(&item(pid, a)).await.expect_empty(200);
    let f = feed(&app, pid).await;
    assert_eq!(f.len(), 14);
    assert_eq!((f[12].0.as_str(), f[12].1), ("workitem.deleted", a));
    assert_eq!((f[13].0.as_str(), f[13].1), ("workitem.unblocked", b));
    assert_eq!(f[13].2["hasDependencies"], false);
}
