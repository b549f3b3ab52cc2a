//! What the web app's planning pages read (ours, not in the reference): a board's cards with
//! their sub-task progress, and a board's burndown. Built on the same loaders and search as the
//! API's work item lists, in a fixed number of statements whatever the number of cards.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::work_items::{self, SearchQuery};
use super::{Actor, OpError, OpResult, Scope, access, boards, config};
use crate::model::{Board, Category, ImportanceLevel, Paging, ProjectUser, Stage, Tag, WorkItem};
use crate::params;
use crate::store::Tx;

/// The most cards a board page shows (a board of more lists its first ones by position).
pub const MAX_CARDS: i64 = 5000;

/// Which cards a board (or the backlog) shows.
#[derive(Debug, Clone, Default)]
pub struct CardFilter {
    pub category_id: Option<i64>,
    pub user_id: Option<i64>,
    pub tag_id: Option<i64>,
    /// The search box: the API's `searchTerms` rules.
    pub search: Option<String>,
}

/// A card: the work item as the API shows it, and its checklist progress.
#[derive(Debug, Clone)]
pub struct Card {
    pub item: WorkItem,
    pub sub_tasks_done: i64,
    pub sub_tasks_total: i64,
}

/// A board page's data: the project's stages (the columns), the categories the viewer can read
/// (filters and swimlanes), and the cards in board order.
#[derive(Debug, Clone)]
pub struct BoardCards {
    pub stages: Vec<Stage>,
    pub categories: Vec<Category>,
    pub members: Vec<ProjectUser>,
    pub tags: Vec<Tag>,
    pub importance_levels: Vec<ImportanceLevel>,
    pub cards: Vec<Card>,
    /// Admins may move blocked cards to another stage.
    pub viewer_is_admin: bool,
}

/// The cards of board `board_id` (`None`: the backlog) that pass `f`, in board-index order.
/// Statements: the membership, the search (ids, then the work item loader's few), one for the
/// checklist counts, and the project's stages, categories, members, tags and importance levels.
pub async fn board_cards(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    board_id: Option<i64>,
    f: &CardFilter,
) -> OpResult<BoardCards> {
    let m = access::member(tx, actor, pid, Scope::WorkItemsRead).await?;
    let q = SearchQuery {
        board_id: Some(board_id.unwrap_or(0)),
        category_id: f.category_id,
        user_id: f.user_id,
        search_terms: f.search.clone().filter(|s| !s.trim().is_empty()),
        ..Default::default()
    };
    let page = work_items::search(
        tx,
        actor,
        pid,
        &q,
        Paging {
            offset: 0,
            limit: MAX_CARDS,
        },
    )
    .await?;
    let mut items = page.items;
    if let Some(t) = f.tag_id {
        items.retain(|w| w.tags.iter().any(|g| g.tag_id == t));
    }
    items.sort_by_key(|w| (w.board_index, w.work_item_id));

    let counts: Vec<(i64, i64, i64)> = if items.is_empty() {
        Vec::new()
    } else {
        let on_board = match board_id {
            Some(_) => "w.board_id = $2",
            None => "w.board_id IS NULL AND $2 = 0",
        };
        tx.all(
            &format!(
                "SELECT s.work_item_id, COUNT(*), SUM(CASE WHEN s.is_completed THEN 1 ELSE 0 END) \
                 FROM sub_tasks s JOIN work_items w \
                   ON w.project_id = s.project_id AND w.work_item_id = s.work_item_id \
                 WHERE s.project_id = $1 AND {on_board} GROUP BY s.work_item_id"
            ),
            params![pid, board_id.unwrap_or(0)],
        )
        .await?
    };
    let counts: HashMap<i64, (i64, i64)> =
        counts.into_iter().map(|(w, t, d)| (w, (d, t))).collect();
    let cards = items
        .into_iter()
        .map(|item| {
            let (done, total) = counts.get(&item.work_item_id).copied().unwrap_or((0, 0));
            Card {
                item,
                sub_tasks_done: done,
                sub_tasks_total: total,
            }
        })
        .collect();
    let stages: Vec<Stage> = config::rows(tx, pid).await?;
    let categories: Vec<Category> = config::rows::<Category>(tx, pid)
        .await?
        .into_iter()
        .filter(|c| m.can_read_category(Some(c.category_id)))
        .collect();
    let members = crate::model::list_project_users(tx, pid, false, false).await?;
    let tags: Vec<Tag> = config::rows(tx, pid).await?;
    let importance_levels: Vec<ImportanceLevel> = config::rows(tx, pid).await?;
    Ok(BoardCards {
        stages,
        categories,
        members,
        tags,
        importance_levels,
        cards,
        viewer_is_admin: m.is_admin,
    })
}

/// One day of a burndown: what was open at the end of it.
#[derive(Debug, Clone, PartialEq)]
pub struct BurndownDay {
    pub day: NaiveDate,
    pub cost: f64,
    pub items: i64,
}

/// A board's burndown from its start to its due date; `days` stops at today.
#[derive(Debug, Clone, PartialEq)]
pub struct BurndownData {
    pub board: Board,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub days: Vec<BurndownDay>,
}

fn day_of(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

/// The burndown rule (README "Burndown"): the tasks now on the board (user stories left out:
/// their cost is their tasks'), in categories the viewer can read. A task is open at the end
/// of day D when it was created on or before D and has no closing date on or before D (the
/// closing date is set when the item enters a closed stage and cleared when it leaves one, so
/// a reopened item counts as open again from then on, as its current state says). Its current
/// estimated cost counts. The chart runs from the board's start date (else its creation) to
/// its due date (else today); the days after today are not measured.
pub async fn burndown(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    bid: i64,
    today: NaiveDate,
) -> OpResult<BurndownData> {
    let m = access::member(tx, actor, pid, Scope::WorkItemsRead).await?;
    let board = boards::get(tx, actor, pid, bid).await?;
    let rows: Vec<(f64, String, Option<String>, Option<i64>)> = tx
        .all(
            "SELECT estimated_cost, creation_date, closing_date, category_id FROM work_items \
             WHERE project_id = $1 AND board_id = $2 AND NOT is_story",
            params![pid, bid],
        )
        .await?;
    let start = board
        .start_date
        .as_deref()
        .or(Some(board.creation_date.as_str()))
        .and_then(day_of)
        .ok_or_else(|| OpError::Internal("board without a creation date".into()))?;
    let end = board
        .due_date
        .as_deref()
        .and_then(day_of)
        .unwrap_or(today)
        .max(start);
    // A board dated decades back measures its last ~3 years only.
    let start = start.max(end.min(today) - chrono::Duration::days(1100));
    let items: Vec<(f64, NaiveDate, Option<NaiveDate>)> = rows
        .into_iter()
        .filter(|r| m.can_read_category(r.3))
        .filter_map(|(cost, created, closed, _)| {
            Some((cost, day_of(&created)?, closed.as_deref().and_then(day_of)))
        })
        .collect();
    let mut days = Vec::new();
    let mut d = start;
    while d <= end.min(today) {
        let open = items
            .iter()
            .filter(|(_, c, x)| *c <= d && x.is_none_or(|x| x > d));
        let (cost, n) = open.fold((0.0, 0), |(s, n), (c, _, _)| (s + c, n + 1));
        days.push(BurndownDay {
            day: d,
            cost,
            items: n,
        });
        match d.succ_opt() {
            Some(n) => d = n,
            None => break,
        }
    }
    Ok(BurndownData {
        board,
        start,
        end,
        days,
    })
}

/// Where a card is dropped: a stage, and the card it goes before (`None`: the end of that
/// stage's column).
#[derive(Debug, Clone, Copy)]
pub struct CardMove {
    pub stage_id: i64,
    pub before_id: Option<i64>,
}

/// Moves a card on its board (or the backlog): to `mv.stage_id`, placed before `mv.before_id`
/// or after the last card of that stage. A patch of `stageId` and `boardIndex`, so the API's
/// rules hold (a blocked item changes stage only for an admin: BEHAVIOUR.md §8) and the change
/// log and webhooks see a `workitem.updated`.
pub async fn move_card(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    id: i64,
    mv: CardMove,
) -> OpResult<WorkItem> {
    access::member(tx, actor, pid, Scope::WorkItemsWrite).await?;
    let board: Option<(Option<i64>,)> = tx
        .opt(
            "SELECT board_id FROM work_items WHERE project_id = $1 AND work_item_id = $2",
            params![pid, id],
        )
        .await?;
    let Some((board_id,)) = board else {
        return Err(OpError::NotFound);
    };
    let cond = match board_id {
        Some(_) => "board_id = $2",
        None => "board_id IS NULL AND $2 = 0",
    };
    // The board's list in order, this card left out: the positions `renumber` counts in.
    let rows: Vec<(i64, i64)> = tx
        .all(
            &format!(
                "SELECT work_item_id, stage_id FROM work_items WHERE project_id = $1 AND {cond} \
                 ORDER BY board_index, work_item_id"
            ),
            params![pid, board_id.unwrap_or(0)],
        )
        .await?;
    let others: Vec<(i64, i64)> = rows.into_iter().filter(|r| r.0 != id).collect();
    let at = match mv.before_id {
        Some(b) => others
            .iter()
            .position(|r| r.0 == b)
            .ok_or_else(|| OpError::field("beforeId", "The card is not on this board."))?,
        None => others
            .iter()
            .rposition(|r| r.1 == mv.stage_id)
            .map_or(others.len(), |p| p + 1),
    };
    let patch = work_items::PatchWorkItemValues {
        stage_id: Some(mv.stage_id),
        board_index: Some(at as i64),
        ..Default::default()
    };
    work_items::patch(tx, actor, pid, id, patch).await
}

/// One card (for the live board): the item and its checklist progress.
pub async fn card(tx: &mut Tx, actor: &Actor, pid: i64, id: i64) -> OpResult<Card> {
    let item = work_items::get(tx, actor, pid, id).await?;
    let (total, done): (i64, i64) = tx
        .one(
            "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN is_completed THEN 1 ELSE 0 END), 0) AS BIGINT) \
             FROM sub_tasks WHERE project_id = $1 AND work_item_id = $2",
            params![pid, id],
        )
        .await?;
    Ok(Card {
        item,
        sub_tasks_done: done,
        sub_tasks_total: total,
    })
}

/// Everything the work item page shows and edits.
#[derive(Debug)]
pub struct ItemPage {
    pub card: Card,
    pub sub_tasks: Vec<crate::model::SubTask>,
    pub comments: Vec<crate::model::WorkItemComment>,
    pub work_logs: Vec<crate::model::WorkLog>,
    pub dependencies: Vec<crate::model::WorkItemDependency>,
    pub attachments: Vec<crate::model::WorkItemAttachment>,
    /// A user story's tasks.
    pub children: Vec<WorkItem>,
    pub options: ItemOptions,
}

/// The choices of the work item form.
#[derive(Debug)]
pub struct ItemOptions {
    pub stages: Vec<Stage>,
    pub categories: Vec<Category>,
    pub importance_levels: Vec<ImportanceLevel>,
    pub members: Vec<ProjectUser>,
    pub tags: Vec<Tag>,
    pub boards: Vec<Board>,
    /// The project's user stories (parents to choose from).
    pub stories: Vec<WorkItem>,
    pub viewer_is_admin: bool,
}

/// The most comments, attachments, children and stories the page lists.
const PAGE_MAX: i64 = 200;

pub async fn item_page(tx: &mut Tx, actor: &Actor, pid: i64, id: i64) -> OpResult<ItemPage> {
    use super::{attachments, comments, dependencies, sub_tasks, work_logs};
    let m = access::member(tx, actor, pid, Scope::WorkItemsRead).await?;
    let card = card(tx, actor, pid, id).await?;
    let page = Paging {
        offset: 0,
        limit: PAGE_MAX,
    };
    let sub_tasks = sub_tasks::list(tx, actor, pid, id).await?;
    let (_, comments) =
        comments::list::<comments::OnWorkItem>(tx, actor, pid, id, 0, PAGE_MAX).await?;
    let work_logs = work_logs::list(tx, actor, pid, id).await?;
    let dependencies = dependencies::list(tx, actor, pid, id).await?;
    let (_, attachments) = attachments::list_on_work_item(tx, actor, pid, id, page).await?;
    let children = if card.item.is_story {
        let q = SearchQuery {
            parent_story_id: Some(id),
            ..Default::default()
        };
        work_items::search(tx, actor, pid, &q, page).await?.items
    } else {
        Vec::new()
    };
    let stories = work_items::search(
        tx,
        actor,
        pid,
        &SearchQuery {
            category_id: Some(-1),
            ..Default::default()
        },
        page,
    )
    .await?
    .items;
    let options = ItemOptions {
        stages: config::rows(tx, pid).await?,
        categories: config::rows::<Category>(tx, pid)
            .await?
            .into_iter()
            .filter(|c| m.can_read_category(Some(c.category_id)))
            .collect(),
        importance_levels: config::rows(tx, pid).await?,
        members: crate::model::list_project_users(tx, pid, false, false).await?,
        tags: config::rows(tx, pid).await?,
        boards: boards::list(tx, actor, pid, false).await?,
        stories,
        viewer_is_admin: m.is_admin,
    };
    Ok(ItemPage {
        card,
        sub_tasks,
        comments,
        work_logs,
        dependencies,
        attachments,
        children,
        options,
    })
}
