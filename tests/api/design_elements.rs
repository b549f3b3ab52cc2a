//! Tests of the design elements endpoints.
