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
pub const PROJECT: &[(&str, &str)] = &[
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
    // One consistent state while the server keeps writing: SQLite's reader holds one read
    // transaction until it is dropped; on PostgreSQL a repeatable-read transaction is asked for.
    let pg = tx.backend() == crate::store::Backend::Postgres;
    if pg {
        tx.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", &[])
            .await?;
    }
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
        dump_table(&mut tx, &mut out, table, key, None, progress).await?;
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
            let n = dump_table(&mut tx, &mut out, table, key, Some(*pid), progress).await?;
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
    if pg {
        tx.exec("COMMIT", &[]).await?;
    }
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
    progress: &mut (dyn FnMut(&str) + Send),
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
    // A single-column key pages from the last key read (each page one index seek); a composite
    // one with OFFSET (link tables, a few rows per item).
    let single = cols.iter().find(|(c, _)| c == key).map(|(_, k)| *k);
    let mut last: Option<Val> = None;
    let mut n = 0u64;
    loop {
        let mut params: Vec<Val> = project.map(Val::from).into_iter().collect();
        let mut filter = filter.clone();
        let page = match (&last, single) {
            (Some(v), Some(_)) => {
                params.push(v.clone());
                filter.push_str(&format!(" AND {key} > ${}", params.len()));
                String::new()
            }
            (None, Some(_)) => String::new(),
            (_, None) => format!(" OFFSET {n}"),
        };
        let sql =
            format!("SELECT {list} FROM {table} WHERE {filter} ORDER BY {key} LIMIT {PAGE}{page}");
        let rows = json_rows(tx, &sql, &params, &cols).await?;
        let got = rows.len();
        if let (Some(kind), Some(row)) = (single, rows.last()) {
            last = row.get(key).and_then(|v| to_val(v, kind));
        }
        for row in rows {
            writeln!(out, "{}", if n > 0 { "," } else { "" })?;
            serde_json::to_writer(&mut *out, &row)?;
            n += 1;
        }
        if got < PAGE as usize {
            break;
        }
        // A running count (the trailing "…" marks it as one) every 10 pages.
        if n.is_multiple_of(PAGE as u64 * 10) {
            progress(&format!("{table} {n}…"));
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

/// Reads a document (and its files directory, if any) into `db` and `blobs`. The document is
/// parsed as it is read (a thread feeds rows to the writer through a bounded channel), so a large
/// export imports in bounded memory.
pub async fn import(
    db: &Db,
    blobs: &Blobs,
    doc_path: &Path,
    progress: &mut (dyn FnMut(&str) + Send),
) -> anyhow::Result<ImportReport> {
    let file = std::fs::File::open(doc_path)
        .with_context(|| format!("cannot read {}", doc_path.display()))?;
    let (send, mut events) = tokio::sync::mpsc::channel::<anyhow::Result<Event>>(1024);
    let what = doc_path.display().to_string();
    let parser = std::thread::spawn(move || {
        let mut de = serde_json::Deserializer::from_reader(std::io::BufReader::new(file));
        let parsed =
            serde::de::DeserializeSeed::deserialize(Doc(&send), &mut de).and_then(|()| de.end());
        if let Err(e) = parsed {
            // A closed channel means the writer stopped first: its error is the one to report.
            let _ = send.blocking_send(Err(anyhow::anyhow!("{what} is not a valid export: {e}")));
        }
    });
    let mut tx = db.write().await?;
    let mut importer = Importer::new(&mut tx, blobs, files_dir(doc_path));
    let mut result = Ok(());
    while let Some(event) = events.recv().await {
        if let Err(e) = async { importer.event(event?, progress).await }.await {
            result = Err(e);
            break;
        }
    }
    drop(events);
    let _ = parser.join();
    result?;
    let report = importer.finish().await?;
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
    let mut importer = Importer::new(tx, blobs, dir.to_path_buf());
    importer
        .event(
            Event::Header {
                format: doc["format"].clone(),
                version: doc["version"].clone(),
            },
            progress,
        )
        .await?;
    for (table, _) in GLOBAL {
        for row in doc["instance"][*table].as_array().into_iter().flatten() {
            let row = row.as_object().context("a row is not an object")?.clone();
            let table = table.to_string();
            importer
                .event(Event::Global { table, row }, progress)
                .await?;
        }
    }
    for p in doc["projects"].as_array().into_iter().flatten() {
        let id = p["id"].as_i64().context("a project without an id")?;
        importer.event(Event::ProjectStart(id), progress).await?;
        // In dependency order, whatever order the parsed map keeps.
        let tables = p["tables"]
            .as_object()
            .context("a project without tables")?;
        if let Some(t) = tables.keys().find(|t| !PROJECT.iter().any(|(n, _)| n == t)) {
            bail!("unknown table {t} in project {id} (an export from a newer questlog?)");
        }
        for (table, _) in PROJECT {
            for row in tables
                .get(*table)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let row = row.as_object().context("a row is not an object")?.clone();
                let table = table.to_string();
                importer.event(Event::Row { table, row }, progress).await?;
            }
        }
        for blob in p["blobs"].as_array().into_iter().flatten() {
            importer.event(Event::Blob(blob.clone()), progress).await?;
        }
        importer.event(Event::ProjectEnd, progress).await?;
    }
    importer.finish().await
}

/// What the document holds, in document order.
pub enum Event {
    Header {
        format: Value,
        version: Value,
    },
    Global {
        table: String,
        row: Map<String, Value>,
    },
    ProjectStart(i64),
    Row {
        table: String,
        row: Map<String, Value>,
    },
    Blob(Value),
    ProjectEnd,
}

/// A (late) column to set once the project's rows are in: table, column, key column, key, value.
type Late = (&'static str, &'static str, &'static str, i64, i64);

/// Writes the events of one document in one transaction.
struct Importer<'a> {
    tx: &'a mut Tx,
    blobs: &'a Blobs,
    dir: PathBuf,
    cols: std::collections::HashMap<String, Vec<(String, Kind)>>,
    report: ImportReport,
    header: bool,
    /// The project being imported, its late columns, and the position of its last table in
    /// `PROJECT` (tables come in dependency order).
    project: Option<(i64, Vec<Late>, usize)>,
    global_at: usize,
    rows_in_table: u64,
    /// Whether the current project's own row is in (it comes before the project's other rows).
    project_row_in: bool,
}

impl<'a> Importer<'a> {
    fn new(tx: &'a mut Tx, blobs: &'a Blobs, dir: PathBuf) -> Importer<'a> {
        Importer {
            tx,
            blobs,
            dir,
            cols: Default::default(),
            report: ImportReport::default(),
            header: false,
            project: None,
            global_at: 0,
            rows_in_table: 0,
            project_row_in: false,
        }
    }

    async fn columns(&mut self, table: &str) -> anyhow::Result<Vec<(String, Kind)>> {
        if let Some(c) = self.cols.get(table) {
            return Ok(c.clone());
        }
        let c = columns(self.tx, table).await?;
        self.cols.insert(table.to_string(), c.clone());
        Ok(c)
    }

    async fn event(
        &mut self,
        event: Event,
        progress: &mut (dyn FnMut(&str) + Send),
    ) -> anyhow::Result<()> {
        if !self.header && !matches!(event, Event::Header { .. }) {
            bail!("not a Questlog export document (no format and version first)");
        }
        match event {
            Event::Header { format, version } => {
                if format != FORMAT {
                    bail!("not a Questlog export document");
                }
                if version.is_null() {
                    bail!("not a Questlog export document (format and version come first)");
                }
                let version = version.as_i64().unwrap_or(0);
                if version != VERSION {
                    bail!("this questlog reads export version {VERSION}, not {version}");
                }
                self.header = true;
            }
            Event::Global { table, row } => {
                let Some(at) = GLOBAL.iter().position(|(t, _)| *t == table) else {
                    bail!("unknown instance table {table} (an export from a newer questlog?)");
                };
                if at < self.global_at || self.project.is_some() {
                    bail!("instance table {table} out of order");
                }
                self.global_at = at;
                if same_global_row(self.tx, &table, &row).await? {
                    self.report.kept += 1;
                    return Ok(());
                }
                let cols = self.columns(&table).await?;
                insert(self.tx, &table, &cols, &row).await?;
                self.report.rows += 1;
            }
            Event::ProjectStart(id) => {
                if self.project.is_some() {
                    bail!("project {id} inside another project");
                }
                if self
                    .tx
                    .exists("SELECT id FROM projects WHERE id = $1", params![id])
                    .await?
                {
                    bail!("project {id} already exists");
                }
                progress(&format!("project {id}"));
                self.project = Some((id, Vec::new(), 0));
                self.rows_in_table = 0;
                self.project_row_in = false;
            }
            Event::Row { table, row } => self.project_row(table, row, progress).await?,
            Event::Blob(blob) => {
                if load_blob(self.blobs, &blob, &self.dir).await? {
                    self.report.blobs += 1;
                }
            }
            Event::ProjectEnd => {
                let Some((pid, late, at)) = self.project.take() else {
                    bail!("a project ends that did not start");
                };
                progress(&format!(
                    "project {pid}: {} {}",
                    PROJECT[at].0, self.rows_in_table
                ));
                for (table, col, key, id, v) in late {
                    self.tx
                        .exec(
                            &format!(
                                "UPDATE {table} SET {col} = $1 WHERE project_id = $2 AND {key} = $3"
                            ),
                            params![v, pid, id],
                        )
                        .await?;
                }
                self.report.projects.push(pid);
            }
        }
        Ok(())
    }

    async fn project_row(
        &mut self,
        table: String,
        mut row: Map<String, Value>,
        progress: &mut (dyn FnMut(&str) + Send),
    ) -> anyhow::Result<()> {
        let Some((pid, _, last)) = self.project.as_ref().map(|p| (p.0, (), p.2)) else {
            bail!("a {table} row outside any project");
        };
        let Some(at) = PROJECT.iter().position(|(t, _)| *t == table) else {
            bail!("unknown table {table} in project {pid} (an export from a newer questlog?)");
        };
        if at < last || (at > 0 && !self.project_row_in) {
            bail!(
                "table {table} of project {pid} out of order (the project's own row comes first)"
            );
        }
        self.project_row_in = true;
        if at > last {
            progress(&format!(
                "project {pid}: {} {}",
                PROJECT[last].0, self.rows_in_table
            ));
            self.rows_in_table = 0;
        }
        if row.get("project_id").and_then(Value::as_i64).unwrap_or(pid) != pid
            || (table == "projects" && row.get("id").and_then(Value::as_i64) != Some(pid))
        {
            bail!("a {table} row of another project inside project {pid}");
        }
        let mut late = Vec::new();
        for (t, c, key) in LATE {
            if *t == table && row.get(*c).is_some_and(|v| !v.is_null()) {
                let v = row.insert(c.to_string(), Value::Null).unwrap_or_default();
                let id = row.get(*key).and_then(Value::as_i64);
                let (Some(id), Some(v)) = (id, v.as_i64()) else {
                    bail!("{table}.{c}: not an id");
                };
                late.push((*t, *c, *key, id, v));
            }
        }
        if table == "webhooks" {
            // Imported disabled, so nothing fires at a studio's bots by surprise.
            row.insert("is_enabled".into(), Value::Bool(false));
        }
        for (t, c) in RESET {
            if *t == table {
                row.remove(*c);
            }
        }
        let cols = self.columns(&table).await?;
        insert(self.tx, &table, &cols, &row).await?;
        self.report.rows += 1;
        self.rows_in_table += 1;
        if self.rows_in_table.is_multiple_of(5000) {
            progress(&format!("project {pid}: {table} {}…", self.rows_in_table));
        }
        if table == "work_items" {
            let id = row["work_item_id"].as_i64().unwrap_or_default();
            let title = row["title"].as_str().unwrap_or_default();
            let description = row["description"].as_str();
            search::index_words(self.tx, pid, id, title, description).await?;
        }
        if let Some(p) = self.project.as_mut() {
            p.1.extend(late);
            p.2 = at;
        }
        Ok(())
    }

    /// Moves the identities past the imported ids; returns the report.
    async fn finish(self) -> anyhow::Result<ImportReport> {
        if self.project.is_some() {
            bail!("the document ends inside a project");
        }
        for (table, _) in GLOBAL.iter().chain(PROJECT) {
            let cols = match self.cols.get(*table) {
                Some(c) => c.clone(),
                None => continue,
            };
            advance(self.tx, table, &cols).await?;
        }
        Ok(self.report)
    }
}

/// Parses the document, sending its rows as events (`Doc` → `Tables` → `Rows`, `Projects` →
/// `Project`). A send that fails (the writer stopped) ends the parse.
struct Doc<'s>(&'s tokio::sync::mpsc::Sender<anyhow::Result<Event>>);

fn emit<E: serde::de::Error>(
    s: &tokio::sync::mpsc::Sender<anyhow::Result<Event>>,
    e: Event,
) -> Result<(), E> {
    s.blocking_send(Ok(e))
        .map_err(|_| E::custom("the import stopped"))
}

impl<'de> serde::de::DeserializeSeed<'de> for Doc<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Doc<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an export document")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
        let (mut format, mut version, mut header) = (Value::Null, Value::Null, false);
        while let Some(k) = m.next_key::<String>()? {
            match k.as_str() {
                "format" => format = m.next_value()?,
                "version" => version = m.next_value()?,
                "instance" | "projects" => {
                    if !header {
                        let (format, version) = (format.clone(), version.clone());
                        emit(self.0, Event::Header { format, version })?;
                        header = true;
                    }
                    if k == "instance" {
                        m.next_value_seed(Tables(self.0, false))?;
                    } else {
                        m.next_value_seed(Projects(self.0))?;
                    }
                }
                _ => {
                    m.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        if !header {
            emit(self.0, Event::Header { format, version })?;
        }
        Ok(())
    }
}

/// A map of table name → rows; `.1`: a project's tables (else the instance's).
struct Tables<'s>(&'s tokio::sync::mpsc::Sender<anyhow::Result<Event>>, bool);

impl<'de> serde::de::DeserializeSeed<'de> for Tables<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Tables<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a map of tables")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
        while let Some(table) = m.next_key::<String>()? {
            m.next_value_seed(Rows(self.0, self.1, table))?;
        }
        Ok(())
    }
}

struct Rows<'s>(
    &'s tokio::sync::mpsc::Sender<anyhow::Result<Event>>,
    bool,
    String,
);

impl<'de> serde::de::DeserializeSeed<'de> for Rows<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Rows<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of rows")
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut s: A) -> Result<(), A::Error> {
        while let Some(row) = s.next_element::<Map<String, Value>>()? {
            let table = self.2.clone();
            let e = if self.1 {
                Event::Row { table, row }
            } else {
                Event::Global { table, row }
            };
            emit(self.0, e)?;
        }
        Ok(())
    }
}

struct Projects<'s>(&'s tokio::sync::mpsc::Sender<anyhow::Result<Event>>);

impl<'de> serde::de::DeserializeSeed<'de> for Projects<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Projects<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of projects")
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut s: A) -> Result<(), A::Error> {
        while s.next_element_seed(Project(self.0))?.is_some() {}
        Ok(())
    }
}

struct Project<'s>(&'s tokio::sync::mpsc::Sender<anyhow::Result<Event>>);

impl<'de> serde::de::DeserializeSeed<'de> for Project<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Project<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a project")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
        let mut started = false;
        while let Some(k) = m.next_key::<String>()? {
            match k.as_str() {
                "id" => {
                    let id: i64 = m.next_value()?;
                    emit(self.0, Event::ProjectStart(id))?;
                    started = true;
                }
                "tables" | "blobs" if !started => {
                    return Err(serde::de::Error::custom("a project's id comes first"));
                }
                "tables" => m.next_value_seed(Tables(self.0, true))?,
                "blobs" => {
                    for blob in m.next_value::<Vec<Value>>()? {
                        emit(self.0, Event::Blob(blob))?;
                    }
                }
                _ => {
                    m.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        emit(self.0, Event::ProjectEnd)
    }
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
