//! The browser adapter (TEMPORARY stub until h-webcore's foundation is merged).

pub mod assets;
pub mod board;
pub mod charts;
pub mod csrf;
pub mod design;
pub mod error;
pub mod items;
pub mod layout;
pub mod live;
pub mod markdown;
pub mod reports;
pub mod session;

use crate::http::AppState;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .merge(board::routes())
        .merge(items::routes())
        .merge(live::routes())
        .merge(reports::routes())
        .merge(design::routes())
}

#[cfg(test)]
mod tests {
    /// Overlapping routes panic when the router is built: catch that here, not at start-up.
    #[test]
    fn routes_build() {
        let _ = super::routes();
    }
}
