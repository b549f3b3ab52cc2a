//! The metrics object of projects, boards, milestones and design elements.

use serde::Serialize;
use utoipa::ToSchema;

use super::Category;

/// Counts and costs over a set of work items (see README "Metrics" for the definitions).
#[derive(Debug, Clone, Default, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MetricCounts {
    pub total_work_items: i64,
    /// Work items created in the last 7 days.
    pub total_work_items_variation: i64,
    pub open_work_items: i64,
    pub closed_work_items: i64,
    #[serde(serialize_with = "super::num")]
    pub estimated_cost: f64,
    /// Estimated cost of the work items created in the last 7 days.
    #[serde(serialize_with = "super::num")]
    pub estimated_cost_variation: f64,
    #[serde(serialize_with = "super::num")]
    pub logged_cost: f64,
    /// Sum over open items of max(estimated − logged, 0).
    #[serde(serialize_with = "super::num")]
    pub remaining_cost: f64,
}

impl MetricCounts {
    pub fn add(&mut self, o: &MetricCounts) {
        self.total_work_items += o.total_work_items;
        self.total_work_items_variation += o.total_work_items_variation;
        self.open_work_items += o.open_work_items;
        self.closed_work_items += o.closed_work_items;
        self.estimated_cost += o.estimated_cost;
        self.estimated_cost_variation += o.estimated_cost_variation;
        self.logged_cost += o.logged_cost;
        self.remaining_cost += o.remaining_cost;
    }
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CategoryMetrics {
    pub category: Category,
    #[serde(flatten)]
    pub counts: MetricCounts,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Metrics {
    pub categories: Vec<CategoryMetrics>,
    #[serde(flatten)]
    pub totals: MetricCounts,
}
