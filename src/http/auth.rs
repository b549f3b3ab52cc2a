//! API keys: generation, SHA-256 hashing at rest, lookup, and scopes (BEHAVIOUR.md §1).

use super::AppState;
use super::error::{ApiError, ApiResult};
use crate::ops::Actor;
use crate::store::accounts;

// The scopes are the operations layer's vocabulary (an `Actor` carries them); re-exported here
// for the key handling below and existing callers.
pub use crate::ops::{ALL_SCOPES, Scope, Scopes};

/// The authenticated caller: the operations layer's `Actor`.
pub type Auth = Actor;

// Key generation and hashing belong to the accounts store; re-exported for the key checks here.
pub use crate::store::accounts::{generate_key, hash_key, is_valid_key};

/// Resolves an `Authorization: ApiKey <key>` header to its user.
pub async fn authenticate(state: &AppState, header: &str) -> ApiResult<Auth> {
    authenticate_with(state, header, &["apikey"]).await
}

/// `/mcp` also takes `Authorization: Bearer <key>`, the scheme MCP clients send a token with;
/// the v0 API keeps HacknPlan's `ApiKey` only.
pub async fn authenticate_mcp(state: &AppState, header: &str) -> ApiResult<Auth> {
    authenticate_with(state, header, &["apikey", "bearer"]).await
}

async fn authenticate_with(state: &AppState, header: &str, schemes: &[&str]) -> ApiResult<Auth> {
    let (scheme, key) = header
        .trim()
        .split_once(' ')
        .ok_or(ApiError::Unauthorized)?;
    let key = key.trim();
    if !schemes.iter().any(|s| scheme.eq_ignore_ascii_case(s)) || !is_valid_key(key) {
        return Err(ApiError::Unauthorized);
    }
    let hash = hash_key(key);
    if let Some(a) = state.auth_cache.get(&hash) {
        return Ok(a);
    }
    let auth = lookup(&state.db, key).await?;
    state.auth_cache.put(hash, auth.clone());
    Ok(auth)
}

/// The active key's user and scopes, from the database (`questlog mcp --key` uses it too).
pub async fn lookup(db: &crate::store::Db, key: &str) -> ApiResult<Auth> {
    if !is_valid_key(key) {
        return Err(ApiError::Unauthorized);
    }
    let mut tx = db.read().await?;
    let row = accounts::active_key(&mut tx, &hash_key(key)).await?;
    tx.commit().await?;
    let (user_id, scopes) = row.ok_or(ApiError::Unauthorized)?;
    Ok(Auth {
        user_id,
        scopes: Scopes::parse(&scopes).map_err(|_| ApiError::Unauthorized)?,
    })
}

/// A short-lived cache of key lookups: a revoked key stops working within `TTL`.
pub struct AuthCache {
    map: std::sync::Mutex<std::collections::HashMap<String, (Auth, std::time::Instant)>>,
}

impl AuthCache {
    const TTL: std::time::Duration = std::time::Duration::from_secs(2);
    const MAX: usize = 10_000;

    pub fn new() -> Self {
        AuthCache {
            map: Default::default(),
        }
    }

    fn get(&self, hash: &str) -> Option<Auth> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get(hash)
            .filter(|(_, t)| t.elapsed() < Self::TTL)
            .map(|(a, _)| a.clone())
    }

    fn put(&self, hash: String, a: Auth) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= Self::MAX {
            map.retain(|_, (_, t)| t.elapsed() < Self::TTL);
        }
        map.insert(hash, (a, std::time::Instant::now()));
    }

    /// Forgets every cached key (after a revocation made through this process).
    pub fn clear(&self) {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

impl Default for AuthCache {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_imply_reads() {
        let s = Scopes::parse("projects:admin").unwrap();
        assert!(s.has(Scope::ProjectsRead));
        assert!(!s.has(Scope::WorkItemsRead));
        let r = Scopes::parse("read").unwrap();
        assert!(r.has(Scope::WorkItemsRead) && !r.has(Scope::WorkItemsWrite));
        assert_eq!(
            Scopes::parse(&Scopes::ALL.to_stored()).unwrap(),
            Scopes::ALL
        );
        assert!(Scopes::parse("bogus").is_err());
    }

    #[test]
    fn keys() {
        let k = generate_key();
        assert!(is_valid_key(&k));
        assert_eq!(hash_key(&k).len(), 64);
    }
}
