//! The web app's sign-in data: passwords, browser sessions and failed sign-ins (migration 0010).
//! Times are Unix seconds. What they mean (expiry, throttling) is decided in `ops::sessions`.

use super::{DbResult, Tx};
use crate::params;

pub async fn set_password(tx: &mut Tx, user_id: i64, hash: &str, now: i64) -> DbResult<()> {
    tx.exec(
        "INSERT INTO user_passwords (user_id, hash, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at",
        params![user_id, hash, now],
    )
    .await?;
    Ok(())
}

/// The user's id, exact username and password hash (None when they have no password).
pub async fn password_by_username(
    tx: &mut Tx,
    username: &str,
) -> DbResult<Option<(i64, String, Option<String>)>> {
    tx.opt(
        "SELECT u.id, u.username, p.hash FROM users u \
         LEFT JOIN user_passwords p ON p.user_id = u.id WHERE u.username = $1",
        params![username],
    )
    .await
}

pub async fn password_of(tx: &mut Tx, user_id: i64) -> DbResult<Option<String>> {
    Ok(tx
        .opt::<(String,)>(
            "SELECT hash FROM user_passwords WHERE user_id = $1",
            params![user_id],
        )
        .await?
        .map(|r| r.0))
}

pub struct NewSessionRow<'a> {
    pub token_hash: &'a str,
    pub user_id: i64,
    pub csrf: &'a str,
    pub now: i64,
    pub expires_at: i64,
}

pub async fn create_session(tx: &mut Tx, s: &NewSessionRow<'_>) -> DbResult<i64> {
    Ok(tx
        .one::<(i64,)>(
            "INSERT INTO web_sessions (token_hash, user_id, csrf, created_at, last_seen_at, expires_at) \
             VALUES ($1, $2, $3, $4, $4, $5) RETURNING id",
            params![s.token_hash, s.user_id, s.csrf, s.now, s.expires_at],
        )
        .await?
        .0)
}

#[derive(sqlx::FromRow, Debug, Clone)]
pub struct SessionRow {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub csrf: String,
    pub last_seen_at: i64,
    pub expires_at: i64,
}
crate::lite_row!(SessionRow {
    id,
    user_id,
    username,
    csrf,
    last_seen_at,
    expires_at
});

pub async fn session_by_token_hash(tx: &mut Tx, token_hash: &str) -> DbResult<Option<SessionRow>> {
    tx.opt(
        "SELECT s.id, s.user_id, u.username, s.csrf, s.last_seen_at, s.expires_at \
         FROM web_sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
        params![token_hash],
    )
    .await
}

pub async fn touch_session(tx: &mut Tx, id: i64, now: i64) -> DbResult<()> {
    tx.exec(
        "UPDATE web_sessions SET last_seen_at = $1 WHERE id = $2",
        params![now, id],
    )
    .await?;
    Ok(())
}

pub async fn delete_session(tx: &mut Tx, id: i64) -> DbResult<u64> {
    tx.exec("DELETE FROM web_sessions WHERE id = $1", params![id])
        .await
}

/// Deletes the user's sessions except `keep` (the one making the request, when it stays).
pub async fn delete_user_sessions(tx: &mut Tx, user_id: i64, keep: Option<i64>) -> DbResult<u64> {
    tx.exec(
        "DELETE FROM web_sessions WHERE user_id = $1 AND id <> $2",
        params![user_id, keep.unwrap_or(0)],
    )
    .await
}

pub async fn count_user_sessions(tx: &mut Tx, user_id: i64) -> DbResult<i64> {
    Ok(tx
        .one::<(i64,)>(
            "SELECT COUNT(*) FROM web_sessions WHERE user_id = $1",
            params![user_id],
        )
        .await?
        .0)
}

/// Removes sessions past their absolute expiry or idle for longer than `idle` seconds.
pub async fn delete_expired_sessions(tx: &mut Tx, now: i64, idle: i64) -> DbResult<u64> {
    tx.exec(
        "DELETE FROM web_sessions WHERE expires_at <= $1 OR last_seen_at <= $2",
        params![now, now - idle],
    )
    .await
}

pub async fn record_failure(tx: &mut Tx, username: &str, ip: &str, now: i64) -> DbResult<()> {
    tx.exec(
        "INSERT INTO login_failures (username, ip, at) VALUES ($1, $2, $3)",
        params![username, ip, now],
    )
    .await?;
    Ok(())
}

/// The times of the newest `limit` failures for the username and for the IP since `since`,
/// newest first.
pub async fn recent_failures(
    tx: &mut Tx,
    username: &str,
    ip: &str,
    since: i64,
    limit: i64,
) -> DbResult<(Vec<i64>, Vec<i64>)> {
    let by_user: Vec<(i64,)> = tx
        .all(
            "SELECT at FROM login_failures WHERE username = $1 AND at > $2 ORDER BY at DESC LIMIT $3",
            params![username, since, limit],
        )
        .await?;
    let by_ip: Vec<(i64,)> = tx
        .all(
            "SELECT at FROM login_failures WHERE ip = $1 AND at > $2 ORDER BY at DESC LIMIT $3",
            params![ip, since, limit],
        )
        .await?;
    Ok((
        by_user.into_iter().map(|r| r.0).collect(),
        by_ip.into_iter().map(|r| r.0).collect(),
    ))
}

/// Forgets the username's failures (after it signed in) and every failure older than `before`.
pub async fn clear_failures(tx: &mut Tx, username: &str, before: i64) -> DbResult<()> {
    tx.exec(
        "DELETE FROM login_failures WHERE username = $1 OR at <= $2",
        params![username, before],
    )
    .await?;
    Ok(())
}
