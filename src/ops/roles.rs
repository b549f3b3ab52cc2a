//! Project roles: a name, an admin flag and per-category / design-model permissions.
//! A category a role does not list is fully allowed (see `model::Permissions`).

use std::collections::HashSet;

use serde::Deserialize;
use utoipa::ToSchema;

use super::config::{self, Kind};
use super::{Actor, OpError, OpResult, access};
use crate::changes::Event;
use crate::model::{self, Check, Permissions, ROLE_COLS, Role, RoleRow};
use crate::params;
use crate::store::{Tx, Val, placeholders};

impl Kind for Role {
    type Row = RoleRow;
    const TABLE: &'static str = "roles";
    const ALIAS: &'static str = "r";
    const COLS: &'static str = ROLE_COLS;
    const ID: &'static str = "role_id";
    const SEQUENCE: &'static str = "role";
    const ORDER: &'static str = "r.role_id";
    const CREATED: Event = Event::RoleCreated;
    const UPDATED: Event = Event::RoleUpdated;
    const DELETED: Event = Event::RoleDeleted;
    fn id(&self) -> i64 {
        self.role_id
    }
}

/// Create and PUT body. PUT: omitted `isAdmin` → false, omitted `permissions` → none listed
/// (everything allowed).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoleValues {
    /// Required.
    pub name: Option<String>,
    pub is_admin: Option<bool>,
    pub permissions: Option<Permissions>,
}

/// PATCH body: only the fields present change; `permissions` is replaced as a whole.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PatchRoleValues {
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub name: Option<Option<String>>,
    pub is_admin: Option<bool>,
    /// `null` clears the restrictions (everything allowed).
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<Permissions>)]
    pub permissions: Option<Option<Permissions>>,
}

/// Checks the listed categories exist in the project and are listed once; returns the
/// permissions with categories in id order.
async fn check_permissions(
    tx: &mut Tx,
    c: &mut Check,
    pid: i64,
    p: Option<Permissions>,
) -> OpResult<Permissions> {
    let mut p = p.unwrap_or_default();
    p.category_permissions.sort_by_key(|cp| cp.category_id);
    let ids: Vec<i64> = p
        .category_permissions
        .iter()
        .map(|cp| cp.category_id)
        .collect();
    let unique: HashSet<i64> = ids.iter().copied().collect();
    if unique.len() != ids.len() {
        c.fail("permissions", "A category is listed more than once.");
        return Ok(p);
    }
    if !ids.is_empty() {
        let sql = format!(
            "SELECT category_id FROM categories WHERE project_id = $1 AND category_id IN ({})",
            placeholders(2, ids.len())
        );
        let mut params = vec![pid.into()];
        params.extend(ids.iter().map(|i| (*i).into()));
        let found: Vec<(i64,)> = tx.all(&sql, &params).await?;
        if found.len() != ids.len() {
            c.fail(
                "permissions",
                "The permissions name a category that does not exist in the project.",
            );
        }
    }
    Ok(p)
}

fn fields(name: &str, is_admin: bool, perms: &Permissions) -> Vec<(&'static str, Val)> {
    vec![
        ("name", name.trim().into()),
        ("is_admin", is_admin.into()),
        ("permissions", perms.to_stored().into()),
    ]
}

/// `[ADMIN]`
pub async fn create(tx: &mut Tx, actor: &Actor, pid: i64, v: RoleValues) -> OpResult<Role> {
    access::admin(tx, actor, pid).await?;
    let mut c = Check::new();
    c.name("name", v.name.as_deref());
    let perms = check_permissions(tx, &mut c, pid, v.permissions).await?;
    c.finish()?;
    let f = fields(
        v.name.as_deref().unwrap_or_default(),
        v.is_admin.unwrap_or(false),
        &perms,
    );
    config::insert(tx, actor, pid, f).await
}

/// `[ADMIN]` Every field; omitted ones reset.
pub async fn update(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    id: i64,
    v: RoleValues,
) -> OpResult<Role> {
    config::admin_load::<Role>(tx, actor, pid, id).await?;
    let mut c = Check::new();
    c.name("name", v.name.as_deref());
    let perms = check_permissions(tx, &mut c, pid, v.permissions).await?;
    c.finish()?;
    let f = fields(
        v.name.as_deref().unwrap_or_default(),
        v.is_admin.unwrap_or(false),
        &perms,
    );
    config::update(tx, actor, pid, id, f).await
}

/// `[ADMIN]` Changes only the values sent.
pub async fn patch(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    id: i64,
    v: PatchRoleValues,
) -> OpResult<Role> {
    let cur: Role = config::admin_load(tx, actor, pid, id).await?;
    let mut c = Check::new();
    if let Some(name) = &v.name {
        c.name("name", name.as_deref());
    }
    let perms = match v.permissions {
        Some(p) => check_permissions(tx, &mut c, pid, p).await?,
        None => cur.permissions,
    };
    c.finish()?;
    let name = v.name.flatten().unwrap_or(cur.name);
    let f = fields(&name, v.is_admin.unwrap_or(cur.is_admin), &perms);
    config::update(tx, actor, pid, id, f).await
}

/// `[ADMIN]` A role still held by a project member (removed members included) is not deleted
/// (409): without a role a member may do everything, so deleting it would widen their rights.
pub async fn delete(tx: &mut Tx, actor: &Actor, pid: i64, id: i64) -> OpResult<()> {
    let before: Role = config::admin_load(tx, actor, pid, id).await?;
    let (active, removed): (i64, i64) = tx
        .one(
            "SELECT COUNT(CASE WHEN is_active THEN user_id END), \
             COUNT(CASE WHEN NOT is_active THEN user_id END) \
             FROM project_users WHERE project_id = $1 AND role_id = $2",
            params![pid, id],
        )
        .await?;
    if active + removed > 0 {
        return Err(OpError::conflict(format!(
            "The role is still assigned to {active} project member(s) and {removed} removed \
             member(s); give them another role before deleting it."
        )));
    }
    config::delete(tx, actor, pid, &before).await
}
