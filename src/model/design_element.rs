//! Design elements as replies nest them (in work items, and as the design model's nodes).

use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::{DesignElementType, ProjectUser, Shared, project_users_by_id};
use crate::store::{DbResult, Tx, Val, placeholders};

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DesignElement {
    /// Position among its siblings (0-based, dense).
    pub index: i64,
    pub project_id: i64,
    pub design_element_id: i64,
    #[serde(rename = "type")]
    pub design_element_type: DesignElementType,
    pub name: String,
    /// The parent, without its own parent or children.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub parent: Option<Box<DesignElement>>,
    /// The children (`[]` for a leaf); absent where not expanded (single GETs without
    /// `includeChildren`, elements nested in a list, the last level of a nested subtree).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub children: Option<Vec<DesignElement>>,
    pub total_work_item_count: i64,
    pub closed_work_item_count: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    pub creation_date: String,
    pub update_date: String,
    /// The creator, as a project user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<ProjectUser>,
    /// Not part of the reply: the parent's id, for building trees.
    #[serde(skip)]
    pub parent_id: Option<i64>,
}

#[derive(sqlx::FromRow, Clone)]
pub struct DesignElementRow {
    pub project_id: i64,
    pub design_element_id: i64,
    pub parent_id: Option<i64>,
    pub sibling_index: i64,
    pub name: String,
    pub description: Option<String>,
    pub start_date: Option<String>,
    pub due_date: Option<String>,
    pub creation_date: String,
    pub update_date: String,
    pub creator_id: i64,
    pub type_id: i64,
    pub type_name: String,
    pub type_icon: Option<String>,
    pub type_color: Option<String>,
    pub type_creation_date: String,
    pub total_work_item_count: i64,
    pub closed_work_item_count: i64,
}
crate::lite_row!(DesignElementRow {
    project_id,
    design_element_id,
    parent_id,
    sibling_index,
    name,
    description,
    start_date,
    due_date,
    creation_date,
    update_date,
    creator_id,
    type_id,
    type_name,
    type_icon,
    type_color,
    type_creation_date,
    total_work_item_count,
    closed_work_item_count
});

/// `{DESIGN_ELEMENT_SELECT} WHERE de.project_id = $1 …` into `DesignElementRow`. The counts
/// add up the element's running totals (`design_element_tallies`, a few rows per element kept
/// by the work-item triggers of migration 0009), so a page costs one query.
pub const DESIGN_ELEMENT_SELECT: &str = "SELECT de.project_id, de.design_element_id, de.parent_id, \
     de.sibling_index, de.name, de.description, de.start_date, de.due_date, de.creation_date, \
     de.update_date, de.creator_id, dt.design_element_type_id AS type_id, dt.name AS type_name, \
     dt.icon AS type_icon, dt.color AS type_color, dt.creation_date AS type_creation_date, \
     (SELECT CAST(COALESCE(SUM(t.n), 0) AS BIGINT) FROM design_element_tallies t \
        WHERE t.project_id = de.project_id AND t.design_element_id = de.design_element_id) \
        AS total_work_item_count, \
     (SELECT CAST(COALESCE(SUM(t.n), 0) AS BIGINT) FROM design_element_tallies t \
        JOIN stages s ON s.project_id = t.project_id AND s.stage_id = t.stage_id \
        WHERE t.project_id = de.project_id AND t.design_element_id = de.design_element_id \
        AND s.status = 'closed') AS closed_work_item_count \
     FROM design_elements de JOIN design_element_types dt \
       ON dt.project_id = de.project_id AND dt.design_element_type_id = de.design_element_type_id";

/// `DESIGN_ELEMENT_SELECT` with the counts left at 0, for callers that add them up in one
/// grouped statement for all their elements (`design_elements_by_id_with`).
const DESIGN_ELEMENT_SELECT_UNCOUNTED: &str = "SELECT de.project_id, de.design_element_id, \
     de.parent_id, de.sibling_index, de.name, de.description, de.start_date, de.due_date, \
     de.creation_date, de.update_date, de.creator_id, dt.design_element_type_id AS type_id, \
     dt.name AS type_name, dt.icon AS type_icon, dt.color AS type_color, \
     dt.creation_date AS type_creation_date, CAST(0 AS BIGINT) AS total_work_item_count, \
     CAST(0 AS BIGINT) AS closed_work_item_count \
     FROM design_elements de JOIN design_element_types dt \
       ON dt.project_id = de.project_id AND dt.design_element_type_id = de.design_element_type_id";

impl DesignElement {
    /// Shapes a row; `users` maps creator ids to project users (see `project_users_by_id`).
    pub fn from_row(r: DesignElementRow, users: &HashMap<i64, ProjectUser>) -> DesignElement {
        DesignElement {
            index: r.sibling_index,
            project_id: r.project_id,
            design_element_id: r.design_element_id,
            design_element_type: DesignElementType {
                project_id: r.project_id,
                design_element_type_id: r.type_id,
                name: r.type_name,
                icon: r.type_icon,
                color: r.type_color,
                creation_date: r.type_creation_date,
            },
            name: r.name,
            parent: None,
            children: None,
            total_work_item_count: r.total_work_item_count,
            closed_work_item_count: r.closed_work_item_count,
            description: r.description,
            start_date: r.start_date,
            due_date: r.due_date,
            creation_date: r.creation_date,
            update_date: r.update_date,
            user: users.get(&r.creator_id).cloned(),
            parent_id: r.parent_id,
        }
    }
}

/// Loads rows with `{DESIGN_ELEMENT_SELECT} {where_sql}` and shapes them, fetching all their
/// creators in one more query. `hidden`: the categories the caller cannot read
/// (`Member::hidden_categories`), whose work items are left out of the counts.
pub async fn load_design_elements(
    tx: &mut Tx,
    project_id: i64,
    hidden: &[i64],
    where_sql: &str,
    params: &[Val],
) -> DbResult<Vec<DesignElement>> {
    load_design_elements_with(tx, project_id, hidden, where_sql, params, &HashMap::new()).await
}

/// `load_design_elements` for a caller that already holds project users (`known`, by user id):
/// only the creators missing from it are fetched.
async fn load_design_elements_with(
    tx: &mut Tx,
    project_id: i64,
    hidden: &[i64],
    where_sql: &str,
    params: &[Val],
    known: &HashMap<i64, Shared<ProjectUser>>,
) -> DbResult<Vec<DesignElement>> {
    let rows: Vec<DesignElementRow> = tx
        .all(&format!("{DESIGN_ELEMENT_SELECT} {where_sql}"), params)
        .await?;
    shape_design_elements(tx, project_id, hidden, rows, known).await
}

/// Rows into elements: the counts without the `hidden` categories, creators missing from
/// `known` fetched.
async fn shape_design_elements(
    tx: &mut Tx,
    project_id: i64,
    hidden: &[i64],
    mut rows: Vec<DesignElementRow>,
    known: &HashMap<i64, Shared<ProjectUser>>,
) -> DbResult<Vec<DesignElement>> {
    if !hidden.is_empty() && !rows.is_empty() {
        let unseen = hidden_counts(tx, project_id, hidden).await?;
        for r in &mut rows {
            if let Some((total, closed)) = unseen.get(&r.design_element_id) {
                r.total_work_item_count -= total;
                r.closed_work_item_count -= closed;
            }
        }
    }
    shape(tx, project_id, rows, known).await
}

/// Shapes rows, fetching the creators missing from `known` in one statement.
async fn shape(
    tx: &mut Tx,
    project_id: i64,
    rows: Vec<DesignElementRow>,
    known: &HashMap<i64, Shared<ProjectUser>>,
) -> DbResult<Vec<DesignElement>> {
    let creators: Vec<i64> = rows
        .iter()
        .map(|r| r.creator_id)
        .filter(|c| !known.contains_key(c))
        .collect();
    let mut users = project_users_by_id(tx, project_id, &creators).await?;
    for r in &rows {
        if let Some(u) = known.get(&r.creator_id) {
            users
                .entry(r.creator_id)
                .or_insert_with(|| ProjectUser::clone(u));
        }
    }
    Ok(rows
        .into_iter()
        .map(|r| DesignElement::from_row(r, &users))
        .collect())
}

/// Linked work items of the `hidden` categories per design element: (total, closed). Only
/// restricted members pay for this statement; the category list is sent in bounded chunks.
async fn hidden_counts(
    tx: &mut Tx,
    project_id: i64,
    hidden: &[i64],
) -> DbResult<HashMap<i64, (i64, i64)>> {
    let mut out: HashMap<i64, (i64, i64)> = HashMap::new();
    for chunk in hidden.chunks(500) {
        let mut params: Vec<Val> = vec![project_id.into()];
        params.extend(chunk.iter().map(|c| Val::from(*c)));
        let rows: Vec<(i64, i64, i64)> = tx
            .all_memo(
                &format!(
                    "SELECT t.design_element_id, CAST(SUM(t.n) AS BIGINT), \
                     CAST(SUM(CASE WHEN s.status = 'closed' THEN t.n ELSE 0 END) AS BIGINT) \
                     FROM design_element_tallies t \
                     JOIN stages s ON s.project_id = t.project_id AND s.stage_id = t.stage_id \
                     WHERE t.project_id = $1 AND t.category_id IN ({}) GROUP BY t.design_element_id",
                    placeholders(2, chunk.len())
                ),
                &params,
            )
            .await?;
        for (id, total, closed) in rows {
            let e = out.entry(id).or_default();
            e.0 += total;
            e.1 += closed;
        }
    }
    Ok(out)
}

/// Design elements by id (without parent/children), for nesting in work items; `hidden` as in
/// `load_design_elements`.
pub async fn design_elements_by_id(
    tx: &mut Tx,
    project_id: i64,
    ids: &[i64],
    hidden: &[i64],
) -> DbResult<HashMap<i64, DesignElement>> {
    design_elements_by_id_with(tx, project_id, ids, hidden, &HashMap::new()).await
}

/// `design_elements_by_id` for a caller that already holds project users (`known`, by user id).
pub async fn design_elements_by_id_with(
    tx: &mut Tx,
    project_id: i64,
    ids: &[i64],
    hidden: &[i64],
    known: &HashMap<i64, Shared<ProjectUser>>,
) -> DbResult<HashMap<i64, DesignElement>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    // The elements items nest are few and read with every item: each row, counts included, is
    // kept while no write has committed (`Tx::memo_get`, PostgreSQL reads; the key names the
    // hidden categories the counts leave out), and only the others are read.
    let hidden_key = hidden
        .iter()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let key = |id: i64| format!("design_element\u{0}{project_id}\u{0}{id}\u{0}{hidden_key}");
    let mut rows: Vec<DesignElementRow> = Vec::with_capacity(ids.len());
    let mut missing: Vec<i64> = Vec::new();
    for id in ids {
        match tx.memo_get::<DesignElementRow>(&key(id)) {
            Some(kept) => rows.extend(kept),
            None => missing.push(id),
        }
    }
    if !missing.is_empty() {
        let mut params: Vec<Val> = vec![project_id.into()];
        params.extend(missing.iter().map(|i| Val::from(*i)));
        let in_list = placeholders(2, missing.len());
        let mut read: Vec<DesignElementRow> = tx
            .all(
                &format!(
                    "{DESIGN_ELEMENT_SELECT_UNCOUNTED} \
                     WHERE de.project_id = $1 AND de.design_element_id IN ({in_list})"
                ),
                &params,
            )
            .await?;
        // The counts of all of them in one statement that reads each running total once, in
        // index order (no sort), checking its stage against the closed ones listed once per
        // statement (two correlated subqueries per element read every row twice, one of them
        // joined to stages).
        let hidden_cond = if hidden.is_empty() {
            String::new()
        } else {
            let list = placeholders(params.len() + 1, hidden.len());
            params.extend(hidden.iter().map(|c| Val::from(*c)));
            format!(" AND t.category_id NOT IN ({list})")
        };
        let counts: Vec<(i64, i64, i64)> = tx
            .all(
                &format!(
                    "SELECT t.design_element_id, CAST(SUM(t.n) AS BIGINT), \
                     CAST(SUM(CASE WHEN t.stage_id IN (SELECT s.stage_id FROM stages s \
                       WHERE s.project_id = $1 AND s.status = 'closed') THEN t.n ELSE 0 END) AS BIGINT) \
                     FROM design_element_tallies t \
                     WHERE t.project_id = $1 AND t.design_element_id IN ({in_list}){hidden_cond} \
                     GROUP BY t.design_element_id"
                ),
                &params,
            )
            .await?;
        let counts: HashMap<i64, (i64, i64)> =
            counts.into_iter().map(|(d, t, c)| (d, (t, c))).collect();
        for r in &mut read {
            if let Some((total, closed)) = counts.get(&r.design_element_id) {
                r.total_work_item_count = *total;
                r.closed_work_item_count = *closed;
            }
        }
        for id in missing {
            let row: Vec<DesignElementRow> = read
                .iter()
                .filter(|r| r.design_element_id == id)
                .cloned()
                .collect();
            tx.memo_put(key(id), row);
        }
        rows.extend(read);
    }
    let list = shape(tx, project_id, rows, known).await?;
    Ok(list.into_iter().map(|d| (d.design_element_id, d)).collect())
}
