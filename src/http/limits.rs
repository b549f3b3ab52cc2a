//! Per-client-IP rate limiting (BEHAVIOUR.md §2): a token bucket per address.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::ApiError;

pub struct RateLimiter {
    per_second: Option<f64>,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl RateLimiter {
    pub fn new(per_second: Option<f64>) -> Self {
        RateLimiter {
            per_second: per_second.filter(|r| *r > 0.0),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `ip`; `Err(seconds)` says how long until one is free.
    fn take(&self, ip: IpAddr) -> Result<(), u64> {
        let Some(rate) = self.per_second else {
            return Ok(());
        };
        let burst = rate.max(1.0);
        let now = Instant::now();
        let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            // Forget idle clients so the table cannot grow without bound.
            map.retain(|_, (_, t)| now.duration_since(*t).as_secs_f64() < 60.0);
        }
        let (tokens, last) = map.entry(ip).or_insert((burst, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * rate).min(burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / rate).ceil().max(1.0) as u64)
        }
    }
}

pub async fn rate_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if let Some(ConnectInfo(addr)) = req.extensions().get::<ConnectInfo<SocketAddr>>()
        && let Err(retry_after_secs) = state.limiter.take(addr.ip())
    {
        return ApiError::TooManyRequests { retry_after_secs }.into_response();
    }
    next.run(req).await
}

/// Bounds a request's handling, reading its body included: past `--request-timeout` the handler
/// is dropped (its transaction rolls back) and the client gets a 503 in the API's error shape.
pub async fn request_timeout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // An upload's body may take longer to arrive than any other request's.
    let limit =
        if req.method() == axum::http::Method::POST && req.uri().path().ends_with("/attachments") {
            state.settings.upload_timeout
        } else {
            state.settings.request_timeout
        };
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::Timeout.into_response(),
    }
}
