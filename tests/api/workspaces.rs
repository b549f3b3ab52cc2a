use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn workspaces_list_get_and_flags() {
    let app = spawn_app().await;
    let ws = app.get("/v0/workspaces").await.expect(200);
    assert_eq!(ws.as_array().unwrap().len(), 1);
    assert_eq!(ws[0]["id"], 1);
    assert_eq!(ws[0]["name"], "Studio");
    assert_eq!(ws[0]["owner"]["username"], "owner");
    assert_eq!(ws[0]["usedSeats"], 1);
    assert!(ws[0].get("projects").is_none(), "not asked for");
    assert!(ws[0].get("generalInfo").is_none(), "nulls omitted");

    let pid = app.project("Game").await;
    let ws = app
        .get("/v0/workspaces?includeProjects=true")
        .await
        .expect(200);
    assert_eq!(ws[0]["projects"][0]["id"], pid);
    assert_eq!(ws[0]["projects"][0]["workspaceId"], 1);

    let (_, key) = app.add_user("mia").await;
    // mia is a plain member: in the list, not with onlyAdmin / onlyOwner.
    let r = app
        .as_user(&key, "GET", "/v0/workspaces", None)
        .await
        .expect(200);
    assert_eq!(r.as_array().unwrap().len(), 1);
    // mia sees no projects she isn't a member of.
    let r = app
        .as_user(&key, "GET", "/v0/workspaces?includeProjects=true", None)
        .await
        .expect(200);
    assert_eq!(r[0]["projects"], json!([]));
    for q in ["onlyAdmin=true", "onlyOwner=true"] {
        let r = app
            .as_user(&key, "GET", &format!("/v0/workspaces?{q}"), None)
            .await
            .expect(200);
        assert_eq!(r, json!([]), "{q}");
        let r = app.get(&format!("/v0/workspaces?{q}")).await.expect(200);
        assert_eq!(r[0]["id"], 1, "{q}");
    }
    let w = app
        .get("/v0/workspaces/1?includeProjects=true")
        .await
        .expect(200);
    assert_eq!(w["usedSeats"], 2);
    assert_eq!(w["projects"].as_array().unwrap().len(), 1);
    app.get("/v0/workspaces/42").await.expect_empty(404);
    let r = app.get("/v0/workspaces?includeProjects=maybe").await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn workspace_teams_and_users() {
    let app = spawn_app().await;
    let (mia, _) = app.add_user("mia").await;
    let (_, outsider_key) = app.add_user("zed").await;
    let team = {
        let mut tx = app.db.write().await.unwrap();
        let t = questlog::store::accounts::create_team(&mut tx, 1, "Artists")
            .await
            .unwrap();
        assert!(
            questlog::store::accounts::add_team_user(&mut tx, t, mia)
                .await
                .unwrap()
        );
        // zed leaves the workspace: inactive, hidden by default, 403 on its endpoints.
        tx.exec(
            "UPDATE workspace_users SET is_active = FALSE WHERE user_id = 3",
            &[],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        t
    };
    let teams = app.get("/v0/workspaces/1/teams").await.expect(200);
    assert_eq!(teams.as_array().unwrap().len(), 1);
    assert_eq!(teams[0]["teamId"], team);
    assert_eq!(teams[0]["workspaceId"], 1);
    assert_eq!(teams[0]["name"], "Artists");
    assert_eq!(teams[0]["creator"]["id"], 1);
    assert_eq!(teams[0]["users"][0]["user"]["username"], "mia");
    assert_eq!(teams[0]["users"][0]["teamId"], team);
    let t = app
        .get(&format!("/v0/workspaces/1/teams/{team}"))
        .await
        .expect(200);
    assert_eq!(t, teams[0]);
    app.get("/v0/workspaces/1/teams/999")
        .await
        .expect_empty(404);

    let users = app.get("/v0/workspaces/1/users").await.expect(200);
    let names: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["user"]["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["owner", "mia"]);
    assert_eq!(users[0]["isAdmin"], true);
    assert_eq!(users[1]["isAdmin"], false);
    assert_eq!(users[1]["isActive"], true);
    let all = app
        .get("/v0/workspaces/1/users?includeInactive=true")
        .await
        .expect(200);
    assert_eq!(all.as_array().unwrap().len(), 3);
    assert_eq!(all[2]["isActive"], false);
    let u = app
        .get(&format!("/v0/workspaces/1/users/{mia}"))
        .await
        .expect(200);
    assert_eq!(u["user"]["id"], mia);
    assert_eq!(u["teamId"], team);
    app.get("/v0/workspaces/1/users/999")
        .await
        .expect_empty(404);
    // An inactive member is no longer let in.
    let r = app
        .as_user(&outsider_key, "GET", "/v0/workspaces/1/users", None)
        .await;
    assert_eq!(r.status, 403);
    let r = app
        .as_user(&outsider_key, "GET", "/v0/workspaces", None)
        .await
        .expect(200);
    assert_eq!(r, json!([]));
}
