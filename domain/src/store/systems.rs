//! Systems (CMS servers) and their cluster members, profiles and placeholder spaces.

use super::StoreError;
use super::monitoring::AlternateRecord;
use crate::system::{
    ClusterMember, Connectivity, ExtendedSettings, IdRange, SystemId, SystemSummary, TlsChoice,
};
use crate::ticket::TicketKind;

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
