//! The change log: every operation that changes data appends what it changed here, inside its
//! own transaction, so a rolled-back write leaves no record and no record exists without its
//! change. The log is the one source of the activity feed, the live stream and webhooks.

pub mod dispatch;
pub mod format;
pub mod payload;

use serde::Serialize;
use utoipa::ToSchema;

use crate::model::{Paging, USER_COLS, User, now};
use crate::ops::{Actor, OpError, OpResult};
use crate::params;
use crate::store::changelog::PendingChange;
use crate::store::{Tx, placeholders};

macro_rules! events {
    ($($variant:ident = $name:literal),* $(,)?) => {
        /// The event names of BEHAVIOUR.md §6, the only names a change or a webhook carries.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Event { $($variant),* }

        impl Event {
            /// Every event, in the order `GET /v0/webhookevents` lists them.
            pub const ALL: &'static [Event] = &[$(Event::$variant),*];

            pub fn name(self) -> &'static str {
                match self { $(Event::$variant => $name),* }
            }
        }
    };
}

events! {
    ProjectUpdated = "project.updated",
    ProjectClosed = "project.closed",
    ProjectReopened = "project.reopened",
    CategoryCreated = "category.created",
    CategoryUpdated = "category.updated",
    CategoryDeleted = "category.deleted",
    DesignElementTypeCreated = "designelementtype.created",
    DesignElementTypeUpdated = "designelementtype.updated",
    DesignElementTypeDeleted = "designelementtype.deleted",
    ImportanceLevelCreated = "importancelevel.created",
    ImportanceLevelUpdated = "importancelevel.updated",
    ImportanceLevelDeleted = "importancelevel.deleted",
    RoleCreated = "role.created",
    RoleUpdated = "role.updated",
    RoleDeleted = "role.deleted",
    StageCreated = "stage.created",
    StageUpdated = "stage.updated",
    StageDeleted = "stage.deleted",
    TagCreated = "tag.created",
    TagUpdated = "tag.updated",
    TagDeleted = "tag.deleted",
    ProjectUserAdded = "projectuser.added",
    ProjectUserUpdated = "projectuser.updated",
    ProjectUserDeleted = "projectuser.deleted",
    ProjectUserLeft = "projectuser.left",
    MilestoneCreated = "milestone.created",
    MilestoneUpdated = "milestone.updated",
    MilestoneDeleted = "milestone.deleted",
    MilestoneClosed = "milestone.closed",
    MilestoneReopened = "milestone.reopened",
    DesignElementCreated = "designelement.created",
    DesignElementUpdated = "designelement.updated",
    DesignElementDeleted = "designelement.deleted",
    DesignElementCommentCreated = "designelement.comment.created",
    DesignElementCommentUpdated = "designelement.comment.updated",
    DesignElementCommentDeleted = "designelement.comment.deleted",
    DesignElementAttachmentAdded = "designelement.attachment.added",
    DesignElementAttachmentRemoved = "designelement.attachment.removed",
    BoardCreated = "board.created",
    BoardUpdated = "board.updated",
    BoardDeleted = "board.deleted",
    BoardClosed = "board.closed",
    BoardReopened = "board.reopened",
    WorkItemCreated = "workitem.created",
    WorkItemUpdated = "workitem.updated",
    WorkItemDeleted = "workitem.deleted",
    WorkItemBlocked = "workitem.blocked",
    WorkItemUnblocked = "workitem.unblocked",
    WorkItemUserAssigned = "workitem.user.assigned",
    WorkItemUserUnassigned = "workitem.user.unassigned",
    WorkItemCommentCreated = "workitem.comment.created",
    WorkItemCommentUpdated = "workitem.comment.updated",
    WorkItemCommentDeleted = "workitem.comment.deleted",
    WorkItemSubTaskCreated = "workitem.subtask.created",
    WorkItemSubTaskUpdated = "workitem.subtask.updated",
    WorkItemSubTaskDeleted = "workitem.subtask.deleted",
    WorkItemSubTaskClosed = "workitem.subtask.closed",
    WorkItemSubTaskReopened = "workitem.subtask.reopened",
    WorkItemWorkLogCreated = "workitem.worklog.created",
    WorkItemWorkLogUpdated = "workitem.worklog.updated",
    WorkItemWorkLogDeleted = "workitem.worklog.deleted",
    WorkItemDependencyAdded = "workitem.dependency.added",
    WorkItemDependencyRemoved = "workitem.dependency.removed",
    WorkItemAttachmentAdded = "workitem.attachment.added",
    WorkItemAttachmentRemoved = "workitem.attachment.removed",
}

impl Event {
    /// What the event is about: its name without the action (`workitem.comment`, `board`).
    pub fn kind(self) -> &'static str {
        let n = self.name();
        n.rsplit_once('.').map_or(n, |(k, _)| k)
    }

    pub fn from_name(name: &str) -> Option<Event> {
        Event::ALL.iter().copied().find(|e| e.name() == name)
    }
}

/// Records one change in the caller's transaction; it is appended to the log when the
/// transaction commits, and vanishes with it on a rollback. `entity` is the wire object after
/// the change (before it, for a delete); `category_id` is the work item's category when the
/// change concerns one, so readers who may not see that category never see the change either.
pub async fn record<T: Serialize + ?Sized>(
    tx: &mut Tx,
    actor: &Actor,
    project_id: i64,
    event: Event,
    entity_id: i64,
    category_id: Option<i64>,
    entity: &T,
) -> OpResult<()> {
    let payload = serde_json::to_string(entity)
        .map_err(|e| OpError::Internal(format!("change payload: {e}")))?;
    tx.defer_change(PendingChange {
        project_id,
        event: event.name(),
        entity_kind: event.kind(),
        entity_id,
        category_id,
        user_id: actor.user_id,
        creation_date: now(),
        payload,
    });
    Ok(())
}

/// One entry of the change log as the activity feed and the live stream show it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// The change's number within the project (1, 2, 3…); the stream's event id.
    pub change_id: i64,
    pub project_id: i64,
    /// The event name (BEHAVIOUR.md §6), e.g. `workitem.created`.
    pub event: String,
    /// What changed: the event name without its action, e.g. `workitem.comment`.
    pub entity_kind: String,
    pub entity_id: i64,
    /// Who made the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
    pub creation_date: String,
    /// The entity after the change (before it, for a delete), as the API shows it.
    #[schema(value_type = Object)]
    pub entity: Box<serde_json::value::RawValue>,
}

#[derive(sqlx::FromRow)]
struct ChangeRow {
    seq: i64,
    project_id: i64,
    event: String,
    entity_kind: String,
    entity_id: i64,
    creation_date: String,
    payload: String,
    #[sqlx(flatten)]
    user: OptUser,
}
crate::lite_row!(ChangeRow { seq, project_id, event, entity_kind, entity_id, creation_date, payload } flatten { user });

#[derive(sqlx::FromRow)]
struct OptUser {
    id: Option<i64>,
    username: Option<String>,
    email: Option<String>,
    name: Option<String>,
    user_creation_date: Option<String>,
}
crate::lite_row!(OptUser {
    id,
    username,
    email,
    name,
    user_creation_date
});

impl ChangeRow {
    fn into_change(self) -> OpResult<Change> {
        let u = self.user;
        let user = match (u.id, u.username, u.email, u.user_creation_date) {
            (Some(id), Some(username), Some(email), Some(creation_date)) => Some(User {
                id,
                username,
                email,
                name: u.name,
                creation_date,
            }),
            _ => None,
        };
        Ok(Change {
            change_id: self.seq,
            project_id: self.project_id,
            event: self.event,
            entity_kind: self.entity_kind,
            entity_id: self.entity_id,
            user,
            creation_date: self.creation_date,
            entity: serde_json::value::RawValue::from_string(self.payload)
                .map_err(|e| OpError::Internal(format!("stored change payload: {e}")))?,
        })
    }
}

/// The filter of a project's changes a reader may see: after `after`, leaving out the changes
/// of work items in `hidden` categories. Returns the WHERE text and its arguments ($1…).
fn visible(project_id: i64, hidden: &[i64], after: i64) -> (String, Vec<crate::store::Val>) {
    let mut filter = String::from("c.project_id = $1 AND c.seq > $2");
    if !hidden.is_empty() {
        filter.push_str(&format!(
            " AND (c.category_id IS NULL OR c.category_id NOT IN ({}))",
            placeholders(3, hidden.len())
        ));
    }
    let mut args = params![project_id, after].to_vec();
    args.extend(hidden.iter().map(|h| (*h).into()));
    (filter, args)
}

/// How many of the project's changes the reader may see.
pub async fn count(tx: &mut Tx, project_id: i64, hidden: &[i64]) -> OpResult<i64> {
    let (filter, args) = visible(project_id, hidden, 0);
    let (n,): (i64,) = tx
        .one(
            &format!("SELECT COUNT(*) FROM changes c WHERE {filter}"),
            &args,
        )
        .await?;
    Ok(n)
}

/// The newest change number of the project (0 when it has none).
pub async fn latest(tx: &mut Tx, project_id: i64) -> OpResult<i64> {
    let (n,): (Option<i64>,) = tx
        .one(
            "SELECT MAX(seq) FROM changes WHERE project_id = $1",
            params![project_id],
        )
        .await?;
    Ok(n.unwrap_or(0))
}

/// A page of the project's changes the reader may see (see `visible`), newest first or oldest first.
pub async fn read(
    tx: &mut Tx,
    project_id: i64,
    hidden: &[i64],
    after: i64,
    newest_first: bool,
    page: Paging,
) -> OpResult<Vec<Change>> {
    let (filter, mut args) = visible(project_id, hidden, after);
    let n = args.len();
    args.push(page.limit.into());
    args.push(page.offset.into());
    let order = if newest_first { "DESC" } else { "ASC" };
    let user_cols = USER_COLS.replace("u.creation_date", "u.creation_date AS user_creation_date");
    let rows: Vec<ChangeRow> = tx
        .all(
            &format!(
                "SELECT c.seq, c.project_id, c.event, c.entity_kind, c.entity_id, c.creation_date, c.payload, {user_cols} \
                 FROM changes c LEFT JOIN users u ON u.id = c.user_id WHERE {filter} \
                 ORDER BY c.seq {order} {}",
                crate::store::limit_offset(&format!("${}", n + 1), &format!("${}", n + 2))
            ),
            &args,
        )
        .await?;
    rows.into_iter().map(ChangeRow::into_change).collect()
}
