//! Webhooks: the HTTP side of `ops::webhooks` (the reference's 7 endpoints, plus our delivery
//! log and redelivery).

use axum::extract::State;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, ErrorBody};
use super::extract::{Ids, PageQuery, Paged, Q, RawBody};
use super::reply;
use crate::ops::Actor;
use crate::ops::webhooks::{self, Delivery, PatchWebhookValues, Webhook, WebhookValues};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(webhook_events))
        .routes(routes!(list_webhooks, create_webhook))
        .routes(routes!(
            get_webhook,
            update_webhook,
            patch_webhook,
            delete_webhook
        ))
        .routes(routes!(list_deliveries))
        .routes(routes!(redeliver))
}

/// Gets the list of webhook events.
#[utoipa::path(get, path = "/v0/webhookevents", tag = "Projects / Webhooks",
    responses((status = 200, body = Vec<String>, description = "Every event name a webhook can subscribe to."),
              (status = 401, body = ErrorBody)))]
async fn webhook_events(_actor: Actor) -> ApiResult<Response> {
    Ok(reply::ok(webhooks::event_names()))
}

/// [ADMIN] Gets the list of webhooks in a project.
#[utoipa::path(get, path = "/v0/projects/{projectId}/webhooks", tag = "Projects / Webhooks",
    params(("projectId" = i64, Path, description = "The project id.")),
    responses((status = 200, body = Vec<Webhook>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Project not found.")))]
async fn list_webhooks(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let rows = webhooks::list(&mut tx, &actor, pid).await?;
    tx.commit().await?;
    Ok(reply::ok(rows))
}

/// [ADMIN] Creates a webhook.
#[utoipa::path(post, path = "/v0/projects/{projectId}/webhooks", tag = "Projects / Webhooks",
    params(("projectId" = i64, Path, description = "The project id.")),
    request_body = WebhookValues,
    responses((status = 201, body = Webhook), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Project not found.")))]
async fn create_webhook(
    State(s): State<AppState>,
    actor: Actor,
    Ids(pid): Ids<i64>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: WebhookValues = body.json()?;
    let mut tx = s.db.write().await?;
    let w = webhooks::create(&mut tx, &actor, pid, v).await?;
    tx.commit().await?;
    Ok(reply::created(w))
}

/// [ADMIN] Gets a webhook by its id.
#[utoipa::path(get, path = "/v0/projects/{projectId}/webhooks/{webhookId}", tag = "Projects / Webhooks",
    params(("projectId" = i64, Path, description = "The project id."),
           ("webhookId" = i64, Path, description = "The webhook id.")),
    responses((status = 200, body = Webhook), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Webhook not found.")))]
async fn get_webhook(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, id)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let w = webhooks::get(&mut tx, &actor, pid, id).await?;
    tx.commit().await?;
    Ok(reply::ok(w))
}

/// [ADMIN] Updates a webhook; omitted `headers` become empty and `isEnabled` true, while
/// `format` and `secret` keep their value unless sent.
#[utoipa::path(put, path = "/v0/projects/{projectId}/webhooks/{webhookId}", tag = "Projects / Webhooks",
    params(("projectId" = i64, Path, description = "The project id."),
           ("webhookId" = i64, Path, description = "The webhook id.")),
    request_body = WebhookValues,
    responses((status = 200, body = Webhook), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Webhook not found.")))]
async fn update_webhook(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, id)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: WebhookValues = body.json()?;
    let mut tx = s.db.write().await?;
    let w = webhooks::update(&mut tx, &actor, pid, id, v).await?;
    tx.commit().await?;
    Ok(reply::ok(w))
}

/// [ADMIN] Updates a webhook partially.
#[utoipa::path(patch, path = "/v0/projects/{projectId}/webhooks/{webhookId}", tag = "Projects / Webhooks",
    params(("projectId" = i64, Path, description = "The project id."),
           ("webhookId" = i64, Path, description = "The webhook id.")),
    request_body = PatchWebhookValues,
    responses((status = 200, body = Webhook), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Webhook not found.")))]
async fn patch_webhook(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, id)): Ids<(i64, i64)>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: PatchWebhookValues = body.json()?;
    let mut tx = s.db.write().await?;
    let w = webhooks::patch(&mut tx, &actor, pid, id, v).await?;
    tx.commit().await?;
    Ok(reply::ok(w))
}

/// [ADMIN] Deletes a webhook and its delivery log.
#[utoipa::path(delete, path = "/v0/projects/{projectId}/webhooks/{webhookId}", tag = "Projects / Webhooks",
    params(("projectId" = i64, Path, description = "The project id."),
           ("webhookId" = i64, Path, description = "The webhook id.")),
    responses((status = 200, description = "Deleted (empty body)"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Webhook not found.")))]
async fn delete_webhook(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, id)): Ids<(i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    webhooks::delete(&mut tx, &actor, pid, id).await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}

/// [ADMIN] The webhook's deliveries of the last 30 days, newest first, with every attempt
/// (ours; the reference does not show the delivery log).
#[utoipa::path(get, path = "/v0/projects/{projectId}/webhooks/{webhookId}/deliveries",
    tag = "Projects / Webhooks",
    params(("projectId" = i64, Path, description = "The project id."),
           ("webhookId" = i64, Path, description = "The webhook id."),
           PageQuery),
    responses((status = 200, body = Paged<Delivery>),
              (status = 400, body = ErrorBody, description = "Invalid offset and limit values."),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Webhook not found.")))]
async fn list_deliveries(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, id)): Ids<(i64, i64)>,
    Q(q): Q<PageQuery>,
) -> ApiResult<Response> {
    let page = q.paging()?;
    let mut tx = s.db.read().await?;
    let (total, items) =
        webhooks::deliveries(&mut tx, &actor, pid, id, page.offset, page.limit).await?;
    tx.commit().await?;
    Ok(reply::ok(Paged {
        total_count: total,
        offset: page.offset,
        limit: page.limit,
        items,
    }))
}

/// [ADMIN] Queues the delivery's payload again, as a new delivery at the end of the webhook's
/// queue (ours).
#[utoipa::path(post, path = "/v0/projects/{projectId}/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver",
    tag = "Projects / Webhooks",
    params(("projectId" = i64, Path, description = "The project id."),
           ("webhookId" = i64, Path, description = "The webhook id."),
           ("deliveryId" = i64, Path, description = "The delivery id.")),
    responses((status = 201, body = Delivery), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Webhook or delivery not found.")))]
async fn redeliver(
    State(s): State<AppState>,
    actor: Actor,
    Ids((pid, id, did)): Ids<(i64, i64, i64)>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    let d = webhooks::redeliver(&mut tx, &actor, pid, id, did).await?;
    tx.commit().await?;
    Ok(reply::created(d))
}
