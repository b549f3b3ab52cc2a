//! Tests of the dependencies endpoints.
