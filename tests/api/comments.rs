//! Tests of the comments endpoints.
