//! `questlog mcp --key KEY`: the same server over stdin/stdout, for assistants that spawn a
//! process. The key is checked at start (a bad one ends the process with a message) and looked
//! up again on every call; every tool runs as its user.

use anyhow::Context;
use rmcp::ServiceExt;

use super::{Caller, Questlog};
use crate::http::auth;
use crate::store::Db;

pub async fn serve(db: Db, key: &str) -> anyhow::Result<()> {
    auth::lookup(&db, key)
        .await
        .map_err(|_| anyhow::anyhow!("the key is not an active Questlog API key"))?;
    let running = Questlog::new(db, Caller::Key(key.to_string()))
        .serve(rmcp::transport::stdio())
        .await
        .context("the MCP client did not initialize")?;
    running.waiting().await?;
    Ok(())
}
