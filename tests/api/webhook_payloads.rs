//! Every event family reaches a real receiver in HacknPlan's shape (BEHAVIOUR.md §6): the entity
//! itself in PascalCase, no envelope, `X-HacknPlan-Event` naming it, in the order of the log.

use std::time::Duration;

use questlog::changes::dispatch::{DispatchSettings, parse_delays};
use questlog::http::HttpSettings;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_config};
use crate::receiver::Receiver;

/// The value at a dotted path (`User.User.Name`, `AssignedUsers.0.User.Id`), if present.
fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(v, |v, k| match k.parse::<usize>() {
            Ok(i) => v.get(i),
            Err(_) => v.get(k),
        })
}

/// Every object key, at every depth, starts with a capital letter.
fn all_pascal(v: &Value, path: &str, bad: &mut Vec<String>) {
    let mut stack = vec![(v, path.to_string())];
    while let Some((v, p)) = stack.pop() {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    if !k.starts_with(|c: char| c.is_ascii_uppercase()) {
                        bad.push(format!("{p}.{k}"));
                    }
                    stack.push((v, format!("{p}.{k}")));
                }
            }
            Value::Array(a) => stack.extend(a.iter().map(|v| (v, p.clone()))),
            _ => {}
        }
    }
}

/// The fields §6 (and the reference's objects) promise per event family.
fn promised(event: &str) -> &'static [&'static str] {
    let family = event.rsplit_once('.').map_or(event, |(f, _)| f);
    match family {
        "workitem" => &[
            "ProjectId",
            "WorkItemId",
            "Title",
            "IsStory",
            "Category.CategoryId",
            "Category.Name",
            "Stage.StageId",
            "Stage.Name",
            "Stage.Status",
            "User.Id",
            "User.Username",
            "ImportanceLevel.ImportanceLevelId",
            "ImportanceLevel.Name",
            "EstimatedCost",
        ],
        "workitem.user" => &[
            "ProjectId",
            "WorkItemId",
            "Title",
            "AssignedUsers.0.User.Id",
        ],
        "workitem.comment" => &[
            "ProjectId",
            "WorkItemId",
            "CommentId",
            "Text",
            "User.Id",
            "User.Username",
        ],
        "workitem.subtask" => &[
            "ProjectId",
            "WorkItemId",
            "SubTaskId",
            "Title",
            "IsCompleted",
        ],
        "workitem.worklog" => &["ProjectId", "WorkItemId", "WorkLogId", "Value", "User.Id"],
        "workitem.dependency" => &["WorkItem.WorkItemId", "WorkItem.Title", "IsResolved"],
        "designelement" => &[
            "ProjectId",
            "DesignElementId",
            "Name",
            "User.User.Name",
            "User.User.Id",
        ],
        "designelement.comment" => &[
            "ProjectId",
            "DesignElementId",
            "CommentId",
            "Text",
            "User.Id",
        ],
        "project" => &["Id", "Name"],
        "projectuser" => &["ProjectId", "User.Id", "User.Username"],
        "board" => &["ProjectId", "BoardId", "Name"],
        "milestone" => &["ProjectId", "MilestoneId", "Name"],
        "category" => &["ProjectId", "CategoryId", "Name"],
        "tag" => &["ProjectId", "TagId", "Name"],
        other => panic!("no promised fields for the {other} family"),
    }
}

async fn app() -> TestApp {
    let d = DispatchSettings {
        retry_delays: parse_delays("1s").unwrap(),
        poll_interval: Duration::from_millis(100),
        ..DispatchSettings::default()
    };
    spawn_app_config(HttpSettings::default(), d).await
}

#[tokio::test]
async fn every_event_family_arrives_in_hacknplan_shape_and_in_log_order() {
    let app = app().await;
    let rx = Receiver::start().await;
    let pid = app.project("Payloads").await;
    let all = app.get("/v0/webhookevents").await.expect(200);
    app.post(
        &format!("/v0/projects/{pid}/webhooks"),
        json!({"url": rx.url, "events": all}),
    )
    .await
    .expect(201);
    let p = format!("/v0/projects/{pid}");
    let (ana, _) = app.add_user("ana").await;

    app.patch(&p, json!({"description": "A game"}))
        .await
        .expect(200);
    app.post(&format!("{p}/categories"), json!({"name": "Audio"}))
        .await
        .expect(201);
    app.post(&format!("{p}/tags"), json!({"name": "urgent"}))
        .await
        .expect(201);
    app.post(&format!("{p}/users"), json!({"userId": ana}))
        .await
        .expect(201);
    let ms = app
        .post(&format!("{p}/milestones"), json!({"name": "Alpha"}))
        .await
        .expect(201)["milestoneId"]
        .as_i64()
        .unwrap();
    let board = app
        .post(
            &format!("{p}/boards"),
            json!({"name": "Sprint 1", "milestoneId": ms}),
        )
        .await
        .expect(201)["boardId"]
        .as_i64()
        .unwrap();
    let de = app
        .post(
            &format!("{p}/designelements"),
            json!({"designElementTypeId": 1, "name": "Hero"}),
        )
        .await
        .expect(201)["designElementId"]
        .as_i64()
        .unwrap();
    app.call(
        "POST",
        &format!("{p}/designelements/{de}/comments"),
        Some(&app.key),
        Some(r#""Looks good""#),
    )
    .await
    .expect(201);
    let w1 = app
        .post(
            &format!("{p}/workitems"),
            json!({"title": "Jump", "categoryId": 1, "boardId": board, "assignedUserIds": [ana],
                   "estimatedCost": 2, "importanceLevelId": 3}),
        )
        .await
        .expect(200)["workItemId"]
        .as_i64()
        .unwrap();
    let w2 = app
        .post(
            &format!("{p}/workitems"),
            json!({"title": "Land", "categoryId": 1, "importanceLevelId": 3}),
        )
        .await
        .expect(200)["workItemId"]
        .as_i64()
        .unwrap();
    app.call(
        "POST",
        &format!("{p}/workitems/{w2}/dependencies"),
        Some(&app.key),
        Some(&w1.to_string()),
    )
    .await;
    let st = app
        .call(
            "POST",
            &format!("{p}/workitems/{w1}/subtasks"),
            Some(&app.key),
            Some(r#""Animate""#),
        )
        .await
        .expect(200)["subTaskId"]
        .as_i64()
        .unwrap();
    app.patch(
        &format!("{p}/workitems/{w1}/subtasks/{st}"),
        json!({"isCompleted": true}),
    )
    .await
    .expect(200);
    app.post(
        &format!("{p}/workitems/{w1}/worklogs"),
        json!({"value": 1.5}),
    )
    .await
    .expect(201);
    app.call(
        "POST",
        &format!("{p}/workitems/{w1}/comments"),
        Some(&app.key),
        Some(r#""On it""#),
    )
    .await
    .expect(201);
    app.post(&format!("{p}/boards/{board}/closure"), json!({}))
        .await;

    // Every change of the log reaches the receiver once, in the log's order.
    let log: Vec<Value> = {
        let mut l = app.activity(pid).await;
        l.reverse();
        l
    };
    let hits = rx.wait_for(log.len(), Duration::from_secs(30)).await;
    let sent: Vec<String> = hits.iter().map(|h| h.event()).collect();
    let logged: Vec<String> = log
        .iter()
        .map(|c| c["event"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(sent, logged);
    for family in [
        "project.updated",
        "category.created",
        "tag.created",
        "projectuser.added",
        "milestone.created",
        "board.created",
        "designelement.created",
        "designelement.comment.created",
        "workitem.created",
        "workitem.user.assigned",
        "workitem.dependency.added",
        "workitem.blocked",
        "workitem.subtask.created",
        "workitem.subtask.closed",
        "workitem.worklog.created",
        "workitem.comment.created",
        "board.closed",
    ] {
        assert!(sent.iter().any(|e| e == family), "no {family} in {sent:?}");
    }

    let mut problems = Vec::new();
    for (hit, change) in hits.iter().zip(&log) {
        let event = hit.event();
        let body = hit.json();
        assert_eq!(hit.method, "POST");
        assert_eq!(
            hit.header("content-length").unwrap(),
            hit.body.len().to_string()
        );
        all_pascal(&body, &event, &mut problems);
        for path in promised(&event) {
            if at(&body, path).is_none_or(Value::is_null) {
                problems.push(format!("{event}: no {path} in {body}"));
            }
        }
        // No envelope: the entity itself, the same values the log holds.
        assert!(body.get("Event").is_none() && body.get("Entity").is_none());
        if let Some(id) = change["entity"].get("workItemId") {
            assert_eq!(body["WorkItemId"], *id, "{event}");
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");

    // Spot values: the actor of a design element event is a project user with a name.
    let de_hit = hits
        .iter()
        .find(|h| h.event() == "designelement.created")
        .unwrap();
    assert_eq!(at(&de_hit.json(), "User.User.Name").unwrap(), "Owner");
    assert_eq!(at(&de_hit.json(), "Name").unwrap(), "Hero");
    let assigned = hits
        .iter()
        .find(|h| h.event() == "workitem.user.assigned")
        .unwrap();
    assert_eq!(
        at(&assigned.json(), "AssignedUsers.0.User.Id").unwrap(),
        ana
    );
    let closed = hits
        .iter()
        .find(|h| h.event() == "workitem.subtask.closed")
        .unwrap();
    assert_eq!(closed.json()["IsCompleted"], true);
    let dep = hits
        .iter()
        .find(|h| h.event() == "workitem.dependency.added")
        .unwrap();
    assert_eq!(at(&dep.json(), "WorkItem.WorkItemId").unwrap(), w1);
}
