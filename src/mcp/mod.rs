//! The MCP adapter (issue 14): Questlog's operations as Model Context Protocol tools, resources
//! and prompts, served over Streamable HTTP at `/mcp` (see [`http`]) and over stdio by
//! `questlog mcp` (see [`stdio`]). Built on the official Rust SDK, `rmcp`.
//!
//! Like the v0 adapter, every tool resolves its caller to an [`Actor`] (the key's user and
//! scopes), opens a transaction, calls `ops::…` and commits: no SQL and no permission rule live
//! here, so every change lands in the change log and fires webhooks. Replies carry the API's own
//! wire types as structured content plus a one-line text form; a refused or failed operation is
//! a tool result with `isError: true` and the API's message, never a protocol error.
//!
//! One module per tool group, as in `http/`: [`projects`] (who am I, projects, overview, boards,
//! metrics, calendar, activity), [`work_items`] (search, read, create, edit, move, close,
//! assign, tag, my open work), [`parts`] (sub-tasks, comments, work logs, dependencies),
//! [`design`] (the design model), [`resources`] (Markdown views) and [`prompts`].

mod design;
pub mod http;
mod parts;
mod projects;
mod prompts;
mod resources;
mod run;
pub mod stdio;
mod work_items;

use rmcp::handler::server::router::prompt::PromptRouter;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, GetPromptRequestParams, GetPromptResponse,
    Implementation, ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult,
    ListToolsResult, PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse,
    ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};

use crate::store::Db;

/// How a request's caller is found.
#[derive(Clone)]
enum Caller {
    /// HTTP: the `Actor` the `/mcp` auth layer put in the request's extensions.
    PerRequest,
    /// stdio: the key given on the command line, looked up again for every call, so a revoked
    /// key or a changed scope takes effect as on HTTP.
    Key(String),
}

/// The MCP server: one per HTTP request (stateless) or one per stdio process.
#[derive(Clone)]
pub struct Questlog {
    db: Db,
    caller: Caller,
    tools: ToolRouter<Questlog>,
    prompts: PromptRouter<Questlog>,
}

impl Questlog {
    fn new(db: Db, caller: Caller) -> Self {
        Questlog {
            db,
            caller,
            tools: Self::project_tools()
                + Self::work_item_tools()
                + Self::part_tools()
                + Self::design_tools(),
            prompts: Self::prompt_router(),
        }
    }
}

const INSTRUCTIONS: &str = "Questlog is the studio's game project tracker (HacknPlan-compatible). \
Start with list_projects, then project_overview for a project's boards, stages, categories, \
importance levels, tags and members: work items refer to those by id. Use search_work_items or \
my_open_work to find items, get_work_item for the full picture, and the write tools to plan and \
report work. Everything runs as the API key's user, with its permissions.";

impl ServerHandler for Questlog {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .enable_prompts()
                .build(),
        )
        .with_server_info(Implementation::new("questlog", env!("CARGO_PKG_VERSION")))
        .with_instructions(INSTRUCTIONS)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        self.tools
            .call(ToolCallContext::new(self, request, context))
            .await
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools.list_all()))
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        resources::list(self, &context).await
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        Ok(ListResourceTemplatesResult::with_all_items(
            resources::templates(),
        ))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        resources::read(self, &request.uri, &context)
            .await
            .map(Into::into)
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        Ok(ListPromptsResult::with_all_items(self.prompts.list_all()))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        let pcx = rmcp::handler::server::prompt::PromptContext::new(
            self,
            request.name,
            request.arguments,
            context,
        );
        self.prompts.get_prompt(pcx).await
    }
}
