//! TEMPORARY stub (dropped at merge).
use maud::{DOCTYPE, Markup, html};

use super::session::Viewer;
use crate::model::Project;

pub fn page(viewer: Option<&Viewer>, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                @if let Some(v) = viewer { meta name="csrf-token" content=(v.csrf); }
                title { (title) }
            }
            body { main { (body) } }
        }
    }
}

pub fn project_nav(project: &Project, active: &str) -> Markup {
    html! { nav aria-label="Project" { a href={"/projects/" (project.id)} { (project.name) } " " (active) } }
}
