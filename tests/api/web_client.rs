//! A small browser for the web app's handler tests: keeps cookies, never follows redirects,
//! and knows the sign-in and CSRF dance.

use std::collections::BTreeMap;

use reqwest::StatusCode;
use reqwest::header::{COOKIE, HeaderMap, LOCATION, SET_COOKIE};

use crate::helpers::TestApp;

pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    /// The page's CSRF token (its `<meta name="csrf-token">`).
    pub fn csrf(&self) -> String {
        between(&self.text, "name=\"csrf-token\" content=\"", "\"").expect("a csrf meta tag")
    }
    #[track_caller]
    pub fn expect(&self, status: u16) -> &str {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        &self.text
    }
}

pub fn between(s: &str, start: &str, end: &str) -> Option<String> {
    let i = s.find(start)? + start.len();
    let j = s[i..].find(end)? + i;
    Some(s[i..j].to_string())
}

pub struct Browser {
    pub base: String,
    client: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
}

impl Browser {
    pub fn new(app: &TestApp) -> Browser {
        Browser {
            base: app.base.clone(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
        let req = if self.cookies.is_empty() {
            req
        } else {
            req.header(COOKIE, self.cookie_header())
        };
        let res = req.send().await.expect("request");
        for c in res.headers().get_all(SET_COOKIE) {
            let c = c.to_str().unwrap();
            let first = c.split(';').next().unwrap();
            let (k, v) = first.split_once('=').unwrap();
            if v.is_empty() || c.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
        Page {
            status: res.status(),
            headers: res.headers().clone(),
            text: res.text().await.unwrap_or_default(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let r = self.client.get(format!("{}{path}", self.base));
        self.send(r).await
    }

    /// A form post with these fields (repeat a name for several values).
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = serde_urlencoded::to_string(fields).unwrap();
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(r).await
    }

    /// Posts a form with the CSRF token of the page at `from`.
    pub async fn submit(&mut self, from: &str, path: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.get(from).await.csrf();
        let mut all = vec![("_csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(path, &all).await
    }

    /// Opens the sign-in page and posts the form.
    pub async fn login(&mut self, username: &str, password: &str) -> Page {
        let form = self.get("/login").await;
        let token = between(&form.text, "name=\"_login\" value=\"", "\"").expect("login token");
        self.post(
            "/login",
            &[
                ("_login", token.as_str()),
                ("username", username),
                ("password", password),
            ],
        )
        .await
    }
}

/// Gives a user a password straight through the operations layer.
pub async fn set_password(app: &TestApp, user_id: i64, password: &str) {
    let hash = questlog::ops::sessions::hash_password(password).unwrap();
    let mut tx = app.db.write().await.unwrap();
    questlog::ops::sessions::set_password_hash(&mut tx, user_id, &hash)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

pub const OWNER_PASSWORD: &str = "owner-password-1";

/// A browser signed in as the owner (user 1).
pub async fn owner_browser(app: &TestApp) -> Browser {
    set_password(app, 1, OWNER_PASSWORD).await;
    let mut b = Browser::new(app);
    let r = b.login("owner", OWNER_PASSWORD).await;
    assert_eq!(r.status.as_u16(), 303, "{}", r.text);
    b
}

/// A browser signed in as a new user `name` (with a password).
pub async fn user_browser(app: &TestApp, name: &str) -> (i64, Browser) {
    let (id, _) = app.add_user(name).await;
    let pw = format!("{name}-password-1");
    set_password(app, id, &pw).await;
    let mut b = Browser::new(app);
    b.login(name, &pw).await.expect(303);
    (id, b)
}

/// Runs a statement on the test's database (to age sessions, count rows).
pub async fn sql(app: &TestApp, stmt: &str) {
    let mut tx = app.db.write().await.unwrap();
    tx.exec(stmt, &[]).await.unwrap();
    tx.commit().await.unwrap();
}

pub async fn count(app: &TestApp, query: &str) -> i64 {
    let mut tx = app.db.read().await.unwrap();
    let (n,): (i64,) = tx.one(query, &[]).await.unwrap();
    tx.commit().await.unwrap();
    n
}
