//! Tests of the boards endpoints, and of the metrics object (project and board).

use questlog::http::auth::Scopes;
use questlog::params;
use serde_json::{Value, json};

use crate::helpers::*;

async fn board(app: &TestApp, pid: i64, body: Value) -> Value {
    app.post(&format!("/v0/projects/{pid}/boards"), body)
        .await
        .expect(201)
}

async fn sql(app: &TestApp, sql: &str, p: &[questlog::store::Val]) {
    let mut tx = app.db.write().await.unwrap();
    tx.exec(sql, p).await.unwrap();
    tx.commit().await.unwrap();
}

async fn count(app: &TestApp, sql: &str, p: &[questlog::store::Val]) -> i64 {
    let mut tx = app.db.read().await.unwrap();
    let (n,): (i64,) = tx.one(sql, p).await.unwrap();
    n
}

async fn default_board(app: &TestApp, pid: i64) -> Option<i64> {
    app.get(&format!("/v0/projects/{pid}"))
        .await
        .expect(200)
        .get("defaultBoardId")
        .and_then(Value::as_i64)
}

/// A work item on a board (None = backlog).
async fn item_on(app: &TestApp, pid: i64, board: Option<i64>) -> i64 {
    let id = app.work_item_sql(pid, "item").await;
    sql(
        app,
        "UPDATE work_items SET board_id = $1 WHERE project_id = $2 AND work_item_id = $3",
        params![board, pid, id],
    )
    .await;
    id
}

#[tokio::test]
async fn create_get_list_put_patch() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let sprint1 = default_board(&app, pid).await.unwrap();
    let m = app
        .post(
            &format!("/v0/projects/{pid}/milestones"),
            json!({"name": "Alpha"}),
        )
        .await
        .expect(201)["milestoneId"]
        .as_i64()
        .unwrap();
    let b = board(
        &app,
        pid,
        json!({"name": "  Sprint 2 ", "milestoneId": m, "description": "d", "generalInfo": "g",
               "startDate": "2026-04-01", "dueDate": "2026-04-15T10:00:00Z"}),
    )
    .await;
    let bid = b["boardId"].as_i64().unwrap();
    assert!(bid > sprint1);
    assert_eq!(b["projectId"], pid);
    assert_eq!(b["milestoneId"], m);
    assert_eq!(b["name"], "Sprint 2");
    assert_eq!(b["description"], "d");
    assert_eq!(b["generalInfo"], "g");
    assert_eq!(b["startDate"], "2026-04-01T00:00:00.000Z");
    assert_eq!(b["dueDate"], "2026-04-15T10:00:00.000Z");
    assert_eq!(b["isDefault"], false);
    assert_eq!(b["creator"]["id"], 1);
    assert_eq!(b["creator"]["username"], "owner");
    assert!(b.get("closingDate").is_none());
    assert!(b["creationDate"].as_str().unwrap().ends_with('Z'));
    let url = format!("/v0/projects/{pid}/boards/{bid}");
    assert_eq!(app.get(&url).await.expect(200), b);

    let list = app
        .get(&format!("/v0/projects/{pid}/boards"))
        .await
        .expect(200);
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["boardId"], sprint1);
    assert_eq!(list[0]["name"], "Sprint 1");
    assert_eq!(list[0]["isDefault"], true);
    assert!(list[0].get("milestoneId").is_none());
    assert!(list[0].get("description").is_none());
    assert_eq!(list[1], b);

    // PATCH changes only what it names; null clears.
    let p = app
        .patch(&url, json!({"description": null, "dueDate": "2026-05-01"}))
        .await
        .expect(200);
    assert!(p.get("description").is_none());
    assert_eq!(p["dueDate"], "2026-05-01T00:00:00.000Z");
    assert_eq!(p["name"], "Sprint 2");
    assert_eq!(p["milestoneId"], m);
    assert_eq!(p["generalInfo"], "g");
    let p = app
        .patch(&url, json!({"milestoneId": null, "name": "S2"}))
        .await
        .expect(200);
    assert!(p.get("milestoneId").is_none());
    assert_eq!(p["name"], "S2");

    // PUT replaces everything; omitted optionals become null.
    let p = app
        .put(&url, json!({"name": "Renamed", "milestoneId": m}))
        .await
        .expect(200);
    assert_eq!(p["name"], "Renamed");
    assert_eq!(p["milestoneId"], m);
    for k in ["description", "generalInfo", "startDate", "dueDate"] {
        assert!(p.get(k).is_none(), "{k} should be gone");
    }
    assert_eq!(p["creationDate"], b["creationDate"]);
    // milestoneId 0 means none.
    let p = app
        .put(&url, json!({"name": "R", "milestoneId": 0}))
        .await
        .expect(200);
    assert!(p.get("milestoneId").is_none());
    assert_eq!(app.get(&url).await.expect(200), p);
}

#[tokio::test]
async fn bad_input_changes_nothing() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let other = app.project("Other").await;
    let foreign_m = app
        .post(
            &format!("/v0/projects/{other}/milestones"),
            json!({"name": "M"}),
        )
        .await
        .expect(201)["milestoneId"]
        .clone();
    let b = board(&app, pid, json!({"name": "B", "description": "keep"})).await;
    let bid = b["boardId"].as_i64().unwrap();
    let list_url = format!("/v0/projects/{pid}/boards");
    let url = format!("{list_url}/{bid}");
    let before = app.get(&list_url).await.expect(200);

    for (method, path) in [("POST", &list_url), ("PUT", &url), ("PATCH", &url)] {
        for raw in [
            None,
            Some(""),
            Some("{"),
            Some("[1]"),
            Some("\"x\""),
            Some("{\"name\": 5}"),
        ] {
            let r = app.call(method, path, Some(&app.key), raw).await;
            assert_eq!(
                r.expect(400),
                json!({"message": "Invalid values object."}),
                "{method} {raw:?}"
            );
        }
    }
    let cases = [
        (json!({}), "name"),
        (json!({"name": "  "}), "name"),
        (json!({"name": "x".repeat(300)}), "name"),
        (json!({"name": "a\u{0}b"}), "name"),
        (json!({"name": "B", "description": "a\u{0}"}), "description"),
        (json!({"name": "B", "startDate": "yesterday"}), "startDate"),
        (json!({"name": "B", "dueDate": "2026-02-30"}), "dueDate"),
        (
            json!({"name": "B", "startDate": "2026-05-02", "dueDate": "2026-05-01"}),
            "dueDate",
        ),
        (json!({"name": "B", "milestoneId": 999}), "milestoneId"),
        (
            json!({"name": "B", "milestoneId": foreign_m}),
            "milestoneId",
        ),
    ];
    for (body, field) in cases {
        for (method, path) in [("POST", &list_url), ("PUT", &url)] {
            let r = app
                .call(method, path, Some(&app.key), Some(&body.to_string()))
                .await
                .expect(400);
            assert_eq!(r["message"], "The request is invalid.");
            assert!(r["modelState"][field].is_array(), "{method} {body}: {r}");
        }
    }
    for (body, field) in [
        (json!({"name": ""}), "name"),
        (json!({"name": "x".repeat(300)}), "name"),
        (json!({"dueDate": "nope"}), "dueDate"),
        (json!({"startDate": "2027-01-01"}), "dueDate"),
        (json!({"milestoneId": 999}), "milestoneId"),
    ] {
        // The board has no dates yet; give it a due date for the order check.
        app.patch(&url, json!({"dueDate": "2026-06-01"}))
            .await
            .expect(200);
        let r = app.patch(&url, body.clone()).await.expect(400);
        assert!(r["modelState"][field].is_array(), "PATCH {body}: {r}");
        app.patch(&url, json!({"dueDate": null})).await.expect(200);
    }
    assert_eq!(app.get(&list_url).await.expect(200), before);
    // A path id that is not a number, or unknown, or of another project.
    app.get(&format!("{list_url}/abc")).await.expect_empty(404);
    app.get(&format!("{list_url}/9999")).await.expect_empty(404);
    let foreign_b = default_board(&app, other).await.unwrap();
    app.get(&format!("{list_url}/{foreign_b}"))
        .await
        .expect_empty(404);
    app.put(&format!("{list_url}/{foreign_b}"), json!({"name": "X"}))
        .await
        .expect_empty(404);
    app.delete(&format!("{list_url}/{foreign_b}"))
        .await
        .expect_empty(404);
    app.get("/v0/projects/9999/boards").await.expect_empty(404);
    let r = app.get(&format!("{list_url}?includeClosed=maybe")).await;
    assert_eq!(r.status.as_u16(), 400);
    assert_eq!(
        app.get(&format!("/v0/projects/{other}/boards"))
            .await
            .expect(200)
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn closure_hides_and_reopens() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let sprint1 = default_board(&app, pid).await.unwrap();
    let bid = board(&app, pid, json!({"name": "B"})).await["boardId"]
        .as_i64()
        .unwrap();
    let url = format!("/v0/projects/{pid}/boards/{bid}/closure");
    let r = app.call("POST", &url, Some(&app.key), None).await;
    assert_eq!(r.expect(400), json!({"message": "Invalid values object."}));
    let r = app.call("POST", &url, Some(&app.key), Some("42")).await;
    assert_eq!(r.expect(400), json!({"message": "Invalid values object."}));
    assert!(
        app.get(&format!("/v0/projects/{pid}/boards/{bid}"))
            .await
            .expect(200)
            .get("closingDate")
            .is_none()
    );
    app.post(&url, json!({})).await.expect_empty(200);
    let b = app
        .get(&format!("/v0/projects/{pid}/boards/{bid}"))
        .await
        .expect(200);
    assert!(b["closingDate"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        app.post(&url, json!({})).await.expect(409),
        json!({"message": "The board is already closed."})
    );
    let open = app
        .get(&format!("/v0/projects/{pid}/boards"))
        .await
        .expect(200);
    assert_eq!(open.as_array().unwrap().len(), 1);
    assert_eq!(open[0]["boardId"], sprint1);
    let all = app
        .get(&format!("/v0/projects/{pid}/boards?includeClosed=True"))
        .await
        .expect(200);
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert_eq!(all[1], b);
    let r = app
        .get(&format!("/v0/projects/{pid}/boards?includeClosed=false"))
        .await
        .expect(200);
    assert_eq!(r, open);

    app.delete(&url).await.expect_empty(200);
    assert_eq!(
        app.delete(&url).await.expect(409),
        json!({"message": "The board is already open."})
    );
    assert!(
        app.get(&format!("/v0/projects/{pid}/boards/{bid}"))
            .await
            .expect(200)
            .get("closingDate")
            .is_none()
    );

    // Closing the default board clears the project's default.
    let durl = format!("/v0/projects/{pid}/boards/{sprint1}/closure");
    app.post(&durl, json!({})).await.expect_empty(200);
    assert_eq!(default_board(&app, pid).await, None);
    app.delete(&durl).await.expect_empty(200);
    assert_eq!(default_board(&app, pid).await, None);
    app.post(
        &format!("/v0/projects/{pid}/boards/9999/closure"),
        json!({}),
    )
    .await
    .expect_empty(404);
    app.delete(&format!("/v0/projects/{pid}/boards/9999/closure"))
        .await
        .expect_empty(404);
}

#[tokio::test]
async fn default_board_is_set_and_cleared() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let other = app.project("O").await;
    let sprint1 = default_board(&app, pid).await.unwrap();
    let bid = board(&app, pid, json!({"name": "B"})).await["boardId"]
        .as_i64()
        .unwrap();
    let url = format!("/v0/projects/{pid}/boards/default");
    app.call("POST", &url, Some(&app.key), Some(&bid.to_string()))
        .await
        .expect_empty(200);
    assert_eq!(default_board(&app, pid).await, Some(bid));
    let list = app
        .get(&format!("/v0/projects/{pid}/boards"))
        .await
        .expect(200);
    assert_eq!(list[0]["isDefault"], false);
    assert_eq!(list[1]["isDefault"], true);
    // The one-field object form and a quoted id.
    app.post(&url, json!({"boardId": sprint1}))
        .await
        .expect_empty(200);
    assert_eq!(default_board(&app, pid).await, Some(sprint1));
    app.post(&url, json!(bid.to_string()))
        .await
        .expect_empty(200);
    assert_eq!(default_board(&app, pid).await, Some(bid));
    // Unknown, foreign, closed, malformed.
    app.post(&url, json!(9999)).await.expect_empty(404);
    let foreign = default_board(&app, other).await.unwrap();
    app.post(&url, json!(foreign)).await.expect_empty(404);
    app.post(
        &format!("/v0/projects/{pid}/boards/{sprint1}/closure"),
        json!({}),
    )
    .await
    .expect_empty(200);
    assert_eq!(
        app.post(&url, json!(sprint1)).await.expect(409),
        json!({"message": "The board is closed."})
    );
    for raw in [
        None,
        Some("x"),
        Some("{\"other\": 1}"),
        Some("1.5"),
        Some("true"),
    ] {
        let r = app.call("POST", &url, Some(&app.key), raw).await;
        assert_eq!(r.expect(400), json!({"message": "Invalid values object."}));
    }
    assert_eq!(default_board(&app, pid).await, Some(bid));
    app.delete(&url).await.expect_empty(200);
    assert_eq!(default_board(&app, pid).await, None);
    app.delete(&url).await.expect_empty(200);
    app.post("/v0/projects/9999/boards/default", json!(bid))
        .await
        .expect_empty(404);
    // The static route beside /boards/{boardId}: the board routes still answer.
    app.get(&format!("/v0/projects/{pid}/boards/{bid}"))
        .await
        .expect(200);
    app.patch(
        &format!("/v0/projects/{pid}/boards/{bid}"),
        json!({"name": "N"}),
    )
    .await
    .expect(200);
    assert_eq!(
        app.get(&format!("/v0/projects/{pid}/boards/default"))
            .await
            .status
            .as_u16(),
        405
    );
    // Case-insensitive path.
    app.call(
        "POST",
        &format!("/v0/Projects/{pid}/Boards/Default"),
        Some(&app.key),
        Some(&bid.to_string()),
    )
    .await
    .expect_empty(200);
    assert_eq!(default_board(&app, pid).await, Some(bid));
}

#[tokio::test]
async fn delete_moves_items_to_backlog_or_deletes_them() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let sprint1 = default_board(&app, pid).await.unwrap();
    let b1 = board(&app, pid, json!({"name": "B1"})).await["boardId"]
        .as_i64()
        .unwrap();
    let b2 = board(&app, pid, json!({"name": "B2"})).await["boardId"]
        .as_i64()
        .unwrap();
    let kept = item_on(&app, pid, Some(b1)).await;
    let story = item_on(&app, pid, Some(b2)).await;
    let task = item_on(&app, pid, Some(b2)).await;
    let child_elsewhere = item_on(&app, pid, Some(sprint1)).await;
    let other = item_on(&app, pid, Some(sprint1)).await;
    sql(
        &app,
        "UPDATE work_items SET is_story = TRUE, category_id = NULL WHERE project_id = $1 AND work_item_id = $2",
        params![pid, story],
    )
    .await;
    sql(
        &app,
        "UPDATE work_items SET parent_story_id = $1 WHERE project_id = $2 AND work_item_id IN ($3, $4)",
        params![story, pid, task, child_elsewhere],
    )
    .await;
    // Sub-rows of the items that go.
    for (q, p) in [
        (
            "INSERT INTO sub_tasks (project_id, work_item_id, sub_task_id, title, creation_date) VALUES ($1, $2, 1, 's', '2026-01-01T00:00:00.000Z')",
            params![pid, task],
        ),
        (
            "INSERT INTO work_item_users (project_id, work_item_id, user_id, creation_date) VALUES ($1, $2, 1, '2026-01-01T00:00:00.000Z')",
            params![pid, task],
        ),
        (
            "INSERT INTO work_logs (project_id, work_item_id, user_id, value, date, creation_date) VALUES ($1, $2, 1, 2.0, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
            params![pid, task],
        ),
        (
            "INSERT INTO comments (project_id, work_item_id, user_id, text, creation_date) VALUES ($1, $2, 1, 'c', '2026-01-01T00:00:00.000Z')",
            params![pid, task],
        ),
        (
            "INSERT INTO dependencies (project_id, work_item_id, depends_on_id, creation_date) VALUES ($1, $2, $3, '2026-01-01T00:00:00.000Z')",
            params![pid, other, task],
        ),
    ] {
        sql(&app, q, p).await;
    }

    // Default: the items go to the backlog.
    app.delete(&format!("/v0/projects/{pid}/boards/{b1}"))
        .await
        .expect_empty(200);
    app.get(&format!("/v0/projects/{pid}/boards/{b1}"))
        .await
        .expect_empty(404);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM work_items WHERE project_id = $1 AND work_item_id = $2 AND board_id IS NULL",
            params![pid, kept],
        )
        .await,
        1
    );

    // removeWorkItems=true: deleted with every sub-row; a child elsewhere loses its parent.
    app.delete(&format!(
        "/v0/projects/{pid}/boards/{b2}?removeWorkItems=true"
    ))
    .await
    .expect_empty(200);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM work_items WHERE project_id = $1",
            params![pid]
        )
        .await,
        3
    );
    for table in [
        "sub_tasks",
        "work_item_users",
        "work_logs",
        "comments",
        "dependencies",
    ] {
        assert_eq!(
            count(
                &app,
                &format!("SELECT COUNT(*) FROM {table} WHERE project_id = $1"),
                params![pid]
            )
            .await,
            0,
            "{table}"
        );
    }
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM work_items WHERE project_id = $1 AND work_item_id = $2 AND parent_story_id IS NULL \
             AND board_id = $3",
            params![pid, child_elsewhere, sprint1],
        )
        .await,
        1
    );

    // Deleting the default board clears the project's default; its item goes to the backlog.
    app.delete(&format!(
        "/v0/projects/{pid}/boards/{sprint1}?removeWorkItems=false"
    ))
    .await
    .expect_empty(200);
    assert_eq!(default_board(&app, pid).await, None);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM work_items WHERE project_id = $1 AND board_id IS NULL",
            params![pid]
        )
        .await,
        3
    );
    assert_eq!(
        app.get(&format!("/v0/projects/{pid}/boards"))
            .await
            .expect(200),
        json!([])
    );
    app.delete(&format!("/v0/projects/{pid}/boards/{b2}"))
        .await
        .expect_empty(404);
    let r = app
        .delete(&format!("/v0/projects/{pid}/boards/9999?removeWorkItems=x"))
        .await;
    assert_eq!(r.status.as_u16(), 400);
}

#[tokio::test]
async fn permissions() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let sprint1 = default_board(&app, pid).await.unwrap();
    let (admin_id, admin) = app.add_user("ada").await;
    let (member_id, member) = app.add_user("mel").await;
    let (guest_id, guest) = app.add_user("gus").await;
    let (_, stranger) = app.add_user("sam").await;
    app.add_member_sql(pid, admin_id, true, false, None).await;
    app.add_member_sql(pid, member_id, false, false, None).await;
    app.add_member_sql(pid, guest_id, false, true, None).await;
    let read_only = app.add_key(1, Scopes::parse("read").unwrap()).await;
    let list = format!("/v0/projects/{pid}/boards");
    let one = format!("{list}/{sprint1}");

    // Reads: every member and a read-only key; strangers are 403.
    for key in [&admin, &member, &guest, &read_only] {
        app.as_user(key, "GET", &list, None).await.expect(200);
        app.as_user(key, "GET", &one, None).await.expect(200);
        app.as_user(key, "GET", &format!("{one}/metrics"), None)
            .await
            .expect(200);
    }
    for path in [&list, &one, &format!("{one}/metrics")] {
        app.as_user(&stranger, "GET", path, None).await.expect(403);
    }
    // Writes: admins only, and only with the projects:admin scope.
    for key in [&member, &guest, &stranger, &read_only] {
        let calls: Vec<(&str, String, Option<Value>)> = vec![
            ("POST", list.clone(), Some(json!({"name": "X"}))),
            ("PUT", one.clone(), Some(json!({"name": "X"}))),
            ("PATCH", one.clone(), Some(json!({"name": "X"}))),
            ("DELETE", one.clone(), None),
            ("POST", format!("{one}/closure"), Some(json!({}))),
            ("DELETE", format!("{one}/closure"), None),
            ("POST", format!("{list}/default"), Some(json!(sprint1))),
            ("DELETE", format!("{list}/default"), None),
        ];
        for (m, p, b) in calls {
            let r = app.as_user(key, m, &p, b).await;
            assert_eq!(r.status.as_u16(), 403, "{m} {p}: {}", r.text);
        }
    }
    let b = app
        .as_user(&admin, "POST", &list, Some(json!({"name": "By admin"})))
        .await
        .expect(201);
    assert_eq!(b["creator"]["id"], admin_id);
    assert_eq!(b["creator"]["username"], "ada");
    let names: Vec<Value> = app
        .get(&list)
        .await
        .expect(200)
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("Sprint 1"), json!("By admin")]);
    assert_eq!(default_board(&app, pid).await, Some(sprint1));
    app.as_user(&admin, "DELETE", &format!("{list}/default"), None)
        .await
        .expect_empty(200);
    assert_eq!(default_board(&app, pid).await, None);
    app.call("GET", &list, None, None).await.expect(401);
}

/// Sets the fields metrics read on one work item.
async fn shape(
    app: &TestApp,
    pid: i64,
    id: i64,
    category: Option<i64>,
    stage: i64,
    cost: f64,
    created: &str,
) {
    sql(
        app,
        "UPDATE work_items SET category_id = $1, stage_id = $2, estimated_cost = $3, creation_date = $4 \
         WHERE project_id = $5 AND work_item_id = $6",
        params![category, stage, cost, created, pid, id],
    )
    .await;
}

async fn log(app: &TestApp, pid: i64, id: i64, value: f64) {
    sql(
        app,
        "INSERT INTO work_logs (project_id, work_item_id, user_id, value, date, creation_date) \
         VALUES ($1, $2, 1, $3, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
        params![pid, id, value],
    )
    .await;
}

fn zeros() -> Value {
    json!({"totalWorkItems": 0, "totalWorkItemsVariation": 0, "openWorkItems": 0, "closedWorkItems": 0,
           "estimatedCost": 0, "estimatedCostVariation": 0, "loggedCost": 0, "remainingCost": 0})
}

fn cat(m: &Value, id: i64) -> Value {
    let c = m["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"]["categoryId"] == id)
        .unwrap_or_else(|| panic!("category {id} missing in {m}"))
        .clone();
    let mut o = c.as_object().unwrap().clone();
    o.remove("category");
    Value::Object(o)
}

fn totals(m: &Value) -> Value {
    let mut o = m.as_object().unwrap().clone();
    o.remove("categories");
    Value::Object(o)
}

#[tokio::test]
async fn metrics_of_project_and_board() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let sprint1 = default_board(&app, pid).await.unwrap();
    let b2 = board(&app, pid, json!({"name": "B2"})).await["boardId"]
        .as_i64()
        .unwrap();
    let recent = questlog::model::now();
    let old = "2020-01-01T00:00:00.000Z";
    // Programming (1): open 5h (3 logged, new), closed 4h (6 logged, old), open 2h (5 logged → 0 left, old).
    let a = item_on(&app, pid, Some(sprint1)).await;
    shape(&app, pid, a, Some(1), 2, 5.0, &recent).await;
    log(&app, pid, a, 1.0).await;
    log(&app, pid, a, 2.0).await;
    let b = item_on(&app, pid, Some(sprint1)).await;
    shape(&app, pid, b, Some(1), 4, 4.0, old).await;
    log(&app, pid, b, 6.0).await;
    let c = item_on(&app, pid, Some(b2)).await;
    shape(&app, pid, c, Some(1), 1, 2.0, old).await;
    log(&app, pid, c, 5.0).await;
    // Art (2): open 1.5h, new, in the backlog.
    let d = item_on(&app, pid, None).await;
    shape(&app, pid, d, Some(2), 1, 1.5, &recent).await;
    // A user story with a cost and a log of its own: not counted; its child is.
    let story = item_on(&app, pid, Some(sprint1)).await;
    shape(&app, pid, story, None, 1, 100.0, &recent).await;
    sql(
        &app,
        "UPDATE work_items SET is_story = TRUE WHERE project_id = $1 AND work_item_id = $2",
        params![pid, story],
    )
    .await;
    log(&app, pid, story, 50.0).await;
    sql(
        &app,
        "UPDATE work_items SET parent_story_id = $1 WHERE project_id = $2 AND work_item_id = $3",
        params![story, pid, c],
    )
    .await;
    // An item of another project never shows.
    let other = app.project("O").await;
    let x = item_on(&app, other, None).await;
    shape(&app, other, x, Some(1), 1, 9.0, &recent).await;

    let m = app
        .get(&format!("/v0/projects/{pid}/metrics"))
        .await
        .expect(200);
    let cats = m["categories"].as_array().unwrap();
    assert_eq!(cats.len(), 8, "every category, in id order");
    for (i, c) in cats.iter().enumerate() {
        assert_eq!(c["category"]["categoryId"], i as i64 + 1);
        assert_eq!(c["category"]["projectId"], pid);
    }
    assert_eq!(cats[7]["category"]["name"], "Bug");
    assert_eq!(
        cat(&m, 1),
        json!({"totalWorkItems": 3, "totalWorkItemsVariation": 1, "openWorkItems": 2, "closedWorkItems": 1,
               "estimatedCost": 11, "estimatedCostVariation": 5, "loggedCost": 14, "remainingCost": 2})
    );
    assert_eq!(
        cat(&m, 2),
        json!({"totalWorkItems": 1, "totalWorkItemsVariation": 1, "openWorkItems": 1, "closedWorkItems": 0,
               "estimatedCost": 1.5, "estimatedCostVariation": 1.5, "loggedCost": 0, "remainingCost": 1.5})
    );
    assert_eq!(cat(&m, 8), zeros());
    assert_eq!(
        totals(&m),
        json!({"totalWorkItems": 4, "totalWorkItemsVariation": 2, "openWorkItems": 3, "closedWorkItems": 1,
               "estimatedCost": 12.5, "estimatedCostVariation": 6.5, "loggedCost": 14, "remainingCost": 3.5})
    );

    // Board: only its items.
    let bm = app
        .get(&format!("/v0/projects/{pid}/boards/{sprint1}/metrics"))
        .await
        .expect(200);
    assert_eq!(
        totals(&bm),
        json!({"totalWorkItems": 2, "totalWorkItemsVariation": 1, "openWorkItems": 1, "closedWorkItems": 1,
               "estimatedCost": 9, "estimatedCostVariation": 5, "loggedCost": 9, "remainingCost": 2})
    );
    assert_eq!(cat(&bm, 2), zeros());
    assert_eq!(bm["categories"].as_array().unwrap().len(), 8);
    // With userId: only items assigned to that user.
    sql(
        &app,
        "INSERT INTO work_item_users (project_id, work_item_id, user_id, creation_date) VALUES ($1, $2, 1, $3)",
        params![pid, b, old],
    )
    .await;
    let um = app
        .get(&format!(
            "/v0/projects/{pid}/boards/{sprint1}/metrics?userId=1"
        ))
        .await
        .expect(200);
    assert_eq!(
        totals(&um),
        json!({"totalWorkItems": 1, "totalWorkItemsVariation": 0, "openWorkItems": 0, "closedWorkItems": 1,
               "estimatedCost": 4, "estimatedCostVariation": 0, "loggedCost": 6, "remainingCost": 0})
    );
    let nobody = app
        .get(&format!(
            "/v0/projects/{pid}/boards/{sprint1}/metrics?userId=77"
        ))
        .await
        .expect(200);
    assert_eq!(totals(&nobody), zeros());
    let r = app
        .get(&format!(
            "/v0/projects/{pid}/boards/{sprint1}/metrics?userId=x"
        ))
        .await;
    assert_eq!(r.status.as_u16(), 400);
    // An empty board: all categories, all zeros.
    let b3 = board(&app, pid, json!({"name": "Empty"})).await["boardId"]
        .as_i64()
        .unwrap();
    let em = app
        .get(&format!("/v0/projects/{pid}/boards/{b3}/metrics"))
        .await
        .expect(200);
    assert_eq!(totals(&em), zeros());
    app.get(&format!("/v0/projects/{pid}/boards/9999/metrics"))
        .await
        .expect_empty(404);
    let foreign = default_board(&app, other).await.unwrap();
    app.get(&format!("/v0/projects/{pid}/boards/{foreign}/metrics"))
        .await
        .expect_empty(404);
    app.get("/v0/projects/9999/metrics").await.expect_empty(404);

    // A role that cannot read Programming: the category and its items are left out.
    sql(
        &app,
        "INSERT INTO roles (project_id, role_id, name, is_admin, permissions, creation_date) \
         VALUES ($1, 99, 'No code', FALSE, $2, '2026-01-01T00:00:00.000Z')",
        params![
            pid,
            r#"{"categoryPermissions":[{"categoryId":1,"canRead":false,"canWrite":false,"canUpdate":false}]}"#
        ],
    )
    .await;
    let (uid, key) = app.add_user("art").await;
    app.add_member_sql(pid, uid, false, false, Some(99)).await;
    let rm = app
        .as_user(&key, "GET", &format!("/v0/projects/{pid}/metrics"), None)
        .await
        .expect(200);
    let ids: Vec<i64> = rm["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["category"]["categoryId"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(
        totals(&rm),
        json!({"totalWorkItems": 1, "totalWorkItemsVariation": 1, "openWorkItems": 1, "closedWorkItems": 0,
               "estimatedCost": 1.5, "estimatedCostVariation": 1.5, "loggedCost": 0, "remainingCost": 1.5})
    );
    // Non-members are kept out; read-only keys may read.
    let (_, stranger) = app.add_user("sam").await;
    app.as_user(
        &stranger,
        "GET",
        &format!("/v0/projects/{pid}/metrics"),
        None,
    )
    .await
    .expect(403);
    let ro = app
        .add_key(1, Scopes::parse("projects:read").unwrap())
        .await;
    assert_eq!(
        app.as_user(&ro, "GET", &format!("/v0/projects/{pid}/metrics"), None)
            .await
            .expect(200),
        m
    );
    let wi = app
        .add_key(1, Scopes::parse("workitems:read").unwrap())
        .await;
    app.as_user(&wi, "GET", &format!("/v0/projects/{pid}/metrics"), None)
        .await
        .expect(403);
}

#[tokio::test]
async fn variation_counts_only_the_last_seven_days() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let now = chrono::Utc::now();
    let six = questlog::model::format_date(now - chrono::Duration::days(6));
    let eight = questlog::model::format_date(now - chrono::Duration::days(8));
    let a = item_on(&app, pid, None).await;
    shape(&app, pid, a, Some(3), 1, 2.25, &six).await;
    let b = item_on(&app, pid, None).await;
    shape(&app, pid, b, Some(3), 1, 7.0, &eight).await;
    let m = app
        .get(&format!("/v0/projects/{pid}/metrics"))
        .await
        .expect(200);
    assert_eq!(
        cat(&m, 3),
        json!({"totalWorkItems": 2, "totalWorkItemsVariation": 1, "openWorkItems": 2, "closedWorkItems": 0,
               "estimatedCost": 9.25, "estimatedCostVariation": 2.25, "loggedCost": 0, "remainingCost": 9.25})
    );
}

#[tokio::test]
async fn design_element_scope_counts_linked_items() {
    use questlog::store::metrics::{MetricsScope, compute};
    let app = spawn_app().await;
    let pid = app.project("P").await;
    for (de, name) in [(1, "Hub"), (2, "Cave"), (3, "Boss")] {
        sql(
            &app,
            "INSERT INTO design_elements (project_id, design_element_id, design_element_type_id, name, \
             creation_date, update_date, creator_id) VALUES ($1, $2, 1, $3, $4, $4, 1)",
            params![pid, de, name, "2026-01-01T00:00:00.000Z"],
        )
        .await;
    }
    for (de, cost) in [(Some(1), 2.0), (Some(2), 3.0), (Some(3), 5.0), (None, 7.0)] {
        let i = item_on(&app, pid, None).await;
        sql(
            &app,
            "UPDATE work_items SET design_element_id = $1, estimated_cost = $2 WHERE project_id = $3 AND work_item_id = $4",
            params![de, cost, pid, i],
        )
        .await;
    }
    let mut tx = app.db.read().await.unwrap();
    let m = compute(
        &mut tx,
        pid,
        &MetricsScope::DesignElements(vec![1, 3]),
        |_| true,
    )
    .await
    .unwrap();
    assert_eq!(m.totals.total_work_items, 2);
    assert_eq!(m.totals.estimated_cost, 7.0);
    assert_eq!(m.categories.len(), 8);
    let none = compute(&mut tx, pid, &MetricsScope::DesignElements(vec![]), |_| {
        true
    })
    .await
    .unwrap();
    assert_eq!(none.totals.total_work_items, 0);
    let only_art = compute(&mut tx, pid, &MetricsScope::Project, |c| c == 2)
        .await
        .unwrap();
    assert_eq!(only_art.categories.len(), 1);
    assert_eq!(only_art.totals.total_work_items, 0);
}

/// The backlog's positions, in position order: (work item id, boardIndex) from the API.
async fn backlog_indexes(app: &TestApp, pid: i64) -> Vec<(i64, i64)> {
    let page = app
        .get(&format!("/v0/projects/{pid}/workitems?boardId=0&limit=100"))
        .await
        .expect(200);
    let mut v: Vec<(i64, i64)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["workItemId"].as_i64().unwrap(),
                i["boardIndex"].as_i64().unwrap(),
            )
        })
        .collect();
    v.sort_by_key(|x| x.1);
    v
}

/// Issue 8, defect 8: deleting a board keeps the backlog dense; its items are appended after
/// the backlog's own, in their board order.
#[tokio::test]
async fn deleting_a_board_keeps_backlog_positions_dense() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let items = format!("/v0/projects/{pid}/workitems");
    let new_item = |board: i64| json!({"title": "t", "importanceLevelId": 3, "boardId": board});
    // Backlog: two items (positions 0, 1).
    let mut backlog = Vec::new();
    for _ in 0..2 {
        backlog.push(
            app.post(&items, new_item(0)).await.expect(200)["workItemId"]
                .as_i64()
                .unwrap(),
        );
    }
    let b1 = board(&app, pid, json!({"name": "B1"})).await["boardId"]
        .as_i64()
        .unwrap();
    let b2 = board(&app, pid, json!({"name": "B2"})).await["boardId"]
        .as_i64()
        .unwrap();
    let mut on_b1 = Vec::new();
    for _ in 0..3 {
        on_b1.push(
            app.post(&items, new_item(b1)).await.expect(200)["workItemId"]
                .as_i64()
                .unwrap(),
        );
    }
    // Reorder B1 so its order is not the id order: the last item goes first.
    app.patch(&format!("{items}/{}", on_b1[2]), json!({"boardIndex": 0}))
        .await
        .expect(200);
    let mut on_b2 = Vec::new();
    for _ in 0..2 {
        on_b2.push(
            app.post(&items, new_item(b2)).await.expect(200)["workItemId"]
                .as_i64()
                .unwrap(),
        );
    }
    app.delete(&format!("/v0/projects/{pid}/boards/{b1}"))
        .await
        .expect_empty(200);
    let expected: Vec<(i64, i64)> = [backlog[0], backlog[1], on_b1[2], on_b1[0], on_b1[1]]
        .into_iter()
        .zip(0..)
        .collect();
    assert_eq!(backlog_indexes(&app, pid).await, expected);
    // Deleting a board with its items leaves the backlog untouched and dense.
    app.delete(&format!(
        "/v0/projects/{pid}/boards/{b2}?removeWorkItems=true"
    ))
    .await
    .expect_empty(200);
    assert_eq!(backlog_indexes(&app, pid).await, expected);
    for id in on_b2 {
        app.get(&format!("{items}/{id}")).await.expect_empty(404);
    }
    // A new backlog item goes last.
    let last = app.post(&items, new_item(0)).await.expect(200);
    assert_eq!(last["boardIndex"], 5);
}

/// Issue 8, defect 7: a closed board is read-only until reopened; reads still work.
#[tokio::test]
async fn a_closed_board_refuses_writes_until_reopened() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let items = format!("/v0/projects/{pid}/workitems");
    let bid = board(&app, pid, json!({"name": "B"})).await["boardId"]
        .as_i64()
        .unwrap();
    let on = app
        .post(
            &items,
            json!({"title": "On", "importanceLevelId": 3, "boardId": bid}),
        )
        .await
        .expect(200);
    let on_id = on["workItemId"].as_i64().unwrap();
    let off = app
        .post(&items, json!({"title": "Off", "importanceLevelId": 3}))
        .await
        .expect(200)["workItemId"]
        .as_i64()
        .unwrap();
    let burl = format!("/v0/projects/{pid}/boards/{bid}");
    app.post(&format!("{burl}/closure"), json!({}))
        .await
        .expect_empty(200);
    let board_before = app.get(&burl).await.expect(200);
    let closed = json!({"message": "The board is closed."});
    let writes: Vec<(&str, String, Option<Value>)> = vec![
        (
            "POST",
            items.clone(),
            Some(json!({"title": "New", "importanceLevelId": 3, "boardId": bid})),
        ),
        (
            "POST",
            format!("{items}?boardId={bid}"),
            Some(json!({"title": "New", "importanceLevelId": 3})),
        ),
        ("POST", format!("{items}/{off}?boardId={bid}"), None),
        (
            "PATCH",
            format!("{items}/{off}"),
            Some(json!({"boardId": bid})),
        ),
        (
            "PATCH",
            format!("{items}/{on_id}"),
            Some(json!({"title": "Changed"})),
        ),
        (
            "PATCH",
            format!("{items}/{on_id}"),
            Some(json!({"boardId": 0})),
        ),
        (
            "PUT",
            format!("{items}/{on_id}"),
            Some(json!({"title": "Changed", "boardId": bid})),
        ),
        ("DELETE", format!("{items}/{on_id}"), None),
        (
            "POST",
            format!("{items}/{on_id}/comments"),
            Some(json!("Hi")),
        ),
        (
            "POST",
            format!("{items}/{on_id}/subtasks"),
            Some(json!("Step")),
        ),
        (
            "POST",
            format!("{items}/{on_id}/worklogs"),
            Some(json!({"value": 1})),
        ),
        ("PUT", burl.clone(), Some(json!({"name": "Renamed"}))),
        ("PATCH", burl.clone(), Some(json!({"name": "Renamed"}))),
    ];
    for (method, path, body) in &writes {
        let r = app.as_user(OWNER_KEY, method, path, body.clone()).await;
        assert_eq!(r.expect(403), closed, "{method} {path}");
    }
    // Nothing changed; reads work.
    assert_eq!(app.get(&burl).await.expect(200), board_before);
    let still = app.get(&format!("{items}/{on_id}")).await.expect(200);
    assert_eq!(still["title"], "On");
    assert_eq!(still["board"]["boardId"], bid);
    assert!(app.get(&format!("{items}/{off}")).await.expect(200)["board"].is_null());
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM work_items WHERE project_id = $1",
            params![pid]
        )
        .await,
        2
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM sub_tasks WHERE project_id = $1",
            params![pid]
        )
        .await
            + count(
                &app,
                "SELECT COUNT(*) FROM comments WHERE project_id = $1",
                params![pid]
            )
            .await
            + count(
                &app,
                "SELECT COUNT(*) FROM work_logs WHERE project_id = $1",
                params![pid]
            )
            .await,
        0
    );
    // Items elsewhere are not affected.
    app.patch(&format!("{items}/{off}"), json!({"title": "Fine"}))
        .await
        .expect(200);
    // Reopened, everything works again.
    app.delete(&format!("{burl}/closure"))
        .await
        .expect_empty(200);
    app.patch(&format!("{items}/{on_id}"), json!({"title": "Changed"}))
        .await
        .expect(200);
    app.patch(&format!("{items}/{off}"), json!({"boardId": bid}))
        .await
        .expect(200);
    app.patch(&burl, json!({"name": "Renamed"}))
        .await
        .expect(200);
    // A closed board can still be deleted.
    app.post(&format!("{burl}/closure"), json!({}))
        .await
        .expect_empty(200);
    app.delete(&burl).await.expect_empty(200);
    assert_eq!(backlog_indexes(&app, pid).await.len(), 2);
}
