//! Projects: the list per workspace (`/`), creating one (`/projects/new`), and the project's
//! home (`/projects/{id}`: its milestones with their boards).

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use maud::html;
use serde_json::{Map, Value};

use super::csrf::{self, CsrfForm};
use super::error::WebResult;
use super::session::Viewer;
use super::{html, layout, see_other};
use crate::http::AppState;
use crate::model::ModuleConfig;
use crate::ops::projects::{self, CreateProjectValues};
use crate::ops::workspaces::{self, WorkspaceFilter};
use crate::ops::{boards, milestones};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(list))
        .route("/projects/new", get(new_form).post(create))
        .route("/projects/{id}", get(home))
}

/// The first value of a form field, trimmed; None when absent or blank.
pub fn field<'a>(f: &'a [(String, String)], name: &str) -> Option<&'a str> {
    f.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// Whether a checkbox was ticked.
pub fn checked(f: &[(String, String)], name: &str) -> bool {
    f.iter().any(|(k, _)| k == name)
}

/// The module switches as `(camelCase key, label)`, from the config's own serialisation.
pub fn module_names(m: &ModuleConfig) -> Vec<(String, bool)> {
    match serde_json::to_value(m) {
        Ok(Value::Object(o)) => o
            .into_iter()
            .map(|(k, v)| (k, v.as_bool().unwrap_or(false)))
            .collect(),
        _ => Vec::new(),
    }
}

/// "workItemSubTasks" → "Work item sub tasks".
pub fn humanize(key: &str) -> String {
    let mut out = String::new();
    for (i, c) in key.chars().enumerate() {
        if c.is_ascii_uppercase() {
            out.push(' ');
            out.push(c.to_ascii_lowercase());
        } else if i == 0 {
            out.push(c.to_ascii_uppercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The module switches of a form, all of them (unticked = false).
pub fn modules_from_form(f: &[(String, String)]) -> Map<String, Value> {
    module_names(&ModuleConfig::default())
        .into_iter()
        .map(|(k, _)| {
            let on = checked(f, &format!("module.{k}"));
            (k, Value::Bool(on))
        })
        .collect()
}

pub fn module_checkboxes(m: &ModuleConfig) -> maud::Markup {
    html! {
        fieldset {
            legend { "Modules" }
            div.grid {
                @for (k, on) in module_names(m) {
                    label.check {
                        input type="checkbox" name=(format!("module.{k}")) checked[on];
                        (humanize(&k))
                    }
                }
            }
        }
    }
}

async fn new_form(viewer: Viewer) -> WebResult<Response> {
    let body = html! {
        h1 { "New project" }
        p.muted { "A new project starts with HacknPlan's presets: the default categories (Programming, Art, Design, …), the four stages from Planned to Completed, three importance levels, design element types and the roles." }
        form.stack method="post" action="/projects/new" {
            (csrf::field(&viewer))
            div { label for="name" { "Name" } input #name type="text" name="name" required maxlength="255"; }
            div { label for="description" { "Description" } textarea #description name="description" {} }
            div {
                label for="costMetric" { "Cost metric" }
                select #costMetric name="costMetric" {
                    option value="hours" selected { "Hours" }
                    option value="points" { "Points" }
                    option value="days" { "Days" }
                }
            }
            div { label for="hoursPerDay" { "Hours per day" } input #hoursPerDay type="number" name="hoursPerDay" value="8" min="0.5" max="24" step="0.5"; }
            (module_checkboxes(&ModuleConfig::default()))
            button type="submit" { "Create project" }
        }
    };
    Ok(html(layout::page(Some(&viewer), "New project", body)))
}

async fn create(
    State(s): State<AppState>,
    CsrfForm(viewer, f): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let hours = match field(&f, "hoursPerDay") {
        Some(h) => Some(
            h.parse::<f64>()
                .map_err(|_| super::error::WebError::bad("hoursPerDay: not a number."))?,
        ),
        None => None,
    };
    let v = CreateProjectValues {
        name: field(&f, "name").map(str::to_string),
        cost_metric: Some(field(&f, "costMetric").unwrap_or("hours").to_string()),
        description: field(&f, "description").map(str::to_string),
        general_info: None,
        hours_per_day: hours,
        module_config: Some(modules_from_form(&f)),
        workspace_id: field(&f, "workspaceId").and_then(|w| w.parse().ok()),
    };
    let mut tx = s.db.write().await?;
    let p = projects::create(&mut tx, &viewer.actor(), v).await?;
    tx.commit().await?;
    Ok(see_other(&format!("/projects/{}", p.id)))
}

/// The project's home: its milestones with their boards, boards outside milestones, the backlog.
async fn home(
    State(s): State<AppState>,
    viewer: Viewer,
    Path(pid): Path<i64>,
) -> WebResult<Response> {
    let actor = viewer.actor();
    let mut tx = s.db.read().await?;
    let project = projects::get(&mut tx, &actor, pid).await?;
    let ms = milestones::list(&mut tx, &actor, pid, true, true).await?;
    let loose: Vec<_> = boards::list(&mut tx, &actor, pid, true)
        .await?
        .into_iter()
        .filter(|b| b.milestone_id.is_none())
        .collect();
    tx.commit().await?;
    let board_link = |b: &crate::model::Board| {
        html! {
            li {
                a href=(format!("/projects/{pid}/boards/{}", b.board_id)) { (b.name) }
                @if b.closing_date.is_some() { " " span.badge { "closed" } }
            }
        }
    };
    let body = html! {
        (layout::project_nav(&project, "boards"))
        @if let Some(d) = &project.description { p { (d) } }
        p { a href=(format!("/projects/{pid}/backlog")) { "Backlog" } " (work items on no board)" }
        p { a href=(format!("/projects/{pid}/boards")) { "Create, close and reopen milestones and boards" } }
        h2 { "Milestones" }
        @if ms.is_empty() { p.muted { "No milestones yet." } }
        div.grid {
            @for m in &ms {
                section.card aria-label=(m.name) {
                    h3 { (m.name)
                        @if m.closing_date.is_some() { " " span.badge { "closed" } } }
                    @if let (Some(a), Some(b)) = (&m.start_date, &m.due_date) {
                        p.muted { (a.get(..10).unwrap_or(a)) " → " (b.get(..10).unwrap_or(b)) }
                    }
                    @let bs = m.boards.as_deref().unwrap_or_default();
                    @if bs.is_empty() { p.muted { "No boards." } }
                    ul { @for b in bs { (board_link(b)) } }
                }
            }
        }
        @if !loose.is_empty() {
            h2 { "Boards outside milestones" }
            ul { @for b in &loose { (board_link(b)) } }
        }
    };
    Ok(html(layout::page(Some(&viewer), &project.name, body)))
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
