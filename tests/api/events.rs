use questlog::http::auth::Scopes;
use serde_json::{Value, json};

use crate::design_elements::design_role;
use crate::helpers::*;

async fn sql(app: &TestApp, q: &str, p: &[questlog::store::Val]) {
    let mut tx = app.db.write().await.unwrap();
    tx.exec(q, p).await.unwrap();
    tx.commit().await.unwrap();
}

async fn board(app: &TestApp, pid: i64, name: &str, start: Option<&str>, due: Option<&str>) -> i64 {
    let mut tx = app.db.write().await.unwrap();
    let (id,): (i64,) = tx
        .one(
            "INSERT INTO boards (project_id, name, start_date, due_date, creation_date, creator_id) \
             VALUES ($1, $2, $3, $4, '2026-01-01T00:00:00.000Z', 1) RETURNING id",
            questlog::params![pid, name, start, due],
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn milestone(
    app: &TestApp,
    pid: i64,
    name: &str,
    start: Option<&str>,
    due: Option<&str>,
) -> i64 {
    let mut tx = app.db.write().await.unwrap();
    let (id,): (i64,) = tx
        .one(
            "INSERT INTO milestones (project_id, name, start_date, due_date, creation_date, creator_id) \
             VALUES ($1, $2, $3, $4, '2026-01-01T00:00:00.000Z', 1) RETURNING id",
            questlog::params![pid, name, start, due],
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

async fn item(app: &TestApp, pid: i64, title: &str, start: Option<&str>, due: Option<&str>) -> i64 {
    let id = app.work_item_sql(pid, title).await;
    sql(
        app,
        "UPDATE work_items SET start_date = $1, due_date = $2 WHERE project_id = $3 AND work_item_id = $4",
        questlog::params![start, due, pid, id],
    )
    .await;
    id
}

fn names(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect()
}

/// A project with one event of each kind in March 2026; returns its id.
async fn calendar(app: &TestApp) -> i64 {
    let pid = app.project("Calendar").await;
    board(
        app,
        pid,
        "Sprint A",
        Some("2026-03-02T00:00:00.000Z"),
        Some("2026-03-13T00:00:00.000Z"),
    )
    .await;
    board(app, pid, "Undated board", None, None).await;
    milestone(app, pid, "Alpha", None, Some("2026-03-20T00:00:00.000Z")).await;
    item(
        app,
        pid,
        "Jump",
        Some("2026-03-05T09:30:00.000Z"),
        Some("2026-03-06T17:00:00.000Z"),
    )
    .await;
    item(app, pid, "Undated item", None, None).await;
    app.post(
        &format!("/v0/projects/{pid}/designelements"),
        json!({"designElementTypeId": 1, "name": "Chapter 1", "startDate": "2026-03-10"}),
    )
    .await
    .expect(201);
    pid
}

#[tokio::test]
async fn events_of_every_kind_in_the_window() {
    let app = spawn_app().await;
    let pid = calendar(&app).await;
    let all = app
        .get(&format!(
            "/v0/projects/{pid}/events?from=2026-03-01&to=2026-03-31"
        ))
        .await
        .expect(200);
    assert_eq!(
        names(&all),
        ["Sprint A", "Jump", "Chapter 1", "Alpha"],
        "by start date"
    );
    let sprint = &all[0];
    assert_eq!(sprint["projectId"], pid);
    assert!(
        sprint["url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("/v0/projects/{pid}/boards/"))
    );
    assert_eq!(sprint["startDate"], "2026-03-02T00:00:00.000Z");
    assert_eq!(sprint["endDate"], "2026-03-13T00:00:00.000Z");
    assert_eq!(sprint["isAllDayEvent"], true);
    assert!(sprint.get("category").is_none());
    assert_eq!(sprint["backgroundColor"], "#2c3e50");
    assert_eq!(sprint["textColor"], "#ffffff");
    let jump = &all[1];
    assert_eq!(jump["url"], format!("/v0/projects/{pid}/workitems/1"));
    assert_eq!(jump["category"]["categoryId"], 1);
    assert_eq!(jump["category"]["name"], "Programming");
    assert_eq!(jump["backgroundColor"], "#3498db", "the category's color");
    assert_eq!(jump["isAllDayEvent"], false);
    assert_eq!(jump["startDate"], "2026-03-05T09:30:00.000Z");
    let chapter = &all[2];
    assert_eq!(
        chapter["url"],
        format!("/v0/projects/{pid}/designelements/1")
    );
    assert_eq!(
        chapter["startDate"], chapter["endDate"],
        "one date: a one-day event"
    );
    assert_eq!(chapter["backgroundColor"], "#16a085");
    let alpha = &all[3];
    assert!(alpha["url"].as_str().unwrap().contains("/milestones/"));
    assert_eq!(alpha["startDate"], "2026-03-20T00:00:00.000Z");
    assert_eq!(alpha["backgroundColor"], "#8e44ad");
}

#[tokio::test]
async fn window_edges_are_inclusive() {
    let app = spawn_app().await;
    let pid = calendar(&app).await;
    let ev = |from: &str, to: &str| format!("/v0/projects/{pid}/events?from={from}&to={to}");
    // The sprint ends on the 13th at midnight: a window starting then still touches it.
    let r = app.get(&ev("2026-03-13", "2026-03-13")).await.expect(200);
    assert_eq!(names(&r), ["Sprint A"]);
    // A date-only `to` covers the whole day: Jump starts at 09:30 on the 5th.
    let r = app.get(&ev("2026-03-04", "2026-03-05")).await.expect(200);
    assert_eq!(names(&r), ["Sprint A", "Jump"]);
    // With a time, `to` is exact.
    let r = app
        .get(&ev("2026-03-04T00:00:00Z", "2026-03-05T09:00:00Z"))
        .await
        .expect(200);
    assert_eq!(names(&r), ["Sprint A"]);
    let r = app
        .get(&ev("2026-03-06T17:00:00Z", "2026-03-06T17:00:00Z"))
        .await
        .expect(200);
    assert_eq!(names(&r), ["Sprint A", "Jump"]);
    let r = app.get(&ev("2026-03-20", "2026-04-30")).await.expect(200);
    assert_eq!(names(&r), ["Alpha"]);
    let r = app.get(&ev("2026-03-21", "2026-04-30")).await.expect(200);
    assert_eq!(r, json!([]));
    let r = app.get(&ev("2025-01-01", "2026-03-01")).await.expect(200);
    assert_eq!(r, json!([]));
}

#[tokio::test]
async fn bad_windows_are_rejected() {
    let app = spawn_app().await;
    let pid = calendar(&app).await;
    let base = format!("/v0/projects/{pid}/events");
    for (q, field) in [
        ("", "from"),
        ("?from=2026-03-01", "to"),
        ("?to=2026-03-01", "from"),
        ("?from=&to=2026-03-01", "from"),
        ("?from=yesterday&to=2026-03-01", "from"),
        ("?from=2026-03-01&to=2026-02-30", "to"),
        ("?from=2026-03-02&to=2026-03-01", "to"),
    ] {
        let r = app.get(&format!("{base}{q}")).await.expect(400);
        assert_eq!(r["message"], "The request is invalid.");
        assert!(r["modelState"][field][0].is_string(), "{q}: {r}");
    }
    // Same day is fine.
    app.get(&format!("{base}?from=2026-03-01&to=2026-03-01"))
        .await
        .expect(200);
    app.get("/v0/projects/999/events?from=2026-03-01&to=2026-03-02")
        .await
        .expect_empty(404);
    app.call(
        "GET",
        &format!("{base}?from=2026-03-01&to=2026-03-02"),
        None,
        None,
    )
    .await
    .expect(401);
}

#[tokio::test]
async fn events_respect_permissions_and_modules() {
    let app = spawn_app().await;
    let pid = calendar(&app).await;
    // A user story (no category) and an item in a category the role cannot read.
    let story = item(&app, pid, "Story", Some("2026-03-03T00:00:00.000Z"), None).await;
    sql(
        &app,
        "UPDATE work_items SET is_story = TRUE, category_id = NULL WHERE project_id = $1 AND work_item_id = $2",
        questlog::params![pid, story],
    )
    .await;
    let art = item(&app, pid, "Paint", Some("2026-03-04T00:00:00.000Z"), None).await;
    sql(
        &app,
        "UPDATE work_items SET category_id = 2 WHERE project_id = $1 AND work_item_id = $2",
        questlog::params![pid, art],
    )
    .await;
    let q = format!("/v0/projects/{pid}/events?from=2026-03-01&to=2026-03-31");
    let all = app.get(&q).await.expect(200);
    assert_eq!(
        names(&all),
        ["Sprint A", "Story", "Paint", "Jump", "Chapter 1", "Alpha"]
    );
    assert_eq!(all[1]["category"]["categoryId"], -1);
    assert_eq!(all[1]["category"]["name"], "User story");
    assert_eq!(all[1]["isAllDayEvent"], true);

    let (uid, key) = app.add_user("limited").await;
    let rid = design_role(&app, pid, false, false).await;
    sql(
        &app,
        "UPDATE roles SET permissions = $1 WHERE project_id = $2 AND role_id = $3",
        questlog::params![
            json!({"categoryPermissions": [{"categoryId": 2, "canRead": false}],
                   "gameDesignModelPermissions": {"canRead": false, "canWrite": false}})
            .to_string(),
            pid,
            rid
        ],
    )
    .await;
    app.add_member_sql(pid, uid, false, false, Some(rid)).await;
    let r = app.as_user(&key, "GET", &q, None).await.expect(200);
    assert_eq!(names(&r), ["Sprint A", "Story", "Jump", "Alpha"]);

    let (gid, guest) = app.add_user("guest").await;
    app.add_member_sql(pid, gid, false, true, None).await;
    let r = app.as_user(&guest, "GET", &q, None).await.expect(200);
    assert_eq!(names(&r), names(&all), "guests read everything");
    let (_, outsider) = app.add_user("outsider").await;
    app.as_user(&outsider, "GET", &q, None).await.expect(403);
    // A key without the work-items and design-model scopes sees boards and milestones only.
    let pkey = app
        .add_key(1, Scopes::parse("projects:read").unwrap())
        .await;
    let r = app.as_user(&pkey, "GET", &q, None).await.expect(200);
    assert_eq!(names(&r), ["Sprint A", "Alpha"]);
    let wkey = app
        .add_key(1, Scopes::parse("workitems:read").unwrap())
        .await;
    app.as_user(&wkey, "GET", &q, None).await.expect(403);

    // Without the design model module, no design elements.
    app.patch(
        &format!("/v0/projects/{pid}"),
        json!({"moduleConfig": {"gameDesignModel": false}}),
    )
    .await
    .expect(200);
    let r = app.get(&q).await.expect(200);
    assert!(!names(&r).contains(&"Chapter 1".to_string()));
    assert_eq!(r.as_array().unwrap().len(), 5);
}
