//! Design model tools: the tree of game design elements (features, levels, characters…),
//! one element, creating one, and moving one under another parent.

use std::collections::BTreeMap;

use rmcp::handler::server::wrapper::Parameters;
use rmcp::service::RequestContext;
use rmcp::{RoleServer, tool, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Questlog;
use super::projects::ProjectArg;
use super::run::{ToolResult, done, op};
use crate::model::{DesignElement, DesignElementType};
use crate::ops::design_elements::{self, CreateDesignElementValues, PatchDesignElementValues};
use crate::ops::{OpError, config};

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ElementArgs {
    /// The project id (list_projects gives them).
    pub project_id: i64,
    /// The design element id (design_tree lists them).
    pub design_element_id: i64,
    /// Include the element's subtree (default false).
    pub include_children: Option<bool>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateElementArgs {
    /// The project id (list_projects gives them).
    pub project_id: i64,
    /// One of the project's design element types (design_tree lists them).
    pub design_element_type_id: i64,
    pub name: String,
    /// Markdown.
    pub description: Option<String>,
    /// The parent element; absent or 0 for a root element.
    pub parent_id: Option<i64>,
    /// `YYYY-MM-DD`.
    pub start_date: Option<String>,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MoveElementArgs {
    /// The project id (list_projects gives them).
    pub project_id: i64,
    /// The design element id (design_tree lists them).
    pub design_element_id: i64,
    /// The new parent; 0 makes the element a root.
    pub parent_id: i64,
    /// Position among its new siblings, 0 = first (default: last).
    pub index: Option<i64>,
}

/// `design_tree`: the element types and every element (each with its parent and direct children).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Tree {
    types: Vec<DesignElementType>,
    elements: Vec<DesignElement>,
}

fn parent_of(e: &DesignElement) -> Option<i64> {
    e.parent.as_ref().map(|p| p.design_element_id)
}

/// The tree as indented lines: `- Combat (feature, id 3) 2/5 items closed`.
fn tree_text(elements: &[DesignElement]) -> String {
    let mut kids: BTreeMap<Option<i64>, Vec<&DesignElement>> = BTreeMap::new();
    for e in elements {
        kids.entry(parent_of(e)).or_default().push(e);
    }
    fn walk(
        out: &mut String,
        kids: &BTreeMap<Option<i64>, Vec<&DesignElement>>,
        at: Option<i64>,
        depth: usize,
    ) {
        // A parent hidden from the caller leaves no cycle: ids only go down the tree.
        for e in kids.get(&at).into_iter().flatten() {
            out.push_str(&format!(
                "\n{}- {} ({}, id {}) {}/{} items closed",
                "  ".repeat(depth),
                e.name,
                e.design_element_type.name,
                e.design_element_id,
                e.closed_work_item_count,
                e.total_work_item_count
            ));
            walk(out, kids, Some(e.design_element_id), depth + 1);
        }
    }
    let mut out = format!("{} design element(s):", elements.len());
    walk(&mut out, &kids, None, 0);
    out
}

fn element_line(e: &DesignElement) -> String {
    let parent = e.parent.as_ref().map_or("a root element".to_string(), |p| {
        format!("under {} ({})", p.name, p.design_element_id)
    });
    format!(
        "{} ({}, id {}), {parent}, position {}",
        e.name, e.design_element_type.name, e.design_element_id, e.index
    )
}

#[tool_router(router = design_tools, vis = "pub(super)")]
impl Questlog {
    #[tool(
        description = "The project's game design model as a tree (features, levels, characters… \
                       whatever the element types are), with work item counts per element, and \
                       the design element types.",
        annotations(read_only_hint = true)
    )]
    async fn design_tree(
        &self,
        Parameters(p): Parameters<ProjectArg>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let pid = p.project_id;
        let r = op!(self, ctx, read, |tx, a| async {
            Ok::<_, OpError>(Tree {
                elements: design_elements::list(tx, a, pid).await?,
                types: config::list(tx, a, pid).await?,
            })
        });
        done(r, |t| {
            let types: Vec<String> = t
                .types
                .iter()
                .map(|ty| format!("{} ({})", ty.name, ty.design_element_type_id))
                .collect();
            format!("{}\nTypes: {}", tree_text(&t.elements), types.join(", "))
        })
    }

    #[tool(
        description = "One design element: name, type, description, dates, work item counts, \
                       parent, and with includeChildren its subtree.",
        annotations(read_only_hint = true)
    )]
    async fn get_design_element(
        &self,
        Parameters(p): Parameters<ElementArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let r = op!(self, ctx, read, |tx, a| design_elements::get(
            tx,
            a,
            p.project_id,
            p.design_element_id,
            p.include_children.unwrap_or(false)
        ));
        done(r, element_line)
    }

    #[tool(
        description = "Create a design element, at the root or under a parent element.",
        annotations(destructive_hint = false)
    )]
    async fn create_design_element(
        &self,
        Parameters(p): Parameters<CreateElementArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let v = CreateDesignElementValues {
            design_element_type_id: Some(p.design_element_type_id),
            name: Some(p.name),
            description: p.description,
            parent_id: p.parent_id,
            start_date: p.start_date,
            due_date: p.due_date,
            index: None,
        };
        let r = op!(self, ctx, write, |tx, a| design_elements::create(
            tx,
            a,
            p.project_id,
            v
        ));
        done(r, |e| format!("Created {}", element_line(e)))
    }

    #[tool(
        description = "Move a design element under another parent (0: to the root), optionally \
                       to a position among its new siblings. Its subtree moves with it.",
        annotations(destructive_hint = false, idempotent_hint = true)
    )]
    async fn move_design_element(
        &self,
        Parameters(p): Parameters<MoveElementArgs>,
        ctx: RequestContext<RoleServer>,
    ) -> ToolResult {
        let v = PatchDesignElementValues {
            design_element_type_id: None,
            name: None,
            description: None,
            parent_id: Some((p.parent_id != 0).then_some(p.parent_id)),
            start_date: None,
            due_date: None,
            index: p.index,
        };
        let r = op!(self, ctx, write, |tx, a| design_elements::patch(
            tx,
            a,
            p.project_id,
            p.design_element_id,
            v
        ));
        done(r, |e| format!("Moved {}", element_line(e)))
    }
}
