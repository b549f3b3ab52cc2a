//! Crash safety: the real binary under concurrent writers is SIGKILLed mid-load and restarted on
//! the same data. Every write that was acknowledged (2xx received) is there, and nothing is
//! half-written: each item has all the sub-tasks and tags its create request carried, its
//! logged cost is the sum of its work logs, and positions are dense.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{OWNER_KEY, fresh_pg_database};

/// Starts `questlog serve` on the data; returns the process and its base URL.
fn start(data_dir: &std::path::Path, url: Option<&str>) -> (Child, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_questlog"));
    c.args(["serve", "--listen", "127.0.0.1:0"])
        .env("QUESTLOG_DATA_DIR", data_dir)
        .env("QUESTLOG_BOOTSTRAP_API_KEY", OWNER_KEY)
        .env("QUESTLOG_LOG_LEVEL", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    match url {
        Some(u) => c.env("QUESTLOG_DATABASE_URL", u),
        None => c.env_remove("QUESTLOG_DATABASE_URL"),
    };
    let mut child = c.spawn().expect("questlog starts");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("questlog exited before listening")
            .unwrap();
        if let Some(at) = line.find("listening on http://") {
            let rest = &line[at + "listening on ".len()..];
            break rest.split([',', ' ']).next().unwrap().to_string();
        }
    };
    // Keep draining the log so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, base)
}

#[derive(Default)]
struct Acked {
    /// Item → (last acknowledged title, title of a PATCH in flight when the server died).
    titles: HashMap<i64, (String, Option<String>)>,
    comments: Vec<(i64, i64)>,
    logs: Vec<(i64, i64)>,
}

async fn writer(
    w: usize,
    base: String,
    client: reqwest::Client,
    acked: Arc<Mutex<Acked>>,
) -> usize {
    let p = format!("{base}/v0/projects/1/workitems");
    let send = |m: reqwest::Method, url: String, body: Value| {
        client
            .request(m, url)
            .header("Authorization", format!("ApiKey {OWNER_KEY}"))
            .json(&body)
            .send()
    };
    let ok = |r: &reqwest::Response| r.status().is_success();
    let mut writes = 0;
    for k in 0.. {
        let title = format!("w{w} k{k}");
        let board = if k % 2 == 0 { json!(1) } else { Value::Null };
        let Ok(r) = send(
            reqwest::Method::POST,
            p.clone(),
            json!({"title": title, "importanceLevelId": 3, "estimatedCost": 2,
                   "boardId": board, "tagIds": [1], "subTasks": ["a", "b", "c"]}),
        )
        .await
        else {
            return writes;
        };
        assert!(ok(&r), "create: {}", r.status());
        let Ok(v) = r.json::<Value>().await else {
            return writes;
        };
        let id = v["workItemId"].as_i64().unwrap();
        acked
            .lock()
            .unwrap()
            .titles
            .insert(id, (title.clone(), None));
        writes += 1;
        for j in 0..3 {
            let new = format!("{title} r{j}");
            acked.lock().unwrap().titles.get_mut(&id).unwrap().1 = Some(new.clone());
            let Ok(r) = send(
                reqwest::Method::PATCH,
                format!("{p}/{id}"),
                json!({"title": new, "stageId": 1 + j}),
            )
            .await
            else {
                return writes;
            };
            assert!(ok(&r), "patch: {}", r.status());
            acked.lock().unwrap().titles.insert(id, (new, None));
            let Ok(r) = send(
                reqwest::Method::POST,
                format!("{p}/{id}/comments"),
                json!(format!("c{j}")),
            )
            .await
            else {
                return writes;
            };
            assert!(ok(&r), "comment: {}", r.status());
            let Ok(c) = r.json::<Value>().await else {
                return writes;
            };
            acked
                .lock()
                .unwrap()
                .comments
                .push((id, c["commentId"].as_i64().unwrap()));
            let Ok(r) = send(
                reqwest::Method::POST,
                format!("{p}/{id}/worklogs"),
                json!({"value": 1}),
            )
            .await
            else {
                return writes;
            };
            assert!(ok(&r), "work log: {}", r.status());
            let Ok(l) = r.json::<Value>().await else {
                return writes;
            };
            acked
                .lock()
                .unwrap()
                .logs
                .push((id, l["workLogId"].as_i64().unwrap()));
            writes += 3;
        }
    }
    writes
}

async fn get(client: &reqwest::Client, url: String) -> Value {
    let r = client
        .get(&url)
        .header("Authorization", format!("ApiKey {OWNER_KEY}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "GET {url}");
    r.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let url = match std::env::var("QUESTLOG_TEST_DATABASE_URL") {
        Ok(s) if !s.is_empty() => Some(fresh_pg_database(&s).await),
        _ => None,
    };
    let (mut child, base) = start(dir.path(), url.as_deref());
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let auth = format!("ApiKey {OWNER_KEY}");
    for (path, body) in [
        (
            "/v0/projects",
            json!({"name": "Crashy", "costMetric": "hours"}),
        ),
        ("/v0/projects/1/boards", json!({"name": "Sprint"})),
        ("/v0/projects/1/tags", json!({"name": "bug"})),
    ] {
        let r = client
            .post(format!("{base}{path}"))
            .header("Authorization", &auth)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 201, "{path}");
    }

    let acked = Arc::new(Mutex::new(Acked::default()));
    let writers: Vec<_> = (0..16)
        .map(|w| tokio::spawn(writer(w, base.clone(), client.clone(), acked.clone())))
        .collect();
    // Kill mid-load: once enough writes are acknowledged (however slow the machine is).
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        let done = {
            let a = acked.lock().unwrap();
            a.titles.len() + a.comments.len() + a.logs.len()
        };
        if done >= 100 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap(); // SIGKILL: no shutdown, no flush
    child.wait().unwrap();
    let mut writes = 0;
    for w in writers {
        writes += w.await.unwrap();
    }
    assert!(writes > 20, "the load ran ({writes} writes)");

    let (mut child, base) = start(dir.path(), url.as_deref());
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    let p = format!("{base}/v0/projects/1");
    let mut items = Vec::new();
    loop {
        let page = get(
            &client,
            format!("{p}/workitems?limit=100&offset={}", items.len()),
        )
        .await;
        let got = page["items"].as_array().unwrap().clone();
        if got.is_empty() {
            break;
        }
        items.extend(got);
    }
    let by_id: HashMap<i64, &Value> = items
        .iter()
        .map(|w| (w["workItemId"].as_i64().unwrap(), w))
        .collect();

    for (id, (title, pending)) in &acked.titles {
        let w = by_id
            .get(id)
            .unwrap_or_else(|| panic!("acknowledged item {id} lost"));
        let t = w["title"].as_str().unwrap();
        assert!(
            t == title || Some(t) == pending.as_deref(),
            "item {id}: title {t:?}, acknowledged {title:?}"
        );
    }
    let mut positions: BTreeMap<Option<i64>, Vec<i64>> = BTreeMap::new();
    let mut comments: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut logs: HashMap<i64, Vec<i64>> = HashMap::new();
    for w in &items {
        let id = w["workItemId"].as_i64().unwrap();
        positions
            .entry(w["board"]["boardId"].as_i64())
            .or_default()
            .push(w["boardIndex"].as_i64().unwrap());
        // Whole or absent: a created item has everything its request carried.
        assert_eq!(w["estimatedCost"], 2, "item {id}");
        assert_eq!(w["tags"].as_array().unwrap().len(), 1, "item {id}: tags");
        let subs = get(&client, format!("{p}/workitems/{id}/subtasks")).await;
        assert_eq!(subs.as_array().unwrap().len(), 3, "item {id}: sub-tasks");
        let wl = get(&client, format!("{p}/workitems/{id}/worklogs")).await;
        let wl = wl.as_array().unwrap();
        let sum: f64 = wl.iter().map(|l| l["value"].as_f64().unwrap()).sum();
        assert_eq!(w["loggedCost"].as_f64().unwrap(), sum, "item {id}");
        logs.insert(
            id,
            wl.iter()
                .map(|l| l["workLogId"].as_i64().unwrap())
                .collect(),
        );
        let cs = get(&client, format!("{p}/workitems/{id}/comments?limit=100")).await;
        comments.insert(
            id,
            cs["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["commentId"].as_i64().unwrap())
                .collect(),
        );
    }
    for (item, c) in &acked.comments {
        assert!(comments[item].contains(c), "acknowledged comment {c} lost");
    }
    for (item, l) in &acked.logs {
        assert!(logs[item].contains(l), "acknowledged work log {l} lost");
    }
    for (board, mut idx) in positions {
        idx.sort();
        assert_eq!(
            idx,
            (0..idx.len() as i64).collect::<Vec<_>>(),
            "board {board:?}"
        );
    }
    let m = get(&client, format!("{p}/metrics")).await;
    assert_eq!(m["totalWorkItems"], items.len());
    assert_eq!(
        m["estimatedCost"].as_f64().unwrap(),
        2.0 * items.len() as f64
    );

    // And it carries on.
    let r = client
        .post(format!("{p}/workitems"))
        .header("Authorization", &auth)
        .json(&json!({"title": "After the crash", "importanceLevelId": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}
