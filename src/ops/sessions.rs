//! Web sign-in: passwords (argon2id), browser sessions and login throttling. The rules live
//! here; the web adapter only moves cookies and forms. Password hashing is CPU-heavy on
//! purpose, so callers run `hash_password`/`verify_password` off the async workers and outside
//! any write transaction (SQLite has one writer).

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::Rng;

use super::{Actor, OpError, OpResult};
use crate::store::accounts::hash_key;
use crate::store::{Tx, sessions};

/// A session ends after this long without a request…
pub const IDLE_SECS: i64 = 7 * 86_400;
/// …and this long after sign-in in any case.
pub const ABSOLUTE_SECS: i64 = 30 * 86_400;
/// `last_seen_at` is written at most this often (a write per page view would queue every
/// reader behind SQLite's single writer).
pub const TOUCH_EVERY_SECS: i64 = 60;

/// Failed sign-ins are counted over this window…
pub const THROTTLE_WINDOW_SECS: i64 = 15 * 60;
/// …and after this many for one username, it waits until the oldest of them leaves the window.
pub const USERNAME_LIMIT: usize = 5;
/// The same per client IP, higher since an office shares one address.
pub const IP_LIMIT: usize = 20;

pub const PASSWORD_MIN: usize = 10;
pub const PASSWORD_MAX: usize = 1024;

pub fn unix_now() -> i64 {
    crate::model::now_utc().timestamp()
}

/// A random token: 32 bytes as 64 hex characters.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill(&mut b);
    hex::encode(b)
}

/// A strong password for `questlog user passwd` and the first start: 24 characters from an
/// alphabet without look-alikes (about 137 bits).
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..24)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Length rules for a new password.
pub fn check_new_password(password: &str) -> OpResult<()> {
    let n = password.chars().count();
    if n < PASSWORD_MIN {
        return Err(OpError::field(
            "password",
            format!("The password must have at least {PASSWORD_MIN} characters."),
        ));
    }
    if password.len() > PASSWORD_MAX {
        return Err(OpError::field(
            "password",
            format!("The password must have at most {PASSWORD_MAX} bytes."),
        ));
    }
    Ok(())
}

/// The argon2id PHC string of a password (random salt, the crate's default cost).
pub fn hash_password(password: &str) -> OpResult<String> {
    let h: PasswordHash = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| OpError::Internal(format!("password hashing failed: {e}")))?;
    Ok(h.to_string())
}

/// Whether the password matches the stored PHC string (false for a malformed one).
pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(h) => Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the username is unknown, so that the reply takes as long as
/// for a wrong password (no probing for usernames by timing).
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password(&random_token()).unwrap_or_default())
}

/// Sets a user's password (already hashed) and ends their web sessions: the operator's reset
/// (`questlog user passwd`).
pub async fn set_password_hash(tx: &mut Tx, user_id: i64, phc: &str) -> OpResult<()> {
    sessions::set_password(tx, user_id, phc, unix_now()).await?;
    sessions::delete_user_sessions(tx, user_id, None).await?;
    Ok(())
}

/// Why a sign-in is refused before its password is looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub retry_after_secs: i64,
}

/// What a sign-in attempt checks against: `Err` when throttled, else the user's id and
/// password hash (None when there is no such user or they have no password).
pub async fn begin_login(
    tx: &mut Tx,
    username: &str,
    ip: &str,
) -> OpResult<Result<Option<(i64, String)>, Throttled>> {
    let now = unix_now();
    let limit = USERNAME_LIMIT.max(IP_LIMIT) as i64;
    let (by_user, by_ip) = sessions::recent_failures(
        tx,
        &username.to_lowercase(),
        ip,
        now - THROTTLE_WINDOW_SECS,
        limit,
    )
    .await?;
    let wait = |times: &[i64], n: usize| -> Option<i64> {
        // The n-th newest failure leaves the window at `at + window`.
        times
            .get(n - 1)
            .map(|at| (at + THROTTLE_WINDOW_SECS - now).max(1))
    };
    if let Some(w) = [wait(&by_user, USERNAME_LIMIT), wait(&by_ip, IP_LIMIT)]
        .into_iter()
        .flatten()
        .max()
    {
        return Ok(Err(Throttled {
            retry_after_secs: w,
        }));
    }
    let row = sessions::password_by_username(tx, username).await?;
    Ok(Ok(row.and_then(|(id, _, hash)| hash.map(|h| (id, h)))))
}

/// Counts a failed sign-in.
pub async fn login_failed(tx: &mut Tx, username: &str, ip: &str) -> OpResult<()> {
    sessions::record_failure(tx, &username.to_lowercase(), ip, unix_now()).await?;
    Ok(())
}

/// A session just created: the cookie's token (never stored) and the CSRF token.
pub struct NewSession {
    pub token: String,
    pub csrf: String,
}

/// Opens a session for a user whose password was verified, clears their failures and prunes
/// expired sessions and old failures.
pub async fn login_succeeded(tx: &mut Tx, user_id: i64, username: &str) -> OpResult<NewSession> {
    let now = unix_now();
    sessions::clear_failures(tx, &username.to_lowercase(), now - THROTTLE_WINDOW_SECS).await?;
    sessions::delete_expired_sessions(tx, now, IDLE_SECS).await?;
    let token = random_token();
    let csrf = random_token();
    sessions::create_session(
        tx,
        &sessions::NewSessionRow {
            token_hash: &hash_key(&token),
            user_id,
            csrf: &csrf,
            now,
            expires_at: now + ABSOLUTE_SECS,
        },
    )
    .await?;
    Ok(NewSession { token, csrf })
}

/// A live session found from its cookie token.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub csrf: String,
    /// `touch` should record this request (last seen long enough ago).
    pub stale: bool,
}

/// The session of a cookie token, unless it is unknown or expired (idle or absolute).
pub async fn resolve(tx: &mut Tx, token: &str) -> OpResult<Option<Session>> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let now = unix_now();
    let Some(row) = sessions::session_by_token_hash(tx, &hash_key(token)).await? else {
        return Ok(None);
    };
    if row.expires_at <= now || row.last_seen_at + IDLE_SECS <= now {
        return Ok(None);
    }
    Ok(Some(Session {
        id: row.id,
        user_id: row.user_id,
        username: row.username,
        csrf: row.csrf,
        stale: now - row.last_seen_at >= TOUCH_EVERY_SECS,
    }))
}

/// Records that the session was used now (moves its idle expiry).
pub async fn touch(tx: &mut Tx, session_id: i64) -> OpResult<()> {
    sessions::touch_session(tx, session_id, unix_now()).await?;
    Ok(())
}

pub async fn logout(tx: &mut Tx, session_id: i64) -> OpResult<()> {
    sessions::delete_session(tx, session_id).await?;
    Ok(())
}

/// Ends every session of the actor (this one too); returns how many.
pub async fn logout_everywhere(tx: &mut Tx, actor: &Actor) -> OpResult<u64> {
    Ok(sessions::delete_user_sessions(tx, actor.user_id, None).await?)
}

pub async fn session_count(tx: &mut Tx, actor: &Actor) -> OpResult<i64> {
    Ok(sessions::count_user_sessions(tx, actor.user_id).await?)
}

/// The actor's current password hash, for `change_password`'s check.
pub async fn password_of(tx: &mut Tx, actor: &Actor) -> OpResult<Option<String>> {
    Ok(sessions::password_of(tx, actor.user_id).await?)
}

/// Stores the actor's new password (verified and hashed by the caller) and ends their other
/// sessions: whoever knew the old password is signed out.
pub async fn change_password(
    tx: &mut Tx,
    actor: &Actor,
    current_session: i64,
    new_hash: &str,
) -> OpResult<()> {
    sessions::set_password(tx, actor.user_id, new_hash, unix_now()).await?;
    sessions::delete_user_sessions(tx, actor.user_id, Some(current_session)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn generated_passwords_pass_the_rules() {
        let p = generate_password();
        assert_eq!(p.len(), 24);
        assert!(check_new_password(&p).is_ok());
        assert!(check_new_password("short").is_err());
    }
}
