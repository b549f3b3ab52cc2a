//! Prompts: ready-made requests a user picks in their assistant. Each carries the data it
//! needs (read as the caller, like a tool) and tells the model which tools to use next.
//! Prompt arguments are strings on the wire, so ids arrive as text.

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{GetPromptResult, PromptMessage, Role};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, prompt, prompt_router};
use schemars::JsonSchema;
use serde::Deserialize;

use super::Questlog;
use super::run::{item_line, op};
use crate::model::Paging;
use crate::ops::work_items::{self, SearchQuery};
use crate::ops::{OpError, activity};

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlanArgs {
    /// The project id.
    pub project_id: String,
    /// The board (sprint) to fill, if it exists already.
    pub board_id: Option<String>,
    /// The team's capacity for the sprint, in the project's cost unit (e.g. "80").
    pub capacity: Option<String>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StandupArgs {
    /// The project id.
    pub project_id: String,
}

fn id(field: &str, v: &str) -> Result<i64, ErrorData> {
    v.trim()
        .parse()
        .map_err(|_| ErrorData::invalid_params(format!("{field} must be a number"), None))
}

fn op_error(e: OpError) -> ErrorData {
    match e {
        OpError::NotFound => ErrorData::invalid_params("No such project.", None),
        OpError::Internal(cause) => {
            tracing::error!(%cause, "internal error in an MCP prompt");
            ErrorData::internal_error("An error has occurred.", None)
        }
        other => ErrorData::invalid_params(other.to_string(), None),
    }
}

#[prompt_router(vis = "pub(super)")]
impl Questlog {
    /// Plan the next sprint from the backlog.
    #[prompt(
        name = "plan_sprint",
        description = "Plan the next sprint from the project's backlog: pick the most important \
                       items that fit the capacity and move them onto the sprint's board."
    )]
    async fn plan_sprint(
        &self,
        Parameters(p): Parameters<PlanArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<GetPromptResult, ErrorData> {
        let pid = id("projectId", &p.project_id)?;
        let q = SearchQuery {
            board_id: Some(0),
            sort_field: Some("importancelevel".into()),
            ..Default::default()
        };
        let page = Paging {
            offset: 0,
            limit: 100,
        };
        let backlog = op!(self, ctx, read, |tx, a| work_items::search(
            tx, a, pid, &q, page
        ))
        .map_err(op_error)?;
        let mut text = format!(
            "Plan the next sprint of project {pid}. The backlog has {} item(s); the first {} by importance:\n",
            backlog.total_count,
            backlog.items.len()
        );
        for w in &backlog.items {
            text.push_str(&format!(
                "- {} (importance {}, estimate {})\n",
                item_line(w),
                w.importance_level.name,
                w.estimated_cost
            ));
        }
        if let Some(c) = &p.capacity {
            text.push_str(&format!("\nThe team's capacity is {c}.\n"));
        }
        match &p.board_id {
            Some(b) => text.push_str(&format!(
                "\nFill board {b}: move the chosen items there with move_work_item (boardId {b})."
            )),
            None => text.push_str(
                "\nUse project_overview to find the sprint's board, then move the chosen items \
                 there with move_work_item.",
            ),
        }
        text.push_str(
            " Prefer important items, respect dependencies (get_work_item shows them), keep the \
             total estimate within the capacity, and assign owners with assign_user where it is \
             obvious. First propose the plan and its total estimate; change nothing before the \
             user agrees.",
        );
        Ok(
            GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)])
                .with_description("Sprint planning from the backlog"),
        )
    }

    /// Write today's stand-up from the activity.
    #[prompt(
        name = "standup",
        description = "Write today's stand-up (done, doing, blocked) from the project's recent \
                       activity and the user's open work."
    )]
    async fn standup(
        &self,
        Parameters(p): Parameters<StandupArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<GetPromptResult, ErrorData> {
        let pid = id("projectId", &p.project_id)?;
        let page = Paging {
            offset: 0,
            limit: 100,
        };
        let changes =
            op!(self, ctx, read, |tx, a| activity::list(tx, a, pid, page)).map_err(op_error)?;
        let mut text = format!(
            "Write today's stand-up for project {pid} from its latest activity (newest first):\n"
        );
        for c in &changes.items {
            let who = c.user.as_ref().map_or("someone", |u| u.username.as_str());
            text.push_str(&format!(
                "- {} {who}: {} {} #{}\n",
                c.creation_date, c.event, c.entity_kind, c.entity_id
            ));
        }
        text.push_str(
            "\nGroup it per person as Done (since yesterday), Doing (today) and Blocked. Use \
             get_work_item for the titles and details of the items involved and my_open_work for \
             what is still open. Keep it short: a few bullets per person.",
        );
        Ok(
            GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)])
                .with_description("Stand-up from the activity"),
        )
    }
}
