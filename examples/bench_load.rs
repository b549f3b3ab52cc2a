//! A small closed-loop HTTP/1.1 load generator for the benchmarks, like `wrk -t1`: one thread,
//! N keep-alive connections, each sending its next request as soon as the reply is in. Loopback
//! only, bounded in time. The bare axum ceiling is measured with it too, so ratios compare like
//! with like.
//!
//! usage: bench_load [--concurrency 64] [--seconds 8] [--key K] [--range N] REQUEST...
//!   REQUEST   "[WEIGHT*]METHOD URL [BODY]", e.g. "9*GET http://127.0.0.1:8080/v0/projects/1/workitems/{n}";
//!             with several, each request picks one by weight (a mixed profile).
//!   In URLs and bodies: {n} a random number in 1..=N (--range), {r:A-B} one in A..=B, {w} a word
//!   of the benchmark vocabulary drawn by frequency, {rare} a rare one (bench_support/vocab.rs).
//! Prints `REQ_PER_S P50_MS P99_MS ERRORS REQUESTS` on stdout (a readable line on stderr).
//! A reply other than 2xx, or a broken connection, counts as an error.
//!
//! bench_load --cold-start URL [--key K] -- COMMAND ARGS...
//!   Starts COMMAND, polls GET URL every millisecond until it answers 200, prints the
//!   milliseconds from the spawn to that reply, then stops COMMAND.

#[allow(dead_code)]
#[path = "bench_support/vocab.rs"]
mod vocab;

use std::time::{Duration, Instant};

use rand::Rng;
use tokio::net::TcpStream;

struct Template {
    weight: u32,
    method: String,
    path: String,
    body: Option<String>,
}

struct Args {
    host: String,
    key: Option<String>,
    concurrency: usize,
    seconds: f64,
    range: u64,
    requests: Vec<Template>,
    cold_start: Option<Vec<String>>,
}

fn split_url(url: &str) -> anyhow::Result<(String, String)> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| anyhow::anyhow!("only http:// URLs: {url}"))?;
    Ok(match rest.find('/') {
        Some(i) => (rest[..i].to_string(), rest[i..].to_string()),
        None => (rest.to_string(), "/".to_string()),
    })
}

fn parse() -> anyhow::Result<Args> {
    let mut a = Args {
        host: String::new(),
        key: None,
        concurrency: 64,
        seconds: 8.0,
        range: 1,
        requests: Vec::new(),
        cold_start: None,
    };
    let mut it = std::env::args().skip(1);
    let mut cold_url = None;
    while let Some(arg) = it.next() {
        let mut value = || {
            it.next()
                .ok_or_else(|| anyhow::anyhow!("{arg} needs a value"))
        };
        match arg.as_str() {
            "--key" => a.key = Some(value()?),
            "--concurrency" => a.concurrency = value()?.parse::<usize>()?.clamp(1, 1024),
            "--seconds" => a.seconds = value()?.parse::<f64>()?.clamp(0.1, 120.0),
            "--range" => a.range = value()?.parse::<u64>()?.max(1),
            "--cold-start" => cold_url = Some(value()?),
            "--" => {
                a.cold_start = Some(it.by_ref().collect());
            }
            spec => {
                let (weight, spec) = match spec.split_once('*') {
                    Some((w, s)) if w.chars().all(|c| c.is_ascii_digit()) && !w.is_empty() => {
                        (w.parse()?, s)
                    }
                    _ => (1, spec),
                };
                let mut parts = spec.splitn(3, ' ');
                let method = parts.next().unwrap_or("").to_ascii_uppercase();
                let url = parts
                    .next()
                    .ok_or_else(|| anyhow::anyhow!("REQUEST is \"METHOD URL [BODY]\": {spec}"))?;
                let (host, path) = split_url(url)?;
                a.host = host;
                a.requests.push(Template {
                    weight,
                    method,
                    path,
                    body: parts.next().map(str::to_string),
                });
            }
        }
    }
    if let Some(url) = cold_url {
        let (host, path) = split_url(&url)?;
        a.host = host;
        a.requests.push(Template {
            weight: 1,
            method: "GET".into(),
            path,
            body: None,
        });
        if a.cold_start.as_ref().is_none_or(|c| c.is_empty()) {
            anyhow::bail!("--cold-start URL -- COMMAND ARGS...");
        }
    }
    if a.requests.is_empty() {
        anyhow::bail!("at least one REQUEST (\"METHOD URL [BODY]\")");
    }
    Ok(a)
}

/// Fills the placeholders of a URL or body.
fn expand(s: &str, range: u64, vocab: &vocab::Vocab, rng: &mut impl Rng) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    let mut rest = s;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let Some(j) = rest[i..].find('}') else {
            out.push_str(&rest[i..]);
            return out;
        };
        let name = &rest[i + 1..i + j];
        match name {
            "n" => out.push_str(&rng.random_range(1..=range).to_string()),
            "w" => out.push_str(vocab.draw(rng.random())),
            "rare" => out.push_str(vocab.rank(rng.random_range(vocab::RARE_FROM..=vocab::SIZE))),
            _ => match name
                .strip_prefix("r:")
                .and_then(|r| r.split_once('-'))
                .and_then(|(lo, hi)| Some((lo.parse::<i64>().ok()?, hi.parse::<i64>().ok()?)))
            {
                Some((lo, hi)) if lo <= hi => out.push_str(&rng.random_range(lo..=hi).to_string()),
                // Not a placeholder (a JSON brace): kept, and the scan goes on after it.
                _ => {
                    out.push('{');
                    rest = &rest[i + 1..];
                    continue;
                }
            },
        }
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    out
}

fn build(a: &Args, t: &Template, vocab: &vocab::Vocab, rng: &mut impl Rng) -> Vec<u8> {
    let path = expand(&t.path, a.range, vocab, rng);
    let mut req = format!("{} {path} HTTP/1.1\r\nHost: {}\r\n", t.method, a.host);
    if let Some(k) = &a.key {
        req.push_str(&format!("Authorization: ApiKey {k}\r\n"));
    }
    match &t.body {
        Some(b) => {
            let body = expand(b, a.range, vocab, rng);
            req.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            ));
        }
        None => req.push_str("\r\n"),
    }
    req.into_bytes()
}

async fn write_all(s: &TcpStream, mut buf: &[u8]) -> std::io::Result<()> {
    while !buf.is_empty() {
        s.writable().await?;
        match s.try_write(buf) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => buf = &buf[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Whether `buf` holds a whole response: its status and whether the server keeps the
/// connection open.
fn complete(buf: &[u8]) -> Option<(u16, bool)> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&buf[..end]).ok()?;
    let status: u16 = head.split(' ').nth(1)?.parse().ok()?;
    let mut length = None;
    let mut chunked = false;
    let mut close = false;
    for line in head.split("\r\n").skip(1) {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_ascii_lowercase());
        match k.as_str() {
            "content-length" => length = v.parse::<usize>().ok(),
            "transfer-encoding" => chunked = v.contains("chunked"),
            "connection" => close = v == "close",
            _ => {}
        }
    }
    let keep = !close;
    if chunked {
        let mut at = end;
        loop {
            let line_end = buf[at..].windows(2).position(|w| w == b"\r\n")? + at;
            let size_txt = std::str::from_utf8(&buf[at..line_end]).ok()?;
            let size = usize::from_str_radix(size_txt.split(';').next()?.trim(), 16).ok()?;
            at = line_end + 2;
            if size == 0 {
                // No trailers: the final CRLF.
                return (buf.len() >= at + 2).then_some((status, keep));
            }
            at += size + 2;
            if at > buf.len() {
                return None;
            }
        }
    }
    match length {
        Some(n) => (buf.len() >= end + n).then_some((status, keep)),
        None if status == 204 || status == 304 => Some((status, keep)),
        // Delimited by close: complete once the server closes (handled by the reader).
        None => None,
    }
}

/// Sends one request and reads its reply: (status, keep-alive).
async fn exchange(s: &TcpStream, req: &[u8], buf: &mut Vec<u8>) -> std::io::Result<(u16, bool)> {
    write_all(s, req).await?;
    buf.clear();
    let mut chunk = [0u8; 64 * 1024];
    loop {
        s.readable().await?;
        match s.try_read(&mut chunk) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if let Some(r) = complete(buf) {
                    return Ok(r);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
}

async fn connect(host: &str) -> std::io::Result<TcpStream> {
    let s = TcpStream::connect(host).await?;
    s.set_nodelay(true)?;
    Ok(s)
}

struct Worker {
    /// Latencies in microseconds.
    lat: Vec<u32>,
    errors: u64,
    statuses: std::collections::BTreeMap<u16, u64>,
}

async fn worker(
    a: std::rc::Rc<Args>,
    vocab: std::rc::Rc<vocab::Vocab>,
    deadline: Instant,
) -> Worker {
    let mut w = Worker {
        lat: Vec::new(),
        errors: 0,
        statuses: Default::default(),
    };
    let total: u32 = a.requests.iter().map(|t| t.weight).sum();
    let mut rng = rand::rng();
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut conn: Option<TcpStream> = None;
    while Instant::now() < deadline {
        let mut x = rng.random_range(0..total.max(1));
        let t = a
            .requests
            .iter()
            .find(|t| {
                if x < t.weight {
                    true
                } else {
                    x -= t.weight;
                    false
                }
            })
            .unwrap_or(&a.requests[0]);
        let req = build(&a, t, &vocab, &mut rng);
        let started = Instant::now();
        let s = match conn.take() {
            Some(s) => s,
            None => match connect(&a.host).await {
                Ok(s) => s,
                Err(_) => {
                    w.errors += 1;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        match exchange(&s, &req, &mut buf).await {
            Ok((status, keep)) => {
                w.lat
                    .push(started.elapsed().as_micros().min(u32::MAX as u128) as u32);
                *w.statuses.entry(status).or_default() += 1;
                if !(200..300).contains(&status) {
                    w.errors += 1;
                }
                if keep {
                    conn = Some(s);
                }
            }
            Err(_) => {
                w.lat
                    .push(started.elapsed().as_micros().min(u32::MAX as u128) as u32);
                w.errors += 1;
            }
        }
    }
    w
}

async fn cold_start(a: &Args) -> anyhow::Result<()> {
    let cmd = a.cold_start.as_ref().expect("checked");
    let vocab = vocab::Vocab::new();
    let mut rng = rand::rng();
    let req = build(a, &a.requests[0], &vocab, &mut rng);
    let started = Instant::now();
    let mut child = std::process::Command::new(&cmd[0])
        .args(&cmd[1..])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let mut buf = Vec::new();
    let result = loop {
        if started.elapsed() > Duration::from_secs(30) {
            break Err(anyhow::anyhow!("no 200 within 30 s"));
        }
        if let Ok(Some(status)) = child.try_wait() {
            break Err(anyhow::anyhow!("the server exited: {status}"));
        }
        if let Ok(s) = connect(&a.host).await
            && let Ok((200, _)) = exchange(&s, &req, &mut buf).await
        {
            break Ok(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    let _ = child.kill();
    let _ = child.wait();
    let ms = result?.as_secs_f64() * 1000.0;
    println!("{ms:.1}");
    eprintln!("first 200 after {ms:.1} ms");
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let a = parse()?;
    if a.cold_start.is_some() {
        return cold_start(&a).await;
    }
    let a = std::rc::Rc::new(a);
    let vocab = std::rc::Rc::new(vocab::Vocab::new());
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(a.seconds);
    let local = tokio::task::LocalSet::new();
    let results = local
        .run_until(async {
            let tasks: Vec<_> = (0..a.concurrency)
                .map(|_| tokio::task::spawn_local(worker(a.clone(), vocab.clone(), deadline)))
                .collect();
            let mut out = Vec::new();
            for t in tasks {
                out.push(t.await);
            }
            out
        })
        .await;
    let secs = started.elapsed().as_secs_f64();
    let mut lat = Vec::new();
    let mut errors = 0;
    let mut statuses: std::collections::BTreeMap<u16, u64> = Default::default();
    for r in results {
        let r = r?;
        lat.extend(r.lat);
        errors += r.errors;
        for (s, n) in r.statuses {
            *statuses.entry(s).or_default() += n;
        }
    }
    lat.sort_unstable();
    let pct = |p: f64| {
        if lat.is_empty() {
            return 0.0;
        }
        let i = ((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1;
        f64::from(lat[i]) / 1000.0
    };
    let rps = lat.len() as f64 / secs;
    println!(
        "{rps:.0} {:.2} {:.2} {errors} {}",
        pct(0.50),
        pct(0.99),
        lat.len()
    );
    eprintln!(
        "{} requests in {secs:.1}s: {rps:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms, \
         {errors} errors, statuses {statuses:?}",
        lat.len(),
        pct(0.50),
        pct(0.99),
        pct(1.0)
    );
    Ok(())
}
