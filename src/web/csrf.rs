//! TEMPORARY stub (dropped at merge).
use super::error::WebError;
use super::session::Viewer;

pub fn check(v: &Viewer, token: &str) -> Result<(), WebError> {
    if v.csrf == token {
        Ok(())
    } else {
        Err(WebError::Csrf)
    }
}
