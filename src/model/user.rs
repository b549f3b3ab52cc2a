use serde::Serialize;
use utoipa::ToSchema;

/// A user as every reply nests it (`owner`, `creator`, `user`).
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: i64,
    pub username: String,
    pub email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub creation_date: String,
}
crate::lite_row!(User {
    id,
    username,
    email,
    name,
    creation_date
});

/// Columns of `users` aliased for `User`; use as `SELECT {USER_COLS} FROM users u …`.
pub const USER_COLS: &str = "u.id, u.username, u.email, u.name, u.creation_date";
