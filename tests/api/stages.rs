//! Tests of the stages endpoints.
