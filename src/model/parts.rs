//! The parts of a work item (sub-tasks, work logs) and the comments on work items and design
//! elements, as the API and the change log show them.

use serde::Serialize;
use utoipa::ToSchema;

use super::User;

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SubTask {
    pub project_id: i64,
    pub work_item_id: i64,
    pub sub_task_id: i64,
    pub title: String,
    pub is_completed: bool,
    /// Position in the item's list, from 0.
    #[sqlx(rename = "position")]
    pub index: i64,
    pub creation_date: String,
}
crate::lite_row!(SubTask { project_id, work_item_id, sub_task_id, title, is_completed, index = "position", creation_date });

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WorkLog {
    pub project_id: i64,
    pub work_item_id: i64,
    pub work_log_id: i64,
    pub user: User,
    #[serde(serialize_with = "super::num")]
    pub value: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// When the work was done.
    pub date: String,
    pub creation_date: String,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WorkItemComment {
    pub project_id: i64,
    pub work_item_id: i64,
    pub comment_id: i64,
    pub text: String,
    pub user: User,
    /// The work log this comment was posted with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub work_log: Option<WorkLog>,
    pub creation_date: String,
    /// Set once the comment is edited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_date: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DesignElementComment {
    pub project_id: i64,
    pub design_element_id: i64,
    pub comment_id: i64,
    pub text: String,
    pub user: User,
    pub creation_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_date: Option<String>,
}

/// The author columns every part and comment query joins in (`users u`), aliased so they do not
/// collide with the part's own `id` and `creation_date`.
pub const AUTHOR_COLS: &str = "u.id AS user_id, u.username, u.email, u.name, \
     u.creation_date AS user_creation_date";

/// The author of a work log or comment, read through [`AUTHOR_COLS`].
#[derive(Debug, sqlx::FromRow)]
pub struct AuthorRow {
    pub user_id: i64,
    pub username: String,
    pub email: String,
    pub name: Option<String>,
    pub user_creation_date: String,
}
crate::lite_row!(AuthorRow {
    user_id,
    username,
    email,
    name,
    user_creation_date
});

impl From<AuthorRow> for User {
    fn from(r: AuthorRow) -> Self {
        User {
            id: r.user_id,
            username: r.username,
            email: r.email,
            name: r.name,
            creation_date: r.user_creation_date,
        }
    }
}
