//! The change records of the project configuration groups (categories, stages, importance
//! levels, design element types, roles, tags) and of project users, read back through the
//! activity feed.

use questlog::store::accounts::{add_team_user, create_team};
use serde_json::{Value, json};

use crate::helpers::*;

/// (path segment, id field, event kind, body to create, body to change, method that changes)
const GROUPS: &[(&str, &str, &str, &str)] = &[
    ("categories", "categoryId", "category", "PATCH"),
    ("stages", "stageId", "stage", "PATCH"),
    (
        "importancelevels",
        "importanceLevelId",
        "importancelevel",
        "PATCH",
    ),
    (
        "designelementtypes",
        "designElementTypeId",
        "designelementtype",
        "PUT",
    ),
    ("roles", "roleId", "role", "PATCH"),
    ("tags", "tagId", "tag", "PATCH"),
];

#[tokio::test]
async fn every_configuration_write_records_its_event_with_the_entity() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    for (seg, id_field, kind, change) in GROUPS {
        let url = format!("/v0/projects/{pid}/{seg}");
        let created = app.post(&url, json!({"name": "first"})).await.expect(201);
        let id = created[*id_field].as_i64().unwrap();
        let changed = app
            .call(
                change,
                &format!("{url}/{id}"),
                Some(&app.key),
                Some(&json!({"name": "second"}).to_string()),
            )
            .await
            .expect(200);
        assert_eq!(changed["name"], "second");
        app.delete(&format!("{url}/{id}")).await.expect_empty(200);

        let feed = app.activity(pid).await;
        let mine: Vec<&Value> = feed.iter().take(3).collect();
        let events: Vec<&str> = mine.iter().map(|c| c["event"].as_str().unwrap()).collect();
        assert_eq!(
            events,
            [
                format!("{kind}.deleted"),
                format!("{kind}.updated"),
                format!("{kind}.created")
            ],
            "{seg}"
        );
        for c in &mine {
            assert_eq!(c["entityKind"], *kind, "{seg}");
            assert_eq!(c["entityId"], id, "{seg}");
            assert_eq!(c["projectId"], pid, "{seg}");
            assert_eq!(c["user"]["id"], 1, "{seg}");
        }
        // The entity as its GET returned it: after the change, and as it was for the delete.
        assert_eq!(mine[2]["entity"], created, "{seg}");
        assert_eq!(mine[1]["entity"], changed, "{seg}");
        assert_eq!(mine[0]["entity"], changed, "{seg}");
    }
    assert_eq!(app.activity(pid).await.len(), GROUPS.len() * 3);
}

#[tokio::test]
async fn put_records_updated_with_the_values_it_reset() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let url = format!("/v0/projects/{pid}/stages/2");
    app.patch(&url, json!({"color": "#00ff00"}))
        .await
        .expect(200);
    let put = app
        .put(&url, json!({"name": "Doing", "status": "closed"}))
        .await
        .expect(200);
    assert!(put.get("color").is_none());
    let feed = app.activity(pid).await;
    assert_eq!(feed.len(), 2);
    assert_eq!(feed[0]["event"], "stage.updated");
    assert_eq!(feed[0]["entity"], put);
    assert_eq!(feed[0]["entity"]["status"], "closed");
    assert_eq!(feed[0]["entity"]["icon"], "completed");
    assert_eq!(feed[1]["entity"]["color"], "#00ff00");

    // A new default importance level: only its own event (the old default's flag moves with it).
    let lvl = app
        .post(
            &format!("/v0/projects/{pid}/importancelevels"),
            json!({"name": "Blocker", "isDefault": true}),
        )
        .await
        .expect(201);
    let feed = app.activity(pid).await;
    assert_eq!(feed.len(), 3);
    assert_eq!(feed[0]["event"], "importancelevel.created");
    assert_eq!(feed[0]["entityId"], lvl["importanceLevelId"]);
    assert_eq!(feed[0]["entity"]["isDefault"], true);
}

#[tokio::test]
async fn refused_configuration_writes_record_nothing() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let p = format!("/v0/projects/{pid}");
    // 400s
    for seg in [
        "categories",
        "stages",
        "importancelevels",
        "designelementtypes",
        "roles",
        "tags",
    ] {
        app.post(&format!("{p}/{seg}"), json!({"name": ""}))
            .await
            .expect(400);
        // A new project has no roles or tags yet: the 404 comes first there.
        let blank = if matches!(seg, "roles" | "tags") {
            404
        } else {
            400
        };
        app.put(&format!("{p}/{seg}/1"), json!({"name": "  "}))
            .await
            .expect(blank);
        // 404
        app.put(&format!("{p}/{seg}/99"), json!({"name": "x"}))
            .await
            .expect(404);
    }
    app.post(
        &format!("{p}/stages"),
        json!({"name": "x", "status": "done"}),
    )
    .await
    .expect(400);
    app.patch(
        &format!("{p}/importancelevels/3"),
        json!({"isDefault": false}),
    )
    .await
    .expect(400);
    app.call(
        "DELETE",
        &format!("{p}/designelementtypes/1"),
        Some(&app.key),
        Some("99"),
    )
    .await
    .expect(400);
    // 409s: the default importance level, a category in use, a role someone holds.
    app.delete(&format!("{p}/importancelevels/3"))
        .await
        .expect(409);
    app.work_item_sql(pid, "item").await;
    app.delete(&format!("{p}/categories/1")).await.expect(409);
    let role = app
        .post(&format!("{p}/roles"), json!({"name": "Artist"}))
        .await
        .expect(201)["roleId"]
        .as_i64()
        .unwrap();
    let (bo, bo_key) = app.add_user("bo").await;
    app.add_member(pid, bo, json!({"roleId": role})).await;
    let before = app.activity(pid).await.len();
    app.delete(&format!("{p}/roles/{role}")).await.expect(409);
    // 403: a member who is not an admin.
    for seg in [
        "categories",
        "stages",
        "importancelevels",
        "designelementtypes",
        "roles",
    ] {
        app.as_user(
            &bo_key,
            "POST",
            &format!("{p}/{seg}"),
            Some(json!({"name": "x"})),
        )
        .await
        .expect(403);
    }
    app.as_user(&bo_key, "DELETE", &format!("{p}/tags/1"), None)
        .await
        .expect(403);
    assert_eq!(
        app.events(pid).await,
        ["role.created", "projectuser.added"],
        "only the writes that succeeded"
    );
    assert_eq!(app.activity(pid).await.len(), before);
}

#[tokio::test]
async fn project_user_events() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let users = format!("/v0/projects/{pid}/users");
    let (bo, bo_key) = app.add_user("bo").await;
    let (cy, _) = app.add_user("cy").await;

    let added = app.post(&users, json!({"userId": bo})).await.expect(201);
    app.patch(&format!("{users}/{bo}"), json!({"isAdmin": true}))
        .await
        .expect_empty(200);
    let after_patch = app.get(&format!("{users}/{bo}")).await.expect(200);
    // bo leaves on his own.
    app.as_user(&bo_key, "DELETE", &format!("{users}/{bo}"), None)
        .await
        .expect_empty(200);
    let left = app.get(&format!("{users}/{bo}")).await.expect(200);
    // Back by PUT (a removed member made active again), then removed by the owner.
    app.put(&format!("{users}/{bo}"), json!({"isActive": true}))
        .await
        .expect_empty(200);
    let back = app.get(&format!("{users}/{bo}")).await.expect(200);
    app.delete(&format!("{users}/{bo}")).await.expect_empty(200);
    let removed = app.get(&format!("{users}/{bo}")).await.expect(200);
    // The owner deactivates cy by PATCH: a removal too.
    app.add_member(pid, cy, json!({})).await;
    app.patch(&format!("{users}/{cy}"), json!({"isActive": false}))
        .await
        .expect_empty(200);

    let feed = app.activity(pid).await;
    let events: Vec<&str> = feed
        .iter()
        .rev()
        .map(|c| c["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "projectuser.added",
            "projectuser.updated",
            "projectuser.left",
            "projectuser.added",
            "projectuser.deleted",
            "projectuser.added",
            "projectuser.deleted"
        ]
    );
    let ids: Vec<i64> = feed
        .iter()
        .rev()
        .map(|c| c["entityId"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [bo, bo, bo, bo, bo, cy, cy]);
    let entities: Vec<&Value> = feed.iter().rev().map(|c| &c["entity"]).collect();
    assert_eq!(entities[0], &added);
    assert_eq!(entities[1], &after_patch);
    assert_eq!(entities[1]["isAdmin"], true);
    assert_eq!(entities[2], &left);
    assert_eq!(entities[2]["isActive"], false);
    assert_eq!(entities[3], &back);
    assert_eq!(entities[4], &removed);
    assert_eq!(entities[4]["user"]["username"], "bo");
    assert_eq!(
        feed.iter().rev().nth(2).unwrap()["user"]["id"],
        bo,
        "the actor"
    );
    assert_eq!(entities[6]["isActive"], false);
    assert!(feed.iter().all(|c| c["entityKind"] == "projectuser"));
}

#[tokio::test]
async fn refused_project_user_writes_record_nothing_and_a_team_adds_each() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let users = format!("/v0/projects/{pid}/users");
    let (bo, bo_key) = app.add_user("bo").await;
    let (cy, _) = app.add_user("cy").await;
    app.post(&users, json!({})).await.expect(400);
    app.post(&users, json!({"userId": 999})).await.expect(404);
    app.post(&users, json!({"userId": 1})).await.expect(409);
    app.patch(&format!("{users}/1"), json!({"isAdmin": false}))
        .await
        .expect(409);
    app.delete(&format!("{users}/1")).await.expect(409);
    app.patch(&format!("{users}/{bo}"), json!({"isAdmin": true}))
        .await
        .expect(404);
    app.post(
        &users,
        json!({"userId": bo, "isAdmin": true, "isGuest": true}),
    )
    .await
    .expect(400);
    app.as_user(&bo_key, "POST", &users, Some(json!({"userId": cy})))
        .await
        .expect(403);
    assert!(app.activity(pid).await.is_empty());

    let team = {
        let mut tx = app.db.write().await.unwrap();
        let t = create_team(&mut tx, 1, "Art").await.unwrap();
        for u in [bo, cy] {
            assert!(add_team_user(&mut tx, t, u).await.unwrap());
        }
        tx.commit().await.unwrap();
        t
    };
    let added = app
        .post(&format!("/v0/projects/{pid}/teams"), json!(team))
        .await
        .expect(201);
    let feed = app.activity(pid).await;
    assert_eq!(feed.len(), 2);
    assert!(feed.iter().all(|c| c["event"] == "projectuser.added"));
    let mut ids: Vec<i64> = feed
        .iter()
        .map(|c| c["entityId"].as_i64().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, [bo, cy]);
    assert_eq!(feed[1]["entity"], added[0]);
    assert_eq!(feed[0]["entity"], added[1]);
}
