//! Loading work items with everything they nest, and keeping the search index and board
//! positions in shape.
//!
//! `load` reads the items' own rows in one statement: the columns of `work_items` (the lists
//! of tag and assignee ids, `has_dependencies` and the logged cost are columns the triggers of
//! migrations 0007 and 0009 keep), `is_blocked` only for items with dependencies, the story
//! sums only for stories, and the versions of the project's reference rows. Categories, stages, importance levels, boards, tags, project users
//! and users come from the in-memory cache of `refs` (see the rule there). Then one statement
//! for the design elements, only when some item has one, and one for card pictures, only when
//! some item has one. A page of 20 items and a single GET run the same statements, except that
//! PostgreSQL reads a single item's row without the subqueries first (see `DERIVED_SKIPPED`).

use std::collections::HashMap;

use super::{DbResult, Tx, Val, placeholders};
use crate::model::{Category, Shared, WorkItem, design_elements_by_id_with};
use crate::params;

mod refs;

#[derive(sqlx::FromRow)]
struct ItemRow {
    project_id: i64,
    work_item_id: i64,
    parent_story_id: Option<i64>,
    is_story: bool,
    title: String,
    description: Option<String>,
    category_id: Option<i64>,
    stage_id: i64,
    importance_level_id: i64,
    creator_id: i64,
    board_id: Option<i64>,
    estimated_cost: f64,
    logged_cost: f64,
    board_index: i64,
    design_element_id: Option<i64>,
    design_element_index: i64,
    start_date: Option<String>,
    due_date: Option<String>,
    update_date: String,
    closing_date: Option<String>,
    creation_date: String,
    picture_id: Option<i64>,
    has_dependencies: bool,
    story_estimated: f64,
    story_logged: f64,
    is_blocked: bool,
    /// Comma-separated tag ids (any order).
    tag_list: Option<String>,
    /// Comma-separated `creation_date/user_id` of the assignments (any order).
    user_list: Option<String>,
    ref_version: Option<i64>,
    users_version: Option<i64>,
}
crate::lite_row!(ItemRow {
    project_id,
    work_item_id,
    parent_story_id,
    is_story,
    title,
    description,
    category_id,
    stage_id,
    importance_level_id,
    creator_id,
    board_id,
    estimated_cost,
    logged_cost,
    board_index,
    design_element_id,
    design_element_index,
    start_date,
    due_date,
    update_date,
    closing_date,
    creation_date,
    picture_id,
    has_dependencies,
    story_estimated,
    story_logged,
    is_blocked,
    tag_list,
    user_list,
    ref_version,
    users_version,
});

/// An item's own columns (and the versions of the project's reference rows). `{DERIVED}`: the
/// three computed columns, `DERIVED` or `DERIVED_SKIPPED`.
const ITEM_SELECT: &str = "SELECT w.project_id, w.work_item_id, w.parent_story_id, w.is_story, \
     w.title, w.description, w.category_id, w.stage_id, w.importance_level_id, w.creator_id, \
     w.board_id, w.estimated_cost, w.logged_cost, w.board_index, w.design_element_id, \
     w.design_element_index, w.start_date, w.due_date, w.update_date, w.closing_date, \
     w.creation_date, w.picture_id, w.has_dependencies, w.tag_list, w.user_list, {DERIVED}, \
     (SELECT v.version FROM ref_versions v WHERE v.id = $1) AS ref_version, \
     (SELECT v.version FROM ref_versions v WHERE v.id = 0) AS users_version \
     FROM work_items w";

/// The per-row subqueries run only for the rows that need them (CASE evaluates its branch only
/// when taken, on both backends): story sums for stories, `is_blocked` for items with
/// dependencies. `{HIDDEN}`: the hidden-category filter of the story sums.
const DERIVED: &str = "CASE WHEN w.is_story THEN (SELECT COALESCE(SUM(ch.estimated_cost), 0.0) \
        FROM work_items ch \
        WHERE ch.project_id = w.project_id AND ch.parent_story_id = w.work_item_id{HIDDEN}) ELSE 0.0 END \
        AS story_estimated, \
     CASE WHEN w.is_story THEN (SELECT COALESCE(SUM(ch.logged_cost), 0.0) \
        FROM work_items ch WHERE ch.project_id = w.project_id AND ch.parent_story_id = w.work_item_id{HIDDEN}) \
        ELSE 0.0 END AS story_logged, \
     CASE WHEN w.has_dependencies THEN EXISTS (SELECT d.depends_on_id FROM dependencies d \
        JOIN work_items pw ON pw.project_id = d.project_id AND pw.work_item_id = d.depends_on_id \
        JOIN stages ps ON ps.project_id = pw.project_id AND ps.stage_id = pw.stage_id \
        WHERE d.project_id = w.project_id AND d.work_item_id = w.work_item_id \
        AND ps.status <> 'closed' AND NOT ps.is_unblocker) ELSE FALSE END AS is_blocked";

/// `DERIVED` for an item that is neither a story nor has dependencies. PostgreSQL sets up
/// every subquery of a statement on each execution, taken or not (it opens and locks each
/// table they read): for a single item, that was a third of the backend's CPU per GET.
const DERIVED_SKIPPED: &str = "CAST(0 AS DOUBLE PRECISION) AS story_estimated, \
     CAST(0 AS DOUBLE PRECISION) AS story_logged, FALSE AS is_blocked";

/// Tag ids in tag-id order.
fn tag_ids(list: Option<&str>) -> Vec<i64> {
    let mut ids: Vec<i64> = list
        .unwrap_or("")
        .split(',')
        .filter_map(|t| t.parse().ok())
        .collect();
    ids.sort_unstable();
    ids
}

/// Assignee ids in assignment order (creation date, then user id).
fn user_ids(list: Option<&str>) -> Vec<i64> {
    let mut links: Vec<(&str, i64)> = list
        .unwrap_or("")
        .split(',')
        .filter_map(|l| {
            let (date, id) = l.rsplit_once('/')?;
            Some((date, id.parse().ok()?))
        })
        .collect();
    links.sort_unstable();
    links.into_iter().map(|l| l.1).collect()
}

/// The work items `ids` of the project, in the order given; unknown ids are skipped, as the
/// member sees them: `hidden` (the categories the caller cannot read, `Member::hidden_categories`)
/// are left out of a story's `storyTasksEstimatedCost` / `storyTasksLoggedCost` and of the counts
/// of the nested design elements. Same statement count: the filters are part of the queries.
pub async fn load(
    tx: &mut Tx,
    project_id: i64,
    ids: &[i64],
    hidden: &[i64],
) -> DbResult<Vec<WorkItem>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut params: Vec<Val> = vec![project_id.into()];
    params.extend(ids.iter().map(|i| Val::from(*i)));
    let in_list = placeholders(2, ids.len());
    let hidden_cond = if hidden.is_empty() {
        String::new()
    } else {
        params.extend(hidden.iter().map(|c| Val::from(*c)));
        format!(
            " AND (ch.category_id IS NULL OR ch.category_id NOT IN ({}))",
            placeholders(2 + ids.len(), hidden.len())
        )
    };
    let where_sql = format!(" WHERE w.project_id = $1 AND w.work_item_id IN ({in_list})");
    let full = || {
        ITEM_SELECT.replace("{DERIVED}", &DERIVED.replace("{HIDDEN}", &hidden_cond)) + &where_sql
    };
    // A single item on PostgreSQL: its row alone first, then again with the derived columns
    // only if it is a story or has dependencies (a few in a hundred). SQLite, and pages, which
    // would pay a round trip more for the one such item most pages have, read them at once.
    let rows: Vec<ItemRow> = if ids.len() == 1 && tx.backend() == super::Backend::Postgres {
        let slim = ITEM_SELECT.replace("{DERIVED}", DERIVED_SKIPPED) + &where_sql;
        let params_slim = &params[..1 + ids.len()];
        let rows: Vec<ItemRow> = tx.all(&slim, params_slim).await?;
        if rows.iter().any(|r| r.is_story || r.has_dependencies) {
            tx.all(&full(), &params).await?
        } else {
            rows
        }
    } else {
        tx.all(&full(), &params).await?
    };
    let Some(first) = rows.first() else {
        return Ok(Vec::new());
    };
    let refs = refs::get(tx, project_id, first.ref_version, first.users_version).await?;

    // Creators the project's references do not know (not members any more): one statement.
    let unknown: Vec<i64> = rows
        .iter()
        .map(|r| r.creator_id)
        .filter(|u| refs.user(*u).is_none())
        .collect();
    let others: HashMap<i64, Shared<crate::model::User>> = refs::users_by_id(tx, &unknown)
        .await?
        .into_iter()
        .map(|(id, u)| (id, Shared::new(u)))
        .collect();

    let element_ids: Vec<i64> = rows.iter().filter_map(|r| r.design_element_id).collect();
    let elements: HashMap<i64, Shared<_>> =
        design_elements_by_id_with(tx, project_id, &element_ids, hidden, &refs.members)
            .await?
            .into_iter()
            .map(|(id, e)| (id, Shared::new(e)))
            .collect();

    // Card pictures: one statement, only when some item has one.
    let picture_ids: Vec<i64> = rows.iter().filter_map(|r| r.picture_id).collect();
    let mut pictures = super::files::attachments_by_id(tx, &picture_ids).await?;

    let mut by_id: HashMap<i64, WorkItem> = HashMap::with_capacity(rows.len());
    for r in rows {
        // Stage, importance level and creator are required (the rows the main statement used
        // to join); an item whose references are gone in the cached state is skipped.
        let (Some(stage), Some(level), Some(user)) = (
            refs.stages.get(&r.stage_id),
            refs.levels.get(&r.importance_level_id),
            refs.user(r.creator_id)
                .or_else(|| others.get(&r.creator_id)),
        ) else {
            continue;
        };
        let category = if r.is_story {
            Some(Shared::new(Category::user_story(
                r.project_id,
                &r.creation_date,
            )))
        } else {
            r.category_id.and_then(|c| refs.categories.get(&c).cloned())
        };
        let item = WorkItem {
            project_id: r.project_id,
            work_item_id: r.work_item_id,
            parent_story_id: r.parent_story_id,
            is_story: r.is_story,
            title: r.title,
            description: r.description,
            category,
            stage: stage.clone(),
            estimated_cost: r.estimated_cost,
            logged_cost: r.logged_cost,
            story_tasks_estimated_cost: r.story_estimated,
            story_tasks_logged_cost: r.story_logged,
            board_index: r.board_index,
            design_element_index: r.design_element_index,
            design_element: r.design_element_id.and_then(|d| elements.get(&d).cloned()),
            start_date: r.start_date,
            due_date: r.due_date,
            update_date: r.update_date,
            closing_date: r.closing_date,
            creation_date: r.creation_date,
            user: user.clone(),
            board: r.board_id.and_then(|b| refs.boards.get(&b).cloned()),
            assigned_users: user_ids(r.user_list.as_deref())
                .into_iter()
                .filter_map(|u| refs.members.get(&u).cloned())
                .collect(),
            tags: tag_ids(r.tag_list.as_deref())
                .into_iter()
                .filter_map(|t| refs.tags.get(&t).cloned())
                .collect(),
            importance_level: level.clone(),
            has_dependencies: r.has_dependencies,
            is_blocked: r.is_blocked,
            picture: r.picture_id.and_then(|p| pictures.remove(&p)),
        };
        by_id.insert(item.work_item_id, item);
    }
    Ok(ids.iter().filter_map(|i| by_id.remove(i)).collect())
}

/// Which items a running total covers (`work_item_tallies`, kept by triggers in the write
/// transaction): the columns it is keyed on, each optional.
#[derive(Debug, Clone, Default)]
pub struct TallyFilter {
    /// `Some(None)`: user stories only; `Some(Some(c))`: category `c` (never 0).
    pub category: Option<Option<i64>>,
    pub stage_id: Option<i64>,
    pub importance_level_id: Option<i64>,
}

/// How many of the project's items match `filter`, leaving out the `hidden` categories: a sum
/// over a few hundred running totals instead of a count over every matching item.
pub async fn tally_count(
    tx: &mut Tx,
    project_id: i64,
    hidden: &[i64],
    filter: &TallyFilter,
) -> DbResult<i64> {
    let mut params: Vec<Val> = vec![project_id.into()];
    let mut conds = vec!["project_id = $1".to_string()];
    let mut bind = |conds: &mut Vec<String>, col: &str, v: i64| {
        params.push(v.into());
        conds.push(format!("{col} = ${}", params.len()));
    };
    match filter.category {
        Some(None) => conds.push("is_story".into()),
        Some(Some(c)) => bind(&mut conds, "category_id", c),
        None => {}
    }
    if let Some(s) = filter.stage_id {
        bind(&mut conds, "stage_id", s);
    }
    if let Some(i) = filter.importance_level_id {
        bind(&mut conds, "importance_level_id", i);
    }
    if !hidden.is_empty() {
        let list = placeholders(params.len() + 1, hidden.len());
        params.extend(hidden.iter().map(|c| Val::from(*c)));
        conds.push(format!("(category_id = 0 OR category_id NOT IN ({list}))"));
    }
    let (n,): (i64,) = tx
        .one(
            &format!(
                "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM work_item_tallies WHERE {}",
                conds.join(" AND ")
            ),
            &params,
        )
        .await?;
    Ok(n)
}

// The search index lives in `store::search`; these names stay here for their callers.
pub use super::search::{MAX_WORDS, index_words, words};

/// Serialises the work-item writes of one project (PostgreSQL row lock on the project's
/// work-item sequence; SQLite already has a single writer). Take it before reading the state a
/// write depends on, so board positions stay dense under concurrent moves.
pub async fn lock_project(tx: &mut Tx, project_id: i64) -> DbResult<()> {
    // On SQLite the no-op UPDATE would only dirty a page for the WAL to write on every commit.
    if tx.backend() == super::Backend::Sqlite {
        return Ok(());
    }
    tx.exec(
        "UPDATE project_sequences SET last_value = last_value WHERE project_id = $1 AND kind = 'workitem'",
        params![project_id],
    )
    .await?;
    Ok(())
}

/// Which ordered list an item sits in: its board (backlog when `None`) or its design element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Board(Option<i64>),
    DesignElement(Option<i64>),
}

impl Slot {
    fn cols(self) -> (&'static str, &'static str, Option<i64>) {
        match self {
            Slot::Board(b) => ("board_id", "board_index", b),
            Slot::DesignElement(d) => ("design_element_id", "design_element_index", d),
        }
    }
}

/// The next position at the end of a list (0-based).
pub async fn end_of(tx: &mut Tx, project_id: i64, slot: Slot) -> DbResult<i64> {
    let (group, index, value) = slot.cols();
    let (cond, params): (String, Vec<Val>) = match value {
        Some(v) => (format!("{group} = $2"), vec![project_id.into(), v.into()]),
        None => (format!("{group} IS NULL"), vec![project_id.into()]),
    };
    let (n,): (i64,) = tx
        .one(
            &format!(
                "SELECT CAST(COALESCE(MAX({index}) + 1, 0) AS BIGINT) FROM work_items \
                 WHERE project_id = $1 AND {cond}"
            ),
            &params,
        )
        .await?;
    Ok(n)
}

/// Moves every item of the boards `board_ids` to the backlog, appended after the backlog's
/// own items in board order, then position (so the backlog stays dense: 0..n-1, no
/// duplicates). One statement whatever the number of items; `board_ids` is bounded by the
/// caller (one board, or a milestone's boards).
pub async fn move_boards_to_backlog(
    tx: &mut Tx,
    project_id: i64,
    board_ids: &[i64],
    now: &str,
) -> DbResult<()> {
    if board_ids.is_empty() {
        return Ok(());
    }
    let start = end_of(tx, project_id, Slot::Board(None)).await?;
    let mut params: Vec<Val> = vec![project_id.into(), start.into(), now.into()];
    params.extend(board_ids.iter().map(|b| Val::from(*b)));
    let list = placeholders(4, board_ids.len());
    tx.exec(
        &format!(
            // UPDATE … FROM computes the whole join before writing (both backends), so the
            // ranks are those of the boards as they were.
            "UPDATE work_items SET board_id = NULL, update_date = $3, board_index = $2 + r.pos \
             FROM (SELECT m.work_item_id, \
                CAST(ROW_NUMBER() OVER (ORDER BY m.board_id, m.board_index, m.work_item_id) - 1 AS BIGINT) AS pos \
                FROM work_items m WHERE m.project_id = $1 AND m.board_id IN ({list})) r \
             WHERE work_items.project_id = $1 AND work_items.work_item_id = r.work_item_id"
        ),
        &params,
    )
    .await?;
    Ok(())
}

/// Renumbers a list densely from 0, keeping its order (position, then id), with `item`
/// placed at `at` (clamped to the list), or left out when `at` is `None` (it left the list).
/// Only rows whose position changes are written.
pub async fn renumber(
    tx: &mut Tx,
    project_id: i64,
    slot: Slot,
    item: i64,
    at: Option<i64>,
) -> DbResult<()> {
    let (group, index, value) = slot.cols();
    let (cond, params): (String, Vec<Val>) = match value {
        Some(v) => (format!("{group} = $2"), vec![project_id.into(), v.into()]),
        None => (format!("{group} IS NULL"), vec![project_id.into()]),
    };
    let rows: Vec<(i64, i64)> = tx
        .all(
            &format!(
                "SELECT work_item_id, {index} FROM work_items WHERE project_id = $1 AND {cond} \
                 ORDER BY {index}, work_item_id"
            ),
            &params,
        )
        .await?;
    let current: HashMap<i64, i64> = rows.iter().copied().collect();
    let mut order: Vec<i64> = rows.iter().map(|r| r.0).filter(|id| *id != item).collect();
    if let Some(at) = at {
        let at = at.clamp(0, order.len() as i64) as usize;
        order.insert(at, item);
    }
    for (i, id) in order.into_iter().enumerate() {
        let i = i as i64;
        if current.get(&id) != Some(&i) {
            tx.exec(
                &format!(
                    "UPDATE work_items SET {index} = $1 WHERE project_id = $2 AND work_item_id = $3"
                ),
                params![i, project_id, id],
            )
            .await?;
        }
    }
    Ok(())
}

/// Renumbers a board's positions (the backlog's when `board_id` is `None`) densely from 0,
/// keeping their order (position, then id), in one statement that writes only the rows whose
/// position changes. For writes that remove many items at once (a board or a design element
/// deleted with its work items), where `renumber` per item would leave gaps or duplicates.
pub async fn compact_board_indexes(
    tx: &mut Tx,
    project_id: i64,
    board_id: Option<i64>,
) -> DbResult<()> {
    let (cond, params): (&str, Vec<Val>) = match board_id {
        Some(b) => ("board_id = $2", vec![project_id.into(), b.into()]),
        None => ("board_id IS NULL", vec![project_id.into()]),
    };
    tx.exec(
        &format!(
            "UPDATE work_items SET board_index = r.pos FROM \
             (SELECT work_item_id, ROW_NUMBER() OVER (ORDER BY board_index, work_item_id) - 1 AS pos \
              FROM work_items WHERE project_id = $1 AND {cond}) r \
             WHERE work_items.project_id = $1 AND work_items.work_item_id = r.work_item_id \
             AND work_items.board_index <> r.pos"
        ),
        &params,
    )
    .await?;
    Ok(())
}
