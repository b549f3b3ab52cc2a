//! Projects: CRUD, closure, ownership and metrics. A new project starts with the defaults of §7
//! (`store::projects::create`).

use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::access;
use super::{Actor, OpError, OpResult, Scope};
use crate::changes::{self, Event};
use crate::model::{
    self, Check, Metrics, ModuleConfig, PROJECT_SELECT, Project, ProjectRow, TEXT_MAX,
    project_users_by_id,
};
use crate::params;
use crate::store::metrics::{self, MetricsScope};
use crate::store::{Tx, projects};

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

/// The project as its GET returns it.
pub(crate) async fn load(tx: &mut Tx, id: i64) -> OpResult<Project> {
    projects::get(tx, id).await?.ok_or(OpError::NotFound)
}

/// The projects the actor is an active member of.
pub async fn list(tx: &mut Tx, actor: &Actor) -> OpResult<Vec<Project>> {
    actor.require(Scope::ProjectsRead)?;
    let rows: Vec<ProjectRow> = tx
        .all(
            &format!(
                "{PROJECT_SELECT} JOIN project_users pu ON pu.project_id = p.id AND pu.user_id = $1 \
                 AND pu.is_active ORDER BY p.id"
            ),
            params![actor.user_id],
        )
        .await?;
    Ok(rows.into_iter().map(Project::from).collect())
}

/// Creates a project in a workspace the actor belongs to (not as a guest); the actor owns it.
/// Records nothing: there is no `project.created` event, and no one could subscribe yet.
pub async fn create(tx: &mut Tx, actor: &Actor, v: CreateProjectValues) -> OpResult<Project> {
    actor.require(Scope::ProjectsAdmin)?;
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

    let workspace_id = match v.workspace_id {
        Some(w) => {
            if !tx
                .exists("SELECT id FROM workspaces WHERE id = $1", params![w])
                .await?
            {
                return Err(OpError::field(
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
                params![actor.user_id],
            )
            .await?
            .ok_or_else(|| OpError::Forbidden("You don't belong to any workspace.".into()))?
            .0
        }
    };
    access::workspace_project_creator(tx, actor, workspace_id).await?;
    let id = projects::create(
        tx,
        &projects::NewProject {
            workspace_id,
            owner_id: actor.user_id,
            name: v.name.as_deref().unwrap_or_default().trim(),
            description: v.description.as_deref(),
            general_info: v.general_info.as_deref(),
            cost_metric: metric.as_deref().unwrap_or("hours"),
            hours_per_day: v.hours_per_day.unwrap_or(8.0),
            module_config: modules.to_stored(),
        },
    )
    .await?;
    load(tx, id).await
}

/// The project (any member).
pub async fn get(tx: &mut Tx, actor: &Actor, pid: i64) -> OpResult<Project> {
    access::member(tx, actor, pid, Scope::ProjectsRead).await?;
    load(tx, pid).await
}

struct ProjectUpdate {
    name: String,
    cost_metric: String,
    description: Option<String>,
    general_info: Option<String>,
    hours_per_day: f64,
    module_config: ModuleConfig,
}

/// Writes the project's values and records `project.updated`.
async fn save(tx: &mut Tx, actor: &Actor, pid: i64, u: ProjectUpdate) -> OpResult<Project> {
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
    record(tx, actor, pid, Event::ProjectUpdated).await
}

/// Records `event` with the project as it is now; returns it.
async fn record(tx: &mut Tx, actor: &Actor, pid: i64, event: Event) -> OpResult<Project> {
    let p = load(tx, pid).await?;
    changes::record(tx, actor, pid, event, pid, None, &p).await?;
    Ok(p)
}

/// `[ADMIN]` Replaces the project's values (README: what an omitted field becomes).
pub async fn update(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    v: UpdateProjectValues,
) -> OpResult<Project> {
    access::admin(tx, actor, pid).await?;
    let cur = load(tx, pid).await?;
    let mut c = Check::new();
    c.name("name", v.name.as_deref());
    let metric = cost_metric(&mut c, v.cost_metric.as_deref());
    c.text("description", v.description.as_deref(), TEXT_MAX);
    c.text("generalInfo", v.general_info.as_deref(), TEXT_MAX);
    hours_per_day(&mut c, v.hours_per_day);
    let modules = module_config(&mut c, &cur.module_config, v.module_config.as_ref());
    c.finish()?;
    save(
        tx,
        actor,
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
    .await
}

/// `[ADMIN]` Changes only the values sent.
pub async fn patch(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    v: PatchProjectValues,
) -> OpResult<Project> {
    access::admin(tx, actor, pid).await?;
    let cur = load(tx, pid).await?;
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
    save(
        tx,
        actor,
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
    .await
}

/// `[OWNER]` Deletes the project and everything in it, its change log included (so it records
/// nothing). Works on a closed project too (README: closed projects).
pub async fn delete(tx: &mut Tx, actor: &Actor, pid: i64) -> OpResult<()> {
    access::member_even_if_closed(tx, actor, pid, Scope::ProjectsAdmin)
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
    Ok(())
}

/// `[ADMIN]` Closes the project; closing a closed one → Conflict.
pub async fn close(tx: &mut Tx, actor: &Actor, pid: i64) -> OpResult<()> {
    if access::admin_even_if_closed(tx, actor, pid)
        .await?
        .project_closed
    {
        return Err(OpError::conflict("The project is already closed."));
    }
    tx.exec(
        "UPDATE projects SET closing_date = $1 WHERE id = $2",
        params![model::now(), pid],
    )
    .await?;
    record(tx, actor, pid, Event::ProjectClosed).await?;
    Ok(())
}

/// `[ADMIN]` Reopens the project; reopening an open one → Conflict.
pub async fn reopen(tx: &mut Tx, actor: &Actor, pid: i64) -> OpResult<()> {
    if !access::admin_even_if_closed(tx, actor, pid)
        .await?
        .project_closed
    {
        return Err(OpError::conflict("The project is already open."));
    }
    tx.exec(
        "UPDATE projects SET closing_date = NULL WHERE id = $1",
        params![pid],
    )
    .await?;
    record(tx, actor, pid, Event::ProjectReopened).await?;
    Ok(())
}

/// `[OWNER]` Hands the project to another active member, who becomes admin. Allowed on a closed
/// project: the new owner can then reopen or delete it. Records `project.updated` (its owner)
/// and `projectuser.updated` (the new owner's admin flag); handing it to oneself changes nothing.
pub async fn transfer_owner(tx: &mut Tx, actor: &Actor, pid: i64, new_owner: i64) -> OpResult<()> {
    access::member_even_if_closed(tx, actor, pid, Scope::ProjectsAdmin)
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
        return Err(OpError::NotFound);
    }
    tx.exec(
        "UPDATE projects SET owner_id = $1 WHERE id = $2",
        params![new_owner, pid],
    )
    .await?;
    if new_owner != actor.user_id {
        record(tx, actor, pid, Event::ProjectUpdated).await?;
        if let Some(pu) = project_users_by_id(tx, pid, &[new_owner])
            .await?
            .remove(&new_owner)
        {
            changes::record(
                tx,
                actor,
                pid,
                Event::ProjectUserUpdated,
                new_owner,
                None,
                &pu,
            )
            .await?;
        }
    }
    Ok(())
}

/// The project's metrics over the categories the actor can read.
pub async fn metrics(tx: &mut Tx, actor: &Actor, pid: i64) -> OpResult<Metrics> {
    let m = access::member(tx, actor, pid, Scope::ProjectsRead).await?;
    Ok(metrics::compute(tx, pid, &MetricsScope::Project, |c| {
        m.can_read_category(Some(c))
    })
    .await?)
}
