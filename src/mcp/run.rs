//! What every tool does around its one operation: find the caller, run the operation in a
//! transaction the way the HTTP adapter does, and shape the reply or the error.

use axum::http::request::Parts;
use rmcp::model::{CallToolResult, ContentBlock};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer};
use serde::Serialize;
use serde_json::{Value, json};

use super::{Caller, Questlog};
use crate::model::{Paging, WorkItem};
use crate::ops::{Actor, OpError, OpResult};

pub type ToolResult = Result<CallToolResult, ErrorData>;

/// Runs an operation as the request's caller: `op!(self, ctx, read|write, |tx, actor| future)`.
/// The transaction commits only when the operation succeeded (dropping it rolls back), exactly
/// as an HTTP handler's does. Evaluates to `OpResult<T>`.
macro_rules! op {
    ($srv:expr, $ctx:expr, $mode:ident, |$tx:ident, $actor:ident| $body:expr) => {
        async {
            let caller = $srv.actor(&$ctx).await?;
            let $actor = &caller;
            let mut open = $srv.db.$mode().await?;
            let $tx = &mut open;
            let value = $body.await?;
            open.commit().await?;
            Ok::<_, $crate::ops::OpError>(value)
        }
        .await
    };
}
pub(crate) use op;

impl Questlog {
    /// The caller: on HTTP the `Actor` the auth layer stored in the request (rmcp hands a tool
    /// the request's `http::request::Parts`); on stdio the command line's key, looked up now.
    pub(super) async fn actor(&self, ctx: &RequestContext<RoleServer>) -> OpResult<Actor> {
        match &self.caller {
            Caller::Key(key) => crate::http::auth::lookup(&self.db, key)
                .await
                .map_err(|_| OpError::Forbidden("The API key is not active.".into())),
            Caller::PerRequest => ctx
                .extensions
                .get::<Parts>()
                .and_then(|p| p.extensions.get::<Actor>())
                .cloned()
                // The auth layer answers 401 first; this only guards a misrouted request.
                .ok_or_else(|| OpError::Forbidden("No API key was given.".into())),
        }
    }
}

/// The tool's reply: `value` (a wire type of the API) as structured content, `text` beside it.
/// Structured content must be a JSON object, so a list comes wrapped as `{"items": […]}`.
pub fn ok<T: Serialize>(value: &T, text: String) -> ToolResult {
    let v = match serde_json::to_value(value) {
        Ok(v) => v,
        Err(e) => return Ok(failure(OpError::Internal(e.to_string()))),
    };
    let v = match v {
        Value::Object(_) => v,
        Value::Array(_) => json!({ "items": v }),
        other => json!({ "result": other }),
    };
    let mut r = CallToolResult::structured(v);
    r.content = vec![ContentBlock::text(text)];
    Ok(r)
}

/// `ok` for a successful operation, the API's error otherwise.
pub fn done<T: Serialize>(r: OpResult<T>, text: impl FnOnce(&T) -> String) -> ToolResult {
    match r {
        Ok(v) => {
            let t = text(&v);
            ok(&v, t)
        }
        Err(e) => Ok(failure(e)),
    }
}

/// An operation's refusal as a tool error (`isError: true`): the status the API would answer
/// and its message, per-field messages included, so the model can correct its call.
pub fn failure(e: OpError) -> CallToolResult {
    let (status, message, fields) = match e {
        OpError::NotFound => (
            404,
            "Not found: it does not exist, or the key's user cannot see it.".to_string(),
            None,
        ),
        OpError::Forbidden(m) => (403, m, None),
        OpError::Invalid(m) => (400, m, None),
        OpError::Validation(f) => (400, "The request is invalid.".to_string(), Some(f)),
        OpError::Conflict(m) => (409, m, None),
        OpError::Internal(cause) => {
            // The cause goes to the log, never to the client (as in the HTTP adapter).
            tracing::error!(%cause, "internal error in an MCP tool");
            (500, "An error has occurred.".to_string(), None)
        }
    };
    let mut text = format!("Error {status}: {message}");
    for (field, msgs) in fields.iter().flatten() {
        text.push_str(&format!(" {field}: {}", msgs.join(" ")));
    }
    let mut r = CallToolResult::structured_error(json!({
        "status": status,
        "message": message,
        "modelState": fields,
    }));
    r.content = vec![ContentBlock::text(text)];
    r
}

/// The page a tool asks for: offset ≥ 0, limit 1..=100 (default 25), as the API checks them.
pub fn paging(offset: Option<i64>, limit: Option<i64>) -> OpResult<Paging> {
    let (offset, limit) = (offset.unwrap_or(0), limit.unwrap_or(25));
    if offset < 0 || !(1..=100).contains(&limit) {
        return Err(OpError::invalid(
            "Invalid offset and limit values (offset ≥ 0, limit 1 to 100).",
        ));
    }
    Ok(Paging { offset, limit })
}

/// One line per work item: `#12 Title [Stage] on Board, assigned to alice (3h/5h)`.
pub fn item_line(w: &WorkItem) -> String {
    let mut s = format!("#{} {} [{}]", w.work_item_id, w.title, w.stage.name);
    match &w.board {
        Some(b) => s.push_str(&format!(" on {} (board {})", b.name, b.board_id)),
        None => s.push_str(" in the backlog"),
    }
    if let Some(c) = &w.category {
        s.push_str(&format!(", {}", c.name));
    }
    if !w.assigned_users.is_empty() {
        let names: Vec<&str> = w
            .assigned_users
            .iter()
            .map(|u| u.user.username.as_str())
            .collect();
        s.push_str(&format!(", assigned to {}", names.join(", ")));
    }
    if let Some(d) = &w.due_date {
        s.push_str(&format!(", due {d}"));
    }
    if w.is_blocked {
        s.push_str(", BLOCKED");
    }
    s
}

/// A list's text form: a heading line, then one line per entry.
pub fn lines<T>(heading: String, rows: &[T], line: impl Fn(&T) -> String) -> String {
    let mut s = heading;
    for r in rows {
        s.push_str("\n- ");
        s.push_str(&line(r));
    }
    s
}
