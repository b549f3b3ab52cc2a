//! Tests of the work item tags endpoints.
