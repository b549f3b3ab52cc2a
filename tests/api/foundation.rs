//! The HTTP contract every endpoint shares: keys, scopes, errors, paths, limits.

use questlog::http::HttpSettings;
use questlog::http::auth::Scopes;
use serde_json::json;

use crate::helpers::*;

const DENIED: &str = r#"{"message":"Authorization has been denied for this request."}"#;

#[tokio::test]
async fn users_me_answers_with_the_key_owner() {
    let app = spawn_app().await;
    let me = app.get("/v0/users/me").await.expect(200);
    assert_eq!(me["id"], 1);
    assert_eq!(me["username"], "owner");
    assert_eq!(me["email"], "owner@localhost");
    assert_eq!(me["name"], "Owner");
    let date = me["creationDate"].as_str().unwrap();
    assert_eq!(date.len(), 24, "YYYY-MM-DDTHH:MM:SS.fffZ: {date}");
    assert!(date.ends_with('Z') && date.as_bytes()[19] == b'.');

    let (id, key) = app.add_user("ana").await;
    let me = app
        .as_user(&key, "GET", "/v0/users/me", None)
        .await
        .expect(200);
    assert_eq!(me["id"], id);
    assert_eq!(me["username"], "ana");
}

#[tokio::test]
async fn missing_unknown_malformed_and_revoked_keys_are_401() {
    let app = spawn_app().await;
    for header in [
        None,
        Some("ApiKey ffffffffffffffffffffffffffffffff"),
        Some("ApiKey short"),
        Some("Bearer 0123456789abcdef0123456789abcdef"),
        Some("ApiKey"),
        Some(""),
    ] {
        let mut req = app.client.get(format!("{}/v0/users/me", app.base));
        if let Some(h) = header {
            req = req.header("Authorization", h);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 401, "{header:?}");
        assert_eq!(r.text().await.unwrap(), DENIED);
    }
    // Revoked through the same store function the CLI uses.
    let (_, key) = app.add_user("bo").await;
    {
        let mut tx = app.db.write().await.unwrap();
        let (kid,): (i64,) = tx
            .one(
                "SELECT id FROM api_keys WHERE key_hash = $1",
                questlog::params![questlog::http::auth::hash_key(&key)],
            )
            .await
            .unwrap();
        assert!(
            questlog::store::accounts::revoke_key(&mut tx, kid)
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();
    }
    let r = app.as_user(&key, "GET", "/v0/users/me", None).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.text, DENIED);
    // The scheme is case-insensitive.
    let r = app
        .client
        .get(format!("{}/v0/users/me", app.base))
        .header("Authorization", format!("apikey {OWNER_KEY}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn keys_are_stored_hashed() {
    let app = spawn_app().await;
    let mut tx = app.db.read().await.unwrap();
    let rows: Vec<(String,)> = tx.all("SELECT key_hash FROM api_keys", &[]).await.unwrap();
    assert!(!rows.is_empty());
    for (h,) in rows {
        assert_ne!(h, OWNER_KEY);
        assert_eq!(h.len(), 64);
    }
}

#[tokio::test]
async fn read_only_scope_cannot_write() {
    let app = spawn_app().await;
    let ro = app.add_key(1, Scopes::parse("read").unwrap()).await;
    let r = app
        .as_user(
            &ro,
            "POST",
            "/v0/projects",
            Some(json!({"name": "X", "costMetric": "hours"})),
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(r.json()["message"].as_str().unwrap().contains("scope"));
    assert_eq!(app.get("/v0/projects").await.expect(200), json!([]));
    let pid = app.project("P").await;
    app.as_user(&ro, "GET", &format!("/v0/projects/{pid}"), None)
        .await
        .expect(200);
    let r = app
        .as_user(
            &ro,
            "PATCH",
            &format!("/v0/projects/{pid}"),
            Some(json!({"name": "Y"})),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        app.get(&format!("/v0/projects/{pid}")).await.expect(200)["name"],
        "P"
    );
    // A key without workspace scopes cannot list workspaces.
    let items = app
        .add_key(1, Scopes::parse("workitems:write").unwrap())
        .await;
    assert_eq!(
        app.as_user(&items, "GET", "/v0/workspaces", None)
            .await
            .status,
        403
    );
}

#[tokio::test]
async fn unknown_paths_are_empty_404_and_wrong_methods_405() {
    let app = spawn_app().await;
    app.get("/v0/nothing-here").await.expect_empty(404);
    app.get("/v0/projects/999999").await.expect_empty(404);
    app.get("/v0/projects/abc").await.expect_empty(404);
    app.get("/v0/projects/99999999999999999999999")
        .await
        .expect_empty(404);
    app.get("/v0/projects/-1").await.expect_empty(404);
    let r = app.post("/v0/workspaces", json!({})).await;
    assert_eq!(
        r.expect(405),
        json!({"message": "The requested resource does not support http method 'POST'."})
    );
    let r = app
        .call("DELETE", "/v0/users/me", Some(OWNER_KEY), None)
        .await;
    assert_eq!(
        r.expect(405)["message"],
        "The requested resource does not support http method 'DELETE'."
    );
}

#[tokio::test]
async fn paths_are_case_insensitive_and_accept_a_trailing_slash() {
    let app = spawn_app().await;
    assert_eq!(app.get("/V0/Users/Me").await.expect(200)["id"], 1);
    assert_eq!(app.get("/v0/users/me/").await.expect(200)["id"], 1);
    let pid = app.project("P").await;
    assert_eq!(
        app.get(&format!("/v0/Projects/{pid}/")).await.expect(200)["id"],
        pid
    );
    // Query strings keep their case.
    let w = app
        .get("/v0/Workspaces?includeProjects=True")
        .await
        .expect(200);
    assert_eq!(w[0]["projects"][0]["name"], "P");
}

#[tokio::test]
async fn bodies_are_accepted_without_a_content_type() {
    let app = spawn_app().await;
    let r = app
        .client
        .post(format!("{}/v0/projects", app.base))
        .header("Authorization", format!("ApiKey {OWNER_KEY}"))
        .body(r#"{"name":"No header","costMetric":"Points"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let p: serde_json::Value = r.json().await.unwrap();
    assert_eq!(p["costMetric"], "points");
}

#[tokio::test]
async fn malformed_and_oversized_bodies_are_4xx_and_change_nothing() {
    let app = spawn_app_with(HttpSettings {
        body_limit: 64 * 1024,
        ..Default::default()
    })
    .await;
    for body in [
        "",
        "{",
        "nul",
        "[]",
        "42",
        "\"x\"",
        r#"{"name": 5, "costMetric": "hours"}"#,
    ] {
        let r = app
            .call("POST", "/v0/projects", Some(OWNER_KEY), Some(body))
            .await;
        assert_eq!(
            r.expect(400),
            json!({"message": "Invalid values object."}),
            "{body}"
        );
    }
    let big = "x".repeat(100 * 1024);
    let r = app
        .post("/v0/projects", json!({"name": big, "costMetric": "hours"}))
        .await;
    assert_eq!(r.status, 413);
    assert!(r.json()["message"].is_string());
    assert_eq!(app.get("/v0/projects").await.expect(200), json!([]));
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let app = spawn_app_with(HttpSettings {
        rate_limit: Some(5.0),
        ..Default::default()
    })
    .await;
    let mut limited = None;
    for _ in 0..20 {
        let r = app.get("/v0/users/me").await;
        if r.status == 429 {
            limited = Some(r);
            break;
        }
    }
    let r = limited.expect("a 429 within 20 quick calls at 5/s");
    let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry));
    assert!(r.json()["message"].is_string());
}

#[tokio::test]
async fn health_and_openapi_need_no_key() {
    let app = spawn_app().await;
    let r = app.call("GET", "/healthz", None, None).await;
    assert_eq!(r.expect(200), json!({"status": "ok"}));
    let doc = app
        .call("GET", "/openapi.json", None, None)
        .await
        .expect(200);
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/v0/users/me"]["get"].is_object());
    assert!(doc["components"]["securitySchemes"]["ApiKey"].is_object());
}
