//! Metrics over a scope of work items, in a few queries whatever the number of items: the
//! project-wide ones from the running totals the write triggers keep (`tallied`), the others
//! from one GROUP BY category over the scope's items; then the project's categories.

use chrono::Duration;

use super::{DbResult, Tx, Val, placeholders};
use crate::model::{CATEGORY_COLS, Category, CategoryMetrics, MetricCounts, Metrics, format_date};
use crate::params;

/// Which work items of a project the metrics cover.
#[derive(Debug, Clone)]
pub enum MetricsScope {
    Project,
    /// Items on the board; with `user_id`, only those assigned to that user.
    Board {
        board_id: i64,
        user_id: Option<i64>,
    },
    /// Items on the milestone's boards; with `user_id`, only those assigned to that user.
    Milestone {
        milestone_id: i64,
        user_id: Option<i64>,
    },
    /// Items linked to any of these design elements.
    DesignElements(Vec<i64>),
}

#[derive(sqlx::FromRow)]
struct Row {
    category_id: Option<i64>,
    total: i64,
    closed: i64,
    created_recently: i64,
    estimated: f64,
    estimated_recently: f64,
    logged: f64,
    remaining: f64,
}
crate::lite_row!(Row {
    category_id,
    total,
    closed,
    created_recently,
    estimated,
    estimated_recently,
    logged,
    remaining
});

const ASSIGNED: &str = "EXISTS (SELECT wu.user_id FROM work_item_users wu WHERE wu.project_id = w.project_id \
     AND wu.work_item_id = w.work_item_id AND wu.user_id = ";

/// The metrics of `scope` in `project_id`, listing the categories `can_read` allows (in id
/// order, zeros where empty); items of other categories are left out of the totals too.
pub async fn compute(
    tx: &mut Tx,
    project_id: i64,
    scope: &MetricsScope,
    can_read: impl Fn(i64) -> bool,
) -> DbResult<Metrics> {
    let since = format_date(crate::model::now_utc() - Duration::days(7));
    // A design element's subtree can hold any number of elements: its ids go in bounded
    // chunks, one grouped statement each, and the per-category rows (all sums) are added up.
    if let MetricsScope::DesignElements(ids) = scope
        && ids.len() > DESIGN_CHUNK
    {
        let mut rows: Vec<Row> = Vec::new();
        for chunk in ids.chunks(DESIGN_CHUNK) {
            let part = MetricsScope::DesignElements(chunk.to_vec());
            for r in grouped(tx, project_id, &since, &part).await? {
                match rows.iter_mut().find(|x| x.category_id == r.category_id) {
                    Some(x) => x.add(&r),
                    None => rows.push(r),
                }
            }
        }
        return shape(tx, project_id, rows, can_read).await;
    }
    let rows = match scope {
        MetricsScope::Project => tallied(tx, project_id, &since).await?,
        _ => grouped(tx, project_id, &since, scope).await?,
    };
    shape(tx, project_id, rows, can_read).await
}

/// Most design element ids in one statement.
const DESIGN_CHUNK: usize = 500;

impl Row {
    fn add(&mut self, o: &Row) {
        self.total += o.total;
        self.closed += o.closed;
        self.created_recently += o.created_recently;
        self.estimated += o.estimated;
        self.estimated_recently += o.estimated_recently;
        self.logged += o.logged;
        self.remaining += o.remaining;
    }
}

/// The scope's counted items grouped by category.
async fn grouped(
    tx: &mut Tx,
    project_id: i64,
    since: &str,
    scope: &MetricsScope,
) -> DbResult<Vec<Row>> {
    let mut params: Vec<Val> = vec![project_id.into(), since.into()];
    let filter = match scope {
        MetricsScope::Project => String::new(),
        MetricsScope::Board { board_id, user_id } => {
            params.push((*board_id).into());
            let mut f = " AND w.board_id = $3".to_string();
            if let Some(u) = user_id {
                params.push((*u).into());
                f.push_str(&format!(" AND {ASSIGNED}$4)"));
            }
            f
        }
        MetricsScope::Milestone {
            milestone_id,
            user_id,
        } => {
            params.push((*milestone_id).into());
            let mut f = " AND w.board_id IN (SELECT b.id FROM boards b WHERE b.project_id = $1 \
                         AND b.milestone_id = $3)"
                .to_string();
            if let Some(u) = user_id {
                params.push((*u).into());
                f.push_str(&format!(" AND {ASSIGNED}$4)"));
            }
            f
        }
        MetricsScope::DesignElements(ids) if ids.is_empty() => " AND FALSE".to_string(),
        MetricsScope::DesignElements(ids) => {
            params.extend(ids.iter().map(|i| Val::from(*i)));
            format!(
                " AND w.design_element_id IN ({})",
                placeholders(3, ids.len())
            )
        }
    };
    let sql = format!(
        "SELECT w.category_id, COUNT(*) AS total, \
         COUNT(CASE WHEN s.status = 'closed' THEN w.work_item_id END) AS closed, \
         COUNT(CASE WHEN w.creation_date >= $2 THEN w.work_item_id END) AS created_recently, \
         COALESCE(SUM(w.estimated_cost), 0.0) AS estimated, \
         COALESCE(SUM(CASE WHEN w.creation_date >= $2 THEN w.estimated_cost ELSE 0.0 END), 0.0) AS estimated_recently, \
         COALESCE(SUM(w.logged_cost), 0.0) AS logged, \
         COALESCE(SUM(CASE WHEN s.status <> 'closed' AND w.estimated_cost > w.logged_cost \
             THEN w.estimated_cost - w.logged_cost ELSE 0.0 END), 0.0) AS remaining \
         FROM work_items w \
         JOIN stages s ON s.project_id = w.project_id AND s.stage_id = w.stage_id \
         WHERE w.project_id = $1 AND NOT w.is_story{filter} \
         GROUP BY w.category_id"
    );
    tx.all(&sql, &params).await
}

#[derive(sqlx::FromRow)]
struct TallyRow {
    category_id: i64,
    total: i64,
    closed: i64,
    estimated: i64,
    logged: i64,
    remaining: i64,
}
crate::lite_row!(TallyRow {
    category_id,
    total,
    closed,
    estimated,
    logged,
    remaining
});

/// Costs are tallied in millionths.
fn cost(micro: i64) -> f64 {
    micro as f64 / 1_000_000.0
}

/// The whole project's rows from the running totals the write triggers keep
/// (`work_item_tallies`, `work_item_days`), instead of reading every item: the per-day counts
/// for the days after `since`, and the items of `since`'s own day created from `since` on.
async fn tallied(tx: &mut Tx, project_id: i64, since: &str) -> DbResult<Vec<Row>> {
    let totals: Vec<TallyRow> = tx
        .all(
            "SELECT t.category_id, CAST(SUM(t.n) AS BIGINT) AS total, \
             CAST(SUM(CASE WHEN s.status = 'closed' THEN t.n ELSE 0 END) AS BIGINT) AS closed, \
             CAST(SUM(t.estimated) AS BIGINT) AS estimated, CAST(SUM(t.logged) AS BIGINT) AS logged, \
             CAST(SUM(CASE WHEN s.status <> 'closed' THEN t.remaining ELSE 0 END) AS BIGINT) AS remaining \
             FROM work_item_tallies t \
             JOIN stages s ON s.project_id = t.project_id AND s.stage_id = t.stage_id \
             WHERE t.project_id = $1 AND NOT t.is_story AND t.category_id <> 0 \
             GROUP BY t.category_id",
            params![project_id],
        )
        .await?;
    let day = &since[..10.min(since.len())];
    let next_day = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map(|d| (d + Duration::days(1)).format("%Y-%m-%d").to_string())
        .unwrap_or_else(|_| since.to_string());
    let recent: Vec<(i64, i64, i64)> = tx
        .all(
            "SELECT category_id, CAST(SUM(n) AS BIGINT), CAST(SUM(estimated) AS BIGINT) FROM ( \
               SELECT category_id, n, estimated FROM work_item_days \
               WHERE project_id = $1 AND NOT is_story AND category_id <> 0 AND day >= $4 \
               UNION ALL \
               SELECT category_id, 1 AS n, CAST(ROUND(estimated_cost * 1000000) AS BIGINT) AS estimated \
               FROM work_items WHERE project_id = $1 AND NOT is_story AND category_id IS NOT NULL \
               AND creation_date >= $2 AND creation_date < $3 \
             ) r GROUP BY category_id",
            params![project_id, since, next_day.as_str(), next_day.as_str()],
        )
        .await?;
    Ok(totals
        .into_iter()
        .map(|t| {
            let (created_recently, estimated_recently) = recent
                .iter()
                .find(|r| r.0 == t.category_id)
                .map(|r| (r.1, cost(r.2)))
                .unwrap_or((0, 0.0));
            Row {
                category_id: Some(t.category_id),
                total: t.total,
                closed: t.closed,
                created_recently,
                estimated: cost(t.estimated),
                estimated_recently,
                logged: cost(t.logged),
                remaining: cost(t.remaining),
            }
        })
        .collect())
}

/// The metrics object from the grouped rows: readable categories only, totals over them.
async fn shape(
    tx: &mut Tx,
    project_id: i64,
    rows: Vec<Row>,
    can_read: impl Fn(i64) -> bool,
) -> DbResult<Metrics> {
    let categories: Vec<Category> = tx
        .all(
            &format!(
                "SELECT {CATEGORY_COLS} FROM categories c WHERE c.project_id = $1 ORDER BY c.category_id"
            ),
            params![project_id],
        )
        .await?;

    let mut totals = MetricCounts::default();
    let mut out = Vec::new();
    for category in categories {
        if !can_read(category.category_id) {
            continue;
        }
        let counts = rows
            .iter()
            .find(|r| r.category_id == Some(category.category_id))
            .map(|r| MetricCounts {
                total_work_items: r.total,
                total_work_items_variation: r.created_recently,
                open_work_items: r.total - r.closed,
                closed_work_items: r.closed,
                estimated_cost: r.estimated,
                estimated_cost_variation: r.estimated_recently,
                logged_cost: r.logged,
                remaining_cost: r.remaining,
            })
            .unwrap_or_default();
        totals.add(&counts);
        out.push(CategoryMetrics { category, counts });
    }
    Ok(Metrics {
        categories: out,
        totals,
    })
}
