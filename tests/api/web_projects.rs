//! Projects in the web app: the list, creating one from the presets, the project home.

use serde_json::json;

use crate::helpers::spawn_app;
use crate::web_client::{count, owner_browser, user_browser};

#[tokio::test]
async fn a_project_created_in_the_browser_has_the_presets() {
    let app = spawn_app().await;
    let mut b = owner_browser(&app).await;
    let form = b.get("/projects/new").await;
    assert!(form.expect(200).contains("name=\"module.workItemTags\""));
    let r = b
        .submit(
            "/projects/new",
            "/projects/new",
            &[
                ("name", "Moon Base"),
                ("costMetric", "points"),
                ("hoursPerDay", "6"),
                ("module.workItems", "on"),
                ("module.calendar", "on"),
            ],
        )
        .await;
    r.expect(303);
    let pid: i64 = r.location().rsplit('/').next().unwrap().parse().unwrap();
    let p = app.get(&format!("/v0/projects/{pid}")).await.expect(200);
    assert_eq!(p["name"], "Moon Base");
    assert_eq!(p["costMetric"], "points");
    assert_eq!(p["hoursPerDay"], 6);
    assert_eq!(p["moduleConfig"]["calendar"], true);
    assert_eq!(p["moduleConfig"]["burndownChart"], false);
    let stages = app
        .get(&format!("/v0/projects/{pid}/stages"))
        .await
        .expect(200);
    assert_eq!(stages.as_array().unwrap().len(), 4);
    let cats = app
        .get(&format!("/v0/projects/{pid}/categories"))
        .await
        .expect(200);
    assert!(cats.as_array().unwrap().len() >= 5);

    let home = b.get(&format!("/projects/{pid}")).await;
    let text = home.expect(200);
    assert!(text.contains("Moon Base"));
    assert!(text.contains(&format!("/projects/{pid}/backlog")));
    assert!(text.contains(&format!("/projects/{pid}/settings")));
}

#[tokio::test]
async fn project_create_refuses_bad_input_and_missing_csrf() {
    let app = spawn_app().await;
    let mut b = owner_browser(&app).await;
    let before = count(&app, "SELECT COUNT(*) FROM projects").await;
    b.post(
        "/projects/new",
        &[("name", "No token"), ("costMetric", "hours")],
    )
    .await
    .expect(403);
    b.submit("/projects/new", "/projects/new", &[("costMetric", "hours")])
        .await
        .expect(400);
    b.submit(
        "/projects/new",
        "/projects/new",
        &[("name", "x"), ("costMetric", "bananas")],
    )
    .await
    .expect(400);
    b.submit(
        "/projects/new",
        "/projects/new",
        &[("name", "x"), ("hoursPerDay", "many")],
    )
    .await
    .expect(400);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM projects").await, before);
}

#[tokio::test]
async fn the_home_shows_milestones_with_their_boards() {
    let app = spawn_app().await;
    let pid = app.project("Castle").await;
    let m = app
        .post(
            &format!("/v0/projects/{pid}/milestones"),
            json!({"name": "Sprint 1"}),
        )
        .await
        .expect(201);
    let mid = m["milestoneId"].as_i64().unwrap();
    let bd = app
        .post(
            &format!("/v0/projects/{pid}/boards"),
            json!({"name": "Sprint board", "milestoneId": mid}),
        )
        .await
        .expect(201);
    let bid = bd["boardId"].as_i64().unwrap();
    let mut b = owner_browser(&app).await;
    let text = b
        .get(&format!("/projects/{pid}"))
        .await
        .expect(200)
        .to_string();
    assert!(text.contains("Sprint 1"));
    assert!(text.contains(&format!("href=\"/projects/{pid}/boards/{bid}\"")));
    assert!(text.contains("Sprint board"));
}

#[tokio::test]
async fn non_members_get_404_and_see_nothing_of_other_projects() {
    let app = spawn_app().await;
    let secret = app.project("Secret Project").await;
    let (uid, mut maria) = user_browser(&app, "maria").await;
    let mine = app.project("Shared Project").await;
    app.add_member(mine, uid, json!({})).await;

    let list = maria.get("/").await;
    let text = list.expect(200);
    assert!(text.contains("Shared Project"));
    assert!(!text.contains("Secret Project"));
    let r = maria.get(&format!("/projects/{secret}")).await;
    assert!(!r.expect(404).contains("Secret Project"));
    maria
        .get(&format!("/projects/{secret}/settings"))
        .await
        .expect(404);
    maria
        .get(&format!("/projects/{secret}/settings/categories"))
        .await
        .expect(404);
    maria.get("/projects/99999").await.expect(404);
    maria.get(&format!("/projects/{mine}")).await.expect(200);
}
