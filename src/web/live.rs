//! `/projects/{id}/live`: the project's change stream for the open board, as Server-Sent
//! Events, authenticated by the session. The same feed as the API's `/changes` (ops::activity),
//! so the board sees what API clients and other browsers change.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;

use super::error::WebError;
use super::session::Viewer;
use crate::http::AppState;
use crate::ops::activity::{self, Feed};

pub fn routes() -> Router<AppState> {
    Router::new().route("/projects/{pid}/live", get(live))
}

async fn live(
    State(s): State<AppState>,
    v: Viewer,
    Path(pid): Path<i64>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    // EventSource resends the last id it saw when it reconnects: nothing is missed.
    let resume = headers
        .get("last-event-id")
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.trim().parse::<i64>().ok())
        .filter(|n| *n >= 0);
    let actor = v.actor();
    let mut tx = s.db.read().await?;
    let after = activity::stream_start(&mut tx, &actor, pid, resume).await?;
    tx.commit().await?;
    Ok(crate::http::activity::sse(Feed::new(
        s.db.clone(),
        actor,
        pid,
        after,
    )))
}
