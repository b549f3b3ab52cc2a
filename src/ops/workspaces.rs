//! Workspaces, their teams and their users: read-only in v0 except teams (created and filled by a
//! workspace owner or admin, from the CLI or the web app), and without
//! change records (§6 names no workspace event).

use serde::Serialize;
use utoipa::ToSchema;

use super::{Actor, OpError, OpResult, Scope, access};
use crate::model::{PROJECT_SELECT, Project, ProjectRow, User};
use crate::params;
use crate::store::{Tx, placeholders};

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Workspace {
    pub id: i64,
    pub name: String,
    pub owner: User,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub general_info: Option<String>,
    pub total_seats: i64,
    pub used_seats: i64,
    pub creation_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub projects: Option<Vec<Project>>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceUser {
    pub workspace_id: i64,
    pub user: User,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_id: Option<i64>,
    pub is_admin: bool,
    pub is_guest: bool,
    pub is_active: bool,
    pub creation_date: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceTeam {
    pub workspace_id: i64,
    pub team_id: i64,
    pub name: String,
    pub users: Vec<WorkspaceUser>,
    pub creator: User,
    pub creation_date: String,
}

#[derive(sqlx::FromRow)]
struct WorkspaceRow {
    id: i64,
    name: String,
    general_info: Option<String>,
    total_seats: i64,
    creation_date: String,
    used_seats: i64,
    owner_id: i64,
    owner_username: String,
    owner_email: String,
    owner_name: Option<String>,
    owner_creation_date: String,
}
crate::lite_row!(WorkspaceRow {
    id,
    name,
    general_info,
    total_seats,
    creation_date,
    used_seats,
    owner_id,
    owner_username,
    owner_email,
    owner_name,
    owner_creation_date
});

const WORKSPACE_SELECT: &str = "SELECT w.id, w.name, w.general_info, w.total_seats, w.creation_date, \
     (SELECT COUNT(*) FROM workspace_users x WHERE x.workspace_id = w.id AND x.is_active) AS used_seats, \
     u.id AS owner_id, u.username AS owner_username, u.email AS owner_email, u.name AS owner_name, \
     u.creation_date AS owner_creation_date \
     FROM workspaces w JOIN users u ON u.id = w.owner_id \
     JOIN workspace_users me ON me.workspace_id = w.id AND me.user_id = $1 AND me.is_active";

#[derive(sqlx::FromRow)]
struct WorkspaceUserRow {
    workspace_id: i64,
    team_id: Option<i64>,
    is_admin: bool,
    is_guest: bool,
    is_active: bool,
    creation_date: String,
    id: i64,
    username: String,
    email: String,
    name: Option<String>,
    user_creation_date: String,
}
crate::lite_row!(WorkspaceUserRow {
    workspace_id,
    team_id,
    is_admin,
    is_guest,
    is_active,
    creation_date,
    id,
    username,
    email,
    name,
    user_creation_date
});

const WORKSPACE_USER_SELECT: &str = "SELECT wu.workspace_id, wu.team_id, wu.is_admin, wu.is_guest, \
     wu.is_active, wu.creation_date, u.id, u.username, u.email, u.name, \
     u.creation_date AS user_creation_date \
     FROM workspace_users wu JOIN users u ON u.id = wu.user_id";

impl From<WorkspaceUserRow> for WorkspaceUser {
    fn from(r: WorkspaceUserRow) -> Self {
        WorkspaceUser {
            workspace_id: r.workspace_id,
            team_id: r.team_id,
            is_admin: r.is_admin,
            is_guest: r.is_guest,
            is_active: r.is_active,
            creation_date: r.creation_date,
            user: User {
                id: r.id,
                username: r.username,
                email: r.email,
                name: r.name,
                creation_date: r.user_creation_date,
            },
        }
    }
}

/// Builds workspace replies, attaching projects with one query for all of them.
async fn shape(
    tx: &mut Tx,
    rows: Vec<WorkspaceRow>,
    user_id: i64,
    include_projects: bool,
) -> OpResult<Vec<Workspace>> {
    let mut projects: Vec<Project> = Vec::new();
    if include_projects && !rows.is_empty() {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let sql = format!(
            "{PROJECT_SELECT} JOIN project_users pu ON pu.project_id = p.id AND pu.user_id = $1 AND pu.is_active \
             WHERE p.workspace_id IN ({}) ORDER BY p.id",
            placeholders(2, ids.len())
        );
        let mut params = vec![user_id.into()];
        params.extend(ids.iter().map(|i| (*i).into()));
        let prows: Vec<ProjectRow> = tx.all(&sql, &params).await?;
        projects = prows.into_iter().map(Project::from).collect();
    }
    Ok(rows
        .into_iter()
        .map(|r| Workspace {
            projects: include_projects.then(|| {
                projects
                    .iter()
                    .filter(|p| p.workspace_id == r.id)
                    .cloned()
                    .collect()
            }),
            id: r.id,
            name: r.name,
            general_info: r.general_info,
            total_seats: r.total_seats,
            used_seats: r.used_seats,
            creation_date: r.creation_date,
            owner: User {
                id: r.owner_id,
                username: r.owner_username,
                email: r.owner_email,
                name: r.owner_name,
                creation_date: r.owner_creation_date,
            },
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct TeamRow {
    id: i64,
    workspace_id: i64,
    name: String,
    creation_date: String,
    creator_id: i64,
    creator_username: String,
    creator_email: String,
    creator_name: Option<String>,
    creator_creation_date: String,
}
crate::lite_row!(TeamRow {
    id,
    workspace_id,
    name,
    creation_date,
    creator_id,
    creator_username,
    creator_email,
    creator_name,
    creator_creation_date
});

async fn load_teams(
    tx: &mut Tx,
    workspace_id: i64,
    team_id: Option<i64>,
) -> OpResult<Vec<WorkspaceTeam>> {
    let mut sql = "SELECT t.id, t.workspace_id, t.name, t.creation_date, u.id AS creator_id, \
         u.username AS creator_username, u.email AS creator_email, u.name AS creator_name, \
         u.creation_date AS creator_creation_date \
         FROM teams t JOIN users u ON u.id = t.creator_id WHERE t.workspace_id = $1"
        .to_string();
    let mut params = vec![workspace_id.into()];
    if let Some(t) = team_id {
        sql.push_str(" AND t.id = $2");
        params.push(t.into());
    }
    sql.push_str(" ORDER BY t.id");
    let rows: Vec<TeamRow> = tx.all(&sql, &params).await?;
    let members: Vec<WorkspaceUserRow> = tx
        .all(
            &format!(
                "{WORKSPACE_USER_SELECT} WHERE wu.workspace_id = $1 AND wu.team_id IS NOT NULL AND wu.is_active ORDER BY u.id"
            ),
            params![workspace_id],
        )
        .await?;
    let mut members: Vec<WorkspaceUser> = members.into_iter().map(Into::into).collect();
    Ok(rows
        .into_iter()
        .map(|r| {
            let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut members)
                .into_iter()
                .partition(|m| m.team_id == Some(r.id));
            members = rest;
            WorkspaceTeam {
                workspace_id: r.workspace_id,
                team_id: r.id,
                name: r.name,
                users: mine,
                creation_date: r.creation_date,
                creator: User {
                    id: r.creator_id,
                    username: r.creator_username,
                    email: r.creator_email,
                    name: r.creator_name,
                    creation_date: r.creator_creation_date,
                },
            }
        })
        .collect())
}

/// Which of the actor's workspaces `list` returns.
#[derive(Debug, Clone, Copy, Default)]
pub struct WorkspaceFilter {
    /// Only those the actor administers (or owns).
    pub only_admin: bool,
    /// Only the one the actor owns.
    pub only_owner: bool,
    /// Nest each workspace's projects (those the actor is a member of).
    pub include_projects: bool,
}

/// The workspaces the actor belongs to.
pub async fn list(tx: &mut Tx, actor: &Actor, f: WorkspaceFilter) -> OpResult<Vec<Workspace>> {
    actor.require(Scope::WorkspacesRead)?;
    let mut sql = WORKSPACE_SELECT.to_string();
    if f.only_admin {
        sql.push_str(" AND (me.is_admin OR w.owner_id = $1)");
    }
    if f.only_owner {
        sql.push_str(" WHERE w.owner_id = $1");
    }
    sql.push_str(" ORDER BY w.id");
    let rows: Vec<WorkspaceRow> = tx.all(&sql, params![actor.user_id]).await?;
    shape(tx, rows, actor.user_id, f.include_projects).await
}

/// The workspace row, for an actor who may read it.
async fn load_workspace(tx: &mut Tx, actor: &Actor, workspace_id: i64) -> OpResult<WorkspaceRow> {
    access::workspace_reader(tx, actor, workspace_id).await?;
    tx.opt(
        &format!("{WORKSPACE_SELECT} WHERE w.id = $2"),
        params![actor.user_id, workspace_id],
    )
    .await?
    .ok_or_else(OpError::forbidden)
}

/// A workspace the actor belongs to (with its projects when `include_projects`).
pub async fn get(
    tx: &mut Tx,
    actor: &Actor,
    workspace_id: i64,
    include_projects: bool,
) -> OpResult<Workspace> {
    let row = load_workspace(tx, actor, workspace_id).await?;
    let mut out = shape(tx, vec![row], actor.user_id, include_projects).await?;
    out.pop().ok_or(OpError::NotFound)
}

/// The workspace's teams, each with its active members.
pub async fn teams(tx: &mut Tx, actor: &Actor, workspace_id: i64) -> OpResult<Vec<WorkspaceTeam>> {
    access::workspace_reader(tx, actor, workspace_id).await?;
    load_teams(tx, workspace_id, None).await
}

/// One team of the workspace.
pub async fn team(
    tx: &mut Tx,
    actor: &Actor,
    workspace_id: i64,
    team_id: i64,
) -> OpResult<WorkspaceTeam> {
    access::workspace_reader(tx, actor, workspace_id).await?;
    load_teams(tx, workspace_id, Some(team_id))
        .await?
        .pop()
        .ok_or(OpError::NotFound)
}

/// The workspace's users (active ones unless `include_inactive`).
pub async fn users(
    tx: &mut Tx,
    actor: &Actor,
    workspace_id: i64,
    include_inactive: bool,
) -> OpResult<Vec<WorkspaceUser>> {
    access::workspace_reader(tx, actor, workspace_id).await?;
    let mut sql = format!("{WORKSPACE_USER_SELECT} WHERE wu.workspace_id = $1");
    if !include_inactive {
        sql.push_str(" AND wu.is_active");
    }
    sql.push_str(" ORDER BY u.id");
    let rows: Vec<WorkspaceUserRow> = tx.all(&sql, params![workspace_id]).await?;
    Ok(rows.into_iter().map(WorkspaceUser::from).collect())
}

/// One user of the workspace (also one who left it).
pub async fn user(
    tx: &mut Tx,
    actor: &Actor,
    workspace_id: i64,
    user_id: i64,
) -> OpResult<WorkspaceUser> {
    access::workspace_reader(tx, actor, workspace_id).await?;
    let row: WorkspaceUserRow = tx
        .opt(
            &format!("{WORKSPACE_USER_SELECT} WHERE wu.workspace_id = $1 AND wu.user_id = $2"),
            params![workspace_id, user_id],
        )
        .await?
        .ok_or(OpError::NotFound)?;
    Ok(WorkspaceUser::from(row))
}

/// `[WORKSPACE ADMIN]` A new team (names are unique in the workspace: 409).
pub async fn create_team(
    tx: &mut Tx,
    actor: &Actor,
    workspace_id: i64,
    name: &str,
) -> OpResult<WorkspaceTeam> {
    access::workspace_admin(tx, actor, workspace_id).await?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 255 {
        return Err(OpError::invalid(
            "The team needs a name (up to 255 characters).",
        ));
    }
    let dup: Option<(i64,)> = tx
        .opt(
            "SELECT id FROM teams WHERE workspace_id = $1 AND name = $2",
            params![workspace_id, name],
        )
        .await?;
    if dup.is_some() {
        return Err(OpError::conflict(format!(
            "The workspace has a team named '{name}'."
        )));
    }
    let id = crate::store::accounts::create_team(tx, workspace_id, name).await?;
    team(tx, actor, workspace_id, id).await
}

/// `[WORKSPACE ADMIN]` Puts an active workspace user in a team (a user is in one team at a
/// time, so this moves them from their previous one).
pub async fn add_team_user(
    tx: &mut Tx,
    actor: &Actor,
    workspace_id: i64,
    team_id: i64,
    user_id: i64,
) -> OpResult<()> {
    access::workspace_admin(tx, actor, workspace_id).await?;
    load_teams(tx, workspace_id, Some(team_id))
        .await?
        .pop()
        .ok_or(OpError::NotFound)?;
    let active: Option<(bool,)> = tx
        .opt(
            "SELECT is_active FROM workspace_users WHERE workspace_id = $1 AND user_id = $2",
            params![workspace_id, user_id],
        )
        .await?;
    if active != Some((true,)) {
        return Err(OpError::invalid(
            "The user is not an active member of the workspace.",
        ));
    }
    crate::store::accounts::add_team_user(tx, team_id, user_id).await?;
    Ok(())
}

/// `[WORKSPACE ADMIN]` Takes a user out of a team; 404 when they are not in it.
pub async fn remove_team_user(
    tx: &mut Tx,
    actor: &Actor,
    workspace_id: i64,
    team_id: i64,
    user_id: i64,
) -> OpResult<()> {
    access::workspace_admin(tx, actor, workspace_id).await?;
    load_teams(tx, workspace_id, Some(team_id))
        .await?
        .pop()
        .ok_or(OpError::NotFound)?;
    if crate::store::accounts::remove_team_user(tx, team_id, user_id).await? {
        Ok(())
    } else {
        Err(OpError::NotFound)
    }
}
