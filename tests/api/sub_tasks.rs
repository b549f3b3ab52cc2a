//! Tests of the sub tasks endpoints.
