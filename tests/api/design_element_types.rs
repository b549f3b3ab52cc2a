//! Tests of the design element types endpoints.

use questlog::http::auth::Scopes;
use serde_json::{Value, json};

use crate::helpers::*;

const DEFAULTS: [&str; 13] = [
    "Chapter",
    "World",
    "Zone",
    "Level",
    "Stage",
    "Location",
    "Menu",
    "Cutscene",
    "System",
    "Mechanic",
    "Character",
    "Object",
    "Folder",
];

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|t| t["designElementTypeId"].as_i64().unwrap())
        .collect()
}

/// Inserts a design element of type `type_id`; returns nothing (ids are given).
async fn element(app: &TestApp, pid: i64, id: i64, type_id: i64) {
    let mut tx = app.db.write().await.unwrap();
    tx.exec(
        "INSERT INTO design_elements (project_id, design_element_id, design_element_type_id, name, \
         creation_date, update_date, creator_id) \
         VALUES ($1, $2, $3, 'Element', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 1)",
        questlog::params![pid, id, type_id],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

async fn type_of(app: &TestApp, pid: i64, id: i64) -> (i64, String) {
    let mut tx = app.db.read().await.unwrap();
    tx.one(
        "SELECT design_element_type_id, update_date FROM design_elements \
         WHERE project_id = $1 AND design_element_id = $2",
        questlog::params![pid, id],
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn a_new_project_lists_its_thirteen_default_types() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let list = app
        .get(&format!("/v0/projects/{pid}/designelementtypes"))
        .await
        .expect(200);
    assert_eq!(ids(&list), (1..=13).collect::<Vec<_>>());
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, DEFAULTS);
    for t in list.as_array().unwrap() {
        assert_eq!(t["projectId"], pid);
        assert!(t.get("color").is_none(), "defaults have no colour");
        assert!(t["creationDate"].as_str().unwrap().ends_with('Z'));
    }
    let one = app
        .get(&format!("/v0/projects/{pid}/designelementtypes/11"))
        .await
        .expect(200);
    assert_eq!(one, list[10]);
    assert_eq!(one["name"], "Character");
}

#[tokio::test]
async fn create_get_and_put() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let url = format!("/v0/projects/{pid}/designelementtypes");
    let t = app
        .post(
            &url,
            json!({"name": "Quest", "color": "#123", "icon": "scroll"}),
        )
        .await
        .expect(201);
    assert_eq!(
        t,
        json!({"projectId": pid, "designElementTypeId": 14, "name": "Quest", "icon": "scroll",
               "color": "#123", "creationDate": t["creationDate"]})
    );
    let one = format!("{url}/14");
    assert_eq!(app.get(&one).await.expect(200), t);
    let bare = app.post(&url, json!({"name": "Boss"})).await.expect(201);
    assert_eq!(
        bare,
        json!({"projectId": pid, "designElementTypeId": 15, "name": "Boss",
               "creationDate": bare["creationDate"]})
    );
    assert_eq!(ids(&app.get(&url).await.expect(200)).len(), 15);
    // PUT replaces: omitted colour and icon become null.
    let p = app
        .put(&one, json!({"name": "Side quest"}))
        .await
        .expect(200);
    assert_eq!(
        p,
        json!({"projectId": pid, "designElementTypeId": 14, "name": "Side quest",
               "creationDate": t["creationDate"]})
    );
    let p = app
        .put(
            &one,
            json!({"name": "Quest", "color": "#abcdef12", "icon": "map"}),
        )
        .await
        .expect(200);
    assert_eq!(
        (p["color"].as_str(), p["icon"].as_str()),
        (Some("#abcdef12"), Some("map"))
    );
    assert_eq!(app.get(&one).await.expect(200), p);
    // There is no PATCH for design element types.
    assert_eq!(app.patch(&one, json!({"name": "x"})).await.status, 405);
}

#[tokio::test]
async fn delete_reassigns_elements_to_the_target_type() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let url = format!("/v0/projects/{pid}/designelementtypes");
    for (id, ty) in [(1, 1), (2, 4), (3, 4), (4, 5), (5, 6), (6, 7)] {
        element(&app, pid, id, ty).await;
    }
    // No body: the first remaining type (lowest id).
    app.delete(&format!("{url}/1")).await.expect_empty(200);
    app.get(&format!("{url}/1")).await.expect_empty(404);
    let (ty, updated) = type_of(&app, pid, 1).await;
    assert_eq!(ty, 2);
    assert_ne!(updated, "2026-01-01T00:00:00.000Z");
    // A bare integer body.
    app.call("DELETE", &format!("{url}/4"), Some(OWNER_KEY), Some("11"))
        .await
        .expect_empty(200);
    assert_eq!(type_of(&app, pid, 2).await.0, 11);
    assert_eq!(type_of(&app, pid, 3).await.0, 11);
    // The object form, and the quoted integer.
    app.call(
        "DELETE",
        &format!("{url}/5"),
        Some(OWNER_KEY),
        Some(r#"{"targetDesignElementTypeId": 13}"#),
    )
    .await
    .expect_empty(200);
    assert_eq!(type_of(&app, pid, 4).await.0, 13);
    app.call(
        "DELETE",
        &format!("{url}/6"),
        Some(OWNER_KEY),
        Some("\"12\""),
    )
    .await
    .expect_empty(200);
    assert_eq!(type_of(&app, pid, 5).await.0, 12);
    // `{}` and null mean no target.
    app.call("DELETE", &format!("{url}/7"), Some(OWNER_KEY), Some("{}"))
        .await
        .expect_empty(200);
    assert_eq!(type_of(&app, pid, 6).await.0, 2);
    app.call("DELETE", &format!("{url}/8"), Some(OWNER_KEY), Some("null"))
        .await
        .expect_empty(200);
    assert_eq!(
        ids(&app.get(&url).await.expect(200)),
        vec![2, 3, 9, 10, 11, 12, 13]
    );
}

#[tokio::test]
async fn delete_refuses_bad_targets_and_the_last_type() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let other = app.project("Other").await;
    app.post(
        &format!("/v0/projects/{other}/designelementtypes"),
        json!({"name": "Theirs"}),
    )
    .await
    .expect(201);
    let url = format!("/v0/projects/{pid}/designelementtypes");
    element(&app, pid, 1, 3).await;
    let no_target = json!({"message": "The target design element type id does not exist."});
    for body in ["3", "99", "14", "-1", r#"{"targetDesignElementTypeId": 3}"#] {
        let r = app
            .call("DELETE", &format!("{url}/3"), Some(OWNER_KEY), Some(body))
            .await;
        assert_eq!(r.expect(400), no_target, "{body}");
    }
    for body in ["{", "\"abc\"", "1.5", "true", r#"{"other": 2}"#, "[2]"] {
        let r = app
            .call("DELETE", &format!("{url}/3"), Some(OWNER_KEY), Some(body))
            .await;
        assert_eq!(
            r.expect(400),
            json!({"message": "Invalid values object."}),
            "{body}"
        );
    }
    // Nothing changed.
    assert_eq!(
        ids(&app.get(&url).await.expect(200)),
        (1..=13).collect::<Vec<_>>()
    );
    assert_eq!(type_of(&app, pid, 1).await.0, 3);
    // An unknown type is a 404 whatever the body.
    app.call("DELETE", &format!("{url}/99"), Some(OWNER_KEY), Some("1"))
        .await
        .expect_empty(404);
    // Down to the last one.
    for id in (1..=13).filter(|&i| i != 3) {
        app.delete(&format!("{url}/{id}")).await.expect_empty(200);
    }
    let r = app.delete(&format!("{url}/3")).await;
    assert_eq!(
        r.expect(409),
        json!({"message": "The design element type is the last one and can't be deleted."})
    );
    assert_eq!(ids(&app.get(&url).await.expect(200)), vec![3]);
    assert_eq!(type_of(&app, pid, 1).await.0, 3);
}

#[tokio::test]
async fn permissions_by_level_and_scope() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let other = app.project("Other").await;
    let url = format!("/v0/projects/{pid}/designelementtypes");
    let (admin, admin_key) = app.add_user("ada").await;
    let (plain, plain_key) = app.add_user("pat").await;
    let (guest, guest_key) = app.add_user("gus").await;
    let (_, stranger_key) = app.add_user("eve").await;
    app.add_member_sql(pid, admin, true, false, None).await;
    app.add_member_sql(pid, plain, false, false, None).await;
    app.add_member_sql(pid, guest, false, true, None).await;
    let read_key = app.add_key(1, Scopes::parse("read").unwrap()).await;
    let body = json!({"name": "X"});
    for key in [&admin_key, &plain_key, &guest_key, &read_key] {
        assert_eq!(
            ids(&app.as_user(key, "GET", &url, None).await.expect(200)).len(),
            13
        );
        app.as_user(key, "GET", &format!("{url}/1"), None)
            .await
            .expect(200);
    }
    for key in [&plain_key, &guest_key, &read_key, &stranger_key] {
        for (m, path, b) in [
            ("POST", url.clone(), Some(body.clone())),
            ("PUT", format!("{url}/1"), Some(body.clone())),
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
    assert_eq!(
        ids(&app.get(&url).await.expect(200)).len(),
        13,
        "nothing changed"
    );
    app.as_user(&admin_key, "POST", &url, Some(body.clone()))
        .await
        .expect(201);
    app.as_user(
        &admin_key,
        "PUT",
        &format!("{url}/14"),
        Some(json!({"name": "Y"})),
    )
    .await
    .expect(200);
    app.as_user(&admin_key, "DELETE", &format!("{url}/14"), None)
        .await
        .expect_empty(200);

    app.get("/v0/projects/4242/designelementtypes")
        .await
        .expect_empty(404);
    app.post("/v0/projects/4242/designelementtypes", body.clone())
        .await
        .expect_empty(404);
    app.get(&format!("{url}/99")).await.expect_empty(404);
    app.get(&format!("{url}/-")).await.expect_empty(404);
    for name in ["A", "B"] {
        app.post(
            &format!("/v0/projects/{other}/designelementtypes"),
            json!({"name": name}),
        )
        .await
        .expect(201);
    }
    for (m, b) in [("GET", None), ("PUT", Some(body.clone())), ("DELETE", None)] {
        app.as_user(OWNER_KEY, m, &format!("{url}/15"), b)
            .await
            .expect_empty(404);
    }
    assert_eq!(
        app.get(&format!("/v0/projects/{other}/designelementtypes/15"))
            .await
            .expect(200)["name"],
        "B"
    );
}

#[tokio::test]
async fn bad_input_is_rejected_and_changes_nothing() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let url = format!("/v0/projects/{pid}/designelementtypes");
    let one = format!("{url}/1");
    let before = app.get(&url).await.expect(200);
    for (m, path) in [("POST", &url), ("PUT", &one)] {
        for raw in [
            "{",
            "",
            "12",
            "{\"name\": false}",
            "{\"name\": \"x\", \"icon\": 3}",
        ] {
            let r = app.call(m, path, Some(OWNER_KEY), Some(raw)).await;
            assert_eq!(
                r.expect(400),
                json!({"message": "Invalid values object."}),
                "{m} {raw}"
            );
        }
        for (b, field) in [
            (json!({}), "name"),
            (json!({"color": "#fff"}), "name"),
            (json!({"name": "x".repeat(300)}), "name"),
            (json!({"name": "a\u{0}b"}), "name"),
            (json!({"name": "ok", "color": "#1234"}), "color"),
            (json!({"name": "ok", "icon": "i".repeat(256)}), "icon"),
        ] {
            let r = app
                .as_user(OWNER_KEY, m, path, Some(b.clone()))
                .await
                .expect(400);
            assert!(r["modelState"][field].is_array(), "{m} {b}: {r}");
        }
    }
    assert_eq!(app.get(&url).await.expect(200), before, "nothing changed");
    assert_eq!(
        app.post(&url, json!({"name": "Next"})).await.expect(201)["designElementTypeId"],
        14
    );
}

#[tokio::test]
async fn the_openapi_document_describes_the_configuration_endpoints() {
    let app = spawn_app().await;
    let doc = app
        .call("GET", "/openapi.json", None, None)
        .await
        .expect(200);
    let p = &doc["paths"];
    for (path, methods) in [
        ("/v0/projects/{projectId}/categories", &["get", "post"][..]),
        (
            "/v0/projects/{projectId}/categories/{categoryId}",
            &["get", "put", "patch", "delete"][..],
        ),
        ("/v0/projects/{projectId}/stages", &["get", "post"][..]),
        (
            "/v0/projects/{projectId}/stages/{stageId}",
            &["get", "put", "patch", "delete"][..],
        ),
        (
            "/v0/projects/{projectId}/importancelevels",
            &["get", "post"][..],
        ),
        (
            "/v0/projects/{projectId}/importancelevels/{importanceLevelId}",
            &["get", "put", "patch", "delete"][..],
        ),
        (
            "/v0/projects/{projectId}/designelementtypes",
            &["get", "post"][..],
        ),
        (
            "/v0/projects/{projectId}/designelementtypes/{designElementTypeId}",
            &["get", "put", "delete"][..],
        ),
        ("/v0/projects/{projectId}/tags", &["get", "post"][..]),
        (
            "/v0/projects/{projectId}/tags/{tagId}",
            &["put", "patch", "delete"][..],
        ),
    ] {
        for m in methods {
            assert!(p[path][m]["responses"].is_object(), "{m} {path}");
        }
    }
    let schemas = &doc["components"]["schemas"];
    for s in [
        "StageValues",
        "PatchStageValues",
        "TagValues",
        "ImportanceLevelValues",
    ] {
        assert!(schemas[s].is_object(), "{s}");
    }
    assert!(
        schemas["DeleteDesignElementTypeValues"]["properties"]["targetDesignElementTypeId"]
            .is_object()
    );
}
