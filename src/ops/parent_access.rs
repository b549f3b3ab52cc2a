//! A thin, temporary bridge to the access helpers of the parents (work items, design elements)
//! that sub-tasks, work logs and comments hang off. Those helpers still live in `http` while
//! their own groups move to `ops::work_item_access` and `ops::design_elements`; once they land,
//! the callers switch their one `use … as wia` line and this file goes.

use super::access::Member;
use super::{Actor, OpError, OpResult, Scope};
use crate::http::error::ApiError;
use crate::http::work_item_access;
use crate::store::Tx;

pub use crate::http::work_item_access::ItemRef;

/// The helpers only ever fail with what an `OpError` already said (or a database error).
fn op(e: ApiError) -> OpError {
    match e {
        ApiError::NotFound => OpError::NotFound,
        ApiError::Forbidden(m) => OpError::Forbidden(m),
        ApiError::Conflict(m) => OpError::Conflict(m),
        ApiError::BadRequest(m) => OpError::Invalid(m),
        ApiError::Validation(m) => OpError::Validation(m),
        other => OpError::Internal(other.to_string()),
    }
}

/// The caller's membership (with `scope`) and the work item, readable by the caller.
pub async fn open(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    wid: i64,
    scope: Scope,
) -> OpResult<(Member, ItemRef)> {
    work_item_access::open(tx, actor, pid, wid, scope)
        .await
        .map_err(op)
}

/// Marks the work item as changed now.
pub async fn touch(tx: &mut Tx, pid: i64, wid: i64) -> OpResult<()> {
    work_item_access::touch(tx, pid, wid).await.map_err(op)
}

pub use super::design_elements::design_access;
