//! Per-project id sequences (BEHAVIOUR.md §7): categories, stages, work items, … are numbered
//! 1, 2, 3 within each project. Ids are never reused after a delete.

use super::{DbResult, Tx};
use crate::params;

pub async fn next_id(tx: &mut Tx, project_id: i64, kind: &str) -> DbResult<i64> {
    let (v,): (i64,) = tx
        .one(
            "INSERT INTO project_sequences (project_id, kind, last_value) VALUES ($1, $2, 1) \
             ON CONFLICT (project_id, kind) DO UPDATE SET last_value = project_sequences.last_value + 1 \
             RETURNING last_value",
            params![project_id, kind],
        )
        .await?;
    Ok(v)
}
