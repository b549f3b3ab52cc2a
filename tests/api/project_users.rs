//! Tests of the project users endpoints (and POST /projects/{p}/teams).

use questlog::http::auth::Scopes;
use questlog::store::accounts::{add_team_user, create_team};
use serde_json::{Value, json};

use crate::helpers::*;

async fn users(app: &TestApp, pid: i64, query: &str) -> Value {
    app.get(&format!("/v0/projects/{pid}/users{query}"))
        .await
        .expect(200)
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|u| u["user"]["id"].as_i64().unwrap())
        .collect()
}

async fn sql(app: &TestApp, stmt: &str, params: &[questlog::store::Val]) {
    let mut tx = app.db.write().await.unwrap();
    tx.exec(stmt, params).await.unwrap();
    tx.commit().await.unwrap();
}

async fn role(app: &TestApp, pid: i64, body: Value) -> i64 {
    app.post(&format!("/v0/projects/{pid}/roles"), body)
        .await
        .expect(201)["roleId"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn the_owner_is_the_first_member() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let list = users(&app, pid, "").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let o = &list[0];
    assert_eq!(o["projectId"], pid);
    assert_eq!(o["user"]["id"], 1);
    assert_eq!(o["user"]["username"], "owner");
    assert!(o["user"]["creationDate"].is_string());
    assert_eq!(o["isAdmin"], true);
    assert_eq!(o["isGuest"], false);
    assert_eq!(o["isActive"], true);
    assert_eq!(o["creationDate"].as_str().unwrap().len(), 24);
    assert!(o.get("role").is_none(), "no role → no key: {o}");
    assert_eq!(
        o["permissions"],
        json!({"categoryPermissions": [], "gameDesignModelPermissions": {"canRead": true, "canWrite": true}})
    );
    assert_eq!(
        app.get(&format!("/v0/projects/{pid}/users/1"))
            .await
            .expect(200),
        *o
    );
}

#[tokio::test]
async fn add_by_id_or_email_with_a_role() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let rid = role(
        &app,
        pid,
        json!({"name": "Artist", "permissions": {
            "categoryPermissions": [{"categoryId": 1, "canRead": false}, {"categoryId": 2, "canRead": true, "canWrite": true, "canUpdate": true}],
            "gameDesignModelPermissions": {"canRead": true, "canWrite": false}}}),
    )
    .await;
    let (ana, _) = app.add_user("ana").await;
    let (bo, _) = app.add_user("bo").await;
    let (cy, _) = app.add_user("cy").await;

    let a = app
        .post(
            &format!("/v0/projects/{pid}/users"),
            json!({"userId": ana, "roleId": rid}),
        )
        .await
        .expect(201);
    assert_eq!(a["projectId"], pid);
    assert_eq!(
        a["user"],
        json!({"id": ana, "username": "ana", "email": "ana@example.com", "name": "ana",
               "creationDate": a["user"]["creationDate"]})
    );
    assert_eq!(a["isAdmin"], false);
    assert_eq!(a["isGuest"], false);
    assert_eq!(a["isActive"], true);
    assert_eq!(a["role"]["roleId"], rid);
    assert_eq!(a["role"]["name"], "Artist");
    assert_eq!(a["role"]["projectId"], pid);
    // The role's permissions are the member's.
    assert_eq!(a["permissions"], a["role"]["permissions"]);
    assert_eq!(
        a["permissions"]["categoryPermissions"][0],
        json!({"categoryId": 1, "canRead": false, "canWrite": false, "canUpdate": false})
    );
    assert_eq!(
        a["permissions"]["gameDesignModelPermissions"],
        json!({"canRead": true, "canWrite": false})
    );

    // By email, case-insensitively; admin flag.
    let b = app
        .post(
            &format!("/v0/projects/{pid}/users"),
            json!({"email": "BO@Example.com", "isAdmin": true}),
        )
        .await
        .expect(201);
    assert_eq!(b["user"]["id"], bo);
    assert_eq!(b["isAdmin"], true);
    assert!(b.get("role").is_none());

    // A guest with the role: the guest never writes.
    let c = app
        .post(
            &format!("/v0/projects/{pid}/users"),
            json!({"userId": cy, "email": "cy@example.com", "isGuest": true, "roleId": rid, "isAdmin": false}),
        )
        .await
        .expect(201);
    assert_eq!(c["isGuest"], true);
    assert_eq!(c["role"]["roleId"], rid);
    assert_eq!(
        c["permissions"]["categoryPermissions"][1],
        json!({"categoryId": 2, "canRead": true, "canWrite": false, "canUpdate": false})
    );
    assert_eq!(
        c["permissions"]["gameDesignModelPermissions"]["canWrite"],
        false
    );

    let list = users(&app, pid, "").await;
    assert_eq!(ids(&list), vec![1, ana, bo, cy]);
    assert_eq!(list[1], a);
    assert_eq!(list[2], b);
    assert_eq!(list[3], c);
    assert_eq!(
        app.get(&format!("/v0/projects/{pid}/users/{cy}"))
            .await
            .expect(200),
        c
    );
    // A guest without a role: everything readable, nothing writable.
    let (dee, _) = app.add_user("dee").await;
    let d = app
        .post(
            &format!("/v0/projects/{pid}/users"),
            json!({"userId": dee, "isGuest": true}),
        )
        .await
        .expect(201);
    assert_eq!(
        d["permissions"],
        json!({"categoryPermissions": [], "gameDesignModelPermissions": {"canRead": true, "canWrite": false}})
    );
}

#[tokio::test]
async fn list_filters() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let (ana, _) = app.add_user("ana").await;
    let (bo, _) = app.add_user("bo").await;
    let (cy, _) = app.add_user("cy").await;
    app.add_member(pid, ana, json!({})).await;
    app.add_member(pid, bo, json!({"isGuest": true})).await;
    app.add_member(pid, cy, json!({})).await;
    app.delete(&format!("/v0/projects/{pid}/users/{cy}"))
        .await
        .expect_empty(200);

    assert_eq!(ids(&users(&app, pid, "").await), vec![1, ana, bo]);
    assert_eq!(
        ids(&users(&app, pid, "?includeInactive=true").await),
        vec![1, ana, bo, cy]
    );
    assert_eq!(
        ids(&users(&app, pid, "?includeGuests=false").await),
        vec![1, ana]
    );
    assert_eq!(
        ids(&users(&app, pid, "?includeInactive=True&includeGuests=False").await),
        vec![1, ana, cy]
    );
    let all = users(&app, pid, "?includeInactive=1&includeGuests=1").await;
    assert_eq!(ids(&all), vec![1, ana, bo, cy]);
    assert_eq!(all[3]["isActive"], false);
    assert_eq!(all[2]["isGuest"], true);
    let r = app
        .get(&format!("/v0/projects/{pid}/users?includeInactive=maybe"))
        .await
        .expect(400);
    assert!(r["message"].is_string());
    app.get("/v0/projects/999/users").await.expect_empty(404);
    app.get("/v0/projects/x/users").await.expect_empty(404);
}

#[tokio::test]
async fn add_rejects_bad_input_and_changes_nothing() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let other = app.project("Q").await;
    let other_role = role(&app, other, json!({"name": "Elsewhere"})).await;
    let (ana, _) = app.add_user("ana").await;
    let (gone, _) = app.add_user("gone").await;
    sql(
        &app,
        "UPDATE workspace_users SET is_active = FALSE WHERE user_id = $1",
        questlog::params![gone],
    )
    .await;
    let url = format!("/v0/projects/{pid}/users");
    let before = users(&app, pid, "?includeInactive=true").await;

    for raw in [
        "",
        "{",
        "[]",
        "{}",
        "42",
        "{\"roleId\": 1}",
        "{\"isAdmin\": true}",
        "{\"userId\": \"ana\"}",
        "{\"userId\": 2.5}",
        "{\"userId\": 2, \"isAdmin\": \"yes\"}",
        "{\"email\": 7}",
        "{\"userId\": null, \"email\": null}",
    ] {
        let r = app.call("POST", &url, Some(&app.key), Some(raw)).await;
        assert_eq!(r.status.as_u16(), 400, "{raw}: {}", r.text);
        assert_eq!(r.json()["message"], "Invalid values object.", "{raw}");
    }
    for (body, field) in [
        (json!({"userId": ana, "roleId": 5}), "roleId"),
        // Role 1 exists only in the other project.
        (json!({"userId": ana, "roleId": other_role}), "roleId"),
        (json!({"userId": ana, "roleId": -3}), "roleId"),
        (
            json!({"userId": ana, "isAdmin": true, "isGuest": true}),
            "isGuest",
        ),
        (json!({"email": "a\u{0}@x"}), "email"),
        (
            json!({"email": format!("{}@x.com", "a".repeat(300))}),
            "email",
        ),
        (json!({"userId": ana, "email": "owner@localhost"}), "email"),
        (json!({"userId": gone}), "userId"),
    ] {
        let r = app.post(&url, body.clone()).await.expect(400);
        assert_eq!(r["message"], "The request is invalid.", "{body}");
        assert!(r["modelState"][field].is_array(), "{body}: {r}");
    }
    let r = app.post(&url, json!({"userId": gone})).await.expect(400);
    assert_eq!(
        r["modelState"]["userId"][0],
        "The user is not a member of the project's workspace."
    );
    for body in [
        json!({"userId": 999}),
        json!({"userId": -1}),
        json!({"email": "nobody@example.com"}),
    ] {
        app.post(&url, body).await.expect_empty(404);
    }
    let r = app.post(&url, json!({"userId": 1})).await.expect(409);
    assert_eq!(r["message"], "The user is a member of the project already.");
    app.add_member(pid, ana, json!({})).await;
    let r = app
        .post(&url, json!({"email": "ana@example.com", "isAdmin": true}))
        .await
        .expect(409);
    assert_eq!(r["message"], "The user is a member of the project already.");
    let r = app
        .post("/v0/projects/999/users", json!({"userId": ana}))
        .await;
    r.expect_empty(404);

    let after = users(&app, pid, "?includeInactive=true").await;
    assert_eq!(ids(&after), vec![1, ana]);
    assert_eq!(after[0], before[0]);
    assert_eq!(after[1]["isAdmin"], false);
    assert_eq!(ids(&users(&app, other, "").await), vec![1]);
}

#[tokio::test]
async fn get_one_user() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let other = app.project("Q").await;
    let (ana, ana_key) = app.add_user("ana").await;
    let (bo, _) = app.add_user("bo").await;
    app.add_member(pid, ana, json!({})).await;
    app.add_member(other, bo, json!({})).await;
    let a = app
        .as_user(
            &ana_key,
            "GET",
            &format!("/v0/projects/{pid}/users/{ana}"),
            None,
        )
        .await
        .expect(200);
    assert_eq!(a["user"]["username"], "ana");
    let o = app
        .as_user(
            &ana_key,
            "GET",
            &format!("/v0/projects/{pid}/users/1"),
            None,
        )
        .await
        .expect(200);
    assert_eq!(o["isAdmin"], true);
    // bo is a member of the other project only; unknown ids; not numbers.
    for u in [bo.to_string(), "999".into(), "-1".into(), "x".into()] {
        app.get(&format!("/v0/projects/{pid}/users/{u}"))
            .await
            .expect_empty(404);
    }
    app.get(&format!("/v0/projects/999/users/{ana}"))
        .await
        .expect_empty(404);
    // Removed: still readable, inactive.
    app.delete(&format!("/v0/projects/{pid}/users/{ana}"))
        .await
        .expect_empty(200);
    let a = app
        .get(&format!("/v0/projects/{pid}/users/{ana}"))
        .await
        .expect(200);
    assert_eq!(a["isActive"], false);
    assert_eq!(a["user"]["id"], ana);
}

#[tokio::test]
async fn put_and_patch_change_membership() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let rid = role(&app, pid, json!({"name": "Artist"})).await;
    let rid2 = role(&app, pid, json!({"name": "Coder"})).await;
    let (ana, _) = app.add_user("ana").await;
    app.add_member(pid, ana, json!({"roleId": rid})).await;
    let url = format!("/v0/projects/{pid}/users/{ana}");
    let get = || async { app.get(&url).await.expect(200) };
    let created = get().await;

    // PATCH: only what is sent.
    app.patch(&url, json!({"isAdmin": true}))
        .await
        .expect_empty(200);
    let u = get().await;
    assert_eq!(u["isAdmin"], true);
    assert_eq!(u["role"]["roleId"], rid);
    assert_eq!(u["creationDate"], created["creationDate"]);
    app.patch(&url, json!({"roleId": rid2}))
        .await
        .expect_empty(200);
    let u = get().await;
    assert_eq!(u["role"]["name"], "Coder");
    assert_eq!(u["isAdmin"], true);
    app.patch(&url, json!({"roleId": null}))
        .await
        .expect_empty(200);
    let u = get().await;
    assert!(u.get("role").is_none());
    assert_eq!(u["isAdmin"], true);
    app.patch(&url, json!({})).await.expect_empty(200);
    assert_eq!(get().await, u);
    app.patch(&url, json!({"isAdmin": false, "isGuest": true}))
        .await
        .expect_empty(200);
    let u = get().await;
    assert_eq!(
        (u["isAdmin"].clone(), u["isGuest"].clone()),
        (json!(false), json!(true))
    );

    // PUT: everything; omitted roleId → none, flags → false, isActive → true.
    app.put(&url, json!({"roleId": rid, "isAdmin": true}))
        .await
        .expect_empty(200);
    let u = get().await;
    assert_eq!(u["role"]["roleId"], rid);
    assert_eq!(u["isAdmin"], true);
    assert_eq!(u["isGuest"], false);
    assert_eq!(u["isActive"], true);
    app.put(&url, json!({})).await.expect_empty(200);
    let u = get().await;
    assert!(u.get("role").is_none());
    assert_eq!(u["isAdmin"], false);
    assert_eq!(u["isGuest"], false);
    assert_eq!(u["isActive"], true);
    // roleId 0 means no role.
    app.put(&url, json!({"roleId": 0, "isGuest": true}))
        .await
        .expect_empty(200);
    assert!(get().await.get("role").is_none());

    // isActive false through PATCH removes, true brings back.
    app.patch(&url, json!({"isActive": false}))
        .await
        .expect_empty(200);
    assert_eq!(get().await["isActive"], false);
    assert_eq!(ids(&users(&app, pid, "").await), vec![1]);
    app.patch(&url, json!({"isActive": true}))
        .await
        .expect_empty(200);
    assert_eq!(get().await["isActive"], true);
    assert_eq!(ids(&users(&app, pid, "").await), vec![1, ana]);
}

#[tokio::test]
async fn put_and_patch_reject_bad_input() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let other = app.project("Q").await;
    let rid = role(&app, pid, json!({"name": "Artist"})).await;
    let other_role = role(&app, other, json!({"name": "A"})).await;
    role(&app, other, json!({"name": "B"})).await;
    let (ana, _) = app.add_user("ana").await;
    let (bo, _) = app.add_user("bo").await;
    app.add_member(pid, ana, json!({"roleId": rid, "isAdmin": true}))
        .await;
    app.add_member(other, bo, json!({})).await;
    let url = format!("/v0/projects/{pid}/users/{ana}");
    let before = app.get(&url).await.expect(200);

    for method in ["PUT", "PATCH"] {
        for raw in [
            "",
            "{",
            "[1]",
            "true",
            "{\"roleId\": \"one\"}",
            "{\"isAdmin\": 1}",
            "{\"isActive\": \"no\"}",
            "{\"roleId\": 1.5}",
        ] {
            let r = app.call(method, &url, Some(&app.key), Some(raw)).await;
            assert_eq!(r.status.as_u16(), 400, "{method} {raw}: {}", r.text);
            assert_eq!(r.json()["message"], "Invalid values object.");
        }
        for (body, field) in [
            (json!({"roleId": 7, "isAdmin": true}), "roleId"),
            (json!({"roleId": other_role + 1, "isAdmin": true}), "roleId"),
            (json!({"isAdmin": true, "isGuest": true}), "isGuest"),
        ] {
            let r = app
                .call(method, &url, Some(&app.key), Some(&body.to_string()))
                .await;
            assert_eq!(r.status.as_u16(), 400, "{method} {body}: {}", r.text);
            assert!(r.json()["modelState"][field].is_array());
        }
        // Users not in this project, unknown users and projects.
        for path in [
            format!("/v0/projects/{pid}/users/{bo}"),
            format!("/v0/projects/{pid}/users/999"),
            format!("/v0/projects/{pid}/users/x"),
            format!("/v0/projects/999/users/{ana}"),
        ] {
            app.call(method, &path, Some(&app.key), Some("{\"isAdmin\": true}"))
                .await
                .expect_empty(404);
        }
        // The owner keeps being an active, non-guest admin.
        let owner = format!("/v0/projects/{pid}/users/1");
        for body in [
            json!({"isAdmin": false}),
            json!({"isGuest": true, "isAdmin": false}),
            json!({"isActive": false}),
        ] {
            let full = if method == "PUT" {
                let mut b = json!({"isAdmin": true});
                for (k, v) in body.as_object().unwrap() {
                    b[k] = v.clone();
                }
                b
            } else {
                body
            };
            let r = app
                .call(method, &owner, Some(&app.key), Some(&full.to_string()))
                .await;
            assert_eq!(r.status.as_u16(), 409, "{method} {full}: {}", r.text);
            assert_eq!(
                r.json()["message"],
                "The project owner can't be changed this way."
            );
        }
    }
    // PUT {} on the owner would demote: refused.
    app.put(&format!("/v0/projects/{pid}/users/1"), json!({}))
        .await
        .expect(409);
    // The owner may get a role.
    app.patch(
        &format!("/v0/projects/{pid}/users/1"),
        json!({"roleId": rid}),
    )
    .await
    .expect_empty(200);
    let o = app
        .get(&format!("/v0/projects/{pid}/users/1"))
        .await
        .expect(200);
    assert_eq!(o["isAdmin"], true);
    assert_eq!(o["role"]["roleId"], rid);
    assert_eq!(app.get(&url).await.expect(200), before);
    assert_eq!(
        app.get(&format!("/v0/projects/{other}/users/{bo}"))
            .await
            .expect(200)["isAdmin"],
        false
    );
}

#[tokio::test]
async fn remove_keeps_the_member_inactive() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let rid = role(&app, pid, json!({"name": "Artist"})).await;
    let (ana, ana_key) = app.add_user("ana").await;
    let (bo, bo_key) = app.add_user("bo").await;
    let (cy, cy_key) = app.add_user("cy").await;
    app.add_member(pid, ana, json!({"roleId": rid})).await;
    app.add_member(pid, bo, json!({})).await;
    app.add_member(pid, cy, json!({"isGuest": true})).await;
    let project = format!("/v0/projects/{pid}");
    app.as_user(&ana_key, "GET", &project, None)
        .await
        .expect(200);

    // A plain member can't remove someone else.
    let r = app
        .as_user(&bo_key, "DELETE", &format!("{project}/users/{ana}"), None)
        .await
        .expect(403);
    assert!(r["message"].is_string());
    app.as_user(&cy_key, "DELETE", &format!("{project}/users/{ana}"), None)
        .await
        .expect(403);
    // Nor the owner; and non-members can't probe.
    app.as_user(&bo_key, "DELETE", &format!("{project}/users/1"), None)
        .await
        .expect(403);
    app.as_user(&bo_key, "DELETE", &format!("{project}/users/999"), None)
        .await
        .expect(403);

    // The admin removes ana: she loses access at once.
    app.delete(&format!("{project}/users/{ana}"))
        .await
        .expect_empty(200);
    app.as_user(&ana_key, "GET", &project, None)
        .await
        .expect(403);
    app.as_user(&ana_key, "GET", &format!("{project}/users"), None)
        .await
        .expect(403);
    let listed: Vec<i64> = app
        .as_user(&ana_key, "GET", "/v0/projects", None)
        .await
        .expect(200)
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert!(!listed.contains(&pid));
    assert_eq!(ids(&users(&app, pid, "").await), vec![1, bo, cy]);
    let all = users(&app, pid, "?includeInactive=true").await;
    assert_eq!(ids(&all), vec![1, ana, bo, cy]);
    assert_eq!(all[1]["isActive"], false);
    // Kept for history with its role.
    assert_eq!(all[1]["role"]["roleId"], rid);
    // A second removal: not a member any more.
    app.delete(&format!("{project}/users/{ana}"))
        .await
        .expect_empty(404);

    // Self-removal by a plain member and by a guest.
    app.as_user(&bo_key, "DELETE", &format!("{project}/users/{bo}"), None)
        .await
        .expect_empty(200);
    app.as_user(&cy_key, "DELETE", &format!("{project}/users/{cy}"), None)
        .await
        .expect_empty(200);
    app.as_user(&bo_key, "GET", &project, None)
        .await
        .expect(403);
    assert_eq!(ids(&users(&app, pid, "").await), vec![1]);

    // The owner can't be removed, not even by themself.
    let r = app.delete(&format!("{project}/users/1")).await.expect(409);
    assert_eq!(r["message"], "The project owner can't be changed this way.");
    app.delete(&format!("{project}/users/999"))
        .await
        .expect_empty(404);
    app.delete("/v0/projects/999/users/1")
        .await
        .expect_empty(404);

    // Re-adding reactivates with the new values.
    let back = app
        .post(
            &format!("{project}/users"),
            json!({"userId": ana, "isAdmin": true}),
        )
        .await
        .expect(201);
    assert_eq!(back["isActive"], true);
    assert_eq!(back["isAdmin"], true);
    assert!(back.get("role").is_none());
    app.as_user(&ana_key, "GET", &project, None)
        .await
        .expect(200);
    assert_eq!(
        users(&app, pid, "?includeInactive=true")
            .await
            .as_array()
            .unwrap()
            .len(),
        4
    );
}

#[tokio::test]
async fn permission_levels() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let (admin, admin_key) = app.add_user("admin").await;
    let (member, member_key) = app.add_user("member").await;
    let (guest, guest_key) = app.add_user("guest").await;
    let (_, outsider_key) = app.add_user("outsider").await;
    let (target, _) = app.add_user("target").await;
    let (newbie, _) = app.add_user("newbie").await;
    app.add_member_sql(pid, admin, true, false, None).await;
    app.add_member_sql(pid, member, false, false, None).await;
    app.add_member_sql(pid, guest, false, true, None).await;
    app.add_member_sql(pid, target, false, false, None).await;
    let read_only = app.add_key(1, Scopes::parse("read").unwrap()).await;
    let team = {
        let mut tx = app.db.write().await.unwrap();
        let t = create_team(&mut tx, 1, "Art").await.unwrap();
        assert!(add_team_user(&mut tx, t, newbie).await.unwrap());
        tx.commit().await.unwrap();
        t
    };
    let base = format!("/v0/projects/{pid}/users");
    let one = format!("{base}/{target}");
    let before = users(&app, pid, "?includeInactive=true").await;

    // Reads: every member and the read-only key; not outsiders.
    for key in [&admin_key, &member_key, &guest_key, &read_only] {
        assert_eq!(
            ids(&app.as_user(key, "GET", &base, None).await.expect(200)).len(),
            5
        );
        app.as_user(key, "GET", &one, None).await.expect(200);
    }
    app.as_user(&outsider_key, "GET", &base, None)
        .await
        .expect(403);
    app.as_user(&outsider_key, "GET", &one, None)
        .await
        .expect(403);

    // Admin writes are refused to members, guests, outsiders and read-only keys.
    let teams = format!("/v0/projects/{pid}/teams");
    for key in [&member_key, &guest_key, &outsider_key, &read_only] {
        app.as_user(key, "POST", &base, Some(json!({"userId": newbie})))
            .await
            .expect(403);
        app.as_user(key, "PUT", &one, Some(json!({"isAdmin": true})))
            .await
            .expect(403);
        app.as_user(key, "PATCH", &one, Some(json!({"isAdmin": true})))
            .await
            .expect(403);
        app.as_user(key, "DELETE", &one, None).await.expect(403);
        app.as_user(key, "POST", &teams, Some(json!(team)))
            .await
            .expect(403);
    }
    // A read-only key can't even remove its own user.
    let member_ro = app.add_key(member, Scopes::parse("read").unwrap()).await;
    app.as_user(&member_ro, "DELETE", &format!("{base}/{member}"), None)
        .await
        .expect(403);
    assert_eq!(users(&app, pid, "?includeInactive=true").await, before);

    // A project admin (not owner) may do all of it.
    app.as_user(&admin_key, "PATCH", &one, Some(json!({"isGuest": true})))
        .await
        .expect_empty(200);
    app.as_user(&admin_key, "PUT", &one, Some(json!({"isAdmin": true})))
        .await
        .expect_empty(200);
    let added = app
        .as_user(&admin_key, "POST", &teams, Some(json!(team)))
        .await
        .expect(201);
    assert_eq!(ids(&added), vec![newbie]);
    app.as_user(&admin_key, "DELETE", &format!("{base}/{newbie}"), None)
        .await
        .expect_empty(200);
    app.as_user(&admin_key, "POST", &base, Some(json!({"userId": newbie})))
        .await
        .expect(201);
    // Admin by role.
    let rid = role(&app, pid, json!({"name": "Lead", "isAdmin": true})).await;
    app.patch(&format!("{base}/{member}"), json!({"roleId": rid}))
        .await
        .expect_empty(200);
    app.as_user(&member_key, "DELETE", &one, None)
        .await
        .expect_empty(200);
    assert_eq!(app.get(&one).await.expect(200)["isActive"], false);
    assert_eq!(app.call("GET", &base, None, None).await.status, 401);
}

#[tokio::test]
async fn add_a_team() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let (ana, _) = app.add_user("ana").await;
    let (bo, _) = app.add_user("bo").await;
    let (cy, _) = app.add_user("cy").await;
    let (dee, _) = app.add_user("dee").await;
    let (eli, _) = app.add_user("eli").await;
    let (fay, _) = app.add_user("fay").await;
    let (art, empty) = {
        let mut tx = app.db.write().await.unwrap();
        let art = create_team(&mut tx, 1, "Art").await.unwrap();
        let empty = create_team(&mut tx, 1, "Nobody").await.unwrap();
        for u in [ana, bo, cy, dee, eli] {
            assert!(add_team_user(&mut tx, art, u).await.unwrap());
        }
        tx.commit().await.unwrap();
        (art, empty)
    };
    // ana already active (keeps her admin flag), bo a former member, dee left the workspace,
    // eli a workspace guest; fay is not in the team.
    app.add_member(pid, ana, json!({"isAdmin": true})).await;
    app.add_member(pid, bo, json!({"isAdmin": true})).await;
    app.delete(&format!("/v0/projects/{pid}/users/{bo}"))
        .await
        .expect_empty(200);
    sql(
        &app,
        "UPDATE workspace_users SET is_active = FALSE WHERE user_id = $1",
        questlog::params![dee],
    )
    .await;
    sql(
        &app,
        "UPDATE workspace_users SET is_guest = TRUE WHERE user_id = $1",
        questlog::params![eli],
    )
    .await;

    let url = format!("/v0/projects/{pid}/teams");
    let added = app.post(&url, json!(art)).await.expect(201);
    assert_eq!(ids(&added), vec![bo, cy, eli]);
    for u in added.as_array().unwrap() {
        assert_eq!(u["projectId"], pid);
        assert_eq!(u["isActive"], true);
        assert_eq!(u["isAdmin"], false);
        assert!(u.get("role").is_none());
    }
    assert_eq!(added[0]["isGuest"], false);
    assert_eq!(added[1]["isGuest"], false);
    assert_eq!(added[2]["isGuest"], true, "workspace guests stay guests");
    assert_eq!(added[1]["user"]["username"], "cy");
    let list = users(&app, pid, "").await;
    assert_eq!(ids(&list), vec![1, ana, bo, cy, eli]);
    assert_eq!(list[1]["isAdmin"], true);
    assert!(!ids(&list).contains(&fay));

    // Again: nobody new. Object form and quoted id are accepted.
    assert_eq!(
        app.post(&url, json!({"teamId": art})).await.expect(201),
        json!([])
    );
    assert_eq!(
        app.call("POST", &url, Some(&app.key), Some(&format!("\"{art}\"")))
            .await
            .expect(201),
        json!([])
    );
    assert_eq!(app.post(&url, json!(empty)).await.expect(201), json!([]));
}

#[tokio::test]
async fn add_a_team_rejects_bad_input() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let (ana, _) = app.add_user("ana").await;
    let elsewhere = {
        let mut tx = app.db.write().await.unwrap();
        let (ws,): (i64,) = tx
            .one(
                "INSERT INTO workspaces (name, owner_id, total_seats, creation_date) \
                 VALUES ('Other', 1, 0, '2026-01-01T00:00:00.000Z') RETURNING id",
                &[],
            )
            .await
            .unwrap();
        tx.exec(
            "INSERT INTO workspace_users (workspace_id, user_id, is_active, creation_date) \
             VALUES ($1, $2, TRUE, '2026-01-01T00:00:00.000Z')",
            questlog::params![ws, ana],
        )
        .await
        .unwrap();
        let t = create_team(&mut tx, ws, "Far").await.unwrap();
        assert!(add_team_user(&mut tx, t, ana).await.unwrap());
        tx.commit().await.unwrap();
        t
    };
    let url = format!("/v0/projects/{pid}/teams");
    for raw in [
        "",
        "{",
        "{}",
        "\"abc\"",
        "1.5",
        "[1]",
        "{\"teamId\": \"x\"}",
        "true",
        "null",
    ] {
        let r = app.call("POST", &url, Some(&app.key), Some(raw)).await;
        assert_eq!(r.status.as_u16(), 400, "{raw}: {}", r.text);
        assert_eq!(r.json()["message"], "Invalid values object.");
    }
    // A team of another workspace, unknown teams, an unknown project.
    for body in [json!(elsewhere), json!(999), json!(-1), json!(0)] {
        app.post(&url, body).await.expect_empty(404);
    }
    app.post("/v0/projects/999/teams", json!(1))
        .await
        .expect_empty(404);
    assert_eq!(
        ids(&users(&app, pid, "?includeInactive=true").await),
        vec![1]
    );
}

#[tokio::test]
async fn leaving_the_project_unassigns_and_keeps_items_editable() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let board = app.get(&format!("/v0/projects/{pid}")).await.expect(200)["defaultBoardId"]
        .as_i64()
        .unwrap();
    let (ana, _) = app.add_user("ana").await;
    let (bo, _) = app.add_user("bo").await;
    app.add_member(pid, ana, json!({})).await;
    app.add_member(pid, bo, json!({})).await;
    let items = format!("/v0/projects/{pid}/workitems");
    let mut made = Vec::new();
    for users in [vec![ana], vec![1, ana, bo]] {
        let r = app
            .post(
                &items,
                json!({"title": "t", "importanceLevelId": 3, "boardId": board,
                       "assignedUserIds": users}),
            )
            .await
            .expect(200);
        made.push(r["workItemId"].as_i64().unwrap());
    }
    let assigned = |v: &Value| -> Vec<i64> {
        v["assignedUsers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["user"]["id"].as_i64().unwrap())
            .collect()
    };
    let metrics = format!("/v0/projects/{pid}/boards/{board}/metrics?userId={ana}");
    assert_eq!(app.get(&metrics).await.expect(200)["totalWorkItems"], 2);

    // Removed: ana is unassigned from both items in the same write.
    app.delete(&format!("/v0/projects/{pid}/users/{ana}"))
        .await
        .expect_empty(200);
    let first = format!("{items}/{}", made[0]);
    let second = format!("{items}/{}", made[1]);
    assert_eq!(
        assigned(&app.get(&first).await.expect(200)),
        Vec::<i64>::new()
    );
    assert_eq!(assigned(&app.get(&second).await.expect(200)), vec![1, bo]);
    // Edits that do not touch the assignees go through.
    let r = app
        .patch(&first, json!({"title": "renamed"}))
        .await
        .expect(200);
    assert_eq!(r["title"], "renamed");
    assert_eq!(assigned(&r), Vec::<i64>::new());
    let r = app
        .put(
            &second,
            json!({"title": "again", "importanceLevelId": 3, "boardId": board,
                             "assignedUserIds": [1, bo]}),
        )
        .await
        .expect(200);
    assert_eq!(assigned(&r), vec![1, bo]);
    // Assigning a removed member is still refused.
    let r = app
        .patch(&first, json!({"assignedUserIds": [ana]}))
        .await
        .expect(400);
    assert!(r["modelState"]["assignedUserIds"].is_array(), "{r}");
    // The membership list and the metrics agree.
    assert_eq!(ids(&users(&app, pid, "").await), vec![1, bo]);
    assert_eq!(
        ids(&users(&app, pid, "?includeInactive=true").await),
        vec![1, ana, bo]
    );
    assert_eq!(app.get(&metrics).await.expect(200)["totalWorkItems"], 0);

    // Made inactive through PATCH: the same.
    app.patch(
        &format!("/v0/projects/{pid}/users/{bo}"),
        json!({"isActive": false}),
    )
    .await
    .expect_empty(200);
    assert_eq!(assigned(&app.get(&second).await.expect(200)), vec![1]);
    app.patch(&second, json!({"title": "still editable"}))
        .await
        .expect(200);
}
