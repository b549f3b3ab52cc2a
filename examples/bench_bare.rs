//! The baseline for the benchmarks: a bare axum handler answering a small JSON object.
//! usage: cargo run --release --example bench_bare -- [ADDR]   (default 127.0.0.1:8090)

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8090".into());
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(|| async { axum::Json(serde_json::json!({"id": 1, "name": "bare"})) }),
    );
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!("bare axum on http://{addr}/");
    axum::serve(listener, app).await?;
    Ok(())
}
