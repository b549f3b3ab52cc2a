//! Design Elements / Attachments: the HTTP side of `ops::attachments` on design elements.

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Ids, PageQuery, Paged, Q};
use super::{reply, upload};
use crate::model::DesignElementAttachment;
use crate::ops::Actor;
use crate::ops::attachments::{self, Kind};

pub fn routes() -> OpenApiRouter<AppState> {
    // Uploads are bounded by the file size limit while they stream, not by the JSON body cap.
    let uploads = OpenApiRouter::new()
        .routes(routes!(create_attachment))
        .layer(DefaultBodyLimit::disable());
    OpenApiRouter::new()
        .routes(routes!(list_attachments))
        .routes(routes!(get_attachment, delete_attachment))
        .merge(uploads)
}

/// Gets the list of attachments of the design element, oldest first.
#[utoipa::path(get, path = "/v0/projects/{projectId}/designelements/{designElementId}/attachments",
    tag = "Design Elements / Attachments",
    params(("projectId" = i64, Path, description = "The project id."),
           ("designElementId" = i64, Path, description = "The design element id."),
           PageQuery),
    responses((status = 200, body = Paged<DesignElementAttachment>),
              (status = 400, body = ErrorBody, description = "Invalid offset and limit values."),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found")))]
async fn list_attachments(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, did)): Ids<(i64, i64)>,
    Q(q): Q<PageQuery>,
) -> ApiResult<Response> {
    let page = q.paging()?;
    let mut tx = s.db.read().await?;
    let (total_count, items) =
        attachments::list_on_design_element(&mut tx, &actor, pid, did, page).await?;
    tx.commit().await?;
    Ok(reply::ok(Paged {
        total_count,
        offset: page.offset,
        limit: page.limit,
        items,
    }))
}

/// Creates a new design element attachment from MIME multipart content (one file; any part name).
#[utoipa::path(post, path = "/v0/projects/{projectId}/designelements/{designElementId}/attachments",
    tag = "Design Elements / Attachments",
    params(("projectId" = i64, Path, description = "The project id."),
           ("designElementId" = i64, Path, description = "The design element id.")),
    request_body(content = Vec<u8>, content_type = "multipart/form-data",
        description = "The file, as a part with a file name."),
    responses((status = 201, body = DesignElementAttachment),
              (status = 400, body = ErrorBody, description = "File size limit exceeded."),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Not found"),
              (status = 409, body = ErrorBody, description = "Account storage limit exceeded."),
              (status = 415, body = ErrorBody, description = "The content is not MIME multipart content.")))]
async fn create_attachment(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, did)): Ids<(i64, i64)>,
    req: Request,
) -> ApiResult<Response> {
    let spooled = upload::receive(&s, &actor, pid, Kind::DesignElement, did, req).await?;
    let a = attachments::upload_to_design_element(
        &s.db,
        &s.files,
        &actor,
        pid,
        did,
        spooled.upload.clone(),
    )
    .await?;
    Ok(reply::created(a))
}

/// Gets a design element attachment.
#[utoipa::path(get, path = "/v0/projects/{projectId}/designelements/{designElementId}/attachments/{attachmentId}",
    tag = "Design Elements / Attachments",
    params(("projectId" = i64, Path, description = "The project id."),
           ("designElementId" = i64, Path, description = "The design element id."),
           ("attachmentId" = i64, Path, description = "The attachment id.")),
    responses((status = 200, body = DesignElementAttachment), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn get_attachment(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, did, aid)): Ids<(i64, i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let a = attachments::get_on_design_element(&mut tx, &actor, pid, did, aid).await?;
    tx.commit().await?;
    Ok(reply::ok(a))
}

/// Deletes a design element attachment (the file stays in the project's files).
#[utoipa::path(delete, path = "/v0/projects/{projectId}/designelements/{designElementId}/attachments/{attachmentId}",
    tag = "Design Elements / Attachments",
    params(("projectId" = i64, Path, description = "The project id."),
           ("designElementId" = i64, Path, description = "The design element id."),
           ("attachmentId" = i64, Path, description = "The attachment id.")),
    responses((status = 200, description = "Deleted (empty body)"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn delete_attachment(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, did, aid)): Ids<(i64, i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    attachments::delete(&mut tx, &actor, pid, Kind::DesignElement, did, aid).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}
