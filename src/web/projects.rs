//! Projects: the list per workspace (`/`), creating one (`/projects/new`), and the project's
//! home (`/projects/{id}`: its milestones with their boards).

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use maud::html;

use super::error::WebResult;
use super::session::Viewer;
use super::{html, layout};
use crate::http::AppState;
use crate::ops::workspaces::{self, WorkspaceFilter};

pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(list))
}

/// The viewer's projects, grouped by workspace.
async fn list(State(s): State<AppState>, viewer: Viewer) -> WebResult<Response> {
    let actor = viewer.actor();
    let mut tx = s.db.read().await?;
    let spaces = workspaces::list(
        &mut tx,
        &actor,
        WorkspaceFilter {
            include_projects: true,
            ..Default::default()
        },
    )
    .await?;
    tx.commit().await?;
    let body = html! {
        div.row {
            h1 { "Projects" }
            span.spacer {}
            a.button href="/projects/new" { "New project" }
        }
        @if spaces.is_empty() {
            p { "You don't belong to a workspace yet." }
        }
        @for w in &spaces {
            section.workspace aria-labelledby=(format!("ws-{}", w.id)) {
                h2 id=(format!("ws-{}", w.id)) { (w.name) }
                @let projects = w.projects.as_deref().unwrap_or_default();
                @if projects.is_empty() {
                    p.muted { "No projects you are a member of in this workspace." }
                } @else {
                    div.grid {
                        @for p in projects {
                            article.card {
                                h3 { a href=(format!("/projects/{}", p.id)) { (p.name) } }
                                @if let Some(d) = &p.description { p.muted { (d) } }
                                p.muted {
                                    "Cost in " (p.cost_metric)
                                    @if p.closing_date.is_some() { " · " span.badge { "closed" } }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(html(layout::page(Some(&viewer), "Projects", body)))
}
