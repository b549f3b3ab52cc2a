//! Permission rules as operations ask them (BEHAVIOUR.md §8), taking an [`Actor`].
//!
//! A bridge for now: the rules themselves still live in `http/access.rs`, which every group not
//! yet on ops calls directly. Next, once more groups have moved: move `Member`, `member`,
//! `member_even_if_closed`, `admin*`, `require_open_*` and the closed-thing messages here, make
//! them return `OpResult` and take `&Actor` (`Member::require_work_item_deletes` with it), and
//! leave `http/access.rs` as a thin `Auth → Actor` shim until the last group has moved; then the
//! `From<ApiError> for OpError` below goes and ops no longer touches `crate::http` at all.

use super::{Actor, OpError, OpResult, Scope};
use crate::http::auth::Auth;
use crate::http::error::ApiError;
use crate::store::Tx;

pub use crate::http::access::{BOARD_CLOSED, MILESTONE_CLOSED, Member, PROJECT_CLOSED};

fn auth(actor: &Actor) -> Auth {
    Auth {
        user_id: actor.user_id,
        scopes: actor.scopes,
    }
}

/// Only for the bridge: the rules in `http/access.rs` (and `Member`'s `require_*`) still answer
/// with `ApiError`. They only produce the variants mapped one to one here.
impl From<ApiError> for OpError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::NotFound => OpError::NotFound,
            ApiError::Forbidden(m) => OpError::Forbidden(m),
            ApiError::BadRequest(m) => OpError::Invalid(m),
            ApiError::Validation(m) => OpError::Validation(m),
            ApiError::Conflict(m) => OpError::Conflict(m),
            ApiError::Internal(m) => OpError::Internal(m),
            other => OpError::Internal(format!("unexpected access error: {other}")),
        }
    }
}

/// The actor as a member of the project, with `scope`; a write scope on a closed project → Forbidden.
pub async fn member(tx: &mut Tx, actor: &Actor, project_id: i64, scope: Scope) -> OpResult<Member> {
    Ok(crate::http::access::member(tx, &auth(actor), project_id, scope).await?)
}

/// `member` without the closed-project refusal (closing, reopening, deleting a project).
pub async fn member_even_if_closed(
    tx: &mut Tx,
    actor: &Actor,
    project_id: i64,
    scope: Scope,
) -> OpResult<Member> {
    Ok(crate::http::access::member_even_if_closed(tx, &auth(actor), project_id, scope).await?)
}

/// `[ADMIN]`: the `projects:admin` scope and a project admin, on an open project.
pub async fn admin(tx: &mut Tx, actor: &Actor, project_id: i64) -> OpResult<Member> {
    Ok(crate::http::access::admin(tx, &auth(actor), project_id).await?)
}

/// `admin` that also works on a closed project.
pub async fn admin_even_if_closed(tx: &mut Tx, actor: &Actor, project_id: i64) -> OpResult<Member> {
    Ok(crate::http::access::admin_even_if_closed(tx, &auth(actor), project_id).await?)
}

/// A closed board is read-only; `None` (the backlog) is always open.
pub async fn require_open_board(
    tx: &mut Tx,
    project_id: i64,
    board_id: Option<i64>,
) -> OpResult<()> {
    Ok(crate::http::access::require_open_board(tx, project_id, board_id).await?)
}

/// A closed milestone takes no edits of its own until reopened.
pub fn require_open_milestone(closing_date: Option<&str>) -> OpResult<()> {
    Ok(crate::http::access::require_open_milestone(closing_date)?)
}
