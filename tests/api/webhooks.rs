//! Webhooks (issue 9 §3): CRUD, validation, and delivery to a real receiver on loopback.
//! Events are driven by tag writes (tag.created|updated|deleted), which record changes.

use std::time::Duration;

use questlog::changes::dispatch::{DispatchSettings, parse_delays};
use questlog::http::HttpSettings;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{TestApp, spawn_app, spawn_app_config, spawn_app_on};
use crate::receiver::{Answer, Receiver};

const WAIT: Duration = Duration::from_secs(20);

fn fast(delays: &str) -> DispatchSettings {
    DispatchSettings {
        retry_delays: parse_delays(delays).unwrap(),
        poll_interval: Duration::from_millis(100),
        timeout: Duration::from_secs(5),
        ..DispatchSettings::default()
    }
}

async fn app_with(d: DispatchSettings) -> TestApp {
    spawn_app_config(HttpSettings::default(), d).await
}

async fn hook(app: &TestApp, pid: i64, body: Value) -> Value {
    app.post(&format!("/v0/projects/{pid}/webhooks"), body)
        .await
        .expect(201)
}

async fn tag(app: &TestApp, pid: i64, name: &str) -> i64 {
    app.post(&format!("/v0/projects/{pid}/tags"), json!({"name": name}))
        .await
        .expect(201)["tagId"]
        .as_i64()
        .unwrap()
}

async fn deliveries(app: &TestApp, pid: i64, wid: i64) -> Value {
    app.get(&format!(
        "/v0/projects/{pid}/webhooks/{wid}/deliveries?limit=100"
    ))
    .await
    .expect(200)
}

/// Waits until every delivery of the webhook has left `pending`.
async fn settled(app: &TestApp, pid: i64, wid: i64, n: usize) -> Value {
    let end = tokio::time::Instant::now() + WAIT;
    loop {
        let d = deliveries(app, pid, wid).await;
        let items = d["items"].as_array().unwrap();
        if items.len() >= n && items.iter().all(|i| i["status"] != "pending") {
            return d;
        }
        assert!(tokio::time::Instant::now() < end, "not settled: {d}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn hmac_hex(key: &[u8], msg: &[u8]) -> String {
    let mut k = [0u8; 64];
    k[..key.len()].copy_from_slice(key);
    let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&ipad)
        .chain_update(msg)
        .finalize();
    let outer = Sha256::new()
        .chain_update(&opad)
        .chain_update(inner)
        .finalize();
    hex::encode(outer)
}

#[tokio::test]
async fn webhook_events_lists_every_name() {
    let app = spawn_app().await;
    let names = app.get("/v0/webhookevents").await.expect(200);
    let names: Vec<&str> = names
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 65);
    assert_eq!(names[0], "project.updated");
    for n in [
        "workitem.created",
        "workitem.user.assigned",
        "workitem.subtask.reopened",
        "projectuser.left",
        "designelement.comment.deleted",
        "workitem.dependency.removed",
        "tag.deleted",
    ] {
        assert!(names.contains(&n), "{n}");
    }
    let r = app.call("GET", "/v0/webhookevents", None, None).await;
    assert_eq!(r.status.as_u16(), 401);
}

#[tokio::test]
async fn crud_with_values() {
    let app = spawn_app().await;
    let pid = app.project("Hooks").await;
    let w = hook(
        &app,
        pid,
        json!({"url": "https://example.com/in", "events": ["tag.created", "workitem.created"],
               "headers": ["X-Token: abc"], "secret": "s3cr3t-value"}),
    )
    .await;
    assert_eq!(w["projectId"], pid);
    assert_eq!(w["webhookId"], 1);
    assert_eq!(w["url"], "https://example.com/in");
    // Listed in the order of GET /v0/webhookevents.
    assert_eq!(w["events"], json!(["tag.created", "workitem.created"]));
    assert_eq!(w["headers"], json!(["X-Token: abc"]));
    assert_eq!(w["isEnabled"], true);
    assert_eq!(w["format"], "hacknplan");
    assert_eq!(w["hasSecret"], true);
    assert!(w.get("secret").is_none());
    assert_eq!(w["creator"]["projectId"], pid);
    assert_eq!(w["creator"]["user"]["id"], 1);
    assert_eq!(w["creator"]["user"]["username"], "owner");
    assert!(w["creationDate"].as_str().unwrap().ends_with('Z'));

    let base = format!("/v0/projects/{pid}/webhooks");
    assert_eq!(app.get(&format!("{base}/1")).await.expect(200), w);
    assert_eq!(app.get(&base).await.expect(200), json!([w]));

    // PUT: headers reset, isEnabled back to true, secret and format kept when omitted.
    let p = app
        .put(
            &format!("{base}/1"),
            json!({"url": "http://example.com/two", "events": ["tag.deleted"], "isEnabled": false}),
        )
        .await
        .expect(200);
    assert_eq!(p["url"], "http://example.com/two");
    assert_eq!(p["events"], json!(["tag.deleted"]));
    assert_eq!(p["headers"], json!([]));
    assert_eq!(p["isEnabled"], false);
    assert_eq!(p["hasSecret"], true);

    // PATCH: only what is sent; secret null clears it.
    let p = app
        .patch(
            &format!("{base}/1"),
            json!({"isEnabled": true, "secret": null, "format": "Discord"}),
        )
        .await
        .expect(200);
    assert_eq!(p["url"], "http://example.com/two");
    assert_eq!(p["events"], json!(["tag.deleted"]));
    assert_eq!(p["isEnabled"], true);
    assert_eq!(p["hasSecret"], false);
    assert_eq!(p["format"], "discord");
    assert_eq!(app.get(&format!("{base}/1")).await.expect(200), p);

    // A second webhook gets the next id.
    let w2 = hook(
        &app,
        pid,
        json!({"url": "http://example.com/x", "events": ["tag.created"]}),
    )
    .await;
    assert_eq!(w2["webhookId"], 2);
    assert_eq!(w2["hasSecret"], false);
    assert_eq!(
        app.get(&base).await.expect(200).as_array().unwrap().len(),
        2
    );

    app.delete(&format!("{base}/1")).await.expect_empty(200);
    app.get(&format!("{base}/1")).await.expect_empty(404);
    app.delete(&format!("{base}/1")).await.expect_empty(404);
    assert_eq!(app.get(&base).await.expect(200), json!([w2]));
}

#[tokio::test]
async fn validation_answers_400_per_field() {
    let app = spawn_app().await;
    let pid = app.project("Hooks").await;
    let url = format!("/v0/projects/{pid}/webhooks");
    let cases: Vec<(Value, &str)> = vec![
        (json!({"events": ["tag.created"]}), "url"),
        (
            json!({"url": "ftp://example.com", "events": ["tag.created"]}),
            "url",
        ),
        (
            json!({"url": "/relative", "events": ["tag.created"]}),
            "url",
        ),
        (
            json!({"url": "http://user:pw@example.com/", "events": ["tag.created"]}),
            "url",
        ),
        (
            json!({"url": format!("http://example.com/{}", "a".repeat(2048)), "events": ["tag.created"]}),
            "url",
        ),
        (
            json!({"url": "http://example.com", "events": ["tag.exploded"]}),
            "events",
        ),
        (json!({"url": "http://example.com", "events": []}), "events"),
        (json!({"url": "http://example.com"}), "events"),
        (
            json!({"url": "http://example.com", "events": ["tag.created", "tag.created"]}),
            "events",
        ),
        (
            json!({"url": "http://example.com", "events": ["tag.created"], "headers": ["NoColon"]}),
            "headers",
        ),
        (
            json!({"url": "http://example.com", "events": ["tag.created"], "headers": ["Bad Name: x"]}),
            "headers",
        ),
        (
            json!({"url": "http://example.com", "events": ["tag.created"], "headers": ["X-A: a\r\nX-B: b"]}),
            "headers",
        ),
        (
            json!({"url": "http://example.com", "events": ["tag.created"], "headers": ["Content-Type: text/plain"]}),
            "headers",
        ),
        (
            json!({"url": "http://example.com", "events": ["tag.created"], "headers": ["x-hacknplan-event: forged"]}),
            "headers",
        ),
        (
            json!({"url": "http://example.com", "events": ["tag.created"], "headers": (0..21).map(|i| format!("X-{i}: v")).collect::<Vec<_>>()}),
            "headers",
        ),
        (
            json!({"url": "http://example.com", "events": ["tag.created"], "secret": "short"}),
            "secret",
        ),
        (
            json!({"url": "http://example.com", "events": ["tag.created"], "format": "teams"}),
            "format",
        ),
    ];
    for (body, field) in cases {
        let r = app.post(&url, body.clone()).await.expect(400);
        assert_eq!(r["message"], "The request is invalid.", "{body}");
        assert!(r["modelState"][field].is_array(), "{body} → {r}");
    }
    let r = app
        .post(&url, json!({"url": "ftp://x", "events": ["nope"]}))
        .await
        .expect(400);
    assert_eq!(
        r["modelState"]["events"],
        json!(["The event 'nope' is unknown."])
    );
    // Nothing was written by any of them.
    assert_eq!(app.get(&url).await.expect(200), json!([]));
    // Not an object.
    let r = app.call("POST", &url, Some(&app.key), Some("[1]")).await;
    assert_eq!(r.status.as_u16(), 400);
    // PATCH validates what it changes.
    hook(
        &app,
        pid,
        json!({"url": "http://example.com", "events": ["tag.created"]}),
    )
    .await;
    let r = app
        .patch(&format!("{url}/1"), json!({"events": ["bogus"]}))
        .await
        .expect(400);
    assert!(r["modelState"]["events"].is_array());
    assert_eq!(
        app.get(&format!("{url}/1")).await.expect(200)["events"],
        json!(["tag.created"])
    );
}

#[tokio::test]
async fn admin_only_and_project_scoped() {
    let app = spawn_app().await;
    let pid = app.project("A").await;
    let other = app.project("B").await;
    let (uid, key) = app.add_user("ana").await;
    app.add_member(pid, uid, json!({})).await;
    hook(
        &app,
        pid,
        json!({"url": "http://example.com", "events": ["tag.created"]}),
    )
    .await;
    let base = format!("/v0/projects/{pid}/webhooks");
    for (m, path, body) in [
        ("GET", base.clone(), None),
        (
            "POST",
            base.clone(),
            Some(json!({"url": "http://example.com", "events": ["tag.created"]})),
        ),
        ("GET", format!("{base}/1"), None),
        (
            "PATCH",
            format!("{base}/1"),
            Some(json!({"isEnabled": false})),
        ),
        ("DELETE", format!("{base}/1"), None),
        ("GET", format!("{base}/1/deliveries"), None),
    ] {
        let r = app.as_user(&key, m, &path, body).await;
        assert_eq!(r.status.as_u16(), 403, "{m} {path}: {}", r.text);
    }
    // Project B has no webhook 1.
    app.get(&format!("/v0/projects/{other}/webhooks/1"))
        .await
        .expect_empty(404);
    app.get("/v0/projects/999/webhooks").await.expect_empty(404);
    assert_eq!(
        app.get(&format!("{base}/1")).await.expect(200)["isEnabled"],
        true
    );
}

#[tokio::test]
async fn delivery_body_headers_and_signature() {
    let app = app_with(fast("1s")).await;
    let rx = Receiver::start().await;
    let pid = app.project("Hooks").await;
    let w = hook(
        &app,
        pid,
        json!({"url": rx.url, "events": ["tag.created", "tag.updated"],
               "headers": ["X-Token: abc 123", "Authorization: Bearer t"], "secret": "it-is-a-secret"}),
    )
    .await;
    let wid = w["webhookId"].as_i64().unwrap();
    let tid = tag(&app, pid, "Bug").await;
    let hits = rx.wait_for(1, WAIT).await;
    let h = &hits[0];
    assert_eq!(h.method, "POST");
    assert_eq!(h.path, "/hook");
    assert_eq!(h.event(), "tag.created");
    assert_eq!(
        h.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(h.header("content-length"), Some(h.body.len().to_string()));
    assert!(h.header("transfer-encoding").is_none());
    assert!(
        h.header("user-agent")
            .unwrap()
            .starts_with("Questlog-Webhook/")
    );
    assert_eq!(h.header("x-token").as_deref(), Some("abc 123"));
    assert_eq!(h.header("authorization").as_deref(), Some("Bearer t"));
    let body = h.json();
    assert_eq!(body["ProjectId"], pid);
    assert_eq!(body["TagId"], tid);
    assert_eq!(body["Name"], "Bug");
    assert!(body.get("name").is_none() && body.get("tagId").is_none());
    // Signature: HMAC-SHA256(secret, timestamp + "." + body).
    let ts = h.header("x-questlog-timestamp").unwrap();
    let now = chrono::Utc::now().timestamp();
    assert!((now - ts.parse::<i64>().unwrap()).abs() < 60);
    let mut msg = format!("{ts}.").into_bytes();
    msg.extend_from_slice(&h.body);
    assert_eq!(
        h.header("x-questlog-signature").unwrap(),
        format!("sha256={}", hmac_hex(b"it-is-a-secret", &msg))
    );
    // The delivery id header names the logged delivery.
    let d = settled(&app, pid, wid, 1).await;
    let item = &d["items"][0];
    assert_eq!(
        h.header("x-questlog-delivery"),
        Some(item["deliveryId"].to_string())
    );
    assert_eq!(item["status"], "delivered");
    assert_eq!(item["event"], "tag.created");
    assert_eq!(item["attemptCount"], 1);
    assert_eq!(item["attempts"][0]["statusCode"], 200);
    assert_eq!(item["payload"]["name"], "Bug");
    assert!(item["changeId"].as_i64().unwrap() > 0);
}

#[tokio::test]
async fn twenty_quick_events_arrive_in_order() {
    let app = app_with(fast("1s")).await;
    let rx = Receiver::start().await;
    let pid = app.project("Hooks").await;
    hook(&app, pid, json!({"url": rx.url, "events": ["tag.created"]})).await;
    for i in 0..20 {
        tag(&app, pid, &format!("t{i:02}")).await;
    }
    let hits = rx.wait_for(20, WAIT).await;
    let names: Vec<String> = hits
        .iter()
        .map(|h| h.json()["Name"].as_str().unwrap().to_string())
        .collect();
    let want: Vec<String> = (0..20).map(|i| format!("t{i:02}")).collect();
    assert_eq!(names, want);
    rx.quiet(20, Duration::from_millis(500)).await;
}

#[tokio::test]
async fn retry_after_500_holds_the_queue() {
    let app = app_with(fast("1s,1s")).await;
    let rx = Receiver::start().await;
    rx.script(&[Answer::Status(500)]);
    let pid = app.project("Hooks").await;
    let w = hook(&app, pid, json!({"url": rx.url, "events": ["tag.created"]})).await;
    let wid = w["webhookId"].as_i64().unwrap();
    tag(&app, pid, "first").await;
    tag(&app, pid, "second").await;
    let hits = rx.wait_for(3, WAIT).await;
    let names: Vec<String> = hits
        .iter()
        .map(|h| h.json()["Name"].as_str().unwrap().to_string())
        .collect();
    // The failed first delivery is retried before the second one goes.
    assert_eq!(names, vec!["first", "first", "second"]);
    let d = settled(&app, pid, wid, 2).await;
    let first = &d["items"][1];
    assert_eq!(first["status"], "delivered");
    assert_eq!(first["attemptCount"], 2);
    assert_eq!(first["attempts"][0]["statusCode"], 500);
    assert!(
        first["attempts"][0]["error"]
            .as_str()
            .unwrap()
            .contains("500")
    );
    assert_eq!(first["attempts"][1]["statusCode"], 200);
}

#[tokio::test]
async fn retry_after_a_timeout_then_gives_up() {
    let mut d = fast("500ms");
    d.timeout = Duration::from_millis(700);
    let app = app_with(d).await;
    let rx = Receiver::start().await;
    rx.script(&[Answer::Sleep(Duration::from_secs(3)), Answer::Status(500)]);
    let pid = app.project("Hooks").await;
    let w = hook(&app, pid, json!({"url": rx.url, "events": ["tag.created"]})).await;
    let wid = w["webhookId"].as_i64().unwrap();
    tag(&app, pid, "slow").await;
    let d = settled(&app, pid, wid, 1).await;
    let item = &d["items"][0];
    // One retry configured: two attempts, then failed.
    assert_eq!(item["status"], "failed", "{item}");
    assert_eq!(item["attemptCount"], 2);
    assert!(
        item["attempts"][0]["error"]
            .as_str()
            .unwrap()
            .contains("timed out"),
        "{item}"
    );
    assert!(item["attempts"][0].get("statusCode").is_none());
    assert_eq!(item["attempts"][1]["statusCode"], 500);
    assert!(item.get("nextAttemptDate").is_none());
    rx.quiet(2, Duration::from_millis(1500)).await;
}

#[tokio::test]
async fn restart_in_a_retry_schedule_delivers_once() {
    let app = app_with(fast("3s")).await;
    let rx = Receiver::start().await;
    rx.script(&[Answer::Status(503)]);
    let pid = app.project("Hooks").await;
    let w = hook(&app, pid, json!({"url": rx.url, "events": ["tag.created"]})).await;
    let wid = w["webhookId"].as_i64().unwrap();
    tag(&app, pid, "survivor").await;
    rx.wait_for(1, WAIT).await;
    // The failure is recorded and the retry scheduled.
    let end = tokio::time::Instant::now() + WAIT;
    loop {
        let d = deliveries(&app, pid, wid).await;
        if d["items"][0]["attemptCount"] == 1 {
            assert_eq!(d["items"][0]["status"], "pending");
            assert!(d["items"][0]["nextAttemptDate"].is_string());
            break;
        }
        assert!(
            tokio::time::Instant::now() < end,
            "no attempt recorded: {d}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Stopped while the retry is scheduled.
    let (url, dir) = app.stop().await;
    let app = spawn_app_on(url, dir, HttpSettings::default(), fast("3s")).await;
    let hits = rx.wait_for(2, WAIT).await;
    assert_eq!(hits[1].json()["Name"], "survivor");
    let d = settled(&app, pid, wid, 1).await;
    assert_eq!(d["items"][0]["status"], "delivered");
    assert_eq!(d["items"][0]["attemptCount"], 2);
    rx.quiet(2, Duration::from_secs(1)).await;
}

#[tokio::test]
async fn mostly_failing_webhook_is_disabled() {
    // No retries: each event is one attempt.
    let app = app_with(fast("")).await;
    let rx = Receiver::start().await;
    rx.script(&[Answer::Status(500); 20]);
    let pid = app.project("Hooks").await;
    let w = hook(&app, pid, json!({"url": rx.url, "events": ["tag.created"]})).await;
    let wid = w["webhookId"].as_i64().unwrap();
    for i in 0..19 {
        tag(&app, pid, &format!("t{i}")).await;
    }
    settled(&app, pid, wid, 19).await;
    // 19 calls: not yet.
    let base = format!("/v0/projects/{pid}/webhooks/{wid}");
    assert_eq!(app.get(&base).await.expect(200)["isEnabled"], true);
    tag(&app, pid, "t19").await;
    settled(&app, pid, wid, 20).await;
    assert_eq!(app.get(&base).await.expect(200)["isEnabled"], false);
    // Disabled: later events are not queued.
    tag(&app, pid, "after").await;
    rx.quiet(20, Duration::from_millis(600)).await;
    assert_eq!(deliveries(&app, pid, wid).await["totalCount"], 20);
}

#[tokio::test]
async fn delivery_log_and_redeliver() {
    let app = app_with(fast("")).await;
    let rx = Receiver::start().await;
    rx.script(&[Answer::Status(410)]);
    let pid = app.project("Hooks").await;
    let w = hook(
        &app,
        pid,
        json!({"url": rx.url, "events": ["tag.created", "tag.deleted"]}),
    )
    .await;
    let wid = w["webhookId"].as_i64().unwrap();
    let tid = tag(&app, pid, "gone").await;
    app.delete(&format!("/v0/projects/{pid}/tags/{tid}"))
        .await
        .expect_empty(200);
    let d = settled(&app, pid, wid, 2).await;
    assert_eq!(d["totalCount"], 2);
    assert_eq!(d["offset"], 0);
    // Newest first.
    assert_eq!(d["items"][0]["event"], "tag.deleted");
    assert_eq!(d["items"][0]["status"], "delivered");
    assert_eq!(d["items"][0]["payload"]["name"], "gone");
    let failed = &d["items"][1];
    assert_eq!(failed["event"], "tag.created");
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["attempts"][0]["statusCode"], 410);
    assert!(failed["attempts"][0]["durationMs"].as_i64().unwrap() >= 0);
    let did = failed["deliveryId"].as_i64().unwrap();

    let base = format!("/v0/projects/{pid}/webhooks/{wid}/deliveries");
    let page = app
        .get(&format!("{base}?offset=1&limit=1"))
        .await
        .expect(200);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["deliveryId"], did);
    app.get(&format!("{base}?limit=0")).await.expect(400);

    let again = app
        .post(&format!("{base}/{did}/redeliver"), json!({}))
        .await
        .expect(201);
    assert_eq!(again["redeliveryOf"], did);
    assert_eq!(again["event"], "tag.created");
    assert_eq!(again["status"], "pending");
    assert_eq!(again["changeId"], failed["changeId"]);
    let hits = rx.wait_for(3, WAIT).await;
    assert_eq!(hits[2].event(), "tag.created");
    assert_eq!(hits[2].json()["Name"], "gone");
    let d = settled(&app, pid, wid, 3).await;
    assert_eq!(d["items"][0]["status"], "delivered");
    app.post(&format!("{base}/999/redeliver"), json!({}))
        .await
        .expect_empty(404);

    // Deleting the webhook deletes its log.
    app.delete(&format!("/v0/projects/{pid}/webhooks/{wid}"))
        .await
        .expect_empty(200);
    app.get(&base).await.expect_empty(404);
}

#[tokio::test]
async fn events_that_must_not_fire() {
    let app = app_with(fast("")).await;
    let rx = Receiver::start().await;
    let pid = app.project("Hooks").await;
    // Subscribed to something else.
    hook(
        &app,
        pid,
        json!({"url": rx.url, "events": ["board.created"]}),
    )
    .await;
    // Disabled.
    hook(
        &app,
        pid,
        json!({"url": rx.url, "events": ["tag.created"], "isEnabled": false}),
    )
    .await;
    // Another project's webhook.
    let other = app.project("Other").await;
    hook(
        &app,
        other,
        json!({"url": rx.url, "events": ["tag.created"]}),
    )
    .await;
    tag(&app, pid, "quiet").await;
    // A refused write (400) records nothing.
    let on = hook(&app, pid, json!({"url": rx.url, "events": ["tag.created"]})).await;
    app.post(&format!("/v0/projects/{pid}/tags"), json!({"name": ""}))
        .await
        .expect(400);
    rx.quiet(0, Duration::from_millis(800)).await;
    assert_eq!(
        deliveries(&app, pid, on["webhookId"].as_i64().unwrap()).await["totalCount"],
        0
    );
}

#[tokio::test]
async fn discord_and_slack_formats() {
    let app = app_with(fast("")).await;
    let rx = Receiver::start().await;
    let pid = app.project("Project X").await;
    hook(
        &app,
        pid,
        json!({"url": rx.url, "events": ["tag.created"], "format": "discord"}),
    )
    .await;
    hook(
        &app,
        pid,
        json!({"url": rx.url, "events": ["tag.created"], "format": "slack"}),
    )
    .await;
    tag(&app, pid, "Bug").await;
    let hits = rx.wait_for(2, WAIT).await;
    let bodies: Vec<Value> = hits.iter().map(|h| h.json()).collect();
    let discord = bodies.iter().find(|b| b.get("content").is_some()).unwrap();
    assert_eq!(
        discord["content"],
        "**Owner** created tag *Bug* in Project X"
    );
    assert_eq!(discord["allowed_mentions"]["parse"], json!([]));
    let slack = bodies.iter().find(|b| b.get("text").is_some()).unwrap();
    assert_eq!(slack["text"], "*Owner* created tag _Bug_ in Project X");
}

#[tokio::test]
async fn deny_private_refuses_loopback_targets() {
    let mut d = fast("");
    d.deny_private = true;
    let app = app_with(d).await;
    let rx = Receiver::start().await;
    let pid = app.project("Hooks").await;
    let w = hook(&app, pid, json!({"url": rx.url, "events": ["tag.created"]})).await;
    let wid = w["webhookId"].as_i64().unwrap();
    tag(&app, pid, "nope").await;
    let d = settled(&app, pid, wid, 1).await;
    assert_eq!(d["items"][0]["status"], "failed");
    assert!(
        d["items"][0]["attempts"][0]["error"]
            .as_str()
            .unwrap()
            .contains("refused"),
        "{d}"
    );
    rx.quiet(0, Duration::from_millis(200)).await;
}

/// Two servers on one PostgreSQL deliver each event exactly once.
#[tokio::test]
async fn two_instances_deliver_each_event_once() {
    let app = app_with(fast("1s")).await;
    if !app.url.starts_with("postgres") {
        return;
    }
    let second = spawn_app_on(
        app.url.clone(),
        tempfile::tempdir().unwrap(),
        HttpSettings::default(),
        fast("1s"),
    )
    .await;
    let rx = Receiver::start().await;
    let pid = app.project("Hooks").await;
    for _ in 0..4 {
        hook(&app, pid, json!({"url": rx.url, "events": ["tag.created"]})).await;
    }
    for i in 0..10 {
        let a = if i % 2 == 0 { &app } else { &second };
        tag(a, pid, &format!("t{i}")).await;
    }
    let hits = rx.wait_for(40, WAIT).await;
    rx.quiet(40, Duration::from_secs(1)).await;
    let mut ids: Vec<String> = hits
        .iter()
        .map(|h| h.header("x-questlog-delivery").unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 40);
}
