//! Project settings pages: the configuration groups, modules, members, webhooks.

use serde_json::json;

use crate::helpers::spawn_app;
use crate::receiver::Receiver;
use crate::web_client::{count, owner_browser, user_browser};

#[tokio::test]
async fn every_settings_page_renders_for_an_admin() {
    let app = spawn_app().await;
    let pid = app.project("Tower").await;
    let mut b = owner_browser(&app).await;
    for (path, needle) in [
        ("", "Save modules"),
        ("/categories", "Programming"),
        ("/stages", "Planned"),
        ("/importance-levels", "Normal"),
        ("/design-element-types", "Character"),
        ("/tags", "Add"),
        ("/roles", "Add"),
        ("/members", "owner@localhost"),
        ("/webhooks", "workitem.updated"),
    ] {
        let r = b.get(&format!("/projects/{pid}/settings{path}")).await;
        let text = r.expect(200);
        assert!(text.contains(needle), "{path}: {needle} missing");
        assert!(text.contains("aria-current=\"page\""), "{path}");
    }
    b.get(&format!("/projects/{pid}/settings/nonsense"))
        .await
        .expect(404);
}

#[tokio::test]
async fn categories_are_added_and_deleted_through_ops() {
    let app = spawn_app().await;
    let pid = app.project("Tower").await;
    let mut b = owner_browser(&app).await;
    let page = format!("/projects/{pid}/settings/categories");
    let r = b
        .submit(&page, &page, &[("name", "Narrative"), ("color", "#336699")])
        .await;
    r.expect(303);
    assert_eq!(r.location(), format!("{page}?done=added"));
    let cats = app
        .get(&format!("/v0/projects/{pid}/categories"))
        .await
        .expect(200);
    let c = cats
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Narrative")
        .unwrap()
        .clone();
    assert_eq!(c["color"], "#336699");
    // The change log (and so webhooks) saw it.
    assert!(
        app.events(pid)
            .await
            .contains(&"category.created".to_string())
    );
    // Bad input: 400 with the group's own message, nothing added.
    let before = count(&app, "SELECT COUNT(*) FROM categories").await;
    let r = b.submit(&page, &page, &[("color", "#336699")]).await;
    assert!(r.expect(400).contains("name"));
    let r = b
        .submit(&page, &page, &[("name", "Bad colour"), ("color", "red")])
        .await;
    r.expect(400);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM categories").await, before);

    let id = c["categoryId"].as_i64().unwrap();
    b.submit(&page, &format!("{page}/{id}/delete"), &[])
        .await
        .expect(303);
    let cats = app
        .get(&format!("/v0/projects/{pid}/categories"))
        .await
        .expect(200);
    assert!(
        !cats
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "Narrative")
    );
}

#[tokio::test]
async fn the_other_groups_take_their_own_fields() {
    let app = spawn_app().await;
    let pid = app.project("Tower").await;
    let mut b = owner_browser(&app).await;
    let base = format!("/projects/{pid}/settings");
    b.submit(
        &format!("{base}/stages"),
        &format!("{base}/stages"),
        &[
            ("name", "Review"),
            ("status", "started"),
            ("isUnblocker", "on"),
        ],
    )
    .await
    .expect(303);
    b.submit(
        &format!("{base}/tags"),
        &format!("{base}/tags"),
        &[("name", "hotfix")],
    )
    .await
    .expect(303);
    b.submit(
        &format!("{base}/roles"),
        &format!("{base}/roles"),
        &[("name", "Artist")],
    )
    .await
    .expect(303);
    b.submit(
        &format!("{base}/importance-levels"),
        &format!("{base}/importance-levels"),
        &[("name", "Critical"), ("color", "#aa0000")],
    )
    .await
    .expect(303);
    b.submit(
        &format!("{base}/design-element-types"),
        &format!("{base}/design-element-types"),
        &[("name", "Quest")],
    )
    .await
    .expect(303);
    let stages = app
        .get(&format!("/v0/projects/{pid}/stages"))
        .await
        .expect(200);
    let review = stages
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Review")
        .unwrap()
        .clone();
    assert_eq!(review["status"], "started");
    assert_eq!(review["isUnblocker"], true);
    let tags = app
        .get(&format!("/v0/projects/{pid}/tags"))
        .await
        .expect(200);
    assert_eq!(tags[0]["name"], "hotfix");
    let roles = app
        .get(&format!("/v0/projects/{pid}/roles"))
        .await
        .expect(200);
    assert!(
        roles
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "Artist")
    );
    let text = b
        .get(&format!("{base}/importance-levels"))
        .await
        .expect(200)
        .to_string();
    assert!(text.contains("Critical") && text.contains("#aa0000"));
}

#[tokio::test]
async fn members_without_admin_get_403_and_csrf_is_checked() {
    let app = spawn_app().await;
    let pid = app.project("Tower").await;
    let (uid, mut maria) = user_browser(&app, "maria").await;
    app.add_member(pid, uid, json!({})).await;
    let page = format!("/projects/{pid}/settings/categories");
    // A member reads the settings but can't change them.
    maria.get(&page).await.expect(200);
    let before = count(&app, "SELECT COUNT(*) FROM categories").await;
    maria
        .submit(&page, &page, &[("name", "Sneaky")])
        .await
        .expect(403);
    maria
        .submit(&page, &format!("/projects/{pid}/settings/modules"), &[])
        .await
        .expect(403);
    // The owner without the token: 403 too, nothing changed.
    let mut b = owner_browser(&app).await;
    b.post(&page, &[("name", "No token")]).await.expect(403);
    b.post(
        &page,
        &[("_csrf", "0".repeat(64).as_str()), ("name", "Wrong token")],
    )
    .await
    .expect(403);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM categories").await, before);
    // Someone else's token doesn't work either.
    let maria_token = maria.get("/").await.csrf();
    b.post(
        &page,
        &[("_csrf", maria_token.as_str()), ("name", "Borrowed")],
    )
    .await
    .expect(403);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM categories").await, before);
}

#[tokio::test]
async fn settings_pages_show_only_their_project() {
    let app = spawn_app().await;
    let a = app.project("Alpha").await;
    let b_id = app.project("Beta").await;
    app.post(
        &format!("/v0/projects/{b_id}/tags"),
        json!({"name": "beta-only-tag"}),
    )
    .await
    .expect(201);
    let mut b = owner_browser(&app).await;
    let text = b
        .get(&format!("/projects/{a}/settings/tags"))
        .await
        .expect(200)
        .to_string();
    assert!(!text.contains("beta-only-tag"));
    // Deleting project B's tag through project A's URL finds nothing.
    let page = format!("/projects/{a}/settings/tags");
    b.submit(&page, &format!("{page}/1/delete"), &[])
        .await
        .expect(404);
    let tags = app
        .get(&format!("/v0/projects/{b_id}/tags"))
        .await
        .expect(200);
    assert_eq!(tags.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn modules_are_saved() {
    let app = spawn_app().await;
    let pid = app.project("Tower").await;
    let mut b = owner_browser(&app).await;
    let page = format!("/projects/{pid}/settings");
    b.submit(
        &page,
        &format!("{page}/modules"),
        &[("module.workItems", "on"), ("module.calendar", "on")],
    )
    .await
    .expect(303);
    let p = app.get(&format!("/v0/projects/{pid}")).await.expect(200);
    assert_eq!(p["moduleConfig"]["calendar"], true);
    assert_eq!(p["moduleConfig"]["workItemTags"], false);
}

#[tokio::test]
async fn members_are_added_changed_and_removed() {
    let app = spawn_app().await;
    let pid = app.project("Tower").await;
    let (uid, _) = app.add_user("maria").await;
    let mut b = owner_browser(&app).await;
    let page = format!("/projects/{pid}/settings/members");
    b.submit(
        &page,
        &page,
        &[("email", "maria@example.com"), ("isGuest", "on")],
    )
    .await
    .expect(303);
    let m = app
        .get(&format!("/v0/projects/{pid}/users/{uid}"))
        .await
        .expect(200);
    assert_eq!(m["isGuest"], true);
    assert!(b.get(&page).await.text.contains("maria@example.com"));
    b.submit(
        &page,
        &format!("{page}/{uid}"),
        &[("isAdmin", "on"), ("roleId", "")],
    )
    .await
    .expect(303);
    let m = app
        .get(&format!("/v0/projects/{pid}/users/{uid}"))
        .await
        .expect(200);
    assert_eq!(m["isAdmin"], true);
    assert_eq!(m["isGuest"], false);
    b.submit(&page, &format!("{page}/{uid}/remove"), &[])
        .await
        .expect(303);
    let m = app
        .get(&format!("/v0/projects/{pid}/users/{uid}"))
        .await
        .expect(200);
    assert_eq!(m["isActive"], false);
    // An unknown email: a clear 4xx.
    let r = b
        .submit(&page, &page, &[("email", "nobody@example.com")])
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
}

#[tokio::test]
async fn webhooks_are_created_disabled_logged_and_redelivered() {
    let app = spawn_app().await;
    let rx = Receiver::start().await;
    let pid = app.project("Tower").await;
    let mut b = owner_browser(&app).await;
    let page = format!("/projects/{pid}/settings/webhooks");
    let r = b
        .submit(
            &page,
            &page,
            &[
                ("url", rx.url.as_str()),
                ("format", "hacknplan"),
                ("isEnabled", "on"),
                ("event", "tag.created"),
            ],
        )
        .await;
    r.expect(303);
    let wid: i64 = r
        .location()
        .split('/')
        .nth(5)
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let hooks = app
        .get(&format!("/v0/projects/{pid}/webhooks"))
        .await
        .expect(200);
    assert_eq!(hooks[0]["events"], json!(["tag.created"]));

    app.post(&format!("/v0/projects/{pid}/tags"), json!({"name": "t1"}))
        .await
        .expect(201);
    rx.wait_for(1, std::time::Duration::from_secs(20)).await;
    let hook_page = format!("{page}/{wid}");
    let mut log = String::new();
    for _ in 0..50 {
        log = b.get(&hook_page).await.expect(200).to_string();
        if log.contains("delivered") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        log.contains("tag.created") && log.contains("delivered"),
        "{log}"
    );
    let did = count(&app, "SELECT MAX(id) FROM webhook_deliveries").await;
    b.submit(
        &hook_page,
        &format!("{hook_page}/deliveries/{did}/redeliver"),
        &[],
    )
    .await
    .expect(303);
    rx.wait_for(2, std::time::Duration::from_secs(20)).await;

    // Disable it (the checkbox unticked), then delete it.
    b.submit(
        &hook_page,
        &hook_page,
        &[
            ("url", rx.url.as_str()),
            ("format", "hacknplan"),
            ("event", "tag.created"),
        ],
    )
    .await
    .expect(303);
    let h = app
        .get(&format!("/v0/projects/{pid}/webhooks/{wid}"))
        .await
        .expect(200);
    assert_eq!(h["isEnabled"], false);
    b.submit(&page, &format!("{hook_page}/delete"), &[])
        .await
        .expect(303);
    app.get(&format!("/v0/projects/{pid}/webhooks/{wid}"))
        .await
        .expect_empty(404);
    // No event: the API's own validation message, nothing created.
    let r = b.submit(&page, &page, &[("url", rx.url.as_str())]).await;
    r.expect(400);
}

#[tokio::test]
async fn group_rows_are_edited_keeping_what_the_form_does_not_show() {
    let app = spawn_app().await;
    let pid = app.project("Tower").await;
    let role = app
        .post(
            &format!("/v0/projects/{pid}/roles"),
            json!({"name": "Artist", "permissions": {"canDeleteWorkItems": false}}),
        )
        .await;
    let role = role.expect(201);
    let rid = role["roleId"].as_i64().unwrap();
    let mut b = owner_browser(&app).await;
    let page = format!("/projects/{pid}/settings/roles");
    assert!(
        b.get(&page)
            .await
            .text
            .contains(&format!("action=\"{page}/{rid}\""))
    );
    b.submit(&page, &format!("{page}/{rid}"), &[("name", "Lead artist")])
        .await
        .expect(303);
    let after = app
        .get(&format!("/v0/projects/{pid}/roles/{rid}"))
        .await
        .expect(200);
    assert_eq!(after["name"], "Lead artist");
    assert_eq!(after["permissions"], role["permissions"]);
    // Another project's row through this URL: 404.
    b.submit(&page, &format!("{page}/999"), &[("name", "x")])
        .await
        .expect(404);
    // A blank name: the group's own 400.
    b.submit(&page, &format!("{page}/{rid}"), &[("name", "")])
        .await
        .expect(400);
}

#[tokio::test]
async fn role_permissions_are_shown_and_saved_in_the_browser() {
    let app = spawn_app().await;
    let pid = app.project("Tower").await;
    let cats = app
        .get(&format!("/v0/projects/{pid}/categories"))
        .await
        .expect(200);
    let cats = cats.as_array().unwrap();
    let (c1, c2, c3) = (
        cats[0]["categoryId"].as_i64().unwrap(),
        cats[1]["categoryId"].as_i64().unwrap(),
        cats[2]["categoryId"].as_i64().unwrap(),
    );
    let role = app
        .post(
            &format!("/v0/projects/{pid}/roles"),
            json!({"name": "Artist"}),
        )
        .await;
    let rid = role.expect(201)["roleId"].as_i64().unwrap();
    let mut b = owner_browser(&app).await;
    let page = format!("/projects/{pid}/settings/roles");
    let text = b.get(&page).await.expect(200).to_string();
    // A new role: every box ticked.
    assert!(text.contains(&format!("name=\"perm.{c1}.read\"")));
    assert!(text.contains("name=\"perm.design.write\""));
    let (s1, s2, s3) = (c1.to_string(), c2.to_string(), c3.to_string());
    let (r1, w2, u2, r2) = (
        format!("perm.{c1}.read"),
        format!("perm.{c2}.write"),
        format!("perm.{c2}.update"),
        format!("perm.{c2}.read"),
    );
    let mut form: Vec<(&str, &str)> = vec![
        ("name", "Artist"),
        ("permissions", "grid"),
        ("permCategory", &s1),
        ("permCategory", &s2),
        ("permCategory", &s3),
        (&r1, "on"),
        (&r2, "on"),
        (&w2, "on"),
        (&u2, "on"),
        ("perm.design.read", "on"),
    ];
    let mut full = vec![];
    for c in cats.iter().skip(3) {
        full.push(c["categoryId"].as_i64().unwrap().to_string());
    }
    let extra: Vec<(String, String)> = full
        .iter()
        .flat_map(|id| {
            [
                ("permCategory".to_string(), id.clone()),
                (format!("perm.{id}.read"), "on".to_string()),
                (format!("perm.{id}.write"), "on".to_string()),
                (format!("perm.{id}.update"), "on".to_string()),
            ]
        })
        .collect();
    form.extend(extra.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    b.submit(&page, &format!("{page}/{rid}"), &form)
        .await
        .expect(303);
    let r = app
        .get(&format!("/v0/projects/{pid}/roles/{rid}"))
        .await
        .expect(200);
    // c1 read only, c3 nothing, c2 and the rest fully allowed (so not listed).
    assert_eq!(
        r["permissions"]["categoryPermissions"],
        json!([
            {"categoryId": c1, "canRead": true, "canWrite": false, "canUpdate": false},
            {"categoryId": c3, "canRead": false, "canWrite": false, "canUpdate": false},
        ])
    );
    assert_eq!(
        r["permissions"]["gameDesignModelPermissions"],
        json!({"canRead": true, "canWrite": false})
    );
    // The form shows them back.
    let text = b.get(&page).await.expect(200).to_string();
    let box_of = |name: &str| {
        let i = text.find(&format!("name=\"{name}\"")).unwrap();
        let end = i + text[i..].find('>').unwrap();
        text[i..end].contains("checked")
    };
    assert!(box_of(&format!("perm.{c1}.read")));
    assert!(!box_of(&format!("perm.{c1}.write")));
    assert!(box_of(&format!("perm.{c2}.update")));
    assert!(!box_of(&format!("perm.{c3}.read")));
    assert!(!box_of("perm.design.write"));
    // Renaming without the grid keeps them.
    b.submit(&page, &format!("{page}/{rid}"), &[("name", "Lead artist")])
        .await
        .expect(303);
    let after = app
        .get(&format!("/v0/projects/{pid}/roles/{rid}"))
        .await
        .expect(200);
    assert_eq!(after["name"], "Lead artist");
    assert_eq!(after["permissions"], r["permissions"]);

    // Bad input: an unknown category, a bad id: 400, nothing changed.
    for bad in ["perm.99999.read", "perm.x.read", "perm.1.delete"] {
        b.submit(
            &page,
            &format!("{page}/{rid}"),
            &[
                ("name", "Lead artist"),
                ("permissions", "grid"),
                (bad, "on"),
            ],
        )
        .await
        .expect(400);
    }
    // No CSRF token: 403, nothing changed.
    b.post(
        &format!("{page}/{rid}"),
        &[("name", "Lead artist"), ("permissions", "grid")],
    )
    .await
    .expect(403);
    // A member who isn't admin: 403, nothing changed.
    let (uid, mut maria) = user_browser(&app, "maria").await;
    app.add_member(pid, uid, json!({})).await;
    maria
        .submit(
            &page,
            &format!("{page}/{rid}"),
            &[("name", "Lead artist"), ("permissions", "grid")],
        )
        .await
        .expect(403);
    let last = app
        .get(&format!("/v0/projects/{pid}/roles/{rid}"))
        .await
        .expect(200);
    assert_eq!(last, after);
}

#[tokio::test]
async fn teams_are_created_filled_and_emptied_by_a_workspace_admin() {
    let app = spawn_app().await;
    let pid = app.project("Tower").await;
    let ws = app.get(&format!("/v0/projects/{pid}")).await.expect(200)["workspaceId"]
        .as_i64()
        .unwrap();
    let (uid, mut maria) = user_browser(&app, "maria").await;
    app.add_member(pid, uid, json!({})).await;
    let mut b = owner_browser(&app).await;
    let page = format!("/projects/{pid}/settings/members");
    b.submit(
        &page,
        &format!("/projects/{pid}/settings/teams"),
        &[("name", "Artists")],
    )
    .await
    .expect(303);
    let teams = app
        .get(&format!("/v0/workspaces/{ws}/teams"))
        .await
        .expect(200);
    let tid = teams[0]["teamId"].as_i64().unwrap();
    assert_eq!(teams[0]["name"], "Artists");
    // A duplicate name and a blank one: 4xx, nothing added.
    let r = b
        .submit(
            &page,
            &format!("/projects/{pid}/settings/teams"),
            &[("name", "Artists")],
        )
        .await;
    r.expect(409);
    b.submit(
        &page,
        &format!("/projects/{pid}/settings/teams"),
        &[("name", " ")],
    )
    .await
    .expect(400);
    let uid_s = uid.to_string();
    b.submit(
        &page,
        &format!("/projects/{pid}/settings/teams/{tid}/users"),
        &[("userId", &uid_s)],
    )
    .await
    .expect(303);
    let t = app
        .get(&format!("/v0/workspaces/{ws}/teams/{tid}"))
        .await
        .expect(200);
    assert_eq!(t["users"][0]["user"]["id"], uid);
    let text = b.get(&page).await.expect(200).to_string();
    assert!(text.contains(&format!("settings/teams/{tid}/users/{uid}/remove")));
    // Not a workspace admin: 403; no token: 403; nothing changed.
    maria
        .submit(
            &page,
            &format!("/projects/{pid}/settings/teams"),
            &[("name", "Mine")],
        )
        .await
        .expect(403);
    maria
        .submit(
            &page,
            &format!("/projects/{pid}/settings/teams/{tid}/users/{uid}/remove"),
            &[],
        )
        .await
        .expect(403);
    b.post(
        &format!("/projects/{pid}/settings/teams"),
        &[("name", "No token")],
    )
    .await
    .expect(403);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM teams").await, 1);
    // An unknown user or team: 4xx.
    let r = b
        .submit(
            &page,
            &format!("/projects/{pid}/settings/teams/{tid}/users"),
            &[("userId", "9999")],
        )
        .await;
    r.expect(400);
    b.submit(
        &page,
        &format!("/projects/{pid}/settings/teams/9999/users"),
        &[("userId", &uid_s)],
    )
    .await
    .expect(404);
    b.submit(
        &page,
        &format!("/projects/{pid}/settings/teams/{tid}/users/{uid}/remove"),
        &[],
    )
    .await
    .expect(303);
    let t = app
        .get(&format!("/v0/workspaces/{ws}/teams/{tid}"))
        .await
        .expect(200);
    assert_eq!(t["users"], json!([]));
}

#[tokio::test]
async fn webhook_custom_headers_are_edited_on_the_form() {
    let app = spawn_app().await;
    let pid = app.project("Tower").await;
    let mut b = owner_browser(&app).await;
    let page = format!("/projects/{pid}/settings/webhooks");
    let url = "http://127.0.0.1:9/hook";
    let r = b
        .submit(
            &page,
            &page,
            &[
                ("url", url),
                ("format", "hacknplan"),
                ("event", "tag.created"),
                (
                    "headers",
                    "X-Team: art\r\n\r\nAuthorization: Bearer abc\r\n",
                ),
            ],
        )
        .await;
    r.expect(303);
    let h = app
        .get(&format!("/v0/projects/{pid}/webhooks"))
        .await
        .expect(200)[0]
        .clone();
    let wid = h["webhookId"].as_i64().unwrap();
    assert_eq!(
        h["headers"],
        json!(["X-Team: art", "Authorization: Bearer abc"])
    );
    let hook_page = format!("{page}/{wid}");
    let text = b.get(&hook_page).await.expect(200).to_string();
    assert!(
        text.contains("X-Team: art\nAuthorization: Bearer abc"),
        "{text}"
    );
    // A header ops refuses: 400, nothing changed.
    b.submit(
        &hook_page,
        &hook_page,
        &[
            ("url", url),
            ("event", "tag.created"),
            ("headers", "not a header"),
        ],
    )
    .await
    .expect(400);
    let same = app
        .get(&format!("/v0/projects/{pid}/webhooks/{wid}"))
        .await
        .expect(200);
    assert_eq!(same["headers"], h["headers"]);
    // Edited, then cleared.
    b.submit(
        &hook_page,
        &hook_page,
        &[
            ("url", url),
            ("event", "tag.created"),
            ("headers", "X-Team: design"),
        ],
    )
    .await
    .expect(303);
    let after = app
        .get(&format!("/v0/projects/{pid}/webhooks/{wid}"))
        .await
        .expect(200);
    assert_eq!(after["headers"], json!(["X-Team: design"]));
    b.submit(
        &hook_page,
        &hook_page,
        &[("url", url), ("event", "tag.created"), ("headers", "")],
    )
    .await
    .expect(303);
    let after = app
        .get(&format!("/v0/projects/{pid}/webhooks/{wid}"))
        .await
        .expect(200);
    assert_eq!(after["headers"], json!([]));
}
