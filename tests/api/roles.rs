//! Tests of the roles endpoints.

use questlog::http::auth::Scopes;
use serde_json::{Value, json};

use crate::helpers::*;

fn artist() -> Value {
    json!({
        "name": "Artist",
        "isAdmin": false,
        "permissions": {
            "categoryPermissions": [
                {"categoryId": 2, "canRead": true, "canWrite": true, "canUpdate": true},
                {"categoryId": 1, "canRead": false, "canWrite": false, "canUpdate": false}
            ],
            "gameDesignModelPermissions": {"canRead": true, "canWrite": false}
        }
    })
}

async fn roles(app: &TestApp, pid: i64) -> Value {
    app.get(&format!("/v0/projects/{pid}/roles"))
        .await
        .expect(200)
}

#[tokio::test]
async fn create_get_and_list_roles() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    assert_eq!(roles(&app, pid).await, json!([]));
    let r = app
        .post(&format!("/v0/projects/{pid}/roles"), artist())
        .await
        .expect(201);
    assert_eq!(r["projectId"], pid);
    assert_eq!(r["roleId"], 1);
    assert_eq!(r["name"], "Artist");
    assert_eq!(r["isAdmin"], false);
    assert!(r["creationDate"].as_str().unwrap().ends_with('Z'));
    assert_eq!(r["creationDate"].as_str().unwrap().len(), 24);
    // Categories come back in id order; no id/name in the design-model permissions.
    assert_eq!(
        r["permissions"],
        json!({
            "categoryPermissions": [
                {"categoryId": 1, "canRead": false, "canWrite": false, "canUpdate": false},
                {"categoryId": 2, "canRead": true, "canWrite": true, "canUpdate": true}
            ],
            "gameDesignModelPermissions": {"canRead": true, "canWrite": false}
        })
    );
    assert_eq!(r.as_object().unwrap().len(), 6);

    // Minimal body: not admin, everything allowed.
    let lead = app
        .post(
            &format!("/v0/projects/{pid}/roles"),
            json!({"name": " Lead ", "isAdmin": true}),
        )
        .await
        .expect(201);
    assert_eq!(lead["roleId"], 2);
    assert_eq!(lead["name"], "Lead");
    assert_eq!(lead["isAdmin"], true);
    assert_eq!(
        lead["permissions"],
        json!({"categoryPermissions": [], "gameDesignModelPermissions": {"canRead": true, "canWrite": true}})
    );

    let got = app
        .get(&format!("/v0/projects/{pid}/roles/1"))
        .await
        .expect(200);
    assert_eq!(got, r);
    assert_eq!(roles(&app, pid).await, json!([r, lead]));

    // Role ids are per project.
    let other = app.project("Q").await;
    let r2 = app
        .post(&format!("/v0/projects/{other}/roles"), json!({"name": "X"}))
        .await
        .expect(201);
    assert_eq!(r2["roleId"], 1);
    assert_eq!(r2["projectId"], other);
}

#[tokio::test]
async fn unknown_roles_and_projects_are_404() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let other = app.project("Q").await;
    app.post(
        &format!("/v0/projects/{other}/roles"),
        json!({"name": "Elsewhere"}),
    )
    .await
    .expect(201);
    for path in [
        format!("/v0/projects/{pid}/roles/1"),
        format!("/v0/projects/{pid}/roles/999"),
        format!("/v0/projects/{pid}/roles/-1"),
        format!("/v0/projects/{pid}/roles/abc"),
        "/v0/projects/999/roles/1".to_string(),
    ] {
        app.get(&path).await.expect_empty(404);
        app.put(&path, json!({"name": "x"})).await.expect_empty(404);
        app.patch(&path, json!({"name": "x"}))
            .await
            .expect_empty(404);
        app.delete(&path).await.expect_empty(404);
    }
    app.get("/v0/projects/999/roles").await.expect_empty(404);
    app.post("/v0/projects/999/roles", json!({"name": "x"}))
        .await
        .expect_empty(404);
    // The other project's role is untouched.
    assert_eq!(roles(&app, other).await[0]["name"], "Elsewhere");
}

#[tokio::test]
async fn put_replaces_and_patch_merges() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    app.post(&format!("/v0/projects/{pid}/roles"), artist())
        .await
        .expect(201);
    let url = format!("/v0/projects/{pid}/roles/1");

    // PATCH: only the name changes.
    let p = app
        .patch(&url, json!({"name": "Painter"}))
        .await
        .expect(200);
    assert_eq!(p["name"], "Painter");
    assert_eq!(p["isAdmin"], false);
    assert_eq!(
        p["permissions"]["categoryPermissions"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        p["permissions"]["gameDesignModelPermissions"]["canWrite"],
        false
    );
    // PATCH isAdmin, then permissions replaced as a whole.
    let p = app.patch(&url, json!({"isAdmin": true})).await.expect(200);
    assert_eq!(p["isAdmin"], true);
    assert_eq!(p["name"], "Painter");
    let p = app
        .patch(
            &url,
            json!({"permissions": {"categoryPermissions": [{"categoryId": 8, "canRead": true}]}}),
        )
        .await
        .expect(200);
    assert_eq!(
        p["permissions"],
        json!({
            "categoryPermissions": [{"categoryId": 8, "canRead": true, "canWrite": false, "canUpdate": false}],
            "gameDesignModelPermissions": {"canRead": true, "canWrite": true}
        })
    );
    // PATCH with permissions null clears the restrictions.
    let p = app
        .patch(&url, json!({"permissions": null}))
        .await
        .expect(200);
    assert_eq!(p["permissions"]["categoryPermissions"], json!([]));
    // An empty PATCH changes nothing.
    let same = app.patch(&url, json!({})).await.expect(200);
    assert_eq!(same, p);
    assert_eq!(app.get(&url).await.expect(200), p);

    // PUT: omitted isAdmin → false, omitted permissions → none listed.
    app.put(&url, artist()).await.expect(200);
    let put = app.put(&url, json!({"name": "Plain"})).await.expect(200);
    assert_eq!(put["name"], "Plain");
    assert_eq!(put["isAdmin"], false);
    assert_eq!(put["roleId"], 1);
    assert_eq!(put["creationDate"], p["creationDate"]);
    assert_eq!(
        put["permissions"],
        json!({"categoryPermissions": [], "gameDesignModelPermissions": {"canRead": true, "canWrite": true}})
    );
    assert_eq!(app.get(&url).await.expect(200), put);
    // PUT without a name is invalid.
    let r = app.put(&url, json!({"isAdmin": true})).await.expect(400);
    assert_eq!(r["modelState"]["name"][0], "The name is required.");
    assert_eq!(app.get(&url).await.expect(200), put);
}

#[tokio::test]
async fn bad_input_is_rejected_and_changes_nothing() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let other = app.project("Q").await;
    let base = format!("/v0/projects/{pid}/roles");
    app.post(&base, artist()).await.expect(201);
    let before = roles(&app, pid).await;
    let url = format!("{base}/1");

    for (method, path) in [("POST", &base), ("PUT", &url), ("PATCH", &url)] {
        for raw in [
            "",
            "{",
            "[1]",
            "\"Artist\"",
            "{\"name\": 5}",
            "{\"name\": \"x\", \"isAdmin\": \"yes\"}",
            "{\"name\": \"x\", \"permissions\": 3}",
            "{\"name\": \"x\", \"permissions\": {\"categoryPermissions\": [{\"canRead\": true}]}}",
            "{\"name\": \"x\", \"permissions\": {\"categoryPermissions\": [{\"categoryId\": \"one\"}]}}",
            "{\"name\": \"x\", \"permissions\": {\"gameDesignModelPermissions\": {\"canRead\": 1}}}",
        ] {
            let r = app.call(method, path, Some(&app.key), Some(raw)).await;
            assert_eq!(r.status.as_u16(), 400, "{method} {raw}: {}", r.text);
            assert_eq!(
                r.json()["message"],
                "Invalid values object.",
                "{method} {raw}"
            );
        }
        for (body, field) in [
            (json!({"name": ""}), "name"),
            (json!({"name": "   "}), "name"),
            (json!({"name": "x".repeat(300)}), "name"),
            (json!({"name": "a\u{0}b"}), "name"),
            // A category of another project's numbering that does not exist here.
            (
                json!({"name": "x", "permissions": {"categoryPermissions": [{"categoryId": 99}]}}),
                "permissions",
            ),
            (
                json!({"name": "x", "permissions": {"categoryPermissions": [{"categoryId": -1}]}}),
                "permissions",
            ),
            (
                json!({"name": "x", "permissions": {"categoryPermissions": [
                {"categoryId": 3, "canRead": true}, {"categoryId": 3, "canRead": false}]}}),
                "permissions",
            ),
        ] {
            let r = app
                .call(method, path, Some(&app.key), Some(&body.to_string()))
                .await;
            assert_eq!(r.status.as_u16(), 400, "{method} {body}: {}", r.text);
            let j = r.json();
            assert_eq!(j["message"], "The request is invalid.");
            assert!(j["modelState"][field].is_array(), "{method} {body}: {j}");
        }
    }
    // A name of exactly 255 characters is fine.
    let ok = app
        .post(&base, json!({"name": "n".repeat(255)}))
        .await
        .expect(201);
    assert_eq!(ok["name"].as_str().unwrap().len(), 255);
    app.delete(&format!("{base}/2")).await.expect_empty(200);
    assert_eq!(roles(&app, pid).await, before);
    assert_eq!(roles(&app, other).await, json!([]));
}

#[tokio::test]
async fn a_category_added_later_can_be_listed() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    // A category added later (straight in the database) is accepted as soon as it exists.
    let mut tx = app.db.write().await.unwrap();
    let cid = questlog::store::sequences::next_id(&mut tx, pid, "category")
        .await
        .unwrap();
    tx.exec(
        "INSERT INTO categories (project_id, category_id, name, creation_date) VALUES ($1, $2, 'Lore', '2026-01-01T00:00:00.000Z')",
        questlog::params![pid, cid],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(cid, 9);
    let r = app
        .post(
            &format!("/v0/projects/{pid}/roles"),
            json!({"name": "Writer", "permissions": {"categoryPermissions": [{"categoryId": 9, "canRead": true, "canWrite": true}]}}),
        )
        .await
        .expect(201);
    assert_eq!(r["permissions"]["categoryPermissions"][0]["categoryId"], 9);
    assert_eq!(
        r["permissions"]["categoryPermissions"][0]["canUpdate"],
        false
    );
}

#[tokio::test]
async fn a_role_still_assigned_is_not_deleted() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    app.post(&format!("/v0/projects/{pid}/roles"), artist())
        .await
        .expect(201);
    app.post(
        &format!("/v0/projects/{pid}/roles"),
        json!({"name": "Keep"}),
    )
    .await
    .expect(201);
    let (ana, ana_key) = app.add_user("ana").await;
    let (bo, _) = app.add_user("bo").await;
    let (cy, _) = app.add_user("cy").await;
    app.add_member(pid, ana, json!({"roleId": 1})).await;
    app.add_member(pid, bo, json!({"roleId": 2})).await;
    app.add_member(pid, cy, json!({"roleId": 2})).await;
    // A Programming item: the Artist role cannot see it.
    let item = app
        .post(
            &format!("/v0/projects/{pid}/workitems"),
            json!({"title": "Netcode", "categoryId": 1, "importanceLevelId": 3}),
        )
        .await
        .expect(200)["workItemId"]
        .as_i64()
        .unwrap();
    let item_url = format!("/v0/projects/{pid}/workitems/{item}");
    let hidden = |r: Reply| assert_eq!(r.status, 404, "{}", r.text);
    hidden(app.as_user(&ana_key, "GET", &item_url, None).await);

    // Deleting the role would leave ana without one, allowed everything: refused.
    let r = app
        .delete(&format!("/v0/projects/{pid}/roles/1"))
        .await
        .expect(409);
    assert_eq!(
        r["message"],
        "The role is still assigned to 1 project member(s) and 0 removed member(s); \
         give them another role before deleting it."
    );
    assert_eq!(
        app.get(&format!("/v0/projects/{pid}/roles/1"))
            .await
            .expect(200)["name"],
        "Artist"
    );
    let pu = app
        .get(&format!("/v0/projects/{pid}/users/{ana}"))
        .await
        .expect(200);
    assert_eq!(pu["role"]["roleId"], 1);
    hidden(app.as_user(&ana_key, "GET", &item_url, None).await);
    let r = app
        .as_user(&ana_key, "PATCH", &item_url, Some(json!({"title": "mine"})))
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    let list = app
        .as_user(
            &ana_key,
            "GET",
            &format!("/v0/projects/{pid}/workitems"),
            None,
        )
        .await
        .expect(200);
    assert_eq!(list["totalCount"], 0);

    // Once nobody holds it, it goes.
    app.patch(
        &format!("/v0/projects/{pid}/users/{ana}"),
        json!({"roleId": 2}),
    )
    .await
    .expect_empty(200);
    app.delete(&format!("/v0/projects/{pid}/roles/1"))
        .await
        .expect_empty(200);
    app.get(&format!("/v0/projects/{pid}/roles/1"))
        .await
        .expect_empty(404);
    app.delete(&format!("/v0/projects/{pid}/roles/1"))
        .await
        .expect_empty(404);

    // Removed members count too: re-activated, they would come back without a role.
    app.delete(&format!("/v0/projects/{pid}/users/{cy}"))
        .await
        .expect_empty(200);
    for u in [ana, bo] {
        app.patch(
            &format!("/v0/projects/{pid}/users/{u}"),
            json!({"roleId": null}),
        )
        .await
        .expect_empty(200);
    }
    let r = app
        .delete(&format!("/v0/projects/{pid}/roles/2"))
        .await
        .expect(409);
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("0 project member(s) and 1 removed"),
        "{r}"
    );
    let pu = app
        .get(&format!("/v0/projects/{pid}/users/{cy}"))
        .await
        .expect(200);
    assert_eq!(pu["role"]["roleId"], 2);
    assert_eq!(pu["isActive"], false);
    // Ids are not reused.
    let r = app
        .post(&format!("/v0/projects/{pid}/roles"), json!({"name": "New"}))
        .await
        .expect(201);
    assert_eq!(r["roleId"], 3);
}

#[tokio::test]
async fn permission_levels() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let base = format!("/v0/projects/{pid}/roles");
    app.post(&base, artist()).await.expect(201);
    app.post(&base, json!({"name": "Boss", "isAdmin": true}))
        .await
        .expect(201);
    let (admin, admin_key) = app.add_user("admin").await;
    let (member, member_key) = app.add_user("member").await;
    let (guest, guest_key) = app.add_user("guest").await;
    let (boss, boss_key) = app.add_user("boss").await;
    let (_, outsider_key) = app.add_user("outsider").await;
    app.add_member_sql(pid, admin, true, false, None).await;
    app.add_member_sql(pid, member, false, false, Some(1)).await;
    app.add_member_sql(pid, guest, false, true, None).await;
    app.add_member_sql(pid, boss, false, false, Some(2)).await;
    let read_only = app.add_key(1, Scopes::parse("read").unwrap()).await;
    let url = format!("{base}/1");

    // Everyone in the project reads roles; outsiders don't.
    for key in [&admin_key, &member_key, &guest_key, &read_only] {
        assert_eq!(
            app.as_user(key, "GET", &base, None)
                .await
                .expect(200)
                .as_array()
                .unwrap()
                .len(),
            2
        );
        app.as_user(key, "GET", &url, None).await.expect(200);
    }
    let r = app
        .as_user(&outsider_key, "GET", &base, None)
        .await
        .expect(403);
    assert!(r["message"].is_string());
    app.as_user(&outsider_key, "GET", &url, None)
        .await
        .expect(403);

    // Writes: members, guests, outsiders and read-only keys are refused.
    for key in [&member_key, &guest_key, &outsider_key, &read_only] {
        app.as_user(key, "POST", &base, Some(json!({"name": "x"})))
            .await
            .expect(403);
        app.as_user(key, "PUT", &url, Some(json!({"name": "x"})))
            .await
            .expect(403);
        app.as_user(key, "PATCH", &url, Some(json!({"name": "x"})))
            .await
            .expect(403);
        app.as_user(key, "DELETE", &url, None).await.expect(403);
    }
    assert_eq!(app.get(&url).await.expect(200)["name"], "Artist");
    assert_eq!(roles(&app, pid).await.as_array().unwrap().len(), 2);

    // Admins by flag and by an admin role may.
    app.as_user(&admin_key, "PATCH", &url, Some(json!({"name": "ByAdmin"})))
        .await
        .expect(200);
    app.as_user(&boss_key, "PATCH", &url, Some(json!({"name": "ByBoss"})))
        .await
        .expect(200);
    let r = app
        .as_user(&boss_key, "POST", &base, Some(json!({"name": "Third"})))
        .await
        .expect(201);
    assert_eq!(r["roleId"], 3);
    app.as_user(&admin_key, "DELETE", &format!("{base}/3"), None)
        .await
        .expect_empty(200);
    assert_eq!(app.get(&url).await.expect(200)["name"], "ByBoss");
    // Unauthenticated.
    assert_eq!(app.call("GET", &base, None, None).await.status, 401);
}
