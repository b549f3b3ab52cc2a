//! The work item panel: a full page, or with `?fragment=1` the part the board opens in its side
//! panel. Every field, the Markdown description, the checklist, comments, work logs,
//! dependencies, attachments (upload by drag and drop: assets/item.js) and a story's tasks.

use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;

use super::board::{board_select, color, ink, opt_id};
use super::charts::num;
use super::comments::TextForm;
use super::csrf;
use super::error::WebError;
use super::layout;
use super::markdown;
use super::session::Viewer;
use crate::http::AppState;
use crate::ops::attachments::Kind;
use crate::ops::comments::{self, OnWorkItem};
use crate::ops::planning::{self, ItemPage};
use crate::ops::{OpError, attachments, dependencies, projects, sub_tasks, work_items, work_logs};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/projects/{pid}/items/{id}", get(item_page).post(edit_item))
        .route("/projects/{pid}/items/{id}/delete", post(delete_item))
        .route("/projects/{pid}/items/{id}/subtasks", post(add_sub_task))
        .route(
            "/projects/{pid}/items/{id}/subtasks/{sid}/{action}",
            post(sub_task_action),
        )
        .route(
            "/projects/{pid}/items/{id}/comments",
            post(super::comments::add::<OnWorkItem>),
        )
        .route(
            "/projects/{pid}/items/{id}/comments/{cid}/{action}",
            post(comment_action),
        )
        .route("/projects/{pid}/items/{id}/worklogs", post(add_work_log))
        .route(
            "/projects/{pid}/items/{id}/dependencies",
            post(add_dependency),
        )
        .route(
            "/projects/{pid}/items/{id}/dependencies/{dep}/delete",
            post(remove_dependency),
        )
        .route("/projects/{pid}/items/{id}/attachments", post(upload))
        .route(
            "/projects/{pid}/items/{id}/attachments/{aid}/delete",
            post(delete_attachment),
        )
}

#[derive(Debug, Deserialize, Default)]
struct PanelQuery {
    fragment: Option<String>,
}

fn back(pid: i64, id: i64) -> Redirect {
    Redirect::to(&format!("/projects/{pid}/items/{id}"))
}

fn hidden_csrf(v: &Viewer) -> Markup {
    html! { input type="hidden" name="_csrf" value=(v.csrf); }
}

fn panel(pid: i64, p: &ItemPage, v: &Viewer) -> Markup {
    let w = &p.card.item;
    let o = &p.options;
    let base = format!("/projects/{pid}/items/{}", w.work_item_id);
    let assigned: Vec<i64> = w.assigned_users.iter().map(|u| u.user.id).collect();
    let tagged: Vec<i64> = w.tags.iter().map(|t| t.tag_id).collect();
    let level = color(w.importance_level.color.as_deref(), "#6b7280");
    html! {
        article.item-panel data-item=(w.work_item_id) {
            header {
                h2 { "#" (w.work_item_id) " " (w.title) }
                p.item-state {
                    span.stage { (w.stage.name) }
                    " · " span.importance style={"background:" (level) ";color:" (ink(&level))} { (w.importance_level.name) }
                    @if w.is_blocked { " · " span.lock role="img" aria-label="Blocked" { "🔒" } " blocked by an open dependency" }
                    @if w.is_story { " · User story" }
                    @if let Some(b) = &w.board { " · on " a href={"/projects/" (pid) "/boards/" (b.board_id)} { (b.name) } } @else { " · in the backlog" }
                }
            }
            section.description aria-label="Description" {
                @match w.description.as_deref().filter(|d| !d.trim().is_empty()) {
                    Some(d) => div.markdown { (markdown::render(d)) },
                    None => p.muted { "No description." },
                }
            }
            details.edit {
                summary { "Edit fields" }
                form.item-form method="post" action=(base) {
                    (hidden_csrf(v))
                    label { "Title " input type="text" name="title" value=(w.title) required maxlength="500"; }
                    label { "Description (Markdown) " textarea name="description" rows="6" { (w.description.as_deref().unwrap_or("")) } }
                    @if !w.is_story {
                        label { "Category "
                            select name="category_id" {
                                @for c in &o.categories { option value=(c.category_id) selected[w.category.as_ref().map(|x| x.category_id) == Some(c.category_id)] { (c.name) } }
                            }
                        }
                    }
                    label { "Importance "
                        select name="importance_level_id" {
                            @for l in &o.importance_levels { option value=(l.importance_level_id) selected[l.importance_level_id == w.importance_level.importance_level_id] { (l.name) } }
                        }
                    }
                    label { "Stage "
                        select name="stage_id" {
                            @for s in &o.stages { option value=(s.stage_id) selected[s.stage_id == w.stage.stage_id] { (s.name) } }
                        }
                    }
                    label { "Board "
                        select name="board_id" {
                            option value="" selected[w.board.is_none()] { "Backlog" }
                            @for b in &o.boards { option value=(b.board_id) selected[w.board.as_ref().map(|x| x.board_id) == Some(b.board_id)] { (b.name) } }
                        }
                    }
                    label { "Estimated cost " input type="number" name="estimated_cost" min="0" step="any" value=(num(w.estimated_cost)); }
                    label { "Due date " input type="date" name="due_date" value=(w.due_date.as_deref().and_then(|d| d.get(..10)).unwrap_or("")); }
                    label { "Assignees "
                        select name="assigned_user_ids" multiple {
                            @for u in &o.members { option value=(u.user.id) selected[assigned.contains(&u.user.id)] { (u.user.username) } }
                        }
                    }
                    label { "Tags "
                        select name="tag_ids" multiple {
                            @for t in &o.tags { option value=(t.tag_id) selected[tagged.contains(&t.tag_id)] { (t.name) } }
                        }
                    }
                    @if !w.is_story {
                        label { "User story "
                            select name="parent_story_id" {
                                option value="" { "None" }
                                @for s in o.stories.iter().filter(|s| s.work_item_id != w.work_item_id) {
                                    option value=(s.work_item_id) selected[w.parent_story_id == Some(s.work_item_id)] { "#" (s.work_item_id) " " (s.title) }
                                }
                            }
                        }
                    }
                    button type="submit" { "Save" }
                }
                (board_select(pid, w.work_item_id, w.board.as_ref().map(|b| b.board_id), &o.boards, v))
                form.inline method="post" action={(base) "/delete"} {
                    (hidden_csrf(v))
                    button.danger type="submit" { "Delete work item" }
                }
            }
            dl.facts {
                dt { "Estimated" } dd { (num(w.estimated_cost)) }
                dt { "Logged" } dd { (num(w.logged_cost)) }
                @if let Some(d) = &w.due_date { dt { "Due" } dd { (d.get(..10).unwrap_or(d)) } }
                dt { "Assignees" } dd { @for (i, u) in w.assigned_users.iter().enumerate() { @if i > 0 { ", " } (u.user.username) } }
                dt { "Tags" } dd { @for (i, t) in w.tags.iter().enumerate() { @if i > 0 { ", " } (t.name) } }
            }
            @if w.is_story {
                section.children {
                    h3 { "Tasks of this story" }
                    ul { @for c in &p.children { li { a href={"/projects/" (pid) "/items/" (c.work_item_id)} { "#" (c.work_item_id) " " (c.title) } " · " (c.stage.name) } } }
                }
            } @else if let Some(parent) = w.parent_story_id {
                p { "Part of story " a href={"/projects/" (pid) "/items/" (parent)} { "#" (parent) } }
            }
            section.subtasks {
                h3 { "Checklist " span.muted { (p.card.sub_tasks_done) "/" (p.card.sub_tasks_total) } }
                ul.checklist {
                    @for st in &p.sub_tasks {
                        li {
                            form.inline method="post" action={(base) "/subtasks/" (st.sub_task_id) "/toggle"} {
                                (hidden_csrf(v))
                                button.tick type="submit" aria-pressed=(st.is_completed) aria-label={(if st.is_completed { "Untick " } else { "Tick " }) (st.title)} {
                                    (if st.is_completed { "☑" } else { "☐" })
                                }
                            }
                            span class=(if st.is_completed { "done" } else { "" }) { (st.title) }
                            form.inline method="post" action={(base) "/subtasks/" (st.sub_task_id) "/delete"} {
                                (hidden_csrf(v))
                                button.link type="submit" aria-label={"Delete " (st.title)} { "✕" }
                            }
                        }
                    }
                }
                form.inline method="post" action={(base) "/subtasks"} {
                    (hidden_csrf(v))
                    label { "New sub-task " input type="text" name="title" required maxlength="500"; }
                    button type="submit" { "Add" }
                }
            }
            section.dependencies {
                h3 { "Depends on" }
                ul {
                    @for d in &p.dependencies {
                        li {
                            a href={"/projects/" (pid) "/items/" (d.work_item.work_item_id)} { "#" (d.work_item.work_item_id) " " (d.work_item.title) }
                            " · " (d.work_item.stage.name) " · "
                            @if d.is_resolved { span.ok { "resolved" } } @else { span.warn { "open" } }
                            form.inline method="post" action={(base) "/dependencies/" (d.work_item.work_item_id) "/delete"} {
                                (hidden_csrf(v))
                                button.link type="submit" aria-label={"Remove dependency on #" (d.work_item.work_item_id)} { "Remove" }
                            }
                        }
                    }
                }
                form.inline method="post" action={(base) "/dependencies"} {
                    (hidden_csrf(v))
                    label { "Add dependency on item # " input type="number" name="depends_on" min="1" required; }
                    button type="submit" { "Add" }
                }
            }
            section.attachments {
                h3 { "Attachments" }
                ul.thumbs {
                    @for a in &p.attachments {
                        li {
                            a href=(a.file.url) {
                                @if let Some(t) = &a.file.thumb_url { img src=(t) alt=(a.file.name) loading="lazy"; } @else { (a.file.name) }
                            }
                            form.inline method="post" action={(base) "/attachments/" (a.attachment_id) "/delete"} {
                                (hidden_csrf(v))
                                button.link type="submit" aria-label={"Remove " (a.file.name)} { "Remove" }
                            }
                        }
                    }
                }
                form.upload method="post" enctype="multipart/form-data" action={(base) "/attachments?_csrf=" (v.csrf)} data-csrf=(v.csrf) {
                    div.dropzone { "Drop files here, or " label { "choose a file " input type="file" name="file"; } }
                    button type="submit" { "Upload" }
                }
            }
            section.worklogs {
                h3 { "Work logs" }
                ul { @for l in &p.work_logs { li { (num(l.value)) " by " (l.user.username) " on " (l.date.get(..10).unwrap_or(&l.date)) @if let Some(c) = &l.comment { ": " (c) } } } }
                form.inline method="post" action={(base) "/worklogs"} {
                    (hidden_csrf(v))
                    label { "Log work " input type="number" name="value" min="0" step="any" required; }
                    label { "Comment " input type="text" name="comment" maxlength="5000"; }
                    button type="submit" { "Log" }
                }
            }
            section.comments {
                h3 { "Comments" }
                @for c in &p.comments {
                    article.comment id={"comment-" (c.comment_id)} {
                        p.meta { strong { (c.user.username) } " · " (c.creation_date.get(..10).unwrap_or(&c.creation_date)) @if c.update_date.is_some() { " (edited)" } }
                        div.markdown { (markdown::render(&c.text)) }
                        @if c.user.id == v.user_id {
                            details {
                                summary { "Edit" }
                                form method="post" action={(base) "/comments/" (c.comment_id) "/edit"} {
                                    (hidden_csrf(v))
                                    label { "Comment " textarea name="text" rows="3" required { (c.text) } }
                                    button type="submit" { "Save" }
                                }
                            }
                            form.inline method="post" action={(base) "/comments/" (c.comment_id) "/delete"} {
                                (hidden_csrf(v))
                                button.link type="submit" { "Delete" }
                            }
                        }
                    }
                }
                form method="post" action={(base) "/comments"} {
                    (hidden_csrf(v))
                    label { "New comment (Markdown) " textarea name="text" rows="3" required {} }
                    button type="submit" { "Comment" }
                }
            }
        }
    }
}

async fn item_page(
    State(s): State<AppState>,
    v: Viewer,
    Path((pid, id)): Path<(i64, i64)>,
    Query(q): Query<PanelQuery>,
) -> Result<Response, WebError> {
    let mut tx = s.db.read().await?;
    let project = projects::get(&mut tx, &v.actor(), pid).await?;
    let p = planning::item_page(&mut tx, &v.actor(), pid, id).await?;
    tx.commit().await?;
    let body = panel(pid, &p, &v);
    if q.fragment.is_some() {
        return Ok(Html(body.into_string()).into_response());
    }
    let title = format!("#{} {} · {}", id, p.card.item.title, project.name);
    let page = html! {
        (super::board::plan_css())
        (layout::project_nav(&project, "boards"))
        (body)
        script src=(super::assets::url("item.js")) defer {}
    };
    Ok(super::html(layout::page(Some(&v), &title, page)))
}

/// The form's fields; multi-selects repeat their name, so the body is read as pairs.
fn field<'a>(f: &'a [(String, String)], name: &str) -> Option<&'a str> {
    f.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn ids(f: &[(String, String)], name: &str) -> Result<Vec<i64>, WebError> {
    f.iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| {
            v.parse::<i64>()
                .map_err(|_| WebError::from(OpError::field(name, "Not a number.")))
        })
        .collect()
}

fn owned(v: Option<&str>) -> Option<String> {
    v.map(str::to_string)
}

async fn edit_item(
    State(s): State<AppState>,
    v: Viewer,
    Path((pid, id)): Path<(i64, i64)>,
    axum::Form(f): axum::Form<Vec<(String, String)>>,
) -> Result<Redirect, WebError> {
    csrf::check(&v, field(&f, "_csrf").unwrap_or(""))?;
    let cost = match field(&f, "estimated_cost").map(str::trim) {
        None | Some("") => None,
        Some(c) => Some(
            c.parse::<f64>()
                .map_err(|_| WebError::from(OpError::field("estimatedCost", "Not a number.")))?,
        ),
    };
    let date = |name: &str| match field(&f, name).map(str::trim) {
        None => None,
        Some("") => Some(None),
        Some(d) => Some(Some(d.to_string())),
    };
    // A field absent from the form stays as it is; the multi-selects are always sent whole
    // (the form has them), so an empty one clears.
    let patch = work_items::PatchWorkItemValues {
        title: field(&f, "title").map(|t| Some(t.to_string())),
        description: field(&f, "description")
            .map(|d| Some(d.to_string()).filter(|d| !d.trim().is_empty())),
        category_id: match field(&f, "category_id") {
            None => None,
            Some(_) => Some(opt_id("categoryId", &owned(field(&f, "category_id")))?),
        },
        importance_level_id: opt_id(
            "importanceLevelId",
            &owned(field(&f, "importance_level_id")),
        )?,
        stage_id: opt_id("stageId", &owned(field(&f, "stage_id")))?,
        board_id: match field(&f, "board_id") {
            None => None,
            Some(_) => Some(opt_id("boardId", &owned(field(&f, "board_id")))?),
        },
        parent_id: match field(&f, "parent_story_id") {
            None => None,
            Some(_) => Some(opt_id(
                "parentStoryId",
                &owned(field(&f, "parent_story_id")),
            )?),
        },
        estimated_cost: cost,
        due_date: date("due_date"),
        assigned_user_ids: Some(Some(ids(&f, "assigned_user_ids")?)),
        tag_ids: Some(Some(ids(&f, "tag_ids")?)),
        ..Default::default()
    };
    let mut tx = s.db.write().await?;
    work_items::patch(&mut tx, &v.actor(), pid, id, patch).await?;
    tx.commit().await?;
    Ok(back(pid, id))
}

#[derive(Debug, Deserialize)]
struct CsrfOnly {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

async fn delete_item(
    State(s): State<AppState>,
    v: Viewer,
    Path((pid, id)): Path<(i64, i64)>,
    axum::Form(f): axum::Form<CsrfOnly>,
) -> Result<Redirect, WebError> {
    csrf::check(&v, &f.csrf)?;
    let mut tx = s.db.write().await?;
    let item = work_items::get(&mut tx, &v.actor(), pid, id).await?;
    work_items::delete(&mut tx, &v.actor(), pid, id).await?;
    tx.commit().await?;
    Ok(Redirect::to(&match item.board {
        Some(b) => format!("/projects/{pid}/boards/{}", b.board_id),
        None => format!("/projects/{pid}/backlog"),
    }))
}

#[derive(Debug, Deserialize)]
struct TitleForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    title: String,
}

async fn add_sub_task(
    State(s): State<AppState>,
    v: Viewer,
    Path((pid, id)): Path<(i64, i64)>,
    axum::Form(f): axum::Form<TitleForm>,
) -> Result<Redirect, WebError> {
    csrf::check(&v, &f.csrf)?;
    let mut tx = s.db.write().await?;
    sub_tasks::create(&mut tx, &v.actor(), pid, id, f.title).await?;
    tx.commit().await?;
    Ok(back(pid, id))
}

async fn sub_task_action(
    State(s): State<AppState>,
    v: Viewer,
    Path((pid, id, sid, action)): Path<(i64, i64, i64, String)>,
    axum::Form(f): axum::Form<CsrfOnly>,
) -> Result<Redirect, WebError> {
    csrf::check(&v, &f.csrf)?;
    let mut tx = s.db.write().await?;
    match action.as_str() {
        "toggle" => {
            let st = sub_tasks::get(&mut tx, &v.actor(), pid, id, sid).await?;
            let p = sub_tasks::PatchWorkItemSubTaskValues {
                title: None,
                is_completed: Some(!st.is_completed),
            };
            sub_tasks::patch(&mut tx, &v.actor(), pid, id, sid, p).await?;
        }
        "delete" => sub_tasks::delete(&mut tx, &v.actor(), pid, id, sid).await?,
        _ => return Err(OpError::NotFound.into()),
    }
    tx.commit().await?;
    Ok(back(pid, id))
}

async fn comment_action(
    State(s): State<AppState>,
    v: Viewer,
    Path((pid, id, cid, action)): Path<(i64, i64, i64, String)>,
    axum::Form(f): axum::Form<TextForm>,
) -> Result<Redirect, WebError> {
    csrf::check(&v, &f.csrf)?;
    let mut tx = s.db.write().await?;
    match action.as_str() {
        "edit" => {
            let text = f.text.unwrap_or_default();
            comments::update::<OnWorkItem>(&mut tx, &v.actor(), pid, id, cid, text).await?;
        }
        "delete" => comments::delete::<OnWorkItem>(&mut tx, &v.actor(), pid, id, cid).await?,
        _ => return Err(OpError::NotFound.into()),
    }
    tx.commit().await?;
    Ok(back(pid, id))
}

#[derive(Debug, Deserialize)]
struct WorkLogForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    value: String,
    comment: Option<String>,
}

async fn add_work_log(
    State(s): State<AppState>,
    v: Viewer,
    Path((pid, id)): Path<(i64, i64)>,
    axum::Form(f): axum::Form<WorkLogForm>,
) -> Result<Redirect, WebError> {
    csrf::check(&v, &f.csrf)?;
    let value = f
        .value
        .trim()
        .parse::<f64>()
        .map_err(|_| WebError::from(OpError::field("value", "Not a number.")))?;
    let values = work_logs::CreateWorkLogValues {
        value: Some(value),
        comment: f.comment.filter(|c| !c.trim().is_empty()),
        date: None,
    };
    let mut tx = s.db.write().await?;
    work_logs::create(&mut tx, &v.actor(), pid, id, values).await?;
    tx.commit().await?;
    Ok(back(pid, id))
}

#[derive(Debug, Deserialize)]
struct DependencyForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    depends_on: String,
}

async fn add_dependency(
    State(s): State<AppState>,
    v: Viewer,
    Path((pid, id)): Path<(i64, i64)>,
    axum::Form(f): axum::Form<DependencyForm>,
) -> Result<Redirect, WebError> {
    csrf::check(&v, &f.csrf)?;
    let dep = f
        .depends_on
        .trim()
        .trim_start_matches('#')
        .parse::<i64>()
        .map_err(|_| WebError::from(OpError::field("dependsOn", "Not a number.")))?;
    let mut tx = s.db.write().await?;
    dependencies::add(&mut tx, &v.actor(), pid, id, dep).await?;
    tx.commit().await?;
    Ok(back(pid, id))
}

async fn remove_dependency(
    State(s): State<AppState>,
    v: Viewer,
    Path((pid, id, dep)): Path<(i64, i64, i64)>,
    axum::Form(f): axum::Form<CsrfOnly>,
) -> Result<Redirect, WebError> {
    csrf::check(&v, &f.csrf)?;
    let mut tx = s.db.write().await?;
    dependencies::remove(&mut tx, &v.actor(), pid, id, dep).await?;
    tx.commit().await?;
    Ok(back(pid, id))
}

#[derive(Debug, Deserialize, Default)]
struct UploadQuery {
    #[serde(rename = "_csrf", default)]
    csrf: Option<String>,
}

/// An upload from the drop zone (fetch with `X-CSRF-Token`) or the plain form (the token in
/// the query: the multipart body's other parts are not kept). Calls the API's upload path.
async fn upload(
    State(s): State<AppState>,
    v: Viewer,
    Path((pid, id)): Path<(i64, i64)>,
    Query(q): Query<UploadQuery>,
    headers: HeaderMap,
    req: Request,
) -> Result<Response, WebError> {
    let token = headers
        .get("x-csrf-token")
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or(q.csrf)
        .unwrap_or_default();
    csrf::check(&v, &token)?;
    let actor = v.actor();
    let spooled = match crate::http::upload::receive(&s, &actor, pid, Kind::WorkItem, id, req).await
    {
        Ok(sp) => sp,
        Err(e) => return Ok(e.into_response()),
    };
    let a =
        attachments::upload_to_work_item(&s.db, &s.files, &actor, pid, id, spooled.upload.clone())
            .await?;
    if headers.contains_key("x-csrf-token") {
        return Ok((StatusCode::CREATED, axum::Json(a)).into_response());
    }
    Ok(back(pid, id).into_response())
}

async fn delete_attachment(
    State(s): State<AppState>,
    v: Viewer,
    Path((pid, id, aid)): Path<(i64, i64, i64)>,
    axum::Form(f): axum::Form<CsrfOnly>,
) -> Result<Redirect, WebError> {
    csrf::check(&v, &f.csrf)?;
    let mut tx = s.db.write().await?;
    attachments::delete(&mut tx, &v.actor(), pid, Kind::WorkItem, id, aid).await?;
    tx.commit().await?;
    Ok(back(pid, id))
}
