//! Turning a recorded entity into what a HacknPlan receiver parses, and signing it.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Deeper than any entity Questlog records; below it keys are left as they are (no unbounded
/// recursion on a hostile stored payload).
const MAX_DEPTH: usize = 64;

/// Every object key capitalised (`workItemId` → `WorkItemId`, `id` → `Id`), recursively over
/// objects and arrays: HacknPlan's PascalCase from our camelCase (BEHAVIOUR.md §6).
pub fn pascal_case(v: Value) -> Value {
    convert(v, 0)
}

fn convert(v: Value, depth: usize) -> Value {
    if depth >= MAX_DEPTH {
        return v;
    }
    match v {
        Value::Object(m) => {
            let mut out = Map::with_capacity(m.len());
            for (k, v) in m {
                out.insert(capitalise(&k), convert(v, depth + 1));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.into_iter().map(|x| convert(x, depth + 1)).collect()),
        other => other,
    }
}

fn capitalise(k: &str) -> String {
    let mut c = k.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// HMAC-SHA256 (RFC 2104) over `msg`, as lowercase hex. Written out over `sha2` because the
/// `hmac` crate release in the lock file pairs with a newer `digest` than our `sha2`.
pub fn hmac_sha256_hex(key: &[u8], msg: &[u8]) -> String {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(msg);
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner);
    hex::encode(outer.finalize())
}

/// The signature header value for a body sent at `timestamp` (unix seconds).
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut msg = format!("{timestamp}.").into_bytes();
    msg.extend_from_slice(body);
    format!("sha256={}", hmac_sha256_hex(secret.as_bytes(), &msg))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_capitalised_everywhere() {
        let v = json!({"projectId": 1, "user": {"id": 2, "name": "a"},
                       "assignedUsers": [{"user": {"id": 3}}], "tags": [], "title": "keep camelCase values"});
        assert_eq!(
            pascal_case(v),
            json!({"ProjectId": 1, "User": {"Id": 2, "Name": "a"},
                   "AssignedUsers": [{"User": {"Id": 3}}], "Tags": [], "Title": "keep camelCase values"})
        );
    }

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 2 of RFC 4231.
        assert_eq!(
            hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block.
        assert_eq!(
            hmac_sha256_hex(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            ),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }
}
