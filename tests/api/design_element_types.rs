//! Tests of the design element types endpoints.
