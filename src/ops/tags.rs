//! Project tags. Members make them while tagging work items, so creating and editing a tag
//! needs a non-guest member with the work-items write scope; only deleting is `[ADMIN]`.

use serde::Deserialize;
use utoipa::ToSchema;

use super::access::{self, Member};
use super::config::{self, HasLook, Kind, Look};
use super::{Actor, OpResult, Scope};
use crate::changes::Event;
use crate::model::{self, Check, TAG_COLS, Tag};
use crate::params;
use crate::store::{Tx, Val};

impl Kind for Tag {
    type Row = Tag;
    const TABLE: &'static str = "tags";
    const ALIAS: &'static str = "t";
    const COLS: &'static str = TAG_COLS;
    const ID: &'static str = "tag_id";
    const SEQUENCE: &'static str = "tag";
    const ORDER: &'static str = "t.tag_id";
    const CREATED: Event = Event::TagCreated;
    const UPDATED: Event = Event::TagUpdated;
    const DELETED: Event = Event::TagDeleted;
    fn id(&self) -> i64 {
        self.tag_id
    }
}

/// Create and PUT: `name` is required; on PUT omitted `icon`/`color` become null and
/// `displayIconOnly` false.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TagValues {
    pub name: Option<String>,
    pub display_icon_only: Option<bool>,
    /// `#` and 3, 6 or 8 hex digits.
    pub color: Option<String>,
    pub icon: Option<String>,
}

/// PATCH: only the fields present change; `null` clears `icon`/`color`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PatchTagValues {
    pub name: Option<String>,
    pub display_icon_only: Option<bool>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub color: Option<Option<String>>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub icon: Option<Option<String>>,
}

/// Creating and editing tags.
async fn writer(tx: &mut Tx, actor: &Actor, pid: i64) -> OpResult<Member> {
    let m = access::member(tx, actor, pid, Scope::WorkItemsWrite).await?;
    m.require_not_guest()?;
    Ok(m)
}

fn fields(look: Look, display_icon_only: bool) -> Vec<(&'static str, Val)> {
    let mut f = look.fields();
    f.push(("display_icon_only", display_icon_only.into()));
    f
}

/// Creates a tag (any non-guest member).
pub async fn create(tx: &mut Tx, actor: &Actor, pid: i64, v: TagValues) -> OpResult<Tag> {
    writer(tx, actor, pid).await?;
    let mut c = Check::new();
    let look = Look::put(&mut c, v.name, v.color, v.icon);
    c.finish()?;
    config::insert(
        tx,
        actor,
        pid,
        fields(look, v.display_icon_only.unwrap_or(false)),
    )
    .await
}

/// Replaces the tag's values; omitted optional values are reset.
pub async fn update(tx: &mut Tx, actor: &Actor, pid: i64, id: i64, v: TagValues) -> OpResult<Tag> {
    writer(tx, actor, pid).await?;
    config::load::<Tag>(tx, pid, id).await?;
    let mut c = Check::new();
    let look = Look::put(&mut c, v.name, v.color, v.icon);
    c.finish()?;
    let f = fields(look, v.display_icon_only.unwrap_or(false));
    config::update(tx, actor, pid, id, f).await
}

/// Changes only the values sent.
pub async fn patch(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    id: i64,
    v: PatchTagValues,
) -> OpResult<Tag> {
    writer(tx, actor, pid).await?;
    let cur: Tag = config::load(tx, pid, id).await?;
    let mut c = Check::new();
    let look = Look::patch(&mut c, cur.look(), v.name, v.color, v.icon);
    c.finish()?;
    let f = fields(look, v.display_icon_only.unwrap_or(cur.display_icon_only));
    config::update(tx, actor, pid, id, f).await
}

/// `[ADMIN]` Deletes the tag; work items lose it.
pub async fn delete(tx: &mut Tx, actor: &Actor, pid: i64, id: i64) -> OpResult<()> {
    let before: Tag = config::admin_load(tx, actor, pid, id).await?;
    // work_item_tags rows go with it (ON DELETE CASCADE); stated here so both backends agree.
    tx.exec(
        "DELETE FROM work_item_tags WHERE project_id = $1 AND tag_id = $2",
        params![pid, id],
    )
    .await?;
    config::delete(tx, actor, pid, &before).await
}
