//! Tests of the stages endpoints.

use questlog::http::auth::Scopes;
use serde_json::{Value, json};

use crate::helpers::*;

/// (stage_id, closing_date, update_date) of a work item.
async fn item(app: &TestApp, pid: i64, id: i64) -> (i64, Option<String>, String) {
    let mut tx = app.db.read().await.unwrap();
    tx.one(
        "SELECT stage_id, closing_date, update_date FROM work_items WHERE project_id = $1 AND work_item_id = $2",
        questlog::params![pid, id],
    )
    .await
    .unwrap()
}

async fn exec(app: &TestApp, sql: &str, pid: i64) {
    let mut tx = app.db.write().await.unwrap();
    tx.exec(sql, questlog::params![pid]).await.unwrap();
    tx.commit().await.unwrap();
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| s["stageId"].as_i64().unwrap())
        .collect()
}

const OLD: &str = "2026-01-01T00:00:00.000Z";

#[tokio::test]
async fn a_new_project_lists_its_four_default_stages() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let list = app
        .get(&format!("/v0/projects/{pid}/stages"))
        .await
        .expect(200);
    let got: Vec<(i64, &str, &str, bool)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["stageId"].as_i64().unwrap(),
                s["name"].as_str().unwrap(),
                s["status"].as_str().unwrap(),
                s["isUnblocker"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (1, "Planned", "created", false),
            (2, "In progress", "started", false),
            (3, "Testing", "started", false),
            (4, "Completed", "closed", false),
        ]
    );
    for s in list.as_array().unwrap() {
        assert_eq!(s["projectId"], pid);
        assert!(s["icon"].is_string() && s["color"].is_string());
        assert!(s["creationDate"].as_str().unwrap().ends_with('Z'));
        assert!(s.get("displayOrder").is_none());
    }
    let one = app
        .get(&format!("/v0/projects/{pid}/stages/4"))
        .await
        .expect(200);
    assert_eq!(one, list[3]);
}

#[tokio::test]
async fn create_get_put_and_patch() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let url = format!("/v0/projects/{pid}/stages");
    let s = app
        .post(
            &url,
            json!({"name": "Review", "status": " STARTED ", "isUnblocker": true,
                   "color": "#abcdef", "icon": "eye"}),
        )
        .await
        .expect(201);
    assert_eq!(
        s,
        json!({"projectId": pid, "stageId": 5, "name": "Review", "icon": "eye", "color": "#abcdef",
               "status": "started", "isUnblocker": true, "creationDate": s["creationDate"]})
    );
    let one = format!("{url}/5");
    assert_eq!(app.get(&one).await.expect(200), s);
    // Missing icon → a default icon (the real service 500s); missing status → created.
    let d = app.post(&url, json!({"name": "Idea"})).await.expect(201);
    assert_eq!(d["stageId"], 6);
    assert_eq!(d["status"], "created");
    assert_eq!(d["isUnblocker"], false);
    assert_eq!(d["icon"], "planned");
    assert!(d.get("color").is_none());
    let c = app
        .post(&url, json!({"name": "Shipped", "status": "Closed"}))
        .await
        .expect(201);
    assert_eq!(
        (c["status"].as_str(), c["icon"].as_str()),
        (Some("closed"), Some("completed"))
    );
    assert_eq!(
        ids(&app.get(&url).await.expect(200)),
        vec![1, 2, 3, 4, 5, 6, 7]
    );

    // PATCH keeps what it does not name.
    let p = app
        .patch(&one, json!({"name": "Peer review"}))
        .await
        .expect(200);
    assert_eq!(p["name"], "Peer review");
    assert_eq!(p["icon"], "eye");
    assert_eq!(p["color"], "#abcdef");
    assert_eq!(p["status"], "started");
    assert_eq!(p["isUnblocker"], true);
    assert_eq!(p["creationDate"], s["creationDate"]);
    let p = app
        .patch(
            &one,
            json!({"color": null, "isUnblocker": false, "status": "CREATED"}),
        )
        .await
        .expect(200);
    assert!(p.get("color").is_none());
    assert_eq!(p["isUnblocker"], false);
    assert_eq!(p["status"], "created");
    assert_eq!(p["icon"], "eye");
    // PUT resets omitted optionals: no colour, default icon, not an unblocker; status is kept.
    app.patch(&one, json!({"color": "#fff", "isUnblocker": true}))
        .await
        .expect(200);
    let p = app.put(&one, json!({"name": "Check"})).await.expect(200);
    assert_eq!(
        p,
        json!({"projectId": pid, "stageId": 5, "name": "Check", "icon": "planned",
               "status": "created", "isUnblocker": false, "creationDate": s["creationDate"]})
    );
    let p = app
        .put(
            &one,
            json!({"name": "Check", "status": "closed", "isUnblocker": true, "color": "#000", "icon": "x"}),
        )
        .await
        .expect(200);
    assert_eq!(p["status"], "closed");
    assert_eq!(p["isUnblocker"], true);
    assert_eq!(p["color"], "#000");
    assert_eq!(p["icon"], "x");
    assert_eq!(app.get(&one).await.expect(200), p);
}

#[tokio::test]
async fn lists_follow_display_order_and_new_stages_go_last() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let url = format!("/v0/projects/{pid}/stages");
    exec(
        &app,
        "UPDATE stages SET display_order = 0 WHERE project_id = $1 AND stage_id = 3",
        pid,
    )
    .await;
    assert_eq!(ids(&app.get(&url).await.expect(200)), vec![3, 1, 2, 4]);
    app.post(&url, json!({"name": "Last"})).await.expect(201);
    assert_eq!(ids(&app.get(&url).await.expect(200)), vec![3, 1, 2, 4, 5]);
}

#[tokio::test]
async fn a_status_change_updates_the_closing_dates_of_its_items() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let w = app.work_item_sql(pid, "Jump").await;
    let url = format!("/v0/projects/{pid}/stages/1");
    app.patch(&url, json!({"status": "closed"}))
        .await
        .expect(200);
    let (stage, closing, updated) = item(&app, pid, w).await;
    assert_eq!(stage, 1);
    assert!(closing.is_some());
    assert_ne!(updated, OLD);
    // Renaming keeps the date; reopening clears it.
    app.patch(&url, json!({"name": "Done-ish"}))
        .await
        .expect(200);
    assert_eq!(item(&app, pid, w).await.1, closing);
    app.put(&url, json!({"name": "Planned", "status": "started"}))
        .await
        .expect(200);
    assert_eq!(item(&app, pid, w).await.1, None);
}

#[tokio::test]
async fn delete_moves_items_to_the_first_remaining_stage() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let url = format!("/v0/projects/{pid}/stages");
    let a = app.work_item_sql(pid, "A").await;
    let b = app.work_item_sql(pid, "B").await;
    // The closed stage comes first in display order: items moving there are closed.
    exec(
        &app,
        "UPDATE stages SET display_order = 0 WHERE project_id = $1 AND stage_id = 4",
        pid,
    )
    .await;
    app.delete(&format!("{url}/1")).await.expect_empty(200);
    app.get(&format!("{url}/1")).await.expect_empty(404);
    for w in [a, b] {
        let (stage, closing, updated) = item(&app, pid, w).await;
        assert_eq!(stage, 4);
        assert!(closing.is_some());
        assert_ne!(updated, OLD);
    }
    // Now stage 4 goes: items move to stage 2 (started) and reopen.
    exec(
        &app,
        "UPDATE work_items SET update_date = '2026-01-01T00:00:00.000Z' WHERE project_id = $1",
        pid,
    )
    .await;
    app.delete(&format!("{url}/4")).await.expect_empty(200);
    let (stage, closing, updated) = item(&app, pid, a).await;
    assert_eq!((stage, closing), (2, None));
    assert_ne!(updated, OLD);
    assert_eq!(ids(&app.get(&url).await.expect(200)), vec![2, 3]);
    app.delete(&format!("{url}/3")).await.expect_empty(200);
    let r = app.delete(&format!("{url}/2")).await;
    assert_eq!(
        r.expect(409),
        json!({"message": "The last stage can't be deleted."})
    );
    assert_eq!(ids(&app.get(&url).await.expect(200)), vec![2]);
    app.delete(&format!("{url}/1")).await.expect_empty(404);
}

#[tokio::test]
async fn permissions_by_level_and_scope() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let other = app.project("Other").await;
    let url = format!("/v0/projects/{pid}/stages");
    let (admin, admin_key) = app.add_user("ada").await;
    let (plain, plain_key) = app.add_user("pat").await;
    let (guest, guest_key) = app.add_user("gus").await;
    let (_, stranger_key) = app.add_user("eve").await;
    app.add_member_sql(pid, admin, true, false, None).await;
    app.add_member_sql(pid, plain, false, false, None).await;
    app.add_member_sql(pid, guest, false, true, None).await;
    let read_key = app.add_key(1, Scopes::parse("read").unwrap()).await;
    let body = json!({"name": "X", "status": "started"});
    for key in [&admin_key, &plain_key, &guest_key, &read_key] {
        assert_eq!(
            ids(&app.as_user(key, "GET", &url, None).await.expect(200)),
            vec![1, 2, 3, 4]
        );
        app.as_user(key, "GET", &format!("{url}/2"), None)
            .await
            .expect(200);
    }
    for key in [&plain_key, &guest_key, &read_key, &stranger_key] {
        for (m, path, b) in [
            ("POST", url.clone(), Some(body.clone())),
            ("PUT", format!("{url}/1"), Some(body.clone())),
            ("PATCH", format!("{url}/1"), Some(body.clone())),
            ("DELETE", format!("{url}/2"), None),
        ] {
            let r = app.as_user(key, m, &path, b).await;
            assert_eq!(r.status, 403, "{m} {path}: {}", r.text);
        }
    }
    assert_eq!(
        app.as_user(&stranger_key, "GET", &url, None).await.status,
        403
    );
    let s = app
        .as_user(&admin_key, "POST", &url, Some(body.clone()))
        .await
        .expect(201);
    assert_eq!(s["stageId"], 5);
    app.as_user(
        &admin_key,
        "PUT",
        &format!("{url}/5"),
        Some(json!({"name": "Y"})),
    )
    .await
    .expect(200);
    app.as_user(&admin_key, "DELETE", &format!("{url}/5"), None)
        .await
        .expect_empty(200);
    assert_eq!(ids(&app.get(&url).await.expect(200)), vec![1, 2, 3, 4]);

    app.get("/v0/projects/4242/stages").await.expect_empty(404);
    app.post("/v0/projects/4242/stages", body.clone())
        .await
        .expect_empty(404);
    app.get(&format!("{url}/99")).await.expect_empty(404);
    app.get(&format!("{url}/x")).await.expect_empty(404);
    for name in ["A", "B"] {
        app.post(
            &format!("/v0/projects/{other}/stages"),
            json!({"name": name}),
        )
        .await
        .expect(201);
    }
    for (m, b) in [
        ("GET", None),
        ("PUT", Some(body.clone())),
        ("PATCH", Some(body.clone())),
        ("DELETE", None),
    ] {
        app.as_user(OWNER_KEY, m, &format!("{url}/6"), b)
            .await
            .expect_empty(404);
    }
    assert_eq!(
        app.get(&format!("/v0/projects/{other}/stages/6"))
            .await
            .expect(200)["name"],
        "B"
    );
}

#[tokio::test]
async fn bad_input_is_rejected_and_changes_nothing() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let url = format!("/v0/projects/{pid}/stages");
    let one = format!("{url}/1");
    let before = app.get(&url).await.expect(200);
    for (m, path) in [("POST", &url), ("PUT", &one), ("PATCH", &one)] {
        for raw in [
            "{",
            "",
            "\"Planned\"",
            "{\"name\": 5}",
            "{\"name\": \"x\", \"isUnblocker\": \"yes\"}",
            "{\"name\": \"x\", \"status\": 2}",
        ] {
            let r = app.call(m, path, Some(OWNER_KEY), Some(raw)).await;
            assert_eq!(
                r.expect(400),
                json!({"message": "Invalid values object."}),
                "{m} {raw}"
            );
        }
        for (b, field) in [
            (json!({"name": "x".repeat(300)}), "name"),
            (json!({"name": "a\u{0}"}), "name"),
            (json!({"name": "ok", "status": "completed"}), "status"),
            (json!({"name": "ok", "status": "done"}), "status"),
            (json!({"name": "ok", "status": ""}), "status"),
            (json!({"name": "ok", "color": "blue"}), "color"),
            (json!({"name": "ok", "icon": "i".repeat(256)}), "icon"),
        ] {
            let r = app
                .as_user(OWNER_KEY, m, path, Some(b.clone()))
                .await
                .expect(400);
            assert!(r["modelState"][field].is_array(), "{m} {b}: {r}");
        }
    }
    for (m, path) in [("POST", &url), ("PUT", &one)] {
        let r = app
            .as_user(OWNER_KEY, m, path, Some(json!({"status": "closed"})))
            .await
            .expect(400);
        assert_eq!(r["modelState"]["name"], json!(["The name is required."]));
    }
    assert_eq!(app.get(&url).await.expect(200), before, "nothing changed");
    // The id sequence was not touched either.
    let s = app.post(&url, json!({"name": "Fifth"})).await.expect(201);
    assert_eq!(s["stageId"], 5);
}
