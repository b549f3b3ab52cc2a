//! Project tags. Members make them while tagging work items, so creating and editing a tag
//! needs a non-guest member with the work-items write scope; only deleting is `[ADMIN]`.

use serde::Deserialize;
use utoipa::ToSchema;

use super::access::{self, Member};
use super::{Actor, OpError, OpResult, Scope};
use crate::changes::{self, Event};
use crate::model::{self, Check, TAG_COLS, Tag};
use crate::params;
use crate::store::{Tx, sequences};

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

async fn load(tx: &mut Tx, pid: i64, id: i64) -> OpResult<Tag> {
    tx.opt(
        &format!("SELECT {TAG_COLS} FROM tags t WHERE t.project_id = $1 AND t.tag_id = $2"),
        params![pid, id],
    )
    .await?
    .ok_or(OpError::NotFound)
}

/// Writes the tag's values and records `tag.updated`.
async fn save(tx: &mut Tx, actor: &Actor, t: &Tag) -> OpResult<Tag> {
    tx.exec(
        "UPDATE tags SET name = $1, icon = $2, color = $3, display_icon_only = $4 \
         WHERE project_id = $5 AND tag_id = $6",
        params![
            &t.name,
            &t.icon,
            &t.color,
            t.display_icon_only,
            t.project_id,
            t.tag_id
        ],
    )
    .await?;
    let tag = load(tx, t.project_id, t.tag_id).await?;
    changes::record(
        tx,
        actor,
        t.project_id,
        Event::TagUpdated,
        t.tag_id,
        None,
        &tag,
    )
    .await?;
    Ok(tag)
}

/// The project's tags, oldest first (any member).
pub async fn list(tx: &mut Tx, actor: &Actor, pid: i64) -> OpResult<Vec<Tag>> {
    access::member(tx, actor, pid, Scope::ProjectsRead).await?;
    Ok(tx
        .all(
            &format!("SELECT {TAG_COLS} FROM tags t WHERE t.project_id = $1 ORDER BY t.tag_id"),
            params![pid],
        )
        .await?)
}

/// Creates a tag (any non-guest member).
pub async fn create(tx: &mut Tx, actor: &Actor, pid: i64, v: TagValues) -> OpResult<Tag> {
    writer(tx, actor, pid).await?;
    let mut c = Check::new();
    c.name("name", v.name.as_deref());
    c.look(v.color.as_deref(), v.icon.as_deref());
    c.finish()?;
    let id = sequences::next_id(tx, pid, "tag").await?;
    tx.exec(
        "INSERT INTO tags (project_id, tag_id, name, icon, color, display_icon_only, creation_date) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![
            pid,
            id,
            v.name.unwrap_or_default().trim(),
            v.icon,
            v.color,
            v.display_icon_only.unwrap_or(false),
            model::now()
        ],
    )
    .await?;
    let tag = load(tx, pid, id).await?;
    changes::record(tx, actor, pid, Event::TagCreated, id, None, &tag).await?;
    Ok(tag)
}

/// Replaces the tag's values; omitted optional values are reset.
pub async fn update(tx: &mut Tx, actor: &Actor, pid: i64, id: i64, v: TagValues) -> OpResult<Tag> {
    writer(tx, actor, pid).await?;
    let cur = load(tx, pid, id).await?;
    let mut c = Check::new();
    c.name("name", v.name.as_deref());
    c.look(v.color.as_deref(), v.icon.as_deref());
    c.finish()?;
    save(
        tx,
        actor,
        &Tag {
            name: v.name.unwrap_or_default().trim().to_string(),
            icon: v.icon,
            color: v.color,
            display_icon_only: v.display_icon_only.unwrap_or(false),
            ..cur
        },
    )
    .await
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
    let cur = load(tx, pid, id).await?;
    let mut c = Check::new();
    if v.name.is_some() {
        c.name("name", v.name.as_deref());
    }
    c.look(
        v.color.clone().flatten().as_deref(),
        v.icon.clone().flatten().as_deref(),
    );
    c.finish()?;
    save(
        tx,
        actor,
        &Tag {
            name: v.name.map(|n| n.trim().to_string()).unwrap_or(cur.name),
            icon: v.icon.unwrap_or(cur.icon),
            color: v.color.unwrap_or(cur.color),
            display_icon_only: v.display_icon_only.unwrap_or(cur.display_icon_only),
            ..cur
        },
    )
    .await
}

/// `[ADMIN]` Deletes the tag; work items lose it.
pub async fn delete(tx: &mut Tx, actor: &Actor, pid: i64, id: i64) -> OpResult<()> {
    access::member(tx, actor, pid, Scope::ProjectsAdmin)
        .await?
        .require_admin()?;
    let tag = load(tx, pid, id).await?;
    // work_item_tags rows go with it (ON DELETE CASCADE); stated here so both backends agree.
    tx.exec(
        "DELETE FROM work_item_tags WHERE project_id = $1 AND tag_id = $2",
        params![pid, id],
    )
    .await?;
    tx.exec(
        "DELETE FROM tags WHERE project_id = $1 AND tag_id = $2",
        params![pid, id],
    )
    .await?;
    // Only the tag's own event: the items that lose it are not each reported.
    changes::record(tx, actor, pid, Event::TagDeleted, id, None, &tag).await?;
    Ok(())
}
