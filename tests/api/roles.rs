//! Tests of the roles endpoints.
