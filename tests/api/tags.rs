//! Tests of the tags endpoints.
