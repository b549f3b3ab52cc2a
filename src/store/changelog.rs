//! Writing the change log. Operations record their changes on the transaction as they go
//! (`Tx::defer_change`); `Tx::commit` appends them here, last thing before it commits:
//! numbers from the project's 'change' sequence, the log rows, and the webhook outbox rows.
//!
//! Appending last matters on PostgreSQL: the sequence row's lock is what makes a project's
//! changes commit in number order (readers that saw change N saw every change before it), and
//! as the last lock a write takes it cannot close a cycle with the row locks the write took
//! before (two writes that lock rows in between two records could otherwise deadlock).

use super::{DbResult, Tx};
use crate::params;

/// One change, ready to append.
#[derive(Debug, Clone)]
pub struct PendingChange {
    pub project_id: i64,
    pub event: &'static str,
    pub entity_kind: &'static str,
    pub entity_id: i64,
    pub category_id: Option<i64>,
    pub user_id: i64,
    pub creation_date: String,
    /// The entity as camelCase JSON.
    pub payload: String,
}

pub(super) async fn append(tx: &mut Tx, pending: Vec<PendingChange>) -> DbResult<()> {
    // Numbers are drawn per project, in one statement per project: most writes touch one.
    let mut i = 0;
    while i < pending.len() {
        let pid = pending[i].project_id;
        let run = pending[i..]
            .iter()
            .take_while(|c| c.project_id == pid)
            .count() as i64;
        let (last,): (i64,) = tx
            .one(
                "INSERT INTO project_sequences (project_id, kind, last_value) VALUES ($1, 'change', $2) \
                 ON CONFLICT (project_id, kind) DO UPDATE SET last_value = project_sequences.last_value + $2 \
                 RETURNING last_value",
                params![pid, run],
            )
            .await?;
        let first = last - run + 1;
        for (k, c) in pending[i..i + run as usize].iter().enumerate() {
            insert(tx, c, first + k as i64).await?;
        }
        i += run as usize;
    }
    Ok(())
}

async fn insert(tx: &mut Tx, c: &PendingChange, seq: i64) -> DbResult<()> {
    tx.exec(
        "INSERT INTO changes (project_id, seq, event, entity_kind, entity_id, category_id, user_id, creation_date, payload) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        params![
            c.project_id,
            seq,
            c.event,
            c.entity_kind,
            c.entity_id,
            c.category_id,
            c.user_id,
            &c.creation_date,
            &c.payload
        ],
    )
    .await?;
    // The webhook outbox: a pending delivery per enabled webhook subscribed to the event. One
    // indexed statement; a project without webhooks inserts nothing.
    tx.exec(
        "INSERT INTO webhook_deliveries (project_id, webhook_id, change_id, event, actor_id, payload, \
         status, attempts, next_attempt_at, created_at, creation_date) \
         SELECT w.project_id, w.webhook_id, $1, $2, $3, $4, 'pending', 0, $5, $5, $6 \
         FROM webhook_events e JOIN webhooks w \
         ON w.project_id = e.project_id AND w.webhook_id = e.webhook_id \
         WHERE e.project_id = $7 AND e.event = $2 AND w.is_enabled",
        params![
            seq,
            c.event,
            c.user_id,
            &c.payload,
            chrono::Utc::now().timestamp_millis(),
            &c.creation_date,
            c.project_id
        ],
    )
    .await?;
    Ok(())
}
