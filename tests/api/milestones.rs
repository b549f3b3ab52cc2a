//! Tests of the milestones endpoints.
