//! Project settings (`/projects/{id}/settings/…`): modules, the six configuration groups
//! (one generic list + form, since they share their CRUD shape), members and webhooks.
//! Every write is a CSRF-checked form post through `ops::…`, answered with a redirect.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::csrf::{self, CsrfForm};
use super::error::{WebError, WebResult};
use super::projects::{checked, field, module_checkboxes, modules_from_form};
use super::session::Viewer;
use super::{html, layout, see_other};
use crate::http::AppState;
use crate::model::{
    Category, CategoryPermission, DesignElementType, DesignModelPermission, ImportanceLevel,
    Permissions, Project, Role, Stage, Tag,
};
use crate::ops::project_users::{self, CreateProjectUserValues, PatchProjectUserValues};
use crate::ops::projects::{self, PatchProjectValues};
use crate::ops::webhooks::{self, PatchWebhookValues, WebhookValues};
use crate::ops::{
    Actor, OpResult, categories, config, design_element_types, importance_levels, roles, stages,
    tags,
};
use crate::store::Tx;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/projects/{id}/settings", get(modules_page))
        .route("/projects/{id}/settings/modules", post(save_modules))
        .route(
            "/projects/{id}/settings/members",
            get(members_page).post(add_member),
        )
        .route("/projects/{id}/settings/members/{uid}", post(update_member))
        .route(
            "/projects/{id}/settings/members/{uid}/remove",
            post(remove_member),
        )
        .route("/projects/{id}/settings/teams", post(create_team))
        .route(
            "/projects/{id}/settings/teams/{tid}/users",
            post(add_team_user),
        )
        .route(
            "/projects/{id}/settings/teams/{tid}/users/{uid}/remove",
            post(remove_team_user),
        )
        .route(
            "/projects/{id}/settings/webhooks",
            get(webhooks_page).post(create_webhook),
        )
        .route(
            "/projects/{id}/settings/webhooks/{wid}",
            get(webhook_page).post(update_webhook),
        )
        .route(
            "/projects/{id}/settings/webhooks/{wid}/delete",
            post(delete_webhook),
        )
        .route(
            "/projects/{id}/settings/webhooks/{wid}/deliveries/{did}/redeliver",
            post(redeliver),
        )
        .route(
            "/projects/{id}/settings/{group}",
            get(group_page).post(group_create),
        )
        .route("/projects/{id}/settings/{group}/{item}", post(group_update))
        .route(
            "/projects/{id}/settings/{group}/{item}/delete",
            post(group_delete),
        )
}

/// How a field of a configuration group is entered.
#[derive(Clone, Copy, PartialEq)]
enum Input {
    Text,
    Color,
    Check,
    /// A `<select>` of these values.
    Choice(&'static [&'static str]),
}

/// A configuration group: its URL slug, title, the JSON name of its id and its form fields
/// (JSON name, label, input). The rows are shown through their API serialisation.
struct Group {
    slug: &'static str,
    title: &'static str,
    id_key: &'static str,
    fields: &'static [(&'static str, &'static str, Input)],
    help: &'static str,
}

const GROUPS: &[Group] = &[
    Group {
        slug: "categories",
        title: "Categories",
        id_key: "categoryId",
        fields: &[
            ("name", "Name", Input::Text),
            ("color", "Colour", Input::Color),
            ("icon", "Icon", Input::Text),
        ],
        help: "The disciplines of the work (Programming, Art, …); roles grant permissions per category.",
    },
    Group {
        slug: "stages",
        title: "Stages",
        id_key: "stageId",
        fields: &[
            ("name", "Name", Input::Text),
            (
                "status",
                "Status",
                Input::Choice(&["created", "started", "closed"]),
            ),
            ("color", "Colour", Input::Color),
            ("isUnblocker", "Unblocks dependants", Input::Check),
        ],
        help: "The columns of every board, in order.",
    },
    Group {
        slug: "importance-levels",
        title: "Importance levels",
        id_key: "importanceLevelId",
        fields: &[
            ("name", "Name", Input::Text),
            ("color", "Colour", Input::Color),
            ("isDefault", "Default", Input::Check),
        ],
        help: "How urgent a work item is.",
    },
    Group {
        slug: "design-element-types",
        title: "Design element types",
        id_key: "designElementTypeId",
        fields: &[
            ("name", "Name", Input::Text),
            ("color", "Colour", Input::Color),
        ],
        help: "The kinds of elements of the game design model.",
    },
    Group {
        slug: "tags",
        title: "Tags",
        id_key: "tagId",
        fields: &[
            ("name", "Name", Input::Text),
            ("color", "Colour", Input::Color),
            ("displayIconOnly", "Show the icon only", Input::Check),
        ],
        help: "Free labels for work items.",
    },
    Group {
        slug: "roles",
        title: "Roles",
        id_key: "roleId",
        fields: &[
            ("name", "Name", Input::Text),
            ("isAdmin", "Administrator", Input::Check),
        ],
        help: "What members may do. A new role allows everything; a role's Edit form restricts it per category \
               (a category with every box ticked is fully allowed, as is a category created later) and on the design model.",
    },
];

fn group(slug: &str) -> WebResult<&'static Group> {
    GROUPS
        .iter()
        .find(|g| g.slug == slug)
        .ok_or(WebError::NotFound)
}

fn values<T: serde::Serialize>(rows: Vec<T>) -> Vec<Value> {
    rows.into_iter()
        .filter_map(|r| serde_json::to_value(r).ok())
        .collect()
}

fn from_json<T: serde::de::DeserializeOwned>(v: Value) -> OpResult<T> {
    serde_json::from_value(v).map_err(|e| crate::ops::OpError::invalid(e.to_string()))
}

async fn group_rows(tx: &mut Tx, a: &Actor, pid: i64, slug: &str) -> OpResult<Vec<Value>> {
    Ok(match slug {
        "categories" => values(categories::list(tx, a, pid).await?),
        "stages" => values(config::list::<Stage>(tx, a, pid).await?),
        "importance-levels" => values(config::list::<ImportanceLevel>(tx, a, pid).await?),
        "design-element-types" => values(config::list::<DesignElementType>(tx, a, pid).await?),
        "tags" => values(config::list::<Tag>(tx, a, pid).await?),
        "roles" => values(config::list::<Role>(tx, a, pid).await?),
        _ => return Err(crate::ops::OpError::NotFound),
    })
}

async fn group_insert(tx: &mut Tx, a: &Actor, pid: i64, slug: &str, v: Value) -> OpResult<()> {
    match slug {
        "categories" => drop(categories::create(tx, a, pid, from_json(v)?).await?),
        "stages" => drop(stages::create(tx, a, pid, from_json(v)?).await?),
        "importance-levels" => drop(importance_levels::create(tx, a, pid, from_json(v)?).await?),
        "design-element-types" => {
            drop(design_element_types::create(tx, a, pid, from_json(v)?).await?)
        }
        "tags" => drop(tags::create(tx, a, pid, from_json(v)?).await?),
        "roles" => drop(roles::create(tx, a, pid, from_json(v)?).await?),
        _ => return Err(crate::ops::OpError::NotFound),
    }
    Ok(())
}

async fn group_put(
    tx: &mut Tx,
    a: &Actor,
    pid: i64,
    slug: &str,
    id: i64,
    v: Value,
) -> OpResult<()> {
    match slug {
        "categories" => drop(categories::update(tx, a, pid, id, from_json(v)?).await?),
        "stages" => drop(stages::update(tx, a, pid, id, from_json(v)?).await?),
        "importance-levels" => {
            drop(importance_levels::update(tx, a, pid, id, from_json(v)?).await?)
        }
        "design-element-types" => {
            drop(design_element_types::update(tx, a, pid, id, from_json(v)?).await?)
        }
        "tags" => drop(tags::update(tx, a, pid, id, from_json(v)?).await?),
        "roles" => drop(roles::update(tx, a, pid, id, from_json(v)?).await?),
        _ => return Err(crate::ops::OpError::NotFound),
    }
    Ok(())
}

async fn group_remove(tx: &mut Tx, a: &Actor, pid: i64, slug: &str, id: i64) -> OpResult<()> {
    match slug {
        "categories" => categories::delete(tx, a, pid, id).await,
        "stages" => stages::delete(tx, a, pid, id).await,
        "importance-levels" => importance_levels::delete(tx, a, pid, id).await,
        "design-element-types" => design_element_types::delete(tx, a, pid, id, None).await,
        "tags" => tags::delete(tx, a, pid, id).await,
        "roles" => roles::delete(tx, a, pid, id).await,
        _ => Err(crate::ops::OpError::NotFound),
    }
}

/// The settings frame: project tabs, the settings menu, then the page.
fn frame(viewer: &Viewer, project: &Project, active: &str, title: &str, body: Markup) -> Markup {
    let pid = project.id;
    let mut links: Vec<(&str, &str)> = vec![("modules", "Modules")];
    links.extend(GROUPS.iter().map(|g| (g.slug, g.title)));
    links.push(("members", "Members & teams"));
    links.push(("webhooks", "Webhooks"));
    let inner = html! {
        (layout::project_nav(project, "settings"))
        div.with-side {
            nav.subnav aria-label="Settings" {
                @for (slug, label) in &links {
                    @let href = if *slug == "modules" { format!("/projects/{pid}/settings") } else { format!("/projects/{pid}/settings/{slug}") };
                    @if *slug == active { a.active href=(href) aria-current="page" { (label) } }
                    @else { a href=(href) { (label) } }
                }
            }
            section aria-label=(title) { h2 { (title) } (body) }
        }
    };
    layout::page(Some(viewer), &format!("{title} · {}", project.name), inner)
}

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
}

fn done_notice(d: &Done) -> Option<&'static str> {
    match d.done.as_deref() {
        Some("saved") => Some("Saved."),
        Some("added") => Some("Added."),
        Some("deleted") => Some("Deleted."),
        Some("removed") => Some("Removed."),
        Some("queued") => Some("Queued for delivery again."),
        _ => None,
    }
}

async fn load_project(s: &AppState, viewer: &Viewer, pid: i64) -> WebResult<Project> {
    let mut tx = s.db.read().await?;
    let p = projects::get(&mut tx, &viewer.actor(), pid).await?;
    tx.commit().await?;
    Ok(p)
}

async fn modules_page(
    State(s): State<AppState>,
    viewer: Viewer,
    Path(pid): Path<i64>,
    Query(d): Query<Done>,
) -> WebResult<Response> {
    let project = load_project(&s, &viewer, pid).await?;
    let body = html! {
        (layout::notice(done_notice(&d)))
        form.stack method="post" action=(format!("/projects/{pid}/settings/modules")) {
            (csrf::field(&viewer))
            (module_checkboxes(&project.module_config))
            button type="submit" { "Save modules" }
        }
    };
    Ok(html(frame(&viewer, &project, "modules", "Modules", body)))
}

async fn save_modules(
    State(s): State<AppState>,
    Path(pid): Path<i64>,
    CsrfForm(viewer, f): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let v = PatchProjectValues {
        name: None,
        cost_metric: None,
        description: None,
        general_info: None,
        hours_per_day: None,
        module_config: Some(modules_from_form(&f)),
    };
    let mut tx = s.db.write().await?;
    projects::patch(&mut tx, &viewer.actor(), pid, v).await?;
    tx.commit().await?;
    Ok(see_other(&format!("/projects/{pid}/settings?done=saved")))
}

fn cell(v: &Value, key: &str, input: Input) -> Markup {
    let x = v.get(key).unwrap_or(&Value::Null);
    html! {
        @match (input, x) {
            (Input::Check, Value::Bool(b)) => { @if *b { "yes" } @else { span.muted { "no" } } }
            (Input::Color, Value::String(c)) => { span.swatch style=(format!("background:{c}")) {} " " (c) }
            (_, Value::String(t)) => { (t) }
            (_, Value::Null) => { span.muted { "—" } }
            (_, other) => { (other.to_string()) }
        }
    }
}

async fn group_page(
    State(s): State<AppState>,
    viewer: Viewer,
    Path((pid, slug)): Path<(i64, String)>,
    Query(d): Query<Done>,
) -> WebResult<Response> {
    let g = group(&slug)?;
    let actor = viewer.actor();
    let mut tx = s.db.read().await?;
    let project = projects::get(&mut tx, &actor, pid).await?;
    let rows = group_rows(&mut tx, &actor, pid, g.slug).await?;
    let cats = if g.slug == "roles" {
        categories::list(&mut tx, &actor, pid).await?
    } else {
        Vec::new()
    };
    tx.commit().await?;
    let body = html! {
        (layout::notice(done_notice(&d)))
        p.muted { (g.help) }
        div.table-wrap {
            table {
                thead { tr {
                    @for (_, label, _) in g.fields { th scope="col" { (label) } }
                    th scope="col" { span.sr { "Actions" } }
                } }
                tbody {
                    @for r in &rows {
                        @let id = r.get(g.id_key).and_then(Value::as_i64).unwrap_or(0);
                        @let name = r.get("name").and_then(Value::as_str).unwrap_or("");
                        tr {
                            @for (key, _, input) in g.fields { td { (cell(r, key, *input)) } }
                            td {
                                details {
                                    summary { "Edit" span.sr { " " (name) } }
                                    form.stack method="post" action=(format!("/projects/{pid}/settings/{}/{id}", g.slug)) {
                                        (csrf::field(&viewer))
                                        (group_inputs(g, Some(r), &format!("e{id}")))
                                        @if g.slug == "roles" { (permission_grid(&cats, r)) }
                                        button type="submit" { "Save" }
                                    }
                                }
                                form.inline method="post" action=(format!("/projects/{pid}/settings/{}/{id}/delete", g.slug))
                                    data-confirm=(format!("Delete “{name}”?")) {
                                    (csrf::field(&viewer))
                                    button.danger type="submit" aria-label=(format!("Delete {name}")) { "Delete" }
                                }
                            }
                        }
                    }
                }
            }
        }
        h3 { "Add" }
        form.stack method="post" action=(format!("/projects/{pid}/settings/{}", g.slug)) {
            (csrf::field(&viewer))
            (group_inputs(g, None, "f"))
            button type="submit" { "Add" }
        }
    };
    Ok(html(frame(&viewer, &project, g.slug, g.title, body)))
}

/// The group's fields of a form, over `base` (the row as it is, for an edit: what the form
/// doesn't show, such as a role's permissions, is sent back unchanged).
fn group_body(g: &Group, f: &[(String, String)], mut base: Map<String, Value>) -> Value {
    for (key, _, input) in g.fields {
        let v = match input {
            Input::Check => Value::Bool(checked(f, key)),
            _ => match field(f, key) {
                Some(t) => Value::String(t.to_string()),
                None => {
                    base.remove(*key);
                    continue;
                }
            },
        };
        base.insert((*key).to_string(), v);
    }
    Value::Object(base)
}

/// The inputs of a group's form, filled from `row` when editing.
fn group_inputs(g: &Group, row: Option<&Value>, prefix: &str) -> Markup {
    html! {
        @for (key, label, input) in g.fields {
            @let id = format!("{prefix}-{key}");
            @let cur = row.and_then(|r| r.get(*key));
            @let text = cur.and_then(Value::as_str);
            @match input {
                Input::Text => { div { label for=(id) { (label) } input id=(id) type="text" name=(key) value=[text] required[*key == "name"] maxlength="255"; } }
                Input::Color => { div { label for=(id) { (label) } input id=(id) type="color" name=(key) value=(text.unwrap_or("#4c7bd9")); } }
                Input::Check => { label.check { input type="checkbox" name=(key) checked[cur.and_then(Value::as_bool).unwrap_or(false)]; (label) } }
                Input::Choice(opts) => { div { label for=(id) { (label) } select id=(id) name=(key) { @for o in *opts { option value=(o) selected[text == Some(*o)] { (o) } } } } }
            }
        }
    }
}

/// A role's permissions as a grid of checkboxes: a row per category (read / create / update)
/// and one for the design model. A category the role does not list shows fully ticked.
fn permission_grid(cats: &[Category], role: &Value) -> Markup {
    let perms: Permissions = role
        .get("permissions")
        .cloned()
        .and_then(|p| serde_json::from_value(p).ok())
        .unwrap_or_default();
    let box_ = |name: String, label: String, on: bool| {
        html! {
            td { input type="checkbox" name=(name) aria-label=(label) checked[on]; }
        }
    };
    html! {
        fieldset {
            legend { "Permissions" }
            input type="hidden" name="permissions" value="grid";
            table.perm-grid {
                thead { tr { th scope="col" { "Category" } th scope="col" { "Read" } th scope="col" { "Create" } th scope="col" { "Update" } } }
                tbody {
                    @for c in cats {
                        @let cid = c.category_id;
                        @let cp = perms.category(cid);
                        @let (r, w, u) = cp.map_or((true, true, true), |p| (p.can_read, p.can_write, p.can_update));
                        tr {
                            th scope="row" { input type="hidden" name="permCategory" value=(cid); (c.name) }
                            (box_(format!("perm.{cid}.read"), format!("{}: read", c.name), r))
                            (box_(format!("perm.{cid}.write"), format!("{}: create", c.name), w))
                            (box_(format!("perm.{cid}.update"), format!("{}: update", c.name), u))
                        }
                    }
                    tr {
                        th scope="row" { "Design model" }
                        (box_("perm.design.read".into(), "Design model: read".into(), perms.game_design_model_permissions.can_read))
                        (box_("perm.design.write".into(), "Design model: change".into(), perms.game_design_model_permissions.can_write))
                        td {}
                    }
                }
            }
        }
    }
}

/// The permissions of a role's grid form: a category with every box ticked is left out (fully
/// allowed), the others are listed with their boxes. Unknown category ids are left to ops.
fn permissions_from_form(f: &[(String, String)]) -> WebResult<Permissions> {
    let mut cats: Vec<i64> = Vec::new();
    for (k, _) in f {
        let Some(rest) = k.strip_prefix("perm.") else {
            continue;
        };
        let Some((id, what)) = rest.split_once('.') else {
            return Err(WebError::bad("Bad permission field."));
        };
        if !matches!(what, "read" | "write" | "update") {
            return Err(WebError::bad("Bad permission field."));
        }
        if id == "design" {
            continue;
        }
        let id: i64 = id
            .parse()
            .map_err(|_| WebError::bad("Bad category id in the permissions."))?;
        if !cats.contains(&id) {
            cats.push(id);
        }
    }
    // Categories shown with no box ticked send nothing: the grid names each category it shows.
    for (k, v) in f {
        if k == "permCategory" {
            let id: i64 = v
                .parse()
                .map_err(|_| WebError::bad("Bad category id in the permissions."))?;
            if !cats.contains(&id) {
                cats.push(id);
            }
        }
    }
    let on = |k: String| checked(f, &k);
    let category_permissions = cats
        .into_iter()
        .map(|id| CategoryPermission {
            category_id: id,
            can_read: on(format!("perm.{id}.read")),
            can_write: on(format!("perm.{id}.write")),
            can_update: on(format!("perm.{id}.update")),
        })
        .filter(|c| !(c.can_read && c.can_write && c.can_update))
        .collect();
    Ok(Permissions {
        category_permissions,
        game_design_model_permissions: DesignModelPermission {
            can_read: checked(f, "perm.design.read"),
            can_write: checked(f, "perm.design.write"),
        },
    })
}

async fn group_update(
    State(s): State<AppState>,
    Path((pid, slug, item)): Path<(i64, String, i64)>,
    CsrfForm(viewer, f): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let g = group(&slug)?;
    let actor = viewer.actor();
    let mut tx = s.db.write().await?;
    let current = group_rows(&mut tx, &actor, pid, g.slug)
        .await?
        .into_iter()
        .find(|r| r.get(g.id_key).and_then(Value::as_i64) == Some(item))
        .ok_or(WebError::NotFound)?;
    let base = match current {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let mut body = group_body(g, &f, base);
    if g.slug == "roles" && field(&f, "permissions") == Some("grid") {
        let perms = permissions_from_form(&f)?;
        let v = serde_json::to_value(perms).map_err(|e| WebError::bad(e.to_string()))?;
        if let Value::Object(m) = &mut body {
            m.insert("permissions".into(), v);
        }
    }
    group_put(&mut tx, &actor, pid, g.slug, item, body).await?;
    tx.commit().await?;
    Ok(see_other(&format!(
        "/projects/{pid}/settings/{}?done=saved",
        g.slug
    )))
}

async fn group_create(
    State(s): State<AppState>,
    Path((pid, slug)): Path<(i64, String)>,
    CsrfForm(viewer, f): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let g = group(&slug)?;
    // The form's fields as the API's JSON body, so the group's own validation applies.
    let body = group_body(g, &f, Map::new());
    let mut tx = s.db.write().await?;
    group_insert(&mut tx, &viewer.actor(), pid, g.slug, body).await?;
    tx.commit().await?;
    Ok(see_other(&format!(
        "/projects/{pid}/settings/{}?done=added",
        g.slug
    )))
}

async fn group_delete(
    State(s): State<AppState>,
    Path((pid, slug, item)): Path<(i64, String, i64)>,
    CsrfForm(viewer, _): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let g = group(&slug)?;
    let mut tx = s.db.write().await?;
    group_remove(&mut tx, &viewer.actor(), pid, g.slug, item).await?;
    tx.commit().await?;
    Ok(see_other(&format!(
        "/projects/{pid}/settings/{}?done=deleted",
        g.slug
    )))
}

async fn members_page(
    State(s): State<AppState>,
    viewer: Viewer,
    Path(pid): Path<i64>,
    Query(d): Query<Done>,
) -> WebResult<Response> {
    let actor = viewer.actor();
    let mut tx = s.db.read().await?;
    let project = projects::get(&mut tx, &actor, pid).await?;
    let members = project_users::list(&mut tx, &actor, pid, false, true).await?;
    let role_list: Vec<Role> = config::list(&mut tx, &actor, pid).await?;
    let teams = crate::ops::workspaces::teams(&mut tx, &actor, project.workspace_id)
        .await
        .unwrap_or_default();
    let ws_users = crate::ops::workspaces::users(&mut tx, &actor, project.workspace_id, false)
        .await
        .unwrap_or_default();
    tx.commit().await?;
    let role_select = |current: Option<i64>, id: &str| {
        html! {
            select id=(id) name="roleId" {
                option value="" selected[current.is_none()] { "No role (everything allowed)" }
                @for r in &role_list {
                    option value=(r.role_id) selected[current == Some(r.role_id)] { (r.name) }
                }
            }
        }
    };
    let body = html! {
        (layout::notice(done_notice(&d)))
        div.table-wrap {
            table {
                thead { tr { th { "User" } th { "Role" } th { "Admin" } th { "Guest" } th { span.sr { "Actions" } } } }
                tbody {
                    @for m in &members {
                        @let uid = m.user.id;
                        tr {
                            td { (m.user.username) br; span.muted { (m.user.email) } }
                            td colspan="3" {
                                form.row method="post" action=(format!("/projects/{pid}/settings/members/{uid}")) {
                                    (csrf::field(&viewer))
                                    label.sr for=(format!("role-{uid}")) { "Role of " (m.user.username) }
                                    (role_select(m.role.as_ref().map(|r| r.role_id), &format!("role-{uid}")))
                                    label.check { input type="checkbox" name="isAdmin" checked[m.is_admin]; "admin" }
                                    label.check { input type="checkbox" name="isGuest" checked[m.is_guest]; "guest" }
                                    button.secondary type="submit" { "Save" }
                                }
                            }
                            td {
                                form.inline method="post" action=(format!("/projects/{pid}/settings/members/{uid}/remove"))
                                    data-confirm=(format!("Remove {} from the project?", m.user.username)) {
                                    (csrf::field(&viewer))
                                    button.danger type="submit" aria-label=(format!("Remove {}", m.user.username)) { "Remove" }
                                }
                            }
                        }
                    }
                }
            }
        }
        h3 { "Add a member" }
        form.stack method="post" action=(format!("/projects/{pid}/settings/members")) {
            (csrf::field(&viewer))
            div { label for="email" { "Email of a workspace user" } input #email type="email" name="email" required; }
            div { label for="new-role" { "Role" } (role_select(None, "new-role")) }
            label.check { input type="checkbox" name="isAdmin"; "Administrator" }
            label.check { input type="checkbox" name="isGuest"; "Guest (read only)" }
            button type="submit" { "Add member" }
        }
        h3 { "Teams of the workspace" }
        @if teams.is_empty() { p.muted { "No teams yet." } }
        @for t in &teams {
            @let tid = t.team_id;
            div.card {
                strong { (t.name) } " "
                form.inline method="post" action=(format!("/projects/{pid}/settings/members")) {
                    (csrf::field(&viewer))
                    input type="hidden" name="teamId" value=(tid);
                    button.secondary type="submit" { "Add the whole team to the project" }
                }
                ul {
                    @for u in &t.users {
                        li {
                            (u.user.username) " "
                            form.inline method="post" action=(format!("/projects/{pid}/settings/teams/{tid}/users/{}/remove", u.user.id))
                                data-confirm=(format!("Take {} out of {}?", u.user.username, t.name)) {
                                (csrf::field(&viewer))
                                button.danger type="submit" aria-label=(format!("Take {} out of {}", u.user.username, t.name)) { "Remove" }
                            }
                        }
                    }
                }
                form.row method="post" action=(format!("/projects/{pid}/settings/teams/{tid}/users")) {
                    (csrf::field(&viewer))
                    label.sr for=(format!("team-{tid}-user")) { "User to add to " (t.name) }
                    select id=(format!("team-{tid}-user")) name="userId" {
                        @for u in &ws_users { option value=(u.user.id) { (u.user.username) } }
                    }
                    button.secondary type="submit" { "Add to the team" }
                }
            }
        }
        h3 { "New team" }
        form.row method="post" action=(format!("/projects/{pid}/settings/teams")) {
            (csrf::field(&viewer))
            label for="team-name" { "Team name" }
            input #team-name type="text" name="name" required maxlength="255";
            button type="submit" { "Create team" }
        }
    };
    Ok(html(frame(
        &viewer,
        &project,
        "members",
        "Members & teams",
        body,
    )))
}

async fn add_member(
    State(s): State<AppState>,
    Path(pid): Path<i64>,
    CsrfForm(viewer, f): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let actor = viewer.actor();
    let role_id = field(&f, "roleId").and_then(|r| r.parse().ok());
    let mut tx = s.db.write().await?;
    if let Some(team) = field(&f, "teamId") {
        let team: i64 = team.parse().map_err(|_| WebError::bad("Bad team id."))?;
        project_users::add_team(&mut tx, &actor, pid, team).await?;
    } else {
        let v = CreateProjectUserValues {
            user_id: None,
            email: field(&f, "email").map(str::to_string),
            role_id,
            is_admin: Some(checked(&f, "isAdmin")),
            is_guest: Some(checked(&f, "isGuest")),
        };
        project_users::add(&mut tx, &actor, pid, v).await?;
    }
    tx.commit().await?;
    Ok(see_other(&format!(
        "/projects/{pid}/settings/members?done=added"
    )))
}

fn members_done(pid: i64, what: &str) -> Response {
    see_other(&format!("/projects/{pid}/settings/members?done={what}"))
}

async fn create_team(
    State(s): State<AppState>,
    Path(pid): Path<i64>,
    CsrfForm(viewer, f): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let actor = viewer.actor();
    let mut tx = s.db.write().await?;
    let project = projects::get(&mut tx, &actor, pid).await?;
    let name = field(&f, "name").unwrap_or("");
    crate::ops::workspaces::create_team(&mut tx, &actor, project.workspace_id, name).await?;
    tx.commit().await?;
    Ok(members_done(pid, "added"))
}

async fn add_team_user(
    State(s): State<AppState>,
    Path((pid, tid)): Path<(i64, i64)>,
    CsrfForm(viewer, f): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let uid: i64 = field(&f, "userId")
        .and_then(|u| u.parse().ok())
        .ok_or_else(|| WebError::bad("Choose a user."))?;
    let actor = viewer.actor();
    let mut tx = s.db.write().await?;
    let project = projects::get(&mut tx, &actor, pid).await?;
    crate::ops::workspaces::add_team_user(&mut tx, &actor, project.workspace_id, tid, uid).await?;
    tx.commit().await?;
    Ok(members_done(pid, "added"))
}

async fn remove_team_user(
    State(s): State<AppState>,
    Path((pid, tid, uid)): Path<(i64, i64, i64)>,
    CsrfForm(viewer, _): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let actor = viewer.actor();
    let mut tx = s.db.write().await?;
    let project = projects::get(&mut tx, &actor, pid).await?;
    crate::ops::workspaces::remove_team_user(&mut tx, &actor, project.workspace_id, tid, uid)
        .await?;
    tx.commit().await?;
    Ok(members_done(pid, "removed"))
}

async fn update_member(
    State(s): State<AppState>,
    Path((pid, uid)): Path<(i64, i64)>,
    CsrfForm(viewer, f): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let v = PatchProjectUserValues {
        role_id: Some(field(&f, "roleId").and_then(|r| r.parse().ok())),
        is_admin: Some(checked(&f, "isAdmin")),
        is_guest: Some(checked(&f, "isGuest")),
        is_active: None,
    };
    let mut tx = s.db.write().await?;
    project_users::patch(&mut tx, &viewer.actor(), pid, uid, v).await?;
    tx.commit().await?;
    Ok(see_other(&format!(
        "/projects/{pid}/settings/members?done=saved"
    )))
}

async fn remove_member(
    State(s): State<AppState>,
    Path((pid, uid)): Path<(i64, i64)>,
    CsrfForm(viewer, _): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let mut tx = s.db.write().await?;
    project_users::remove(&mut tx, &viewer.actor(), pid, uid).await?;
    tx.commit().await?;
    Ok(see_other(&format!(
        "/projects/{pid}/settings/members?done=removed"
    )))
}

fn webhook_form(viewer: &Viewer, action: &str, w: Option<&webhooks::Webhook>) -> Markup {
    let subscribed = |e: &str| w.is_none_or(|w| w.events.iter().any(|x| x == e));
    html! {
        form.stack method="post" action=(action) {
            (csrf::field(viewer))
            div { label for="url" { "Target URL" } input #url type="url" name="url" required value=[w.map(|w| w.url.as_str())]; }
            div {
                label for="format" { "Format" }
                select #format name="format" {
                    @for f in ["hacknplan", "discord", "slack"] {
                        option value=(f) selected[w.is_some_and(|w| w.format == f)] { (f) }
                    }
                }
            }
            div {
                label for="headers" { "Custom headers (one " code { "Name: value" } " a line, sent with every delivery)" }
                textarea #headers name="headers" rows="3" spellcheck="false" { @if let Some(w) = w { (w.headers.join("\n")) } }
            }
            div { label for="secret" { "Signing secret (8+ characters; blank keeps the current one)" } input #secret type="password" name="secret" autocomplete="off"; }
            label.check { input type="checkbox" name="isEnabled" checked[w.is_none_or(|w| w.is_enabled)]; "Enabled" }
            fieldset {
                legend { "Events" }
                div.grid {
                    @for e in webhooks::event_names() {
                        label.check { input type="checkbox" name="event" value=(e) checked[subscribed(e)]; (e) }
                    }
                }
            }
            button type="submit" { @if w.is_some() { "Save webhook" } @else { "Create webhook" } }
        }
    }
}

/// The headers textarea: one `Name: value` a line, blank lines skipped (ops checks them).
fn headers_of(f: &[(String, String)]) -> Vec<String> {
    f.iter()
        .filter(|(k, _)| k == "headers")
        .flat_map(|(_, v)| v.lines())
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn events_of(f: &[(String, String)]) -> Vec<String> {
    f.iter()
        .filter(|(k, _)| k == "event")
        .map(|(_, v)| v.clone())
        .collect()
}

async fn webhooks_page(
    State(s): State<AppState>,
    viewer: Viewer,
    Path(pid): Path<i64>,
    Query(d): Query<Done>,
) -> WebResult<Response> {
    let actor = viewer.actor();
    let mut tx = s.db.read().await?;
    let project = projects::get(&mut tx, &actor, pid).await?;
    let hooks = webhooks::list(&mut tx, &actor, pid).await?;
    tx.commit().await?;
    let body = html! {
        (layout::notice(done_notice(&d)))
        @if hooks.is_empty() { p.muted { "No webhooks yet." } }
        div.table-wrap {
            table {
                thead { tr { th { "URL" } th { "Events" } th { "State" } th { span.sr { "Actions" } } } }
                tbody {
                    @for w in &hooks {
                        tr {
                            td { a href=(format!("/projects/{pid}/settings/webhooks/{}", w.webhook_id)) { (w.url) } }
                            td { (w.events.len()) }
                            td { @if w.is_enabled { "enabled" } @else { span.badge { "disabled" } } }
                            td {
                                form.inline method="post" action=(format!("/projects/{pid}/settings/webhooks/{}/delete", w.webhook_id))
                                    data-confirm="Delete this webhook and its delivery log?" {
                                    (csrf::field(&viewer))
                                    button.danger type="submit" aria-label=(format!("Delete webhook {}", w.url)) { "Delete" }
                                }
                            }
                        }
                    }
                }
            }
        }
        h3 { "New webhook" }
        (webhook_form(&viewer, &format!("/projects/{pid}/settings/webhooks"), None))
    };
    Ok(html(frame(&viewer, &project, "webhooks", "Webhooks", body)))
}

async fn create_webhook(
    State(s): State<AppState>,
    Path(pid): Path<i64>,
    CsrfForm(viewer, f): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let v = WebhookValues {
        url: field(&f, "url").map(str::to_string),
        events: Some(events_of(&f)),
        headers: Some(headers_of(&f)),
        is_enabled: Some(checked(&f, "isEnabled")),
        format: field(&f, "format").map(str::to_string),
        secret: field(&f, "secret").map(|x| Some(x.to_string())),
    };
    let mut tx = s.db.write().await?;
    let w = webhooks::create(&mut tx, &viewer.actor(), pid, v).await?;
    tx.commit().await?;
    Ok(see_other(&format!(
        "/projects/{pid}/settings/webhooks/{}?done=added",
        w.webhook_id
    )))
}

/// One webhook: its form and its delivery log (newest first) with "redeliver".
async fn webhook_page(
    State(s): State<AppState>,
    viewer: Viewer,
    Path((pid, wid)): Path<(i64, i64)>,
    Query(d): Query<Done>,
) -> WebResult<Response> {
    let actor = viewer.actor();
    let mut tx = s.db.read().await?;
    let project = projects::get(&mut tx, &actor, pid).await?;
    let w = webhooks::get(&mut tx, &actor, pid, wid).await?;
    let (total, log) = webhooks::deliveries(&mut tx, &actor, pid, wid, 0, 50).await?;
    tx.commit().await?;
    let body = html! {
        (layout::notice(done_notice(&d)))
        (webhook_form(&viewer, &format!("/projects/{pid}/settings/webhooks/{wid}"), Some(&w)))
        h3 { "Deliveries (" (total) ")" }
        div.table-wrap {
            table {
                thead { tr { th { "#" } th { "Event" } th { "Status" } th { "Attempts" } th { "Last reply" } th { "Created" } th { span.sr { "Actions" } } } }
                tbody {
                    @for dl in &log {
                        @let last = dl.attempts.last();
                        tr {
                            td { (dl.delivery_id) }
                            td { (dl.event) }
                            td { span.badge { (dl.status) } }
                            td { (dl.attempt_count) }
                            td { @if let Some(a) = last {
                                @if let Some(c) = a.status_code { "HTTP " (c) " " }
                                @if let Some(e) = &a.error { span.muted { (e) } }
                            } }
                            td { (dl.creation_date) }
                            td {
                                form.inline method="post" action=(format!("/projects/{pid}/settings/webhooks/{wid}/deliveries/{}/redeliver", dl.delivery_id)) {
                                    (csrf::field(&viewer))
                                    button.secondary type="submit" { "Redeliver" }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(html(frame(&viewer, &project, "webhooks", "Webhook", body)))
}

async fn update_webhook(
    State(s): State<AppState>,
    Path((pid, wid)): Path<(i64, i64)>,
    CsrfForm(viewer, f): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let v = PatchWebhookValues {
        url: field(&f, "url").map(str::to_string),
        events: Some(events_of(&f)),
        headers: Some(headers_of(&f)),
        is_enabled: Some(checked(&f, "isEnabled")),
        format: field(&f, "format").map(str::to_string),
        secret: field(&f, "secret").map(|x| Some(x.to_string())),
    };
    let mut tx = s.db.write().await?;
    webhooks::patch(&mut tx, &viewer.actor(), pid, wid, v).await?;
    tx.commit().await?;
    Ok(see_other(&format!(
        "/projects/{pid}/settings/webhooks/{wid}?done=saved"
    )))
}

async fn delete_webhook(
    State(s): State<AppState>,
    Path((pid, wid)): Path<(i64, i64)>,
    CsrfForm(viewer, _): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let mut tx = s.db.write().await?;
    webhooks::delete(&mut tx, &viewer.actor(), pid, wid).await?;
    tx.commit().await?;
    Ok(see_other(&format!(
        "/projects/{pid}/settings/webhooks?done=deleted"
    )))
}

async fn redeliver(
    State(s): State<AppState>,
    Path((pid, wid, did)): Path<(i64, i64, i64)>,
    CsrfForm(viewer, _): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let mut tx = s.db.write().await?;
    webhooks::redeliver(&mut tx, &viewer.actor(), pid, wid, did).await?;
    tx.commit().await?;
    Ok(see_other(&format!(
        "/projects/{pid}/settings/webhooks/{wid}?done=queued"
    )))
}
