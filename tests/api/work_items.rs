//! Tests of the work items endpoints.

use questlog::http::auth::Scopes;
use questlog::params;
use questlog::store::Val;
use serde_json::{Value, json};

use crate::helpers::*;

const T0: &str = "2026-01-01T00:00:00.000Z";

async fn exec(app: &TestApp, sql: &str, p: &[Val]) {
    let mut tx = app.db.write().await.unwrap();
    tx.exec(sql, p).await.unwrap();
    tx.commit().await.unwrap();
}

async fn scalar(app: &TestApp, sql: &str, p: &[Val]) -> i64 {
    let mut tx = app.db.read().await.unwrap();
    let (n,): (i64,) = tx.one(sql, p).await.unwrap();
    n
}

async fn board_sql(app: &TestApp, pid: i64, name: &str, milestone: Option<i64>) -> i64 {
    let mut tx = app.db.write().await.unwrap();
    let (id,): (i64,) = tx
        .one(
            "INSERT INTO boards (project_id, milestone_id, name, creation_date, creator_id) \
             VALUES ($1, $2, $3, $4, 1) RETURNING id",
            params![pid, milestone, name, T0],
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn milestone_sql(app: &TestApp, pid: i64, name: &str) -> i64 {
    let mut tx = app.db.write().await.unwrap();
    let (id,): (i64,) = tx
        .one(
            "INSERT INTO milestones (project_id, name, creation_date, creator_id) \
             VALUES ($1, $2, $3, 1) RETURNING id",
            params![pid, name, T0],
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn tag_sql(app: &TestApp, pid: i64, id: i64, name: &str) {
    exec(
        app,
        "INSERT INTO tags (project_id, tag_id, name, display_icon_only, creation_date) \
         VALUES ($1, $2, $3, FALSE, $4)",
        params![pid, id, name, T0],
    )
    .await;
}

async fn element_sql(app: &TestApp, pid: i64, id: i64, name: &str) {
    exec(
        app,
        "INSERT INTO design_elements (project_id, design_element_id, design_element_type_id, name, \
         creation_date, update_date, creator_id) VALUES ($1, $2, 1, $3, $4, $4, 1)",
        params![pid, id, name, T0],
    )
    .await;
}

async fn log_sql(app: &TestApp, pid: i64, item: i64, value: f64) {
    exec(
        app,
        "INSERT INTO work_logs (project_id, work_item_id, user_id, value, date, creation_date) \
         VALUES ($1, $2, 1, $3, $4, $4)",
        params![pid, item, value, T0],
    )
    .await;
}

async fn depend_sql(app: &TestApp, pid: i64, item: i64, on: i64) {
    exec(
        app,
        "INSERT INTO dependencies (project_id, work_item_id, depends_on_id, creation_date) \
         VALUES ($1, $2, $3, $4)",
        params![pid, item, on, T0],
    )
    .await;
}

/// A role with the given category permissions: [(categoryId, canRead, canWrite, canUpdate)].
async fn role_sql(app: &TestApp, pid: i64, role_id: i64, cats: &[(i64, bool, bool, bool)]) {
    let perms = json!({
        "categoryPermissions": cats.iter().map(|(c, r, w, u)|
            json!({"categoryId": c, "canRead": r, "canWrite": w, "canUpdate": u})).collect::<Vec<_>>(),
        "gameDesignModelPermissions": {"canRead": true, "canWrite": true}
    });
    exec(
        app,
        "INSERT INTO roles (project_id, role_id, name, is_admin, permissions, creation_date) \
         VALUES ($1, $2, 'Role', FALSE, $3, $4)",
        params![pid, role_id, perms.to_string(), T0],
    )
    .await;
}

fn items_path(pid: i64) -> String {
    format!("/v0/projects/{pid}/workitems")
}

fn item_path(pid: i64, id: i64) -> String {
    format!("/v0/projects/{pid}/workitems/{id}")
}

async fn create(app: &TestApp, pid: i64, body: Value) -> Value {
    app.post(&items_path(pid), body).await.expect(200)
}

async fn task(app: &TestApp, pid: i64, title: &str) -> i64 {
    create(app, pid, json!({"title": title, "importanceLevelId": 3})).await["workItemId"]
        .as_i64()
        .unwrap()
}

async fn search(app: &TestApp, pid: i64, query: &str) -> Value {
    app.get(&format!("{}?{query}", items_path(pid)))
        .await
        .expect(200)
}

/// The work-item ids of a page, in order.
pub(crate) fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["workItemId"].as_i64().unwrap())
        .collect()
}

async fn count_items(app: &TestApp, pid: i64) -> i64 {
    scalar(
        app,
        "SELECT COUNT(*) FROM work_items WHERE project_id = $1",
        params![pid],
    )
    .await
}

#[tokio::test]
async fn create_returns_the_full_item_with_defaults() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    let item = create(
        &app,
        pid,
        json!({"title": " Jump ", "importanceLevelId": 2}),
    )
    .await;
    assert_eq!(item["projectId"], pid);
    assert_eq!(item["workItemId"], 1);
    assert_eq!(item["title"], "Jump");
    assert_eq!(item["isStory"], false);
    assert_eq!(item["category"]["categoryId"], 1);
    assert_eq!(item["category"]["name"], "Programming");
    assert_eq!(item["stage"]["stageId"], 1);
    assert_eq!(item["stage"]["name"], "Planned");
    assert_eq!(item["stage"]["status"], "created");
    assert_eq!(item["importanceLevel"]["importanceLevelId"], 2);
    assert_eq!(item["importanceLevel"]["name"], "High");
    assert_eq!(item["estimatedCost"], json!(0));
    assert!(item["estimatedCost"].is_i64(), "whole costs are integers");
    assert_eq!(item["loggedCost"], json!(0));
    assert_eq!(item["storyTasksEstimatedCost"], json!(0));
    assert_eq!(item["storyTasksLoggedCost"], json!(0));
    assert_eq!(item["boardIndex"], 0);
    assert_eq!(item["designElementIndex"], 0);
    assert_eq!(item["user"]["id"], 1);
    assert_eq!(item["user"]["username"], "owner");
    assert_eq!(item["assignedUsers"], json!([]));
    assert_eq!(item["tags"], json!([]));
    assert_eq!(item["hasDependencies"], false);
    assert_eq!(item["isBlocked"], false);
    assert_eq!(item["updateDate"], item["creationDate"]);
    for absent in [
        "board",
        "description",
        "parentStoryId",
        "designElement",
        "startDate",
        "dueDate",
        "closingDate",
        "picture",
    ] {
        assert!(item.get(absent).is_none(), "{absent} should be omitted");
    }
    let got = app.get(&item_path(pid, 1)).await.expect(200);
    assert_eq!(got, item);
    // Ids are per project.
    let other = app.project("Other").await;
    assert_eq!(task(&app, other, "A").await, 1);
    assert_eq!(task(&app, pid, "B").await, 2);
}

#[tokio::test]
async fn create_with_every_field() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    let (ana, _) = app.add_user("ana").await;
    app.add_member_sql(pid, ana, false, false, None).await;
    let board = board_sql(&app, pid, "Sprint 2", None).await;
    tag_sql(&app, pid, 1, "ui").await;
    tag_sql(&app, pid, 2, "net").await;
    element_sql(&app, pid, 1, "Hero").await;
    let story = create(
        &app,
        pid,
        json!({"title": "Story", "isStory": true, "importanceLevelId": 3, "categoryId": 2}),
    )
    .await;
    assert_eq!(
        story["category"],
        json!({"projectId": pid, "categoryId": -1, "name": "User story", "creationDate": story["creationDate"]})
    );
    let dep = task(&app, pid, "Dep").await;
    let item = app
        .post(
            &format!("{}?boardId=999", items_path(pid)),
            json!({"title": "Full", "description": "All of it", "importanceLevelId": 1,
                   "categoryId": 2, "estimatedCost": 2.5, "boardId": board, "designElementId": 1,
                   "parentId": story["workItemId"], "startDate": "2026-04-01",
                   "dueDate": "2026-04-02T10:00:00Z", "assignedUserIds": [ana, 1, ana],
                   "tagIds": [2, 1], "subTasks": ["one", "two"], "dependencyIds": [dep],
                   "milestoneId": 77, "stageId": 4}),
        )
        .await
        .expect(200);
    assert_eq!(item["workItemId"], 3);
    assert_eq!(item["description"], "All of it");
    assert_eq!(item["category"]["name"], "Art");
    assert_eq!(item["estimatedCost"], json!(2.5));
    assert_eq!(item["board"]["boardId"], board);
    assert_eq!(item["board"]["name"], "Sprint 2");
    assert_eq!(item["board"]["isDefault"], false);
    assert_eq!(item["board"]["creator"]["id"], 1);
    assert_eq!(item["designElement"]["designElementId"], 1);
    assert_eq!(item["designElement"]["name"], "Hero");
    assert_eq!(item["designElement"]["type"]["name"], "Chapter");
    assert_eq!(item["parentStoryId"], story["workItemId"]);
    assert_eq!(item["startDate"], "2026-04-01T00:00:00.000Z");
    assert_eq!(item["dueDate"], "2026-04-02T10:00:00.000Z");
    assert_eq!(item["stage"]["stageId"], 1, "stageId is ignored on create");
    let users: Vec<i64> = item["assignedUsers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["user"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(users, vec![1, ana], "deduplicated, by user id");
    assert_eq!(item["assignedUsers"][1]["projectId"], pid);
    assert_eq!(item["assignedUsers"][1]["user"]["username"], "ana");
    assert_eq!(item["assignedUsers"][1]["isAdmin"], false);
    let tags: Vec<&str> = item["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(tags, vec!["ui", "net"]);
    assert_eq!(item["hasDependencies"], true);
    assert_eq!(item["isBlocked"], true);
    let subs: Vec<(i64, String, bool)> = {
        let mut tx = app.db.read().await.unwrap();
        tx.all(
            "SELECT sub_task_id, title, is_completed FROM sub_tasks WHERE project_id = $1 AND work_item_id = 3 ORDER BY 1",
            params![pid],
        )
        .await
        .unwrap()
    };
    assert_eq!(
        subs,
        vec![(1, "one".into(), false), (2, "two".into(), false)]
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT last_sub_task_id FROM work_items WHERE project_id = $1 AND work_item_id = 3",
            params![pid]
        )
        .await,
        2
    );
    // Assignees of a task are assigned to its story too.
    let story = app
        .get(&item_path(pid, story["workItemId"].as_i64().unwrap()))
        .await
        .expect(200);
    assert_eq!(story["assignedUsers"].as_array().unwrap().len(), 2);
    // The query boardId is used when the body has none; 0 means the backlog.
    let q = app
        .post(
            &format!("{}?boardId={board}", items_path(pid)),
            json!({"title": "Q", "importanceLevelId": 3}),
        )
        .await
        .expect(200);
    assert_eq!(q["board"]["boardId"], board);
    assert_eq!(q["boardIndex"], 1, "new items go to the end of the board");
    let q = app
        .post(
            &format!("{}?boardId={board}", items_path(pid)),
            json!({"title": "Q", "importanceLevelId": 3, "boardId": 0}),
        )
        .await
        .expect(200);
    assert!(q.get("board").is_none());
}

#[tokio::test]
async fn create_rejects_bad_input_and_writes_nothing() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    let other = app.project("Other").await;
    tag_sql(&app, other, 1, "foreign").await;
    let foreign_board = board_sql(&app, other, "B", None).await;
    let not_story = task(&app, pid, "Task").await;
    let (stranger, _) = app.add_user("stranger").await;
    let path = items_path(pid);
    for body in ["", "{", "[]", "\"x\"", r#"{"title": "x"}"#] {
        let r = app.call("POST", &path, Some(&app.key), Some(body)).await;
        assert_eq!(r.expect(400)["message"], "Invalid values object.", "{body}");
    }
    let wrong_types = [
        json!({"title": 5, "importanceLevelId": 3}),
        json!({"title": "x", "importanceLevelId": "high"}),
        json!({"title": "x", "importanceLevelId": 3, "tagIds": "1"}),
        json!({"title": "x", "importanceLevelId": 3, "estimatedCost": "2"}),
    ];
    for body in wrong_types {
        app.post(&path, body).await.expect(400);
    }
    let cases = [
        (json!({"title": "", "importanceLevelId": 3}), "title"),
        (
            json!({"title": "x".repeat(300), "importanceLevelId": 3}),
            "title",
        ),
        (json!({"title": "a\u{0}b", "importanceLevelId": 3}), "title"),
        (
            json!({"title": "x", "importanceLevelId": 9}),
            "importanceLevelId",
        ),
        (
            json!({"title": "x", "importanceLevelId": 3, "categoryId": 99}),
            "categoryId",
        ),
        (
            json!({"title": "x", "importanceLevelId": 3, "estimatedCost": -1}),
            "estimatedCost",
        ),
        (
            json!({"title": "x", "importanceLevelId": 3, "estimatedCost": 1e300}),
            "estimatedCost",
        ),
        (
            json!({"title": "x", "importanceLevelId": 3, "boardId": 999}),
            "boardId",
        ),
        (
            json!({"title": "x", "importanceLevelId": 3, "boardId": foreign_board}),
            "boardId",
        ),
        (
            json!({"title": "x", "importanceLevelId": 3, "tagIds": [1]}),
            "tagIds",
        ),
        (
            json!({"title": "x", "importanceLevelId": 3, "assignedUserIds": [stranger]}),
            "assignedUserIds",
        ),
        (
            json!({"title": "x", "importanceLevelId": 3, "parentId": not_story}),
            "parentId",
        ),
        (
            json!({"title": "x", "importanceLevelId": 3, "parentId": 99}),
            "parentId",
        ),
        (
            json!({"title": "x", "importanceLevelId": 3, "dependencyIds": [99]}),
            "dependencyIds",
        ),
        (
            json!({"title": "x", "importanceLevelId": 3, "designElementId": 1}),
            "designElementId",
        ),
        (
            json!({"title": "x", "importanceLevelId": 3, "dueDate": "soon"}),
            "dueDate",
        ),
        (
            json!({"title": "x", "importanceLevelId": 3, "subTasks": [""]}),
            "subTasks",
        ),
        (
            json!({"title": "x", "importanceLevelId": 3, "description": "a\u{0}"}),
            "description",
        ),
    ];
    for (body, field) in cases {
        let r = app.post(&path, body.clone()).await.expect(400);
        assert_eq!(r["message"], "The request is invalid.", "{body}");
        assert!(r["modelState"][field].is_array(), "{field}: {r}");
    }
    assert_eq!(count_items(&app, pid).await, 1);
    assert_eq!(
        ids(&search(&app, pid, "searchTerms=x").await),
        Vec::<i64>::new(),
        "no failed create reached the search index"
    );
    // The next item still gets the next id (failed creates consumed none).
    assert_eq!(task(&app, pid, "Next").await, 2);
    // Unknown project → 404; path ids that are not numbers → 404.
    app.post(
        "/v0/projects/999/workitems",
        json!({"title": "x", "importanceLevelId": 3}),
    )
    .await
    .expect_empty(404);
    app.get("/v0/projects/abc/workitems/1")
        .await
        .expect_empty(404);
    app.get(&item_path(pid, 99)).await.expect_empty(404);
    app.get(&item_path(other, 1)).await.expect_empty(404);
}

#[tokio::test]
async fn force_flags_make_fields_required() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    app.patch(
        &format!("/v0/projects/{pid}"),
        json!({"moduleConfig": {"forceWorkItemDesignElement": true, "forceWorkItemBoard": true,
               "forceWorkItemEstimatedCost": true, "forceWorkItemDueDate": true,
               "forceWorkItemDescription": true, "forceWorkItemUser": true, "forceWorkItemTag": true}}),
    )
    .await
    .expect(200);
    let r = app
        .post(
            &items_path(pid),
            json!({"title": "x", "importanceLevelId": 3}),
        )
        .await
        .expect(400);
    let state = r["modelState"].as_object().unwrap();
    let mut keys: Vec<&str> = state.keys().map(|k| k.as_str()).collect();
    keys.sort();
    assert_eq!(
        keys,
        vec![
            "assignedUserIds",
            "boardId",
            "description",
            "designElementId",
            "dueDate",
            "estimatedCost",
            "tagIds"
        ]
    );
    tag_sql(&app, pid, 1, "t").await;
    element_sql(&app, pid, 1, "E").await;
    let board = board_sql(&app, pid, "B", None).await;
    let item = create(
        &app,
        pid,
        json!({"title": "x", "importanceLevelId": 3, "designElementId": 1, "boardId": board,
               "estimatedCost": 3, "dueDate": "2026-05-01", "description": "d",
               "assignedUserIds": [1], "tagIds": [1]}),
    )
    .await;
    assert_eq!(item["estimatedCost"], 3);
    assert_eq!(count_items(&app, pid).await, 1);
}

/// A sprint, end to end: a story with tasks, work logged, stages moved.
#[tokio::test]
async fn a_sprint_story_end_to_end() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    let board = board_sql(&app, pid, "Sprint 2", None).await;
    let story = create(
        &app,
        pid,
        json!({"title": "As a player I jump", "isStory": true, "importanceLevelId": 2, "boardId": board}),
    )
    .await;
    let sid = story["workItemId"].as_i64().unwrap();
    assert!(story.get("parentStoryId").is_none());
    let mut tasks = vec![];
    for (title, cost) in [("Input", 2.0), ("Physics", 5.5), ("Anim", 3.0)] {
        let t = create(
            &app,
            pid,
            json!({"title": title, "importanceLevelId": 3, "parentId": sid, "estimatedCost": cost, "boardId": board}),
        )
        .await;
        assert_eq!(t["parentStoryId"], sid);
        tasks.push(t["workItemId"].as_i64().unwrap());
    }
    assert_eq!(
        ids(&search(&app, pid, &format!("boardId={board}")).await),
        vec![sid, tasks[0], tasks[1], tasks[2]]
    );
    log_sql(&app, pid, tasks[0], 1.5).await;
    log_sql(&app, pid, tasks[0], 0.5).await;
    log_sql(&app, pid, tasks[1], 4.0).await;
    let s = app.get(&item_path(pid, sid)).await.expect(200);
    assert_eq!(s["storyTasksEstimatedCost"], json!(10.5));
    assert_eq!(s["storyTasksLoggedCost"], json!(6));
    assert_eq!(s["loggedCost"], json!(0));
    let t0 = app.get(&item_path(pid, tasks[0])).await.expect(200);
    assert_eq!(t0["loggedCost"], json!(2));
    assert_eq!(t0["storyTasksEstimatedCost"], json!(0));

    // In progress, then done: closingDate appears; reopening clears it.
    let t = app
        .patch(&item_path(pid, tasks[0]), json!({"stageId": 2}))
        .await
        .expect(200);
    assert_eq!(t["stage"]["name"], "In progress");
    assert!(t.get("closingDate").is_none());
    assert!(t["updateDate"].as_str().unwrap() >= t0["updateDate"].as_str().unwrap());
    let done = app
        .patch(&item_path(pid, tasks[0]), json!({"stageId": 4}))
        .await
        .expect(200);
    assert_eq!(done["stage"]["status"], "closed");
    let closed_at = done["closingDate"].as_str().unwrap().to_string();
    assert!(closed_at.ends_with('Z') && closed_at.len() == 24);
    // Staying in a closed stage keeps the date.
    let again = app
        .patch(&item_path(pid, tasks[0]), json!({"title": "Input done"}))
        .await
        .expect(200);
    assert_eq!(again["closingDate"], closed_at.as_str());
    let reopened = app
        .patch(&item_path(pid, tasks[0]), json!({"stageId": 3}))
        .await
        .expect(200);
    assert!(reopened.get("closingDate").is_none());
    app.patch(&item_path(pid, tasks[0]), json!({"stageId": 4}))
        .await
        .expect(200);
    // The story's roll-ups follow estimate changes; finished tasks show in the stage filter.
    app.patch(&item_path(pid, tasks[2]), json!({"estimatedCost": 1}))
        .await
        .expect(200);
    let s = app.get(&item_path(pid, sid)).await.expect(200);
    assert_eq!(s["storyTasksEstimatedCost"], json!(8.5));
    assert_eq!(ids(&search(&app, pid, "stageId=4").await), vec![tasks[0]]);
    assert_eq!(
        ids(&search(&app, pid, &format!("parentStoryId={sid}")).await),
        tasks
    );
    // Moving a task out of the story takes it out of the roll-up.
    app.patch(&item_path(pid, tasks[1]), json!({"parentId": null}))
        .await
        .expect(200);
    let s = app.get(&item_path(pid, sid)).await.expect(200);
    assert_eq!(s["storyTasksEstimatedCost"], json!(3));
    assert_eq!(s["storyTasksLoggedCost"], json!(2));
}

#[tokio::test]
async fn search_filters() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    let (ana, _) = app.add_user("ana").await;
    app.add_member_sql(pid, ana, false, false, None).await;
    let ms = milestone_sql(&app, pid, "Alpha").await;
    let b1 = board_sql(&app, pid, "On milestone", Some(ms)).await;
    let b2 = board_sql(&app, pid, "Other", None).await;
    element_sql(&app, pid, 1, "Hero").await;
    let story = create(
        &app,
        pid,
        json!({"title": "S", "isStory": true, "importanceLevelId": 3}),
    )
    .await["workItemId"]
        .as_i64()
        .unwrap(); // 1: backlog
    let i2 = create(
        &app,
        pid,
        json!({"title": "A", "importanceLevelId": 1, "boardId": b1, "categoryId": 2,
               "assignedUserIds": [ana], "designElementId": 1, "parentId": story}),
    )
    .await["workItemId"]
        .as_i64()
        .unwrap();
    let i3 = create(
        &app,
        pid,
        json!({"title": "B", "importanceLevelId": 2, "boardId": b2, "categoryId": 2}),
    )
    .await["workItemId"]
        .as_i64()
        .unwrap();
    let i4 = task(&app, pid, "C").await; // backlog, category 1
    app.patch(&item_path(pid, i4), json!({"stageId": 3}))
        .await
        .expect(200);

    let cases: Vec<(String, Vec<i64>)> = vec![
        (String::new(), vec![story, i2, i3, i4]),
        ("boardId=0".into(), vec![story, i4]),
        (format!("boardId={b1}"), vec![i2]),
        (format!("boardId={b2}"), vec![i3]),
        (format!("milestoneId={ms}"), vec![i2]),
        ("categoryId=2".into(), vec![i2, i3]),
        ("categoryId=1".into(), vec![i4]),
        ("categoryId=-1".into(), vec![story]),
        (format!("userId={ana}"), vec![story, i2]),
        ("userId=1".into(), vec![]),
        ("designElementId=1".into(), vec![i2]),
        ("designElementId=0".into(), vec![story, i3, i4]),
        ("stageId=3".into(), vec![i4]),
        ("stageId=1".into(), vec![story, i2, i3]),
        ("importanceLevelId=1".into(), vec![i2]),
        ("importanceLevelId=3".into(), vec![story, i4]),
        (format!("parentStoryId={story}"), vec![i2]),
        ("parentStoryId=0".into(), vec![story, i3, i4]),
        (format!("categoryId=2&boardId={b1}"), vec![i2]),
        ("boardId=999".into(), vec![]),
    ];
    for (q, want) in cases {
        let page = search(&app, pid, &q).await;
        assert_eq!(ids(&page), want, "query {q}");
        assert_eq!(page["totalCount"], want.len() as i64, "query {q}");
    }
    for bad in [
        "boardId=x",
        "sortField=size",
        "sortMode=up",
        "offset=-1",
        "limit=0",
        "limit=101",
    ] {
        app.get(&format!("{}?{bad}", items_path(pid)))
            .await
            .expect(400);
    }
    let r = app
        .get(&format!("{}?limit=0", items_path(pid)))
        .await
        .expect(400);
    assert_eq!(r["message"], "Invalid offset and limit values.");
    app.get("/v0/projects/999/workitems")
        .await
        .expect_empty(404);
}

#[tokio::test]
async fn search_sorts_by_every_field_both_ways() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    let b1 = board_sql(&app, pid, "B1", None).await;
    let b2 = board_sql(&app, pid, "B2", None).await;
    element_sql(&app, pid, 1, "Zed").await;
    element_sql(&app, pid, 2, "alpha").await;
    // id: title, due, board, element, category, importance
    let specs = [
        ("banana", Some("2026-03-01"), Some(b2), Some(2), 3, 2),
        ("Apple", None, None, Some(1), 1, 4),
        ("cherry", Some("2026-01-01"), Some(b1), None, 2, 1),
    ];
    for (title, due, board, de, cat, il) in specs {
        create(
            &app,
            pid,
            json!({"title": title, "dueDate": due, "boardId": board, "designElementId": de,
                   "categoryId": cat, "importanceLevelId": il}),
        )
        .await;
    }
    // Stage: item 1 → Testing (order 3), item 2 → Completed (4), item 3 stays Planned (1).
    app.patch(&item_path(pid, 1), json!({"stageId": 3}))
        .await
        .expect(200);
    app.patch(&item_path(pid, 2), json!({"stageId": 4}))
        .await
        .expect(200);
    // Update dates: touch 3 last.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    app.patch(&item_path(pid, 3), json!({"description": "x"}))
        .await
        .expect(200);
    let cases: [(&str, Vec<i64>); 12] = [
        ("id", vec![1, 2, 3]),
        ("ID", vec![1, 2, 3]),
        ("name", vec![2, 1, 3]),
        ("title", vec![2, 1, 3]),
        ("duedate", vec![3, 1, 2]),
        ("updatedate", vec![1, 2, 3]),
        ("closingdate", vec![2, 1, 3]),
        ("board", vec![3, 1, 2]),
        ("designelement", vec![1, 2, 3]),
        ("stage", vec![3, 1, 2]),
        ("category", vec![3, 1, 2]),
        ("importancelevel", vec![3, 1, 2]),
    ];
    for (field, asc) in cases {
        let got = ids(&search(&app, pid, &format!("sortField={field}")).await);
        assert_eq!(got, asc, "{field} asc (default)");
        let got = ids(&search(&app, pid, &format!("sortField={field}&sortMode=ASC")).await);
        assert_eq!(got, asc, "{field} asc");
        let mut desc = asc.clone();
        desc.reverse();
        let got = ids(&search(&app, pid, &format!("sortField={field}&sortMode=Desc")).await);
        assert_eq!(got, desc, "{field} desc");
    }
}

#[tokio::test]
async fn search_pages() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    for i in 0..25 {
        app.work_item_sql(pid, &format!("Item {i}")).await;
    }
    let p = search(&app, pid, "").await;
    assert_eq!(p["totalCount"], 25);
    assert_eq!(p["offset"], 0);
    assert_eq!(p["limit"], 20);
    assert_eq!(ids(&p), (1..=20).collect::<Vec<_>>());
    let p = search(&app, pid, "offset=20").await;
    assert_eq!(ids(&p), (21..=25).collect::<Vec<_>>());
    assert_eq!(p["totalCount"], 25);
    let p = search(&app, pid, "offset=25").await;
    assert_eq!(p["items"], json!([]));
    assert_eq!(p["totalCount"], 25);
    let p = search(&app, pid, "offset=1000&limit=100").await;
    assert_eq!(p["items"], json!([]));
    let p = search(&app, pid, "offset=3&limit=1&sortMode=desc").await;
    assert_eq!(ids(&p), vec![22]);
    assert_eq!(p["limit"], 1);
    assert_eq!(p["offset"], 3);
    let p = search(&app, pid, "limit=100").await;
    assert_eq!(ids(&p).len(), 25);
    // A page nests the same objects as single GETs.
    let one = app.get(&item_path(pid, 5)).await.expect(200);
    assert_eq!(p["items"][4], one);
}

#[tokio::test]
async fn search_terms() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    let items = [
        ("Double jump", Some("The hero jumps TWICE in mid-air")),
        ("Swim", Some("Water physics; 100% wet")),
        ("JUMPING puzzles", None),
        ("Menu_Music", Some("Ünïcode théme")),
        ("ÄRGER", None),
    ];
    for (title, desc) in items {
        create(
            &app,
            pid,
            json!({"title": title, "description": desc, "importanceLevelId": 3}),
        )
        .await;
    }
    let cases: [(&str, Vec<i64>); 19] = [
        ("jump", vec![1, 3]),
        ("JUMP", vec![1, 3]),
        ("jumping", vec![3]),
        ("jump twice", vec![1]),
        ("twice+jump", vec![1]),
        ("hero", vec![1]),
        ("mid-air", vec![1]),
        ("air", vec![1]),
        ("double swim", vec![]),
        ("ump", vec![]),
        ("zebra", vec![]),
        ("100%", vec![2]),
        ("menu_music", vec![4]),
        ("menu%music", vec![]),
        ("théme", vec![4]),
        ("ärger", vec![5]),
        ("ÄRG", vec![5]),
        ("ünïcode", vec![4]),
        ("  ", vec![1, 2, 3, 4, 5]),
    ];
    for (terms, want) in cases {
        let q = format!(
            "searchTerms={}",
            terms.replace('%', "%25").replace(['+', ' '], "%20")
        );
        let page = search(&app, pid, &q).await;
        assert_eq!(ids(&page), want, "terms {terms:?}");
        assert_eq!(page["totalCount"], want.len() as i64);
    }
    // Edits re-index: the old words no longer match, the new ones do.
    app.patch(
        &item_path(pid, 2),
        json!({"title": "Dive", "description": null}),
    )
    .await
    .expect(200);
    assert!(ids(&search(&app, pid, "searchTerms=swim").await).is_empty());
    assert_eq!(ids(&search(&app, pid, "searchTerms=div").await), vec![2]);
    // Combined with a filter.
    assert!(ids(&search(&app, pid, "searchTerms=jump&stageId=2").await).is_empty());
}

/// Every byte of a query value percent-encoded (the test sends raw search strings).
fn enc(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// Issue 11: the search runs on the database's full-text index, but what a user types is only
/// ever words: query syntax of FTS5 or tsquery is matched as text (a 200, never a 5xx).
#[tokio::test]
async fn search_input_is_never_query_syntax() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    for (title, desc) in [
        ("Jump AND run", Some("near the NEAR wall: not OR")),
        ("Quote \"jump\" star*", Some("a-b c:d 'x' \\y")),
        ("猫 jumps", Some("emoji 🎮 résumé")),
    ] {
        create(
            &app,
            pid,
            json!({"title": title, "description": desc, "importanceLevelId": 3}),
        )
        .await;
    }
    let cases: &[(&str, &[i64])] = &[
        // A term without a word is matched as text (as every term that is more than one word).
        ("\"", &[2]),
        ("*", &[2]),
        ("\"jump\"", &[2]),
        ("jump*", &[]),
        ("star*", &[2]),
        ("NEAR", &[1]),
        ("NEAR(jump run)", &[]),
        ("AND", &[1]),
        ("and run", &[1]),
        ("OR", &[1]),
        ("NOT", &[1]),
        ("not jump", &[1]),
        ("-", &[2]),
        ("-jump", &[]),
        ("a-b", &[2]),
        (":", &[1, 2]),
        ("c:d", &[2]),
        ("words:jump", &[]),
        ("'x'", &[2]),
        ("'", &[2]),
        ("\\y", &[2]),
        ("\\", &[2]),
        ("jump:*", &[]),
        ("jump & run", &[]),
        ("jump run", &[1]),
        ("jump | run", &[]),
        ("!jump", &[]),
        ("(jump)", &[]),
        ("^jump", &[]),
        ("{words}:", &[]),
        ("jump <-> run", &[]),
        ("猫", &[3]),
        ("JUMPS 🎮", &[3]),
        ("RÉSUM", &[3]),
        ("resume", &[]),
        ("jump", &[1, 2, 3]),
    ];
    for (terms, want) in cases {
        let page = search(&app, pid, &format!("searchTerms={}", enc(terms))).await;
        assert_eq!(ids(&page), want.to_vec(), "terms {terms:?}");
        assert_eq!(page["totalCount"], want.len() as i64, "terms {terms:?}");
    }
    // 32 words of syntax in one search.
    let many = [
        "AND", "OR", "NOT", "NEAR", "\"", "*", ":", "-", "'", "&", "|", "!",
    ];
    let terms: Vec<String> = (0..32).map(|i| format!("{}w{i}", many[i % 12])).collect();
    let page = search(&app, pid, &format!("searchTerms={}", enc(&terms.join(" ")))).await;
    assert_eq!(page["totalCount"], 0);
    // A word longer than the index keeps (2,000 bytes): found by its start and by itself, not
    // by a longer word that shares the kept start.
    let long = "é".repeat(1100);
    let id = create(
        &app,
        pid,
        json!({"title": "Long", "description": format!("A {long}."), "importanceLevelId": 3}),
    )
    .await["workItemId"]
        .as_i64()
        .unwrap();
    for (q, want) in [
        ("é".repeat(500), vec![id]),
        ("é".repeat(1000), vec![id]),
        ("é".repeat(1024), vec![id]),
        (format!("{}x", "é".repeat(1000)), vec![]),
    ] {
        let page = search(&app, pid, &format!("searchTerms={}", enc(&q))).await;
        assert_eq!(ids(&page), want, "{} characters", q.chars().count());
        assert_eq!(page["totalCount"], want.len() as i64);
    }
}

/// Issue 11: the index follows every write: edits, words removed, deletes; counts agree.
#[tokio::test]
async fn search_index_follows_edits_and_deletes() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    let mut made = Vec::new();
    for i in 1..=30 {
        made.push(task(&app, pid, &format!("Common t{i}")).await);
    }
    let p = search(&app, pid, "searchTerms=common&limit=5&offset=2").await;
    assert_eq!(ids(&p), made[2..7].to_vec());
    assert_eq!(p["totalCount"], 30);
    let p = search(&app, pid, "searchTerms=com+t2&limit=3&sortMode=desc").await;
    assert_eq!(ids(&p), vec![made[28], made[27], made[26]]);
    assert_eq!(p["totalCount"], 11);
    let p = search(
        &app,
        pid,
        "searchTerms=common&sortField=title&sortMode=desc&limit=2",
    )
    .await;
    assert_eq!(ids(&p), vec![made[8], made[7]]);
    // A title with no word leaves the index; a deleted item too.
    app.patch(&item_path(pid, made[0]), json!({"title": "!!!"}))
        .await
        .expect(200);
    app.delete(&item_path(pid, made[1])).await.expect_empty(200);
    let p = search(&app, pid, "searchTerms=common&limit=2").await;
    assert_eq!(ids(&p), made[2..4].to_vec());
    assert_eq!(p["totalCount"], 28);
    // Another project's items are not found, nor counted; a deleted project's items are gone.
    let other = app.project("Other").await;
    let o = task(&app, other, "Common elsewhere").await;
    let p = search(&app, other, "searchTerms=common").await;
    assert_eq!(ids(&p), vec![o]);
    assert_eq!(p["totalCount"], 1);
    app.delete(&format!("/v0/projects/{other}"))
        .await
        .expect_empty(200);
    let third = app.project("Third").await;
    task(&app, third, "Plain").await;
    let p = search(&app, third, "searchTerms=common").await;
    assert_eq!(p["totalCount"], 0);
    assert_eq!(
        search(&app, pid, "searchTerms=common").await["totalCount"],
        28
    );
}

/// Issue 11: a search word is replaced by the indexed words it starts (a vocabulary that only
/// grows); whether it starts none, a few, or more than the replacement takes, the matches and
/// counts are the same as a prefix search, and words that left every item match nothing.
#[tokio::test]
async fn search_prefixes_that_start_many_words() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    let mut made = Vec::new();
    // 40 distinct words starting `alpha` (more than one search word is replaced with).
    for i in 1..=40 {
        made.push(task(&app, pid, &format!("alpha{i} bravo{}", i % 3)).await);
    }
    let cases: [(&str, usize, i64); 9] = [
        ("alpha", 40, made[0]),
        ("alph", 40, made[0]),
        ("alpha1", 11, made[0]),
        ("alpha4", 2, made[3]),
        ("alpha40", 1, made[39]),
        ("alpha400", 0, 0),
        ("alpha bravo2", 13, made[1]),
        ("bravo0 alpha1", 3, made[11]),
        ("alphab", 0, 0),
    ];
    for (terms, total, first) in cases {
        let p = search(&app, pid, &format!("searchTerms={}&limit=1", enc(terms))).await;
        assert_eq!(p["totalCount"], total as i64, "terms {terms:?}");
        let want: Vec<i64> = if total == 0 { vec![] } else { vec![first] };
        assert_eq!(ids(&p), want, "terms {terms:?}");
    }
    // Words edited away stay in the vocabulary but match nothing; new words match at once.
    app.patch(&item_path(pid, made[39]), json!({"title": "charlie"}))
        .await
        .expect(200);
    let p = search(&app, pid, "searchTerms=alpha40").await;
    assert_eq!(p["totalCount"], 0);
    assert!(ids(&p).is_empty());
    assert_eq!(
        search(&app, pid, "searchTerms=alpha").await["totalCount"],
        39
    );
    let p = search(&app, pid, "searchTerms=charl").await;
    assert_eq!(ids(&p), vec![made[39]]);
    // Sorted and paged the same way with a replaced word.
    let p = search(
        &app,
        pid,
        "searchTerms=alpha1&sortField=title&sortMode=desc&limit=2&offset=1",
    )
    .await;
    assert_eq!(ids(&p), vec![made[17], made[16]]);
    assert_eq!(p["totalCount"], 11);
}

/// PostgreSQL checks a word found in most items on the rows the rarer words give instead of
/// through the index (`search::Matcher::bind`, from the statistics `ANALYZE` keeps): the same
/// matches, counts and orders as when every word goes through the index.
#[tokio::test]
async fn searches_beside_a_common_word_find_the_same_items() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    let mut made = Vec::new();
    for i in 0..40 {
        let rare = if [5, 17, 30].contains(&i) {
            "zephyr"
        } else {
            "yak"
        };
        made.push(task(&app, pid, &format!("dragon {rare} n{i}")).await);
    }
    if app.db.backend() == questlog::store::Backend::Postgres {
        let mut tx = app.db.write().await.unwrap();
        tx.exec("ANALYZE work_item_search", &[]).await.unwrap();
        let common: Vec<(String,)> = tx
            .all(
                "SELECT u.e FROM pg_stats s, unnest(CAST(CAST(s.most_common_elems AS TEXT) AS \
                 TEXT[]), s.most_common_elem_freqs) AS u(e, f) WHERE s.tablename = \
                 'work_item_search' AND s.attname = 'words' AND u.e IS NOT NULL AND u.f >= 0.2",
                &[],
            )
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(common.contains(&("dragon".to_string(),)), "{common:?}");
        assert!(!common.contains(&("zephyr".to_string(),)), "{common:?}");
    }
    let three = vec![made[5], made[17], made[30]];
    for terms in [
        "dragon zephyr",
        "zephyr dragon",
        "drag zeph",
        "dragon zephyr n1",
    ] {
        let want = if terms.ends_with("n1") {
            vec![made[17]]
        } else {
            three.clone()
        };
        let p = search(&app, pid, &format!("searchTerms={}", enc(terms))).await;
        assert_eq!(ids(&p), want, "terms {terms:?}");
        assert_eq!(p["totalCount"], want.len() as i64, "terms {terms:?}");
        // With a filter and a sort: the other statement shapes.
        let p = search(
            &app,
            pid,
            &format!(
                "searchTerms={}&importanceLevelId=3&sortField=title&sortMode=desc",
                enc(terms)
            ),
        )
        .await;
        let mut desc = want.clone();
        desc.sort_by_key(|id| {
            std::cmp::Reverse(format!("n{}", made.iter().position(|m| m == id).unwrap()))
        });
        assert_eq!(ids(&p), desc, "terms {terms:?}");
        assert_eq!(p["totalCount"], want.len() as i64, "terms {terms:?}");
    }
    let p = search(&app, pid, "searchTerms=dragon%20zephyr&limit=1&offset=2").await;
    assert_eq!(ids(&p), vec![made[30]]);
    assert_eq!(p["totalCount"], 3);
    assert_eq!(
        search(&app, pid, "searchTerms=dragon").await["totalCount"],
        40
    );
    assert_eq!(
        search(&app, pid, "searchTerms=dragon%20yak").await["totalCount"],
        37
    );
    let p = search(&app, pid, "searchTerms=dragon%20zephyr%20nothing").await;
    assert_eq!(p["totalCount"], 0);
    assert!(ids(&p).is_empty());
}

/// PostgreSQL's vocabulary came with migration 0012, after items were indexed: it is filled from
/// the index, so a database that had items before finds them with the same prefixes.
#[tokio::test]
async fn the_vocabulary_migration_fills_it_from_the_index() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    let a = task(&app, pid, "Lantern quest").await;
    let b = task(&app, pid, "Lanterns and ladders").await;
    // As before 0012: no vocabulary (PostgreSQL), the version not applied.
    let mut tx = app.db.write().await.unwrap();
    if app.db.backend() == questlog::store::Backend::Postgres {
        tx.exec("DROP TABLE work_item_terms", &[]).await.unwrap();
    }
    tx.exec("DELETE FROM schema_migrations WHERE version = 12", &[])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    questlog::store::migrate::run(&app.db).await.unwrap();
    for (terms, want) in [
        ("lantern", vec![a, b]),
        ("lanterns", vec![b]),
        ("lant qu", vec![a]),
        ("ladder", vec![b]),
        ("lanternz", vec![]),
    ] {
        let p = search(&app, pid, &format!("searchTerms={}", enc(terms))).await;
        assert_eq!(ids(&p), want, "terms {terms:?}");
        assert_eq!(p["totalCount"], want.len() as i64, "terms {terms:?}");
    }
    // Paged both ways, and past the end (the count then comes on its own).
    for (query, want) in [
        ("searchTerms=lantern&sortMode=desc", vec![b, a]),
        ("searchTerms=lantern&offset=1&limit=1", vec![b]),
        ("searchTerms=lantern&offset=2", vec![]),
    ] {
        let p = search(&app, pid, query).await;
        assert_eq!(ids(&p), want, "{query}");
        assert_eq!(p["totalCount"], 2, "{query}");
    }
}

#[tokio::test]
async fn put_replaces_and_patch_changes_only_what_is_sent() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    let board = board_sql(&app, pid, "B", None).await;
    tag_sql(&app, pid, 1, "t1").await;
    tag_sql(&app, pid, 2, "t2").await;
    element_sql(&app, pid, 1, "E").await;
    let full = create(
        &app,
        pid,
        json!({"title": "Full", "description": "d", "importanceLevelId": 1, "categoryId": 2,
               "estimatedCost": 4, "boardId": board, "designElementId": 1, "startDate": "2026-01-02",
               "dueDate": "2026-01-03", "tagIds": [1], "assignedUserIds": [1]}),
    )
    .await;
    // PATCH one field: the rest stays.
    let p = app
        .patch(
            &item_path(pid, 1),
            json!({"title": "Renamed", "isBlocked": true}),
        )
        .await
        .expect(200);
    assert_eq!(p["title"], "Renamed");
    assert_eq!(p["isBlocked"], false, "isBlocked is read-only");
    for same in [
        "description",
        "category",
        "estimatedCost",
        "board",
        "designElement",
        "startDate",
        "dueDate",
        "tags",
        "assignedUsers",
        "importanceLevel",
        "stage",
        "creationDate",
    ] {
        assert_eq!(p[same], full[same], "{same}");
    }
    // PATCH with nulls clears the nullable fields.
    let p = app
        .patch(
            &item_path(pid, 1),
            json!({"description": null, "boardId": null, "designElementId": null, "startDate": null,
                   "dueDate": null, "tagIds": null, "assignedUserIds": []}),
        )
        .await
        .expect(200);
    for gone in [
        "description",
        "board",
        "designElement",
        "startDate",
        "dueDate",
    ] {
        assert!(p.get(gone).is_none(), "{gone}");
    }
    assert_eq!(p["tags"], json!([]));
    assert_eq!(p["assignedUsers"], json!([]));
    assert_eq!(p["category"]["categoryId"], 2);
    // PATCH sets sets.
    let p = app
        .patch(
            &item_path(pid, 1),
            json!({"tagIds": [2, 1], "assignedUserIds": [1], "boardId": board, "categoryId": 3,
                   "importanceLevelId": 4, "estimatedCost": 0.25, "dueDate": "2026-09-09"}),
        )
        .await
        .expect(200);
    assert_eq!(p["tags"].as_array().unwrap().len(), 2);
    assert_eq!(p["assignedUsers"][0]["user"]["id"], 1);
    assert_eq!(p["board"]["boardId"], board);
    assert_eq!(p["category"]["categoryId"], 3);
    assert_eq!(p["importanceLevel"]["importanceLevelId"], 4);
    assert_eq!(p["estimatedCost"], json!(0.25));
    assert_eq!(p["dueDate"], "2026-09-09T00:00:00.000Z");
    // PUT: omitted optionals become null; no boardId = backlog.
    let u = app
        .put(&item_path(pid, 1), json!({"title": "Put", "stageId": 2}))
        .await
        .expect(200);
    assert_eq!(u["title"], "Put");
    assert_eq!(u["stage"]["stageId"], 2);
    assert!(u.get("board").is_none());
    assert!(u.get("dueDate").is_none());
    assert_eq!(u["tags"], json!([]));
    assert_eq!(u["assignedUsers"], json!([]));
    assert_eq!(u["estimatedCost"], json!(0));
    assert_eq!(u["category"]["categoryId"], 3, "category keeps its value");
    assert_eq!(u["importanceLevel"]["importanceLevelId"], 4);
    let u = app
        .put(
            &item_path(pid, 1),
            json!({"title": "Put", "boardId": board, "description": "back", "estimatedCost": 7}),
        )
        .await
        .expect(200);
    assert_eq!(u["board"]["boardId"], board);
    assert_eq!(u["description"], "back");
    let u = app
        .put(&item_path(pid, 1), json!({"title": "Put", "boardId": 0}))
        .await
        .expect(200);
    assert!(u.get("board").is_none());
    // PUT needs a title; PATCH does not.
    let r = app
        .put(&item_path(pid, 1), json!({"description": "x"}))
        .await
        .expect(400);
    assert!(r["modelState"]["title"].is_array());
    // Turning a task into a story drops its category; back to a task gets the first one.
    let s = app
        .patch(&item_path(pid, 1), json!({"isStory": true}))
        .await
        .expect(200);
    assert_eq!(s["category"]["categoryId"], -1);
    let t = app
        .patch(&item_path(pid, 1), json!({"isStory": false}))
        .await
        .expect(200);
    assert_eq!(t["category"]["categoryId"], 1);
    // Non-integer whole numbers: 0.25 stays a float, 7 an integer.
    assert!(u["estimatedCost"].is_i64());
}

#[tokio::test]
async fn patch_rejects_bad_input_and_changes_nothing() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    let other = app.project("Other").await;
    let foreign_board = board_sql(&app, other, "F", None).await;
    tag_sql(&app, other, 1, "foreign").await;
    task(&app, pid, "Keep").await;
    let before = app.get(&item_path(pid, 1)).await.expect(200);
    let path = item_path(pid, 1);
    for body in ["", "{", "[1]", "null"] {
        let r = app.call("PATCH", &path, Some(&app.key), Some(body)).await;
        assert_eq!(r.expect(400)["message"], "Invalid values object.", "{body}");
    }
    for body in [
        json!({"title": 1}),
        json!({"stageId": "2"}),
        json!({"tagIds": [true]}),
    ] {
        app.patch(&path, body).await.expect(400);
    }
    let cases = [
        (json!({"title": ""}), "title"),
        (json!({"title": null}), "title"),
        (json!({"title": "y".repeat(300)}), "title"),
        (json!({"title": "\u{0}"}), "title"),
        (json!({"stageId": 99}), "stageId"),
        (json!({"categoryId": 99}), "categoryId"),
        (json!({"importanceLevelId": 0}), "importanceLevelId"),
        (json!({"boardId": foreign_board}), "boardId"),
        (json!({"tagIds": [1]}), "tagIds"),
        (json!({"assignedUserIds": [42]}), "assignedUserIds"),
        (json!({"parentId": 1}), "parentId"),
        (json!({"designElementId": 5}), "designElementId"),
        (json!({"estimatedCost": -0.5}), "estimatedCost"),
        (json!({"estimatedCost": 1e12}), "estimatedCost"),
        (json!({"startDate": "2026-02-30"}), "startDate"),
        (json!({"title": "ok", "stageId": 99}), "stageId"),
    ];
    for (body, field) in cases {
        let r = app.patch(&path, body.clone()).await.expect(400);
        assert!(r["modelState"][field].is_array(), "{body} → {r}");
    }
    let r = app
        .put(&path, json!({"title": "ok", "boardId": foreign_board}))
        .await
        .expect(400);
    assert!(r["modelState"]["boardId"].is_array());
    assert_eq!(app.get(&path).await.expect(200), before);
    app.patch(&item_path(pid, 2), json!({"title": "x"}))
        .await
        .expect_empty(404);
    app.patch(&item_path(other, 1), json!({"title": "x"}))
        .await
        .expect_empty(404);
    app.put(&item_path(pid, 9), json!({"title": "x"}))
        .await
        .expect_empty(404);
}

async fn board_order(app: &TestApp, pid: i64, board: Option<i64>) -> Vec<(i64, i64)> {
    let q = format!("boardId={}&sortField=id&limit=100", board.unwrap_or(0));
    let page = search(app, pid, &q).await;
    let mut v: Vec<(i64, i64)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["boardIndex"].as_i64().unwrap(),
                i["workItemId"].as_i64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn board_index_is_dense_and_reindexes_neighbours() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    let b = board_sql(&app, pid, "B", None).await;
    for t in ["a", "b", "c", "d"] {
        create(
            &app,
            pid,
            json!({"title": t, "importanceLevelId": 3, "boardId": b}),
        )
        .await;
    }
    let order = |v: &[(i64, i64)]| v.iter().map(|x| x.1).collect::<Vec<_>>();
    let idx = |v: &[(i64, i64)]| v.iter().map(|x| x.0).collect::<Vec<_>>();
    let o = board_order(&app, pid, Some(b)).await;
    assert_eq!(order(&o), vec![1, 2, 3, 4]);
    assert_eq!(idx(&o), vec![0, 1, 2, 3]);
    // Move the last to the front.
    let r = app
        .patch(&item_path(pid, 4), json!({"boardIndex": 0}))
        .await
        .expect(200);
    assert_eq!(r["boardIndex"], 0);
    let o = board_order(&app, pid, Some(b)).await;
    assert_eq!(order(&o), vec![4, 1, 2, 3]);
    assert_eq!(idx(&o), vec![0, 1, 2, 3]);
    // Move the first down to position 2.
    app.patch(&item_path(pid, 4), json!({"boardIndex": 2}))
        .await
        .expect(200);
    assert_eq!(
        order(&board_order(&app, pid, Some(b)).await),
        vec![1, 2, 4, 3]
    );
    // Past the end clamps to the end.
    let r = app
        .patch(&item_path(pid, 1), json!({"boardIndex": 50}))
        .await
        .expect(200);
    assert_eq!(r["boardIndex"], 3);
    assert_eq!(
        order(&board_order(&app, pid, Some(b)).await),
        vec![2, 4, 3, 1]
    );
    // Leaving the board closes the gap; entering the backlog at a position shifts it.
    task(&app, pid, "e").await; // 5, backlog 0
    task(&app, pid, "f").await; // 6, backlog 1
    let r = app
        .patch(&item_path(pid, 4), json!({"boardId": 0, "boardIndex": 1}))
        .await
        .expect(200);
    assert_eq!(r["boardIndex"], 1);
    let o = board_order(&app, pid, Some(b)).await;
    assert_eq!(order(&o), vec![2, 3, 1]);
    assert_eq!(idx(&o), vec![0, 1, 2]);
    let o = board_order(&app, pid, None).await;
    assert_eq!(order(&o), vec![5, 4, 6]);
    assert_eq!(idx(&o), vec![0, 1, 2]);
    // Moving to a board without an index appends.
    let r = app
        .patch(&item_path(pid, 5), json!({"boardId": b}))
        .await
        .expect(200);
    assert_eq!(r["boardIndex"], 3);
    assert_eq!(idx(&board_order(&app, pid, None).await), vec![0, 1]);
    // Deleting closes the gap.
    app.delete(&item_path(pid, 2)).await.expect_empty(200);
    let o = board_order(&app, pid, Some(b)).await;
    assert_eq!(order(&o), vec![3, 1, 5]);
    assert_eq!(idx(&o), vec![0, 1, 2]);
    let r = app
        .patch(&item_path(pid, 5), json!({"boardIndex": -3}))
        .await
        .expect(200);
    assert_eq!(r["boardIndex"], 0);
}

#[tokio::test]
async fn blocked_items_move_only_for_admins() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    let (ana, ana_key) = app.add_user("ana").await;
    app.add_member_sql(pid, ana, false, false, None).await;
    let pred = task(&app, pid, "Predecessor").await;
    let item = task(&app, pid, "Blocked").await;
    depend_sql(&app, pid, item, pred).await;
    let got = app.get(&item_path(pid, item)).await.expect(200);
    assert_eq!(got["hasDependencies"], true);
    assert_eq!(got["isBlocked"], true);
    let p = app.get(&item_path(pid, pred)).await.expect(200);
    assert_eq!(p["hasDependencies"], false);
    // A member can edit it, but not move it.
    app.as_user(
        &ana_key,
        "PATCH",
        &item_path(pid, item),
        Some(json!({"title": "Edited"})),
    )
    .await
    .expect(200);
    let r = app
        .as_user(
            &ana_key,
            "PATCH",
            &item_path(pid, item),
            Some(json!({"stageId": 2})),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = app
        .as_user(
            &ana_key,
            "PUT",
            &item_path(pid, item),
            Some(json!({"title": "Edited", "stageId": 2})),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        app.get(&item_path(pid, item)).await.expect(200)["stage"]["stageId"],
        1
    );
    // The predecessor in a started stage still blocks; an unblocker stage unblocks.
    app.patch(&item_path(pid, pred), json!({"stageId": 2}))
        .await
        .expect(200);
    assert_eq!(
        app.get(&item_path(pid, item)).await.expect(200)["isBlocked"],
        true
    );
    exec(
        &app,
        "UPDATE stages SET is_unblocker = TRUE WHERE project_id = $1 AND stage_id = 3",
        params![pid],
    )
    .await;
    app.patch(&item_path(pid, pred), json!({"stageId": 3}))
        .await
        .expect(200);
    assert_eq!(
        app.get(&item_path(pid, item)).await.expect(200)["isBlocked"],
        false
    );
    // Back to a plain stage: blocked again; closing the predecessor unblocks.
    app.patch(&item_path(pid, pred), json!({"stageId": 1}))
        .await
        .expect(200);
    assert_eq!(
        app.get(&item_path(pid, item)).await.expect(200)["isBlocked"],
        true
    );
    app.patch(&item_path(pid, pred), json!({"stageId": 4}))
        .await
        .expect(200);
    let r = app
        .as_user(
            &ana_key,
            "PATCH",
            &item_path(pid, item),
            Some(json!({"stageId": 2})),
        )
        .await
        .expect(200);
    assert_eq!(r["isBlocked"], false);
    assert_eq!(r["stage"]["stageId"], 2);
    // An admin moves a blocked item.
    app.patch(&item_path(pid, pred), json!({"stageId": 1}))
        .await
        .expect(200);
    let r = app
        .patch(&item_path(pid, item), json!({"stageId": 3}))
        .await
        .expect(200);
    assert_eq!(r["isBlocked"], true);
    assert_eq!(r["stage"]["stageId"], 3);
}

#[tokio::test]
async fn permission_levels() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    let (admin, admin_key) = app.add_user("admin").await;
    let (member, member_key) = app.add_user("member").await;
    let (guest, guest_key) = app.add_user("guest").await;
    let (_, outsider_key) = app.add_user("outsider").await;
    app.add_member_sql(pid, admin, true, false, None).await;
    app.add_member_sql(pid, member, false, false, None).await;
    app.add_member_sql(pid, guest, false, true, None).await;
    let read_key = app.add_key(member, Scopes::parse("read").unwrap()).await;
    let new = || Some(json!({"title": "x", "importanceLevelId": 3}));
    task(&app, pid, "Owner's").await;

    // Owner, admin and member create, edit, clone and delete.
    for key in [&admin_key, &member_key] {
        let r = app
            .as_user(key, "POST", &items_path(pid), new())
            .await
            .expect(200);
        let id = r["workItemId"].as_i64().unwrap();
        app.as_user(
            key,
            "PATCH",
            &item_path(pid, id),
            Some(json!({"title": "y"})),
        )
        .await
        .expect(200);
        app.as_user(key, "PUT", &item_path(pid, id), Some(json!({"title": "z"})))
            .await
            .expect(200);
        let c = app
            .as_user(key, "POST", &item_path(pid, id), None)
            .await
            .expect(200);
        app.as_user(key, "DELETE", &item_path(pid, id), None)
            .await
            .expect_empty(200);
        app.as_user(
            key,
            "DELETE",
            &item_path(pid, c["workItemId"].as_i64().unwrap()),
            None,
        )
        .await
        .expect_empty(200);
    }
    // Guests and read-only keys read but never write.
    for key in [&guest_key, &read_key] {
        app.as_user(key, "GET", &items_path(pid), None)
            .await
            .expect(200);
        app.as_user(key, "GET", &item_path(pid, 1), None)
            .await
            .expect(200);
        assert_eq!(
            app.as_user(key, "POST", &items_path(pid), new())
                .await
                .status,
            403
        );
        for (m, body) in [
            ("PATCH", Some(json!({"title": "no"}))),
            ("PUT", Some(json!({"title": "no"}))),
            ("POST", None),
            ("DELETE", None),
        ] {
            let r = app.as_user(key, m, &item_path(pid, 1), body).await;
            assert_eq!(r.status, 403, "{m}");
        }
    }
    // Non-members: 403 everywhere; unknown project 404.
    assert_eq!(
        app.as_user(&outsider_key, "GET", &items_path(pid), None)
            .await
            .status,
        403
    );
    assert_eq!(
        app.as_user(&outsider_key, "GET", &item_path(pid, 1), None)
            .await
            .status,
        403
    );
    assert_eq!(
        app.as_user(&outsider_key, "POST", &items_path(pid), new())
            .await
            .status,
        403
    );
    assert_eq!(
        app.call("GET", &items_path(pid), None, None).await.status,
        401
    );
    assert_eq!(count_items(&app, pid).await, 1);
    let got = app.get(&item_path(pid, 1)).await.expect(200);
    assert_eq!(got["title"], "Owner's");
}

#[tokio::test]
async fn category_permissions_hide_and_restrict_items() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    // Role 1: can't read Programming (1). Role 2: only canUpdate on Programming.
    role_sql(&app, pid, 1, &[(1, false, false, false)]).await;
    role_sql(&app, pid, 2, &[(1, true, false, true)]).await;
    let (blind, blind_key) = app.add_user("blind").await;
    let (mover, mover_key) = app.add_user("mover").await;
    app.add_member_sql(pid, blind, false, false, Some(1)).await;
    app.add_member_sql(pid, mover, false, false, Some(2)).await;
    let prog = task(&app, pid, "Code").await; // category 1
    let art = create(
        &app,
        pid,
        json!({"title": "Paint", "categoryId": 2, "importanceLevelId": 3, "assignedUserIds": [mover]}),
    )
    .await["workItemId"]
        .as_i64()
        .unwrap();
    let mine = create(
        &app,
        pid,
        json!({"title": "Mine", "importanceLevelId": 3, "assignedUserIds": [mover]}),
    )
    .await["workItemId"]
        .as_i64()
        .unwrap();

    // Invisible: left out of the list and the total, 404 on the item.
    let page = app
        .as_user(&blind_key, "GET", &items_path(pid), None)
        .await
        .expect(200);
    assert_eq!(ids(&page), vec![art]);
    assert_eq!(page["totalCount"], 1);
    for (m, body) in [
        ("GET", None),
        ("PATCH", Some(json!({"title": "x"}))),
        ("PUT", Some(json!({"title": "x"}))),
        ("POST", None),
        ("DELETE", None),
    ] {
        app.as_user(&blind_key, m, &item_path(pid, prog), body)
            .await
            .expect_empty(404);
    }
    // Can't create there or move an item into it.
    let r = app
        .as_user(
            &blind_key,
            "POST",
            &items_path(pid),
            Some(json!({"title": "x", "importanceLevelId": 3, "categoryId": 1})),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = app
        .as_user(
            &blind_key,
            "PATCH",
            &item_path(pid, art),
            Some(json!({"categoryId": 1})),
        )
        .await;
    assert_eq!(r.status, 403);
    // The owner sees everything.
    assert_eq!(search(&app, pid, "").await["totalCount"], 3);

    // canUpdate only: moves its own assigned item's stage and position, nothing else.
    let r = app
        .as_user(
            &mover_key,
            "PATCH",
            &item_path(pid, mine),
            Some(json!({"stageId": 2, "boardIndex": 0})),
        )
        .await
        .expect(200);
    assert_eq!(r["stage"]["stageId"], 2);
    let r = app
        .as_user(
            &mover_key,
            "PATCH",
            &item_path(pid, mine),
            Some(json!({"title": "No"})),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = app
        .as_user(
            &mover_key,
            "PATCH",
            &item_path(pid, prog),
            Some(json!({"stageId": 2})),
        )
        .await;
    assert_eq!(r.status, 403, "not assigned to them");
    let r = app
        .as_user(&mover_key, "DELETE", &item_path(pid, mine), None)
        .await;
    assert_eq!(r.status, 403);
    let r = app
        .as_user(
            &mover_key,
            "POST",
            &items_path(pid),
            Some(json!({"title": "x", "importanceLevelId": 3})),
        )
        .await;
    assert_eq!(r.status, 403);
    // Other categories stay fully writable for that role.
    app.as_user(
        &mover_key,
        "PATCH",
        &item_path(pid, art),
        Some(json!({"title": "Painted"})),
    )
    .await
    .expect(200);
    let got = app.get(&item_path(pid, mine)).await.expect(200);
    assert_eq!(got["title"], "Mine");
}

#[tokio::test]
async fn clone_copies_the_item() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    let b1 = board_sql(&app, pid, "B1", None).await;
    let b2 = board_sql(&app, pid, "B2", None).await;
    tag_sql(&app, pid, 1, "t").await;
    element_sql(&app, pid, 1, "E").await;
    let story = create(
        &app,
        pid,
        json!({"title": "S", "isStory": true, "importanceLevelId": 3}),
    )
    .await["workItemId"]
        .as_i64()
        .unwrap();
    let dep = task(&app, pid, "Dep").await;
    let src = create(
        &app,
        pid,
        json!({"title": "Src", "description": "d", "importanceLevelId": 1, "categoryId": 4,
               "estimatedCost": 3, "boardId": b1, "designElementId": 1, "parentId": story,
               "startDate": "2026-02-01", "dueDate": "2026-02-02", "tagIds": [1],
               "assignedUserIds": [1], "subTasks": ["a", "b"], "dependencyIds": [dep]}),
    )
    .await;
    let sid = src["workItemId"].as_i64().unwrap();
    log_sql(&app, pid, sid, 2.0).await;
    app.patch(&item_path(pid, sid), json!({"stageId": 4}))
        .await
        .expect(200);
    let c = app
        .call("POST", &item_path(pid, sid), Some(&app.key), None)
        .await
        .expect(200);
    assert_eq!(c["workItemId"], sid + 1);
    for same in [
        "title",
        "description",
        "isStory",
        "parentStoryId",
        "category",
        "estimatedCost",
        "importanceLevel",
        "startDate",
        "dueDate",
        "tags",
        "assignedUsers",
        "board",
    ] {
        assert_eq!(c[same], src[same], "{same}");
    }
    assert_eq!(c["designElement"]["designElementId"], 1);
    assert_eq!(c["designElement"]["totalWorkItemCount"], 2);
    assert_eq!(c["stage"]["stageId"], 1);
    assert!(c.get("closingDate").is_none());
    assert_eq!(c["loggedCost"], json!(0));
    assert_eq!(c["hasDependencies"], false);
    assert_eq!(c["boardIndex"], 1);
    assert_eq!(c["designElementIndex"], 1);
    let subs = scalar(
        &app,
        "SELECT COUNT(*) FROM sub_tasks WHERE project_id = $1 AND work_item_id = $2",
        params![pid, sid + 1],
    )
    .await;
    assert_eq!(subs, 2);
    // ?boardId= overrides the board; 0 = backlog.
    let c = app
        .call(
            "POST",
            &format!("{}?boardId={b2}", item_path(pid, sid)),
            Some(&app.key),
            None,
        )
        .await
        .expect(200);
    assert_eq!(c["board"]["boardId"], b2);
    let c = app
        .call(
            "POST",
            &format!("{}?boardId=0", item_path(pid, sid)),
            Some(&app.key),
            None,
        )
        .await
        .expect(200);
    assert!(c.get("board").is_none());
    // The clone is searchable.
    assert_eq!(
        ids(&search(&app, pid, "searchTerms=src").await),
        vec![sid, sid + 1, sid + 2, sid + 3]
    );
    let r = app
        .call(
            "POST",
            &format!("{}?boardId=999", item_path(pid, sid)),
            Some(&app.key),
            None,
        )
        .await
        .expect(400);
    assert!(r["modelState"]["boardId"].is_array());
    app.call("POST", &item_path(pid, 99), Some(&app.key), None)
        .await
        .expect_empty(404);
}

#[tokio::test]
async fn delete_removes_everything_of_the_item() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    tag_sql(&app, pid, 1, "t").await;
    let story = create(
        &app,
        pid,
        json!({"title": "Story words", "isStory": true, "importanceLevelId": 3, "tagIds": [1],
               "assignedUserIds": [1], "subTasks": ["s"]}),
    )
    .await["workItemId"]
        .as_i64()
        .unwrap();
    let child = create(
        &app,
        pid,
        json!({"title": "Child", "importanceLevelId": 3, "parentId": story}),
    )
    .await["workItemId"]
        .as_i64()
        .unwrap();
    let other = task(&app, pid, "Other").await;
    depend_sql(&app, pid, story, other).await;
    depend_sql(&app, pid, other, story).await;
    log_sql(&app, pid, story, 1.0).await;
    exec(
        &app,
        "INSERT INTO comments (project_id, work_item_id, user_id, text, creation_date) VALUES ($1, $2, 1, 'c', $3)",
        params![pid, story, T0],
    )
    .await;
    app.delete(&item_path(pid, story)).await.expect_empty(200);
    app.get(&item_path(pid, story)).await.expect_empty(404);
    app.delete(&item_path(pid, story)).await.expect_empty(404);
    assert_eq!(
        search(&app, pid, "searchTerms=story").await["totalCount"],
        0
    );
    for table in [
        "work_item_tags",
        "work_item_users",
        "sub_tasks",
        "work_logs",
        "comments",
    ] {
        let n = scalar(
            &app,
            &format!("SELECT COUNT(*) FROM {table} WHERE project_id = $1 AND work_item_id = $2"),
            params![pid, story],
        )
        .await;
        assert_eq!(n, 0, "{table}");
    }
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM dependencies", params![]).await,
        0
    );
    let c = app.get(&item_path(pid, child)).await.expect(200);
    assert!(c.get("parentStoryId").is_none());
    let o = app.get(&item_path(pid, other)).await.expect(200);
    assert_eq!(o["hasDependencies"], false);
    assert_eq!(search(&app, pid, "").await["totalCount"], 2);
    // Ids are not reused.
    assert_eq!(task(&app, pid, "New").await, 4);
}

#[tokio::test]
async fn parallel_creates_get_unique_ids() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    let mut handles = Vec::new();
    for i in 0..50 {
        let client = app.client.clone();
        let url = format!("{}{}", app.base, items_path(pid));
        let key = app.key.clone();
        handles.push(tokio::spawn(async move {
            let r = client
                .post(url)
                .header("Authorization", format!("ApiKey {key}"))
                .json(&json!({"title": format!("Item {i}"), "importanceLevelId": 3}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            let v: Value = r.json().await.unwrap();
            v["workItemId"].as_i64().unwrap()
        }));
    }
    let mut got = Vec::new();
    for h in handles {
        got.push(h.await.unwrap());
    }
    got.sort();
    assert_eq!(got, (1..=50).collect::<Vec<_>>());
    assert_eq!(count_items(&app, pid).await, 50);
    let page = search(&app, pid, "limit=100").await;
    assert_eq!(page["totalCount"], 50);
    let mut idx: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["boardIndex"].as_i64().unwrap())
        .collect();
    idx.sort();
    assert_eq!(idx, (0..50).collect::<Vec<_>>(), "backlog positions dense");
}

#[tokio::test]
async fn parallel_patches_of_one_item() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    let board = board_sql(&app, pid, "B", None).await;
    for t in ["a", "b", "c"] {
        create(
            &app,
            pid,
            json!({"title": t, "importanceLevelId": 3, "boardId": board}),
        )
        .await;
    }
    let mut handles = Vec::new();
    for i in 0..50i64 {
        let client = app.client.clone();
        let url = format!("{}{}", app.base, item_path(pid, 2));
        let key = app.key.clone();
        let body = json!({"title": format!("T{i}"), "estimatedCost": i,
                          "stageId": 1 + i % 4, "boardIndex": i % 3});
        handles.push(tokio::spawn(async move {
            let r = client
                .patch(url)
                .header("Authorization", format!("ApiKey {key}"))
                .json(&body)
                .send()
                .await
                .unwrap();
            r.status().as_u16()
        }));
    }
    for h in handles {
        assert_eq!(h.await.unwrap(), 200);
    }
    let item = app.get(&item_path(pid, 2)).await.expect(200);
    let n: i64 = item["title"].as_str().unwrap()[1..].parse().unwrap();
    assert_eq!(item["estimatedCost"], n, "one request's values, whole");
    assert_eq!(item["stage"]["stageId"], 1 + n % 4);
    assert_eq!(item["closingDate"].is_string(), n % 4 == 3);
    let o = board_order(&app, pid, Some(board)).await;
    assert_eq!(o.iter().map(|x| x.0).collect::<Vec<_>>(), vec![0, 1, 2]);
    assert_eq!(ids(&search(&app, pid, "searchTerms=t").await).len(), 1);
    assert_eq!(
        ids(&search(&app, pid, &format!("searchTerms=t{n}")).await),
        vec![2]
    );
}

/// Issue 8, defect 5: huge lists and searches are 400s (not 500s) and change nothing.
#[tokio::test]
async fn huge_lists_and_searches_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    let id = task(&app, pid, "Existing").await;
    let before = app.get(&item_path(pid, id)).await.expect(200);
    let huge: Vec<i64> = (1..=40_000).collect();
    for field in ["tagIds", "assignedUserIds", "dependencyIds"] {
        let mut body = json!({"title": "Big", "importanceLevelId": 3});
        body[field] = json!(huge);
        let r = app.post(&items_path(pid), body).await.expect(400);
        assert_eq!(
            r["message"], "Invalid values object: a list may have at most 1000 elements.",
            "{field}"
        );
        if field != "dependencyIds" {
            for method in ["PUT", "PATCH"] {
                let mut body = json!({"title": "Changed"});
                body[field] = json!(huge);
                let r = app
                    .as_user(OWNER_KEY, method, &item_path(pid, id), Some(body))
                    .await
                    .expect(400);
                assert!(r["message"].as_str().unwrap().contains("1000"), "{field}");
            }
        }
    }
    // A role's categoryPermissions go through the same body check (short entries, so the body
    // stays under the 2 MB body limit and the array cap is what answers).
    let perms: Vec<Value> = (1..=40_000).map(|c| json!({"categoryId": c})).collect();
    let roles_sql = "SELECT COUNT(*) FROM roles WHERE project_id = $1";
    let roles = scalar(&app, roles_sql, params![pid]).await;
    let r = app
        .post(
            &format!("/v0/projects/{pid}/roles"),
            json!({"name": "Huge", "permissions": {"categoryPermissions": perms}}),
        )
        .await
        .expect(400);
    assert!(r["message"].as_str().unwrap().contains("1000"));
    assert_eq!(scalar(&app, roles_sql, params![pid]).await, roles);
    // At the cap the lists reach the reference checks: a clean 400 naming the field on both
    // backends (1,000 bound parameters in one IN list).
    let cap: Vec<i64> = (1000..2000).collect();
    for field in ["tagIds", "assignedUserIds", "dependencyIds"] {
        let mut body = json!({"title": "Cap", "importanceLevelId": 3});
        body[field] = json!(cap);
        let r = app.post(&items_path(pid), body).await.expect(400);
        assert!(r["modelState"][field].is_array(), "{field}: {r}");
    }
    // 1,000 search words; 33 words; one over-long word list inside a single term.
    let many: Vec<String> = (0..1000).map(|i| format!("w{i}")).collect();
    let r = app
        .get(&format!(
            "{}?searchTerms={}",
            items_path(pid),
            many.join("+")
        ))
        .await
        .expect(400);
    // (1,000 words are longer than a query value may be.)
    assert!(
        r["message"].as_str().unwrap().contains("searchTerms"),
        "{r}"
    );
    let short: Vec<String> = (0..200).map(|i: i32| i.to_string()).collect();
    let r = app
        .get(&format!(
            "{}?searchTerms={}",
            items_path(pid),
            short.join("+")
        ))
        .await
        .expect(400);
    assert!(
        r["modelState"]["searchTerms"][0]
            .as_str()
            .unwrap()
            .contains("32")
    );
    let r = app
        .get(&format!(
            "{}?searchTerms={}",
            items_path(pid),
            many[..33].join("+")
        ))
        .await
        .expect(400);
    assert!(r["modelState"]["searchTerms"].is_array());
    let r = app
        .get(&format!(
            "{}?searchTerms={}",
            items_path(pid),
            many[..40].join("-")
        ))
        .await
        .expect(400);
    assert!(r["modelState"]["searchTerms"].is_array());
    // 32 words are fine; a repeated word counts once.
    let page = search(&app, pid, &format!("searchTerms={}", many[..32].join("+"))).await;
    assert_eq!(page["totalCount"], 0);
    let page = search(
        &app,
        pid,
        &format!("searchTerms={}", ["existing"; 50].join("+")),
    )
    .await;
    assert_eq!(ids(&page), vec![id]);
    // A query value longer than 1,024 characters.
    let long = "x".repeat(1025);
    let r = app
        .get(&format!("{}?searchTerms={long}", items_path(pid)))
        .await
        .expect(400);
    assert!(r["message"].as_str().unwrap().contains("searchTerms"));
    assert_eq!(count_items(&app, pid).await, 1);
    assert_eq!(app.get(&item_path(pid, id)).await.expect(200), before);
}

/// Issue 8, defect 10: a repeated key is a 400 in every body form.
#[tokio::test]
async fn duplicate_keys_are_refused_everywhere() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    let id = task(&app, pid, "Existing").await;
    let dup = r#"{"title": "A", "importanceLevelId": 3, "title": "B"}"#;
    let r = app
        .call("POST", &items_path(pid), Some(OWNER_KEY), Some(dup))
        .await
        .expect(400);
    assert_eq!(
        r["message"],
        "Invalid values object: a key appears more than once."
    );
    let r = app
        .call(
            "PATCH",
            &item_path(pid, id),
            Some(OWNER_KEY),
            Some(r#"{"title": "A", "title": "B"}"#),
        )
        .await
        .expect(400);
    assert!(r["message"].as_str().unwrap().contains("more than once"));
    // Nested objects too.
    let r = app
        .call(
            "PATCH",
            &format!("/v0/projects/{pid}"),
            Some(OWNER_KEY),
            Some(r#"{"moduleConfig": {"timeTracking": true, "timeTracking": false}}"#),
        )
        .await
        .expect(400);
    assert!(r["message"].as_str().unwrap().contains("more than once"));
    assert_eq!(count_items(&app, pid).await, 1);
    let item = app.get(&item_path(pid, id)).await.expect(200);
    assert_eq!(item["title"], "Existing");
}

/// Issue 8, defect 10: the due date may not come before the start date (POST, PUT, PATCH, and a
/// PATCH of one date against the stored other).
#[tokio::test]
async fn due_date_before_start_date_is_refused() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    let r = app
        .post(
            &items_path(pid),
            json!({"title": "A", "importanceLevelId": 3,
                   "startDate": "2026-05-02", "dueDate": "2026-05-01"}),
        )
        .await
        .expect(400);
    assert_eq!(
        r["modelState"]["dueDate"],
        json!(["The due date can't be before the start date."])
    );
    assert_eq!(count_items(&app, pid).await, 0);
    let item = create(
        &app,
        pid,
        json!({"title": "A", "importanceLevelId": 3,
               "startDate": "2026-05-01", "dueDate": "2026-05-10"}),
    )
    .await;
    let id = item["workItemId"].as_i64().unwrap();
    let r = app
        .put(
            &item_path(pid, id),
            json!({"title": "A", "startDate": "2026-05-10T12:00:00Z", "dueDate": "2026-05-10"}),
        )
        .await
        .expect(400);
    assert!(r["modelState"]["dueDate"].is_array());
    // PATCH of one date only, checked against the stored other.
    for body in [
        json!({"dueDate": "2026-04-30"}),
        json!({"startDate": "2026-05-11"}),
    ] {
        let r = app.patch(&item_path(pid, id), body).await.expect(400);
        assert!(r["modelState"]["dueDate"].is_array());
    }
    let after = app.get(&item_path(pid, id)).await.expect(200);
    assert_eq!(after["startDate"], item["startDate"]);
    assert_eq!(after["dueDate"], item["dueDate"]);
    // Equal dates and clearing one are fine.
    app.patch(&item_path(pid, id), json!({"dueDate": "2026-05-01"}))
        .await
        .expect(200);
    let ok = app
        .patch(
            &item_path(pid, id),
            json!({"startDate": null, "dueDate": "2026-01-01"}),
        )
        .await
        .expect(200);
    assert_eq!(ok["dueDate"], "2026-01-01T00:00:00.000Z");
}

/// Issue 8, defect 10: a field's message is never listed twice.
#[tokio::test]
async fn model_state_messages_are_not_repeated() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    let r = app
        .post(
            &items_path(pid),
            json!({"title": "A", "importanceLevelId": 3, "subTasks": ["", " ", "ok", ""]}),
        )
        .await
        .expect(400);
    assert_eq!(
        r["modelState"]["subTasks"],
        json!(["The subTasks is required."])
    );
    assert_eq!(count_items(&app, pid).await, 0);
}

/// Issue 8, defect 9: a story's task totals leave out tasks the caller cannot read.
#[tokio::test]
async fn story_totals_leave_out_hidden_categories() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    role_sql(&app, pid, 1, &[(2, false, false, false)]).await; // Art (2) hidden
    let (blind, blind_key) = app.add_user("blind").await;
    app.add_member_sql(pid, blind, false, false, Some(1)).await;
    let story = create(
        &app,
        pid,
        json!({"title": "Story", "isStory": true, "importanceLevelId": 3}),
    )
    .await["workItemId"]
        .as_i64()
        .unwrap();
    let code = create(
        &app,
        pid,
        json!({"title": "Code", "categoryId": 1, "parentId": story, "importanceLevelId": 3, "estimatedCost": 3}),
    )
    .await["workItemId"]
        .as_i64()
        .unwrap();
    let art = create(
        &app,
        pid,
        json!({"title": "Art", "categoryId": 2, "parentId": story, "importanceLevelId": 3, "estimatedCost": 5}),
    )
    .await["workItemId"]
        .as_i64()
        .unwrap();
    log_sql(&app, pid, code, 1.0).await;
    log_sql(&app, pid, art, 2.0).await;
    let full = app.get(&item_path(pid, story)).await.expect(200);
    assert_eq!(full["storyTasksEstimatedCost"], 8);
    assert_eq!(full["storyTasksLoggedCost"], 3);
    let seen = app
        .as_user(&blind_key, "GET", &item_path(pid, story), None)
        .await
        .expect(200);
    assert_eq!(seen["storyTasksEstimatedCost"], 3);
    assert_eq!(seen["storyTasksLoggedCost"], 1);
    let page = app
        .as_user(
            &blind_key,
            "GET",
            &format!("{}?categoryId=-1", items_path(pid)),
            None,
        )
        .await
        .expect(200);
    assert_eq!(page["items"][0]["storyTasksEstimatedCost"], 3);
    assert_eq!(page["items"][0]["storyTasksLoggedCost"], 1);
    // The reply to the restricted member's own edit is filtered too.
    let edited = app
        .as_user(
            &blind_key,
            "PATCH",
            &item_path(pid, story),
            Some(json!({"title": "Epic"})),
        )
        .await
        .expect(200);
    assert_eq!(edited["storyTasksEstimatedCost"], 3);
}

/// The nested categories, stages, importance levels, boards, tags, members and users come from
/// a cache (store::work_items::refs): every change to them shows in the next read, whether it
/// was made through the API or straight in the database (as another server on the same database
/// would), and the item's own links (tags, assignees, dependencies) and its design element's
/// counts follow their edits.
#[tokio::test]
async fn nested_references_follow_every_edit() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    let (ana, _) = app.add_user("ana").await;
    app.add_member_sql(pid, ana, false, false, None).await;
    let board = board_sql(&app, pid, "Sprint 2", None).await;
    tag_sql(&app, pid, 1, "ui").await;
    tag_sql(&app, pid, 2, "net").await;
    element_sql(&app, pid, 1, "Hero").await;
    let dep = task(&app, pid, "Dep").await;
    let item = create(
        &app,
        pid,
        json!({"title": "Item", "importanceLevelId": 1, "categoryId": 2, "boardId": board,
               "designElementId": 1, "assignedUserIds": [ana], "tagIds": [2, 1]}),
    )
    .await;
    let id = item["workItemId"].as_i64().unwrap();
    let path = format!("{}/{id}", items_path(pid));
    let page = format!("{}?boardId={board}", items_path(pid));
    let get = |p: String| {
        let app = &app;
        async move {
            let v = app.get(&p).await.expect(200);
            match v.get("items") {
                Some(items) => items[0].clone(),
                None => v,
            }
        }
    };
    for p in [path.clone(), page.clone()] {
        let w = get(p).await;
        assert_eq!(w["category"]["name"], "Art");
        assert_eq!(w["stage"]["stageId"], 1);
        assert_eq!(w["board"]["name"], "Sprint 2");
        assert_eq!(w["board"]["isDefault"], false);
        assert_eq!(w["assignedUsers"][0]["user"]["username"], "ana");
        assert_eq!(w["tags"].as_array().unwrap().len(), 2);
        assert_eq!(w["tags"][0]["name"], "ui", "tags in tag-id order");
        assert_eq!(w["hasDependencies"], false);
        assert_eq!(w["designElement"]["totalWorkItemCount"], 1);
        assert_eq!(w["designElement"]["closedWorkItemCount"], 0);
    }

    // Straight in the database: nothing in this process hears of these.
    exec(
        &app,
        "UPDATE categories SET name = 'Visuals' WHERE project_id = $1 AND category_id = 2",
        params![pid],
    )
    .await;
    exec(
        &app,
        "UPDATE stages SET name = 'Todo' WHERE project_id = $1 AND stage_id = 1",
        params![pid],
    )
    .await;
    exec(&app, "UPDATE importance_levels SET color = '#123456' WHERE project_id = $1 AND importance_level_id = 1", params![pid]).await;
    exec(
        &app,
        "UPDATE boards SET name = 'Sprint 3' WHERE id = $1",
        params![board],
    )
    .await;
    exec(
        &app,
        "UPDATE projects SET default_board_id = $1 WHERE id = $2",
        params![board, pid],
    )
    .await;
    exec(
        &app,
        "UPDATE tags SET name = 'hud' WHERE project_id = $1 AND tag_id = 1",
        params![pid],
    )
    .await;
    exec(
        &app,
        "UPDATE users SET name = 'Ana B' WHERE id = $1",
        params![ana],
    )
    .await;
    exec(
        &app,
        "UPDATE users SET name = 'The Owner' WHERE id = 1",
        params![],
    )
    .await;
    exec(
        &app,
        "UPDATE project_users SET is_admin = TRUE WHERE project_id = $1 AND user_id = $2",
        params![pid, ana],
    )
    .await;
    for p in [path.clone(), page.clone()] {
        let w = get(p).await;
        assert_eq!(w["category"]["name"], "Visuals");
        assert_eq!(w["stage"]["name"], "Todo");
        assert_eq!(w["importanceLevel"]["color"], "#123456");
        assert_eq!(w["board"]["name"], "Sprint 3");
        assert_eq!(w["board"]["isDefault"], true);
        assert_eq!(w["board"]["creator"]["name"], "The Owner");
        assert_eq!(w["user"]["name"], "The Owner");
        assert_eq!(w["tags"][0]["name"], "hud");
        assert_eq!(w["assignedUsers"][0]["user"]["name"], "Ana B");
        assert_eq!(w["assignedUsers"][0]["isAdmin"], true);
    }

    // Through the API: links, a closed stage, a new category.
    app.delete(&format!("{path}/tags/1"))
        .await
        .expect_empty(200);
    app.post(&format!("{path}/users"), json!(1))
        .await
        .expect_empty(200);
    app.post(&format!("{path}/dependencies"), json!(dep))
        .await
        .expect(201);
    let cat = app
        .post(
            &format!("/v0/projects/{pid}/categories"),
            json!({"name": "Audio"}),
        )
        .await
        .expect(201);
    app.patch(
        &path,
        json!({"stageId": 4, "categoryId": cat["categoryId"]}),
    )
    .await
    .expect(200);
    for p in [path.clone(), page.clone()] {
        let w = get(p).await;
        let tags: Vec<i64> = w["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["tagId"].as_i64().unwrap())
            .collect();
        assert_eq!(tags, vec![2]);
        let users: Vec<i64> = w["assignedUsers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["user"]["id"].as_i64().unwrap())
            .collect();
        assert_eq!(users, vec![ana, 1], "in assignment order");
        assert_eq!(w["hasDependencies"], true);
        assert_eq!(w["category"]["name"], "Audio");
        assert_eq!(w["stage"]["stageId"], 4);
        assert_eq!(w["designElement"]["totalWorkItemCount"], 1);
        assert_eq!(w["designElement"]["closedWorkItemCount"], 1);
    }
    app.delete(&format!("{path}/dependencies/{dep}"))
        .await
        .expect_empty(200);
    app.delete(&format!("{path}/tags/2"))
        .await
        .expect_empty(200);
    let w = get(path.clone()).await;
    assert_eq!(w["hasDependencies"], false);
    assert_eq!(w["tags"], json!([]));
    app.delete(&path).await.expect_empty(200);
    let de = app
        .get(&format!("/v0/projects/{pid}/designelements/1"))
        .await
        .expect(200);
    assert_eq!(de["totalWorkItemCount"], 0);
    assert_eq!(de["closedWorkItemCount"], 0);
}
