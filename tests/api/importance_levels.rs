//! Tests of the importance levels endpoints.
