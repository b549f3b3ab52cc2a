//! Tests of the work item users endpoints.
