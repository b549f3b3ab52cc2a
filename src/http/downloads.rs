//! The public links of files: `GET /files/{token}/{name}` and `GET /thumbs/{token}/{name}`.
//! No API key: the token in the path is the secret (like a CDN link); the name is only there
//! for the people and tools that read URLs, and is not checked.
//!
//! Replies carry the stored type, `Content-Length`, a safe `Content-Disposition` (inline for
//! images, attachment otherwise), `nosniff` and a sandboxing CSP, so an uploaded HTML file
//! cannot run as a page of this server. One `Range: bytes=…` range is honoured (206/416).

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::AppState;
use super::error::{ApiError, ApiResult};
use crate::model::content_disposition;
use crate::ops::files;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/files/{token}", get(file))
        .route("/files/{token}/{*name}", get(file_named))
        .route("/thumbs/{token}", get(thumb))
        .route("/thumbs/{token}/{*name}", get(thumb_named))
}

async fn file(s: State<AppState>, Path(token): Path<String>, h: HeaderMap) -> ApiResult<Response> {
    serve(s, token, false, h).await
}
async fn file_named(
    s: State<AppState>,
    Path((token, _)): Path<(String, String)>,
    h: HeaderMap,
) -> ApiResult<Response> {
    serve(s, token, false, h).await
}
async fn thumb(s: State<AppState>, Path(token): Path<String>, h: HeaderMap) -> ApiResult<Response> {
    serve(s, token, true, h).await
}
async fn thumb_named(
    s: State<AppState>,
    Path((token, _)): Path<(String, String)>,
    h: HeaderMap,
) -> ApiResult<Response> {
    serve(s, token, true, h).await
}

/// The single range of a `Range` header against an object of `len` bytes:
/// `Ok(None)` = whole object, `Err(())` = unsatisfiable.
fn parse_range(h: &HeaderMap, len: u64) -> Result<Option<std::ops::Range<u64>>, ()> {
    let Some(v) = h.get(header::RANGE).and_then(|v| v.to_str().ok()) else {
        return Ok(None);
    };
    let Some(spec) = v.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    // Several ranges: serve the whole object (allowed by RFC 9110).
    if spec.contains(',') {
        return Ok(None);
    }
    let (a, b) = spec.split_once('-').ok_or(())?;
    let (a, b) = (a.trim(), b.trim());
    let range = if a.is_empty() {
        // The last `b` bytes.
        let n: u64 = b.parse().map_err(|_| ())?;
        if n == 0 {
            return Err(());
        }
        len.saturating_sub(n)..len
    } else {
        let start: u64 = a.parse().map_err(|_| ())?;
        let end = if b.is_empty() {
            len
        } else {
            b.parse::<u64>().map_err(|_| ())?.saturating_add(1).min(len)
        };
        start..end
    };
    if range.start >= len || range.start >= range.end {
        return Err(());
    }
    Ok(Some(range))
}

async fn serve(
    State(s): State<AppState>,
    token: String,
    thumb: bool,
    h: HeaderMap,
) -> ApiResult<Response> {
    let mut tx = s.db.read().await?;
    let f = files::by_token(&mut tx, &token).await?;
    tx.commit().await?;
    let (key, len, content_type, name) = if thumb {
        match (
            &f.thumb_key,
            f.thumb_size,
            &f.thumb_content_type,
            &f.thumb_name,
        ) {
            (Some(k), Some(n), Some(ct), Some(name)) => {
                (k.clone(), n as u64, ct.clone(), name.clone())
            }
            _ => return Err(ApiError::NotFound),
        }
    } else {
        (
            f.blob_key.clone(),
            f.size as u64,
            f.content_type.clone(),
            f.f_name.clone(),
        )
    };
    let range = match parse_range(&h, len) {
        Ok(r) => r,
        Err(()) => {
            let mut r = super::error::empty(StatusCode::RANGE_NOT_SATISFIABLE);
            r.headers_mut().insert(
                header::CONTENT_RANGE,
                HeaderValue::from_str(&format!("bytes */{len}")).expect("ascii"),
            );
            return Ok(r);
        }
    };
    let stream = s
        .files
        .blobs
        .get(&key, range.clone())
        .await
        .map_err(|e| ApiError::Internal(format!("reading a stored file: {e:#}")))?
        .ok_or(ApiError::NotFound)?;
    let inline = thumb || f.is_image;
    let mut r = Response::new(Body::from_stream(stream));
    let hs = r.headers_mut();
    let ct = HeaderValue::from_str(&content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    hs.insert(header::CONTENT_TYPE, ct);
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&name, inline)) {
        hs.insert(header::CONTENT_DISPOSITION, v);
    }
    hs.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    hs.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    hs.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    // The bytes behind a token never change.
    hs.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=86400, immutable"),
    );
    match range {
        Some(rg) => {
            hs.insert(header::CONTENT_LENGTH, HeaderValue::from(rg.end - rg.start));
            hs.insert(
                header::CONTENT_RANGE,
                HeaderValue::from_str(&format!("bytes {}-{}/{len}", rg.start, rg.end - 1))
                    .expect("ascii"),
            );
            *r.status_mut() = StatusCode::PARTIAL_CONTENT;
        }
        None => {
            hs.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
        }
    }
    Ok(r.into_response())
}
