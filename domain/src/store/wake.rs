//! The engine's doorbell in the database. Any process serving the database rings it after a
//! change the engine must act on now (a booking due now, Extend, End now, an edit, a
//! cancellation); the process holding the engine's lease watches it and wakes its engine. So an
//! action asked on one node takes effect at once whichever node runs the engine.
//!
//! A ring is a counter in the database, bumped in its own transaction after the change has been
//! committed (so the engine, once woken, reads the change). A watcher answers once the counter
//! has moved: SQLite by polling it (a one-row read every [`POLL`]); PostgreSQL by
//! LISTEN/NOTIFY, the NOTIFY sent in the bumping transaction, with polling as its fallback.

use super::StoreError;
use std::time::Duration;

/// How often a polling watcher reads the counter.
pub const POLL: Duration = Duration::from_millis(200);

#[async_trait::async_trait]
pub trait WakeStore: Send + Sync {
    /// Asks whichever process runs the engine to look at the bookings again now.
    async fn ring_engine(&self) -> Result<(), StoreError>;
    /// Starts watching for rings from now on.
    async fn watch_engine(&self) -> Result<Box<dyn EngineWatch>, StoreError>;
}

/// Rings of the engine's doorbell, as one watcher sees them.
#[async_trait::async_trait]
pub trait EngineWatch: Send {
    /// Answers once the doorbell has been rung since the watch began or since the last answer
    /// (several rings in between answer once).
    async fn rung(&mut self) -> Result<(), StoreError>;
}
