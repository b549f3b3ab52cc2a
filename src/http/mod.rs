//! The HTTP layer: router, middleware and one module per group of the API reference.

pub mod auth;
mod cache;
pub mod error;
pub mod extract;
mod limits;
mod openapi;
pub mod reply;

pub mod activity;
mod categories;
mod design_element_types;
mod importance_levels;
mod project_users;
mod projects;
mod roles;
mod stages;
mod tags;
mod users;
mod webhooks;
mod workspaces;

mod boards;
mod comments;
mod dependencies;
mod design_element_attachments;
mod design_element_comments;
mod design_elements;
mod downloads;
mod events;
mod files;
mod milestones;
mod sub_tasks;
pub mod upload;
mod work_item_attachments;
mod work_item_tags;
mod work_item_users;
mod work_items;
mod work_logs;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::blobs::Blobs;
use crate::ops::files::{FileSettings, Files};
use crate::store::Db;
use auth::AuthCache;
use error::ApiError;

/// Settings the handlers, the middleware and the serving loop (`crate::server`) read.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
    /// Requests per second per client IP; `None` = unlimited.
    pub rate_limit: Option<f64>,
    /// Longest a handler may run (reading the body included) before the reply is a 503.
    pub request_timeout: Duration,
    /// `request_timeout` of uploads (`POST …/attachments`).
    pub upload_timeout: Duration,
    /// Longest from a connection's accept, or from the first byte of its next request, until
    /// that request's headers are complete; then the connection is closed.
    pub header_timeout: Duration,
    /// Longest a kept-alive connection may wait for its next request.
    pub idle_timeout: Duration,
    /// Most connections open at once; more wait in the kernel's accept queue.
    pub max_conns: usize,
    /// On shutdown, how long requests in flight may take to finish before their connections
    /// are closed anyway.
    pub shutdown_grace: Duration,
    /// The root of the public links to files (`https://tracker.example.com`); unset, links use
    /// the request's own `Host`.
    pub public_url: Option<String>,
    /// File size limit, workspace quota, spool directory.
    pub files: FileSettings,
    /// Bytes of GET replies kept for reuse (`cache`); 0 turns the cache off.
    pub reply_cache: usize,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            body_limit: 2 * 1024 * 1024,
            rate_limit: None,
            request_timeout: Duration::from_secs(60),
            upload_timeout: Duration::from_secs(3600),
            header_timeout: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(75),
            max_conns: 4096,
            shutdown_grace: Duration::from_secs(10),
            public_url: None,
            files: FileSettings::default(),
            reply_cache: 8 * 1024 * 1024,
        }
    }
}

/// What every handler shares. Cloned for each extractor and middleware of every request, so it
/// is one `Arc`: cloning the fields themselves was a measurable part of a point read.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub db: Db,
    pub settings: HttpSettings,
    pub auth_cache: AuthCache,
    pub reply_cache: cache::ReplyCache,
    /// The blob store and the file limits.
    pub files: Files,
    limiter: limits::RateLimiter,
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    pub fn new(db: Db, settings: HttpSettings, blobs: Blobs) -> Self {
        let reply_cache = settings.reply_cache;
        AppState(Arc::new(Shared {
            limiter: limits::RateLimiter::new(settings.rate_limit),
            files: Files::new(blobs, settings.files.clone()),
            db,
            settings,
            auth_cache: AuthCache::new(),
            reply_cache: cache::ReplyCache::new(reply_cache),
        }))
    }

    /// Replaces the blob store; only while the app is being built (nothing has cloned the
    /// state yet, so this is its only reference).
    pub fn set_blobs(&mut self, blobs: Blobs) {
        let shared = Arc::get_mut(&mut self.0).expect("the state is set up before it is shared");
        shared.files = Files::new(blobs, shared.settings.files.clone());
    }
}

/// Every API route with its OpenAPI description.
pub fn api_router() -> OpenApiRouter<AppState> {
    let mut router = all_routes();
    openapi::add_common_responses(router.get_openapi_mut());
    router
}

fn all_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::base())
        .routes(routes!(health))
        .merge(users::routes())
        .merge(workspaces::routes())
        .merge(projects::routes())
        .merge(categories::routes())
        .merge(design_element_types::routes())
        .merge(importance_levels::routes())
        .merge(roles::routes())
        .merge(stages::routes())
        .merge(tags::routes())
        .merge(project_users::routes())
        .merge(milestones::routes())
        .merge(boards::routes())
        .merge(work_items::routes())
        .merge(sub_tasks::routes())
        .merge(work_item_tags::routes())
        .merge(work_item_users::routes())
        .merge(dependencies::routes())
        .merge(work_logs::routes())
        .merge(comments::routes())
        .merge(design_elements::routes())
        .merge(design_element_comments::routes())
        .merge(events::routes())
        .merge(activity::routes())
        .merge(webhooks::routes())
        .merge(files::routes())
        .merge(work_item_attachments::routes())
        .merge(design_element_attachments::routes())
}

/// The complete service: routes, docs, fallbacks and middleware.
pub fn app(state: AppState) -> Router {
    let (router, doc) = api_router().split_for_parts();
    // Rendered once: the document struct (about 2 MB of heap) is dropped here instead of being
    // kept for the life of the process; the JSON is a quarter of a megabyte.
    let openapi_json = openapi::render(doc);
    let settings = state.settings.clone();
    router
        .route(
            "/openapi.json",
            axum::routing::get(move || openapi::serve(openapi_json.clone())),
        )
        .merge(
            utoipa_swagger_ui::SwaggerUi::new("/docs").config(
                utoipa_swagger_ui::Config::new(["/openapi.json"])
                    // Keeps the key entered under "Authorize" across page reloads.
                    .persist_authorization(true),
            ),
        )
        .merge(downloads::routes())
        .merge(crate::mcp::http::routes(&state))
        // The web app: pages for browsers (not in the OpenAPI document).
        .merge(crate::web::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cache::reply_cache,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limits::rate_limit,
        ))
        .layer(DefaultBodyLimit::max(settings.body_limit))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            link_base,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limits::request_timeout,
        ))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::Internal("handler panicked".into()).into_response()
        }))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Paths under `/v0` match case-insensitively and with a trailing slash (BEHAVIOUR.md §3).
/// This runs before routing, so it wraps the router instead of being one of its layers.
pub fn normalize_path(mut req: Request) -> Request {
    let uri = req.uri();
    let path = uri.path();
    let lower = path.to_ascii_lowercase();
    if !lower.starts_with("/v0") {
        return req;
    }
    let trimmed = if lower.len() > 1 {
        lower.trim_end_matches('/')
    } else {
        &lower
    };
    if trimmed == path {
        return req;
    }
    let pq = match uri.query() {
        Some(q) => format!("{trimmed}?{q}"),
        None => trimmed.to_string(),
    };
    let mut parts = uri.clone().into_parts();
    if let Ok(p) = pq.parse() {
        parts.path_and_query = Some(p);
        if let Ok(u) = Uri::from_parts(parts) {
            *req.uri_mut() = u;
        }
    }
    req
}

/// Roots the file links built while a request runs (`model::with_link_base`): the configured
/// public URL, else `http://` + the request's `Host` when it is a plain host[:port].
async fn link_base(
    State(s): State<AppState>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    let base = match &s.settings.public_url {
        Some(u) => u.trim_end_matches('/').to_string(),
        None => req
            .headers()
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| {
                !h.is_empty()
                    && h.len() <= 255
                    && h.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
            })
            .map(|h| format!("http://{h}"))
            .unwrap_or_default(),
    };
    crate::model::with_link_base(base, next.run(req)).await
}

async fn not_found() -> Response {
    ApiError::NotFound.into_response()
}

async fn method_not_allowed(method: Method) -> Response {
    ApiError::MethodNotAllowed(method.to_string()).into_response()
}

/// Liveness and readiness: 200 when the database answers.
#[utoipa::path(get, path = "/healthz", tag = "Health", security(()),
    responses((status = 200, description = "The server and its database answer", body = reply::Health),
              (status = 503, description = "The database does not answer", body = reply::Health)))]
async fn health(State(s): State<AppState>) -> Response {
    match s.db.ping().await {
        Ok(()) => axum::Json(reply::Health {
            status: "ok".into(),
        })
        .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(reply::Health {
                    status: "database unavailable".into(),
                }),
            )
                .into_response()
        }
    }
}
