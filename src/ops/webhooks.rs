//! Project webhooks (issue 9 §3): CRUD `[ADMIN]`, the event names, and the delivery log.
//! Webhook CRUD records no change (§6 has no event for it); the deliveries themselves are
//! queued by `changes::record` (the outbox) and sent by `changes::dispatch`.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access;
use super::{Actor, OpError, OpResult};
use crate::changes::dispatch;
use crate::model::{self, Check, ProjectUser};
use crate::params;
use crate::store::{Tx, sequences};

pub const URL_MAX: usize = 2048;
pub const HEADERS_MAX: usize = 20;
pub const HEADER_MAX: usize = 4096;
pub const SECRET_MIN: usize = 8;
pub const SECRET_MAX: usize = 256;

/// Headers a webhook may not set: the transport's own and the ones Questlog signs and names
/// the event with (a receiver must be able to trust them).
const RESERVED_HEADERS: &[&str] = &[
    "content-type",
    "content-length",
    "host",
    "transfer-encoding",
    "connection",
    "x-hacknplan-event",
    "x-questlog-delivery",
    "x-questlog-timestamp",
    "x-questlog-signature",
];

/// Payload formats: HacknPlan's PascalCase entity, or a readable message for a chat service's
/// incoming-webhook URL.
pub const FORMATS: &[&str] = &["hacknplan", "discord", "slack"];

/// A project webhook as every webhook endpoint returns it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    pub project_id: i64,
    pub webhook_id: i64,
    pub url: String,
    /// Subscribed event names, in the order of `GET /v0/webhookevents`.
    pub events: Vec<String>,
    pub is_enabled: bool,
    /// Custom headers sent with every delivery, `"Name: value"`.
    pub headers: Vec<String>,
    /// The user who created it, as a project user (absent once they left the project).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creator: Option<ProjectUser>,
    pub creation_date: String,
    /// Ours: `hacknplan` (default), `discord` or `slack`.
    pub format: String,
    /// Ours: whether deliveries are signed (the secret itself is never returned).
    pub has_secret: bool,
}

/// Create and PUT. `url` and `events` are required. On PUT omitted `headers` become `[]` and
/// `isEnabled` true, while our own `format` and `secret` keep their value (a HacknPlan client
/// that knows nothing of them must not silently drop a webhook's signing); `secret: null` clears it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookValues {
    /// Absolute http or https URL, at most 2048 characters, without user name or password.
    pub url: Option<String>,
    /// Event names from `GET /v0/webhookevents` (at least one, no duplicates).
    pub events: Option<Vec<String>>,
    /// `"Name: value"`, at most 20.
    pub headers: Option<Vec<String>>,
    pub is_enabled: Option<bool>,
    /// `hacknplan` (default), `discord` or `slack`.
    pub format: Option<String>,
    /// 8..256 characters; signs every delivery (HMAC-SHA256). Write-only; `null` clears it.
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub secret: Option<Option<String>>,
}

/// PATCH: only the fields present change (`headers`/`events` replace the whole list).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PatchWebhookValues {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub headers: Option<Vec<String>>,
    pub is_enabled: Option<bool>,
    pub format: Option<String>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub secret: Option<Option<String>>,
}

/// One try at sending a delivery.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryAttempt {
    /// 1 for the first try.
    pub attempt: i64,
    pub attempted_at: String,
    /// The receiver's HTTP status, when it answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<i64>,
    pub duration_ms: i64,
    /// Why the attempt failed (a non-2xx reply, a timeout, a refused target, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The start of the receiver's reply (at most 1 KiB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<String>,
}

/// One event queued for one webhook, with its attempts.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    pub delivery_id: i64,
    pub project_id: i64,
    pub webhook_id: i64,
    pub event: String,
    /// The change (activity feed entry) it delivers.
    pub change_id: i64,
    /// `pending`, `delivered` or `failed` (every retry used).
    pub status: String,
    pub attempt_count: i64,
    pub attempts: Vec<DeliveryAttempt>,
    pub creation_date: String,
    /// When a pending delivery is tried next (a disabled webhook holds it until re-enabled).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_attempt_date: Option<String>,
    /// The delivery this one re-sends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redelivery_of: Option<i64>,
    /// The entity as recorded (camelCase; sent in PascalCase or as a chat message).
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}

#[derive(sqlx::FromRow)]
struct WebhookRow {
    project_id: i64,
    webhook_id: i64,
    url: String,
    is_enabled: bool,
    headers: String,
    format: String,
    secret: Option<String>,
    creator_id: i64,
    creation_date: String,
}
crate::lite_row!(WebhookRow {
    project_id,
    webhook_id,
    url,
    is_enabled,
    headers,
    format,
    secret,
    creator_id,
    creation_date
});

const WEBHOOK_COLS: &str = "w.project_id, w.webhook_id, w.url, w.is_enabled, w.headers, w.format, \
     w.secret, w.creator_id, w.creation_date";

/// Every event name (§6), in the canonical order.
pub fn event_names() -> Vec<&'static str> {
    dispatch::event_names()
}

async fn load_row(tx: &mut Tx, pid: i64, id: i64) -> OpResult<WebhookRow> {
    tx.opt(
        &format!(
            "SELECT {WEBHOOK_COLS} FROM webhooks w WHERE w.project_id = $1 AND w.webhook_id = $2"
        ),
        params![pid, id],
    )
    .await?
    .ok_or(OpError::NotFound)
}

/// Rows → wire objects, with their events and creators in two more statements.
async fn shape(tx: &mut Tx, pid: i64, rows: Vec<WebhookRow>) -> OpResult<Vec<Webhook>> {
    let mut events: HashMap<i64, Vec<String>> = HashMap::new();
    let subs: Vec<(i64, String)> = if rows.len() == 1 {
        tx.all(
            "SELECT webhook_id, event FROM webhook_events WHERE project_id = $1 AND webhook_id = $2",
            params![pid, rows[0].webhook_id],
        )
        .await?
    } else {
        tx.all(
            "SELECT webhook_id, event FROM webhook_events WHERE project_id = $1",
            params![pid],
        )
        .await?
    };
    for (w, e) in subs {
        events.entry(w).or_default().push(e);
    }
    let order: HashMap<&str, usize> = event_names()
        .into_iter()
        .enumerate()
        .map(|(i, n)| (n, i))
        .collect();
    let creators: Vec<i64> = rows.iter().map(|r| r.creator_id).collect();
    let users = model::project_users_by_id(tx, pid, &creators).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut ev = events.remove(&r.webhook_id).unwrap_or_default();
            ev.sort_by_key(|e| order.get(e.as_str()).copied().unwrap_or(usize::MAX));
            Webhook {
                project_id: r.project_id,
                webhook_id: r.webhook_id,
                url: r.url,
                events: ev,
                is_enabled: r.is_enabled,
                headers: serde_json::from_str(&r.headers).unwrap_or_default(),
                creator: users.get(&r.creator_id).cloned(),
                creation_date: r.creation_date,
                format: r.format,
                has_secret: r.secret.is_some(),
            }
        })
        .collect())
}

async fn load(tx: &mut Tx, pid: i64, id: i64) -> OpResult<Webhook> {
    let row = load_row(tx, pid, id).await?;
    shape(tx, pid, vec![row])
        .await?
        .pop()
        .ok_or(OpError::NotFound)
}

/// The complete, validated settings of a webhook (what a create, PUT or PATCH writes).
struct Settings {
    url: String,
    events: Vec<String>,
    headers: Vec<String>,
    is_enabled: bool,
    format: String,
    secret: Option<String>,
}

fn check_url(c: &mut Check, url: Option<&str>) -> String {
    let Some(u) = url.map(str::trim) else {
        c.fail("url", "The url is required.");
        return String::new();
    };
    if u.is_empty() {
        c.fail("url", "The url is required.");
    } else if u.chars().count() > URL_MAX {
        c.fail(
            "url",
            format!("The url can't be longer than {URL_MAX} characters."),
        );
    } else {
        match reqwest::Url::parse(u) {
            Ok(p) if !matches!(p.scheme(), "http" | "https") || p.host_str().is_none() => {
                c.fail("url", "The url must be an absolute http or https URL.")
            }
            Ok(p) if !p.username().is_empty() || p.password().is_some() => c.fail(
                "url",
                "The url can't contain a user name or password (use a header).",
            ),
            Ok(_) => {}
            Err(_) => c.fail("url", "The url must be an absolute http or https URL."),
        }
    }
    u.to_string()
}

fn check_events(c: &mut Check, events: Option<&[String]>) -> Vec<String> {
    let Some(list) = events else {
        c.fail("events", "At least one event is required.");
        return Vec::new();
    };
    if list.is_empty() {
        c.fail("events", "At least one event is required.");
    }
    let known = event_names();
    let mut out: Vec<String> = Vec::new();
    for e in list {
        let name = e.trim().to_ascii_lowercase();
        if !known.contains(&name.as_str()) {
            let shown: String = e.chars().take(64).collect();
            c.fail("events", format!("The event '{shown}' is unknown."));
        } else if out.contains(&name) {
            c.fail(
                "events",
                format!("The event '{name}' is listed more than once."),
            );
        } else {
            out.push(name);
        }
    }
    out
}

fn is_token_char(ch: char) -> bool {
    ch.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(ch)
}

fn check_headers(c: &mut Check, headers: Option<&[String]>) -> Vec<String> {
    let list = headers.unwrap_or(&[]);
    if list.len() > HEADERS_MAX {
        c.fail(
            "headers",
            format!("A webhook can have at most {HEADERS_MAX} headers."),
        );
        return Vec::new();
    }
    let mut out = Vec::new();
    for h in list {
        let shown: String = h.chars().take(64).collect();
        let Some((name, value)) = h.split_once(':') else {
            c.fail(
                "headers",
                format!("The header '{shown}' is not of the form 'Name: value'."),
            );
            continue;
        };
        let value = value.trim_matches([' ', '\t']);
        if h.chars().count() > HEADER_MAX {
            c.fail(
                "headers",
                format!("A header can't be longer than {HEADER_MAX} characters."),
            );
        } else if name.is_empty() || !name.chars().all(is_token_char) {
            c.fail(
                "headers",
                format!("The header name in '{shown}' is invalid."),
            );
        } else if value.chars().any(|ch| ch.is_control() && ch != '\t') {
            c.fail(
                "headers",
                format!("The value of the header '{name}' contains invalid characters."),
            );
        } else if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            c.fail("headers", format!("The header '{name}' can't be set."));
        } else {
            out.push(format!("{name}: {value}"));
        }
    }
    out
}

fn check_format(c: &mut Check, f: Option<&str>) -> String {
    let f = f.unwrap_or("hacknplan").trim().to_ascii_lowercase();
    if !FORMATS.contains(&f.as_str()) {
        c.fail("format", "The format must be hacknplan, discord or slack.");
    }
    f
}

fn check_secret(c: &mut Check, s: Option<&str>) {
    if let Some(s) = s {
        let n = s.chars().count();
        if !(SECRET_MIN..=SECRET_MAX).contains(&n) || s.contains('\0') {
            c.fail(
                "secret",
                format!("The secret must be {SECRET_MIN} to {SECRET_MAX} characters long."),
            );
        }
    }
}

/// Writes the settings and the subscriptions (replacing the old ones).
async fn write(tx: &mut Tx, pid: i64, id: i64, s: &Settings) -> OpResult<()> {
    let headers =
        serde_json::to_string(&s.headers).map_err(|e| OpError::Internal(e.to_string()))?;
    tx.exec(
        "UPDATE webhooks SET url = $1, is_enabled = $2, headers = $3, format = $4, secret = $5 \
         WHERE project_id = $6 AND webhook_id = $7",
        params![&s.url, s.is_enabled, headers, &s.format, &s.secret, pid, id],
    )
    .await?;
    tx.exec(
        "DELETE FROM webhook_events WHERE project_id = $1 AND webhook_id = $2",
        params![pid, id],
    )
    .await?;
    for e in &s.events {
        tx.exec(
            "INSERT INTO webhook_events (project_id, webhook_id, event) VALUES ($1, $2, $3)",
            params![pid, id, e.as_str()],
        )
        .await?;
    }
    Ok(())
}

/// `[ADMIN]` The project's webhooks, oldest first.
pub async fn list(tx: &mut Tx, actor: &Actor, pid: i64) -> OpResult<Vec<Webhook>> {
    access::admin(tx, actor, pid).await?;
    let rows: Vec<WebhookRow> = tx
        .all(
            &format!(
                "SELECT {WEBHOOK_COLS} FROM webhooks w WHERE w.project_id = $1 ORDER BY w.webhook_id"
            ),
            params![pid],
        )
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    shape(tx, pid, rows).await
}

/// `[ADMIN]` One webhook.
pub async fn get(tx: &mut Tx, actor: &Actor, pid: i64, id: i64) -> OpResult<Webhook> {
    access::admin(tx, actor, pid).await?;
    load(tx, pid, id).await
}

/// `[ADMIN]` Creates a webhook; the caller is its creator.
pub async fn create(tx: &mut Tx, actor: &Actor, pid: i64, v: WebhookValues) -> OpResult<Webhook> {
    access::admin(tx, actor, pid).await?;
    let mut c = Check::new();
    let url = check_url(&mut c, v.url.as_deref());
    let events = check_events(&mut c, v.events.as_deref());
    let headers = check_headers(&mut c, v.headers.as_deref());
    let format = check_format(&mut c, v.format.as_deref());
    let secret = v.secret.flatten();
    check_secret(&mut c, secret.as_deref());
    c.finish()?;
    let id = sequences::next_id(tx, pid, "webhook").await?;
    tx.exec(
        "INSERT INTO webhooks (project_id, webhook_id, url, is_enabled, headers, format, secret, \
         creator_id, creation_date) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        params![
            pid,
            id,
            "",
            true,
            "[]",
            "hacknplan",
            None::<String>,
            actor.user_id,
            model::now()
        ],
    )
    .await?;
    let s = Settings {
        url,
        events,
        headers,
        is_enabled: v.is_enabled.unwrap_or(true),
        format,
        secret,
    };
    write(tx, pid, id, &s).await?;
    load(tx, pid, id).await
}

/// `[ADMIN]` Replaces the webhook's settings (see [`WebhookValues`] for what omitted means).
pub async fn update(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    id: i64,
    v: WebhookValues,
) -> OpResult<Webhook> {
    access::admin(tx, actor, pid).await?;
    let cur = load_row(tx, pid, id).await?;
    let mut c = Check::new();
    let url = check_url(&mut c, v.url.as_deref());
    let events = check_events(&mut c, v.events.as_deref());
    let headers = check_headers(&mut c, v.headers.as_deref());
    let format = check_format(&mut c, Some(v.format.as_deref().unwrap_or(&cur.format)));
    let secret = v.secret.unwrap_or(cur.secret);
    check_secret(&mut c, secret.as_deref());
    c.finish()?;
    let s = Settings {
        url,
        events,
        headers,
        is_enabled: v.is_enabled.unwrap_or(true),
        format,
        secret,
    };
    write(tx, pid, id, &s).await?;
    load(tx, pid, id).await
}

/// `[ADMIN]` Changes only the values sent.
pub async fn patch(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    id: i64,
    v: PatchWebhookValues,
) -> OpResult<Webhook> {
    access::admin(tx, actor, pid).await?;
    let cur = load(tx, pid, id).await?;
    let cur_secret = load_row(tx, pid, id).await?.secret;
    let mut c = Check::new();
    let url = check_url(&mut c, Some(v.url.as_deref().unwrap_or(&cur.url)));
    let events = check_events(&mut c, Some(v.events.as_deref().unwrap_or(&cur.events)));
    let headers = match &v.headers {
        Some(h) => check_headers(&mut c, Some(h)),
        None => cur.headers.clone(),
    };
    let format = check_format(&mut c, Some(v.format.as_deref().unwrap_or(&cur.format)));
    let secret = v.secret.unwrap_or(cur_secret);
    check_secret(&mut c, secret.as_deref());
    c.finish()?;
    let s = Settings {
        url,
        events,
        headers,
        is_enabled: v.is_enabled.unwrap_or(cur.is_enabled),
        format,
        secret,
    };
    write(tx, pid, id, &s).await?;
    load(tx, pid, id).await
}

/// `[ADMIN]` Deletes the webhook with its subscriptions and its delivery log.
pub async fn delete(tx: &mut Tx, actor: &Actor, pid: i64, id: i64) -> OpResult<()> {
    access::admin(tx, actor, pid).await?;
    load_row(tx, pid, id).await?;
    // Stated rather than left to ON DELETE CASCADE, so both backends clearly agree.
    tx.exec(
        "DELETE FROM webhook_attempts WHERE project_id = $1 AND webhook_id = $2",
        params![pid, id],
    )
    .await?;
    tx.exec(
        "DELETE FROM webhook_deliveries WHERE project_id = $1 AND webhook_id = $2",
        params![pid, id],
    )
    .await?;
    tx.exec(
        "DELETE FROM webhook_events WHERE project_id = $1 AND webhook_id = $2",
        params![pid, id],
    )
    .await?;
    tx.exec(
        "DELETE FROM webhooks WHERE project_id = $1 AND webhook_id = $2",
        params![pid, id],
    )
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: i64,
    project_id: i64,
    webhook_id: i64,
    change_id: i64,
    event: String,
    payload: String,
    status: String,
    attempts: i64,
    next_attempt_at: Option<i64>,
    creation_date: String,
    redelivery_of: Option<i64>,
}
crate::lite_row!(DeliveryRow {
    id,
    project_id,
    webhook_id,
    change_id,
    event,
    payload,
    status,
    attempts,
    next_attempt_at,
    creation_date,
    redelivery_of
});

const DELIVERY_COLS: &str = "d.id, d.project_id, d.webhook_id, d.change_id, d.event, d.payload, \
     d.status, d.attempts, d.next_attempt_at, d.creation_date, d.redelivery_of";

#[derive(sqlx::FromRow)]
struct AttemptRow {
    delivery_id: i64,
    attempt: i64,
    attempted_date: String,
    status_code: Option<i64>,
    duration_ms: i64,
    error: Option<String>,
    response: Option<String>,
}
crate::lite_row!(AttemptRow {
    delivery_id,
    attempt,
    attempted_date,
    status_code,
    duration_ms,
    error,
    response
});

fn ms_to_date(ms: i64) -> Option<String> {
    chrono::DateTime::from_timestamp_millis(ms).map(model::format_date)
}

async fn shape_deliveries(tx: &mut Tx, rows: Vec<DeliveryRow>) -> OpResult<Vec<Delivery>> {
    let mut attempts: BTreeMap<i64, Vec<DeliveryAttempt>> = BTreeMap::new();
    if !rows.is_empty() {
        let ids: Vec<crate::store::Val> = rows.iter().map(|r| r.id.into()).collect();
        let sql = format!(
            "SELECT delivery_id, attempt, attempted_date, status_code, duration_ms, error, response \
             FROM webhook_attempts WHERE delivery_id IN ({}) ORDER BY delivery_id, attempt",
            crate::store::placeholders(1, ids.len())
        );
        let list: Vec<AttemptRow> = tx.all(&sql, &ids).await?;
        for a in list {
            attempts
                .entry(a.delivery_id)
                .or_default()
                .push(DeliveryAttempt {
                    attempt: a.attempt,
                    attempted_at: a.attempted_date,
                    status_code: a.status_code,
                    duration_ms: a.duration_ms,
                    error: a.error,
                    response: a.response,
                });
        }
    }
    Ok(rows
        .into_iter()
        .map(|r| Delivery {
            delivery_id: r.id,
            project_id: r.project_id,
            webhook_id: r.webhook_id,
            event: r.event,
            change_id: r.change_id,
            attempt_count: r.attempts,
            attempts: attempts.remove(&r.id).unwrap_or_default(),
            next_attempt_date: if r.status == "pending" {
                r.next_attempt_at.and_then(ms_to_date)
            } else {
                None
            },
            status: r.status,
            creation_date: r.creation_date,
            redelivery_of: r.redelivery_of,
            payload: serde_json::from_str(&r.payload).unwrap_or(serde_json::Value::Null),
        })
        .collect())
}

/// `[ADMIN]` A page of the webhook's delivery log, newest first: (total count, page).
pub async fn deliveries(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    id: i64,
    offset: i64,
    limit: i64,
) -> OpResult<(i64, Vec<Delivery>)> {
    access::admin(tx, actor, pid).await?;
    load_row(tx, pid, id).await?;
    let (total,): (i64,) = tx
        .one(
            "SELECT COUNT(*) FROM webhook_deliveries WHERE project_id = $1 AND webhook_id = $2",
            params![pid, id],
        )
        .await?;
    let rows: Vec<DeliveryRow> = tx
        .all(
            &format!(
                "SELECT {DELIVERY_COLS} FROM webhook_deliveries d \
                 WHERE d.project_id = $1 AND d.webhook_id = $2 ORDER BY d.id DESC LIMIT CAST($3 AS BIGINT) OFFSET CAST($4 AS BIGINT)"
            ),
            params![pid, id, limit, offset],
        )
        .await?;
    Ok((total, shape_deliveries(tx, rows).await?))
}

/// `[ADMIN]` Queues the delivery's payload again, as a new delivery at the end of the
/// webhook's queue (a disabled webhook holds it until re-enabled).
pub async fn redeliver(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    id: i64,
    delivery_id: i64,
) -> OpResult<Delivery> {
    access::admin(tx, actor, pid).await?;
    load_row(tx, pid, id).await?;
    let old: DeliveryRow = tx
        .opt(
            &format!(
                "SELECT {DELIVERY_COLS} FROM webhook_deliveries d \
                 WHERE d.project_id = $1 AND d.webhook_id = $2 AND d.id = $3"
            ),
            params![pid, id, delivery_id],
        )
        .await?
        .ok_or(OpError::NotFound)?;
    let now = chrono::Utc::now();
    let (new_id,): (i64,) = tx
        .one(
            "INSERT INTO webhook_deliveries (project_id, webhook_id, change_id, event, actor_id, \
             payload, status, attempts, next_attempt_at, created_at, creation_date, redelivery_of) \
             SELECT d.project_id, d.webhook_id, d.change_id, d.event, d.actor_id, d.payload, \
             'pending', 0, $1, $1, $2, d.id FROM webhook_deliveries d WHERE d.id = $3 RETURNING id",
            params![now.timestamp_millis(), model::format_date(now), old.id],
        )
        .await?;
    let row: DeliveryRow = tx
        .one(
            &format!("SELECT {DELIVERY_COLS} FROM webhook_deliveries d WHERE d.id = $1"),
            params![new_id],
        )
        .await?;
    shape_deliveries(tx, vec![row])
        .await?
        .pop()
        .ok_or(OpError::NotFound)
}
