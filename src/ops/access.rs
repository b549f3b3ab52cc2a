//! Every permission rule of BEHAVIOUR.md §8 lives here; operations ask, adapters never decide.

use super::{Actor, OpError, OpResult, Scope};
use crate::model::Permissions;
use crate::params;
use crate::store::Tx;

/// The caller as a member of one project.
#[derive(Debug, Clone)]
pub struct Member {
    pub project_id: i64,
    pub user_id: i64,
    pub is_owner: bool,
    /// Project admin (flag, admin role, or owner).
    pub is_admin: bool,
    pub is_guest: bool,
    /// The role's permissions; `None` when the member has no role (everything allowed).
    pub perms: Option<Permissions>,
    pub project_closed: bool,
}

#[derive(sqlx::FromRow, Clone)]
struct AccessRow {
    owner_id: i64,
    closing_date: Option<String>,
    is_admin: Option<bool>,
    is_guest: Option<bool>,
    is_active: Option<bool>,
    role_admin: Option<bool>,
    role_permissions: Option<String>,
}
crate::lite_row!(AccessRow {
    owner_id,
    closing_date,
    is_admin,
    is_guest,
    is_active,
    role_admin,
    role_permissions
});

/// Scopes that only writes ask for: every create, edit and delete in a project goes through
/// `member` (or `admin`) with one of them, which is where a closed project refuses it.
fn is_write(scope: Scope) -> bool {
    matches!(
        scope,
        Scope::ProjectsAdmin
            | Scope::WorkItemsWrite
            | Scope::DesignModelWrite
            | Scope::WorkspacesAdmin
    )
}

pub const PROJECT_CLOSED: &str = "The project is closed.";
pub const BOARD_CLOSED: &str = "The board is closed.";
pub const MILESTONE_CLOSED: &str = "The milestone is closed.";
/// The API's 403 for a caller who is not an active member (the web app shows it as 404).
pub const NOT_A_MEMBER: &str = "You are not a member of this project.";

/// Loads the caller's membership of `project_id` after checking the key has `scope`.
/// Unknown project → 404; not an (active) member → 403; a write scope on a closed project →
/// 403 "The project is closed." (README: a closed project is read-only until reopened).
pub async fn member(tx: &mut Tx, actor: &Actor, project_id: i64, scope: Scope) -> OpResult<Member> {
    let m = member_even_if_closed(tx, actor, project_id, scope).await?;
    if m.project_closed && is_write(scope) {
        return Err(OpError::Forbidden(PROJECT_CLOSED.into()));
    }
    Ok(m)
}

/// `member` without the closed-project refusal: only for the documented writes a closed project
/// still takes (closing it again → 409, reopening it, deleting it).
pub async fn member_even_if_closed(
    tx: &mut Tx,
    actor: &Actor,
    project_id: i64,
    scope: Scope,
) -> OpResult<Member> {
    // Read on every request of a project; kept while no write has committed (`Tx::opt_memo`).
    let row: AccessRow = tx
        .opt_memo(
            "SELECT p.owner_id, p.closing_date, pu.is_admin, pu.is_guest, pu.is_active, \
             r.is_admin AS role_admin, r.permissions AS role_permissions \
             FROM projects p \
             LEFT JOIN project_users pu ON pu.project_id = p.id AND pu.user_id = $2 \
             LEFT JOIN roles r ON r.project_id = pu.project_id AND r.role_id = pu.role_id \
             WHERE p.id = $1",
            params![project_id, actor.user_id],
        )
        .await?
        .ok_or(OpError::NotFound)?;
    actor.require(scope)?;
    if row.is_active != Some(true) {
        return Err(OpError::Forbidden(NOT_A_MEMBER.into()));
    }
    let is_owner = row.owner_id == actor.user_id;
    let is_guest = row.is_guest.unwrap_or(false) && !is_owner;
    let is_admin =
        !is_guest && (is_owner || row.is_admin.unwrap_or(false) || row.role_admin.unwrap_or(false));
    Ok(Member {
        project_id,
        user_id: actor.user_id,
        is_owner,
        is_admin,
        is_guest,
        perms: row
            .role_permissions
            .as_deref()
            .map(Permissions::from_stored),
        project_closed: row.closing_date.is_some(),
    })
}

/// `[ADMIN]` endpoints of the project API: the `projects:admin` scope and a project admin.
pub async fn admin(tx: &mut Tx, actor: &Actor, project_id: i64) -> OpResult<Member> {
    let m = member(tx, actor, project_id, Scope::ProjectsAdmin).await?;
    m.require_admin()?;
    Ok(m)
}

/// `admin` for the project's own closure endpoints, which must work on a closed project.
pub async fn admin_even_if_closed(tx: &mut Tx, actor: &Actor, project_id: i64) -> OpResult<Member> {
    let m = member_even_if_closed(tx, actor, project_id, Scope::ProjectsAdmin).await?;
    m.require_admin()?;
    Ok(m)
}

/// A closed board is read-only (README): no work item is created on it, moved onto or off it,
/// edited or deleted while on it, and the board itself is only reopened or deleted. `None` (the
/// backlog) is always open; an unknown board is left to the caller's own reference check.
pub async fn require_open_board(
    tx: &mut Tx,
    project_id: i64,
    board_id: Option<i64>,
) -> OpResult<()> {
    let Some(b) = board_id else { return Ok(()) };
    let closed = tx
        .exists(
            "SELECT id FROM boards WHERE project_id = $1 AND id = $2 AND closing_date IS NOT NULL",
            params![project_id, b],
        )
        .await?;
    board_open(closed)
}

/// The closed-board rule for a caller that already read the board's state (a work item write
/// reads it with its other references, in one statement).
pub fn board_open(closed: bool) -> OpResult<()> {
    if closed {
        Err(OpError::Forbidden(BOARD_CLOSED.into()))
    } else {
        Ok(())
    }
}

/// A closed milestone takes no edits of its own until reopened (its boards are not closed with it).
pub fn require_open_milestone(closing_date: Option<&str>) -> OpResult<()> {
    match closing_date {
        Some(_) => Err(OpError::Forbidden(MILESTONE_CLOSED.into())),
        None => Ok(()),
    }
}

fn denied() -> OpError {
    OpError::forbidden()
}

impl Member {
    /// `[ADMIN]` endpoints.
    pub fn require_admin(&self) -> OpResult<()> {
        if self.is_admin { Ok(()) } else { Err(denied()) }
    }

    /// `[OWNER]` endpoints.
    pub fn require_owner(&self) -> OpResult<()> {
        if self.is_owner { Ok(()) } else { Err(denied()) }
    }

    /// `[ADMIN/SELF]` endpoints.
    pub fn require_admin_or_self(&self, user_id: i64) -> OpResult<()> {
        if self.is_admin || self.user_id == user_id {
            Ok(())
        } else {
            Err(denied())
        }
    }

    /// Anything that writes, for members that are not guests (non-admin endpoints like tags).
    pub fn require_not_guest(&self) -> OpResult<()> {
        if self.is_guest { Err(denied()) } else { Ok(()) }
    }

    /// May see work items of this category (`None` = user story / no category).
    pub fn can_read_category(&self, category_id: Option<i64>) -> bool {
        if self.is_admin {
            return true;
        }
        match (&self.perms, category_id) {
            (Some(p), Some(c)) => p.category(c).is_none_or(|cp| cp.can_read),
            _ => true,
        }
    }

    /// May create and edit work items of this category.
    pub fn can_write_category(&self, category_id: Option<i64>) -> bool {
        if self.is_admin {
            return true;
        }
        if self.is_guest {
            return false;
        }
        match (&self.perms, category_id) {
            (Some(p), Some(c)) => p.category(c).is_none_or(|cp| cp.can_read && cp.can_write),
            _ => true,
        }
    }

    /// May move own assigned items, log cost, tick sub-tasks and comment in this category.
    pub fn can_update_category(&self, category_id: Option<i64>) -> bool {
        if self.can_write_category(category_id) {
            return true;
        }
        if self.is_guest {
            return false;
        }
        match (&self.perms, category_id) {
            (Some(p), Some(c)) => p.category(c).is_none_or(|cp| cp.can_read && cp.can_update),
            _ => true,
        }
    }

    /// Categories whose work items this member cannot see (left out of lists and totals).
    pub fn hidden_categories(&self) -> Vec<i64> {
        if self.is_admin {
            return Vec::new();
        }
        self.perms
            .as_ref()
            .map(|p| {
                p.category_permissions
                    .iter()
                    .filter(|c| !c.can_read)
                    .map(|c| c.category_id)
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn can_read_design_model(&self) -> bool {
        self.is_admin
            || self
                .perms
                .as_ref()
                .is_none_or(|p| p.game_design_model_permissions.can_read)
    }

    pub fn can_write_design_model(&self) -> bool {
        self.is_admin
            || (!self.is_guest
                && self.perms.as_ref().is_none_or(|p| {
                    p.game_design_model_permissions.can_read
                        && p.game_design_model_permissions.can_write
                }))
    }

    /// Deleting work items as the side effect of another write (a design element deleted with
    /// `removeWorkItems`): the key needs `workitems:write`, as `DELETE /workitems/{id}` does, and
    /// the member write permission on the category of every item (`None`: a user story).
    pub fn require_work_item_deletes(
        &self,
        actor: &Actor,
        categories: impl IntoIterator<Item = Option<i64>>,
    ) -> OpResult<()> {
        actor.require(Scope::WorkItemsWrite)?;
        for c in categories {
            self.require(self.can_write_category(c))?;
        }
        Ok(())
    }

    pub fn require(&self, allowed: bool) -> OpResult<()> {
        if allowed { Ok(()) } else { Err(denied()) }
    }
}

/// Reading a workspace, its teams and its users: the `workspaces:read` scope and an active
/// membership. Unknown workspace → NotFound; not an active member → Forbidden.
pub async fn workspace_reader(tx: &mut Tx, actor: &Actor, workspace_id: i64) -> OpResult<()> {
    actor.require(Scope::WorkspacesRead)?;
    let row: (i64, Option<bool>) = tx
        .opt(
            "SELECT w.id, wu.is_active FROM workspaces w \
             LEFT JOIN workspace_users wu ON wu.workspace_id = w.id AND wu.user_id = $2 \
             WHERE w.id = $1",
            params![workspace_id, actor.user_id],
        )
        .await?
        .ok_or(OpError::NotFound)?;
    if row.1 == Some(true) {
        Ok(())
    } else {
        Err(denied())
    }
}

/// Managing a workspace's teams: the owner, or an active workspace admin.
pub async fn workspace_admin(tx: &mut Tx, actor: &Actor, workspace_id: i64) -> OpResult<()> {
    workspace_reader(tx, actor, workspace_id).await?;
    actor.require(Scope::WorkspacesAdmin)?;
    let (ok,): (bool,) = tx
        .one(
            "SELECT w.owner_id = $2 OR COALESCE((SELECT wu.is_admin FROM workspace_users wu \
             WHERE wu.workspace_id = w.id AND wu.user_id = $2 AND wu.is_active), FALSE) \
             FROM workspaces w WHERE w.id = $1",
            params![workspace_id, actor.user_id],
        )
        .await?;
    if ok { Ok(()) } else { Err(denied()) }
}

/// Creating a project in a workspace: an active member who is not a workspace guest.
pub async fn workspace_project_creator(
    tx: &mut Tx,
    actor: &Actor,
    workspace_id: i64,
) -> OpResult<()> {
    let guest: Option<(bool,)> = tx
        .opt(
            "SELECT is_guest FROM workspace_users WHERE workspace_id = $1 AND user_id = $2 AND is_active",
            params![workspace_id, actor.user_id],
        )
        .await?;
    match guest {
        Some((false,)) => Ok(()),
        _ => Err(denied()),
    }
}
