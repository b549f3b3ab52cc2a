//! What `questlog import hacknplan` owns (`hosted_imports`), and the statements that check
//! and replace it: a rerun replaces the projects an import of the same source brought in (ids
//! kept), and refuses when an id it needs belongs to anything else.

use std::collections::{BTreeMap, BTreeSet};

use super::{DbResult, Tx, Val, placeholders};
use crate::params;

/// Tables whose ids are instance-wide (the others are per project): a project of another
/// origin may hold an id the import needs.
pub const GLOBAL_ID_TABLES: &[(&str, &str)] = &[
    ("milestones", "milestone"),
    ("boards", "board"),
    ("design_element_comments", "design element comment"),
    ("work_logs", "work log"),
    ("comments", "comment"),
    ("files", "file"),
    ("attachments", "attachment"),
];

/// The ids of `kind` that imports from `source` own.
pub async fn owned(tx: &mut Tx, source: &str, kind: &str) -> DbResult<BTreeSet<i64>> {
    let rows: Vec<(i64,)> = tx
        .all(
            "SELECT object_id FROM hosted_imports WHERE source = $1 AND kind = $2 ORDER BY object_id",
            params![source, kind],
        )
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Rows of `table` among `ids`: (id, project_id), a statement per 500 ids.
pub async fn taken_ids(tx: &mut Tx, table: &str, ids: &[i64]) -> DbResult<Vec<(i64, i64)>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let vals: Vec<Val> = chunk.iter().map(|i| Val::from(*i)).collect();
        let sql = format!(
            "SELECT id, project_id FROM {table} WHERE id IN ({}) ORDER BY id",
            placeholders(1, vals.len())
        );
        out.extend(tx.all::<(i64, i64)>(&sql, &vals).await?);
    }
    Ok(out)
}

/// Which of `ids` name projects here.
pub async fn existing_projects(tx: &mut Tx, ids: &[i64]) -> DbResult<BTreeSet<i64>> {
    let mut out = BTreeSet::new();
    for chunk in ids.chunks(500) {
        let vals: Vec<Val> = chunk.iter().map(|i| Val::from(*i)).collect();
        let sql = format!(
            "SELECT id FROM projects WHERE id IN ({})",
            placeholders(1, vals.len())
        );
        out.extend(
            tx.all::<(i64,)>(&sql, &vals)
                .await?
                .into_iter()
                .map(|r| r.0),
        );
    }
    Ok(out)
}

/// Every local user: id → (username, email). An instance has people, not millions.
pub async fn users(tx: &mut Tx) -> DbResult<BTreeMap<i64, (String, String)>> {
    let rows: Vec<(i64, String, String)> = tx
        .all("SELECT id, username, email FROM users ORDER BY id", &[])
        .await?;
    Ok(rows.into_iter().map(|(i, u, e)| (i, (u, e))).collect())
}

/// id → name of `workspaces` or `teams` among `ids`.
pub async fn names(tx: &mut Tx, table: &str, ids: &[i64]) -> DbResult<BTreeMap<i64, String>> {
    let mut out = BTreeMap::new();
    for chunk in ids.chunks(500) {
        let vals: Vec<Val> = chunk.iter().map(|i| Val::from(*i)).collect();
        let sql = format!(
            "SELECT id, name FROM {table} WHERE id IN ({})",
            placeholders(1, vals.len())
        );
        out.extend(tx.all::<(i64, String)>(&sql, &vals).await?);
    }
    Ok(out)
}

/// Deletes a project and everything in it (as the API's delete does: links inside the project
/// first, so no foreign key is checked against a half-deleted project).
pub async fn delete_project(tx: &mut Tx, pid: i64) -> DbResult<()> {
    for sql in [
        "UPDATE work_items SET parent_story_id = NULL, design_element_id = NULL, picture_id = NULL WHERE project_id = $1",
        "UPDATE design_elements SET parent_id = NULL WHERE project_id = $1",
        "UPDATE project_users SET role_id = NULL WHERE project_id = $1",
        "DELETE FROM work_items WHERE project_id = $1",
        "DELETE FROM projects WHERE id = $1",
        "DELETE FROM hosted_imports WHERE kind = 'project' AND object_id = $1",
    ] {
        tx.exec(sql, params![pid]).await?;
    }
    Ok(())
}

/// Brings an owned user up to date before the import sees it (so it is "the same user").
pub async fn update_user(
    tx: &mut Tx,
    id: i64,
    username: &str,
    email: &str,
    name: Option<&str>,
) -> DbResult<()> {
    tx.exec(
        "UPDATE users SET username = $1, email = $2, name = $3 WHERE id = $4",
        params![username, email, name, id],
    )
    .await?;
    Ok(())
}

/// Renames an owned workspace or team (`table`) to what the source now calls it.
pub async fn rename(tx: &mut Tx, table: &str, id: i64, name: &str) -> DbResult<()> {
    tx.exec(
        &format!("UPDATE {table} SET name = $1 WHERE id = $2"),
        params![name, id],
    )
    .await?;
    Ok(())
}

/// Records that imports from `source` own these objects.
pub async fn record(tx: &mut Tx, source: &str, kind: &str, ids: &[i64]) -> DbResult<()> {
    let now = crate::model::now();
    for chunk in ids.chunks(200) {
        let mut vals: Vec<Val> = vec![source.into(), kind.into(), now.as_str().into()];
        let rows: Vec<String> = chunk
            .iter()
            .map(|id| {
                vals.push((*id).into());
                format!("($1, $2, ${}, $3)", vals.len())
            })
            .collect();
        let sql = format!(
            "INSERT INTO hosted_imports (source, kind, object_id, import_date) VALUES {} \
             ON CONFLICT (source, kind, object_id) DO NOTHING",
            rows.join(", ")
        );
        tx.exec(&sql, &vals).await?;
    }
    Ok(())
}

/// The replaced projects' files went to the trash; the objects the import keeps (same keys)
/// come back out of it, so the sweeper leaves them alone.
pub async fn untrash(tx: &mut Tx, keys: &[String]) -> DbResult<()> {
    for chunk in keys.chunks(500) {
        let vals: Vec<Val> = chunk.iter().map(|k| Val::from(k.as_str())).collect();
        let sql = format!(
            "DELETE FROM blob_trash WHERE blob_key IN ({})",
            placeholders(1, vals.len())
        );
        tx.exec(&sql, &vals).await?;
    }
    Ok(())
}
