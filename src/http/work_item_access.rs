//! Moved to `crate::ops::work_item_access`; re-exported here for the handlers that still import
//! it from `http` (the lead removes this file once they have moved).

pub use crate::ops::work_item_access::{ItemRef, open};

use super::error::ApiResult;
use crate::store::Tx;

/// `ops::work_item_access::touch` with the HTTP error type, for callers that return it as is.
pub async fn touch(tx: &mut Tx, pid: i64, wid: i64) -> ApiResult<()> {
    Ok(crate::ops::work_item_access::touch(tx, pid, wid).await?)
}
