//! Project files: the storage report, the admin's file list and delete, the public download
//! lookup, and keeping the blob store in step with the database.
//!
//! The database is the truth about which files exist; the blob store only holds their bytes.
//! Deleting a file row, by whatever path (its own delete, or a cascade from its work item,
//! design element or project), queues its objects in `blob_trash` inside the same transaction
//! (a trigger, see migration 0005); [`sweep`] deletes them once that has committed.

use super::access;
use super::{Actor, OpError, OpResult, Scope};
use crate::blobs::Blobs;
use crate::model::{Paging, ProjectFile, ProjectStorage};
use crate::params;
use crate::store::files::{
    AttachmentRow, FileRow, attachment_select, file_select, project_used, workspace_used,
};
use crate::store::{Db, Tx};

pub const FILE_TOO_LARGE: &str = "File size limit exceeded.";
pub const QUOTA_EXCEEDED: &str = "Account storage limit exceeded.";

/// Storage limits (README "Files and S3").
#[derive(Debug, Clone)]
pub struct FileSettings {
    /// Largest file accepted, in bytes.
    pub max_file_size: u64,
    /// Bytes all the files of a workspace's projects may take together.
    pub workspace_quota: u64,
    /// Where uploads are spooled before they go to the blob store (on disk, not in memory).
    pub spool_dir: std::path::PathBuf,
}

impl Default for FileSettings {
    fn default() -> Self {
        FileSettings {
            max_file_size: 100 * 1024 * 1024,
            workspace_quota: 10 * 1024 * 1024 * 1024,
            spool_dir: std::env::temp_dir(),
        }
    }
}

impl FileSettings {
    /// A file that has reached `size` bytes so far is still acceptable.
    pub fn check_size(&self, size: u64) -> OpResult<()> {
        if size > self.max_file_size {
            Err(OpError::invalid(FILE_TOO_LARGE))
        } else {
            Ok(())
        }
    }
}

/// The blob store and the limits, as the file operations need them.
#[derive(Debug, Clone)]
pub struct Files {
    pub blobs: Blobs,
    pub settings: FileSettings,
    /// Wakes the sweeper (a write freed files).
    kick: std::sync::Arc<tokio::sync::Notify>,
}

impl Files {
    pub fn new(blobs: Blobs, settings: FileSettings) -> Files {
        Files {
            blobs,
            settings,
            kick: Default::default(),
        }
    }

    /// Asks the sweeper to run now rather than at its next tick.
    pub fn kick_sweeper(&self) {
        self.kick.notify_one();
    }
}

fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// `GET /projects/{p}/storage`: any member may read it.
pub async fn storage(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    settings: &FileSettings,
) -> OpResult<ProjectStorage> {
    access::member(tx, actor, pid, Scope::ProjectsRead).await?;
    let ws = workspace_of(tx, pid).await?;
    Ok(ProjectStorage {
        project_id: pid,
        total_space: clamp(settings.workspace_quota),
        total_used_space: workspace_used(tx, ws).await?,
        project_used_space: project_used(tx, pid).await?,
        file_limit: clamp(settings.max_file_size),
    })
}

pub(crate) async fn workspace_of(tx: &mut Tx, pid: i64) -> OpResult<i64> {
    let (ws,): (i64,) = tx
        .opt(
            "SELECT workspace_id FROM projects WHERE id = $1",
            params![pid],
        )
        .await?
        .ok_or(OpError::NotFound)?;
    Ok(ws)
}

/// `[ADMIN] GET /projects/{p}/files`: the project's files, oldest first.
pub async fn list(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    page: Paging,
) -> OpResult<Vec<ProjectFile>> {
    access::admin(tx, actor, pid).await?;
    let rows: Vec<FileRow> = tx
        .all(
            &format!(
                "{} WHERE f.project_id = $1 ORDER BY f.id {}",
                file_select(),
                crate::store::limit_offset("$2", "$3")
            ),
            params![pid, page.limit, page.offset],
        )
        .await?;
    Ok(rows.iter().map(FileRow::to_wire).collect())
}

/// `[ADMIN] DELETE /projects/{p}/files/{f}`: the file goes from the project, from every
/// attachment (each reported as removed) and, after commit, from the blob store.
pub async fn delete(tx: &mut Tx, actor: &Actor, pid: i64, fid: i64) -> OpResult<()> {
    access::admin(tx, actor, pid).await?;
    let links: Vec<AttachmentRow> = tx
        .all(
            &format!(
                "{} WHERE a.project_id = $1 AND a.file_id = $2 ORDER BY a.id",
                attachment_select()
            ),
            params![pid, fid],
        )
        .await?;
    let n = tx
        .exec(
            "DELETE FROM files WHERE project_id = $1 AND id = $2",
            params![pid, fid],
        )
        .await?;
    if n == 0 {
        return Err(OpError::NotFound);
    }
    for a in &links {
        super::attachments::record_removed(tx, actor, a).await?;
    }
    Ok(())
}

/// The file a public link names: `token` is the only key (README: links work like a CDN's).
pub async fn by_token(tx: &mut Tx, token: &str) -> OpResult<FileRow> {
    if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(OpError::NotFound);
    }
    tx.opt(
        &format!("{} WHERE f.token = $1", file_select()),
        params![token],
    )
    .await?
    .ok_or(OpError::NotFound)
}

/// Now, in unix milliseconds (the clock `blob_trash.not_before` uses).
pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Deletes the objects of deleted files (and of uploads abandoned past their grace time) from
/// the blob store, at most `batch` of them. Returns how many went.
pub async fn sweep(db: &Db, blobs: &Blobs, batch: i64) -> OpResult<usize> {
    let mut tx = db.read().await?;
    let keys: Vec<(String,)> = tx
        .all(
            "SELECT blob_key FROM blob_trash WHERE not_before <= $1 ORDER BY not_before LIMIT $2",
            params![now_ms(), batch],
        )
        .await?;
    tx.commit().await?;
    let mut done = 0;
    for (key,) in keys {
        if let Err(e) = blobs.delete(&key).await {
            tracing::warn!(error = %e, "could not delete a stored file; will retry");
            continue;
        }
        let mut tx = db.write().await?;
        // A key whose upload restarted meanwhile has a later not_before: leave it.
        tx.exec(
            "DELETE FROM blob_trash WHERE blob_key = $1 AND not_before <= $2",
            params![key, now_ms()],
        )
        .await?;
        tx.commit().await?;
        done += 1;
    }
    Ok(done)
}

/// Runs [`sweep`] every `every` (and when kicked) until the handle is aborted.
pub fn spawn_sweeper(
    db: Db,
    files: Files,
    every: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match sweep(&db, &files.blobs, 100).await {
                Ok(100) => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "file sweep failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = files.kick.notified() => {}
            }
        }
    })
}
