//! The page frame every page shares: header with navigation, main landmark, footer.

use maud::{DOCTYPE, Markup, html};

use super::assets;
use super::session::Viewer;
use crate::model::Project;

/// A whole page. With a viewer: the navigation, the sign-out form and the CSRF token for
/// app.js (`<meta name="csrf-token">`).
pub fn page(viewer: Option<&Viewer>, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                @if let Some(v) = viewer { meta name="csrf-token" content=(v.csrf); }
                title { (title) " · Questlog" }
                link rel="stylesheet" href=(assets::url("app.css"));
                script src=(assets::url("app.js")) defer {}
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.site {
                    a.brand href="/" { "Questlog" }
                    @if let Some(v) = viewer {
                        nav aria-label="Main" {
                            a href="/" { "Projects" }
                            a href="/account" { "Account" }
                            form.inline method="post" action="/logout" {
                                (super::csrf::field(v))
                                button.link type="submit" { "Sign out " span.muted { "(" (v.username) ")" } }
                            }
                        }
                    }
                }
                main #main { (body) }
                footer.site {
                    "Questlog " (env!("CARGO_PKG_VERSION")) " · "
                    a href="/docs" { "API docs" }
                }
            }
        }
    }
}

/// The tabs of a project's pages; `active` is one of `boards`, `backlog`, `design`,
/// `reports`, `calendar`, `settings`.
pub fn project_nav(project: &Project, active: &str) -> Markup {
    let id = project.id;
    let boards = match project.default_board_id {
        Some(b) => format!("/projects/{id}/boards/{b}"),
        None => format!("/projects/{id}"),
    };
    let tabs = [
        ("boards", "Board", boards),
        ("backlog", "Backlog", format!("/projects/{id}/backlog")),
        ("design", "Design", format!("/projects/{id}/design")),
        ("reports", "Reports", format!("/projects/{id}/reports")),
        ("calendar", "Calendar", format!("/projects/{id}/calendar")),
        ("settings", "Settings", format!("/projects/{id}/settings")),
    ];
    html! {
        div.project-head {
            h1 { a href=(format!("/projects/{id}")) { (project.name) } }
            nav.tabs aria-label="Project" {
                @for (key, label, href) in &tabs {
                    @if *key == active {
                        a.active href=(href) aria-current="page" { (label) }
                    } @else {
                        a href=(href) { (label) }
                    }
                }
            }
        }
    }
}

/// A flash-like notice at the top of a page (after a redirect: `?notice=`).
pub fn notice(text: Option<&str>) -> Markup {
    html! {
        @if let Some(t) = text.filter(|t| !t.is_empty()) {
            p.notice role="status" { (t) }
        }
    }
}
