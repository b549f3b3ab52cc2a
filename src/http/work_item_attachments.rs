//! Work Items / Attachments: the HTTP side of `ops::attachments` on work items.

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Ids, PageQuery, Paged, Q, RawBody};
use super::{reply, upload};
use crate::model::WorkItemAttachment;
use crate::ops::Actor;
use crate::ops::attachments::{self, Kind};

pub fn routes() -> OpenApiRouter<AppState> {
    // Uploads are bounded by the file size limit while they stream, not by the JSON body cap.
    let uploads = OpenApiRouter::new()
        .routes(routes!(create_attachment))
        .layer(DefaultBodyLimit::disable());
    OpenApiRouter::new()
        .routes(routes!(list_attachments))
        .routes(routes!(get_attachment, set_card_picture, delete_attachment))
        .merge(uploads)
}

/// Gets the list of attachments of the work item, oldest first.
#[utoipa::path(get, path = "/v0/projects/{projectId}/workitems/{workItemId}/attachments",
    tag = "Work Items / Attachments",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id."),
           PageQuery),
    responses((status = 200, body = Paged<WorkItemAttachment>),
              (status = 400, body = ErrorBody, description = "Invalid offset and limit values."),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn list_attachments(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, wid)): Ids<(i64, i64)>,
    Q(q): Q<PageQuery>,
) -> ApiResult<Response> {
    let page = q.paging()?;
    let mut tx = s.db.read().await?;
    let (total_count, items) =
        attachments::list_on_work_item(&mut tx, &actor, pid, wid, page).await?;
    tx.commit().await?;
    Ok(reply::ok(Paged {
        total_count,
        offset: page.offset,
        limit: page.limit,
        items,
    }))
}

/// Creates a new work item attachment from MIME multipart content (one file; any part name).
#[utoipa::path(post, path = "/v0/projects/{projectId}/workitems/{workItemId}/attachments",
    tag = "Work Items / Attachments",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id.")),
    request_body(content = Vec<u8>, content_type = "multipart/form-data",
        description = "The file, as a part with a file name."),
    responses((status = 201, body = WorkItemAttachment),
              (status = 400, body = ErrorBody, description = "File size limit exceeded."),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found"),
              (status = 409, body = ErrorBody, description = "Account storage limit exceeded."),
              (status = 415, body = ErrorBody, description = "The content is not MIME multipart content.")))]
async fn create_attachment(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, wid)): Ids<(i64, i64)>,
    req: Request,
) -> ApiResult<Response> {
    let spooled = upload::receive(&s, &actor, pid, Kind::WorkItem, wid, req).await?;
    let a =
        attachments::upload_to_work_item(&s.db, &s.files, &actor, pid, wid, spooled.upload.clone())
            .await?;
    Ok(reply::created(a))
}

/// Gets a work item attachment.
#[utoipa::path(get, path = "/v0/projects/{projectId}/workitems/{workItemId}/attachments/{attachmentId}",
    tag = "Work Items / Attachments",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id."),
           ("attachmentId" = i64, Path, description = "The attachment id.")),
    responses((status = 200, body = WorkItemAttachment), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn get_attachment(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, wid, aid)): Ids<(i64, i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let a = attachments::get_on_work_item(&mut tx, &actor, pid, wid, aid).await?;
    tx.commit().await?;
    Ok(reply::ok(a))
}

/// Sets / unsets the attachment as the work item's card picture. Without a body it toggles;
/// `true` / `false` (or `{"isCardPicture": …}`) sets or clears it.
#[utoipa::path(put, path = "/v0/projects/{projectId}/workitems/{workItemId}/attachments/{attachmentId}",
    tag = "Work Items / Attachments",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id."),
           ("attachmentId" = i64, Path, description = "The attachment id.")),
    request_body(content = Option<bool>, description = "Optional: true sets, false clears; no body toggles."),
    responses((status = 200, description = "OK (empty body)"), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn set_card_picture(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, wid, aid)): Ids<(i64, i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let set = body.bool_opt("isCardPicture")?;
    let mut tx = s.db.write().await?;
    attachments::set_card_picture(&mut tx, &actor, pid, wid, aid, set).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}

/// Deletes a work item attachment (the file stays in the project's files).
#[utoipa::path(delete, path = "/v0/projects/{projectId}/workitems/{workItemId}/attachments/{attachmentId}",
    tag = "Work Items / Attachments",
    params(("projectId" = i64, Path, description = "The project id."),
           ("workItemId" = i64, Path, description = "The work item id."),
           ("attachmentId" = i64, Path, description = "The attachment id.")),
    responses((status = 200, description = "Deleted (empty body)"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn delete_attachment(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, wid, aid)): Ids<(i64, i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    attachments::delete(&mut tx, &actor, pid, Kind::WorkItem, wid, aid).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}
