//! The authorization matrix: every operation of `/openapi.json` × every kind of caller.
//!
//! Two projects are seeded: A (the one under test: every kind of object, an Art item hidden
//! from one role) and B (owned by another user; its markers must never reach anyone else).
//! Reads run on one shared fixture; each write gets a fresh fixture, where the callers who must
//! be refused go first (and the database must not change), then the allowed ones.
//! Every cell that disagrees is collected and reported at the end, so one run shows them all.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use questlog::http::auth::Scopes;
use serde_json::{Value, json};

use crate::helpers::*;

/// Cells whose right answer depends on one of the ten defects of issue 8 that other branches
/// fix: (METHOD path-template or check name, defect number). Skipped while listed; the lead
/// empties this list once those branches are merged.
const KNOWN_DEFECTS: &[(&str, u8)] = &[];

/// New defects found by this matrix and not fixed here: (check name, description).
const NEW_DEFECTS: &[(&str, &str)] = &[];

fn skipped(name: &str) -> bool {
    KNOWN_DEFECTS.iter().any(|(n, _)| *n == name) || NEW_DEFECTS.iter().any(|(n, _)| *n == name)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum P {
    Owner,
    Admin,
    Writer,
    Restricted,
    Guest,
    Outsider,
    NoKey,
    Revoked,
    /// A key of the owner's user with this one scope.
    Scope(&'static str),
}

const SCOPES: &[&str] = &[
    "workspaces:read",
    "workspaces:admin",
    "projects:read",
    "projects:admin",
    "workitems:read",
    "workitems:write",
    "designmodel:read",
    "designmodel:write",
];

fn principals() -> Vec<P> {
    let mut v = vec![
        P::Owner,
        P::Admin,
        P::Writer,
        P::Restricted,
        P::Guest,
        P::Outsider,
        P::NoKey,
        P::Revoked,
    ];
    v.extend(SCOPES.iter().map(|s| P::Scope(s)));
    v
}

/// Who may call an operation, besides the key's scope.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Level {
    /// No key needed.
    Public,
    /// Any valid key, no scope (`/users/me`).
    AnyKey,
    /// A user of the workspace (everyone here is in workspace 1).
    Workspace,
    /// Any user (project list, project creation).
    AnyUser,
    /// Any active member of A, guests included.
    Member,
    /// Members but guests (the target item's category is writable by every role here).
    NonGuest,
    /// `[ADMIN]`.
    Admin,
    /// `[OWNER]`.
    Owner,
    /// `[ADMIN/SELF]` with the writer as the user in the path.
    AdminOrWriter,
    /// Only the author of the target (the owner).
    Author,
    /// The author (the owner) or an admin.
    AdminOrAuthor,
}

pub(crate) struct Row {
    pub(crate) method: &'static str,
    pub(crate) template: &'static str,
    /// The path to call, with `{token}`s from the fixture.
    pub(crate) call: &'static str,
    pub(crate) body: Option<&'static str>,
    scope: Option<&'static str>,
    level: Level,
    /// Writes that only one allowed caller can run (deletes, toggles, unique links).
    once: bool,
    /// A request (as the owner) that prepares the fixture first, e.g. closing before reopening.
    setup: Option<(&'static str, &'static str)>,
}

macro_rules! row {
    (@once) => { true };
    ($m:literal $t:literal => $c:literal, $body:expr, $scope:expr, $level:ident $(, $flag:ident)*) => {
        Row {
            method: $m,
            template: $t,
            call: $c,
            body: $body,
            scope: $scope,
            level: Level::$level,
            once: false $(|| row!(@$flag))*,
            setup: None,
        }
    };
}

const PR: Option<&str> = Some("projects:read");
const PA: Option<&str> = Some("projects:admin");
const WR: Option<&str> = Some("workitems:read");
const WW: Option<&str> = Some("workitems:write");
const DR: Option<&str> = Some("designmodel:read");
const DW: Option<&str> = Some("designmodel:write");
const SR: Option<&str> = Some("workspaces:read");

/// The body marker of an upload row: the call sends a small `multipart/form-data` file
/// instead of a JSON body (anything else is a 415 there).
pub(crate) const UPLOAD: &str = "@multipart-upload";

pub(crate) fn rows() -> Vec<Row> {
    let mut v = vec![
        row!("GET" "/healthz" => "/healthz", None, None, Public),
        row!("GET" "/v0/users/me" => "/v0/users/me", None, None, AnyKey),
        // Workspaces
        row!("GET" "/v0/workspaces" => "/v0/workspaces?includeProjects=true", None, SR, Workspace),
        row!("GET" "/v0/workspaces/{workspaceId}" => "/v0/workspaces/1?includeProjects=true", None, SR, Workspace),
        row!("GET" "/v0/workspaces/{workspaceId}/teams" => "/v0/workspaces/1/teams", None, SR, Workspace),
        row!("GET" "/v0/workspaces/{workspaceId}/teams/{teamId}" => "/v0/workspaces/1/teams/{team}", None, SR, Workspace),
        row!("GET" "/v0/workspaces/{workspaceId}/users" => "/v0/workspaces/1/users", None, SR, Workspace),
        row!("GET" "/v0/workspaces/{workspaceId}/users/{userId}" => "/v0/workspaces/1/users/{wri}", None, SR, Workspace),
        // Projects
        row!("GET" "/v0/projects" => "/v0/projects", None, PR, AnyUser),
        row!("POST" "/v0/projects" => "/v0/projects", Some(r#"{"name":"New","costMetric":"hours"}"#), PA, AnyUser),
        row!("GET" "/v0/projects/{projectId}" => "/v0/projects/{A}", None, PR, Member),
        row!("PUT" "/v0/projects/{projectId}" => "/v0/projects/{A}", Some(r#"{"name":"A renamed"}"#), PA, Admin),
        row!("PATCH" "/v0/projects/{projectId}" => "/v0/projects/{A}", Some(r#"{"description":"d"}"#), PA, Admin),
        row!("DELETE" "/v0/projects/{projectId}" => "/v0/projects/{A}", None, PA, Owner, once),
        row!("POST" "/v0/projects/{projectId}/closure" => "/v0/projects/{A}/closure", None, PA, Admin, once),
        Row {
            setup: Some(("POST", "/v0/projects/{A}/closure")),
            ..row!("DELETE" "/v0/projects/{projectId}/closure" => "/v0/projects/{A}/closure", None, PA, Admin, once)
        },
        row!("PUT" "/v0/projects/{projectId}/owner" => "/v0/projects/{A}/owner", Some(r#"{"ownerUserId":{adm}}"#), PA, Owner, once),
        row!("GET" "/v0/projects/{projectId}/metrics" => "/v0/projects/{A}/metrics", None, PR, Member),
        row!("GET" "/v0/projects/{projectId}/events" => "/v0/projects/{A}/events?from=2026-01-01&to=2026-12-31", None, PR, Member),
        row!("GET" "/v0/projects/{projectId}/activity" => "/v0/projects/{A}/activity", None, PR, Member),
        row!("GET" "/v0/projects/{projectId}/changes" => "/v0/projects/{A}/changes", None, PR, Member),
        // Webhooks (the fixture's webhook stays disabled, so no delivery runs behind the matrix)
        row!("GET" "/v0/webhookevents" => "/v0/webhookevents", None, None, AnyKey),
        row!("GET" "/v0/projects/{projectId}/webhooks" => "/v0/projects/{A}/webhooks", None, PA, Admin),
        row!("POST" "/v0/projects/{projectId}/webhooks" => "/v0/projects/{A}/webhooks", Some(r#"{"url":"http://127.0.0.1:9/m","events":["tag.created"],"isEnabled":false}"#), PA, Admin),
        row!("GET" "/v0/projects/{projectId}/webhooks/{webhookId}" => "/v0/projects/{A}/webhooks/{hook}", None, PA, Admin),
        row!("PUT" "/v0/projects/{projectId}/webhooks/{webhookId}" => "/v0/projects/{A}/webhooks/{hook}", Some(r#"{"url":"http://127.0.0.1:9/p","events":["tag.updated"],"isEnabled":false}"#), PA, Admin),
        row!("PATCH" "/v0/projects/{projectId}/webhooks/{webhookId}" => "/v0/projects/{A}/webhooks/{hook}", Some(r#"{"headers":["X-A: b"]}"#), PA, Admin),
        row!("DELETE" "/v0/projects/{projectId}/webhooks/{webhookId}" => "/v0/projects/{A}/webhooks/{hook}", None, PA, Admin, once),
        row!("GET" "/v0/projects/{projectId}/webhooks/{webhookId}/deliveries" => "/v0/projects/{A}/webhooks/{hook}/deliveries", None, PA, Admin),
        row!("POST" "/v0/projects/{projectId}/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver" => "/v0/projects/{A}/webhooks/{hook}/deliveries/{delivery}/redeliver", None, PA, Admin),
        // Categories
        row!("GET" "/v0/projects/{projectId}/categories" => "/v0/projects/{A}/categories", None, PR, Member),
        row!("POST" "/v0/projects/{projectId}/categories" => "/v0/projects/{A}/categories", Some(r#"{"name":"C"}"#), PA, Admin),
        row!("GET" "/v0/projects/{projectId}/categories/{categoryId}" => "/v0/projects/{A}/categories/1", None, PR, Member),
        row!("PUT" "/v0/projects/{projectId}/categories/{categoryId}" => "/v0/projects/{A}/categories/1", Some(r#"{"name":"Code"}"#), PA, Admin),
        row!("PATCH" "/v0/projects/{projectId}/categories/{categoryId}" => "/v0/projects/{A}/categories/1", Some(r#"{"icon":"x"}"#), PA, Admin),
        row!("DELETE" "/v0/projects/{projectId}/categories/{categoryId}" => "/v0/projects/{A}/categories/{cat}", None, PA, Admin, once),
        // Stages
        row!("GET" "/v0/projects/{projectId}/stages" => "/v0/projects/{A}/stages", None, PR, Member),
        row!("POST" "/v0/projects/{projectId}/stages" => "/v0/projects/{A}/stages", Some(r#"{"name":"S"}"#), PA, Admin),
        row!("GET" "/v0/projects/{projectId}/stages/{stageId}" => "/v0/projects/{A}/stages/1", None, PR, Member),
        row!("PUT" "/v0/projects/{projectId}/stages/{stageId}" => "/v0/projects/{A}/stages/{stage}", Some(r#"{"name":"S2"}"#), PA, Admin),
        row!("PATCH" "/v0/projects/{projectId}/stages/{stageId}" => "/v0/projects/{A}/stages/{stage}", Some(r#"{"icon":"x"}"#), PA, Admin),
        row!("DELETE" "/v0/projects/{projectId}/stages/{stageId}" => "/v0/projects/{A}/stages/{stage}", None, PA, Admin, once),
        // Importance levels
        row!("GET" "/v0/projects/{projectId}/importancelevels" => "/v0/projects/{A}/importancelevels", None, PR, Member),
        row!("POST" "/v0/projects/{projectId}/importancelevels" => "/v0/projects/{A}/importancelevels", Some(r#"{"name":"L"}"#), PA, Admin),
        row!("GET" "/v0/projects/{projectId}/importancelevels/{importanceLevelId}" => "/v0/projects/{A}/importancelevels/1", None, PR, Member),
        row!("PUT" "/v0/projects/{projectId}/importancelevels/{importanceLevelId}" => "/v0/projects/{A}/importancelevels/{level}", Some(r#"{"name":"L2"}"#), PA, Admin),
        row!("PATCH" "/v0/projects/{projectId}/importancelevels/{importanceLevelId}" => "/v0/projects/{A}/importancelevels/{level}", Some(r#"{"icon":"x"}"#), PA, Admin),
        row!("DELETE" "/v0/projects/{projectId}/importancelevels/{importanceLevelId}" => "/v0/projects/{A}/importancelevels/{level}", None, PA, Admin, once),
        // Design element types
        row!("GET" "/v0/projects/{projectId}/designelementtypes" => "/v0/projects/{A}/designelementtypes", None, PR, Member),
        row!("POST" "/v0/projects/{projectId}/designelementtypes" => "/v0/projects/{A}/designelementtypes", Some(r#"{"name":"T"}"#), PA, Admin),
        row!("GET" "/v0/projects/{projectId}/designelementtypes/{designElementTypeId}" => "/v0/projects/{A}/designelementtypes/1", None, PR, Member),
        row!("PUT" "/v0/projects/{projectId}/designelementtypes/{designElementTypeId}" => "/v0/projects/{A}/designelementtypes/{type}", Some(r#"{"name":"T2"}"#), PA, Admin),
        row!("DELETE" "/v0/projects/{projectId}/designelementtypes/{designElementTypeId}" => "/v0/projects/{A}/designelementtypes/{type}", None, PA, Admin, once),
        // Tags
        row!("GET" "/v0/projects/{projectId}/tags" => "/v0/projects/{A}/tags", None, PR, Member),
        row!("POST" "/v0/projects/{projectId}/tags" => "/v0/projects/{A}/tags", Some(r#"{"name":"new tag"}"#), WW, NonGuest),
        row!("PUT" "/v0/projects/{projectId}/tags/{tagId}" => "/v0/projects/{A}/tags/{tag}", Some(r#"{"name":"t2"}"#), WW, NonGuest),
        row!("PATCH" "/v0/projects/{projectId}/tags/{tagId}" => "/v0/projects/{A}/tags/{tag}", Some(r#"{"icon":"x"}"#), WW, NonGuest),
        row!("DELETE" "/v0/projects/{projectId}/tags/{tagId}" => "/v0/projects/{A}/tags/{tag}", None, PA, Admin, once),
        // Roles
        row!("GET" "/v0/projects/{projectId}/roles" => "/v0/projects/{A}/roles", None, PR, Member),
        row!("POST" "/v0/projects/{projectId}/roles" => "/v0/projects/{A}/roles", Some(r#"{"name":"R"}"#), PA, Admin),
        row!("GET" "/v0/projects/{projectId}/roles/{roleId}" => "/v0/projects/{A}/roles/{role}", None, PR, Member),
        row!("PUT" "/v0/projects/{projectId}/roles/{roleId}" => "/v0/projects/{A}/roles/{role}", Some(r#"{"name":"R2"}"#), PA, Admin),
        row!("PATCH" "/v0/projects/{projectId}/roles/{roleId}" => "/v0/projects/{A}/roles/{role}", Some(r#"{"name":"R3"}"#), PA, Admin),
        row!("DELETE" "/v0/projects/{projectId}/roles/{roleId}" => "/v0/projects/{A}/roles/{role}", None, PA, Admin, once),
        // Project users and teams
        row!("GET" "/v0/projects/{projectId}/users" => "/v0/projects/{A}/users", None, PR, Member),
        row!("POST" "/v0/projects/{projectId}/users" => "/v0/projects/{A}/users", Some(r#"{"userId":{spare}}"#), PA, Admin, once),
        row!("GET" "/v0/projects/{projectId}/users/{userId}" => "/v0/projects/{A}/users/{wri}", None, PR, Member),
        row!("PUT" "/v0/projects/{projectId}/users/{userId}" => "/v0/projects/{A}/users/{wri}", Some(r#"{"roleId":{wrole}}"#), PA, Admin),
        row!("PATCH" "/v0/projects/{projectId}/users/{userId}" => "/v0/projects/{A}/users/{wri}", Some(r#"{"roleId":{wrole}}"#), PA, Admin),
        row!("DELETE" "/v0/projects/{projectId}/users/{userId}" => "/v0/projects/{A}/users/{wri}", None, PA, AdminOrWriter, once),
        row!("POST" "/v0/projects/{projectId}/teams" => "/v0/projects/{A}/teams", Some(r#"{"teamId":{team}}"#), PA, Admin, once),
        // Milestones
        row!("GET" "/v0/projects/{projectId}/milestones" => "/v0/projects/{A}/milestones?includeBoards=true", None, PR, Member),
        row!("POST" "/v0/projects/{projectId}/milestones" => "/v0/projects/{A}/milestones", Some(r#"{"name":"M"}"#), PA, Admin),
        row!("GET" "/v0/projects/{projectId}/milestones/{milestoneId}" => "/v0/projects/{A}/milestones/{ms}", None, PR, Member),
        row!("PUT" "/v0/projects/{projectId}/milestones/{milestoneId}" => "/v0/projects/{A}/milestones/{ms}", Some(r#"{"name":"M2"}"#), PA, Admin),
        row!("PATCH" "/v0/projects/{projectId}/milestones/{milestoneId}" => "/v0/projects/{A}/milestones/{ms}", Some(r#"{"name":"M3"}"#), PA, Admin),
        row!("DELETE" "/v0/projects/{projectId}/milestones/{milestoneId}" => "/v0/projects/{A}/milestones/{ms}", None, PA, Admin, once),
        row!("POST" "/v0/projects/{projectId}/milestones/{milestoneId}/closure" => "/v0/projects/{A}/milestones/{ms}/closure", Some("{}"), PA, Admin, once),
        Row {
            setup: Some(("POST", "/v0/projects/{A}/milestones/{ms}/closure")),
            ..row!("DELETE" "/v0/projects/{projectId}/milestones/{milestoneId}/closure" => "/v0/projects/{A}/milestones/{ms}/closure", None, PA, Admin, once)
        },
        row!("GET" "/v0/projects/{projectId}/milestones/{milestoneId}/metrics" => "/v0/projects/{A}/milestones/{ms}/metrics", None, PR, Member),
        // Boards
        row!("GET" "/v0/projects/{projectId}/boards" => "/v0/projects/{A}/boards", None, PR, Member),
        row!("POST" "/v0/projects/{projectId}/boards" => "/v0/projects/{A}/boards", Some(r#"{"name":"B"}"#), PA, Admin),
        row!("POST" "/v0/projects/{projectId}/boards/default" => "/v0/projects/{A}/boards/default", Some(r#"{"boardId":{board}}"#), PA, Admin, once),
        Row {
            setup: Some(("POST", "/v0/projects/{A}/boards/default")),
            ..row!("DELETE" "/v0/projects/{projectId}/boards/default" => "/v0/projects/{A}/boards/default", None, PA, Admin, once)
        },
        row!("GET" "/v0/projects/{projectId}/boards/{boardId}" => "/v0/projects/{A}/boards/{board}", None, PR, Member),
        row!("PUT" "/v0/projects/{projectId}/boards/{boardId}" => "/v0/projects/{A}/boards/{board}", Some(r#"{"name":"B2"}"#), PA, Admin),
        row!("PATCH" "/v0/projects/{projectId}/boards/{boardId}" => "/v0/projects/{A}/boards/{board}", Some(r#"{"name":"B3"}"#), PA, Admin),
        row!("DELETE" "/v0/projects/{projectId}/boards/{boardId}" => "/v0/projects/{A}/boards/{board}", None, PA, Admin, once),
        row!("POST" "/v0/projects/{projectId}/boards/{boardId}/closure" => "/v0/projects/{A}/boards/{board}/closure", Some("{}"), PA, Admin, once),
        Row {
            setup: Some(("POST", "/v0/projects/{A}/boards/{board}/closure")),
            ..row!("DELETE" "/v0/projects/{projectId}/boards/{boardId}/closure" => "/v0/projects/{A}/boards/{board}/closure", None, PA, Admin, once)
        },
        row!("GET" "/v0/projects/{projectId}/boards/{boardId}/metrics" => "/v0/projects/{A}/boards/{board}/metrics", None, PR, Member),
        // Work items
        row!("GET" "/v0/projects/{projectId}/workitems" => "/v0/projects/{A}/workitems?limit=100", None, WR, Member),
        row!("POST" "/v0/projects/{projectId}/workitems" => "/v0/projects/{A}/workitems", Some(r#"{"title":"New","categoryId":1,"importanceLevelId":3}"#), WW, NonGuest),
        row!("GET" "/v0/projects/{projectId}/workitems/{workItemId}" => "/v0/projects/{A}/workitems/{w1}", None, WR, Member),
        row!("PUT" "/v0/projects/{projectId}/workitems/{workItemId}" => "/v0/projects/{A}/workitems/{w1}", Some(r#"{"title":"W","categoryId":1,"importanceLevelId":3}"#), WW, NonGuest),
        row!("PATCH" "/v0/projects/{projectId}/workitems/{workItemId}" => "/v0/projects/{A}/workitems/{w1}", Some(r#"{"title":"W2"}"#), WW, NonGuest),
        row!("POST" "/v0/projects/{projectId}/workitems/{workItemId}" => "/v0/projects/{A}/workitems/{w1}", None, WW, NonGuest),
        row!("DELETE" "/v0/projects/{projectId}/workitems/{workItemId}" => "/v0/projects/{A}/workitems/{w1}", None, WW, NonGuest, once),
        // Sub-tasks
        row!("GET" "/v0/projects/{projectId}/workitems/{workItemId}/subtasks" => "/v0/projects/{A}/workitems/{w1}/subtasks", None, WR, Member),
        row!("POST" "/v0/projects/{projectId}/workitems/{workItemId}/subtasks" => "/v0/projects/{A}/workitems/{w1}/subtasks", Some(r#""Sub""#), WW, NonGuest),
        row!("GET" "/v0/projects/{projectId}/workitems/{workItemId}/subtasks/{subTaskId}" => "/v0/projects/{A}/workitems/{w1}/subtasks/{sub}", None, WR, Member),
        row!("PUT" "/v0/projects/{projectId}/workitems/{workItemId}/subtasks/{subTaskId}" => "/v0/projects/{A}/workitems/{w1}/subtasks/{sub}", Some(r#"{"title":"S","isCompleted":true}"#), WW, NonGuest),
        row!("PATCH" "/v0/projects/{projectId}/workitems/{workItemId}/subtasks/{subTaskId}" => "/v0/projects/{A}/workitems/{w1}/subtasks/{sub}", Some(r#"{"isCompleted":true}"#), WW, NonGuest),
        row!("DELETE" "/v0/projects/{projectId}/workitems/{workItemId}/subtasks/{subTaskId}" => "/v0/projects/{A}/workitems/{w1}/subtasks/{sub}", None, WW, NonGuest, once),
        // Work item tags and users
        row!("GET" "/v0/projects/{projectId}/workitems/{workItemId}/tags" => "/v0/projects/{A}/workitems/{w1}/tags", None, WR, Member),
        row!("POST" "/v0/projects/{projectId}/workitems/{workItemId}/tags" => "/v0/projects/{A}/workitems/{w2}/tags", Some("{tag}"), WW, NonGuest, once),
        row!("DELETE" "/v0/projects/{projectId}/workitems/{workItemId}/tags/{tagId}" => "/v0/projects/{A}/workitems/{w1}/tags/{tag}", None, WW, NonGuest, once),
        row!("POST" "/v0/projects/{projectId}/workitems/{workItemId}/users" => "/v0/projects/{A}/workitems/{w2}/users", Some("{wri}"), WW, NonGuest, once),
        row!("DELETE" "/v0/projects/{projectId}/workitems/{workItemId}/users/{userId}" => "/v0/projects/{A}/workitems/{w1}/users/{wri}", None, WW, NonGuest, once),
        // Dependencies
        row!("GET" "/v0/projects/{projectId}/workitems/{workItemId}/dependencies" => "/v0/projects/{A}/workitems/{w1}/dependencies", None, WR, Member),
        row!("POST" "/v0/projects/{projectId}/workitems/{workItemId}/dependencies" => "/v0/projects/{A}/workitems/{w2}/dependencies", Some("{w3}"), WW, NonGuest, once),
        row!("GET" "/v0/projects/{projectId}/workitems/{workItemId}/dependencies/{dependencyId}" => "/v0/projects/{A}/workitems/{w1}/dependencies/{w2}", None, WR, Member),
        row!("DELETE" "/v0/projects/{projectId}/workitems/{workItemId}/dependencies/{dependencyId}" => "/v0/projects/{A}/workitems/{w1}/dependencies/{w2}", None, WW, NonGuest, once),
        // Work logs
        row!("GET" "/v0/projects/{projectId}/workitems/{workItemId}/worklogs" => "/v0/projects/{A}/workitems/{w1}/worklogs", None, WR, Member),
        row!("POST" "/v0/projects/{projectId}/workitems/{workItemId}/worklogs" => "/v0/projects/{A}/workitems/{w1}/worklogs", Some(r#"{"value":1}"#), WW, NonGuest),
        row!("GET" "/v0/projects/{projectId}/workitems/{workItemId}/worklogs/{workLogId}" => "/v0/projects/{A}/workitems/{w1}/worklogs/{log}", None, WR, Member),
        row!("PUT" "/v0/projects/{projectId}/workitems/{workItemId}/worklogs/{workLogId}" => "/v0/projects/{A}/workitems/{w1}/worklogs/{log}", Some(r#"{"value":2}"#), WW, AdminOrAuthor),
        row!("DELETE" "/v0/projects/{projectId}/workitems/{workItemId}/worklogs/{workLogId}" => "/v0/projects/{A}/workitems/{w1}/worklogs/{log}", None, WW, AdminOrAuthor, once),
        // Comments
        row!("GET" "/v0/projects/{projectId}/workitems/{workItemId}/comments" => "/v0/projects/{A}/workitems/{w1}/comments", None, WR, Member),
        row!("POST" "/v0/projects/{projectId}/workitems/{workItemId}/comments" => "/v0/projects/{A}/workitems/{w1}/comments", Some(r#""Hi""#), WW, NonGuest),
        row!("GET" "/v0/projects/{projectId}/workitems/{workItemId}/comments/{commentId}" => "/v0/projects/{A}/workitems/{w1}/comments/{comment}", None, WR, Member),
        row!("PUT" "/v0/projects/{projectId}/workitems/{workItemId}/comments/{commentId}" => "/v0/projects/{A}/workitems/{w1}/comments/{comment}", Some(r#""Edited""#), WW, Author),
        row!("DELETE" "/v0/projects/{projectId}/workitems/{workItemId}/comments/{commentId}" => "/v0/projects/{A}/workitems/{w1}/comments/{comment}", None, WW, AdminOrAuthor, once),
        // Design elements
        row!("GET" "/v0/projects/{projectId}/designelements" => "/v0/projects/{A}/designelements", None, DR, Member),
        row!("POST" "/v0/projects/{projectId}/designelements" => "/v0/projects/{A}/designelements", Some(r#"{"designElementTypeId":1,"name":"D"}"#), DW, NonGuest),
        row!("GET" "/v0/projects/{projectId}/designelements/{designElementId}" => "/v0/projects/{A}/designelements/{de}?includeChildren=true", None, DR, Member),
        row!("PUT" "/v0/projects/{projectId}/designelements/{designElementId}" => "/v0/projects/{A}/designelements/{de2}", Some(r#"{"designElementTypeId":1,"name":"D2","parentId":{de}}"#), DW, NonGuest),
        row!("PATCH" "/v0/projects/{projectId}/designelements/{designElementId}" => "/v0/projects/{A}/designelements/{de2}", Some(r#"{"name":"D3"}"#), DW, NonGuest),
        row!("DELETE" "/v0/projects/{projectId}/designelements/{designElementId}" => "/v0/projects/{A}/designelements/{de2}", None, DW, NonGuest, once),
        row!("GET" "/v0/projects/{projectId}/designelements/{designElementId}/metrics" => "/v0/projects/{A}/designelements/{de}/metrics?includeChildren=true", None, DR, Member),
        // Design element comments
        row!("GET" "/v0/projects/{projectId}/designelements/{designElementId}/comments" => "/v0/projects/{A}/designelements/{de}/comments", None, DR, Member),
        row!("POST" "/v0/projects/{projectId}/designelements/{designElementId}/comments" => "/v0/projects/{A}/designelements/{de}/comments", Some(r#""Hi""#), DW, NonGuest),
        row!("PUT" "/v0/projects/{projectId}/designelements/{designElementId}/comments/{commentId}" => "/v0/projects/{A}/designelements/{de}/comments/{decomment}", Some(r#""Edited""#), DW, Author),
        row!("DELETE" "/v0/projects/{projectId}/designelements/{designElementId}/comments/{commentId}" => "/v0/projects/{A}/designelements/{de}/comments/{decomment}", None, DW, AdminOrAuthor, once),
        row!("DELETE" "/v0/projects/{projectId}/designelement/{designElementId}/comments/{commentId}" => "/v0/projects/{A}/designelement/{de}/comments/{decomment}", None, DW, AdminOrAuthor, once),
        // Work item attachments (uploads send a small multipart file: see UPLOAD)
        row!("GET" "/v0/projects/{projectId}/workitems/{workItemId}/attachments" => "/v0/projects/{A}/workitems/{w1}/attachments", None, WR, Member),
        row!("POST" "/v0/projects/{projectId}/workitems/{workItemId}/attachments" => "/v0/projects/{A}/workitems/{w1}/attachments", Some(UPLOAD), WW, NonGuest),
        row!("GET" "/v0/projects/{projectId}/workitems/{workItemId}/attachments/{attachmentId}" => "/v0/projects/{A}/workitems/{w1}/attachments/{watt}", None, WR, Member),
        row!("PUT" "/v0/projects/{projectId}/workitems/{workItemId}/attachments/{attachmentId}" => "/v0/projects/{A}/workitems/{w1}/attachments/{watt}", None, WW, NonGuest),
        row!("DELETE" "/v0/projects/{projectId}/workitems/{workItemId}/attachments/{attachmentId}" => "/v0/projects/{A}/workitems/{w1}/attachments/{watt}", None, WW, NonGuest, once),
        // Design element attachments
        row!("GET" "/v0/projects/{projectId}/designelements/{designElementId}/attachments" => "/v0/projects/{A}/designelements/{de}/attachments", None, DR, Member),
        row!("POST" "/v0/projects/{projectId}/designelements/{designElementId}/attachments" => "/v0/projects/{A}/designelements/{de}/attachments", Some(UPLOAD), DW, NonGuest),
        row!("GET" "/v0/projects/{projectId}/designelements/{designElementId}/attachments/{attachmentId}" => "/v0/projects/{A}/designelements/{de}/attachments/{deatt}", None, DR, Member),
        row!("DELETE" "/v0/projects/{projectId}/designelements/{designElementId}/attachments/{attachmentId}" => "/v0/projects/{A}/designelements/{de}/attachments/{deatt}", None, DW, NonGuest, once),
        // Project files and storage
        row!("GET" "/v0/projects/{projectId}/storage" => "/v0/projects/{A}/storage", None, PR, Member),
        row!("GET" "/v0/projects/{projectId}/files" => "/v0/projects/{A}/files", None, PA, Admin),
        row!("DELETE" "/v0/projects/{projectId}/files/{fileId}" => "/v0/projects/{A}/files/{file}", None, PA, Admin, once),
    ];
    v.sort_by_key(|r| (r.template, r.method));
    v
}

/// The ids of one seeded fixture.
pub(crate) struct Fx {
    pub(crate) app: TestApp,
    pub(crate) keys: HashMap<P, Option<String>>,
    pub(crate) ids: BTreeMap<&'static str, i64>,
    /// Expected totals: estimated cost of the work items each caller can see.
    visible_estimate: f64,
    all_estimate: f64,
}

impl Fx {
    pub(crate) fn fill(&self, s: &str) -> String {
        let mut out = s.to_string();
        for (k, v) in &self.ids {
            out = out.replace(&format!("{{{k}}}"), &v.to_string());
        }
        assert!(
            !out.contains('{') || out.starts_with('{') || out.starts_with('"'),
            "unfilled token in {out}"
        );
        out
    }
    fn key(&self, p: P) -> Option<&str> {
        self.keys[&p].as_deref()
    }
}

async fn ok(r: Reply, what: &str) -> Value {
    assert!(
        r.status.is_success(),
        "fixture step {what}: {} {}",
        r.status,
        r.text
    );
    if r.text.is_empty() {
        Value::Null
    } else {
        r.json()
    }
}

/// Seeds A and B. Everything the table's tokens name exists after this.
pub(crate) async fn fixture() -> Fx {
    let app = spawn_app().await;
    let mut ids = BTreeMap::new();
    let mut keys = HashMap::new();
    keys.insert(P::Owner, Some(app.key.clone()));
    keys.insert(P::NoKey, None);
    let (adm, adm_key) = app.add_user("adm").await;
    let (wri, wri_key) = app.add_user("wri").await;
    let (res, res_key) = app.add_user("res").await;
    let (gst, gst_key) = app.add_user("gst").await;
    let (_out, out_key) = app.add_user("out").await;
    let (spare, _) = app.add_user("spare").await;
    keys.insert(P::Admin, Some(adm_key));
    keys.insert(P::Writer, Some(wri_key));
    keys.insert(P::Restricted, Some(res_key));
    keys.insert(P::Guest, Some(gst_key));
    keys.insert(P::Outsider, Some(out_key.clone()));
    for s in SCOPES {
        let k = app.add_key(1, Scopes::parse(s).unwrap()).await;
        keys.insert(P::Scope(s), Some(k));
    }
    // Revoked before its first use, so the 2 s key cache never holds it.
    let revoked = app.add_key(wri, Scopes::ALL).await;
    app.revoke_key(&revoked).await;
    keys.insert(P::Revoked, Some(revoked));
    ids.insert("adm", adm);
    ids.insert("wri", wri);
    ids.insert("res", res);
    ids.insert("gst", gst);
    ids.insert("spare", spare);
    let team = {
        let mut tx = app.db.write().await.unwrap();
        let t = questlog::store::accounts::create_team(&mut tx, 1, "Team")
            .await
            .unwrap();
        questlog::store::accounts::add_team_user(&mut tx, t, spare)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        t
    };
    ids.insert("team", team);

    // Project B, owned by the outsider: none of its markers may reach anyone else.
    let b = ok(
        app.as_user(
            &out_key,
            "POST",
            "/v0/projects",
            Some(json!({"name": "B-SECRET-PROJECT", "costMetric": "hours"})),
        )
        .await,
        "B",
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let bp = format!("/v0/projects/{b}");
    let bpost = |path: String, body: Value| {
        let (app, key) = (&app, &out_key);
        async move { ok(app.as_user(key, "POST", &path, Some(body)).await, &path).await }
    };
    let bboard = bpost(format!("{bp}/boards"), json!({"name": "B-SECRET-BOARD"})).await;
    let bms = bpost(
        format!("{bp}/milestones"),
        json!({"name": "B-SECRET-MILESTONE"}),
    )
    .await;
    bpost(format!("{bp}/tags"), json!({"name": "B-SECRET-TAG"})).await;
    let bitem = bpost(
        format!("{bp}/workitems"),
        json!({"title": "B-SECRET-ITEM", "estimatedCost": 9999, "importanceLevelId": 3}),
    )
    .await["workItemId"]
        .as_i64()
        .unwrap();
    let bcomment = bpost(
        format!("{bp}/workitems/{bitem}/comments"),
        json!("B-SECRET-COMMENT"),
    )
    .await;
    let blog = bpost(
        format!("{bp}/workitems/{bitem}/worklogs"),
        json!({"value": 9999, "comment": "B-SECRET-LOG"}),
    )
    .await;
    let bde = bpost(
        format!("{bp}/designelements"),
        json!({"designElementTypeId": 1, "name": "B-SECRET-ELEMENT"}),
    )
    .await["designElementId"]
        .as_i64()
        .unwrap();
    let bdecomment = bpost(
        format!("{bp}/designelements/{bde}/comments"),
        json!("B-SECRET-DE-COMMENT"),
    )
    .await;
    let up = |path: String| {
        let (app, key) = (&app, &out_key);
        async move {
            ok(
                app.upload_as(key, &path, "B-SECRET-FILE.txt", "text/plain", b"B".to_vec())
                    .await,
                &path,
            )
            .await
        }
    };
    let bwatt = up(format!("{bp}/workitems/{bitem}/attachments")).await;
    let bdeatt = up(format!("{bp}/designelements/{bde}/attachments")).await;
    ids.insert("bwatt", bwatt["attachmentId"].as_i64().unwrap());
    ids.insert("bfile", bwatt["file"]["fileId"].as_i64().unwrap());
    ids.insert("bdeatt", bdeatt["attachmentId"].as_i64().unwrap());
    // Global ids of B's objects, tried through A's paths.
    ids.insert("bboard", bboard["boardId"].as_i64().unwrap());
    ids.insert("bms", bms["milestoneId"].as_i64().unwrap());
    ids.insert("bcomment", bcomment["commentId"].as_i64().unwrap());
    ids.insert("blog", blog["workLogId"].as_i64().unwrap());
    ids.insert("bdecomment", bdecomment["commentId"].as_i64().unwrap());

    let a = app.project("A-PROJECT").await;
    ids.insert("A", a);
    let p = format!("/v0/projects/{a}");
    let post = |path: String, body: Value| {
        let app = &app;
        async move { ok(app.post(&path, body).await, &path).await }
    };
    let wrole = post(
        format!("{p}/roles"),
        json!({"name": "Writer", "permissions": {"categoryPermissions": [
        {"categoryId": 1, "canRead": true, "canWrite": true, "canUpdate": true}]}}),
    )
    .await["roleId"]
        .as_i64()
        .unwrap();
    let rrole = post(format!("{p}/roles"), json!({"name": "No art", "permissions": {
        "categoryPermissions": [{"categoryId": 2, "canRead": false, "canWrite": false, "canUpdate": false}],
        "gameDesignModelPermissions": {"canRead": true, "canWrite": true}}})).await["roleId"].as_i64().unwrap();
    let role = post(format!("{p}/roles"), json!({"name": "Spare role"})).await["roleId"]
        .as_i64()
        .unwrap();
    ids.insert("wrole", wrole);
    ids.insert("rrole", rrole);
    ids.insert("role", role);
    app.add_member(a, adm, json!({"isAdmin": true})).await;
    app.add_member(a, wri, json!({"roleId": wrole})).await;
    app.add_member(a, res, json!({"roleId": rrole})).await;
    app.add_member(a, gst, json!({"isGuest": true})).await;

    let ms = post(format!("{p}/milestones"), json!({"name": "M1"})).await["milestoneId"]
        .as_i64()
        .unwrap();
    let board = post(
        format!("{p}/boards"),
        json!({"name": "Sprint", "milestoneId": ms}),
    )
    .await["boardId"]
        .as_i64()
        .unwrap();
    ids.insert("ms", ms);
    ids.insert("board", board);
    ids.insert(
        "cat",
        post(format!("{p}/categories"), json!({"name": "Spare"})).await["categoryId"]
            .as_i64()
            .unwrap(),
    );
    ids.insert(
        "stage",
        post(format!("{p}/stages"), json!({"name": "Spare"})).await["stageId"]
            .as_i64()
            .unwrap(),
    );
    ids.insert(
        "level",
        post(format!("{p}/importancelevels"), json!({"name": "Spare"})).await["importanceLevelId"]
            .as_i64()
            .unwrap(),
    );
    ids.insert("type", post(format!("{p}/designelementtypes"), json!({"name": "Spare"})).await["designElementTypeId"].as_i64().unwrap());
    let tag = post(format!("{p}/tags"), json!({"name": "t1"})).await["tagId"]
        .as_i64()
        .unwrap();
    ids.insert("tag", tag);
    // A disabled webhook with one logged delivery (written directly: a disabled webhook queues
    // nothing, and an enabled one would send behind the matrix's snapshots).
    let hook = post(
        format!("{p}/webhooks"),
        json!({"url": "http://127.0.0.1:9/matrix", "events": ["tag.created"], "isEnabled": false}),
    )
    .await["webhookId"]
        .as_i64()
        .unwrap();
    ids.insert("hook", hook);
    let delivery = {
        let mut tx = app.db.write().await.unwrap();
        let (d,): (i64,) = tx
            .one(
                "INSERT INTO webhook_deliveries (project_id, webhook_id, change_id, event, actor_id, \
                 payload, status, attempts, created_at, creation_date) \
                 VALUES ($1, $2, 1, 'tag.created', 1, '{\"name\":\"t1\"}', 'failed', 1, $3, $4) RETURNING id",
                questlog::params![a, hook, chrono::Utc::now().timestamp_millis(), questlog::model::now()],
            )
            .await
            .unwrap();
        tx.commit().await.unwrap();
        d
    };
    ids.insert("delivery", delivery);
    let de = post(
        format!("{p}/designelements"),
        json!({"designElementTypeId": 1, "name": "Chapter"}),
    )
    .await["designElementId"]
        .as_i64()
        .unwrap();
    let de2 = post(
        format!("{p}/designelements"),
        json!({"designElementTypeId": 4, "name": "Level", "parentId": de}),
    )
    .await["designElementId"]
        .as_i64()
        .unwrap();
    ids.insert("de", de);
    ids.insert("de2", de2);

    let item = |body: Value| {
        let app = &app;
        let path = format!("{p}/workitems");
        let mut body = body;
        body["importanceLevelId"] = json!(3);
        async move {
            ok(app.post(&path, body).await, "work item").await["workItemId"]
                .as_i64()
                .unwrap()
        }
    };
    let w1 = item(
        json!({"title": "Visible one", "categoryId": 1, "boardId": board, "estimatedCost": 3,
        "designElementId": de, "startDate": "2026-03-01", "dueDate": "2026-03-05"}),
    )
    .await;
    let w2 = item(
        json!({"title": "Visible two", "categoryId": 1, "boardId": board, "estimatedCost": 2}),
    )
    .await;
    let w3 = item(json!({"title": "Visible three", "categoryId": 3})).await;
    let story = item(json!({"title": "Story", "isStory": true, "boardId": board})).await;
    let art = item(
        json!({"title": "ART-HIDDEN-ITEM", "description": "ART-HIDDEN-DESC", "categoryId": 2,
        "boardId": board, "estimatedCost": 7777, "designElementId": de, "parentId": story,
        "startDate": "2026-03-02", "dueDate": "2026-03-03"}),
    )
    .await;
    ids.insert("w1", w1);
    ids.insert("w2", w2);
    ids.insert("w3", w3);
    ids.insert("story", story);
    ids.insert("art", art);
    let wp = format!("{p}/workitems/{w1}");
    ids.insert(
        "sub",
        post(format!("{wp}/subtasks"), json!("Sub one")).await["subTaskId"]
            .as_i64()
            .unwrap(),
    );
    post(format!("{wp}/tags"), json!(tag)).await;
    post(format!("{wp}/users"), json!(wri)).await;
    post(format!("{wp}/dependencies"), json!(w2)).await;
    ids.insert(
        "log",
        post(format!("{wp}/worklogs"), json!({"value": 1})).await["workLogId"]
            .as_i64()
            .unwrap(),
    );
    ids.insert(
        "comment",
        post(format!("{wp}/comments"), json!("Hello")).await["commentId"]
            .as_i64()
            .unwrap(),
    );
    let ap = format!("{p}/workitems/{art}");
    post(format!("{ap}/subtasks"), json!("ART-HIDDEN-SUBTASK")).await;
    post(format!("{ap}/tags"), json!(tag)).await;
    post(
        format!("{ap}/worklogs"),
        json!({"value": 7777, "comment": "ART-HIDDEN-LOG"}),
    )
    .await;
    post(format!("{ap}/comments"), json!("ART-HIDDEN-COMMENT")).await;
    post(format!("{ap}/dependencies"), json!(w1)).await;
    ids.insert(
        "decomment",
        post(
            format!("{p}/designelements/{de}/comments"),
            json!("DE comment"),
        )
        .await["commentId"]
            .as_i64()
            .unwrap(),
    );

    // Attachments: one on w1 (its file is also the one the admin's delete removes), one on
    // the design element (a different id: ids are global).
    let upload = |path: String, name: &'static str| {
        let app = &app;
        async move {
            ok(
                app.upload(&path, name, "text/plain", b"fixture file".to_vec())
                    .await,
                &path,
            )
            .await
        }
    };
    let watt = upload(format!("{wp}/attachments"), "w1.txt").await;
    ids.insert("watt", watt["attachmentId"].as_i64().unwrap());
    ids.insert("file", watt["file"]["fileId"].as_i64().unwrap());
    let deatt = upload(format!("{p}/designelements/{de}/attachments"), "de.txt").await;
    ids.insert("deatt", deatt["attachmentId"].as_i64().unwrap());

    Fx {
        app,
        keys,
        ids,
        visible_estimate: 3.0 + 2.0,
        all_estimate: 3.0 + 2.0 + 7777.0,
    }
}

/// What a caller should get: `None` = allowed (2xx), or the refusal status.
fn expected(row: &Row, p: P) -> Option<u16> {
    if row.level == Level::Public {
        return None;
    }
    match p {
        P::NoKey | P::Revoked => return Some(401),
        P::Scope(s) => {
            // The owner's user: only the scope can stop it.
            let has = match row.scope {
                None => true,
                Some(need) => {
                    s == need
                        || (need.ends_with(":read")
                            && (s == need.replace(":read", ":admin")
                                || s == need.replace(":read", ":write")))
                }
            };
            return if has { None } else { Some(403) };
        }
        _ => {}
    }
    let allowed = match row.level {
        Level::Public | Level::AnyKey | Level::Workspace | Level::AnyUser => true,
        Level::Member => p != P::Outsider,
        Level::NonGuest => !matches!(p, P::Outsider | P::Guest),
        Level::Admin => matches!(p, P::Owner | P::Admin),
        Level::Owner | Level::Author => p == P::Owner,
        Level::AdminOrWriter => matches!(p, P::Owner | P::Admin | P::Writer),
        Level::AdminOrAuthor => matches!(p, P::Owner | P::Admin),
    };
    if allowed { None } else { Some(403) }
}

/// Looks for data a caller must not see: B's markers (anyone but B's owner) and, for the
/// member whose role hides Art, Art's items, their figures and the Art category itself.
fn leaks(p: P, row: &Row, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    if p != P::Outsider && text.contains("B-SECRET") {
        out.push("carries project B's data".to_string());
    }
    if p == P::Outsider && text.contains("A-PROJECT") && row.level != Level::Workspace {
        out.push("carries project A's data".to_string());
    }
    if p == P::Restricted {
        if text.contains("ART-HIDDEN") {
            out.push("carries a hidden Art item".to_string());
        }
        if let Ok(v) = serde_json::from_str::<Value>(text) {
            walk(&v, None, &mut out);
        }
    }
    out
}

fn walk(v: &Value, key: Option<&str>, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            // The roles themselves name the hidden category; that is not a leak.
            if key == Some("permissions") {
                return;
            }
            if m.get("categoryId") == Some(&json!(2)) {
                out.push(format!("names the hidden Art category in {key:?}"));
            }
            for (k, x) in m {
                walk(x, Some(k.as_str()), out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| walk(x, key, out)),
        Value::Number(_)
            if key.is_some_and(|k| k.starts_with("storyTasks"))
                && skipped("defect9: story totals include hidden items") => {}
        // The storage report's quota and file size limit are byte counts from the settings,
        // not figures of any item (the fixture's files are a few bytes each).
        Value::Number(_) if matches!(key, Some("fileLimit" | "totalSpace")) => {}
        Value::Number(n) if n.as_f64().is_some_and(|f| f >= 7000.0) => {
            out.push(format!(
                "a figure that includes hidden Art costs: {key:?} = {n}"
            ));
        }
        _ => {}
    }
}

/// Validates the reply against /openapi.json without aborting the whole matrix.
pub(crate) fn contract(method: &str, path: &str, r: &Reply) -> Option<String> {
    let ct = r
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (m, p, s, t) = (
        method.to_string(),
        path.to_string(),
        r.status.as_u16(),
        r.text.clone(),
    );
    std::panic::catch_unwind(move || crate::contract::check(&m, &p, s, ct.as_deref(), &t))
        .err()
        .map(|e| {
            e.downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        })
}

async fn send(fx: &Fx, row: &Row, p: P, call: &str) -> Reply {
    if row.body == Some(UPLOAD) {
        return send_upload(fx, p, call)
            .await
            .unwrap_or_else(|e| panic!("{} {call} as {p:?}: {e}", row.method));
    }
    let body = row.body.map(|b| fx.fill(b));
    raw_call(
        &fx.app,
        row.method,
        call,
        fx.key(p),
        body.map(String::into_bytes),
    )
    .await
    .unwrap_or_else(|e| panic!("{} {call} as {p:?}: {e}", row.method))
}

/// An upload row's call: a small text file as `multipart/form-data`, as `p`.
async fn send_upload(fx: &Fx, p: P, call: &str) -> Result<Reply, String> {
    let (ct, body) = multipart(&[("file", Some("matrix.txt"), "text/plain", b"matrix")]);
    let mut req = fx
        .app
        .client
        .post(format!("{}{call}", fx.app.base))
        .header("Content-Type", ct)
        .body(body);
    if let Some(k) = fx.key(p) {
        req = req.header("Authorization", format!("ApiKey {k}"));
    }
    let resp = req
        .send()
        .await
        .map_err(|e| format!("request failed: {e:?}"))?;
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp
        .text()
        .await
        .map_err(|e| format!("body not read: {e:?}"))?;
    Ok(Reply {
        status,
        headers,
        text,
    })
}

/// Checks one reply; returns the problems found.
fn judge(row: &Row, p: P, call: &str, r: &Reply) -> Vec<String> {
    let mut problems = Vec::new();
    let want = expected(row, p);
    let got = r.status.as_u16();
    match want {
        None if !r.status.is_success() => {
            problems.push(format!("expected 2xx, got {got}: {}", r.text))
        }
        Some(w) if w != got => problems.push(format!("expected {w}, got {got}: {}", r.text)),
        _ => {}
    }
    if !r.status.is_success() && !r.text.is_empty() {
        // A refusal says why and nothing else.
        match serde_json::from_str::<Value>(&r.text) {
            Ok(Value::Object(m)) if m.keys().all(|k| k == "message") => {}
            _ => problems.push(format!("a refusal with more than a message: {}", r.text)),
        }
    }
    problems.extend(leaks(p, row, &r.text));
    if let Some(e) = contract(row.method, call, r) {
        problems.push(e);
    }
    problems
}

fn label(row: &Row) -> String {
    format!("{} {}", row.method, row.template)
}

/// Every operation of the document has a row, and every row an operation.
#[tokio::test]
async fn every_operation_has_a_row() {
    let app = spawn_app().await;
    let doc = app.get("/openapi.json").await.expect(200);
    let mut served = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for m in ops.as_object().unwrap().keys() {
            served.push(format!("{} {path}", m.to_ascii_uppercase()));
        }
    }
    let table: Vec<String> = rows().iter().map(label).collect();
    let missing: Vec<_> = served.iter().filter(|s| !table.contains(s)).collect();
    let extra: Vec<_> = table.iter().filter(|s| !served.contains(s)).collect();
    assert!(
        missing.is_empty(),
        "operations without a row in the authorization matrix: {missing:#?}"
    );
    assert!(
        extra.is_empty(),
        "rows for operations the server does not serve: {extra:#?}"
    );
}

/// Reads: one fixture, every caller, every read operation; plus every work-item path again
/// with the hidden Art item for the restricted member (404, as for an unknown id).
#[tokio::test]
async fn reads() {
    let fx = fixture().await;
    let mut failures = Vec::new();
    let before = snapshot(&fx.app.db).await;
    for row in rows().iter().filter(|r| r.method == "GET") {
        let call = fx.fill(row.call);
        for p in principals() {
            let r = send(&fx, row, p, &call).await;
            for e in judge(row, p, &call, &r) {
                failures.push(format!("{} as {p:?}: {e}", label(row)));
            }
        }
        if row.call.contains("{w1}") {
            let call = fx.fill(&row.call.replace("{w1}", "{art}"));
            let r = send(&fx, row, P::Restricted, &call).await;
            if r.status.as_u16() != 404 {
                failures.push(format!(
                    "{} on the hidden Art item as Restricted: expected 404, got {} {}",
                    label(row),
                    r.status,
                    r.text
                ));
            }
        }
    }
    for row in rows().iter().filter(|r| r.method == "GET") {
        check_cross_project(&fx, row, &mut failures).await;
    }
    if let Some(d) = snapshot_diff(&before, &snapshot(&fx.app.db).await) {
        failures.push(format!("reads changed the database: {d}"));
    }
    failures.extend(hidden_totals(&fx).await);
    report(failures);
}

/// Figures seen by the member whose role hides Art leave Art out; admins see everything.
async fn hidden_totals(fx: &Fx) -> Vec<String> {
    let mut failures = Vec::new();
    let res = fx.key(P::Restricted).unwrap();
    let adm = fx.key(P::Admin).unwrap();
    let a = fx.ids["A"];
    for path in [
        format!("/v0/projects/{a}/metrics"),
        format!("/v0/projects/{a}/boards/{}/metrics", fx.ids["board"]),
        format!("/v0/projects/{a}/milestones/{}/metrics", fx.ids["ms"]),
        format!("/v0/projects/{a}/designelements/{}/metrics", fx.ids["de"]),
    ] {
        let seen = fx.app.as_user(res, "GET", &path, None).await.expect(200);
        let all = fx.app.as_user(adm, "GET", &path, None).await.expect(200);
        let est = |v: &Value| v["estimatedCost"].as_f64().unwrap_or(-1.0);
        let total_all = est(&all);
        if !(total_all == fx.all_estimate
            || (path.contains("designelements") && total_all == 3.0 + 7777.0))
        {
            failures.push(format!("{path}: admin's estimatedCost {total_all}"));
        }
        if est(&seen) >= 7777.0 || est(&seen) > fx.visible_estimate {
            failures.push(format!(
                "{path}: the restricted member's estimatedCost {} includes Art",
                est(&seen)
            ));
        }
    }
    // The story's totals over its children (defect 9).
    let name = "defect9: story totals include hidden items";
    if !skipped(name) {
        let s = fx
            .app
            .as_user(
                res,
                "GET",
                &format!("/v0/projects/{a}/workitems/{}", fx.ids["story"]),
                None,
            )
            .await
            .expect(200);
        if s["storyTasksEstimatedCost"].as_f64().unwrap_or(0.0) != 0.0 {
            failures.push(format!("{name}: {}", s["storyTasksEstimatedCost"]));
        }
    }
    let name = "defect9: design element counts include hidden items";
    if !skipped(name) {
        let d = fx
            .app
            .as_user(
                res,
                "GET",
                &format!("/v0/projects/{a}/designelements/{}", fx.ids["de"]),
                None,
            )
            .await
            .expect(200);
        if d["totalWorkItemCount"] != json!(1) {
            failures.push(format!(
                "{name}: totalWorkItemCount {}",
                d["totalWorkItemCount"]
            ));
        }
    }
    // The same counts where a page of work items nests the element (counted for the whole
    // page in one statement, the hidden categories left out there).
    let name = "defect9: nested design element counts include hidden items";
    if !skipped(name) {
        let page = fx
            .app
            .as_user(
                res,
                "GET",
                &format!(
                    "/v0/projects/{a}/workitems?designElementId={}",
                    fx.ids["de"]
                ),
                None,
            )
            .await
            .expect(200);
        let items = page["items"].as_array().cloned().unwrap_or_default();
        if items.len() != 1 || items[0]["designElement"]["totalWorkItemCount"] != json!(1) {
            failures.push(format!("{name}: {}", page["items"]));
        }
    }
    failures
}

/// The row's path with B's objects (global ids: boards, milestones, comments, work logs) in
/// place of A's, when it names one: A's owner must get a 404 there, as for an unknown id.
fn cross_project(row: &Row) -> Option<String> {
    let mut call = row.call.to_string();
    for (a, b) in [
        ("{board}", "{bboard}"),
        ("{ms}", "{bms}"),
        ("{comment}", "{bcomment}"),
        ("{log}", "{blog}"),
        ("{decomment}", "{bdecomment}"),
        ("{watt}", "{bwatt}"),
        ("{deatt}", "{bdeatt}"),
        ("{file}", "{bfile}"),
    ] {
        call = call.replace(a, b);
    }
    (call != row.call).then_some(call)
}

async fn check_cross_project(fx: &Fx, row: &Row, failures: &mut Vec<String>) {
    let Some(call) = cross_project(row) else {
        return;
    };
    let call = fx.fill(&call);
    let r = send(fx, row, P::Owner, &call).await;
    if r.status.as_u16() != 404 || r.text.contains("B-SECRET") {
        failures.push(format!(
            "{} with project B's object ({call}) as A's owner: expected 404, got {} {}",
            label(row),
            r.status,
            r.text
        ));
    }
}

fn report(failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} authorization matrix cell(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// One write operation on its own fixture: refused callers first (nothing may change), the
/// hidden-item variant for the restricted member, then the allowed callers.
async fn write_cell(row: &Row) -> Vec<String> {
    let fx = fixture().await;
    let mut failures = Vec::new();
    let l = label(row);
    if let Some((m, path)) = row.setup {
        let body = if path.ends_with("/default") {
            Some(fx.fill(r#"{"boardId":{board}}"#))
        } else if path.contains("/boards/") || path.contains("/milestones/") {
            Some("{}".to_string())
        } else {
            None
        };
        let r = raw_call(
            &fx.app,
            m,
            &fx.fill(path),
            Some(&fx.app.key),
            body.map(String::into_bytes),
        )
        .await
        .unwrap();
        assert!(
            r.status.is_success(),
            "{l}: setup failed {} {}",
            r.status,
            r.text
        );
    }
    let call = fx.fill(row.call);
    let before = snapshot(&fx.app.db).await;
    let (denied, allowed): (Vec<P>, Vec<P>) = principals()
        .into_iter()
        .partition(|p| expected(row, *p).is_some());
    for &p in &denied {
        let r = send(&fx, row, p, &call).await;
        for e in judge(row, p, &call, &r) {
            failures.push(format!("{l} as {p:?}: {e}"));
        }
    }
    if row.call.contains("{w1}") {
        let call = fx.fill(&row.call.replace("{w1}", "{art}"));
        let r = send(&fx, row, P::Restricted, &call).await;
        if r.status.as_u16() != 404 {
            failures.push(format!(
                "{l} on the hidden Art item as Restricted: expected 404, got {} {}",
                r.status, r.text
            ));
        }
    }
    check_cross_project(&fx, row, &mut failures).await;
    if let Some(d) = snapshot_diff(&before, &snapshot(&fx.app.db).await) {
        failures.push(format!("{l}: a refused request changed the database: {d}"));
    }
    // The least privileged allowed caller goes first; `once` rows stop after it.
    let order = [P::Guest, P::Restricted, P::Writer, P::Outsider, P::Admin];
    let mut run: Vec<P> = order
        .iter()
        .copied()
        .filter(|p| allowed.contains(p))
        .collect();
    run.extend(allowed.iter().copied().filter(|p| matches!(p, P::Scope(_))));
    run.extend(allowed.iter().copied().filter(|p| *p == P::Owner));
    if row.once {
        run.truncate(1);
    }
    for p in run {
        let r = send(&fx, row, p, &call).await;
        for e in judge(row, p, &call, &r) {
            failures.push(format!("{l} as {p:?}: {e}"));
        }
    }
    failures
}

/// Writes: a fresh fixture per operation, a few at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes() {
    let rows: Vec<Arc<Row>> = rows()
        .into_iter()
        .filter(|r| r.method != "GET")
        .map(Arc::new)
        .collect();
    let mut set = tokio::task::JoinSet::new();
    let mut failures = Vec::new();
    let mut it = rows.into_iter();
    let parallel = 4;
    loop {
        while set.len() < parallel {
            let Some(row) = it.next() else { break };
            set.spawn(async move { write_cell(&row).await });
        }
        match set.join_next().await {
            Some(r) => failures.extend(r.expect("a matrix task panicked")),
            None => break,
        }
    }
    report(failures);
}

/// Defect 2: `removeWorkItems` must not delete work items the caller may not delete.
#[tokio::test]
async fn remove_work_items_respects_item_permissions() {
    let fx = fixture().await;
    let a = fx.ids["A"];
    let de = fx.ids["de"];
    let art = fx.ids["art"];
    let exists = |id: i64| {
        let fx = &fx;
        async move {
            fx.app
                .get(&format!("/v0/projects/{a}/workitems/{id}"))
                .await
                .status
                .as_u16()
                == 200
        }
    };
    let body = Some(json!({"removeWorkItems": true}));
    let name = "defect2: removeWorkItems deletes hidden items";
    if !skipped(name) {
        let r = fx
            .app
            .as_user(
                fx.key(P::Restricted).unwrap(),
                "DELETE",
                &format!("/v0/projects/{a}/designelements/{de}"),
                body.clone(),
            )
            .await;
        assert!(
            r.status.is_client_error() || r.status.is_success(),
            "{}",
            r.text
        );
        assert!(exists(art).await, "{name}: the Art item is gone");
    }
    let name = "defect2: removeWorkItems without workitems:write";
    if !skipped(name) {
        let r = fx
            .app
            .as_user(
                fx.key(P::Scope("designmodel:write")).unwrap(),
                "DELETE",
                &format!("/v0/projects/{a}/designelements/{de}"),
                body,
            )
            .await;
        assert!(
            r.status.is_client_error() || r.status.is_success(),
            "{}",
            r.text
        );
        assert!(
            exists(fx.ids["w1"]).await,
            "{name}: the linked item is gone"
        );
    }
}

/// Defect 3: deleting a role must not widen what its members may see.
#[tokio::test]
async fn deleting_a_role_does_not_widen_access() {
    let name = "defect3: deleting a role grants everything";
    if skipped(name) {
        return;
    }
    let fx = fixture().await;
    let a = fx.ids["A"];
    // A role its members still hold is not deleted (409), so nobody falls back to "no role".
    let r = fx
        .app
        .delete(&format!("/v0/projects/{a}/roles/{}", fx.ids["rrole"]))
        .await;
    assert_eq!(r.status.as_u16(), 409, "{name}: {}", r.text);
    let r = fx
        .app
        .as_user(
            fx.key(P::Restricted).unwrap(),
            "GET",
            &format!("/v0/projects/{a}/workitems/{}", fx.ids["art"]),
            None,
        )
        .await;
    assert_ne!(r.status.as_u16(), 200, "{name}: {}", r.text);
}
