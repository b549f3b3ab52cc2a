//! Users: the actor's own account (`GET /v0/users/me`, which every client calls first).

use super::{Actor, OpError, OpResult};
use crate::model::{USER_COLS, User};
use crate::params;
use crate::store::Tx;

/// The actor's user; any key may read it, whatever its scopes.
pub async fn me(tx: &mut Tx, actor: &Actor) -> OpResult<User> {
    tx.opt(
        &format!("SELECT {USER_COLS} FROM users u WHERE u.id = $1"),
        params![actor.user_id],
    )
    .await?
    .ok_or(OpError::NotFound)
}
