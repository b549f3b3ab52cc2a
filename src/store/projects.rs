//! Creating a project with the defaults of BEHAVIOUR.md §7, and loading projects.

use super::sequences::next_id;
use super::{DbResult, Tx};
use crate::model::{PROJECT_SELECT, Project, ProjectRow, now};
use crate::params;

pub const DEFAULT_STAGES: &[(&str, &str, &str, &str)] = &[
    ("Planned", "created", "#95a5a6", "planned"),
    ("In progress", "started", "#3498db", "in-progress"),
    ("Testing", "started", "#f39c12", "testing"),
    ("Completed", "closed", "#2ecc71", "completed"),
];

pub const DEFAULT_IMPORTANCE_LEVELS: &[(&str, &str, &str, bool)] = &[
    ("Urgent", "#e74c3c", "urgent", false),
    ("High", "#e67e22", "high", false),
    ("Normal", "#3498db", "normal", true),
    ("Low", "#95a5a6", "low", false),
];

pub const DEFAULT_CATEGORIES: &[(&str, &str, &str)] = &[
    ("Programming", "#3498db", "programming"),
    ("Art", "#9b59b6", "art"),
    ("Design", "#2ecc71", "design"),
    ("Writing", "#f1c40f", "writing"),
    ("Marketing", "#e67e22", "marketing"),
    ("Audio", "#1abc9c", "audio"),
    ("Ideas", "#f39c12", "ideas"),
    ("Bug", "#e74c3c", "bug"),
];

pub const DEFAULT_DESIGN_ELEMENT_TYPES: &[&str] = &[
    "Chapter",
    "World",
    "Zone",
    "Level",
    "Stage",
    "Location",
    "Menu",
    "Cutscene",
    "System",
    "Mechanic",
    "Character",
    "Object",
    "Folder",
];

pub struct NewProject<'a> {
    pub workspace_id: i64,
    pub owner_id: i64,
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub general_info: Option<&'a str>,
    pub cost_metric: &'a str,
    pub hours_per_day: f64,
    pub module_config: String,
}

/// Inserts the project and everything a new project starts with. Returns its id.
pub async fn create(tx: &mut Tx, p: &NewProject<'_>) -> DbResult<i64> {
    let ts = now();
    let (pid,): (i64,) = tx
        .one(
            "INSERT INTO projects (workspace_id, name, description, general_info, creation_date, owner_id, \
             cost_metric, is_demo, hours_per_day, module_config) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, FALSE, $8, $9) RETURNING id",
            params![
                p.workspace_id,
                p.name,
                p.description,
                p.general_info,
                &ts,
                p.owner_id,
                p.cost_metric,
                p.hours_per_day,
                &p.module_config
            ],
        )
        .await?;
    for (i, (name, status, color, icon)) in DEFAULT_STAGES.iter().enumerate() {
        let id = next_id(tx, pid, "stage").await?;
        tx.exec(
            "INSERT INTO stages (project_id, stage_id, name, icon, color, status, is_unblocker, display_order, creation_date) \
             VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7, $8)",
            params![pid, id, *name, *icon, *color, *status, i as i64 + 1, &ts],
        )
        .await?;
    }
    for (name, color, icon, default) in DEFAULT_IMPORTANCE_LEVELS {
        let id = next_id(tx, pid, "importancelevel").await?;
        tx.exec(
            "INSERT INTO importance_levels (project_id, importance_level_id, name, icon, color, is_default, creation_date) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            params![pid, id, *name, *icon, *color, *default, &ts],
        )
        .await?;
    }
    for (name, color, icon) in DEFAULT_CATEGORIES {
        let id = next_id(tx, pid, "category").await?;
        tx.exec(
            "INSERT INTO categories (project_id, category_id, name, icon, color, creation_date) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            params![pid, id, *name, *icon, *color, &ts],
        )
        .await?;
    }
    for name in DEFAULT_DESIGN_ELEMENT_TYPES {
        let id = next_id(tx, pid, "designelementtype").await?;
        tx.exec(
            "INSERT INTO design_element_types (project_id, design_element_type_id, name, icon, creation_date) \
             VALUES ($1, $2, $3, $4, $5)",
            params![pid, id, *name, name.to_ascii_lowercase(), &ts],
        )
        .await?;
    }
    let (board,): (i64,) = tx
        .one(
            "INSERT INTO boards (project_id, name, creation_date, creator_id) VALUES ($1, $2, $3, $4) RETURNING id",
            params![pid, "Sprint 1", &ts, p.owner_id],
        )
        .await?;
    tx.exec(
        "UPDATE projects SET default_board_id = $1 WHERE id = $2",
        params![board, pid],
    )
    .await?;
    tx.exec(
        "INSERT INTO project_users (project_id, user_id, is_admin, is_guest, is_active, creation_date) \
         VALUES ($1, $2, TRUE, FALSE, TRUE, $3)",
        params![pid, p.owner_id, &ts],
    )
    .await?;
    Ok(pid)
}

pub async fn get(tx: &mut Tx, project_id: i64) -> DbResult<Option<Project>> {
    Ok(tx
        .opt::<ProjectRow>(
            &format!("{PROJECT_SELECT} WHERE p.id = $1"),
            params![project_id],
        )
        .await?
        .map(Project::from))
}
