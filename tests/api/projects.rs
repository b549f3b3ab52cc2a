use questlog::http::auth::Scopes;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_new_project_comes_with_its_defaults() {
    let app = spawn_app().await;
    let p = app
        .post(
            "/v0/projects",
            json!({"name": "Dungeon", "costMetric": "HOURS", "description": "A crawler",
                   "hoursPerDay": 6, "moduleConfig": {"calendar": false}}),
        )
        .await
        .expect(201);
    assert!(p["id"].as_i64().unwrap() > 0);
    assert_eq!(p["workspaceId"], 1);
    assert_eq!(p["name"], "Dungeon");
    assert_eq!(p["description"], "A crawler");
    assert_eq!(p["costMetric"], "hours");
    assert_eq!(p["hoursPerDay"], 6);
    assert_eq!(p["isDemo"], false);
    assert_eq!(p["owner"]["id"], 1);
    assert_eq!(p["moduleConfig"]["calendar"], false);
    assert_eq!(p["moduleConfig"]["workItems"], true);
    assert_eq!(p["moduleConfig"]["forceWorkItemTag"], false);
    assert!(p.get("closingDate").is_none());
    assert!(p.get("generalInfo").is_none());
    assert!(
        p.get("projectId").is_none(),
        "projects are identified by id"
    );
    assert!(p["defaultBoardId"].as_i64().unwrap() > 0);
    let got = app
        .get(&format!("/v0/projects/{}", p["id"]))
        .await
        .expect(200);
    assert_eq!(got, p);
    let list = app.get("/v0/projects").await.expect(200);
    assert_eq!(list, json!([p]));

    // Defaults straight from the database (the config endpoints test them through HTTP).
    let pid = p["id"].as_i64().unwrap();
    let mut tx = app.db.read().await.unwrap();
    let stages: Vec<(i64, String, String)> = tx
        .all(
            "SELECT stage_id, name, status FROM stages WHERE project_id = $1 ORDER BY stage_id",
            questlog::params![pid],
        )
        .await
        .unwrap();
    assert_eq!(
        stages,
        vec![
            (1, "Planned".into(), "created".into()),
            (2, "In progress".into(), "started".into()),
            (3, "Testing".into(), "started".into()),
            (4, "Completed".into(), "closed".into()),
        ]
    );
    let cats: Vec<(i64, String)> = tx
        .all(
            "SELECT category_id, name FROM categories WHERE project_id = $1 ORDER BY category_id",
            questlog::params![pid],
        )
        .await
        .unwrap();
    assert_eq!(cats.len(), 8);
    assert_eq!(cats[7], (8, "Bug".into()));
    let (n,): (i64,) = tx
        .one(
            "SELECT COUNT(*) FROM design_element_types WHERE project_id = $1",
            questlog::params![pid],
        )
        .await
        .unwrap();
    assert_eq!(n, 13);
    let levels: Vec<(i64, String, bool)> = tx
        .all(
            "SELECT importance_level_id, name, is_default FROM importance_levels WHERE project_id = $1 ORDER BY 1",
            questlog::params![pid],
        )
        .await
        .unwrap();
    assert_eq!(levels[2], (3, "Normal".into(), true));
    let board: (String,) = tx
        .one(
            "SELECT name FROM boards WHERE id = $1",
            questlog::params![p["defaultBoardId"].as_i64().unwrap()],
        )
        .await
        .unwrap();
    assert_eq!(board.0, "Sprint 1");
}

#[tokio::test]
async fn per_project_sequences_restart_in_each_project() {
    let app = spawn_app().await;
    let a = app.project("A").await;
    let b = app.project("B").await;
    assert_ne!(a, b);
    let mut tx = app.db.read().await.unwrap();
    let ids: Vec<(i64,)> = tx
        .all(
            "SELECT category_id FROM categories WHERE project_id = $1 ORDER BY 1",
            questlog::params![b],
        )
        .await
        .unwrap();
    assert_eq!(ids.first(), Some(&(1,)));
}

#[tokio::test]
async fn create_validates_every_field() {
    let app = spawn_app().await;
    let r = app
        .post("/v0/projects", json!({"name": "X", "costMetric": "gold"}))
        .await;
    assert_eq!(
        r.expect(400),
        json!({"message": "The request is invalid.", "modelState": {"costMetric": ["The cost metric is invalid."]}})
    );
    let r = app
        .post("/v0/projects", json!({"costMetric": "days"}))
        .await
        .expect(400);
    assert!(r["modelState"]["name"].is_array());
    let r = app
        .post("/v0/projects", json!({"name": "X"}))
        .await
        .expect(400);
    assert!(r["modelState"]["costMetric"].is_array());
    for bad in [json!(-1), json!(0), json!(1e300), json!(25)] {
        let r = app
            .post(
                "/v0/projects",
                json!({"name": "X", "costMetric": "days", "hoursPerDay": bad}),
            )
            .await
            .expect(400);
        assert!(r["modelState"]["hoursPerDay"].is_array());
    }
    let r = app
        .post(
            "/v0/projects",
            json!({"name": "X", "costMetric": "days", "moduleConfig": {"calendar": "no"}}),
        )
        .await
        .expect(400);
    assert!(r["modelState"]["moduleConfig"].is_array());
    let r = app
        .post(
            "/v0/projects",
            json!({"name": "a\u{0}b", "costMetric": "days"}),
        )
        .await
        .expect(400);
    assert!(r["modelState"]["name"].is_array());
    let r = app
        .post(
            "/v0/projects",
            json!({"name": "x".repeat(256), "costMetric": "days"}),
        )
        .await
        .expect(400);
    assert!(r["modelState"]["name"].is_array());
    let r = app
        .post(
            "/v0/projects",
            json!({"name": "X", "costMetric": "days", "workspaceId": 77}),
        )
        .await
        .expect(400);
    assert!(r["modelState"]["workspaceId"].is_array());
    assert_eq!(app.get("/v0/projects").await.expect(200), json!([]));
    // Odd but valid unicode is kept as sent.
    let name = "🎮 Zoë's «RPG» 日本語 \u{200d}";
    let p = app
        .post(
            "/v0/projects",
            json!({"name": name, "costMetric": "points"}),
        )
        .await
        .expect(201);
    assert_eq!(p["name"], name);
}

#[tokio::test]
async fn put_replaces_and_patch_merges() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let url = format!("/v0/projects/{pid}");
    let p = app
        .patch(
            &url,
            json!({"description": "d", "generalInfo": "g", "moduleConfig": {"metrics": false}}),
        )
        .await
        .expect(200);
    assert_eq!(p["name"], "P");
    assert_eq!(p["description"], "d");
    assert_eq!(p["generalInfo"], "g");
    assert_eq!(p["moduleConfig"]["metrics"], false);
    let p = app
        .patch(&url, json!({"description": null}))
        .await
        .expect(200);
    assert!(p.get("description").is_none());
    assert_eq!(p["generalInfo"], "g");
    let p = app
        .put(&url, json!({"name": "Q", "costMetric": "points"}))
        .await
        .expect(200);
    assert_eq!(p["name"], "Q");
    assert_eq!(p["costMetric"], "points");
    assert!(
        p.get("generalInfo").is_none(),
        "PUT clears omitted optionals"
    );
    assert_eq!(p["hoursPerDay"], 8);
    assert_eq!(p["moduleConfig"]["metrics"], false, "module config is kept");
    let r = app
        .put(&url, json!({"costMetric": "points"}))
        .await
        .expect(400);
    assert!(r["modelState"]["name"].is_array());
    app.patch("/v0/projects/999", json!({"name": "x"}))
        .await
        .expect_empty(404);
    assert_eq!(app.get(&url).await.expect(200)["name"], "Q");
}

#[tokio::test]
async fn closure_is_409_when_repeated() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let url = format!("/v0/projects/{pid}/closure");
    // No body at all, per BEHAVIOUR.md §4.
    app.call("POST", &url, Some(OWNER_KEY), None)
        .await
        .expect_empty(200);
    let p = app.get(&format!("/v0/projects/{pid}")).await.expect(200);
    assert!(p["closingDate"].is_string());
    let r = app.call("POST", &url, Some(OWNER_KEY), None).await;
    assert_eq!(r.expect(409)["message"], "The project is already closed.");
    app.delete(&url).await.expect_empty(200);
    let r = app.delete(&url).await;
    assert_eq!(r.expect(409)["message"], "The project is already open.");
    let p = app.get(&format!("/v0/projects/{pid}")).await.expect(200);
    assert!(p.get("closingDate").is_none());
}

#[tokio::test]
async fn non_members_and_plain_members_are_kept_out() {
    let app = spawn_app().await;
    let pid = app.project("Secret").await;
    let (_, key) = app.add_user("eve").await;
    let url = format!("/v0/projects/{pid}");
    let r = app.as_user(&key, "GET", &url, None).await;
    assert_eq!(r.status, 403);
    assert!(!r.text.contains("Secret"));
    assert_eq!(
        app.as_user(&key, "GET", "/v0/projects", None)
            .await
            .expect(200),
        json!([])
    );
    assert_eq!(
        app.as_user(&key, "PATCH", &url, Some(json!({"name": "x"})))
            .await
            .status,
        403
    );
    assert_eq!(app.as_user(&key, "DELETE", &url, None).await.status, 403);
    assert_eq!(
        app.as_user(&key, "POST", &format!("{url}/closure"), None)
            .await
            .status,
        403
    );
    // Unknown projects stay 404 for everyone.
    app.as_user(&key, "GET", "/v0/projects/424242", None)
        .await
        .expect_empty(404);
    assert_eq!(app.get(&url).await.expect(200)["name"], "Secret");
}

#[tokio::test]
async fn only_the_owner_deletes_and_transfers() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let (bo, bo_key) = app.add_user("bo").await;
    // bo joins as an admin (direct insert: the project-users endpoints have their own tests).
    {
        let mut tx = app.db.write().await.unwrap();
        tx.exec(
            "INSERT INTO project_users (project_id, user_id, is_admin, is_guest, is_active, creation_date) \
             VALUES ($1, $2, TRUE, FALSE, TRUE, '2026-01-01T00:00:00.000Z')",
            questlog::params![pid, bo],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let url = format!("/v0/projects/{pid}");
    app.as_user(&bo_key, "PATCH", &url, Some(json!({"name": "Renamed"})))
        .await
        .expect(200);
    assert_eq!(app.as_user(&bo_key, "DELETE", &url, None).await.status, 403);
    assert_eq!(
        app.as_user(&bo_key, "PUT", &format!("{url}/owner"), Some(json!(bo)))
            .await
            .status,
        403
    );
    // Unknown target → 404; bad body → 400.
    app.put(&format!("{url}/owner"), json!(999))
        .await
        .expect_empty(404);
    app.put(&format!("{url}/owner"), json!("abc"))
        .await
        .expect(400);
    // Transfer, accepting the quoted form.
    app.call(
        "PUT",
        &format!("{url}/owner"),
        Some(OWNER_KEY),
        Some(&format!("\"{bo}\"")),
    )
    .await
    .expect_empty(200);
    assert_eq!(app.get(&url).await.expect(200)["owner"]["id"], bo);
    assert_eq!(
        app.delete(&url).await.status,
        403,
        "the old owner no longer owns it"
    );
    app.as_user(&bo_key, "DELETE", &url, None)
        .await
        .expect_empty(200);
    app.get(&url).await.expect_empty(404);
    let mut tx = app.db.read().await.unwrap();
    let (n,): (i64,) = tx
        .one(
            "SELECT COUNT(*) FROM categories WHERE project_id = $1",
            questlog::params![pid],
        )
        .await
        .unwrap();
    assert_eq!(n, 0, "everything of the project is gone");
}

#[tokio::test]
async fn guests_cannot_create_projects_in_the_workspace() {
    let app = spawn_app().await;
    let (_, key) = app.add_user_scoped("gus", Scopes::ALL).await;
    {
        let mut tx = app.db.write().await.unwrap();
        tx.exec(
            "UPDATE workspace_users SET is_guest = TRUE WHERE user_id = 2",
            &[],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let r = app
        .as_user(
            &key,
            "POST",
            "/v0/projects",
            Some(json!({"name": "G", "costMetric": "hours"})),
        )
        .await;
    assert_eq!(r.status, 403);
}
