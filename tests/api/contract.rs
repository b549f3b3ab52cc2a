//! Every reply the suite receives is checked against the server's own OpenAPI document:
//! the status must be documented for the operation, and a JSON body must match its schema.
//! A mismatch panics with the operation, status and the schema errors, so the fix (usually in
//! the handler's `#[utoipa::path]` or the wire type) is easy to find.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Value, json};

struct Doc {
    /// (METHOD, template segments, template as written)
    ops: Vec<(String, Vec<String>, String)>,
    doc: Value,
    validators: Mutex<HashMap<(String, String, String), Arc<jsonschema::Validator>>>,
}

fn doc() -> &'static Doc {
    static DOC: OnceLock<Doc> = OnceLock::new();
    DOC.get_or_init(|| {
        let text = questlog::http::api_router()
            .into_openapi()
            .to_json()
            .expect("OpenAPI document serializes");
        let doc: Value = serde_json::from_str(&text).unwrap();
        let mut ops = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                ops.push((method.to_ascii_uppercase(), segments(path), path.clone()));
            }
        }
        Doc {
            ops,
            doc,
            validators: Mutex::new(HashMap::new()),
        }
    })
}

fn segments(path: &str) -> Vec<String> {
    path.trim_end_matches('/')
        .split('/')
        .map(|s| s.to_ascii_lowercase())
        .collect()
}

/// The template that matches a concrete path best (most literal segments), for any method.
fn templates_for(path: &str) -> Vec<&'static (String, Vec<String>, String)> {
    let path = path.split('?').next().unwrap_or("");
    let segs = segments(path);
    let matching: Vec<_> = doc()
        .ops
        .iter()
        .filter(|(_, t, _)| {
            t.len() == segs.len()
                && t.iter()
                    .zip(&segs)
                    .all(|(t, s)| (t.starts_with('{') && !s.is_empty()) || t == s)
        })
        .collect();
    let literal = |t: &Vec<String>| t.iter().filter(|s| !s.starts_with('{')).count();
    let best = matching.iter().map(|(_, t, _)| literal(t)).max();
    matching
        .into_iter()
        .filter(|(_, t, _)| Some(literal(t)) == best)
        .collect()
}

/// Panics when the reply does not match the document. Paths the document does not describe
/// (the 404 fallback, /docs, /openapi.json) and methods it does not list (405) are not checked.
pub fn check(method: &str, path: &str, status: u16, content_type: Option<&str>, text: &str) {
    let d = doc();
    let method = method.to_ascii_uppercase();
    let Some((_, _, template)) = templates_for(path)
        .into_iter()
        .find(|(m, _, _)| *m == method)
    else {
        return;
    };
    let op = &d.doc["paths"][template][method.to_ascii_lowercase()];
    let what = format!("{method} {template} (called as {path}) answered {status}");
    let responses = &op["responses"];
    let Some(resp) = responses.get(status.to_string()) else {
        let documented: Vec<_> = responses.as_object().unwrap().keys().collect();
        panic!(
            "OpenAPI contract: {what}, a status not documented (documented: {documented:?}); body: {text}"
        );
    };
    let schema = resp["content"]["application/json"].get("schema");
    let is_json = content_type.is_some_and(|c| c.starts_with("application/json"));
    match (schema, text.is_empty()) {
        (None, true) => {}
        (None, false) => {
            if is_json || resp.get("content").is_none() {
                panic!(
                    "OpenAPI contract: {what} with a body, but the document describes none; body: {text}"
                );
            }
        }
        (Some(_), true) => {
            panic!(
                "OpenAPI contract: {what} with an empty body, but the document describes a JSON body"
            )
        }
        (Some(schema), false) => {
            let body: Value = serde_json::from_str(text).unwrap_or_else(|e| {
                panic!("OpenAPI contract: {what} with a body that is not JSON ({e}): {text}")
            });
            let key = (method.clone(), template.clone(), status.to_string());
            let validator = {
                let mut cache = d.validators.lock().unwrap();
                cache
                    .entry(key)
                    .or_insert_with(|| {
                        // Embed the document's components so `#/components/schemas/…` resolve.
                        let mut root = json!({
                            "$schema": "https://json-schema.org/draft/2020-12/schema",
                            "allOf": [schema],
                        });
                        root["components"] = d.doc["components"].clone();
                        Arc::new(jsonschema::draft202012::new(&root).unwrap_or_else(|e| {
                            panic!("OpenAPI contract: {what}: the schema does not compile: {e}")
                        }))
                    })
                    .clone()
            };
            let errors: Vec<String> = validator
                .iter_errors(&body)
                .map(|e| format!("  at {}: {}", e.instance_path(), e))
                .collect();
            if !errors.is_empty() {
                panic!(
                    "OpenAPI contract: {what} with a body that does not match the documented schema \
                     {schema}:\n{}\nbody: {text}",
                    errors.join("\n")
                );
            }
        }
    }
}

#[test]
#[should_panic(expected = "a status not documented")]
fn an_undocumented_status_fails() {
    check("GET", "/v0/users/me", 418, None, "");
}

#[test]
#[should_panic(expected = "does not match the documented schema")]
fn a_body_off_schema_fails() {
    check(
        "GET",
        "/V0/Projects/7/?x=1",
        200,
        Some("application/json"),
        r#"{"id": "seven"}"#,
    );
}

#[test]
#[should_panic(expected = "with a body, but the document describes none")]
fn a_body_on_an_empty_response_fails() {
    check("DELETE", "/v0/projects/7", 404, None, r#"{"a":1}"#);
}

#[test]
fn unknown_paths_and_matching_replies_pass() {
    check("GET", "/nowhere", 404, None, "");
    check("GET", "/docs/", 200, Some("text/html"), "<html>");
    check("GET", "/v0/projects/1/users/2", 404, None, "");
    check(
        "GET",
        "/v0/users/me",
        401,
        Some("application/json"),
        r#"{"message":"x"}"#,
    );
}
