//! The project's activity feed (ours, not in the reference): its change log, newest first.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{Ids, PageQuery, Q};
use super::reply;
use crate::changes::Change;
use crate::model::Paged;
use crate::ops::Actor;
use crate::ops::activity::{self, Feed};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_activity))
        .routes(routes!(stream_changes))
}

/// Gets the project's recent changes, newest first (Questlog; not in HacknPlan's API). Each entry
/// names the event (the webhook event names), who made the change, when, and the entity after it
/// (before it, for deletes). Changes to work items in categories the caller may not read are left out.
/// Changes are kept for `--change-retention-days` (default 90).
#[utoipa::path(get, path = "/v0/projects/{projectId}/activity", tag = "Projects / Activity",
    params(("projectId" = i64, Path, description = "The project id."), PageQuery),
    responses((status = 200, body = Paged<Change>), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn list_activity(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
    Q(q): Q<PageQuery>,
) -> ApiResult<Response> {
    let page = q.paging()?;
    let mut tx = s.db.read().await?;
    let items = activity::list(&mut tx, &actor, pid, page).await?;
    tx.commit().await?;
    Ok(reply::ok(items))
}

/// A comment line keeps idle streams (and the proxies in front of them) open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// Start after this change number (as `Last-Event-ID` does; the header wins).
    pub after: Option<i64>,
}

/// Streams the project's changes as Server-Sent Events (Questlog; not in HacknPlan's API). Each
/// event has `id:` = the change number and `data:` = the change as the activity feed shows it.
/// Without `Last-Event-ID` (or `after`) the stream starts with the next change; with it, it first
/// replays what came after that change (as far as the change log keeps). Changes made through
/// any instance sharing the database arrive within about half a second. The stream ends when the
/// caller stops being a member.
#[utoipa::path(get, path = "/v0/projects/{projectId}/changes", tag = "Projects / Activity",
    params(("projectId" = i64, Path, description = "The project id."),
           ("Last-Event-ID" = Option<i64>, Header, description = "Resume after this change number."),
           StreamQuery),
    responses((status = 200, content_type = "text/event-stream", body = Change,
               description = "A stream of changes, one per `data:` line."),
              (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn stream_changes(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
    Q(q): Q<StreamQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let resume = match headers.get("last-event-id") {
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|v| v.trim().parse::<i64>().ok())
                .filter(|n| *n >= 0)
                .ok_or_else(|| ApiError::bad("Last-Event-ID must be a change number."))?,
        ),
        None => match q.after {
            Some(a) if a < 0 => return Err(ApiError::bad("after must be a change number.")),
            a => a,
        },
    };
    let mut tx = s.db.read().await?;
    let after = activity::stream_start(&mut tx, &actor, pid, resume).await?;
    tx.commit().await?;
    Ok(sse(Feed::new(s.db.clone(), actor, pid, after)))
}

/// The feed as Server-Sent Events: `id:` the change number, `data:` the change (the web app's
/// live board uses the same stream).
pub fn sse(feed: Feed) -> Response {
    let stream = futures_util::stream::unfold(feed, |mut feed| async move {
        let change = feed.next().await?;
        let data = serde_json::to_string(&change).unwrap_or_default();
        let event = SseEvent::default()
            .id(change.change_id.to_string())
            .data(data);
        Some((Ok::<_, Infallible>(event), feed))
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response()
}
