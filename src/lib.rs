//! Questlog: a self-hosted server for the HacknPlan public API v0.

pub mod cli;
pub mod config;
pub mod http;
pub mod model;
pub mod store;

use std::net::SocketAddr;

use tokio::net::TcpListener;

use crate::http::{AppState, HttpSettings};
use crate::store::Db;

/// A server with its listener bound (so tests can bind port 0 and read the address).
pub struct App {
    listener: TcpListener,
    state: AppState,
}

impl App {
    /// Connects to the database, migrates it, and binds the listener.
    pub async fn build(
        database_url: &str,
        listen: &str,
        settings: HttpSettings,
        max_connections: u32,
    ) -> anyhow::Result<App> {
        let db = Db::connect(database_url, max_connections).await?;
        store::migrate::run(&db).await?;
        let listener = TcpListener::bind(listen).await?;
        Ok(App {
            listener,
            state: AppState::new(db, settings),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound listener")
    }

    pub fn db(&self) -> &Db {
        &self.state.db
    }

    /// Serves until `shutdown` resolves; in-flight requests finish first.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        use tower::ServiceExt;
        let db = self.state.db.clone();
        let app = http::app(self.state).map_request(http::normalize_path);
        axum::serve(
            self.listener,
            axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<
                SocketAddr,
            >(app),
        )
        .with_graceful_shutdown(shutdown)
        .await?;
        db.close().await;
        Ok(())
    }
}
