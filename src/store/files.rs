//! Loading files and attachments into their wire shapes; shared by the file operations and by
//! the work item loader (a work item's `picture` is an attachment).

use std::collections::HashMap;

use super::{DbResult, Tx, Val, placeholders};
use crate::model::{
    DesignElementAttachment, ProjectFile, User, WorkItemAttachment, file_path, link, thumb_path,
};

/// A stored file with its uploader, as `file_select` reads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FileRow {
    pub file_id: i64,
    pub f_project_id: i64,
    pub f_name: String,
    pub content_type: String,
    pub size: i64,
    pub is_image: bool,
    pub token: String,
    pub blob_key: String,
    pub thumb_key: Option<String>,
    pub thumb_name: Option<String>,
    pub thumb_content_type: Option<String>,
    pub thumb_size: Option<i64>,
    pub f_creation_date: String,
    pub fu_id: i64,
    pub fu_username: String,
    pub fu_email: String,
    pub fu_name: Option<String>,
    pub fu_creation_date: String,
}
crate::lite_row!(FileRow {
    file_id,
    f_project_id,
    f_name,
    content_type,
    size,
    is_image,
    token,
    blob_key,
    thumb_key,
    thumb_name,
    thumb_content_type,
    thumb_size,
    f_creation_date,
    fu_id,
    fu_username,
    fu_email,
    fu_name,
    fu_creation_date
});

/// Columns of `files f JOIN users fu` for [`FileRow`].
pub const FILE_COLS: &str = "f.id AS file_id, f.project_id AS f_project_id, f.name AS f_name, \
     f.content_type, f.size, f.is_image, f.token, f.blob_key, f.thumb_key, f.thumb_name, \
     f.thumb_content_type, f.thumb_size, f.creation_date AS f_creation_date, \
     fu.id AS fu_id, fu.username AS fu_username, fu.email AS fu_email, fu.name AS fu_name, \
     fu.creation_date AS fu_creation_date";

/// `SELECT` of files with their uploader; add `WHERE …` on `f.`.
pub fn file_select() -> String {
    format!("SELECT {FILE_COLS} FROM files f JOIN users fu ON fu.id = f.user_id")
}

impl FileRow {
    /// The wire object, its links under the current base (`model::with_link_base`).
    pub fn to_wire(&self) -> ProjectFile {
        ProjectFile {
            project_id: self.f_project_id,
            file_id: self.file_id,
            name: self.f_name.clone(),
            thumb_name: self.thumb_name.clone(),
            url: link(&file_path(&self.token, &self.f_name)),
            thumb_url: self
                .thumb_name
                .as_deref()
                .map(|t| link(&thumb_path(&self.token, t))),
            size: self.size,
            is_image: self.is_image,
            user: User {
                id: self.fu_id,
                username: self.fu_username.clone(),
                email: self.fu_email.clone(),
                name: self.fu_name.clone(),
                creation_date: self.fu_creation_date.clone(),
            },
            creation_date: self.f_creation_date.clone(),
        }
    }
}

/// An attachment with its file, its author, and whether it is its work item's card picture.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttachmentRow {
    pub attachment_id: i64,
    pub project_id: i64,
    pub work_item_id: Option<i64>,
    pub design_element_id: Option<i64>,
    pub creation_date: String,
    pub is_card_picture: bool,
    pub au_id: i64,
    pub au_username: String,
    pub au_email: String,
    pub au_name: Option<String>,
    pub au_creation_date: String,
    #[sqlx(flatten)]
    pub file: FileRow,
}
crate::lite_row!(AttachmentRow { attachment_id, project_id, work_item_id, design_element_id, creation_date, is_card_picture, au_id, au_username, au_email, au_name, au_creation_date } flatten { file });

/// `SELECT` of attachments; add `WHERE …` on `a.`.
pub fn attachment_select() -> String {
    format!(
        "SELECT a.id AS attachment_id, a.project_id, a.work_item_id, a.design_element_id, \
         a.creation_date, \
         CASE WHEN w.picture_id = a.id THEN TRUE ELSE FALSE END AS is_card_picture, \
         au.id AS au_id, au.username AS au_username, au.email AS au_email, au.name AS au_name, \
         au.creation_date AS au_creation_date, {FILE_COLS} \
         FROM attachments a \
         JOIN files f ON f.id = a.file_id \
         JOIN users fu ON fu.id = f.user_id \
         JOIN users au ON au.id = a.user_id \
         LEFT JOIN work_items w ON w.project_id = a.project_id AND w.work_item_id = a.work_item_id"
    )
}

impl AttachmentRow {
    fn author(&self) -> User {
        User {
            id: self.au_id,
            username: self.au_username.clone(),
            email: self.au_email.clone(),
            name: self.au_name.clone(),
            creation_date: self.au_creation_date.clone(),
        }
    }

    pub fn to_work_item(&self) -> WorkItemAttachment {
        WorkItemAttachment {
            project_id: self.project_id,
            work_item_id: self.work_item_id.unwrap_or_default(),
            attachment_id: self.attachment_id,
            file: self.file.to_wire(),
            user: self.author(),
            is_card_picture: self.is_card_picture,
            creation_date: self.creation_date.clone(),
        }
    }

    pub fn to_design_element(&self) -> DesignElementAttachment {
        DesignElementAttachment {
            project_id: self.project_id,
            design_element_id: self.design_element_id.unwrap_or_default(),
            attachment_id: self.attachment_id,
            file: self.file.to_wire(),
            user: self.author(),
            creation_date: self.creation_date.clone(),
        }
    }
}

/// The attachments `ids` (global ids) by id: one statement for a page of work items' pictures.
pub async fn attachments_by_id(
    tx: &mut Tx,
    ids: &[i64],
) -> DbResult<HashMap<i64, WorkItemAttachment>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let params: Vec<Val> = ids.iter().map(|i| Val::from(*i)).collect();
    let rows: Vec<AttachmentRow> = tx
        .all(
            &format!(
                "{} WHERE a.id IN ({})",
                attachment_select(),
                placeholders(1, ids.len())
            ),
            &params,
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| (r.attachment_id, r.to_work_item()))
        .collect())
}

/// Bytes stored by the project's files.
pub async fn project_used(tx: &mut Tx, project_id: i64) -> DbResult<i64> {
    let (n,): (i64,) = tx
        .one(
            "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM files WHERE project_id = $1",
            crate::params![project_id],
        )
        .await?;
    Ok(n)
}

/// Bytes stored by the files of every project of the workspace.
pub async fn workspace_used(tx: &mut Tx, workspace_id: i64) -> DbResult<i64> {
    let (n,): (i64,) = tx
        .one(
            "SELECT CAST(COALESCE(SUM(f.size), 0) AS BIGINT) FROM files f \
             JOIN projects p ON p.id = f.project_id WHERE p.workspace_id = $1",
            crate::params![workspace_id],
        )
        .await?;
    Ok(n)
}
