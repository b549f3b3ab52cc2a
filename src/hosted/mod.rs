//! `questlog import hacknplan`: moves a studio from a HacknPlan v0 API (the hosted service, or
//! any server that speaks it) into this instance, ids kept (issue 12 §1).
//!
//! The crawl (`crawl.rs`, through the polite client of `client.rs`, its replies kept by
//! `state.rs` until the import is written) reads everything the key can see; `rows.rs` turns it
//! into an export document, which the portable import writes in one transaction after the
//! checks and replacements of `store::hosted` (what earlier imports of the same source own).

pub mod client;
pub mod crawl;
pub mod rows;
pub mod state;

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::blobs::Blobs;
use crate::store::{Db, Tx, hosted as owned};

pub const DEFAULT_BASE: &str = "https://api.hacknplan.com/v0";

pub struct Options {
    pub api_key: String,
    pub base_url: String,
    /// Projects to import; empty: every project the key can read.
    pub projects: Vec<i64>,
    /// Requests per second.
    pub rate: f64,
}

/// Requests done and planned: an indicatif bar on a terminal, a log line every few seconds
/// otherwise (CI logs, redirected output).
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    total: u64,
    done: u64,
    stage: String,
    logged: Instant,
}

impl Progress {
    pub fn new() -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = indicatif::ProgressBar::new(0);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} requests, ETA {eta} {msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            b.enable_steady_tick(Duration::from_millis(200));
            b
        });
        Progress {
            bar,
            total: 0,
            done: 0,
            stage: String::new(),
            logged: Instant::now(),
        }
    }

    /// More requests to come.
    pub fn add(&mut self, n: u64) {
        self.total += n;
        if let Some(b) = &self.bar {
            b.set_length(self.total);
        }
    }

    pub fn stage(&mut self, s: &str) {
        self.stage = s.to_string();
        match &self.bar {
            Some(b) => b.set_message(s.to_string()),
            None => eprintln!("import: {s}"),
        }
    }

    /// One reply (fetched or cached).
    pub fn tick(&mut self, c: &client::Client) {
        self.done += 1;
        self.total = self.total.max(self.done);
        match &self.bar {
            Some(b) => {
                b.set_length(self.total);
                b.set_position(self.done);
            }
            None if self.logged.elapsed() >= Duration::from_secs(5) => {
                self.logged = Instant::now();
                eprintln!(
                    "import: {}/{} replies ({} fetched, {} from the cache) {}",
                    self.done, self.total, c.counts.requests, c.counts.cached, self.stage
                );
            }
            None => {}
        }
    }

    pub fn log(&self, s: &str) {
        match &self.bar {
            Some(b) => b.println(s),
            None => eprintln!("{s}"),
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Default for Progress {
    fn default() -> Self {
        Progress::new()
    }
}

/// What an import did, for the summary.
pub struct Summary {
    pub source: String,
    pub counts: std::collections::BTreeMap<&'static str, u64>,
    pub projects: Vec<i64>,
    pub replaced: Vec<i64>,
    /// Owned projects gone upstream, deleted here.
    pub deleted: Vec<i64>,
    pub skipped: Vec<(i64, String)>,
    /// Lists the source refused (a closed project's webhooks), with its reason.
    pub refused: Vec<String>,
    pub requests: client::Counts,
    /// Users the import created or updated: (id, username, email).
    pub users: Vec<(i64, String, String)>,
    /// Users that were here already (same id and username), left as they are.
    pub kept_users: Vec<(i64, String)>,
    pub files: u64,
}

/// The source as recorded: the base URL without a trailing slash.
pub fn source(base: &str) -> String {
    base.trim_end_matches('/').to_string()
}

pub async fn run(
    db: &Db,
    blobs: &Blobs,
    data_dir: &Path,
    opts: &Options,
) -> anyhow::Result<Summary> {
    let source = source(&opts.base_url);
    let cache = state::Cache::open(data_dir, &source)?;
    let mut progress = Progress::new();
    let kept = cache.kept();
    if kept > 0 {
        progress.log(&format!(
            "import: resuming: {kept} replies kept from an interrupted run in {}",
            cache.dir().display()
        ));
    }
    let stage = cache.dir().join("stage");
    let mut c = client::Client::new(&source, &opts.api_key, opts.rate, cache)?;
    progress.stage("workspaces and users");
    let crawled = crawl::crawl(&mut c, &mut progress, &opts.projects).await;
    progress.finish();
    let crawled = crawled?;
    let doc = rows::document(&crawled, &source)?;

    // The bytes where the portable import reads them: `<stage>/<blob key>`.
    let _ = std::fs::remove_dir_all(&stage);
    for (key, path) in &doc.blobs {
        let to = stage.join(key);
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir)?;
        }
        if std::fs::hard_link(path, &to).is_err() {
            std::fs::copy(path, &to).with_context(|| format!("cannot copy {}", path.display()))?;
        }
    }

    let mut tx = db.write().await?;
    let plan = check(&mut tx, &source, &doc, &opts.projects).await?;
    for pid in plan.replaced.iter().chain(&plan.deleted) {
        owned::delete_project(&mut tx, *pid).await?;
    }
    for (id, username, email, name) in &plan.update_users {
        owned::update_user(&mut tx, *id, username, email, name.as_deref()).await?;
    }
    for (table, id, name) in &plan.renames {
        owned::rename(&mut tx, table, *id, name).await?;
    }
    let mut quiet = |_: &str| {};
    let report = crate::portable::import_into(&mut tx, blobs, &doc.doc, &stage, &mut quiet)
        .await
        .map_err(|e| anyhow::anyhow!("{e:#}"))?;
    let keys: Vec<String> = doc.blobs.iter().map(|(k, _)| k.clone()).collect();
    owned::untrash(&mut tx, &keys).await?;
    let projects: Vec<i64> = report.projects.clone();
    owned::record(&mut tx, &source, "project", &projects).await?;
    owned::record(&mut tx, &source, "user", &plan.owned_users).await?;
    owned::record(&mut tx, &source, "workspace", &plan.owned_workspaces).await?;
    owned::record(&mut tx, &source, "team", &plan.owned_teams).await?;
    tx.commit().await?;

    let requests = c.counts;
    drop(c);
    // Written: the next run crawls afresh.
    state::Cache::open(data_dir, &source)?.clear()?;
    let owned_users: BTreeSet<i64> = plan.owned_users.iter().copied().collect();
    Ok(Summary {
        source,
        counts: doc.counts,
        projects,
        replaced: plan.replaced,
        deleted: plan.deleted,
        skipped: crawled.skipped,
        refused: crawled
            .projects
            .iter()
            .flat_map(|p| p.skipped.iter().cloned())
            .collect(),
        requests,
        users: doc
            .users
            .iter()
            .filter(|u| owned_users.contains(&u.0))
            .cloned()
            .collect(),
        kept_users: doc
            .users
            .iter()
            .filter(|u| !owned_users.contains(&u.0))
            .map(|u| (u.0, u.1.clone()))
            .collect(),
        files: report.blobs,
    })
}

/// What the write will do, decided before anything is written.
struct Plan {
    replaced: Vec<i64>,
    deleted: Vec<i64>,
    update_users: Vec<(i64, String, String, Option<String>)>,
    renames: Vec<(&'static str, i64, String)>,
    owned_users: Vec<i64>,
    owned_workspaces: Vec<i64>,
    owned_teams: Vec<i64>,
}

/// Refuses (before any write) when an id the document needs is taken here by data this source
/// did not bring; otherwise says what to replace, delete and update.
async fn check(
    tx: &mut Tx,
    source: &str,
    doc: &rows::Document,
    only: &[i64],
) -> anyhow::Result<Plan> {
    let d = &doc.doc;
    let ids = |table: &str, col: &str| -> Vec<i64> {
        d["instance"][table]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r[col].as_i64())
            .collect()
    };
    let mine = owned::owned(tx, source, "project").await?;
    let doc_projects: Vec<i64> = d["projects"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["id"].as_i64())
        .collect();
    let present = owned::existing_projects(tx, &doc_projects).await?;
    let mut problems = Vec::new();
    for pid in &doc_projects {
        if present.contains(pid) && !mine.contains(pid) {
            problems.push(format!(
                "project {pid} already exists here and was not imported from {source}"
            ));
        }
    }
    let replaced: Vec<i64> = present
        .iter()
        .copied()
        .filter(|p| mine.contains(p))
        .collect();
    // Projects this source gave before and no longer has (a full import only).
    let deleted: Vec<i64> = if only.is_empty() {
        let gone: Vec<i64> = mine
            .iter()
            .copied()
            .filter(|p| !doc_projects.contains(p))
            .collect();
        owned::existing_projects(tx, &gone)
            .await?
            .into_iter()
            .collect()
    } else {
        Vec::new()
    };
    let freed: BTreeSet<i64> = replaced.iter().chain(&deleted).copied().collect();
    for (table, what) in owned::GLOBAL_ID_TABLES {
        let mut want = Vec::new();
        for p in d["projects"].as_array().into_iter().flatten() {
            for r in p["tables"][*table].as_array().into_iter().flatten() {
                want.extend(r["id"].as_i64());
            }
        }
        for (id, pid) in owned::taken_ids(tx, table, &want).await? {
            if !freed.contains(&pid) {
                problems.push(format!(
                    "{what} {id} already exists here (in project {pid}) and was not imported from {source}"
                ));
            }
        }
    }

    // People: the same id and username is the same person (kept, or updated when an earlier
    // import of this source made it); anything else that collides is refused.
    let mine_users = owned::owned(tx, source, "user").await?;
    let local = owned::users(tx).await?;
    let mut update_users = Vec::new();
    let mut owned_users = Vec::new();
    for u in d["instance"]["users"].as_array().into_iter().flatten() {
        let (Some(id), Some(name), Some(email)) = (
            u["id"].as_i64(),
            u["username"].as_str(),
            u["email"].as_str(),
        ) else {
            continue;
        };
        for (lid, (lname, lemail)) in &local {
            if *lid == id {
                continue;
            }
            if lname.eq_ignore_ascii_case(name) || lemail.eq_ignore_ascii_case(email) {
                problems.push(format!(
                    "user {id} ('{name}', {email}) collides with user {lid} ('{lname}', {lemail}) of this instance"
                ));
            }
        }
        match local.get(&id) {
            None => owned_users.push(id),
            Some(_) if mine_users.contains(&id) => {
                owned_users.push(id);
                update_users.push((
                    id,
                    name.to_string(),
                    email.to_string(),
                    u["name"].as_str().map(str::to_string),
                ));
            }
            Some((lname, _)) if lname == name => {}
            Some((lname, _)) => problems.push(format!(
                "user {id} already exists here (as '{lname}', not '{name}') and was not imported from {source}"
            )),
        }
    }
    let mut renames = Vec::new();
    let mut owned_ws = Vec::new();
    let mut owned_teams = Vec::new();
    for (table, kind, out) in [
        ("workspaces", "workspace", &mut owned_ws),
        ("teams", "team", &mut owned_teams),
    ] {
        let mine = owned::owned(tx, source, kind).await?;
        let here = owned::names(tx, table, &ids(table, "id")).await?;
        for r in d["instance"][table].as_array().into_iter().flatten() {
            let (Some(id), Some(name)) = (r["id"].as_i64(), r["name"].as_str()) else {
                continue;
            };
            match here.get(&id) {
                None => out.push(id),
                Some(_) if mine.contains(&id) => {
                    out.push(id);
                    renames.push((table, id, name.to_string()));
                }
                Some(n) if n == name => {}
                Some(n) => problems.push(format!(
                    "{kind} {id} already exists here (as '{n}', not '{name}') and was not imported from {source}"
                )),
            }
        }
    }
    if !problems.is_empty() {
        bail!(
            "nothing was imported: ids needed by the import are taken here:\n  {}",
            problems.join("\n  ")
        );
    }
    Ok(Plan {
        replaced,
        deleted,
        update_users,
        renames,
        owned_users,
        owned_workspaces: owned_ws,
        owned_teams,
    })
}
