//! The reply cache (http::cache): a GET reply is reused only while the data it was built from
//! is unchanged, and only for the caller it was built for. Every other test runs with the cache
//! on as well, so each write-then-read there checks it too.

use serde_json::json;

use crate::helpers::*;
use questlog::store::Db;

fn item_path(pid: i64, id: i64) -> String {
    format!("/v0/projects/{pid}/workitems/{id}")
}

#[tokio::test]
async fn a_reply_is_reused_until_a_write_changes_it() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    let id = app.work_item_sql(pid, "First title").await;
    let list = format!("/v0/projects/{pid}/workitems?limit=20");
    let before = app.get(&list).await;
    let again = app.get(&list).await;
    assert_eq!(before.text, again.text);
    assert_eq!(before.json()["items"][0]["title"], "First title");
    assert_eq!(
        again.headers.get("content-type").unwrap(),
        "application/json"
    );

    app.patch(&item_path(pid, id), json!({"title": "Second title"}))
        .await
        .expect(200);
    let after = app.get(&list).await.expect(200);
    assert_eq!(after["items"][0]["title"], "Second title");
    assert_eq!(
        app.get(&item_path(pid, id)).await.expect(200)["title"],
        "Second title"
    );
}

#[tokio::test]
async fn callers_never_share_a_reply() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    app.work_item_sql(pid, "Secret plan").await;
    let list = format!("/v0/projects/{pid}/workitems");
    assert_eq!(app.get(&list).await.expect(200)["totalCount"], 1);
    // Another user, not a member: the owner's reply is not theirs.
    let (_, key) = app.add_user("stranger").await;
    let r = app.as_user(&key, "GET", &list, None).await;
    assert_eq!(r.status.as_u16(), 403, "{}", r.text);
    assert!(!r.text.contains("Secret plan"));
    // A read-only key of the owner gets its own reply; no key gets a 401.
    let read_only = app
        .add_key(1, questlog::ops::Scopes::parse("read").unwrap())
        .await;
    let r = app.as_user(&read_only, "GET", &list, None).await;
    assert_eq!(r.json()["totalCount"], 1);
    let anon = app
        .client
        .get(format!("{}{list}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status().as_u16(), 401);
}

/// A write through another connection set (as the CLI or a second server would make it) moves
/// the server's data epoch on, and the next read shows it.
#[tokio::test]
async fn writes_of_other_processes_reach_cached_replies() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    let id = app.work_item_sql(pid, "Before").await;
    // Wait until the epoch is known (PostgreSQL: once the listener listens).
    let mut epoch = None;
    for _ in 0..500 {
        epoch = app.db.epoch();
        if epoch.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(epoch.is_some(), "the data epoch never became known");
    assert_eq!(
        app.get(&item_path(pid, id)).await.expect(200)["title"],
        "Before"
    );
    assert_eq!(
        app.get(&item_path(pid, id)).await.expect(200)["title"],
        "Before"
    );
    let before = app.db.epoch();

    let other = Db::connect(&app.url, 1).await.unwrap();
    let mut tx = other.write().await.unwrap();
    tx.exec(
        "UPDATE work_items SET title = $1 WHERE project_id = $2 AND work_item_id = $3",
        questlog::params!["After", pid, id],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    other.close().await;

    let mut moved = false;
    for _ in 0..500 {
        if app.db.epoch() != before {
            moved = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(moved, "the other process's write was not noticed");
    assert_eq!(
        app.get(&item_path(pid, id)).await.expect(200)["title"],
        "After"
    );
}

/// With the cache off (`reply_cache: 0`) replies are built every time, and the same.
#[tokio::test]
async fn the_cache_can_be_turned_off() {
    let app = spawn_app_with(questlog::http::HttpSettings {
        reply_cache: 0,
        ..Default::default()
    })
    .await;
    let pid = app.project("Game").await;
    let id = app.work_item_sql(pid, "Only").await;
    let a = app.get(&item_path(pid, id)).await;
    let b = app.get(&item_path(pid, id)).await;
    assert_eq!(a.text, b.text);
    assert_eq!(a.json()["title"], "Only");
}

/// Waits until the server's data epoch is known (PostgreSQL: once its listener listens).
async fn epoch_known(app: &TestApp) -> Option<u64> {
    for _ in 0..500 {
        if let Some(e) = app.db.epoch() {
            return Some(e);
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the data epoch never became known");
}

/// Commits `sql` through a connection set of its own (as the CLI or a second server would), then
/// waits until the server has noticed it.
async fn write_elsewhere(app: &TestApp, sql: &str, params: &[questlog::store::Val]) {
    let before = epoch_known(app).await;
    let other = Db::connect(&app.url, 1).await.unwrap();
    let mut tx = other.write().await.unwrap();
    assert_eq!(tx.exec(sql, params).await.unwrap(), 1);
    tx.commit().await.unwrap();
    other.close().await;
    for _ in 0..500 {
        if app.db.epoch() != before {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the other process's write was not noticed");
}

/// PostgreSQL keeps a caller's membership of a project and the design elements items nest while
/// the data epoch is unchanged (store::Memo). With the reply cache off, so that every reply is
/// built, changes another process makes to either are seen as soon as its write is noticed.
#[tokio::test]
async fn kept_memberships_and_design_elements_follow_other_processes_writes() {
    let app = spawn_app_with(questlog::http::HttpSettings {
        reply_cache: 0,
        ..Default::default()
    })
    .await;
    let pid = app.project("Game").await;
    let (uid, key) = app.add_user("member").await;
    app.add_member(pid, uid, json!({})).await;
    let element = app
        .post(
            &format!("/v0/projects/{pid}/designelements"),
            json!({"designElementTypeId": 1, "name": "Hero"}),
        )
        .await
        .expect(201);
    let de = element["designElementId"].as_i64().unwrap();
    let item = app
        .post(
            &format!("/v0/projects/{pid}/workitems"),
            json!({"title": "Task", "importanceLevelId": 1, "designElementId": de}),
        )
        .await
        .expect(200);
    let path = item_path(pid, item["workItemId"].as_i64().unwrap());
    epoch_known(&app).await;
    for _ in 0..2 {
        let r = app.as_user(&key, "GET", &path, None).await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.text);
        assert_eq!(r.json()["designElement"]["name"], "Hero");
    }

    write_elsewhere(
        &app,
        "UPDATE design_elements SET name = $1 WHERE project_id = $2 AND design_element_id = $3",
        questlog::params!["Villain", pid, de],
    )
    .await;
    let r = app.as_user(&key, "GET", &path, None).await;
    assert_eq!(r.json()["designElement"]["name"], "Villain", "{}", r.text);

    write_elsewhere(
        &app,
        "UPDATE project_users SET is_active = FALSE WHERE project_id = $1 AND user_id = $2",
        questlog::params![pid, uid],
    )
    .await;
    let r = app.as_user(&key, "GET", &path, None).await;
    assert_eq!(r.status.as_u16(), 403, "{}", r.text);
    assert!(!r.text.contains("Villain"));
}
