//! Tests of the work logs endpoints.
