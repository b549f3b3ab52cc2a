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

/// Everything a client can read of a project, to prove a refused request changed nothing.
async fn snapshot(app: &TestApp, pid: i64, item: i64) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for path in [
        String::new(),
        "/workitems?limit=100".into(),
        format!("/workitems/{item}"),
        format!("/workitems/{item}/subtasks"),
        format!("/workitems/{item}/comments"),
        format!("/workitems/{item}/worklogs"),
        format!("/workitems/{item}/dependencies"),
        "/boards?includeClosed=true".into(),
        "/milestones?includeClosed=true".into(),
        "/categories".into(),
        "/tags".into(),
        "/stages".into(),
        "/importancelevels".into(),
        "/roles".into(),
        "/users".into(),
        "/designelementtypes".into(),
        "/designelements".into(),
    ] {
        out.push(
            app.get(&format!("/v0/projects/{pid}{path}"))
                .await
                .expect(200),
        );
    }
    out
}

/// Issue 8, defect 7: a closed project refuses every write (403 "The project is closed.") and
/// changes nothing; reads work; reopening, deleting and handing it over are the exceptions.
#[tokio::test]
async fn a_closed_project_refuses_every_write() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let (u2, key2) = app.add_user("second").await;
    app.add_member(pid, u2, json!({"isAdmin": true})).await;
    let p = format!("/v0/projects/{pid}");
    let item = app
        .post(
            &format!("{p}/workitems"),
            json!({"title": "Item", "importanceLevelId": 3}),
        )
        .await
        .expect(200)["workItemId"]
        .as_i64()
        .unwrap();
    let other = app
        .post(
            &format!("{p}/workitems"),
            json!({"title": "Other", "importanceLevelId": 3}),
        )
        .await
        .expect(200)["workItemId"]
        .as_i64()
        .unwrap();
    let board = app
        .post(&format!("{p}/boards"), json!({"name": "B"}))
        .await
        .expect(201)["boardId"]
        .as_i64()
        .unwrap();
    let ms = app
        .post(&format!("{p}/milestones"), json!({"name": "M"}))
        .await
        .expect(201)["milestoneId"]
        .as_i64()
        .unwrap();
    let tag = app
        .post(&format!("{p}/tags"), json!({"name": "T"}))
        .await
        .expect(201)["tagId"]
        .as_i64()
        .unwrap();
    app.call("POST", &format!("{p}/closure"), Some(OWNER_KEY), None)
        .await
        .expect_empty(200);
    let before = snapshot(&app, pid, item).await;
    let w = format!("{p}/workitems/{item}");
    let writes: Vec<(&str, String, Option<serde_json::Value>)> = vec![
        (
            "PUT",
            p.clone(),
            Some(json!({"name": "X", "costMetric": "hours"})),
        ),
        ("PATCH", p.clone(), Some(json!({"name": "X"}))),
        (
            "POST",
            format!("{p}/categories"),
            Some(json!({"name": "C"})),
        ),
        (
            "PATCH",
            format!("{p}/categories/1"),
            Some(json!({"name": "C"})),
        ),
        ("DELETE", format!("{p}/categories/1"), None),
        (
            "POST",
            format!("{p}/designelementtypes"),
            Some(json!({"name": "T"})),
        ),
        (
            "POST",
            format!("{p}/importancelevels"),
            Some(json!({"name": "L"})),
        ),
        (
            "PATCH",
            format!("{p}/importancelevels/1"),
            Some(json!({"name": "L"})),
        ),
        ("POST", format!("{p}/roles"), Some(json!({"name": "R"}))),
        (
            "POST",
            format!("{p}/stages"),
            Some(json!({"name": "S", "status": "created"})),
        ),
        ("PATCH", format!("{p}/stages/1"), Some(json!({"name": "S"}))),
        ("POST", format!("{p}/tags"), Some(json!({"name": "T2"}))),
        (
            "PATCH",
            format!("{p}/tags/{tag}"),
            Some(json!({"name": "T3"})),
        ),
        ("DELETE", format!("{p}/tags/{tag}"), None),
        (
            "PATCH",
            format!("{p}/users/{u2}"),
            Some(json!({"isAdmin": false})),
        ),
        ("DELETE", format!("{p}/users/{u2}"), None),
        (
            "POST",
            format!("{p}/milestones"),
            Some(json!({"name": "M2"})),
        ),
        (
            "PATCH",
            format!("{p}/milestones/{ms}"),
            Some(json!({"name": "M2"})),
        ),
        (
            "POST",
            format!("{p}/milestones/{ms}/closure"),
            Some(json!({})),
        ),
        ("DELETE", format!("{p}/milestones/{ms}"), None),
        ("POST", format!("{p}/boards"), Some(json!({"name": "B2"}))),
        (
            "PATCH",
            format!("{p}/boards/{board}"),
            Some(json!({"name": "B2"})),
        ),
        (
            "POST",
            format!("{p}/boards/{board}/closure"),
            Some(json!({})),
        ),
        ("POST", format!("{p}/boards/default"), Some(json!(board))),
        ("DELETE", format!("{p}/boards/{board}"), None),
        (
            "POST",
            format!("{p}/workitems"),
            Some(json!({"title": "N", "importanceLevelId": 3})),
        ),
        ("POST", w.clone(), None),
        ("PUT", w.clone(), Some(json!({"title": "X"}))),
        ("PATCH", w.clone(), Some(json!({"title": "X"}))),
        ("DELETE", format!("{p}/workitems/{other}"), None),
        ("POST", format!("{w}/subtasks"), Some(json!("Step"))),
        ("POST", format!("{w}/comments"), Some(json!("Hi"))),
        ("POST", format!("{w}/worklogs"), Some(json!({"value": 1}))),
        ("POST", format!("{w}/tags"), Some(json!(tag))),
        ("POST", format!("{w}/users"), Some(json!(u2))),
        ("POST", format!("{w}/dependencies"), Some(json!(other))),
        (
            "POST",
            format!("{p}/designelements"),
            Some(json!({"designElementTypeId": 1, "name": "D"})),
        ),
        (
            "PATCH",
            format!("{p}/designelements/1"),
            Some(json!({"name": "D"})),
        ),
    ];
    for key in [OWNER_KEY, key2.as_str()] {
        for (method, path, body) in &writes {
            let r = app.as_user(key, method, path, body.clone()).await;
            assert_eq!(
                r.expect(403),
                json!({"message": "The project is closed."}),
                "{method} {path}"
            );
        }
    }
    assert_eq!(snapshot(&app, pid, item).await, before);
    // Closing again is still a 409, and reads work while closed.
    let r = app
        .call("POST", &format!("{p}/closure"), Some(OWNER_KEY), None)
        .await;
    assert_eq!(r.expect(409)["message"], "The project is already closed.");
    // Reopened, writes work again.
    app.delete(&format!("{p}/closure")).await.expect_empty(200);
    app.patch(&w, json!({"title": "Edited"})).await.expect(200);
    app.post(&format!("{p}/tags"), json!({"name": "T2"}))
        .await
        .expect(201);
    // The owner may hand a closed project over, and the new owner delete it.
    app.call("POST", &format!("{p}/closure"), Some(OWNER_KEY), None)
        .await
        .expect_empty(200);
    app.put(&format!("{p}/owner"), json!(u2))
        .await
        .expect_empty(200);
    app.as_user(&key2, "DELETE", &p, None)
        .await
        .expect_empty(200);
    app.get(&p).await.expect_empty(404);
}

/// Issue 8, defect 10: PATCH `name: null` (or `costMetric: null`) is a 400, not "keep".
#[tokio::test]
async fn patch_null_name_is_refused() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let p = format!("/v0/projects/{pid}");
    let r = app.patch(&p, json!({"name": null})).await.expect(400);
    assert_eq!(r["modelState"]["name"], json!(["The name is required."]));
    let r = app
        .patch(&p, json!({"costMetric": null, "description": "d"}))
        .await
        .expect(400);
    assert!(r["modelState"]["costMetric"].is_array());
    let got = app.get(&p).await.expect(200);
    assert_eq!(got["name"], "P");
    assert_eq!(got["costMetric"], "hours");
    assert!(got.get("description").is_none_or(|d| d.is_null()));
}
