//! The access store: each system's Permissions list (see [`crate::system_access`]).

use super::StoreError;
use crate::system::SystemId;
use crate::system_access::AccessList;
use std::collections::HashMap;

#[async_trait::async_trait]
pub trait AccessStore: Send + Sync {
    /// The system's list; the open default when none was saved.
    async fn access_list(&self, system: SystemId) -> Result<AccessList, StoreError>;
    /// The lists of every system that restricts booking or editing.
    async fn restricted_access_lists(&self) -> Result<HashMap<SystemId, AccessList>, StoreError>;
    /// Who last saved the system's list, if anyone did.
    async fn access_changed_by(&self, system: SystemId) -> Result<Option<String>, StoreError>;
    /// Replaces the system's list in one transaction; false when there is no such system.
    async fn set_access_list(
        &self,
        system: SystemId,
        list: &AccessList,
        by: &str,
    ) -> Result<bool, StoreError>;
}
