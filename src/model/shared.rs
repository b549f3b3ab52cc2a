//! `Shared<T>`: a value nested in many replies, with its JSON rendered once.
//!
//! A page of work items nests the same few reference rows (stages, categories, boards, tags,
//! project users…) in every item. Cloning them per item and serialising them again per item was
//! most of a page's CPU; a `Shared` is an `Arc` clone, and serialises as the JSON rendered when
//! it was made (byte for byte what serialising the value would write, in compact form).

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

pub struct Shared<T>(Arc<Inner<T>>);

struct Inner<T> {
    value: T,
    json: Box<RawValue>,
}

impl<T: Serialize> Shared<T> {
    pub fn new(value: T) -> Shared<T> {
        // Serialising these plain structs (strings, numbers, bools) cannot fail.
        let json = serde_json::value::to_raw_value(&value).expect("reference row serializes");
        Shared(Arc::new(Inner { value, json }))
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0.value
    }
}

impl<T> Serialize for Shared<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.json.serialize(s)
    }
}

impl<T: PartialEq> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0.value == other.0.value
    }
}

impl<T: fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.value.fmt(f)
    }
}

impl<T: Serialize> From<T> for Shared<T> {
    fn from(value: T) -> Self {
        Shared::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, PartialEq, Debug)]
    #[serde(rename_all = "camelCase")]
    struct Row {
        row_id: i64,
        name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    }

    #[test]
    fn serialises_as_the_value_would() {
        let row = Row {
            row_id: 3,
            name: "Quote \" and é \u{1}".into(),
            note: None,
        };
        let direct = serde_json::to_string(&vec![&row, &row]).unwrap();
        let shared = Shared::new(row);
        assert_eq!(
            serde_json::to_string(&vec![shared.clone(), shared.clone()]).unwrap(),
            direct
        );
        // Through a serde_json::Value too (webhook payloads, the change log).
        let v: serde_json::Value = serde_json::from_str(&direct).unwrap();
        assert_eq!(
            serde_json::to_value(vec![shared.clone(), shared]).unwrap(),
            v
        );
    }
}
