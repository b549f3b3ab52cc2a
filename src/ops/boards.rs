//! Boards: CRUD, metrics and the project's default board (closure is `ops::closure`).

use serde::Deserialize;
use utoipa::ToSchema;

use super::access;
use super::{Actor, OpError, OpResult, Scope};
use crate::changes::{self, Event};
use crate::model::{self, BOARD_SELECT, Board, BoardRow, Check, Metrics, TEXT_MAX};
use crate::params;
use crate::store::metrics::{self, MetricsScope};
use crate::store::{Tx, Val, placeholders, work_items};

/// POST and PUT: every editable field; on PUT omitted optionals become null.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BoardValues {
    /// Required.
    pub name: Option<String>,
    /// A milestone of the project; absent, null or 0 = none.
    pub milestone_id: Option<i64>,
    pub description: Option<String>,
    pub general_info: Option<String>,
    pub start_date: Option<String>,
    pub due_date: Option<String>,
}

/// PATCH: only the fields present change; `null` clears a nullable field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PatchBoardValues {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<i64>)]
    pub milestone_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub general_info: Option<Option<String>>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub start_date: Option<Option<String>>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub due_date: Option<Option<String>>,
}

/// The board as its GET returns it.
pub(crate) async fn load(tx: &mut Tx, pid: i64, bid: i64) -> OpResult<Board> {
    tx.opt::<BoardRow>(
        &format!("{BOARD_SELECT} WHERE b.project_id = $1 AND b.id = $2"),
        params![pid, bid],
    )
    .await?
    .map(Board::from)
    .ok_or(OpError::NotFound)
}

/// Boards of the project, optionally only those of one milestone or of any milestone.
pub(crate) async fn boards_of(
    tx: &mut Tx,
    pid: i64,
    milestone: Option<i64>,
) -> OpResult<Vec<Board>> {
    let rows: Vec<BoardRow> = match milestone {
        Some(m) => {
            tx.all(
                &format!("{BOARD_SELECT} WHERE b.project_id = $1 AND b.milestone_id = $2 ORDER BY b.id"),
                params![pid, m],
            )
            .await?
        }
        None => {
            tx.all(
                &format!("{BOARD_SELECT} WHERE b.project_id = $1 AND b.milestone_id IS NOT NULL ORDER BY b.id"),
                params![pid],
            )
            .await?
        }
    };
    Ok(rows.into_iter().map(Board::from).collect())
}

/// The boards `ids` of the project (as their GET returns them), in id order.
pub(crate) async fn boards_by_ids(tx: &mut Tx, pid: i64, ids: &[i64]) -> OpResult<Vec<Board>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let mut p: Vec<Val> = vec![pid.into()];
        p.extend(chunk.iter().map(|i| Val::from(*i)));
        let rows: Vec<BoardRow> = tx
            .all(
                &format!(
                    "{BOARD_SELECT} WHERE b.project_id = $1 AND b.id IN ({}) ORDER BY b.id",
                    placeholders(2, chunk.len())
                ),
                &p,
            )
            .await?;
        out.extend(rows.into_iter().map(Board::from));
    }
    Ok(out)
}

/// Records `event` for each board.
pub(crate) async fn record_boards(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    event: Event,
    boards: &[Board],
) -> OpResult<()> {
    for b in boards {
        changes::record(tx, actor, pid, event, b.board_id, None, b).await?;
    }
    Ok(())
}

/// Most ids bound in one statement (both backends accept far more).
const CHUNK: usize = 500;

/// Records `event` for the work items `ids` as they are now (before a delete, after an
/// update): loaded with the work item loader, a bounded number of statements per chunk of ids,
/// never one query per item. A user story's change carries no category.
pub(crate) async fn record_items(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    event: Event,
    ids: &[i64],
) -> OpResult<()> {
    for chunk in ids.chunks(CHUNK) {
        for w in work_items::load(tx, pid, chunk, &[]).await? {
            let category = if w.is_story {
                None
            } else {
                w.category.as_ref().map(|c| c.category_id)
            };
            changes::record(tx, actor, pid, event, w.work_item_id, category, &w).await?;
        }
    }
    Ok(())
}

/// Records `project.updated` with the project as it is now (its default board changed).
pub(crate) async fn record_project_updated(tx: &mut Tx, actor: &Actor, pid: i64) -> OpResult<()> {
    let p = super::projects::load(tx, pid).await?;
    changes::record(tx, actor, pid, Event::ProjectUpdated, pid, None, &p).await?;
    Ok(())
}

/// A date of a PATCH body: absent keeps `cur`, null clears, a value is parsed.
pub(crate) fn patch_date(
    c: &mut Check,
    field: &str,
    v: Option<Option<String>>,
    cur: Option<String>,
) -> Option<String> {
    match v {
        None => cur,
        Some(None) => None,
        Some(Some(s)) => c.date(field, Some(&s)),
    }
}

/// `milestoneId` must name a milestone of the project (0 = none). A board can't be put into a
/// closed milestone (one already there may stay: `current`).
async fn milestone(
    tx: &mut Tx,
    c: &mut Check,
    pid: i64,
    id: Option<i64>,
    current: Option<i64>,
) -> OpResult<Option<i64>> {
    match id {
        None | Some(0) => Ok(None),
        Some(m) => {
            let row: Option<(Option<String>,)> = tx
                .opt(
                    "SELECT closing_date FROM milestones WHERE id = $1 AND project_id = $2",
                    params![m, pid],
                )
                .await?;
            match row {
                None => c.fail("milestoneId", "The milestone does not exist."),
                Some((Some(_),)) if current != Some(m) => {
                    c.fail("milestoneId", "The milestone is closed.")
                }
                Some(_) => return Ok(Some(m)),
            }
            Ok(None)
        }
    }
}

/// Deletes boards; their work items are deleted (`delete_items`) or moved to the backlog.
/// A milestone may hold any number of boards: they go in chunks, so no statement carries more
/// bound parameters than both backends accept. Records `board.deleted` for each board,
/// `workitem.deleted` for each deleted item (as it was) or `workitem.updated` for each item
/// moved to the backlog and each child that lost its deleted story, and `project.updated`
/// when the default board goes.
pub(crate) async fn remove_boards(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    ids: &[i64],
    delete_items: bool,
) -> OpResult<()> {
    for chunk in ids.chunks(CHUNK) {
        remove_board_chunk(tx, actor, pid, chunk, delete_items).await?;
    }
    Ok(())
}

async fn remove_board_chunk(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    ids: &[i64],
    delete_items: bool,
) -> OpResult<()> {
    let list = placeholders(2, ids.len());
    let mut p: Vec<Val> = vec![pid.into()];
    p.extend(ids.iter().map(|i| Val::from(*i)));
    let boards = boards_by_ids(tx, pid, ids).await?;
    let items: Vec<(i64,)> = tx
        .all(
            &format!(
                "SELECT work_item_id FROM work_items WHERE project_id = $1 AND board_id IN ({list}) \
                 ORDER BY board_id, board_index, work_item_id"
            ),
            &p,
        )
        .await?;
    let items: Vec<i64> = items.into_iter().map(|r| r.0).collect();
    if delete_items {
        // The change records carry the items as they were, so they are read before they go.
        let orphans: Vec<(i64,)> = tx
            .all(
                &format!(
                    "SELECT c.work_item_id FROM work_items c WHERE c.project_id = $1 \
                     AND (c.board_id IS NULL OR c.board_id NOT IN ({list})) AND c.parent_story_id IN \
                     (SELECT w.work_item_id FROM work_items w WHERE w.project_id = $1 AND w.board_id IN ({list})) \
                     ORDER BY c.work_item_id"
                ),
                &p,
            )
            .await?;
        record_items(tx, actor, pid, Event::WorkItemDeleted, &items).await?;
        // Children of a deleted story stay, without a parent.
        tx.exec(
            &format!(
                "UPDATE work_items SET parent_story_id = NULL WHERE project_id = $1 AND parent_story_id IN \
                 (SELECT w.work_item_id FROM work_items w WHERE w.project_id = $1 AND w.board_id IN ({list}))"
            ),
            &p,
        )
        .await?;
        tx.exec(
            &format!("DELETE FROM work_items WHERE project_id = $1 AND board_id IN ({list})"),
            &p,
        )
        .await?;
        let orphans: Vec<i64> = orphans.into_iter().map(|r| r.0).collect();
        record_items(tx, actor, pid, Event::WorkItemUpdated, &orphans).await?;
    } else {
        // Appended after the backlog's items, so its positions stay dense.
        work_items::move_boards_to_backlog(tx, pid, ids, &model::now()).await?;
        record_items(tx, actor, pid, Event::WorkItemUpdated, &items).await?;
    }
    let default_cleared = tx
        .exec(
            &format!("UPDATE projects SET default_board_id = NULL WHERE id = $1 AND default_board_id IN ({list})"),
            &p,
        )
        .await?
        > 0;
    tx.exec(
        &format!("DELETE FROM boards WHERE project_id = $1 AND id IN ({list})"),
        &p,
    )
    .await?;
    record_boards(tx, actor, pid, Event::BoardDeleted, &boards).await?;
    if default_cleared {
        record_project_updated(tx, actor, pid).await?;
    }
    Ok(())
}

/// The project's boards (open ones unless `include_closed`), any member.
pub async fn list(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    include_closed: bool,
) -> OpResult<Vec<Board>> {
    access::member(tx, actor, pid, Scope::ProjectsRead).await?;
    let open_only = if include_closed {
        ""
    } else {
        " AND b.closing_date IS NULL"
    };
    let rows: Vec<BoardRow> = tx
        .all(
            &format!("{BOARD_SELECT} WHERE b.project_id = $1{open_only} ORDER BY b.id"),
            params![pid],
        )
        .await?;
    Ok(rows.into_iter().map(Board::from).collect())
}

/// `[ADMIN]` Creates a board.
pub async fn create(tx: &mut Tx, actor: &Actor, pid: i64, v: BoardValues) -> OpResult<Board> {
    access::admin(tx, actor, pid).await?;
    let mut c = Check::new();
    c.name("name", v.name.as_deref());
    c.text("description", v.description.as_deref(), TEXT_MAX);
    c.text("generalInfo", v.general_info.as_deref(), TEXT_MAX);
    let start = c.date("startDate", v.start_date.as_deref());
    let due = c.date("dueDate", v.due_date.as_deref());
    c.date_order(start.as_deref(), due.as_deref());
    let mid = milestone(tx, &mut c, pid, v.milestone_id, None).await?;
    c.finish()?;
    let (id,): (i64,) = tx
        .one(
            "INSERT INTO boards (project_id, milestone_id, name, description, general_info, start_date, due_date, \
             creation_date, creator_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            params![
                pid,
                mid,
                v.name.unwrap_or_default().trim(),
                v.description,
                v.general_info,
                start,
                due,
                model::now(),
                actor.user_id
            ],
        )
        .await?;
    let b = load(tx, pid, id).await?;
    changes::record(tx, actor, pid, Event::BoardCreated, id, None, &b).await?;
    Ok(b)
}

/// The board (any member).
pub async fn get(tx: &mut Tx, actor: &Actor, pid: i64, bid: i64) -> OpResult<Board> {
    access::member(tx, actor, pid, Scope::ProjectsRead).await?;
    load(tx, pid, bid).await
}

struct BoardUpdate {
    name: String,
    milestone_id: Option<i64>,
    description: Option<String>,
    general_info: Option<String>,
    start_date: Option<String>,
    due_date: Option<String>,
}

/// Writes the board's values and records `board.updated`.
async fn save(tx: &mut Tx, actor: &Actor, pid: i64, bid: i64, u: BoardUpdate) -> OpResult<Board> {
    tx.exec(
        "UPDATE boards SET name = $1, milestone_id = $2, description = $3, general_info = $4, \
         start_date = $5, due_date = $6 WHERE id = $7 AND project_id = $8",
        params![
            u.name,
            u.milestone_id,
            u.description,
            u.general_info,
            u.start_date,
            u.due_date,
            bid,
            pid
        ],
    )
    .await?;
    let b = load(tx, pid, bid).await?;
    changes::record(tx, actor, pid, Event::BoardUpdated, bid, None, &b).await?;
    Ok(b)
}

/// `[ADMIN]` Replaces every field of an open board; omitted optionals become null.
pub async fn update(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    bid: i64,
    v: BoardValues,
) -> OpResult<Board> {
    access::admin(tx, actor, pid).await?;
    let cur = load(tx, pid, bid).await?;
    access::require_open_board(tx, pid, Some(bid)).await?;
    let mut c = Check::new();
    c.name("name", v.name.as_deref());
    c.text("description", v.description.as_deref(), TEXT_MAX);
    c.text("generalInfo", v.general_info.as_deref(), TEXT_MAX);
    let start = c.date("startDate", v.start_date.as_deref());
    let due = c.date("dueDate", v.due_date.as_deref());
    c.date_order(start.as_deref(), due.as_deref());
    let mid = milestone(tx, &mut c, pid, v.milestone_id, cur.milestone_id).await?;
    c.finish()?;
    save(
        tx,
        actor,
        pid,
        bid,
        BoardUpdate {
            name: v.name.unwrap_or_default().trim().to_string(),
            milestone_id: mid,
            description: v.description,
            general_info: v.general_info,
            start_date: start,
            due_date: due,
        },
    )
    .await
}

/// `[ADMIN]` Changes only the values sent, on an open board.
pub async fn patch(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    bid: i64,
    v: PatchBoardValues,
) -> OpResult<Board> {
    access::admin(tx, actor, pid).await?;
    let cur = load(tx, pid, bid).await?;
    access::require_open_board(tx, pid, Some(bid)).await?;
    let mut c = Check::new();
    if v.name.is_some() {
        c.name("name", v.name.as_deref());
    }
    let description = v.description.unwrap_or(cur.description);
    let general_info = v.general_info.unwrap_or(cur.general_info);
    c.text("description", description.as_deref(), TEXT_MAX);
    c.text("generalInfo", general_info.as_deref(), TEXT_MAX);
    let start = patch_date(&mut c, "startDate", v.start_date, cur.start_date);
    let due = patch_date(&mut c, "dueDate", v.due_date, cur.due_date);
    c.date_order(start.as_deref(), due.as_deref());
    let mid = match v.milestone_id {
        None => cur.milestone_id,
        Some(m) => milestone(tx, &mut c, pid, m, cur.milestone_id).await?,
    };
    c.finish()?;
    save(
        tx,
        actor,
        pid,
        bid,
        BoardUpdate {
            name: v.name.map(|n| n.trim().to_string()).unwrap_or(cur.name),
            milestone_id: mid,
            description,
            general_info,
            start_date: start,
            due_date: due,
        },
    )
    .await
}

/// `[ADMIN]` Deletes the board; its work items go to the backlog, or are deleted with
/// `remove_items`.
pub async fn delete(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    bid: i64,
    remove_items: bool,
) -> OpResult<()> {
    access::admin(tx, actor, pid).await?;
    load(tx, pid, bid).await?;
    remove_boards(tx, actor, pid, &[bid], remove_items).await
}

/// The board's metrics (optionally only the items assigned to `user_id`), over the categories
/// the actor can read.
pub async fn metrics(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    bid: i64,
    user_id: Option<i64>,
) -> OpResult<Metrics> {
    let m = access::member(tx, actor, pid, Scope::ProjectsRead).await?;
    load(tx, pid, bid).await?;
    let scope = MetricsScope::Board {
        board_id: bid,
        user_id,
    };
    Ok(metrics::compute(tx, pid, &scope, |c| m.can_read_category(Some(c))).await?)
}

/// `[ADMIN]` Makes an open board the project's default board. When the default changes, records
/// `project.updated` and `board.updated` for the new and the former default board.
pub async fn set_default(tx: &mut Tx, actor: &Actor, pid: i64, bid: i64) -> OpResult<()> {
    access::admin(tx, actor, pid).await?;
    let board = load(tx, pid, bid).await?;
    if board.closing_date.is_some() {
        return Err(OpError::conflict("The board is closed."));
    }
    let former = default_board(tx, pid).await?;
    tx.exec(
        "UPDATE projects SET default_board_id = $1 WHERE id = $2",
        params![bid, pid],
    )
    .await?;
    if former != Some(bid) {
        record_project_updated(tx, actor, pid).await?;
        let mut ids = vec![bid];
        ids.extend(former);
        let boards = boards_by_ids(tx, pid, &ids).await?;
        record_boards(tx, actor, pid, Event::BoardUpdated, &boards).await?;
    }
    Ok(())
}

/// `[ADMIN]` Leaves the project without a default board; records `project.updated` and
/// `board.updated` for the former default board, if there was one.
pub async fn clear_default(tx: &mut Tx, actor: &Actor, pid: i64) -> OpResult<()> {
    access::admin(tx, actor, pid).await?;
    let former = default_board(tx, pid).await?;
    tx.exec(
        "UPDATE projects SET default_board_id = NULL WHERE id = $1",
        params![pid],
    )
    .await?;
    if let Some(b) = former {
        record_project_updated(tx, actor, pid).await?;
        let boards = boards_by_ids(tx, pid, &[b]).await?;
        record_boards(tx, actor, pid, Event::BoardUpdated, &boards).await?;
    }
    Ok(())
}

async fn default_board(tx: &mut Tx, pid: i64) -> OpResult<Option<i64>> {
    let row: Option<(Option<i64>,)> = tx
        .opt(
            "SELECT default_board_id FROM projects WHERE id = $1",
            params![pid],
        )
        .await?;
    Ok(row.and_then(|r| r.0))
}
