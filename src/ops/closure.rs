//! Closing and reopening a board or a milestone: one pair of operations for both kinds, which
//! differ only in their table, their messages and one side effect (a closed board stops being
//! the project's default board).

use super::access;
use super::{Actor, OpError, OpResult};
use crate::changes::{self, Event};
use crate::model;
use crate::params;
use crate::store::Tx;

/// What can be closed here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closable {
    Board,
    Milestone,
}

impl Closable {
    /// A fixed table name, never input: the SQL stays parameterised.
    fn table(self) -> &'static str {
        match self {
            Closable::Board => "boards",
            Closable::Milestone => "milestones",
        }
    }

    /// Records `closed` or `reopened` with the item as its GET returns it now.
    async fn record(
        self,
        tx: &mut Tx,
        actor: &Actor,
        project_id: i64,
        id: i64,
        closed: bool,
    ) -> OpResult<()> {
        match self {
            Closable::Board => {
                let b = super::boards::load(tx, project_id, id).await?;
                let e = if closed {
                    Event::BoardClosed
                } else {
                    Event::BoardReopened
                };
                changes::record(tx, actor, project_id, e, id, None, &b).await?;
            }
            Closable::Milestone => {
                let m = super::milestones::load(tx, project_id, id).await?;
                let e = if closed {
                    Event::MilestoneClosed
                } else {
                    Event::MilestoneReopened
                };
                changes::record(tx, actor, project_id, e, id, None, &m).await?;
            }
        }
        Ok(())
    }

    fn noun(self) -> &'static str {
        match self {
            Closable::Board => "board",
            Closable::Milestone => "milestone",
        }
    }
}

/// `Some(closing date)` of the item, or NotFound when the project has no such item.
async fn closing_date(
    tx: &mut Tx,
    kind: Closable,
    project_id: i64,
    id: i64,
) -> OpResult<Option<String>> {
    let row: Option<(Option<String>,)> = tx
        .opt(
            &format!(
                "SELECT closing_date FROM {} WHERE project_id = $1 AND id = $2",
                kind.table()
            ),
            params![project_id, id],
        )
        .await?;
    row.map(|(d,)| d).ok_or(OpError::NotFound)
}

/// `[ADMIN]` Closes the item; closing a closed one → Conflict.
pub async fn close(
    tx: &mut Tx,
    actor: &Actor,
    kind: Closable,
    project_id: i64,
    id: i64,
) -> OpResult<()> {
    access::admin(tx, actor, project_id).await?;
    if closing_date(tx, kind, project_id, id).await?.is_some() {
        return Err(OpError::conflict(format!(
            "The {} is already closed.",
            kind.noun()
        )));
    }
    tx.exec(
        &format!(
            "UPDATE {} SET closing_date = $1 WHERE id = $2",
            kind.table()
        ),
        params![model::now(), id],
    )
    .await?;
    let default_cleared = kind == Closable::Board
        && tx
            .exec(
                "UPDATE projects SET default_board_id = NULL WHERE id = $1 AND default_board_id = $2",
                params![project_id, id],
            )
            .await?
            > 0;
    kind.record(tx, actor, project_id, id, true).await?;
    if default_cleared {
        super::boards::record_project_updated(tx, actor, project_id).await?;
    }
    Ok(())
}

/// `[ADMIN]` Reopens the item; reopening an open one → Conflict.
pub async fn reopen(
    tx: &mut Tx,
    actor: &Actor,
    kind: Closable,
    project_id: i64,
    id: i64,
) -> OpResult<()> {
    access::admin(tx, actor, project_id).await?;
    if closing_date(tx, kind, project_id, id).await?.is_none() {
        return Err(OpError::conflict(format!(
            "The {} is already open.",
            kind.noun()
        )));
    }
    tx.exec(
        &format!(
            "UPDATE {} SET closing_date = NULL WHERE id = $1",
            kind.table()
        ),
        params![id],
    )
    .await?;
    kind.record(tx, actor, project_id, id, false).await
}
