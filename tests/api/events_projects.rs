//! Change records of projects, boards and milestones (issue 9 §2), read back through the
//! activity feed: the event, the entity id and the entity as its GET returns it.

use serde_json::{Value, json};

use crate::helpers::*;

/// The feed's events of projects, boards and milestones, oldest first (those of work items and
/// project users, which other writes in these tests also make, are checked on their own).
async fn own_events(app: &TestApp, pid: i64) -> Vec<String> {
    app.events(pid)
        .await
        .into_iter()
        .filter(|e| {
            ["project.", "board.", "milestone."]
                .iter()
                .any(|k| e.starts_with(k))
        })
        .collect()
}

#[tokio::test]
async fn project_updates_closure_and_ownership_are_recorded() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    // Creating a project records nothing.
    assert!(app.activity(pid).await.is_empty());
    let url = format!("/v0/projects/{pid}");
    app.patch(&url, json!({"name": "Renamed"}))
        .await
        .expect(200);
    app.put(&url, json!({"name": "Put", "description": "d"}))
        .await
        .expect(200);
    app.post(&format!("{url}/closure"), json!({}))
        .await
        .expect_empty(200);
    app.delete(&format!("{url}/closure"))
        .await
        .expect_empty(200);
    let (uid, _) = app.add_user("ana").await;
    app.add_member(pid, uid, json!({})).await;
    let before = app.activity(pid).await.len();
    app.put(&format!("{url}/owner"), json!(uid))
        .await
        .expect_empty(200);

    let feed = app.activity(pid).await;
    let mine: Vec<&Value> = feed
        .iter()
        .rev()
        .filter(|c| c["entityKind"] == "project")
        .collect();
    let names: Vec<&str> = mine.iter().map(|c| c["event"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "project.updated",
            "project.updated",
            "project.closed",
            "project.reopened",
            "project.updated"
        ]
    );
    for c in &mine {
        assert_eq!(c["entityId"], pid);
        assert_eq!(c["entity"]["id"], pid);
    }
    assert_eq!(mine[0]["entity"]["name"], "Renamed");
    assert_eq!(mine[1]["entity"]["name"], "Put");
    assert_eq!(mine[1]["entity"]["description"], "d");
    assert!(mine[2]["entity"]["closingDate"].is_string());
    assert!(mine[3]["entity"].get("closingDate").is_none());
    assert_eq!(mine[4]["entity"]["owner"]["id"], uid);
    // The transfer also records the new owner's project user (now admin).
    let transfer = &feed[..feed.len() - before];
    let pu: Vec<&Value> = transfer
        .iter()
        .filter(|c| c["event"] == "projectuser.updated")
        .collect();
    assert_eq!(pu.len(), 1);
    assert_eq!(pu[0]["entityId"], uid);
    assert_eq!(pu[0]["entity"]["user"]["id"], uid);
    assert_eq!(pu[0]["entity"]["isAdmin"], true);
    assert_eq!(pu[0]["entity"]["projectId"], pid);
}

#[tokio::test]
async fn refused_project_writes_record_nothing() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let url = format!("/v0/projects/{pid}");
    app.patch(&url, json!({"name": null})).await.expect(400);
    app.put(&url, json!({"name": "x", "costMetric": "euros"}))
        .await
        .expect(400);
    app.delete(&format!("{url}/closure")).await.expect(409);
    app.put(&format!("{url}/owner"), json!(999))
        .await
        .expect(404);
    let (uid, key) = app.add_user("bob").await;
    app.add_member(pid, uid, json!({})).await;
    app.as_user(&key, "PATCH", &url, Some(json!({"name": "no"})))
        .await
        .expect(403);
    app.as_user(&key, "POST", &format!("{url}/closure"), Some(json!({})))
        .await
        .expect(403);
    assert!(
        own_events(&app, pid).await.is_empty(),
        "{:?}",
        app.events(pid).await
    );
    // Closing twice: one record, the 409 adds none.
    app.post(&format!("{url}/closure"), json!({}))
        .await
        .expect_empty(200);
    app.post(&format!("{url}/closure"), json!({}))
        .await
        .expect(409);
    assert_eq!(own_events(&app, pid).await, ["project.closed"]);
}

#[tokio::test]
async fn board_lifecycle_is_recorded() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let boards = format!("/v0/projects/{pid}/boards");
    let b = app
        .post(&boards, json!({"name": "B", "startDate": "2026-03-01"}))
        .await
        .expect(201);
    let bid = b["boardId"].as_i64().unwrap();
    app.patch(&format!("{boards}/{bid}"), json!({"name": "B2"}))
        .await
        .expect(200);
    app.put(&format!("{boards}/{bid}"), json!({"name": "B3"}))
        .await
        .expect(200);
    app.post(&format!("{boards}/{bid}/closure"), json!({}))
        .await
        .expect_empty(200);
    app.delete(&format!("{boards}/{bid}/closure"))
        .await
        .expect_empty(200);
    // Refused writes record nothing.
    app.post(&boards, json!({"name": ""})).await.expect(400);
    app.patch(
        &format!("{boards}/{bid}"),
        json!({"dueDate": "2020-01-01", "startDate": "2021-01-01"}),
    )
    .await
    .expect(400);
    app.delete(&format!("{boards}/{bid}/closure"))
        .await
        .expect(409);
    app.delete(&format!("{boards}/999")).await.expect(404);

    assert_eq!(
        own_events(&app, pid).await,
        [
            "board.created",
            "board.updated",
            "board.updated",
            "board.closed",
            "board.reopened"
        ]
    );
    let feed = app.activity(pid).await;
    let names = ["B3", "B3", "B3", "B2", "B"];
    for (c, name) in feed.iter().zip(names) {
        assert_eq!(c["entityKind"], "board");
        assert_eq!(c["entityId"], bid);
        assert_eq!(c["entity"]["boardId"], bid);
        assert_eq!(c["entity"]["projectId"], pid);
        assert_eq!(c["entity"]["name"], name);
        assert_eq!(c["user"]["id"], 1);
    }
    assert_eq!(feed[4]["entity"]["startDate"], "2026-03-01T00:00:00.000Z");
    assert!(feed[1]["entity"]["closingDate"].is_string());
    assert!(feed[0]["entity"].get("closingDate").is_none());
    // The entity is the board as its GET returns it.
    let got = app.get(&format!("{boards}/{bid}")).await.expect(200);
    assert_eq!(feed[0]["entity"], got);
}

#[tokio::test]
async fn the_default_board_changes_are_recorded_on_the_project_and_boards() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let project = app.get(&format!("/v0/projects/{pid}")).await.expect(200);
    let first = project["defaultBoardId"].as_i64().unwrap();
    let boards = format!("/v0/projects/{pid}/boards");
    let bid = app.post(&boards, json!({"name": "B"})).await.expect(201)["boardId"]
        .as_i64()
        .unwrap();
    app.post(&format!("{boards}/default"), json!(bid))
        .await
        .expect_empty(200);
    let feed = app.activity(pid).await;
    assert_eq!(feed[2]["event"], "project.updated");
    assert_eq!(feed[2]["entity"]["defaultBoardId"], bid);
    // Both boards whose `isDefault` changed, in id order: the former default, then the new one.
    assert_eq!(feed[1]["event"], "board.updated");
    assert_eq!(feed[1]["entityId"], first);
    assert_eq!(feed[1]["entity"]["isDefault"], false);
    assert_eq!(feed[0]["event"], "board.updated");
    assert_eq!(feed[0]["entityId"], bid);
    assert_eq!(feed[0]["entity"]["isDefault"], true);
    // Setting it again changes nothing and records nothing.
    app.post(&format!("{boards}/default"), json!(bid))
        .await
        .expect_empty(200);
    assert_eq!(app.activity(pid).await.len(), feed.len());
    // Closing the default board also clears the project's default.
    app.post(&format!("{boards}/{bid}/closure"), json!({}))
        .await
        .expect_empty(200);
    let feed = app.activity(pid).await;
    assert_eq!(feed[1]["event"], "board.closed");
    assert_eq!(feed[1]["entity"]["isDefault"], false);
    assert_eq!(feed[0]["event"], "project.updated");
    assert!(feed[0]["entity"].get("defaultBoardId").is_none());
    // Clearing when there is none records nothing.
    let n = feed.len();
    app.delete(&format!("{boards}/default"))
        .await
        .expect_empty(200);
    assert_eq!(app.activity(pid).await.len(), n);
}

#[tokio::test]
async fn deleting_a_board_records_each_moved_or_deleted_item() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let boards = format!("/v0/projects/{pid}/boards");
    let items = format!("/v0/projects/{pid}/workitems");
    let mut ids = Vec::new();
    let b1 = app.post(&boards, json!({"name": "B1"})).await.expect(201)["boardId"]
        .as_i64()
        .unwrap();
    for t in ["a", "b"] {
        ids.push(
            app.post(
                &items,
                json!({"title": t, "importanceLevelId": 3, "boardId": b1}),
            )
            .await
            .expect(200)["workItemId"]
                .as_i64()
                .unwrap(),
        );
    }
    let n = app.activity(pid).await.len();
    app.delete(&format!("{boards}/{b1}"))
        .await
        .expect_empty(200);
    let feed = app.activity(pid).await;
    let new: Vec<&Value> = feed[..feed.len() - n].iter().rev().collect();
    let names: Vec<&str> = new.iter().map(|c| c["event"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["workitem.updated", "workitem.updated", "board.deleted"]
    );
    for (c, id) in new.iter().zip(&ids) {
        assert_eq!(c["entityId"], *id);
        assert_eq!(c["entity"]["workItemId"], *id);
        // Moved to the backlog: no board any more, as GET shows it.
        assert!(c["entity"].get("board").is_none());
        let got = app.get(&format!("{items}/{id}")).await.expect(200);
        assert_eq!(c["entity"], got);
    }
    assert_eq!(new[2]["entityId"], b1);
    assert_eq!(new[2]["entity"]["name"], "B1");

    // With removeWorkItems: each item as it was, then the board.
    let b2 = app.post(&boards, json!({"name": "B2"})).await.expect(201)["boardId"]
        .as_i64()
        .unwrap();
    let gone = app
        .post(
            &items,
            json!({"title": "c", "importanceLevelId": 3, "boardId": b2}),
        )
        .await
        .expect(200)["workItemId"]
        .as_i64()
        .unwrap();
    let n = app.activity(pid).await.len();
    app.delete(&format!("{boards}/{b2}?removeWorkItems=true"))
        .await
        .expect_empty(200);
    let feed = app.activity(pid).await;
    let new: Vec<&Value> = feed[..feed.len() - n].iter().rev().collect();
    let names: Vec<&str> = new.iter().map(|c| c["event"].as_str().unwrap()).collect();
    assert_eq!(names, ["workitem.deleted", "board.deleted"]);
    assert_eq!(new[0]["entityId"], gone);
    assert_eq!(new[0]["entity"]["title"], "c");
    assert_eq!(new[0]["entity"]["board"]["boardId"], b2);
}

#[tokio::test]
async fn milestone_lifecycle_and_deletes_are_recorded() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let ms = format!("/v0/projects/{pid}/milestones");
    let boards = format!("/v0/projects/{pid}/boards");
    let mid = app.post(&ms, json!({"name": "M"})).await.expect(201)["milestoneId"]
        .as_i64()
        .unwrap();
    app.patch(&format!("{ms}/{mid}"), json!({"generalInfo": "g"}))
        .await
        .expect(200);
    app.put(&format!("{ms}/{mid}"), json!({"name": "M2"}))
        .await
        .expect(200);
    app.post(&format!("{ms}/{mid}/closure"), json!({}))
        .await
        .expect_empty(200);
    // A closed milestone refuses edits, and records nothing for them.
    app.patch(&format!("{ms}/{mid}"), json!({"name": "no"}))
        .await
        .expect(403);
    app.post(&format!("{ms}/{mid}/closure"), json!({}))
        .await
        .expect(409);
    app.delete(&format!("{ms}/{mid}/closure"))
        .await
        .expect_empty(200);
    app.post(&ms, json!({"name": " "})).await.expect(400);
    assert_eq!(
        own_events(&app, pid).await,
        [
            "milestone.created",
            "milestone.updated",
            "milestone.updated",
            "milestone.closed",
            "milestone.reopened"
        ]
    );
    let feed = app.activity(pid).await;
    for c in &feed {
        assert_eq!(c["entityKind"], "milestone");
        assert_eq!(c["entityId"], mid);
        assert_eq!(c["entity"]["milestoneId"], mid);
        assert!(c["entity"]["boards"].is_array());
    }
    assert_eq!(feed[4]["entity"]["name"], "M");
    assert_eq!(feed[3]["entity"]["generalInfo"], "g");
    assert_eq!(feed[2]["entity"]["name"], "M2");
    assert!(feed[1]["entity"]["closingDate"].is_string());
    let got = app.get(&format!("{ms}/{mid}")).await.expect(200);
    assert_eq!(feed[0]["entity"], got);

    // Deleting it keeps its board, which loses its milestone (board.updated), then the
    // milestone as it was.
    let bid = app
        .post(&boards, json!({"name": "B", "milestoneId": mid}))
        .await
        .expect(201)["boardId"]
        .as_i64()
        .unwrap();
    app.delete(&format!("{ms}/{mid}")).await.expect_empty(200);
    let feed = app.activity(pid).await;
    assert_eq!(feed[2]["event"], "board.created");
    assert_eq!(feed[1]["event"], "board.updated");
    assert_eq!(feed[1]["entityId"], bid);
    assert!(feed[1]["entity"].get("milestoneId").is_none());
    assert_eq!(feed[0]["event"], "milestone.deleted");
    assert_eq!(feed[0]["entityId"], mid);
    assert_eq!(feed[0]["entity"]["boards"][0]["boardId"], bid);
}

#[tokio::test]
async fn deleting_a_milestone_with_its_boards_and_items_records_each() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let ms = format!("/v0/projects/{pid}/milestones");
    let mid = app.post(&ms, json!({"name": "M"})).await.expect(201)["milestoneId"]
        .as_i64()
        .unwrap();
    let bid = app
        .post(
            &format!("/v0/projects/{pid}/boards"),
            json!({"name": "B", "milestoneId": mid}),
        )
        .await
        .expect(201)["boardId"]
        .as_i64()
        .unwrap();
    let wid = app
        .post(
            &format!("/v0/projects/{pid}/workitems"),
            json!({"title": "w", "importanceLevelId": 3, "boardId": bid}),
        )
        .await
        .expect(200)["workItemId"]
        .as_i64()
        .unwrap();
    // Refused: a member who is not an admin; nothing recorded.
    let (uid, key) = app.add_user("m").await;
    app.add_member(pid, uid, json!({})).await;
    let n2 = app.activity(pid).await.len();
    app.as_user(
        &key,
        "DELETE",
        &format!("{ms}/{mid}?deleteBoards=true"),
        None,
    )
    .await
    .expect(403);
    assert_eq!(app.activity(pid).await.len(), n2);

    app.delete(&format!(
        "{ms}/{mid}?deleteBoards=true&deleteWorkItems=true"
    ))
    .await
    .expect_empty(200);
    let feed = app.activity(pid).await;
    let new: Vec<&Value> = feed[..feed.len() - n2].iter().rev().collect();
    let names: Vec<&str> = new.iter().map(|c| c["event"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["workitem.deleted", "board.deleted", "milestone.deleted"]
    );
    assert_eq!(new[0]["entityId"], wid);
    assert_eq!(new[0]["entity"]["title"], "w");
    assert_eq!(new[1]["entityId"], bid);
    assert_eq!(new[2]["entityId"], mid);
    app.get(&format!("/v0/projects/{pid}/workitems/{wid}"))
        .await
        .expect(404);
}
