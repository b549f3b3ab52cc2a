//! The HTTP test suite: one binary, one module per API group. Every test gets a fresh
//! database and a real server on loopback.

mod cli;
mod contract;
mod helpers;
mod limits;
mod mcp;
mod openapi;

mod foundation;
mod projects;
mod workspaces;

mod categories;
mod design_element_types;
mod importance_levels;
mod project_users;
mod roles;
mod stages;
mod tags;

mod boards;
mod comments;
mod dependencies;
mod events_parts;
mod milestones;
mod sub_tasks;
mod work_item_tags;
mod work_item_users;
mod work_items;
mod work_logs;

mod lists;
mod reads;
mod reply_cache;

mod design_element_comments;
mod design_elements;
mod events;
mod events_design;
mod events_items;
mod events_projects;

mod activity;
mod events_config;
mod webhook_payloads;

mod receiver;
mod webhooks;

mod concurrency;
mod crash;
mod import_hosted;
mod operations;
mod portable;
mod sandbox;

mod authz_matrix;
mod bad_input;
mod blobs_s3;
mod files;
mod files_edge;

mod web_account;
mod web_auth;
mod web_board;
mod web_client;
mod web_planning;
mod web_projects;
mod web_settings;
