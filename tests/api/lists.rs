//! Lists and metrics at scale (issue 11): the running totals kept by the write triggers must
//! always equal what counting the items gives, through every kind of write.

use questlog::params;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::work_items::ids;

fn items(pid: i64) -> String {
    format!("/v0/projects/{pid}/workitems")
}

async fn create(app: &TestApp, pid: i64, body: Value) -> i64 {
    app.post(&items(pid), body).await.expect(200)["workItemId"]
        .as_i64()
        .unwrap()
}

async fn direct_count(app: &TestApp, pid: i64, cond: &str) -> i64 {
    let mut tx = app.db.read().await.unwrap();
    let (n,): (i64,) = tx
        .one(
            &format!("SELECT COUNT(*) FROM work_items w WHERE w.project_id = $1{cond}"),
            params![pid],
        )
        .await
        .unwrap();
    n
}

/// Every list filter the totals answer gives the count of the matching items.
async fn check_totals(app: &TestApp, key: Option<&str>, pid: i64, hidden: &str) {
    let cases = [
        ("", ""),
        ("categoryId=1", " AND w.category_id = 1"),
        ("categoryId=2", " AND w.category_id = 2"),
        ("categoryId=-1", " AND w.is_story"),
        ("stageId=2", " AND w.stage_id = 2"),
        ("importanceLevelId=3", " AND w.importance_level_id = 3"),
        (
            "categoryId=1&importanceLevelId=3",
            " AND w.category_id = 1 AND w.importance_level_id = 3",
        ),
        (
            "stageId=1&categoryId=2&importanceLevelId=1",
            " AND w.stage_id = 1 AND w.category_id = 2 AND w.importance_level_id = 1",
        ),
    ];
    for (q, cond) in cases {
        let path = format!("{}?{q}&limit=100", items(pid));
        let page = match key {
            None => app.get(&path).await.expect(200),
            Some(k) => app.as_user(k, "GET", &path, None).await.expect(200),
        };
        let expected = direct_count(app, pid, &format!("{cond}{hidden}")).await;
        assert_eq!(page["totalCount"], expected, "totalCount of ?{q}");
        assert_eq!(
            page["items"].as_array().unwrap().len() as i64,
            expected,
            "items of ?{q}"
        );
    }
}

#[tokio::test]
async fn totals_follow_every_write() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let other = app.project("O").await;
    create(
        &app,
        other,
        json!({"title": "elsewhere", "importanceLevelId": 3}),
    )
    .await;
    check_totals(&app, None, pid, "").await;

    let mut ids = Vec::new();
    for i in 0..9i64 {
        let body = json!({"title": format!("t{i}"), "categoryId": i % 3 + 1,
                          "importanceLevelId": i % 4 + 1, "estimatedCost": i});
        ids.push(create(&app, pid, body).await);
    }
    let story = create(
        &app,
        pid,
        json!({"title": "S", "isStory": true, "importanceLevelId": 3}),
    )
    .await;
    check_totals(&app, None, pid, "").await;

    // Edits that move an item between totals.
    let p = |id: i64| format!("{}/{id}", items(pid));
    app.patch(&p(ids[0]), json!({"stageId": 2}))
        .await
        .expect(200);
    app.patch(&p(ids[1]), json!({"categoryId": 2, "importanceLevelId": 1}))
        .await
        .expect(200);
    app.patch(&p(ids[2]), json!({"stageId": 2, "categoryId": 1}))
        .await
        .expect(200);
    check_totals(&app, None, pid, "").await;
    app.delete(&p(ids[3])).await.expect_empty(200);
    app.delete(&p(story)).await.expect_empty(200);
    check_totals(&app, None, pid, "").await;

    // A member who cannot read Art (2) is given totals without it.
    let perms = json!({
        "categoryPermissions": [{"categoryId": 2, "canRead": false, "canWrite": false, "canUpdate": false}],
        "gameDesignModelPermissions": {"canRead": true, "canWrite": true}
    });
    let mut tx = app.db.write().await.unwrap();
    tx.exec(
        "INSERT INTO roles (project_id, role_id, name, is_admin, permissions, creation_date) \
         VALUES ($1, 1, 'Role', FALSE, $2, '2026-01-01T00:00:00.000Z')",
        params![pid, perms.to_string()],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (blind, key) = app.add_user("blind").await;
    app.add_member_sql(pid, blind, false, false, Some(1)).await;
    check_totals(
        &app,
        Some(&key),
        pid,
        " AND (w.category_id IS NULL OR w.category_id <> 2)",
    )
    .await;

    // Deleting the project leaves no totals behind.
    app.delete(&format!("/v0/projects/{pid}"))
        .await
        .expect_empty(200);
    let mut tx = app.db.read().await.unwrap();
    let (left,): (i64,) = tx
        .one(
            "SELECT COUNT(*) FROM work_item_tallies WHERE project_id = $1",
            params![pid],
        )
        .await
        .unwrap();
    assert_eq!(left, 0);
}

async fn metrics(app: &TestApp, pid: i64) -> Value {
    app.get(&format!("/v0/projects/{pid}/metrics"))
        .await
        .expect(200)
}

#[tokio::test]
async fn logged_cost_follows_work_logs_into_item_and_metrics() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let a = create(
        &app,
        pid,
        json!({"title": "a", "categoryId": 1, "importanceLevelId": 3, "estimatedCost": 5}),
    )
    .await;
    let b = create(
        &app,
        pid,
        json!({"title": "b", "categoryId": 1, "importanceLevelId": 3, "estimatedCost": 2}),
    )
    .await;
    let logs = |id: i64| format!("{}/{id}/worklogs", items(pid));
    let l1 = app.post(&logs(a), json!({"value": 1.5})).await.expect(201)["workLogId"]
        .as_i64()
        .unwrap();
    app.post(&logs(a), json!({"value": 1.0})).await.expect(201);
    app.post(&logs(b), json!({"value": 4.0})).await.expect(201);
    let item = app.get(&format!("{}/{a}", items(pid))).await.expect(200);
    assert_eq!(item["loggedCost"], 2.5);
    let m = metrics(&app, pid).await;
    assert_eq!(m["totalWorkItems"], 2);
    assert_eq!(m["estimatedCost"], 7.0);
    assert_eq!(m["loggedCost"], 6.5);
    assert_eq!(m["remainingCost"], 2.5, "5 - 2.5, and nothing left of b");

    // Editing and deleting a log, then deleting an item with logs.
    app.put(&format!("{}/{l1}", logs(a)), json!(3.0))
        .await
        .expect(201);
    let item = app.get(&format!("{}/{a}", items(pid))).await.expect(200);
    assert_eq!(item["loggedCost"], 4.0);
    assert_eq!(metrics(&app, pid).await["remainingCost"], 1.0);
    app.delete(&format!("{}/{l1}", logs(a)))
        .await
        .expect_empty(200);
    assert_eq!(metrics(&app, pid).await["loggedCost"], 5.0);
    app.delete(&format!("{}/{b}", items(pid)))
        .await
        .expect_empty(200);
    let m = metrics(&app, pid).await;
    assert_eq!(m["totalWorkItems"], 1);
    assert_eq!(m["loggedCost"], 1.0);
    assert_eq!(m["remainingCost"], 4.0);
    assert_eq!(m["totalWorkItemsVariation"], 1);
    assert_eq!(m["estimatedCostVariation"], 5.0);

    // Closing the stage closes the item for the metrics.
    app.patch(&format!("{}/{a}", items(pid)), json!({"stageId": 4}))
        .await
        .expect(200);
    let m = metrics(&app, pid).await;
    assert_eq!(m["closedWorkItems"], 1);
    assert_eq!(m["remainingCost"], 0.0);
}

/// Deep pages (offset ≥ 1,000) are slices of the list's cached ids: they must follow every
/// write at once, on both orders, and agree with the shallow pages.
#[tokio::test]
async fn deep_pages_follow_writes() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    for i in 0..1030 {
        app.work_item_sql(pid, &format!("Item {i}")).await;
    }
    let get = |q: &str| format!("{}?{q}", items(pid));
    let deep = app.get(&get("offset=1000&limit=20")).await.expect(200);
    assert_eq!(ids(&deep), (1001..=1020).collect::<Vec<_>>());
    assert_eq!(deep["totalCount"], 1030);
    assert_eq!(deep["offset"], 1000);
    // The same page again (from the cache) is the same reply.
    assert_eq!(
        app.get(&get("offset=1000&limit=20")).await.expect(200),
        deep
    );
    let by_due = "sortField=dueDate&offset=1000&limit=20";
    assert_eq!(
        ids(&app.get(&get(by_due)).await.expect(200)),
        (1001..=1020).collect::<Vec<_>>()
    );

    // Item 1005 gets the only due date: it moves to the front of the due-date order.
    app.patch(
        &format!("{}/1005", items(pid)),
        json!({"dueDate": "2026-01-01T00:00:00.000Z"}),
    )
    .await
    .expect(200);
    let mut want: Vec<i64> = (1000..=1020).filter(|i| *i != 1005).collect();
    want.truncate(20);
    assert_eq!(ids(&app.get(&get(by_due)).await.expect(200)), want);

    // A deleted item leaves the id order at once, and the total with it.
    app.delete(&format!("{}/1010", items(pid)))
        .await
        .expect_empty(200);
    let deep = app.get(&get("offset=1000&limit=20")).await.expect(200);
    let want: Vec<i64> = (1001..=1021).filter(|i| *i != 1010).collect();
    assert_eq!(ids(&deep), want);
    assert_eq!(deep["totalCount"], 1029);
    // Past the end: empty; a deep page with a filter too.
    let last = app.get(&get("offset=1028&limit=20")).await.expect(200);
    assert_eq!(ids(&last), vec![1030]);
    assert_eq!(
        app.get(&get("offset=5000")).await.expect(200)["items"],
        json!([])
    );
    let desc = app
        .get(&get("offset=1000&limit=5&sortMode=desc"))
        .await
        .expect(200);
    assert_eq!(ids(&desc), vec![29, 28, 27, 26, 25]);
}
