//! Project users: membership of a project (admin/guest flags, a role), added one by one or a
//! whole workspace team at once. Removed members stay as inactive rows for history, and a member
//! who leaves is unassigned from the project's work items.

use serde::Deserialize;
use utoipa::ToSchema;

use super::{Actor, OpError, OpResult, Scope, access};
use crate::changes::{self, Event};
use crate::model::{self, Check, NAME_MAX, ProjectUser};
use crate::params;
use crate::store::Tx;

pub const OWNER_CHANGE: &str = "The project owner can't be changed this way.";
const NOT_IN_WORKSPACE: &str = "The user is not a member of the project's workspace.";
const INVALID_VALUES: &str = "Invalid values object.";

/// POST body: `userId` or `email` (one is required).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateProjectUserValues {
    pub user_id: Option<i64>,
    pub email: Option<String>,
    /// A role of the project; absent, null or 0 = no role.
    pub role_id: Option<i64>,
    pub is_admin: Option<bool>,
    pub is_guest: Option<bool>,
}

/// PUT body: omitted `roleId` → no role, omitted flags → false (`isActive` → true).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateProjectUserValues {
    pub role_id: Option<i64>,
    pub is_admin: Option<bool>,
    pub is_guest: Option<bool>,
    pub is_active: Option<bool>,
}

/// PATCH body: only the fields present change; `roleId: null` removes the role.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PatchProjectUserValues {
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<i64>)]
    pub role_id: Option<Option<i64>>,
    pub is_admin: Option<bool>,
    pub is_guest: Option<bool>,
    pub is_active: Option<bool>,
}

/// The membership values of one row (stored, or what a write leaves behind).
#[derive(sqlx::FromRow)]
struct Membership {
    role_id: Option<i64>,
    is_admin: bool,
    is_guest: bool,
    is_active: bool,
}
crate::lite_row!(Membership {
    role_id,
    is_admin,
    is_guest,
    is_active
});

async fn load(tx: &mut Tx, pid: i64, user_id: i64) -> OpResult<ProjectUser> {
    model::get_project_user(tx, pid, user_id)
        .await?
        .ok_or(OpError::NotFound)
}

async fn membership(tx: &mut Tx, pid: i64, user_id: i64) -> OpResult<Option<Membership>> {
    Ok(tx
        .opt(
            "SELECT role_id, is_admin, is_guest, is_active FROM project_users \
             WHERE project_id = $1 AND user_id = $2",
            params![pid, user_id],
        )
        .await?)
}

/// `roleId` must name a role of this project (0 = none).
async fn check_role(tx: &mut Tx, c: &mut Check, pid: i64, role_id: Option<i64>) -> OpResult<()> {
    if let Some(r) = role_id
        && !tx
            .exists(
                "SELECT role_id FROM roles WHERE project_id = $1 AND role_id = $2",
                params![pid, r],
            )
            .await?
    {
        c.fail("roleId", "The role does not exist in the project.");
    }
    Ok(())
}

fn check_flags(c: &mut Check, is_admin: bool, is_guest: bool) {
    if is_admin && is_guest {
        c.fail("isGuest", "A guest can't be an admin.");
    }
}

async fn in_project_workspace(tx: &mut Tx, pid: i64, user_id: i64) -> OpResult<bool> {
    Ok(tx
        .exists(
            "SELECT wu.user_id FROM workspace_users wu JOIN projects p ON p.workspace_id = wu.workspace_id \
             WHERE p.id = $1 AND wu.user_id = $2 AND wu.is_active",
            params![pid, user_id],
        )
        .await?)
}

async fn project_owner(tx: &mut Tx, pid: i64) -> OpResult<i64> {
    Ok(tx
        .one::<(i64,)>("SELECT owner_id FROM projects WHERE id = $1", params![pid])
        .await?
        .0)
}

/// The project's users (any member); removed ones and guests as asked.
pub async fn list(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    include_inactive: bool,
    include_guests: bool,
) -> OpResult<Vec<ProjectUser>> {
    access::member(tx, actor, pid, Scope::ProjectsRead).await?;
    Ok(model::list_project_users(tx, pid, include_inactive, include_guests).await?)
}

/// One project user, also one who was removed.
pub async fn get(tx: &mut Tx, actor: &Actor, pid: i64, user_id: i64) -> OpResult<ProjectUser> {
    access::member(tx, actor, pid, Scope::ProjectsRead).await?;
    load(tx, pid, user_id).await
}

/// `[ADMIN]` Adds a user of the project's workspace (by id or email); a removed member comes
/// back with the new values.
pub async fn add(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    v: CreateProjectUserValues,
) -> OpResult<ProjectUser> {
    if v.user_id.is_none() && v.email.is_none() {
        return Err(OpError::invalid(INVALID_VALUES));
    }
    access::admin(tx, actor, pid).await?;
    let role_id = v.role_id.filter(|r| *r != 0);
    let is_admin = v.is_admin.unwrap_or(false);
    let is_guest = v.is_guest.unwrap_or(false);
    let mut c = Check::new();
    c.text("email", v.email.as_deref(), NAME_MAX);
    check_flags(&mut c, is_admin, is_guest);
    check_role(tx, &mut c, pid, role_id).await?;
    c.finish()?;

    // userId wins; an email that names someone else is a contradiction.
    let by_email = match v.email.as_deref() {
        Some(e) => tx
            .opt::<(i64,)>(
                "SELECT id FROM users WHERE LOWER(email) = $1",
                params![e.trim().to_lowercase()],
            )
            .await?
            .map(|r| r.0),
        None => None,
    };
    let user_id = match (v.user_id, by_email) {
        (Some(u), Some(e)) if u != e => {
            return Err(OpError::field(
                "email",
                "The email does not belong to the user.",
            ));
        }
        (Some(u), _) => u,
        (None, Some(e)) => e,
        (None, None) => return Err(OpError::NotFound),
    };
    if !tx
        .exists("SELECT id FROM users WHERE id = $1", params![user_id])
        .await?
    {
        return Err(OpError::NotFound);
    }
    if !in_project_workspace(tx, pid, user_id).await? {
        return Err(OpError::field("userId", NOT_IN_WORKSPACE));
    }
    match membership(tx, pid, user_id).await? {
        Some(m) if m.is_active => {
            return Err(OpError::conflict(
                "The user is a member of the project already.",
            ));
        }
        Some(_) => {
            tx.exec(
                "UPDATE project_users SET role_id = $1, is_admin = $2, is_guest = $3, is_active = TRUE \
                 WHERE project_id = $4 AND user_id = $5",
                params![role_id, is_admin, is_guest, pid, user_id],
            )
            .await?;
        }
        None => {
            tx.exec(
                "INSERT INTO project_users (project_id, user_id, role_id, is_admin, is_guest, is_active, creation_date) \
                 VALUES ($1, $2, $3, $4, $5, TRUE, $6)",
                params![pid, user_id, role_id, is_admin, is_guest, model::now()],
            )
            .await?;
        }
    }
    record(tx, actor, pid, user_id, Event::ProjectUserAdded).await
}

/// What a membership change is, for the change log: leaving the project is `left` when the
/// member does it themself and `deleted` when someone else removes them; coming back is `added`.
fn membership_event(actor: &Actor, user_id: i64, was_active: bool, is_active: bool) -> Event {
    match (was_active, is_active) {
        (true, false) if actor.user_id == user_id => Event::ProjectUserLeft,
        (true, false) => Event::ProjectUserDeleted,
        (false, true) => Event::ProjectUserAdded,
        _ => Event::ProjectUserUpdated,
    }
}

/// Records a membership change with the project user as GET answers it after the change (a
/// removed member stays readable, `isActive: false`).
async fn record(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    user_id: i64,
    event: Event,
) -> OpResult<ProjectUser> {
    let pu = load(tx, pid, user_id).await?;
    changes::record(tx, actor, pid, event, user_id, None, &pu).await?;
    Ok(pu)
}

/// A member who leaves the project (removed, or made inactive) is unassigned from its work
/// items, so no item keeps an assignee that its edits would have to refuse.
async fn unassign_everywhere(tx: &mut Tx, pid: i64, user_id: i64) -> OpResult<()> {
    tx.exec(
        "UPDATE work_items SET update_date = $3 WHERE project_id = $1 AND work_item_id IN \
         (SELECT wu.work_item_id FROM work_item_users wu WHERE wu.project_id = $1 AND wu.user_id = $2)",
        params![pid, user_id, model::now()],
    )
    .await?;
    tx.exec(
        "DELETE FROM work_item_users WHERE project_id = $1 AND user_id = $2",
        params![pid, user_id],
    )
    .await?;
    Ok(())
}

/// `[ADMIN]` Validates and stores the new membership values of `user_id` (PUT and PATCH), given
/// the current ones; answers the project user after the change.
async fn apply(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    user_id: i64,
    new: impl FnOnce(&Membership) -> Membership,
) -> OpResult<ProjectUser> {
    access::admin(tx, actor, pid).await?;
    let cur = membership(tx, pid, user_id)
        .await?
        .ok_or(OpError::NotFound)?;
    let new = new(&cur);
    let mut c = Check::new();
    check_flags(&mut c, new.is_admin, new.is_guest);
    if new.role_id != cur.role_id {
        check_role(tx, &mut c, pid, new.role_id).await?;
    }
    c.finish()?;
    if project_owner(tx, pid).await? == user_id && (!new.is_admin || new.is_guest || !new.is_active)
    {
        return Err(OpError::conflict(OWNER_CHANGE));
    }
    if new.is_active && !cur.is_active && !in_project_workspace(tx, pid, user_id).await? {
        return Err(OpError::field("userId", NOT_IN_WORKSPACE));
    }
    tx.exec(
        "UPDATE project_users SET role_id = $1, is_admin = $2, is_guest = $3, is_active = $4 \
         WHERE project_id = $5 AND user_id = $6",
        params![
            new.role_id,
            new.is_admin,
            new.is_guest,
            new.is_active,
            pid,
            user_id
        ],
    )
    .await?;
    if cur.is_active && !new.is_active {
        unassign_everywhere(tx, pid, user_id).await?;
    }
    let event = membership_event(actor, user_id, cur.is_active, new.is_active);
    record(tx, actor, pid, user_id, event).await
}

/// `[ADMIN]` PUT: every field; omitted ones reset.
pub async fn update(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    user_id: i64,
    v: UpdateProjectUserValues,
) -> OpResult<ProjectUser> {
    apply(tx, actor, pid, user_id, |_| Membership {
        role_id: v.role_id.filter(|r| *r != 0),
        is_admin: v.is_admin.unwrap_or(false),
        is_guest: v.is_guest.unwrap_or(false),
        is_active: v.is_active.unwrap_or(true),
    })
    .await
}

/// `[ADMIN]` PATCH: only the values sent change.
pub async fn patch(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    user_id: i64,
    v: PatchProjectUserValues,
) -> OpResult<ProjectUser> {
    apply(tx, actor, pid, user_id, |cur| Membership {
        role_id: match v.role_id {
            Some(r) => r.filter(|r| *r != 0),
            None => cur.role_id,
        },
        is_admin: v.is_admin.unwrap_or(cur.is_admin),
        is_guest: v.is_guest.unwrap_or(cur.is_guest),
        is_active: v.is_active.unwrap_or(cur.is_active),
    })
    .await
}

/// `[ADMIN/SELF]` Removes a member: the membership is kept, inactive, and the user is
/// unassigned from the project's work items. The owner stays.
pub async fn remove(tx: &mut Tx, actor: &Actor, pid: i64, user_id: i64) -> OpResult<ProjectUser> {
    access::member(tx, actor, pid, Scope::ProjectsAdmin)
        .await?
        .require_admin_or_self(user_id)?;
    match membership(tx, pid, user_id).await? {
        Some(m) if m.is_active => {}
        _ => return Err(OpError::NotFound),
    }
    if project_owner(tx, pid).await? == user_id {
        return Err(OpError::conflict(OWNER_CHANGE));
    }
    tx.exec(
        "UPDATE project_users SET is_active = FALSE WHERE project_id = $1 AND user_id = $2",
        params![pid, user_id],
    )
    .await?;
    unassign_everywhere(tx, pid, user_id).await?;
    let event = membership_event(actor, user_id, true, false);
    record(tx, actor, pid, user_id, event).await
}

/// `[ADMIN]` Adds every active member of a workspace team who is not an active project member;
/// answers those added, in user id order.
pub async fn add_team(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    team_id: i64,
) -> OpResult<Vec<ProjectUser>> {
    access::admin(tx, actor, pid).await?;
    if !tx
        .exists(
            "SELECT t.id FROM teams t JOIN projects p ON p.workspace_id = t.workspace_id \
             WHERE p.id = $1 AND t.id = $2",
            params![pid, team_id],
        )
        .await?
    {
        return Err(OpError::NotFound);
    }
    // (user id, workspace guest, already a (former) project member)
    let candidates: Vec<(i64, bool, Option<i64>)> = tx
        .all(
            "SELECT wu.user_id, wu.is_guest, pu.user_id FROM workspace_users wu \
             JOIN projects p ON p.workspace_id = wu.workspace_id AND p.id = $1 \
             LEFT JOIN project_users pu ON pu.project_id = p.id AND pu.user_id = wu.user_id \
             WHERE wu.team_id = $2 AND wu.is_active AND (pu.user_id IS NULL OR NOT pu.is_active) \
             ORDER BY wu.user_id",
            params![pid, team_id],
        )
        .await?;
    let now = model::now();
    for (user_id, ws_guest, known) in &candidates {
        if known.is_some() {
            tx.exec(
                "UPDATE project_users SET role_id = NULL, is_admin = FALSE, is_guest = $1, is_active = TRUE \
                 WHERE project_id = $2 AND user_id = $3",
                params![*ws_guest, pid, *user_id],
            )
            .await?;
        } else {
            tx.exec(
                "INSERT INTO project_users (project_id, user_id, role_id, is_admin, is_guest, is_active, creation_date) \
                 VALUES ($1, $2, NULL, FALSE, $3, TRUE, $4)",
                params![pid, *user_id, *ws_guest, &now],
            )
            .await?;
        }
    }
    let ids: Vec<i64> = candidates.iter().map(|c| c.0).collect();
    let mut by_id = model::project_users_by_id(tx, pid, &ids).await?;
    let added: Vec<ProjectUser> = ids.iter().filter_map(|i| by_id.remove(i)).collect();
    for pu in &added {
        changes::record(
            tx,
            actor,
            pid,
            Event::ProjectUserAdded,
            pu.user.id,
            None,
            pu,
        )
        .await?;
    }
    Ok(added)
}
