//! Importance levels of work items. Exactly one level of a project is the default.

use serde::Deserialize;
use utoipa::ToSchema;

use super::config::{self, HasLook, Kind, Look};
use super::{Actor, OpError, OpResult, access};
use crate::changes::Event;
use crate::model::{self, Check, IMPORTANCE_LEVEL_COLS, ImportanceLevel};
use crate::params;
use crate::store::{Tx, Val};

impl Kind for ImportanceLevel {
    type Row = ImportanceLevel;
    const TABLE: &'static str = "importance_levels";
    const ALIAS: &'static str = "il";
    const COLS: &'static str = IMPORTANCE_LEVEL_COLS;
    const ID: &'static str = "importance_level_id";
    const SEQUENCE: &'static str = "importancelevel";
    const ORDER: &'static str = "il.importance_level_id";
    const CREATED: Event = Event::ImportanceLevelCreated;
    const UPDATED: Event = Event::ImportanceLevelUpdated;
    const DELETED: Event = Event::ImportanceLevelDeleted;
    fn id(&self) -> i64 {
        self.importance_level_id
    }
}

/// Create and PUT: `name` is required; on PUT omitted `icon`/`color` become null.
/// `isDefault: true` makes this the default level (the previous default loses it). A project
/// always has exactly one default: `isDefault: false` on the current default is a 400 (the
/// default moves by setting another level's `isDefault` to true).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportanceLevelValues {
    pub name: Option<String>,
    /// `#` and 3, 6 or 8 hex digits.
    pub color: Option<String>,
    pub icon: Option<String>,
    pub is_default: Option<bool>,
}

/// PATCH: only the fields present change; `null` clears `icon`/`color`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PatchImportanceLevelValues {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub color: Option<Option<String>>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub icon: Option<Option<String>>,
    pub is_default: Option<bool>,
}

pub const DEFAULT_LEVEL: &str = "The default importance level can't be deleted.";

/// `isDefault: false` cannot take the default away from the current default level.
fn check_default(c: &mut Check, cur: &ImportanceLevel, is_default: Option<bool>) {
    if cur.is_default && is_default == Some(false) {
        c.fail(
            "isDefault",
            "A project always has a default importance level: make another level the default \
             (isDefault: true on it) instead.",
        );
    }
}

/// A level that becomes the default takes it from the current one first.
async fn fields(
    tx: &mut Tx,
    pid: i64,
    look: Look,
    is_default: bool,
) -> OpResult<Vec<(&'static str, Val)>> {
    if is_default {
        tx.exec(
            "UPDATE importance_levels SET is_default = FALSE WHERE project_id = $1 AND is_default",
            params![pid],
        )
        .await?;
    }
    let mut f = look.fields();
    f.push(("is_default", is_default.into()));
    Ok(f)
}

/// `[ADMIN]`
pub async fn create(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    v: ImportanceLevelValues,
) -> OpResult<ImportanceLevel> {
    access::admin(tx, actor, pid).await?;
    let mut c = Check::new();
    let look = Look::put(&mut c, v.name, v.color, v.icon);
    c.finish()?;
    let f = fields(tx, pid, look, v.is_default.unwrap_or(false)).await?;
    config::insert(tx, actor, pid, f).await
}

/// `[ADMIN]` Omitted optional values become null.
pub async fn update(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    id: i64,
    v: ImportanceLevelValues,
) -> OpResult<ImportanceLevel> {
    let cur: ImportanceLevel = config::admin_load(tx, actor, pid, id).await?;
    let mut c = Check::new();
    let look = Look::put(&mut c, v.name, v.color, v.icon);
    check_default(&mut c, &cur, v.is_default);
    c.finish()?;
    let f = fields(tx, pid, look, cur.is_default || v.is_default == Some(true)).await?;
    config::update(tx, actor, pid, id, f).await
}

/// `[ADMIN]` Changes only the values sent.
pub async fn patch(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    id: i64,
    v: PatchImportanceLevelValues,
) -> OpResult<ImportanceLevel> {
    let cur: ImportanceLevel = config::admin_load(tx, actor, pid, id).await?;
    let mut c = Check::new();
    let look = Look::patch(&mut c, cur.look(), v.name, v.color, v.icon);
    check_default(&mut c, &cur, v.is_default);
    c.finish()?;
    let f = fields(tx, pid, look, cur.is_default || v.is_default == Some(true)).await?;
    config::update(tx, actor, pid, id, f).await
}

/// `[ADMIN]` Its work items move to the default level, which itself can't be deleted.
pub async fn delete(tx: &mut Tx, actor: &Actor, pid: i64, id: i64) -> OpResult<()> {
    let before: ImportanceLevel = config::admin_load(tx, actor, pid, id).await?;
    if before.is_default {
        return Err(OpError::conflict(DEFAULT_LEVEL));
    }
    let (default,): (i64,) = tx
        .one(
            "SELECT importance_level_id FROM importance_levels WHERE project_id = $1 AND is_default \
             ORDER BY importance_level_id LIMIT 1",
            params![pid],
        )
        .await?;
    tx.exec(
        "UPDATE work_items SET importance_level_id = $1, update_date = $2 \
         WHERE project_id = $3 AND importance_level_id = $4",
        params![default, model::now(), pid, id],
    )
    .await?;
    config::delete(tx, actor, pid, &before).await
}
