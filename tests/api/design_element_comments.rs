//! Tests of the design element comments endpoints.
