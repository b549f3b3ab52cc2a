//! Rows as JSON objects (column → value) for the portable export and import (`crate::portable`).
//!
//! Columns are read from the database's own catalogue (SQLite's `pragma_table_info`,
//! PostgreSQL's `information_schema.columns`), so a column added by a later migration travels
//! without code changes. Values are typed by the column's declared type, not by how the backend
//! stores them: SQLite's 0/1 booleans leave as `true`/`false`, and a value is bound back with the
//! type the target column has, so a SQLite export imports into PostgreSQL and back.

use serde_json::{Map, Value};
use sqlx::{AssertSqlSafe, Column, Row, TypeInfo};

use super::{Conn, DbResult, Tx, Val, lite};

/// What a column holds, as far as the export is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Int,
    Float,
    Bool,
    Text,
    /// Anything else (PostgreSQL's tsvector): never exported.
    Other,
}

fn kind_of(declared: &str) -> Kind {
    let t = declared.to_ascii_lowercase();
    if t.contains("bool") {
        Kind::Bool
    } else if t.contains("int") {
        Kind::Int
    } else if t.contains("double") || t.contains("real") || t.contains("float") {
        Kind::Float
    } else if t.contains("text") || t.contains("char") {
        Kind::Text
    } else {
        Kind::Other
    }
}

/// The table's columns in their declared order, with their kinds.
pub async fn columns(tx: &mut Tx, table: &str) -> DbResult<Vec<(String, Kind)>> {
    let rows: Vec<(String, String)> = match tx.backend() {
        super::Backend::Sqlite => {
            tx.all(
                "SELECT name, type FROM pragma_table_info($1) ORDER BY cid",
                params![table],
            )
            .await?
        }
        super::Backend::Postgres => {
            tx.all(
                "SELECT CAST(column_name AS TEXT), CAST(data_type AS TEXT) \
                 FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
                params![table],
            )
            .await?
        }
    };
    Ok(rows.into_iter().map(|(n, t)| (n, kind_of(&t))).collect())
}

/// Rows of `sql` (which selects exactly `cols`, in that order) as JSON objects.
pub async fn json_rows(
    tx: &mut Tx,
    sql: &str,
    params: &[Val],
    cols: &[(String, Kind)],
) -> DbResult<Vec<Map<String, Value>>> {
    match &mut tx.conn {
        Conn::Sqlite(t) => sqlite_rows(t.conn(), sql, params, cols),
        Conn::SqliteRead(t) => sqlite_rows(t.conn()?, sql, params, cols),
        Conn::Postgres(t, _) => pg_rows(t, sql, params, cols).await,
        Conn::PostgresRead(t) => {
            let rows = pg_rows(t.start(), sql, params, cols).await?;
            t.settle();
            Ok(rows)
        }
    }
}

fn sqlite_rows(
    c: &rusqlite::Connection,
    sql: &str,
    params: &[Val],
    cols: &[(String, Kind)],
) -> DbResult<Vec<Map<String, Value>>> {
    use rusqlite::types::ValueRef;
    let run = || -> rusqlite::Result<Vec<Map<String, Value>>> {
        let mut st = c.prepare(sql)?;
        for (i, p) in params.iter().enumerate() {
            match p {
                Val::I(v) => st.raw_bind_parameter(i + 1, v)?,
                Val::F(v) => st.raw_bind_parameter(i + 1, v)?,
                Val::B(v) => st.raw_bind_parameter(i + 1, v)?,
                Val::S(v) => st.raw_bind_parameter(i + 1, v)?,
            }
        }
        let mut rows = st.raw_query();
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut m = Map::new();
            for (i, (name, kind)) in cols.iter().enumerate() {
                let v = match (r.get_ref(i)?, kind) {
                    (ValueRef::Null, _) => Value::Null,
                    (ValueRef::Integer(n), Kind::Bool) => Value::Bool(n != 0),
                    (ValueRef::Integer(n), Kind::Float) => Value::from(n as f64),
                    (ValueRef::Integer(n), _) => Value::from(n),
                    (ValueRef::Real(f), _) => Value::from(f),
                    (ValueRef::Text(t) | ValueRef::Blob(t), _) => {
                        Value::String(String::from_utf8_lossy(t).into_owned())
                    }
                };
                m.insert(name.clone(), v);
            }
            out.push(m);
        }
        Ok(out)
    };
    run().map_err(lite::to_sqlx)
}

async fn pg_rows(
    c: &mut sqlx::PgConnection,
    sql: &str,
    params: &[Val],
    cols: &[(String, Kind)],
) -> DbResult<Vec<Map<String, Value>>> {
    let rows = bind_all!(sqlx::query(AssertSqlSafe(sql.to_string())), params)
        .fetch_all(c)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let mut m = Map::new();
        for (i, (name, _)) in cols.iter().enumerate() {
            let ty = r.columns()[i].type_info().name().to_ascii_lowercase();
            let v = match kind_of(&ty) {
                Kind::Bool => r.try_get::<Option<bool>, _>(i)?.map(Value::Bool),
                Kind::Int if ty == "int4" => r.try_get::<Option<i32>, _>(i)?.map(Value::from),
                Kind::Int if ty == "int2" => r.try_get::<Option<i16>, _>(i)?.map(Value::from),
                Kind::Int => r.try_get::<Option<i64>, _>(i)?.map(Value::from),
                Kind::Float if ty == "float4" => r
                    .try_get::<Option<f32>, _>(i)?
                    .map(|f| Value::from(f as f64)),
                Kind::Float => r.try_get::<Option<f64>, _>(i)?.map(Value::from),
                _ => r.try_get::<Option<String>, _>(i)?.map(Value::String),
            };
            m.insert(name.clone(), v.unwrap_or(Value::Null));
        }
        out.push(m);
    }
    Ok(out)
}

/// A JSON value as a parameter of the target column's kind (None: it does not fit).
pub fn to_val(v: &Value, kind: Kind) -> Option<Val> {
    Some(match (kind, v) {
        (Kind::Int, Value::Null) => Val::I(None),
        (Kind::Float, Value::Null) => Val::F(None),
        (Kind::Bool, Value::Null) => Val::B(None),
        (_, Value::Null) => Val::S(None),
        (Kind::Int, Value::Number(n)) => Val::I(Some(n.as_i64()?)),
        (Kind::Int, Value::Bool(b)) => Val::I(Some(*b as i64)),
        (Kind::Float, Value::Number(n)) => Val::F(Some(n.as_f64()?)),
        (Kind::Bool, Value::Bool(b)) => Val::B(Some(*b)),
        (Kind::Bool, Value::Number(n)) => Val::B(Some(n.as_i64()? != 0)),
        (Kind::Text, Value::String(s)) => Val::S(Some(s.clone())),
        _ => return None,
    })
}

/// On PostgreSQL, moves the identity sequence of `table.id` past the largest id it holds, so
/// rows created after an import with kept ids get new numbers. SQLite's AUTOINCREMENT already
/// follows the largest id inserted.
pub async fn advance_identity(tx: &mut Tx, table: &str) -> DbResult<()> {
    if tx.backend() != super::Backend::Postgres {
        return Ok(());
    }
    tx.exec(
        &format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
             COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        ),
        &[],
    )
    .await?;
    Ok(())
}

/// Empties a SQLite instance of every account, project and derived row, in `tx` (the sandbox's
/// reset, before it imports its fixture again). Ids start over; the users' reference version
/// moves on, so nothing cached from before is read as current.
pub async fn wipe_sqlite(tx: &mut Tx) -> DbResult<()> {
    for sql in [
        "DELETE FROM webhook_attempts",
        "DELETE FROM webhook_deliveries",
        "DELETE FROM projects",
        "DELETE FROM api_keys",
        "DELETE FROM web_sessions",
        "DELETE FROM user_passwords",
        "DELETE FROM login_failures",
        "DELETE FROM workspace_users",
        "DELETE FROM teams",
        "DELETE FROM workspaces",
        "DELETE FROM users",
        "DELETE FROM work_item_tallies",
        "DELETE FROM work_item_days",
        "DELETE FROM design_element_tallies",
        "DELETE FROM work_item_fts",
        "DELETE FROM ref_versions WHERE id <> 0",
        "UPDATE ref_versions SET version = random() WHERE id = 0",
        "DELETE FROM sqlite_sequence",
        // The files' rows went with their projects; their objects stay for the import.
        "DELETE FROM blob_trash",
    ] {
        tx.exec(sql, &[]).await?;
    }
    Ok(())
}
