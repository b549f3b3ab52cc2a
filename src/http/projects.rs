//! Projects: CRUD, closure and ownership. A new project starts with the defaults of §7.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::{Auth, Scope};
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{Ids, RawBody};
use super::reply;
use crate::model::{
    self, Check, Metrics, ModuleConfig, PROJECT_SELECT, Project, ProjectRow, TEXT_MAX,
};
use crate::ops::access;
use crate::ops::access::admin;
use crate::params;
use crate::store::metrics::{self, MetricsScope};
use crate::store::{Tx, projects};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_projects, create_project))
        .routes(routes!(
            get_project,
            update_project,
            patch_project,
            delete_project
        ))
        .routes(routes!(close_project, reopen_project))
        .routes(routes!(transfer_owner))
        .routes(routes!(project_metrics))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateProjectValues {
    /// Required.
    pub name: Option<String>,
    /// Required: `hours`, `points` or `days` (any case).
    pub cost_metric: Option<String>,
    pub description: Option<String>,
    pub general_info: Option<String>,
    /// Defaults to 8.
    pub hours_per_day: Option<f64>,
    /// Modules to switch; those not named keep their default.
    #[schema(value_type = Option<ModuleConfig>)]
    pub module_config: Option<Map<String, Value>>,
    /// Defaults to the caller's first workspace.
    pub workspace_id: Option<i64>,
}

/// PUT: every editable field; omitted optionals become null. `costMetric` and `moduleConfig`
/// cannot be null, so when omitted they keep their value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateProjectValues {
    pub name: Option<String>,
    pub cost_metric: Option<String>,
    pub description: Option<String>,
    pub general_info: Option<String>,
    pub hours_per_day: Option<f64>,
    #[schema(value_type = Option<ModuleConfig>)]
    pub module_config: Option<Map<String, Value>>,
}

/// PATCH: only the fields present change; `null` clears a nullable field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PatchProjectValues {
    /// Cannot be cleared: `null` is a 400.
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub name: Option<Option<String>>,
    /// Cannot be cleared: `null` is a 400.
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub cost_metric: Option<Option<String>>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub general_info: Option<Option<String>>,
    pub hours_per_day: Option<f64>,
    #[schema(value_type = Option<ModuleConfig>)]
    pub module_config: Option<Map<String, Value>>,
}

fn cost_metric(c: &mut Check, v: Option<&str>) -> Option<String> {
    let m = v?.trim().to_ascii_lowercase();
    if ["hours", "points", "days"].contains(&m.as_str()) {
        Some(m)
    } else {
        c.fail("costMetric", "The cost metric is invalid.");
        None
    }
}

fn hours_per_day(c: &mut Check, v: Option<f64>) {
    if let Some(h) = v
        && (!h.is_finite() || h <= 0.0 || h > 24.0)
    {
        c.fail(
            "hoursPerDay",
            "The hours per day must be greater than 0 and at most 24.",
        );
    }
}

fn module_config(
    c: &mut Check,
    base: &ModuleConfig,
    v: Option<&Map<String, Value>>,
) -> ModuleConfig {
    match v {
        None => base.clone(),
        Some(m) => base.merged(m).unwrap_or_else(|_| {
            c.fail(
                "moduleConfig",
                "The module configuration values must be booleans.",
            );
            base.clone()
        }),
    }
}

async fn load(tx: &mut Tx, id: i64) -> ApiResult<Project> {
    projects::get(tx, id).await?.ok_or(ApiError::NotFound)
}

/// Get all the projects the authenticated user is member of.
#[utoipa::path(get, path = "/v0/projects", tag = "Projects",
    responses((status = 200, body = Vec<Project>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody, description = "The key lacks the projects:read scope")))]
async fn list_projects(State(s): State<AppState>, auth: Auth) -> ApiResult<Response> {
    auth.require(Scope::ProjectsRead)?;
    let mut tx = s.db.read().await?;
    let rows: Vec<ProjectRow> = tx
        .all(
            &format!(
                "{PROJECT_SELECT} JOIN project_users pu ON pu.project_id = p.id AND pu.user_id = $1 \
                 AND pu.is_active ORDER BY p.id"
            ),
            params![auth.user_id],
        )
        .await?;
    tx.commit().await?;
    Ok(reply::ok(
        rows.into_iter().map(Project::from).collect::<Vec<_>>(),
    ))
}

/// Creates a new project.
#[utoipa::path(post, path = "/v0/projects", tag = "Projects", request_body = CreateProjectValues,
    responses((status = 201, body = Project), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn create_project(
    State(s): State<AppState>,
    auth: Auth,
    body: RawBody,
) -> ApiResult<Response> {
    let v: CreateProjectValues = body.json()?;
    auth.require(Scope::ProjectsAdmin)?;
    let mut c = Check::new();
    c.name("name", v.name.as_deref());
    let metric = cost_metric(&mut c, v.cost_metric.as_deref());
    if v.cost_metric.is_none() {
        c.fail("costMetric", "The cost metric is required.");
    }
    c.text("description", v.description.as_deref(), TEXT_MAX);
    c.text("generalInfo", v.general_info.as_deref(), TEXT_MAX);
    hours_per_day(&mut c, v.hours_per_day);
    let modules = module_config(&mut c, &ModuleConfig::default(), v.module_config.as_ref());
    c.finish()?;

    let mut tx = s.db.write().await?;
    let workspace_id = match v.workspace_id {
        Some(w) => {
            if !tx
                .exists("SELECT id FROM workspaces WHERE id = $1", params![w])
                .await?
            {
                return Err(ApiError::field(
                    "workspaceId",
                    "The workspace does not exist.",
                ));
            }
            w
        }
        None => {
            tx.opt::<(i64,)>(
                "SELECT workspace_id FROM workspace_users WHERE user_id = $1 AND is_active \
                 ORDER BY workspace_id LIMIT 1",
                params![auth.user_id],
            )
            .await?
            .ok_or_else(|| ApiError::Forbidden("You don't belong to any workspace.".into()))?
            .0
        }
    };
    let member: Option<(bool, bool)> = tx
        .opt(
            "SELECT is_admin, is_guest FROM workspace_users WHERE workspace_id = $1 AND user_id = $2 AND is_active",
            params![workspace_id, auth.user_id],
        )
        .await?;
    match member {
        Some((_, false)) => {}
        _ => return Err(ApiError::forbidden()),
    }
    let id = projects::create(
        &mut tx,
        &projects::NewProject {
            workspace_id,
            owner_id: auth.user_id,
            name: v.name.as_deref().unwrap_or_default().trim(),
            description: v.description.as_deref(),
            general_info: v.general_info.as_deref(),
            cost_metric: metric.as_deref().unwrap_or("hours"),
            hours_per_day: v.hours_per_day.unwrap_or(8.0),
            module_config: modules.to_stored(),
        },
    )
    .await?;
    let project = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(reply::created(project))
}

/// Gets a project.
#[utoipa::path(get, path = "/v0/projects/{projectId}", tag = "Projects",
    params(("projectId" = i64, Path, description = "The project id.")),
    responses((status = 200, body = Project), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn get_project(
    State(s): State<AppState>,
    auth: Auth,
    Ids(pid): Ids<i64>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    access::member(&mut tx, &auth, pid, Scope::ProjectsRead).await?;
    let p = load(&mut tx, pid).await?;
    tx.commit().await?;
    Ok(reply::ok(p))
}

struct ProjectUpdate {
    name: String,
    cost_metric: String,
    description: Option<String>,
    general_info: Option<String>,
    hours_per_day: f64,
    module_config: ModuleConfig,
}

async fn save(tx: &mut Tx, pid: i64, u: ProjectUpdate) -> ApiResult<Project> {
    tx.exec(
        "UPDATE projects SET name = $1, cost_metric = $2, description = $3, general_info = $4, \
         hours_per_day = $5, module_config = $6 WHERE id = $7",
        params![
            u.name,
            u.cost_metric,
            u.description,
            u.general_info,
            u.hours_per_day,
            u.module_config.to_stored(),
            pid
        ],
    )
    .await?;
    load(tx, pid).await
}

/// [ADMIN] Updates the project.
#[utoipa::path(put, path = "/v0/projects/{projectId}", tag = "Projects",
    params(("projectId" = i64, Path, description = "The project id.")),
    request_body = UpdateProjectValues,
    responses((status = 200, body = Project), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn update_project(
    State(s): State<AppState>,
    auth: Auth,
    Ids(pid): Ids<i64>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: UpdateProjectValues = body.json()?;
    let mut tx = s.db.write().await?;
    admin(&mut tx, &auth, pid).await?;
    let cur = load(&mut tx, pid).await?;
    let mut c = Check::new();
    c.name("name", v.name.as_deref());
    let metric = cost_metric(&mut c, v.cost_metric.as_deref());
    c.text("description", v.description.as_deref(), TEXT_MAX);
    c.text("generalInfo", v.general_info.as_deref(), TEXT_MAX);
    hours_per_day(&mut c, v.hours_per_day);
    let modules = module_config(&mut c, &cur.module_config, v.module_config.as_ref());
    c.finish()?;
    let p = save(
        &mut tx,
        pid,
        ProjectUpdate {
            name: v.name.unwrap_or_default().trim().to_string(),
            cost_metric: metric.unwrap_or(cur.cost_metric),
            description: v.description,
            general_info: v.general_info,
            hours_per_day: v.hours_per_day.unwrap_or(8.0),
            module_config: modules,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(reply::ok(p))
}

/// [ADMIN] Updates the project partially.
#[utoipa::path(patch, path = "/v0/projects/{projectId}", tag = "Projects",
    params(("projectId" = i64, Path, description = "The project id.")),
    request_body = PatchProjectValues,
    responses((status = 200, body = Project), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn patch_project(
    State(s): State<AppState>,
    auth: Auth,
    Ids(pid): Ids<i64>,
    body: RawBody,
) -> ApiResult<Response> {
    let v: PatchProjectValues = body.json()?;
    let mut tx = s.db.write().await?;
    admin(&mut tx, &auth, pid).await?;
    let cur = load(&mut tx, pid).await?;
    let mut c = Check::new();
    // A present `null` is a request to clear a field that cannot be empty, not "keep".
    if let Some(name) = &v.name {
        c.name("name", name.as_deref());
    }
    if v.cost_metric == Some(None) {
        c.fail("costMetric", "The cost metric is invalid.");
    }
    let metric = cost_metric(&mut c, v.cost_metric.clone().flatten().as_deref());
    c.text(
        "description",
        v.description.clone().flatten().as_deref(),
        TEXT_MAX,
    );
    c.text(
        "generalInfo",
        v.general_info.clone().flatten().as_deref(),
        TEXT_MAX,
    );
    hours_per_day(&mut c, v.hours_per_day);
    let modules = module_config(&mut c, &cur.module_config, v.module_config.as_ref());
    c.finish()?;
    let p = save(
        &mut tx,
        pid,
        ProjectUpdate {
            name: v
                .name
                .flatten()
                .map(|n| n.trim().to_string())
                .unwrap_or(cur.name),
            cost_metric: metric.unwrap_or(cur.cost_metric),
            description: v.description.unwrap_or(cur.description),
            general_info: v.general_info.unwrap_or(cur.general_info),
            hours_per_day: v.hours_per_day.unwrap_or(cur.hours_per_day),
            module_config: modules,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(reply::ok(p))
}

/// [OWNER] Deletes a project and everything in it.
#[utoipa::path(delete, path = "/v0/projects/{projectId}", tag = "Projects",
    params(("projectId" = i64, Path, description = "The project id.")),
    responses((status = 200, description = "Deleted (empty body)"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Project not found.")))]
async fn delete_project(
    State(s): State<AppState>,
    auth: Auth,
    Ids(pid): Ids<i64>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    // Deleting works on a closed project too (README: closed projects).
    access::member_even_if_closed(&mut tx, &auth, pid, Scope::ProjectsAdmin)
        .await?
        .require_owner()?;
    // Rows that point at other rows of the same project go first, so no foreign key
    // is checked against a half-deleted project.
    for sql in [
        "UPDATE work_items SET parent_story_id = NULL, design_element_id = NULL WHERE project_id = $1",
        "UPDATE design_elements SET parent_id = NULL WHERE project_id = $1",
        "UPDATE project_users SET role_id = NULL WHERE project_id = $1",
        "DELETE FROM work_items WHERE project_id = $1",
        "DELETE FROM projects WHERE id = $1",
    ] {
        tx.exec(sql, params![pid]).await?;
    }
    tx.commit().await?;
    Ok(reply::empty_ok())
}

/// [ADMIN] Closes the project (takes no body).
#[utoipa::path(post, path = "/v0/projects/{projectId}/closure", tag = "Projects",
    params(("projectId" = i64, Path, description = "The project id.")),
    responses((status = 200, description = "Closed (empty body)"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found"),
              (status = 409, body = ErrorBody, description = "The project is already closed.")))]
async fn close_project(
    State(s): State<AppState>,
    auth: Auth,
    Ids(pid): Ids<i64>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    if access::admin_even_if_closed(&mut tx, &auth, pid)
        .await?
        .project_closed
    {
        return Err(ApiError::conflict("The project is already closed."));
    }
    tx.exec(
        "UPDATE projects SET closing_date = $1 WHERE id = $2",
        params![model::now(), pid],
    )
    .await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}

/// [ADMIN] Reopens the project.
#[utoipa::path(delete, path = "/v0/projects/{projectId}/closure", tag = "Projects",
    params(("projectId" = i64, Path, description = "The project id.")),
    responses((status = 200, description = "Reopened (empty body)"), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found"),
              (status = 409, body = ErrorBody, description = "The project is already open.")))]
async fn reopen_project(
    State(s): State<AppState>,
    auth: Auth,
    Ids(pid): Ids<i64>,
) -> ApiResult<Response> {
    let mut tx = s.db.write().await?;
    if !access::admin_even_if_closed(&mut tx, &auth, pid)
        .await?
        .project_closed
    {
        return Err(ApiError::conflict("The project is already open."));
    }
    tx.exec(
        "UPDATE projects SET closing_date = NULL WHERE id = $1",
        params![pid],
    )
    .await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}

/// [OWNER] Transfers the ownership of the project to another active member, who becomes admin.
#[utoipa::path(put, path = "/v0/projects/{projectId}/owner", tag = "Projects",
    params(("projectId" = i64, Path, description = "The project id.")),
    request_body(content = i64, description = "The id of the new owner (bare integer, or {\"ownerUserId\": n})."),
    responses((status = 200, description = "Transferred (empty body)"), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "Project or user not found")))]
async fn transfer_owner(
    State(s): State<AppState>,
    auth: Auth,
    Ids(pid): Ids<i64>,
    body: RawBody,
) -> ApiResult<Response> {
    let new_owner = body.int("ownerUserId")?;
    let mut tx = s.db.write().await?;
    // Handing a closed project over is allowed: the new owner can then reopen or delete it.
    access::member_even_if_closed(&mut tx, &auth, pid, Scope::ProjectsAdmin)
        .await?
        .require_owner()?;
    if tx
        .exec(
            "UPDATE project_users SET is_admin = TRUE, is_guest = FALSE \
             WHERE project_id = $1 AND user_id = $2 AND is_active",
            params![pid, new_owner],
        )
        .await?
        == 0
    {
        return Err(ApiError::NotFound);
    }
    tx.exec(
        "UPDATE projects SET owner_id = $1 WHERE id = $2",
        params![new_owner, pid],
    )
    .await?;
    tx.commit().await?;
    Ok(reply::empty_ok())
}

/// Gets the project metrics (work items of the categories the caller can read).
#[utoipa::path(get, path = "/v0/projects/{projectId}/metrics", tag = "Projects",
    params(("projectId" = i64, Path, description = "The project id.")),
    responses((status = 200, body = Metrics), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, description = "Not found")))]
async fn project_metrics(
    State(s): State<AppState>,
    auth: Auth,
    Ids(pid): Ids<i64>,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let m = access::member(&mut tx, &auth, pid, Scope::ProjectsRead).await?;
    let out = metrics::compute(&mut tx, pid, &MetricsScope::Project, |c| {
        m.can_read_category(Some(c))
    })
    .await?;
    tx.commit().await?;
    Ok(reply::ok(out))
}
