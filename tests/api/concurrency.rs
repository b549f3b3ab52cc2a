//! 64 clients writing to one project at once: creates, stage and board moves, comments, work
//! logs and sub-task ticks. No 5xx, no "database is locked", positions stay dense, and the
//! figures add up afterwards.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::helpers::*;

const CLIENTS: usize = 64;
const OPS: usize = 10;
const SEEDED: i64 = 24;

/// A tiny deterministic generator (no dependency, same run every time).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

#[derive(Default)]
struct Seen {
    statuses: BTreeMap<u16, usize>,
    failures: Vec<String>,
    created: Vec<i64>,
    logs: HashMap<i64, f64>,
    comments: HashMap<i64, usize>,
}

/// Positions rule (src/http/work_items.rs): `boardIndex` is 0-based and dense within each
/// board and within the backlog.
pub async fn assert_dense_positions(app: &TestApp, pid: i64) {
    let mut tx = app.db.read().await.unwrap();
    let rows: Vec<(Option<i64>, i64)> = tx
        .all(
            "SELECT board_id, board_index FROM work_items WHERE project_id = $1 \
             ORDER BY board_id, board_index",
            questlog::params![pid],
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut by_board: BTreeMap<Option<i64>, Vec<i64>> = BTreeMap::new();
    for (b, i) in rows {
        by_board.entry(b).or_default().push(i);
    }
    for (b, idx) in by_board {
        let want: Vec<i64> = (0..idx.len() as i64).collect();
        assert_eq!(idx, want, "board {b:?}: positions not dense 0..n-1");
    }
}

/// Every work item of a project, through the paged search.
pub async fn all_items(app: &TestApp, p: &str) -> Vec<Value> {
    let mut out = Vec::new();
    loop {
        let page = app
            .get(&format!("{p}/workitems?limit=100&offset={}", out.len()))
            .await
            .expect(200);
        let items = page["items"].as_array().unwrap().clone();
        let total = page["totalCount"].as_u64().unwrap() as usize;
        let done = items.is_empty();
        out.extend(items);
        if done || out.len() >= total {
            return out;
        }
    }
}

#[tokio::test]
async fn sixty_four_clients_write_one_project() {
    let app = Arc::new(spawn_app().await);
    let pid = app.project("Crunch").await;
    let p = format!("/v0/projects/{pid}");
    let mut boards = Vec::new();
    for name in ["Sprint 1", "Sprint 2"] {
        let b = app
            .post(&format!("{p}/boards"), json!({"name": name}))
            .await
            .expect(201);
        boards.push(b["boardId"].as_i64().unwrap());
    }
    for i in 0..SEEDED {
        let board = if i % 3 == 2 {
            None
        } else {
            Some(boards[i as usize % 2])
        };
        app.post(
            &format!("{p}/workitems"),
            json!({"title": format!("Seed {i}"), "importanceLevelId": 3, "estimatedCost": 1,
                   "boardId": board, "subTasks": ["first", "second"]}),
        )
        .await
        .expect(200);
    }

    let seen = Arc::new(Mutex::new(Seen::default()));
    let started = std::time::Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let (app, seen, boards, p) = (app.clone(), seen.clone(), boards.clone(), p.clone());
        tasks.push(tokio::spawn(async move {
            let mut rng = Lcg(c as u64 + 1);
            for n in 0..OPS {
                let item = 1 + rng.next(SEEDED as u64) as i64;
                let wi = format!("{p}/workitems/{item}");
                let (method, path, body, what) = match (c + n) % 6 {
                    0 => {
                        let board = match rng.next(3) {
                            0 => Value::Null,
                            k => json!(boards[k as usize - 1]),
                        };
                        (
                            "POST",
                            format!("{p}/workitems"),
                            json!({"title": format!("c{c} n{n}"), "importanceLevelId": 2,
                                   "estimatedCost": 1, "boardId": board,
                                   "subTasks": ["first", "second"]}),
                            "create",
                        )
                    }
                    1 => ("PATCH", wi, json!({"stageId": 1 + rng.next(4)}), "stage"),
                    2 => {
                        let body = match rng.next(3) {
                            0 => json!({"boardIndex": rng.next(6)}),
                            k => json!({"boardId": boards[k as usize - 1]}),
                        };
                        ("PATCH", wi, body, "move")
                    }
                    3 => (
                        "POST",
                        format!("{wi}/comments"),
                        json!(format!("from c{c}")),
                        "comment",
                    ),
                    4 => (
                        "POST",
                        format!("{wi}/worklogs"),
                        json!({"value": 0.5}),
                        "log",
                    ),
                    _ => (
                        "PATCH",
                        format!("{wi}/subtasks/{}", 1 + rng.next(2)),
                        json!({"isCompleted": rng.next(2) == 0}),
                        "tick",
                    ),
                };
                let r = app
                    .call(method, &path, Some(&app.key), Some(&body.to_string()))
                    .await;
                let mut s = seen.lock().unwrap();
                let code = r.status.as_u16();
                *s.statuses.entry(code).or_default() += 1;
                if !r.status.is_success() || r.text.contains("database is locked") {
                    s.failures
                        .push(format!("{method} {path} {body} -> {code} {}", r.text));
                    continue;
                }
                match what {
                    "create" => s.created.push(r.json()["workItemId"].as_i64().unwrap()),
                    "log" => *s.logs.entry(item).or_default() += 0.5,
                    "comment" => *s.comments.entry(item).or_default() += 1,
                    _ => {}
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = started.elapsed();
    let seen = std::mem::take(&mut *seen.lock().unwrap());
    assert!(
        seen.failures.is_empty(),
        "{} failed writes (statuses {:?}), first: {}",
        seen.failures.len(),
        seen.statuses,
        seen.failures[0]
    );
    eprintln!("{} writes in {elapsed:?}", CLIENTS * OPS);

    // Nothing lost, nothing doubled.
    let mut created = seen.created.clone();
    created.sort();
    created.dedup();
    assert_eq!(created.len(), seen.created.len(), "duplicate ids");
    let items = all_items(&app, &p).await;
    assert_eq!(items.len(), SEEDED as usize + created.len());
    assert_dense_positions(&app, pid).await;

    let mut total_logged = 0.0;
    for w in &items {
        let id = w["workItemId"].as_i64().unwrap();
        let wi = format!("{p}/workitems/{id}");
        let logged = seen.logs.get(&id).copied().unwrap_or(0.0);
        total_logged += logged;
        assert_eq!(w["loggedCost"].as_f64().unwrap(), logged, "item {id}");
        let logs = app.get(&format!("{wi}/worklogs")).await.expect(200);
        let sum: f64 = logs
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["value"].as_f64().unwrap())
            .sum();
        assert_eq!(sum, logged, "item {id}: work logs");
        let comments = app.get(&format!("{wi}/comments")).await.expect(200);
        assert_eq!(
            comments["totalCount"].as_u64().unwrap() as usize,
            seen.comments.get(&id).copied().unwrap_or(0),
            "item {id}: comments"
        );
        let subs = app.get(&format!("{wi}/subtasks")).await.expect(200);
        assert_eq!(subs.as_array().unwrap().len(), 2, "item {id}: sub-tasks");
    }
    let m = app.get(&format!("{p}/metrics")).await.expect(200);
    assert_eq!(m["loggedCost"].as_f64().unwrap(), total_logged);
    assert_eq!(m["estimatedCost"].as_f64().unwrap(), items.len() as f64);
    assert_eq!(
        m["openWorkItems"].as_u64().unwrap() + m["closedWorkItems"].as_u64().unwrap(),
        items.len() as u64
    );
}

/// Writes that commit together (SQLite's group commit) stay independent: among concurrent
/// creates, the refused ones leave nothing and every accepted one is there, with its reply.
#[tokio::test]
async fn concurrent_writes_fail_and_succeed_alone() {
    let app = Arc::new(spawn_app().await);
    let pid = app.project("Game").await;
    let mut tasks = Vec::new();
    for i in 0..60 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            // Every fifth names a board that does not exist.
            let board = if i % 5 == 0 { 999 } else { 0 };
            let r = app
                .post(
                    &format!("/v0/projects/{pid}/workitems"),
                    json!({"title": format!("Task {i}"), "importanceLevelId": 1, "boardId": board}),
                )
                .await;
            (i, r.status.as_u16(), r.text)
        }));
    }
    let mut created = Vec::new();
    for t in tasks {
        let (i, status, text) = t.await.unwrap();
        if i % 5 == 0 {
            assert_eq!(status, 400, "task {i}: {text}");
        } else {
            assert_eq!(status, 200, "task {i}: {text}");
            let v: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(v["title"], format!("Task {i}"));
            created.push(v["workItemId"].as_i64().unwrap());
        }
    }
    let list = app
        .get(&format!("/v0/projects/{pid}/workitems?limit=100"))
        .await
        .expect(200);
    assert_eq!(list["totalCount"], 48);
    let mut listed: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["workItemId"].as_i64().unwrap())
        .collect();
    listed.sort_unstable();
    created.sort_unstable();
    assert_eq!(listed, created);
    assert!(
        !list.to_string().contains("\"Task 0\""),
        "a refused create left a row"
    );
}
