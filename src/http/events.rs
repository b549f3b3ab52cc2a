//! The project calendar: the HTTP side of `ops::calendar`.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Ids, Q};
use super::reply;
use crate::ops::Actor;
use crate::ops::calendar::{self, ProjectEvent};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_events))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
struct EventsQuery {
    /// Required: the first day of the window (inclusive).
    from: Option<String>,
    /// Required: the last day of the window (inclusive; a date without time means the whole day).
    to: Option<String>,
}

/// Gets the calendar events of the project between `from` and `to` (both inclusive): boards,
/// milestones, work items (of readable categories) and design elements (for members who can
/// read the design model) whose dates touch the window, ordered by start date.
#[utoipa::path(get, path = "/v0/projects/{projectId}/events", tag = "Projects / Events",
    params(("projectId" = i64, Path, description = "The project id."), EventsQuery),
    responses((status = 200, body = Vec<ProjectEvent>), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn list_events(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
    Q(q): Q<EventsQuery>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let out = calendar::list(&mut tx, &actor, pid, q.from.as_deref(), q.to.as_deref()).await?;
    tx.commit().await?;
    Ok(reply::ok(out))
}
