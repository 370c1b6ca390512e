//! The store: the persistence port. Every database access goes through [`Store`]; the rules
//! live in the rest of `domain`, the store only reads and writes.
//!
//! The port, one trait per area: [`users`], [`systems`], [`tickets`], [`bookings`],
//! `monitoring` (polls, settings, traces), [`folders`], [`access`] (per-system rights),
//! [`audit`], and the engine's lease ([`crate::lease`]); `error` says what can fail.
//! Its implementations, one module per area in each: `sqlite` (the embedded default) and
//! `postgres` (several nodes on one database).

pub mod access;
pub mod audit;
pub mod bookings;
mod error;
pub mod folders;
pub mod millis;
mod monitoring;
mod postgres;
pub mod progress;
mod sqlite;
pub mod systems;
pub mod tickets;
pub mod users;
pub mod wake;

pub use access::AccessStore;
pub use audit::AuditStore;
pub use bookings::BookingStore;
pub(crate) use error::Context;
pub use error::StoreError;
pub use monitoring::{
    AlternateRecord, ConnectionChange, MonitoringStore, NewTraceRow, PollRecord, SettingsRecord,
};
pub use postgres::PgStore;
pub use sqlite::SqliteStore;
pub use systems::{NewSystem, SystemRecord, SystemStore};
pub use tickets::{TicketFilter, TicketStore};
pub use users::{Guarded, UserRecord, UserStore};

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
