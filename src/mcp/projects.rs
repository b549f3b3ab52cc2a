//! Tools about the caller and their projects: who am I, the projects, a project's overview,
//! metrics, calendar and recent activity.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Questlog;
use super::run::{ToolResult, done, lines, op, paging};
use crate::model::{
    Board, Category, ImportanceLevel, Metrics, Project, ProjectUser, Stage, Tag, User,
};
use crate::ops::{self, OpError, activity, boards, calendar, categories, config, project_users};

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectArg {
    /// The project id (from list_projects).
    pub project_id: i64,
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BoardMetricsArgs {
    /// The project id (list_projects gives them).
    pub project_id: i64,
    /// The board (sprint) id, from project_overview.
    pub board_id: i64,
    /// Only the work items assigned to this user.
    pub user_id: Option<i64>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateBoardArgs {
    /// The project id (list_projects gives them).
    pub project_id: i64,
    /// The board's name, e.g. "Sprint 4".
    pub name: String,
    pub description: Option<String>,
    /// First day, `YYYY-MM-DD`.
    pub start_date: Option<String>,
    /// Last day, `YYYY-MM-DD`.
    pub due_date: Option<String>,
    /// A milestone of the project the board belongs to.
    pub milestone_id: Option<i64>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CalendarArgs {
    /// The project id (list_projects gives them).
    pub project_id: i64,
    /// First day of the window, `YYYY-MM-DD` (default: no lower bound).
    pub from: Option<String>,
    /// Last day of the window, `YYYY-MM-DD`, inclusive (default: no upper bound).
    pub to: Option<String>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PageArgs {
    /// The project id (list_projects gives them).
    pub project_id: i64,
    /// How many entries to skip (default 0).
    pub offset: Option<i64>,
    /// Page size, 1 to 100 (default 25).
    pub limit: Option<i64>,
}

/// `whoami`: the user and the scopes of the key.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WhoAmI {
    user: User,
    /// The key's scopes, space-separated (`workitems:write projects:read …`).
    scopes: String,
}

/// `project_overview`: what a model needs to know before it reads or files work items.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Overview {
    pub project: Project,
    /// Open boards (sprints); work items on no board are in the backlog.
    pub boards: Vec<Board>,
    pub stages: Vec<Stage>,
    pub categories: Vec<Category>,
    pub importance_levels: Vec<ImportanceLevel>,
    pub tags: Vec<Tag>,
    pub members: Vec<ProjectUser>,
    /// Open and closed counts and costs, per category and in total.
    pub metrics: Metrics,
}

impl Questlog {
    /// Everything `project_overview` and the summary resource show, in one read transaction.
    pub(super) async fn overview(
        &self,
        ctx: &RequestContext<RoleServer>,
        pid: i64,
    ) -> Result<Overview, OpError> {
        op!(self, ctx, read, |tx, a| async {
            Ok::<_, OpError>(Overview {
                project: ops::projects::get(tx, a, pid).await?,
                boards: boards::list(tx, a, pid, false).await?,
                stages: config::list(tx, a, pid).await?,
                categories: categories::list(tx, a, pid).await?,
                importance_levels: config::list(tx, a, pid).await?,
                tags: config::list(tx, a, pid).await?,
                members: project_users::list(tx, a, pid, false, true).await?,
                metrics: ops::projects::metrics(tx, a, pid).await?,
            })
        })
    }
}

pub(super) fn metrics_line(m: &Metrics) -> String {
    let t = &m.totals;
    format!(
        "{} open and {} closed work items; estimated {}, logged {}, remaining {}",
        t.open_work_items, t.closed_work_items, t.estimated_cost, t.logged_cost, t.remaining_cost
    )
}

#[tool_router(router = project_tools, vis = "pub(super)")]
impl Questlog {
    #[tool(
        description = "Who am I: the Questlog user this API key acts as, and the key's scopes. \
                       Work items assigned to this user are 'my' work.",
        annotations(read_only_hint = true)
    )]
    async fn whoami(&self, ctx: RequestContext<RoleServer>) -> ToolResult {
        let r = op!(self, ctx, read, |tx, a| async {
            Ok::<_, OpError>(WhoAmI {
                user: ops::users::me(tx, a).await?,
                scopes: a.scopes.to_stored(),
            })
        });
        done(r, |w| {
            format!(
                "You are {} (user id {}, {}); key scopes: {}",
                w.user.username, w.user.id, w.user.email, w.scopes
            )
        })
    }

    #[tool(
        description = "List the projects the user is a member of (id, name, description). \
                       Most other tools take one of these project ids.",
        annotations(read_only_hint = true)
    )]
    async fn list_projects(&self, ctx: RequestContext<RoleServer>) -> ToolResult {
        let r = op!(self, ctx, read, |tx, a| ops::projects::list(tx, a));
        done(r, |ps| {
            lines(format!("{} project(s):", ps.len()), ps, |p| {
                format!("{} (id {})", p.name, p.id)
            })
        })
    }

    #[tool(
        description = "A project at a glance: its open boards (sprints), its stages (workflow \
                       columns; status created/started/closed), categories, importance levels, \
                       tags, members (user ids for assigning) and open/closed work item counts. \
                       Call this before creating or moving work items: they refer to these ids.",
        annotations(read_only_hint = true)
    )]
    async fn project_overview(
        &self,
        Parameters(p): Parameters<ProjectArg>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let r = self.overview(&ctx, p.project_id).await;
        done(r, |o| {
            let names = |v: Vec<String>| v.join(", ");
            format!(
                "{} (id {}): {}.\nBoards: {}\nStages: {}\nCategories: {}\nImportance levels: {}\nTags: {}\nMembers: {}",
                o.project.name,
                o.project.id,
                metrics_line(&o.metrics),
                names(
                    o.boards
                        .iter()
                        .map(|b| format!("{} ({})", b.name, b.board_id))
                        .collect()
                ),
                names(
                    o.stages
                        .iter()
                        .map(|s| format!("{} ({}, {})", s.name, s.stage_id, s.status))
                        .collect()
                ),
                names(
                    o.categories
                        .iter()
                        .map(|c| format!("{} ({})", c.name, c.category_id))
                        .collect()
                ),
                names(
                    o.importance_levels
                        .iter()
                        .map(|l| format!("{} ({})", l.name, l.importance_level_id))
                        .collect()
                ),
                names(
                    o.tags
                        .iter()
                        .map(|t| format!("{} ({})", t.name, t.tag_id))
                        .collect()
                ),
                names(
                    o.members
                        .iter()
                        .map(|m| format!("{} ({})", m.user.username, m.user.id))
                        .collect()
                ),
            )
        })
    }

    #[tool(
        description = "Create a board: a sprint (with start and due dates) or any other list of \
                       work to do. Items are then put on it with move_work_item or \
                       create_work_item's boardId. Needs the project's board permission.",
        annotations(destructive_hint = false)
    )]
    async fn create_board(
        &self,
        Parameters(p): Parameters<CreateBoardArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let v = boards::BoardValues {
            name: Some(p.name),
            milestone_id: p.milestone_id,
            description: p.description,
            general_info: None,
            start_date: p.start_date,
            due_date: p.due_date,
        };
        let r = op!(self, ctx, write, |tx, a| boards::create(
            tx,
            a,
            p.project_id,
            v
        ));
        done(r, |b| format!("Created board {} ({})", b.name, b.board_id))
    }

    #[tool(
        description = "Metrics of a whole project: total, open and closed work items, estimated, \
                       logged and remaining cost, in total and per category.",
        annotations(read_only_hint = true)
    )]
    async fn project_metrics(
        &self,
        Parameters(p): Parameters<ProjectArg>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let r = op!(self, ctx, read, |tx, a| ops::projects::metrics(
            tx,
            a,
            p.project_id
        ));
        done(r, |m| {
            format!("Project {}: {}", p.project_id, metrics_line(m))
        })
    }

    #[tool(
        description = "Metrics of one board (sprint): open and closed work items, estimated, \
                       logged and remaining cost, optionally for one assignee only. Use it for \
                       sprint progress and burndown questions.",
        annotations(read_only_hint = true)
    )]
    async fn board_metrics(
        &self,
        Parameters(p): Parameters<BoardMetricsArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let r = op!(self, ctx, read, |tx, a| boards::metrics(
            tx,
            a,
            p.project_id,
            p.board_id,
            p.user_id
        ));
        done(r, |m| format!("Board {}: {}", p.board_id, metrics_line(m)))
    }

    #[tool(
        description = "The project calendar in a date window: boards, milestones, work items and \
                       design elements whose start or due dates touch it, by start date.",
        annotations(read_only_hint = true)
    )]
    async fn calendar(
        &self,
        Parameters(p): Parameters<CalendarArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let r = op!(self, ctx, read, |tx, a| calendar::list(
            tx,
            a,
            p.project_id,
            p.from.as_deref(),
            p.to.as_deref()
        ));
        done(r, |evs| {
            lines(format!("{} event(s):", evs.len()), evs, |e| {
                format!("{} to {}: {}", e.start_date, e.end_date, e.name)
            })
        })
    }

    #[tool(
        description = "Recent activity of a project, newest first: who created, changed, moved, \
                       commented or logged work on what, from the change log. Paged \
                       (offset/limit); totalCount tells how many there are.",
        annotations(read_only_hint = true)
    )]
    async fn recent_activity(
        &self,
        Parameters(p): Parameters<PageArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let r = op!(self, ctx, read, |tx, a| async {
            let page = paging(p.offset, p.limit)?;
            activity::list(tx, a, p.project_id, page).await
        });
        done(r, |pg| {
            lines(
                format!(
                    "Changes {}-{} of {}:",
                    pg.offset + 1,
                    pg.offset + pg.items.len() as i64,
                    pg.total_count
                ),
                &pg.items,
                |c| {
                    let who = c.user.as_ref().map_or("someone", |u| u.username.as_str());
                    format!(
                        "{} {} {} #{} by {who}",
                        c.creation_date, c.event, c.entity_kind, c.entity_id
                    )
                },
            )
        })
    }
}
