//! Roles and project users, and the loader that builds many project users in one query
//! (work items nest them as `assignedUsers`, design elements as `user`).

use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::{DesignModelPermission, Permissions, User};
use crate::store::{DbResult, Tx, Val, placeholders};

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    pub project_id: i64,
    pub role_id: i64,
    pub name: String,
    pub is_admin: bool,
    pub creation_date: String,
    pub permissions: Permissions,
}

#[derive(sqlx::FromRow)]
pub struct RoleRow {
    pub project_id: i64,
    pub role_id: i64,
    pub name: String,
    pub is_admin: bool,
    pub creation_date: String,
    pub permissions: String,
}
crate::lite_row!(RoleRow {
    project_id,
    role_id,
    name,
    is_admin,
    creation_date,
    permissions
});

/// `SELECT {ROLE_COLS} FROM roles r …` into `RoleRow`.
pub const ROLE_COLS: &str =
    "r.project_id, r.role_id, r.name, r.is_admin, r.creation_date, r.permissions";

impl From<RoleRow> for Role {
    fn from(r: RoleRow) -> Self {
        Role {
            project_id: r.project_id,
            role_id: r.role_id,
            name: r.name,
            is_admin: r.is_admin,
            creation_date: r.creation_date,
            permissions: Permissions::from_stored(&r.permissions),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ProjectUser {
    pub project_id: i64,
    pub user: User,
    pub is_admin: bool,
    pub is_guest: bool,
    pub is_active: bool,
    pub creation_date: String,
    /// The effective permissions: the role's, or everything when the user has no role
    /// (guests never write).
    pub permissions: Permissions,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
}

#[derive(sqlx::FromRow)]
struct ProjectUserRow {
    project_id: i64,
    is_admin: bool,
    is_guest: bool,
    is_active: bool,
    creation_date: String,
    id: i64,
    username: String,
    email: String,
    name: Option<String>,
    user_creation_date: String,
    role_id: Option<i64>,
    role_name: Option<String>,
    role_is_admin: Option<bool>,
    role_creation_date: Option<String>,
    role_permissions: Option<String>,
}
crate::lite_row!(ProjectUserRow {
    project_id,
    is_admin,
    is_guest,
    is_active,
    creation_date,
    id,
    username,
    email,
    name,
    user_creation_date,
    role_id,
    role_name,
    role_is_admin,
    role_creation_date,
    role_permissions
});

const PROJECT_USER_SELECT: &str = "SELECT pu.project_id, pu.is_admin, pu.is_guest, pu.is_active, pu.creation_date, \
     u.id, u.username, u.email, u.name, u.creation_date AS user_creation_date, \
     r.role_id, r.name AS role_name, r.is_admin AS role_is_admin, r.creation_date AS role_creation_date, \
     r.permissions AS role_permissions \
     FROM project_users pu JOIN users u ON u.id = pu.user_id \
     LEFT JOIN roles r ON r.project_id = pu.project_id AND r.role_id = pu.role_id";

impl From<ProjectUserRow> for ProjectUser {
    fn from(r: ProjectUserRow) -> Self {
        let role = match (r.role_id, r.role_name, r.role_creation_date) {
            (Some(role_id), Some(name), Some(creation_date)) => Some(Role {
                project_id: r.project_id,
                role_id,
                name,
                is_admin: r.role_is_admin.unwrap_or(false),
                creation_date,
                permissions: Permissions::from_stored(r.role_permissions.as_deref().unwrap_or("")),
            }),
            _ => None,
        };
        let mut permissions = role
            .as_ref()
            .map(|r| r.permissions.clone())
            .unwrap_or_default();
        if r.is_guest {
            permissions.game_design_model_permissions = DesignModelPermission {
                can_read: permissions.game_design_model_permissions.can_read,
                can_write: false,
            };
            for c in &mut permissions.category_permissions {
                c.can_write = false;
                c.can_update = false;
            }
        }
        ProjectUser {
            project_id: r.project_id,
            user: User {
                id: r.id,
                username: r.username,
                email: r.email,
                name: r.name,
                creation_date: r.user_creation_date,
            },
            is_admin: r.is_admin,
            is_guest: r.is_guest,
            is_active: r.is_active,
            creation_date: r.creation_date,
            permissions,
            role,
        }
    }
}

/// Project users of `project_id`; `include_inactive` / `include_guests` filter; ordered by user id.
pub async fn list_project_users(
    tx: &mut Tx,
    project_id: i64,
    include_inactive: bool,
    include_guests: bool,
) -> DbResult<Vec<ProjectUser>> {
    let mut sql = format!("{PROJECT_USER_SELECT} WHERE pu.project_id = $1");
    if !include_inactive {
        sql.push_str(" AND pu.is_active");
    }
    if !include_guests {
        sql.push_str(" AND NOT pu.is_guest");
    }
    sql.push_str(" ORDER BY u.id");
    let rows: Vec<ProjectUserRow> = tx.all(&sql, &[project_id.into()]).await?;
    Ok(rows.into_iter().map(ProjectUser::from).collect())
}

/// One project user (active or not).
pub async fn get_project_user(
    tx: &mut Tx,
    project_id: i64,
    user_id: i64,
) -> DbResult<Option<ProjectUser>> {
    let rows: Option<ProjectUserRow> = tx
        .opt(
            &format!("{PROJECT_USER_SELECT} WHERE pu.project_id = $1 AND pu.user_id = $2"),
            &[project_id.into(), user_id.into()],
        )
        .await?;
    Ok(rows.map(ProjectUser::from))
}

/// Many project users in one query, keyed by user id (for nesting in lists without N+1).
pub async fn project_users_by_id(
    tx: &mut Tx,
    project_id: i64,
    user_ids: &[i64],
) -> DbResult<HashMap<i64, ProjectUser>> {
    let mut ids: Vec<i64> = user_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "{PROJECT_USER_SELECT} WHERE pu.project_id = $1 AND pu.user_id IN ({})",
        placeholders(2, ids.len())
    );
    let mut params: Vec<Val> = vec![project_id.into()];
    params.extend(ids.iter().map(|i| Val::from(*i)));
    let rows: Vec<ProjectUserRow> = tx.all(&sql, &params).await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, ProjectUser::from(r)))
        .collect())
}
