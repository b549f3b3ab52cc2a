//! A real webhook receiver on 127.0.0.1:0: records every request (method, headers, body, in
//! arrival order) and answers 200, or, on demand, 500 or after a sleep.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct Hit {
    pub method: String,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Hit {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the body is JSON")
    }
    pub fn event(&self) -> String {
        self.header("x-hacknplan-event").unwrap_or_default()
    }
}

/// What to answer to the next requests (consumed in order; then 200).
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    Status(u16),
    Sleep(Duration),
}

#[derive(Default)]
struct Inner {
    hits: Vec<Hit>,
    script: VecDeque<Answer>,
}

#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    inner: Arc<Mutex<Inner>>,
    _stop: Arc<tokio::sync::oneshot::Sender<()>>,
}

async fn handle(
    State(inner): State<Arc<Mutex<Inner>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let answer = {
        let mut g = inner.lock().unwrap();
        g.hits.push(Hit {
            method: method.to_string(),
            path: uri.path().to_string(),
            headers,
            body,
        });
        g.script.pop_front()
    };
    match answer {
        Some(Answer::Status(s)) => StatusCode::from_u16(s).unwrap(),
        Some(Answer::Sleep(d)) => {
            tokio::time::sleep(d).await;
            StatusCode::OK
        }
        None => StatusCode::OK,
    }
}

impl Receiver {
    pub async fn start() -> Receiver {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Receiver {
            url: format!("http://{addr}/hook"),
            inner,
            _stop: Arc::new(tx),
        }
    }

    /// Answers the next requests as scripted, in order.
    pub fn script(&self, answers: &[Answer]) {
        self.inner
            .lock()
            .unwrap()
            .script
            .extend(answers.iter().copied());
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.inner.lock().unwrap().hits.clone()
    }

    /// Waits until at least `n` requests arrived (panics after `timeout`).
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Hit> {
        let end = tokio::time::Instant::now() + timeout;
        loop {
            let hits = self.hits();
            if hits.len() >= n {
                return hits;
            }
            if tokio::time::Instant::now() > end {
                panic!(
                    "expected {n} webhook requests, got {}: {:?}",
                    hits.len(),
                    hits.iter().map(|h| h.event()).collect::<Vec<_>>()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Asserts that no more than `n` requests arrive within `d`.
    pub async fn quiet(&self, n: usize, d: Duration) -> Vec<Hit> {
        tokio::time::sleep(d).await;
        let hits = self.hits();
        assert_eq!(
            hits.len(),
            n,
            "unexpected webhook requests: {:?}",
            hits.iter()
                .map(|h| (h.event(), String::from_utf8_lossy(&h.body).to_string()))
                .collect::<Vec<_>>()
        );
        hits
    }
}
