//! Tests of the dependencies endpoints.

use questlog::params;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::sub_tasks::{OLD_DATE, cast, count, role_sql, update_date};

fn base(pid: i64, wid: i64) -> String {
    format!("/v0/projects/{pid}/workitems/{wid}/dependencies")
}

fn item(pid: i64, wid: i64) -> String {
    format!("/v0/projects/{pid}/workitems/{wid}")
}

fn ids(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|d| d["workItem"]["workItemId"].as_i64().unwrap())
        .collect()
}

async fn flags(app: &TestApp, pid: i64, wid: i64) -> (bool, bool) {
    let w = app.get(&item(pid, wid)).await.expect(200);
    (
        w["hasDependencies"].as_bool().unwrap(),
        w["isBlocked"].as_bool().unwrap(),
    )
}

async fn sql(app: &TestApp, stmt: &str, p: &[questlog::store::Val]) {
    let mut tx = app.db.write().await.unwrap();
    tx.exec(stmt, p).await.unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn a_chain_is_listed_resolved_and_unblocked() {
    let app = spawn_app().await;
    let pid = app.project("Dungeon").await;
    let a = app.work_item_sql(pid, "A").await;
    let b = app.work_item_sql(pid, "B").await;
    let c = app.work_item_sql(pid, "C").await;
    assert_eq!(app.get(&base(pid, b)).await.expect(200), json!([]));
    assert_eq!(flags(&app, pid, b).await, (false, false));

    // B ← A (bare integer): 201 with the dependency, the full predecessor nested.
    let d = app.post(&base(pid, b), json!(a)).await.expect(201);
    let full_a = app.get(&item(pid, a)).await.expect(200);
    assert_eq!(d, json!({"workItem": full_a, "isResolved": false}));
    assert_eq!(d["workItem"]["stage"]["stageId"], 1);
    assert!(d["workItem"].get("board").is_none(), "null fields omitted");
    assert_ne!(update_date(&app, pid, b).await, OLD_DATE);
    assert_eq!(update_date(&app, pid, a).await, OLD_DATE);
    // C ← B (object form).
    app.post(&base(pid, c), json!({"dependencyId": b}))
        .await
        .expect(201);

    assert_eq!(flags(&app, pid, a).await, (false, false));
    assert_eq!(flags(&app, pid, b).await, (true, true));
    assert_eq!(flags(&app, pid, c).await, (true, true));
    let list = app.get(&base(pid, b)).await.expect(200);
    assert_eq!(list, json!([{"workItem": full_a, "isResolved": false}]));

    // A moves to the closed stage: B's dependency is resolved, B unblocked; C still waits on B.
    app.patch(&item(pid, a), json!({"stageId": 4}))
        .await
        .expect(200);
    let list = app.get(&base(pid, b)).await.expect(200);
    assert_eq!(list[0]["isResolved"], true);
    assert_eq!(list[0]["workItem"]["stage"]["status"], "closed");
    assert_eq!(
        list[0]["workItem"],
        app.get(&item(pid, a)).await.expect(200)
    );
    assert_eq!(flags(&app, pid, b).await, (true, false));
    assert_eq!(flags(&app, pid, c).await, (true, true));

    // An unblocker stage resolves too (B is unblocked now, so any member may move it).
    sql(
        &app,
        "UPDATE stages SET is_unblocker = TRUE WHERE project_id = $1 AND stage_id = 2",
        params![pid],
    )
    .await;
    app.patch(&item(pid, b), json!({"stageId": 2}))
        .await
        .expect(200);
    let one = app.get(&format!("{}/{b}", base(pid, c))).await.expect(200);
    assert_eq!(one["isResolved"], true);
    assert_eq!(one["workItem"]["workItemId"], b);
    assert_eq!(one["workItem"]["stage"]["isUnblocker"], true);
    assert_eq!(flags(&app, pid, c).await, (true, false));

    // Moving A back reopens B's block.
    app.patch(&item(pid, a), json!({"stageId": 1}))
        .await
        .expect(200);
    assert_eq!(flags(&app, pid, b).await, (true, true));

    // C ← A too (quoted integer); the list is ordered by predecessor id.
    app.post(&base(pid, c), json!(a.to_string()))
        .await
        .expect(201);
    let list = app.get(&base(pid, c)).await.expect(200);
    assert_eq!(ids(&list), vec![a, b]);
    assert_eq!(list[0]["isResolved"], false);
    assert_eq!(list[1]["isResolved"], true);
    assert_eq!(flags(&app, pid, c).await, (true, true));

    // Remove C ← A: empty 200, touches C, C unblocked again.
    sql(
        &app,
        "UPDATE work_items SET update_date = $1",
        params![OLD_DATE],
    )
    .await;
    app.delete(&format!("{}/{a}", base(pid, c)))
        .await
        .expect_empty(200);
    assert_ne!(update_date(&app, pid, c).await, OLD_DATE);
    assert_eq!(ids(&app.get(&base(pid, c)).await.expect(200)), vec![b]);
    assert_eq!(flags(&app, pid, c).await, (true, false));
    app.get(&format!("{}/{a}", base(pid, c)))
        .await
        .expect_empty(404);
    app.delete(&format!("{}/{a}", base(pid, c)))
        .await
        .expect_empty(404);
    // Removing B's only dependency clears hasDependencies.
    app.delete(&format!("{}/{a}", base(pid, b)))
        .await
        .expect_empty(200);
    assert_eq!(flags(&app, pid, b).await, (false, false));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM dependencies").await, 1);
}

#[tokio::test]
async fn self_duplicates_and_cycles_are_refused() {
    let app = spawn_app().await;
    let pid = app.project("Dungeon").await;
    let a = app.work_item_sql(pid, "A").await;
    let b = app.work_item_sql(pid, "B").await;
    let c = app.work_item_sql(pid, "C").await;
    app.post(&base(pid, b), json!(a)).await.expect(201);
    app.post(&base(pid, c), json!({"workItemId": b}))
        .await
        .expect(201);
    sql(
        &app,
        "UPDATE work_items SET update_date = $1",
        params![OLD_DATE],
    )
    .await;

    let cases = [
        (a, a, "A work item cannot depend on itself."),
        (b, a, "The work item already depends on this work item."),
        (a, b, "The dependency would create a cycle."),
        (a, c, "The dependency would create a cycle."),
        (b, c, "The dependency would create a cycle."),
    ];
    for (w, d, msg) in cases {
        let e = app.post(&base(pid, w), json!(d)).await.expect(400);
        assert_eq!(e, json!({"message": msg}), "{w} on {d}");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM dependencies").await, 2);
    for w in [a, b, c] {
        assert_eq!(update_date(&app, pid, w).await, OLD_DATE);
    }
    assert_eq!(flags(&app, pid, a).await, (false, false));
    // A diamond is no cycle: C ← A as well.
    app.post(&base(pid, c), json!(a)).await.expect(201);
}

#[tokio::test]
async fn unknown_foreign_ids_and_bad_bodies() {
    let app = spawn_app().await;
    let pid = app.project("Dungeon").await;
    let a = app.work_item_sql(pid, "A").await;
    let b = app.work_item_sql(pid, "B").await;
    let p2 = app.project("Other").await;
    for t in ["x", "y", "z"] {
        app.work_item_sql(p2, t).await;
    }
    let foreign = 3; // exists in p2 only
    sql(
        &app,
        "UPDATE work_items SET update_date = $1",
        params![OLD_DATE],
    )
    .await;
    let bb = base(pid, b);

    app.post(&bb, json!(999)).await.expect_empty(404);
    app.post(&bb, json!(foreign)).await.expect_empty(404);
    app.post(&bb, json!(-1)).await.expect_empty(404);
    app.post(&bb, json!(0)).await.expect_empty(404);
    app.post(&base(pid, foreign), json!(a))
        .await
        .expect_empty(404);
    app.get(&base(pid, foreign)).await.expect_empty(404);
    app.get(&base(999, b)).await.expect_empty(404);
    app.post(&base(999, b), json!(a)).await.expect_empty(404);
    app.get(&format!("{bb}/{a}")).await.expect_empty(404);
    app.get(&format!("{bb}/999")).await.expect_empty(404);
    app.delete(&format!("{bb}/{a}")).await.expect_empty(404);
    app.delete(&format!("{}/{a}", base(pid, 77)))
        .await
        .expect_empty(404);

    let key = Some(app.key.as_str());
    for body in [
        "",
        "{",
        "\"abc\"",
        "true",
        "[1]",
        "{}",
        "{\"id\": 1}",
        "{\"dependencyId\": \"x\"}",
        "{\"workItemId\": true}",
        "1.5",
        "null",
        "99999999999999999999999",
    ] {
        let r = app.call("POST", &bb, key, Some(body)).await;
        assert_eq!(
            r.expect(400),
            json!({"message": "Invalid values object."}),
            "body {body}"
        );
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM dependencies").await, 0);
    assert_eq!(update_date(&app, pid, b).await, OLD_DATE);
    assert_eq!(app.get(&bb).await.expect(200), json!([]));
}

#[tokio::test]
async fn dependency_permissions_follow_member_roles() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let (pid, wid) = (c.pid, c.wid);
    let p1 = app.work_item_sql(pid, "P1").await;
    let p2 = app.work_item_sql(pid, "P2").await;
    let hidden = app.work_item_sql(pid, "Secret").await;
    sql(
        &app,
        "UPDATE work_items SET category_id = 2 WHERE project_id = $1 AND work_item_id = $2",
        params![pid, hidden],
    )
    .await;
    let b = base(pid, wid);

    app.as_user(&c.member, "POST", &b, Some(json!(p1)))
        .await
        .expect(201);
    app.as_user(&c.admin, "POST", &b, Some(json!(p2)))
        .await
        .expect(201);
    app.post(&b, json!(hidden)).await.expect(201);
    app.as_user(&c.member, "DELETE", &format!("{b}/{p2}"), None)
        .await
        .expect_empty(200);
    app.as_user(&c.admin, "POST", &b, Some(json!(p2)))
        .await
        .expect(201);

    for key in [&c.guest, &c.reader, &c.updater] {
        let list = app.as_user(key, "GET", &b, None).await.expect(200);
        assert_eq!(ids(&list), vec![p1, p2, hidden]);
        app.as_user(key, "GET", &format!("{b}/{p1}"), None)
            .await
            .expect(200);
        app.as_user(key, "POST", &b, Some(json!(p1)))
            .await
            .expect(403);
        app.as_user(key, "DELETE", &format!("{b}/{p1}"), None)
            .await
            .expect(403);
    }
    app.as_user(&c.outsider, "GET", &b, None).await.expect(403);
    app.as_user(&c.outsider, "POST", &b, Some(json!(p1)))
        .await
        .expect(403);
    // Cannot read the dependent item's category: the item does not exist for them.
    app.as_user(&c.blind, "GET", &b, None)
        .await
        .expect_empty(404);
    app.as_user(&c.blind, "POST", &b, Some(json!(p1)))
        .await
        .expect_empty(404);

    // Cannot read the predecessor's category: left out of the list, 404 on it.
    let role = role_sql(
        &app,
        pid,
        "No art",
        json!({"categoryPermissions": [{"categoryId": 2, "canRead": false, "canWrite": false,
                 "canUpdate": false}],
               "gameDesignModelPermissions": {"canRead": true, "canWrite": true}}),
    )
    .await;
    let (nid, no_art) = app.add_user("nora").await;
    app.add_member_sql(pid, nid, false, false, Some(role)).await;
    let list = app.as_user(&no_art, "GET", &b, None).await.expect(200);
    assert_eq!(ids(&list), vec![p1, p2]);
    app.as_user(&no_art, "GET", &format!("{b}/{hidden}"), None)
        .await
        .expect_empty(404);
    app.as_user(&no_art, "DELETE", &format!("{b}/{hidden}"), None)
        .await
        .expect_empty(404);
    let other = app.work_item_sql(pid, "Other").await;
    app.as_user(&no_art, "POST", &base(pid, other), Some(json!(hidden)))
        .await
        .expect_empty(404);
    app.as_user(&no_art, "POST", &base(pid, other), Some(json!(p1)))
        .await
        .expect(201);

    assert_eq!(ids(&app.get(&b).await.expect(200)), vec![p1, p2, hidden]);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM dependencies").await, 4);
}

#[tokio::test]
async fn work_item_create_and_delete_agree_with_dependencies() {
    let app = spawn_app().await;
    let pid = app.project("Dungeon").await;
    let a = app.work_item_sql(pid, "A").await;
    let b = app.work_item_sql(pid, "B").await;

    // Created with dependencyIds: listed here, blocked at once.
    let n = app
        .post(
            &format!("/v0/projects/{pid}/workitems"),
            json!({"title": "New", "importanceLevelId": 3, "dependencyIds": [b, a, b]}),
        )
        .await
        .expect(200);
    let n = n["workItemId"].as_i64().unwrap();
    assert_eq!(ids(&app.get(&base(pid, n)).await.expect(200)), vec![a, b]);
    assert_eq!(flags(&app, pid, n).await, (true, true));
    // The new item's predecessors cannot now depend on it.
    let e = app.post(&base(pid, a), json!(n)).await.expect(400);
    assert_eq!(
        e,
        json!({"message": "The dependency would create a cycle."})
    );

    // Deleting a predecessor removes the dependency.
    app.delete(&item(pid, a)).await.expect_empty(200);
    assert_eq!(ids(&app.get(&base(pid, n)).await.expect(200)), vec![b]);
    app.get(&format!("{}/{a}", base(pid, n)))
        .await
        .expect_empty(404);
    app.delete(&item(pid, b)).await.expect_empty(200);
    assert_eq!(app.get(&base(pid, n)).await.expect(200), json!([]));
    assert_eq!(flags(&app, pid, n).await, (false, false));

    // Deleting the dependent removes its dependencies too.
    let c = app.work_item_sql(pid, "C").await;
    app.post(&base(pid, c), json!(n)).await.expect(201);
    app.delete(&item(pid, c)).await.expect_empty(200);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM dependencies").await, 0);
    app.get(&base(pid, c)).await.expect_empty(404);
}

#[tokio::test]
async fn create_cannot_depend_on_an_item_the_caller_cannot_see() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let hidden = app.work_item_sql(pid, "secret").await;
    sql(
        &app,
        "UPDATE work_items SET category_id = 2 WHERE project_id = $1 AND work_item_id = $2",
        questlog::params![pid, hidden],
    )
    .await;
    let role = role_sql(
        &app,
        pid,
        "no art",
        json!({"categoryPermissions": [{"categoryId": 2, "canRead": false, "canWrite": false, "canUpdate": false}]}),
    )
    .await;
    let (uid, key) = app.add_user("ana").await;
    app.add_member_sql(pid, uid, false, false, Some(role)).await;
    let url = format!("/v0/projects/{pid}/workitems");
    let r = app
        .as_user(
            &key,
            "POST",
            &url,
            Some(json!({"title": "t", "importanceLevelId": 3, "dependencyIds": [hidden]})),
        )
        .await
        .expect(400);
    assert!(r["modelState"]["dependencyIds"].is_array());
    let page = app.get(&url).await.expect(200);
    assert_eq!(page["totalCount"], 1, "nothing was created");
}
