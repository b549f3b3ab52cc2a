//! Work items: search, create, read, clone, replace, patch, delete (BEHAVIOUR.md §4, §5, §8).
//!
//! Board positions (`boardIndex`) are 0-based and dense within each board and within the
//! backlog; moving an item renumbers its old and new lists. `designElementIndex` works the same
//! within each design element.

use std::collections::HashSet;

use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::access::{self, Member};
use super::{Actor, OpError, OpResult, Scope};
use crate::changes::{self, Event};
use crate::model::{self, Check, ModuleConfig, Paged, Paging, TEXT_MAX, WorkItem};
use crate::params;
use crate::store::work_items::{self as store, Slot};
use crate::store::{Tx, Val, placeholders, search, sequences};

fn invalid_values() -> OpError {
    OpError::invalid("Invalid values object.")
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateWorkItemValues {
    /// Required.
    pub title: Option<String>,
    pub description: Option<String>,
    /// Default false.
    pub is_story: Option<bool>,
    /// The user story this task belongs to (read back as `parentStoryId`).
    #[serde(alias = "parentStoryId")]
    pub parent_id: Option<i64>,
    /// Default: the project's first category (stories have none).
    pub category_id: Option<i64>,
    /// Default 0.
    pub estimated_cost: Option<f64>,
    /// Required.
    pub importance_level_id: Option<i64>,
    /// Absent or 0: the backlog. Wins over the `boardId` query parameter.
    pub board_id: Option<i64>,
    pub design_element_id: Option<i64>,
    pub start_date: Option<String>,
    pub due_date: Option<String>,
    pub assigned_user_ids: Option<Vec<i64>>,
    pub tag_ids: Option<Vec<i64>>,
    /// Titles of checklist items to create.
    pub sub_tasks: Option<Vec<String>>,
    /// Work items this one depends on.
    pub dependency_ids: Option<Vec<i64>>,
    /// Accepted and ignored (boards carry milestones).
    #[allow(dead_code)] // parsed so that a value of the wrong type is a 400
    pub milestone_id: Option<i64>,
    /// Ignored: new items start in the project's first stage.
    #[allow(dead_code)]
    pub stage_id: Option<i64>,
}

/// PUT: every editable field. Omitted nullable fields become null (no board = backlog), omitted
/// lists empty, an omitted `estimatedCost` 0; `isStory`, `categoryId`, `importanceLevelId` and
/// `stageId` keep their value when omitted (they cannot be null).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateWorkItemValues {
    /// Required.
    pub title: Option<String>,
    pub description: Option<String>,
    pub is_story: Option<bool>,
    #[serde(alias = "parentStoryId")]
    pub parent_id: Option<i64>,
    pub category_id: Option<i64>,
    pub estimated_cost: Option<f64>,
    pub importance_level_id: Option<i64>,
    pub board_id: Option<i64>,
    pub design_element_id: Option<i64>,
    pub start_date: Option<String>,
    pub due_date: Option<String>,
    pub stage_id: Option<i64>,
    pub tag_ids: Option<Vec<i64>>,
    pub assigned_user_ids: Option<Vec<i64>>,
    pub board_index: Option<i64>,
    pub design_element_index: Option<i64>,
}

/// PATCH: only the fields present change; `null` clears a nullable one. `isBlocked` is
/// derived: sending it changes nothing.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PatchWorkItemValues {
    /// Cannot be cleared: `null` is a 400.
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    pub is_story: Option<bool>,
    #[serde(default, deserialize_with = "model::patch", alias = "parentStoryId")]
    #[schema(value_type = Option<i64>)]
    pub parent_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<i64>)]
    pub category_id: Option<Option<i64>>,
    pub estimated_cost: Option<f64>,
    pub importance_level_id: Option<i64>,
    /// `null` or 0: the backlog.
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<i64>)]
    pub board_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<i64>)]
    pub design_element_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub start_date: Option<Option<String>>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub due_date: Option<Option<String>>,
    pub stage_id: Option<i64>,
    /// The whole set (`null` = none).
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<Vec<i64>>)]
    pub tag_ids: Option<Option<Vec<i64>>>,
    /// The whole set (`null` = none).
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<Vec<i64>>)]
    pub assigned_user_ids: Option<Option<Vec<i64>>>,
    pub board_index: Option<i64>,
    pub design_element_index: Option<i64>,
    /// Read-only; ignored.
    #[allow(dead_code)]
    pub is_blocked: Option<bool>,
}

impl PatchWorkItemValues {
    /// Only the fields a member with `canUpdate` may change on items assigned to them.
    fn only_moves(&self) -> bool {
        self.title.is_none()
            && self.description.is_none()
            && self.is_story.is_none()
            && self.parent_id.is_none()
            && self.category_id.is_none()
            && self.estimated_cost.is_none()
            && self.importance_level_id.is_none()
            && self.board_id.is_none()
            && self.design_element_id.is_none()
            && self.start_date.is_none()
            && self.due_date.is_none()
            && self.tag_ids.is_none()
            && self.assigned_user_ids.is_none()
            && self.design_element_index.is_none()
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// The board (0 for the backlog).
    pub board_id: Option<i64>,
    /// Items on the boards of this milestone.
    pub milestone_id: Option<i64>,
    /// The category (-1: user stories).
    pub category_id: Option<i64>,
    /// An assigned user.
    pub user_id: Option<i64>,
    /// The design element (0 for items without one).
    pub design_element_id: Option<i64>,
    pub stage_id: Option<i64>,
    pub importance_level_id: Option<i64>,
    /// The parent story (0 for items that don't belong to one).
    pub parent_story_id: Option<i64>,
    /// Space-separated terms; each must appear (case-insensitively) in the title or description.
    pub search_terms: Option<String>,
    /// `id` (default), `name`/`title`, `duedate`, `updatedate`, `closingdate`, `board`,
    /// `designelement`, `stage`, `category`, `importancelevel`.
    pub sort_field: Option<String>,
    /// `asc` (default) or `desc`.
    pub sort_mode: Option<String>,
}

/// The editable state of a work item.
#[derive(Debug, Clone)]
struct Fields {
    title: String,
    description: Option<String>,
    is_story: bool,
    parent_id: Option<i64>,
    category_id: Option<i64>,
    estimated_cost: f64,
    importance_level_id: i64,
    board_id: Option<i64>,
    design_element_id: Option<i64>,
    start_date: Option<String>,
    due_date: Option<String>,
    stage_id: i64,
    tag_ids: Vec<i64>,
    user_ids: Vec<i64>,
}

/// A stored work item's state, for edits.
struct Current {
    f: Fields,
    board_index: i64,
    design_element_index: i64,
    closing_date: Option<String>,
    stage_closed: bool,
    /// The stage unblocks the item's successors (closed or an unblocker).
    stage_resolves: bool,
    is_blocked: bool,
    last_sub_task_id: i64,
}

#[derive(sqlx::FromRow)]
struct CurrentRow {
    title: String,
    description: Option<String>,
    is_story: bool,
    parent_story_id: Option<i64>,
    category_id: Option<i64>,
    estimated_cost: f64,
    importance_level_id: i64,
    board_id: Option<i64>,
    board_index: i64,
    design_element_id: Option<i64>,
    design_element_index: i64,
    start_date: Option<String>,
    due_date: Option<String>,
    stage_id: i64,
    closing_date: Option<String>,
    last_sub_task_id: i64,
    stage_closed: bool,
    stage_unblocker: bool,
    is_blocked: bool,
}
crate::lite_row!(CurrentRow {
    title,
    description,
    is_story,
    parent_story_id,
    category_id,
    estimated_cost,
    importance_level_id,
    board_id,
    board_index,
    design_element_id,
    design_element_index,
    start_date,
    due_date,
    stage_id,
    closing_date,
    last_sub_task_id,
    stage_closed,
    stage_unblocker,
    is_blocked
});

async fn current(tx: &mut Tx, pid: i64, id: i64) -> OpResult<Current> {
    let r: CurrentRow = tx
        .opt(
            "SELECT w.title, w.description, w.is_story, w.parent_story_id, w.category_id, w.estimated_cost, \
             w.importance_level_id, w.board_id, w.board_index, w.design_element_id, w.design_element_index, \
             w.start_date, w.due_date, w.stage_id, w.closing_date, w.last_sub_task_id, \
             (s.status = 'closed') AS stage_closed, s.is_unblocker AS stage_unblocker, \
             EXISTS (SELECT d.depends_on_id FROM dependencies d \
                JOIN work_items pw ON pw.project_id = d.project_id AND pw.work_item_id = d.depends_on_id \
                JOIN stages ps ON ps.project_id = pw.project_id AND ps.stage_id = pw.stage_id \
                WHERE d.project_id = w.project_id AND d.work_item_id = w.work_item_id \
                AND ps.status <> 'closed' AND NOT ps.is_unblocker) AS is_blocked \
             FROM work_items w JOIN stages s ON s.project_id = w.project_id AND s.stage_id = w.stage_id \
             WHERE w.project_id = $1 AND w.work_item_id = $2",
            params![pid, id],
        )
        .await?
        .ok_or(OpError::NotFound)?;
    let tags: Vec<(i64,)> = tx
        .all(
            "SELECT tag_id FROM work_item_tags WHERE project_id = $1 AND work_item_id = $2 ORDER BY tag_id",
            params![pid, id],
        )
        .await?;
    let users: Vec<(i64,)> = tx
        .all(
            "SELECT user_id FROM work_item_users WHERE project_id = $1 AND work_item_id = $2 \
             ORDER BY creation_date, user_id",
            params![pid, id],
        )
        .await?;
    Ok(Current {
        f: Fields {
            title: r.title,
            description: r.description,
            is_story: r.is_story,
            parent_id: r.parent_story_id,
            category_id: r.category_id,
            estimated_cost: r.estimated_cost,
            importance_level_id: r.importance_level_id,
            board_id: r.board_id,
            design_element_id: r.design_element_id,
            start_date: r.start_date,
            due_date: r.due_date,
            stage_id: r.stage_id,
            tag_ids: tags.into_iter().map(|t| t.0).collect(),
            user_ids: users.into_iter().map(|u| u.0).collect(),
        },
        board_index: r.board_index,
        design_element_index: r.design_element_index,
        closing_date: r.closing_date,
        stage_closed: r.stage_closed,
        stage_resolves: r.stage_closed || r.stage_unblocker,
        is_blocked: r.is_blocked,
        last_sub_task_id: r.last_sub_task_id,
    })
}

/// The item, if the caller may see it (items of unreadable categories are 404s).
async fn visible(tx: &mut Tx, m: &Member, pid: i64, id: i64) -> OpResult<Current> {
    let cur = current(tx, pid, id).await?;
    if !m.can_read_category(cur.f.category_id) {
        return Err(OpError::NotFound);
    }
    Ok(cur)
}

async fn first_category(tx: &mut Tx, pid: i64) -> OpResult<Option<i64>> {
    Ok(tx
        .opt::<(i64,)>(
            "SELECT category_id FROM categories WHERE project_id = $1 ORDER BY category_id LIMIT 1",
            params![pid],
        )
        .await?
        .map(|r| r.0))
}

/// The project's first stage (display order) and whether it is a closed one.
async fn first_stage(tx: &mut Tx, pid: i64) -> OpResult<(i64, bool)> {
    tx.opt::<(i64, bool)>(
        "SELECT stage_id, (status = 'closed') FROM stages WHERE project_id = $1 \
         ORDER BY display_order, stage_id LIMIT 1",
        params![pid],
    )
    .await?
    .ok_or_else(|| OpError::field("stageId", "The project has no stages."))
}

fn dedup(v: &[i64]) -> Vec<i64> {
    let mut seen = HashSet::new();
    v.iter().copied().filter(|x| seen.insert(*x)).collect()
}

/// How many of `ids` the query `{sql} IN (…)` (with `$1` = project) finds.
async fn count_found(tx: &mut Tx, pid: i64, sql: &str, ids: &[i64]) -> OpResult<usize> {
    if ids.is_empty() {
        return Ok(0);
    }
    let mut params: Vec<Val> = vec![pid.into()];
    params.extend(ids.iter().map(|i| Val::from(*i)));
    let (n,): (i64,) = tx
        .one(
            &format!("{sql} IN ({})", placeholders(2, ids.len())),
            &params,
        )
        .await?;
    Ok(n as usize)
}

/// Checks the text fields, the estimate and the date order of a work item (as it will be
/// stored, so a PATCH of one date is checked against the other, stored one).
fn check_texts(c: &mut Check, f: &Fields) {
    c.name("title", Some(&f.title));
    c.text("description", f.description.as_deref(), TEXT_MAX);
    c.amount("estimatedCost", Some(f.estimated_cost));
    c.date_order(f.start_date.as_deref(), f.due_date.as_deref());
}

#[derive(sqlx::FromRow)]
struct RefsRow {
    importance_level: bool,
    category: bool,
    stage_status: Option<String>,
    board: bool,
    design_element: bool,
    parent: bool,
    board_closed: bool,
}
crate::lite_row!(RefsRow {
    importance_level,
    category,
    stage_status,
    board,
    design_element,
    parent,
    board_closed
});

/// What `check_refs` learns beyond "every reference exists".
struct Refs {
    /// The target stage has status `closed`.
    stage_closed: bool,
    /// The target board is closed (false for the backlog or an unknown board).
    board_closed: bool,
}

/// Checks that every id a work item refers to exists in the project, and reads whether the
/// target stage and board are closed in the same statement.
async fn check_refs(
    tx: &mut Tx,
    c: &mut Check,
    pid: i64,
    id: Option<i64>,
    f: &Fields,
) -> OpResult<Refs> {
    // One statement for every single-id reference (an absent optional one counts as found).
    let parent = f.parent_id.filter(|p| !f.is_story && Some(*p) != id);
    let refs: RefsRow = tx
        .one(
            "SELECT \
             EXISTS (SELECT il.importance_level_id FROM importance_levels il \
                WHERE il.project_id = $1 AND il.importance_level_id = $2) AS importance_level, \
             ($3 IS NULL OR EXISTS (SELECT c.category_id FROM categories c \
                WHERE c.project_id = $1 AND c.category_id = $3)) AS category, \
             (SELECT s.status FROM stages s WHERE s.project_id = $1 AND s.stage_id = $4) AS stage_status, \
             ($5 IS NULL OR EXISTS (SELECT b.id FROM boards b WHERE b.project_id = $1 AND b.id = $5)) AS board, \
             ($6 IS NULL OR EXISTS (SELECT de.design_element_id FROM design_elements de \
                WHERE de.project_id = $1 AND de.design_element_id = $6)) AS design_element, \
             ($7 IS NULL OR EXISTS (SELECT w.work_item_id FROM work_items w \
                WHERE w.project_id = $1 AND w.work_item_id = $7 AND w.is_story)) AS parent, \
             ($5 IS NOT NULL AND EXISTS (SELECT b.id FROM boards b \
                WHERE b.project_id = $1 AND b.id = $5 AND b.closing_date IS NOT NULL)) AS board_closed",
            params![
                pid,
                f.importance_level_id,
                f.category_id,
                f.stage_id,
                f.board_id,
                f.design_element_id,
                parent
            ],
        )
        .await?;
    if !refs.importance_level {
        c.fail("importanceLevelId", "The importance level does not exist.");
    }
    if !refs.category {
        c.fail("categoryId", "The category does not exist.");
    }
    if refs.stage_status.is_none() {
        c.fail("stageId", "The stage does not exist.");
    }
    if !refs.board {
        c.fail("boardId", "The board does not exist.");
    }
    if !refs.design_element {
        c.fail("designElementId", "The design element does not exist.");
    }
    if f.parent_id.is_some() {
        if f.is_story {
            c.fail(
                "parentId",
                "A user story can't belong to another user story.",
            );
        } else if parent.is_none() || !refs.parent {
            c.fail("parentId", "The parent user story does not exist.");
        }
    }
    let tags = dedup(&f.tag_ids);
    if count_found(
        tx,
        pid,
        "SELECT COUNT(*) FROM tags WHERE project_id = $1 AND tag_id",
        &tags,
    )
    .await?
        != tags.len()
    {
        c.fail("tagIds", "A tag does not exist.");
    }
    let users = dedup(&f.user_ids);
    if count_found(
        tx,
        pid,
        "SELECT COUNT(*) FROM project_users WHERE project_id = $1 AND is_active AND user_id",
        &users,
    )
    .await?
        != users.len()
    {
        c.fail("assignedUserIds", "A user is not a member of the project.");
    }
    Ok(Refs {
        stage_closed: refs.stage_status.as_deref() == Some("closed"),
        board_closed: refs.board_closed,
    })
}

/// Sets the item's tags and assignees to exactly `tags` / `users`, keeping existing links.
async fn set_links(
    tx: &mut Tx,
    pid: i64,
    id: i64,
    old: (&[i64], &[i64]),
    tags: &[i64],
    users: &[i64],
    now: &str,
) -> OpResult<()> {
    for t in old.0.iter().filter(|t| !tags.contains(t)) {
        tx.exec(
            "DELETE FROM work_item_tags WHERE project_id = $1 AND work_item_id = $2 AND tag_id = $3",
            params![pid, id, *t],
        )
        .await?;
    }
    for t in tags.iter().filter(|t| !old.0.contains(t)) {
        tx.exec(
            "INSERT INTO work_item_tags (project_id, work_item_id, tag_id) VALUES ($1, $2, $3)",
            params![pid, id, *t],
        )
        .await?;
    }
    for u in old.1.iter().filter(|u| !users.contains(u)) {
        tx.exec(
            "DELETE FROM work_item_users WHERE project_id = $1 AND work_item_id = $2 AND user_id = $3",
            params![pid, id, *u],
        )
        .await?;
    }
    for u in users.iter().filter(|u| !old.1.contains(u)) {
        tx.exec(
            "INSERT INTO work_item_users (project_id, work_item_id, user_id, creation_date) VALUES ($1, $2, $3, $4)",
            params![pid, id, *u, now],
        )
        .await?;
    }
    Ok(())
}

/// A task's assignees are also assigned to its story (BEHAVIOUR.md §8). Returns the
/// `(story, user)` assignments it added (RETURNING only yields the rows actually inserted), so
/// each can be recorded without another statement.
async fn assign_to_story(tx: &mut Tx, pid: i64, id: i64, now: &str) -> OpResult<Vec<(i64, i64)>> {
    Ok(tx
        .all(
            "INSERT INTO work_item_users (project_id, work_item_id, user_id, creation_date) \
             SELECT wu.project_id, w.parent_story_id, wu.user_id, $3 FROM work_item_users wu \
             JOIN work_items w ON w.project_id = wu.project_id AND w.work_item_id = wu.work_item_id \
             WHERE wu.project_id = $1 AND wu.work_item_id = $2 AND w.parent_story_id IS NOT NULL \
             ON CONFLICT DO NOTHING RETURNING work_item_id, user_id",
            params![pid, id, now],
        )
        .await?)
}

/// The category a work item's changes are filed under (user stories: none), so readers who
/// may not see it never see its changes either.
pub(crate) fn category_of(w: &WorkItem) -> Option<i64> {
    if w.is_story {
        None
    } else {
        w.category.as_ref().map(|c| c.category_id)
    }
}

/// Records `event` about the work item `w` (the entity: the item as its GET shows it).
pub(crate) async fn record_item(
    tx: &mut Tx,
    actor: &Actor,
    event: Event,
    w: &WorkItem,
) -> OpResult<()> {
    changes::record(
        tx,
        actor,
        w.project_id,
        event,
        w.work_item_id,
        category_of(w),
        w,
    )
    .await?;
    Ok(())
}

/// Records `workitem.user.assigned|unassigned` once per user; the entity is the work item
/// after the change, the entity id the user (so the feed tells who was (un)assigned).
pub(crate) async fn record_users(
    tx: &mut Tx,
    actor: &Actor,
    event: Event,
    w: &WorkItem,
    users: &[i64],
) -> OpResult<()> {
    for u in users {
        changes::record(tx, actor, w.project_id, event, *u, category_of(w), w).await?;
    }
    Ok(())
}

/// Records the assignments `assign_to_story` added to stories (one load for all stories).
async fn record_story_assignments(
    tx: &mut Tx,
    actor: &Actor,
    m: &Member,
    pid: i64,
    added: &[(i64, i64)],
) -> OpResult<()> {
    if added.is_empty() {
        return Ok(());
    }
    let stories = dedup(&added.iter().map(|a| a.0).collect::<Vec<_>>());
    for story in store::load(tx, pid, &stories, &m.hidden_categories()).await? {
        let users: Vec<i64> = added
            .iter()
            .filter(|a| a.0 == story.work_item_id)
            .map(|a| a.1)
            .collect();
        record_users(tx, actor, Event::WorkItemUserAssigned, &story, &users).await?;
    }
    Ok(())
}

/// Records `event` (`workitem.blocked|unblocked`) for each of `ids`, loaded after the change in
/// one load whatever their number.
pub(crate) async fn record_flips(
    tx: &mut Tx,
    actor: &Actor,
    m: &Member,
    pid: i64,
    ids: &[i64],
    event: Event,
) -> OpResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    for w in store::load(tx, pid, ids, &m.hidden_categories()).await? {
        record_item(tx, actor, event, &w).await?;
    }
    Ok(())
}

/// The item as the member sees it, after a change made through one of its sub-resources.
pub(crate) async fn reload(tx: &mut Tx, m: &Member, id: i64) -> OpResult<WorkItem> {
    reply_item(tx, m, m.project_id, id).await
}

/// The item as the member sees it (story totals without hidden categories).
async fn reply_item(tx: &mut Tx, m: &Member, pid: i64, id: i64) -> OpResult<WorkItem> {
    store::load(tx, pid, &[id], &m.hidden_categories())
        .await?
        .pop()
        .ok_or(OpError::NotFound)
}

async fn module_config(tx: &mut Tx, pid: i64) -> OpResult<ModuleConfig> {
    let (s,): (String,) = tx
        .one(
            "SELECT module_config FROM projects WHERE id = $1",
            params![pid],
        )
        .await?;
    Ok(ModuleConfig::from_stored(&s))
}

/// Inserts a new work item (at the end of its board and design element). Returns its id and
/// the assignments its story gained (`assign_to_story`).
async fn insert(
    tx: &mut Tx,
    pid: i64,
    creator: i64,
    f: &Fields,
    closed: bool,
    now: &str,
) -> OpResult<(i64, Vec<(i64, i64)>)> {
    let id = sequences::next_id(tx, pid, "workitem").await?;
    let board_index = store::end_of(tx, pid, Slot::Board(f.board_id)).await?;
    let de_index = match f.design_element_id {
        Some(d) => store::end_of(tx, pid, Slot::DesignElement(Some(d))).await?,
        None => 0,
    };
    tx.exec(
        "INSERT INTO work_items (project_id, work_item_id, title, description, is_story, parent_story_id, \
         category_id, estimated_cost, importance_level_id, board_id, board_index, design_element_id, \
         design_element_index, stage_id, start_date, due_date, closing_date, creation_date, update_date, creator_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18, $19)",
        params![
            pid,
            id,
            &f.title,
            &f.description,
            f.is_story,
            f.parent_id,
            f.category_id,
            f.estimated_cost,
            f.importance_level_id,
            f.board_id,
            board_index,
            f.design_element_id,
            de_index,
            f.stage_id,
            &f.start_date,
            &f.due_date,
            closed.then(|| now.to_string()),
            now,
            creator
        ],
    )
    .await?;
    set_links(
        tx,
        pid,
        id,
        (&[], &[]),
        &dedup(&f.tag_ids),
        &dedup(&f.user_ids),
        now,
    )
    .await?;
    let story = assign_to_story(tx, pid, id, now).await?;
    store::index_words(tx, pid, id, &f.title, f.description.as_deref()).await?;
    Ok((id, story))
}

/// From this offset on, a page comes from the list's cached ids (`Tx::cached_ids`).
const DEEP_OFFSET: i64 = 1000;

/// Most distinct words a search may combine (README "Limits").
pub const MAX_SEARCH_WORDS: usize = 32;

/// Adds a parameter; returns its placeholder.
fn bind(params: &mut Vec<Val>, v: Val) -> String {
    params.push(v);
    format!("${}", params.len())
}

/// Requested positions of an edit.
struct Positions {
    board_index: Option<i64>,
    design_element_index: Option<i64>,
}

/// Validates `new` against the project and writes it over `cur`.
#[allow(clippy::too_many_arguments)]
async fn apply(
    tx: &mut Tx,
    actor: &Actor,
    m: &Member,
    pid: i64,
    id: i64,
    cur: &Current,
    new: Fields,
    pos: Positions,
) -> OpResult<WorkItem> {
    let mut c = Check::new();
    check_texts(&mut c, &new);
    let refs = check_refs(tx, &mut c, pid, Some(id), &new).await?;
    let closed = refs.stage_closed;
    c.finish()?;
    // Items on a closed board are frozen, and none may join one.
    access::require_open_board(tx, pid, cur.f.board_id).await?;
    if new.board_id != cur.f.board_id {
        access::board_open(refs.board_closed)?;
    }
    if new.stage_id != cur.f.stage_id && cur.is_blocked && !m.is_admin {
        return Err(OpError::Forbidden(
            "The work item is blocked by its dependencies.".into(),
        ));
    }
    let now = model::now();
    let closing_date = match (closed, cur.stage_closed) {
        (true, true) => cur.closing_date.clone(),
        (true, false) => Some(now.clone()),
        (false, _) => None,
    };
    // Only the columns that change: SQLite rewrites every index and fires every `UPDATE OF`
    // trigger of a column named in SET, changed or not.
    let mut set: Vec<String> = Vec::new();
    let mut params: Vec<Val> = Vec::new();
    let mut put = |col: &str, changed: bool, v: Val| {
        if changed {
            params.push(v);
            set.push(format!("{col} = ${}", params.len()));
        }
    };
    let old = &cur.f;
    put("title", new.title != old.title, (&new.title).into());
    put(
        "description",
        new.description != old.description,
        (&new.description).into(),
    );
    put(
        "is_story",
        new.is_story != old.is_story,
        new.is_story.into(),
    );
    put(
        "parent_story_id",
        new.parent_id != old.parent_id,
        new.parent_id.into(),
    );
    put(
        "category_id",
        new.category_id != old.category_id,
        new.category_id.into(),
    );
    put(
        "estimated_cost",
        new.estimated_cost.to_bits() != old.estimated_cost.to_bits(),
        new.estimated_cost.into(),
    );
    put(
        "importance_level_id",
        new.importance_level_id != old.importance_level_id,
        new.importance_level_id.into(),
    );
    put(
        "board_id",
        new.board_id != old.board_id,
        new.board_id.into(),
    );
    put(
        "design_element_id",
        new.design_element_id != old.design_element_id,
        new.design_element_id.into(),
    );
    put(
        "start_date",
        new.start_date != old.start_date,
        (&new.start_date).into(),
    );
    put(
        "due_date",
        new.due_date != old.due_date,
        (&new.due_date).into(),
    );
    put(
        "stage_id",
        new.stage_id != old.stage_id,
        new.stage_id.into(),
    );
    put(
        "closing_date",
        closing_date != cur.closing_date,
        (&closing_date).into(),
    );
    put("update_date", true, (&now).into());
    let n = params.len();
    params.push(pid.into());
    params.push(id.into());
    tx.exec(
        &format!(
            "UPDATE work_items SET {} WHERE project_id = ${} AND work_item_id = ${}",
            set.join(", "),
            n + 1,
            n + 2
        ),
        &params,
    )
    .await?;
    if cur.f.is_story && !new.is_story {
        tx.exec(
            "UPDATE work_items SET parent_story_id = NULL WHERE project_id = $1 AND parent_story_id = $2",
            params![pid, id],
        )
        .await?;
    }
    if new.board_id != cur.f.board_id {
        store::renumber(tx, pid, Slot::Board(cur.f.board_id), id, None).await?;
        let at = pos.board_index.unwrap_or(i64::MAX);
        store::renumber(tx, pid, Slot::Board(new.board_id), id, Some(at)).await?;
    } else if let Some(at) = pos.board_index
        && at != cur.board_index
    {
        store::renumber(tx, pid, Slot::Board(new.board_id), id, Some(at)).await?;
    }
    if new.design_element_id != cur.f.design_element_id {
        if cur.f.design_element_id.is_some() {
            let old = Slot::DesignElement(cur.f.design_element_id);
            store::renumber(tx, pid, old, id, None).await?;
        }
        let at = match new.design_element_id {
            Some(_) => pos.design_element_index.unwrap_or(i64::MAX),
            None => 0,
        };
        if new.design_element_id.is_some() {
            let slot = Slot::DesignElement(new.design_element_id);
            store::renumber(tx, pid, slot, id, Some(at)).await?;
        } else {
            tx.exec(
                "UPDATE work_items SET design_element_index = 0 WHERE project_id = $1 AND work_item_id = $2",
                params![pid, id],
            )
            .await?;
        }
    } else if let (Some(at), Some(_)) = (pos.design_element_index, new.design_element_id)
        && at != cur.design_element_index
    {
        let slot = Slot::DesignElement(new.design_element_id);
        store::renumber(tx, pid, slot, id, Some(at)).await?;
    }
    let users = dedup(&new.user_ids);
    set_links(
        tx,
        pid,
        id,
        (&cur.f.tag_ids, &cur.f.user_ids),
        &dedup(&new.tag_ids),
        &users,
        &now,
    )
    .await?;
    let story = assign_to_story(tx, pid, id, &now).await?;
    if new.title != cur.f.title || new.description != cur.f.description {
        store::index_words(tx, pid, id, &new.title, new.description.as_deref()).await?;
    }
    let item = reply_item(tx, m, pid, id).await?;
    // The change log: the edit itself (a stage change too), each assignment added or removed,
    // then the successors whose blocked state followed this item's stage.
    record_item(tx, actor, Event::WorkItemUpdated, &item).await?;
    let added: Vec<i64> = users
        .iter()
        .copied()
        .filter(|u| !cur.f.user_ids.contains(u))
        .collect();
    let removed: Vec<i64> = cur
        .f
        .user_ids
        .iter()
        .copied()
        .filter(|u| !users.contains(u))
        .collect();
    record_users(tx, actor, Event::WorkItemUserAssigned, &item, &added).await?;
    record_users(tx, actor, Event::WorkItemUserUnassigned, &item, &removed).await?;
    record_story_assignments(tx, actor, m, pid, &story).await?;
    if item.resolves() != cur.stage_resolves {
        let flipped = blocked_only_by(tx, pid, id, None).await?;
        let event = if item.resolves() {
            Event::WorkItemUnblocked
        } else {
            Event::WorkItemBlocked
        };
        record_flips(tx, actor, m, pid, &flipped, event).await?;
    }
    Ok(item)
}

/// A page of the project's work items matching `q` (filters, search terms, sort), as the
/// member sees them, with the total count.
pub async fn search(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    q: &SearchQuery,
    paging: Paging,
) -> OpResult<Paged<WorkItem>> {
    let desc = match q
        .sort_mode
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(_) => return Err(OpError::field("sortMode", "The sort mode is invalid.")),
    };
    let sort = match q
        .sort_field
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("id") => "w.work_item_id",
        Some("name") | Some("title") => "LOWER(w.title)",
        Some("duedate") => "w.due_date",
        Some("updatedate") => "w.update_date",
        Some("closingdate") => "w.closing_date",
        Some("board") => "w.board_id",
        Some("designelement") => {
            "(SELECT LOWER(de.name) FROM design_elements de WHERE de.project_id = w.project_id AND de.design_element_id = w.design_element_id)"
        }
        Some("stage") => {
            "(SELECT st.display_order FROM stages st WHERE st.project_id = w.project_id AND st.stage_id = w.stage_id)"
        }
        Some("category") => {
            "(SELECT LOWER(ct.name) FROM categories ct WHERE ct.project_id = w.project_id AND ct.category_id = w.category_id)"
        }
        Some("importancelevel") => "w.importance_level_id",
        Some(_) => return Err(OpError::field("sortField", "The sort field is invalid.")),
    };
    // PostgreSQL refuses NUL in text (a 500 otherwise); strings with NUL are a 400 everywhere.
    if q.search_terms.as_deref().is_some_and(|t| t.contains('\0')) {
        return Err(OpError::field(
            "searchTerms",
            "The search terms may not contain NUL characters.",
        ));
    }

    let m = access::member(tx, actor, pid, Scope::WorkItemsRead).await?;

    let mut conds: Vec<String> = vec!["w.project_id = $1".into()];
    let mut params: Vec<Val> = vec![pid.into()];
    let hidden = m.hidden_categories();
    // The total comes from the running totals when every filter is one they are keyed on.
    let tally = store::TallyFilter {
        category: match q.category_id {
            Some(-1) => Some(None),
            c => c.map(Some),
        },
        stage_id: q.stage_id,
        importance_level_id: q.importance_level_id,
    };
    let tallied = q.board_id.is_none()
        && q.milestone_id.is_none()
        && q.user_id.is_none()
        && q.design_element_id.is_none()
        && q.parent_story_id.is_none()
        && q.category_id != Some(0)
        && q.search_terms
            .as_deref()
            .is_none_or(|t| t.trim().is_empty());
    if !hidden.is_empty() {
        let list: Vec<String> = hidden
            .iter()
            .map(|c| bind(&mut params, (*c).into()))
            .collect();
        conds.push(format!(
            "(w.category_id IS NULL OR w.category_id NOT IN ({}))",
            list.join(", ")
        ));
    }
    match q.board_id {
        Some(0) => conds.push("w.board_id IS NULL".into()),
        Some(b) => conds.push(format!("w.board_id = {}", bind(&mut params, b.into()))),
        None => {}
    }
    if let Some(ms) = q.milestone_id {
        conds.push(format!(
            "w.board_id IN (SELECT b.id FROM boards b WHERE b.project_id = $1 AND b.milestone_id = {})",
            bind(&mut params, ms.into())
        ));
    }
    match q.category_id {
        Some(-1) => conds.push("w.is_story".into()),
        Some(c) => conds.push(format!("w.category_id = {}", bind(&mut params, c.into()))),
        None => {}
    }
    if let Some(u) = q.user_id {
        conds.push(format!(
            "w.work_item_id IN (SELECT wu.work_item_id FROM work_item_users wu \
             WHERE wu.project_id = $1 AND wu.user_id = {})",
            bind(&mut params, u.into())
        ));
    }
    match q.design_element_id {
        Some(0) => conds.push("w.design_element_id IS NULL".into()),
        Some(d) => conds.push(format!(
            "w.design_element_id = {}",
            bind(&mut params, d.into())
        )),
        None => {}
    }
    if let Some(st) = q.stage_id {
        conds.push(format!("w.stage_id = {}", bind(&mut params, st.into())));
    }
    if let Some(il) = q.importance_level_id {
        conds.push(format!(
            "w.importance_level_id = {}",
            bind(&mut params, il.into())
        ));
    }
    match q.parent_story_id {
        Some(0) => conds.push("w.parent_story_id IS NULL".into()),
        Some(p) => conds.push(format!(
            "w.parent_story_id = {}",
            bind(&mut params, p.into())
        )),
        None => {}
    }
    // Each term: every word of it is a prefix of a word of the item (the database's full-text
    // index, store::search), then, for terms that are more than one word (`mid-air`, `100%`),
    // the whole term appears in the lowered title + description. A one-word term needs no second
    // check: a prefix of a word is in the text, and SQLite's LOWER folds ASCII only, which would
    // miss `Ärger` for `ärger`. Bounded so the statement stays small on both backends: at most
    // MAX_SEARCH_WORDS distinct words over all terms.
    let mut terms: Vec<String> = Vec::new();
    for t in q
        .search_terms
        .as_deref()
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_lowercase)
    {
        if !terms.contains(&t) {
            terms.push(t);
        }
    }
    let word_count: usize = terms.iter().map(|t| store::words(t).len()).sum();
    if word_count > MAX_SEARCH_WORDS || terms.len() > MAX_SEARCH_WORDS {
        return Err(OpError::field(
            "searchTerms",
            format!("At most {MAX_SEARCH_WORDS} search words are allowed."),
        ));
    }
    let filtered = conds.len() > 1;
    let mut search_words: Vec<String> = Vec::new();
    let mut phrases: Vec<String> = Vec::new();
    for term in terms {
        let words = store::words(&term);
        let one_word = words.len() == 1 && words[0] == term;
        for w in words {
            if !search_words.contains(&w) {
                search_words.push(w);
            }
        }
        if one_word {
            continue;
        }
        let pattern = format!(
            "%{}%",
            term.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        phrases.push(format!(
            "LOWER(w.title || ' ' || COALESCE(w.description, '')) LIKE {} ESCAPE '\\'",
            bind(&mut params, pattern.into())
        ));
    }
    let matcher = if search_words.is_empty() {
        None
    } else {
        match search::Matcher::bind(tx, &search_words, &mut params).await? {
            Some(m) => Some(m),
            // A word that starts no indexed word: nothing matches.
            None => {
                return Ok(Paged {
                    total_count: 0,
                    offset: paging.offset,
                    limit: paging.limit,
                    items: Vec::new(),
                });
            }
        }
    };
    // The conditions besides the search itself (the id-order walk below replaces that one).
    let other_sql = conds
        .iter()
        .chain(&phrases)
        .cloned()
        .collect::<Vec<_>>()
        .join(" AND ");
    if let Some(m) = &matcher {
        conds.push(m.condition());
    }
    conds.extend(phrases.iter().cloned());
    let where_sql = conds.join(" AND ");

    // NULLs sort as the largest value on both backends; `desc` is the exact reverse of `asc`.
    let dir = if desc { "DESC" } else { "ASC" };
    // A search and nothing else, in id order (PostgreSQL): the page and the count in one
    // statement (`Matcher::page_with_count`).
    if let Some(m) = &matcher
        && !filtered
        && phrases.is_empty()
        && sort == "w.work_item_id"
    {
        let mut p = params.clone();
        let limit = bind(&mut p, paging.limit.into());
        let offset = bind(&mut p, paging.offset.into());
        if let Some(sql) = m.page_with_count(dir, &limit, &offset) {
            let rows: Vec<(i64, i64)> = tx.all(&sql, &p).await?;
            let total = match rows.first() {
                Some(r) => r.1,
                None => tx.one::<(i64,)>(&m.count_sql(), &params).await?.0,
            };
            let ids: Vec<i64> = rows.into_iter().map(|r| r.0).collect();
            return Ok(Paged {
                total_count: total,
                offset: paging.offset,
                limit: paging.limit,
                items: store::load(tx, pid, &ids, &hidden).await?,
            });
        }
    }
    // Counted from the running totals when only their columns filter (never with a search);
    // a search and nothing else is counted in its index alone.
    let total = if tallied {
        store::tally_count(tx, pid, &hidden, &tally).await?
    } else {
        let count_sql = match &matcher {
            Some(m) if !filtered && phrases.is_empty() => m.count_sql(),
            _ => format!("SELECT COUNT(*) FROM work_items w WHERE {where_sql}"),
        };
        let (total,): (i64,) = tx.one(&count_sql, &params).await?;
        total
    };
    // Only nullable sort keys need the NULLs-last term; leaving it out for the NOT NULL ones
    // (id, title, update date) lets the default order walk the primary key instead of sorting.
    let nulls = if ["w.work_item_id", "w.update_date"].contains(&sort)
        || sort.starts_with("LOWER(w.title")
    {
        String::new()
    } else {
        format!("({sort} IS NULL) {dir}, ")
    };
    // The id breaks ties; written twice when it is the sort key, SQLite's planner sorts the
    // rows an index already returns in order.
    let tie = if sort == "w.work_item_id" {
        String::new()
    } else {
        format!(", w.work_item_id {dir}")
    };
    // In id order, a search walks its index in id order and stops at the page's end.
    let walk = matcher
        .as_ref()
        .filter(|_| sort == "w.work_item_id")
        .and_then(|m| m.walk_in_id_order());
    let list_sql = match walk {
        Some((from, on)) => format!(
            "SELECT w.work_item_id FROM {from} WHERE {on} AND {other_sql} ORDER BY f.rowid {dir}"
        ),
        None => format!(
            "SELECT w.work_item_id FROM work_items w WHERE {where_sql} \
             ORDER BY {nulls}{sort} {dir}{tie}"
        ),
    };
    // Deep pages slice the list's cached ids (store::lite::Lists) instead of walking OFFSET
    // entries again on every page.
    let cached = if paging.offset >= DEEP_OFFSET {
        tx.cached_ids(&list_sql, &params).await?
    } else {
        None
    };
    let ids: Vec<i64> = match cached {
        Some(all) => {
            let from = usize::try_from(paging.offset)
                .unwrap_or(usize::MAX)
                .min(all.len());
            let to = from
                .saturating_add(usize::try_from(paging.limit).unwrap_or(0))
                .min(all.len());
            all[from..to].to_vec()
        }
        None => {
            let limit = bind(&mut params, paging.limit.into());
            let offset = bind(&mut params, paging.offset.into());
            let page_sql = format!("{list_sql} {}", crate::store::limit_offset(&limit, &offset));
            let ids: Vec<(i64,)> = tx.all(&page_sql, &params).await?;
            ids.into_iter().map(|r| r.0).collect()
        }
    };
    let items = store::load(tx, pid, &ids, &hidden).await?;
    Ok(Paged {
        total_count: total,
        offset: paging.offset,
        limit: paging.limit,
        items,
    })
}

/// Creates a work item in the project's first stage, at the end of its board (`query_board_id`:
/// the board named outside the body, which `boardId` in the body overrides).
pub async fn create(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    query_board_id: Option<i64>,
    v: CreateWorkItemValues,
) -> OpResult<WorkItem> {
    let importance_level_id = v.importance_level_id.ok_or_else(invalid_values)?;
    let m = access::member(tx, actor, pid, Scope::WorkItemsWrite).await?;
    m.require_not_guest()?;
    let is_story = v.is_story.unwrap_or(false);
    let category_id = match (is_story, v.category_id) {
        (true, _) => None,
        (false, Some(c)) => Some(c),
        (false, None) => first_category(tx, pid).await?,
    };
    m.require(m.can_write_category(category_id))?;

    let mut c = Check::new();
    c.name("title", v.title.as_deref());
    c.amount("estimatedCost", v.estimated_cost);
    let start_date = c.date("startDate", v.start_date.as_deref());
    let due_date = c.date("dueDate", v.due_date.as_deref());
    let sub_tasks = v.sub_tasks.clone().unwrap_or_default();
    for t in &sub_tasks {
        c.name("subTasks", Some(t));
    }
    let (stage_id, closed) = first_stage(tx, pid).await?;
    let f = Fields {
        title: v.title.as_deref().unwrap_or_default().trim().to_string(),
        description: v.description.clone(),
        is_story,
        parent_id: v.parent_id,
        category_id,
        estimated_cost: v.estimated_cost.unwrap_or(0.0),
        importance_level_id,
        board_id: v.board_id.or(query_board_id).filter(|b| *b != 0),
        design_element_id: v.design_element_id,
        start_date,
        due_date,
        stage_id,
        tag_ids: v.tag_ids.clone().unwrap_or_default(),
        user_ids: v.assigned_user_ids.clone().unwrap_or_default(),
    };
    check_texts(&mut c, &f);
    let refs = check_refs(tx, &mut c, pid, None, &f).await?;
    access::board_open(refs.board_closed)?;
    let deps = dedup(&v.dependency_ids.clone().unwrap_or_default());
    if count_found(
        tx,
        pid,
        "SELECT COUNT(*) FROM work_items WHERE project_id = $1 AND work_item_id",
        &deps,
    )
    .await?
        != deps.len()
    {
        c.fail("dependencyIds", "A work item does not exist.");
    } else if !deps.is_empty() {
        // A predecessor the caller cannot see is as unknown as a missing one.
        let mut params: Vec<Val> = vec![pid.into()];
        params.extend(deps.iter().map(|d| Val::from(*d)));
        let cats: Vec<(Option<i64>,)> = tx
            .all(
                &format!(
                    "SELECT category_id FROM work_items WHERE project_id = $1 AND work_item_id IN ({})",
                    placeholders(2, deps.len())
                ),
                &params,
            )
            .await?;
        if cats.iter().any(|(cat,)| !m.can_read_category(*cat)) {
            c.fail("dependencyIds", "A work item does not exist.");
        }
    }
    let mc = module_config(tx, pid).await?;
    let forced = [
        (
            mc.force_work_item_design_element && f.design_element_id.is_none(),
            "designElementId",
        ),
        (mc.force_work_item_board && f.board_id.is_none(), "boardId"),
        (
            mc.force_work_item_estimated_cost && v.estimated_cost.is_none(),
            "estimatedCost",
        ),
        (
            mc.force_work_item_due_date && f.due_date.is_none(),
            "dueDate",
        ),
        (
            mc.force_work_item_description
                && f.description.as_deref().is_none_or(|d| d.trim().is_empty()),
            "description",
        ),
        (
            mc.force_work_item_user && f.user_ids.is_empty(),
            "assignedUserIds",
        ),
        (mc.force_work_item_tag && f.tag_ids.is_empty(), "tagIds"),
    ];
    for (missing, field) in forced {
        if missing {
            c.fail(field, format!("The {field} is required."));
        }
    }
    c.finish()?;

    let now = model::now();
    let (id, story) = insert(tx, pid, actor.user_id, &f, closed, &now).await?;
    for (i, t) in sub_tasks.iter().enumerate() {
        tx.exec(
            "INSERT INTO sub_tasks (project_id, work_item_id, sub_task_id, title, is_completed, creation_date) \
             VALUES ($1, $2, $3, $4, FALSE, $5)",
            params![pid, id, i as i64 + 1, t.trim(), &now],
        )
        .await?;
    }
    tx.exec(
        "UPDATE work_items SET last_sub_task_id = $1 WHERE project_id = $2 AND work_item_id = $3",
        params![sub_tasks.len() as i64, pid, id],
    )
    .await?;
    for d in deps {
        tx.exec(
            "INSERT INTO dependencies (project_id, work_item_id, depends_on_id, creation_date) VALUES ($1, $2, $3, $4)",
            params![pid, id, d, &now],
        )
        .await?;
    }
    let item = reply_item(tx, &m, pid, id).await?;
    record_item(tx, actor, Event::WorkItemCreated, &item).await?;
    record_users(
        tx,
        actor,
        Event::WorkItemUserAssigned,
        &item,
        &dedup(&f.user_ids),
    )
    .await?;
    record_story_assignments(tx, actor, &m, pid, &story).await?;
    Ok(item)
}

/// The work item, if the caller may see it.
pub async fn get(tx: &mut Tx, actor: &Actor, pid: i64, id: i64) -> OpResult<WorkItem> {
    let m = access::member(tx, actor, pid, Scope::WorkItemsRead).await?;
    let item = reply_item(tx, &m, pid, id).await?;
    let category = item.category.as_ref().map(|c| c.category_id);
    if !item.is_story && !m.can_read_category(category) {
        return Err(OpError::NotFound);
    }
    Ok(item)
}

/// Clones a work item into the first stage, on `board_id` (0: the backlog; `None`: the
/// source's board).
pub async fn clone(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    id: i64,
    board_id: Option<i64>,
) -> OpResult<WorkItem> {
    let m = access::member(tx, actor, pid, Scope::WorkItemsWrite).await?;
    store::lock_project(tx, pid).await?;
    let cur = visible(tx, &m, pid, id).await?;
    m.require(m.can_write_category(cur.f.category_id))?;
    let mut f = cur.f.clone();
    if let Some(b) = board_id {
        f.board_id = (b != 0).then_some(b);
        if let Some(b) = f.board_id
            && !tx
                .exists(
                    "SELECT id FROM boards WHERE project_id = $1 AND id = $2",
                    params![pid, b],
                )
                .await?
        {
            return Err(OpError::field("boardId", "The board does not exist."));
        }
    }
    access::require_open_board(tx, pid, f.board_id).await?;
    let (stage_id, closed) = first_stage(tx, pid).await?;
    f.stage_id = stage_id;
    let now = model::now();
    let (new_id, story) = insert(tx, pid, actor.user_id, &f, closed, &now).await?;
    tx.exec(
        "INSERT INTO sub_tasks (project_id, work_item_id, sub_task_id, title, is_completed, creation_date) \
         SELECT project_id, $3, sub_task_id, title, is_completed, $4 FROM sub_tasks \
         WHERE project_id = $1 AND work_item_id = $2",
        params![pid, id, new_id, &now],
    )
    .await?;
    tx.exec(
        "UPDATE work_items SET last_sub_task_id = $1 WHERE project_id = $2 AND work_item_id = $3",
        params![cur.last_sub_task_id, pid, new_id],
    )
    .await?;
    let item = reply_item(tx, &m, pid, new_id).await?;
    record_item(tx, actor, Event::WorkItemCreated, &item).await?;
    record_users(
        tx,
        actor,
        Event::WorkItemUserAssigned,
        &item,
        &dedup(&f.user_ids),
    )
    .await?;
    record_story_assignments(tx, actor, &m, pid, &story).await?;
    Ok(item)
}

/// Replaces the work item's editable fields; omitted optional fields become null.
pub async fn update(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    id: i64,
    v: UpdateWorkItemValues,
) -> OpResult<WorkItem> {
    let m = access::member(tx, actor, pid, Scope::WorkItemsWrite).await?;
    store::lock_project(tx, pid).await?;
    let cur = visible(tx, &m, pid, id).await?;
    let is_story = v.is_story.unwrap_or(cur.f.is_story);
    let category_id = match (is_story, v.category_id.or(cur.f.category_id)) {
        (true, _) => None,
        (false, Some(c)) => Some(c),
        (false, None) => first_category(tx, pid).await?,
    };
    m.require(m.can_write_category(cur.f.category_id) && m.can_write_category(category_id))?;
    let mut c = Check::new();
    let start_date = c.date("startDate", v.start_date.as_deref());
    let due_date = c.date("dueDate", v.due_date.as_deref());
    c.name("title", v.title.as_deref());
    c.amount("estimatedCost", v.estimated_cost);
    c.finish()?;
    let new = Fields {
        title: v.title.as_deref().unwrap_or_default().trim().to_string(),
        description: v.description,
        is_story,
        parent_id: v.parent_id,
        category_id,
        estimated_cost: v.estimated_cost.unwrap_or(0.0),
        importance_level_id: v.importance_level_id.unwrap_or(cur.f.importance_level_id),
        board_id: v.board_id.filter(|b| *b != 0),
        design_element_id: v.design_element_id,
        start_date,
        due_date,
        stage_id: v.stage_id.unwrap_or(cur.f.stage_id),
        tag_ids: v.tag_ids.unwrap_or_default(),
        user_ids: v.assigned_user_ids.unwrap_or_default(),
    };
    let pos = Positions {
        board_index: v.board_index,
        design_element_index: v.design_element_index,
    };
    apply(tx, actor, &m, pid, id, &cur, new, pos).await
}

/// Changes the fields present.
pub async fn patch(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    id: i64,
    v: PatchWorkItemValues,
) -> OpResult<WorkItem> {
    let m = access::member(tx, actor, pid, Scope::WorkItemsWrite).await?;
    store::lock_project(tx, pid).await?;
    let cur = visible(tx, &m, pid, id).await?;
    let is_story = v.is_story.unwrap_or(cur.f.is_story);
    let category_id = match (is_story, v.category_id.unwrap_or(cur.f.category_id)) {
        (true, _) => None,
        (false, Some(c)) => Some(c),
        (false, None) => first_category(tx, pid).await?,
    };
    let may_write = m.can_write_category(cur.f.category_id) && m.can_write_category(category_id);
    let may_move = v.only_moves()
        && m.can_update_category(cur.f.category_id)
        && cur.f.user_ids.contains(&m.user_id);
    m.require(may_write || may_move)?;

    let mut c = Check::new();
    let date =
        |c: &mut Check, field: &str, v: &Option<Option<String>>, old: &Option<String>| match v {
            None => old.clone(),
            Some(None) => None,
            Some(Some(s)) => c.date(field, Some(s)),
        };
    let start_date = date(&mut c, "startDate", &v.start_date, &cur.f.start_date);
    let due_date = date(&mut c, "dueDate", &v.due_date, &cur.f.due_date);
    if let Some(t) = &v.title {
        c.name("title", t.as_deref());
    }
    c.amount("estimatedCost", v.estimated_cost);
    c.finish()?;
    let new = Fields {
        title: match &v.title {
            Some(Some(t)) => t.trim().to_string(),
            _ => cur.f.title.clone(),
        },
        description: v.description.clone().unwrap_or(cur.f.description.clone()),
        is_story,
        parent_id: v.parent_id.unwrap_or(cur.f.parent_id),
        category_id,
        estimated_cost: v.estimated_cost.unwrap_or(cur.f.estimated_cost),
        importance_level_id: v.importance_level_id.unwrap_or(cur.f.importance_level_id),
        board_id: v.board_id.unwrap_or(cur.f.board_id).filter(|b| *b != 0),
        design_element_id: v.design_element_id.unwrap_or(cur.f.design_element_id),
        start_date,
        due_date,
        stage_id: v.stage_id.unwrap_or(cur.f.stage_id),
        tag_ids: match &v.tag_ids {
            None => cur.f.tag_ids.clone(),
            Some(t) => t.clone().unwrap_or_default(),
        },
        user_ids: match &v.assigned_user_ids {
            None => cur.f.user_ids.clone(),
            Some(u) => u.clone().unwrap_or_default(),
        },
    };
    let pos = Positions {
        board_index: v.board_index,
        design_element_index: v.design_element_index,
    };
    apply(tx, actor, &m, pid, id, &cur, new, pos).await
}

/// Deletes a work item with its sub-tasks, comments, work logs, links and dependencies.
pub async fn delete(tx: &mut Tx, actor: &Actor, pid: i64, id: i64) -> OpResult<()> {
    let m = access::member(tx, actor, pid, Scope::WorkItemsWrite).await?;
    store::lock_project(tx, pid).await?;
    let cur = visible(tx, &m, pid, id).await?;
    m.require(m.can_write_category(cur.f.category_id))?;
    access::require_open_board(tx, pid, cur.f.board_id).await?;
    // The entity as it was, and the successors it alone was blocking (its dependency rows go
    // with it, so they are unblocked once it is gone).
    let before = reply_item(tx, &m, pid, id).await?;
    let freed = if before.resolves() {
        Vec::new()
    } else {
        blocked_only_by(tx, pid, id, None).await?
    };
    for sql in [
        "UPDATE work_items SET parent_story_id = NULL WHERE project_id = $1 AND parent_story_id = $2",
        "DELETE FROM work_items WHERE project_id = $1 AND work_item_id = $2",
    ] {
        tx.exec(sql, params![pid, id]).await?;
    }
    store::renumber(tx, pid, Slot::Board(cur.f.board_id), id, None).await?;
    if cur.f.design_element_id.is_some() {
        let slot = Slot::DesignElement(cur.f.design_element_id);
        store::renumber(tx, pid, slot, id, None).await?;
    }
    record_item(tx, actor, Event::WorkItemDeleted, &before).await?;
    record_flips(tx, actor, &m, pid, &freed, Event::WorkItemUnblocked).await?;
    Ok(())
}

/// The items that depend on `pred` and on no other unresolved item (only `only`, when given):
/// their `isBlocked` follows `pred` alone, so they flip when `pred` resolves, unresolves or goes
/// away. One statement whatever the number of successors.
pub(crate) async fn blocked_only_by(
    tx: &mut Tx,
    pid: i64,
    pred: i64,
    only: Option<i64>,
) -> OpResult<Vec<i64>> {
    let rows: Vec<(i64,)> = tx
        .all(
            "SELECT d.work_item_id FROM dependencies d \
             WHERE d.project_id = $1 AND d.depends_on_id = $2 AND ($3 IS NULL OR d.work_item_id = $3) \
             AND NOT EXISTS (SELECT o.depends_on_id FROM dependencies o \
                JOIN work_items pw ON pw.project_id = o.project_id AND pw.work_item_id = o.depends_on_id \
                JOIN stages ps ON ps.project_id = pw.project_id AND ps.stage_id = pw.stage_id \
                WHERE o.project_id = d.project_id AND o.work_item_id = d.work_item_id \
                AND o.depends_on_id <> $2 AND ps.status <> 'closed' AND NOT ps.is_unblocker) \
             ORDER BY d.work_item_id",
            params![pid, pred, only],
        )
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}
