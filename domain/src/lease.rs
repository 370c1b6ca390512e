//! The engine's lease: at most one process on a database runs the scheduler engine, monitoring
//! and the other background work. The lease is a row in the database with its holder, an expiry
//! and an epoch (a fencing number that grows on every acquisition). A holder renews it well
//! before its expiry and stops acting when it cannot; a standby takes it once it has expired; a
//! clean shutdown releases it at once. Every step the engine records checks, in its own
//! transaction, that its [`Fence`] still holds (same holder and epoch, not expired), so a process
//! that lost the lease cannot record anything, even while it has not noticed yet.
//!
//! [`LeaseStore`] is the port; each database backend implements it.

use crate::store::StoreError;
use std::time::Duration;
use time::OffsetDateTime;

/// A held lease: who holds it, the fencing number, until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub holder: String,
    pub epoch: i64,
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

/// A name for this process that no other process shares (process id, start instant, random).
pub fn holder_id() -> String {
    let started = OffsetDateTime::now_utc().unix_timestamp_nanos();
    format!(
        "pid {} at {started:x}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    )
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
