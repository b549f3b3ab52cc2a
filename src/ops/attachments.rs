//! Attachments, on work items and on design elements alike: a file uploaded to its parent,
//! listed there (paged, oldest first), fetched, unlinked. A work item's attachment can also be
//! its card picture (`picture` of the item; one per item).
//!
//! Who may: reading follows reading the parent. Uploading, unlinking and setting the card
//! picture are edits of the parent: write permission on the work item's category (on an open
//! board), or write permission on the design model.
//!
//! An upload has two stores to keep in step. Its bytes go to the blob store first, under a key
//! queued in `blob_trash` with a grace time, so a crash or a dropped connection leaves nothing
//! behind for long; the transaction that records the file then takes the key off the queue.

use std::path::PathBuf;

use super::access::Member;
use super::files::{Files, QUOTA_EXCEEDED, now_ms, workspace_of};
use super::work_item_access::{self as wia};
use super::{Actor, OpError, OpResult, Scope};
use crate::blobs::thumbs::{self, ThumbLimits};
use crate::changes::{self, Event};
use crate::model::{self, DesignElementAttachment, Paging, WorkItemAttachment};
use crate::params;
use crate::store::files::{AttachmentRow, attachment_select, workspace_used};
use crate::store::{Db, Tx};

/// What an attachment hangs off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    WorkItem,
    DesignElement,
}

impl Kind {
    fn parent_col(self) -> &'static str {
        match self {
            Kind::WorkItem => "work_item_id",
            Kind::DesignElement => "design_element_id",
        }
    }

    /// Its `added` and `removed` events.
    fn events(self) -> (Event, Event) {
        match self {
            Kind::WorkItem => (
                Event::WorkItemAttachmentAdded,
                Event::WorkItemAttachmentRemoved,
            ),
            Kind::DesignElement => (
                Event::DesignElementAttachmentAdded,
                Event::DesignElementAttachmentRemoved,
            ),
        }
    }
}

/// The caller at a parent: the parent exists and is readable (404 otherwise), and for a write
/// the caller may edit it (403). Returns the work item's category (none for a design element).
async fn gate(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    kind: Kind,
    parent: i64,
    write: bool,
) -> OpResult<(Member, Option<i64>)> {
    match kind {
        Kind::WorkItem => {
            let (m, item) = if write {
                wia::open_for_edit(tx, actor, pid, parent).await?
            } else {
                wia::open(tx, actor, pid, parent, Scope::WorkItemsRead).await?
            };
            Ok((m, item.category()))
        }
        Kind::DesignElement => {
            let scope = if write {
                Scope::DesignModelWrite
            } else {
                Scope::DesignModelRead
            };
            let (m, modules) = super::design_elements::design_access(tx, actor, pid, scope).await?;
            // As the design model's comments do, its attachments follow their own module switch.
            if !modules.game_design_model_attachments {
                return Err(OpError::Forbidden(
                    "The design model attachments module is disabled in this project.".into(),
                ));
            }
            if write {
                m.require(m.can_write_design_model())?;
                m.require_not_guest()?;
            } else {
                m.require(m.can_read_design_model())?;
            }
            if !tx
                .exists(
                    "SELECT design_element_id FROM design_elements \
                     WHERE project_id = $1 AND design_element_id = $2",
                    params![pid, parent],
                )
                .await?
            {
                return Err(OpError::NotFound);
            }
            Ok((m, None))
        }
    }
}

async fn load(tx: &mut Tx, pid: i64, kind: Kind, parent: i64, aid: i64) -> OpResult<AttachmentRow> {
    tx.opt(
        &format!(
            "{} WHERE a.project_id = $1 AND a.{} = $2 AND a.id = $3",
            attachment_select(),
            kind.parent_col()
        ),
        params![pid, parent, aid],
    )
    .await?
    .ok_or(OpError::NotFound)
}

/// A page of the parent's attachments, oldest first, with the total.
async fn page(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    kind: Kind,
    parent: i64,
    page: Paging,
) -> OpResult<(i64, Vec<AttachmentRow>)> {
    gate(tx, actor, pid, kind, parent, false).await?;
    let col = kind.parent_col();
    let (total,): (i64,) = tx
        .one(
            &format!("SELECT COUNT(*) FROM attachments WHERE project_id = $1 AND {col} = $2"),
            params![pid, parent],
        )
        .await?;
    let rows: Vec<AttachmentRow> = tx
        .all(
            &format!(
                "{} WHERE a.project_id = $1 AND a.{col} = $2 ORDER BY a.id {}",
                attachment_select(),
                crate::store::limit_offset("$3", "$4")
            ),
            params![pid, parent, page.limit, page.offset],
        )
        .await?;
    Ok((total, rows))
}

pub async fn list_on_work_item(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    wid: i64,
    p: Paging,
) -> OpResult<(i64, Vec<WorkItemAttachment>)> {
    let (total, rows) = page(tx, actor, pid, Kind::WorkItem, wid, p).await?;
    Ok((
        total,
        rows.iter().map(AttachmentRow::to_work_item).collect(),
    ))
}

pub async fn list_on_design_element(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    did: i64,
    p: Paging,
) -> OpResult<(i64, Vec<DesignElementAttachment>)> {
    let (total, rows) = page(tx, actor, pid, Kind::DesignElement, did, p).await?;
    Ok((
        total,
        rows.iter().map(AttachmentRow::to_design_element).collect(),
    ))
}

pub async fn get_on_work_item(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    wid: i64,
    aid: i64,
) -> OpResult<WorkItemAttachment> {
    gate(tx, actor, pid, Kind::WorkItem, wid, false).await?;
    Ok(load(tx, pid, Kind::WorkItem, wid, aid)
        .await?
        .to_work_item())
}

pub async fn get_on_design_element(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    did: i64,
    aid: i64,
) -> OpResult<DesignElementAttachment> {
    gate(tx, actor, pid, Kind::DesignElement, did, false).await?;
    Ok(load(tx, pid, Kind::DesignElement, did, aid)
        .await?
        .to_design_element())
}

/// Unlinks the attachment; its file stays in the project's files (the admin's to delete).
pub async fn delete(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    kind: Kind,
    parent: i64,
    aid: i64,
) -> OpResult<()> {
    let (_, category) = gate(tx, actor, pid, kind, parent, true).await?;
    let row = load(tx, pid, kind, parent, aid).await?;
    tx.exec("DELETE FROM attachments WHERE id = $1", params![aid])
        .await?;
    if kind == Kind::WorkItem {
        wia::touch(tx, pid, parent).await?;
    }
    record(tx, actor, kind.events().1, category, &row).await
}

/// Records an attachment event (the entity is the attachment as the API shows it).
async fn record(
    tx: &mut Tx,
    actor: &Actor,
    event: Event,
    category: Option<i64>,
    a: &AttachmentRow,
) -> OpResult<()> {
    match a.work_item_id {
        Some(_) => {
            changes::record(
                tx,
                actor,
                a.project_id,
                event,
                a.attachment_id,
                category,
                &a.to_work_item(),
            )
            .await
        }
        None => {
            changes::record(
                tx,
                actor,
                a.project_id,
                event,
                a.attachment_id,
                None,
                &a.to_design_element(),
            )
            .await
        }
    }
}

/// Records the removal of an attachment whose file an admin deleted.
pub(crate) async fn record_removed(tx: &mut Tx, actor: &Actor, a: &AttachmentRow) -> OpResult<()> {
    match a.work_item_id {
        Some(wid) => {
            // The item's category by the same rule as every permission check (stories: none).
            let item: Option<wia::ItemRef> = tx
                .opt(
                    "SELECT project_id, work_item_id, category_id, is_story, parent_story_id \
                     FROM work_items WHERE project_id = $1 AND work_item_id = $2",
                    params![a.project_id, wid],
                )
                .await?;
            let category = item.as_ref().and_then(wia::ItemRef::category);
            record(tx, actor, Event::WorkItemAttachmentRemoved, category, a).await
        }
        None => record(tx, actor, Event::DesignElementAttachmentRemoved, None, a).await,
    }
}

/// `PUT …/attachments/{a}`: makes the attachment the item's card picture, or (when it already
/// is, or `set` is `Some(false)`) clears the picture. Reported as `workitem.updated`.
pub async fn set_card_picture(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    wid: i64,
    aid: i64,
    set: Option<bool>,
) -> OpResult<()> {
    let (m, _) = gate(tx, actor, pid, Kind::WorkItem, wid, true).await?;
    let row = load(tx, pid, Kind::WorkItem, wid, aid).await?;
    let on = set.unwrap_or(!row.is_card_picture);
    if on == row.is_card_picture {
        return Ok(());
    }
    tx.exec(
        "UPDATE work_items SET picture_id = $1, update_date = $2 WHERE project_id = $3 AND work_item_id = $4",
        params![on.then_some(aid), model::now(), pid, wid],
    )
    .await?;
    let item = super::work_items::reload(tx, &m, wid).await?;
    super::work_items::record_item(tx, actor, Event::WorkItemUpdated, &item).await
}

/// A file spooled to disk by the adapter, complete and within the size limit.
#[derive(Debug, Clone)]
pub struct Upload {
    pub path: PathBuf,
    /// As the client named it (sanitised here).
    pub name: String,
    /// As the client declared it.
    pub content_type: Option<String>,
    pub size: u64,
}

/// Checks, before the adapter reads an upload's body, that the caller may upload there.
pub async fn may_upload(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    kind: Kind,
    parent: i64,
) -> OpResult<()> {
    gate(tx, actor, pid, kind, parent, true).await?;
    Ok(())
}

/// A declared content type if it is a plain `type/subtype`, else `application/octet-stream`.
fn clean_content_type(declared: Option<&str>) -> String {
    let ok = |s: &str| {
        let mut parts = s.split('/');
        let good = |p: Option<&str>| {
            p.is_some_and(|p| {
                !p.is_empty()
                    && p.len() <= 100
                    && p.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
            })
        };
        good(parts.next()) && good(parts.next()) && parts.next().is_none()
    };
    match declared.map(|d| {
        d.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    }) {
        Some(t) if ok(&t) => t,
        _ => "application/octet-stream".to_string(),
    }
}

/// The file extension of a thumbnail's content type.
fn extension(content_type: &str) -> &'static str {
    match content_type {
        "image/jpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        _ => "png",
    }
}

/// Grace time of a queued upload key: past it, an upload that never got recorded is swept.
const UPLOAD_GRACE_MS: i64 = 3_600_000;

/// Deletes what an upload stored when it does not end recorded (an error, or the request's
/// future dropped because the client went away).
struct Cleanup {
    files: Files,
    db: Db,
    keys: Vec<String>,
    armed: bool,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let (blobs, db, keys) = (
            self.files.blobs.clone(),
            self.db.clone(),
            std::mem::take(&mut self.keys),
        );
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                for k in keys {
                    if blobs.delete(&k).await.is_ok()
                        && let Ok(mut tx) = db.write().await
                    {
                        let _ = tx
                            .exec("DELETE FROM blob_trash WHERE blob_key = $1", params![k])
                            .await;
                        let _ = tx.commit().await;
                    }
                }
            });
        }
    }
}

/// Stores an upload and attaches it to its parent: the bytes (and a thumbnail for an image
/// that decodes within the limits) go to the blob store, then one transaction checks the
/// caller and the workspace quota again, records the file and the attachment, and reports
/// `…attachment.added`. Runs its own transactions (the blob store is not transactional).
pub async fn upload_to_work_item(
    db: &Db,
    files: &Files,
    actor: &Actor,
    pid: i64,
    wid: i64,
    up: Upload,
) -> OpResult<WorkItemAttachment> {
    Ok(upload(db, files, actor, pid, Kind::WorkItem, wid, up)
        .await?
        .to_work_item())
}

pub async fn upload_to_design_element(
    db: &Db,
    files: &Files,
    actor: &Actor,
    pid: i64,
    did: i64,
    up: Upload,
) -> OpResult<DesignElementAttachment> {
    Ok(upload(db, files, actor, pid, Kind::DesignElement, did, up)
        .await?
        .to_design_element())
}

async fn upload(
    db: &Db,
    files: &Files,
    actor: &Actor,
    pid: i64,
    kind: Kind,
    parent: i64,
    up: Upload,
) -> OpResult<AttachmentRow> {
    let workspace_quota = files.settings.workspace_quota;
    files.settings.check_size(up.size)?;
    let name = model::sanitize_file_name(&up.name);

    // What it is: images by their bytes, never by the name or the declared type.
    let path = up.path.clone();
    let head = tokio::task::spawn_blocking(move || -> std::io::Result<Vec<u8>> {
        use std::io::Read;
        let mut buf = vec![0u8; 16];
        let n = std::fs::File::open(&path)?.read(&mut buf)?;
        buf.truncate(n);
        Ok(buf)
    })
    .await
    .map_err(|e| OpError::Internal(e.to_string()))?
    .map_err(|e| OpError::Internal(format!("reading the upload: {e}")))?;
    let kind_of_image = thumbs::sniff(&head);
    let content_type = match kind_of_image {
        Some(k) => k.content_type().to_string(),
        None => clean_content_type(up.content_type.as_deref()),
    };
    // A thumbnail failure never fails the upload: the file is kept without one.
    let thumb = match kind_of_image {
        Some(k) => {
            let path = up.path.clone();
            tokio::task::spawn_blocking(move || {
                thumbs::make_thumbnail(&path, k, ThumbLimits::default())
            })
            .await
            .ok()
            .flatten()
        }
        None => None,
    };

    let token = hex::encode(rand::random::<[u8; 16]>());
    let blob_key = format!("p{pid}/{token}");
    let thumb_key = thumb.as_ref().map(|_| format!("p{pid}/{token}.thumb"));
    let mut keys = vec![blob_key.clone()];
    keys.extend(thumb_key.clone());

    // Queue the keys first, so nothing stored can outlive a crash for longer than the grace.
    let mut tx = db.write().await?;
    for k in &keys {
        tx.exec(
            "INSERT INTO blob_trash (blob_key, not_before) VALUES ($1, $2)",
            params![k.as_str(), now_ms() + UPLOAD_GRACE_MS],
        )
        .await?;
    }
    tx.commit().await?;
    let mut cleanup = Cleanup {
        files: files.clone(),
        db: db.clone(),
        keys: keys.clone(),
        armed: true,
    };

    files
        .blobs
        .put_file(&blob_key, &up.path)
        .await
        .map_err(|e| OpError::Internal(format!("storing the upload: {e:#}")))?;
    if let (Some(t), Some(k)) = (&thumb, &thumb_key) {
        files
            .blobs
            .put_bytes(k, bytes::Bytes::from(t.bytes.clone()))
            .await
            .map_err(|e| OpError::Internal(format!("storing the thumbnail: {e:#}")))?;
    }

    let mut tx = db.write().await?;
    let (_, category) = gate(&mut tx, actor, pid, kind, parent, true).await?;
    // One upload at a time per workspace past this point, so two cannot both fit the quota.
    let ws = workspace_of(&mut tx, pid).await?;
    tx.exec(
        "UPDATE workspaces SET name = name WHERE id = $1",
        params![ws],
    )
    .await?;
    let used = workspace_used(&mut tx, ws).await?;
    let size =
        i64::try_from(up.size).map_err(|_| OpError::invalid(super::files::FILE_TOO_LARGE))?;
    if used.saturating_add(size) as u64 > workspace_quota {
        return Err(OpError::conflict(QUOTA_EXCEEDED));
    }
    let now = model::now();
    let thumb_name = thumb
        .as_ref()
        .map(|t| model::thumb_name(&name, extension(t.content_type)));
    let (wid, did) = match kind {
        Kind::WorkItem => (Some(parent), None),
        Kind::DesignElement => (None, Some(parent)),
    };
    let (fid,): (i64,) = tx
        .one(
            "INSERT INTO files (project_id, work_item_id, design_element_id, name, content_type, size, \
             is_image, token, blob_key, thumb_key, thumb_name, thumb_content_type, thumb_size, user_id, \
             creation_date) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             RETURNING id",
            params![
                pid,
                wid,
                did,
                name.as_str(),
                content_type.as_str(),
                size,
                thumb.is_some(),
                token.as_str(),
                blob_key.as_str(),
                thumb_key.clone(),
                thumb_name,
                thumb.as_ref().map(|t| t.content_type.to_string()),
                thumb.as_ref().map(|t| t.bytes.len() as i64),
                actor.user_id,
                now.as_str()
            ],
        )
        .await?;
    let (aid,): (i64,) = tx
        .one(
            "INSERT INTO attachments (project_id, file_id, work_item_id, design_element_id, user_id, \
             creation_date) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            params![pid, fid, wid, did, actor.user_id, now.as_str()],
        )
        .await?;
    for k in &keys {
        tx.exec(
            "DELETE FROM blob_trash WHERE blob_key = $1",
            params![k.as_str()],
        )
        .await?;
    }
    if kind == Kind::WorkItem {
        wia::touch(&mut tx, pid, parent).await?;
    }
    let row = load(&mut tx, pid, kind, parent, aid).await?;
    record(&mut tx, actor, kind.events().0, category, &row).await?;
    tx.commit().await?;
    cleanup.armed = false;
    Ok(row)
}
