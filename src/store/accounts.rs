//! Users, API keys, workspaces and teams: what the CLI manages (the v0 API has no endpoints
//! for them) and what the first start creates.

use super::{Db, DbResult, Tx};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::model::now;
use crate::ops::Scopes;
use crate::params;

/// A new random key: 32 lowercase hex characters.
pub fn generate_key() -> String {
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

pub fn is_valid_key(k: &str) -> bool {
    k.len() == 32
        && k.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

pub fn hash_key(k: &str) -> String {
    hex::encode(Sha256::digest(k.as_bytes()))
}

pub async fn user_count(tx: &mut Tx) -> DbResult<i64> {
    Ok(tx.one::<(i64,)>("SELECT COUNT(*) FROM users", &[]).await?.0)
}

pub async fn user_id_by_name(tx: &mut Tx, username: &str) -> DbResult<Option<i64>> {
    Ok(tx
        .opt::<(i64,)>(
            "SELECT id FROM users WHERE username = $1",
            params![username],
        )
        .await?
        .map(|r| r.0))
}

pub async fn default_workspace(tx: &mut Tx) -> DbResult<Option<i64>> {
    Ok(tx
        .opt::<(i64,)>("SELECT id FROM workspaces ORDER BY id LIMIT 1", &[])
        .await?
        .map(|r| r.0))
}

/// Creates a user and makes them a member of the default workspace (creating it, owned by
/// this user, when there is none yet). Returns the user id.
pub async fn create_user(
    tx: &mut Tx,
    username: &str,
    email: &str,
    name: Option<&str>,
    admin: bool,
) -> DbResult<i64> {
    let ts = now();
    let (id,): (i64,) = tx
        .one(
            "INSERT INTO users (username, email, name, is_admin, creation_date) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
            params![username, email, name, admin, &ts],
        )
        .await?;
    let workspace = match default_workspace(tx).await? {
        Some(w) => w,
        None => {
            tx.one::<(i64,)>(
                "INSERT INTO workspaces (name, owner_id, total_seats, creation_date) \
                 VALUES ($1, $2, $3, $4) RETURNING id",
                params!["Studio", id, 0i64, &ts],
            )
            .await?
            .0
        }
    };
    tx.exec(
        "INSERT INTO workspace_users (workspace_id, user_id, is_admin, is_guest, is_active, creation_date) \
         VALUES ($1, $2, $3, FALSE, TRUE, $4)",
        params![workspace, id, admin, &ts],
    )
    .await?;
    Ok(id)
}

/// The user and stored scopes of an unrevoked key, by the key's SHA-256 hash.
pub async fn active_key(tx: &mut Tx, key_hash: &str) -> DbResult<Option<(i64, String)>> {
    tx.opt(
        "SELECT user_id, scopes FROM api_keys WHERE key_hash = $1 AND revoked_date IS NULL",
        params![key_hash],
    )
    .await
}

/// Stores a key (only its SHA-256 hash) and returns the key itself.
pub async fn create_key(
    tx: &mut Tx,
    user_id: i64,
    label: &str,
    scopes: Scopes,
    key: Option<&str>,
) -> DbResult<String> {
    let key = key.map(str::to_string).unwrap_or_else(generate_key);
    tx.exec(
        "INSERT INTO api_keys (user_id, name, key_hash, scopes, creation_date) VALUES ($1, $2, $3, $4, $5)",
        params![user_id, label, hash_key(&key), scopes.to_stored(), now()],
    )
    .await?;
    Ok(key)
}

/// On first start with an empty database: the owner, the default workspace and a key.
/// Returns the key when it created one.
pub async fn bootstrap(db: &Db, key: Option<&str>) -> DbResult<Option<String>> {
    bootstrap_with_password(db, key, None).await
}

/// `bootstrap`, also giving the owner a web password (its argon2id PHC string).
pub async fn bootstrap_with_password(
    db: &Db,
    key: Option<&str>,
    password_hash: Option<&str>,
) -> DbResult<Option<String>> {
    let mut tx = db.write().await?;
    if user_count(&mut tx).await? > 0 {
        return Ok(None);
    }
    let owner = create_user(&mut tx, "owner", "owner@localhost", Some("Owner"), true).await?;
    let key = create_key(&mut tx, owner, "bootstrap", Scopes::ALL, key).await?;
    if let Some(h) = password_hash {
        super::sessions::set_password(&mut tx, owner, h, crate::model::now_utc().timestamp())
            .await?;
    }
    tx.commit().await?;
    Ok(Some(key))
}

/// Whether the database has no user yet (the first start).
pub async fn is_empty(db: &Db) -> DbResult<bool> {
    let mut tx = db.read().await?;
    let n = user_count(&mut tx).await?;
    tx.commit().await?;
    Ok(n == 0)
}

#[derive(sqlx::FromRow)]
pub struct KeyInfo {
    pub id: i64,
    pub name: String,
    pub scopes: String,
    pub creation_date: String,
    pub revoked_date: Option<String>,
}
crate::lite_row!(KeyInfo {
    id,
    name,
    scopes,
    creation_date,
    revoked_date
});

pub async fn list_keys(tx: &mut Tx, user_id: i64) -> DbResult<Vec<KeyInfo>> {
    tx.all(
        "SELECT id, name, scopes, creation_date, revoked_date FROM api_keys WHERE user_id = $1 ORDER BY id",
        params![user_id],
    )
    .await
}

/// Revokes a key; false when no active key has that id.
pub async fn revoke_key(tx: &mut Tx, key_id: i64) -> DbResult<bool> {
    Ok(tx
        .exec(
            "UPDATE api_keys SET revoked_date = $1 WHERE id = $2 AND revoked_date IS NULL",
            params![now(), key_id],
        )
        .await?
        == 1)
}

/// Revokes one of the user's own keys; false when they have no active key with that id.
pub async fn revoke_user_key(tx: &mut Tx, user_id: i64, key_id: i64) -> DbResult<bool> {
    Ok(tx
        .exec(
            "UPDATE api_keys SET revoked_date = $1 WHERE id = $2 AND user_id = $3 AND revoked_date IS NULL",
            params![now(), key_id, user_id],
        )
        .await?
        == 1)
}

pub async fn create_team(tx: &mut Tx, workspace_id: i64, name: &str) -> DbResult<i64> {
    let (owner,): (i64,) = tx
        .one(
            "SELECT owner_id FROM workspaces WHERE id = $1",
            params![workspace_id],
        )
        .await?;
    Ok(tx
        .one::<(i64,)>(
            "INSERT INTO teams (workspace_id, name, creator_id, creation_date) VALUES ($1, $2, $3, $4) RETURNING id",
            params![workspace_id, name, owner, now()],
        )
        .await?
        .0)
}

/// Puts a workspace member in a team; false when the user is not in the team's workspace.
pub async fn add_team_user(tx: &mut Tx, team_id: i64, user_id: i64) -> DbResult<bool> {
    Ok(tx
        .exec(
            "UPDATE workspace_users SET team_id = $1 WHERE user_id = $2 \
             AND workspace_id = (SELECT workspace_id FROM teams WHERE id = $1)",
            params![team_id, user_id],
        )
        .await?
        == 1)
}

/// Takes a user out of a team (of the team's workspace); false when they were not in it.
pub async fn remove_team_user(tx: &mut Tx, team_id: i64, user_id: i64) -> DbResult<bool> {
    Ok(tx
        .exec(
            "UPDATE workspace_users SET team_id = NULL WHERE user_id = $2 AND team_id = $1",
            params![team_id, user_id],
        )
        .await?
        == 1)
}
