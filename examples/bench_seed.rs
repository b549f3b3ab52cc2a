//! Seeds a database (SQLite or PostgreSQL) with realistic projects for the benchmarks, straight
//! through SQL (fast) but with the rows the API would write: per-project ids and sequences,
//! dense board and design-element positions, closing dates of closed items, story
//! assignments inherited from their tasks, and the search index built by the library's own
//! function (`reindex` below: the one place to change when the index changes).
//!
//! usage: bench_seed DATABASE_URL [N] [PROJECTS] [OTHER_ITEMS]
//!   N            work items in project 1 (default 100000)
//!   PROJECTS     projects in all (default 1); projects 2.. share OTHER_ITEMS work items
//!
//! Per project: 50 boards over 5 milestones (a fifth of the items in the backlog), 8 categories
//! (2% user stories, 15% tasks of a story), 12 tags, 25 members, a 260-element design tree,
//! titles and 30-word descriptions drawn from a Zipf vocabulary (bench_support/vocab.rs),
//! assignees, tags, sub-tasks, comments, work logs, dependencies, start and due dates, creation
//! and update dates spread over a year (some updated this week).
//! Prints `KEY=value` lines for scripts/bench (the owner's key is
//! 0123456789abcdef0123456789abcdef). The change log is not seeded (the API would have written
//! a `workitem.created` record per item; no benchmark reads it).

#[allow(dead_code)]
#[path = "bench_support/vocab.rs"]
mod vocab;

use std::collections::{HashMap, HashSet};

use chrono::{Duration, Utc};
use questlog::model::format_date;
use questlog::store::{Db, Tx, Val, accounts, migrate, projects, work_items};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use vocab::Vocab;

const KEY: &str = "0123456789abcdef0123456789abcdef";
const MEMBERS: usize = 25;
const BOARDS: usize = 50;
const MILESTONES: usize = 5;
const TAGS: i64 = 12;
/// Items per write transaction.
const BATCH: i64 = 2000;

/// (Re)builds the search index of one work item, as the API does on every write.
async fn reindex(
    tx: &mut Tx,
    pid: i64,
    id: i64,
    title: &str,
    description: &str,
) -> anyhow::Result<()> {
    work_items::index_words(tx, pid, id, title, Some(description)).await?;
    Ok(())
}

/// Inserts rows in multi-row statements, each under both backends' parameter limits.
async fn insert(tx: &mut Tx, head: &str, cols: usize, rows: &[Vec<Val>]) -> anyhow::Result<()> {
    // Small statements: SQLite looks `$N` parameters up by name (cost grows with their number).
    let per = (800 / cols).max(1);
    for chunk in rows.chunks(per) {
        let mut sql = String::with_capacity(head.len() + chunk.len() * cols * 5);
        sql.push_str(head);
        sql.push_str(" VALUES ");
        let mut n = 0;
        let mut params = Vec::with_capacity(chunk.len() * cols);
        for (i, row) in chunk.iter().enumerate() {
            debug_assert_eq!(row.len(), cols);
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for j in 0..cols {
                n += 1;
                if j > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("${n}"));
            }
            sql.push(')');
            params.extend(row.iter().cloned());
        }
        tx.exec(&sql, &params).await?;
    }
    Ok(())
}

/// Picks an index by weights.
fn pick(rng: &mut StdRng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut x = rng.random_range(0..total);
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

fn sentence(vocab: &Vocab, rng: &mut StdRng, words: usize) -> String {
    let t = vocab.text(rng, words);
    let mut c = t.chars();
    match c.next() {
        Some(f) => format!("{}{}.", f.to_uppercase(), c.as_str()),
        None => t,
    }
}

struct Project {
    pid: i64,
    boards: Vec<i64>,
    /// The leaves of the design tree (levels), where work items hang.
    levels: Vec<i64>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("DATABASE_URL required"))?;
    let mut num = |d: i64| -> anyhow::Result<i64> {
        Ok(args.next().map(|s| s.parse()).transpose()?.unwrap_or(d))
    };
    let n = num(100_000)?;
    let project_count = num(1)?.max(1);
    let others = num(0)?;

    let started = std::time::Instant::now();
    let db = Db::connect(&url, 2).await?;
    migrate::run(&db).await?;
    accounts::bootstrap(&db, Some(KEY)).await?;
    let vocab = Vocab::new();
    let mut rng = StdRng::seed_from_u64(2026);

    let mut tx = db.write().await?;
    let mut users = vec![1i64];
    for i in 2..=MEMBERS {
        let id = accounts::create_user(
            &mut tx,
            &format!("dev{i}"),
            &format!("dev{i}@studio.test"),
            Some(&format!("Developer {i}")),
            false,
        )
        .await?;
        users.push(id);
    }
    tx.commit().await?;

    let mut first = None;
    for p in 0..project_count {
        let items = if p == 0 {
            n
        } else {
            others / (project_count - 1) + i64::from(p - 1 < others % (project_count - 1))
        };
        let proj = setup_project(&db, &users, p, &mut rng).await?;
        seed_items(&db, &vocab, &mut rng, &proj, &users, items).await?;
        if p == 0 {
            eprintln!(
                "seeded project {} with {items} work items in {:.1}s",
                proj.pid,
                started.elapsed().as_secs_f64()
            );
            first = Some(proj);
        }
    }
    let first = first.expect("one project");
    if db.backend() == questlog::store::Backend::Postgres {
        // What PostgreSQL's guidance says to do after a bulk load, and what autovacuum does by
        // itself a minute or so later: statistics for the planner (and the search's common
        // words), hint bits and the visibility map set, GIN's pending entries merged. Without it
        // the first minute of measuring pays for all of that. (SQLite's server analyses on its
        // own at start.)
        let mut conn = db.read().await?;
        conn.exec_batch("VACUUM ANALYZE").await?;
    }
    eprintln!(
        "seeded {project_count} project(s), {} work items in {:.1}s",
        n + others,
        started.elapsed().as_secs_f64()
    );
    println!("PID={}", first.pid);
    println!("ITEMS={n}");
    println!("BOARD_LO={}", first.boards[0]);
    println!("BOARD_HI={}", first.boards[first.boards.len() - 1]);
    println!("USER_HI={}", users[users.len() - 1]);
    println!("COMMON1={}", vocab.rank(1));
    println!("COMMON2={}", vocab.rank(2));
    println!("COMMON3={}", vocab.rank(3));
    db.close().await;
    Ok(())
}

async fn setup_project(
    db: &Db,
    users: &[i64],
    p: i64,
    rng: &mut StdRng,
) -> anyhow::Result<Project> {
    let ts = format_date(Utc::now() - Duration::days(400));
    let mut tx = db.write().await?;
    let pid = projects::create(
        &mut tx,
        &projects::NewProject {
            workspace_id: 1,
            owner_id: 1,
            name: &format!("Benchmark {}", p + 1),
            description: Some("A game studio's year of work."),
            general_info: None,
            cost_metric: "hours",
            hours_per_day: 8.0,
            module_config: questlog::model::ModuleConfig::default().to_stored(),
        },
    )
    .await?;
    let members: Vec<Vec<Val>> = users[1..]
        .iter()
        .map(|u| {
            vec![
                pid.into(),
                (*u).into(),
                false.into(),
                false.into(),
                true.into(),
                ts.as_str().into(),
            ]
        })
        .collect();
    insert(
        &mut tx,
        "INSERT INTO project_users (project_id, user_id, is_admin, is_guest, is_active, creation_date)",
        6,
        &members,
    )
    .await?;

    let mut milestones = Vec::new();
    for m in 0..MILESTONES {
        let start = Utc::now() - Duration::days(365 - 73 * m as i64);
        let (id,): (i64,) = tx
            .one(
                "INSERT INTO milestones (project_id, name, description, start_date, due_date, creation_date, creator_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, 1) RETURNING id",
                questlog::params![
                    pid,
                    format!("Milestone {}", m + 1),
                    "Playable build for the publisher.",
                    format_date(start),
                    format_date(start + Duration::days(73)),
                    ts.as_str()
                ],
            )
            .await?;
        milestones.push(id);
    }
    // projects::create made the first board ("Sprint 1", the default board).
    let (first,): (i64,) = tx
        .one(
            "SELECT CAST(MIN(id) AS BIGINT) FROM boards WHERE project_id = $1",
            questlog::params![pid],
        )
        .await?;
    tx.exec(
        "UPDATE boards SET milestone_id = $1 WHERE id = $2",
        questlog::params![milestones[0], first],
    )
    .await?;
    let mut boards = vec![first];
    for b in 1..BOARDS {
        let start = Utc::now() - Duration::days(365) + Duration::days(7 * b as i64);
        let (id,): (i64,) = tx
            .one(
                "INSERT INTO boards (project_id, milestone_id, name, start_date, due_date, creation_date, creator_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                questlog::params![
                    pid,
                    milestones[b * MILESTONES / BOARDS],
                    format!("Sprint {}", b + 1),
                    format_date(start),
                    format_date(start + Duration::days(14)),
                    ts.as_str(),
                    users[rng.random_range(0..users.len())]
                ],
            )
            .await?;
        boards.push(id);
    }

    let tag_names = [
        "blocker",
        "polish",
        "regression",
        "performance",
        "console",
        "pc",
        "mobile",
        "ux",
        "localization",
        "tech-debt",
        "design-review",
        "qa",
    ];
    let tags: Vec<Vec<Val>> = tag_names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            vec![
                pid.into(),
                (i as i64 + 1).into(),
                (*name).into(),
                ts.as_str().into(),
            ]
        })
        .collect();
    insert(
        &mut tx,
        "INSERT INTO tags (project_id, tag_id, name, creation_date)",
        4,
        &tags,
    )
    .await?;

    // The design tree: 10 chapters (type 1) of 5 zones (type 3) of 4 levels (type 4).
    let mut elements: Vec<Vec<Val>> = Vec::new();
    let mut levels = Vec::new();
    let mut next = 0i64;
    let mut element = |ty: i64, parent: Option<i64>, index: i64, name: String| {
        next += 1;
        elements.push(vec![
            pid.into(),
            next.into(),
            ty.into(),
            parent.into(),
            index.into(),
            name.into(),
            Val::S(Some("Layout, encounters and art direction.".into())),
            ts.as_str().into(),
            ts.as_str().into(),
            1i64.into(),
        ]);
        next
    };
    for c in 0..10 {
        let chapter = element(1, None, c, format!("Chapter {}", c + 1));
        for z in 0..5 {
            let zone = element(3, Some(chapter), z, format!("Zone {}-{}", c + 1, z + 1));
            for l in 0..4 {
                levels.push(element(
                    4,
                    Some(zone),
                    l,
                    format!("Level {}-{}-{}", c + 1, z + 1, l + 1),
                ));
            }
        }
    }
    let element_count = next;
    insert(
        &mut tx,
        "INSERT INTO design_elements (project_id, design_element_id, design_element_type_id, parent_id, \
         sibling_index, name, description, creation_date, update_date, creator_id)",
        10,
        &elements,
    )
    .await?;
    set_sequence(&mut tx, pid, "tag", TAGS).await?;
    set_sequence(&mut tx, pid, "designelement", element_count).await?;
    tx.commit().await?;
    Ok(Project {
        pid,
        boards,
        levels,
    })
}

async fn set_sequence(tx: &mut Tx, pid: i64, kind: &str, value: i64) -> anyhow::Result<()> {
    tx.exec(
        "INSERT INTO project_sequences (project_id, kind, last_value) VALUES ($1, $2, $3) \
         ON CONFLICT (project_id, kind) DO UPDATE SET last_value = excluded.last_value",
        questlog::params![pid, kind, value],
    )
    .await?;
    Ok(())
}

async fn seed_items(
    db: &Db,
    vocab: &Vocab,
    rng: &mut StdRng,
    proj: &Project,
    users: &[i64],
    n: i64,
) -> anyhow::Result<()> {
    let pid = proj.pid;
    let now = Utc::now();
    let year = Duration::days(365);
    let mut board_pos: HashMap<Option<i64>, i64> = HashMap::new();
    let mut element_pos: HashMap<i64, i64> = HashMap::new();
    let mut stories: Vec<i64> = Vec::new();
    let mut story_users: HashSet<(i64, i64)> = HashSet::new();
    let mut done = 0i64;
    while done < n {
        let batch = (n - done).min(BATCH);
        let mut items = Vec::with_capacity(batch as usize);
        let mut texts = Vec::with_capacity(batch as usize);
        let (mut assignees, mut tags, mut subs, mut comments, mut logs, mut deps) = (
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        );
        for id in done + 1..=done + batch {
            let created = now - year
                + Duration::seconds(year.num_seconds() * id / n.max(1))
                + Duration::minutes(rng.random_range(0..60));
            let created = created.min(now - Duration::minutes(1));
            let age = now - created;
            let updated = if rng.random_bool(0.05) {
                now - Duration::minutes(rng.random_range(1..7 * 24 * 60))
            } else {
                created + Duration::seconds(rng.random_range(0..age.num_seconds().max(1)))
            }
            .max(created);
            let is_story = rng.random_bool(0.02);
            let parent = if !is_story && !stories.is_empty() && rng.random_bool(0.15) {
                Some(stories[rng.random_range(stories.len().saturating_sub(50)..stories.len())])
            } else {
                None
            };
            let category: Option<i64> = if is_story {
                None
            } else {
                Some(pick(rng, &[30, 20, 15, 5, 3, 7, 5, 15]) as i64 + 1)
            };
            // Stages 1..4 (Completed is closed); importance 1..4 (Normal is the default).
            let stage = pick(rng, &[30, 15, 10, 45]) as i64 + 1;
            let importance = pick(rng, &[10, 25, 50, 15]) as i64 + 1;
            let board = if rng.random_bool(0.2) {
                None
            } else {
                Some(proj.boards[rng.random_range(0..proj.boards.len())])
            };
            let bpos = board_pos.entry(board).or_insert(0);
            let board_index = *bpos;
            *bpos += 1;
            let element = rng
                .random_bool(0.3)
                .then(|| proj.levels[rng.random_range(0..proj.levels.len())]);
            let element_index = match element {
                Some(e) => {
                    let p = element_pos.entry(e).or_insert(0);
                    *p += 1;
                    *p - 1
                }
                None => 0,
            };
            let title_words = rng.random_range(4..8);
            let title = sentence(vocab, rng, title_words);
            let description = sentence(vocab, rng, 30);
            let start = rng
                .random_bool(0.4)
                .then(|| format_date(created + Duration::days(rng.random_range(0..10))));
            let due = rng
                .random_bool(0.6)
                .then(|| format_date(created + Duration::days(rng.random_range(10..60))));
            let cost = if rng.random_bool(0.2) {
                0.0
            } else {
                f64::from(rng.random_range(1..33u32)) / 2.0
            };
            let sub_count: i64 = if rng.random_bool(0.6) {
                0
            } else {
                rng.random_range(1..7)
            };
            let creator = users[rng.random_range(0..users.len())];
            let cdate = format_date(created);
            let udate = format_date(updated);
            items.push(vec![
                pid.into(),
                id.into(),
                title.as_str().into(),
                description.as_str().into(),
                is_story.into(),
                parent.into(),
                category.into(),
                cost.into(),
                importance.into(),
                board.into(),
                board_index.into(),
                element.into(),
                element_index.into(),
                stage.into(),
                start.into(),
                due.into(),
                (stage == 4).then(|| udate.clone()).into(),
                cdate.as_str().into(),
                udate.as_str().into(),
                creator.into(),
                sub_count.into(),
            ]);
            texts.push((id, title, description));
            if is_story {
                stories.push(id);
            }

            let assigned = pick(rng, &[35, 50, 15]);
            let mut who: Vec<i64> = Vec::new();
            while who.len() < assigned {
                let u = users[rng.random_range(0..users.len())];
                if !who.contains(&u) {
                    who.push(u);
                }
            }
            for u in &who {
                assignees.push(vec![
                    pid.into(),
                    id.into(),
                    (*u).into(),
                    cdate.as_str().into(),
                ]);
                // A task's assignees are assigned to its story too (ops::work_items).
                if let Some(s) = parent
                    && story_users.insert((s, *u))
                {
                    assignees.push(vec![
                        pid.into(),
                        s.into(),
                        (*u).into(),
                        cdate.as_str().into(),
                    ]);
                }
            }
            if is_story {
                for u in &who {
                    story_users.insert((id, *u));
                }
            }
            let tag_count = pick(rng, &[50, 30, 15, 5]);
            let mut picked: Vec<i64> = Vec::new();
            while picked.len() < tag_count {
                let t = rng.random_range(1..=TAGS);
                if !picked.contains(&t) {
                    picked.push(t);
                }
            }
            for t in picked {
                tags.push(vec![pid.into(), id.into(), t.into()]);
            }
            for s in 1..=sub_count {
                subs.push(vec![
                    pid.into(),
                    id.into(),
                    s.into(),
                    sentence(vocab, rng, 4).into(),
                    (stage == 4 || rng.random_bool(0.3)).into(),
                    cdate.as_str().into(),
                ]);
            }
            let comment_count = match pick(rng, &[50, 25, 25]) {
                0 => 0,
                1 => 1,
                _ => rng.random_range(2..6),
            };
            for _ in 0..comment_count {
                let at = created + Duration::seconds(rng.random_range(0..age.num_seconds().max(1)));
                let words = rng.random_range(8..25);
                comments.push(vec![
                    pid.into(),
                    id.into(),
                    users[rng.random_range(0..users.len())].into(),
                    sentence(vocab, rng, words).into(),
                    format_date(at).into(),
                ]);
            }
            if stage > 1 && rng.random_bool(0.5) {
                for _ in 0..rng.random_range(1..4) {
                    let at =
                        created + Duration::seconds(rng.random_range(0..age.num_seconds().max(1)));
                    logs.push(vec![
                        pid.into(),
                        id.into(),
                        users[rng.random_range(0..users.len())].into(),
                        (f64::from(rng.random_range(1..17u32)) / 2.0).into(),
                        format_date(at).into(),
                        format_date(at).into(),
                    ]);
                }
            }
            if id > 1 && rng.random_bool(0.02) {
                deps.push(vec![
                    pid.into(),
                    id.into(),
                    rng.random_range(id.saturating_sub(500).max(1)..id).into(),
                    cdate.as_str().into(),
                ]);
            }
        }

        let t0 = std::time::Instant::now();
        let mut tx = db.write().await?;
        insert(
            &mut tx,
            "INSERT INTO work_items (project_id, work_item_id, title, description, is_story, parent_story_id, \
             category_id, estimated_cost, importance_level_id, board_id, board_index, design_element_id, \
             design_element_index, stage_id, start_date, due_date, closing_date, creation_date, update_date, \
             creator_id, last_sub_task_id)",
            21,
            &items,
        )
        .await?;
        insert(
            &mut tx,
            "INSERT INTO work_item_users (project_id, work_item_id, user_id, creation_date)",
            4,
            &assignees,
        )
        .await?;
        insert(
            &mut tx,
            "INSERT INTO work_item_tags (project_id, work_item_id, tag_id)",
            3,
            &tags,
        )
        .await?;
        insert(
            &mut tx,
            "INSERT INTO sub_tasks (project_id, work_item_id, sub_task_id, title, is_completed, creation_date)",
            6,
            &subs,
        )
        .await?;
        insert(
            &mut tx,
            "INSERT INTO comments (project_id, work_item_id, user_id, text, creation_date)",
            5,
            &comments,
        )
        .await?;
        insert(
            &mut tx,
            "INSERT INTO work_logs (project_id, work_item_id, user_id, value, date, creation_date)",
            6,
            &logs,
        )
        .await?;
        insert(
            &mut tx,
            "INSERT INTO dependencies (project_id, work_item_id, depends_on_id, creation_date)",
            4,
            &deps,
        )
        .await?;
        let t1 = std::time::Instant::now();
        for (id, title, description) in &texts {
            reindex(&mut tx, pid, *id, title, description).await?;
        }
        let t2 = std::time::Instant::now();
        tx.commit().await?;
        if std::env::var_os("BENCH_SEED_TRACE").is_some() {
            eprintln!(
                "batch: rows {:?}, index {:?}, commit {:?}",
                t1 - t0,
                t2 - t1,
                t2.elapsed()
            );
        }
        done += batch;
    }
    let mut tx = db.write().await?;
    set_sequence(&mut tx, pid, "workitem", n).await?;
    tx.commit().await?;
    Ok(())
}
