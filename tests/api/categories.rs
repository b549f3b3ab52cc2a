//! Tests of the categories endpoints.
