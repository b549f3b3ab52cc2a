//! Tests of the work item comments endpoints.

use questlog::params;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::sub_tasks::{OLD_DATE, cast, count, update_date};

fn base(pid: i64, wid: i64) -> String {
    format!("/v0/projects/{pid}/workitems/{wid}/comments")
}

fn texts(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn comments_are_posted_read_edited_and_deleted() {
    let app = spawn_app().await;
    let pid = app.project("Dungeon").await;
    let wid = app.work_item_sql(pid, "Jump").await;
    let b = base(pid, wid);
    assert_eq!(
        app.get(&b).await.expect(200),
        json!({"totalCount": 0, "offset": 0, "limit": 20, "items": []})
    );

    // A bare JSON string: 201 with the comment; no workLog, no updateDate until edited.
    let key = Some(app.key.as_str());
    let c1 = app
        .call("POST", &b, key, Some(r#""Looks **good**""#))
        .await
        .expect(201);
    let cid = c1["commentId"].as_i64().unwrap();
    assert!(cid > 0);
    assert_eq!(c1["projectId"], pid);
    assert_eq!(c1["workItemId"], wid);
    assert_eq!(c1["text"], "Looks **good**");
    assert_eq!(c1["user"]["id"], 1);
    assert_eq!(c1["user"]["username"], "owner");
    assert!(c1["creationDate"].as_str().unwrap().ends_with('Z'));
    assert!(c1.get("workLog").is_none());
    assert!(c1.get("updateDate").is_none());
    assert_eq!(c1.as_object().unwrap().len(), 6);
    assert_ne!(update_date(&app, pid, wid).await, OLD_DATE);

    // The object form.
    let c2 = app.post(&b, json!({"text": "Second"})).await.expect(201);
    assert_eq!(c2["commentId"].as_i64().unwrap(), cid + 1);
    let page = app.get(&b).await.expect(200);
    assert_eq!(
        page,
        json!({"totalCount": 2, "offset": 0, "limit": 20, "items": [c1, c2]})
    );
    assert_eq!(app.get(&format!("{b}/{cid}")).await.expect(200), c1);

    // PUT by the author: bare string or object; updateDate appears.
    let up = app
        .call("PUT", &format!("{b}/{cid}"), key, Some(r#""Edited""#))
        .await
        .expect(200);
    assert_eq!(up["text"], "Edited");
    assert_eq!(up["creationDate"], c1["creationDate"]);
    assert!(up["updateDate"].as_str().unwrap().ends_with('Z'));
    let up = app
        .put(&format!("{b}/{cid}"), json!({"text": "Edited again"}))
        .await
        .expect(200);
    assert_eq!(app.get(&format!("{b}/{cid}")).await.expect(200), up);

    app.delete(&format!("{b}/{cid}")).await.expect_empty(200);
    app.get(&format!("{b}/{cid}")).await.expect_empty(404);
    app.delete(&format!("{b}/{cid}")).await.expect_empty(404);
    app.put(&format!("{b}/{cid}"), json!("x"))
        .await
        .expect_empty(404);
    assert_eq!(texts(&app.get(&b).await.expect(200)), vec!["Second"]);
}

#[tokio::test]
async fn comments_page_oldest_first() {
    let app = spawn_app().await;
    let pid = app.project("Dungeon").await;
    let wid = app.work_item_sql(pid, "Jump").await;
    let b = base(pid, wid);
    for i in 1..=5 {
        app.post(&b, json!(format!("c{i}"))).await.expect(201);
    }
    let p = app.get(&format!("{b}?offset=1&limit=2")).await.expect(200);
    assert_eq!(p["totalCount"], 5);
    assert_eq!(p["offset"], 1);
    assert_eq!(p["limit"], 2);
    assert_eq!(texts(&p), vec!["c2", "c3"]);
    let p = app
        .get(&format!("{b}?offset=4&limit=100"))
        .await
        .expect(200);
    assert_eq!(texts(&p), vec!["c5"]);
    let p = app.get(&format!("{b}?offset=5")).await.expect(200);
    assert_eq!(
        p,
        json!({"totalCount": 5, "offset": 5, "limit": 20, "items": []})
    );
    let p = app
        .get(&format!("{b}?offset=500&limit=1"))
        .await
        .expect(200);
    assert_eq!(p["items"], json!([]));
    assert_eq!(
        texts(&app.get(&format!("{b}?limit=1")).await.expect(200)),
        vec!["c1"]
    );

    for q in [
        "limit=0",
        "limit=101",
        "limit=-1",
        "offset=-1",
        "offset=-1&limit=5",
    ] {
        let e = app.get(&format!("{b}?{q}")).await.expect(400);
        assert_eq!(
            e,
            json!({"message": "Invalid offset and limit values."}),
            "{q}"
        );
    }
    let r = app.get(&format!("{b}?limit=abc")).await;
    assert_eq!(r.status.as_u16(), 400);
}

#[tokio::test]
async fn a_work_log_with_a_comment_is_nested_in_it() {
    let app = spawn_app().await;
    let pid = app.project("Dungeon").await;
    let wid = app.work_item_sql(pid, "Jump").await;
    app.post(&base(pid, wid), json!("Plain")).await.expect(201);
    let log = app
        .post(
            &format!("/v0/projects/{pid}/workitems/{wid}/worklogs"),
            json!({"value": 1.5, "comment": "Fixed the collider"}),
        )
        .await
        .expect(201);
    let page = app.get(&base(pid, wid)).await.expect(200);
    assert_eq!(page["totalCount"], 2);
    let c = &page["items"][1];
    assert_eq!(c["text"], "Fixed the collider");
    assert_eq!(c["workLog"], log);
    assert_eq!(c["workLog"]["user"]["username"], "owner");
    assert_eq!(c["workLog"]["value"], 1.5);
    assert!(page["items"][0].get("workLog").is_none());
    let single = app
        .get(&format!("{}/{}", base(pid, wid), c["commentId"]))
        .await
        .expect(200);
    assert_eq!(&single, c);
    // Editing the comment keeps the link and leaves the log's own comment alone.
    let up = app
        .put(
            &format!("{}/{}", base(pid, wid), c["commentId"]),
            json!("Reworded"),
        )
        .await
        .expect(200);
    assert_eq!(up["workLog"]["comment"], "Fixed the collider");
}

#[tokio::test]
async fn bad_comment_input_is_rejected_and_changes_nothing() {
    let app = spawn_app().await;
    let pid = app.project("Dungeon").await;
    let wid = app.work_item_sql(pid, "Jump").await;
    let b = base(pid, wid);
    let key = Some(app.key.as_str());
    let c = app.post(&b, json!("Keep")).await.expect(201);
    let one = format!("{b}/{}", c["commentId"]);
    let mut tx = app.db.write().await.unwrap();
    tx.exec("UPDATE work_items SET update_date = $1", params![OLD_DATE])
        .await
        .unwrap();
    tx.commit().await.unwrap();

    for m in ["POST", "PUT"] {
        let path = if m == "POST" { &b } else { &one };
        for body in [
            "",
            "{",
            "5",
            "true",
            "[\"a\"]",
            "{}",
            "{\"body\": \"x\"}",
            "{\"text\": 1}",
            "null",
        ] {
            let r = app.call(m, path, key, Some(body)).await;
            assert_eq!(
                r.expect(400),
                json!({"message": "Invalid values object."}),
                "{m} {body}"
            );
        }
        // Issue 8, defect 10: a repeated key (exactly, or `text`/`Text` of the one-field object
        // form) is refused as in every other body, not "last one wins".
        for body in [
            r#"{"text": "a", "text": "b"}"#,
            r#"{"text": "a", "Text": "b"}"#,
        ] {
            let r = app.call(m, path, key, Some(body)).await;
            assert_eq!(
                r.expect(400),
                json!({"message": "Invalid values object: a key appears more than once."}),
                "{m} {body}"
            );
        }
        let long = "x".repeat(5001);
        for text in ["", "   ", long.as_str(), "a\u{0}b"] {
            let e = app
                .as_user(&app.key, m, path, Some(json!(text)))
                .await
                .expect(400);
            assert_eq!(e["message"], "The request is invalid.");
            assert!(e["modelState"]["text"].is_array(), "{m}: {e}");
        }
    }
    assert_eq!(app.get(&one).await.expect(200), c);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM comments").await, 1);
    assert_eq!(update_date(&app, pid, wid).await, OLD_DATE);

    // 5000 characters is the limit, not over it.
    let max = "é".repeat(5000);
    let made = app.post(&b, json!(max)).await.expect(201);
    assert_eq!(made["text"].as_str().unwrap().chars().count(), 5000);
}

#[tokio::test]
async fn comments_of_unknown_or_foreign_items_are_not_found() {
    let app = spawn_app().await;
    let pid = app.project("Dungeon").await;
    let wid = app.work_item_sql(pid, "Jump").await;
    let other = app.work_item_sql(pid, "Run").await;
    let p2 = app.project("Other").await;
    app.work_item_sql(p2, "A").await;
    app.work_item_sql(p2, "B").await;
    let foreign = app.work_item_sql(p2, "C").await;
    let mine = app.post(&base(pid, wid), json!("mine")).await.expect(201);
    let cid = mine["commentId"].as_i64().unwrap();
    let theirs = app
        .post(&base(p2, foreign), json!("theirs"))
        .await
        .expect(201);
    let tid = theirs["commentId"].as_i64().unwrap();

    app.get(&base(pid, foreign)).await.expect_empty(404);
    app.post(&base(pid, foreign), json!("x"))
        .await
        .expect_empty(404);
    app.get(&base(999, wid)).await.expect_empty(404);
    for (m, body) in [("GET", None), ("PUT", Some(json!("x"))), ("DELETE", None)] {
        app.as_user(
            &app.key,
            m,
            &format!("{}/{cid}", base(pid, other)),
            body.clone(),
        )
        .await
        .expect_empty(404);
        app.as_user(&app.key, m, &format!("{}/{tid}", base(pid, wid)), body)
            .await
            .expect_empty(404);
    }
    app.get(&format!("{}/x", base(pid, wid)))
        .await
        .expect_empty(404);
    assert_eq!(
        app.get(&base(pid, wid)).await.expect(200)["items"],
        json!([mine])
    );
    assert_eq!(
        app.get(&base(p2, foreign)).await.expect(200)["items"],
        json!([theirs])
    );
}

#[tokio::test]
async fn comment_permissions() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let b = base(c.pid, c.wid);

    let m = app
        .as_user(&c.member, "POST", &b, Some(json!("member's")))
        .await
        .expect(201);
    assert_eq!(m["user"]["id"], c.member_id);
    let ml = format!("{b}/{}", m["commentId"]);
    let u = app
        .as_user(&c.updater, "POST", &b, Some(json!({"text": "updater's"})))
        .await
        .expect(201);
    assert_eq!(u["user"]["id"], c.updater_id);
    let ul = format!("{b}/{}", u["commentId"]);
    let a = app
        .as_user(&c.admin, "POST", &b, Some(json!("admin's")))
        .await
        .expect(201);
    let al = format!("{b}/{}", a["commentId"]);

    // Only the author edits: other members and admins (the owner too) get 403.
    app.as_user(&c.updater, "PUT", &ml, Some(json!("no")))
        .await
        .expect(403);
    app.as_user(&c.admin, "PUT", &ml, Some(json!("no")))
        .await
        .expect(403);
    app.put(&ml, json!("no")).await.expect(403);
    assert_eq!(
        app.as_user(&c.member, "PUT", &ml, Some(json!("edited")))
            .await
            .expect(200)["text"],
        "edited"
    );
    app.as_user(&c.updater, "PUT", &ul, Some(json!("mine")))
        .await
        .expect(200);

    // The author or an admin deletes; others may not.
    app.as_user(&c.updater, "DELETE", &ml, None)
        .await
        .expect(403);
    app.as_user(&c.member, "DELETE", &al, None)
        .await
        .expect(403);
    app.as_user(&c.admin, "DELETE", &ml, None)
        .await
        .expect_empty(200);
    app.as_user(&c.updater, "DELETE", &ul, None)
        .await
        .expect_empty(200);

    // Guests and read-only keys read only; outsiders not even that.
    for key in [&c.guest, &c.reader] {
        assert_eq!(
            texts(&app.as_user(key, "GET", &b, None).await.expect(200)),
            vec!["admin's"]
        );
        app.as_user(key, "GET", &al, None).await.expect(200);
        app.as_user(key, "POST", &b, Some(json!("no")))
            .await
            .expect(403);
        app.as_user(key, "DELETE", &al, None).await.expect(403);
    }
    app.as_user(&c.outsider, "GET", &b, None).await.expect(403);
    app.as_user(&c.outsider, "POST", &b, Some(json!("no")))
        .await
        .expect(403);
    // A role that cannot read the category does not see the item.
    app.as_user(&c.blind, "GET", &b, None)
        .await
        .expect_empty(404);
    app.as_user(&c.blind, "GET", &al, None)
        .await
        .expect_empty(404);
    app.as_user(&c.blind, "POST", &b, Some(json!("no")))
        .await
        .expect_empty(404);

    assert_eq!(texts(&app.get(&b).await.expect(200)), vec!["admin's"]);
}

#[tokio::test]
async fn the_sub_resource_endpoints_are_documented() {
    let app = spawn_app().await;
    let doc = app
        .call("GET", "/openapi.json", None, None)
        .await
        .expect(200);
    let w = "/v0/projects/{projectId}/workitems/{workItemId}";
    for (path, methods) in [
        ("/subtasks", &["get", "post"][..]),
        (
            "/subtasks/{subTaskId}",
            &["get", "put", "patch", "delete"][..],
        ),
        ("/tags", &["get", "post"][..]),
        ("/tags/{tagId}", &["delete"][..]),
        ("/users", &["post"][..]),
        ("/users/{userId}", &["delete"][..]),
        ("/worklogs", &["get", "post"][..]),
        ("/worklogs/{workLogId}", &["get", "put", "delete"][..]),
        ("/comments", &["get", "post"][..]),
        ("/comments/{commentId}", &["get", "put", "delete"][..]),
    ] {
        let p = &doc["paths"][format!("{w}{path}")];
        for m in methods {
            assert!(
                p[*m]["responses"]["200"].is_object() || p[*m]["responses"]["201"].is_object(),
                "{m} {path}"
            );
        }
    }
    let list = &doc["paths"][format!("{w}/comments")]["get"];
    let params: Vec<&str> = list["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(params, vec!["projectId", "workItemId", "offset", "limit"]);
}
