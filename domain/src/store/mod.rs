//! The store interface: every database access goes through [`Store`]. SQLite is the embedded
//! default; another backend (PostgreSQL) is one more implementation beside it.

pub mod access;
pub mod audit;
pub mod bookings;
pub mod folders;
mod monitoring;
pub mod progress;
mod sqlite;
pub mod wake;

pub use access::AccessStore;
pub use audit::AuditStore;
pub use bookings::BookingStore;
pub use monitoring::{
    AlternateRecord, ConnectionChange, MonitoringStore, NewTraceRow, PollRecord, SettingsRecord,
};
pub use sqlite::SqliteStore;

use crate::password::PasswordHashString;
use crate::system::{
    ClusterMember, Connectivity, ExtendedSettings, IdRange, SystemId, SystemSummary, TlsChoice,
};
use crate::ticket::{Severity, Ticket, TicketKind, TicketState};
use crate::{Role, UserId, UserSummary, Username};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule refused the write; `what` names the value that clashed.
    #[error("{what} already exists")]
    Conflict { what: String },
    #[error("database error: {0}")]
    Database(String),
    /// A fenced write (an engine step) refused: this process no longer holds the engine's
    /// lease ([`crate::lease`]).
    #[error("this process no longer holds the engine's lease")]
    Fenced,
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

/// Everything the portal keeps. One implementation per database backend.
#[async_trait::async_trait]
pub trait Store:
    UserStore
    + SystemStore
    + TicketStore
    + BookingStore
    + MonitoringStore
    + folders::FolderStore
    + AccessStore
    + AuditStore
    + crate::lease::LeaseStore
    + wake::WakeStore
    + progress::ProgressStore
    + Send
    + Sync
    + 'static
{
    /// Answers when the database does (the health check).
    async fn ping(&self) -> Result<(), StoreError>;
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

/// A system as stored: what only the server may see (the sealed password) included.
#[derive(Debug, Clone)]
pub struct SystemRecord {
    pub summary: SystemSummary,
    pub username: String,
    pub password_sealed: String,
    pub tls: TlsChoice,
    pub pinned_pem: Option<String>,
    pub cluster_enabled: bool,
    pub call_profile_id: Option<String>,
    pub call_leg_profile_id: Option<String>,
    pub members: Vec<ClusterMember>,
    pub extended: Option<ExtendedSettings>,
    pub provisioned: Option<IdRange>,
    /// The Alternate IP with its own credentials (Edit Settings → Network Settings).
    pub alternate: Option<AlternateRecord>,
}

/// What adding a system saves, all at once.
#[derive(Debug, Clone)]
pub struct NewSystem {
    pub address: String,
    pub username: String,
    pub password_sealed: String,
    pub tls: TlsChoice,
    pub pinned_pem: Option<String>,
    pub software_version: Option<String>,
    pub connectivity: Connectivity,
    pub cluster_enabled: bool,
    pub call_profile_id: Option<String>,
    pub call_leg_profile_id: Option<String>,
    pub members: Vec<ClusterMember>,
    /// Tickets the system starts with: kind and message.
    pub tickets: Vec<(TicketKind, String)>,
}

#[async_trait::async_trait]
pub trait SystemStore: Send + Sync {
    /// Saves the system, its cluster members and its first tickets in one transaction.
    async fn insert_system(&self, system: &NewSystem) -> Result<SystemId, StoreError>;
    async fn list_systems(&self) -> Result<Vec<SystemSummary>, StoreError>;
    async fn system(&self, id: SystemId) -> Result<Option<SystemRecord>, StoreError>;
    /// Every known cluster member's address, with the address of the system it came through.
    async fn cluster_member_addresses(&self) -> Result<Vec<(String, String)>, StoreError>;
    async fn set_system_identity(
        &self,
        id: SystemId,
        name: &str,
        description: &str,
    ) -> Result<bool, StoreError>;
    async fn set_extended_settings(
        &self,
        id: SystemId,
        settings: &ExtendedSettings,
    ) -> Result<bool, StoreError>;
    async fn set_profiles(
        &self,
        id: SystemId,
        call_profile: &str,
        call_leg_profile: &str,
    ) -> Result<(), StoreError>;
    /// The placeholder spaces Bridgekeeper made on the system: index and coSpace id.
    async fn placeholders(&self, id: SystemId) -> Result<Vec<(u64, String)>, StoreError>;
    /// Records a provisioning's outcome in one transaction: the range now on the server, the
    /// spaces created and the indexes whose spaces were deleted.
    async fn record_provisioning(
        &self,
        id: SystemId,
        provisioned: IdRange,
        created: &[(u64, String)],
        removed: &[u64],
    ) -> Result<(), StoreError>;
}

/// Which tickets to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub system: Option<SystemId>,
    /// Only these states; empty = any.
    pub states: Vec<TicketState>,
    pub kind: Option<TicketKind>,
    pub severity: Option<Severity>,
    /// At most this many (`None` = all), after skipping `offset`.
    pub limit: Option<u32>,
    pub offset: u64,
}

#[async_trait::async_trait]
pub trait TicketStore: Send + Sync {
    /// Opens an automatic ticket unless one of that kind is already live for the system.
    async fn raise_ticket(
        &self,
        system: SystemId,
        kind: TicketKind,
        message: &str,
    ) -> Result<(), StoreError>;
    /// Closes the system's live tickets of that kind (the condition has cleared).
    async fn close_tickets(&self, system: SystemId, kind: TicketKind) -> Result<u64, StoreError>;
    async fn tickets(&self, filter: &TicketFilter) -> Result<Vec<Ticket>, StoreError>;
    /// How many tickets match the filter, ignoring its limit and offset.
    async fn count_tickets(&self, filter: &TicketFilter) -> Result<u64, StoreError>;
    async fn ticket(&self, number: i64) -> Result<Option<Ticket>, StoreError>;
    /// Closes a ticket that is not closed yet; false when there is none with that number.
    async fn close_ticket(&self, number: i64) -> Result<bool, StoreError>;
    /// Acknowledges an open ticket; false when there is no open ticket with that number.
    async fn acknowledge_ticket(&self, number: i64, by: &str) -> Result<bool, StoreError>;
    /// Opens a custom ticket in someone's name and returns its number.
    async fn add_custom_ticket(
        &self,
        system: Option<SystemId>,
        message: &str,
        by: &str,
    ) -> Result<i64, StoreError>;
}
