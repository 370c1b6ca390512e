//! The store interface: every database access goes through [`Store`]. SQLite is the embedded
//! default; another backend (PostgreSQL) is one more implementation beside it.

mod sqlite;

pub use sqlite::SqliteStore;

use crate::password::PasswordHashString;
use crate::{Role, UserId, UserSummary, Username};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule refused the write; `what` names the value that clashed.
    #[error("{what} already exists")]
    Conflict { what: String },
    #[error("database error: {0}")]
    Database(String),
}

/// A user with what only the server may see.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub summary: UserSummary,
    pub password_hash: PasswordHashString,
    pub session_epoch: i64,
}

/// The outcome of a change that must leave at least one active administrator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guarded {
    Done,
    NotFound,
    WouldRemoveLastAdmin,
}

#[async_trait::async_trait]
pub trait Store: Send + Sync + 'static {
    /// Answers when the database does (the health check).
    async fn ping(&self) -> Result<(), StoreError>;
    async fn insert_user(
        &self,
        username: &Username,
        role: Role,
        hash: &PasswordHashString,
    ) -> Result<UserId, StoreError>;
    async fn user_by_name(&self, username: &Username) -> Result<Option<UserRecord>, StoreError>;
    async fn user_by_id(&self, id: UserId) -> Result<Option<UserRecord>, StoreError>;
    async fn list_users(&self) -> Result<Vec<UserSummary>, StoreError>;
    /// Changes a role unless that demotes the last active administrator.
    async fn set_role(&self, id: UserId, role: Role) -> Result<Guarded, StoreError>;
    /// Disables or enables a user, ending their sessions, unless that disables the last active
    /// administrator.
    async fn set_disabled(&self, id: UserId, disabled: bool) -> Result<Guarded, StoreError>;
    /// Replaces the password hash and ends the user's sessions.
    async fn set_password(&self, id: UserId, hash: &PasswordHashString)
    -> Result<bool, StoreError>;
}
