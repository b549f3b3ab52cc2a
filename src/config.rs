//! Every setting, as a flag and a `QUESTLOG_*` environment variable.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "questlog",
    version,
    about = "A self-hosted server for the HacknPlan API v0"
)]
pub struct Cli {
    #[command(flatten)]
    pub data: DataArgs,
    /// Log filter (error, warn, info, debug, trace, or a tracing directive).
    #[arg(
        long,
        env = "QUESTLOG_LOG_LEVEL",
        default_value = "info",
        global = true
    )]
    pub log_level: String,
    #[command(subcommand)]
    pub command: Command,
}

/// Where the data lives; read by every subcommand that touches it.
#[derive(Debug, Args, Clone)]
pub struct DataArgs {
    /// Directory for the embedded SQLite database and, unless `--blob-url` says otherwise, the
    /// uploaded files (in `files/`).
    #[arg(
        long,
        env = "QUESTLOG_DATA_DIR",
        default_value = "./questlog-data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// `postgres://user:pass@host/db` to use PostgreSQL instead of SQLite in the data dir.
    #[arg(long, env = "QUESTLOG_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
}

impl DataArgs {
    /// The database URL, creating the data directory for SQLite.
    pub fn database_url(&self) -> anyhow::Result<String> {
        if let Some(u) = &self.database_url {
            return Ok(u.clone());
        }
        std::fs::create_dir_all(&self.data_dir)?;
        Ok(format!(
            "sqlite://{}",
            self.data_dir.join("questlog.db").display()
        ))
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the API server.
    Serve(Box<ServeArgs>),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Manage workspace teams.
    #[command(subcommand)]
    Team(TeamCommand),
    /// Write a consistent snapshot of the database to FILE while the server runs
    /// (SQLite: one SQLite file; PostgreSQL: runs `pg_dump --format=custom`). Never overwrites.
    Backup {
        /// The backup file to create (must not exist).
        file: PathBuf,
    },
    /// Serve the Model Context Protocol over stdin/stdout for an AI assistant that spawns
    /// Questlog as a process (the HTTP server has the same at `/mcp`).
    Mcp {
        /// The API key whose user every tool acts as (`questlog key add NAME`).
        #[arg(long, env = "QUESTLOG_MCP_KEY")]
        key: String,
    },
    /// Restore a SQLite backup into an empty data dir and migrate it to this release's schema
    /// (PostgreSQL: use `pg_restore`, see the README).
    Restore {
        /// A file written by `questlog backup`.
        file: PathBuf,
    },
    /// Write whole projects (default: every project) with the instance's users, workspaces and
    /// teams as a portable JSON document (docs/export-format.md); uploaded files go beside it,
    /// in `FILE.files/` (the `.json` replaced).
    Export(ExportArgs),
    /// Read data into this instance.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Run a throwaway server for a client's test suite: a temporary SQLite database seeded from
    /// a fixture (an export document) or the built-in demo studio, deleted on exit.
    Sandbox(SandboxArgs),
}

#[derive(Debug, Args)]
pub struct BlobArgs {
    /// Where uploaded files are (`file:///dir` or `s3://bucket/prefix`, S3 settings from the
    /// AWS_* variables); default `<data dir>/files`, as for `serve`.
    #[arg(long, env = "QUESTLOG_BLOB_URL")]
    pub blob_url: Option<String>,
}

impl BlobArgs {
    pub fn blobs(&self, data: &DataArgs) -> anyhow::Result<crate::blobs::Blobs> {
        use crate::blobs::{Blobs, S3Options};
        match self.blob_url.as_deref().filter(|u| !u.trim().is_empty()) {
            None => Blobs::local(&data.data_dir.join("files")),
            Some(url) => Blobs::from_url(url.trim(), &S3Options::default()),
        }
    }
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// A project to export (repeat for several); default every project.
    #[arg(long = "project")]
    pub projects: Vec<i64>,
    /// The document to write (must not exist); default stdout (then without the files' bytes).
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
    /// Include the change log (activity, events).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub with_history: bool,
    #[command(flatten)]
    pub blobs: BlobArgs,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// A document written by `questlog export`, ids kept, in one transaction: refused (nothing
    /// written) when an id is already taken.
    Json {
        file: PathBuf,
        #[command(flatten)]
        blobs: BlobArgs,
    },
    /// Everything an API key can read on a HacknPlan v0 API (the hosted service, or any server
    /// that speaks it), ids kept, in one transaction. A rerun updates what an earlier import of
    /// the same base URL brought, never duplicates; an interrupted crawl resumes.
    Hacknplan(HacknplanArgs),
}

#[derive(Debug, Args)]
pub struct HacknplanArgs {
    /// The API key to read with (sent as `Authorization: ApiKey KEY`).
    #[arg(long, env = "QUESTLOG_HACKNPLAN_API_KEY", hide_env_values = true)]
    pub api_key: String,
    /// The API's base URL, `/v0` included.
    #[arg(long, default_value = crate::hosted::DEFAULT_BASE)]
    pub base_url: String,
    /// A project to import (repeat for several); default every project the key can read.
    #[arg(long = "project")]
    pub projects: Vec<i64>,
    /// Requests per second (the hosted service allows 5).
    #[arg(long, default_value_t = 5.0)]
    pub rate: f64,
    #[command(flatten)]
    pub blobs: BlobArgs,
}

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// An export document to seed from; default the built-in demo studio.
    #[arg(long)]
    pub fixture: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Serve without HacknPlan's limit of 5 requests/s per IP.
    #[arg(long)]
    pub no_rate_limit: bool,
    /// Fix "now" (creation dates, metrics' 7-day variations), e.g. `2026-01-01T00:00:00Z`.
    #[arg(long)]
    pub clock: Option<String>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "QUESTLOG_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Requests per second per client IP (0 = unlimited; 5 reproduces HacknPlan).
    #[arg(long, env = "QUESTLOG_RATE_LIMIT", default_value_t = 0.0)]
    pub rate_limit: f64,
    /// Largest accepted request body, in bytes (413 above). Fixed caps also apply: JSON arrays of
    /// at most 1,000 elements, 128 levels of nesting, query values of 1,024 characters (400).
    #[arg(long, env = "QUESTLOG_BODY_LIMIT", default_value_t = 2 * 1024 * 1024)]
    pub body_limit: usize,
    /// Database connections: SQLite readers (at most one per core); PostgreSQL, for reads and
    /// for writes each.
    #[arg(long, env = "QUESTLOG_MAX_CONNECTIONS", default_value_t = 8)]
    pub max_connections: u32,
    /// Seconds a client has to send a request's headers, counted from the connection's accept
    /// or from the first byte of the next request on a kept-alive connection.
    #[arg(long, env = "QUESTLOG_HEADER_TIMEOUT", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout: u64,
    /// Seconds a kept-alive connection may wait for its next request before it is closed.
    #[arg(long, env = "QUESTLOG_IDLE_TIMEOUT", default_value_t = 75,
          value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub idle_timeout: u64,
    /// Seconds a request may take, reading its body included, before the reply is a 503.
    #[arg(long, env = "QUESTLOG_REQUEST_TIMEOUT", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub request_timeout: u64,
    /// Seconds an upload (`POST …/attachments`) may take, its body included.
    #[arg(long, env = "QUESTLOG_UPLOAD_TIMEOUT", default_value_t = 3600,
          value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub upload_timeout: u64,
    /// Most client connections open at once; more wait in the accept queue. Lowered to fit
    /// the open-file limit if that is smaller.
    #[arg(long, env = "QUESTLOG_MAX_CONNS", default_value_t = 4096,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_conns: u64,
    /// Seconds requests in flight get to finish on shutdown (SIGTERM, Ctrl-C) before their
    /// connections are closed anyway.
    #[arg(long, env = "QUESTLOG_SHUTDOWN_GRACE", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub shutdown_grace: u64,
    /// Webhook retry delays after a failed delivery, comma-separated (`500ms`, `30s`, `2m`,
    /// `1h`, `1d`); after the last one the delivery is `failed`. Default: HacknPlan's 5 retries.
    #[arg(long, env = "QUESTLOG_WEBHOOK_RETRY_DELAYS", default_value = crate::changes::dispatch::DEFAULT_RETRY_DELAYS,
          value_parser = delays)]
    pub webhook_retry_delays: String,
    /// Longest a webhook delivery may take, reading the reply included (`15s`, `500ms`, …).
    #[arg(long, env = "QUESTLOG_WEBHOOK_TIMEOUT", default_value = "15s", value_parser = duration)]
    pub webhook_timeout: String,
    /// Longest a webhook delivery may take to connect.
    #[arg(long, env = "QUESTLOG_WEBHOOK_CONNECT_TIMEOUT", default_value = "5s", value_parser = duration)]
    pub webhook_connect_timeout: String,
    /// Refuse webhook targets that resolve to loopback, private or link-local addresses.
    #[arg(long, env = "QUESTLOG_WEBHOOK_DENY_PRIVATE", default_value_t = false)]
    pub webhook_deny_private: bool,
    /// Days the change log is kept (a change a webhook delivery still needs is kept longer).
    #[arg(long, env = "QUESTLOG_CHANGE_RETENTION_DAYS", default_value_t = 90,
          value_parser = clap::value_parser!(u64).range(1..=36500))]
    pub change_retention_days: u64,
    /// The root of the public links to uploaded files, as clients reach this server
    /// (`https://tracker.example.com`). Unset: each reply links under the request's `Host`.
    #[arg(long, env = "QUESTLOG_PUBLIC_URL", value_parser = public_url)]
    pub public_url: Option<String>,
    /// Largest file an upload may carry (`100MiB`, `2GB`, bytes); larger → 400.
    #[arg(long, env = "QUESTLOG_MAX_FILE_SIZE", default_value = "100MiB", value_parser = byte_size)]
    pub max_file_size: u64,
    /// Bytes the files of all the projects of a workspace may take together (`10GiB`, …);
    /// an upload past it → 409.
    #[arg(long, env = "QUESTLOG_STORAGE_QUOTA", default_value = "10GiB", value_parser = byte_size)]
    pub storage_quota: u64,
    /// Bytes of GET replies kept for reuse until a write changes the data (`8MiB`, `0` = off).
    #[arg(long, env = "QUESTLOG_REPLY_CACHE", default_value = "8MiB", value_parser = byte_size_or_off)]
    pub reply_cache: u64,
    /// The owner's API key on first start (32 lowercase hex); random when unset.
    #[arg(long, env = "QUESTLOG_BOOTSTRAP_API_KEY", hide_env_values = true)]
    pub bootstrap_api_key: Option<String>,
    /// The owner's web app password on first start (at least 10 characters); random when unset.
    #[arg(long, env = "QUESTLOG_BOOTSTRAP_PASSWORD", hide_env_values = true)]
    pub bootstrap_password: Option<String>,
    /// Where uploaded files are stored: `s3://BUCKET/optional/prefix` for an S3-compatible
    /// service (the bucket must exist), or `file:///absolute/dir`. Default: `<data dir>/files`.
    #[arg(long, env = "QUESTLOG_BLOB_URL")]
    pub blob_url: Option<String>,
    /// S3 endpoint for a service other than AWS (MinIO, Garage, R2…), e.g.
    /// `http://127.0.0.1:9000`; requests are then path-style. Default: `AWS_ENDPOINT_URL`, else AWS.
    #[arg(long, env = "QUESTLOG_S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,
    /// S3 region. Default: `AWS_REGION`, else `us-east-1`.
    #[arg(long, env = "QUESTLOG_S3_REGION")]
    pub s3_region: Option<String>,
    /// S3 access key id. Default: `AWS_ACCESS_KEY_ID` (or the instance's role on AWS).
    #[arg(long, env = "QUESTLOG_S3_ACCESS_KEY_ID")]
    pub s3_access_key_id: Option<String>,
    /// S3 secret access key. Default: `AWS_SECRET_ACCESS_KEY`.
    #[arg(long, env = "QUESTLOG_S3_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub s3_secret_access_key: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user (a member of the default workspace) and print their first API key.
    Add {
        /// Username (unique).
        username: String,
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: Option<String>,
        /// Make the user an administrator of the default workspace.
        #[arg(long)]
        admin: bool,
    },
    /// List users.
    List,
    /// Set a user's password for the web app. Without --password-stdin a strong random one is
    /// generated and printed (alone, on stdout). Their open web sessions are ended.
    Passwd {
        username: String,
        /// Read the password from the first line of stdin instead.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create an API key for a user and print it.
    Add {
        /// The user's username.
        username: String,
        /// Scopes: `all` (default), `read`, or a list such as `projects:read,workitems:write`.
        #[arg(long, default_value = "all")]
        scope: String,
        /// A label for the key.
        #[arg(long, default_value = "cli")]
        label: String,
    },
    /// List a user's keys (ids, labels, scopes; never the keys themselves).
    List { username: String },
    /// Revoke a key by its id (see `key list`).
    Revoke { key_id: i64 },
}

#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// Create a team in a workspace.
    Add {
        name: String,
        /// Workspace id (default: the first workspace).
        #[arg(long)]
        workspace: Option<i64>,
    },
    /// Put a user in a team.
    AddUser { team_id: i64, username: String },
    /// List teams.
    List,
}

fn delays(s: &str) -> Result<String, String> {
    crate::changes::dispatch::parse_delays(s).map(|_| s.to_string())
}

fn duration(s: &str) -> Result<String, String> {
    match crate::changes::dispatch::parse_duration(s) {
        Ok(d) if !d.is_zero() => Ok(s.to_string()),
        Ok(_) => Err("must be more than 0".into()),
        Err(e) => Err(e),
    }
}

impl ServeArgs {
    /// The webhook dispatcher's settings from the flags (already validated by clap).
    pub fn dispatch(&self) -> crate::changes::dispatch::DispatchSettings {
        use crate::changes::dispatch::{DispatchSettings, parse_delays, parse_duration};
        let d = DispatchSettings::default();
        DispatchSettings {
            retry_delays: parse_delays(&self.webhook_retry_delays).unwrap_or(d.retry_delays),
            timeout: parse_duration(&self.webhook_timeout).unwrap_or(d.timeout),
            connect_timeout: parse_duration(&self.webhook_connect_timeout)
                .unwrap_or(d.connect_timeout),
            deny_private: self.webhook_deny_private,
            change_retention: std::time::Duration::from_secs(self.change_retention_days * 86_400),
            ..d
        }
    }
}

/// `http(s)://host[:port][/path]`, kept without a trailing slash.
fn public_url(s: &str) -> Result<String, String> {
    let t = s.trim().trim_end_matches('/');
    let rest = t
        .strip_prefix("https://")
        .or_else(|| t.strip_prefix("http://"))
        .ok_or("expected http://… or https://…")?;
    if rest.is_empty() || rest.contains(['?', '#', ' ']) {
        return Err("expected http(s)://host[:port][/path]".into());
    }
    Ok(t.to_string())
}

/// A size in bytes: `1048576`, `512KiB`, `100MiB`, `10GiB`, `1TiB`, or the decimal `KB`/`MB`/`GB`/`TB`.
pub fn byte_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().map_err(|_| format!("'{s}' is not a size"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        "kib" | "k" => 1 << 10,
        "mib" | "m" => 1 << 20,
        "gib" | "g" => 1 << 30,
        "tib" | "t" => 1 << 40,
        _ => {
            return Err(format!(
                "'{s}': unknown unit (use KiB, MiB, GiB, TiB, KB, MB, GB or TB)"
            ));
        }
    };
    let v = n.checked_mul(mult).ok_or(format!("'{s}' is too large"))?;
    if v == 0 || v > i64::MAX as u64 {
        return Err(format!("'{s}' must be between 1 byte and 8 EiB"));
    }
    Ok(v)
}

/// `byte_size`, or `0` (off).
pub fn byte_size_or_off(s: &str) -> Result<u64, String> {
    if s.trim() == "0" { Ok(0) } else { byte_size(s) }
}

impl ServeArgs {
    /// The blob store these settings name (not yet checked for reachability: see
    /// `Blobs::check`). Without `--blob-url`, `<data dir>/files`.
    pub fn blobs(&self, data: &DataArgs) -> anyhow::Result<crate::blobs::Blobs> {
        use crate::blobs::{Blobs, S3Options};
        let Some(url) = self.blob_url.as_deref().filter(|u| !u.trim().is_empty()) else {
            return Blobs::local(&data.data_dir.join("files"));
        };
        let s3 = S3Options {
            allow_http: self
                .s3_endpoint
                .as_deref()
                .is_some_and(|e| e.starts_with("http://")),
            endpoint: self.s3_endpoint.clone(),
            region: self.s3_region.clone(),
            access_key_id: self.s3_access_key_id.clone(),
            secret_access_key: self.s3_secret_access_key.clone(),
        };
        Blobs::from_url(url.trim(), &s3)
    }
}
