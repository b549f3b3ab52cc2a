//! The subcommands. Management commands print exactly what scripts need on stdout (a key, a
//! table) and explain failures on stderr with a non-zero exit.

use std::time::Duration;

use anyhow::{Context, bail};

use crate::config::{
    BlobArgs, Cli, Command, DataArgs, ExportArgs, HacknplanArgs, ImportCommand, KeyCommand,
    SandboxArgs, ServeArgs, TeamCommand, UserCommand,
};
use crate::http::HttpSettings;
use crate::http::auth::{Scopes, is_valid_key};
use crate::ops::files::FileSettings;
use crate::ops::sessions;
use crate::store::{Db, accounts, backup as snapshot, is_unique_violation, migrate};

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve(&cli.data, *args).await,
        Command::User(c) => user(&cli.data, c).await,
        Command::Key(c) => key(&cli.data, c).await,
        Command::Team(c) => team(&cli.data, c).await,
        Command::Backup { file } => backup(&cli.data, &file).await,
        Command::Restore { file } => restore(&cli.data, &file).await,
        Command::Mcp { key } => mcp(&cli.data, &key).await,
        Command::Export(args) => export(&cli.data, args).await,
        Command::Import(ImportCommand::Json { file, blobs }) => {
            import_json(&cli.data, &file, &blobs).await
        }
        Command::Import(ImportCommand::Hacknplan(args)) => import_hacknplan(&cli.data, args).await,
        Command::Sandbox(args) => sandbox(args).await,
    }
}

async fn open(data: &DataArgs) -> anyhow::Result<Db> {
    let url = data.database_url()?;
    let db = Db::connect(&url, 2)
        .await
        .with_context(|| format!("cannot open the database ({})", redact(&url)))?;
    migrate::run(&db)
        .await
        .context("cannot migrate the database")?;
    Ok(db)
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://…{}", &url[..s], &url[at..]),
        _ => url.to_string(),
    }
}

async fn serve(data: &DataArgs, args: ServeArgs) -> anyhow::Result<()> {
    if let Some(k) = &args.bootstrap_api_key
        && !is_valid_key(k)
    {
        bail!("QUESTLOG_BOOTSTRAP_API_KEY must be 32 lowercase hex characters");
    }
    if let Some(p) = &args.bootstrap_password {
        sessions::check_new_password(p).map_err(|_| {
            anyhow::anyhow!("QUESTLOG_BOOTSTRAP_PASSWORD must have 10 to 1024 characters")
        })?;
    }
    let url = data.database_url()?;
    // Uploaded files: refuse to start on a store that cannot be written (no bucket, bad
    // credentials, unreachable endpoint) rather than fail every upload later.
    let blobs = args.blobs(data).context("bad blob store settings")?;
    blobs.check().await?;
    tracing::info!("files stored in the {}", blobs.describe());
    let settings = HttpSettings {
        body_limit: args.body_limit,
        rate_limit: (args.rate_limit > 0.0).then_some(args.rate_limit),
        request_timeout: Duration::from_secs(args.request_timeout),
        reply_cache: usize::try_from(args.reply_cache).unwrap_or(usize::MAX),
        upload_timeout: Duration::from_secs(args.upload_timeout),
        header_timeout: Duration::from_secs(args.header_timeout),
        idle_timeout: Duration::from_secs(args.idle_timeout),
        max_conns: conn_cap(args.max_conns, args.max_connections),
        shutdown_grace: Duration::from_secs(args.shutdown_grace),
        public_url: args.public_url.clone(),
        files: FileSettings {
            max_file_size: args.max_file_size,
            workspace_quota: args.storage_quota,
            spool_dir: spool_dir(data)?,
        },
    };
    let app = crate::App::build(&url, &args.listen, settings, args.max_connections)
        .await
        .with_context(|| format!("cannot start on {} with {}", args.listen, redact(&url)))?
        .with_dispatch(args.dispatch())
        .with_blobs(blobs);
    let addr = app.local_addr();
    if accounts::is_empty(app.db()).await? {
        let password = args
            .bootstrap_password
            .clone()
            .unwrap_or_else(sessions::generate_password);
        let hash = hash_in_thread(password.clone()).await?;
        if let Some(key) = accounts::bootstrap_with_password(
            app.db(),
            args.bootstrap_api_key.as_deref(),
            Some(&hash),
        )
        .await?
        {
            println!("Created the owner account (username 'owner') and its API key: {key}");
            println!("Try: curl -H \"Authorization: ApiKey {key}\" http://{addr}/v0/users/me");
            if args.bootstrap_password.is_some() {
                println!("Sign in at http://{addr}/ as 'owner' with QUESTLOG_BOOTSTRAP_PASSWORD");
            } else {
                println!("Sign in at http://{addr}/ as 'owner' with the password: {password}");
            }
        }
    }
    let app = app.trim_after_start();
    let where_ = match &data.database_url {
        Some(u) => redact(u),
        None => data.data_dir.display().to_string(),
    };
    tracing::info!("questlog listening on http://{addr}, data in {where_}");
    app.run(shutdown_signal()).await
}

/// Where uploads are spooled before they are stored: `<data dir>/spool`. Spool files older
/// than a day were left by a crash (uploads take at most the request timeout): removed at start.
fn spool_dir(data: &DataArgs) -> anyhow::Result<std::path::PathBuf> {
    let dir = data.data_dir.join("spool");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let day = Duration::from_secs(86_400);
    for entry in std::fs::read_dir(&dir)?.flatten() {
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().unwrap_or_default() > day);
        if stale && entry.file_name().to_string_lossy().starts_with("upload-") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    Ok(dir)
}

/// The connection cap, lowered when the open-file limit (raised to its hard limit first) could
/// not hold it: past that, accept would fail with EMFILE and the database and log files could
/// not be opened either.
fn conn_cap(wanted: u64, db_pool: u32) -> usize {
    let Some(files) = crate::server::raise_fd_limit() else {
        return wanted as usize;
    };
    // Kept back for the database pool, the SQLite files, the listener, logs and the runtime.
    let reserve = 64 + 2 * u64::from(db_pool);
    let fits = files.saturating_sub(reserve).max(1);
    if wanted > fits {
        tracing::warn!(
            wanted,
            open_file_limit = files,
            using = fits,
            "--max-conns lowered to fit the open-file limit (raise `ulimit -n` to allow more)"
        );
        return fits as usize;
    }
    wanted as usize
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

/// `questlog mcp`: the MCP server on stdio, on the same database `serve` uses. Changes it makes
/// reach webhooks through the change log, delivered by the running `serve`.
async fn mcp(data: &DataArgs, key: &str) -> anyhow::Result<()> {
    let db = open(data).await?;
    let served = crate::mcp::stdio::serve(db.clone(), key).await;
    db.close().await;
    served
}

async fn user(data: &DataArgs, c: UserCommand) -> anyhow::Result<()> {
    let db = open(data).await?;
    match c {
        UserCommand::Add {
            username,
            email,
            name,
            admin,
        } => {
            if username.trim().is_empty() || username.len() > 255 {
                bail!("the username must be 1 to 255 characters");
            }
            if !email.contains('@') || email.len() > 255 {
                bail!("'{email}' is not an email address");
            }
            let mut tx = db.write().await?;
            let id = match accounts::create_user(&mut tx, &username, &email, name.as_deref(), admin)
                .await
            {
                Err(e) if is_unique_violation(&e) => {
                    bail!("a user with that username or email already exists")
                }
                r => r?,
            };
            let key = accounts::create_key(&mut tx, id, "cli", Scopes::ALL, None).await?;
            tx.commit().await?;
            println!("{key}");
        }
        UserCommand::Passwd {
            username,
            password_stdin,
        } => {
            let (password, generated) = if password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .read_line(&mut line)
                    .context("cannot read the password from stdin")?;
                let p = line.trim_end_matches(['\r', '\n']).to_string();
                (p, false)
            } else {
                (sessions::generate_password(), true)
            };
            if let Err(e) = sessions::check_new_password(&password) {
                bail!("{}", crate::web::error::WebError::from(e).message());
            }
            let hash = hash_in_thread(password.clone()).await?;
            let mut tx = db.write().await?;
            let Some(uid) = accounts::user_id_by_name(&mut tx, &username).await? else {
                bail!("no user named '{username}'");
            };
            sessions::set_password_hash(&mut tx, uid, &hash).await?;
            tx.commit().await?;
            if generated {
                println!("{password}");
            } else {
                eprintln!("password set for '{username}'");
            }
        }
        UserCommand::List => {
            let mut tx = db.read().await?;
            let rows: Vec<(i64, String, String, bool)> = tx
                .all(
                    "SELECT id, username, email, is_admin FROM users ORDER BY id",
                    &[],
                )
                .await?;
            for (id, u, e, a) in rows {
                println!("{id}\t{u}\t{e}{}", if a { "\tadmin" } else { "" });
            }
        }
    }
    db.close().await;
    Ok(())
}

/// argon2id off the async workers.
async fn hash_in_thread(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || sessions::hash_password(&password))
        .await?
        .map_err(|e| anyhow::anyhow!("{e}"))
}

async fn key(data: &DataArgs, c: KeyCommand) -> anyhow::Result<()> {
    let db = open(data).await?;
    match c {
        KeyCommand::Add {
            username,
            scope,
            label,
        } => {
            let scopes = Scopes::parse(&scope).map_err(|e| anyhow::anyhow!("--scope: {e}"))?;
            let mut tx = db.write().await?;
            let Some(uid) = accounts::user_id_by_name(&mut tx, &username).await? else {
                bail!("no user named '{username}'");
            };
            let key = accounts::create_key(&mut tx, uid, &label, scopes, None).await?;
            tx.commit().await?;
            println!("{key}");
        }
        KeyCommand::List { username } => {
            let mut tx = db.read().await?;
            let Some(uid) = accounts::user_id_by_name(&mut tx, &username).await? else {
                bail!("no user named '{username}'");
            };
            for k in accounts::list_keys(&mut tx, uid).await? {
                let state = match &k.revoked_date {
                    Some(d) => format!("revoked {d}"),
                    None => "active".into(),
                };
                println!(
                    "{}\t{}\t{}\t{}\t{state}",
                    k.id, k.name, k.scopes, k.creation_date
                );
            }
        }
        KeyCommand::Revoke { key_id } => {
            let mut tx = db.write().await?;
            if !accounts::revoke_key(&mut tx, key_id).await? {
                bail!("no active key with id {key_id}");
            }
            tx.commit().await?;
            println!("revoked key {key_id}");
        }
    }
    db.close().await;
    Ok(())
}

async fn team(data: &DataArgs, c: TeamCommand) -> anyhow::Result<()> {
    let db = open(data).await?;
    match c {
        TeamCommand::Add { name, workspace } => {
            if name.trim().is_empty() {
                bail!("the team name can't be empty");
            }
            let mut tx = db.write().await?;
            let ws = match workspace {
                Some(w) => w,
                None => accounts::default_workspace(&mut tx)
                    .await?
                    .context("there is no workspace yet: start the server once")?,
            };
            let id = match accounts::create_team(&mut tx, ws, &name).await {
                Err(sqlx::Error::RowNotFound) => bail!("no workspace with id {ws}"),
                Err(e) if is_unique_violation(&e) => {
                    bail!("the workspace has a team named '{name}'")
                }
                r => r?,
            };
            tx.commit().await?;
            println!("{id}");
        }
        TeamCommand::AddUser { team_id, username } => {
            let mut tx = db.write().await?;
            let Some(uid) = accounts::user_id_by_name(&mut tx, &username).await? else {
                bail!("no user named '{username}'");
            };
            if !accounts::add_team_user(&mut tx, team_id, uid).await? {
                bail!("no team {team_id} in a workspace that '{username}' belongs to");
            }
            tx.commit().await?;
        }
        TeamCommand::List => {
            let mut tx = db.read().await?;
            let rows: Vec<(i64, i64, String)> = tx
                .all("SELECT id, workspace_id, name FROM teams ORDER BY id", &[])
                .await?;
            for (id, ws, name) in rows {
                println!("{id}\t{ws}\t{name}");
            }
        }
    }
    db.close().await;
    Ok(())
}

async fn backup(data: &DataArgs, file: &std::path::Path) -> anyhow::Result<()> {
    if let Some(url) = &data.database_url {
        snapshot::backup_postgres(url, file).await?;
    } else {
        // Never create an empty database just to back it up.
        let path = data.data_dir.join(snapshot::SQLITE_FILE);
        if !path.is_file() {
            bail!("no database at {}: check --data-dir", path.display());
        }
        let db = Db::connect(&data.database_url()?, 1)
            .await
            .with_context(|| format!("cannot open {}", path.display()))?;
        let done = snapshot::backup_sqlite(&db, file).await;
        db.close().await;
        done?;
    }
    println!("{}", file.display());
    Ok(())
}

async fn restore(data: &DataArgs, file: &std::path::Path) -> anyhow::Result<()> {
    if data.database_url.is_some() {
        bail!(
            "questlog restore is for SQLite backups; on PostgreSQL restore a pg_dump file into an \
             empty database with: pg_restore --no-owner --dbname \"$QUESTLOG_DATABASE_URL\" {} \
             (Questlog migrates it on start)",
            file.display()
        );
    }
    let version = snapshot::restore_sqlite(file, &data.data_dir).await?;
    println!(
        "restored {} into {} (schema version {version})",
        file.display(),
        data.data_dir.display()
    );
    Ok(())
}

/// Progress of `export` and `import json` on stderr: an indicatif spinner with the latest count
/// on a terminal; otherwise a line per table, running counts (marked "…") at most every 5 s.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    last: std::time::Instant,
}

impl Progress {
    fn new(what: &str) -> Progress {
        use std::io::IsTerminal;
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = indicatif::ProgressBar::new_spinner();
            b.set_style(
                indicatif::ProgressStyle::with_template(&format!(
                    "{{spinner}} {what} [{{elapsed_precise}}] {{msg}}"
                ))
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            b.enable_steady_tick(Duration::from_millis(200));
            b
        });
        Progress {
            bar,
            last: std::time::Instant::now(),
        }
    }

    fn note(&mut self, m: &str) {
        match &self.bar {
            Some(b) => b.set_message(m.to_string()),
            None if !m.ends_with('…') || self.last.elapsed() >= Duration::from_secs(5) => {
                self.last = std::time::Instant::now();
                eprintln!("{m}");
            }
            None => {}
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// `questlog export`: the document to `-o FILE` (never overwritten) with the files' bytes in
/// `FILE.files/`, or to stdout without them. Progress on stderr.
async fn export(data: &DataArgs, args: ExportArgs) -> anyhow::Result<()> {
    let db = open(data).await?;
    let blobs = args.blobs.blobs(data)?;
    let opts = crate::portable::ExportOptions {
        projects: args.projects.clone(),
        with_history: args.with_history,
    };
    let mut bar = Progress::new("export");
    let mut progress = |m: &str| bar.note(m);
    let done = match &args.output {
        Some(path) => {
            if path.exists() {
                bail!("{} already exists: choose a new file name", path.display());
            }
            let dir = crate::portable::files_dir(path);
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            let out = std::io::BufWriter::new(file);
            let r =
                crate::portable::export(&db, &blobs, &opts, out, Some(&dir), &mut progress).await;
            if r.is_err() {
                let _ = std::fs::remove_file(path);
            }
            r
        }
        None => {
            let out = std::io::BufWriter::new(std::io::stdout().lock());
            crate::portable::export(&db, &blobs, &opts, out, None, &mut progress).await
        }
    };
    bar.finish();
    db.close().await;
    done?;
    if let Some(path) = &args.output {
        println!("{}", path.display());
    }
    Ok(())
}

/// `questlog import json FILE`.
async fn import_json(
    data: &DataArgs,
    file: &std::path::Path,
    blobs: &BlobArgs,
) -> anyhow::Result<()> {
    let db = open(data).await?;
    let blobs = blobs.blobs(data)?;
    let mut bar = Progress::new("import");
    let mut progress = |m: &str| bar.note(m);
    let done = crate::portable::import(&db, &blobs, file, &mut progress).await;
    bar.finish();
    db.close().await;
    let r = done?;
    println!(
        "imported {} project(s) {:?}: {} rows, {} files; {} instance rows already present",
        r.projects.len(),
        r.projects,
        r.rows,
        r.blobs,
        r.kept
    );
    Ok(())
}

/// `questlog import hacknplan`: the crawl's progress on stderr, the summary and the users report
/// on stdout.
async fn import_hacknplan(data: &DataArgs, args: HacknplanArgs) -> anyhow::Result<()> {
    let db = open(data).await?;
    let blobs = args.blobs.blobs(data)?;
    let opts = crate::hosted::Options {
        api_key: args.api_key.clone(),
        base_url: args.base_url.clone(),
        projects: args.projects.clone(),
        rate: args.rate,
    };
    let done = crate::hosted::run(&db, &blobs, &data.data_dir, &opts).await;
    db.close().await;
    let s = done?;
    let r = &s.requests;
    println!(
        "imported {} project(s) {:?} from {}",
        s.projects.len(),
        s.projects,
        s.source
    );
    let counts: Vec<String> = s
        .counts
        .iter()
        .filter(|(t, n)| **n > 0 && **t != "project_sequences")
        .map(|(t, n)| format!("{t} {n}"))
        .collect();
    println!("  rows: {}", counts.join(", "));
    println!("  files downloaded and stored: {}", s.files);
    if !s.replaced.is_empty() {
        println!(
            "  replaced (imported before from this source): {:?}",
            s.replaced
        );
    }
    if !s.deleted.is_empty() {
        println!("  deleted (gone from the source): {:?}", s.deleted);
    }
    for (id, name) in &s.skipped {
        println!("  skipped project {id} '{name}': not named by --project");
    }
    for why in &s.refused {
        println!("  skipped {why}");
    }
    println!(
        "  requests: {} sent, {} answered from the cache of an interrupted run, {} throttled (429), {} retried",
        r.requests, r.cached, r.throttled, r.retried
    );
    println!("  webhooks were imported disabled; enable them with PATCH …/webhooks/{{id}}");
    println!("users (local accounts without keys; issue one with `questlog key add USERNAME`):");
    for (id, name, email) in &s.users {
        println!("  {id}\t{name}\t{email}");
    }
    for (id, name) in &s.kept_users {
        println!("  {id}\t{name}\t(already here, left as it was)");
    }
    Ok(())
}

/// `questlog sandbox`: a throwaway server on a temporary SQLite database (removed on exit),
/// seeded from a fixture; prints its key and base URL, one `NAME=value` line each.
async fn sandbox(args: SandboxArgs) -> anyhow::Result<()> {
    if let Some(c) = &args.clock {
        let at = chrono::DateTime::parse_from_rfc3339(c)
            .with_context(|| format!("--clock {c}: expected a date like 2026-01-01T00:00:00Z"))?;
        crate::model::fix_clock(at.with_timezone(&chrono::Utc));
    }
    let dir = tempfile::Builder::new()
        .prefix("questlog-sandbox")
        .tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("sandbox.db").display());
    let blobs = crate::blobs::Blobs::local(&dir.path().join("files"))?;
    let spool = dir.path().join("spool");
    std::fs::create_dir_all(&spool)?;
    let settings = HttpSettings {
        // HacknPlan's limit unless told otherwise.
        rate_limit: (!args.no_rate_limit).then_some(5.0),
        files: FileSettings {
            spool_dir: spool,
            ..FileSettings::default()
        },
        ..HttpSettings::default()
    };
    let app = crate::App::build(&url, &args.listen, settings, 4)
        .await
        .with_context(|| format!("cannot start on {}", args.listen))?
        .with_blobs(blobs.clone());
    let sandbox = crate::sandbox::Sandbox::start(
        app.db().clone(),
        blobs,
        args.fixture.as_deref(),
        dir.path().to_path_buf(),
    )
    .await
    .context("cannot seed the sandbox")?;
    let sandbox = std::sync::Arc::new(sandbox);
    let addr = app.local_addr();
    let app = app.with_routes(sandbox.clone().routes());
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        writeln!(out, "QUESTLOG_SANDBOX_KEY={}", sandbox.key)?;
        writeln!(out, "QUESTLOG_SANDBOX_URL=http://{addr}")?;
        out.flush()?;
    }
    let served = app.run(shutdown_signal()).await;
    drop(dir);
    served
}
