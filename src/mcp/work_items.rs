//! Work item tools: search, read (with its parts), create, update, move, close, assign, tag,
//! and the caller's open work across projects.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Questlog;
use super::run::{ToolResult, done, item_line, lines, op, paging};
use crate::model::{
    ImportanceLevel, Paged, Paging, Stage, SubTask, WorkItem, WorkItemComment, WorkItemDependency,
    WorkLog,
};
use crate::ops::comments::{self, OnWorkItem};
use crate::ops::work_items::{self, CreateWorkItemValues, PatchWorkItemValues, SearchQuery};
use crate::ops::{
    Actor, OpError, OpResult, config, dependencies, projects, sub_tasks, work_item_tags,
    work_item_users, work_logs,
};
use crate::store::Tx;

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ItemArg {
    /// The project id (list_projects gives them).
    pub project_id: i64,
    /// The work item id (the number shown as #12).
    pub work_item_id: i64,
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchArgs {
    /// The project id (list_projects gives them).
    pub project_id: i64,
    /// Words that must all appear in the title or description (a word matches the words it starts).
    pub search_terms: Option<String>,
    /// Only this board (sprint); 0 for the backlog.
    pub board_id: Option<i64>,
    pub stage_id: Option<i64>,
    /// Only this category; -1 for user stories.
    pub category_id: Option<i64>,
    /// Only items assigned to this user.
    pub user_id: Option<i64>,
    pub importance_level_id: Option<i64>,
    /// Only items on the boards of this milestone.
    pub milestone_id: Option<i64>,
    /// Only items of this design element; 0 for items without one.
    pub design_element_id: Option<i64>,
    /// Only the tasks of this user story; 0 for items outside any story.
    pub parent_story_id: Option<i64>,
    /// id (default), title, duedate, updatedate, closingdate, board, designelement, stage,
    /// category or importancelevel.
    pub sort_field: Option<String>,
    /// asc (default) or desc.
    pub sort_mode: Option<String>,
    /// How many items to skip (default 0).
    pub offset: Option<i64>,
    /// Page size, 1 to 100 (default 25).
    pub limit: Option<i64>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateArgs {
    /// The project id (list_projects gives them).
    pub project_id: i64,
    pub title: String,
    /// Markdown.
    pub description: Option<String>,
    /// A user story (groups tasks) rather than a task.
    pub is_story: Option<bool>,
    /// The user story this task belongs to.
    pub parent_story_id: Option<i64>,
    /// Default: the project's first category.
    pub category_id: Option<i64>,
    /// The estimate, in the project's cost unit (usually hours).
    pub estimated_cost: Option<f64>,
    /// Default: the project's default importance level.
    pub importance_level_id: Option<i64>,
    /// The board (sprint); absent or 0 puts the item in the backlog.
    pub board_id: Option<i64>,
    pub design_element_id: Option<i64>,
    /// `YYYY-MM-DD`.
    pub start_date: Option<String>,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
    pub assigned_user_ids: Option<Vec<i64>>,
    pub tag_ids: Option<Vec<i64>>,
    /// Checklist entries to create with the item.
    pub sub_tasks: Option<Vec<String>>,
    /// Work items this one depends on (is blocked by).
    pub dependency_ids: Option<Vec<i64>>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateArgs {
    /// The project id (list_projects gives them).
    pub project_id: i64,
    /// The work item id (the number shown as #12).
    pub work_item_id: i64,
    /// Only the fields given change.
    pub title: Option<String>,
    /// An empty string clears it.
    pub description: Option<String>,
    pub is_story: Option<bool>,
    /// 0 takes the task out of its story.
    pub parent_story_id: Option<i64>,
    pub category_id: Option<i64>,
    pub estimated_cost: Option<f64>,
    pub importance_level_id: Option<i64>,
    /// 0 moves the item to the backlog.
    pub board_id: Option<i64>,
    pub stage_id: Option<i64>,
    /// 0 unlinks the design element.
    pub design_element_id: Option<i64>,
    /// `YYYY-MM-DD`; an empty string clears it.
    pub start_date: Option<String>,
    /// `YYYY-MM-DD`; an empty string clears it.
    pub due_date: Option<String>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MoveArgs {
    /// The project id (list_projects gives them).
    pub project_id: i64,
    /// The work item id (the number shown as #12).
    pub work_item_id: i64,
    /// The new stage (workflow column), from project_overview.
    pub stage_id: Option<i64>,
    /// The new board (sprint); 0 moves the item to the backlog.
    pub board_id: Option<i64>,
    /// The position in the board, 0 = top.
    pub board_index: Option<i64>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserArgs {
    /// The project id (list_projects gives them).
    pub project_id: i64,
    /// The work item id (the number shown as #12).
    pub work_item_id: i64,
    /// A project member's user id (project_overview lists them).
    pub user_id: i64,
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TagArgs {
    /// The project id (list_projects gives them).
    pub project_id: i64,
    /// The work item id (the number shown as #12).
    pub work_item_id: i64,
    /// One of the project's tags (project_overview lists them).
    pub tag_id: i64,
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MyWorkArgs {
    /// Only this project (default: every project).
    pub project_id: Option<i64>,
    /// How many items to skip (default 0).
    pub offset: Option<i64>,
    /// Page size, 1 to 100 (default 25).
    pub limit: Option<i64>,
}

/// `get_work_item`: the item with everything hanging off it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ItemDetails {
    work_item: WorkItem,
    sub_tasks: Vec<SubTask>,
    /// The first 100 comments, oldest first (`commentCount` has the total).
    comments: Vec<WorkItemComment>,
    comment_count: i64,
    /// The items this one depends on.
    dependencies: Vec<WorkItemDependency>,
    work_logs: Vec<WorkLog>,
}

/// `""` clears a text field in a patch; anything else sets it.
fn text_patch(v: Option<String>) -> Option<Option<String>> {
    v.map(|s| (!s.is_empty()).then_some(s))
}

/// `0` clears an id field in a patch.
fn id_patch(v: Option<i64>) -> Option<Option<i64>> {
    v.map(|id| (id != 0).then_some(id))
}

/// A patch that changes nothing; tools fill in their fields.
fn no_change() -> PatchWorkItemValues {
    PatchWorkItemValues {
        title: None,
        description: None,
        is_story: None,
        parent_id: None,
        category_id: None,
        estimated_cost: None,
        importance_level_id: None,
        board_id: None,
        design_element_id: None,
        start_date: None,
        due_date: None,
        stage_id: None,
        tag_ids: None,
        assigned_user_ids: None,
        board_index: None,
        design_element_index: None,
        is_blocked: None,
    }
}

/// The caller's open (not closed-stage) items in one project, every page of them.
async fn open_assigned(tx: &mut Tx, a: &Actor, pid: i64) -> OpResult<Vec<WorkItem>> {
    let q = SearchQuery {
        user_id: Some(a.user_id),
        ..Default::default()
    };
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let page = work_items::search(tx, a, pid, &q, Paging { offset, limit: 100 }).await?;
        let n = page.items.len() as i64;
        out.extend(
            page.items
                .into_iter()
                .filter(|w| w.stage.status != "closed"),
        );
        offset += n;
        if n == 0 || offset >= page.total_count {
            return Ok(out);
        }
    }
}

#[tool_router(router = work_item_tools, vis = "pub(super)")]
impl Questlog {
    #[tool(
        description = "Search and filter a project's work items (tasks and user stories): by \
                       words in the title or description, board (0 = backlog), stage, category, \
                       assignee, importance, milestone, design element or story. Paged: \
                       offset/limit (max 100), totalCount gives the number of matches.",
        annotations(read_only_hint = true)
    )]
    async fn search_work_items(
        &self,
        Parameters(p): Parameters<SearchArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let q = SearchQuery {
            board_id: p.board_id,
            milestone_id: p.milestone_id,
            category_id: p.category_id,
            user_id: p.user_id,
            design_element_id: p.design_element_id,
            stage_id: p.stage_id,
            importance_level_id: p.importance_level_id,
            parent_story_id: p.parent_story_id,
            search_terms: p.search_terms,
            sort_field: p.sort_field,
            sort_mode: p.sort_mode,
        };
        let r = op!(self, ctx, read, |tx, a| async {
            let page = paging(p.offset, p.limit)?;
            work_items::search(tx, a, p.project_id, &q, page).await
        });
        done(r, paged_items)
    }

    #[tool(
        description = "One work item in full: title, description, stage, board, category, \
                       assignees, tags, estimate and logged cost, dates, plus its sub-tasks \
                       (checklist), comments, dependencies (the items it waits for) and work logs.",
        annotations(read_only_hint = true)
    )]
    async fn get_work_item(
        &self,
        Parameters(p): Parameters<ItemArg>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let (pid, wid) = (p.project_id, p.work_item_id);
        let r = op!(self, ctx, read, |tx, a| async {
            let work_item = work_items::get(tx, a, pid, wid).await?;
            let (comment_count, comments) =
                comments::list::<OnWorkItem>(tx, a, pid, wid, 0, 100).await?;
            Ok::<_, OpError>(ItemDetails {
                work_item,
                sub_tasks: sub_tasks::list(tx, a, pid, wid).await?,
                comments,
                comment_count,
                dependencies: dependencies::list(tx, a, pid, wid).await?,
                work_logs: work_logs::list(tx, a, pid, wid).await?,
            })
        });
        done(r, |d| {
            let mut s = item_line(&d.work_item);
            if let Some(desc) = &d.work_item.description {
                s.push_str(&format!("\n\n{desc}\n"));
            }
            s.push_str(&format!(
                "\nEstimate {}, logged {}; {} sub-task(s) ({} done), {} comment(s), {} dependency(ies), {} work log(s)",
                d.work_item.estimated_cost,
                d.work_item.logged_cost,
                d.sub_tasks.len(),
                d.sub_tasks.iter().filter(|t| t.is_completed).count(),
                d.comment_count,
                d.dependencies.len(),
                d.work_logs.len()
            ));
            for t in &d.sub_tasks {
                let mark = if t.is_completed { "x" } else { " " };
                s.push_str(&format!(
                    "\n[{mark}] {} (sub-task {})",
                    t.title, t.sub_task_id
                ));
            }
            for c in &d.comments {
                s.push_str(&format!(
                    "\n{} ({}): {}",
                    c.user.username, c.creation_date, c.text
                ));
            }
            s
        })
    }

    #[tool(
        description = "Create a work item (a task, or a user story with isStory). It starts in \
                       the project's first stage, in the backlog unless boardId names a board. \
                       Category and importance default to the project's defaults.",
        annotations(destructive_hint = false)
    )]
    async fn create_work_item(
        &self,
        Parameters(p): Parameters<CreateArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let pid = p.project_id;
        let r = op!(self, ctx, write, |tx, a| async {
            let importance_level_id = match p.importance_level_id {
                Some(id) => Some(id),
                None => {
                    let levels: Vec<ImportanceLevel> = config::list(tx, a, pid).await?;
                    levels
                        .iter()
                        .find(|l| l.is_default)
                        .or(levels.first())
                        .map(|l| l.importance_level_id)
                }
            };
            let v = CreateWorkItemValues {
                title: Some(p.title),
                description: p.description,
                is_story: p.is_story,
                parent_id: p.parent_story_id,
                category_id: p.category_id,
                estimated_cost: p.estimated_cost,
                importance_level_id,
                board_id: p.board_id,
                design_element_id: p.design_element_id,
                start_date: p.start_date,
                due_date: p.due_date,
                assigned_user_ids: p.assigned_user_ids,
                tag_ids: p.tag_ids,
                sub_tasks: p.sub_tasks,
                dependency_ids: p.dependency_ids,
                milestone_id: None,
                stage_id: None,
            };
            work_items::create(tx, a, pid, None, v).await
        });
        done(r, |w| format!("Created {}", item_line(w)))
    }

    #[tool(
        description = "Change a work item's fields: title, description, category, estimate, \
                       importance, board, stage, design element, story, start and due dates. \
                       Only the fields given change. Use assign_user/tag tools for assignees \
                       and tags.",
        annotations(destructive_hint = false, idempotent_hint = true)
    )]
    async fn update_work_item(
        &self,
        Parameters(p): Parameters<UpdateArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let v = PatchWorkItemValues {
            title: p.title.map(Some),
            description: text_patch(p.description),
            is_story: p.is_story,
            parent_id: id_patch(p.parent_story_id),
            category_id: p.category_id.map(Some),
            estimated_cost: p.estimated_cost,
            importance_level_id: p.importance_level_id,
            board_id: p.board_id.map(Some),
            design_element_id: id_patch(p.design_element_id),
            start_date: text_patch(p.start_date),
            due_date: text_patch(p.due_date),
            stage_id: p.stage_id,
            ..no_change()
        };
        let r = op!(self, ctx, write, |tx, a| work_items::patch(
            tx,
            a,
            p.project_id,
            p.work_item_id,
            v
        ));
        done(r, |w| format!("Updated {}", item_line(w)))
    }

    #[tool(
        description = "Move a work item to another stage (e.g. In progress, Testing) and/or \
                       another board (sprint; 0 = backlog), optionally to a position in the board.",
        annotations(destructive_hint = false, idempotent_hint = true)
    )]
    async fn move_work_item(
        &self,
        Parameters(p): Parameters<MoveArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let v = PatchWorkItemValues {
            stage_id: p.stage_id,
            board_id: p.board_id.map(Some),
            board_index: p.board_index,
            ..no_change()
        };
        let r = op!(self, ctx, write, |tx, a| work_items::patch(
            tx,
            a,
            p.project_id,
            p.work_item_id,
            v
        ));
        done(r, |w| format!("Moved {}", item_line(w)))
    }

    #[tool(
        description = "Close a work item: move it to the project's completed (closed) stage.",
        annotations(destructive_hint = false, idempotent_hint = true)
    )]
    async fn close_work_item(
        &self,
        Parameters(p): Parameters<ItemArg>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let r = op!(self, ctx, write, |tx, a| async {
            let stages: Vec<Stage> = config::list(tx, a, p.project_id).await?;
            let closed = stages
                .iter()
                .find(|s| s.status == "closed")
                .ok_or_else(|| OpError::conflict("The project has no closed stage."))?;
            let v = PatchWorkItemValues {
                stage_id: Some(closed.stage_id),
                ..no_change()
            };
            work_items::patch(tx, a, p.project_id, p.work_item_id, v).await
        });
        done(r, |w| format!("Closed {}", item_line(w)))
    }

    #[tool(
        description = "Assign a project member to a work item (items can have several assignees).",
        annotations(destructive_hint = false, idempotent_hint = true)
    )]
    async fn assign_user(
        &self,
        Parameters(p): Parameters<UserArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let (pid, wid) = (p.project_id, p.work_item_id);
        let r = op!(self, ctx, write, |tx, a| async {
            work_item_users::assign(tx, a, pid, wid, p.user_id).await?;
            work_items::get(tx, a, pid, wid).await
        });
        done(r, |w| {
            format!("Assigned user {}: {}", p.user_id, item_line(w))
        })
    }

    #[tool(
        description = "Remove an assignee from a work item.",
        annotations(destructive_hint = false, idempotent_hint = true)
    )]
    async fn unassign_user(
        &self,
        Parameters(p): Parameters<UserArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let (pid, wid) = (p.project_id, p.work_item_id);
        let r = op!(self, ctx, write, |tx, a| async {
            work_item_users::unassign(tx, a, pid, wid, p.user_id).await?;
            work_items::get(tx, a, pid, wid).await
        });
        done(r, |w| {
            format!("Unassigned user {}: {}", p.user_id, item_line(w))
        })
    }

    #[tool(
        description = "Add one of the project's tags to a work item.",
        annotations(destructive_hint = false, idempotent_hint = true)
    )]
    async fn tag_work_item(
        &self,
        Parameters(p): Parameters<TagArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let (pid, wid) = (p.project_id, p.work_item_id);
        let r = op!(self, ctx, write, |tx, a| async {
            work_item_tags::add(tx, a, pid, wid, p.tag_id).await?;
            work_items::get(tx, a, pid, wid).await
        });
        done(r, |w| format!("Tagged {}", item_line(w)))
    }

    #[tool(
        description = "Remove a tag from a work item.",
        annotations(destructive_hint = false, idempotent_hint = true)
    )]
    async fn untag_work_item(
        &self,
        Parameters(p): Parameters<TagArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let (pid, wid) = (p.project_id, p.work_item_id);
        let r = op!(self, ctx, write, |tx, a| async {
            work_item_tags::remove(tx, a, pid, wid, p.tag_id).await?;
            work_items::get(tx, a, pid, wid).await
        });
        done(r, |w| format!("Untagged {}", item_line(w)))
    }

    #[tool(
        description = "My open work: the work items assigned to the key's user that are not in \
                       a closed stage, in one project or across all of them. Paged \
                       (offset/limit); totalCount gives the number of open items.",
        annotations(read_only_hint = true)
    )]
    async fn my_open_work(
        &self,
        Parameters(p): Parameters<MyWorkArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let r = op!(self, ctx, read, |tx, a| async {
            let page = paging(p.offset, p.limit)?;
            let pids = match p.project_id {
                Some(pid) => vec![pid],
                None => projects::list(tx, a)
                    .await?
                    .into_iter()
                    .map(|p| p.id)
                    .collect(),
            };
            let mut all = Vec::new();
            for pid in pids {
                all.extend(open_assigned(tx, a, pid).await?);
            }
            Ok::<_, OpError>(Paged {
                total_count: all.len() as i64,
                offset: page.offset,
                limit: page.limit,
                items: all
                    .into_iter()
                    .skip(page.offset as usize)
                    .take(page.limit as usize)
                    .collect(),
            })
        });
        done(r, paged_items)
    }
}

fn paged_items(pg: &Paged<WorkItem>) -> String {
    let shown = pg.items.len() as i64;
    let heading = if shown == 0 {
        format!("No work items here ({} in total).", pg.total_count)
    } else {
        format!(
            "Work items {}-{} of {}:",
            pg.offset + 1,
            pg.offset + shown,
            pg.total_count
        )
    };
    lines(heading, &pg.items, |w| {
        format!("{} (project {})", item_line(w), w.project_id)
    })
}
