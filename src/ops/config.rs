//! The one CRUD the project-configuration groups share (categories, stages, importance levels,
//! design element types, roles, tags): each is a row of its own table keyed by
//! `(project_id, <kind>_id)` with a per-project id sequence, and each is read, listed, created,
//! updated and deleted the same way. A group describes its table once ([`Kind`]) and keeps only
//! what differs (its columns, validation, delete rules, messages) in its own ops file.
//!
//! Column names come from the `Kind` constants and the groups' code, never from input; every
//! value is a bound parameter.

use serde::Serialize;

use super::access;
use super::{Actor, OpError, OpResult, Scope};
use crate::changes::{self, Event};
use crate::model::Check;
use crate::params;
use crate::store::{Record, Tx, Val, sequences};

/// A configuration table, as the shared CRUD needs to know it.
pub trait Kind: Serialize + Sized + Send {
    /// What a row decodes into (the wire type itself, or a raw row that converts into it).
    type Row: Record + Into<Self>;
    const TABLE: &'static str;
    /// The table's alias in `COLS` (`c` for `SELECT c.name … FROM categories c`).
    const ALIAS: &'static str;
    /// The alias-qualified select list of the wire type.
    const COLS: &'static str;
    /// The per-project id column, also the `project_sequences` kind's column.
    const ID: &'static str;
    /// The `project_sequences.kind` that numbers it.
    const SEQUENCE: &'static str;
    /// How lists are ordered (alias-qualified).
    const ORDER: &'static str;
    /// What `insert`, `update` and `delete` record in the change log.
    const CREATED: Event;
    const UPDATED: Event;
    const DELETED: Event;

    fn id(&self) -> i64;
}

fn select<K: Kind>(filter: &str) -> String {
    format!(
        "SELECT {} FROM {} {} WHERE {}.project_id = $1{filter}",
        K::COLS,
        K::TABLE,
        K::ALIAS,
        K::ALIAS
    )
}

/// One entity, or NotFound.
pub async fn load<K: Kind>(tx: &mut Tx, pid: i64, id: i64) -> OpResult<K> {
    let sql = select::<K>(&format!(" AND {}.{} = $2", K::ALIAS, K::ID));
    tx.opt::<K::Row>(&sql, params![pid, id])
        .await?
        .map(Into::into)
        .ok_or(OpError::NotFound)
}

/// Every entity of the project, in the kind's order.
pub async fn rows<K: Kind>(tx: &mut Tx, pid: i64) -> OpResult<Vec<K>> {
    let sql = select::<K>(&format!(" ORDER BY {}", K::ORDER));
    let rows: Vec<K::Row> = tx.all(&sql, params![pid]).await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Any member reads the project's configuration.
pub async fn list<K: Kind>(tx: &mut Tx, actor: &Actor, pid: i64) -> OpResult<Vec<K>> {
    access::member(tx, actor, pid, Scope::ProjectsRead).await?;
    rows(tx, pid).await
}

pub async fn get<K: Kind>(tx: &mut Tx, actor: &Actor, pid: i64, id: i64) -> OpResult<K> {
    access::member(tx, actor, pid, Scope::ProjectsRead).await?;
    load(tx, pid, id).await
}

/// The `[ADMIN]` writes of every configuration group but tags, which loads the entity the
/// write names (404 before any 400 about the body).
pub async fn admin_load<K: Kind>(tx: &mut Tx, actor: &Actor, pid: i64, id: i64) -> OpResult<K> {
    access::admin(tx, actor, pid).await?;
    load(tx, pid, id).await
}

/// Inserts a new entity with the next per-project id and the given column values (the id,
/// project and creation date are filled in here), records `K::CREATED` and answers the entity
/// as its GET would. Every check of the write comes before.
pub async fn insert<K: Kind>(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    fields: Vec<(&str, Val)>,
) -> OpResult<K> {
    let id = sequences::next_id(tx, pid, K::SEQUENCE).await?;
    let mut cols = vec!["project_id", K::ID, "creation_date"];
    let mut vals: Vec<Val> = vec![pid.into(), id.into(), crate::model::now().into()];
    for (c, v) in fields {
        cols.push(c);
        vals.push(v);
    }
    let marks: Vec<String> = (1..=vals.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        K::TABLE,
        cols.join(", "),
        marks.join(", ")
    );
    tx.exec(&sql, &vals).await?;
    let created: K = load(tx, pid, id).await?;
    changes::record(tx, actor, pid, K::CREATED, id, None, &created).await?;
    Ok(created)
}

/// Sets the given columns of one entity, records `K::UPDATED` and answers the entity as its GET
/// would. Every check of the write comes before.
pub async fn update<K: Kind>(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    id: i64,
    fields: Vec<(&str, Val)>,
) -> OpResult<K> {
    let n = fields.len();
    let sets: Vec<String> = fields
        .iter()
        .enumerate()
        .map(|(i, (c, _))| format!("{c} = ${}", i + 1))
        .collect();
    let mut vals: Vec<Val> = fields.into_iter().map(|(_, v)| v).collect();
    vals.push(pid.into());
    vals.push(id.into());
    let sql = format!(
        "UPDATE {} SET {} WHERE project_id = ${} AND {} = ${}",
        K::TABLE,
        sets.join(", "),
        n + 1,
        K::ID,
        n + 2
    );
    tx.exec(&sql, &vals).await?;
    let updated: K = load(tx, pid, id).await?;
    changes::record(tx, actor, pid, K::UPDATED, id, None, &updated).await?;
    Ok(updated)
}

/// Deletes one entity (its group has already moved or refused whatever referenced it) and
/// records `K::DELETED` with the entity as it was. The rows its group moved or dropped with it
/// (work items, design elements, tag links) are not each reported.
pub async fn delete<K: Kind>(tx: &mut Tx, actor: &Actor, pid: i64, before: &K) -> OpResult<()> {
    let sql = format!(
        "DELETE FROM {} WHERE project_id = $1 AND {} = $2",
        K::TABLE,
        K::ID
    );
    tx.exec(&sql, params![pid, before.id()]).await?;
    changes::record(tx, actor, pid, K::DELETED, before.id(), None, before).await?;
    Ok(())
}

/// The name, icon and colour every configuration entity but roles carries, validated and
/// merged the same way: create/PUT replace all three (absent icon/colour → null), PATCH only
/// what is present (`null` clears icon/colour).
#[derive(Debug, Clone)]
pub struct Look {
    pub name: String,
    pub icon: Option<String>,
    pub color: Option<String>,
}

impl Look {
    /// Create and PUT values.
    pub fn put(
        c: &mut Check,
        name: Option<String>,
        color: Option<String>,
        icon: Option<String>,
    ) -> Look {
        c.name("name", name.as_deref());
        c.look(color.as_deref(), icon.as_deref());
        Look {
            name: name.unwrap_or_default().trim().to_string(),
            icon,
            color,
        }
    }

    /// PATCH values over the current ones.
    pub fn patch(
        c: &mut Check,
        cur: Look,
        name: Option<String>,
        color: Option<Option<String>>,
        icon: Option<Option<String>>,
    ) -> Look {
        if name.is_some() {
            c.name("name", name.as_deref());
        }
        c.look(
            color.as_ref().and_then(|x| x.as_deref()),
            icon.as_ref().and_then(|x| x.as_deref()),
        );
        Look {
            name: name.map(|n| n.trim().to_string()).unwrap_or(cur.name),
            icon: icon.unwrap_or(cur.icon),
            color: color.unwrap_or(cur.color),
        }
    }

    /// The three columns, for `insert`/`update`.
    pub fn fields(self) -> Vec<(&'static str, Val)> {
        vec![
            ("name", self.name.into()),
            ("icon", self.icon.into()),
            ("color", self.color.into()),
        ]
    }
}

/// The entities that carry a [`Look`].
pub trait HasLook {
    fn look(&self) -> Look;
}

macro_rules! has_look {
    ($($t:ty),+) => {$(
        impl HasLook for $t {
            fn look(&self) -> Look {
                Look { name: self.name.clone(), icon: self.icon.clone(), color: self.color.clone() }
            }
        }
    )+};
}
has_look!(
    crate::model::Category,
    crate::model::Stage,
    crate::model::ImportanceLevel,
    crate::model::DesignElementType,
    crate::model::Tag
);
