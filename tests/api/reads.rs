//! Read connections (PostgreSQL keeps its own queue of them, `store::readers`): one whose
//! statement was cancelled midway or failed never hands a stale reply to the next read.

use std::time::Duration;

use questlog::params;
use questlog::store::{Backend, Db};

use crate::helpers::spawn_app;

#[tokio::test]
async fn reads_after_a_cancelled_or_failed_statement_get_their_own_rows() {
    let app = spawn_app().await;
    if app.db.backend() != Backend::Postgres {
        // SQLite runs a statement to its end inside the call: nothing can be cut midway.
        return;
    }
    // Two connections at most, so the next reads would meet a connection that was given back.
    let db = Db::connect(&app.url, 2).await.unwrap();
    for round in 0..3i64 {
        let mut tx = db.read().await.unwrap();
        let slow = tx.all::<(i64,)>("SELECT CAST(7 AS BIGINT) FROM pg_sleep(2)", &[]);
        assert!(
            tokio::time::timeout(Duration::from_millis(100), slow)
                .await
                .is_err(),
            "the slow statement should still be running"
        );
        drop(tx);
        for i in 0..4i64 {
            let mut tx = db.read().await.unwrap();
            let (v,): (i64,) = tx
                .one("SELECT CAST($1 AS BIGINT) + 0", params![round * 10 + i])
                .await
                .unwrap();
            assert_eq!(v, round * 10 + i);
            tx.commit().await.unwrap();
        }
    }
    let mut tx = db.read().await.unwrap();
    assert!(
        tx.all::<(i64,)>("SELECT no_such_column FROM projects", &[])
            .await
            .is_err()
    );
    drop(tx);
    for i in 0..4i64 {
        let mut tx = db.read().await.unwrap();
        let (v,): (i64,) = tx
            .one("SELECT CAST($1 AS BIGINT) + 1", params![i])
            .await
            .unwrap();
        assert_eq!(v, i + 1);
    }
    db.close().await;
}
