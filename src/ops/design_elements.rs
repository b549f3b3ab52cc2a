//! The game design model: a tree of design elements per project (BEHAVIOUR.md §4, §8).
//! Siblings keep a dense 0-based `index`; moves and deletes close the gaps they leave.
//!
//! No walk over the tree recurses or loops without bound, whatever is stored (a chain deeper
//! than the API allows, or even a cycle written straight into the database): writes keep the
//! model within `MAX_DEPTH` levels, the walks are iterative with a visited set, and the one
//! recursive builder (`subtree`) stops after `MAX_DEPTH` levels, which also bounds the depth
//! of the reply serde has to serialize.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::Deserialize;
use utoipa::ToSchema;

use super::access::{self, Member};
use super::{Actor, OpError, OpResult, Scope};
use crate::changes::{self, Event};
use crate::model::{
    self, Check, DesignElement, Metrics, ModuleConfig, ProjectUser, TEXT_MAX, WorkItem,
    get_project_user, load_design_elements,
};
use crate::params;
use crate::store::metrics::{self, MetricsScope};
use crate::store::work_items::{self as items, compact_board_indexes, lock_project};
use crate::store::{Tx, Val, placeholders, sequences};

/// The deepest a design model may be: a root is level 1, so an element on level `MAX_DEPTH`
/// cannot have children. `includeChildren` nests at most this many levels too.
pub const MAX_DEPTH: usize = 32;

/// Most ids sent in one `IN (…)` list (a subtree can hold any number of elements).
const CHUNK: usize = 500;

/// `[project id, ids…]`, the parameters of `… project_id = $1 AND x IN ({placeholders(2, n)})`.
fn with_project(pid: i64, ids: &[i64]) -> Vec<Val> {
    let mut p: Vec<Val> = vec![pid.into()];
    p.extend(ids.iter().map(|&i| Val::from(i)));
    p
}

/// The caller's membership after checking the key's scope and that the project uses the
/// design model module. Permission rules stay with the caller (read, write, comment).
pub async fn design_access(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    scope: Scope,
) -> OpResult<(Member, ModuleConfig)> {
    let m = access::member(tx, actor, pid, scope).await?;
    let (stored,): (String,) = tx
        .one(
            "SELECT module_config FROM projects WHERE id = $1",
            params![pid],
        )
        .await?;
    let modules = ModuleConfig::from_stored(&stored);
    if !modules.game_design_model {
        return Err(OpError::Forbidden(
            "The game design model module is disabled in this project.".into(),
        ));
    }
    Ok((m, modules))
}

pub(crate) async fn reader(tx: &mut Tx, actor: &Actor, pid: i64) -> OpResult<Member> {
    let (m, _) = design_access(tx, actor, pid, Scope::DesignModelRead).await?;
    m.require(m.can_read_design_model())?;
    Ok(m)
}

pub(crate) async fn writer(tx: &mut Tx, actor: &Actor, pid: i64) -> OpResult<Member> {
    let (m, _) = design_access(tx, actor, pid, Scope::DesignModelWrite).await?;
    m.require(m.can_write_design_model())?;
    Ok(m)
}

/// The element without its parent and children (how elements nest inside one another).
fn shallow(e: &DesignElement) -> DesignElement {
    DesignElement {
        parent: None,
        children: None,
        ..e.clone()
    }
}

/// Every element of the project, roots first, then by parent and sibling index; counts
/// without the work items of the `hidden` categories.
async fn load_all(tx: &mut Tx, pid: i64, hidden: &[i64]) -> OpResult<Vec<DesignElement>> {
    Ok(load_design_elements(
        tx,
        pid,
        hidden,
        "WHERE de.project_id = $1 \
         ORDER BY COALESCE(de.parent_id, 0), de.sibling_index, de.design_element_id",
        params![pid],
    )
    .await?)
}

/// Children ids of every element, in sibling order (`all` comes sorted by `load_all`).
fn children_index(all: &[DesignElement]) -> HashMap<i64, Vec<usize>> {
    let mut kids: HashMap<i64, Vec<usize>> = HashMap::new();
    for (i, e) in all.iter().enumerate() {
        if let Some(p) = e.parent_id {
            kids.entry(p).or_default().push(i);
        }
    }
    kids
}

/// The element with its subtree in `children` (leaves have `[]`), without `parent`, over at
/// most `levels` levels: an element on the last level that has children carries no
/// `children` key (not expanded; its own GET shows them). The recursion is as deep as
/// `levels`, never as deep as the stored data.
fn subtree(
    all: &[DesignElement],
    kids: &HashMap<i64, Vec<usize>>,
    at: usize,
    levels: usize,
) -> DesignElement {
    let mut e = shallow(&all[at]);
    e.children = match kids.get(&e.design_element_id) {
        None => Some(Vec::new()),
        Some(_) if levels <= 1 => None,
        Some(v) => Some(
            v.iter()
                .map(|&i| subtree(all, kids, i, levels - 1))
                .collect(),
        ),
    };
    e
}

/// One element with its parent (shallow); with `include_children` also its subtree (at most
/// `MAX_DEPTH` levels, the element included).
async fn load_one(
    tx: &mut Tx,
    pid: i64,
    hidden: &[i64],
    id: i64,
    include_children: bool,
) -> OpResult<DesignElement> {
    if include_children {
        let all = load_all(tx, pid, hidden).await?;
        let at = all
            .iter()
            .position(|e| e.design_element_id == id)
            .ok_or(OpError::NotFound)?;
        let kids = children_index(&all);
        let mut e = subtree(&all, &kids, at, MAX_DEPTH);
        e.parent = all[at].parent_id.and_then(|p| {
            all.iter()
                .find(|x| x.design_element_id == p)
                .map(|x| Box::new(shallow(x)))
        });
        return Ok(e);
    }
    let pair = load_design_elements(
        tx,
        pid,
        hidden,
        "WHERE de.project_id = $1 AND (de.design_element_id = $2 OR de.design_element_id = \
         (SELECT x.parent_id FROM design_elements x WHERE x.project_id = $1 AND x.design_element_id = $2))",
        params![pid, id],
    )
    .await?;
    let mut e = pair
        .iter()
        .find(|e| e.design_element_id == id)
        .cloned()
        .ok_or(OpError::NotFound)?;
    e.parent = e.parent_id.and_then(|p| {
        pair.iter()
            .find(|x| x.design_element_id == p)
            .map(|x| Box::new(shallow(x)))
    });
    Ok(e)
}

/// `design_element_id → parent_id` for the whole project (cycle checks, subtrees).
async fn parents(tx: &mut Tx, pid: i64) -> OpResult<HashMap<i64, Option<i64>>> {
    let rows: Vec<(i64, Option<i64>)> = tx
        .all(
            "SELECT design_element_id, parent_id FROM design_elements WHERE project_id = $1",
            params![pid],
        )
        .await?;
    Ok(rows.into_iter().collect())
}

/// The subtree under `root` level by level (`[[root], [its children], …]`), breadth first;
/// each element is visited once, so a cycle in stored data ends the walk.
fn levels(tree: &HashMap<i64, Option<i64>>, root: i64) -> Vec<Vec<i64>> {
    let mut kids: HashMap<i64, Vec<i64>> = HashMap::new();
    for (&id, &p) in tree {
        if let Some(p) = p {
            kids.entry(p).or_default().push(id);
        }
    }
    let mut seen = HashSet::from([root]);
    let mut out = vec![vec![root]];
    loop {
        let next: Vec<i64> = out[out.len() - 1]
            .iter()
            .filter_map(|x| kids.get(x))
            .flatten()
            .copied()
            .filter(|k| seen.insert(*k))
            .collect();
        if next.is_empty() {
            return out;
        }
        // Sorted, so a delete records its elements in a stable order.
        let mut next = next;
        next.sort_unstable();
        out.push(next);
    }
}

/// `root` and every element below it.
fn subtree_ids(tree: &HashMap<i64, Option<i64>>, root: i64) -> Vec<i64> {
    levels(tree, root).concat()
}

/// The level of `id` (a root is on level 1), walking up at most `tree.len()` steps.
fn level_of(tree: &HashMap<i64, Option<i64>>, id: i64) -> usize {
    let mut level = 0;
    let mut at = Some(id);
    while let Some(x) = at {
        level += 1;
        if level > tree.len() {
            break;
        }
        at = tree.get(&x).copied().flatten();
    }
    level
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateDesignElementValues {
    /// Required; a design element type of the project.
    pub design_element_type_id: Option<i64>,
    /// Required.
    pub name: Option<String>,
    pub description: Option<String>,
    /// The parent element (absent, null or 0: a root element).
    pub parent_id: Option<i64>,
    pub start_date: Option<String>,
    pub due_date: Option<String>,
    /// Position among the siblings (0-based); absent → last.
    pub index: Option<i64>,
}

/// PUT: every editable field; omitted optionals become null, so an omitted `parentId` makes
/// the element a root. An omitted `index` keeps the position when the parent is unchanged.
pub type UpdateDesignElementValues = CreateDesignElementValues;

/// PATCH: only the fields present change; `parentId: null` (or 0) moves the element to the root.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PatchDesignElementValues {
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<i64>)]
    pub design_element_type_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<i64>)]
    pub parent_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub start_date: Option<Option<String>>,
    #[serde(default, deserialize_with = "model::patch")]
    #[schema(value_type = Option<String>)]
    pub due_date: Option<Option<String>>,
    /// New position among the siblings (0-based).
    pub index: Option<i64>,
}

/// `deleteDesignElementValues`; an empty body counts as `{}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeleteDesignElementValues {
    /// Delete the work items linked to the removed elements instead of unlinking them.
    #[serde(default)]
    pub remove_work_items: Option<bool>,
}

/// The editable fields after a request is merged onto the current values.
struct Draft {
    type_id: Option<i64>,
    name: Option<String>,
    description: Option<String>,
    parent_id: Option<i64>,
    start_date: Option<String>,
    due_date: Option<String>,
    index: Option<i64>,
}

/// The validated fields, dates in stored form.
struct Fields {
    type_id: i64,
    name: String,
    description: Option<String>,
    parent_id: Option<i64>,
    start_date: Option<String>,
    due_date: Option<String>,
    index: Option<i64>,
}

/// Checks every field (`me`: the element being edited and its current parent, for the cycle
/// and depth checks); nothing is written.
async fn check(
    tx: &mut Tx,
    pid: i64,
    me: Option<(i64, Option<i64>)>,
    d: Draft,
) -> OpResult<Fields> {
    let mut c = Check::new();
    c.name("name", d.name.as_deref());
    c.text("description", d.description.as_deref(), TEXT_MAX);
    match d.type_id {
        None => c.fail(
            "designElementTypeId",
            "The design element type is required.",
        ),
        Some(t) => {
            if !tx
                .exists(
                    "SELECT design_element_type_id FROM design_element_types \
                     WHERE project_id = $1 AND design_element_type_id = $2",
                    params![pid, t],
                )
                .await?
            {
                c.fail(
                    "designElementTypeId",
                    "The design element type does not exist.",
                );
            }
        }
    }
    let start = c.date("startDate", d.start_date.as_deref());
    let due = c.date("dueDate", d.due_date.as_deref());
    if let (Some(s), Some(e)) = (&start, &due)
        && e < s
    {
        c.fail(
            "dueDate",
            "The due date can't be earlier than the start date.",
        );
    }
    let parent = d.parent_id.filter(|&p| p != 0);
    // A new parent (on create, or a move) must exist, must not be the element or one of its
    // descendants, and must keep the model within MAX_DEPTH levels. An unchanged parent is not
    // checked again, so elements of a deeper model stored before the limit stay editable.
    let moved = me.is_none_or(|(_, was)| was != parent);
    if let Some(p) = parent.filter(|_| moved) {
        let tree = parents(tx, pid).await?;
        if !tree.contains_key(&p) {
            c.fail("parentId", "The parent design element does not exist.");
        } else {
            let below = match me {
                Some((me, _)) => levels(&tree, me),
                None => Vec::new(),
            };
            // `p` among `me`'s subtree means a cycle.
            if below.iter().flatten().any(|&x| x == p) {
                c.fail(
                    "parentId",
                    "A design element can't be moved under itself or one of its descendants.",
                );
            } else {
                let height = below.len().max(1);
                let deepest = level_of(&tree, p) + height;
                // Moves that bring too-deep stored data closer to the root stay allowed.
                let deepest_now = me.map_or(0, |(me, _)| level_of(&tree, me) + height - 1);
                if deepest > MAX_DEPTH && deepest > deepest_now {
                    c.fail(
                        "parentId",
                        format!("A design model can be at most {MAX_DEPTH} levels deep."),
                    );
                }
            }
        }
    }
    if d.index.is_some_and(|i| i < 0) {
        c.fail("index", "The index can't be negative.");
    }
    c.finish()?;
    Ok(Fields {
        type_id: d.type_id.unwrap_or_default(),
        name: d.name.unwrap_or_default().trim().to_string(),
        description: d.description,
        parent_id: parent,
        start_date: start,
        due_date: due,
        index: d.index,
    })
}

/// Makes room for element `id` under `parent` and returns its new index. `old` is its current
/// (parent, index), whose gap is closed. Without `index` it goes last (or stays put when the
/// parent does not change).
async fn place(
    tx: &mut Tx,
    pid: i64,
    id: i64,
    old: Option<(Option<i64>, i64)>,
    parent: Option<i64>,
    index: Option<i64>,
) -> OpResult<i64> {
    if let Some((op, oi)) = old {
        if op == parent && index.is_none() {
            return Ok(oi);
        }
        tx.exec(
            "UPDATE design_elements SET sibling_index = sibling_index - 1 \
             WHERE project_id = $1 AND COALESCE(parent_id, 0) = $2 AND sibling_index > $3 \
             AND design_element_id <> $4",
            params![pid, op.unwrap_or(0), oi, id],
        )
        .await?;
    }
    let (n,): (i64,) = tx
        .one(
            "SELECT COUNT(*) FROM design_elements \
             WHERE project_id = $1 AND COALESCE(parent_id, 0) = $2 AND design_element_id <> $3",
            params![pid, parent.unwrap_or(0), id],
        )
        .await?;
    let pos = index.map_or(n, |i| i.min(n));
    if pos < n {
        tx.exec(
            "UPDATE design_elements SET sibling_index = sibling_index + 1 \
             WHERE project_id = $1 AND COALESCE(parent_id, 0) = $2 AND sibling_index >= $3 \
             AND design_element_id <> $4",
            params![pid, parent.unwrap_or(0), pos, id],
        )
        .await?;
    }
    Ok(pos)
}

#[derive(sqlx::FromRow)]
struct Current {
    design_element_type_id: i64,
    name: String,
    description: Option<String>,
    parent_id: Option<i64>,
    sibling_index: i64,
    start_date: Option<String>,
    due_date: Option<String>,
}
crate::lite_row!(Current {
    design_element_type_id,
    name,
    description,
    parent_id,
    sibling_index,
    start_date,
    due_date
});

async fn current(tx: &mut Tx, pid: i64, id: i64) -> OpResult<Current> {
    tx.opt(
        "SELECT design_element_type_id, name, description, parent_id, sibling_index, start_date, due_date \
         FROM design_elements WHERE project_id = $1 AND design_element_id = $2",
        params![pid, id],
    )
    .await?
    .ok_or(OpError::NotFound)
}

async fn save(tx: &mut Tx, pid: i64, id: i64, cur: &Current, f: Fields) -> OpResult<()> {
    let pos = place(
        tx,
        pid,
        id,
        Some((cur.parent_id, cur.sibling_index)),
        f.parent_id,
        f.index,
    )
    .await?;
    tx.exec(
        "UPDATE design_elements SET design_element_type_id = $1, name = $2, description = $3, \
         parent_id = $4, sibling_index = $5, start_date = $6, due_date = $7, update_date = $8 \
         WHERE project_id = $9 AND design_element_id = $10",
        params![
            f.type_id,
            f.name,
            f.description,
            f.parent_id,
            pos,
            f.start_date,
            f.due_date,
            model::now(),
            pid,
            id
        ],
    )
    .await?;
    Ok(())
}

/// The game design model: every element with its direct children (each without its own
/// children) and its parent (without parent or children).
pub async fn list(tx: &mut Tx, actor: &Actor, pid: i64) -> OpResult<Vec<DesignElement>> {
    let m = reader(tx, actor, pid).await?;
    let all = load_all(tx, pid, &m.hidden_categories()).await?;
    let kids = children_index(&all);
    let by_id: HashMap<i64, &DesignElement> =
        all.iter().map(|e| (e.design_element_id, e)).collect();
    Ok(all
        .iter()
        .map(|e| {
            let mut x = shallow(e);
            x.parent = e
                .parent_id
                .and_then(|p| by_id.get(&p))
                .map(|p| Box::new(shallow(p)));
            x.children = Some(
                kids.get(&e.design_element_id)
                    .map(|v| v.iter().map(|&i| shallow(&all[i])).collect())
                    .unwrap_or_default(),
            );
            x
        })
        .collect())
}

/// One element with its parent; `include_children` adds its subtree, nested at most
/// `MAX_DEPTH` levels deep.
pub async fn get(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    id: i64,
    include_children: bool,
) -> OpResult<DesignElement> {
    let m = reader(tx, actor, pid).await?;
    load_one(tx, pid, &m.hidden_categories(), id, include_children).await
}

/// Creates an element, last among its siblings unless `index` says otherwise.
pub async fn create(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    v: CreateDesignElementValues,
) -> OpResult<DesignElement> {
    let m = writer(tx, actor, pid).await?;
    let f = check(
        tx,
        pid,
        None,
        Draft {
            type_id: v.design_element_type_id,
            name: v.name,
            description: v.description,
            parent_id: v.parent_id,
            start_date: v.start_date,
            due_date: v.due_date,
            index: v.index,
        },
    )
    .await?;
    let id = sequences::next_id(tx, pid, "designelement").await?;
    let pos = place(tx, pid, id, None, f.parent_id, f.index).await?;
    let ts = model::now();
    tx.exec(
        "INSERT INTO design_elements (project_id, design_element_id, design_element_type_id, parent_id, \
         sibling_index, name, description, start_date, due_date, creation_date, update_date, creator_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11)",
        params![
            pid,
            id,
            f.type_id,
            f.parent_id,
            pos,
            f.name,
            f.description,
            f.start_date,
            f.due_date,
            ts,
            actor.user_id
        ],
    )
    .await?;
    let hidden = m.hidden_categories();
    let e = load_one(tx, pid, &hidden, id, false).await?;
    record_element(tx, actor, pid, Event::DesignElementCreated, &e, &hidden).await?;
    Ok(e)
}

/// PUT: every field is replaced (an omitted `parentId` makes the element a root).
pub async fn update(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    id: i64,
    v: UpdateDesignElementValues,
) -> OpResult<DesignElement> {
    let m = writer(tx, actor, pid).await?;
    let cur = current(tx, pid, id).await?;
    let f = check(
        tx,
        pid,
        Some((id, cur.parent_id)),
        Draft {
            type_id: v.design_element_type_id,
            name: v.name,
            description: v.description,
            parent_id: v.parent_id,
            start_date: v.start_date,
            due_date: v.due_date,
            index: v.index,
        },
    )
    .await?;
    save(tx, pid, id, &cur, f).await?;
    let hidden = m.hidden_categories();
    let e = load_one(tx, pid, &hidden, id, false).await?;
    // A move (new parent) is an update like any other.
    record_element(tx, actor, pid, Event::DesignElementUpdated, &e, &hidden).await?;
    Ok(e)
}

/// PATCH: only the fields present change; `parentId` re-parents the element (null → root).
pub async fn patch(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    id: i64,
    v: PatchDesignElementValues,
) -> OpResult<DesignElement> {
    let m = writer(tx, actor, pid).await?;
    let cur = current(tx, pid, id).await?;
    let f = check(
        tx,
        pid,
        Some((id, cur.parent_id)),
        Draft {
            // An explicit null on a required field fails its check.
            type_id: v
                .design_element_type_id
                .unwrap_or(Some(cur.design_element_type_id)),
            name: v.name.unwrap_or_else(|| Some(cur.name.clone())),
            description: v.description.unwrap_or_else(|| cur.description.clone()),
            parent_id: v.parent_id.unwrap_or(cur.parent_id),
            start_date: v.start_date.unwrap_or_else(|| cur.start_date.clone()),
            due_date: v.due_date.unwrap_or_else(|| cur.due_date.clone()),
            index: v.index,
        },
    )
    .await?;
    save(tx, pid, id, &cur, f).await?;
    let hidden = m.hidden_categories();
    let e = load_one(tx, pid, &hidden, id, false).await?;
    // A move (new parent) is an update like any other.
    record_element(tx, actor, pid, Event::DesignElementUpdated, &e, &hidden).await?;
    Ok(e)
}

/// The actor as a project user: the `user` of every design element change (BEHAVIOUR.md §6:
/// receivers read the actor at `User.User.Name`).
async fn actor_user(tx: &mut Tx, pid: i64, actor: &Actor) -> OpResult<Option<ProjectUser>> {
    Ok(get_project_user(tx, pid, actor.user_id).await?)
}

/// Records `event` for the element `e` (as the caller's reply shows it): the element as its GET
/// shows it with counts over every category (a webhook is the project's, not the caller's),
/// and the actor as `user`.
async fn record_element(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    event: Event,
    e: &DesignElement,
    hidden: &[i64],
) -> OpResult<()> {
    let mut entity = if hidden.is_empty() {
        e.clone()
    } else {
        load_one(tx, pid, &[], e.design_element_id, false).await?
    };
    entity.user = actor_user(tx, pid, actor).await?;
    changes::record(
        tx,
        actor,
        pid,
        event,
        entity.design_element_id,
        None,
        &entity,
    )
    .await?;
    Ok(())
}

/// The elements of a subtree (`levels`, root first) as their single GET shows them (parent
/// shallow, counts over every category), deepest level first, with `user` the actor: what a
/// delete records. Loaded in chunks, a fixed number of statements per chunk.
async fn subtree_before(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    root_parent: Option<i64>,
    levels: &[Vec<i64>],
) -> OpResult<Vec<DesignElement>> {
    let mut ids: Vec<i64> = levels.concat();
    ids.extend(root_parent);
    let mut by_id: HashMap<i64, DesignElement> = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let found = load_design_elements(
            tx,
            pid,
            &[],
            &format!(
                "WHERE de.project_id = $1 AND de.design_element_id IN ({})",
                placeholders(2, chunk.len())
            ),
            &with_project(pid, chunk),
        )
        .await?;
        by_id.extend(found.into_iter().map(|e| (e.design_element_id, e)));
    }
    let user = actor_user(tx, pid, actor).await?;
    let mut out = Vec::with_capacity(ids.len());
    for level in levels.iter().rev() {
        for x in level {
            let Some(e) = by_id.get(x) else { continue };
            let mut e = shallow(e);
            e.parent = e
                .parent_id
                .and_then(|p| by_id.get(&p))
                .map(|p| Box::new(shallow(p)));
            e.user = user.clone();
            out.push(e);
        }
    }
    Ok(out)
}

/// Work items of the project as their GET shows them (every category), chunked.
async fn work_items(tx: &mut Tx, pid: i64, ids: &[i64]) -> OpResult<Vec<WorkItem>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        out.extend(items::load(tx, pid, chunk, &[]).await?);
    }
    Ok(out)
}

/// Ids from `sql` (`… IN (…)` filled with `ids` after the project), chunked, minus `skip`.
async fn ids_in(
    tx: &mut Tx,
    pid: i64,
    sql: &str,
    ids: &[i64],
    skip: &HashSet<i64>,
) -> OpResult<Vec<i64>> {
    let mut out: BTreeSet<i64> = BTreeSet::new();
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<(i64,)> = tx
            .all(
                &format!("{sql} ({})", placeholders(2, chunk.len())),
                &with_project(pid, chunk),
            )
            .await?;
        out.extend(rows.into_iter().map(|r| r.0).filter(|x| !skip.contains(x)));
    }
    Ok(out.into_iter().collect())
}

/// Deletes the element with its whole subtree and their comments. Linked work items are
/// unlinked, or deleted with `removeWorkItems: true` (which needs what deleting them directly
/// needs, and open boards).
///
/// Records one `designelement.deleted` per element removed (deepest first, the element as it
/// was), and per linked item `workitem.updated` (unlinked, as it is now) or `workitem.deleted`
/// (as it was); deleting items also records `workitem.updated` for the tasks of a deleted story
/// (they lose it) and `workitem.unblocked` for the items a deleted item was blocking.
pub async fn delete(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    id: i64,
    v: DeleteDesignElementValues,
) -> OpResult<()> {
    let m = writer(tx, actor, pid).await?;
    let cur = current(tx, pid, id).await?;
    let tree = levels(&parents(tx, pid).await?, id);
    let ids = tree.concat();
    let remove = v.remove_work_items.unwrap_or(false);
    if remove {
        // Same lock as every work-item write, so board positions stay dense.
        lock_project(tx, pid).await?;
    }
    // (id, category, board) of every item linked to a removed element.
    let mut linked: Vec<(i64, Option<i64>, Option<i64>)> = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<(i64, Option<i64>, Option<i64>)> = tx
            .all(
                &format!(
                    "SELECT work_item_id, category_id, board_id FROM work_items \
                     WHERE project_id = $1 AND design_element_id IN ({}) ORDER BY work_item_id",
                    placeholders(2, chunk.len())
                ),
                &with_project(pid, chunk),
            )
            .await?;
        linked.extend(rows);
    }
    let linked_ids: Vec<i64> = linked.iter().map(|l| l.0).collect();
    let boards: BTreeSet<Option<i64>> = linked.iter().map(|l| l.2).collect();
    if remove {
        if !linked.is_empty() {
            m.require_work_item_deletes(actor, linked.iter().map(|l| l.1))?;
        }
        // Items on a closed board are read-only like any other write to them.
        for b in &boards {
            access::require_open_board(tx, pid, *b).await?;
        }
    }

    // Every check passed. What the records need from before the change:
    let elements = subtree_before(tx, actor, pid, cur.parent_id, &tree).await?;
    let (deleted, orphans, waiting) = if remove && !linked.is_empty() {
        let doomed: HashSet<i64> = linked_ids.iter().copied().collect();
        let deleted = work_items(tx, pid, &linked_ids).await?;
        let orphans = ids_in(
            tx,
            pid,
            "SELECT work_item_id FROM work_items WHERE project_id = $1 AND parent_story_id IN",
            &linked_ids,
            &doomed,
        )
        .await?;
        let successors = ids_in(
            tx,
            pid,
            "SELECT work_item_id FROM dependencies WHERE project_id = $1 AND depends_on_id IN",
            &linked_ids,
            &doomed,
        )
        .await?;
        // Only the successors blocked now can be unblocked by the delete.
        let waiting: Vec<i64> = work_items(tx, pid, &successors)
            .await?
            .into_iter()
            .filter(|w| w.is_blocked)
            .map(|w| w.work_item_id)
            .collect();
        (deleted, orphans, waiting)
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };

    if remove {
        // Children of doomed stories stay, without their story.
        for chunk in ids.chunks(CHUNK) {
            tx.exec(
                &format!(
                    "UPDATE work_items SET parent_story_id = NULL WHERE project_id = $1 AND parent_story_id IN \
                     (SELECT w.work_item_id FROM work_items w WHERE w.project_id = $1 AND w.design_element_id IN ({}))",
                    placeholders(2, chunk.len())
                ),
                &with_project(pid, chunk),
            )
            .await?;
        }
        for chunk in ids.chunks(CHUNK) {
            tx.exec(
                &format!(
                    "DELETE FROM work_items WHERE project_id = $1 AND design_element_id IN ({})",
                    placeholders(2, chunk.len())
                ),
                &with_project(pid, chunk),
            )
            .await?;
        }
        for b in boards {
            compact_board_indexes(tx, pid, b).await?;
        }
    } else {
        let now = model::now();
        for chunk in ids.chunks(CHUNK) {
            let mut p = with_project(pid, chunk);
            p.push(now.as_str().into());
            tx.exec(
                &format!(
                    "UPDATE work_items SET design_element_id = NULL, design_element_index = 0, update_date = ${} \
                     WHERE project_id = $1 AND design_element_id IN ({})",
                    chunk.len() + 2,
                    placeholders(2, chunk.len())
                ),
                &p,
            )
            .await?;
        }
    }
    // Every parent link inside the subtree goes before any row does (the foreign key).
    for sql in [
        "DELETE FROM design_element_comments WHERE project_id = $1 AND design_element_id IN",
        "UPDATE design_elements SET parent_id = NULL WHERE project_id = $1 AND design_element_id IN",
        "DELETE FROM design_elements WHERE project_id = $1 AND design_element_id IN",
    ] {
        for chunk in ids.chunks(CHUNK) {
            let list = placeholders(2, chunk.len());
            tx.exec(&format!("{sql} ({list})"), &with_project(pid, chunk))
                .await?;
        }
    }
    tx.exec(
        "UPDATE design_elements SET sibling_index = sibling_index - 1 \
         WHERE project_id = $1 AND COALESCE(parent_id, 0) = $2 AND sibling_index > $3",
        params![pid, cur.parent_id.unwrap_or(0), cur.sibling_index],
    )
    .await?;

    // The records, now that the change is made. `category_id` is the item's stored category.
    let category: HashMap<i64, Option<i64>> = linked.iter().map(|l| (l.0, l.1)).collect();
    if remove {
        for w in &deleted {
            let c = category.get(&w.work_item_id).copied().flatten();
            changes::record(tx, actor, pid, Event::WorkItemDeleted, w.work_item_id, c, w).await?;
        }
        for w in work_items(tx, pid, &orphans).await? {
            let c = w
                .category
                .as_ref()
                .filter(|_| !w.is_story)
                .map(|c| c.category_id);
            changes::record(
                tx,
                actor,
                pid,
                Event::WorkItemUpdated,
                w.work_item_id,
                c,
                &w,
            )
            .await?;
        }
        for w in work_items(tx, pid, &waiting).await? {
            if !w.is_blocked {
                let c = w
                    .category
                    .as_ref()
                    .filter(|_| !w.is_story)
                    .map(|c| c.category_id);
                changes::record(
                    tx,
                    actor,
                    pid,
                    Event::WorkItemUnblocked,
                    w.work_item_id,
                    c,
                    &w,
                )
                .await?;
            }
        }
    } else {
        for w in work_items(tx, pid, &linked_ids).await? {
            let c = category.get(&w.work_item_id).copied().flatten();
            changes::record(
                tx,
                actor,
                pid,
                Event::WorkItemUpdated,
                w.work_item_id,
                c,
                &w,
            )
            .await?;
        }
    }
    for e in &elements {
        changes::record(
            tx,
            actor,
            pid,
            Event::DesignElementDeleted,
            e.design_element_id,
            None,
            e,
        )
        .await?;
    }
    Ok(())
}

/// The metrics of the work items linked to the element (with `include_children`, to every
/// element below it too), as board metrics are computed, over the categories the caller reads.
pub async fn metrics(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    id: i64,
    include_children: bool,
) -> OpResult<Metrics> {
    let m = reader(tx, actor, pid).await?;
    let tree = parents(tx, pid).await?;
    if !tree.contains_key(&id) {
        return Err(OpError::NotFound);
    }
    let ids = if include_children {
        subtree_ids(&tree, id)
    } else {
        vec![id]
    };
    Ok(
        metrics::compute(tx, pid, &MetricsScope::DesignElements(ids), |c| {
            m.can_read_category(Some(c))
        })
        .await?,
    )
}
