//! The project calendar: boards, milestones, work items and design elements with dates,
//! as calendar events (BEHAVIOUR.md §8). Not an activity log.

use serde::Serialize;
use utoipa::ToSchema;

use super::{Actor, OpResult, Scope, access};
use crate::model::{Category, Check, ModuleConfig};
use crate::params;
use crate::store::Tx;

pub const BOARD_COLOR: &str = "#2c3e50";
pub const MILESTONE_COLOR: &str = "#8e44ad";
pub const DESIGN_ELEMENT_COLOR: &str = "#16a085";
/// Work items whose category has no color (and user stories).
pub const WORK_ITEM_COLOR: &str = "#7f8c8d";
pub const TEXT_COLOR: &str = "#ffffff";

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectEvent {
    pub project_id: i64,
    pub name: String,
    /// The API URL of the board, milestone, work item or design element.
    pub url: String,
    /// Work items only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    pub start_date: String,
    pub end_date: String,
    pub background_color: String,
    pub text_color: String,
    /// Both dates fall on midnight.
    pub is_all_day_event: bool,
}

#[derive(sqlx::FromRow)]
struct Dated {
    id: i64,
    name: String,
    start_date: Option<String>,
    due_date: Option<String>,
}
crate::lite_row!(Dated {
    id,
    name,
    start_date,
    due_date
});

#[derive(sqlx::FromRow)]
struct DatedItem {
    id: i64,
    name: String,
    start_date: Option<String>,
    due_date: Option<String>,
    category_id: Option<i64>,
    category_name: Option<String>,
    category_icon: Option<String>,
    category_color: Option<String>,
    category_creation_date: Option<String>,
    project_creation_date: String,
}
crate::lite_row!(DatedItem {
    id,
    name,
    start_date,
    due_date,
    category_id,
    category_name,
    category_icon,
    category_color,
    category_creation_date,
    project_creation_date
});

struct Window {
    from: String,
    to: String,
}

impl Window {
    /// A one-date item is a one-day event at that date; reversed dates are put in order.
    fn event(
        &self,
        pid: i64,
        name: String,
        url: String,
        start: Option<String>,
        due: Option<String>,
        color: &str,
    ) -> Option<ProjectEvent> {
        let (a, b) = match (start, due) {
            (Some(s), Some(d)) => (s, d),
            (Some(s), None) => (s.clone(), s),
            (None, Some(d)) => (d.clone(), d),
            (None, None) => return None,
        };
        let (start, end) = if b < a { (b, a) } else { (a, b) };
        if start > self.to || end < self.from {
            return None;
        }
        let midnight = |d: &str| d.ends_with("T00:00:00.000Z");
        Some(ProjectEvent {
            project_id: pid,
            name,
            url,
            category: None,
            is_all_day_event: midnight(&start) && midnight(&end),
            start_date: start,
            end_date: end,
            background_color: color.to_string(),
            text_color: TEXT_COLOR.to_string(),
        })
    }
}

/// The window `from`..=`to`: both required, `to` not before `from`.
fn window(from: Option<&str>, to_raw: Option<&str>) -> OpResult<Window> {
    let mut c = Check::new();
    let mut need = |field: &str, v: Option<&str>| {
        if v.is_none_or(|s| s.trim().is_empty()) {
            c.fail(field, format!("The {field} date is required."));
            None
        } else {
            c.date(field, v)
        }
    };
    let from = need("from", from);
    let mut to = need("to", to_raw);
    // A date-only `to` covers its whole day.
    if let (Some(t), Some(raw)) = (&to, to_raw)
        && !raw.contains('T')
        && !raw.contains(' ')
    {
        to = Some(format!("{}T23:59:59.999Z", &t[..10]));
    }
    if let (Some(f), Some(t)) = (&from, &to)
        && t < f
    {
        c.fail("to", "The to date can't be earlier than the from date.");
    }
    c.finish()?;
    Ok(Window {
        from: from.unwrap_or_default(),
        to: to.unwrap_or_default(),
    })
}

/// The project's calendar between `from` and `to` (both inclusive): boards, milestones, work
/// items (of readable categories, with the `workitems:read` scope) and design elements (for
/// members who can read the design model, module on, with the `designmodel:read` scope) whose
/// dates touch the window, ordered by start date.
pub async fn list(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    from: Option<&str>,
    to: Option<&str>,
) -> OpResult<Vec<ProjectEvent>> {
    let m = access::member(tx, actor, pid, Scope::ProjectsRead).await?;
    let w = window(from, to)?;
    let mut out: Vec<ProjectEvent> = Vec::new();
    let dated = "WHERE project_id = $1 AND (start_date IS NOT NULL OR due_date IS NOT NULL)";
    for (table, path, color) in [
        ("boards", "boards", BOARD_COLOR),
        ("milestones", "milestones", MILESTONE_COLOR),
    ] {
        let rows: Vec<Dated> = tx
            .all(
                &format!("SELECT id, name, start_date, due_date FROM {table} {dated} ORDER BY id"),
                params![pid],
            )
            .await?;
        out.extend(rows.into_iter().filter_map(|r| {
            let url = format!("/v0/projects/{pid}/{path}/{}", r.id);
            w.event(pid, r.name, url, r.start_date, r.due_date, color)
        }));
    }
    if actor.scopes.has(Scope::WorkItemsRead) {
        let rows: Vec<DatedItem> = tx
            .all(
                "SELECT w.work_item_id AS id, w.title AS name, w.start_date, w.due_date, w.category_id, \
                 c.name AS category_name, c.icon AS category_icon, c.color AS category_color, \
                 c.creation_date AS category_creation_date, p.creation_date AS project_creation_date \
                 FROM work_items w JOIN projects p ON p.id = w.project_id \
                 LEFT JOIN categories c ON c.project_id = w.project_id AND c.category_id = w.category_id \
                 WHERE w.project_id = $1 AND (w.start_date IS NOT NULL OR w.due_date IS NOT NULL) \
                 ORDER BY w.work_item_id",
                params![pid],
            )
            .await?;
        for r in rows {
            if !m.can_read_category(r.category_id) {
                continue;
            }
            let category = match (r.category_id, r.category_name, r.category_creation_date) {
                (Some(id), Some(name), Some(creation_date)) => Category {
                    project_id: pid,
                    category_id: id,
                    name,
                    icon: r.category_icon,
                    color: r.category_color,
                    creation_date,
                },
                _ => Category::user_story(pid, &r.project_creation_date),
            };
            let color = category.color.clone();
            let url = format!("/v0/projects/{pid}/workitems/{}", r.id);
            if let Some(mut e) = w.event(
                pid,
                r.name,
                url,
                r.start_date,
                r.due_date,
                color.as_deref().unwrap_or(WORK_ITEM_COLOR),
            ) {
                e.category = Some(category);
                out.push(e);
            }
        }
    }
    let (stored,): (String,) = tx
        .one(
            "SELECT module_config FROM projects WHERE id = $1",
            params![pid],
        )
        .await?;
    if actor.scopes.has(Scope::DesignModelRead)
        && m.can_read_design_model()
        && ModuleConfig::from_stored(&stored).game_design_model
    {
        let rows: Vec<Dated> = tx
            .all(
                &format!(
                    "SELECT design_element_id AS id, name, start_date, due_date FROM design_elements \
                     {dated} ORDER BY design_element_id"
                ),
                params![pid],
            )
            .await?;
        out.extend(rows.into_iter().filter_map(|r| {
            let url = format!("/v0/projects/{pid}/designelements/{}", r.id);
            w.event(
                pid,
                r.name,
                url,
                r.start_date,
                r.due_date,
                DESIGN_ELEMENT_COLOR,
            )
        }));
    }
    // Stable: same-day events keep the order boards, milestones, work items, design elements.
    out.sort_by(|a, b| a.start_date.cmp(&b.start_date));
    Ok(out)
}
