//! The account page (`/account`): the viewer's API keys (create with scopes and a label, shown
//! once; revoke), their password, and "sign out everywhere".

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;

use super::csrf::{self, CsrfForm};
use super::error::{WebError, WebResult};
use super::projects::field;
use super::session::{self, Viewer};
use super::{html, layout, see_other};
use crate::http::AppState;
use crate::ops::{ALL_SCOPES, Scopes, sessions, users};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account", get(page))
        .route("/account/keys", post(create_key))
        .route("/account/keys/{id}/revoke", post(revoke_key))
        .route("/account/password", post(change_password))
        .route("/account/sign-out-everywhere", post(sign_out_everywhere))
}

#[derive(Deserialize)]
struct Notice {
    done: Option<String>,
}

async fn render(
    s: &AppState,
    viewer: &Viewer,
    new_key: Option<(&str, &str)>,
    notice: Option<&str>,
) -> WebResult<Markup> {
    let actor = viewer.actor();
    let mut tx = s.db.read().await?;
    let me = users::me(&mut tx, &actor).await?;
    let keys = users::keys_of_self(&mut tx, &actor).await?;
    let n_sessions = sessions::session_count(&mut tx, &actor).await?;
    tx.commit().await?;
    let body = html! {
        h1 { "Account" }
        (layout::notice(notice))
        p { "Signed in as " strong { (me.username) } " (" (me.email) ")" }
        @if let Some((label, key)) = new_key {
            section.panel aria-labelledby="new-key" {
                h2 #new-key { "New API key “" (label) "”" }
                p { "Copy it now: it is stored only as a hash and won't be shown again." }
                p.secret #new-key-value { (key) }
                button.secondary type="button" data-copy="new-key-value" { "Copy" }
                p.muted { "Use it as " code { "Authorization: ApiKey " (key) } " on " code { "/v0" } "." }
            }
        }
        section.panel aria-labelledby="keys" {
            h2 #keys { "API keys" }
            div.table-wrap {
                table {
                    thead { tr { th { "Label" } th { "Scopes" } th { "Created" } th { "State" } th { span.sr { "Actions" } } } }
                    tbody {
                        @for k in &keys {
                            tr {
                                td { (k.name) }
                                td { @for sc in k.scopes.split(' ') { span.badge { (sc) } " " } }
                                td { (k.creation_date.get(..10).unwrap_or(&k.creation_date)) }
                                td { @match &k.revoked_date {
                                    Some(d) => { "revoked " (d.get(..10).unwrap_or(d)) }
                                    None => { "active" }
                                } }
                                td { @if k.revoked_date.is_none() {
                                    form.inline method="post" action=(format!("/account/keys/{}/revoke", k.id))
                                        data-confirm=(format!("Revoke the key “{}”? Programs using it stop working.", k.name)) {
                                        (csrf::field(viewer))
                                        button.danger type="submit" aria-label=(format!("Revoke {}", k.name)) { "Revoke" }
                                    }
                                } }
                            }
                        }
                    }
                }
            }
            h3 { "Create a key" }
            form.stack method="post" action="/account/keys" {
                (csrf::field(viewer))
                div { label for="label" { "Label" } input #label type="text" name="label" required maxlength="100" placeholder="e.g. CI importer"; }
                fieldset {
                    legend { "Scopes" }
                    @for (name, _) in ALL_SCOPES {
                        label.check { input type="checkbox" name="scope" value=(name) checked[name.ends_with(":read")]; (name) }
                    }
                }
                button type="submit" { "Create key" }
            }
        }
        section.panel aria-labelledby="password" {
            h2 #password { "Password" }
            form.stack method="post" action="/account/password" {
                (csrf::field(viewer))
                div { label for="current" { "Current password" } input #current type="password" name="current" autocomplete="current-password" required; }
                div { label for="new" { "New password (at least " (sessions::PASSWORD_MIN) " characters)" } input #new type="password" name="new" autocomplete="new-password" required minlength=(sessions::PASSWORD_MIN); }
                button type="submit" { "Change password" }
            }
            p.muted { "Changing it signs out your other sessions." }
        }
        section.panel aria-labelledby="sessions" {
            h2 #sessions { "Sessions" }
            p { "You are signed in in " (n_sessions) " browser session" @if n_sessions != 1 { "s" } "." }
            form method="post" action="/account/sign-out-everywhere" data-confirm="Sign out of every browser, this one too?" {
                (csrf::field(viewer))
                button.danger type="submit" { "Sign out everywhere" }
            }
        }
    };
    Ok(layout::page(Some(viewer), "Account", body))
}

async fn page(
    State(s): State<AppState>,
    viewer: Viewer,
    Query(q): Query<Notice>,
) -> WebResult<Response> {
    let notice = match q.done.as_deref() {
        Some("revoked") => Some("The key was revoked."),
        Some("password") => Some("Your password was changed."),
        _ => None,
    };
    Ok(html(render(&s, &viewer, None, notice).await?))
}

/// Creates the key and shows it on the reply itself (not after a redirect: it is never stored).
async fn create_key(
    State(s): State<AppState>,
    CsrfForm(viewer, f): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let names: Vec<&str> = f
        .iter()
        .filter(|(k, _)| k == "scope")
        .map(|(_, v)| v.as_str())
        .collect();
    if names.is_empty() {
        return Err(WebError::bad("Choose at least one scope."));
    }
    let scopes = Scopes::parse(&names.join(" ")).map_err(WebError::BadRequest)?;
    let label = field(&f, "label").unwrap_or("");
    let mut tx = s.db.write().await?;
    let key = users::create_key_for_self(&mut tx, &viewer.actor(), label, scopes).await?;
    tx.commit().await?;
    Ok(html(
        render(&s, &viewer, Some((label, &key)), Some("Key created.")).await?,
    ))
}

async fn revoke_key(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(viewer, _): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let mut tx = s.db.write().await?;
    users::revoke_key_for_self(&mut tx, &viewer.actor(), id).await?;
    tx.commit().await?;
    // Keys are cached for a moment: a revoked one must stop at once.
    s.auth_cache.clear();
    Ok(see_other("/account?done=revoked"))
}

async fn change_password(
    State(s): State<AppState>,
    CsrfForm(viewer, f): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let current = f
        .iter()
        .find(|(k, _)| k == "current")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let new = f
        .iter()
        .find(|(k, _)| k == "new")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    sessions::check_new_password(&new)?;
    let actor = viewer.actor();
    let mut tx = s.db.read().await?;
    let stored = sessions::password_of(&mut tx, &actor).await?;
    tx.commit().await?;
    let hashed = tokio::task::spawn_blocking(move || {
        let ok = stored
            .as_deref()
            .is_some_and(|h| sessions::verify_password(&current, h));
        ok.then(|| sessions::hash_password(&new))
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))?;
    let Some(hash) = hashed else {
        return Err(WebError::Forbidden("The current password is wrong.".into()));
    };
    let hash = hash?;
    let mut tx = s.db.write().await?;
    sessions::change_password(&mut tx, &actor, viewer.session_id, &hash).await?;
    tx.commit().await?;
    Ok(see_other("/account?done=password"))
}

async fn sign_out_everywhere(
    State(s): State<AppState>,
    headers: HeaderMap,
    CsrfForm(viewer, _): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let mut tx = s.db.write().await?;
    sessions::logout_everywhere(&mut tx, &viewer.actor()).await?;
    tx.commit().await?;
    let mut res = see_other("/login");
    res.headers_mut().append(
        header::SET_COOKIE,
        session::clear_cookie(session::is_secure(&s, &headers)),
    );
    Ok(res)
}
