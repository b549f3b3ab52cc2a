//! Project categories: the kinds of work (Programming, Art, …) that role permissions are granted
//! on. A member sees only the categories their role lets them read.

use serde::Deserialize;
use utoipa::ToSchema;

use super::config::{self, HasLook, Kind, Look};
use super::{Actor, OpError, OpResult, Scope, access};
use crate::changes::Event;
use crate::model::{self, CATEGORY_COLS, Category, Check};
use crate::params;
use crate::store::Tx;

impl Kind for Category {
    type Row = Category;
    const TABLE: &'static str = "categories";
    const ALIAS: &'static str = "c";
    const COLS: &'static str = CATEGORY_COLS;
    const ID: &'static str = "category_id";
    const SEQUENCE: &'static str = "category";
    const ORDER: &'static str = "c.category_id";
    const CREATED: Event = Event::CategoryCreated;
    const UPDATED: Event = Event::CategoryUpdated;
    const DELETED: Event = Event::CategoryDeleted;
    fn id(&self) -> i64 {
        self.category_id
    }
}

/// Create and PUT: `name` is required; on PUT omitted `icon`/`color` become null.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CategoryValues {
    pub name: Option<String>,
    /// `#` and 3, 6 or 8 hex digits.
    pub color: Option<String>,
    pub icon: Option<String>,
}

/// PATCH: only the fields present change; `null` clears `icon`/`color`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PatchCategoryValues {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub color: Option<Option<String>>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub icon: Option<Option<String>>,
}

/// The categories the caller can read.
pub async fn list(tx: &mut Tx, actor: &Actor, pid: i64) -> OpResult<Vec<Category>> {
    let m = access::member(tx, actor, pid, Scope::ProjectsRead).await?;
    let rows: Vec<Category> = config::rows(tx, pid).await?;
    Ok(rows
        .into_iter()
        .filter(|c| m.can_read_category(Some(c.category_id)))
        .collect())
}

/// One category; NotFound when the caller can't read it.
pub async fn get(tx: &mut Tx, actor: &Actor, pid: i64, id: i64) -> OpResult<Category> {
    let m = access::member(tx, actor, pid, Scope::ProjectsRead).await?;
    let cat = config::load(tx, pid, id).await?;
    if !m.can_read_category(Some(id)) {
        return Err(OpError::NotFound);
    }
    Ok(cat)
}

/// `[ADMIN]`
pub async fn create(tx: &mut Tx, actor: &Actor, pid: i64, v: CategoryValues) -> OpResult<Category> {
    access::admin(tx, actor, pid).await?;
    let mut c = Check::new();
    let look = Look::put(&mut c, v.name, v.color, v.icon);
    c.finish()?;
    config::insert(tx, actor, pid, look.fields()).await
}

/// `[ADMIN]` Omitted optional values become null.
pub async fn update(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    id: i64,
    v: CategoryValues,
) -> OpResult<Category> {
    config::admin_load::<Category>(tx, actor, pid, id).await?;
    let mut c = Check::new();
    let look = Look::put(&mut c, v.name, v.color, v.icon);
    c.finish()?;
    config::update(tx, actor, pid, id, look.fields()).await
}

/// `[ADMIN]` Changes only the values sent.
pub async fn patch(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    id: i64,
    v: PatchCategoryValues,
) -> OpResult<Category> {
    let cur: Category = config::admin_load(tx, actor, pid, id).await?;
    let mut c = Check::new();
    let look = Look::patch(&mut c, cur.look(), v.name, v.color, v.icon);
    c.finish()?;
    config::update(tx, actor, pid, id, look.fields()).await
}

pub const LAST_CATEGORY: &str = "You can't delete the last category.";
pub const CATEGORY_IN_USE: &str =
    "There are tasks assigned to the category, reassing the tasks before deleting it.";

/// `[ADMIN]` Only a category no work item is in, and never the last one.
pub async fn delete(tx: &mut Tx, actor: &Actor, pid: i64, id: i64) -> OpResult<()> {
    let before: Category = config::admin_load(tx, actor, pid, id).await?;
    let (n,): (i64,) = tx
        .one(
            "SELECT COUNT(*) FROM categories WHERE project_id = $1",
            params![pid],
        )
        .await?;
    if n <= 1 {
        return Err(OpError::invalid(LAST_CATEGORY));
    }
    if tx
        .exists(
            "SELECT work_item_id FROM work_items WHERE project_id = $1 AND category_id = $2 LIMIT 1",
            params![pid, id],
        )
        .await?
    {
        return Err(OpError::conflict(CATEGORY_IN_USE));
    }
    config::delete(tx, actor, pid, &before).await
}
