//! The webhook outbox and its dispatcher.
//!
//! The outbox rows are written with the change log (`store::changelog`), in the change's own
//! transaction: one pending delivery per enabled webhook subscribed to the event. The dispatcher, a
//! background task of `App::run`, polls for webhooks whose queue head is due, leases them (a
//! lease column with an expiry, claimed with `FOR UPDATE SKIP LOCKED` on PostgreSQL so several
//! instances never send the same attempt twice), and sends each webhook's deliveries strictly in
//! order: a delivery waiting for a retry holds the later ones of the same webhook. Every state
//! (due times, attempts) is in the database, so a restart resumes the schedule.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::{format, payload};
use crate::model;
use crate::params;
use crate::store::{Backend, Db, DbResult};

/// Every event name of BEHAVIOUR.md §6, in the order `GET /v0/webhookevents` lists them.
pub fn event_names() -> Vec<&'static str> {
    super::Event::ALL.iter().map(|e| e.name()).collect()
}

/// The dispatcher's settings (flags of `serve`, see config.rs).
#[derive(Debug, Clone)]
pub struct DispatchSettings {
    /// Delay before each retry; after the last one a delivery is `failed`.
    pub retry_delays: Vec<Duration>,
    pub connect_timeout: Duration,
    /// The whole request, reading the reply included.
    pub timeout: Duration,
    /// Refuse loopback, private and link-local targets (checked on the resolved addresses).
    pub deny_private: bool,
    /// Changes older than this are pruned (never one a delivery still needs).
    pub change_retention: Duration,
    /// Delivered and failed deliveries older than this are pruned.
    pub delivery_retention: Duration,
    pub poll_interval: Duration,
    /// Webhooks sent to at once by one instance.
    pub concurrency: usize,
    /// How often the pruning runs (also once at start).
    pub housekeeping_interval: Duration,
}

pub const DEFAULT_RETRY_DELAYS: &str = "1h,1d,1d,1d,1d";
const DAY: Duration = Duration::from_secs(86_400);

impl Default for DispatchSettings {
    fn default() -> Self {
        DispatchSettings {
            retry_delays: parse_delays(DEFAULT_RETRY_DELAYS).expect("valid default"),
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(15),
            deny_private: false,
            change_retention: DAY * 90,
            delivery_retention: DAY * 30,
            poll_interval: Duration::from_millis(250),
            concurrency: 8,
            housekeeping_interval: Duration::from_secs(3600),
        }
    }
}

/// `500ms`, `1s`, `2m`, `1h`, `1d` (a bare number is seconds).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: u64 = n
        .parse()
        .map_err(|_| format!("'{s}' is not a duration like 500ms, 30s, 2m, 1h or 1d"))?;
    let ms = match unit.trim() {
        "ms" => Some(n),
        "" | "s" => n.checked_mul(1000),
        "m" => n.checked_mul(60_000),
        "h" => n.checked_mul(3_600_000),
        "d" => n.checked_mul(86_400_000),
        _ => return Err(format!("'{s}' has an unknown unit (ms, s, m, h or d)")),
    }
    .filter(|ms| *ms <= 365 * 86_400_000)
    .ok_or_else(|| format!("'{s}' is longer than a year"))?;
    Ok(Duration::from_millis(ms))
}

/// A comma-separated list of retry delays; empty (or `none`) means no retry.
pub fn parse_delays(s: &str) -> Result<Vec<Duration>, String> {
    let s = s.trim();
    if s.is_empty() || s.eq_ignore_ascii_case("none") {
        return Ok(Vec::new());
    }
    let list = s
        .split(',')
        .map(parse_duration)
        .collect::<Result<Vec<_>, _>>()?;
    if list.len() > 50 {
        return Err("at most 50 retries".into());
    }
    Ok(list)
}

/// The running dispatcher; `stop` ends it and gives back its leases.
pub struct Dispatcher {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Dispatcher {
    pub fn spawn(db: Db, settings: DispatchSettings) -> Dispatcher {
        let (stop, rx) = watch::channel(false);
        let owner = hex::encode(rand::random::<[u8; 12]>());
        let task = tokio::spawn(run(db, Arc::new(settings), owner, rx));
        Dispatcher { stop, task }
    }

    /// Lets sends in flight finish (at most the delivery timeout), then gives back the leases.
    pub async fn stop(self, timeout: Duration) {
        let _ = self.stop.send(true);
        if tokio::time::timeout(timeout + Duration::from_secs(5), self.task)
            .await
            .is_err()
        {
            tracing::warn!("the webhook dispatcher did not stop within 5 seconds");
        }
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4)
}

/// How long a claim holds a webhook: enough for one send and its record, renewed before each.
fn lease(s: &DispatchSettings) -> Duration {
    s.timeout + s.connect_timeout + Duration::from_secs(30)
}

async fn run(db: Db, s: Arc<DispatchSettings>, owner: String, mut stop: watch::Receiver<bool>) {
    let client = match client(&s, None) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "webhook dispatcher: no HTTP client; webhooks are not sent");
            return;
        }
    };
    let mut tasks: JoinSet<()> = JoinSet::new();
    let mut next_housekeeping = Instant::now();
    loop {
        while tasks.try_join_next().is_some() {}
        if Instant::now() >= next_housekeeping {
            if let Err(e) = housekeeping(&db, &s).await {
                tracing::warn!(error = %e, "webhook housekeeping failed");
            }
            next_housekeeping = Instant::now() + s.housekeeping_interval;
        }
        let free = s.concurrency.saturating_sub(tasks.len());
        if free > 0 {
            match claim(&db, &s, &owner, free).await {
                Ok(hooks) => {
                    for (pid, wid) in hooks {
                        let (db, s, owner, client, stop) = (
                            db.clone(),
                            s.clone(),
                            owner.clone(),
                            client.clone(),
                            stop.clone(),
                        );
                        tasks.spawn(async move {
                            if let Err(e) = work(&db, &s, &owner, &client, &stop, pid, wid).await {
                                tracing::warn!(error = %e, project = pid, webhook = wid,
                                    "webhook delivery interrupted");
                            }
                            let _ = release(&db, &owner, pid, wid).await;
                        });
                    }
                }
                Err(e) => tracing::debug!(error = %e, "webhook claim failed"),
            }
        }
        tokio::select! {
            _ = stop.changed() => break,
            _ = tokio::time::sleep(s.poll_interval) => {}
        }
    }
    // Sends in flight finish and are recorded (no new one starts); one cut short after the
    // delivery timeout is sent again by whoever claims the webhook next (at least once).
    let drain = async { while tasks.join_next().await.is_some() {} };
    if tokio::time::timeout(s.timeout + Duration::from_secs(2), drain)
        .await
        .is_err()
    {
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
    }
    if let Ok(mut tx) = db.write().await {
        let _ = tx
            .exec(
                "UPDATE webhooks SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1",
                params![owner.as_str()],
            )
            .await;
        let _ = tx.commit().await;
    }
}

/// Webhooks whose oldest pending delivery is due, not leased by a live instance: leased to us.
async fn claim(
    db: &Db,
    s: &DispatchSettings,
    owner: &str,
    max: usize,
) -> DbResult<Vec<(i64, i64)>> {
    let now = now_ms();
    // A cheap read first: on most polls nothing is due and no write lock is taken.
    {
        let mut rd = db.read().await?;
        let due = rd
            .exists(
                "SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 LIMIT 1",
                params![now],
            )
            .await?;
        rd.commit().await?;
        if !due {
            return Ok(Vec::new());
        }
    }
    let lock = match db.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE webhooks SET lease_owner = $1, lease_until = $2 \
         WHERE (project_id, webhook_id) IN ( \
           SELECT w.project_id, w.webhook_id FROM webhooks w \
           WHERE w.is_enabled AND (w.lease_until IS NULL OR w.lease_until < $3) \
           AND EXISTS (SELECT 1 FROM webhook_deliveries d \
             WHERE d.project_id = w.project_id AND d.webhook_id = w.webhook_id \
             AND d.status = 'pending' AND d.next_attempt_at <= $3 \
             AND d.id = (SELECT MIN(e.id) FROM webhook_deliveries e \
               WHERE e.project_id = w.project_id AND e.webhook_id = w.webhook_id \
               AND e.status = 'pending')) \
           ORDER BY w.lease_until, w.project_id, w.webhook_id LIMIT $4{lock}) \
         RETURNING project_id, webhook_id"
    );
    let mut tx = db.write().await?;
    let rows: Vec<(i64, i64)> = tx
        .all(&sql, params![owner, now + ms(lease(s)), now, max as i64])
        .await?;
    tx.commit().await?;
    Ok(rows)
}

async fn release(db: &Db, owner: &str, pid: i64, wid: i64) -> DbResult<()> {
    let mut tx = db.write().await?;
    tx.exec(
        "UPDATE webhooks SET lease_owner = NULL, lease_until = NULL \
         WHERE project_id = $1 AND webhook_id = $2 AND lease_owner = $3",
        params![pid, wid, owner],
    )
    .await?;
    tx.commit().await
}

/// The head of a webhook's queue, with what sending it needs.
#[derive(sqlx::FromRow)]
struct Head {
    id: i64,
    event: String,
    payload: String,
    attempts: i64,
    next_attempt_at: Option<i64>,
    url: String,
    headers: String,
    format: String,
    secret: Option<String>,
    is_enabled: bool,
    actor: Option<String>,
    project: Option<String>,
}
crate::lite_row!(Head {
    id,
    event,
    payload,
    attempts,
    next_attempt_at,
    url,
    headers,
    format,
    secret,
    is_enabled,
    actor,
    project
});

/// Sends the webhook's due deliveries in order while we hold its lease.
async fn work(
    db: &Db,
    s: &DispatchSettings,
    owner: &str,
    client: &reqwest::Client,
    stop: &watch::Receiver<bool>,
    pid: i64,
    wid: i64,
) -> anyhow::Result<()> {
    loop {
        if *stop.borrow() {
            return Ok(());
        }
        let now = now_ms();
        let mut tx = db.write().await?;
        // Renew the lease before each send, so a send always ends inside it.
        let held = tx
            .exec(
                "UPDATE webhooks SET lease_until = $1 \
                 WHERE project_id = $2 AND webhook_id = $3 AND lease_owner = $4",
                params![now + ms(lease(s)), pid, wid, owner],
            )
            .await?;
        let head: Option<Head> = if held == 1 {
            tx.opt(
                "SELECT d.id, d.event, d.payload, d.attempts, d.next_attempt_at, w.url, w.headers, \
                 w.format, w.secret, w.is_enabled, COALESCE(u.name, u.username) AS actor, \
                 p.name AS project \
                 FROM webhook_deliveries d \
                 JOIN webhooks w ON w.project_id = d.project_id AND w.webhook_id = d.webhook_id \
                 LEFT JOIN users u ON u.id = d.actor_id \
                 LEFT JOIN projects p ON p.id = d.project_id \
                 WHERE d.project_id = $1 AND d.webhook_id = $2 AND d.status = 'pending' \
                 ORDER BY d.id LIMIT 1",
                params![pid, wid],
            )
            .await?
        } else {
            None
        };
        tx.commit().await?;
        let Some(h) = head else { return Ok(()) };
        if !h.is_enabled || h.next_attempt_at.is_some_and(|t| t > now) {
            return Ok(());
        }
        let outcome = send(s, client, &h).await;
        let ok = outcome.success;
        record(db, s, pid, wid, &h, outcome).await?;
        if !ok {
            // A failed head holds the queue until its retry (or until it is given up).
            let still_pending = {
                let mut rd = db.read().await?;
                let p = rd
                    .exists(
                        "SELECT id FROM webhook_deliveries WHERE id = $1 AND status = 'pending'",
                        params![h.id],
                    )
                    .await?;
                rd.commit().await?;
                p
            };
            if still_pending {
                return Ok(());
            }
        }
    }
}

struct Outcome {
    success: bool,
    status: Option<u16>,
    duration: Duration,
    error: Option<String>,
    response: Option<String>,
    started: chrono::DateTime<chrono::Utc>,
}

const RESPONSE_READ_CAP: usize = 64 * 1024;
const RESPONSE_KEEP: usize = 1024;

fn user_agent() -> String {
    format!("Questlog-Webhook/{}", env!("CARGO_PKG_VERSION"))
}

fn client(
    s: &DispatchSettings,
    pin: Option<(&str, &[SocketAddr])>,
) -> reqwest::Result<reqwest::Client> {
    let mut b = reqwest::Client::builder()
        .connect_timeout(s.connect_timeout)
        .timeout(s.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(user_agent());
    if let Some((host, addrs)) = pin {
        b = b.resolve_to_addrs(host, addrs);
    }
    b.build()
}

/// The request body for the webhook's format.
fn body(h: &Head) -> Vec<u8> {
    let entity: Value = serde_json::from_str(&h.payload).unwrap_or(Value::Null);
    let v = match h.format.as_str() {
        "discord" | "slack" => format::body(
            &h.format,
            &h.event,
            h.actor.as_deref().unwrap_or("someone"),
            h.project.as_deref().unwrap_or("a project"),
            &entity,
        ),
        _ => payload::pascal_case(entity),
    };
    serde_json::to_vec(&v).unwrap_or_else(|_| b"{}".to_vec())
}

async fn send(s: &DispatchSettings, shared: &reqwest::Client, h: &Head) -> Outcome {
    let started = chrono::Utc::now();
    let t0 = Instant::now();
    let fail = |error: String, status: Option<u16>, response: Option<String>| Outcome {
        success: false,
        status,
        duration: t0.elapsed(),
        error: Some(error),
        response,
        started,
    };
    let pinned;
    let client = if s.deny_private {
        match public_target(&h.url).await {
            Ok((host, addrs)) => match client(s, Some((&host, &addrs))) {
                Ok(c) => {
                    pinned = c;
                    &pinned
                }
                Err(e) => return fail(format!("client: {e}"), None, None),
            },
            Err(e) => return fail(e, None, None),
        }
    } else {
        shared
    };
    let body = body(h);
    let mut req = client
        .post(&h.url)
        .header("Content-Type", "application/json")
        .header("X-HacknPlan-Event", &h.event)
        .header("X-Questlog-Delivery", h.id.to_string());
    let custom: Vec<String> = serde_json::from_str(&h.headers).unwrap_or_default();
    for line in &custom {
        if let Some((n, v)) = line.split_once(':') {
            // A custom User-Agent replaces ours rather than adding a second one.
            if n.eq_ignore_ascii_case("user-agent") {
                req = req.header(reqwest::header::USER_AGENT, v.trim());
            } else {
                req = req.header(n, v.trim());
            }
        }
    }
    if let Some(secret) = &h.secret {
        let ts = started.timestamp();
        req = req.header("X-Questlog-Timestamp", ts.to_string()).header(
            "X-Questlog-Signature",
            payload::signature(secret, ts, &body),
        );
    }
    // A byte body has a known length: Content-Length, never chunked.
    let resp = match req.body(body).send().await {
        Ok(r) => r,
        Err(e) => {
            let why = if e.is_timeout() {
                format!("timed out after {} ms", t0.elapsed().as_millis())
            } else if e.is_connect() {
                format!("connection failed: {}", root_cause(&e))
            } else {
                format!("request failed: {}", root_cause(&e))
            };
            return fail(why, None, None);
        }
    };
    let status = resp.status();
    let (text, read_err) = read_capped(resp).await;
    if let Some(e) = read_err {
        return fail(e, Some(status.as_u16()), text);
    }
    if status.is_success() {
        Outcome {
            success: true,
            status: Some(status.as_u16()),
            duration: t0.elapsed(),
            error: None,
            response: text,
            started,
        }
    } else {
        fail(
            format!("the receiver answered {}", status.as_u16()),
            Some(status.as_u16()),
            text,
        )
    }
}

fn root_cause(e: &dyn std::error::Error) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// Reads at most 64 KiB of the reply (the rest is not waited for); keeps 1 KiB of it.
async fn read_capped(mut resp: reqwest::Response) -> (Option<String>, Option<String>) {
    let mut buf: Vec<u8> = Vec::new();
    let mut err = None;
    while buf.len() < RESPONSE_READ_CAP {
        match resp.chunk().await {
            Ok(Some(c)) => buf.extend_from_slice(&c),
            Ok(None) => break,
            Err(e) => {
                err = Some(if e.is_timeout() {
                    "timed out reading the reply".to_string()
                } else {
                    format!("reading the reply failed: {}", root_cause(&e))
                });
                break;
            }
        }
    }
    if buf.is_empty() {
        return (None, err);
    }
    let mut text = String::from_utf8_lossy(&buf[..buf.len().min(RESPONSE_KEEP)]).into_owned();
    // Lossy decoding may have cut a character: keep a valid prefix.
    while text.len() > RESPONSE_KEEP + 3 {
        text.pop();
    }
    (Some(text), err)
}

/// With `--webhook-deny-private`: the URL's host resolved, every address public, or why not.
async fn public_target(url: &str) -> Result<(String, Vec<SocketAddr>), String> {
    let u = reqwest::Url::parse(url).map_err(|e| format!("bad url: {e}"))?;
    let host = u.host_str().ok_or("the url has no host")?.to_string();
    let port = u.port_or_known_default().unwrap_or(80);
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = match bare.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((bare, port))
            .await
            .map_err(|e| format!("cannot resolve {host}: {e}"))?
            .collect(),
    };
    if addrs.is_empty() {
        return Err(format!("{host} resolves to no address"));
    }
    if let Some(a) = addrs.iter().find(|a| !is_public(a.ip())) {
        return Err(format!(
            "refused: {host} resolves to the non-public address {} (--webhook-deny-private)",
            a.ip()
        ));
    }
    Ok((bare.to_string(), addrs))
}

fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v) => {
            let o = v.octets();
            !(v.is_loopback()
                || v.is_private()
                || v.is_link_local()
                || v.is_unspecified()
                || v.is_broadcast()
                || v.is_multicast()
                || v.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xc0) == 64))
        }
        IpAddr::V6(v) => {
            if let Some(v4) = v.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = v.segments();
            !(v.is_loopback()
                || v.is_unspecified()
                || v.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80)
        }
    }
}

/// Writes the attempt and the delivery's new state; applies the auto-disable rule.
async fn record(
    db: &Db,
    s: &DispatchSettings,
    pid: i64,
    wid: i64,
    h: &Head,
    o: Outcome,
) -> DbResult<()> {
    let attempt = h.attempts + 1;
    let now = now_ms();
    let (status, next): (&str, Option<i64>) = if o.success {
        ("delivered", None)
    } else {
        match s.retry_delays.get((attempt - 1) as usize) {
            Some(d) => ("pending", Some(now + ms(*d))),
            None => ("failed", None),
        }
    };
    let mut tx = db.write().await?;
    tx.exec(
        "INSERT INTO webhook_attempts (delivery_id, attempt, project_id, webhook_id, attempted_at, \
         attempted_date, status_code, duration_ms, error, response, success) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        params![
            h.id,
            attempt,
            pid,
            wid,
            o.started.timestamp_millis(),
            model::format_date(o.started),
            o.status.map(i64::from),
            ms(o.duration),
            o.error.clone(),
            o.response,
            o.success
        ],
    )
    .await?;
    tx.exec(
        "UPDATE webhook_deliveries SET attempts = $1, status = $2, next_attempt_at = $3, \
         last_status_code = $4, last_error = $5 WHERE id = $6",
        params![
            attempt,
            status,
            next,
            o.status.map(i64::from),
            o.error.clone(),
            h.id
        ],
    )
    .await?;
    if !o.success {
        tracing::info!(delivery = h.id, attempt, error = ?o.error, "webhook delivery failed");
        // HacknPlan's rule: under 20% success over 7 days with at least 20 calls.
        let (calls, ok): (i64, Option<i64>) = tx
            .one(
                "SELECT COUNT(*), SUM(CASE WHEN success THEN 1 ELSE 0 END) FROM webhook_attempts \
                 WHERE project_id = $1 AND webhook_id = $2 AND attempted_at >= $3",
                params![pid, wid, now - ms(DAY * 7)],
            )
            .await?;
        let ok = ok.unwrap_or(0);
        if calls >= 20 && ok * 5 < calls {
            tx.exec(
                "UPDATE webhooks SET is_enabled = FALSE WHERE project_id = $1 AND webhook_id = $2",
                params![pid, wid],
            )
            .await?;
            tracing::warn!(
                project = pid,
                webhook = wid,
                calls,
                ok,
                "webhook disabled: under 20% of its deliveries succeeded in 7 days"
            );
        }
    }
    tx.commit().await
}

/// Prunes the delivery log (30 days) and the change log (`--change-retention-days`), never a
/// change a delivery in the log still points at.
async fn housekeeping(db: &Db, s: &DispatchSettings) -> DbResult<()> {
    let now = now_ms();
    let cutoff = now - ms(s.delivery_retention);
    let mut tx = db.write().await?;
    tx.exec(
        "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries \
         WHERE status <> 'pending' AND created_at < $1)",
        params![cutoff],
    )
    .await?;
    let n = tx
        .exec(
            "DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < $1",
            params![cutoff],
        )
        .await?;
    // The change log: older than the retention, unless a delivery still waits to send it.
    let before = chrono::Utc::now()
        - chrono::Duration::from_std(s.change_retention).unwrap_or(chrono::Duration::days(90));
    let c = tx
        .exec(
            "DELETE FROM changes WHERE creation_date < $1 AND NOT EXISTS ( \
             SELECT 1 FROM webhook_deliveries d WHERE d.project_id = changes.project_id \
             AND d.change_id = changes.seq AND d.status = 'pending')",
            params![model::format_date(before)],
        )
        .await?;
    tx.commit().await?;
    if n > 0 || c > 0 {
        tracing::info!(
            deliveries = n,
            changes = c,
            "pruned the delivery and change logs"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(
            parse_delays("1s,500ms,2m,1h,1d").unwrap(),
            vec![
                Duration::from_secs(1),
                Duration::from_millis(500),
                Duration::from_secs(120),
                Duration::from_secs(3600),
                DAY
            ]
        );
        assert_eq!(parse_delays(DEFAULT_RETRY_DELAYS).unwrap().len(), 5);
        assert!(parse_delays("1x").is_err());
        assert!(parse_delays("h").is_err());
        assert!(parse_delays("400d").is_err());
        assert_eq!(parse_delays("").unwrap(), vec![]);
    }

    #[test]
    fn private_addresses() {
        for a in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "169.254.1.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "100.64.0.1",
            "0.0.0.0",
        ] {
            assert!(!is_public(a.parse().unwrap()), "{a}");
        }
        for a in ["93.184.216.34", "2606:4700::1111"] {
            assert!(is_public(a.parse().unwrap()), "{a}");
        }
    }
}
