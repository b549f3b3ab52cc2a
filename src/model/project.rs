use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::User;

/// Which modules a project uses, and which work-item fields are mandatory (`force…`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ModuleConfig {
    pub work_items: bool,
    pub work_item_categories: bool,
    pub work_item_dates: bool,
    pub work_item_costs: bool,
    pub work_item_sub_tasks: bool,
    pub work_item_dependencies: bool,
    pub work_item_attachments: bool,
    pub work_item_comments: bool,
    pub work_item_tags: bool,
    pub game_design_model: bool,
    pub game_design_model_types: bool,
    pub game_design_model_dates: bool,
    pub game_design_model_attachments: bool,
    pub game_design_model_comments: bool,
    pub calendar: bool,
    pub burndown_chart: bool,
    pub gantt_chart: bool,
    pub metrics: bool,
    pub activity: bool,
    pub notifications: bool,
    pub force_work_item_design_element: bool,
    pub force_work_item_board: bool,
    pub force_work_item_estimated_cost: bool,
    pub force_work_item_due_date: bool,
    pub force_work_item_description: bool,
    pub force_work_item_user: bool,
    pub force_work_item_tag: bool,
}

impl Default for ModuleConfig {
    /// Every module on, no field forced.
    fn default() -> Self {
        ModuleConfig {
            work_items: true,
            work_item_categories: true,
            work_item_dates: true,
            work_item_costs: true,
            work_item_sub_tasks: true,
            work_item_dependencies: true,
            work_item_attachments: true,
            work_item_comments: true,
            work_item_tags: true,
            game_design_model: true,
            game_design_model_types: true,
            game_design_model_dates: true,
            game_design_model_attachments: true,
            game_design_model_comments: true,
            calendar: true,
            burndown_chart: true,
            gantt_chart: true,
            metrics: true,
            activity: true,
            notifications: true,
            force_work_item_design_element: false,
            force_work_item_board: false,
            force_work_item_estimated_cost: false,
            force_work_item_due_date: false,
            force_work_item_description: false,
            force_work_item_user: false,
            force_work_item_tag: false,
        }
    }
}

impl ModuleConfig {
    /// Reads the stored JSON; a damaged value falls back to the defaults rather than failing reads.
    pub fn from_stored(s: &str) -> ModuleConfig {
        serde_json::from_str(s).unwrap_or_default()
    }

    pub fn to_stored(&self) -> String {
        serde_json::to_string(self).expect("module config serializes")
    }

    /// Applies a partial object from a request onto `self` (fields absent keep their value).
    pub fn merged(
        &self,
        patch: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Self, &'static str> {
        let mut base = serde_json::to_value(self).map_err(|_| "unserializable")?;
        let obj = base.as_object_mut().ok_or("not an object")?;
        for (k, v) in patch {
            if !obj.contains_key(k) {
                continue; // unknown module names are ignored, like unknown fields elsewhere
            }
            if !v.is_boolean() {
                return Err("module values must be booleans");
            }
            obj.insert(k.clone(), v.clone());
        }
        serde_json::from_value(base).map_err(|_| "invalid module config")
    }
}

/// A project as the API returns it: identified by `id` (not `projectId`).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub general_info: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closing_date: Option<String>,
    pub creation_date: String,
    pub owner: User,
    pub cost_metric: String,
    pub is_demo: bool,
    #[serde(serialize_with = "super::num")]
    pub hours_per_day: f64,
    pub module_config: ModuleConfig,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_board_id: Option<i64>,
}

/// One row of `projects` joined with its owner.
#[derive(sqlx::FromRow)]
pub struct ProjectRow {
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    pub description: Option<String>,
    pub general_info: Option<String>,
    pub closing_date: Option<String>,
    pub creation_date: String,
    pub cost_metric: String,
    pub is_demo: bool,
    pub hours_per_day: f64,
    pub module_config: String,
    pub default_board_id: Option<i64>,
    pub owner_id: i64,
    pub owner_username: String,
    pub owner_email: String,
    pub owner_name: Option<String>,
    pub owner_creation_date: String,
}
crate::lite_row!(ProjectRow {
    id,
    workspace_id,
    name,
    description,
    general_info,
    closing_date,
    creation_date,
    cost_metric,
    is_demo,
    hours_per_day,
    module_config,
    default_board_id,
    owner_id,
    owner_username,
    owner_email,
    owner_name,
    owner_creation_date
});

pub const PROJECT_SELECT: &str = "SELECT p.id, p.workspace_id, p.name, p.description, p.general_info, \
     p.closing_date, p.creation_date, p.cost_metric, p.is_demo, p.hours_per_day, p.module_config, \
     p.default_board_id, u.id AS owner_id, u.username AS owner_username, u.email AS owner_email, \
     u.name AS owner_name, u.creation_date AS owner_creation_date \
     FROM projects p JOIN users u ON u.id = p.owner_id";

impl From<ProjectRow> for Project {
    fn from(r: ProjectRow) -> Self {
        Project {
            id: r.id,
            workspace_id: r.workspace_id,
            name: r.name,
            description: r.description,
            general_info: r.general_info,
            closing_date: r.closing_date,
            creation_date: r.creation_date,
            owner: User {
                id: r.owner_id,
                username: r.owner_username,
                email: r.owner_email,
                name: r.owner_name,
                creation_date: r.owner_creation_date,
            },
            cost_metric: r.cost_metric,
            is_demo: r.is_demo,
            hours_per_day: r.hours_per_day,
            module_config: ModuleConfig::from_stored(&r.module_config),
            default_board_id: r.default_board_id,
        }
    }
}
