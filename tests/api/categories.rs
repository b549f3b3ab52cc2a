//! Tests of the categories endpoints.

use questlog::http::auth::Scopes;
use serde_json::{Value, json};

use crate::helpers::*;

fn is_date(v: &Value) -> bool {
    let s = v.as_str().unwrap_or("");
    s.len() == 24 && s.ends_with('Z') && s.as_bytes()[10] == b'T' && s.as_bytes()[19] == b'.'
}

async fn count(app: &TestApp, sql: &str, pid: i64) -> i64 {
    let mut tx = app.db.read().await.unwrap();
    let (n,): (i64,) = tx.one(sql, questlog::params![pid]).await.unwrap();
    n
}

#[tokio::test]
async fn a_new_project_lists_its_eight_default_categories() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let list = app
        .get(&format!("/v0/projects/{pid}/categories"))
        .await
        .expect(200);
    let names: Vec<(i64, &str)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["categoryId"].as_i64().unwrap(),
                c["name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        names,
        vec![
            (1, "Programming"),
            (2, "Art"),
            (3, "Design"),
            (4, "Writing"),
            (5, "Marketing"),
            (6, "Audio"),
            (7, "Ideas"),
            (8, "Bug")
        ]
    );
    for c in list.as_array().unwrap() {
        assert_eq!(c["projectId"], pid);
        assert!(c["color"].as_str().unwrap().starts_with('#'));
        assert!(c["icon"].is_string());
        assert!(is_date(&c["creationDate"]), "{c}");
        assert_eq!(c.as_object().unwrap().len(), 6, "{c}");
    }
    let bug = app
        .get(&format!("/v0/projects/{pid}/categories/8"))
        .await
        .expect(200);
    assert_eq!(bug, list[7]);
    assert_eq!(bug["name"], "Bug");
    assert_eq!(bug["color"], "#e74c3c");
}

#[tokio::test]
async fn create_get_put_and_patch() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let url = format!("/v0/projects/{pid}/categories");
    let c = app
        .post(
            &url,
            json!({"name": "  Level design ", "color": "#A1b2C3", "icon": "castle"}),
        )
        .await
        .expect(201);
    assert_eq!(c["projectId"], pid);
    assert_eq!(c["categoryId"], 9);
    assert_eq!(c["name"], "Level design");
    assert_eq!(c["color"], "#A1b2C3");
    assert_eq!(c["icon"], "castle");
    assert!(is_date(&c["creationDate"]));
    let one = format!("{url}/9");
    assert_eq!(app.get(&one).await.expect(200), c);
    let list = app.get(&url).await.expect(200);
    assert_eq!(list.as_array().unwrap().len(), 9);
    assert_eq!(list[8], c);

    // Without optionals: no icon/color keys at all.
    let bare = app.post(&url, json!({"name": "Bare"})).await.expect(201);
    assert_eq!(bare["categoryId"], 10);
    assert!(bare.get("icon").is_none() && bare.get("color").is_none());
    // Other colour forms.
    for color in ["#fff", "#0a0B0c0D"] {
        let r = app
            .post(&url, json!({"name": "C", "color": color}))
            .await
            .expect(201);
        assert_eq!(r["color"], color);
    }

    // PATCH keeps what it does not name; null clears.
    let p = app.patch(&one, json!({"name": "Levels"})).await.expect(200);
    assert_eq!(p["name"], "Levels");
    assert_eq!(p["color"], "#A1b2C3");
    assert_eq!(p["icon"], "castle");
    assert_eq!(p["creationDate"], c["creationDate"]);
    let p = app.patch(&one, json!({"color": null})).await.expect(200);
    assert!(p.get("color").is_none());
    assert_eq!(p["icon"], "castle");
    assert_eq!(p["name"], "Levels");
    let p = app
        .patch(&one, json!({"color": "#123456", "icon": "tower"}))
        .await
        .expect(200);
    assert_eq!(
        (p["color"].as_str(), p["icon"].as_str()),
        (Some("#123456"), Some("tower"))
    );

    // PUT replaces everything: omitted optionals become null.
    let p = app.put(&one, json!({"name": "Maps"})).await.expect(200);
    assert_eq!(p["name"], "Maps");
    assert!(p.get("color").is_none() && p.get("icon").is_none(), "{p}");
    assert_eq!(p["categoryId"], 9);
    assert_eq!(app.get(&one).await.expect(200), p);
    let p = app
        .put(
            &one,
            json!({"name": "Maps", "color": "#000", "icon": "map"}),
        )
        .await
        .expect(200);
    assert_eq!(p["icon"], "map");
    assert_eq!(p["color"], "#000");
}

#[tokio::test]
async fn delete_refuses_the_last_category_and_categories_with_tasks() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let url = format!("/v0/projects/{pid}/categories");
    // work_item_sql puts the item in the first category (1).
    app.work_item_sql(pid, "Jump").await;
    let r = app.delete(&format!("{url}/1")).await;
    assert_eq!(
        r.expect(409),
        json!({"message": "There are tasks assigned to the category, reassing the tasks before deleting it."})
    );
    app.get(&format!("{url}/1")).await.expect(200);
    for id in 2..=8 {
        app.delete(&format!("{url}/{id}")).await.expect_empty(200);
        app.get(&format!("{url}/{id}")).await.expect_empty(404);
    }
    app.delete(&format!("{url}/2")).await.expect_empty(404);
    let r = app.delete(&format!("{url}/1")).await;
    assert_eq!(
        r.expect(400),
        json!({"message": "You can't delete the last category."})
    );
    let list = app.get(&url).await.expect(200);
    assert_eq!(list.as_array().unwrap().len(), 1);
    // Ids are not reused; with a second category the first still has its task.
    let c = app.post(&url, json!({"name": "New"})).await.expect(201);
    assert_eq!(c["categoryId"], 9);
    assert_eq!(app.delete(&format!("{url}/1")).await.status, 409);
    app.delete(&format!("{url}/9")).await.expect_empty(200);
}

#[tokio::test]
async fn permissions_by_level_and_scope() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let other = app.project("Other").await;
    let url = format!("/v0/projects/{pid}/categories");
    let (admin, admin_key) = app.add_user("ada").await;
    let (plain, plain_key) = app.add_user("pat").await;
    let (guest, guest_key) = app.add_user("gus").await;
    let (_, stranger_key) = app.add_user("eve").await;
    app.add_member_sql(pid, admin, true, false, None).await;
    app.add_member_sql(pid, plain, false, false, None).await;
    app.add_member_sql(pid, guest, false, true, None).await;
    let read_key = app.add_key(1, Scopes::parse("read").unwrap()).await;
    let body = json!({"name": "X"});

    // Every member reads.
    for key in [&admin_key, &plain_key, &guest_key, &read_key] {
        let r = app.as_user(key, "GET", &url, None).await.expect(200);
        assert_eq!(r.as_array().unwrap().len(), 8);
        app.as_user(key, "GET", &format!("{url}/1"), None)
            .await
            .expect(200);
    }
    // Only admins write.
    for key in [&plain_key, &guest_key, &read_key, &stranger_key] {
        for (m, path, b) in [
            ("POST", url.clone(), Some(body.clone())),
            ("PUT", format!("{url}/1"), Some(body.clone())),
            ("PATCH", format!("{url}/1"), Some(body.clone())),
            ("DELETE", format!("{url}/2"), None),
        ] {
            let r = app.as_user(key, m, &path, b).await;
            assert_eq!(r.status, 403, "{m} {path}: {}", r.text);
            assert!(r.json()["message"].is_string());
        }
    }
    let r = app.as_user(&stranger_key, "GET", &url, None).await;
    assert_eq!(r.status, 403);
    assert!(!r.text.contains("Programming"));
    let c = app
        .as_user(&admin_key, "POST", &url, Some(body.clone()))
        .await
        .expect(201);
    assert_eq!(c["categoryId"], 9);
    app.as_user(
        &admin_key,
        "PATCH",
        &format!("{url}/9"),
        Some(json!({"name": "Y"})),
    )
    .await
    .expect(200);
    app.as_user(&admin_key, "DELETE", &format!("{url}/9"), None)
        .await
        .expect_empty(200);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM categories WHERE project_id = $1",
            pid
        )
        .await,
        8
    );

    // Unknown project, unknown id, an id only another project has, a non-number id.
    app.get("/v0/projects/4242/categories")
        .await
        .expect_empty(404);
    app.post("/v0/projects/4242/categories", body.clone())
        .await
        .expect_empty(404);
    app.get(&format!("{url}/99")).await.expect_empty(404);
    app.get(&format!("{url}/abc")).await.expect_empty(404);
    for name in ["Also there", "Only there"] {
        app.post(
            &format!("/v0/projects/{other}/categories"),
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
        app.as_user(OWNER_KEY, m, &format!("{url}/10"), b)
            .await
            .expect_empty(404);
    }
    assert_eq!(
        app.get(&format!("/v0/projects/{other}/categories/10"))
            .await
            .expect(200)["name"],
        "Only there"
    );
}

#[tokio::test]
async fn categories_a_role_cannot_read_are_hidden() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    {
        let mut tx = app.db.write().await.unwrap();
        tx.exec(
            "INSERT INTO roles (project_id, role_id, name, is_admin, permissions, creation_date) \
             VALUES ($1, 1, 'Artist', FALSE, $2, '2026-01-01T00:00:00.000Z')",
            questlog::params![
                pid,
                r#"{"categoryPermissions":[{"categoryId":1,"canRead":false,"canWrite":false,"canUpdate":false},{"categoryId":2,"canRead":true,"canWrite":false,"canUpdate":false}],"gameDesignModelPermissions":{"canRead":true,"canWrite":true}}"#
            ],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let (artist, key) = app.add_user("art").await;
    app.add_member_sql(pid, artist, false, false, Some(1)).await;
    let url = format!("/v0/projects/{pid}/categories");
    let list = app.as_user(&key, "GET", &url, None).await.expect(200);
    let ids: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["categoryId"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![2, 3, 4, 5, 6, 7, 8]);
    app.as_user(&key, "GET", &format!("{url}/1"), None)
        .await
        .expect_empty(404);
    app.as_user(&key, "GET", &format!("{url}/2"), None)
        .await
        .expect(200);
    // The owner (an admin) sees everything.
    assert_eq!(app.get(&url).await.expect(200).as_array().unwrap().len(), 8);
    app.get(&format!("{url}/1")).await.expect(200);
}

#[tokio::test]
async fn bad_input_is_rejected_and_changes_nothing() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let url = format!("/v0/projects/{pid}/categories");
    let one = format!("{url}/1");
    let before = app.get(&url).await.expect(200);

    for (m, path) in [("POST", &url), ("PUT", &one), ("PATCH", &one)] {
        for raw in [
            "{",
            "",
            "[]",
            "\"Art\"",
            "42",
            "{\"name\": 5}",
            "{\"color\": true, \"name\": \"x\"}",
        ] {
            let r = app.call(m, path, Some(OWNER_KEY), Some(raw)).await;
            assert_eq!(
                r.expect(400),
                json!({"message": "Invalid values object."}),
                "{m} {raw}"
            );
        }
        let r = app.call(m, path, Some(OWNER_KEY), None).await;
        assert_eq!(r.expect(400)["message"], "Invalid values object.");
        let cases = [
            (json!({"name": "x".repeat(300)}), "name"),
            (json!({"name": "a\u{0}b"}), "name"),
            (json!({"name": "   "}), "name"),
            (json!({"name": "ok", "color": "red"}), "color"),
            (json!({"name": "ok", "color": "#12"}), "color"),
            (json!({"name": "ok", "color": "#12345g"}), "color"),
            (json!({"name": "ok", "color": "123456"}), "color"),
            (json!({"name": "ok", "color": "#1234567"}), "color"),
            (json!({"name": "ok", "color": ""}), "color"),
            (json!({"name": "ok", "icon": "i".repeat(300)}), "icon"),
            (json!({"name": "ok", "icon": "a\u{0}"}), "icon"),
        ];
        for (b, field) in cases {
            let r = app
                .as_user(OWNER_KEY, m, path, Some(b.clone()))
                .await
                .expect(400);
            assert_eq!(r["message"], "The request is invalid.", "{m} {b}");
            assert!(r["modelState"][field].is_array(), "{m} {b}: {r}");
        }
    }
    // Missing name: POST and PUT need it, PATCH does not.
    for (m, path) in [("POST", &url), ("PUT", &one)] {
        let r = app
            .as_user(OWNER_KEY, m, path, Some(json!({"color": "#fff"})))
            .await
            .expect(400);
        assert_eq!(r["modelState"]["name"], json!(["The name is required."]));
    }
    assert_eq!(app.get(&url).await.expect(200), before, "nothing changed");
    let (n,): (i64,) = {
        let mut tx = app.db.read().await.unwrap();
        tx.one(
            "SELECT last_value FROM project_sequences WHERE project_id = $1 AND kind = 'category'",
            questlog::params![pid],
        )
        .await
        .unwrap()
    };
    assert_eq!(n, 8, "no id was used up");
    // Odd but valid names are kept as sent.
    let name = "🎨 Zoë «Art» 日本語";
    let c = app.post(&url, json!({"name": name})).await.expect(201);
    assert_eq!(c["name"], name);
    assert_eq!(c["categoryId"], 9);
}
