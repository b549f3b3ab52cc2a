//! Boards and milestones as replies nest them.

use serde::Serialize;
use utoipa::ToSchema;

use super::User;

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Board {
    pub project_id: i64,
    pub board_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub milestone_id: Option<i64>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub general_info: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closing_date: Option<String>,
    pub creation_date: String,
    pub creator: User,
    pub is_default: bool,
}

#[derive(sqlx::FromRow)]
pub struct BoardRow {
    pub project_id: i64,
    pub id: i64,
    pub milestone_id: Option<i64>,
    pub name: String,
    pub description: Option<String>,
    pub general_info: Option<String>,
    pub start_date: Option<String>,
    pub due_date: Option<String>,
    pub closing_date: Option<String>,
    pub creation_date: String,
    pub is_default: bool,
    pub creator_id: i64,
    pub creator_username: String,
    pub creator_email: String,
    pub creator_name: Option<String>,
    pub creator_creation_date: String,
}
crate::lite_row!(BoardRow {
    project_id,
    id,
    milestone_id,
    name,
    description,
    general_info,
    start_date,
    due_date,
    closing_date,
    creation_date,
    is_default,
    creator_id,
    creator_username,
    creator_email,
    creator_name,
    creator_creation_date
});

/// `{BOARD_SELECT} WHERE b.project_id = $1 …` into `BoardRow`.
pub const BOARD_SELECT: &str = "SELECT b.project_id, b.id, b.milestone_id, b.name, b.description, b.general_info, \
     b.start_date, b.due_date, b.closing_date, b.creation_date, \
     (p.default_board_id IS NOT NULL AND p.default_board_id = b.id) AS is_default, \
     u.id AS creator_id, u.username AS creator_username, u.email AS creator_email, \
     u.name AS creator_name, u.creation_date AS creator_creation_date \
     FROM boards b JOIN projects p ON p.id = b.project_id JOIN users u ON u.id = b.creator_id";

impl From<BoardRow> for Board {
    fn from(r: BoardRow) -> Self {
        Board {
            project_id: r.project_id,
            board_id: r.id,
            milestone_id: r.milestone_id,
            name: r.name,
            description: r.description,
            general_info: r.general_info,
            start_date: r.start_date,
            due_date: r.due_date,
            closing_date: r.closing_date,
            creation_date: r.creation_date,
            is_default: r.is_default,
            creator: User {
                id: r.creator_id,
                username: r.creator_username,
                email: r.creator_email,
                name: r.creator_name,
                creation_date: r.creator_creation_date,
            },
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Milestone {
    pub project_id: i64,
    pub milestone_id: i64,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub general_info: Option<String>,
    pub creator: User,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closing_date: Option<String>,
    pub creation_date: String,
    /// Present when asked for (always on single-milestone replies).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boards: Option<Vec<Board>>,
}

#[derive(sqlx::FromRow)]
pub struct MilestoneRow {
    pub project_id: i64,
    pub id: i64,
    pub name: String,
    pub general_info: Option<String>,
    pub start_date: Option<String>,
    pub due_date: Option<String>,
    pub closing_date: Option<String>,
    pub creation_date: String,
    pub creator_id: i64,
    pub creator_username: String,
    pub creator_email: String,
    pub creator_name: Option<String>,
    pub creator_creation_date: String,
}
crate::lite_row!(MilestoneRow {
    project_id,
    id,
    name,
    general_info,
    start_date,
    due_date,
    closing_date,
    creation_date,
    creator_id,
    creator_username,
    creator_email,
    creator_name,
    creator_creation_date
});

/// `{MILESTONE_SELECT} WHERE m.project_id = $1 …` into `MilestoneRow`.
pub const MILESTONE_SELECT: &str = "SELECT m.project_id, m.id, m.name, m.general_info, m.start_date, m.due_date, \
     m.closing_date, m.creation_date, u.id AS creator_id, u.username AS creator_username, \
     u.email AS creator_email, u.name AS creator_name, u.creation_date AS creator_creation_date \
     FROM milestones m JOIN users u ON u.id = m.creator_id";

impl From<MilestoneRow> for Milestone {
    fn from(r: MilestoneRow) -> Self {
        Milestone {
            project_id: r.project_id,
            milestone_id: r.id,
            name: r.name,
            general_info: r.general_info,
            start_date: r.start_date,
            due_date: r.due_date,
            closing_date: r.closing_date,
            creation_date: r.creation_date,
            boards: None,
            creator: User {
                id: r.creator_id,
                username: r.creator_username,
                email: r.creator_email,
                name: r.creator_name,
                creation_date: r.creator_creation_date,
            },
        }
    }
}
