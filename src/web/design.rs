//! The design model: the element tree (expand/collapse with details/summary, drag to re-parent
//! in assets/design.js, a "move to…" select as the keyboard alternative), and an element's page
//! with its work items, comments, attachments and metrics (with its children).

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;

use super::board::opt_id;
use super::charts::{self, Bar, num};
use super::csrf;
use super::error::WebError;
use super::layout;
use super::markdown;
use super::session::Viewer;
use crate::http::AppState;
use crate::model::{DesignElement, DesignElementType, Paging};
use crate::ops::attachments;
use crate::ops::comments::{self, OnDesignElement};
use crate::ops::work_items::{self, SearchQuery};
use crate::ops::{config, design_elements, projects};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/projects/{pid}/design",
            get(tree_page).post(create_element),
        )
        .route("/projects/{pid}/design/{eid}", get(element_page))
        .route("/projects/{pid}/design/{eid}/parent", post(reparent))
        .route(
            "/projects/{pid}/design/{eid}/comments",
            post(super::comments::add::<OnDesignElement>),
        )
}

fn parent_of(e: &DesignElement) -> Option<i64> {
    e.parent.as_ref().map(|p| p.design_element_id)
}

/// The ids of `id`'s subtree (itself included): not offered as its new parent.
fn subtree(kids: &HashMap<Option<i64>, Vec<&DesignElement>>, id: i64) -> Vec<i64> {
    let mut out = vec![id];
    let mut i = 0;
    while i < out.len() {
        if let Some(ch) = kids.get(&Some(out[i])) {
            out.extend(ch.iter().map(|c| c.design_element_id));
        }
        i += 1;
    }
    out
}

fn node(
    pid: i64,
    e: &DesignElement,
    kids: &HashMap<Option<i64>, Vec<&DesignElement>>,
    all: &[DesignElement],
    v: &Viewer,
) -> Markup {
    let children = kids.get(&Some(e.design_element_id));
    let excluded = subtree(kids, e.design_element_id);
    html! {
        li.element draggable="true" data-id=(e.design_element_id) {
            details open {
                summary {
                    a href={"/projects/" (pid) "/design/" (e.design_element_id)} { (e.name) }
                    " " span.muted { (e.design_element_type.name) " · " (e.closed_work_item_count) "/" (e.total_work_item_count) " done" }
                }
                form.inline.move-to method="post" action={"/projects/" (pid) "/design/" (e.design_element_id) "/parent"} {
                    input type="hidden" name="_csrf" value=(v.csrf);
                    label { "Move " (e.name) " to "
                        select name="parent_id" {
                            option value="" selected[e.parent.is_none()] { "(top level)" }
                            @for o in all.iter().filter(|o| !excluded.contains(&o.design_element_id)) {
                                option value=(o.design_element_id) selected[parent_of(e) == Some(o.design_element_id)] { (o.name) }
                            }
                        }
                    }
                    button type="submit" { "Move" }
                }
                @if let Some(ch) = children {
                    ul.tree { @for c in ch { (node(pid, c, kids, all, v)) } }
                }
            }
        }
    }
}

async fn tree_page(
    State(s): State<AppState>,
    v: Viewer,
    Path(pid): Path<i64>,
) -> Result<Response, WebError> {
    let mut tx = s.db.read().await?;
    let project = projects::get(&mut tx, &v.actor(), pid).await?;
    let all = design_elements::list(&mut tx, &v.actor(), pid).await?;
    let types: Vec<DesignElementType> = config::list(&mut tx, &v.actor(), pid).await?;
    tx.commit().await?;
    let mut kids: HashMap<Option<i64>, Vec<&DesignElement>> = HashMap::new();
    for e in &all {
        kids.entry(parent_of(e)).or_default().push(e);
    }
    for list in kids.values_mut() {
        list.sort_by_key(|e| (e.index, e.design_element_id));
    }
    let body = html! {
        (super::board::plan_css())
        (layout::project_nav(&project, "design"))
        h1 { "Design model" }
        p.help { "Drag an element onto another to make it its child, or onto the top-level area; or use its “Move to” list." }
        div #design data-parent-url={"/projects/" (pid) "/design/{id}/parent"} {
            div.root-drop tabindex="-1" { "Top level (drop here)" }
            ul.tree {
                @if let Some(roots) = kids.get(&None) {
                    @for e in roots { (node(pid, e, &kids, &all, &v)) }
                }
            }
        }
        section.forms {
            h2 { "New element" }
            form method="post" action={"/projects/" (pid) "/design"} {
                input type="hidden" name="_csrf" value=(v.csrf);
                label { "Name " input type="text" name="name" required maxlength="200"; }
                label { "Type "
                    select name="type_id" { @for t in &types { option value=(t.design_element_type_id) { (t.name) } } }
                }
                label { "Parent "
                    select name="parent_id" {
                        option value="" { "(top level)" }
                        @for e in &all { option value=(e.design_element_id) { (e.name) } }
                    }
                }
                button type="submit" { "Create" }
            }
        }
        script src=(super::assets::url("design.js")) defer {}
    };
    Ok(super::html(layout::page(
        Some(&v),
        &format!("Design · {}", project.name),
        body,
    )))
}

async fn element_page(
    State(s): State<AppState>,
    v: Viewer,
    Path((pid, eid)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let actor = v.actor();
    let page = Paging {
        offset: 0,
        limit: 200,
    };
    let mut tx = s.db.read().await?;
    let project = projects::get(&mut tx, &actor, pid).await?;
    let e = design_elements::get(&mut tx, &actor, pid, eid, true).await?;
    let q = SearchQuery {
        design_element_id: Some(eid),
        ..Default::default()
    };
    let items = work_items::search(&mut tx, &actor, pid, &q, page)
        .await?
        .items;
    let (_, thread) = comments::list::<OnDesignElement>(&mut tx, &actor, pid, eid, 0, 200).await?;
    let (_, files) = attachments::list_on_design_element(&mut tx, &actor, pid, eid, page).await?;
    let metrics = design_elements::metrics(&mut tx, &actor, pid, eid, true).await?;
    tx.commit().await?;
    let bars: Vec<Bar> = metrics
        .categories
        .iter()
        .map(|c| Bar {
            label: c.category.name.clone(),
            value: c.counts.estimated_cost,
            color: super::board::color(c.category.color.as_deref(), "#4b5563"),
        })
        .collect();
    let body = html! {
        (super::board::plan_css())
        (layout::project_nav(&project, "design"))
        nav aria-label="Breadcrumb" { a href={"/projects/" (pid) "/design"} { "Design model" }
            @if let Some(p) = &e.parent { " › " a href={"/projects/" (pid) "/design/" (p.design_element_id)} { (p.name) } } }
        h1 { (e.name) " " span.muted { (e.design_element_type.name) } }
        @if let Some(d) = e.description.as_deref().filter(|d| !d.trim().is_empty()) { div.markdown { (markdown::render(d)) } }
        section {
            h2 { "Metrics (with children)" }
            dl.facts {
                dt { "Work items" } dd { (metrics.totals.total_work_items) }
                dt { "Open" } dd { (metrics.totals.open_work_items) }
                dt { "Closed" } dd { (metrics.totals.closed_work_items) }
                dt { "Estimated cost" } dd { (num(metrics.totals.estimated_cost)) }
                dt { "Logged cost" } dd { (num(metrics.totals.logged_cost)) }
            }
            (charts::bar_chart("Estimated cost by category", &bars))
        }
        @if let Some(ch) = e.children.as_ref().filter(|c| !c.is_empty()) {
            section { h2 { "Children" } ul { @for c in ch { li { a href={"/projects/" (pid) "/design/" (c.design_element_id)} { (c.name) } } } } }
        }
        section {
            h2 { "Work items" }
            ul { @for w in &items { li { a href={"/projects/" (pid) "/items/" (w.work_item_id)} { "#" (w.work_item_id) " " (w.title) } " · " (w.stage.name) } } }
        }
        section.attachments {
            h2 { "Attachments" }
            ul.thumbs { @for a in &files { li { a href=(a.file.url) { @if let Some(t) = &a.file.thumb_url { img src=(t) alt=(a.file.name); } @else { (a.file.name) } } } } }
        }
        section.comments {
            h2 { "Comments" }
            @for c in &thread {
                article.comment { p.meta { strong { (c.user.username) } " · " (c.creation_date.get(..10).unwrap_or(&c.creation_date)) } div.markdown { (markdown::render(&c.text)) } }
            }
            form method="post" action={"/projects/" (pid) "/design/" (eid) "/comments"} {
                input type="hidden" name="_csrf" value=(v.csrf);
                label { "New comment (Markdown) " textarea name="text" rows="3" required {} }
                button type="submit" { "Comment" }
            }
        }
    };
    Ok(super::html(layout::page(
        Some(&v),
        &format!("{} · {}", e.name, project.name),
        body,
    )))
}

#[derive(Debug, Deserialize)]
struct ParentForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    parent_id: Option<String>,
}

async fn reparent(
    State(s): State<AppState>,
    v: Viewer,
    Path((pid, eid)): Path<(i64, i64)>,
    axum::Form(f): axum::Form<ParentForm>,
) -> Result<Redirect, WebError> {
    csrf::check(&v, &f.csrf)?;
    let parent = opt_id("parentId", &f.parent_id)?;
    let patch = design_elements::PatchDesignElementValues {
        parent_id: Some(parent),
        ..Default::default()
    };
    let mut tx = s.db.write().await?;
    design_elements::patch(&mut tx, &v.actor(), pid, eid, patch).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/projects/{pid}/design")))
}

#[derive(Debug, Deserialize)]
struct NewElementForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    name: Option<String>,
    type_id: Option<String>,
    parent_id: Option<String>,
}

async fn create_element(
    State(s): State<AppState>,
    v: Viewer,
    Path(pid): Path<i64>,
    axum::Form(f): axum::Form<NewElementForm>,
) -> Result<Redirect, WebError> {
    csrf::check(&v, &f.csrf)?;
    let values = design_elements::CreateDesignElementValues {
        design_element_type_id: opt_id("typeId", &f.type_id)?,
        name: f.name,
        description: None,
        parent_id: opt_id("parentId", &f.parent_id)?,
        start_date: None,
        due_date: None,
        index: None,
    };
    let mut tx = s.db.write().await?;
    design_elements::create(&mut tx, &v.actor(), pid, values).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/projects/{pid}/design")))
}
