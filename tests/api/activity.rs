//! The change log as the activity feed shows it (ours): one entry per change, newest first,
//! written in the change's own transaction.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn changes_are_listed_newest_first_with_actor_and_entity() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let url = format!("/v0/projects/{pid}/tags");
    let t = app.post(&url, json!({"name": "art"})).await.expect(201);
    let tid = t["tagId"].as_i64().unwrap();
    app.patch(&format!("{url}/{tid}"), json!({"color": "#ff0000"}))
        .await
        .expect(200);
    app.delete(&format!("{url}/{tid}")).await.expect_empty(200);

    let page = app
        .get(&format!("/v0/projects/{pid}/activity"))
        .await
        .expect(200);
    assert_eq!(page["totalCount"], 3);
    assert_eq!(page["offset"], 0);
    assert_eq!(page["limit"], 20);
    let items = page["items"].as_array().unwrap();
    let events: Vec<&str> = items.iter().map(|c| c["event"].as_str().unwrap()).collect();
    assert_eq!(events, ["tag.deleted", "tag.updated", "tag.created"]);
    let ids: Vec<i64> = items
        .iter()
        .map(|c| c["changeId"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [3, 2, 1]);
    let me = app.get("/v0/users/me").await.expect(200);
    for c in items {
        assert_eq!(c["projectId"], pid);
        assert_eq!(c["entityKind"], "tag");
        assert_eq!(c["entityId"], tid);
        assert_eq!(c["user"]["id"], me["id"]);
        assert_eq!(c["user"]["username"], me["username"]);
        assert!(c["creationDate"].as_str().unwrap().ends_with('Z'));
        assert_eq!(c["entity"]["name"], "art");
        assert_eq!(c["entity"]["tagId"], tid);
    }
    // The entity after the change; for the delete, as it was.
    assert!(items[2]["entity"].get("color").is_none());
    assert_eq!(items[1]["entity"]["color"], "#ff0000");
    assert_eq!(items[0]["entity"]["color"], "#ff0000");

    let second = app
        .get(&format!("/v0/projects/{pid}/activity?offset=1&limit=1"))
        .await
        .expect(200);
    assert_eq!(second["totalCount"], 3);
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_eq!(second["items"][0]["event"], "tag.updated");
}

#[tokio::test]
async fn a_refused_write_records_nothing() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let url = format!("/v0/projects/{pid}/tags");
    app.post(&url, json!({"name": ""})).await.expect(400);
    app.post(&url, json!({"name": "x", "color": "red"}))
        .await
        .expect(400);
    app.patch(&format!("{url}/99"), json!({"name": "y"}))
        .await
        .expect(404);
    let (_, key) = app.add_user("outsider").await;
    app.as_user(&key, "POST", &url, Some(json!({"name": "z"})))
        .await
        .expect(403);
    assert!(app.activity(pid).await.is_empty());
}

#[tokio::test]
async fn the_feed_is_for_members_and_checks_paging() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let other = app.project("Q").await;
    app.post(&format!("/v0/projects/{other}/tags"), json!({"name": "q"}))
        .await
        .expect(201);
    // Another project's changes never show, and change numbers are per project.
    assert!(app.activity(pid).await.is_empty());
    assert_eq!(app.activity(other).await[0]["changeId"], 1);

    let (_, key) = app.add_user("outsider").await;
    app.as_user(&key, "GET", &format!("/v0/projects/{pid}/activity"), None)
        .await
        .expect(403);
    app.get("/v0/projects/9999/activity").await.expect(404);
    for q in ["limit=0", "limit=101", "offset=-1", "limit=x"] {
        app.get(&format!("/v0/projects/{pid}/activity?{q}"))
            .await
            .expect(400);
    }
}

/// A Server-Sent Events reader over a real streaming response.
struct Sse {
    resp: reqwest::Response,
    buf: String,
}

impl Sse {
    async fn open(app: &TestApp, pid: i64, last_event_id: Option<&str>) -> Sse {
        let mut req = app
            .client
            .get(format!("{}/v0/projects/{pid}/changes", app.base))
            .header("Authorization", format!("ApiKey {}", app.key))
            .header("Accept", "text/event-stream");
        if let Some(id) = last_event_id {
            req = req.header("Last-Event-ID", id);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(
            resp.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        Sse {
            resp,
            buf: String::new(),
        }
    }

    /// The next event's `id` and parsed `data`, skipping keep-alive comments.
    async fn next(&mut self) -> (i64, serde_json::Value) {
        let deadline = std::time::Duration::from_secs(10);
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let (mut id, mut data) = (None, None);
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = Some(v.trim().parse::<i64>().unwrap());
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data = Some(serde_json::from_str(v.trim()).unwrap());
                    }
                }
                if let (Some(id), Some(data)) = (id, data) {
                    return (id, data);
                }
                continue;
            }
            let chunk = tokio::time::timeout(deadline, self.resp.chunk())
                .await
                .expect("an event within 10 s")
                .unwrap()
                .expect("the stream stays open");
            self.buf.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }
}

#[tokio::test]
async fn the_live_stream_sends_new_changes_and_resumes_after_last_event_id() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let url = format!("/v0/projects/{pid}/tags");
    app.post(&url, json!({"name": "before"})).await.expect(201);

    // Without Last-Event-ID the stream starts with the next change.
    let mut live = Sse::open(&app, pid, None).await;
    app.post(&url, json!({"name": "one"})).await.expect(201);
    app.post(&url, json!({"name": "two"})).await.expect(201);
    let (id, c) = live.next().await;
    assert_eq!(id, 2);
    assert_eq!(c["changeId"], 2);
    assert_eq!(c["event"], "tag.created");
    assert_eq!(c["entity"]["name"], "one");
    let (id, c) = live.next().await;
    assert_eq!(id, 3);
    assert_eq!(c["entity"]["name"], "two");

    // A reconnecting client replays what it missed, in order, then follows live.
    let mut resumed = Sse::open(&app, pid, Some("1")).await;
    assert_eq!(resumed.next().await.0, 2);
    assert_eq!(resumed.next().await.0, 3);
    app.post(&url, json!({"name": "three"})).await.expect(201);
    let (id, c) = resumed.next().await;
    assert_eq!(id, 4);
    assert_eq!(c["entity"]["name"], "three");
    assert_eq!(live.next().await.0, 4);
}

#[tokio::test]
async fn the_live_stream_is_for_members_only() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let url = format!("/v0/projects/{pid}/changes");
    let (_, key) = app.add_user("outsider").await;
    app.as_user(&key, "GET", &url, None).await.expect(403);
    app.get("/v0/projects/9999/changes").await.expect(404);
    app.call("GET", &url, None, None).await.expect(401);
    let bad = app
        .client
        .get(format!("{}{url}", app.base))
        .header("Authorization", format!("ApiKey {}", app.key))
        .header("Last-Event-ID", "abc")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    app.get(&format!("{url}?after=-1")).await.expect(400);
}
