use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CategoryPermission {
    pub category_id: i64,
    #[serde(default)]
    pub can_read: bool,
    #[serde(default)]
    pub can_write: bool,
    #[serde(default)]
    pub can_update: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DesignModelPermission {
    #[serde(default)]
    pub can_read: bool,
    #[serde(default)]
    pub can_write: bool,
}

impl Default for DesignModelPermission {
    fn default() -> Self {
        DesignModelPermission {
            can_read: true,
            can_write: true,
        }
    }
}

/// What a role allows. Categories a role does not list are fully allowed, so a role only has
/// to name the categories it restricts (and a category created later is usable by everyone).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Permissions {
    pub category_permissions: Vec<CategoryPermission>,
    pub game_design_model_permissions: DesignModelPermission,
}

impl Permissions {
    pub fn from_stored(s: &str) -> Permissions {
        serde_json::from_str(s).unwrap_or_default()
    }

    pub fn to_stored(&self) -> String {
        serde_json::to_string(self).expect("permissions serialize")
    }

    pub fn category(&self, category_id: i64) -> Option<&CategoryPermission> {
        self.category_permissions
            .iter()
            .find(|c| c.category_id == category_id)
    }
}
