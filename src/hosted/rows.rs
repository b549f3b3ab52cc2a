//! What was crawled, as an export document (docs/export-format.md): the rows `questlog import
//! json` writes, so the import goes through the same code.
//!
//! Replies carry wire objects; the rows are the database's. Dates are normalised to the stored
//! form, nested objects give their ids (a board's creator, an item's stage), and what the API
//! does not show is derived: the per-project id counters from the largest ids, a file's upload
//! place from its first attachment, a dependency's date from its items. Webhooks come in
//! disabled. Download tokens are derived from the source and the file id, so links stay the
//! same across reruns.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::Context;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::crawl::{Crawled, Project};
use crate::model::{ModuleConfig, Permissions};

/// A row builder: column → value.
#[derive(Default)]
struct Row(Map<String, Value>);

impl Row {
    fn set(mut self, col: &str, v: impl Into<Value>) -> Row {
        self.0.insert(col.to_string(), v.into());
        self
    }
    fn done(self) -> Value {
        Value::Object(self.0)
    }
}

fn int(v: &Value, k: &str) -> anyhow::Result<i64> {
    v.get(k)
        .and_then(Value::as_i64)
        .with_context(|| format!("no {k} in {}", short(v)))
}

fn short(v: &Value) -> String {
    v.to_string().chars().take(200).collect()
}

/// An optional id, from a field or a nested object's field.
fn opt_int(v: &Value, k: &str) -> Value {
    v.get(k)
        .and_then(Value::as_i64)
        .map_or(Value::Null, Value::from)
}

fn text(v: &Value, k: &str) -> Value {
    v.get(k)
        .and_then(Value::as_str)
        .map_or(Value::Null, |s| Value::String(s.to_string()))
}

fn req_text(v: &Value, k: &str) -> Value {
    v.get(k)
        .and_then(Value::as_str)
        .map_or(Value::String(String::new()), |s| {
            Value::String(s.to_string())
        })
}

fn flag(v: &Value, k: &str) -> Value {
    Value::Bool(v.get(k).and_then(Value::as_bool).unwrap_or(false))
}

fn num(v: &Value, k: &str) -> Value {
    Value::from(v.get(k).and_then(Value::as_f64).unwrap_or(0.0))
}

/// A date in the stored form (`YYYY-MM-DDTHH:MM:SS.fffZ`), or null.
fn date(v: &Value, k: &str) -> Value {
    v.get(k)
        .and_then(Value::as_str)
        .and_then(crate::model::parse_date)
        .map_or(Value::Null, Value::String)
}

/// A required date: the API always gives it; a reply without one gets the epoch.
fn req_date(v: &Value, k: &str) -> Value {
    match date(v, k) {
        Value::Null => Value::String("1970-01-01T00:00:00.000Z".into()),
        d => d,
    }
}

/// The id of a user object, possibly wrapped in a project user (`{user: {id}}`).
fn user_id(v: &Value) -> anyhow::Result<i64> {
    v.get("id")
        .and_then(Value::as_i64)
        .or_else(|| v["user"]["id"].as_i64())
        .with_context(|| format!("not a user: {}", short(v)))
}

/// Everyone the replies name, by id (the fullest object seen for each).
#[derive(Default)]
struct Users(BTreeMap<i64, Value>);

impl Users {
    fn see(&mut self, u: &Value) {
        let u = if u.get("user").is_some_and(Value::is_object) {
            &u["user"]
        } else {
            u
        };
        let Some(id) = u.get("id").and_then(Value::as_i64) else {
            return;
        };
        let known = self.0.entry(id).or_insert_with(|| u.clone());
        if known["email"].as_str().is_none() && u["email"].as_str().is_some() {
            *known = u.clone();
        }
    }
}

pub struct Document {
    pub doc: Value,
    /// Blob key → the downloaded file holding its bytes.
    pub blobs: Vec<(String, std::path::PathBuf)>,
    /// The users the document creates (id, username, email).
    pub users: Vec<(i64, String, String)>,
    pub counts: BTreeMap<&'static str, u64>,
}

pub fn document(c: &Crawled, source: &str) -> anyhow::Result<Document> {
    let mut users = Users::default();
    users.see(&c.me);
    let mut counts = BTreeMap::new();
    let mut ws_rows = Vec::new();
    let mut team_rows = Vec::new();
    let mut member_rows = Vec::new();
    for w in &c.workspaces {
        let ws = &w.workspace;
        users.see(&ws["owner"]);
        let wid = int(ws, "id")?;
        ws_rows.push(
            Row::default()
                .set("id", wid)
                .set("name", req_text(ws, "name"))
                .set("owner_id", user_id(&ws["owner"])?)
                .set("general_info", text(ws, "generalInfo"))
                .set("total_seats", ws["totalSeats"].as_i64().unwrap_or(0))
                .set("creation_date", req_date(ws, "creationDate"))
                .done(),
        );
        for t in &w.teams {
            users.see(&t["creator"]);
            for m in t["users"].as_array().into_iter().flatten() {
                users.see(m);
            }
            let creator =
                user_id(&t["creator"]).unwrap_or_else(|_| user_id(&ws["owner"]).unwrap_or(0));
            team_rows.push(
                Row::default()
                    .set("id", int(t, "teamId")?)
                    .set("workspace_id", wid)
                    .set("name", req_text(t, "name"))
                    .set("creator_id", creator)
                    .set("creation_date", req_date(t, "creationDate"))
                    .done(),
            );
        }
        for m in &w.users {
            users.see(m);
            member_rows.push(
                Row::default()
                    .set("workspace_id", wid)
                    .set("user_id", user_id(m)?)
                    .set("team_id", opt_int(m, "teamId"))
                    .set("is_admin", flag(m, "isAdmin"))
                    .set("is_guest", flag(m, "isGuest"))
                    .set("is_active", m["isActive"].as_bool().unwrap_or(true))
                    .set("creation_date", req_date(m, "creationDate"))
                    .done(),
            );
        }
    }
    *counts.entry("workspaces").or_default() += ws_rows.len() as u64;
    *counts.entry("teams").or_default() += team_rows.len() as u64;

    let mut projects = Vec::new();
    let mut blobs = Vec::new();
    for p in &c.projects {
        projects.push(project(p, source, &mut users, &mut blobs, &mut counts)?);
    }

    // Users: local accounts without keys. An email the key may not see gets a placeholder
    // (emails are unique and required here).
    let mut user_rows = Vec::new();
    let mut report = Vec::new();
    let mut emails = BTreeSet::new();
    for (id, u) in &users.0 {
        let username = u["username"]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| format!("user{id}"));
        let mut email = u["email"]
            .as_str()
            .filter(|s| s.contains('@'))
            .map(str::to_string)
            .unwrap_or_else(|| format!("{username}@imported.invalid"));
        if !emails.insert(email.to_lowercase()) {
            email = format!("{username}+{id}@imported.invalid");
        }
        report.push((*id, username.clone(), email.clone()));
        user_rows.push(
            Row::default()
                .set("id", *id)
                .set("username", username)
                .set("email", email)
                .set("name", text(u, "name"))
                .set("is_admin", false)
                .set("creation_date", req_date(u, "creationDate"))
                .done(),
        );
    }
    counts.insert("users", user_rows.len() as u64);
    let doc = json!({
        "format": crate::portable::FORMAT,
        "version": crate::portable::VERSION,
        "instance": {
            "users": user_rows,
            "workspaces": ws_rows,
            "teams": team_rows,
            "workspace_users": member_rows,
        },
        "projects": projects,
    });
    Ok(Document {
        doc,
        blobs,
        users: report,
        counts,
    })
}

fn project(
    p: &Project,
    source: &str,
    users: &mut Users,
    blobs: &mut Vec<(String, std::path::PathBuf)>,
    counts: &mut BTreeMap<&'static str, u64>,
) -> anyhow::Result<Value> {
    let pr = &p.project;
    let pid = int(pr, "id")?;
    users.see(&pr["owner"]);
    let modules: ModuleConfig =
        serde_json::from_value(pr["moduleConfig"].clone()).unwrap_or_default();
    let mut t: BTreeMap<&'static str, Vec<Value>> = BTreeMap::new();
    // The project's own row; its default board is set once the boards are in (a late column
    // would need the import to know it): the boards come after the project.
    t.entry("projects").or_default().push(
        Row::default()
            .set("id", pid)
            .set("workspace_id", int(pr, "workspaceId")?)
            .set("name", req_text(pr, "name"))
            .set("description", text(pr, "description"))
            .set("general_info", text(pr, "generalInfo"))
            .set("closing_date", date(pr, "closingDate"))
            .set("creation_date", req_date(pr, "creationDate"))
            .set("owner_id", user_id(&pr["owner"])?)
            .set("cost_metric", req_text(pr, "costMetric"))
            .set("is_demo", flag(pr, "isDemo"))
            .set("hours_per_day", pr["hoursPerDay"].as_f64().unwrap_or(8.0))
            .set("module_config", modules.to_stored())
            .set("default_board_id", opt_int(pr, "defaultBoardId"))
            .done(),
    );
    let mut seq: BTreeMap<&'static str, i64> = BTreeMap::new();
    let mut bump = |kind: &'static str, id: i64| {
        let e = seq.entry(kind).or_default();
        *e = (*e).max(id);
    };
    for c in &p.categories {
        let id = int(c, "categoryId")?;
        bump("category", id);
        t.entry("categories").or_default().push(
            Row::default()
                .set("project_id", pid)
                .set("category_id", id)
                .set("name", req_text(c, "name"))
                .set("icon", text(c, "icon"))
                .set("color", text(c, "color"))
                .set("creation_date", req_date(c, "creationDate"))
                .done(),
        );
    }
    for (i, s) in p.stages.iter().enumerate() {
        let id = int(s, "stageId")?;
        bump("stage", id);
        t.entry("stages").or_default().push(
            Row::default()
                .set("project_id", pid)
                .set("stage_id", id)
                .set("name", req_text(s, "name"))
                .set("icon", text(s, "icon"))
                .set("color", text(s, "color"))
                .set("status", req_text(s, "status"))
                .set("is_unblocker", flag(s, "isUnblocker"))
                // The list comes in display order.
                .set("display_order", i as i64 + 1)
                .set("creation_date", req_date(s, "creationDate"))
                .done(),
        );
    }
    for l in &p.importance_levels {
        let id = int(l, "importanceLevelId")?;
        bump("importancelevel", id);
        t.entry("importance_levels").or_default().push(
            Row::default()
                .set("project_id", pid)
                .set("importance_level_id", id)
                .set("name", req_text(l, "name"))
                .set("icon", text(l, "icon"))
                .set("color", text(l, "color"))
                .set("is_default", flag(l, "isDefault"))
                .set("creation_date", req_date(l, "creationDate"))
                .done(),
        );
    }
    for d in &p.design_element_types {
        let id = int(d, "designElementTypeId")?;
        bump("designelementtype", id);
        t.entry("design_element_types").or_default().push(
            Row::default()
                .set("project_id", pid)
                .set("design_element_type_id", id)
                .set("name", req_text(d, "name"))
                .set("icon", text(d, "icon"))
                .set("color", text(d, "color"))
                .set("creation_date", req_date(d, "creationDate"))
                .done(),
        );
    }
    for g in &p.tags {
        let id = int(g, "tagId")?;
        bump("tag", id);
        t.entry("tags").or_default().push(
            Row::default()
                .set("project_id", pid)
                .set("tag_id", id)
                .set("name", req_text(g, "name"))
                .set("icon", text(g, "icon"))
                .set("color", text(g, "color"))
                .set("display_icon_only", flag(g, "displayIconOnly"))
                .set("creation_date", req_date(g, "creationDate"))
                .done(),
        );
    }
    for r in &p.roles {
        let id = int(r, "roleId")?;
        bump("role", id);
        let perms: Permissions =
            serde_json::from_value(r["permissions"].clone()).unwrap_or_default();
        t.entry("roles").or_default().push(
            Row::default()
                .set("project_id", pid)
                .set("role_id", id)
                .set("name", req_text(r, "name"))
                .set("is_admin", flag(r, "isAdmin"))
                .set("permissions", perms.to_stored())
                .set("creation_date", req_date(r, "creationDate"))
                .done(),
        );
    }
    for m in &p.users {
        users.see(m);
        t.entry("project_users").or_default().push(
            Row::default()
                .set("project_id", pid)
                .set("user_id", user_id(m)?)
                .set("role_id", opt_int(&m["role"], "roleId"))
                .set("is_admin", flag(m, "isAdmin"))
                .set("is_guest", flag(m, "isGuest"))
                .set("is_active", m["isActive"].as_bool().unwrap_or(true))
                .set("creation_date", req_date(m, "creationDate"))
                .done(),
        );
    }
    for m in &p.milestones {
        users.see(&m["creator"]);
        t.entry("milestones").or_default().push(
            Row::default()
                .set("id", int(m, "milestoneId")?)
                .set("project_id", pid)
                .set("name", req_text(m, "name"))
                .set("description", text(m, "description"))
                .set("general_info", text(m, "generalInfo"))
                .set("start_date", date(m, "startDate"))
                .set("due_date", date(m, "dueDate"))
                .set("closing_date", date(m, "closingDate"))
                .set("creation_date", req_date(m, "creationDate"))
                .set("creator_id", user_id(&m["creator"])?)
                .done(),
        );
    }
    for b in &p.boards {
        users.see(&b["creator"]);
        t.entry("boards").or_default().push(
            Row::default()
                .set("id", int(b, "boardId")?)
                .set("project_id", pid)
                .set("milestone_id", opt_int(b, "milestoneId"))
                .set("name", req_text(b, "name"))
                .set("description", text(b, "description"))
                .set("general_info", text(b, "generalInfo"))
                .set("start_date", date(b, "startDate"))
                .set("due_date", date(b, "dueDate"))
                .set("closing_date", date(b, "closingDate"))
                .set("creation_date", req_date(b, "creationDate"))
                .set("creator_id", user_id(&b["creator"])?)
                .done(),
        );
    }
    for (d, parent, index) in &p.design_elements {
        let id = int(d, "designElementId")?;
        bump("designelement", id);
        users.see(&d["user"]);
        t.entry("design_elements").or_default().push(
            Row::default()
                .set("project_id", pid)
                .set("design_element_id", id)
                .set(
                    "design_element_type_id",
                    int(&d["type"], "designElementTypeId")?,
                )
                .set("parent_id", parent.map_or(Value::Null, Value::from))
                .set("sibling_index", d["index"].as_i64().unwrap_or(*index))
                .set("name", req_text(d, "name"))
                .set("description", text(d, "description"))
                .set("start_date", date(d, "startDate"))
                .set("due_date", date(d, "dueDate"))
                .set("creation_date", req_date(d, "creationDate"))
                .set("update_date", req_date(d, "updateDate"))
                .set("creator_id", user_id(&d["user"])?)
                .done(),
        );
    }
    for c in &p.design_element_comments {
        users.see(&c["user"]);
        t.entry("design_element_comments").or_default().push(
            Row::default()
                .set("id", int(c, "commentId")?)
                .set("project_id", pid)
                .set("design_element_id", int(c, "designElementId")?)
                .set("user_id", user_id(&c["user"])?)
                .set("text", req_text(c, "text"))
                .set("creation_date", req_date(c, "creationDate"))
                .set("update_date", date(c, "updateDate"))
                .done(),
        );
    }
    let created: BTreeMap<i64, Value> = p
        .work_items
        .iter()
        .filter_map(|i| {
            Some((
                i.item["workItemId"].as_i64()?,
                req_date(&i.item, "creationDate"),
            ))
        })
        .collect();
    // Where each file was uploaded: its first attachment.
    let mut uploaded: BTreeMap<i64, (Value, Value)> = BTreeMap::new();
    let mut attachment_rows = Vec::new();
    let mut all_attachments: Vec<(&Value, Option<i64>, Option<i64>)> = p
        .design_element_attachments
        .iter()
        .map(|a| (a, None, a["designElementId"].as_i64()))
        .collect();
    for i in &p.work_items {
        for a in &i.attachments {
            all_attachments.push((a, a["workItemId"].as_i64(), None));
        }
    }
    all_attachments.sort_by_key(|(a, _, _)| a["attachmentId"].as_i64());
    for (a, wi, de) in &all_attachments {
        users.see(&a["user"]);
        let fid = int(&a["file"], "fileId")?;
        let (w, d) = (
            wi.map_or(Value::Null, Value::from),
            de.map_or(Value::Null, Value::from),
        );
        uploaded.entry(fid).or_insert((w.clone(), d.clone()));
        attachment_rows.push(
            Row::default()
                .set("id", int(a, "attachmentId")?)
                .set("project_id", pid)
                .set("file_id", fid)
                .set("work_item_id", w)
                .set("design_element_id", d)
                .set("user_id", user_id(&a["user"])?)
                .set("creation_date", req_date(a, "creationDate"))
                .done(),
        );
    }
    for i in &p.work_items {
        let w = &i.item;
        let wid = int(w, "workItemId")?;
        bump("workitem", wid);
        users.see(&w["user"]);
        let last_sub = i
            .sub_tasks
            .iter()
            .filter_map(|s| s["subTaskId"].as_i64())
            .max()
            .unwrap_or(0);
        t.entry("work_items").or_default().push(
            Row::default()
                .set("project_id", pid)
                .set("work_item_id", wid)
                .set("title", req_text(w, "title"))
                .set("description", text(w, "description"))
                .set("is_story", flag(w, "isStory"))
                .set("parent_story_id", opt_int(w, "parentStoryId"))
                .set(
                    "category_id",
                    match w["category"]["categoryId"].as_i64() {
                        // Stories show the built-in category -1: no row.
                        Some(c) if c > 0 => Value::from(c),
                        _ => Value::Null,
                    },
                )
                .set("estimated_cost", num(w, "estimatedCost"))
                .set(
                    "importance_level_id",
                    int(&w["importanceLevel"], "importanceLevelId")?,
                )
                .set("board_id", opt_int(&w["board"], "boardId"))
                .set("board_index", w["boardIndex"].as_i64().unwrap_or(0))
                .set(
                    "design_element_id",
                    opt_int(&w["designElement"], "designElementId"),
                )
                .set(
                    "design_element_index",
                    w["designElementIndex"].as_i64().unwrap_or(0),
                )
                .set("stage_id", int(&w["stage"], "stageId")?)
                .set("start_date", date(w, "startDate"))
                .set("due_date", date(w, "dueDate"))
                .set("closing_date", date(w, "closingDate"))
                .set("creation_date", req_date(w, "creationDate"))
                .set("update_date", req_date(w, "updateDate"))
                .set("creator_id", user_id(&w["user"])?)
                .set("last_sub_task_id", last_sub)
                .set("picture_id", opt_int(&w["picture"], "attachmentId"))
                .done(),
        );
        for s in &i.sub_tasks {
            t.entry("sub_tasks").or_default().push(
                Row::default()
                    .set("project_id", pid)
                    .set("work_item_id", wid)
                    .set("sub_task_id", int(s, "subTaskId")?)
                    .set("title", req_text(s, "title"))
                    .set("is_completed", flag(s, "isCompleted"))
                    .set("creation_date", req_date(s, "creationDate"))
                    .done(),
            );
        }
        for g in w["tags"].as_array().into_iter().flatten() {
            t.entry("work_item_tags").or_default().push(
                Row::default()
                    .set("project_id", pid)
                    .set("work_item_id", wid)
                    .set("tag_id", int(g, "tagId")?)
                    .done(),
            );
        }
        for u in w["assignedUsers"].as_array().into_iter().flatten() {
            users.see(u);
            t.entry("work_item_users").or_default().push(
                Row::default()
                    .set("project_id", pid)
                    .set("work_item_id", wid)
                    .set("user_id", user_id(u)?)
                    .set("creation_date", req_date(u, "creationDate"))
                    .done(),
            );
        }
        for d in &i.dependencies {
            let on = int(&d["workItem"], "workItemId")?;
            // The link's own date is not shown: the later of its two items'.
            let when = [created.get(&wid), created.get(&on)]
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .max()
                .unwrap_or("1970-01-01T00:00:00.000Z")
                .to_string();
            t.entry("dependencies").or_default().push(
                Row::default()
                    .set("project_id", pid)
                    .set("work_item_id", wid)
                    .set("depends_on_id", on)
                    .set("creation_date", when)
                    .done(),
            );
        }
        for l in &i.work_logs {
            users.see(&l["user"]);
            let created = req_date(l, "creationDate");
            t.entry("work_logs").or_default().push(
                Row::default()
                    .set("id", int(l, "workLogId")?)
                    .set("project_id", pid)
                    .set("work_item_id", wid)
                    .set("user_id", user_id(&l["user"])?)
                    .set("value", num(l, "value"))
                    .set("description", text(l, "comment"))
                    .set(
                        "date",
                        match date(l, "date") {
                            Value::Null => created.clone(),
                            d => d,
                        },
                    )
                    .set("creation_date", created)
                    .done(),
            );
        }
        for c in &i.comments {
            users.see(&c["user"]);
            t.entry("comments").or_default().push(
                Row::default()
                    .set("id", int(c, "commentId")?)
                    .set("project_id", pid)
                    .set("work_item_id", wid)
                    .set("user_id", user_id(&c["user"])?)
                    .set("text", req_text(c, "text"))
                    .set("work_log_id", opt_int(&c["workLog"], "workLogId"))
                    .set("creation_date", req_date(c, "creationDate"))
                    .set("update_date", date(c, "updateDate"))
                    .done(),
            );
        }
    }
    let mut blob_entries = Vec::new();
    for f in &p.files {
        let v = &f.file;
        let fid = int(v, "fileId")?;
        users.see(&v["user"]);
        let token = hex::encode(&Sha256::digest(format!("{source} file {fid}").as_bytes())[..16]);
        let key = format!("p{pid}/{token}");
        let (w, d) = uploaded
            .get(&fid)
            .cloned()
            .unwrap_or((Value::Null, Value::Null));
        let size = std::fs::metadata(&f.bytes.path)
            .map(|m| m.len())
            .unwrap_or(0);
        let mut row = Row::default()
            .set("id", fid)
            .set("project_id", pid)
            .set("work_item_id", w)
            .set("design_element_id", d)
            .set(
                "name",
                v["name"]
                    .as_str()
                    .map_or_else(|| format!("file{fid}"), str::to_string),
            )
            .set("content_type", f.bytes.content_type.clone())
            .set("size", v["size"].as_i64().unwrap_or(size as i64))
            .set("is_image", flag(v, "isImage"))
            .set("token", token.clone())
            .set("blob_key", key.clone())
            .set("user_id", user_id(&v["user"])?)
            .set("creation_date", req_date(v, "creationDate"));
        blob_entries.push(blob_entry(&key, &f.bytes.path)?);
        blobs.push((key.clone(), f.bytes.path.clone()));
        if let Some(th) = &f.thumb {
            let tkey = format!("{key}.thumb");
            let tsize = std::fs::metadata(&th.path).map(|m| m.len()).unwrap_or(0);
            row = row
                .set("thumb_key", tkey.clone())
                .set("thumb_name", text(v, "thumbName"))
                .set("thumb_content_type", th.content_type.clone())
                .set("thumb_size", tsize as i64);
            blob_entries.push(blob_entry(&tkey, &th.path)?);
            blobs.push((tkey, th.path.clone()));
        }
        t.entry("files").or_default().push(row.done());
    }
    t.insert("attachments", attachment_rows);
    for h in &p.webhooks {
        let id = int(h, "webhookId")?;
        bump("webhook", id);
        users.see(&h["creator"]);
        t.entry("webhooks").or_default().push(
            Row::default()
                .set("project_id", pid)
                .set("webhook_id", id)
                .set("url", req_text(h, "url"))
                // Imported disabled, so nothing fires at a studio's bots by surprise.
                .set("is_enabled", false)
                .set(
                    "headers",
                    serde_json::to_string(&h["headers"].as_array().cloned().unwrap_or_default())?,
                )
                .set("format", h["format"].as_str().unwrap_or("hacknplan"))
                .set("creator_id", user_id(&h["creator"])?)
                .set("creation_date", req_date(h, "creationDate"))
                .done(),
        );
        for e in h["events"].as_array().into_iter().flatten() {
            t.entry("webhook_events").or_default().push(
                Row::default()
                    .set("project_id", pid)
                    .set("webhook_id", id)
                    .set("event", e.as_str().unwrap_or_default())
                    .done(),
            );
        }
    }
    t.insert(
        "project_sequences",
        seq.into_iter()
            .map(|(kind, last)| {
                Row::default()
                    .set("project_id", pid)
                    .set("kind", kind)
                    .set("last_value", last)
                    .done()
            })
            .collect(),
    );
    for (table, rows) in &t {
        *counts.entry(table).or_default() += rows.len() as u64;
    }
    *counts.entry("projects").or_default() += 0;
    // In the export's table order (the import checks it).
    let mut tables = Map::new();
    for (table, _) in crate::portable::PROJECT {
        if let Some(rows) = t.remove(table) {
            tables.insert(table.to_string(), Value::Array(rows));
        }
    }
    Ok(json!({"id": pid, "tables": tables, "blobs": blob_entries}))
}

fn blob_entry(key: &str, path: &Path) -> anyhow::Result<Value> {
    let mut hash = Sha256::new();
    let mut f =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let size = std::io::copy(&mut f, &mut hash)?;
    Ok(json!({"key": key, "size": size, "sha256": hex::encode(hash.finalize())}))
}
