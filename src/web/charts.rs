//! Charts drawn on the server as SVG (no script, readable by screen readers through their
//! `<title>`/`<desc>`), and the calendar's month grid. Pure functions over plain data.

use chrono::{Datelike, Duration, NaiveDate};
use maud::{Markup, html};

/// One day of a board's burndown: what was still open at the end of the day.
#[derive(Debug, Clone, PartialEq)]
pub struct BurndownDay {
    pub day: NaiveDate,
    /// Sum of the estimated cost of the open items.
    pub cost: f64,
    /// Number of open items.
    pub items: i64,
}

/// A board's burndown: the days from its start to its due date (or today), the measured days
/// (none after today), and the due date the ideal line reaches zero on.
#[derive(Debug, Clone, PartialEq)]
pub struct Burndown {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub days: Vec<BurndownDay>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    Cost,
    Items,
    Both,
}

impl Series {
    pub fn parse(s: Option<&str>) -> Option<Series> {
        match s.unwrap_or("both") {
            "cost" => Some(Series::Cost),
            "items" => Some(Series::Items),
            "both" => Some(Series::Both),
            _ => None,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Series::Cost => "cost",
            Series::Items => "items",
            Series::Both => "both",
        }
    }
}

/// The smallest 1, 2 or 5 × 10ⁿ at or above `v` (an axis maximum with round ticks).
fn nice_max(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if m * p >= v - 1e-9 {
            return m * p;
        }
    }
    10.0 * p
}

/// A number as a label: no trailing `.0`.
pub fn num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

const W: f64 = 720.0;
const H: f64 = 320.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 56.0;
const TOP: f64 = 24.0;
const BOTTOM: f64 = 48.0;
// Colours with at least 4.5:1 contrast on white (WCAG AA for the labels drawn in them).
const COST: &str = "#1d4ed8";
const ITEMS: &str = "#b45309";
const AXIS: &str = "#374151";

/// The burndown chart: remaining cost and/or open items per day, each with its ideal line
/// (a straight line from the largest value measured, on the first day, to zero on the due date).
pub fn burndown_svg(title: &str, b: &Burndown, series: Series) -> Markup {
    let span = (b.end - b.start).num_days().max(1) as f64;
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    // Coordinates to a tenth of a unit: shorter markup, and no 177.60000000000002.
    let r = |v: f64| (v * 10.0).round() / 10.0;
    let x = |d: NaiveDate| r(LEFT + (d - b.start).num_days() as f64 / span * plot_w);
    let cost_max = nice_max(b.days.iter().map(|d| d.cost).fold(0.0, f64::max));
    let items_max = nice_max(b.days.iter().map(|d| d.items as f64).fold(0.0, f64::max));
    let y = |v: f64, max: f64| r(TOP + plot_h - v / max * plot_h);
    let show_cost = series != Series::Items;
    let show_items = series != Series::Cost;
    let line = |f: &dyn Fn(&BurndownDay) -> f64, max: f64| -> String {
        b.days
            .iter()
            .map(|d| format!("{:.1},{:.1}", x(d.day), y(f(d), max)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let first = b.days.first();
    // The ideal line starts at the scope's peak: work added after the start (a board filled
    // during its first days) would otherwise leave it flat at zero.
    let peak_cost = b.days.iter().map(|d| d.cost).fold(0.0, f64::max);
    let peak_items = b.days.iter().map(|d| d.items as f64).fold(0.0, f64::max);
    let ticks = 4;
    // Day labels: at most ~8 along the axis.
    let step = ((span / 8.0).ceil() as i64).max(1);
    let mut day_ticks = Vec::new();
    let mut d = b.start;
    while d <= b.end {
        day_ticks.push(d);
        d += Duration::days(step);
    }
    let desc = match b.days.last() {
        Some(l) => format!(
            "From {} to {}. On {}: {} remaining estimated cost, {} open items.",
            b.start,
            b.end,
            l.day,
            num(l.cost),
            l.items
        ),
        None => format!("From {} to {}. No data yet.", b.start, b.end),
    };
    html! {
        svg.chart.burndown xmlns="http://www.w3.org/2000/svg" viewBox={"0 0 " (W) " " (H)}
            role="img" aria-labelledby="bd-title bd-desc" {
            title #bd-title { (title) }
            desc #bd-desc { (desc) }
            // Grid and the value axes.
            @for i in 0..=ticks {
                @let v = i as f64 / ticks as f64;
                @let yy = TOP + plot_h - v * plot_h;
                line x1=(LEFT) x2=(W - RIGHT) y1=(yy) y2=(yy) stroke="#e5e7eb" {}
                @if show_cost {
                    text x=(LEFT - 6.0) y=(yy + 4.0) text-anchor="end" font-size="11" fill=(COST) { (num(v * cost_max)) }
                }
                @if show_items {
                    text x=(W - RIGHT + 6.0) y=(yy + 4.0) font-size="11" fill=(ITEMS) { (num(v * items_max)) }
                }
            }
            line x1=(LEFT) x2=(LEFT) y1=(TOP) y2=(TOP + plot_h) stroke=(AXIS) {}
            line x1=(LEFT) x2=(W - RIGHT) y1=(TOP + plot_h) y2=(TOP + plot_h) stroke=(AXIS) {}
            @for d in &day_ticks {
                text x=(x(*d)) y=(TOP + plot_h + 16.0) text-anchor="middle" font-size="11" fill=(AXIS) {
                    (d.format("%m-%d"))
                }
            }
            @if first.is_some() {
                @if show_cost {
                    line.ideal x1=(x(b.start)) y1=(y(peak_cost, cost_max)) x2=(x(b.end)) y2=(y(0.0, cost_max))
                        stroke=(COST) stroke-dasharray="6 4" stroke-opacity="0.6" {}
                    polyline.series-cost points=(line(&|d| d.cost, cost_max)) fill="none" stroke=(COST) stroke-width="2" {}
                }
                @if show_items {
                    line.ideal x1=(x(b.start)) y1=(y(peak_items, items_max)) x2=(x(b.end)) y2=(y(0.0, items_max))
                        stroke=(ITEMS) stroke-dasharray="6 4" stroke-opacity="0.6" {}
                    polyline.series-items points=(line(&|d| d.items as f64, items_max)) fill="none" stroke=(ITEMS) stroke-width="2" {}
                }
            }
            // Legend.
            @let ly = H - 12.0;
            @if show_cost {
                line x1=(LEFT) x2=(LEFT + 20.0) y1=(ly - 4.0) y2=(ly - 4.0) stroke=(COST) stroke-width="2" {}
                text x=(LEFT + 24.0) y=(ly) font-size="12" fill=(COST) { "Remaining estimated cost" }
            }
            @if show_items {
                line x1=(LEFT + 220.0) x2=(LEFT + 240.0) y1=(ly - 4.0) y2=(ly - 4.0) stroke=(ITEMS) stroke-width="2" {}
                text x=(LEFT + 244.0) y=(ly) font-size="12" fill=(ITEMS) { "Open items" }
            }
            line x1=(LEFT + 360.0) x2=(LEFT + 380.0) y1=(ly - 4.0) y2=(ly - 4.0) stroke=(AXIS) stroke-dasharray="6 4" {}
            text x=(LEFT + 384.0) y=(ly) font-size="12" fill=(AXIS) { "Ideal" }
        }
    }
}

/// One bar of a bar chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    /// A CSS colour for the bar (the label is drawn in the text colour).
    pub color: String,
}

/// A horizontal bar chart (one row per bar, value written at the bar's end).
pub fn bar_chart(title: &str, bars: &[Bar]) -> Markup {
    let row = 26.0;
    let label_w = 160.0;
    let w = 560.0;
    let h = TOP + row * bars.len().max(1) as f64 + 8.0;
    let max = nice_max(bars.iter().map(|b| b.value).fold(0.0, f64::max));
    let bar_w = |v: f64| (v / max * (w - label_w - 60.0)).max(0.0);
    html! {
        svg.chart.bars xmlns="http://www.w3.org/2000/svg" viewBox={"0 0 " (w) " " (h)} role="img" {
            title { (title) }
            text x="0" y="16" font-size="13" font-weight="bold" fill=(AXIS) { (title) }
            @if bars.is_empty() {
                text x="0" y=(TOP + 16.0) font-size="12" fill=(AXIS) { "No data" }
            }
            @for (i, b) in bars.iter().enumerate() {
                @let yy = TOP + i as f64 * row;
                text x=(label_w - 8.0) y=(yy + 16.0) text-anchor="end" font-size="12" fill=(AXIS) { (b.label) }
                rect x=(label_w) y=(yy + 4.0) width=(format!("{:.1}", bar_w(b.value))) height="16" fill=(b.color) {}
                text x=(label_w + bar_w(b.value) + 6.0) y=(yy + 16.0) font-size="12" fill=(AXIS) { (num(b.value)) }
            }
        }
    }
}

/// An entry on the calendar.
#[derive(Debug, Clone, PartialEq)]
pub struct CalEntry {
    pub date: NaiveDate,
    pub label: String,
    pub href: Option<String>,
}

/// The first day of the month after `first`.
pub fn next_month(first: NaiveDate) -> NaiveDate {
    let (y, m) = if first.month() == 12 {
        (first.year() + 1, 1)
    } else {
        (first.year(), first.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(first)
}

/// The first day of the month before `first`.
pub fn prev_month(first: NaiveDate) -> NaiveDate {
    let (y, m) = if first.month() == 1 {
        (first.year() - 1, 12)
    } else {
        (first.year(), first.month() - 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(first)
}

/// A month as a table, weeks from Monday; `entries` outside the month are left out.
pub fn month_grid(first: NaiveDate, entries: &[CalEntry]) -> Markup {
    let first = first.with_day(1).unwrap_or(first);
    let next = next_month(first);
    let lead = first.weekday().num_days_from_monday() as i64;
    let days = (next - first).num_days();
    let cells = ((lead + days + 6) / 7) * 7;
    let weeks: Vec<Vec<Option<NaiveDate>>> = (0..cells)
        .map(|i| {
            let n = i - lead;
            (0..days).contains(&n).then(|| first + Duration::days(n))
        })
        .collect::<Vec<_>>()
        .chunks(7)
        .map(|c| c.to_vec())
        .collect();
    html! {
        table.calendar {
            caption { (first.format("%B %Y")) }
            thead { tr { @for d in ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] { th scope="col" { (d) } } } }
            tbody {
                @for week in &weeks {
                    tr {
                        @for cell in week {
                            @match cell {
                                Some(d) => td data-date=(d) {
                                    span.day { (d.day()) }
                                    ul {
                                        @for e in entries.iter().filter(|e| e.date == *d) {
                                            li { @match &e.href { Some(h) => a href=(h) { (e.label) }, None => (e.label) } }
                                        }
                                    }
                                },
                                None => td.out {},
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn nice_maxima() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(7.0), 10.0);
        assert_eq!(nice_max(13.0), 20.0);
        assert_eq!(nice_max(40.0), 50.0);
        assert_eq!(nice_max(100.0), 100.0);
    }

    fn sample() -> Burndown {
        Burndown {
            start: d("2026-01-01"),
            end: d("2026-01-11"),
            days: vec![
                BurndownDay {
                    day: d("2026-01-01"),
                    cost: 20.0,
                    items: 4,
                },
                BurndownDay {
                    day: d("2026-01-02"),
                    cost: 15.0,
                    items: 3,
                },
                BurndownDay {
                    day: d("2026-01-03"),
                    cost: 5.0,
                    items: 1,
                },
            ],
        }
    }

    #[test]
    fn burndown_has_series_ideal_axes_and_title() {
        let s = burndown_svg("Sprint 1 <burndown>", &sample(), Series::Both).into_string();
        assert!(
            s.contains("<title id=\"bd-title\">Sprint 1 &lt;burndown&gt;</title>"),
            "{s}"
        );
        assert!(s.contains("class=\"series-cost\""));
        assert!(s.contains("class=\"series-items\""));
        assert_eq!(s.matches("class=\"ideal\"").count(), 2);
        // The cost line starts at the left axis at the top of a 0..20 scale and steps right.
        assert!(
            s.contains("points=\"56.0,24.0 116.8,86.0 177.6,210.0\""),
            "{s}"
        );
        // The ideal cost line reaches zero (the plot's bottom) at the due date (the right edge).
        assert!(s.contains("x2=\"664\" y2=\"272\""), "{s}");
        assert!(s.contains("01-11"));
        assert!(s.contains("On 2026-01-03: 5 remaining estimated cost, 1 open items."));
    }

    #[test]
    fn burndown_one_series() {
        let s = burndown_svg("b", &sample(), Series::Cost).into_string();
        assert!(s.contains("series-cost"));
        assert!(!s.contains("series-items"));
        let s = burndown_svg("b", &sample(), Series::Items).into_string();
        assert!(!s.contains("series-cost"));
        assert!(s.contains("series-items"));
        let empty = Burndown {
            days: vec![],
            ..sample()
        };
        assert!(
            burndown_svg("b", &empty, Series::Both)
                .into_string()
                .contains("No data yet.")
        );
    }

    #[test]
    fn series_names() {
        assert_eq!(Series::parse(None), Some(Series::Both));
        assert_eq!(Series::parse(Some("cost")), Some(Series::Cost));
        assert_eq!(Series::parse(Some("x")), None);
    }

    #[test]
    fn bars_scale_to_the_largest() {
        let bars = vec![
            Bar {
                label: "Programming".into(),
                value: 10.0,
                color: "#123456".into(),
            },
            Bar {
                label: "Art".into(),
                value: 5.0,
                color: "#654321".into(),
            },
        ];
        let s = bar_chart("Estimated cost", &bars).into_string();
        assert!(s.contains(">Programming</text>"));
        // 10 fills the bar area (560 - 160 - 60 = 340), 5 half of it.
        assert!(s.contains("width=\"340.0\""), "{s}");
        assert!(s.contains("width=\"170.0\""), "{s}");
        assert!(bar_chart("x", &[]).into_string().contains("No data"));
    }

    #[test]
    fn month_grid_starts_on_monday() {
        // 2026-12-01 is a Tuesday: one empty cell first; 31 days; 5 weeks.
        let e = vec![
            CalEntry {
                date: d("2026-12-24"),
                label: "Ship <it>".into(),
                href: Some("/x".into()),
            },
            CalEntry {
                date: d("2027-01-01"),
                label: "next".into(),
                href: None,
            },
        ];
        let s = month_grid(d("2026-12-01"), &e).into_string();
        assert!(s.contains("<caption>December 2026</caption>"));
        assert_eq!(s.matches("<tr>").count(), 6); // header + 5 weeks
        assert!(s.starts_with("<table class=\"calendar\">"));
        assert!(
            s.contains("<td class=\"out\"></td><td data-date=\"2026-12-01\">"),
            "{s}"
        );
        assert!(s.contains("<a href=\"/x\">Ship &lt;it&gt;</a>"));
        assert!(!s.contains("next"));
        assert_eq!(prev_month(d("2026-01-01")), d("2025-12-01"));
        assert_eq!(next_month(d("2026-12-01")), d("2027-01-01"));
    }
}
