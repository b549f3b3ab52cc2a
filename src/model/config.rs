//! The project's configuration entities. Each wire type is also its row type: the `*_COLS`
//! constants select exactly its fields, so `tx.all::<Category>(…)` needs no mapping.

use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Category {
    pub project_id: i64,
    pub category_id: i64,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    pub creation_date: String,
}
crate::lite_row!(Category {
    project_id,
    category_id,
    name,
    icon,
    color,
    creation_date
});

/// `SELECT {CATEGORY_COLS} FROM categories c …`
pub const CATEGORY_COLS: &str =
    "c.project_id, c.category_id, c.name, c.icon, c.color, c.creation_date";

impl Category {
    /// The built-in category user stories show (BEHAVIOUR.md §7).
    pub fn user_story(project_id: i64, creation_date: &str) -> Category {
        Category {
            project_id,
            category_id: -1,
            name: "User story".into(),
            icon: None,
            color: None,
            creation_date: creation_date.to_string(),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Stage {
    pub project_id: i64,
    pub stage_id: i64,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// `created`, `started` or `closed`.
    pub status: String,
    pub is_unblocker: bool,
    pub creation_date: String,
}
crate::lite_row!(Stage {
    project_id,
    stage_id,
    name,
    icon,
    color,
    status,
    is_unblocker,
    creation_date
});

/// `SELECT {STAGE_COLS} FROM stages s …` (order stages by `s.display_order, s.stage_id`).
pub const STAGE_COLS: &str =
    "s.project_id, s.stage_id, s.name, s.icon, s.color, s.status, s.is_unblocker, s.creation_date";

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ImportanceLevel {
    pub project_id: i64,
    pub importance_level_id: i64,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    pub is_default: bool,
    pub creation_date: String,
}
crate::lite_row!(ImportanceLevel {
    project_id,
    importance_level_id,
    name,
    icon,
    color,
    is_default,
    creation_date
});

/// `SELECT {IMPORTANCE_LEVEL_COLS} FROM importance_levels il …`
pub const IMPORTANCE_LEVEL_COLS: &str = "il.project_id, il.importance_level_id, il.name, il.icon, il.color, il.is_default, il.creation_date";

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DesignElementType {
    pub project_id: i64,
    pub design_element_type_id: i64,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    pub creation_date: String,
}
crate::lite_row!(DesignElementType {
    project_id,
    design_element_type_id,
    name,
    icon,
    color,
    creation_date
});

/// `SELECT {DESIGN_ELEMENT_TYPE_COLS} FROM design_element_types dt …`
pub const DESIGN_ELEMENT_TYPE_COLS: &str =
    "dt.project_id, dt.design_element_type_id, dt.name, dt.icon, dt.color, dt.creation_date";

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Tag {
    pub project_id: i64,
    pub tag_id: i64,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    pub display_icon_only: bool,
    pub creation_date: String,
}
crate::lite_row!(Tag {
    project_id,
    tag_id,
    name,
    icon,
    color,
    display_icon_only,
    creation_date
});

/// `SELECT {TAG_COLS} FROM tags t …`
pub const TAG_COLS: &str =
    "t.project_id, t.tag_id, t.name, t.icon, t.color, t.display_icon_only, t.creation_date";
