//! The reference rows work items nest (categories, stages, importance levels, boards with their
//! creators and the default-board flag, tags, project users with their roles, users), cached in
//! memory per project so that loading a page of items reads the items' own rows and nothing else.
//!
//! The rule that keeps the cache from ever serving stale data (migration 0009, `ref_versions`):
//! - Triggers on every table the cache reads set `ref_versions.version` of the project (row
//!   `project_id`; row 0 for `users`, which are global) to a new random value, in the same
//!   transaction as the change. A version value therefore names one state of those rows, in any
//!   database and any process (other servers on the same database, a restored backup, the many
//!   databases of the test suite sharing this process).
//! - `load` reads both versions in the same statement as the items. An entry is used only when
//!   both of its versions equal the ones just read; otherwise it is rebuilt.
//! - A rebuild reads the versions first and the rows after, and the entry keeps the versions it
//!   read first: its rows are never older than its versions say (at worst newer, and then the
//!   database already holds other versions, so the next reader rebuilds it again).
//! - A project without a version row (none exists) is never cached.
//!
//! Anything that adds a table to this cache must add its triggers to `ref_versions` too.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use crate::model::{
    BOARD_SELECT, Board, BoardRow, CATEGORY_COLS, Category, IMPORTANCE_LEVEL_COLS, ImportanceLevel,
    ProjectUser, STAGE_COLS, Shared, Stage, TAG_COLS, Tag, USER_COLS, User, list_project_users,
};
use crate::params;
use crate::store::{DbResult, Tx, Val, placeholders};

/// One project's reference rows, as of `version` (and `users_version` for the users in them),
/// each `Shared`: rendered to JSON once per version instead of once per item that nests it.
pub(crate) struct Refs {
    version: i64,
    users_version: i64,
    pub categories: HashMap<i64, Shared<Category>>,
    pub stages: HashMap<i64, Shared<Stage>>,
    pub levels: HashMap<i64, Shared<ImportanceLevel>>,
    pub boards: HashMap<i64, Shared<Board>>,
    pub tags: HashMap<i64, Shared<Tag>>,
    /// Every project user, active or not (assignees, design-element creators).
    pub members: HashMap<i64, Shared<ProjectUser>>,
    /// The users the project knows (members and boards' creators; creators of items).
    users: HashMap<i64, Shared<User>>,
}

impl Refs {
    /// A user the project knows (a member, or a board's creator).
    pub fn user(&self, id: i64) -> Option<&Shared<User>> {
        self.users.get(&id)
    }
}

/// Entries by project id. Bounded: past `MAX_PROJECTS` entries the map starts over.
static CACHE: LazyLock<Mutex<HashMap<i64, Arc<Refs>>>> = LazyLock::new(Default::default);
const MAX_PROJECTS: usize = 4096;

/// The project's reference rows at the versions read with the items (`None`: no version row).
pub(crate) async fn get(
    tx: &mut Tx,
    project_id: i64,
    version: Option<i64>,
    users_version: Option<i64>,
) -> DbResult<Arc<Refs>> {
    if let (Some(v), Some(uv)) = (version, users_version) {
        let cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = cache.get(&project_id)
            && r.version == v
            && r.users_version == uv
        {
            return Ok(r.clone());
        }
    }
    let (refs, cacheable) = build(tx, project_id).await?;
    let refs = Arc::new(refs);
    if cacheable {
        let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= MAX_PROJECTS {
            cache.clear();
        }
        cache.insert(project_id, refs.clone());
    }
    Ok(refs)
}

/// Reads the versions, then the rows (see the rule above). The flag: both versions exist.
async fn build(tx: &mut Tx, project_id: i64) -> DbResult<(Refs, bool)> {
    let (version, users_version): (Option<i64>, Option<i64>) = tx
        .one(
            "SELECT (SELECT v.version FROM ref_versions v WHERE v.id = $1), \
             (SELECT v.version FROM ref_versions v WHERE v.id = 0)",
            params![project_id],
        )
        .await?;
    let categories: Vec<Category> = tx
        .all(
            &format!("SELECT {CATEGORY_COLS} FROM categories c WHERE c.project_id = $1"),
            params![project_id],
        )
        .await?;
    let stages: Vec<Stage> = tx
        .all(
            &format!("SELECT {STAGE_COLS} FROM stages s WHERE s.project_id = $1"),
            params![project_id],
        )
        .await?;
    let levels: Vec<ImportanceLevel> = tx
        .all(
            &format!(
                "SELECT {IMPORTANCE_LEVEL_COLS} FROM importance_levels il WHERE il.project_id = $1"
            ),
            params![project_id],
        )
        .await?;
    let tags: Vec<Tag> = tx
        .all(
            &format!("SELECT {TAG_COLS} FROM tags t WHERE t.project_id = $1"),
            params![project_id],
        )
        .await?;
    let boards: Vec<BoardRow> = tx
        .all(
            &format!("{BOARD_SELECT} WHERE b.project_id = $1"),
            params![project_id],
        )
        .await?;
    let boards: Vec<Board> = boards.into_iter().map(Board::from).collect();
    let members = list_project_users(tx, project_id, true, true).await?;
    // Members first: a board's creator who is a member is the same user row.
    let mut users: HashMap<i64, Shared<User>> = HashMap::new();
    for u in members
        .iter()
        .map(|m| &m.user)
        .chain(boards.iter().map(|b| &b.creator))
    {
        users.entry(u.id).or_insert_with(|| Shared::new(u.clone()));
    }
    let refs = Refs {
        version: version.unwrap_or(0),
        users_version: users_version.unwrap_or(0),
        categories: categories
            .into_iter()
            .map(|c| (c.category_id, c.into()))
            .collect(),
        stages: stages.into_iter().map(|s| (s.stage_id, s.into())).collect(),
        levels: levels
            .into_iter()
            .map(|l| (l.importance_level_id, l.into()))
            .collect(),
        boards: boards.into_iter().map(|b| (b.board_id, b.into())).collect(),
        tags: tags.into_iter().map(|t| (t.tag_id, t.into())).collect(),
        members: members.into_iter().map(|m| (m.user.id, m.into())).collect(),
        users,
    };
    Ok((refs, version.is_some() && users_version.is_some()))
}

/// Users by id, for the few a project's references do not hold (one statement).
pub(crate) async fn users_by_id(tx: &mut Tx, ids: &[i64]) -> DbResult<HashMap<i64, User>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let params: Vec<Val> = ids.iter().map(|i| Val::from(*i)).collect();
    let users: Vec<User> = tx
        .all(
            &format!(
                "SELECT {USER_COLS} FROM users u WHERE u.id IN ({})",
                placeholders(1, ids.len())
            ),
            &params,
        )
        .await?;
    Ok(users.into_iter().map(|u| (u.id, u)).collect())
}
