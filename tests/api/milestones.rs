//! Tests of the milestones endpoints.

use questlog::http::auth::Scopes;
use questlog::params;
use serde_json::{Value, json};

use crate::helpers::*;

async fn milestone(app: &TestApp, pid: i64, body: Value) -> Value {
    app.post(&format!("/v0/projects/{pid}/milestones"), body)
        .await
        .expect(201)
}

async fn board(app: &TestApp, pid: i64, name: &str, milestone: Option<i64>) -> Value {
    app.post(
        &format!("/v0/projects/{pid}/boards"),
        json!({"name": name, "milestoneId": milestone}),
    )
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

async fn item_on(app: &TestApp, pid: i64, board: i64) -> i64 {
    let id = app.work_item_sql(pid, "item").await;
    sql(
        app,
        "UPDATE work_items SET board_id = $1 WHERE project_id = $2 AND work_item_id = $3",
        params![board, pid, id],
    )
    .await;
    id
}

fn id(v: &Value, key: &str) -> i64 {
    v[key].as_i64().unwrap()
}

#[tokio::test]
async fn create_get_update_with_boards() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let m = milestone(
        &app,
        pid,
        json!({"name": " Alpha ", "startDate": "2026-03-01", "dueDate": "2026-03-31T12:00:00Z",
               "generalInfo": "g", "description": "ignored", "endDate": "ignored"}),
    )
    .await;
    let mid = id(&m, "milestoneId");
    assert_eq!(m["projectId"], pid);
    assert_eq!(m["name"], "Alpha");
    assert_eq!(m["generalInfo"], "g");
    assert_eq!(m["startDate"], "2026-03-01T00:00:00.000Z");
    assert_eq!(m["dueDate"], "2026-03-31T12:00:00.000Z");
    assert_eq!(m["creator"]["id"], 1);
    assert_eq!(m["boards"], json!([]));
    assert!(m.get("closingDate").is_none());
    assert!(m.get("description").is_none());
    assert!(m.get("id").is_none());

    let b1 = board(&app, pid, "B1", Some(mid)).await;
    let b2 = board(&app, pid, "B2", Some(mid)).await;
    board(&app, pid, "Loose", None).await;
    let url = format!("/v0/projects/{pid}/milestones/{mid}");
    let got = app.get(&url).await.expect(200);
    assert_eq!(got["boards"], json!([b1, b2]));
    assert_eq!(got["name"], "Alpha");
    assert_eq!(
        app.get(&format!("{url}?includeBoards=false"))
            .await
            .expect(200),
        got
    );

    // PATCH: a single object, only named fields change.
    let p = app
        .patch(&url, json!({"name": "Beta", "generalInfo": null}))
        .await
        .expect(200);
    assert!(p.is_object());
    assert_eq!(p["name"], "Beta");
    assert!(p.get("generalInfo").is_none());
    assert_eq!(p["startDate"], m["startDate"]);
    assert_eq!(p["boards"], json!([b1, b2]));
    // PUT: every field replaced.
    let p = app
        .put(&url, json!({"name": "Gamma", "dueDate": "2026-12-01"}))
        .await
        .expect(200);
    assert!(p.is_object());
    assert_eq!(p["name"], "Gamma");
    assert_eq!(p["dueDate"], "2026-12-01T00:00:00.000Z");
    assert!(p.get("startDate").is_none());
    assert_eq!(p["creationDate"], m["creationDate"]);
    assert_eq!(app.get(&url).await.expect(200), p);
}

#[tokio::test]
async fn list_hides_closed_and_nests_boards_on_request() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let a = milestone(&app, pid, json!({"name": "A"})).await;
    let b = milestone(&app, pid, json!({"name": "B"})).await;
    let c = milestone(&app, pid, json!({"name": "C"})).await;
    let (aid, bid, cid) = (
        id(&a, "milestoneId"),
        id(&b, "milestoneId"),
        id(&c, "milestoneId"),
    );
    let ba = board(&app, pid, "on A", Some(aid)).await;
    let bc1 = board(&app, pid, "on C 1", Some(cid)).await;
    let bc2 = board(&app, pid, "on C 2", Some(cid)).await;
    app.post(
        &format!("/v0/projects/{pid}/milestones/{bid}/closure"),
        json!({}),
    )
    .await
    .expect_empty(200);
    let list_url = format!("/v0/projects/{pid}/milestones");

    let l = app.get(&list_url).await.expect(200);
    let names: Vec<&str> = l
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["A", "C"]);
    assert!(l[0].get("boards").is_none(), "boards only on request");
    let mut a_plain = a.clone();
    a_plain.as_object_mut().unwrap().remove("boards");
    assert_eq!(l[0], a_plain);

    let l = app
        .get(&format!("{list_url}?includeClosed=true&includeBoards=true"))
        .await
        .expect(200);
    assert_eq!(l.as_array().unwrap().len(), 3);
    assert_eq!(l[0]["boards"], json!([ba]));
    assert_eq!(l[1]["milestoneId"], bid);
    assert!(l[1]["closingDate"].as_str().unwrap().ends_with('Z'));
    assert_eq!(l[1]["boards"], json!([]));
    assert_eq!(l[2]["boards"], json!([bc1, bc2]));
    let l = app
        .get(&format!("{list_url}?includeBoards=1"))
        .await
        .expect(200);
    assert_eq!(l.as_array().unwrap().len(), 2);
    assert_eq!(l[1]["boards"].as_array().unwrap().len(), 2);
    let r = app.get(&format!("{list_url}?includeBoards=yes")).await;
    assert_eq!(r.status.as_u16(), 400);
    // Another project's milestones never show.
    let other = app.project("O").await;
    assert_eq!(
        app.get(&format!("/v0/projects/{other}/milestones"))
            .await
            .expect(200),
        json!([])
    );
}

#[tokio::test]
async fn bad_input_changes_nothing() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let m = milestone(&app, pid, json!({"name": "M", "startDate": "2026-01-10"})).await;
    let mid = id(&m, "milestoneId");
    let list_url = format!("/v0/projects/{pid}/milestones");
    let url = format!("{list_url}/{mid}");
    let before = app
        .get(&format!("{list_url}?includeClosed=true&includeBoards=true"))
        .await
        .expect(200);
    for (method, path) in [("POST", &list_url), ("PUT", &url), ("PATCH", &url)] {
        for raw in [
            None,
            Some(" "),
            Some("{\"name\":"),
            Some("7"),
            Some("{\"name\": [\"x\"]}"),
        ] {
            let r = app.call(method, path, Some(&app.key), raw).await;
            assert_eq!(
                r.expect(400),
                json!({"message": "Invalid values object."}),
                "{method} {raw:?}"
            );
        }
    }
    for (body, field) in [
        (json!({}), "name"),
        (json!({"name": ""}), "name"),
        (json!({"name": "m".repeat(300)}), "name"),
        (json!({"name": "\u{0}"}), "name"),
        (json!({"name": "M", "generalInfo": "x\u{0}"}), "generalInfo"),
        (json!({"name": "M", "startDate": "2026-99-01"}), "startDate"),
        (json!({"name": "M", "dueDate": "soon"}), "dueDate"),
        (
            json!({"name": "M", "startDate": "2026-02-01", "dueDate": "2026-01-31T23:59:59Z"}),
            "dueDate",
        ),
    ] {
        for (method, path) in [("POST", &list_url), ("PUT", &url)] {
            let r = app
                .call(method, path, Some(&app.key), Some(&body.to_string()))
                .await
                .expect(400);
            assert_eq!(r["message"], "The request is invalid.");
            assert!(r["modelState"][field].is_array(), "{method} {body}: {r}");
        }
    }
    // PATCH checks the order against the stored start date.
    let r = app
        .patch(&url, json!({"dueDate": "2026-01-01"}))
        .await
        .expect(400);
    assert!(r["modelState"]["dueDate"].is_array());
    let r = app
        .patch(&url, json!({"name": "x".repeat(256)}))
        .await
        .expect(400);
    assert!(r["modelState"]["name"].is_array());
    assert_eq!(
        app.get(&format!("{list_url}?includeClosed=true&includeBoards=true"))
            .await
            .expect(200),
        before
    );
    // Clearing the start date makes any due date fine.
    let p = app
        .patch(&url, json!({"startDate": null, "dueDate": "2026-01-01"}))
        .await
        .expect(200);
    assert!(p.get("startDate").is_none());

    // Unknown and foreign ids.
    let other = app.project("O").await;
    let foreign = milestone(&app, other, json!({"name": "F"})).await;
    let fid = id(&foreign, "milestoneId");
    for path in [
        format!("{list_url}/{fid}"),
        format!("{list_url}/9999"),
        format!("{list_url}/abc"),
    ] {
        app.get(&path).await.expect_empty(404);
        app.put(&path, json!({"name": "X"})).await.expect_empty(404);
        app.patch(&path, json!({"name": "X"}))
            .await
            .expect_empty(404);
        app.delete(&path).await.expect_empty(404);
        app.post(&format!("{path}/closure"), json!({}))
            .await
            .expect_empty(404);
        app.delete(&format!("{path}/closure"))
            .await
            .expect_empty(404);
        app.get(&format!("{path}/metrics")).await.expect_empty(404);
    }
    app.get("/v0/projects/9999/milestones")
        .await
        .expect_empty(404);
    assert_eq!(
        app.get(&format!("/v0/projects/{other}/milestones/{fid}"))
            .await
            .expect(200)["name"],
        "F"
    );
}

#[tokio::test]
async fn closure_and_reopening() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let mid = id(
        &milestone(&app, pid, json!({"name": "M"})).await,
        "milestoneId",
    );
    let url = format!("/v0/projects/{pid}/milestones/{mid}/closure");
    let r = app.call("POST", &url, Some(&app.key), None).await;
    assert_eq!(r.expect(400), json!({"message": "Invalid values object."}));
    let r = app.call("POST", &url, Some(&app.key), Some("[]")).await;
    assert_eq!(r.expect(400), json!({"message": "Invalid values object."}));
    app.post(&url, json!({})).await.expect_empty(200);
    let m = app
        .get(&format!("/v0/projects/{pid}/milestones/{mid}"))
        .await
        .expect(200);
    assert!(m["closingDate"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        app.post(&url, json!({})).await.expect(409),
        json!({"message": "The milestone is already closed."})
    );
    app.delete(&url).await.expect_empty(200);
    assert_eq!(
        app.delete(&url).await.expect(409),
        json!({"message": "The milestone is already open."})
    );
    let m = app
        .get(&format!("/v0/projects/{pid}/milestones/{mid}"))
        .await
        .expect(200);
    assert!(m.get("closingDate").is_none());
    // A body with fields is accepted (and ignored).
    app.post(&url, json!({"note": "done"}))
        .await
        .expect_empty(200);
}

#[tokio::test]
async fn delete_keeps_or_removes_boards_and_items() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let mid_of = |v: Value| id(&v, "milestoneId");
    let m1 = mid_of(milestone(&app, pid, json!({"name": "keep boards"})).await);
    let m2 = mid_of(milestone(&app, pid, json!({"name": "boards to backlog"})).await);
    let m3 = mid_of(milestone(&app, pid, json!({"name": "delete all"})).await);
    let b1 = id(&board(&app, pid, "b1", Some(m1)).await, "boardId");
    let b2 = id(&board(&app, pid, "b2", Some(m2)).await, "boardId");
    let b3 = id(&board(&app, pid, "b3", Some(m3)).await, "boardId");
    let b3b = id(&board(&app, pid, "b3b", Some(m3)).await, "boardId");
    let i1 = item_on(&app, pid, b1).await;
    let i2 = item_on(&app, pid, b2).await;
    let i3 = item_on(&app, pid, b3).await;
    let i3b = item_on(&app, pid, b3b).await;
    for (q, p) in [
        (
            "INSERT INTO sub_tasks (project_id, work_item_id, sub_task_id, title, creation_date) VALUES ($1, $2, 1, 's', '2026-01-01T00:00:00.000Z')",
            params![pid, i3],
        ),
        (
            "INSERT INTO tags (project_id, tag_id, name, creation_date) VALUES ($1, 1, 't', '2026-01-01T00:00:00.000Z')",
            params![pid],
        ),
        (
            "INSERT INTO work_item_tags (project_id, work_item_id, tag_id) VALUES ($1, $2, 1)",
            params![pid, i3],
        ),
        (
            "INSERT INTO work_logs (project_id, work_item_id, user_id, value, date, creation_date) VALUES ($1, $2, 1, 1.0, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
            params![pid, i3b],
        ),
    ] {
        sql(&app, q, p).await;
    }
    // Make b3 the default board: deleting it clears the default.
    app.post(&format!("/v0/projects/{pid}/boards/default"), json!(b3))
        .await
        .expect_empty(200);

    let base = format!("/v0/projects/{pid}/milestones");
    app.delete(&format!("{base}/{m1}")).await.expect_empty(200);
    let b = app
        .get(&format!("/v0/projects/{pid}/boards/{b1}"))
        .await
        .expect(200);
    assert!(b.get("milestoneId").is_none());
    app.get(&format!("{base}/{m1}")).await.expect_empty(404);

    app.delete(&format!("{base}/{m2}?deleteBoards=true"))
        .await
        .expect_empty(200);
    app.get(&format!("/v0/projects/{pid}/boards/{b2}"))
        .await
        .expect_empty(404);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM work_items WHERE project_id = $1 AND work_item_id = $2 AND board_id IS NULL",
            params![pid, i2]
        )
        .await,
        1
    );

    app.delete(&format!(
        "{base}/{m3}?deleteBoards=true&deleteWorkItems=true"
    ))
    .await
    .expect_empty(200);
    for b in [b3, b3b] {
        app.get(&format!("/v0/projects/{pid}/boards/{b}"))
            .await
            .expect_empty(404);
    }
    let left: Vec<(i64,)> = {
        let mut tx = app.db.read().await.unwrap();
        tx.all(
            "SELECT work_item_id FROM work_items WHERE project_id = $1 ORDER BY work_item_id",
            params![pid],
        )
        .await
        .unwrap()
    };
    assert_eq!(left, vec![(i1,), (i2,)]);
    for t in ["sub_tasks", "work_item_tags", "work_logs"] {
        assert_eq!(
            count(
                &app,
                &format!("SELECT COUNT(*) FROM {t} WHERE project_id = $1"),
                params![pid]
            )
            .await,
            0,
            "{t}"
        );
    }
    let p = app.get(&format!("/v0/projects/{pid}")).await.expect(200);
    assert!(p.get("defaultBoardId").is_none());
    assert_eq!(app.get(&base).await.expect(200), json!([]));
    // deleteWorkItems alone does nothing to boards.
    let m4 = mid_of(milestone(&app, pid, json!({"name": "m4"})).await);
    let b4 = id(&board(&app, pid, "b4", Some(m4)).await, "boardId");
    let i4 = item_on(&app, pid, b4).await;
    app.delete(&format!("{base}/{m4}?deleteWorkItems=true"))
        .await
        .expect_empty(200);
    app.get(&format!("/v0/projects/{pid}/boards/{b4}"))
        .await
        .expect(200);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM work_items WHERE project_id = $1 AND work_item_id = $2 AND board_id = $3",
            params![pid, i4, b4]
        )
        .await,
        1
    );
    let r = app
        .delete(&format!("{base}/9999?deleteBoards=perhaps"))
        .await;
    assert_eq!(r.status.as_u16(), 400);
}

#[tokio::test]
async fn metrics_cover_the_milestone_boards() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let mid = id(
        &milestone(&app, pid, json!({"name": "M"})).await,
        "milestoneId",
    );
    let b1 = id(&board(&app, pid, "b1", Some(mid)).await, "boardId");
    let b2 = id(&board(&app, pid, "b2", Some(mid)).await, "boardId");
    let outside = id(&board(&app, pid, "outside", None).await, "boardId");
    let old = "2020-01-01T00:00:00.000Z";
    let mut items = Vec::new();
    for (b, cost, stage) in [(b1, 3.0, 1), (b2, 4.5, 4), (outside, 10.0, 1)] {
        let i = item_on(&app, pid, b).await;
        sql(
            &app,
            "UPDATE work_items SET estimated_cost = $1, stage_id = $2, creation_date = $3, category_id = 2 \
             WHERE project_id = $4 AND work_item_id = $5",
            params![cost, stage, old, pid, i],
        )
        .await;
        items.push(i);
    }
    sql(
        &app,
        "INSERT INTO work_logs (project_id, work_item_id, user_id, value, date, creation_date) \
         VALUES ($1, $2, 1, 1.25, $3, $3)",
        params![pid, items[0], old],
    )
    .await;
    let url = format!("/v0/projects/{pid}/milestones/{mid}/metrics");
    let m = app.get(&url).await.expect(200);
    assert_eq!(m["categories"].as_array().unwrap().len(), 8);
    let art = &m["categories"][1];
    assert_eq!(art["category"]["name"], "Art");
    let expected = json!({"totalWorkItems": 2, "totalWorkItemsVariation": 0, "openWorkItems": 1,
        "closedWorkItems": 1, "estimatedCost": 7.5, "estimatedCostVariation": 0, "loggedCost": 1.25,
        "remainingCost": 1.75});
    for (k, v) in expected.as_object().unwrap() {
        assert_eq!(&art[k], v, "{k}");
        assert_eq!(&m[k], v, "{k}");
    }
    assert_eq!(m["categories"][0]["totalWorkItems"], 0);
    // userId narrows to assigned items.
    sql(
        &app,
        "INSERT INTO work_item_users (project_id, work_item_id, user_id, creation_date) VALUES ($1, $2, 1, $3)",
        params![pid, items[1], old],
    )
    .await;
    let u = app.get(&format!("{url}?userId=1")).await.expect(200);
    assert_eq!(u["totalWorkItems"], 1);
    assert_eq!(u["closedWorkItems"], 1);
    assert_eq!(u["estimatedCost"], 4.5);
    assert_eq!(u["remainingCost"], 0);
    // A milestone without boards: zeros.
    let empty = id(
        &milestone(&app, pid, json!({"name": "E"})).await,
        "milestoneId",
    );
    let e = app
        .get(&format!("/v0/projects/{pid}/milestones/{empty}/metrics"))
        .await
        .expect(200);
    assert_eq!(e["totalWorkItems"], 0);
    assert_eq!(e["estimatedCost"], 0);
}

#[tokio::test]
async fn permissions() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let mid = id(
        &milestone(&app, pid, json!({"name": "M"})).await,
        "milestoneId",
    );
    let (admin_id, admin) = app.add_user("ada").await;
    let (member_id, member) = app.add_user("mel").await;
    let (guest_id, guest) = app.add_user("gus").await;
    let (_, stranger) = app.add_user("sam").await;
    app.add_member_sql(pid, admin_id, true, false, None).await;
    app.add_member_sql(pid, member_id, false, false, None).await;
    app.add_member_sql(pid, guest_id, false, true, None).await;
    let read_only = app
        .add_key(1, Scopes::parse("projects:read").unwrap())
        .await;
    let list = format!("/v0/projects/{pid}/milestones");
    let one = format!("{list}/{mid}");
    for key in [&admin, &member, &guest, &read_only] {
        for p in [&list, &one, &format!("{one}/metrics")] {
            app.as_user(key, "GET", p, None).await.expect(200);
        }
    }
    for p in [&list, &one, &format!("{one}/metrics")] {
        app.as_user(&stranger, "GET", p, None).await.expect(403);
    }
    for key in [&member, &guest, &stranger, &read_only] {
        let calls: Vec<(&str, String, Option<Value>)> = vec![
            ("POST", list.clone(), Some(json!({"name": "X"}))),
            ("PUT", one.clone(), Some(json!({"name": "X"}))),
            ("PATCH", one.clone(), Some(json!({"name": "X"}))),
            ("DELETE", one.clone(), None),
            ("POST", format!("{one}/closure"), Some(json!({}))),
            ("DELETE", format!("{one}/closure"), None),
        ];
        for (m, p, b) in calls {
            let r = app.as_user(key, m, &p, b).await;
            assert_eq!(r.status.as_u16(), 403, "{m} {p}: {}", r.text);
        }
    }
    let got = app.get(&one).await.expect(200);
    assert_eq!(got["name"], "M");
    assert!(got.get("closingDate").is_none());
    let m = app
        .as_user(&admin, "POST", &list, Some(json!({"name": "Admin's"})))
        .await
        .expect(201);
    assert_eq!(m["creator"]["username"], "ada");
    app.as_user(&admin, "PATCH", &one, Some(json!({"name": "N"})))
        .await
        .expect(200);
    app.as_user(&admin, "DELETE", &one, None)
        .await
        .expect_empty(200);
    assert_eq!(
        app.get(&list).await.expect(200).as_array().unwrap().len(),
        1
    );
}

/// Issue 8, defect 7: a closed milestone takes no edits of its own until reopened; its boards
/// stay open (closing a milestone does not close them) but no new board joins it; it can still be
/// deleted.
#[tokio::test]
async fn a_closed_milestone_refuses_its_own_edits() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let mid = id(
        &milestone(&app, pid, json!({"name": "M"})).await,
        "milestoneId",
    );
    let b = id(&board(&app, pid, "B", Some(mid)).await, "boardId");
    let url = format!("/v0/projects/{pid}/milestones/{mid}");
    app.post(&format!("{url}/closure"), json!({}))
        .await
        .expect_empty(200);
    let before = app.get(&url).await.expect(200);
    let closed = json!({"message": "The milestone is closed."});
    assert_eq!(
        app.put(&url, json!({"name": "X"})).await.expect(403),
        closed
    );
    assert_eq!(
        app.patch(&url, json!({"name": "X"})).await.expect(403),
        closed
    );
    assert_eq!(app.get(&url).await.expect(200), before);
    // Its board is still open for edits and items.
    app.patch(
        &format!("/v0/projects/{pid}/boards/{b}"),
        json!({"name": "B2"}),
    )
    .await
    .expect(200);
    let item = app
        .post(
            &format!("/v0/projects/{pid}/workitems"),
            json!({"title": "t", "importanceLevelId": 3, "boardId": b}),
        )
        .await
        .expect(200);
    assert_eq!(item["board"]["boardId"], b);
    // No board joins a closed milestone; the one already there keeps it through a PUT.
    let r = app
        .post(
            &format!("/v0/projects/{pid}/boards"),
            json!({"name": "Late", "milestoneId": mid}),
        )
        .await
        .expect(400);
    assert_eq!(
        r["modelState"]["milestoneId"],
        json!(["The milestone is closed."])
    );
    let other = id(&board(&app, pid, "Other", None).await, "boardId");
    app.patch(
        &format!("/v0/projects/{pid}/boards/{other}"),
        json!({"milestoneId": mid}),
    )
    .await
    .expect(400);
    let kept = app
        .put(
            &format!("/v0/projects/{pid}/boards/{b}"),
            json!({"name": "B3", "milestoneId": mid}),
        )
        .await
        .expect(200);
    assert_eq!(kept["milestoneId"], mid);
    app.delete(&format!("{url}/closure"))
        .await
        .expect_empty(200);
    let m = app.patch(&url, json!({"name": "X"})).await.expect(200);
    assert_eq!(m["name"], "X");
    app.post(&format!("{url}/closure"), json!({}))
        .await
        .expect_empty(200);
    app.delete(&url).await.expect_empty(200);
    app.get(&url).await.expect_empty(404);
}

/// Issue 8, defect 8: deleting a milestone with its boards appends their items to the backlog
/// (board by board, in board order): backlog positions stay 0..n-1 with no duplicates.
#[tokio::test]
async fn deleting_a_milestone_with_boards_keeps_the_backlog_dense() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let items = format!("/v0/projects/{pid}/workitems");
    let mid = id(
        &milestone(&app, pid, json!({"name": "M"})).await,
        "milestoneId",
    );
    let b1 = id(&board(&app, pid, "B1", Some(mid)).await, "boardId");
    let b2 = id(&board(&app, pid, "B2", Some(mid)).await, "boardId");
    let mut expected = Vec::new();
    for b in [0, b1, b2, b1, 0, b2] {
        let w = app
            .post(
                &items,
                json!({"title": "t", "importanceLevelId": 3, "boardId": b}),
            )
            .await
            .expect(200)["workItemId"]
            .as_i64()
            .unwrap();
        expected.push((b, w));
    }
    app.delete(&format!(
        "/v0/projects/{pid}/milestones/{mid}?deleteBoards=true"
    ))
    .await
    .expect_empty(200);
    // Backlog first (creation order), then B1's items, then B2's.
    expected.sort_by_key(|(b, w)| (*b != 0, *b, *w));
    let page = app
        .get(&format!("{items}?boardId=0&sortField=id"))
        .await
        .expect(200);
    let mut got: Vec<(i64, i64)> = page["items"]
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
    got.sort();
    let want: Vec<(i64, i64)> = expected
        .iter()
        .zip(0..)
        .map(|((_, w), i)| (i, *w))
        .collect();
    assert_eq!(got, want);
}
