//! Transport limits over raw TCP on loopback: header, idle and request timeouts, the connection
//! cap, and bounded graceful shutdown. Timeouts are ~1 s so the module stays quick.

use std::net::SocketAddr;
use std::time::Duration;

use questlog::http::HttpSettings;
use questlog::store::accounts;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::helpers::{OWNER_KEY, fresh_pg_database};

/// A server whose shutdown and exit the test controls.
struct Server {
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<anyhow::Result<()>>,
    _dir: tempfile::TempDir,
}

async fn start(settings: HttpSettings) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let url = match std::env::var("QUESTLOG_TEST_DATABASE_URL") {
        Ok(server) if !server.is_empty() => fresh_pg_database(&server).await,
        _ => format!("sqlite://{}", dir.path().join("test.db").display()),
    };
    let app = questlog::App::build(&url, "127.0.0.1:0", settings, 4)
        .await
        .unwrap();
    accounts::bootstrap(app.db(), Some(OWNER_KEY))
        .await
        .unwrap();
    let addr = app.local_addr();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let done = tokio::spawn(app.run(async {
        let _ = rx.await;
    }));
    Server {
        addr,
        shutdown: Some(tx),
        done,
        _dir: dir,
    }
}

impl Server {
    async fn connect(&self) -> TcpStream {
        TcpStream::connect(self.addr).await.unwrap()
    }
    fn stop(&mut self) {
        let _ = self.shutdown.take().unwrap().send(());
    }
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

const HEALTH: &str = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";
const HALF_HEADER: &str = "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: ";

struct Raw {
    status: u16,
    /// The header block, lowercased.
    head: String,
    body: String,
}

impl Raw {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// Reads one response (headers, then `Content-Length` bytes) off a kept-alive connection.
async fn read_response(s: &mut TcpStream) -> Raw {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = tokio::time::timeout(secs(10.0), s.read(&mut chunk))
            .await
            .expect("a response within 10 s")
            .expect("read");
        assert!(
            n > 0,
            "closed before a response; got {:?}",
            String::from_utf8_lossy(&buf)
        );
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
    let status = head[9..12].parse().unwrap();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map(|v| v.trim().parse().unwrap())
        .unwrap_or(0);
    while buf.len() < end + len {
        let n = s.read(&mut chunk).await.unwrap();
        assert!(n > 0, "closed inside a body");
        buf.extend_from_slice(&chunk[..n]);
    }
    Raw {
        status,
        head,
        body: String::from_utf8_lossy(&buf[end..end + len]).into_owned(),
    }
}

/// Waits (at most `max`) for the server to close the connection; returns when it did.
async fn closed(s: &mut TcpStream, max: Duration) -> Instant {
    let mut chunk = [0u8; 1024];
    tokio::time::timeout(max, async {
        loop {
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return Instant::now(),
                Ok(_) => {}
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("the server kept the connection open for {max:?}"))
}

async fn health_on(s: &mut TcpStream) {
    s.write_all(HEALTH.as_bytes()).await.unwrap();
    let r = read_response(s).await;
    assert_eq!(r.status, 200, "{}", r.head);
    assert_eq!(r.json(), serde_json::json!({"status": "ok"}));
}

async fn health_via_reqwest(addr: SocketAddr) -> Value {
    let r = reqwest::Client::new()
        .get(format!("http://{addr}/healthz"))
        .timeout(secs(10.0))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

#[track_caller]
fn assert_between(elapsed: Duration, lo: f64, hi: f64, what: &str) {
    assert!(
        elapsed >= secs(lo) && elapsed <= secs(hi),
        "{what}: {elapsed:?} not within {lo}..{hi} s"
    );
}

#[tokio::test]
async fn half_sent_headers_are_cut_off_after_the_header_timeout() {
    let srv = start(HttpSettings {
        header_timeout: secs(1.0),
        idle_timeout: secs(30.0),
        ..Default::default()
    })
    .await;
    let t0 = Instant::now();
    // Silent after connecting; half a header; a header trickled one byte every 100 ms.
    let mut silent = srv.connect().await;
    let mut half = srv.connect().await;
    half.write_all(HALF_HEADER.as_bytes()).await.unwrap();
    let mut drip = srv.connect().await;
    let (mut drip_r, mut drip_w) = drip.split();
    let dripping = async {
        drip_w.write_all(HALF_HEADER.as_bytes()).await.unwrap();
        for _ in 0..50 {
            if drip_w.write_all(b"x").await.is_err() {
                break;
            }
            tokio::time::sleep(secs(0.1)).await;
        }
    };
    let (_, drip_closed) = tokio::join!(dripping, closed_half(&mut drip_r));
    assert_between(drip_closed - t0, 0.8, 2.5, "trickled header");
    assert_between(
        closed(&mut silent, secs(3.0)).await - t0,
        0.8,
        2.5,
        "silent",
    );
    assert_between(
        closed(&mut half, secs(3.0)).await - t0,
        0.8,
        2.5,
        "half header",
    );

    // On a kept-alive connection the clock restarts with the next request's first byte:
    // the idle timeout (30 s) does not shelter a half-sent second request.
    let mut kept = srv.connect().await;
    health_on(&mut kept).await;
    tokio::time::sleep(secs(0.5)).await;
    health_on(&mut kept).await;
    let t1 = Instant::now();
    kept.write_all(HALF_HEADER.as_bytes()).await.unwrap();
    assert_between(
        closed(&mut kept, secs(3.0)).await - t1,
        0.8,
        2.5,
        "second request",
    );

    // The server still answers.
    assert_eq!(health_via_reqwest(srv.addr).await["status"], "ok");
}

async fn closed_half(r: &mut tokio::net::tcp::ReadHalf<'_>) -> Instant {
    let mut chunk = [0u8; 1024];
    tokio::time::timeout(secs(4.0), async {
        loop {
            match r.read(&mut chunk).await {
                Ok(0) | Err(_) => return Instant::now(),
                Ok(_) => {}
            }
        }
    })
    .await
    .expect("the trickling connection was closed")
}

#[tokio::test]
async fn idle_keep_alive_connections_close_after_the_idle_timeout() {
    let srv = start(HttpSettings {
        header_timeout: secs(5.0),
        idle_timeout: secs(1.0),
        ..Default::default()
    })
    .await;
    let mut kept = srv.connect().await;
    health_on(&mut kept).await;
    // Within the idle timeout the connection is reused.
    tokio::time::sleep(secs(0.6)).await;
    health_on(&mut kept).await;
    let t0 = Instant::now();
    // Closed by the idle timeout (1 s), well before the header timeout (5 s).
    assert_between(closed(&mut kept, secs(4.0)).await - t0, 0.8, 2.5, "idle");
}

#[tokio::test]
async fn a_request_whose_body_never_arrives_gets_503_after_the_request_timeout() {
    let srv = start(HttpSettings {
        request_timeout: secs(1.0),
        header_timeout: secs(30.0),
        idle_timeout: secs(30.0),
        ..Default::default()
    })
    .await;
    let mut s = srv.connect().await;
    let t0 = Instant::now();
    s.write_all(post_project_head(100).as_bytes())
        .await
        .unwrap();
    s.write_all(b"{\"name\": ").await.unwrap();
    let r = read_response(&mut s).await;
    assert_eq!(r.status, 503, "{}", r.head);
    assert_eq!(
        r.json(),
        serde_json::json!({"message": "The request took too long and was abandoned."})
    );
    assert_between(t0.elapsed(), 0.8, 2.5, "request timeout");
}

/// The head of `POST /v0/projects` announcing a body of `len` bytes.
fn post_project_head(len: usize) -> String {
    format!(
        "POST /v0/projects HTTP/1.1\r\nHost: t\r\nAuthorization: ApiKey {OWNER_KEY}\r\n\
         Content-Type: application/json\r\nContent-Length: {len}\r\n\r\n"
    )
}

#[tokio::test]
async fn connections_over_the_cap_wait_and_the_server_keeps_answering() {
    let srv = start(HttpSettings {
        max_conns: 4,
        header_timeout: secs(1.0),
        idle_timeout: secs(30.0),
        ..Default::default()
    })
    .await;
    // Seven half-open connections against a cap of four.
    let mut slow = Vec::new();
    for _ in 0..7 {
        let mut s = srv.connect().await;
        s.write_all(HALF_HEADER.as_bytes()).await.unwrap();
        slow.push(s);
    }
    tokio::time::sleep(secs(0.2)).await;
    let t0 = Instant::now();
    // Waits in the accept queue until the first four time out, then is served.
    assert_eq!(health_via_reqwest(srv.addr).await["status"], "ok");
    assert_between(t0.elapsed(), 0.5, 4.0, "request queued behind the cap");
    // Every slow connection is let go; the server keeps answering, paths still normalized.
    for s in &mut slow {
        closed(s, secs(5.0)).await;
    }
    let client = reqwest::Client::new();
    for _ in 0..20 {
        let r = client
            .get(format!("http://{}/V0/Users/Me/", srv.addr))
            .header("Authorization", format!("ApiKey {OWNER_KEY}"))
            .timeout(secs(5.0))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let me: Value = r.json().await.unwrap();
        assert_eq!(me["username"], "owner");
    }
}

#[tokio::test]
async fn shutdown_closes_idle_and_half_open_connections_and_finishes_requests_in_flight() {
    let mut srv = start(HttpSettings {
        header_timeout: secs(30.0),
        idle_timeout: secs(30.0),
        shutdown_grace: secs(5.0),
        ..Default::default()
    })
    .await;
    let mut half = srv.connect().await;
    half.write_all(HALF_HEADER.as_bytes()).await.unwrap();
    let mut idle = srv.connect().await;
    health_on(&mut idle).await;
    let body = br#"{"name": "Shipped during shutdown", "costMetric": "hours"}"#;
    let mut busy = srv.connect().await;
    busy.write_all(post_project_head(body.len()).as_bytes())
        .await
        .unwrap();
    busy.write_all(&body[..10]).await.unwrap();
    tokio::time::sleep(secs(0.3)).await;

    let t0 = Instant::now();
    srv.stop();
    assert_between(
        closed(&mut half, secs(2.0)).await - t0,
        0.0,
        1.0,
        "half-open",
    );
    assert_between(closed(&mut idle, secs(2.0)).await - t0, 0.0, 1.0, "idle");
    // No new connections.
    let refused = async {
        loop {
            if TcpStream::connect(srv.addr).await.is_err() {
                return;
            }
            tokio::time::sleep(secs(0.05)).await;
        }
    };
    tokio::time::timeout(secs(2.0), refused)
        .await
        .expect("new connections are refused during shutdown");

    // The request in flight completes, is told the connection closes, and is the last.
    busy.write_all(&body[10..]).await.unwrap();
    let r = read_response(&mut busy).await;
    assert_eq!(r.status, 201, "{}: {}", r.head, r.body);
    assert_eq!(r.json()["name"], "Shipped during shutdown");
    assert!(r.head.contains("connection: close"), "{}", r.head);
    closed(&mut busy, secs(2.0)).await;
    tokio::time::timeout(secs(3.0), &mut srv.done)
        .await
        .expect("run returns once the last request is answered")
        .unwrap()
        .unwrap();
    assert!(
        t0.elapsed() < secs(4.0),
        "did not wait out the grace period"
    );
}

#[tokio::test]
async fn shutdown_gives_up_on_a_stuck_request_after_the_grace_period() {
    let mut srv = start(HttpSettings {
        header_timeout: secs(30.0),
        idle_timeout: secs(30.0),
        request_timeout: secs(30.0),
        shutdown_grace: secs(1.0),
        ..Default::default()
    })
    .await;
    let mut stuck = srv.connect().await;
    stuck
        .write_all(post_project_head(100).as_bytes())
        .await
        .unwrap();
    stuck.write_all(b"{").await.unwrap();
    let mut half = srv.connect().await;
    half.write_all(HALF_HEADER.as_bytes()).await.unwrap();
    tokio::time::sleep(secs(0.3)).await;

    let t0 = Instant::now();
    srv.stop();
    assert_between(
        closed(&mut half, secs(2.0)).await - t0,
        0.0,
        0.8,
        "half-open",
    );
    tokio::time::timeout(secs(4.0), &mut srv.done)
        .await
        .expect("run returns after the grace period")
        .unwrap()
        .unwrap();
    assert_between(t0.elapsed(), 0.9, 3.5, "bounded shutdown");
    closed(&mut stuck, secs(1.0)).await;
}
