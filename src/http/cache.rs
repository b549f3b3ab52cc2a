//! Whole GET replies of the API, kept while nothing could have changed them.
//!
//! A board, a filtered list or a project's metrics are read far more often than they change;
//! building one runs statements and serialises dozens of nested objects. Here a 200 reply is
//! kept under (user, key scopes, `Host`, path and query) and served again while:
//! - the data epoch (`store::epoch`) is the one read before the reply was built: any write that
//!   commits in this process moves it on at once, writes of other processes (the CLI, other
//!   servers on the same PostgreSQL) a few milliseconds after they commit; and
//! - the reply is younger than `MAX_AGE`, for the few replies that depend on the clock as well
//!   (project metrics' seven-day variations).
//!
//! Permissions are data, so a change to them moves the epoch too; the key itself is checked
//! on every request before the cache is looked at (a revoked key fails as it always did).
//! Errors, non-JSON replies (downloads) and replies over `MAX_ENTRY` are never kept.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::HttpBody as _;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};

use super::AppState;
use super::auth::{self, Auth};

/// The oldest reply served from the cache.
const MAX_AGE: Duration = Duration::from_secs(1);

/// The largest reply kept.
const MAX_ENTRY: u64 = 256 * 1024;

pub struct ReplyCache {
    /// Bytes of reply bodies kept at most; 0 turns the cache off.
    budget: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// The epoch every entry was built at (entries of older epochs are dropped together).
    epoch: u64,
    bytes: usize,
    map: HashMap<String, Entry>,
    /// Keys, oldest first.
    order: VecDeque<String>,
}

struct Entry {
    headers: HeaderMap,
    body: Bytes,
    at: Instant,
}

impl ReplyCache {
    pub fn new(budget: usize) -> ReplyCache {
        ReplyCache {
            budget,
            inner: Mutex::default(),
        }
    }

    fn get(&self, key: &str, epoch: u64) -> Option<(HeaderMap, Bytes)> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if inner.epoch != epoch {
            return None;
        }
        let e = inner.map.get(key)?;
        (e.at.elapsed() < MAX_AGE).then(|| (e.headers.clone(), e.body.clone()))
    }

    /// Keeps a reply built from a snapshot at least as new as `epoch`, unless the epoch has
    /// moved on meanwhile (the reply may already be stale). Over budget, the oldest entries go
    /// first (they are also the first to outlive `MAX_AGE`).
    fn put(&self, key: String, epoch: u64, headers: HeaderMap, body: Bytes) {
        let size = body.len() + key.len();
        if size > self.budget {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if epoch > inner.epoch {
            inner.map.clear();
            inner.order.clear();
            inner.bytes = 0;
            inner.epoch = epoch;
        } else if epoch < inner.epoch {
            return;
        }
        if let Some(old) = inner.map.remove(&key) {
            inner.bytes -= old.body.len() + key.len();
        }
        while inner.bytes + size > self.budget {
            let Some(oldest) = inner.order.pop_front() else {
                break;
            };
            // (A key replaced since it was queued goes a little early; harmless.)
            if let Some(e) = inner.map.remove(&oldest) {
                inner.bytes -= e.body.len() + oldest.len();
            }
        }
        // Replaced keys leave stale places in the queue: rebuild it before it grows far
        // beyond the map.
        if inner.order.len() > 2 * inner.map.len() + 64 {
            let mut keys: Vec<(Instant, String)> =
                inner.map.iter().map(|(k, e)| (e.at, k.clone())).collect();
            keys.sort_unstable();
            inner.order = keys.into_iter().map(|(_, k)| k).collect();
        }
        inner.order.push_back(key.clone());
        inner.bytes += size;
        inner.map.insert(
            key,
            Entry {
                headers,
                body,
                at: Instant::now(),
            },
        );
    }
}

/// The middleware: serves a kept reply, or builds it and keeps it.
pub async fn reply_cache(State(s): State<AppState>, mut req: Request, next: Next) -> Response {
    if s.reply_cache.budget == 0
        || req.method() != Method::GET
        || !req.uri().path().starts_with("/v0/")
    {
        return next.run(req).await;
    }
    let Some(epoch) = s.db.epoch() else {
        return next.run(req).await;
    };
    let Some(header) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return next.run(req).await;
    };
    // A key that fails here fails again in the handler, which gives the API's reply.
    let Ok(actor) = auth::authenticate(&s, header).await else {
        return next.run(req).await;
    };
    let host = req
        .headers()
        .get(header::HOST)
        .map(|h| String::from_utf8_lossy(h.as_bytes()).into_owned())
        .unwrap_or_default();
    let key = format!(
        "{}\u{0}{:?}\u{0}{host}\u{0}{}",
        actor.user_id,
        actor.scopes,
        req.uri()
    );
    if let Some((headers, body)) = s.reply_cache.get(&key, epoch) {
        let mut res = Response::new(Body::from(body));
        *res.headers_mut() = headers;
        return res;
    }
    // The handler's extractor takes the caller from here instead of looking the key up again.
    req.extensions_mut().insert::<Auth>(actor);
    let res = next.run(req).await;
    let json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let small = res
        .body()
        .size_hint()
        .exact()
        .is_some_and(|n| n <= MAX_ENTRY);
    if res.status() != StatusCode::OK || !json || !small {
        return res;
    }
    let (parts, body) = res.into_parts();
    // The body is in memory already (its exact size is known and small).
    match axum::body::to_bytes(body, MAX_ENTRY as usize).await {
        Ok(bytes) => {
            s.reply_cache
                .put(key, epoch, parts.headers.clone(), bytes.clone());
            Response::from_parts(parts, Body::from(bytes))
        }
        Err(_) => super::error::ApiError::Internal("a reply body failed".into()).into_response(),
    }
}
