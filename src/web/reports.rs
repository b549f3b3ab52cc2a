//! Reports: project and board metrics by category (bar charts), a board's burndown, and the
//! project calendar (a month of `/events`). Charts are SVG made on the server (web/charts.rs).

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use chrono::{Datelike, Duration, NaiveDate};
use maud::{Markup, html};
use serde::Deserialize;

use super::board::color;
use super::charts::{self, Bar, Burndown, BurndownDay, CalEntry, Series, num};
use super::error::WebError;
use super::layout;
use super::session::Viewer;
use crate::http::AppState;
use crate::model::{Metrics, now_utc};
use crate::ops::{OpError, boards, calendar, planning, projects};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/projects/{pid}/reports", get(reports_page))
        .route("/projects/{pid}/boards/{bid}/burndown", get(burndown_page))
        .route("/projects/{pid}/calendar", get(calendar_page))
}

/// Bars of one measure per category.
fn bars(m: &Metrics, measure: impl Fn(&crate::model::MetricCounts) -> f64) -> Vec<Bar> {
    m.categories
        .iter()
        .map(|c| Bar {
            label: c.category.name.clone(),
            value: measure(&c.counts),
            color: color(c.category.color.as_deref(), "#4b5563"),
        })
        .collect()
}

fn metrics_block(m: &Metrics) -> Markup {
    html! {
        dl.facts {
            dt { "Work items" } dd { (m.totals.total_work_items) }
            dt { "Open" } dd { (m.totals.open_work_items) }
            dt { "Closed" } dd { (m.totals.closed_work_items) }
            dt { "Estimated cost" } dd { (num(m.totals.estimated_cost)) }
            dt { "Logged cost" } dd { (num(m.totals.logged_cost)) }
            dt { "Remaining cost" } dd { (num(m.totals.remaining_cost)) }
        }
        div.charts {
            (charts::bar_chart("Open work items by category", &bars(m, |c| c.open_work_items as f64)))
            (charts::bar_chart("Estimated cost by category", &bars(m, |c| c.estimated_cost)))
            (charts::bar_chart("Logged cost by category", &bars(m, |c| c.logged_cost)))
        }
    }
}

#[derive(Debug, Deserialize, Default)]
struct ReportsQuery {
    /// The board whose metrics to show beside the project's (default: the first open one).
    board: Option<String>,
}

async fn reports_page(
    State(s): State<AppState>,
    v: Viewer,
    Path(pid): Path<i64>,
    Query(q): Query<ReportsQuery>,
) -> Result<Response, WebError> {
    let chosen = super::board::opt_id("board", &q.board)?;
    let actor = v.actor();
    let mut tx = s.db.read().await?;
    let project = projects::get(&mut tx, &actor, pid).await?;
    let metrics = projects::metrics(&mut tx, &actor, pid).await?;
    let open = boards::list(&mut tx, &actor, pid, false).await?;
    // One board at a time: a fixed number of statements however many boards there are.
    let shown = chosen.or(open.first().map(|b| b.board_id));
    let board_metrics = match shown {
        Some(b) => Some((
            boards::get(&mut tx, &actor, pid, b).await?,
            boards::metrics(&mut tx, &actor, pid, b, None).await?,
        )),
        None => None,
    };
    tx.commit().await?;
    let body = html! {
        (super::board::plan_css())
        (layout::project_nav(&project, "reports"))
        h1 { "Reports" }
        p { a href={"/projects/" (pid) "/calendar"} { "Calendar" } }
        section { h2 { "Project" } (metrics_block(&metrics)) }
        @if !open.is_empty() {
            form.filters method="get" {
                label { "Board "
                    select name="board" {
                        @for b in &open { option value=(b.board_id) selected[shown == Some(b.board_id)] { (b.name) } }
                    }
                }
                button type="submit" { "Show" }
            }
        }
        @if let Some((b, m)) = &board_metrics {
            section {
                h2 { "Board: " (b.name) }
                p { a href={"/projects/" (pid) "/boards/" (b.board_id) "/burndown"} { "Burndown of " (b.name) } }
                (metrics_block(m))
            }
        }
    };
    Ok(super::html(layout::page(
        Some(&v),
        &format!("Reports · {}", project.name),
        body,
    )))
}

#[derive(Debug, Deserialize, Default)]
struct BurndownQuery {
    series: Option<String>,
}

async fn burndown_page(
    State(s): State<AppState>,
    v: Viewer,
    Path((pid, bid)): Path<(i64, i64)>,
    Query(q): Query<BurndownQuery>,
) -> Result<Response, WebError> {
    let series = Series::parse(q.series.as_deref())
        .ok_or_else(|| OpError::field("series", "Choose cost, items or both."))?;
    let actor = v.actor();
    let today = now_utc().date_naive();
    let mut tx = s.db.read().await?;
    let project = projects::get(&mut tx, &actor, pid).await?;
    let data = planning::burndown(&mut tx, &actor, pid, bid, today).await?;
    tx.commit().await?;
    let chart = Burndown {
        start: data.start,
        end: data.end,
        days: data
            .days
            .iter()
            .map(|d| BurndownDay {
                day: d.day,
                cost: d.cost,
                items: d.items,
            })
            .collect(),
    };
    let title = format!("Burndown of {}", data.board.name);
    let body = html! {
        (super::board::plan_css())
        (layout::project_nav(&project, "reports"))
        h1 { (title) }
        form.filters method="get" {
            label { "Show "
                select name="series" {
                    @for s in [Series::Both, Series::Cost, Series::Items] {
                        option value=(s.name()) selected[s == series] { (match s { Series::Both => "Cost and items", Series::Cost => "Remaining cost", Series::Items => "Open items" }) }
                    }
                }
            }
            button type="submit" { "Show" }
        }
        figure.burndown {
            (charts::burndown_svg(&title, &chart, series))
            figcaption { "From " (data.start) " to " (data.end) ". The dashed lines are the ideal burndown to zero on the due date." }
        }
        details {
            summary { "The numbers per day" }
            (day_table(&data.days))
        }
        p { a href={"/projects/" (pid) "/boards/" (bid)} { "Back to the board" } }
    };
    Ok(super::html(layout::page(
        Some(&v),
        &format!("{title} · {}", project.name),
        body,
    )))
}

fn day_table(days: &[planning::BurndownDay]) -> Markup {
    html! {
        table.data {
            thead { tr { th scope="col" { "Day" } th scope="col" { "Remaining estimated cost" } th scope="col" { "Open items" } } }
            tbody { @for d in days { tr { td { (d.day) } td { (num(d.cost)) } td { (d.items) } } } }
        }
    }
}

#[derive(Debug, Deserialize, Default)]
struct CalendarQuery {
    /// `YYYY-MM`; default this month.
    month: Option<String>,
}

/// An event's page in the web app, from its API URL.
fn web_url(pid: i64, api: &str) -> Option<String> {
    let rest = api.strip_prefix(&format!("/v0/projects/{pid}/"))?;
    let (kind, id) = rest.split_once('/')?;
    let id: i64 = id.parse().ok()?;
    Some(match kind {
        "workitems" => format!("/projects/{pid}/items/{id}"),
        "boards" => format!("/projects/{pid}/boards/{id}"),
        "designelements" => format!("/projects/{pid}/design/{id}"),
        "milestones" => format!("/projects/{pid}/boards"),
        _ => return None,
    })
}

async fn calendar_page(
    State(s): State<AppState>,
    v: Viewer,
    Path(pid): Path<i64>,
    Query(q): Query<CalendarQuery>,
) -> Result<Response, WebError> {
    let first = match q.month.as_deref().filter(|m| !m.is_empty()) {
        Some(m) => NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
            .map_err(|_| OpError::field("month", "Use YYYY-MM."))?,
        None => now_utc().date_naive().with_day(1).unwrap_or_default(),
    };
    let next = charts::next_month(first);
    let last = next - Duration::days(1);
    let actor = v.actor();
    let mut tx = s.db.read().await?;
    let project = projects::get(&mut tx, &actor, pid).await?;
    let from = first.to_string();
    let to = last.to_string();
    let events = calendar::list(&mut tx, &actor, pid, Some(&from), Some(&to)).await?;
    tx.commit().await?;
    let day = |s: &str| NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").ok();
    let mut entries = Vec::new();
    for e in &events {
        let (Some(a), Some(b)) = (day(&e.start_date), day(&e.end_date)) else {
            continue;
        };
        let mut d = a.max(first);
        while d <= b.min(last) {
            entries.push(CalEntry {
                date: d,
                label: e.name.clone(),
                href: web_url(pid, &e.url),
            });
            d += Duration::days(1);
        }
    }
    let month = |d: NaiveDate| d.format("%Y-%m").to_string();
    let body = html! {
        (super::board::plan_css())
        (layout::project_nav(&project, "calendar"))
        h1 { "Calendar" }
        nav.month-nav aria-label="Months" {
            a rel="prev" href={"?month=" (month(charts::prev_month(first)))} { "← Previous month" }
            " "
            a rel="next" href={"?month=" (month(next))} { "Next month →" }
        }
        (charts::month_grid(first, &entries))
    };
    Ok(super::html(layout::page(
        Some(&v),
        &format!("Calendar · {}", project.name),
        body,
    )))
}

#[cfg(test)]
mod tests {
    use super::web_url;

    #[test]
    fn event_links() {
        assert_eq!(
            web_url(3, "/v0/projects/3/workitems/7").as_deref(),
            Some("/projects/3/items/7")
        );
        assert_eq!(
            web_url(3, "/v0/projects/3/boards/2").as_deref(),
            Some("/projects/3/boards/2")
        );
        assert_eq!(web_url(3, "/v0/projects/4/boards/2"), None);
    }
}
