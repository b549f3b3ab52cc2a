//! Tests of the importance levels endpoints.

use questlog::http::auth::Scopes;
use serde_json::{Value, json};

use crate::helpers::*;

/// The ids of the levels that are default, from the list endpoint.
async fn defaults(app: &TestApp, pid: i64) -> Vec<i64> {
    let list = app
        .get(&format!("/v0/projects/{pid}/importancelevels"))
        .await
        .expect(200);
    list.as_array()
        .unwrap()
        .iter()
        .filter(|l| l["isDefault"] == true)
        .map(|l| l["importanceLevelId"].as_i64().unwrap())
        .collect()
}

async fn level_of(app: &TestApp, pid: i64, w: i64) -> (i64, String) {
    let mut tx = app.db.read().await.unwrap();
    tx.one(
        "SELECT importance_level_id, update_date FROM work_items WHERE project_id = $1 AND work_item_id = $2",
        questlog::params![pid, w],
    )
    .await
    .unwrap()
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|l| l["importanceLevelId"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_new_project_lists_its_four_default_levels() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let list = app
        .get(&format!("/v0/projects/{pid}/importancelevels"))
        .await
        .expect(200);
    let got: Vec<(i64, &str, bool)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["importanceLevelId"].as_i64().unwrap(),
                l["name"].as_str().unwrap(),
                l["isDefault"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (1, "Urgent", false),
            (2, "High", false),
            (3, "Normal", true),
            (4, "Low", false)
        ]
    );
    for l in list.as_array().unwrap() {
        assert_eq!(l["projectId"], pid);
        assert!(l["color"].is_string() && l["icon"].is_string());
        assert!(l["creationDate"].as_str().unwrap().ends_with('Z'));
    }
    let normal = app
        .get(&format!("/v0/projects/{pid}/importancelevels/3"))
        .await
        .expect(200);
    assert_eq!(normal, list[2]);
}

#[tokio::test]
async fn create_get_put_and_patch() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let url = format!("/v0/projects/{pid}/importancelevels");
    let l = app
        .post(
            &url,
            json!({"name": "Blocker", "color": "#ff0000", "icon": "fire"}),
        )
        .await
        .expect(201);
    assert_eq!(
        l,
        json!({"projectId": pid, "importanceLevelId": 5, "name": "Blocker", "icon": "fire",
               "color": "#ff0000", "isDefault": false, "creationDate": l["creationDate"]})
    );
    let one = format!("{url}/5");
    assert_eq!(app.get(&one).await.expect(200), l);
    assert_eq!(ids(&app.get(&url).await.expect(200)), vec![1, 2, 3, 4, 5]);
    let p = app
        .patch(&one, json!({"name": "Showstopper"}))
        .await
        .expect(200);
    assert_eq!(p["name"], "Showstopper");
    assert_eq!(p["icon"], "fire");
    assert_eq!(p["color"], "#ff0000");
    assert_eq!(p["isDefault"], false);
    let p = app.patch(&one, json!({"icon": null})).await.expect(200);
    assert!(p.get("icon").is_none());
    assert_eq!(p["color"], "#ff0000");
    let p = app.put(&one, json!({"name": "Meh"})).await.expect(200);
    assert_eq!(
        p,
        json!({"projectId": pid, "importanceLevelId": 5, "name": "Meh", "isDefault": false,
               "creationDate": l["creationDate"]})
    );
    assert_eq!(app.get(&one).await.expect(200), p);
    assert_eq!(defaults(&app, pid).await, vec![3]);
}

#[tokio::test]
async fn there_is_always_exactly_one_default() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let url = format!("/v0/projects/{pid}/importancelevels");
    // A new default takes over.
    let l = app
        .post(&url, json!({"name": "Usual", "isDefault": true}))
        .await
        .expect(201);
    assert_eq!(l["isDefault"], true);
    assert_eq!(defaults(&app, pid).await, vec![5]);
    // PATCH and PUT with isDefault true move it.
    let p = app
        .patch(&format!("{url}/1"), json!({"isDefault": true}))
        .await
        .expect(200);
    assert_eq!(p["isDefault"], true);
    assert_eq!(defaults(&app, pid).await, vec![1]);
    app.put(
        &format!("{url}/2"),
        json!({"name": "High", "isDefault": true}),
    )
    .await
    .expect(200);
    assert_eq!(defaults(&app, pid).await, vec![2]);
    // Un-setting the only default is a 400 naming isDefault (PATCH false, PUT false), and
    // changes nothing; a PUT that omits it keeps it.
    for (m, b) in [
        ("PATCH", json!({"isDefault": false, "name": "Renamed"})),
        ("PUT", json!({"name": "Renamed", "isDefault": false})),
    ] {
        let r = app
            .as_user(OWNER_KEY, m, &format!("{url}/2"), Some(b))
            .await
            .expect(400);
        assert_eq!(r["message"], "The request is invalid.");
        let msg = r["modelState"]["isDefault"][0].as_str().unwrap();
        assert!(msg.contains("another level"), "{msg}");
        assert_eq!(defaults(&app, pid).await, vec![2]);
        let l = app.get(&format!("{url}/2")).await.expect(200);
        assert_eq!(l["name"], "High");
    }
    let r = app
        .put(&format!("{url}/2"), json!({"name": "High"}))
        .await
        .expect(200);
    assert_eq!(r["isDefault"], true);
    // False on a non-default changes nothing.
    let r = app
        .patch(&format!("{url}/4"), json!({"isDefault": false}))
        .await
        .expect(200);
    assert_eq!(r["isDefault"], false);
    assert_eq!(defaults(&app, pid).await, vec![2]);
    // Creating a non-default keeps the default.
    app.post(&url, json!({"name": "Other", "isDefault": false}))
        .await
        .expect(201);
    assert_eq!(defaults(&app, pid).await, vec![2]);
}

#[tokio::test]
async fn delete_refuses_the_default_and_moves_items_to_it() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let url = format!("/v0/projects/{pid}/importancelevels");
    let r = app.delete(&format!("{url}/3")).await;
    assert_eq!(
        r.expect(409),
        json!({"message": "The default importance level can't be deleted."})
    );
    // Items on level 3 (the default when made); then level 1 becomes the default.
    let w = app.work_item_sql(pid, "Jump").await;
    assert_eq!(level_of(&app, pid, w).await.0, 3);
    app.patch(&format!("{url}/1"), json!({"isDefault": true}))
        .await
        .expect(200);
    app.delete(&format!("{url}/3")).await.expect_empty(200);
    app.get(&format!("{url}/3")).await.expect_empty(404);
    let (level, updated) = level_of(&app, pid, w).await;
    assert_eq!(level, 1);
    assert_ne!(updated, "2026-01-01T00:00:00.000Z");
    app.delete(&format!("{url}/3")).await.expect_empty(404);
    app.delete(&format!("{url}/4")).await.expect_empty(200);
    assert_eq!(ids(&app.get(&url).await.expect(200)), vec![1, 2]);
    assert_eq!(app.delete(&format!("{url}/1")).await.status, 409);
    app.delete(&format!("{url}/2")).await.expect_empty(200);
    // The last one is the default, so it stays.
    assert_eq!(app.delete(&format!("{url}/1")).await.status, 409);
    assert_eq!(defaults(&app, pid).await, vec![1]);
}

#[tokio::test]
async fn permissions_by_level_and_scope() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let other = app.project("Other").await;
    let url = format!("/v0/projects/{pid}/importancelevels");
    let (admin, admin_key) = app.add_user("ada").await;
    let (plain, plain_key) = app.add_user("pat").await;
    let (guest, guest_key) = app.add_user("gus").await;
    let (_, stranger_key) = app.add_user("eve").await;
    app.add_member_sql(pid, admin, true, false, None).await;
    app.add_member_sql(pid, plain, false, false, None).await;
    app.add_member_sql(pid, guest, false, true, None).await;
    let read_key = app.add_key(1, Scopes::parse("read").unwrap()).await;
    let body = json!({"name": "X", "isDefault": true});
    for key in [&admin_key, &plain_key, &guest_key, &read_key] {
        assert_eq!(
            ids(&app.as_user(key, "GET", &url, None).await.expect(200)),
            vec![1, 2, 3, 4]
        );
        app.as_user(key, "GET", &format!("{url}/1"), None)
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
    assert_eq!(defaults(&app, pid).await, vec![3], "nothing changed");
    assert_eq!(
        app.as_user(&stranger_key, "GET", &url, None).await.status,
        403
    );
    app.as_user(&admin_key, "POST", &url, Some(body.clone()))
        .await
        .expect(201);
    assert_eq!(defaults(&app, pid).await, vec![5]);
    app.as_user(&admin_key, "DELETE", &format!("{url}/4"), None)
        .await
        .expect_empty(200);

    app.get("/v0/projects/4242/importancelevels")
        .await
        .expect_empty(404);
    app.post("/v0/projects/4242/importancelevels", body.clone())
        .await
        .expect_empty(404);
    app.get(&format!("{url}/99")).await.expect_empty(404);
    app.get(&format!("{url}/1.5")).await.expect_empty(404);
    for name in ["A", "B", "C"] {
        app.post(
            &format!("/v0/projects/{other}/importancelevels"),
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
        app.as_user(OWNER_KEY, m, &format!("{url}/7"), b)
            .await
            .expect_empty(404);
    }
    assert_eq!(defaults(&app, other).await, vec![3]);
    assert_eq!(defaults(&app, pid).await, vec![5]);
}

#[tokio::test]
async fn bad_input_is_rejected_and_changes_nothing() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let url = format!("/v0/projects/{pid}/importancelevels");
    let one = format!("{url}/1");
    let before = app.get(&url).await.expect(200);
    for (m, path) in [("POST", &url), ("PUT", &one), ("PATCH", &one)] {
        for raw in [
            "{",
            "",
            "null",
            "{\"name\": []}",
            "{\"name\": \"x\", \"isDefault\": \"true\"}",
            "{\"name\": \"x\", \"isDefault\": 1}",
        ] {
            let r = app.call(m, path, Some(OWNER_KEY), Some(raw)).await;
            assert_eq!(
                r.expect(400),
                json!({"message": "Invalid values object."}),
                "{m} {raw}"
            );
        }
        // A bad field with isDefault true must not move the default either.
        for (b, field) in [
            (json!({"name": "x".repeat(300), "isDefault": true}), "name"),
            (json!({"name": "\u{0}", "isDefault": true}), "name"),
            (
                json!({"name": "ok", "color": "#ggg", "isDefault": true}),
                "color",
            ),
            (
                json!({"name": "ok", "icon": "i".repeat(256), "isDefault": true}),
                "icon",
            ),
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
            .as_user(OWNER_KEY, m, path, Some(json!({"isDefault": true})))
            .await
            .expect(400);
        assert_eq!(r["modelState"]["name"], json!(["The name is required."]));
    }
    assert_eq!(app.get(&url).await.expect(200), before, "nothing changed");
    assert_eq!(
        app.post(&url, json!({"name": "Next"})).await.expect(201)["importanceLevelId"],
        5
    );
}
