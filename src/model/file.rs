//! Files and attachments on the wire (issue 10), and the public links to their bytes.
//!
//! A file's `url` and `thumbUrl` are absolute links that need no API key: the path carries the
//! file's unguessable token. The adapter serving a request sets the base (`--public-url`, or the
//! request's own `Host`) with [`with_link_base`]; everything built while it runs, change-log
//! payloads included, links there.

use serde::Serialize;
use utoipa::ToSchema;

use super::User;

tokio::task_local! {
    static LINK_BASE: String;
}

/// Runs `f` with the links it builds rooted at `base` (`http://host:port`, no trailing slash).
pub async fn with_link_base<F: std::future::Future>(base: String, f: F) -> F::Output {
    LINK_BASE.scope(base, f).await
}

/// `path` (starting with `/`) made absolute under the current base; relative without one.
pub fn link(path: &str) -> String {
    LINK_BASE
        .try_with(|b| format!("{b}{path}"))
        .unwrap_or_else(|_| path.to_string())
}

/// The public path of a file's bytes: `/files/{token}/{name}`.
pub fn file_path(token: &str, name: &str) -> String {
    format!("/files/{token}/{}", percent_encode(name))
}

/// The public path of a file's thumbnail: `/thumbs/{token}/{thumbName}`.
pub fn thumb_path(token: &str, thumb_name: &str) -> String {
    format!("/thumbs/{token}/{}", percent_encode(thumb_name))
}

/// `projectFile` of the reference.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ProjectFile {
    pub project_id: i64,
    pub file_id: i64,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumb_name: Option<String>,
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumb_url: Option<String>,
    /// Bytes.
    pub size: i64,
    pub is_image: bool,
    /// Who uploaded it.
    pub user: User,
    pub creation_date: String,
}

/// `workItemAttachment` of the reference: a file linked to a work item.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct WorkItemAttachment {
    pub project_id: i64,
    pub work_item_id: i64,
    pub attachment_id: i64,
    pub file: ProjectFile,
    pub user: User,
    /// Shown on the item's card (`picture` of the work item); one per item.
    pub is_card_picture: bool,
    pub creation_date: String,
}

/// `designElementAttachment` of the reference: a file linked to a design element.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DesignElementAttachment {
    pub project_id: i64,
    pub design_element_id: i64,
    pub attachment_id: i64,
    pub file: ProjectFile,
    pub user: User,
    pub creation_date: String,
}

/// `GET /projects/{p}/storage`: bytes of the workspace's quota, used by the workspace and by
/// this project, and the largest file accepted (`0` = unlimited).
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ProjectStorage {
    pub project_id: i64,
    pub total_space: i64,
    pub total_used_space: i64,
    pub project_used_space: i64,
    pub file_limit: i64,
}

/// Longest stored file name, in characters.
pub const FILE_NAME_MAX: usize = 255;

/// The name an uploaded file is kept under: the last path segment of what the client sent
/// (`../../etc/passwd` → `passwd`, `C:\x\y.png` → `y.png`), without control characters, at
/// most [`FILE_NAME_MAX`] characters (the extension kept), never empty, `.` or `..`.
pub fn sanitize_file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}'))
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    if trimmed.is_empty() {
        return "file".to_string();
    }
    if trimmed.chars().count() <= FILE_NAME_MAX {
        return trimmed.to_string();
    }
    // Keep a short extension, cut the stem.
    let (stem, ext) = match trimmed.rfind('.') {
        Some(i) if trimmed.len() - i <= 16 => (&trimmed[..i], &trimmed[i..]),
        _ => (trimmed, ""),
    };
    let keep = FILE_NAME_MAX - ext.chars().count();
    let mut out: String = stem.chars().take(keep).collect();
    out.push_str(ext);
    out
}

/// The thumbnail's name: `<stem>_thumb.<ext>`.
pub fn thumb_name(name: &str, ext: &str) -> String {
    let stem = match name.rfind('.') {
        Some(i) if i > 0 => &name[..i],
        _ => name,
    };
    format!("{stem}_thumb.{ext}")
}

/// Percent-encodes everything but unreserved characters (RFC 3986), for paths and RFC 5987.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A `Content-Disposition` value for `name`: an ASCII fallback without quotes or backslashes,
/// and the exact name as RFC 5987 `filename*`. `inline` for images shown in place.
pub fn content_disposition(name: &str, inline: bool) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let kind = if inline { "inline" } else { "attachment" };
    format!(
        "{kind}; filename=\"{ascii}\"; filename*=UTF-8''{}",
        percent_encode(name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_and_controls() {
        assert_eq!(sanitize_file_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_file_name("C:\\x\\y.png"), "y.png");
        assert_eq!(sanitize_file_name("a\r\nb.txt"), "ab.txt");
        assert_eq!(sanitize_file_name(".."), "file");
        assert_eq!(sanitize_file_name(""), "file");
        assert_eq!(sanitize_file_name(".hidden"), "hidden");
        assert_eq!(sanitize_file_name("évian 🎮.png"), "évian 🎮.png");
        let long = format!("{}.png", "a".repeat(1000));
        let s = sanitize_file_name(&long);
        assert_eq!(s.chars().count(), FILE_NAME_MAX);
        assert!(s.ends_with(".png"));
    }

    #[test]
    fn dispositions_are_safe() {
        let d = content_disposition("a\"b\\c é.png", false);
        assert_eq!(
            d,
            "attachment; filename=\"a_b_c _.png\"; filename*=UTF-8''a%22b%5Cc%20%C3%A9.png"
        );
        assert_eq!(thumb_name("shot.final.jpg", "png"), "shot.final_thumb.png");
        assert_eq!(thumb_name("noext", "png"), "noext_thumb.png");
    }
}
