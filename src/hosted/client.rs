//! The HTTP side of `questlog import hacknplan`: a polite client for a v0 API.
//!
//! Every request waits for a token of a bucket refilled at `--rate` per second (burst of one, so
//! requests are evenly spaced and a limit like the hosted 5/s is never hit in a burst). A 429 is
//! waited out for its `Retry-After` (seconds or an HTTP date); a 5xx, a connection error or a
//! timeout is retried with exponential backoff and jitter, a bounded number of times. Replies
//! go through the crawl's cache (`state.rs`), so a rerun after a kill fetches only the rest.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use rand::Rng;
use reqwest::StatusCode;
use serde_json::Value;

use super::state::Cache;

/// Tries for one request (5xx, connection errors, timeouts), the first one included.
const TRIES: u32 = 6;
/// 429s waited out for one request before giving up.
const MAX_429: u32 = 30;
const TIMEOUT: Duration = Duration::from_secs(60);

/// What the client did, for the summary.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    /// Requests sent that were answered (retries included).
    pub requests: u64,
    /// Replies taken from the cache of an earlier, interrupted run.
    pub cached: u64,
    pub throttled: u64,
    pub retried: u64,
}

pub struct Client {
    http: reqwest::Client,
    base: String,
    key: String,
    interval: Duration,
    next: Instant,
    cache: Cache,
    pub counts: Counts,
}

/// A downloaded file: its bytes are in the cache at `path`.
pub struct Download {
    pub path: std::path::PathBuf,
    pub content_type: String,
}

impl Client {
    pub fn new(base: &str, key: &str, rate: f64, cache: Cache) -> anyhow::Result<Client> {
        if !(rate > 0.0 && rate.is_finite()) {
            bail!("--rate must be a positive number of requests per second");
        }
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(15))
            .redirect(reqwest::redirect::Policy::limited(5))
            .user_agent(concat!("questlog-import/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Client {
            http,
            base: base.trim_end_matches('/').to_string(),
            key: key.to_string(),
            interval: Duration::from_secs_f64(1.0 / rate),
            next: Instant::now(),
            cache,
            counts: Counts::default(),
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// GET `path` (relative to the base URL, query included) as JSON.
    pub async fn get(&mut self, path: &str) -> anyhow::Result<Value> {
        let url = format!("{}{path}", self.base);
        if let Some(body) = self.cache.reply(&url)? {
            self.counts.cached += 1;
            return serde_json::from_slice(&body)
                .with_context(|| format!("the cached reply of {url} is not JSON"));
        }
        let (body, _) = self.fetch(&url, true).await?;
        let v: Value = serde_json::from_slice(&body)
            .with_context(|| format!("GET {url}: the reply is not JSON"))?;
        self.cache.save_reply(&url, &body)?;
        Ok(v)
    }

    /// GET `path`, or None (with the reason) when the server refuses it with a 403 (a closed
    /// project's admin lists, a role without the right): the crawl goes on without it.
    pub async fn get_opt(&mut self, path: &str) -> anyhow::Result<Result<Value, String>> {
        match self.get(path).await {
            Ok(v) => Ok(Ok(v)),
            Err(e) => match e.downcast_ref::<Refused>() {
                Some(r) if r.status == 403 => Ok(Err(r.message.clone())),
                _ => Err(e),
            },
        }
    }

    /// Downloads a file (an absolute URL from a file object) into the cache.
    pub async fn download(&mut self, url: &str) -> anyhow::Result<Download> {
        if let Some((path, content_type)) = self.cache.download(url)? {
            self.counts.cached += 1;
            return Ok(Download { path, content_type });
        }
        // The key goes only to the API's own origin: a file link may point at another host.
        let same_origin = origin(url) == origin(&self.base);
        let (body, content_type) = self.fetch(url, same_origin).await?;
        let path = self.cache.save_download(url, &body, &content_type)?;
        Ok(Download { path, content_type })
    }

    /// Waits for a token of the bucket.
    async fn token(&mut self) {
        let now = Instant::now();
        if self.next > now {
            tokio::time::sleep(self.next - now).await;
        }
        self.next = Instant::now().max(self.next) + self.interval;
    }

    /// One GET with the retry policy; returns the body and its content type.
    async fn fetch(&mut self, url: &str, auth: bool) -> anyhow::Result<(Vec<u8>, String)> {
        let (mut failures, mut throttled) = (0u32, 0u32);
        loop {
            self.token().await;
            let mut req = self.http.get(url);
            if auth {
                req = req.header("Authorization", format!("ApiKey {}", self.key));
            }
            let why = match req.send().await {
                Ok(r) => {
                    self.counts.requests += 1;
                    let status = r.status();
                    if status.is_success() {
                        let ct = r
                            .headers()
                            .get(reqwest::header::CONTENT_TYPE)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("application/octet-stream")
                            .to_string();
                        match r.bytes().await {
                            Ok(b) => return Ok((b.to_vec(), ct)),
                            Err(e) => format!("the reply broke off ({e})"),
                        }
                    } else if status == StatusCode::TOO_MANY_REQUESTS {
                        throttled += 1;
                        self.counts.throttled += 1;
                        if throttled > MAX_429 {
                            bail!("GET {url}: still 429 Too Many Requests after {MAX_429} waits");
                        }
                        let wait = retry_after(r.headers()).unwrap_or(Duration::from_secs(1));
                        tracing::debug!(url, ?wait, "429: waiting");
                        // The server's window: no request of ours before it is over.
                        self.next = self.next.max(Instant::now() + wait);
                        continue;
                    } else if status.is_server_error() {
                        format!("{status}")
                    } else {
                        let text = r.text().await.unwrap_or_default();
                        let hint = match status.as_u16() {
                            401 => " (is the API key right?)",
                            403 => " (the key may not read this)",
                            _ => "",
                        };
                        return Err(Refused {
                            status: status.as_u16(),
                            message: format!(
                                "GET {url}: {status}{hint} {}",
                                text.chars().take(300).collect::<String>()
                            ),
                        }
                        .into());
                    }
                }
                Err(e) if e.is_timeout() => "timed out".to_string(),
                Err(e) => format!("{e}"),
            };
            failures += 1;
            if failures >= TRIES {
                bail!("GET {url}: {why}; gave up after {TRIES} tries");
            }
            self.counts.retried += 1;
            let backoff =
                Duration::from_millis(250 * 2u64.pow(failures - 1)).min(Duration::from_secs(20));
            let jitter = rand::rng().random_range(0.5..1.5);
            let wait = backoff.mul_f64(jitter);
            tracing::warn!(url, why, ?wait, "retrying");
            tokio::time::sleep(wait).await;
        }
    }
}

/// A 4xx reply (other than 429): the key may not read this.
#[derive(Debug)]
pub struct Refused {
    pub status: u16,
    pub message: String,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Refused {}

/// `Retry-After`: delta seconds or an HTTP date.
pub fn retry_after(h: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = h.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(s) = v.parse::<f64>() {
        return (s >= 0.0 && s.is_finite()).then(|| Duration::from_secs_f64(s.min(600.0)));
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let ms = (at.with_timezone(&chrono::Utc) - chrono::Utc::now())
        .num_milliseconds()
        .clamp(0, 600_000);
    Some(Duration::from_millis(ms as u64))
}

/// `scheme://host:port` of a URL.
fn origin(url: &str) -> Option<String> {
    let u = reqwest::Url::parse(url).ok()?;
    Some(format!(
        "{}://{}:{}",
        u.scheme(),
        u.host_str()?,
        u.port_or_known_default()?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A loopback server answering each connection with the next canned reply (then closing it).
    async fn canned(
        replies: Vec<String>,
    ) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/v0", l.local_addr().unwrap());
        let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let seen = hits.clone();
        tokio::spawn(async move {
            for r in replies {
                let (mut s, _) = l.accept().await.unwrap();
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let _ = s.write_all(r.as_bytes()).await;
                let _ = s.shutdown().await;
            }
        });
        (base, hits)
    }

    fn reply(status: &str, headers: &str, body: &str) -> String {
        format!(
            "HTTP/1.1 {status}\r\nConnection: close\r\nContent-Length: {}\r\n{headers}\r\n{body}",
            body.len()
        )
    }

    #[tokio::test]
    async fn retries_5xx_and_waits_out_429() {
        let dir = tempfile::tempdir().unwrap();
        let soon = (chrono::Utc::now() + chrono::Duration::seconds(1))
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        let (base, hits) = canned(vec![
            reply("503 Service Unavailable", "", ""),
            reply(
                "429 Too Many Requests",
                &format!("Retry-After: {soon}\r\n"),
                "",
            ),
            reply("500 Internal Server Error", "", ""),
            reply("200 OK", "Content-Type: application/json\r\n", "{\"id\":1}"),
        ])
        .await;
        let cache = Cache::open(dir.path(), &base).unwrap();
        let mut c = Client::new(&base, "k", 50.0, cache).unwrap();
        let v = c.get("/users/me").await.unwrap();
        assert_eq!(v["id"], 1);
        assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 4);
        assert_eq!((c.counts.retried, c.counts.throttled), (2, 1));
        // Cached now: no request.
        let v = c.get("/users/me").await.unwrap();
        assert_eq!(v["id"], 1);
        assert_eq!(c.counts.cached, 1);
    }

    #[tokio::test]
    async fn gives_up_naming_the_url() {
        let dir = tempfile::tempdir().unwrap();
        let (base, _) = canned(vec![reply("502 Bad Gateway", "", ""); TRIES as usize]).await;
        let cache = Cache::open(dir.path(), &base).unwrap();
        let mut c = Client::new(&base, "k", 50.0, cache).unwrap();
        let e = c.get("/workspaces").await.unwrap_err().to_string();
        assert!(e.contains(&format!("GET {base}/workspaces: 502")), "{e}");
        assert!(e.contains("gave up after 6 tries"), "{e}");
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("retry-after", "2".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
        let later = chrono::Utc::now() + chrono::Duration::seconds(30);
        let date = later.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        h.insert("retry-after", date.parse().unwrap());
        let d = retry_after(&h).unwrap();
        assert!(
            d > Duration::from_secs(25) && d <= Duration::from_secs(30),
            "{d:?}"
        );
        h.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }
}
