//! The HTTP test suite: one binary, one module per API group. Every test gets a fresh
//! database and a real server on loopback.

mod helpers;

mod foundation;
mod projects;
mod workspaces;
