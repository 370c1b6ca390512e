//! What monitoring, Edit Settings, the Connection tab and the Logs tab keep.

use super::StoreError;
use crate::system::{ClusterMember, Connectivity, SystemId, TlsChoice};
use crate::system_status::{
    GeneralSettings, SchedulingSettings, StatusSnapshot, TraceQuery, TraceRow,
};
use crate::ticket::TicketKind;

/// A system's failover target as stored: the sealed password included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlternateRecord {
    /// Canonical endpoint (`https://14.80.82.31`).
    pub address: String,
    pub username: String,
    pub password_sealed: String,
}

/// Edit Settings' values beyond name and description, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsRecord {
    pub general: GeneralSettings,
    pub scheduling: SchedulingSettings,
    pub sip_mode: bool,
    pub alternate: Option<AlternateRecord>,
}

/// What the Connection tab saves. `password_sealed: None` keeps the stored password.
#[derive(Debug, Clone)]
pub struct ConnectionChange {
    pub address: String,
    pub username: String,
    pub password_sealed: Option<String>,
    pub tls: TlsChoice,
    pub pinned_pem: Option<String>,
}

/// What one poll found.
#[derive(Debug, Clone)]
pub struct PollRecord {
    pub connectivity: Connectivity,
    /// Set when the primary answered.
    pub software_version: Option<String>,
    /// Set when the primary answered; otherwise the last snapshot stays.
    pub snapshot: Option<StatusSnapshot>,
    /// Whether the alternate answered; `None` when there is none.
    pub alternate_reachable: Option<bool>,
}

/// One API trace entry to store (already masked).
#[derive(Debug, Clone)]
pub struct NewTraceRow {
    pub at: time::OffsetDateTime,
    pub endpoint: String,
    pub method: String,
    pub path: String,
    pub request_body: Option<String>,
    pub status: Option<u16>,
    pub duration_ms: u64,
    pub response_excerpt: String,
    pub error: Option<String>,
}

#[async_trait::async_trait]
pub trait MonitoringStore: Send + Sync {
    /// Edit Settings' stored values; the defaults when none were saved yet.
    async fn settings(&self, id: SystemId) -> Result<SettingsRecord, StoreError>;
    async fn save_settings(
        &self,
        id: SystemId,
        settings: &SettingsRecord,
    ) -> Result<(), StoreError>;
    /// Changes address, credentials and TLS trust; `Conflict` when the address is taken.
    async fn set_connection(
        &self,
        id: SystemId,
        change: &ConnectionChange,
    ) -> Result<bool, StoreError>;
    /// Saves a poll's outcome: connectivity, version, status snapshot, alternate health.
    async fn record_poll(&self, id: SystemId, poll: &PollRecord) -> Result<(), StoreError>;
    async fn status_snapshot(&self, id: SystemId) -> Result<Option<StatusSnapshot>, StoreError>;
    /// Replaces the cluster's call bridges with those just read.
    async fn replace_members(
        &self,
        id: SystemId,
        cluster_enabled: bool,
        members: &[ClusterMember],
    ) -> Result<(), StoreError>;
    async fn hidden_ticket_kinds(&self, id: SystemId) -> Result<Vec<TicketKind>, StoreError>;
    /// Sets the hidden kinds and closes the system's live tickets of those kinds, at once.
    async fn set_hidden_ticket_kinds(
        &self,
        id: SystemId,
        kinds: &[TicketKind],
    ) -> Result<(), StoreError>;
    async fn insert_trace(&self, rows: &[NewTraceRow]) -> Result<(), StoreError>;
    /// One page of the trace of these endpoints, newest first, and how many rows match.
    async fn trace_page(
        &self,
        endpoints: &[String],
        query: &TraceQuery,
        page_size: u32,
    ) -> Result<(Vec<TraceRow>, u64), StoreError>;
    /// Deletes trace rows older than `before`; returns how many.
    async fn prune_trace(&self, before: time::OffsetDateTime) -> Result<u64, StoreError>;
}
