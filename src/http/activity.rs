//! The project's activity feed (ours, not in the reference): its change log, newest first.

use axum::extract::State;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Ids, PageQuery, Q};
use super::reply;
use crate::changes::Change;
use crate::model::Paged;
use crate::ops::{Actor, activity};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_activity))
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
