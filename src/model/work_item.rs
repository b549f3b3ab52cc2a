//! The work item as every reply shows it (BEHAVIOUR.md §5). `store::work_items::load` builds it.
//! The rows it nests are `Shared`: the same few stages, boards, users… in every item of a page.

use serde::Serialize;
use utoipa::ToSchema;

use super::{
    Board, Category, DesignElement, ImportanceLevel, ProjectUser, Shared, Stage, Tag, User,
};

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WorkItem {
    pub project_id: i64,
    pub work_item_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_story_id: Option<i64>,
    pub is_story: bool,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// User stories show the built-in `{categoryId: -1, name: "User story"}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Category>)]
    pub category: Option<Shared<Category>>,
    #[schema(value_type = Stage)]
    pub stage: Shared<Stage>,
    #[serde(serialize_with = "super::num")]
    pub estimated_cost: f64,
    /// Sum of the item's work logs.
    #[serde(serialize_with = "super::num")]
    pub logged_cost: f64,
    /// Sum of the estimates of a story's tasks (0 for tasks).
    #[serde(serialize_with = "super::num")]
    pub story_tasks_estimated_cost: f64,
    /// Sum of the work logs of a story's tasks (0 for tasks).
    #[serde(serialize_with = "super::num")]
    pub story_tasks_logged_cost: f64,
    /// Position in its board (or the backlog), 0-based and dense.
    pub board_index: i64,
    /// Position among the items of its design element, 0-based.
    pub design_element_index: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<DesignElement>)]
    pub design_element: Option<Shared<DesignElement>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    pub update_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closing_date: Option<String>,
    pub creation_date: String,
    /// The creator.
    #[schema(value_type = User)]
    pub user: Shared<User>,
    /// Absent for backlog items.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Board>)]
    pub board: Option<Shared<Board>>,
    #[schema(value_type = Vec<ProjectUser>)]
    pub assigned_users: Vec<Shared<ProjectUser>>,
    #[schema(value_type = Vec<Tag>)]
    pub tags: Vec<Shared<Tag>>,
    #[schema(value_type = ImportanceLevel)]
    pub importance_level: Shared<ImportanceLevel>,
    pub has_dependencies: bool,
    /// Some item it depends on is in a stage that is neither closed nor an unblocker.
    pub is_blocked: bool,
    /// The attachment shown on the item's card.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub picture: Option<super::WorkItemAttachment>,
}

/// A work item's dependency on another one (the predecessor).
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WorkItemDependency {
    /// The predecessor.
    pub work_item: WorkItem,
    /// The predecessor is in a closed stage or an unblocker stage.
    pub is_resolved: bool,
}

impl From<WorkItem> for WorkItemDependency {
    fn from(w: WorkItem) -> Self {
        let is_resolved = w.resolves();
        WorkItemDependency {
            work_item: w,
            is_resolved,
        }
    }
}

impl WorkItem {
    /// Its stage no longer blocks the items that depend on it (closed, or an unblocker).
    pub fn resolves(&self) -> bool {
        self.stage.status == "closed" || self.stage.is_unblocker
    }
}

/// The entity of `workitem.dependency.added|removed`: the dependency as the API shows it, with
/// the item whose dependency list changed (BEHAVIOUR.md §6: `{WorkItem{…}, IsResolved}`).
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DependencyChange {
    pub project_id: i64,
    /// The item that depends (or depended) on `workItem`.
    pub work_item_id: i64,
    #[serde(flatten)]
    pub dependency: WorkItemDependency,
}
