//! The account page: API keys, password change, sign out everywhere.

use crate::helpers::spawn_app;
use crate::web_client::{Browser, OWNER_PASSWORD, between, count, owner_browser, user_browser};

async fn new_key(b: &mut Browser, label: &str, scopes: &[&str]) -> String {
    let mut fields = vec![("label", label)];
    fields.extend(scopes.iter().map(|s| ("scope", *s)));
    let r = b.submit("/account", "/account/keys", &fields).await;
    let text = r.expect(200);
    assert!(text.contains("won't be shown again"));
    between(text, "id=\"new-key-value\">", "<").expect("the new key")
}

#[tokio::test]
async fn keys_are_created_shown_once_and_work_until_revoked() {
    let app = spawn_app().await;
    let mut b = owner_browser(&app).await;
    let page = b.get("/account").await;
    let text = page.expect(200);
    assert!(text.contains("bootstrap"), "the bootstrap key is listed");

    let key = new_key(&mut b, "CI importer", &["projects:read", "workitems:write"]).await;
    assert_eq!(key.len(), 32);
    let me = app.as_user(&key, "GET", "/v0/users/me", None).await;
    assert_eq!(me.expect(200)["username"], "owner");
    // Its scopes hold: projects:read but not projects:admin.
    let r = app
        .as_user(
            &key,
            "POST",
            "/v0/projects",
            Some(serde_json::json!({"name": "x", "costMetric": "hours"})),
        )
        .await;
    assert_eq!(r.status.as_u16(), 403);
    // Listed with its label and scopes, never its value again.
    let list = b.get("/account").await;
    let text = list.expect(200);
    assert!(text.contains("CI importer") && text.contains("workitems:write"));
    assert!(!text.contains(&key));

    let id = count(&app, "SELECT MAX(id) FROM api_keys").await;
    let r = b
        .submit("/account", &format!("/account/keys/{id}/revoke"), &[])
        .await;
    r.expect(303);
    assert_eq!(r.location(), "/account?done=revoked");
    let r = app.as_user(&key, "GET", "/v0/users/me", None).await;
    assert_eq!(r.status.as_u16(), 401);
    assert!(b.get("/account").await.text.contains("revoked"));
}

#[tokio::test]
async fn key_forms_refuse_bad_input_other_users_keys_and_missing_csrf() {
    let app = spawn_app().await;
    let mut b = owner_browser(&app).await;
    let before = count(&app, "SELECT COUNT(*) FROM api_keys").await;
    // No scope, no label, unknown scope: 400, nothing created.
    b.submit("/account", "/account/keys", &[("label", "x")])
        .await
        .expect(400);
    b.submit("/account", "/account/keys", &[("scope", "projects:read")])
        .await
        .expect(400);
    b.submit(
        "/account",
        "/account/keys",
        &[("label", "x"), ("scope", "bogus")],
    )
    .await
    .expect(400);
    // Without the CSRF token: 403, nothing created.
    b.post(
        "/account/keys",
        &[("label", "x"), ("scope", "projects:read")],
    )
    .await
    .expect(403);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM api_keys").await, before);

    // Another user's key can't be revoked from here: 404, and it still works.
    let (_, maria_key) = app.add_user("maria").await;
    let id = count(&app, "SELECT MAX(id) FROM api_keys").await;
    b.submit("/account", &format!("/account/keys/{id}/revoke"), &[])
        .await
        .expect(404);
    app.as_user(&maria_key, "GET", "/v0/users/me", None)
        .await
        .expect(200);
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_ends_other_sessions() {
    let app = spawn_app().await;
    let mut b = owner_browser(&app).await;
    let mut other = Browser::new(&app);
    other.login("owner", OWNER_PASSWORD).await.expect(303);

    let r = b
        .submit(
            "/account",
            "/account/password",
            &[("current", "wrong"), ("new", "a-brand-new-password")],
        )
        .await;
    r.expect(403);
    let r = b
        .submit(
            "/account",
            "/account/password",
            &[("current", OWNER_PASSWORD), ("new", "short")],
        )
        .await;
    r.expect(400);
    let r = b
        .submit(
            "/account",
            "/account/password",
            &[("current", OWNER_PASSWORD), ("new", "a-brand-new-password")],
        )
        .await;
    r.expect(303);
    // This session stays, the other one ended.
    b.get("/account").await.expect(200);
    other.get("/account").await.expect(303);
    let mut c = Browser::new(&app);
    c.login("owner", OWNER_PASSWORD).await.expect(401);
    c.login("owner", "a-brand-new-password").await.expect(303);
}

#[tokio::test]
async fn sign_out_everywhere_ends_every_session_of_the_user_only() {
    let app = spawn_app().await;
    let mut b = owner_browser(&app).await;
    let mut other = Browser::new(&app);
    other.login("owner", OWNER_PASSWORD).await.expect(303);
    let (_, mut maria) = user_browser(&app, "maria").await;
    assert!(b.get("/account").await.text.contains("2 browser sessions"));

    // CSRF first.
    b.post("/account/sign-out-everywhere", &[])
        .await
        .expect(403);
    other.get("/").await.expect(200);

    let r = b
        .submit("/account", "/account/sign-out-everywhere", &[])
        .await;
    r.expect(303);
    assert_eq!(r.location(), "/login");
    b.get("/").await.expect(303);
    other.get("/").await.expect(303);
    maria.get("/").await.expect(200);
}
