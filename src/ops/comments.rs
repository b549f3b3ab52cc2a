//! Comments, on work items and on design elements alike: one thread per parent, oldest first.
//! The two differ only in their table, who may comment, and whether a comment changes its
//! parent; [`Kind`] holds those differences and every operation here serves both.
//!
//! - Work items: commenting needs update permission on the item's category (as logging work
//!   does), and every comment change touches the item. A comment posted with a work log nests it.
//! - Design elements: commenting is not editing the model: any non-guest member who can read the
//!   design model may comment, while the project's design model comments module is on.
//!
//! On both, only the author edits a comment (not even an admin); the author or an admin deletes it.

use serde::Serialize;

use super::access::Member;
use super::work_item_access::{self as wia, ItemRef};
use super::{Actor, OpError, OpResult, Scope, work_logs};
use crate::changes::{self, Event};
use crate::model::{
    self, AUTHOR_COLS, AuthorRow, COMMENT_MAX, Check, DesignElementComment, WorkItemComment,
    WorkLog,
};
use crate::params;
use crate::store::Tx;

/// What a comment thread hangs off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    WorkItem,
    DesignElement,
}

impl Kind {
    fn table(self) -> &'static str {
        match self {
            Kind::WorkItem => "comments",
            Kind::DesignElement => "design_element_comments",
        }
    }

    fn parent_col(self) -> &'static str {
        match self {
            Kind::WorkItem => "work_item_id",
            Kind::DesignElement => "design_element_id",
        }
    }

    /// Only work item comments can come with a work log; typed so PostgreSQL can decode the NULL.
    fn log_col(self) -> &'static str {
        match self {
            Kind::WorkItem => "c.work_log_id",
            Kind::DesignElement => "CAST(NULL AS BIGINT)",
        }
    }

    /// Its `created`, `updated` and `deleted` events.
    fn events(self) -> [Event; 3] {
        match self {
            Kind::WorkItem => [
                Event::WorkItemCommentCreated,
                Event::WorkItemCommentUpdated,
                Event::WorkItemCommentDeleted,
            ],
            Kind::DesignElement => [
                Event::DesignElementCommentCreated,
                Event::DesignElementCommentUpdated,
                Event::DesignElementCommentDeleted,
            ],
        }
    }

    fn select(self) -> String {
        let (table, parent, log) = (self.table(), self.parent_col(), self.log_col());
        format!(
            "SELECT c.project_id, c.{parent} AS parent_id, c.id AS comment_id, c.text, \
             {log} AS work_log_id, c.creation_date, c.update_date, {AUTHOR_COLS} \
             FROM {table} c JOIN users u ON u.id = c.user_id \
             WHERE c.project_id = $1 AND c.{parent} = $2"
        )
    }
}

/// A comment thread's wire type: [`WorkItemComment`] or [`DesignElementComment`].
pub trait Thread {
    type Comment: Serialize + Send;
    const KIND: Kind;
    fn shape(row: CommentRow, log: Option<WorkLog>) -> Self::Comment;
    /// Who wrote the comment.
    fn author(c: &Self::Comment) -> i64;
}

/// The comments of a work item.
pub struct OnWorkItem;
/// The comments of a design element.
pub struct OnDesignElement;

impl Thread for OnWorkItem {
    type Comment = WorkItemComment;
    const KIND: Kind = Kind::WorkItem;
    fn shape(r: CommentRow, work_log: Option<WorkLog>) -> WorkItemComment {
        WorkItemComment {
            project_id: r.project_id,
            work_item_id: r.parent_id,
            comment_id: r.comment_id,
            text: r.text,
            user: r.author.into(),
            work_log,
            creation_date: r.creation_date,
            update_date: r.update_date,
        }
    }
    fn author(c: &WorkItemComment) -> i64 {
        c.user.id
    }
}

impl Thread for OnDesignElement {
    type Comment = DesignElementComment;
    const KIND: Kind = Kind::DesignElement;
    fn shape(r: CommentRow, _: Option<WorkLog>) -> DesignElementComment {
        DesignElementComment {
            project_id: r.project_id,
            design_element_id: r.parent_id,
            comment_id: r.comment_id,
            text: r.text,
            user: r.author.into(),
            creation_date: r.creation_date,
            update_date: r.update_date,
        }
    }
    fn author(c: &DesignElementComment) -> i64 {
        c.user.id
    }
}

/// One stored comment, whichever its parent.
#[derive(sqlx::FromRow)]
pub struct CommentRow {
    project_id: i64,
    parent_id: i64,
    comment_id: i64,
    text: String,
    work_log_id: Option<i64>,
    creation_date: String,
    update_date: Option<String>,
    #[sqlx(flatten)]
    author: AuthorRow,
}
crate::lite_row!(CommentRow { project_id, parent_id, comment_id, text, work_log_id, creation_date, update_date } flatten { author });

/// The caller at a thread: their membership, whether they may comment there at all, and the
/// work item (none for a design element).
struct Gate {
    m: Member,
    may_comment: bool,
    item: Option<ItemRef>,
}

/// Every comment endpoint's access check: the parent exists and is readable (404 otherwise),
/// and the rules of its kind hold (403). `write` for anything that changes a comment.
async fn gate(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    kind: Kind,
    parent: i64,
    write: bool,
) -> OpResult<Gate> {
    match kind {
        Kind::WorkItem => {
            let scope = if write {
                Scope::WorkItemsWrite
            } else {
                Scope::WorkItemsRead
            };
            let (m, item) = wia::open(tx, actor, pid, parent, scope).await?;
            Ok(Gate {
                may_comment: m.can_update_category(item.category()),
                m,
                item: Some(item),
            })
        }
        Kind::DesignElement => {
            let scope = if write {
                Scope::DesignModelWrite
            } else {
                Scope::DesignModelRead
            };
            let (m, modules) = super::design_elements::design_access(tx, actor, pid, scope).await?;
            if !modules.game_design_model_comments {
                return Err(OpError::Forbidden(
                    "The design model comments module is disabled in this project.".into(),
                ));
            }
            m.require(m.can_read_design_model())?;
            if write {
                m.require_not_guest()?;
            }
            if !tx
                .exists(
                    "SELECT design_element_id FROM design_elements \
                     WHERE project_id = $1 AND design_element_id = $2",
                    params![pid, parent],
                )
                .await?
            {
                return Err(OpError::NotFound);
            }
            Ok(Gate {
                m,
                may_comment: true,
                item: None,
            })
        }
    }
}

impl Gate {
    /// The category a change of this thread is filed under: the work item's (none for a design
    /// element), so readers who cannot see the item do not see its comments change either.
    fn category(&self) -> Option<i64> {
        self.item.as_ref().and_then(ItemRef::category)
    }
}

/// Records one of the thread's events for comment `id`.
async fn record<T: Thread>(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    (event, category): (Event, Option<i64>),
    id: i64,
    c: &T::Comment,
) -> OpResult<()> {
    changes::record(tx, actor, pid, event, id, category, c).await?;
    Ok(())
}

/// A comment changes its work item (BEHAVIOUR.md §8); a design element's stays as it is.
async fn touch(tx: &mut Tx, g: &Gate) -> OpResult<()> {
    match &g.item {
        Some(item) => wia::touch(tx, item.project_id, item.work_item_id).await,
        None => Ok(()),
    }
}

/// Not blank, at most 5000 characters.
fn check_text(text: &str) -> OpResult<()> {
    let mut c = Check::new();
    if text.trim().is_empty() {
        c.fail("text", "The text is required.");
    }
    c.text("text", Some(text), COMMENT_MAX);
    c.finish()
}

/// Shapes rows into comments, nesting their work logs (one extra query, only when there are any).
async fn build<T: Thread>(tx: &mut Tx, rows: Vec<CommentRow>) -> OpResult<Vec<T::Comment>> {
    let log_ids: Vec<i64> = rows.iter().filter_map(|r| r.work_log_id).collect();
    let mut logs = work_logs::by_ids(tx, &log_ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let log = r.work_log_id.and_then(|l| logs.remove(&l));
            T::shape(r, log)
        })
        .collect())
}

async fn load<T: Thread>(tx: &mut Tx, pid: i64, parent: i64, id: i64) -> OpResult<T::Comment> {
    let row: CommentRow = tx
        .opt(
            &format!("{} AND c.id = $3", T::KIND.select()),
            params![pid, parent, id],
        )
        .await?
        .ok_or(OpError::NotFound)?;
    build::<T>(tx, vec![row])
        .await?
        .pop()
        .ok_or(OpError::NotFound)
}

/// A page of the thread, oldest first: the total and the comments from `offset`.
pub async fn list<T: Thread>(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    parent: i64,
    offset: i64,
    limit: i64,
) -> OpResult<(i64, Vec<T::Comment>)> {
    let kind = T::KIND;
    gate(tx, actor, pid, kind, parent, false).await?;
    let (total,): (i64,) = tx
        .one(
            &format!(
                "SELECT COUNT(*) FROM {} WHERE project_id = $1 AND {} = $2",
                kind.table(),
                kind.parent_col()
            ),
            params![pid, parent],
        )
        .await?;
    let rows: Vec<CommentRow> = tx
        .all(
            &format!(
                "{} ORDER BY c.id {}",
                kind.select(),
                crate::store::limit_offset("$3", "$4")
            ),
            params![pid, parent, limit, offset],
        )
        .await?;
    Ok((total, build::<T>(tx, rows).await?))
}

pub async fn get<T: Thread>(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    parent: i64,
    id: i64,
) -> OpResult<T::Comment> {
    gate(tx, actor, pid, T::KIND, parent, false).await?;
    load::<T>(tx, pid, parent, id).await
}

/// Inserts a comment by the actor on `(project, parent)`; `work_log` only on a work item.
async fn insert(
    tx: &mut Tx,
    actor: &Actor,
    kind: Kind,
    (pid, parent): (i64, i64),
    text: &str,
    work_log: Option<i64>,
    now: &str,
) -> OpResult<i64> {
    let (table, parent_col) = (kind.table(), kind.parent_col());
    let (id,): (i64,) = match work_log {
        None => {
            tx.one(
                &format!(
                    "INSERT INTO {table} (project_id, {parent_col}, user_id, text, creation_date) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id"
                ),
                params![pid, parent, actor.user_id, text, now],
            )
            .await?
        }
        Some(l) => {
            tx.one(
                &format!(
                    "INSERT INTO {table} (project_id, {parent_col}, user_id, text, creation_date, work_log_id) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"
                ),
                params![pid, parent, actor.user_id, text, now, l],
            )
            .await?
        }
    };
    Ok(id)
}

/// Posts a comment as the actor.
pub async fn create<T: Thread>(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    parent: i64,
    text: String,
) -> OpResult<T::Comment> {
    check_text(&text)?;
    let g = gate(tx, actor, pid, T::KIND, parent, true).await?;
    g.m.require(g.may_comment)?;
    let id = insert(
        tx,
        actor,
        T::KIND,
        (pid, parent),
        &text,
        None,
        &model::now(),
    )
    .await?;
    touch(tx, &g).await?;
    let c = load::<T>(tx, pid, parent, id).await?;
    let [created, _, _] = T::KIND.events();
    record::<T>(tx, actor, pid, (created, g.category()), id, &c).await?;
    Ok(c)
}

/// The comment a work log is created with (`ops::work_logs::create` has checked access and
/// the text, and touches the item itself).
pub(super) async fn post_with_log(
    tx: &mut Tx,
    actor: &Actor,
    item: &ItemRef,
    text: &str,
    work_log: i64,
    now: &str,
) -> OpResult<()> {
    let (pid, wid) = (item.project_id, item.work_item_id);
    let id = insert(
        tx,
        actor,
        Kind::WorkItem,
        (pid, wid),
        text,
        Some(work_log),
        now,
    )
    .await?;
    let c = load::<OnWorkItem>(tx, pid, wid, id).await?;
    let event = (Event::WorkItemCommentCreated, item.category());
    record::<OnWorkItem>(tx, actor, pid, event, id, &c).await
}

/// Replaces the text (the author only).
pub async fn update<T: Thread>(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    parent: i64,
    id: i64,
    text: String,
) -> OpResult<T::Comment> {
    check_text(&text)?;
    let kind = T::KIND;
    let g = gate(tx, actor, pid, kind, parent, true).await?;
    let cur = load::<T>(tx, pid, parent, id).await?;
    g.m.require(T::author(&cur) == g.m.user_id && g.may_comment)?;
    tx.exec(
        &format!(
            "UPDATE {} SET text = $1, update_date = $2 WHERE id = $3",
            kind.table()
        ),
        params![text, model::now(), id],
    )
    .await?;
    touch(tx, &g).await?;
    let c = load::<T>(tx, pid, parent, id).await?;
    let [_, updated, _] = kind.events();
    record::<T>(tx, actor, pid, (updated, g.category()), id, &c).await?;
    Ok(c)
}

/// Deletes the comment (its author or an admin).
pub async fn delete<T: Thread>(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    parent: i64,
    id: i64,
) -> OpResult<()> {
    let kind = T::KIND;
    let g = gate(tx, actor, pid, kind, parent, true).await?;
    let cur = load::<T>(tx, pid, parent, id).await?;
    g.m.require(g.m.is_admin || (T::author(&cur) == g.m.user_id && g.may_comment))?;
    tx.exec(
        &format!("DELETE FROM {} WHERE id = $1", kind.table()),
        params![id],
    )
    .await?;
    touch(tx, &g).await?;
    let [_, _, deleted] = kind.events();
    record::<T>(tx, actor, pid, (deleted, g.category()), id, &cur).await
}
