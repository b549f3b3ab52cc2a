//! The portable export and import (issue 12, part 2; format in docs/export-format.md).
//!
//! `export` streams a versioned JSON document: the instance's users (no keys, no password data),
//! workspaces, teams and their members, then each project with every table of its data, rows
//! read a page at a time in key order and written as they are read. The bytes of uploaded files
//! go beside the document (`out.json` → `out.files/<blob key>`), named in it by key and SHA-256.
//!
//! `import` writes a document into any instance in one transaction, ids kept, and refuses
//! (writing nothing) when an id is already taken. Base tables are inserted with their triggers
//! firing, so the derived ones (tallies, link lists, logged costs, reference versions) come out
//! exactly as the API would have left them; the search index is written by the same code the
//! API uses.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::blobs::Blobs;
use crate::params;
use crate::store::portable::{Kind, advance_identity, columns, json_rows, to_val};
use crate::store::{Db, Tx, Val, is_unique_violation, migrate, search};

pub const FORMAT: &str = "questlog-export";
pub const VERSION: i64 = 1;

/// Rows read per statement while exporting.
const PAGE: i64 = 500;

/// Instance-wide tables, in dependency order, with their key columns (the export's order).
const GLOBAL: &[(&str, &str)] = &[
    ("users", "id"),
    ("workspaces", "id"),
    ("teams", "id"),
    ("workspace_users", "workspace_id, user_id"),
];

/// A project's tables, in dependency order, with their key columns. `projects` is selected by
/// `id`, the others by `project_id`.
const PROJECT: &[(&str, &str)] = &[
    ("projects", "id"),
    ("project_sequences", "kind"),
    ("categories", "category_id"),
    ("stages", "stage_id"),
    ("importance_levels", "importance_level_id"),
    ("design_element_types", "design_element_type_id"),
    ("tags", "tag_id"),
    ("roles", "role_id"),
    ("project_users", "user_id"),
    ("milestones", "id"),
    ("boards", "id"),
    ("design_elements", "design_element_id"),
    ("design_element_comments", "id"),
    ("work_items", "work_item_id"),
    ("sub_tasks", "work_item_id, sub_task_id"),
    ("work_item_tags", "work_item_id, tag_id"),
    ("work_item_users", "work_item_id, user_id"),
    ("dependencies", "work_item_id, depends_on_id"),
    ("work_logs", "id"),
    ("comments", "id"),
    ("files", "id"),
    ("attachments", "id"),
    ("webhooks", "webhook_id"),
    ("webhook_events", "webhook_id, event"),
    ("changes", "id"),
];

/// Columns kept by triggers from other tables: never exported, rebuilt by the import.
const DERIVED: &[(&str, &str)] = &[
    ("work_items", "logged_cost"),
    ("work_items", "tag_list"),
    ("work_items", "user_list"),
    ("work_items", "has_dependencies"),
];

/// Columns that may point at a row inserted later (a parent with a higher id, a picture among
/// the attachments): inserted NULL, then set once the project's rows are all in.
const LATE: &[(&str, &str, &str)] = &[
    ("work_items", "parent_story_id", "work_item_id"),
    ("work_items", "picture_id", "work_item_id"),
    ("design_elements", "parent_id", "design_element_id"),
];

/// Columns of state that does not travel: a webhook's delivery lease.
const RESET: &[(&str, &str)] = &[("webhooks", "lease_owner"), ("webhooks", "lease_until")];

fn is_in(list: &[(&str, &str)], table: &str, col: &str) -> bool {
    list.iter().any(|(t, c)| *t == table && *c == col)
}

pub struct ExportOptions {
    /// Projects to export; empty: all.
    pub projects: Vec<i64>,
    pub with_history: bool,
}

/// Where an export's file bytes go: `out.json` → `out.files`.
pub fn files_dir(doc: &Path) -> PathBuf {
    doc.with_extension("files")
}

/// Writes the document to `out`; with `files`, the blobs into that directory.
pub async fn export<W: Write>(
    db: &Db,
    blobs: &Blobs,
    opts: &ExportOptions,
    mut out: W,
    files: Option<&Path>,
    progress: &mut (dyn FnMut(&str) + Send),
) -> anyhow::Result<()> {
    let mut tx = db.read().await?;
    let projects: Vec<i64> = if opts.projects.is_empty() {
        tx.all::<(i64,)>("SELECT id FROM projects ORDER BY id", &[])
            .await?
            .into_iter()
            .map(|r| r.0)
            .collect()
    } else {
        for p in &opts.projects {
            if !tx
                .exists("SELECT id FROM projects WHERE id = $1", params![*p])
                .await?
            {
                bail!("there is no project {p}");
            }
        }
        opts.projects.clone()
    };
    let schema = migrate::current_version(db).await?;
    writeln!(
        out,
        "{{\"format\":\"{FORMAT}\",\"version\":{VERSION},\"schema\":{schema},\"exported\":{},",
        Value::String(crate::model::now())
    )?;
    write!(out, "\"instance\":{{")?;
    for (i, (table, key)) in GLOBAL.iter().enumerate() {
        if i > 0 {
            write!(out, ",")?;
        }
        write!(out, "\n\"{table}\":")?;
        dump_table(&mut tx, &mut out, table, key, None).await?;
    }
    write!(out, "}},\n\"projects\":[")?;
    for (i, pid) in projects.iter().enumerate() {
        progress(&format!("project {pid}"));
        write!(
            out,
            "{}\n{{\"id\":{pid},\"tables\":{{",
            if i > 0 { "," } else { "" }
        )?;
        let mut first = true;
        for (table, key) in PROJECT {
            if *table == "changes" && !opts.with_history {
                continue;
            }
            write!(out, "{}\n\"{table}\":", if first { "" } else { "," })?;
            first = false;
            let n = dump_table(&mut tx, &mut out, table, key, Some(*pid)).await?;
            progress(&format!("project {pid}: {table} {n}"));
        }
        write!(out, "}},\n\"blobs\":[")?;
        let keys: Vec<(String, Option<String>)> = tx
            .all(
                "SELECT blob_key, thumb_key FROM files WHERE project_id = $1 ORDER BY id",
                params![*pid],
            )
            .await?;
        let mut first = true;
        for key in keys
            .into_iter()
            .flat_map(|(b, t)| std::iter::once(b).chain(t))
        {
            let entry = match files {
                Some(dir) => save_blob(blobs, &key, dir).await?,
                None => serde_json::json!({ "key": key }),
            };
            writeln!(out, "{}", if first { "" } else { "," })?;
            serde_json::to_writer(&mut out, &entry)?;
            first = false;
        }
        write!(out, "]}}")?;
    }
    writeln!(out, "]}}")?;
    out.flush()?;
    tx.commit().await?;
    Ok(())
}

/// Writes one table's rows (of one project) as a JSON array, a page at a time; returns the count.
async fn dump_table<W: Write>(
    tx: &mut Tx,
    out: &mut W,
    table: &str,
    key: &str,
    project: Option<i64>,
) -> anyhow::Result<u64> {
    let cols: Vec<(String, Kind)> = columns(tx, table)
        .await?
        .into_iter()
        .filter(|(c, k)| *k != Kind::Other && !is_in(DERIVED, table, c))
        .collect();
    let list = cols
        .iter()
        .map(|(c, _)| c.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let filter = match (project, table) {
        (None, _) => "1 = 1".to_string(),
        (Some(_), "projects") => "id = $1".to_string(),
        (Some(_), _) => "project_id = $1".to_string(),
    };
    write!(out, "[")?;
    let mut n = 0u64;
    loop {
        let sql = format!(
            "SELECT {list} FROM {table} WHERE {filter} ORDER BY {key} LIMIT {PAGE} OFFSET {n}"
        );
        let params: Vec<Val> = project.map(Val::from).into_iter().collect();
        let rows = json_rows(tx, &sql, &params, &cols).await?;
        let got = rows.len();
        for row in rows {
            writeln!(out, "{}", if n > 0 { "," } else { "" })?;
            serde_json::to_writer(&mut *out, &row)?;
            n += 1;
        }
        if got < PAGE as usize {
            break;
        }
    }
    write!(out, "]")?;
    Ok(n)
}

/// Copies a blob into `dir/<key>` and describes it (key, size, SHA-256).
async fn save_blob(blobs: &Blobs, key: &str, dir: &Path) -> anyhow::Result<Value> {
    use futures_util::StreamExt;
    use tokio::io::AsyncWriteExt;
    let path = dir.join(key);
    if let Some(parent) = path.parent() {
        tokio::fs::create_dir_all(parent).await?;
    }
    let Some(mut stream) = blobs.get(key, None).await? else {
        // A file row whose object is gone: the document says so, the import keeps the row.
        return Ok(serde_json::json!({ "key": key, "missing": true }));
    };
    let mut file = tokio::fs::File::create(&path)
        .await
        .with_context(|| format!("cannot create {}", path.display()))?;
    let mut hash = Sha256::new();
    let mut size = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        hash.update(&chunk);
        size += chunk.len() as u64;
        file.write_all(&chunk).await?;
    }
    file.flush().await?;
    Ok(serde_json::json!({
        "key": key,
        "size": size,
        "sha256": hex::encode(hash.finalize()),
    }))
}

/// What an import did.
#[derive(Debug, Default)]
pub struct ImportReport {
    pub projects: Vec<i64>,
    pub rows: u64,
    /// Users, workspaces, teams and workspace members already present (same id and name).
    pub kept: u64,
    pub blobs: u64,
}

/// Reads a document (and its files directory, if any) into `db` and `blobs`.
pub async fn import(
    db: &Db,
    blobs: &Blobs,
    doc_path: &Path,
    progress: &mut (dyn FnMut(&str) + Send),
) -> anyhow::Result<ImportReport> {
    let file = std::fs::File::open(doc_path)
        .with_context(|| format!("cannot read {}", doc_path.display()))?;
    let doc: Value = serde_json::from_reader(std::io::BufReader::new(file))
        .with_context(|| format!("{} is not a JSON document", doc_path.display()))?;
    let mut tx = db.write().await?;
    let report = import_into(&mut tx, blobs, &doc, &files_dir(doc_path), progress).await?;
    tx.commit().await?;
    Ok(report)
}

/// Writes a parsed document in `tx` (the caller commits); files come from `dir`.
pub async fn import_into(
    tx: &mut Tx,
    blobs: &Blobs,
    doc: &Value,
    dir: &Path,
    progress: &mut (dyn FnMut(&str) + Send),
) -> anyhow::Result<ImportReport> {
    if doc["format"] != FORMAT {
        bail!("not a Questlog export document");
    }
    let version = doc["version"].as_i64().unwrap_or(0);
    if version != VERSION {
        bail!("this questlog reads export version {VERSION}, not {version}");
    }
    let mut report = ImportReport::default();

    // Refuse before writing anything when a project id is taken.
    let projects = doc["projects"].as_array().cloned().unwrap_or_default();
    for p in &projects {
        let id = p["id"].as_i64().context("a project without an id")?;
        if tx
            .exists("SELECT id FROM projects WHERE id = $1", params![id])
            .await?
        {
            bail!("project {id} already exists");
        }
    }

    for (table, _) in GLOBAL {
        let rows = doc["instance"][*table]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let cols = columns(tx, table).await?;
        for row in rows {
            let row = row.as_object().context("a row is not an object")?;
            if same_global_row(tx, table, row).await? {
                report.kept += 1;
                continue;
            }
            insert(tx, table, &cols, row).await?;
            report.rows += 1;
        }
        advance(tx, table, &cols).await?;
    }

    for p in &projects {
        let pid = p["id"].as_i64().unwrap_or_default();
        progress(&format!("project {pid}"));
        let tables = p["tables"]
            .as_object()
            .context("a project without tables")?;
        for name in tables.keys() {
            if !PROJECT.iter().any(|(t, _)| t == name) {
                bail!("unknown table {name} in project {pid} (an export from a newer questlog?)");
            }
        }
        let mut late: Vec<(&str, &str, &str, Value, Value)> = Vec::new();
        for (table, _) in PROJECT {
            let Some(rows) = tables.get(*table).and_then(|v| v.as_array()) else {
                continue;
            };
            let cols = columns(tx, table).await?;
            for row in rows {
                let row = row.as_object().context("a row is not an object")?;
                let mut row = row.clone();
                for (t, c, key) in LATE {
                    if t == table && row.get(*c).is_some_and(|v| !v.is_null()) {
                        let v = row.insert(c.to_string(), Value::Null).unwrap_or_default();
                        late.push((t, c, key, row[*key].clone(), v));
                    }
                }
                if *table == "webhooks" {
                    // Imported disabled, so nothing fires at a studio's bots by surprise.
                    row.insert("is_enabled".into(), Value::Bool(false));
                }
                for (t, c) in RESET {
                    if t == table {
                        row.remove(*c);
                    }
                }
                insert(tx, table, &cols, &row).await?;
                report.rows += 1;
                if *table == "work_items" {
                    let id = row["work_item_id"].as_i64().unwrap_or_default();
                    let title = row["title"].as_str().unwrap_or_default();
                    let description = row["description"].as_str();
                    search::index_words(tx, pid, id, title, description).await?;
                }
            }
            progress(&format!("project {pid}: {table} {}", rows.len()));
            advance(tx, table, &cols).await?;
        }
        for (table, col, key, id, v) in late {
            let (Some(id), Some(v)) = (id.as_i64(), v.as_i64()) else {
                bail!("{table}.{col}: not an id");
            };
            tx.exec(
                &format!("UPDATE {table} SET {col} = $1 WHERE project_id = $2 AND {key} = $3"),
                params![v, pid, id],
            )
            .await?;
        }
        for blob in p["blobs"].as_array().into_iter().flatten() {
            if load_blob(blobs, blob, dir).await? {
                report.blobs += 1;
            }
        }
        report.projects.push(pid);
    }
    Ok(report)
}

async fn advance(tx: &mut Tx, table: &str, cols: &[(String, Kind)]) -> anyhow::Result<()> {
    if cols.iter().any(|(c, _)| c == "id") {
        advance_identity(tx, table).await?;
    }
    Ok(())
}

/// An instance row already present: true when it is the same one (same id and name), an error
/// when its id (or name) belongs to another.
async fn same_global_row(
    tx: &mut Tx,
    table: &str,
    row: &Map<String, Value>,
) -> anyhow::Result<bool> {
    let int = |c: &str| row.get(c).and_then(Value::as_i64).unwrap_or_default();
    let text = |c: &str| {
        row.get(c)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    match table {
        "users" => {
            let found: Option<(i64, String)> = tx
                .opt(
                    "SELECT id, username FROM users WHERE id = $1 OR username = $2",
                    params![int("id"), text("username")],
                )
                .await?;
            match found {
                None => Ok(false),
                Some((id, name)) if id == int("id") && name == text("username") => Ok(true),
                Some((id, name)) => bail!(
                    "user {} ('{}') conflicts with user {id} ('{name}') of this instance",
                    int("id"),
                    text("username")
                ),
            }
        }
        "workspaces" | "teams" => {
            let found: Option<(String,)> = tx
                .opt(
                    &format!("SELECT name FROM {table} WHERE id = $1"),
                    params![int("id")],
                )
                .await?;
            match found {
                None => Ok(false),
                Some((name,)) if name == text("name") => Ok(true),
                Some((name,)) => bail!(
                    "{} {} already exists (as '{name}')",
                    table.trim_end_matches('s'),
                    int("id")
                ),
            }
        }
        "workspace_users" => Ok(tx
            .exists(
                "SELECT user_id FROM workspace_users WHERE workspace_id = $1 AND user_id = $2",
                params![int("workspace_id"), int("user_id")],
            )
            .await?),
        _ => Ok(false),
    }
}

/// Inserts one row; a taken key is reported by table and row.
async fn insert(
    tx: &mut Tx,
    table: &str,
    cols: &[(String, Kind)],
    row: &Map<String, Value>,
) -> anyhow::Result<()> {
    let mut names = Vec::with_capacity(row.len());
    let mut vals = Vec::with_capacity(row.len());
    for (name, v) in row {
        let Some((_, kind)) = cols.iter().find(|(c, _)| c == name) else {
            bail!("unknown column {table}.{name} (an export from a newer questlog?)");
        };
        if is_in(DERIVED, table, name) {
            continue;
        }
        let val = to_val(v, *kind).with_context(|| format!("{table}.{name}: bad value {v}"))?;
        names.push(name.as_str());
        vals.push(val);
    }
    let sql = format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        names.join(", "),
        crate::store::placeholders(1, vals.len())
    );
    match tx.exec(&sql, &vals).await {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => {
            let key: Vec<String> = ["id", "project_id", "work_item_id", "user_id", "token"]
                .iter()
                .filter_map(|c| row.get(*c).map(|v| format!("{c} {v}")))
                .collect();
            bail!(
                "{table} ({}) already exists in this instance: nothing was imported",
                key.join(", ")
            )
        }
        Err(e) => Err(e).with_context(|| format!("cannot insert into {table}")),
    }
}

/// Stores one exported blob (checked against its SHA-256) unless the store already has it.
async fn load_blob(blobs: &Blobs, entry: &Value, dir: &Path) -> anyhow::Result<bool> {
    let key = entry["key"].as_str().context("a blob without a key")?;
    if entry["missing"] == true || blobs.exists(key).await? {
        return Ok(false);
    }
    let path = dir.join(key);
    if !crate::blobs::is_valid_key(key) || !path.is_file() {
        bail!("the file {} named by the export is missing", path.display());
    }
    if let Some(want) = entry["sha256"].as_str() {
        let file = path.clone();
        let got = tokio::task::spawn_blocking(move || -> std::io::Result<String> {
            let mut hash = Sha256::new();
            std::io::copy(&mut std::fs::File::open(&file)?, &mut hash)?;
            Ok(hex::encode(hash.finalize()))
        })
        .await??;
        if got != want {
            bail!(
                "{} does not match its SHA-256 in the export",
                path.display()
            );
        }
    }
    blobs.put_file(key, &path).await?;
    Ok(true)
}
