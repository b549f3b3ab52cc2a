//! Tests of the work logs endpoints.

use questlog::params;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::sub_tasks::{OLD_DATE, cast, count, update_date};

fn base(pid: i64, wid: i64) -> String {
    format!("/v0/projects/{pid}/workitems/{wid}/worklogs")
}

async fn logged(app: &TestApp, pid: i64, wid: i64) -> f64 {
    let mut tx = app.db.read().await.unwrap();
    let (v,): (f64,) = tx
        .one(
            "SELECT COALESCE(SUM(value), 0.0) FROM work_logs WHERE project_id = $1 AND work_item_id = $2",
            params![pid, wid],
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    v
}

async fn comments(app: &TestApp, pid: i64, wid: i64) -> Value {
    app.get(&format!("/v0/projects/{pid}/workitems/{wid}/comments"))
        .await
        .expect(200)
}

#[tokio::test]
async fn work_logs_are_created_listed_updated_and_deleted() {
    let app = spawn_app().await;
    let pid = app.project("Dungeon").await;
    let wid = app.work_item_sql(pid, "Jump").await;
    let b = base(pid, wid);
    assert_eq!(app.get(&b).await.expect(200), json!([]));

    let log = app
        .post(
            &b,
            json!({"value": 2.5, "comment": "Physics", "date": "2026-03-01"}),
        )
        .await
        .expect(201);
    let lid = log["workLogId"].as_i64().unwrap();
    assert!(lid > 0);
    assert_eq!(log["projectId"], pid);
    assert_eq!(log["workItemId"], wid);
    assert_eq!(log["value"], 2.5);
    assert_eq!(log["comment"], "Physics");
    assert_eq!(log["date"], "2026-03-01T00:00:00.000Z");
    assert!(log["creationDate"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        log["user"],
        json!({"id": 1, "username": "owner", "email": log["user"]["email"], "name": log["user"]["name"],
               "creationDate": log["user"]["creationDate"]})
    );
    assert!(log["user"]["email"].is_string());
    assert_ne!(update_date(&app, pid, wid).await, OLD_DATE);

    // Without a comment: no comment key, no date given → now; whole numbers stay integers.
    let plain = app.post(&b, json!({"value": 3})).await.expect(201);
    assert!(plain.get("comment").is_none());
    assert_eq!(plain["value"], json!(3));
    assert!(plain["value"].is_i64());
    assert_eq!(plain["date"], plain["creationDate"]);
    let pid2 = plain["workLogId"].as_i64().unwrap();
    // A blank comment is no comment.
    let blank = app
        .post(&b, json!({"value": 1, "comment": "  "}))
        .await
        .expect(201);
    assert!(blank.get("comment").is_none());

    // Only the commented log posted a comment, linked to it.
    let cs = comments(&app, pid, wid).await;
    assert_eq!(cs["totalCount"], 1);
    assert_eq!(cs["items"][0]["text"], "Physics");
    assert_eq!(cs["items"][0]["user"]["id"], 1);
    assert_eq!(cs["items"][0]["workLog"], log);

    let list = app.get(&b).await.expect(200);
    assert_eq!(list, json!([log, plain, blank]));
    assert_eq!(app.get(&format!("{b}/{lid}")).await.expect(200), log);
    assert_eq!(logged(&app, pid, wid).await, 6.5);

    // PUT: a bare number, or {"value": n}; replies 201 with the log.
    let key = Some(app.key.as_str());
    let up = app
        .call("PUT", &format!("{b}/{lid}"), key, Some("4"))
        .await
        .expect(201);
    assert_eq!(up["value"], 4);
    assert_eq!(up["comment"], "Physics");
    assert_eq!(up["date"], log["date"]);
    let up = app
        .put(&format!("{b}/{pid2}"), json!({"value": 0.25}))
        .await
        .expect(201);
    assert_eq!(up["value"], 0.25);
    assert_eq!(logged(&app, pid, wid).await, 5.25);
    assert_eq!(
        comments(&app, pid, wid).await["items"][0]["workLog"]["value"],
        4
    );

    // Delete: the comment stays, without its log.
    app.delete(&format!("{b}/{lid}")).await.expect_empty(200);
    app.get(&format!("{b}/{lid}")).await.expect_empty(404);
    app.delete(&format!("{b}/{lid}")).await.expect_empty(404);
    app.put(&format!("{b}/{lid}"), json!(1))
        .await
        .expect_empty(404);
    let cs = comments(&app, pid, wid).await;
    assert_eq!(cs["items"][0]["text"], "Physics");
    assert!(cs["items"][0].get("workLog").is_none());
    assert_eq!(logged(&app, pid, wid).await, 1.25);
}

#[tokio::test]
async fn bad_work_log_input_is_rejected_and_changes_nothing() {
    let app = spawn_app().await;
    let pid = app.project("Dungeon").await;
    let wid = app.work_item_sql(pid, "Jump").await;
    let b = base(pid, wid);
    let key = Some(app.key.as_str());
    let log = app.post(&b, json!({"value": 1})).await.expect(201);
    let one = format!("{b}/{}", log["workLogId"]);
    let mut tx = app.db.write().await.unwrap();
    tx.exec("UPDATE work_items SET update_date = $1", params![OLD_DATE])
        .await
        .unwrap();
    tx.commit().await.unwrap();

    for body in [
        "",
        "{",
        "5",
        "\"x\"",
        "[]",
        "{\"value\": \"abc\"}",
        "{\"value\": 1, \"comment\": 5}",
        "{\"value\": 1, \"date\": 20260101}",
        "null",
    ] {
        let r = app.call("POST", &b, key, Some(body)).await;
        assert_eq!(
            r.expect(400),
            json!({"message": "Invalid values object."}),
            "body {body}"
        );
    }
    let long = "c".repeat(5001);
    for (body, field) in [
        (json!({}), "value"),
        (json!({"comment": "no value"}), "value"),
        (json!({"value": 0}), "value"),
        (json!({"value": -2}), "value"),
        (json!({"value": 1000001}), "value"),
        (json!({"value": 1e300}), "value"),
        (json!({"value": 1, "comment": long}), "comment"),
        (json!({"value": 1, "comment": "a\u{0}b"}), "comment"),
        (json!({"value": 1, "date": "yesterday"}), "date"),
    ] {
        let e = app.post(&b, body.clone()).await.expect(400);
        assert_eq!(e["message"], "The request is invalid.", "{body}");
        assert!(e["modelState"][field].is_array(), "{body}: {e}");
    }
    for body in ["", "{", "\"abc\"", "true", "{}", "{\"val\": 2}", "[2]"] {
        let r = app.call("PUT", &one, key, Some(body)).await;
        assert_eq!(
            r.expect(400)["message"],
            "Invalid values object.",
            "body {body}"
        );
    }
    for body in ["0", "-1", "1000000.5", "1e9"] {
        let e = app.call("PUT", &one, key, Some(body)).await.expect(400);
        assert!(e["modelState"]["value"].is_array(), "body {body}");
    }
    // The largest value is accepted.
    let comment = "c".repeat(5000);
    let big = app
        .post(&b, json!({"value": 1000000, "comment": comment}))
        .await
        .expect(201);
    app.delete(&format!("{b}/{}", big["workLogId"]))
        .await
        .expect_empty(200);
    let mut tx = app.db.write().await.unwrap();
    tx.exec("DELETE FROM comments", params![]).await.unwrap();
    tx.exec("UPDATE work_items SET update_date = $1", params![OLD_DATE])
        .await
        .unwrap();
    tx.commit().await.unwrap();

    assert_eq!(app.get(&b).await.expect(200), json!([log]));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM comments").await, 0);
    assert_eq!(update_date(&app, pid, wid).await, OLD_DATE);
}

#[tokio::test]
async fn work_logs_of_unknown_or_foreign_items_are_not_found() {
    let app = spawn_app().await;
    let pid = app.project("Dungeon").await;
    let wid = app.work_item_sql(pid, "Jump").await;
    let other = app.work_item_sql(pid, "Run").await;
    let p2 = app.project("Other").await;
    app.work_item_sql(p2, "A").await;
    app.work_item_sql(p2, "B").await;
    let foreign = app.work_item_sql(p2, "C").await;
    let log = app
        .post(&base(pid, wid), json!({"value": 1}))
        .await
        .expect(201);
    let lid = log["workLogId"].as_i64().unwrap();
    let theirs = app
        .post(&base(p2, foreign), json!({"value": 2}))
        .await
        .expect(201);
    let tid = theirs["workLogId"].as_i64().unwrap();

    app.get(&base(pid, foreign)).await.expect_empty(404);
    app.post(&base(pid, foreign), json!({"value": 1}))
        .await
        .expect_empty(404);
    app.get(&base(999, wid)).await.expect_empty(404);
    // A log of another item, or of another project's item.
    app.get(&format!("{}/{lid}", base(pid, other)))
        .await
        .expect_empty(404);
    app.put(&format!("{}/{lid}", base(pid, other)), json!(5))
        .await
        .expect_empty(404);
    app.delete(&format!("{}/{lid}", base(pid, other)))
        .await
        .expect_empty(404);
    app.get(&format!("{}/{tid}", base(pid, wid)))
        .await
        .expect_empty(404);
    app.get(&format!("{}/abc", base(pid, wid)))
        .await
        .expect_empty(404);
    assert_eq!(app.get(&base(pid, wid)).await.expect(200), json!([log]));
    assert_eq!(
        app.get(&base(p2, foreign)).await.expect(200),
        json!([theirs])
    );
}

#[tokio::test]
async fn work_log_permissions() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let b = base(c.pid, c.wid);

    // A plain member logs; another member may not edit or delete it; the author and admins may.
    let m = app
        .as_user(
            &c.member,
            "POST",
            &b,
            Some(json!({"value": 2, "comment": "mine"})),
        )
        .await
        .expect(201);
    assert_eq!(m["user"]["id"], c.member_id);
    assert_eq!(m["user"]["username"], "mia");
    let ml = format!("{b}/{}", m["workLogId"]);
    // The role that may update but not write the category logs too.
    let u = app
        .as_user(&c.updater, "POST", &b, Some(json!({"value": 1})))
        .await
        .expect(201);
    let ul = format!("{b}/{}", u["workLogId"]);
    app.as_user(&c.updater, "PUT", &ml, Some(json!(9)))
        .await
        .expect(403);
    app.as_user(&c.updater, "DELETE", &ml, None)
        .await
        .expect(403);
    app.as_user(&c.member, "PUT", &ul, Some(json!(9)))
        .await
        .expect(403);
    app.as_user(&c.updater, "PUT", &ul, Some(json!(1.5)))
        .await
        .expect(201);
    app.as_user(&c.member, "PUT", &ml, Some(json!(3)))
        .await
        .expect(201);
    app.as_user(&c.admin, "PUT", &ul, Some(json!(2)))
        .await
        .expect(201);

    // Guests and read-only keys (the reader key is the author's own) read at most.
    for key in [&c.guest, &c.reader] {
        assert_eq!(
            app.as_user(key, "GET", &b, None)
                .await
                .expect(200)
                .as_array()
                .unwrap()
                .len(),
            2
        );
        app.as_user(key, "POST", &b, Some(json!({"value": 1})))
            .await
            .expect(403);
        app.as_user(key, "PUT", &ml, Some(json!(1)))
            .await
            .expect(403);
        app.as_user(key, "DELETE", &ml, None).await.expect(403);
    }
    app.as_user(&c.outsider, "GET", &b, None).await.expect(403);
    app.as_user(&c.outsider, "POST", &b, Some(json!({"value": 1})))
        .await
        .expect(403);
    app.as_user(&c.blind, "GET", &b, None)
        .await
        .expect_empty(404);
    app.as_user(&c.blind, "GET", &ml, None)
        .await
        .expect_empty(404);
    app.as_user(&c.blind, "POST", &b, Some(json!({"value": 1})))
        .await
        .expect_empty(404);

    assert_eq!(app.get(&ml).await.expect(200)["value"], 3);
    assert_eq!(app.get(&ul).await.expect(200)["value"], 2);
    // Deletes: the owner (an admin) deletes the member's, the author their own.
    app.delete(&ml).await.expect_empty(200);
    app.as_user(&c.updater, "DELETE", &ul, None)
        .await
        .expect_empty(200);
    assert_eq!(app.get(&b).await.expect(200), json!([]));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM comments").await, 1);
}
