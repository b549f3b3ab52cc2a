//! Users: the actor's own account (`GET /v0/users/me`, which every client calls first).

use super::{Actor, OpError, OpResult, Scopes};
use crate::model::{USER_COLS, User};
use crate::params;
use crate::store::Tx;
use crate::store::accounts::{self, KeyInfo};

/// The actor's user; any key may read it, whatever its scopes.
pub async fn me(tx: &mut Tx, actor: &Actor) -> OpResult<User> {
    tx.opt(
        &format!("SELECT {USER_COLS} FROM users u WHERE u.id = $1"),
        params![actor.user_id],
    )
    .await?
    .ok_or(OpError::NotFound)
}

/// Labels of API keys: 1..=100 characters.
const LABEL_MAX: usize = 100;

/// Creates an API key for the actor themself (the web account page; the v0 API has no way to
/// make keys). Returns the key, which is stored only as a hash: shown once.
pub async fn create_key_for_self(
    tx: &mut Tx,
    actor: &Actor,
    label: &str,
    scopes: Scopes,
) -> OpResult<String> {
    let label = label.trim();
    if label.is_empty() || label.chars().count() > LABEL_MAX {
        return Err(OpError::field(
            "label",
            format!("The label must have 1 to {LABEL_MAX} characters."),
        ));
    }
    Ok(accounts::create_key(tx, actor.user_id, label, scopes, None).await?)
}

/// The actor's API keys, revoked ones too.
pub async fn keys_of_self(tx: &mut Tx, actor: &Actor) -> OpResult<Vec<KeyInfo>> {
    Ok(accounts::list_keys(tx, actor.user_id).await?)
}

/// Revokes one of the actor's keys; another user's key is NotFound like a missing one.
pub async fn revoke_key_for_self(tx: &mut Tx, actor: &Actor, key_id: i64) -> OpResult<()> {
    if accounts::revoke_user_key(tx, actor.user_id, key_id).await? {
        Ok(())
    } else {
        Err(OpError::NotFound)
    }
}
