//! Seeds a data dir (SQLite) or database with one project of N work items for the benchmarks.
//! usage: cargo run --release --example bench_seed -- DATABASE_URL [N]   (default 100000)
//! The owner's key is 0123456789abcdef0123456789abcdef; prints the project id.

use questlog::params;
use questlog::store::{Db, Val, accounts, migrate, projects, sequences, work_items};

const KEY: &str = "0123456789abcdef0123456789abcdef";
const WORDS: &[&str] = &[
    "player",
    "jump",
    "enemy",
    "boss",
    "level",
    "shader",
    "texture",
    "sound",
    "menu",
    "save",
    "load",
    "crash",
    "physics",
    "camera",
    "inventory",
    "quest",
    "dialog",
    "npc",
    "animation",
    "lighting",
    "network",
    "lobby",
    "input",
    "controller",
    "particle",
    "water",
    "terrain",
    "sky",
    "weapon",
    "armor",
    "skill",
    "tree",
    "map",
    "minimap",
    "tutorial",
    "achievement",
    "localize",
    "font",
    "ui",
    "hud",
];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("DATABASE_URL required"))?;
    let n: i64 = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(100_000);
    let db = Db::connect(&url, 2).await?;
    migrate::run(&db).await?;
    accounts::bootstrap(&db, Some(KEY)).await?;
    let mut tx = db.write().await?;
    let pid = projects::create(
        &mut tx,
        &projects::NewProject {
            workspace_id: 1,
            owner_id: 1,
            name: "Benchmark",
            description: None,
            general_info: None,
            cost_metric: "hours",
            hours_per_day: 8.0,
            module_config: questlog::model::ModuleConfig::default().to_stored(),
        },
    )
    .await?;
    let mut boards = Vec::new();
    for i in 0..10 {
        let (b,): (i64,) = tx
            .one(
                "INSERT INTO boards (project_id, name, creation_date, creator_id) VALUES ($1, $2, $3, 1) RETURNING id",
                params![pid, format!("Sprint {}", i + 2), questlog::model::now()],
            )
            .await?;
        boards.push(b);
    }
    tx.commit().await?;

    let now = questlog::model::now();
    let mut rng = 0x2545F4914F6CDD1Du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let started = std::time::Instant::now();
    let mut done = 0;
    while done < n {
        let mut tx = db.write().await?;
        let batch = (n - done).min(500);
        for _ in 0..batch {
            let id = sequences::next_id(&mut tx, pid, "workitem").await?;
            let title = format!(
                "{} {} {} #{id}",
                WORDS[next() as usize % WORDS.len()],
                WORDS[next() as usize % WORDS.len()],
                WORDS[next() as usize % WORDS.len()]
            );
            let description = format!(
                "Fix the {} when the {} meets the {}.",
                WORDS[next() as usize % WORDS.len()],
                WORDS[next() as usize % WORDS.len()],
                WORDS[next() as usize % WORDS.len()]
            );
            let board: Val = if next() % 5 == 0 {
                Val::I(None)
            } else {
                boards[next() as usize % boards.len()].into()
            };
            tx.exec(
                "INSERT INTO work_items (project_id, work_item_id, title, description, category_id, \
                 estimated_cost, importance_level_id, board_id, board_index, stage_id, creation_date, \
                 update_date, creator_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, 1)",
                &[
                    pid.into(),
                    id.into(),
                    title.as_str().into(),
                    description.as_str().into(),
                    ((next() % 8) as i64 + 1).into(),
                    ((next() % 16) as f64).into(),
                    ((next() % 4) as i64 + 1).into(),
                    board,
                    id.into(),
                    ((next() % 4) as i64 + 1).into(),
                    now.as_str().into(),
                ],
            )
            .await?;
            work_items::index_words(&mut tx, pid, id, &title, Some(&description)).await?;
            if next() % 2 == 0 {
                tx.exec(
                    "INSERT INTO work_item_users (project_id, work_item_id, user_id, creation_date) VALUES ($1, $2, 1, $3)",
                    params![pid, id, now.as_str()],
                )
                .await?;
            }
        }
        tx.commit().await?;
        done += batch;
    }
    eprintln!(
        "seeded {n} work items in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    println!("{pid}");
    db.close().await;
    Ok(())
}
