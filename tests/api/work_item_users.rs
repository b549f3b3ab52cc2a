//! Tests of the work item users endpoints.

use questlog::params;
use serde_json::json;

use crate::helpers::*;
use crate::sub_tasks::{OLD_DATE, cast, count, update_date};

fn base(pid: i64, wid: i64) -> String {
    format!("/v0/projects/{pid}/workitems/{wid}/users")
}

async fn assigned(app: &TestApp, pid: i64, wid: i64) -> Vec<i64> {
    let mut tx = app.db.read().await.unwrap();
    let rows: Vec<(i64,)> = tx
        .all(
            "SELECT user_id FROM work_item_users WHERE project_id = $1 AND work_item_id = $2 ORDER BY user_id",
            params![pid, wid],
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    rows.into_iter().map(|r| r.0).collect()
}

#[tokio::test]
async fn users_are_assigned_and_unassigned() {
    let app = spawn_app().await;
    let pid = app.project("Dungeon").await;
    let wid = app.work_item_sql(pid, "Jump").await;
    let (ana, _) = app.add_user("ana").await;
    let (ben, _) = app.add_user("ben").await;
    let (gil, _) = app.add_user("gil").await;
    app.add_member_sql(pid, ana, false, false, None).await;
    app.add_member_sql(pid, ben, false, false, None).await;
    app.add_member_sql(pid, gil, false, true, None).await;
    let b = base(pid, wid);
    let key = Some(app.key.as_str());

    // Bare integer, quoted integer and the object form; 200 with an empty body.
    app.call("POST", &b, key, Some("1")).await.expect_empty(200);
    assert_ne!(update_date(&app, pid, wid).await, OLD_DATE);
    app.call("POST", &b, key, Some(&format!("\"{ana}\"")))
        .await
        .expect_empty(200);
    app.post(&b, json!({"userId": ben})).await.expect_empty(200);
    app.post(&b, json!(gil)).await.expect_empty(200);
    assert_eq!(assigned(&app, pid, wid).await, vec![1, ana, ben, gil]);

    let e = app.post(&b, json!(ana)).await.expect(409);
    assert_eq!(
        e,
        json!({"message": "The user is already assigned to the work item."})
    );

    app.delete(&format!("{b}/{ana}")).await.expect_empty(200);
    assert_eq!(assigned(&app, pid, wid).await, vec![1, ben, gil]);
    app.delete(&format!("{b}/{ana}")).await.expect_empty(404);
    app.delete(&format!("{b}/999")).await.expect_empty(404);

    let mut tx = app.db.write().await.unwrap();
    tx.exec("UPDATE work_items SET update_date = $1", params![OLD_DATE])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    app.delete(&format!("{b}/{ben}")).await.expect_empty(200);
    assert_ne!(update_date(&app, pid, wid).await, OLD_DATE);
}

#[tokio::test]
async fn only_active_members_can_be_assigned() {
    let app = spawn_app().await;
    let pid = app.project("Dungeon").await;
    let wid = app.work_item_sql(pid, "Jump").await;
    let (gone, _) = app.add_user("gone").await;
    app.add_member_sql(pid, gone, false, false, None).await;
    let mut tx = app.db.write().await.unwrap();
    tx.exec(
        "UPDATE project_users SET is_active = FALSE WHERE user_id = $1",
        params![gone],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (stranger, _) = app.add_user("stranger").await;
    let b = base(pid, wid);

    let e = app.post(&b, json!(gone)).await.expect(409);
    assert_eq!(
        e,
        json!({"message": "The user is inactive in the project."})
    );
    app.post(&b, json!(stranger)).await.expect_empty(404);
    app.post(&b, json!(9999)).await.expect_empty(404);

    // A member of another project only.
    let p2 = app.project("Other").await;
    app.add_member_sql(p2, stranger, false, false, None).await;
    app.post(&b, json!(stranger)).await.expect_empty(404);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM work_item_users").await, 0);
    assert_eq!(update_date(&app, pid, wid).await, OLD_DATE);
}

#[tokio::test]
async fn assigning_a_story_child_also_assigns_the_story() {
    let app = spawn_app().await;
    let pid = app.project("Dungeon").await;
    let story = app.work_item_sql(pid, "Story").await;
    let child = app.work_item_sql(pid, "Child").await;
    let child2 = app.work_item_sql(pid, "Child 2").await;
    let mut tx = app.db.write().await.unwrap();
    tx.exec(
        "UPDATE work_items SET is_story = TRUE, category_id = NULL WHERE work_item_id = $1",
        params![story],
    )
    .await
    .unwrap();
    tx.exec(
        "UPDATE work_items SET parent_story_id = $1 WHERE work_item_id IN ($2, $3)",
        params![story, child, child2],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (ana, _) = app.add_user("ana").await;
    app.add_member_sql(pid, ana, false, false, None).await;

    app.post(&base(pid, child), json!(ana))
        .await
        .expect_empty(200);
    assert_eq!(assigned(&app, pid, child).await, vec![ana]);
    assert_eq!(assigned(&app, pid, story).await, vec![ana]);
    assert_ne!(update_date(&app, pid, story).await, OLD_DATE);
    // Already on the story: the second child assigns without a conflict or duplicate.
    app.post(&base(pid, child2), json!(ana))
        .await
        .expect_empty(200);
    assert_eq!(assigned(&app, pid, story).await, vec![ana]);
    // Unassigning a child leaves the story alone.
    app.delete(&format!("{}/{ana}", base(pid, child)))
        .await
        .expect_empty(200);
    assert_eq!(assigned(&app, pid, story).await, vec![ana]);
    // Assigning the story itself touches nothing else.
    app.post(&base(pid, story), json!(1))
        .await
        .expect_empty(200);
    assert_eq!(assigned(&app, pid, story).await, vec![1, ana]);
    assert_eq!(assigned(&app, pid, child).await, Vec::<i64>::new());
}

#[tokio::test]
async fn user_assignment_permissions_and_bad_input() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let b = base(c.pid, c.wid);
    let p2 = app.project("Other").await;
    app.work_item_sql(p2, "A").await;
    let foreign = app.work_item_sql(p2, "B").await;

    app.as_user(&c.member, "POST", &b, Some(json!(c.member_id)))
        .await
        .expect_empty(200);
    app.as_user(&c.admin, "POST", &b, Some(json!(c.admin_id)))
        .await
        .expect_empty(200);
    app.as_user(&c.member, "DELETE", &format!("{b}/{}", c.admin_id), None)
        .await
        .expect_empty(200);
    for key in [&c.guest, &c.reader, &c.updater, &c.outsider] {
        app.as_user(key, "POST", &b, Some(json!(c.updater_id)))
            .await
            .expect(403);
        app.as_user(key, "DELETE", &format!("{b}/{}", c.member_id), None)
            .await
            .expect(403);
    }
    app.as_user(&c.blind, "POST", &b, Some(json!(c.admin_id)))
        .await
        .expect_empty(404);

    app.post(&base(c.pid, foreign), json!(1))
        .await
        .expect_empty(404);
    app.post(&base(c.pid, 99), json!(1)).await.expect_empty(404);
    app.post(&base(999, c.wid), json!(1))
        .await
        .expect_empty(404);
    let key = Some(app.key.as_str());
    for body in [
        "",
        "{",
        "\"x42\"",
        "false",
        "[1]",
        "{}",
        "{\"user\": 1}",
        "2.5",
    ] {
        let r = app.call("POST", &b, key, Some(body)).await;
        assert_eq!(
            r.expect(400),
            json!({"message": "Invalid values object."}),
            "body {body}"
        );
    }
    assert_eq!(assigned(&app, c.pid, c.wid).await, vec![c.member_id]);
}
