//! Tests of the project users endpoints.
