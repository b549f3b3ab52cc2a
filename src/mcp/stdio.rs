//! `questlog mcp --key KEY`: the same server over stdin/stdout, for assistants that spawn a
//! process. The key is resolved once at start; every tool then runs as its user.

use anyhow::Context;
use rmcp::ServiceExt;

use super::{Caller, Questlog};
use crate::http::auth;
use crate::store::Db;

pub async fn serve(db: Db, key: &str) -> anyhow::Result<()> {
    let actor = auth::lookup(&db, key)
        .await
        .map_err(|_| anyhow::anyhow!("the key is not an active Questlog API key"))?;
    let running = Questlog::new(db, Caller::Fixed(actor))
        .serve(rmcp::transport::stdio())
        .await
        .context("the MCP client did not initialize")?;
    running.waiting().await?;
    Ok(())
}
