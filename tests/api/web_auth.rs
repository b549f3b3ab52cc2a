//! The web app's sign-in: sessions, CSRF on sign-out, the projects list.

use crate::helpers::spawn_app;
use crate::web_client::{Browser, OWNER_PASSWORD, between, owner_browser, set_password};

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
