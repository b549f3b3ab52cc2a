//! Adding a comment, the same form on a work item's page and a design element's: one handler,
//! generic over the thread (`ops::comments::Thread`) like the operation it calls.

use axum::extract::{Path, State};
use axum::response::Redirect;
use serde::Deserialize;

use super::csrf;
use super::error::WebError;
use super::session::Viewer;
use crate::http::AppState;
use crate::ops::comments::{self, OnDesignElement, OnWorkItem, Thread};

/// The comment form's fields (also the edit form of a work item's comment).
#[derive(Debug, Deserialize)]
pub(super) struct TextForm {
    #[serde(rename = "_csrf", default)]
    pub csrf: String,
    pub text: Option<String>,
}

/// Where a thread's page is, to return to after a write.
pub(super) trait ThreadPage: Thread {
    fn page(pid: i64, id: i64) -> String;
}

impl ThreadPage for OnWorkItem {
    fn page(pid: i64, id: i64) -> String {
        format!("/projects/{pid}/items/{id}")
    }
}

impl ThreadPage for OnDesignElement {
    fn page(pid: i64, id: i64) -> String {
        format!("/projects/{pid}/design/{id}")
    }
}

pub(super) async fn add<T: ThreadPage>(
    State(s): State<AppState>,
    v: Viewer,
    Path((pid, id)): Path<(i64, i64)>,
    axum::Form(f): axum::Form<TextForm>,
) -> Result<Redirect, WebError> {
    csrf::check(&v, &f.csrf)?;
    let mut tx = s.db.write().await?;
    comments::create::<T>(&mut tx, &v.actor(), pid, id, f.text.unwrap_or_default()).await?;
    tx.commit().await?;
    Ok(Redirect::to(&T::page(pid, id)))
}
