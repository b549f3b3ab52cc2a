//! Tests of the events endpoints.
