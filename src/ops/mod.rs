//! The operations layer (ARCHITECTURE.md "adapters over one operations layer"): every use case as
//! a plain async fn over `(&mut Tx, &Actor, …ids, input) -> OpResult<T>`. The adapter (HTTP today,
//! the web UI and importer later) opens the transaction and commits it, so whatever an operation
//! appends later (the change log) commits or rolls back with the change itself. Ops never sees
//! HTTP types: the caller is an [`Actor`], a failure an [`OpError`] that each adapter renders.
//!
//! One module per API group (file named after the group), plus [`access`] (every permission
//! rule), [`activity`] (the change log as members read it), [`config`] (the one CRUD the project
//! configuration groups share) and [`closure`] (closing and reopening boards and milestones).

use std::collections::BTreeMap;

pub mod access;
pub mod activity;
pub mod attachments;
pub mod boards;
pub mod calendar;
pub mod categories;
pub mod closure;
pub mod comments;
pub mod config;
pub mod dependencies;
pub mod design_element_types;
pub mod design_elements;
pub mod files;
pub mod importance_levels;
pub mod milestones;
pub mod planning;
pub mod project_users;
pub mod projects;
pub mod roles;
pub mod sessions;
pub mod stages;
pub mod sub_tasks;
pub mod tags;
pub mod users;
pub mod webhooks;
pub mod work_item_access;
pub mod work_item_tags;
pub mod work_item_users;
pub mod work_items;
pub mod work_logs;
pub mod workspaces;

/// Who acts: the user and the scopes of the key (or session) they act with.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: i64,
    pub scopes: Scopes,
}

impl Actor {
    /// Missing scope → Forbidden, the same message the API has always given.
    pub fn require(&self, s: Scope) -> OpResult<()> {
        if self.scopes.has(s) {
            Ok(())
        } else {
            Err(OpError::Forbidden(
                "The API key does not have the scope this request needs.".into(),
            ))
        }
    }
}

/// Why an operation refused or failed; each adapter maps it to its own shape (HTTP: 400/403/404/409/500).
#[derive(Debug, thiserror::Error)]
pub enum OpError {
    #[error("not found")]
    NotFound,
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Bad input with a message of its own ("Invalid values object.", …).
    #[error("invalid: {0}")]
    Invalid(String),
    /// Bad input, per field.
    #[error("validation failed")]
    Validation(BTreeMap<String, Vec<String>>),
    #[error("conflict: {0}")]
    Conflict(String),
    /// A cause for the log, never for the client.
    #[error("internal: {0}")]
    Internal(String),
}

pub type OpResult<T> = Result<T, OpError>;

impl OpError {
    pub fn forbidden() -> Self {
        OpError::Forbidden("You don't have permission to perform this action.".into())
    }
    pub fn conflict(msg: impl Into<String>) -> Self {
        OpError::Conflict(msg.into())
    }
    pub fn invalid(msg: impl Into<String>) -> Self {
        OpError::Invalid(msg.into())
    }
    /// A single-field validation failure.
    pub fn field(field: &str, msg: impl Into<String>) -> Self {
        let mut m = BTreeMap::new();
        m.insert(field.to_string(), vec![msg.into()]);
        OpError::Validation(m)
    }
}

impl From<sqlx::Error> for OpError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => OpError::NotFound,
            // A concurrent request created the same thing first.
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                OpError::Conflict("The item already exists.".into())
            }
            sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                OpError::Invalid("A referenced item does not exist.".into())
            }
            _ => OpError::Internal(e.to_string()),
        }
    }
}

/// HacknPlan's 8 key scopes. `…Admin`/`…Write` imply the matching `…Read`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    WorkspacesRead,
    WorkspacesAdmin,
    ProjectsRead,
    ProjectsAdmin,
    WorkItemsRead,
    WorkItemsWrite,
    DesignModelRead,
    DesignModelWrite,
}

pub const ALL_SCOPES: &[(&str, Scope)] = &[
    ("workspaces:read", Scope::WorkspacesRead),
    ("workspaces:admin", Scope::WorkspacesAdmin),
    ("projects:read", Scope::ProjectsRead),
    ("projects:admin", Scope::ProjectsAdmin),
    ("workitems:read", Scope::WorkItemsRead),
    ("workitems:write", Scope::WorkItemsWrite),
    ("designmodel:read", Scope::DesignModelRead),
    ("designmodel:write", Scope::DesignModelWrite),
];

impl Scope {
    fn bit(self) -> u8 {
        1 << (self as u8)
    }
    /// The scope that also grants this one.
    fn stronger(self) -> Option<Scope> {
        match self {
            Scope::WorkspacesRead => Some(Scope::WorkspacesAdmin),
            Scope::ProjectsRead => Some(Scope::ProjectsAdmin),
            Scope::WorkItemsRead => Some(Scope::WorkItemsWrite),
            Scope::DesignModelRead => Some(Scope::DesignModelWrite),
            _ => None,
        }
    }
}

/// A set of scopes, stored as space-separated names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scopes(u8);

impl Scopes {
    pub const ALL: Scopes = Scopes(0xff);

    /// Parses a comma/space separated list. `all` and `read` (every `:read` scope) are shorthands.
    pub fn parse(s: &str) -> Result<Scopes, String> {
        let mut bits = 0u8;
        for name in s
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|n| !n.is_empty())
        {
            let name = name.to_ascii_lowercase();
            match name.as_str() {
                "all" => bits = 0xff,
                "read" => {
                    for (n, sc) in ALL_SCOPES {
                        if n.ends_with(":read") {
                            bits |= sc.bit();
                        }
                    }
                }
                _ => {
                    let sc = ALL_SCOPES
                        .iter()
                        .find(|(n, _)| *n == name)
                        .ok_or_else(|| format!("unknown scope '{name}'"))?;
                    bits |= sc.1.bit();
                }
            }
        }
        if bits == 0 {
            return Err("no scope given".into());
        }
        Ok(Scopes(bits))
    }

    pub fn has(self, s: Scope) -> bool {
        self.0 & s.bit() != 0 || s.stronger().is_some_and(|st| self.0 & st.bit() != 0)
    }

    pub fn to_stored(self) -> String {
        ALL_SCOPES
            .iter()
            .filter(|(_, s)| self.0 & s.bit() != 0)
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(" ")
    }
}
