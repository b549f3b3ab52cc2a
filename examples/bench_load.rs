//! A small closed-loop load generator for the benchmarks (bounded in time, loopback only).
//!
//! usage: cargo run --release --example bench_load -- URL [--key K] [--method GET|POST|PATCH]
//!        [--body JSON] [--concurrency 32] [--seconds 10] [--range N]
//! `{n}` in the URL or body is replaced by a random number in 1..=N (--range) per request.
//! Prints requests/s and latency percentiles; non-2xx replies are counted as errors.

use std::time::{Duration, Instant};

use rand::Rng;

struct Args {
    url: String,
    key: Option<String>,
    method: reqwest::Method,
    body: Option<String>,
    concurrency: usize,
    seconds: u64,
    range: u64,
}

fn parse() -> anyhow::Result<Args> {
    let mut it = std::env::args().skip(1);
    let mut a = Args {
        url: it.next().ok_or_else(|| anyhow::anyhow!("URL required"))?,
        key: None,
        method: reqwest::Method::GET,
        body: None,
        concurrency: 32,
        seconds: 10,
        range: 1,
    };
    while let Some(flag) = it.next() {
        let v = it
            .next()
            .ok_or_else(|| anyhow::anyhow!("{flag} needs a value"))?;
        match flag.as_str() {
            "--key" => a.key = Some(v),
            "--method" => a.method = v.parse()?,
            "--body" => a.body = Some(v),
            "--concurrency" => a.concurrency = v.parse()?,
            "--seconds" => a.seconds = v.parse::<u64>()?.min(120),
            "--range" => a.range = v.parse::<u64>()?.max(1),
            _ => anyhow::bail!("unknown flag {flag}"),
        }
    }
    Ok(a)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = parse()?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(a.concurrency)
        .build()?;
    let deadline = Instant::now() + Duration::from_secs(a.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..a.concurrency {
        let client = client.clone();
        let (url, key, method, body, range) = (
            a.url.clone(),
            a.key.clone(),
            a.method.clone(),
            a.body.clone(),
            a.range,
        );
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0u64;
            while Instant::now() < deadline {
                let n = rand::rng().random_range(1..=range).to_string();
                let mut req = client.request(method.clone(), url.replace("{n}", &n));
                if let Some(k) = &key {
                    req = req.header("Authorization", format!("ApiKey {k}"));
                }
                if let Some(b) = &body {
                    req = req
                        .header("Content-Type", "application/json")
                        .body(b.replace("{n}", &n));
                }
                let t = Instant::now();
                match req.send().await {
                    Ok(r) => {
                        let ok = r.status().is_success();
                        let _ = r.bytes().await;
                        if !ok {
                            errors += 1;
                        }
                    }
                    Err(_) => errors += 1,
                }
                lat.push(t.elapsed());
            }
            (lat, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await?;
        all.extend(l);
        errors += e;
    }
    let secs = started.elapsed().as_secs_f64();
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    };
    println!(
        "{} {} requests in {secs:.1}s: {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms, {errors} errors",
        a.method,
        all.len(),
        all.len() as f64 / secs,
        pct(0.50),
        pct(0.99),
        pct(1.0)
    );
    Ok(())
}
