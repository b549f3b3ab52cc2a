//! `questlog backup` and `questlog restore`.
//!
//! SQLite: a backup is one SQLite file written by `VACUUM INTO` (a consistent snapshot taken in a
//! read transaction, so the server keeps running and writing). It is written under a temporary
//! name and linked into place only when complete, so a crash never leaves a truncated file under
//! the requested name, and an existing file is never overwritten. A restore goes only into an
//! empty data dir, checks the file is a Questlog database no newer than this binary, and migrates
//! it to the current schema.
//!
//! PostgreSQL: `pg_dump` does the backup (custom format); restoring is `pg_restore` into an empty
//! database, which the README documents. There are no uploaded files yet, so the database is the
//! whole state.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, bail};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use super::{Db, migrate};

/// The database file inside a data dir.
pub const SQLITE_FILE: &str = "questlog.db";

/// Writes a consistent snapshot of a SQLite database to `dest` (which must not exist).
pub async fn backup_sqlite(db: &Db, dest: &Path) -> anyhow::Result<()> {
    if !matches!(db, Db::Sqlite(_)) {
        bail!("backup_sqlite needs a SQLite database");
    }
    refuse_existing(dest)?;
    let tmp = partial_name(dest)?;
    let _ = std::fs::remove_file(&tmp);
    let result = async {
        let mut conn = db.read().await?;
        // VACUUM INTO takes an expression: the path travels as a bound parameter, never as SQL.
        conn.vacuum_into(path_str(&tmp)?)
            .await
            .context("VACUUM INTO failed")?;
        conn.commit().await?;
        std::fs::File::open(&tmp)?.sync_all()?;
        link_into_place(&tmp, dest)
    }
    .await;
    let _ = std::fs::remove_file(&tmp);
    result
}

/// Runs `pg_dump --format=custom` into `dest` (which must not exist). The password goes to
/// pg_dump through `PGPASSWORD`, not its command line, where other local users could see it.
pub async fn backup_postgres(url: &str, dest: &Path) -> anyhow::Result<()> {
    refuse_existing(dest)?;
    let tmp = partial_name(dest)?;
    let _ = std::fs::remove_file(&tmp);
    let (url_without_password, password) = split_password(url);
    let mut file_arg = OsString::from("--file=");
    file_arg.push(&tmp);
    let mut cmd = std::process::Command::new("pg_dump");
    cmd.arg("--format=custom")
        .arg("--no-owner")
        .arg(file_arg)
        .arg(format!("--dbname={url_without_password}"));
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    let out = match tokio::task::spawn_blocking(move || cmd.output()).await? {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "pg_dump is not installed; back up PostgreSQL with: \
             pg_dump --format=custom --file {} \"$QUESTLOG_DATABASE_URL\"",
            dest.display()
        ),
        Err(e) => return Err(e).context("cannot run pg_dump"),
    };
    let result = if out.status.success() {
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .context("pg_dump wrote no file")
            .and_then(|_| link_into_place(&tmp, dest))
    } else {
        Err(anyhow::anyhow!(
            "pg_dump failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    };
    let _ = std::fs::remove_file(&tmp);
    result
}

/// Restores a SQLite backup into the empty data dir `data_dir`, then migrates it. Returns the
/// schema version it now has.
pub async fn restore_sqlite(src: &Path, data_dir: &Path) -> anyhow::Result<i64> {
    let meta = std::fs::metadata(src).with_context(|| format!("cannot read {}", src.display()))?;
    if !meta.is_file() {
        bail!("{} is not a file", src.display());
    }
    let mut magic = [0u8; 16];
    {
        use std::io::Read;
        let mut f = std::fs::File::open(src)?;
        if f.read_exact(&mut magic).is_err() || &magic != b"SQLite format 3\0" {
            bail!("{} is not a SQLite database", src.display());
        }
    }
    std::fs::create_dir_all(data_dir)?;
    if let Some(entry) = std::fs::read_dir(data_dir)?.next() {
        bail!(
            "the data dir {} is not empty (it holds {}): restore only into an empty data dir, \
             so that no database is ever overwritten",
            data_dir.display(),
            entry?.file_name().to_string_lossy()
        );
    }
    let target = data_dir.join(SQLITE_FILE);
    let tmp = data_dir.join(format!("{SQLITE_FILE}.restoring"));
    let result = async {
        std::fs::copy(src, &tmp).context("cannot copy the backup")?;
        std::fs::File::open(&tmp)?.sync_all()?;
        check_questlog_file(&tmp).await?;
        std::fs::rename(&tmp, &target)?;
        sync_dir(data_dir);
        let url = format!("sqlite://{}", target.display());
        let db = Db::connect(&url, 1).await?;
        let migrated = migrate::run(&db)
            .await
            .context("cannot migrate the restored database");
        let version = match migrated {
            Ok(()) => migrate::current_version(&db).await.map_err(Into::into),
            Err(e) => Err(e),
        };
        db.close().await;
        version
    }
    .await;
    let _ = std::fs::remove_file(&tmp);
    result
}

/// The file opens as SQLite, passes `quick_check`, has `schema_migrations`, and is not from a
/// newer Questlog than this one.
async fn check_questlog_file(path: &Path) -> anyhow::Result<()> {
    let not_ours = || format!("{} is not a Questlog database", path.display());
    let mut conn = SqliteConnectOptions::from_str(&format!("sqlite://{}", path_str(path)?))?
        .disable_statement_logging()
        .connect()
        .await
        .with_context(not_ours)?;
    let result = async {
        let (check,): (String,) = sqlx::query_as("PRAGMA quick_check")
            .fetch_one(&mut conn)
            .await
            .with_context(not_ours)?;
        if check != "ok" {
            bail!("{} is damaged: {check}", path.display());
        }
        let has: Option<(String,)> = sqlx::query_as(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
        )
        .fetch_optional(&mut conn)
        .await?;
        if has.is_none() {
            bail!("{} (no schema_migrations table)", not_ours());
        }
        let (v,): (Option<i64>,) = sqlx::query_as("SELECT MAX(version) FROM schema_migrations")
            .fetch_one(&mut conn)
            .await
            .with_context(not_ours)?;
        if v.unwrap_or(0) > migrate::LATEST {
            bail!(
                "{} has schema version {}, newer than this questlog ({}): use a newer release",
                path.display(),
                v.unwrap_or(0),
                migrate::LATEST
            );
        }
        Ok(())
    }
    .await;
    conn.close().await?;
    result
}

fn refuse_existing(dest: &Path) -> anyhow::Result<()> {
    if dest.exists() {
        bail!(
            "{} already exists: choose a new file name (backups never overwrite)",
            dest.display()
        );
    }
    Ok(())
}

/// `dir/.name.partial`: beside the destination, so the final link is on one filesystem.
fn partial_name(dest: &Path) -> anyhow::Result<PathBuf> {
    let name = dest
        .file_name()
        .with_context(|| format!("{} is not a file name", dest.display()))?;
    let mut tmp = OsString::from(".");
    tmp.push(name);
    tmp.push(".partial");
    Ok(dest.with_file_name(tmp))
}

/// Publishes a finished file under its name without ever replacing an existing file.
fn link_into_place(tmp: &Path, dest: &Path) -> anyhow::Result<()> {
    match std::fs::hard_link(tmp, dest) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => refuse_existing(dest)?,
        // Filesystems without hard links: re-check, then rename.
        Err(_) => {
            refuse_existing(dest)?;
            std::fs::rename(tmp, dest)?;
        }
    }
    if let Some(dir) = dest.parent() {
        sync_dir(dir);
    }
    Ok(())
}

/// Makes a new directory entry durable (best effort; not every platform can open a directory).
fn sync_dir(dir: &Path) {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

fn path_str(p: &Path) -> anyhow::Result<&str> {
    p.to_str()
        .with_context(|| format!("{} is not a UTF-8 path", p.display()))
}

/// Splits `scheme://user:password@host/db` into the URL without the password and the
/// (percent-decoded) password.
fn split_password(url: &str) -> (String, Option<String>) {
    let Some(s) = url.find("://") else {
        return (url.to_string(), None);
    };
    let rest = &url[s + 3..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return (url.to_string(), None);
    };
    let userinfo = &authority[..at];
    let Some(colon) = userinfo.find(':') else {
        return (url.to_string(), None);
    };
    let stripped = format!("{}{}{}", &url[..s + 3], &userinfo[..colon], &rest[at..]);
    (stripped, Some(percent_decode(&userinfo[colon + 1..])))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_leaves_the_url() {
        assert_eq!(
            split_password("postgres://ql:s%40cret@db.internal:5432/questlog?sslmode=require"),
            (
                "postgres://ql@db.internal:5432/questlog?sslmode=require".to_string(),
                Some("s@cret".to_string())
            )
        );
        assert_eq!(
            split_password("postgres://ql@db/q"),
            ("postgres://ql@db/q".to_string(), None)
        );
        assert_eq!(
            split_password("postgres://db/q"),
            ("postgres://db/q".to_string(), None)
        );
        assert_eq!(percent_decode("a%2"), "a%2");
    }

    #[test]
    fn partial_files_sit_beside_the_backup() {
        assert_eq!(
            partial_name(Path::new("/b/q.db")).unwrap(),
            PathBuf::from("/b/.q.db.partial")
        );
        assert_eq!(
            partial_name(Path::new("q.db")).unwrap(),
            PathBuf::from(".q.db.partial")
        );
    }
}
