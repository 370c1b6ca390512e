//! Users: accounts, roles and the last-administrator guard.

use super::StoreError;
use crate::password::PasswordHashString;
use crate::{Role, UserId, UserSummary, Username};

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
pub trait UserStore: Send + Sync {
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
