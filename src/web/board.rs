//! The board (columns = stages, swimlanes by category, filters), the backlog, moving cards
//! (drag and drop and keyboard in assets/board.js, a JSON route here), and the boards and
//! milestones page (create, close, reopen).

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::{Deserialize, Serialize};

use super::csrf;
use super::error::WebError;
use super::layout;
use super::session::Viewer;
use crate::http::AppState;
use crate::model::{Board, Project};
use crate::ops::closure::{self, Closable};
use crate::ops::planning::{self, BoardCards, Card, CardFilter, CardMove};
use crate::ops::{OpError, boards, milestones, projects, work_items};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/projects/{pid}/boards",
            get(boards_page).post(create_board),
        )
        .route("/projects/{pid}/milestones", post(create_milestone))
        .route("/projects/{pid}/boards/{bid}", get(board_page))
        .route(
            "/projects/{pid}/boards/{bid}/cards/{id}",
            get(card_fragment),
        )
        .route("/projects/{pid}/boards/{bid}/{action}", post(close_board))
        .route(
            "/projects/{pid}/milestones/{mid}/{action}",
            post(close_milestone),
        )
        .route("/projects/{pid}/backlog", get(backlog_page))
        .route("/projects/{pid}/items", post(create_item))
        .route("/projects/{pid}/items/{id}/move", post(move_item))
        .route("/projects/{pid}/items/{id}/board", post(change_board))
}

/// The planning pages' stylesheet (a `link` in the body is valid HTML and keeps the shared
/// layout unaware of page styles).
pub fn plan_css() -> Markup {
    html! { link rel="stylesheet" href=(super::assets::url("plan.css")); }
}

/// An optional id from a form or query field: empty means none; anything else must be a number.
pub fn opt_id(field: &str, v: &Option<String>) -> Result<Option<i64>, WebError> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .map(Some)
            .map_err(|_| WebError::from(OpError::field(field, "Not a number."))),
    }
}

/// Text colour (black or white) readable on a `#rrggbb` background (WCAG relative luminance).
pub fn ink(bg: &str) -> &'static str {
    let h = bg.trim_start_matches('#');
    let c = |i: usize| {
        let v =
            u8::from_str_radix(h.get(i..i + 2).unwrap_or("80"), 16).unwrap_or(128) as f64 / 255.0;
        if v <= 0.03928 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    let l = 0.2126 * c(0) + 0.7152 * c(2) + 0.0722 * c(4);
    // Contrast with black (l + 0.05) / 0.05 against white 1.05 / (l + 0.05): the larger wins.
    if (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) {
        "#000000"
    } else {
        "#ffffff"
    }
}

/// A hex colour from stored data (anything else is replaced, so it can't break the attribute).
pub fn color(c: Option<&str>, default: &'static str) -> String {
    match c {
        Some(c)
            if (c.len() == 7 || c.len() == 4)
                && c.starts_with('#')
                && c[1..].chars().all(|x| x.is_ascii_hexdigit()) =>
        {
            c.to_string()
        }
        _ => default.to_string(),
    }
}

/// Initials of a person (two letters of the name, else of the user name).
pub fn initials(name: Option<&str>, username: &str) -> String {
    let src = name.filter(|n| !n.trim().is_empty()).unwrap_or(username);
    let words: Vec<&str> = src.split_whitespace().collect();
    let s: String = if words.len() >= 2 {
        words
            .iter()
            .take(2)
            .filter_map(|w| w.chars().next())
            .collect()
    } else {
        src.chars().take(2).collect()
    };
    s.to_uppercase()
}

/// One card. `lane`: the swimlane key it belongs in (`all`, or the category id).
pub fn card(pid: i64, c: &Card, lane: &str) -> Markup {
    let w = &c.item;
    let level = color(w.importance_level.color.as_deref(), "#6b7280");
    let label = format!(
        "#{} {}{}",
        w.work_item_id,
        w.title,
        if w.is_blocked { " (blocked)" } else { "" }
    );
    html! {
        li.card draggable="true" tabindex="0" data-id=(w.work_item_id) data-stage=(w.stage.stage_id)
            data-index=(w.board_index) data-blocked=(w.is_blocked) data-lane=(lane)
            aria-label=(label) style={"border-left-color:" (level)} {
            div.card-head {
                span.importance style={"background:" (level) ";color:" (ink(&level))} title="Importance" {
                    (w.importance_level.name)
                }
                @if w.is_blocked {
                    span.lock role="img" aria-label="Blocked by an open dependency" title="Blocked by an open dependency" { "🔒" }
                }
                span.id { "#" (w.work_item_id) }
            }
            a.card-title href={"/projects/" (pid) "/items/" (w.work_item_id)} { (w.title) }
            div.card-meta {
                @if let Some(cat) = &w.category {
                    @let cc = color(cat.color.as_deref(), "#4b5563");
                    span.category style={"background:" (cc) ";color:" (ink(&cc))} { (cat.name) }
                }
                @for t in &w.tags {
                    @let tc = color(t.color.as_deref(), "#e5e7eb");
                    span.tag style={"background:" (tc) ";color:" (ink(&tc))} { (t.name) }
                }
            }
            div.card-foot {
                @if w.estimated_cost > 0.0 {
                    span.cost title="Estimated cost" { (super::charts::num(w.estimated_cost)) }
                }
                @if c.sub_tasks_total > 0 {
                    span.subtasks title="Sub-tasks done" { "☑ " (c.sub_tasks_done) "/" (c.sub_tasks_total) }
                }
                span.assignees {
                    @for u in &w.assigned_users {
                        abbr.avatar title=(u.user.name.as_deref().unwrap_or(&u.user.username)) {
                            (initials(u.user.name.as_deref(), &u.user.username))
                        }
                    }
                }
            }
        }
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct BoardQuery {
    category: Option<String>,
    user: Option<String>,
    tag: Option<String>,
    q: Option<String>,
    /// `category`: one swimlane per category.
    lanes: Option<String>,
}

impl BoardQuery {
    fn filter(&self) -> Result<CardFilter, WebError> {
        Ok(CardFilter {
            category_id: opt_id("category", &self.category)?,
            user_id: opt_id("user", &self.user)?,
            tag_id: opt_id("tag", &self.tag)?,
            search: self.q.clone(),
        })
    }
}

fn filters(data: &BoardCards, q: &BoardQuery, action: &str) -> Markup {
    let sel = |v: &Option<String>, id: i64| v.as_deref() == Some(id.to_string().as_str());
    html! {
        form.filters method="get" action=(action) role="search" {
            label { "Search " input type="search" name="q" value=(q.q.as_deref().unwrap_or("")); }
            label { "Category "
                select name="category" {
                    option value="" { "All" }
                    @for c in &data.categories { option value=(c.category_id) selected[sel(&q.category, c.category_id)] { (c.name) } }
                }
            }
            label { "Assignee "
                select name="user" {
                    option value="" { "Anyone" }
                    @for u in &data.members { option value=(u.user.id) selected[sel(&q.user, u.user.id)] { (u.user.username) } }
                }
            }
            label { "Tag "
                select name="tag" {
                    option value="" { "Any" }
                    @for t in &data.tags { option value=(t.tag_id) selected[sel(&q.tag, t.tag_id)] { (t.name) } }
                }
            }
            label { "Swimlanes "
                select name="lanes" {
                    option value="" { "None" }
                    option value="category" selected[q.lanes.as_deref() == Some("category")] { "By category" }
                }
            }
            button type="submit" { "Apply" }
            a href=(action) { "Clear" }
        }
    }
}

fn new_item_form(pid: i64, board_id: Option<i64>, data: &BoardCards, v: &Viewer) -> Markup {
    html! {
        form.new-item method="post" action={"/projects/" (pid) "/items"} {
            input type="hidden" name="_csrf" value=(v.csrf);
            @if let Some(b) = board_id { input type="hidden" name="board_id" value=(b); }
            label { "New work item " input type="text" name="title" required maxlength="500"; }
            label { "Category "
                select name="category_id" {
                    @for c in &data.categories { option value=(c.category_id) { (c.name) } }
                }
            }
            label { "Importance "
                select name="importance_level_id" {
                    @for l in &data.importance_levels { option value=(l.importance_level_id) selected[l.is_default] { (l.name) } }
                }
            }
            button type="submit" { "Add" }
        }
    }
}

/// The columns of one swimlane.
fn lane(pid: i64, data: &BoardCards, key: &str, title: Option<&str>, cards: &[&Card]) -> Markup {
    html! {
        section.lane data-category=(key) aria-label=(title.unwrap_or("Cards")) {
            @if let Some(t) = title { h2.lane-title { (t) } }
            div.columns {
                @for s in &data.stages {
                    @let in_stage: Vec<&&Card> = cards.iter().filter(|c| c.item.stage.stage_id == s.stage_id).collect();
                    div.column data-stage=(s.stage_id) data-stage-name=(s.name) {
                        h3 { (s.name) " " span.count aria-label="cards" { (in_stage.len()) } }
                        ol.cards aria-label=(format!("{} cards", s.name)) {
                            @for c in in_stage { (card(pid, c, key)) }
                        }
                    }
                }
            }
        }
    }
}

fn board_markup(pid: i64, board_id: Option<i64>, data: &BoardCards, q: &BoardQuery) -> Markup {
    let by_category = q.lanes.as_deref() == Some("category");
    let live = format!("/projects/{pid}/live");
    let card_url = match board_id {
        Some(b) => format!("/projects/{pid}/boards/{b}/cards/{{id}}"),
        None => format!("/projects/{pid}/boards/0/cards/{{id}}"),
    };
    html! {
        p.help { "Drag a card, or focus it and press Alt+←/→ to change its stage and Alt+↑/↓ to reorder it. Enter opens it." }
        div #board-status.sr-only role="status" aria-live="polite" {}
        div #board data-move-url={"/projects/" (pid) "/items/{id}/move"} data-card-url=(card_url)
            data-live-url=(live) data-admin=(data.viewer_is_admin) data-lanes=(if by_category { "category" } else { "all" }) {
            @if by_category {
                @for cat in &data.categories {
                    @let cards: Vec<&Card> = data.cards.iter().filter(|c| !c.item.is_story && c.item.category.as_ref().map(|x| x.category_id) == Some(cat.category_id)).collect();
                    (lane(pid, data, &cat.category_id.to_string(), Some(&cat.name), &cards))
                }
                @let stories: Vec<&Card> = data.cards.iter().filter(|c| c.item.is_story).collect();
                @if !stories.is_empty() { (lane(pid, data, "-1", Some("User stories"), &stories)) }
            } @else {
                @let cards: Vec<&Card> = data.cards.iter().collect();
                (lane(pid, data, "all", None, &cards))
            }
        }
        aside #panel.panel hidden aria-label="Work item" {
            button.panel-close type="button" { "Close" }
            div.panel-body {}
        }
        script src=(super::assets::url("board.js")) defer {}
    }
}

async fn project_of(tx: &mut crate::store::Tx, v: &Viewer, pid: i64) -> Result<Project, WebError> {
    Ok(projects::get(tx, &v.actor(), pid).await?)
}

async fn board_page(
    State(s): State<AppState>,
    v: Viewer,
    Path((pid, bid)): Path<(i64, i64)>,
    Query(q): Query<BoardQuery>,
) -> Result<Response, WebError> {
    let f = q.filter()?;
    let mut tx = s.db.read().await?;
    let project = project_of(&mut tx, &v, pid).await?;
    let board = boards::get(&mut tx, &v.actor(), pid, bid).await?;
    let data = planning::board_cards(&mut tx, &v.actor(), pid, Some(bid), &f).await?;
    tx.commit().await?;
    let action = format!("/projects/{pid}/boards/{bid}");
    let body = html! {
        (super::board::plan_css())
        (layout::project_nav(&project, "boards"))
        div.page-head {
            h1 { (board.name) }
            @if board.closing_date.is_some() { span.badge { "Closed" } }
            a href={"/projects/" (pid) "/boards/" (bid) "/burndown"} { "Burndown" }
        }
        (filters(&data, &q, &action))
        (new_item_form(pid, Some(bid), &data, &v))
        (board_markup(pid, Some(bid), &data, &q))
    };
    Ok(super::html(layout::page(
        Some(&v),
        &format!("{} · {}", board.name, project.name),
        body,
    )))
}

async fn backlog_page(
    State(s): State<AppState>,
    v: Viewer,
    Path(pid): Path<i64>,
    Query(q): Query<BoardQuery>,
) -> Result<Response, WebError> {
    let f = q.filter()?;
    let mut tx = s.db.read().await?;
    let project = project_of(&mut tx, &v, pid).await?;
    let data = planning::board_cards(&mut tx, &v.actor(), pid, None, &f).await?;
    let open_boards = boards::list(&mut tx, &v.actor(), pid, false).await?;
    tx.commit().await?;
    let action = format!("/projects/{pid}/backlog");
    let body = html! {
        (super::board::plan_css())
        (layout::project_nav(&project, "backlog"))
        h1 { "Backlog" }
        p { "Work items without a board." }
        (filters(&data, &q, &action))
        (new_item_form(pid, None, &data, &v))
        table.backlog {
            thead { tr { th scope="col" { "Item" } th scope="col" { "Stage" } th scope="col" { "Category" } th scope="col" { "Move to board" } } }
            tbody {
                @for c in &data.cards {
                    tr {
                        td { a href={"/projects/" (pid) "/items/" (c.item.work_item_id)} { "#" (c.item.work_item_id) " " (c.item.title) } }
                        td { (c.item.stage.name) }
                        td { @if let Some(cat) = &c.item.category { (cat.name) } }
                        td { (board_select(pid, c.item.work_item_id, None, &open_boards, &v)) }
                    }
                }
            }
        }
    };
    Ok(super::html(layout::page(
        Some(&v),
        &format!("Backlog · {}", project.name),
        body,
    )))
}

/// A form that moves one item to another board (or the backlog).
pub fn board_select(pid: i64, id: i64, current: Option<i64>, open: &[Board], v: &Viewer) -> Markup {
    html! {
        form.inline method="post" action={"/projects/" (pid) "/items/" (id) "/board"} {
            input type="hidden" name="_csrf" value=(v.csrf);
            label.sr-only for={"board-" (id)} { "Board for #" (id) }
            select id={"board-" (id)} name="board_id" {
                option value="" selected[current.is_none()] { "Backlog" }
                @for b in open { option value=(b.board_id) selected[current == Some(b.board_id)] { (b.name) } }
            }
            button type="submit" { "Move" }
        }
    }
}

async fn card_fragment(
    State(s): State<AppState>,
    v: Viewer,
    Path((pid, bid, id)): Path<(i64, i64, i64)>,
) -> Result<Response, WebError> {
    let mut tx = s.db.read().await?;
    let c = match planning::card(&mut tx, &v.actor(), pid, id).await {
        Ok(c) => c,
        // Gone, or no longer visible to the viewer: the board drops the card.
        Err(OpError::NotFound) => return Ok(StatusCode::NO_CONTENT.into_response()),
        Err(e) => return Err(e.into()),
    };
    tx.commit().await?;
    let on_board = c.item.board.as_ref().map(|b| b.board_id).unwrap_or(0) == bid;
    if !on_board {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let lane = if c.item.is_story {
        "-1".to_string()
    } else {
        c.item
            .category
            .as_ref()
            .map_or("all".into(), |x| x.category_id.to_string())
    };
    Ok(Html(card(pid, &c, &lane).into_string()).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MoveBody {
    stage_id: i64,
    before_id: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Moved {
    work_item_id: i64,
    stage_id: i64,
    board_index: i64,
}

/// A JSON error for the board's script: the status of the page error, the message to announce.
fn json_error(e: WebError) -> Response {
    (
        e.status(),
        Json(serde_json::json!({ "error": e.message() })),
    )
        .into_response()
}

async fn move_item(
    State(s): State<AppState>,
    v: Viewer,
    Path((pid, id)): Path<(i64, i64)>,
    headers: HeaderMap,
    body: Result<Json<MoveBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let token = headers
        .get("x-csrf-token")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if let Err(e) = csrf::check(&v, token) {
        return e.into_response();
    }
    let Ok(Json(b)) = body else {
        return json_error(OpError::invalid("The move needs stageId and beforeId.").into());
    };
    let run = async {
        let mut tx = s.db.write().await?;
        let mv = CardMove {
            stage_id: b.stage_id,
            before_id: b.before_id,
        };
        let item = planning::move_card(&mut tx, &v.actor(), pid, id, mv).await?;
        tx.commit().await?;
        Ok::<_, WebError>(item)
    };
    match run.await {
        Ok(item) => Json(Moved {
            work_item_id: item.work_item_id,
            stage_id: item.stage.stage_id,
            board_index: item.board_index,
        })
        .into_response(),
        Err(e) => json_error(e),
    }
}

#[derive(Debug, Deserialize)]
struct NewItemForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    title: String,
    board_id: Option<String>,
    category_id: Option<String>,
    importance_level_id: Option<String>,
}

async fn create_item(
    State(s): State<AppState>,
    v: Viewer,
    Path(pid): Path<i64>,
    axum::Form(f): axum::Form<NewItemForm>,
) -> Result<Redirect, WebError> {
    csrf::check(&v, &f.csrf)?;
    let board_id = opt_id("board_id", &f.board_id)?;
    let values = work_items::CreateWorkItemValues {
        title: Some(f.title),
        board_id,
        category_id: opt_id("category_id", &f.category_id)?,
        importance_level_id: opt_id("importance_level_id", &f.importance_level_id)?,
        ..Default::default()
    };
    let mut tx = s.db.write().await?;
    work_items::create(&mut tx, &v.actor(), pid, None, values).await?;
    tx.commit().await?;
    Ok(Redirect::to(&match board_id {
        Some(b) => format!("/projects/{pid}/boards/{b}"),
        None => format!("/projects/{pid}/backlog"),
    }))
}

#[derive(Debug, Deserialize)]
struct BoardForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    board_id: Option<String>,
}

async fn change_board(
    State(s): State<AppState>,
    v: Viewer,
    Path((pid, id)): Path<(i64, i64)>,
    axum::Form(f): axum::Form<BoardForm>,
) -> Result<Redirect, WebError> {
    csrf::check(&v, &f.csrf)?;
    let board = opt_id("board_id", &f.board_id)?;
    let mut tx = s.db.write().await?;
    let patch = work_items::PatchWorkItemValues {
        board_id: Some(board),
        ..Default::default()
    };
    work_items::patch(&mut tx, &v.actor(), pid, id, patch).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/projects/{pid}/items/{id}")))
}

async fn boards_page(
    State(s): State<AppState>,
    v: Viewer,
    Path(pid): Path<i64>,
) -> Result<Response, WebError> {
    let mut tx = s.db.read().await?;
    let project = project_of(&mut tx, &v, pid).await?;
    let all_boards = boards::list(&mut tx, &v.actor(), pid, true).await?;
    let all_milestones = milestones::list(&mut tx, &v.actor(), pid, true, false).await?;
    tx.commit().await?;
    let close_form = |path: String, closed: bool| {
        html! {
            form.inline method="post" action={(path) "/" (if closed { "reopen" } else { "close" })} {
                input type="hidden" name="_csrf" value=(v.csrf);
                button type="submit" { (if closed { "Reopen" } else { "Close" }) }
            }
        }
    };
    let board_rows = |ms: Option<i64>| -> Markup {
        html! {
            ul.boards {
                @for b in all_boards.iter().filter(|b| b.milestone_id == ms) {
                    li {
                        a href={"/projects/" (pid) "/boards/" (b.board_id)} { (b.name) }
                        @if b.closing_date.is_some() { " " span.badge { "Closed" } }
                        " " (close_form(format!("/projects/{pid}/boards/{}", b.board_id), b.closing_date.is_some()))
                    }
                }
            }
        }
    };
    let body = html! {
        (super::board::plan_css())
        (layout::project_nav(&project, "boards"))
        h1 { "Milestones and boards" }
        p { a href={"/projects/" (pid) "/backlog"} { "Backlog" } }
        @for m in &all_milestones {
            section.milestone {
                h2 { (m.name) @if m.closing_date.is_some() { " " span.badge { "Closed" } } }
                (close_form(format!("/projects/{pid}/milestones/{}", m.milestone_id), m.closing_date.is_some()))
                (board_rows(Some(m.milestone_id)))
            }
        }
        section { h2 { "Boards without a milestone" } (board_rows(None)) }
        section.forms {
            h2 { "New board" }
            form method="post" action={"/projects/" (pid) "/boards"} {
                input type="hidden" name="_csrf" value=(v.csrf);
                label { "Name " input type="text" name="name" required maxlength="200"; }
                label { "Milestone "
                    select name="milestone_id" {
                        option value="" { "None" }
                        @for m in all_milestones.iter().filter(|m| m.closing_date.is_none()) { option value=(m.milestone_id) { (m.name) } }
                    }
                }
                label { "Start " input type="date" name="start_date"; }
                label { "Due " input type="date" name="due_date"; }
                button type="submit" { "Create board" }
            }
            h2 { "New milestone" }
            form method="post" action={"/projects/" (pid) "/milestones"} {
                input type="hidden" name="_csrf" value=(v.csrf);
                label { "Name " input type="text" name="name" required maxlength="200"; }
                label { "Start " input type="date" name="start_date"; }
                label { "Due " input type="date" name="due_date"; }
                button type="submit" { "Create milestone" }
            }
        }
    };
    Ok(super::html(layout::page(
        Some(&v),
        &format!("Boards · {}", project.name),
        body,
    )))
}

#[derive(Debug, Deserialize)]
struct PlanForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    name: Option<String>,
    milestone_id: Option<String>,
    start_date: Option<String>,
    due_date: Option<String>,
}

fn date(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.trim().is_empty())
}

async fn create_board(
    State(s): State<AppState>,
    v: Viewer,
    Path(pid): Path<i64>,
    axum::Form(f): axum::Form<PlanForm>,
) -> Result<Redirect, WebError> {
    csrf::check(&v, &f.csrf)?;
    let values = boards::BoardValues {
        name: f.name,
        milestone_id: opt_id("milestone_id", &f.milestone_id)?,
        description: None,
        general_info: None,
        start_date: date(f.start_date),
        due_date: date(f.due_date),
    };
    let mut tx = s.db.write().await?;
    let b = boards::create(&mut tx, &v.actor(), pid, values).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!(
        "/projects/{pid}/boards/{}",
        b.board_id
    )))
}

async fn create_milestone(
    State(s): State<AppState>,
    v: Viewer,
    Path(pid): Path<i64>,
    axum::Form(f): axum::Form<PlanForm>,
) -> Result<Redirect, WebError> {
    csrf::check(&v, &f.csrf)?;
    let values = milestones::MilestoneValues {
        name: f.name,
        start_date: date(f.start_date),
        due_date: date(f.due_date),
        general_info: None,
    };
    let mut tx = s.db.write().await?;
    milestones::create(&mut tx, &v.actor(), pid, values).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/projects/{pid}/boards")))
}

#[derive(Debug, Deserialize)]
struct CsrfOnly {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

async fn close_or_reopen(
    s: &AppState,
    v: &Viewer,
    kind: Closable,
    pid: i64,
    id: i64,
    action: &str,
) -> Result<Redirect, WebError> {
    let mut tx = s.db.write().await?;
    match action {
        "close" => closure::close(&mut tx, &v.actor(), kind, pid, id).await?,
        "reopen" => closure::reopen(&mut tx, &v.actor(), kind, pid, id).await?,
        _ => return Err(OpError::NotFound.into()),
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!("/projects/{pid}/boards")))
}

async fn close_board(
    State(s): State<AppState>,
    v: Viewer,
    Path((pid, bid, action)): Path<(i64, i64, String)>,
    axum::Form(f): axum::Form<CsrfOnly>,
) -> Result<Redirect, WebError> {
    csrf::check(&v, &f.csrf)?;
    close_or_reopen(&s, &v, Closable::Board, pid, bid, &action).await
}

async fn close_milestone(
    State(s): State<AppState>,
    v: Viewer,
    Path((pid, mid, action)): Path<(i64, i64, String)>,
    axum::Form(f): axum::Form<CsrfOnly>,
) -> Result<Redirect, WebError> {
    csrf::check(&v, &f.csrf)?;
    close_or_reopen(&s, &v, Closable::Milestone, pid, mid, &action).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ink_picks_the_readable_text_colour() {
        assert_eq!(ink("#ffffff"), "#000000");
        assert_eq!(ink("#000000"), "#ffffff");
        assert_eq!(ink("#1d4ed8"), "#ffffff");
        assert_eq!(ink("#fde047"), "#000000");
    }

    #[test]
    fn colours_and_initials() {
        assert_eq!(color(Some("#abc"), "#000"), "#abc");
        assert_eq!(color(Some("red;x:1"), "#000"), "#000");
        assert_eq!(initials(Some("Ada Lovelace"), "ada"), "AL");
        assert_eq!(initials(None, "owner"), "OW");
    }
}
