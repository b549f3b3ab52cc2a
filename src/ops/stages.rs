//! Project stages: the columns of the boards. A work item is done while its stage is `closed`,
//! so a stage's status change moves the closing dates of its items with it.

use serde::Deserialize;
use utoipa::ToSchema;

use super::config::{self, HasLook, Kind, Look};
use super::{Actor, OpError, OpResult, access};
use crate::changes::Event;
use crate::model::{self, Check, STAGE_COLS, Stage};
use crate::params;
use crate::store::{Tx, Val};

impl Kind for Stage {
    type Row = Stage;
    const TABLE: &'static str = "stages";
    const ALIAS: &'static str = "s";
    const COLS: &'static str = STAGE_COLS;
    const ID: &'static str = "stage_id";
    const SEQUENCE: &'static str = "stage";
    const ORDER: &'static str = "s.display_order, s.stage_id";
    const CREATED: Event = Event::StageCreated;
    const UPDATED: Event = Event::StageUpdated;
    const DELETED: Event = Event::StageDeleted;
    fn id(&self) -> i64 {
        self.stage_id
    }
}

/// Create and PUT. `name` is required. `status` defaults to `created` on create and keeps its
/// value when omitted on PUT; `isUnblocker` defaults to false; a missing `icon` gets the
/// status's default icon; an omitted `color` is null.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StageValues {
    pub name: Option<String>,
    /// `created`, `started` or `closed` (any case).
    pub status: Option<String>,
    pub is_unblocker: Option<bool>,
    /// `#` and 3, 6 or 8 hex digits.
    pub color: Option<String>,
    pub icon: Option<String>,
}

/// PATCH: only the fields present change; `null` clears `color` (and resets `icon` to the default).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PatchStageValues {
    pub name: Option<String>,
    pub status: Option<String>,
    pub is_unblocker: Option<bool>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub color: Option<Option<String>>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub icon: Option<Option<String>>,
}

const STATUSES: [&str; 3] = ["created", "started", "closed"];
pub const LAST_STAGE: &str = "The last stage can't be deleted.";

/// The real service answers 500 for a stage without an icon; Questlog picks one by status.
fn default_icon(status: &str) -> String {
    match status {
        "closed" => "completed",
        "started" => "in-progress",
        _ => "planned",
    }
    .to_string()
}

fn status(c: &mut Check, v: Option<&str>) -> Option<String> {
    let s = v?.trim().to_ascii_lowercase();
    if STATUSES.contains(&s.as_str()) {
        Some(s)
    } else {
        c.fail(
            "status",
            "The status is invalid (created, started or closed).",
        );
        None
    }
}

/// The columns a stage write sets besides its look.
fn fields(look: Look, status: &str, is_unblocker: bool) -> Vec<(&'static str, Val)> {
    let mut f = look.fields();
    f.push(("status", status.into()));
    f.push(("is_unblocker", is_unblocker.into()));
    f
}

/// Makes the closing dates of the items in the stage agree with its status (`closed` ⇒ set).
async fn sync_closing(tx: &mut Tx, pid: i64, stage_id: i64, status: &str) -> OpResult<()> {
    let sql = if status == "closed" {
        "UPDATE work_items SET closing_date = $1, update_date = $1 \
         WHERE project_id = $2 AND stage_id = $3 AND closing_date IS NULL"
    } else {
        "UPDATE work_items SET closing_date = NULL, update_date = $1 \
         WHERE project_id = $2 AND stage_id = $3 AND closing_date IS NOT NULL"
    };
    tx.exec(sql, params![model::now(), pid, stage_id]).await?;
    Ok(())
}

/// Stores the new values; the items follow a status change.
async fn save(
    tx: &mut Tx,
    actor: &Actor,
    cur: &Stage,
    f: Vec<(&'static str, Val)>,
    st: &str,
) -> OpResult<Stage> {
    let stage: Stage = config::update(tx, actor, cur.project_id, cur.stage_id, f).await?;
    if cur.status != st {
        sync_closing(tx, cur.project_id, cur.stage_id, st).await?;
    }
    Ok(stage)
}

/// `[ADMIN]` The new stage goes last in display order.
pub async fn create(tx: &mut Tx, actor: &Actor, pid: i64, v: StageValues) -> OpResult<Stage> {
    access::admin(tx, actor, pid).await?;
    let mut c = Check::new();
    let mut look = Look::put(&mut c, v.name, v.color, v.icon);
    let st = status(&mut c, v.status.as_deref()).unwrap_or_else(|| "created".into());
    c.finish()?;
    let (order,): (i64,) = tx
        .one(
            "SELECT CAST(COALESCE(MAX(display_order), 0) + 1 AS BIGINT) FROM stages WHERE project_id = $1",
            params![pid],
        )
        .await?;
    look.icon = Some(look.icon.unwrap_or_else(|| default_icon(&st)));
    let mut f = fields(look, &st, v.is_unblocker.unwrap_or(false));
    f.push(("display_order", order.into()));
    config::insert(tx, actor, pid, f).await
}

/// `[ADMIN]` Omitted optional values are reset.
pub async fn update(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    id: i64,
    v: StageValues,
) -> OpResult<Stage> {
    let cur: Stage = config::admin_load(tx, actor, pid, id).await?;
    let mut c = Check::new();
    let mut look = Look::put(&mut c, v.name, v.color, v.icon);
    let st = status(&mut c, v.status.as_deref()).unwrap_or_else(|| cur.status.clone());
    c.finish()?;
    look.icon = Some(look.icon.unwrap_or_else(|| default_icon(&st)));
    let f = fields(look, &st, v.is_unblocker.unwrap_or(false));
    save(tx, actor, &cur, f, &st).await
}

/// `[ADMIN]` Changes only the values sent; `icon: null` resets the icon to the status's default.
pub async fn patch(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    id: i64,
    v: PatchStageValues,
) -> OpResult<Stage> {
    let cur: Stage = config::admin_load(tx, actor, pid, id).await?;
    let mut c = Check::new();
    let reset_icon = matches!(v.icon, Some(None));
    let mut look = Look::patch(&mut c, cur.look(), v.name, v.color, v.icon);
    let st = status(&mut c, v.status.as_deref()).unwrap_or_else(|| cur.status.clone());
    c.finish()?;
    if reset_icon {
        look.icon = Some(default_icon(&st));
    }
    let f = fields(look, &st, v.is_unblocker.unwrap_or(cur.is_unblocker));
    save(tx, actor, &cur, f, &st).await
}

/// `[ADMIN]` Its work items move to the first remaining stage; the last stage stays.
pub async fn delete(tx: &mut Tx, actor: &Actor, pid: i64, id: i64) -> OpResult<()> {
    let before: Stage = config::admin_load(tx, actor, pid, id).await?;
    let target: Option<(i64, String)> = tx
        .opt(
            "SELECT stage_id, status FROM stages WHERE project_id = $1 AND stage_id <> $2 \
             ORDER BY display_order, stage_id LIMIT 1",
            params![pid, id],
        )
        .await?;
    let Some((target, target_status)) = target else {
        return Err(OpError::conflict(LAST_STAGE));
    };
    let sql = if target_status == "closed" {
        "UPDATE work_items SET stage_id = $1, closing_date = COALESCE(closing_date, $2), update_date = $2 \
         WHERE project_id = $3 AND stage_id = $4"
    } else {
        "UPDATE work_items SET stage_id = $1, closing_date = NULL, update_date = $2 \
         WHERE project_id = $3 AND stage_id = $4"
    };
    tx.exec(sql, params![target, model::now(), pid, id]).await?;
    config::delete(tx, actor, pid, &before).await
}
