//! Milestones: CRUD (with their boards) and metrics (closure is `ops::closure`).

use serde::Deserialize;
use utoipa::ToSchema;

use super::boards::{boards_by_ids, boards_of, patch_date, record_boards, remove_boards};
use super::{Actor, OpError, OpResult, Scope, access};
use crate::changes::{self, Event};
use crate::model::{self, Check, MILESTONE_SELECT, Metrics, Milestone, MilestoneRow, TEXT_MAX};
use crate::params;
use crate::store::Tx;
use crate::store::metrics::{self, MetricsScope};

/// POST and PUT: every editable field; on PUT omitted optionals become null. Unknown fields
/// (`description`, `endDate`, which clients send) are ignored.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MilestoneValues {
    /// Required.
    pub name: Option<String>,
    pub start_date: Option<String>,
    pub due_date: Option<String>,
    pub general_info: Option<String>,
}

/// PATCH: only the fields present change; `null` clears a nullable field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PatchMilestoneValues {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub start_date: Option<Option<String>>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub due_date: Option<Option<String>>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub general_info: Option<Option<String>>,
}

/// How a milestone goes: its boards stay (without milestone) unless `delete_boards`; deleted
/// boards' work items go to the backlog unless `delete_work_items`.
#[derive(Debug, Clone, Copy, Default)]
pub struct DeleteMilestone {
    pub delete_boards: bool,
    pub delete_work_items: bool,
}

/// The milestone with its boards, as its GET returns it.
pub(crate) async fn load(tx: &mut Tx, pid: i64, mid: i64) -> OpResult<Milestone> {
    let mut m: Milestone = tx
        .opt::<MilestoneRow>(
            &format!("{MILESTONE_SELECT} WHERE m.project_id = $1 AND m.id = $2"),
            params![pid, mid],
        )
        .await?
        .map(Milestone::from)
        .ok_or(OpError::NotFound)?;
    m.boards = Some(boards_of(tx, pid, Some(mid)).await?);
    Ok(m)
}

/// The project's milestones (open ones unless `include_closed`), each with its boards when
/// `include_boards`; any member.
pub async fn list(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    include_closed: bool,
    include_boards: bool,
) -> OpResult<Vec<Milestone>> {
    access::member(tx, actor, pid, Scope::ProjectsRead).await?;
    let open_only = if include_closed {
        ""
    } else {
        " AND m.closing_date IS NULL"
    };
    let rows: Vec<MilestoneRow> = tx
        .all(
            &format!("{MILESTONE_SELECT} WHERE m.project_id = $1{open_only} ORDER BY m.id"),
            params![pid],
        )
        .await?;
    let mut list: Vec<Milestone> = rows.into_iter().map(Milestone::from).collect();
    if include_boards {
        // One query for the boards of every milestone.
        let boards = boards_of(tx, pid, None).await?;
        for m in &mut list {
            m.boards = Some(
                boards
                    .iter()
                    .filter(|b| b.milestone_id == Some(m.milestone_id))
                    .cloned()
                    .collect(),
            );
        }
    }
    Ok(list)
}

/// `[ADMIN]` Creates a milestone.
pub async fn create(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    v: MilestoneValues,
) -> OpResult<Milestone> {
    access::admin(tx, actor, pid).await?;
    let mut c = Check::new();
    c.name("name", v.name.as_deref());
    c.text("generalInfo", v.general_info.as_deref(), TEXT_MAX);
    let start = c.date("startDate", v.start_date.as_deref());
    let due = c.date("dueDate", v.due_date.as_deref());
    c.date_order(start.as_deref(), due.as_deref());
    c.finish()?;
    let (id,): (i64,) = tx
        .one(
            "INSERT INTO milestones (project_id, name, general_info, start_date, due_date, creation_date, creator_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            params![
                pid,
                v.name.unwrap_or_default().trim(),
                v.general_info,
                start,
                due,
                model::now(),
                actor.user_id
            ],
        )
        .await?;
    let m = load(tx, pid, id).await?;
    changes::record(tx, actor, pid, Event::MilestoneCreated, id, None, &m).await?;
    Ok(m)
}

/// The milestone with its boards (any member).
pub async fn get(tx: &mut Tx, actor: &Actor, pid: i64, mid: i64) -> OpResult<Milestone> {
    access::member(tx, actor, pid, Scope::ProjectsRead).await?;
    load(tx, pid, mid).await
}

struct MilestoneUpdate {
    name: String,
    general_info: Option<String>,
    start: Option<String>,
    due: Option<String>,
}

/// Writes the milestone's values and records `milestone.updated`.
async fn save(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    mid: i64,
    u: MilestoneUpdate,
) -> OpResult<Milestone> {
    tx.exec(
        "UPDATE milestones SET name = $1, general_info = $2, start_date = $3, due_date = $4 \
         WHERE id = $5 AND project_id = $6",
        params![u.name, u.general_info, u.start, u.due, mid, pid],
    )
    .await?;
    let m = load(tx, pid, mid).await?;
    changes::record(tx, actor, pid, Event::MilestoneUpdated, mid, None, &m).await?;
    Ok(m)
}

/// `[ADMIN]` Replaces every field of an open milestone; omitted optionals become null.
pub async fn update(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    mid: i64,
    v: MilestoneValues,
) -> OpResult<Milestone> {
    access::admin(tx, actor, pid).await?;
    let cur = load(tx, pid, mid).await?;
    access::require_open_milestone(cur.closing_date.as_deref())?;
    let mut c = Check::new();
    c.name("name", v.name.as_deref());
    c.text("generalInfo", v.general_info.as_deref(), TEXT_MAX);
    let start = c.date("startDate", v.start_date.as_deref());
    let due = c.date("dueDate", v.due_date.as_deref());
    c.date_order(start.as_deref(), due.as_deref());
    c.finish()?;
    let u = MilestoneUpdate {
        name: v.name.unwrap_or_default().trim().to_string(),
        general_info: v.general_info,
        start,
        due,
    };
    save(tx, actor, pid, mid, u).await
}

/// `[ADMIN]` Changes only the values sent, on an open milestone.
pub async fn patch(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    mid: i64,
    v: PatchMilestoneValues,
) -> OpResult<Milestone> {
    access::admin(tx, actor, pid).await?;
    let cur = load(tx, pid, mid).await?;
    access::require_open_milestone(cur.closing_date.as_deref())?;
    let mut c = Check::new();
    if v.name.is_some() {
        c.name("name", v.name.as_deref());
    }
    let general_info = v.general_info.unwrap_or(cur.general_info);
    c.text("generalInfo", general_info.as_deref(), TEXT_MAX);
    let start = patch_date(&mut c, "startDate", v.start_date, cur.start_date);
    let due = patch_date(&mut c, "dueDate", v.due_date, cur.due_date);
    c.date_order(start.as_deref(), due.as_deref());
    c.finish()?;
    let u = MilestoneUpdate {
        name: v.name.map(|n| n.trim().to_string()).unwrap_or(cur.name),
        general_info,
        start,
        due,
    };
    save(tx, actor, pid, mid, u).await
}

/// `[ADMIN]` Deletes the milestone, and its boards as `how` says. Records `milestone.deleted`
/// (the milestone as it was, with its boards), after what happened to its boards: each deleted
/// (`ops::boards::remove_boards` records) or `board.updated` without its milestone.
pub async fn delete(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    mid: i64,
    how: DeleteMilestone,
) -> OpResult<()> {
    access::admin(tx, actor, pid).await?;
    let m = load(tx, pid, mid).await?;
    let ids: Vec<i64> = m.boards.iter().flatten().map(|b| b.board_id).collect();
    if how.delete_boards {
        remove_boards(tx, actor, pid, &ids, how.delete_work_items).await?;
    } else {
        tx.exec(
            "UPDATE boards SET milestone_id = NULL WHERE project_id = $1 AND milestone_id = $2",
            params![pid, mid],
        )
        .await?;
        let boards = boards_by_ids(tx, pid, &ids).await?;
        record_boards(tx, actor, pid, Event::BoardUpdated, &boards).await?;
    }
    tx.exec(
        "DELETE FROM milestones WHERE id = $1 AND project_id = $2",
        params![mid, pid],
    )
    .await?;
    changes::record(tx, actor, pid, Event::MilestoneDeleted, mid, None, &m).await?;
    Ok(())
}

/// The metrics of the work items on the milestone's boards (optionally only those assigned to
/// `user_id`), over the categories the actor can read.
pub async fn metrics(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    mid: i64,
    user_id: Option<i64>,
) -> OpResult<Metrics> {
    let member = access::member(tx, actor, pid, Scope::ProjectsRead).await?;
    if !tx
        .exists(
            "SELECT id FROM milestones WHERE id = $1 AND project_id = $2",
            params![mid, pid],
        )
        .await?
    {
        return Err(OpError::NotFound);
    }
    let scope = MetricsScope::Milestone {
        milestone_id: mid,
        user_id,
    };
    Ok(metrics::compute(tx, pid, &scope, |c| member.can_read_category(Some(c))).await?)
}
