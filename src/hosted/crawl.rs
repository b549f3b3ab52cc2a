//! Reads everything a key can see through the v0 API (endpoints and paging as the reference
//! gives them) into memory, object by object as the API answers it.

use std::collections::BTreeMap;

use anyhow::Context;
use serde_json::Value;

use super::Progress;
use super::client::{Client, Download};

/// Page size of the paged lists (the reference's maximum).
const PAGE: usize = 100;

pub struct Crawled {
    pub me: Value,
    pub workspaces: Vec<Workspace>,
    pub projects: Vec<Project>,
    /// Projects the key can read that `--project` left out.
    pub skipped: Vec<(i64, String)>,
}

pub struct Workspace {
    pub workspace: Value,
    pub users: Vec<Value>,
    pub teams: Vec<Value>,
}

#[derive(Default)]
pub struct Project {
    pub project: Value,
    pub categories: Vec<Value>,
    pub stages: Vec<Value>,
    pub importance_levels: Vec<Value>,
    pub design_element_types: Vec<Value>,
    pub tags: Vec<Value>,
    pub roles: Vec<Value>,
    pub users: Vec<Value>,
    pub milestones: Vec<Value>,
    pub boards: Vec<Value>,
    /// The design model, flattened parent first: (element, parent id, index among siblings).
    pub design_elements: Vec<(Value, Option<i64>, i64)>,
    pub design_element_comments: Vec<Value>,
    pub design_element_attachments: Vec<Value>,
    pub work_items: Vec<Item>,
    pub files: Vec<File>,
    pub webhooks: Vec<Value>,
    /// Lists the server refused, with its reason.
    pub skipped: Vec<String>,
}

pub struct Item {
    pub item: Value,
    pub sub_tasks: Vec<Value>,
    pub work_logs: Vec<Value>,
    pub comments: Vec<Value>,
    pub attachments: Vec<Value>,
    pub dependencies: Vec<Value>,
}

pub struct File {
    pub file: Value,
    pub bytes: Download,
    pub thumb: Option<Download>,
}

fn id(v: &Value, k: &str) -> anyhow::Result<i64> {
    v[k].as_i64()
        .with_context(|| format!("a reply without {k}: {}", short(v)))
}

fn short(v: &Value) -> String {
    v.to_string().chars().take(200).collect()
}

fn array(v: Value, what: &str) -> anyhow::Result<Vec<Value>> {
    match v {
        Value::Array(a) => Ok(a),
        other => anyhow::bail!("{what}: expected a list, got {}", short(&other)),
    }
}

/// Every page of a `{totalCount, offset, limit, items}` list.
async fn paged(c: &mut Client, p: &mut Progress, path: &str) -> anyhow::Result<Vec<Value>> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut out = Vec::new();
    loop {
        let page = c
            .get(&format!("{path}{sep}offset={}&limit={PAGE}", out.len()))
            .await?;
        p.tick(c);
        let total = page["totalCount"].as_u64().unwrap_or(0) as usize;
        let items = array(page["items"].clone(), path)?;
        let got = items.len();
        out.extend(items);
        if got == 0 || out.len() >= total {
            return Ok(out);
        }
    }
}

async fn list(c: &mut Client, p: &mut Progress, path: &str) -> anyhow::Result<Vec<Value>> {
    let v = c.get(path).await?;
    p.tick(c);
    array(v, path)
}

pub async fn crawl(c: &mut Client, p: &mut Progress, only: &[i64]) -> anyhow::Result<Crawled> {
    p.add(3);
    let me = c.get("/users/me").await?;
    p.tick(c);
    let mut workspaces = Vec::new();
    for ws in list(c, p, "/workspaces").await? {
        let wid = id(&ws, "id")?;
        p.add(2);
        let users = list(
            c,
            p,
            &format!("/workspaces/{wid}/users?includeInactive=true"),
        )
        .await?;
        let teams = list(c, p, &format!("/workspaces/{wid}/teams")).await?;
        workspaces.push(Workspace {
            workspace: ws,
            users,
            teams,
        });
    }
    let mut projects = Vec::new();
    let mut skipped = Vec::new();
    let all = list(c, p, "/projects").await?;
    for want in only {
        if !all.iter().any(|x| x["id"].as_i64() == Some(*want)) {
            anyhow::bail!("--project {want}: the key cannot read a project {want}");
        }
    }
    for proj in all {
        let pid = id(&proj, "id")?;
        if !only.is_empty() && !only.contains(&pid) {
            skipped.push((pid, proj["name"].as_str().unwrap_or("").to_string()));
            continue;
        }
        p.stage(&format!("project {pid}"));
        projects.push(project(c, p, pid).await?);
    }
    Ok(Crawled {
        me,
        workspaces,
        projects,
        skipped,
    })
}

async fn project(c: &mut Client, p: &mut Progress, pid: i64) -> anyhow::Result<Project> {
    let base = format!("/projects/{pid}");
    p.add(13);
    let mut out = Project {
        project: c.get(&base).await?,
        ..Default::default()
    };
    p.tick(c);
    out.categories = list(c, p, &format!("{base}/categories")).await?;
    out.stages = list(c, p, &format!("{base}/stages")).await?;
    out.importance_levels = list(c, p, &format!("{base}/importancelevels")).await?;
    out.design_element_types = list(c, p, &format!("{base}/designelementtypes")).await?;
    out.tags = list(c, p, &format!("{base}/tags")).await?;
    out.roles = list(c, p, &format!("{base}/roles")).await?;
    out.users = list(
        c,
        p,
        &format!("{base}/users?includeInactive=true&includeGuests=true"),
    )
    .await?;
    out.milestones = list(c, p, &format!("{base}/milestones?includeClosed=true")).await?;
    out.boards = list(c, p, &format!("{base}/boards?includeClosed=true")).await?;
    // Webhooks are an admin list, refused on a closed project: imported where readable.
    match c.get_opt(&format!("{base}/webhooks")).await? {
        Ok(v) => out.webhooks = array(v, "webhooks")?,
        Err(why) => out.skipped.push(format!("project {pid} webhooks: {why}")),
    }
    p.tick(c);

    // The design model: the list gives every element with its parent, and nests the children
    // too; an element is taken once, its parent from its own field or else from the nesting.
    let roots = list(c, p, &format!("{base}/designelements")).await?;
    let mut stack: Vec<(Value, Option<i64>, i64)> = roots
        .into_iter()
        .enumerate()
        .map(|(i, v)| (v, None, i as i64))
        .rev()
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    while let Some((mut de, nest_parent, index)) = stack.pop() {
        let did = id(&de, "designElementId")?;
        let children = match de.get_mut("children").map(Value::take) {
            Some(Value::Array(a)) => a,
            _ => Vec::new(),
        };
        for (i, ch) in children.into_iter().enumerate().rev() {
            stack.push((ch, Some(did), i as i64));
        }
        if !seen.insert(did) {
            continue;
        }
        let parent = de["parent"]["designElementId"].as_i64().or(nest_parent);
        out.design_elements.push((de, parent, index));
    }
    p.add(2 * out.design_elements.len() as u64);
    for (de, _, _) in &out.design_elements {
        let did = id(de, "designElementId")?;
        let path = format!("{base}/designelements/{did}");
        out.design_element_comments
            .extend(paged(c, p, &format!("{path}/comments")).await?);
        out.design_element_attachments
            .extend(paged(c, p, &format!("{path}/attachments")).await?);
    }

    p.add(1);
    let items = paged(c, p, &format!("{base}/workitems")).await?;
    p.add(5 * items.len() as u64);
    for item in items {
        let wid = id(&item, "workItemId")?;
        let path = format!("{base}/workitems/{wid}");
        let sub_tasks = list(c, p, &format!("{path}/subtasks")).await?;
        let work_logs = list(c, p, &format!("{path}/worklogs")).await?;
        let comments = paged(c, p, &format!("{path}/comments")).await?;
        let attachments = paged(c, p, &format!("{path}/attachments")).await?;
        let dependencies = list(c, p, &format!("{path}/dependencies")).await?;
        out.work_items.push(Item {
            item,
            sub_tasks,
            work_logs,
            comments,
            attachments,
            dependencies,
        });
    }

    // Project files (a plain list with offset and limit; refused on a closed project), and the
    // files the attachments name; then their bytes.
    p.add(1);
    let mut files = Vec::new();
    loop {
        let page = match c
            .get_opt(&format!("{base}/files?offset={}&limit={PAGE}", files.len()))
            .await?
        {
            Ok(v) => array(v, "files")?,
            Err(why) => {
                out.skipped.push(format!(
                    "project {pid} files list: {why} (the attachments' files are imported)"
                ));
                Vec::new()
            }
        };
        p.tick(c);
        let got = page.len();
        files.extend(page);
        if got < PAGE {
            break;
        }
        p.add(1);
    }
    let attached = out
        .design_element_attachments
        .iter()
        .chain(out.work_items.iter().flat_map(|i| i.attachments.iter()))
        .map(|a| a["file"].clone())
        .filter(|f| f.is_object());
    files.extend(attached.collect::<Vec<_>>());
    let mut seen = BTreeMap::new();
    for f in files {
        let fid = id(&f, "fileId")?;
        if seen.insert(fid, ()).is_some() {
            continue;
        }
        let url = f["url"]
            .as_str()
            .with_context(|| format!("file {fid} has no url"))?
            .to_string();
        p.add(1);
        let bytes = c.download(&url).await?;
        p.tick(c);
        let thumb = match f["thumbUrl"].as_str().filter(|u| !u.is_empty()) {
            Some(u) => {
                p.add(1);
                let d = c.download(u).await?;
                p.tick(c);
                Some(d)
            }
            None => None,
        };
        out.files.push(File {
            file: f,
            bytes,
            thumb,
        });
    }
    Ok(out)
}
