//! Questlog: a self-hosted server for the HacknPlan public API v0.

pub mod blobs;
pub mod changes;
pub mod cli;
pub mod config;
pub mod hosted;
pub mod http;
pub mod mcp;
pub mod model;
pub mod ops;
pub mod portable;
pub mod sandbox;
pub mod server;
pub mod store;
pub mod web;

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpSocket};

use crate::changes::dispatch::{DispatchSettings, Dispatcher};
use crate::http::{AppState, HttpSettings};
use crate::store::Db;

/// A server with its listener bound (so tests can bind port 0 and read the address).
pub struct App {
    listener: TcpListener,
    state: AppState,
    dispatch: DispatchSettings,
    /// Routes served beside the API (the sandbox's `/_sandbox`), outside its middleware.
    extra: Option<axum::Router>,
    /// Trim start-up memory once the router is built (`questlog serve` only, see `server::trim`).
    trim_after_start: bool,
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
        let listener = bind(listen).await?;
        Ok(App {
            listener,
            // Tests and `serve` name the store with `with_blobs`; this default keeps `build` whole.
            state: AppState::new(
                db,
                settings,
                blobs::Blobs::local(&std::env::temp_dir().join("questlog-files"))?,
            ),
            dispatch: DispatchSettings::default(),
            extra: None,
            trim_after_start: false,
        })
    }

    /// Webhook delivery settings (retry delays, timeouts, target policy, retention).
    pub fn with_dispatch(mut self, dispatch: DispatchSettings) -> App {
        self.dispatch = dispatch;
        self
    }

    /// Routes to serve beside the API (the sandbox's control routes).
    pub fn with_routes(mut self, routes: axum::Router) -> App {
        self.extra = Some(routes);
        self
    }

    /// Gives start-up's memory back once the server is ready (see `server::trim`).
    pub fn trim_after_start(mut self) -> App {
        self.trim_after_start = true;
        self
    }

    /// Where uploaded files are stored (a local directory, or S3).
    pub fn with_blobs(mut self, blobs: blobs::Blobs) -> App {
        self.state.set_blobs(blobs);
        self
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound listener")
    }

    pub fn db(&self) -> &Db {
        &self.state.db
    }

    /// Serves until `shutdown` resolves, then lets requests in flight finish for at most the
    /// shutdown grace period (see `server`).
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let db = self.state.db.clone();
        // Writes of other processes reach the reply cache (see `store::epoch`).
        db.watch_writes();
        let settings = self.state.settings.clone();
        // The webhook dispatcher lives as long as the server.
        let delivery_timeout = self.dispatch.timeout;
        let dispatcher = Dispatcher::spawn(db.clone(), self.dispatch);
        let sweeper =
            ops::files::spawn_sweeper(db.clone(), self.state.files.clone(), Duration::from_secs(5));
        let mut router = http::app(self.state);
        if let Some(extra) = self.extra {
            router = extra.merge(router);
        }
        if self.trim_after_start {
            server::trim::after_startup();
        }
        server::serve(self.listener, router, &settings, shutdown).await;
        dispatcher.stop(delivery_timeout).await;
        sweeper.abort();
        // A connection killed at the end of the grace period returns its database connection
        // when its task is dropped; don't let a stuck one hold the exit.
        if tokio::time::timeout(Duration::from_secs(2), db.close())
            .await
            .is_err()
        {
            tracing::warn!("the database did not close within 2 seconds");
        }
        Ok(())
    }
}

/// Binds the first address `listen` resolves to, with an accept queue deep enough for the
/// connections that wait while the server is at its connection cap.
async fn bind(listen: &str) -> std::io::Result<TcpListener> {
    let mut last = None;
    for addr in tokio::net::lookup_host(listen).await? {
        let socket = match addr {
            SocketAddr::V4(_) => TcpSocket::new_v4()?,
            SocketAddr::V6(_) => TcpSocket::new_v6()?,
        };
        // Restarting must not wait for the previous process's sockets in TIME_WAIT.
        #[cfg(unix)]
        socket.set_reuseaddr(true)?;
        match socket.bind(addr).and_then(|()| socket.listen(1024)) {
            Ok(l) => return Ok(l),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{listen} resolves to no address"),
        )
    }))
}
