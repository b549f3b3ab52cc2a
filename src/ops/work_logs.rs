//! Work logs: time (or points) spent on a work item. The item's logged cost is their sum. A log
//! created with a comment also posts that comment on the item, linked to the log.

use std::collections::HashMap;

use serde::Deserialize;
use utoipa::ToSchema;

use super::work_item_access as wia;
use super::{Actor, OpError, OpResult, Scope, comments};
use crate::changes::{self, Event};
use crate::model::{self, AUTHOR_COLS, AuthorRow, COMMENT_MAX, Check, WorkLog};
use crate::params;
use crate::store::{Tx, Val, placeholders};

/// Largest value one log may carry, in the project's cost unit.
const VALUE_MAX: f64 = 1e6;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateWorkLogValues {
    /// Required: greater than 0, at most 1,000,000, in the project's cost unit.
    pub value: Option<f64>,
    /// Also posted as a comment on the work item. Max 5000 chars.
    #[serde(alias = "description")]
    pub comment: Option<String>,
    /// When the work was done; defaults to now.
    pub date: Option<String>,
}

#[derive(sqlx::FromRow)]
struct WorkLogRow {
    project_id: i64,
    work_item_id: i64,
    work_log_id: i64,
    value: f64,
    description: Option<String>,
    date: String,
    creation_date: String,
    #[sqlx(flatten)]
    author: AuthorRow,
}
crate::lite_row!(WorkLogRow { project_id, work_item_id, work_log_id, value, description, date, creation_date } flatten { author });

impl From<WorkLogRow> for WorkLog {
    fn from(r: WorkLogRow) -> Self {
        WorkLog {
            project_id: r.project_id,
            work_item_id: r.work_item_id,
            work_log_id: r.work_log_id,
            user: r.author.into(),
            value: r.value,
            comment: r.description,
            date: r.date,
            creation_date: r.creation_date,
        }
    }
}

fn select() -> String {
    format!(
        "SELECT l.project_id, l.work_item_id, l.id AS work_log_id, l.value, l.description, \
         l.date, l.creation_date, {AUTHOR_COLS} FROM work_logs l JOIN users u ON u.id = l.user_id"
    )
}

/// Logs by id, in one query (comments nest the log they came with).
pub(super) async fn by_ids(tx: &mut Tx, ids: &[i64]) -> OpResult<HashMap<i64, WorkLog>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "{} WHERE l.id IN ({})",
        select(),
        placeholders(1, ids.len())
    );
    let params: Vec<Val> = ids.iter().map(|i| Val::from(*i)).collect();
    let rows: Vec<WorkLogRow> = tx.all(&sql, &params).await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.work_log_id, WorkLog::from(r)))
        .collect())
}

async fn load(tx: &mut Tx, pid: i64, wid: i64, lid: i64) -> OpResult<WorkLog> {
    let row: WorkLogRow = tx
        .opt(
            &format!(
                "{} WHERE l.project_id = $1 AND l.work_item_id = $2 AND l.id = $3",
                select()
            ),
            params![pid, wid, lid],
        )
        .await?
        .ok_or(OpError::NotFound)?;
    Ok(row.into())
}

fn check_value(c: &mut Check, v: f64) {
    if !v.is_finite() || v <= 0.0 || v > VALUE_MAX {
        c.fail(
            "value",
            "The value must be greater than 0 and at most 1000000.",
        );
    }
}

/// The item's logs, oldest first.
pub async fn list(tx: &mut Tx, actor: &Actor, pid: i64, wid: i64) -> OpResult<Vec<WorkLog>> {
    wia::open(tx, actor, pid, wid, Scope::WorkItemsRead).await?;
    let rows: Vec<WorkLogRow> = tx
        .all(
            &format!(
                "{} WHERE l.project_id = $1 AND l.work_item_id = $2 ORDER BY l.id",
                select()
            ),
            params![pid, wid],
        )
        .await?;
    Ok(rows.into_iter().map(WorkLog::from).collect())
}

pub async fn get(tx: &mut Tx, actor: &Actor, pid: i64, wid: i64, lid: i64) -> OpResult<WorkLog> {
    wia::open(tx, actor, pid, wid, Scope::WorkItemsRead).await?;
    load(tx, pid, wid, lid).await
}

/// Logs work on the item as the actor (and, with a comment, posts it on the item).
pub async fn create(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    wid: i64,
    v: CreateWorkLogValues,
) -> OpResult<WorkLog> {
    let mut c = Check::new();
    match v.value {
        None => c.fail("value", "The value is required."),
        Some(x) => check_value(&mut c, x),
    }
    c.text("comment", v.comment.as_deref(), COMMENT_MAX);
    let date = c.date("date", v.date.as_deref());
    c.finish()?;
    let comment = v.comment.filter(|t| !t.trim().is_empty());

    let (m, item) = wia::open(tx, actor, pid, wid, Scope::WorkItemsWrite).await?;
    m.require(m.can_update_category(item.category()))?;
    let now = model::now();
    // The log's trigger moves the project's running totals (migration 0007): take the lock
    // every work-item write takes first, so two writes never lock those rows in opposite orders.
    crate::store::work_items::lock_project(tx, pid).await?;
    let (lid,): (i64,) = tx
        .one(
            "INSERT INTO work_logs (project_id, work_item_id, user_id, value, description, date, creation_date) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            params![
                pid,
                wid,
                actor.user_id,
                v.value.unwrap_or_default(),
                &comment,
                date.unwrap_or_else(|| now.clone()),
                &now
            ],
        )
        .await?;
    let log = load(tx, pid, wid, lid).await?;
    let event = Event::WorkItemWorkLogCreated;
    changes::record(tx, actor, pid, event, lid, item.category(), &log).await?;
    if let Some(text) = &comment {
        comments::post_with_log(tx, actor, &item, text, lid, &now).await?;
    }
    wia::touch(tx, pid, wid).await?;
    Ok(log)
}

/// Changes the value of a log (its author or an admin).
pub async fn update(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    wid: i64,
    lid: i64,
    value: f64,
) -> OpResult<WorkLog> {
    let mut c = Check::new();
    check_value(&mut c, value);
    c.finish()?;
    let (m, item) = wia::open(tx, actor, pid, wid, Scope::WorkItemsWrite).await?;
    let log = load(tx, pid, wid, lid).await?;
    m.require(m.is_admin || (log.user.id == m.user_id && m.can_update_category(item.category())))?;
    crate::store::work_items::lock_project(tx, pid).await?;
    tx.exec(
        "UPDATE work_logs SET value = $1 WHERE id = $2",
        params![value, lid],
    )
    .await?;
    wia::touch(tx, pid, wid).await?;
    let log = load(tx, pid, wid, lid).await?;
    let event = Event::WorkItemWorkLogUpdated;
    changes::record(tx, actor, pid, event, lid, item.category(), &log).await?;
    Ok(log)
}

/// Deletes a log (its author or an admin). A comment posted with it stays.
pub async fn delete(tx: &mut Tx, actor: &Actor, pid: i64, wid: i64, lid: i64) -> OpResult<()> {
    let (m, item) = wia::open(tx, actor, pid, wid, Scope::WorkItemsWrite).await?;
    let log = load(tx, pid, wid, lid).await?;
    m.require(m.is_admin || (log.user.id == m.user_id && m.can_update_category(item.category())))?;
    crate::store::work_items::lock_project(tx, pid).await?;
    // Explicit rather than relying on ON DELETE SET NULL being enforced.
    tx.exec(
        "UPDATE comments SET work_log_id = NULL WHERE work_log_id = $1",
        params![lid],
    )
    .await?;
    tx.exec("DELETE FROM work_logs WHERE id = $1", params![lid])
        .await?;
    wia::touch(tx, pid, wid).await?;
    // Only the log's own event: the comment that loses its link is not reported.
    let event = Event::WorkItemWorkLogDeleted;
    changes::record(tx, actor, pid, event, lid, item.category(), &log).await?;
    Ok(())
}
