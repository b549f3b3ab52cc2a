//! Schema migrations: one folder per backend, applied in order, each in its own transaction.

use super::{Backend, Db, DbResult};
use crate::params;

struct Migration {
    version: i64,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        sqlite: include_str!("../../migrations/sqlite/0001_init.sql"),
        postgres: include_str!("../../migrations/postgres/0001_init.sql"),
    },
    Migration {
        version: 2,
        sqlite: include_str!("../../migrations/sqlite/0002_unassign_removed_members.sql"),
        postgres: include_str!("../../migrations/postgres/0002_unassign_removed_members.sql"),
    },
    Migration {
        version: 3,
        sqlite: include_str!("../../migrations/sqlite/0003_changes.sql"),
        postgres: include_str!("../../migrations/postgres/0003_changes.sql"),
    },
    Migration {
        version: 4,
        sqlite: include_str!("../../migrations/sqlite/0004_webhooks.sql"),
        postgres: include_str!("../../migrations/postgres/0004_webhooks.sql"),
    },
    Migration {
        version: 5,
        sqlite: include_str!("../../migrations/sqlite/0005_files.sql"),
        postgres: include_str!("../../migrations/postgres/0005_files.sql"),
    },
    Migration {
        version: 6,
        sqlite: include_str!("../../migrations/sqlite/0006_fulltext.sql"),
        postgres: include_str!("../../migrations/postgres/0006_fulltext.sql"),
    },
    Migration {
        version: 7,
        sqlite: include_str!("../../migrations/sqlite/0007_list_indexes.sql"),
        postgres: include_str!("../../migrations/postgres/0007_list_indexes.sql"),
    },
    Migration {
        version: 8,
        sqlite: include_str!("../../migrations/sqlite/0008_search_terms.sql"),
        postgres: include_str!("../../migrations/postgres/0008_search_terms.sql"),
    },
    Migration {
        version: 9,
        sqlite: include_str!("../../migrations/sqlite/0009_item_load.sql"),
        postgres: include_str!("../../migrations/postgres/0009_item_load.sql"),
    },
    Migration {
        version: 10,
        sqlite: include_str!("../../migrations/sqlite/0010_web_sign_in.sql"),
        postgres: include_str!("../../migrations/postgres/0010_web_sign_in.sql"),
    },
    Migration {
        version: 11,
        sqlite: include_str!("../../migrations/sqlite/0011_hosted_imports.sql"),
        postgres: include_str!("../../migrations/postgres/0011_hosted_imports.sql"),
    },
    Migration {
        version: 12,
        sqlite: include_str!("../../migrations/sqlite/0012_search_terms.sql"),
        postgres: include_str!("../../migrations/postgres/0012_search_terms.sql"),
    },
];

/// The schema version this binary migrates to.
pub const LATEST: i64 = MIGRATIONS[MIGRATIONS.len() - 1].version;

/// Every version this binary knows, oldest first.
pub fn versions() -> Vec<i64> {
    MIGRATIONS.iter().map(|m| m.version).collect()
}

/// The newest version applied to the database (0 for an empty one).
pub async fn current_version(db: &Db) -> DbResult<i64> {
    let mut tx = db.read().await?;
    let (v,): (Option<i64>,) = tx
        .one("SELECT MAX(version) FROM schema_migrations", &[])
        .await?;
    tx.commit().await?;
    Ok(v.unwrap_or(0))
}

/// Key of the PostgreSQL advisory lock that makes instances starting together migrate in turn.
const MIGRATION_LOCK: i64 = 0x7175_6573_746c_6f67; // "questlog"

/// A write transaction that, on PostgreSQL, holds the migration lock until it ends.
async fn locked(db: &Db) -> DbResult<super::Tx> {
    let mut tx = db.write().await?;
    if db.backend() == Backend::Postgres {
        tx.exec("SELECT pg_advisory_xact_lock($1)", params![MIGRATION_LOCK])
            .await?;
    }
    Ok(tx)
}

pub async fn run(db: &Db) -> DbResult<()> {
    let mut tx = locked(db).await?;
    tx.exec_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_date TEXT NOT NULL)",
    )
    .await?;
    // A database written by a newer release may hold data this binary does not understand.
    let (newest,): (Option<i64>,) = tx
        .one("SELECT MAX(version) FROM schema_migrations", &[])
        .await?;
    if newest.unwrap_or(0) > LATEST {
        return Err(sqlx::Error::Configuration(
            format!(
                "the database has schema version {}, newer than this questlog ({LATEST}): \
                 run a newer release",
                newest.unwrap_or(0)
            )
            .into(),
        ));
    }
    tx.commit().await?;
    for m in MIGRATIONS {
        let mut tx = locked(db).await?;
        if tx
            .exists(
                "SELECT version FROM schema_migrations WHERE version = $1",
                params![m.version],
            )
            .await?
        {
            continue;
        }
        let sql = match db.backend() {
            Backend::Sqlite => m.sqlite,
            Backend::Postgres => m.postgres,
        };
        tx.exec_batch(sql).await?;
        tx.exec(
            "INSERT INTO schema_migrations (version, applied_date) VALUES ($1, $2)",
            params![m.version, crate::model::now()],
        )
        .await?;
        tx.commit().await?;
    }
    Ok(())
}
