//! Paged lists (BEHAVIOUR.md §5): what a page asks for and what it answers.

use serde::Serialize;
use utoipa::ToSchema;

/// `offset` and `limit` of a page, already checked (limit 1..100).
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub offset: i64,
    pub limit: i64,
}

/// A page of a paged list.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Paged<T: ToSchema> {
    pub total_count: i64,
    pub offset: i64,
    pub limit: i64,
    pub items: Vec<T>,
}
