//! Tests of the work items endpoints.
