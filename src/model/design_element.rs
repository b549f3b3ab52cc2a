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

/// `{DESIGN_ELEMENT_SELECT} WHERE de.project_id = $1 …` into `DesignElementRow`, with the counts
/// at 0: `add_counts` fills them in for all the rows in one grouped statement.
const DESIGN_ELEMENT_SELECT: &str = "SELECT de.project_id, de.design_element_id, \
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

/// Loads rows with `{DESIGN_ELEMENT_SELECT} {where_sql}` and shapes them, with their counts and
/// all their creators in one more statement each. `hidden`: the categories the caller cannot
/// read (`Member::hidden_categories`), whose work items are left out of the counts.
pub async fn load_design_elements(
    tx: &mut Tx,
    project_id: i64,
    hidden: &[i64],
    where_sql: &str,
    params: &[Val],
) -> DbResult<Vec<DesignElement>> {
    let mut rows: Vec<DesignElementRow> = tx
        .all(&format!("{DESIGN_ELEMENT_SELECT} {where_sql}"), params)
        .await?;
    add_counts(tx, project_id, &mut rows, hidden).await?;
    shape(tx, project_id, rows, &HashMap::new()).await
}

/// Elements counted per grouped statement at most (bounds its parameter list).
const COUNTED_PER_STATEMENT: usize = 500;

/// Fills in the rows' work-item counts, leaving out the `hidden` categories: one grouped
/// statement (per 500 elements) that reads each running total (`design_element_tallies`, a few
/// rows per element kept by the work-item triggers of migration 0009) once, in index order,
/// checking its stage against the closed ones listed once per statement.
async fn add_counts(
    tx: &mut Tx,
    project_id: i64,
    rows: &mut [DesignElementRow],
    hidden: &[i64],
) -> DbResult<()> {
    let mut counts: HashMap<i64, (i64, i64)> = HashMap::new();
    let ids: Vec<i64> = rows.iter().map(|r| r.design_element_id).collect();
    for chunk in ids.chunks(COUNTED_PER_STATEMENT) {
        let mut params: Vec<Val> = vec![project_id.into()];
        params.extend(chunk.iter().map(|i| Val::from(*i)));
        let in_list = placeholders(2, chunk.len());
        let hidden_cond = if hidden.is_empty() {
            String::new()
        } else {
            let list = placeholders(params.len() + 1, hidden.len());
            params.extend(hidden.iter().map(|c| Val::from(*c)));
            format!(" AND t.category_id NOT IN ({list})")
        };
        let rows: Vec<(i64, i64, i64)> = tx
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
        counts.extend(rows.into_iter().map(|(d, t, c)| (d, (t, c))));
    }
    for r in rows.iter_mut() {
        let (total, closed) = counts.get(&r.design_element_id).copied().unwrap_or((0, 0));
        r.total_work_item_count = total;
        r.closed_work_item_count = closed;
    }
    Ok(())
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
                    "{DESIGN_ELEMENT_SELECT} \
                     WHERE de.project_id = $1 AND de.design_element_id IN ({in_list})"
                ),
                &params,
            )
            .await?;
        add_counts(tx, project_id, &mut read, hidden).await?;
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
