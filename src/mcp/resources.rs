//! Resources: a project's summary and a board, as Markdown an assistant can read into its
//! context. `questlog://projects/{projectId}/summary` and
//! `questlog://projects/{projectId}/boards/{boardId}`.

use rmcp::model::{
    ListResourcesResult, ReadResourceResult, Resource, ResourceContents, ResourceTemplate,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer};

use super::Questlog;
use super::projects::{Overview, metrics_line};
use super::run::{item_line, op};
use crate::model::{Board, Paging, WorkItem};
use crate::ops::work_items::{self, SearchQuery};
use crate::ops::{OpError, boards, projects};

/// Most items a board resource lists (a board is a sprint: far fewer in practice).
const BOARD_ITEMS_MAX: i64 = 500;

pub fn templates() -> Vec<ResourceTemplate> {
    vec![
        ResourceTemplate::new("questlog://projects/{projectId}/summary", "project-summary")
            .with_description("A project's boards, stages, members and open work, as Markdown.")
            .with_mime_type("text/markdown"),
        ResourceTemplate::new("questlog://projects/{projectId}/boards/{boardId}", "board")
            .with_description("A board (sprint) with its work items by stage, as Markdown.")
            .with_mime_type("text/markdown"),
    ]
}

/// The operation's error as a protocol error (resources have no `isError` result).
fn to_error(e: OpError) -> ErrorData {
    match e {
        OpError::NotFound => ErrorData::resource_not_found("Not found.", None),
        OpError::Internal(cause) => {
            tracing::error!(%cause, "internal error in an MCP resource");
            ErrorData::internal_error("An error has occurred.", None)
        }
        OpError::Validation(_) => ErrorData::invalid_params("The request is invalid.", None),
        OpError::Forbidden(m) | OpError::Invalid(m) | OpError::Conflict(m) => {
            ErrorData::invalid_request(m, None)
        }
    }
}

/// Every project's summary and each of its open boards.
pub async fn list(
    srv: &Questlog,
    ctx: &RequestContext<RoleServer>,
) -> Result<ListResourcesResult, ErrorData> {
    let all = op!(srv, ctx, read, |tx, a| async {
        let mut out = Vec::new();
        for p in projects::list(tx, a).await? {
            // A key without the scope to list boards still sees the summaries.
            let bs = boards::list(tx, a, p.id, false).await.unwrap_or_default();
            out.push((p, bs));
        }
        Ok::<_, OpError>(out)
    })
    .map_err(to_error)?;
    let mut rs = Vec::new();
    for (p, bs) in all {
        rs.push(
            Resource::new(
                format!("questlog://projects/{}/summary", p.id),
                format!("{} summary", p.name),
            )
            .with_mime_type("text/markdown"),
        );
        for b in bs {
            rs.push(
                Resource::new(
                    format!("questlog://projects/{}/boards/{}", p.id, b.board_id),
                    format!("{}: {}", p.name, b.name),
                )
                .with_mime_type("text/markdown"),
            );
        }
    }
    Ok(ListResourcesResult::with_all_items(rs))
}

/// `(projectId, Some(boardId))` for a board, `(projectId, None)` for a summary.
fn parse(uri: &str) -> Option<(i64, Option<i64>)> {
    let rest = uri.strip_prefix("questlog://projects/")?;
    let parts: Vec<&str> = rest.split('/').collect();
    match parts.as_slice() {
        [pid, "summary"] => Some((pid.parse().ok()?, None)),
        [pid, "boards", bid] => Some((pid.parse().ok()?, Some(bid.parse().ok()?))),
        _ => None,
    }
}

pub async fn read(
    srv: &Questlog,
    uri: &str,
    ctx: &RequestContext<RoleServer>,
) -> Result<ReadResourceResult, ErrorData> {
    let Some((pid, board)) = parse(uri) else {
        return Err(ErrorData::resource_not_found(
            format!("No resource {uri}"),
            None,
        ));
    };
    let text = match board {
        None => summary_md(&srv.overview(ctx, pid).await.map_err(to_error)?),
        Some(bid) => {
            let (b, items) = op!(srv, ctx, read, |tx, a| async {
                let b = boards::get(tx, a, pid, bid).await?;
                let items = board_items(tx, a, pid, bid).await?;
                Ok::<_, OpError>((b, items))
            })
            .map_err(to_error)?;
            board_md(&b, &items)
        }
    };
    Ok(ReadResourceResult::new(vec![
        ResourceContents::text(text, uri).with_mime_type("text/markdown"),
    ]))
}

async fn board_items(
    tx: &mut crate::store::Tx,
    a: &crate::ops::Actor,
    pid: i64,
    bid: i64,
) -> Result<Vec<WorkItem>, OpError> {
    let q = SearchQuery {
        board_id: Some(bid),
        ..Default::default()
    };
    let mut out = Vec::new();
    while (out.len() as i64) < BOARD_ITEMS_MAX {
        let page = Paging {
            offset: out.len() as i64,
            limit: 100,
        };
        let got = work_items::search(tx, a, pid, &q, page).await?;
        let done = got.items.is_empty() || page.offset + 100 >= got.total_count;
        out.extend(got.items);
        if done {
            break;
        }
    }
    Ok(out)
}

pub(super) fn summary_md(o: &Overview) -> String {
    let p = &o.project;
    let mut s = format!("# {} (project {})\n\n", p.name, p.id);
    if let Some(d) = &p.description {
        s.push_str(&format!("{d}\n\n"));
    }
    s.push_str(&format!(
        "**Work:** {}.\n\n## Boards\n",
        metrics_line(&o.metrics)
    ));
    for b in &o.boards {
        let dates = match (&b.start_date, &b.due_date) {
            (Some(f), Some(t)) => format!(", {f} to {t}"),
            (None, Some(t)) => format!(", due {t}"),
            _ => String::new(),
        };
        s.push_str(&format!("- {} (board {}{dates})\n", b.name, b.board_id));
    }
    s.push_str("\n## Stages\n");
    for st in &o.stages {
        s.push_str(&format!(
            "- {} (stage {}, {})\n",
            st.name, st.stage_id, st.status
        ));
    }
    s.push_str("\n## Categories\n");
    for c in &o.categories {
        s.push_str(&format!("- {} (category {})\n", c.name, c.category_id));
    }
    s.push_str("\n## Members\n");
    for m in &o.members {
        let role = if m.is_admin { ", admin" } else { "" };
        s.push_str(&format!(
            "- {} (user {}{role})\n",
            m.user.username, m.user.id
        ));
    }
    s.push_str("\n## Open work by category\n");
    for c in &o.metrics.categories {
        s.push_str(&format!(
            "- {}: {} open, {} closed\n",
            c.category.name, c.counts.open_work_items, c.counts.closed_work_items
        ));
    }
    s
}

fn board_md(b: &Board, items: &[WorkItem]) -> String {
    let mut s = format!("# {} (board {})\n\n", b.name, b.board_id);
    if let Some(d) = &b.description {
        s.push_str(&format!("{d}\n\n"));
    }
    if let (Some(f), Some(t)) = (&b.start_date, &b.due_date) {
        s.push_str(&format!("From {f} to {t}.\n\n"));
    }
    // Stages in the order the items first show them; items keep their board order.
    let mut stages: Vec<(i64, &str)> = Vec::new();
    for w in items {
        if !stages.iter().any(|(id, _)| *id == w.stage.stage_id) {
            stages.push((w.stage.stage_id, &w.stage.name));
        }
    }
    for (sid, name) in stages {
        s.push_str(&format!("## {name}\n"));
        for w in items.iter().filter(|w| w.stage.stage_id == sid) {
            s.push_str(&format!(
                "- {} (estimate {}, logged {})\n",
                item_line(w),
                w.estimated_cost,
                w.logged_cost
            ));
        }
        s.push('\n');
    }
    if items.is_empty() {
        s.push_str("No work items on this board.\n");
    }
    s
}
