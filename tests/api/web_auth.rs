//! The web app's sign-in: sessions, CSRF on sign-out, the projects list.

use crate::helpers::spawn_app;
use crate::web_client::{
    Browser, OWNER_PASSWORD, between, count, owner_browser, set_password, sql,
};

#[tokio::test]
async fn pages_send_anonymous_visitors_to_sign_in() {
    let app = spawn_app().await;
    let mut b = Browser::new(&app);
    let r = b.get("/?tab=x").await;
    r.expect(303);
    assert_eq!(r.location(), "/login?next=/%3Ftab%3Dx");
    let r = b.get("/login?next=/projects/1").await;
    let text = r.expect(200);
    assert!(text.contains("Sign in to Questlog"));
    assert!(b.cookies.contains_key("questlog_login"));
    // A write without a session is refused, not redirected.
    b.post("/logout", &[]).await.expect(401);
}

#[tokio::test]
async fn owner_signs_in_sees_projects_and_signs_out() {
    let app = spawn_app().await;
    let pid = app.project("Dungeon Crawler").await;
    let mut b = Browser::new(&app);
    set_password(&app, 1, OWNER_PASSWORD).await;

    let r = b.login("owner", "wrong password").await;
    assert!(r.expect(401).contains("Wrong username or password."));
    assert!(!b.cookies.contains_key("questlog_session"));

    let r = b.login("owner", OWNER_PASSWORD).await;
    r.expect(303);
    assert_eq!(r.location(), "/");
    let set = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("questlog_session="))
        .expect("a session cookie");
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && !set.contains("Secure"));

    let page = b.get("/").await;
    let text = page.expect(200);
    assert!(text.contains("Dungeon Crawler"));
    assert!(text.contains(&format!("href=\"/projects/{pid}\"")));
    assert!(text.contains("Studio"));

    // Sign-out needs the CSRF token.
    b.post("/logout", &[("_csrf", "nope")]).await.expect(403);
    b.get("/").await.expect(200);
    let csrf = page.csrf();
    let r = b.post("/logout", &[("_csrf", &csrf)]).await;
    r.expect(303);
    b.get("/").await.expect(303);
}

#[tokio::test]
async fn sign_in_needs_the_login_form_token() {
    let app = spawn_app().await;
    set_password(&app, 1, OWNER_PASSWORD).await;
    let mut b = Browser::new(&app);
    let form = b.get("/login").await;
    let token = between(&form.text, "name=\"_login\" value=\"", "\"").unwrap();
    // Another site can post the form but not send our cookie: without it, refused.
    b.cookies.clear();
    let r = b
        .post(
            "/login",
            &[
                ("_login", &token),
                ("username", "owner"),
                ("password", OWNER_PASSWORD),
            ],
        )
        .await;
    r.expect(403);
    assert!(!b.cookies.contains_key("questlog_session"));
}

#[tokio::test]
async fn assets_are_served_with_long_cache_lifetimes() {
    let app = spawn_app().await;
    let mut b = owner_browser(&app).await;
    let page = b.get("/").await;
    let css = between(&page.text, "href=\"/assets/app.css", "\"").unwrap();
    assert!(css.starts_with("?v="));
    let r = b.get(&format!("/assets/app.css{css}")).await;
    assert!(r.expect(200).contains(":focus-visible"));
    assert_eq!(r.headers["content-type"], "text/css; charset=utf-8");
    assert!(
        r.headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let js = b.get("/assets/app.js").await;
    assert!(js.expect(200).contains("X-CSRF-Token"));
    b.get("/assets/nope.js").await.expect(404);
}

#[tokio::test]
async fn five_failures_throttle_the_username_with_429() {
    let app = spawn_app().await;
    set_password(&app, 1, OWNER_PASSWORD).await;
    let mut b = Browser::new(&app);
    for _ in 0..5 {
        b.login("owner", "not the password").await.expect(401);
    }
    // Now even the right password waits, with a clear message and Retry-After.
    let r = b.login("owner", OWNER_PASSWORD).await;
    assert!(r.expect(429).contains("Too many failed sign-ins"));
    let wait: i64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(wait > 0 && wait <= 15 * 60, "{wait}");
    assert!(!b.cookies.contains_key("questlog_session"));
    // Another username from the same address is not locked (the IP limit is higher).
    let (uid, _) = app.add_user("maria").await;
    set_password(&app, uid, "maria-password-1").await;
    b.login("maria", "maria-password-1").await.expect(303);
    // Once the failures are older than the window, the owner signs in again.
    sql(&app, "UPDATE login_failures SET at = at - 3600").await;
    let mut b = Browser::new(&app);
    b.login("owner", OWNER_PASSWORD).await.expect(303);
}

#[tokio::test]
async fn unknown_users_and_users_without_password_are_refused_alike() {
    let app = spawn_app().await;
    app.add_user("nopass").await;
    let mut b = Browser::new(&app);
    assert!(
        b.login("ghost", "whatever-123")
            .await
            .expect(401)
            .contains("Wrong username or password.")
    );
    assert!(
        b.login("nopass", "whatever-123")
            .await
            .expect(401)
            .contains("Wrong username or password.")
    );
    b.login("", "").await.expect(400);
}

#[tokio::test]
async fn sessions_expire_when_idle_and_absolutely() {
    let app = spawn_app().await;
    let mut b = owner_browser(&app).await;
    b.get("/").await.expect(200);
    // Idle for 8 days (the limit is 7).
    sql(
        &app,
        "UPDATE web_sessions SET last_seen_at = last_seen_at - 8 * 86400",
    )
    .await;
    b.get("/").await.expect(303);

    let mut b = owner_browser(&app).await;
    b.get("/").await.expect(200);
    // Recently used, but past its absolute expiry.
    sql(&app, "UPDATE web_sessions SET expires_at = created_at - 1").await;
    b.get("/").await.expect(303);
    // A made-up cookie is no session either.
    let mut c = Browser::new(&app);
    c.cookies.insert("questlog_session".into(), "ab".repeat(32));
    c.get("/").await.expect(303);
}

#[tokio::test]
async fn session_tokens_are_stored_hashed_and_cookies_secure_behind_tls() {
    let app = spawn_app().await;
    let b = owner_browser(&app).await;
    let token = b.cookies["questlog_session"].clone();
    assert_eq!(token.len(), 64);
    let stored = count(
        &app,
        &format!("SELECT COUNT(*) FROM web_sessions WHERE token_hash = '{token}'"),
    )
    .await;
    assert_eq!(stored, 0, "the raw token must not be stored");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM web_sessions").await, 1);
    // Behind a TLS proxy the cookies are Secure.
    let r = reqwest::Client::new()
        .get(format!("{}/login", app.base))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert!(
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("; Secure")
    );
}

#[tokio::test]
async fn next_only_goes_to_local_paths() {
    let app = spawn_app().await;
    set_password(&app, 1, OWNER_PASSWORD).await;
    let mut b = Browser::new(&app);
    let form = b.get("/login?next=//evil.example/x").await;
    let token = between(&form.text, "name=\"_login\" value=\"", "\"").unwrap();
    let r = b
        .post(
            "/login",
            &[
                ("_login", &token),
                ("username", "owner"),
                ("password", OWNER_PASSWORD),
                ("next", "https://evil.example/"),
            ],
        )
        .await;
    assert_eq!(r.expect(303), "");
    assert_eq!(r.location(), "/");
}

#[tokio::test]
async fn web_routes_are_not_in_the_openapi_document() {
    let app = spawn_app().await;
    let doc = app.get("/openapi.json").await.expect(200);
    let paths = doc["paths"].as_object().unwrap();
    assert!(
        paths
            .keys()
            .all(|p| p.starts_with("/v0/") || p == "/healthz"),
        "{:?}",
        paths.keys()
    );
    // And the API is unchanged beside them.
    app.get("/v0/users/me").await.expect(200);
}
