//! Request extractors that answer bad input in HacknPlan's shapes: the API key, JSON bodies sent
//! with or without a Content-Type, bare-scalar bodies, path ids and query strings.
//!
//! Every JSON body passes one structural check before any handler sees it (`guard`): no array
//! longer than `MAX_ARRAY` elements and no object with a key twice. Every query value is at most
//! `MAX_QUERY_VALUE` characters. Handlers can therefore build `IN (…)` lists from body arrays
//! without meeting a backend's bound on SQL variables.

use std::collections::HashSet;
use std::fmt;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use serde::de::{DeserializeOwned, DeserializeSeed, Error as _, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use utoipa::IntoParams;

pub use crate::model::{Paged, Paging};

use super::AppState;
use super::auth::Auth;
use super::error::{ApiError, ApiResult};

/// The caller, authenticated by API key, as the operations layer's `Actor` (`Auth` is its alias).
impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Auth> {
        // Already authenticated by the reply cache (`cache`).
        if let Some(a) = parts.extensions.remove::<Auth>() {
            return Ok(a);
        }
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(ApiError::Unauthorized)?;
        super::auth::authenticate(state, header).await
    }
}

/// Path parameters; an id that is not a number (or overflows) is simply not found.
pub struct Ids<T>(pub T);

impl<T, S> FromRequestParts<S> for Ids<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> ApiResult<Self> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| Ids(v))
            .map_err(|_| ApiError::NotFound)
    }
}

/// Query parameters; a value of the wrong type is a 400 naming the parameter.
pub struct Q<T>(pub T);

impl<T, S> FromRequestParts<S> for Q<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> ApiResult<Self> {
        if let Ok(Query(pairs)) = Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
            && let Some((name, _)) = pairs
                .iter()
                .find(|(_, v)| v.chars().count() > MAX_QUERY_VALUE)
        {
            return Err(ApiError::bad(format!(
                "The request is invalid: the query parameter '{name}' is longer than \
                 {MAX_QUERY_VALUE} characters."
            )));
        }
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| Q(v))
            .map_err(|e| ApiError::bad(format!("The request is invalid: {}", e.body_text())))
    }
}

/// Case-insensitive boolean query values (`true`, `True`, `1`), as .NET clients send them.
pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    let s = Option::<String>::deserialize(d)?;
    match s.as_deref().map(|s| s.trim().to_ascii_lowercase()) {
        None => Ok(None),
        Some(s) if s.is_empty() => Ok(None),
        Some(s) if s == "true" || s == "1" => Ok(Some(true)),
        Some(s) if s == "false" || s == "0" => Ok(Some(false)),
        Some(s) => Err(serde::de::Error::custom(format!("'{s}' is not a boolean"))),
    }
}

/// Most elements of any JSON array in a request body (README "Limits").
pub const MAX_ARRAY: usize = 1000;
/// Longest value of a query parameter, in characters.
pub const MAX_QUERY_VALUE: usize = 1024;

const TOO_LONG: &str = "array too long";
const DUPLICATE: &str = "duplicate key";

/// Walks a JSON document without building it, failing on an over-long array or a repeated
/// object key (serde_json alone would keep the last value of a repeated key in untyped objects
/// and accept any array length). Nesting depth is bounded by serde_json's recursion limit.
struct Guard;

impl<'de> DeserializeSeed<'de> for Guard {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Guard {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<(), A::Error> {
        let mut n = 0usize;
        while a.next_element_seed(Guard)?.is_some() {
            n += 1;
            if n > MAX_ARRAY {
                return Err(A::Error::custom(TOO_LONG));
            }
        }
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(k) = a.next_key::<String>()? {
            if !seen.insert(k) {
                return Err(A::Error::custom(DUPLICATE));
            }
            a.next_value_seed(Guard)?;
        }
        Ok(())
    }
}

/// The structural check of every JSON body (see the module comment).
fn guard(body: &[u8]) -> ApiResult<()> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let checked = Guard.deserialize(&mut de).and_then(|()| de.end());
    match checked {
        Ok(()) => Ok(()),
        Err(e) if e.to_string().starts_with(TOO_LONG) => Err(ApiError::bad(format!(
            "Invalid values object: a list may have at most {MAX_ARRAY} elements."
        ))),
        Err(e) if e.to_string().starts_with(DUPLICATE) => Err(ApiError::bad(
            "Invalid values object: a key appears more than once.",
        )),
        Err(_) => Err(ApiError::invalid_values()),
    }
}

/// The raw request body, read whatever the Content-Type; too large → 413.
pub struct RawBody(pub Bytes);

impl FromRequest<AppState> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> ApiResult<Self> {
        match Bytes::from_request(req, state).await {
            Ok(b) => Ok(RawBody(b)),
            Err(BytesRejection::FailedToBufferBody(e))
                if std::error::Error::source(&e)
                    .is_some_and(|s| s.to_string().contains("length limit")) =>
            {
                Err(ApiError::PayloadTooLarge)
            }
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::PayloadTooLarge)
            }
            Err(_) => Err(ApiError::invalid_values()),
        }
    }
}

impl RawBody {
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|b| b.is_ascii_whitespace())
    }

    /// The body as the values object `T`; missing, malformed or mis-shaped → 400
    /// "Invalid values object.". Only a JSON object is a values object (serde would also read a
    /// struct from an array).
    pub fn json<T: DeserializeOwned>(&self) -> ApiResult<T> {
        let first = self.0.iter().find(|b| !b.is_ascii_whitespace());
        if first != Some(&b'{') {
            return Err(ApiError::invalid_values());
        }
        guard(&self.0)?;
        serde_json::from_slice(&self.0).map_err(|_| ApiError::invalid_values())
    }

    /// Like `json`, but an empty body is `None` (endpoints whose body is optional).
    pub fn json_opt<T: DeserializeOwned>(&self) -> ApiResult<Option<T>> {
        if self.is_empty() {
            return Ok(None);
        }
        self.json().map(Some)
    }

    fn scalar(&self, key: &str) -> ApiResult<Option<Value>> {
        if self.is_empty() {
            return Ok(None);
        }
        guard(&self.0)?;
        let v: Value = serde_json::from_slice(&self.0).map_err(|_| ApiError::invalid_values())?;
        Ok(match v {
            // The one-field object twin some clients send: {"tagId": 2}. The key is matched
            // case-insensitively, so `{"text": …, "Text": …}` is as ambiguous as a repeated key.
            Value::Object(mut m) => {
                let mut matching = m.keys().filter(|k| k.eq_ignore_ascii_case(key)).cloned();
                let found = matching.next().ok_or_else(ApiError::invalid_values)?;
                if matching.next().is_some() {
                    return Err(ApiError::bad(
                        "Invalid values object: a key appears more than once.",
                    ));
                }
                m.remove(&found)
            }
            Value::Null => None,
            v => Some(v),
        })
    }

    /// A bare integer body (`42` or `"42"`), or `{key: 42}`.
    pub fn int(&self, key: &str) -> ApiResult<i64> {
        self.int_opt(key)?.ok_or_else(ApiError::invalid_values)
    }

    pub fn int_opt(&self, key: &str) -> ApiResult<Option<i64>> {
        match self.scalar(key)? {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(ApiError::invalid_values),
            Some(Value::String(s)) => s
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| ApiError::invalid_values()),
            Some(_) => Err(ApiError::invalid_values()),
        }
    }

    /// An optional bare boolean body (`true`, `"false"`), or `{key: true}`; empty → `None`.
    pub fn bool_opt(&self, key: &str) -> ApiResult<Option<bool>> {
        match self.scalar(key)? {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "true" => Ok(Some(true)),
                "false" => Ok(Some(false)),
                _ => Err(ApiError::invalid_values()),
            },
            Some(_) => Err(ApiError::invalid_values()),
        }
    }

    /// A bare number body (`2.5`), or `{key: 2.5}`.
    pub fn number(&self, key: &str) -> ApiResult<f64> {
        match self.scalar(key)? {
            Some(Value::Number(n)) => n.as_f64().ok_or_else(ApiError::invalid_values),
            Some(Value::String(s)) => s.trim().parse().map_err(|_| ApiError::invalid_values()),
            _ => Err(ApiError::invalid_values()),
        }
    }

    /// A bare JSON string body (`"Fix the jump"`), or `{key: "…"}`.
    pub fn text(&self, key: &str) -> ApiResult<String> {
        match self.scalar(key)? {
            Some(Value::String(s)) => Ok(s),
            _ => Err(ApiError::invalid_values()),
        }
    }
}

/// `offset` and `limit` of the paged lists (BEHAVIOUR.md §5).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items to skip (default 0).
    pub offset: Option<i64>,
    /// Page size, 1..100 (default 20).
    pub limit: Option<i64>,
}

impl PageQuery {
    pub fn paging(&self) -> ApiResult<Paging> {
        let offset = self.offset.unwrap_or(0);
        let limit = self.limit.unwrap_or(20);
        if offset < 0 || !(1..=100).contains(&limit) {
            return Err(ApiError::bad("Invalid offset and limit values."));
        }
        Ok(Paging { offset, limit })
    }
}
