//! The data of the web app's planning pages (ops::planning), on a real database written through
//! the API: a board's cards, card moves (the blocked rule), the burndown rule.

use chrono::NaiveDate;
use questlog::ops::planning::{self, CardFilter, CardMove};
use questlog::ops::{Actor, OpError, Scopes};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

fn owner() -> Actor {
    Actor {
        user_id: 1,
        scopes: Scopes::ALL,
    }
}

async fn item(app: &TestApp, pid: i64, body: Value) -> i64 {
    app.post(&format!("/v0/projects/{pid}/workitems"), body)
        .await
        .expect(200)["workItemId"]
        .as_i64()
        .unwrap()
}

async fn board(app: &TestApp, pid: i64, body: Value) -> i64 {
    app.post(&format!("/v0/projects/{pid}/boards"), body)
        .await
        .expect(201)["boardId"]
        .as_i64()
        .unwrap()
}

async fn sql(app: &TestApp, stmt: &str, p: &[questlog::store::Val]) {
    let mut tx = app.db.write().await.unwrap();
    tx.exec(stmt, p).await.unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn board_cards_carry_progress_blocked_and_order_and_filter() {
    let app = spawn_app().await;
    let pid = app.project("Cards").await;
    let bid = board(&app, pid, json!({"name": "Sprint"})).await;
    let tag = app
        .post(&format!("/v0/projects/{pid}/tags"), json!({"name": "ui"}))
        .await
        .expect(201)["tagId"]
        .as_i64()
        .unwrap();
    let a = item(
        &app,
        pid,
        json!({"title": "Alpha menu", "importanceLevelId": 1, "boardId": bid,
        "estimatedCost": 3, "subTasks": ["one", "two", "three"], "tagIds": [tag]}),
    )
    .await;
    let b = item(
        &app,
        pid,
        json!({"title": "Beta sound", "importanceLevelId": 1, "boardId": bid,
        "dependencyIds": [a], "categoryId": 2}),
    )
    .await;
    let _backlog = item(&app, pid, json!({"title": "Gamma", "importanceLevelId": 1})).await;
    let other = app.project("Other").await;
    app.patch(
        &format!("/v0/projects/{pid}/workitems/{a}/subtasks/1"),
        json!({"isCompleted": true}),
    )
    .await
    .expect(200);

    let mut tx = app.db.read().await.unwrap();
    let all = planning::board_cards(&mut tx, &owner(), pid, Some(bid), &CardFilter::default())
        .await
        .unwrap();
    let ids: Vec<i64> = all.cards.iter().map(|c| c.item.work_item_id).collect();
    assert_eq!(ids, vec![a, b]);
    assert_eq!(
        (all.cards[0].sub_tasks_done, all.cards[0].sub_tasks_total),
        (1, 3)
    );
    assert_eq!(
        (all.cards[1].sub_tasks_done, all.cards[1].sub_tasks_total),
        (0, 0)
    );
    assert!(!all.cards[0].item.is_blocked);
    assert!(all.cards[1].item.is_blocked);
    assert_eq!(all.stages.len(), 4);
    assert!(all.viewer_is_admin);

    let by_tag = CardFilter {
        tag_id: Some(tag),
        ..Default::default()
    };
    let r = planning::board_cards(&mut tx, &owner(), pid, Some(bid), &by_tag)
        .await
        .unwrap();
    assert_eq!(r.cards.len(), 1);
    assert_eq!(r.cards[0].item.work_item_id, a);
    let search = CardFilter {
        search: Some("sound".into()),
        ..Default::default()
    };
    let r = planning::board_cards(&mut tx, &owner(), pid, Some(bid), &search)
        .await
        .unwrap();
    assert_eq!(
        r.cards
            .iter()
            .map(|c| c.item.work_item_id)
            .collect::<Vec<_>>(),
        vec![b]
    );
    let cat = CardFilter {
        category_id: Some(2),
        ..Default::default()
    };
    let r = planning::board_cards(&mut tx, &owner(), pid, Some(bid), &cat)
        .await
        .unwrap();
    assert_eq!(r.cards.len(), 1);
    let backlog = planning::board_cards(&mut tx, &owner(), pid, None, &CardFilter::default())
        .await
        .unwrap();
    assert_eq!(backlog.cards.len(), 1);
    assert_eq!(backlog.cards[0].item.title, "Gamma");

    // Another project's board shows nothing through this project.
    let r = planning::board_cards(&mut tx, &owner(), other, Some(bid), &CardFilter::default())
        .await
        .unwrap();
    assert!(r.cards.is_empty());
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn moves_reorder_change_stage_and_respect_the_blocked_rule() {
    let app = spawn_app().await;
    let pid = app.project("Moves").await;
    let bid = board(&app, pid, json!({"name": "Sprint"})).await;
    let a = item(
        &app,
        pid,
        json!({"title": "A", "importanceLevelId": 1, "boardId": bid}),
    )
    .await;
    let b = item(
        &app,
        pid,
        json!({"title": "B", "importanceLevelId": 1, "boardId": bid}),
    )
    .await;
    let c = item(
        &app,
        pid,
        json!({"title": "C", "importanceLevelId": 1, "boardId": bid,
        "dependencyIds": [a]}),
    )
    .await;
    let (uid, _) = app.add_user("member").await;
    app.add_member(pid, uid, json!({})).await;
    let member = Actor {
        user_id: uid,
        scopes: Scopes::ALL,
    };

    // B before A, same stage.
    let mut tx = app.db.write().await.unwrap();
    let mv = CardMove {
        stage_id: 1,
        before_id: Some(a),
    };
    let w = planning::move_card(&mut tx, &owner(), pid, b, mv)
        .await
        .unwrap();
    assert_eq!(w.board_index, 0);
    tx.commit().await.unwrap();
    // A to the end of "In progress".
    let mut tx = app.db.write().await.unwrap();
    let mv = CardMove {
        stage_id: 2,
        before_id: None,
    };
    let w = planning::move_card(&mut tx, &member, pid, a, mv)
        .await
        .unwrap();
    assert_eq!(w.stage.stage_id, 2);
    tx.commit().await.unwrap();
    let got = app
        .get(&format!("/v0/projects/{pid}/workitems/{a}"))
        .await
        .expect(200);
    assert_eq!(got["stage"]["stageId"], 2);
    assert_eq!(got["boardIndex"], 2);

    // C is blocked (A is open): a member can't change its stage, nothing changes; an admin can.
    let mut tx = app.db.write().await.unwrap();
    let mv = CardMove {
        stage_id: 2,
        before_id: None,
    };
    let err = planning::move_card(&mut tx, &member, pid, c, mv)
        .await
        .unwrap_err();
    assert!(matches!(err, OpError::Forbidden(_)), "{err:?}");
    drop(tx);
    let got = app
        .get(&format!("/v0/projects/{pid}/workitems/{c}"))
        .await
        .expect(200);
    assert_eq!(got["stage"]["stageId"], 1);
    let mut tx = app.db.write().await.unwrap();
    planning::move_card(&mut tx, &owner(), pid, c, mv)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // A card of another board can't be the anchor.
    let other = board(&app, pid, json!({"name": "Other"})).await;
    let d = item(
        &app,
        pid,
        json!({"title": "D", "importanceLevelId": 1, "boardId": other}),
    )
    .await;
    let mut tx = app.db.write().await.unwrap();
    let mv = CardMove {
        stage_id: 1,
        before_id: Some(d),
    };
    let err = planning::move_card(&mut tx, &owner(), pid, b, mv)
        .await
        .unwrap_err();
    assert!(matches!(err, OpError::Validation(_)), "{err:?}");
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[tokio::test]
async fn burndown_counts_open_tasks_per_day() {
    let app = spawn_app().await;
    let pid = app.project("Burn").await;
    let bid = board(
        &app,
        pid,
        json!({"name": "Sprint", "startDate": "2026-03-01",
        "dueDate": "2026-03-10"}),
    )
    .await;
    let a = item(
        &app,
        pid,
        json!({"title": "A", "importanceLevelId": 1, "boardId": bid,
        "estimatedCost": 5}),
    )
    .await;
    let b = item(
        &app,
        pid,
        json!({"title": "B", "importanceLevelId": 1, "boardId": bid,
        "estimatedCost": 3}),
    )
    .await;
    let c = item(
        &app,
        pid,
        json!({"title": "C", "importanceLevelId": 1, "boardId": bid,
        "estimatedCost": 2}),
    )
    .await;
    let story = item(
        &app,
        pid,
        json!({"title": "S", "importanceLevelId": 1, "boardId": bid,
        "isStory": true, "estimatedCost": 100}),
    )
    .await;
    // A and B exist from before the start; C comes on the 4th. B closes on the 3rd, A on the 6th.
    let set = "UPDATE work_items SET creation_date = $1, closing_date = $2 \
               WHERE project_id = $3 AND work_item_id = $4";
    use questlog::store::Val;
    for (id, created, closed) in [
        (
            a,
            "2026-02-20T10:00:00.000Z",
            Some("2026-03-06T12:00:00.000Z"),
        ),
        (
            b,
            "2026-02-25T10:00:00.000Z",
            Some("2026-03-03T09:00:00.000Z"),
        ),
        (c, "2026-03-04T10:00:00.000Z", None),
        (story, "2026-02-20T10:00:00.000Z", None),
    ] {
        let closed: Val = match closed {
            Some(c) => c.into(),
            None => Val::from(None::<String>),
        };
        sql(&app, set, &[created.into(), closed, pid.into(), id.into()]).await;
    }
    let mut tx = app.db.read().await.unwrap();
    let bd = planning::burndown(&mut tx, &owner(), pid, bid, day("2026-03-07"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!((bd.start, bd.end), (day("2026-03-01"), day("2026-03-10")));
    let got: Vec<(String, f64, i64)> = bd
        .days
        .iter()
        .map(|d| (d.day.format("%d").to_string(), d.cost, d.items))
        .collect();
    let want: Vec<(String, f64, i64)> = [
        ("01", 8.0, 2),
        ("02", 8.0, 2),
        ("03", 5.0, 1),
        ("04", 7.0, 2),
        ("05", 7.0, 2),
        ("06", 2.0, 1),
        ("07", 2.0, 1),
    ]
    .iter()
    .map(|(d, c, n)| (d.to_string(), *c, *n))
    .collect();
    assert_eq!(got, want);

    // Another project's member sees no such board.
    let other = app.project("Other").await;
    let mut tx = app.db.read().await.unwrap();
    let err = planning::burndown(&mut tx, &owner(), other, bid, day("2026-03-07"))
        .await
        .unwrap_err();
    assert!(matches!(err, OpError::NotFound), "{err:?}");
}
