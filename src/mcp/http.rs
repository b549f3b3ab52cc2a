//! `/mcp`: the Streamable HTTP transport, nested in the API's router so the same rate limit,
//! request timeout and body cap apply (`http::app` layers them over every route).
//!
//! Stateless: every POST is answered on its own (JSON, no `Mcp-Session-Id`), so nothing is held
//! in memory between requests and several instances can serve one database, as for `/v0`.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tower::ServiceBuilder;

use super::{Caller, Questlog};
use crate::http::AppState;
use crate::http::auth::authenticate_mcp;

/// The `/mcp` route, behind the key check.
pub fn routes(state: &AppState) -> Router<AppState> {
    // Built once: the tool router holds every tool's schema; each request gets a clone.
    let server = Questlog::new(state.db.clone(), Caller::PerRequest);
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        // Host checks guard unauthenticated local servers against DNS rebinding; every request
        // here needs an API key a rebinding page cannot send, and Questlog runs under any name.
        .disable_allowed_hosts()
        .with_max_request_body_bytes(state.settings.body_limit);
    let mcp = StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::new(NeverSessionManager::default()),
        config,
    );
    let svc = ServiceBuilder::new()
        .layer(from_fn_with_state(state.clone(), require_key))
        .service(mcp);
    Router::new().route_service("/mcp", svc)
}

/// 401 without a valid key (`ApiKey` or `Bearer`); otherwise the key's `Actor` rides along in
/// the request's extensions, where the tools find it.
async fn require_key(State(s): State<AppState>, mut req: Request, next: Next) -> Response {
    let header = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    match authenticate_mcp(&s, header).await {
        Ok(actor) => {
            req.extensions_mut().insert(actor);
            next.run(req).await
        }
        Err(e) => e.into_response(),
    }
}
