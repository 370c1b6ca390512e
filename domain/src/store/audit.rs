//! The audit store: what users did (see [`crate::audit`]), newest first.

use super::StoreError;
use crate::audit::{AuditEntry, AuditFilter};

#[async_trait::async_trait]
pub trait AuditStore: Send + Sync {
    /// The entries matching the filter, newest first: the meetings' history lines written in a
    /// user's name and the settings' audit lines, at most `limit` after skipping `offset`.
    async fn audit(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError>;
}
