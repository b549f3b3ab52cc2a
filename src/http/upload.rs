//! Reading an upload: `multipart/form-data` (any part name), spooled to a file on disk as it
//! arrives, so a 200 MB upload takes a few buffers of memory. The part with a file name (or, without
//! one, the part named `file`) is the file; other parts are read and dropped (64 KiB at most).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use super::AppState;
use super::error::{ApiError, ApiResult};
use crate::ops::Actor;
use crate::ops::attachments::{self, Kind, Upload};

pub const NOT_MULTIPART: &str = "The content is not MIME multipart content.";

/// Bytes the parts other than the file may take together.
const OTHER_PARTS_MAX: u64 = 64 * 1024;

/// Bytes of the body received but not yet handed over as part content (boundaries, part
/// headers, what the parser holds back): the multipart parser keeps a part's headers in memory
/// until they end, so without this an endless header would fill it.
const UNREAD_MAX: u64 = 16 * 1024 * 1024;

/// The request with its body counted into `received`; the body fails once it is more than
/// [`UNREAD_MAX`] ahead of `delivered`.
fn counted(req: Request, received: Arc<AtomicU64>, delivered: Arc<AtomicU64>) -> Request {
    let (parts, body) = req.into_parts();
    let stream = body.into_data_stream().map(move |chunk| {
        let chunk = chunk?;
        let got = received.fetch_add(chunk.len() as u64, Ordering::Relaxed) + chunk.len() as u64;
        if got.saturating_sub(delivered.load(Ordering::Relaxed)) > UNREAD_MAX {
            return Err(axum::Error::new("part headers too large"));
        }
        Ok(chunk)
    });
    Request::from_parts(parts, Body::from_stream(stream))
}

/// A spooled upload; the file on disk goes away with it.
pub struct Spooled {
    pub upload: Upload,
    _file: tempfile::TempPath,
}

/// Whether the request says it is `multipart/form-data` (415 otherwise, before any body is read).
fn require_multipart(req: &Request) -> ApiResult<()> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ct
        .split(';')
        .next()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("multipart/form-data"))
    {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType(NOT_MULTIPART.into()))
    }
}

fn malformed(e: impl std::fmt::Display) -> ApiError {
    ApiError::bad(format!("Invalid multipart content: {e}"))
}

/// An upload to `parent`: 415 unless multipart; the caller's right to upload there is checked
/// before a byte of the body is read; then the file part is spooled.
pub async fn receive(
    s: &AppState,
    actor: &Actor,
    pid: i64,
    kind: Kind,
    parent: i64,
    req: Request,
) -> ApiResult<Spooled> {
    require_multipart(&req)?;
    let mut tx = s.db.read().await?;
    attachments::may_upload(&mut tx, actor, pid, kind, parent).await?;
    tx.commit().await?;
    spool(req, s).await
}

/// Reads the request's parts, writing the file part to the spool directory.
async fn spool(req: Request, state: &AppState) -> ApiResult<Spooled> {
    require_multipart(&req)?;
    let settings = &state.files.settings;
    let delivered = Arc::new(AtomicU64::new(0));
    let req = counted(req, Arc::default(), delivered.clone());
    let mut multipart = Multipart::from_request(req, state)
        .await
        .map_err(|e| malformed(e.body_text()))?;
    let mut spooled: Option<Spooled> = None;
    let mut other = 0u64;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| malformed(e.body_text()))?
    {
        let is_file = field.file_name().is_some() || field.name() == Some("file");
        if is_file && spooled.is_some() {
            return Err(ApiError::bad("Only one file can be uploaded per request."));
        }
        if !is_file {
            while let Some(chunk) = field.chunk().await.map_err(|e| malformed(e.body_text()))? {
                delivered.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                other += chunk.len() as u64;
                if other > OTHER_PARTS_MAX {
                    return Err(ApiError::bad(
                        "Invalid multipart content: too many form fields.",
                    ));
                }
            }
            continue;
        }
        let name = field
            .file_name()
            .or(field.name())
            .unwrap_or("file")
            .to_string();
        let content_type = field.content_type().map(str::to_string);
        let tmp = tempfile::Builder::new()
            .prefix("upload-")
            .tempfile_in(&settings.spool_dir)
            .map_err(|e| ApiError::Internal(format!("spool file: {e}")))?;
        let (std_file, path) = tmp.into_parts();
        let mut out = tokio::fs::File::from_std(std_file);
        let mut size = 0u64;
        while let Some(chunk) = field.chunk().await.map_err(|e| malformed(e.body_text()))? {
            delivered.fetch_add(chunk.len() as u64, Ordering::Relaxed);
            size += chunk.len() as u64;
            settings.check_size(size)?;
            out.write_all(&chunk)
                .await
                .map_err(|e| ApiError::Internal(format!("spool write: {e}")))?;
        }
        out.flush()
            .await
            .map_err(|e| ApiError::Internal(format!("spool write: {e}")))?;
        spooled = Some(Spooled {
            upload: Upload {
                path: path.to_path_buf(),
                name,
                content_type,
                size,
            },
            _file: path,
        });
    }
    spooled.ok_or_else(|| ApiError::bad("The request has no file part."))
}
