//! The engine's lease: at most one process on a database runs the scheduler engine, monitoring
//! and the other background work. The lease is a row in the database with its holder, an expiry
//! and an epoch (a fencing number that grows on every acquisition). A holder renews it well
//! before its expiry and stops acting when it cannot; a standby takes it once it has expired; a
//! clean shutdown releases it at once. Every step the engine records checks, in its own
//! transaction, that its [`Fence`] still holds (same holder and epoch, not expired), so a process
//! that lost the lease cannot record anything, even while it has not noticed yet.
//!
//! [`LeaseStore`] is the port; each database backend implements it.

use crate::node::{EngineStatus, LeaseView, NodeRole};
use crate::store::StoreError;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// A held lease: who holds it, the fencing number, since and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub holder: String,
    pub epoch: i64,
    /// When this holder took it (renewals keep it).
    pub since: OffsetDateTime,
    pub expires: OffsetDateTime,
}

impl Lease {
    /// What a recorded step must still match.
    pub fn fence(&self) -> Fence {
        Fence {
            holder: self.holder.clone(),
            epoch: self.epoch,
        }
    }
}

/// What a fenced write checks in its transaction: the lease is still this holder's, at this
/// epoch, and unexpired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fence {
    pub holder: String,
    pub epoch: i64,
}

/// A name for this process that no other process shares: host name, process id, and a start
/// mark (start instant and a random number), e.g. `node-a pid 4711 at 187e…-9f3c01aa`.
pub fn holder_id() -> String {
    let started = OffsetDateTime::now_utc().unix_timestamp_nanos();
    format!(
        "{} pid {} at {started:x}-{:08x}",
        host_name(),
        std::process::id(),
        rand::random::<u32>()
    )
}

/// The machine's name (letters, digits, `.`, `-` and `_` only, at most 64), or `unknown-host`.
fn host_name() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_default();
    let name: String = name
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .take(64)
        .collect();
    if name.is_empty() {
        "unknown-host".into()
    } else {
        name
    }
}

/// What a node says about the engine: whether `this` node holds `lease` at `now`.
pub fn engine_status(this: &str, lease: Option<Lease>, now: OffsetDateTime) -> EngineStatus {
    let rfc3339 = |at: OffsetDateTime| {
        at.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    };
    let lease = lease.map(|lease| LeaseView {
        expired: lease.expires <= now,
        holder: lease.holder,
        epoch: lease.epoch,
        since: rfc3339(lease.since),
        expires: rfc3339(lease.expires),
    });
    let role = match &lease {
        Some(lease) if lease.holder == this && !lease.expired => NodeRole::Holder,
        _ => NodeRole::Standby,
    };
    EngineStatus {
        this_node: this.to_string(),
        role,
        lease,
    }
}

/// This node as the other nodes know it: its name in the engine's lease, and the lease as the
/// database has it.
pub struct Node {
    store: Arc<dyn LeaseStore>,
    name: String,
}

impl Node {
    /// This process, named by [`holder_id`].
    pub fn new(store: Arc<dyn LeaseStore>) -> Self {
        Self {
            store,
            name: holder_id(),
        }
    }

    /// The name this node takes the lease under.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The engine as seen from this node, read from the database now.
    pub async fn engine(&self) -> Result<EngineStatus, StoreError> {
        let lease = self.store.current_lease().await?;
        Ok(engine_status(&self.name, lease, OffsetDateTime::now_utc()))
    }
}

/// The lease's row.
#[async_trait::async_trait]
pub trait LeaseStore: Send + Sync {
    /// Takes the lease for `holder` until `now + ttl` if nobody holds it or it has expired,
    /// with the next epoch; `None` while another holder's lease runs.
    async fn acquire_lease(
        &self,
        holder: &str,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> Result<Option<Lease>, StoreError>;
    /// Extends a held lease to `now + ttl`; `None` once it is no longer held (expired or
    /// taken over): the holder must stop acting.
    async fn renew_lease(
        &self,
        lease: &Lease,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> Result<Option<Lease>, StoreError>;
    /// Gives the lease up at once (a clean shutdown), if still held.
    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError>;
    /// The lease as it stands, if anyone holds it (expired or not).
    async fn current_lease(&self) -> Result<Option<Lease>, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lease(holder: &str, expires_in: i64) -> Lease {
        let now = OffsetDateTime::now_utc();
        Lease {
            holder: holder.into(),
            epoch: 7,
            since: now - time::Duration::minutes(3),
            expires: now + time::Duration::seconds(expires_in),
        }
    }

    #[test]
    fn a_node_holds_the_lease_only_while_it_is_its_and_unexpired() {
        let now = OffsetDateTime::now_utc();
        let held = engine_status("a", Some(lease("a", 5)), now);
        assert_eq!(held.role, NodeRole::Holder);
        assert_eq!(held.lease.as_ref().map(|l| l.epoch), Some(7));
        assert_eq!(
            engine_status("b", Some(lease("a", 5)), now).role,
            NodeRole::Standby
        );
        let expired = engine_status("a", Some(lease("a", -1)), now);
        assert_eq!(expired.role, NodeRole::Standby);
        assert!(expired.lease.unwrap().expired);
        assert_eq!(engine_status("a", None, now).role, NodeRole::Standby);
    }

    #[test]
    fn a_holder_id_names_the_host_and_the_process() {
        let id = holder_id();
        assert!(
            id.contains(&format!(" pid {} at ", std::process::id())),
            "{id}"
        );
        assert!(!id.starts_with(' ') && !id.starts_with("pid"), "{id}");
        assert_ne!(id, holder_id(), "unique per call");
    }
}
