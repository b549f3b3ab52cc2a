//! The MCP endpoint at the HTTP level: its key check (ApiKey or Bearer, Bearer on `/mcp` only),
//! a tool call landing in the change log, and the API's rate limit and body cap applying to it.
//! tests/mcp/test_mcp.py drives every tool through the official Python client.

use questlog::http::HttpSettings;
use serde_json::{Value, json};

use crate::helpers::{OWNER_KEY, TestApp, spawn_app, spawn_app_with};

const INIT: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test","version":"1"}}}"#;

/// POSTs one JSON-RPC message to `/mcp`; returns the status, the `WWW-Authenticate` header and
/// the body.
async fn post(app: &TestApp, auth: Option<String>, body: &str) -> (u16, Option<String>, String) {
    let mut req = app
        .client
        .post(format!("{}/mcp", app.base))
        .header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream")
        .header("MCP-Protocol-Version", "2025-06-18")
        .body(body.to_string());
    if let Some(a) = auth {
        req = req.header("Authorization", a);
    }
    let r = req.send().await.expect("request sent");
    let status = r.status().as_u16();
    let www = r
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string());
    (status, www, r.text().await.unwrap())
}

async fn tool(app: &TestApp, name: &str, args: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                      "params": {"name": name, "arguments": args}});
    let (status, _, text) = post(app, Some(format!("Bearer {OWNER_KEY}")), &body.to_string()).await;
    assert_eq!(status, 200, "{text}");
    let reply: Value = serde_json::from_str(&text).unwrap();
    assert!(reply["error"].is_null(), "a protocol error: {reply}");
    reply["result"].clone()
}

#[tokio::test]
async fn mcp_needs_a_key_and_takes_bearer_there_only() {
    let app = spawn_app().await;
    let (status, www, _) = post(&app, None, INIT).await;
    assert_eq!((status, www.as_deref()), (401, Some("ApiKey")));
    for bad in [
        format!("Bearer {}", "f".repeat(32)),
        format!("Basic {OWNER_KEY}"),
        "Bearer".to_string(),
    ] {
        assert_eq!(post(&app, Some(bad.clone()), INIT).await.0, 401, "{bad}");
    }
    for good in [format!("Bearer {OWNER_KEY}"), format!("ApiKey {OWNER_KEY}")] {
        let (status, _, text) = post(&app, Some(good), INIT).await;
        assert_eq!(status, 200, "{text}");
        let reply: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(reply["result"]["serverInfo"]["name"], "questlog");
        assert!(reply["result"]["capabilities"]["tools"].is_object());
    }
    // The v0 API keeps HacknPlan's scheme only.
    let r = app
        .client
        .get(format!("{}/v0/users/me", app.base))
        .header("Authorization", format!("Bearer {OWNER_KEY}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn tool_calls_go_through_ops_and_refusals_are_tool_errors() {
    let app = spawn_app().await;
    let pid = app.project("P").await;
    let r = tool(
        &app,
        "create_work_item",
        json!({"projectId": pid, "title": "From MCP"}),
    )
    .await;
    assert_eq!(r["isError"], false, "{r}");
    let wid = r["structuredContent"]["workItemId"].as_i64().unwrap();
    assert_eq!(r["structuredContent"]["title"], "From MCP");
    assert!(
        r["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("From MCP")
    );
    let item = app
        .get(&format!("/v0/projects/{pid}/workitems/{wid}"))
        .await
        .expect(200);
    assert_eq!(item["title"], "From MCP");
    assert_eq!(app.events(pid).await.last().unwrap(), "workitem.created");

    let r = tool(
        &app,
        "create_work_item",
        json!({"projectId": pid, "title": " "}),
    )
    .await;
    assert_eq!(r["isError"], true);
    assert_eq!(r["structuredContent"]["status"], 400);
    let r = tool(
        &app,
        "get_work_item",
        json!({"projectId": pid, "workItemId": 999}),
    )
    .await;
    assert_eq!(
        (
            r["isError"].clone(),
            r["structuredContent"]["status"].clone()
        ),
        (json!(true), json!(404))
    );
    let r = tool(&app, "get_work_item", json!({"projectId": "x"})).await;
    assert_eq!(r["isError"], true);
    assert_eq!(app.events(pid).await.len(), 1);
}

#[tokio::test]
async fn mcp_has_the_api_rate_limit_and_body_cap() {
    let app = spawn_app_with(HttpSettings {
        rate_limit: Some(5.0),
        body_limit: 64 * 1024,
        ..Default::default()
    })
    .await;
    let big = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                     "params": {"name": "whoami", "arguments": {"pad": "x".repeat(100 * 1024)}}});
    let (status, _, _) = post(&app, Some(format!("Bearer {OWNER_KEY}")), &big.to_string()).await;
    assert_eq!(status, 413);
    let mut limited = false;
    for _ in 0..20 {
        if post(&app, Some(format!("Bearer {OWNER_KEY}")), INIT)
            .await
            .0
            == 429
        {
            limited = true;
            break;
        }
    }
    assert!(limited, "a 429 within 20 quick calls at 5/s");
}
