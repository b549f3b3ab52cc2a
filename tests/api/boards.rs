//! Tests of the boards endpoints.
