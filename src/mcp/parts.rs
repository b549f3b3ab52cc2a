//! Tools for what hangs off a work item: sub-tasks (its checklist), comments, work logs and
//! dependencies.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::Deserialize;

use super::Questlog;
use super::run::{ToolResult, done, lines, op};
use crate::ops::comments::{self, OnWorkItem};
use crate::ops::sub_tasks::{self, PatchWorkItemSubTaskValues};
use crate::ops::work_logs::{self, CreateWorkLogValues};
use crate::ops::{dependencies, work_items};

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddSubTaskArgs {
    /// The project id (list_projects gives them).
    pub project_id: i64,
    /// The work item id (the number shown as #12).
    pub work_item_id: i64,
    /// The checklist entry's text.
    pub title: String,
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateSubTaskArgs {
    /// The project id (list_projects gives them).
    pub project_id: i64,
    /// The work item id (the number shown as #12).
    pub work_item_id: i64,
    /// The sub-task id (get_work_item lists them).
    pub sub_task_id: i64,
    /// true ticks the entry off, false opens it again.
    pub is_completed: Option<bool>,
    /// A new text.
    pub title: Option<String>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubTaskArg {
    /// The project id (list_projects gives them).
    pub project_id: i64,
    /// The work item id (the number shown as #12).
    pub work_item_id: i64,
    /// The sub-task id (get_work_item lists them).
    pub sub_task_id: i64,
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommentArgs {
    /// The project id (list_projects gives them).
    pub project_id: i64,
    /// The work item id (the number shown as #12).
    pub work_item_id: i64,
    /// Markdown, at most 5000 characters.
    pub text: String,
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogWorkArgs {
    /// The project id (list_projects gives them).
    pub project_id: i64,
    /// The work item id (the number shown as #12).
    pub work_item_id: i64,
    /// Time spent, in the project's cost unit (usually hours), greater than 0.
    pub value: f64,
    /// What was done; also posted as a comment on the item.
    pub comment: Option<String>,
    /// When the work was done, `YYYY-MM-DD` (default: now).
    pub date: Option<String>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DependencyArgs {
    /// The project id (list_projects gives them).
    pub project_id: i64,
    /// The item that waits.
    pub work_item_id: i64,
    /// The item it waits for (its predecessor).
    pub depends_on_id: i64,
}

#[tool_router(router = part_tools, vis = "pub(super)")]
impl Questlog {
    #[tool(
        description = "Add a sub-task (checklist entry) to a work item.",
        annotations(destructive_hint = false)
    )]
    async fn add_sub_task(
        &self,
        Parameters(p): Parameters<AddSubTaskArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let r = op!(self, ctx, write, |tx, a| sub_tasks::create(
            tx,
            a,
            p.project_id,
            p.work_item_id,
            p.title
        ));
        done(r, |t| {
            format!(
                "Added sub-task {} to #{}: {}",
                t.sub_task_id, t.work_item_id, t.title
            )
        })
    }

    #[tool(
        description = "Tick off (isCompleted true), reopen (false) or rename a sub-task.",
        annotations(destructive_hint = false, idempotent_hint = true)
    )]
    async fn update_sub_task(
        &self,
        Parameters(p): Parameters<UpdateSubTaskArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let v = PatchWorkItemSubTaskValues {
            title: p.title,
            is_completed: p.is_completed,
        };
        let r = op!(self, ctx, write, |tx, a| sub_tasks::patch(
            tx,
            a,
            p.project_id,
            p.work_item_id,
            p.sub_task_id,
            v
        ));
        done(r, |t| {
            let state = if t.is_completed { "done" } else { "open" };
            format!(
                "Sub-task {} of #{} is {state}: {}",
                t.sub_task_id, t.work_item_id, t.title
            )
        })
    }

    #[tool(
        description = "Delete a sub-task. Returns the item's remaining sub-tasks.",
        annotations(destructive_hint = true)
    )]
    async fn delete_sub_task(
        &self,
        Parameters(p): Parameters<SubTaskArg>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let (pid, wid) = (p.project_id, p.work_item_id);
        let r = op!(self, ctx, write, |tx, a| async {
            sub_tasks::delete(tx, a, pid, wid, p.sub_task_id).await?;
            sub_tasks::list(tx, a, pid, wid).await
        });
        done(r, |ts| {
            lines(
                format!("Deleted sub-task {}; {} left:", p.sub_task_id, ts.len()),
                ts,
                |t| format!("{} (sub-task {})", t.title, t.sub_task_id),
            )
        })
    }

    #[tool(
        description = "Post a comment on a work item, as the key's user.",
        annotations(destructive_hint = false)
    )]
    async fn add_comment(
        &self,
        Parameters(p): Parameters<CommentArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let r = op!(self, ctx, write, |tx, a| comments::create::<OnWorkItem>(
            tx,
            a,
            p.project_id,
            p.work_item_id,
            p.text
        ));
        done(r, |c| {
            format!(
                "Commented on #{} (comment {})",
                c.work_item_id, c.comment_id
            )
        })
    }

    #[tool(
        description = "Log time spent on a work item (adds to its logged cost), optionally with \
                       a comment saying what was done.",
        annotations(destructive_hint = false)
    )]
    async fn log_work(
        &self,
        Parameters(p): Parameters<LogWorkArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let v = CreateWorkLogValues {
            value: Some(p.value),
            comment: p.comment,
            date: p.date,
        };
        let r = op!(self, ctx, write, |tx, a| work_logs::create(
            tx,
            a,
            p.project_id,
            p.work_item_id,
            v
        ));
        done(r, |l| {
            format!(
                "Logged {} on #{} (work log {})",
                l.value, l.work_item_id, l.work_log_id
            )
        })
    }

    #[tool(
        description = "Make a work item depend on another one (it is blocked until the other \
                       reaches a closed or unblocking stage).",
        annotations(destructive_hint = false, idempotent_hint = true)
    )]
    async fn add_dependency(
        &self,
        Parameters(p): Parameters<DependencyArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let r = op!(self, ctx, write, |tx, a| dependencies::add(
            tx,
            a,
            p.project_id,
            p.work_item_id,
            p.depends_on_id
        ));
        done(r, |d| {
            format!(
                "#{} now depends on #{} ({})",
                p.work_item_id,
                d.work_item.work_item_id,
                if d.is_resolved {
                    "resolved"
                } else {
                    "unresolved"
                }
            )
        })
    }

    #[tool(
        description = "Remove a dependency between two work items. Returns the item after the change.",
        annotations(destructive_hint = true, idempotent_hint = true)
    )]
    async fn remove_dependency(
        &self,
        Parameters(p): Parameters<DependencyArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let (pid, wid) = (p.project_id, p.work_item_id);
        let r = op!(self, ctx, write, |tx, a| async {
            dependencies::remove(tx, a, pid, wid, p.depends_on_id).await?;
            work_items::get(tx, a, pid, wid).await
        });
        done(r, |w| {
            format!(
                "#{} no longer depends on #{}",
                w.work_item_id, p.depends_on_id
            )
        })
    }
}
