//! The planning pages through HTTP with a signed-in browser session: board, backlog, card
//! moves (JSON with the CSRF header), work item forms, design, reports, burndown, calendar,
//! live stream; permissions (non-member 404, refused 403), CSRF refusals change nothing.

use std::time::Duration;

use questlog::changes::dispatch::{DispatchSettings, parse_delays};
use questlog::http::HttpSettings;
use serde_json::{Value, json};

use crate::helpers::{TestApp, snapshot, snapshot_diff, spawn_app, spawn_app_config};
use crate::receiver::Receiver;
use crate::web_client::{Browser, between, owner_browser, set_password};

async fn item(app: &TestApp, pid: i64, body: Value) -> i64 {
    app.post(&format!("/v0/projects/{pid}/workitems"), body)
        .await
        .expect(200)["workItemId"]
        .as_i64()
        .unwrap()
}

async fn board(app: &TestApp, pid: i64, name: &str) -> i64 {
    app.post(
        &format!("/v0/projects/{pid}/boards"),
        json!({"name": name, "startDate": "2026-01-01", "dueDate": "2026-01-20"}),
    )
    .await
    .expect(201)["boardId"]
        .as_i64()
        .unwrap()
}

/// A JSON POST from the page's script: the session cookie and, when given, the CSRF header.
async fn post_json(b: &Browser, path: &str, csrf: Option<&str>, body: Value) -> (u16, Value) {
    let cookies = b
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let mut req = reqwest::Client::new()
        .post(format!("{}{path}", b.base))
        .header("cookie", cookies)
        .json(&body);
    if let Some(t) = csrf {
        req = req.header("x-csrf-token", t);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn stage_of(app: &TestApp, pid: i64, id: i64) -> i64 {
    app.get(&format!("/v0/projects/{pid}/workitems/{id}"))
        .await
        .expect(200)["stage"]["stageId"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn board_page_shows_cards_and_a_move_fires_the_webhook() {
    let dispatch = DispatchSettings {
        retry_delays: parse_delays("1s").unwrap(),
        poll_interval: Duration::from_millis(100),
        timeout: Duration::from_secs(5),
        ..DispatchSettings::default()
    };
    let app = spawn_app_config(HttpSettings::default(), dispatch).await;
    let rx = Receiver::start().await;
    let pid = app.project("Game").await;
    let bid = board(&app, pid, "Sprint 1").await;
    app.post(
        &format!("/v0/projects/{pid}/webhooks"),
        json!({"url": rx.url, "events": ["workitem.updated"]}),
    )
    .await
    .expect(201);
    let a = item(
        &app,
        pid,
        json!({"title": "Main <menu>", "importanceLevelId": 1,
        "boardId": bid, "estimatedCost": 5, "subTasks": ["x", "y"]}),
    )
    .await;
    let blocked = item(
        &app,
        pid,
        json!({"title": "Boss", "importanceLevelId": 1,
        "boardId": bid, "dependencyIds": [a]}),
    )
    .await;
    let mut b = owner_browser(&app).await;

    let page = b.get(&format!("/projects/{pid}/boards/{bid}")).await;
    let html = page.expect(200);
    assert!(html.contains("Main &lt;menu&gt;"), "escaped title");
    assert!(html.contains(&format!("data-id=\"{a}\"")));
    assert!(html.contains("☑ 0/2"), "sub-task progress");
    assert!(html.contains("aria-label=\"Blocked by an open dependency\""));
    assert!(html.contains("data-stage-name=\"In progress\""));
    assert!(html.contains("/assets/board.js?v="));
    let csrf = page.csrf();
    // Search and swimlanes.
    let found = b
        .get(&format!(
            "/projects/{pid}/boards/{bid}?q=boss&lanes=category"
        ))
        .await;
    let found = found.expect(200);
    assert!(found.contains(&format!("data-id=\"{blocked}\"")));
    assert!(!found.contains(&format!("data-id=\"{a}\"")));
    assert!(found.contains("class=\"lane-title\""));

    // Without the CSRF header: 403 and nothing changes.
    let before = snapshot(&app.db).await;
    let (s, _) = post_json(
        &b,
        &format!("/projects/{pid}/items/{a}/move"),
        None,
        json!({"stageId": 2, "beforeId": null}),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = post_json(
        &b,
        &format!("/projects/{pid}/items/{a}/move"),
        Some("wrong"),
        json!({"stageId": 2, "beforeId": null}),
    )
    .await;
    assert_eq!(s, 403);
    assert_eq!(snapshot_diff(&before, &snapshot(&app.db).await), None);

    let (s, moved) = post_json(
        &b,
        &format!("/projects/{pid}/items/{a}/move"),
        Some(&csrf),
        json!({"stageId": 2, "beforeId": null}),
    )
    .await;
    assert_eq!(s, 200, "{moved}");
    assert_eq!(moved["stageId"], 2);
    assert_eq!(stage_of(&app, pid, a).await, 2);
    let hits = rx.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(hits[0].event(), "workitem.updated");
    assert_eq!(hits[0].json()["WorkItemId"], a);

    // Bad body: 400 with a message, nothing changed.
    let (s, e) = post_json(
        &b,
        &format!("/projects/{pid}/items/{a}/move"),
        Some(&csrf),
        json!({"stage": "x"}),
    )
    .await;
    assert_eq!(s, 400, "{e}");
    assert!(e["error"].is_string());

    // The card fragment the live board fetches; 204 for an item not on that board.
    let frag = b
        .get(&format!("/projects/{pid}/boards/{bid}/cards/{a}"))
        .await;
    assert!(frag.expect(200).starts_with("<li class=\"card\""));
    let other = board(&app, pid, "Sprint 2").await;
    let frag = b
        .get(&format!("/projects/{pid}/boards/{other}/cards/{a}"))
        .await;
    assert_eq!(frag.status.as_u16(), 204);
}

#[tokio::test]
async fn blocked_cards_move_only_for_admins() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    let bid = board(&app, pid, "Sprint").await;
    let a = item(
        &app,
        pid,
        json!({"title": "A", "importanceLevelId": 1, "boardId": bid}),
    )
    .await;
    let c = item(
        &app,
        pid,
        json!({"title": "C", "importanceLevelId": 1, "boardId": bid,
        "dependencyIds": [a]}),
    )
    .await;
    let (uid, _) = app.add_user("artist").await;
    app.add_member(pid, uid, json!({})).await;
    set_password(&app, uid, "artist-password-1").await;
    let mut m = Browser::new(&app);
    m.login("artist", "artist-password-1").await;
    let csrf = m.get(&format!("/projects/{pid}/boards/{bid}")).await.csrf();
    let (s, e) = post_json(
        &m,
        &format!("/projects/{pid}/items/{c}/move"),
        Some(&csrf),
        json!({"stageId": 2, "beforeId": null}),
    )
    .await;
    assert_eq!(s, 403, "{e}");
    assert_eq!(stage_of(&app, pid, c).await, 1);
    // Reordering within its column is allowed.
    let (s, e) = post_json(
        &m,
        &format!("/projects/{pid}/items/{c}/move"),
        Some(&csrf),
        json!({"stageId": 1, "beforeId": a}),
    )
    .await;
    assert_eq!(s, 200, "{e}");
    assert_eq!(e["boardIndex"], 0);
    let o = owner_browser(&app).await;
    let mut o = o;
    let csrf = o.get(&format!("/projects/{pid}/boards/{bid}")).await.csrf();
    let (s, _) = post_json(
        &o,
        &format!("/projects/{pid}/items/{c}/move"),
        Some(&csrf),
        json!({"stageId": 2, "beforeId": null}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(stage_of(&app, pid, c).await, 2);
}

#[tokio::test]
async fn non_members_get_404_and_no_foreign_data() {
    let app = spawn_app().await;
    let pid = app.project("Secret").await;
    let bid = board(&app, pid, "Hidden board").await;
    let a = item(
        &app,
        pid,
        json!({"title": "Secret item", "importanceLevelId": 1, "boardId": bid}),
    )
    .await;
    let (uid, _) = app.add_user("stranger").await;
    set_password(&app, uid, "stranger-password-1").await;
    let mut s = Browser::new(&app);
    s.login("stranger", "stranger-password-1").await;
    for path in [
        format!("/projects/{pid}/boards/{bid}"),
        format!("/projects/{pid}/backlog"),
        format!("/projects/{pid}/boards"),
        format!("/projects/{pid}/items/{a}"),
        format!("/projects/{pid}/design"),
        format!("/projects/{pid}/reports"),
        format!("/projects/{pid}/calendar"),
        format!("/projects/{pid}/boards/{bid}/burndown"),
        format!("/projects/{pid}/live"),
    ] {
        let p = s.get(&path).await;
        assert_eq!(p.status.as_u16(), 404, "{path}");
        assert!(
            !p.text.contains("Secret item") && !p.text.contains("Hidden board"),
            "{path}"
        );
    }
    // A stranger's form post: 404 too, nothing written.
    let csrf = s.get("/").await.csrf();
    let before = snapshot(&app.db).await;
    let p = s
        .post(
            &format!("/projects/{pid}/items/{a}/comments"),
            &[("_csrf", &csrf), ("text", "hi")],
        )
        .await;
    assert_eq!(p.status.as_u16(), 404);
    assert_eq!(snapshot_diff(&before, &snapshot(&app.db).await), None);
    // Signed out: pages redirect to the sign-in.
    let mut anon = Browser::new(&app);
    let p = anon.get(&format!("/projects/{pid}/boards/{bid}")).await;
    assert_eq!(p.status.as_u16(), 303);
    assert!(p.location().starts_with("/login?next="));
}

#[tokio::test]
async fn work_item_forms_edit_comment_checklist_dependencies_and_refuse_without_csrf() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    let bid = board(&app, pid, "Sprint").await;
    let a = item(
        &app,
        pid,
        json!({"title": "Art pass", "importanceLevelId": 1, "boardId": bid,
        "description": "Needs **bold** <script>alert(1)</script>"}),
    )
    .await;
    let dep = item(
        &app,
        pid,
        json!({"title": "Concept", "importanceLevelId": 1}),
    )
    .await;
    let mut b = owner_browser(&app).await;
    let path = format!("/projects/{pid}/items/{a}");
    let page = b.get(&path).await;
    let html = page.expect(200).to_string();
    assert!(html.contains("<strong>bold</strong>"));
    assert!(!html.contains("<script>alert"));
    let csrf = page.csrf();
    let frag = b.get(&format!("{path}?fragment=1")).await;
    assert!(
        frag.expect(200)
            .starts_with("<article class=\"item-panel\"")
    );

    // Without the token: 403, nothing changed.
    let before = snapshot(&app.db).await;
    let p = b.post(&format!("{path}/comments"), &[("text", "x")]).await;
    assert_eq!(p.status.as_u16(), 403);
    let p = b
        .post(&path, &[("_csrf", "nope"), ("title", "Changed")])
        .await;
    assert_eq!(p.status.as_u16(), 403);
    assert_eq!(snapshot_diff(&before, &snapshot(&app.db).await), None);

    // Edit fields (multi-selects sent whole).
    let p = b
        .post(
            &path,
            &[
                ("_csrf", &csrf),
                ("title", "Art pass 2"),
                ("description", "*new*"),
                ("category_id", "2"),
                ("importance_level_id", "2"),
                ("stage_id", "2"),
                ("board_id", &bid.to_string()),
                ("estimated_cost", "7.5"),
                ("due_date", "2026-02-01"),
                ("assigned_user_ids", "1"),
                ("parent_story_id", ""),
            ],
        )
        .await;
    assert_eq!(p.status.as_u16(), 303, "{}", p.text);
    let w = app
        .get(&format!("/v0/projects/{pid}/workitems/{a}"))
        .await
        .expect(200);
    assert_eq!(w["title"], "Art pass 2");
    assert_eq!(w["category"]["categoryId"], 2);
    assert_eq!(w["stage"]["stageId"], 2);
    assert_eq!(w["estimatedCost"], 7.5);
    assert_eq!(w["assignedUsers"][0]["user"]["id"], 1);
    assert!(w["dueDate"].as_str().unwrap().starts_with("2026-02-01"));
    // Bad input: 400, nothing changed.
    let before = snapshot(&app.db).await;
    let p = b
        .post(&path, &[("_csrf", &csrf), ("estimated_cost", "lots")])
        .await;
    assert_eq!(p.status.as_u16(), 400);
    let p = b.post(&path, &[("_csrf", &csrf), ("title", "")]).await;
    assert_eq!(p.status.as_u16(), 400);
    assert_eq!(snapshot_diff(&before, &snapshot(&app.db).await), None);

    // Comment, sub-task, work log, dependency.
    b.post(
        &format!("{path}/comments"),
        &[("_csrf", &csrf), ("text", "Looks *great*")],
    )
    .await
    .expect(303);
    b.post(
        &format!("{path}/subtasks"),
        &[("_csrf", &csrf), ("title", "Sketch")],
    )
    .await
    .expect(303);
    b.post(&format!("{path}/subtasks/1/toggle"), &[("_csrf", &csrf)])
        .await
        .expect(303);
    b.post(
        &format!("{path}/worklogs"),
        &[("_csrf", &csrf), ("value", "2"), ("comment", "")],
    )
    .await
    .expect(303);
    b.post(
        &format!("{path}/dependencies"),
        &[("_csrf", &csrf), ("depends_on", &dep.to_string())],
    )
    .await
    .expect(303);
    let html = b.get(&path).await.expect(200).to_string();
    assert!(html.contains("<em>great</em>"));
    assert!(html.contains("Checklist <span class=\"muted\">1/1</span>"));
    assert!(html.contains("Concept"));
    assert!(html.contains("<span class=\"warn\">open</span>"));
    let subs = app
        .get(&format!("/v0/projects/{pid}/workitems/{a}/subtasks"))
        .await
        .expect(200);
    assert_eq!(subs[0]["isCompleted"], true);
    let w = app
        .get(&format!("/v0/projects/{pid}/workitems/{a}"))
        .await
        .expect(200);
    assert_eq!(w["loggedCost"], 2);
    assert_eq!(w["isBlocked"], true);
    // The comment's author edits and deletes it.
    let cid = between(&html, "id=\"comment-", "\"").unwrap();
    b.post(
        &format!("{path}/comments/{cid}/edit"),
        &[("_csrf", &csrf), ("text", "Edited")],
    )
    .await
    .expect(303);
    let c = app
        .get(&format!("/v0/projects/{pid}/workitems/{a}/comments"))
        .await
        .expect(200);
    assert!(
        c["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["text"] == "Edited")
    );
    b.post(
        &format!("{path}/dependencies/{dep}/delete"),
        &[("_csrf", &csrf)],
    )
    .await
    .expect(303);
    let w = app
        .get(&format!("/v0/projects/{pid}/workitems/{a}"))
        .await
        .expect(200);
    assert_eq!(w["isBlocked"], false);
    // Move to the backlog from the board chooser.
    b.post(
        &format!("{path}/board"),
        &[("_csrf", &csrf), ("board_id", "")],
    )
    .await
    .expect(303);
    let back = b.get(&format!("/projects/{pid}/backlog")).await;
    assert!(back.expect(200).contains("Art pass 2"));
}

#[tokio::test]
async fn reports_burndown_calendar_design_and_boards_pages() {
    let app = spawn_app().await;
    let pid = app.project("Game").await;
    let bid = board(&app, pid, "Sprint 1").await;
    item(
        &app,
        pid,
        json!({"title": "Burn", "importanceLevelId": 1, "boardId": bid, "estimatedCost": 4}),
    )
    .await;
    let world = app
        .post(
            &format!("/v0/projects/{pid}/designelements"),
            json!({"name": "World", "designElementTypeId": 2}),
        )
        .await
        .expect(201)["designElementId"]
        .as_i64()
        .unwrap();
    let level = app
        .post(
            &format!("/v0/projects/{pid}/designelements"),
            json!({"name": "Level 1", "designElementTypeId": 4}),
        )
        .await
        .expect(201)["designElementId"]
        .as_i64()
        .unwrap();
    let mut b = owner_browser(&app).await;

    let r = b.get(&format!("/projects/{pid}/reports")).await;
    let html = r.expect(200);
    assert!(html.contains("Open work items by category"));
    assert!(html.contains("Burndown of Sprint 1"));
    let bd = b
        .get(&format!(
            "/projects/{pid}/boards/{bid}/burndown?series=cost"
        ))
        .await;
    let html = bd.expect(200);
    assert!(html.contains("<title id=\"bd-title\">Burndown of Sprint 1</title>"));
    assert!(html.contains("series-cost") && !html.contains("series-items"));
    assert!(html.contains("From 2026-01-01 to 2026-01-20"));
    let bad = b
        .get(&format!("/projects/{pid}/boards/{bid}/burndown?series=pie"))
        .await;
    assert_eq!(bad.status.as_u16(), 400);
    let cal = b
        .get(&format!("/projects/{pid}/calendar?month=2026-01"))
        .await;
    let html = cal.expect(200);
    assert!(html.contains("<caption>January 2026</caption>"));
    assert!(html.contains(&format!(
        "<a href=\"/projects/{pid}/boards/{bid}\">Sprint 1</a>"
    )));
    assert_eq!(
        b.get(&format!("/projects/{pid}/calendar?month=13"))
            .await
            .status
            .as_u16(),
        400
    );

    // Design: re-parent with the "move to" form, then the element page.
    let d = b.get(&format!("/projects/{pid}/design")).await;
    let csrf = d.csrf();
    assert!(d.expect(200).contains("Level 1"));
    b.post(
        &format!("/projects/{pid}/design/{level}/parent"),
        &[("_csrf", &csrf), ("parent_id", &world.to_string())],
    )
    .await
    .expect(303);
    let e = app
        .get(&format!("/v0/projects/{pid}/designelements/{level}"))
        .await
        .expect(200);
    assert_eq!(e["parent"]["designElementId"], world);
    let p = b.get(&format!("/projects/{pid}/design/{world}")).await;
    let html = p.expect(200);
    assert!(html.contains("Metrics (with children)") && html.contains("Level 1"));

    // Boards page: create a milestone and a board, close and reopen the board.
    b.post(
        &format!("/projects/{pid}/milestones"),
        &[("_csrf", &csrf), ("name", "Alpha")],
    )
    .await
    .expect(303);
    let made = b
        .post(
            &format!("/projects/{pid}/boards"),
            &[
                ("_csrf", &csrf),
                ("name", "Sprint 9"),
                ("milestone_id", ""),
                ("start_date", ""),
                ("due_date", ""),
            ],
        )
        .await;
    assert_eq!(made.status.as_u16(), 303);
    let nb: i64 = made.location().rsplit('/').next().unwrap().parse().unwrap();
    b.post(
        &format!("/projects/{pid}/boards/{nb}/close"),
        &[("_csrf", &csrf)],
    )
    .await
    .expect(303);
    let got = app
        .get(&format!("/v0/projects/{pid}/boards/{nb}"))
        .await
        .expect(200);
    assert!(got["closingDate"].is_string());
    b.post(
        &format!("/projects/{pid}/boards/{nb}/reopen"),
        &[("_csrf", &csrf)],
    )
    .await
    .expect(303);
    let page = b.get(&format!("/projects/{pid}/boards")).await;
    let html = page.expect(200);
    assert!(html.contains("Alpha") && html.contains("Sprint 9"));
    // Closing needs an admin: a member gets 403.
    let (uid, _) = app.add_user("dev").await;
    app.add_member(pid, uid, json!({})).await;
    set_password(&app, uid, "dev-password-1").await;
    let mut m = Browser::new(&app);
    m.login("dev", "dev-password-1").await;
    let mcsrf = m.get(&format!("/projects/{pid}/boards")).await.csrf();
    let p = m
        .post(
            &format!("/projects/{pid}/boards/{nb}/close"),
            &[("_csrf", &mcsrf)],
        )
        .await;
    assert_eq!(p.status.as_u16(), 403);
}

#[tokio::test]
async fn the_live_stream_sends_a_move() {
    let app = spawn_app().await;
    let pid = app.project("Live").await;
    let bid = board(&app, pid, "Sprint").await;
    let a = item(
        &app,
        pid,
        json!({"title": "A", "importanceLevelId": 1, "boardId": bid}),
    )
    .await;
    let b = owner_browser(&app).await;
    let cookies = b
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let mut res = reqwest::Client::new()
        .get(format!("{}/projects/{pid}/live", app.base))
        .header("cookie", cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    app.patch(
        &format!("/v0/projects/{pid}/workitems/{a}"),
        json!({"stageId": 3}),
    )
    .await
    .expect(200);
    let mut got = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !got.contains("workitem.updated") {
        let chunk = tokio::time::timeout_at(deadline, res.chunk())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        got.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(got.contains("\"stageId\":3"), "{got}");
}
