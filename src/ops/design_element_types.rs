//! Design element types (Chapter, Level, Character, …) of the project's game design model.
//! A project keeps at least one; deleting one moves its elements to another.

use serde::Deserialize;
use utoipa::ToSchema;

use super::config::{self, Kind, Look};
use super::{Actor, OpError, OpResult, access};
use crate::changes::Event;
use crate::model::{self, Check, DESIGN_ELEMENT_TYPE_COLS, DesignElementType};
use crate::params;
use crate::store::Tx;

impl Kind for DesignElementType {
    type Row = DesignElementType;
    const TABLE: &'static str = "design_element_types";
    const ALIAS: &'static str = "dt";
    const COLS: &'static str = DESIGN_ELEMENT_TYPE_COLS;
    const ID: &'static str = "design_element_type_id";
    const SEQUENCE: &'static str = "designelementtype";
    const ORDER: &'static str = "dt.design_element_type_id";
    const CREATED: Event = Event::DesignElementTypeCreated;
    const UPDATED: Event = Event::DesignElementTypeUpdated;
    const DELETED: Event = Event::DesignElementTypeDeleted;
    fn id(&self) -> i64 {
        self.design_element_type_id
    }
}

/// Create and PUT: `name` is required; on PUT omitted `icon`/`color` become null.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DesignElementTypeValues {
    pub name: Option<String>,
    /// `#` and 3, 6 or 8 hex digits.
    pub color: Option<String>,
    pub icon: Option<String>,
}

/// The optional body of a delete: a bare integer, or this object (read by `RawBody::int_opt`;
/// the type only documents it).
#[allow(dead_code)]
#[derive(Debug, ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct DeleteDesignElementTypeValues {
    /// Where the elements of the deleted type go; absent → the first remaining type.
    pub target_design_element_type_id: Option<i64>,
}

pub const NO_TARGET: &str = "The target design element type id does not exist.";
pub const LAST_TYPE: &str = "The design element type is the last one and can't be deleted.";

fn look(v: DesignElementTypeValues) -> OpResult<Look> {
    let mut c = Check::new();
    let look = Look::put(&mut c, v.name, v.color, v.icon);
    c.finish()?;
    Ok(look)
}

/// `[ADMIN]`
pub async fn create(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    v: DesignElementTypeValues,
) -> OpResult<DesignElementType> {
    access::admin(tx, actor, pid).await?;
    let look = look(v)?;
    config::insert(tx, actor, pid, look.fields()).await
}

/// `[ADMIN]` Omitted optional values become null.
pub async fn update(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    id: i64,
    v: DesignElementTypeValues,
) -> OpResult<DesignElementType> {
    config::admin_load::<DesignElementType>(tx, actor, pid, id).await?;
    let look = look(v)?;
    config::update(tx, actor, pid, id, look.fields()).await
}

/// `[ADMIN]` Its design elements move to `target` (absent: the first remaining type).
pub async fn delete(
    tx: &mut Tx,
    actor: &Actor,
    pid: i64,
    id: i64,
    target: Option<i64>,
) -> OpResult<()> {
    let before: DesignElementType = config::admin_load(tx, actor, pid, id).await?;
    let first: Option<(i64,)> = tx
        .opt(
            "SELECT design_element_type_id FROM design_element_types \
             WHERE project_id = $1 AND design_element_type_id <> $2 \
             ORDER BY design_element_type_id LIMIT 1",
            params![pid, id],
        )
        .await?;
    let Some((first,)) = first else {
        return Err(OpError::conflict(LAST_TYPE));
    };
    let target = match target {
        None => first,
        Some(t) if t == id => return Err(OpError::invalid(NO_TARGET)),
        Some(t) => {
            if !tx
                .exists(
                    "SELECT design_element_type_id FROM design_element_types \
                     WHERE project_id = $1 AND design_element_type_id = $2",
                    params![pid, t],
                )
                .await?
            {
                return Err(OpError::invalid(NO_TARGET));
            }
            t
        }
    };
    tx.exec(
        "UPDATE design_elements SET design_element_type_id = $1, update_date = $2 \
         WHERE project_id = $3 AND design_element_type_id = $4",
        params![target, model::now(), pid, id],
    )
    .await?;
    config::delete(tx, actor, pid, &before).await
}
