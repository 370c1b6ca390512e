//! The connector's API trace, kept in the database for each system's Logs tab.
//!
//! [`TraceLog`] is the connector's [`TraceSink`]: it never blocks (a full queue drops the entry
//! and counts it), and a background writer stores entries in batches. A second task prunes rows
//! older than the retention period.

use crate::store::{NewTraceRow, Store};
use cms::{TraceEntry, TraceSink};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;

/// Entries waiting for the writer at most; beyond that they are dropped (and counted).
pub const QUEUE_CAPACITY: usize = 4096;
/// Entries stored per transaction at most.
const BATCH: usize = 256;

pub struct TraceLog {
    queue: mpsc::Sender<NewTraceRow>,
    dropped: AtomicU64,
}

impl std::fmt::Debug for TraceLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TraceLog")
            .field("dropped", &self.dropped())
            .finish()
    }
}

impl TraceLog {
    /// The sink, and the writer to spawn (it ends once every sender is gone).
    pub fn new(
        store: Arc<dyn Store>,
        capacity: usize,
    ) -> (Arc<TraceLog>, impl Future<Output = ()> + Send + 'static) {
        let (queue, received) = mpsc::channel(capacity.max(1));
        let log = Arc::new(TraceLog {
            queue,
            dropped: AtomicU64::new(0),
        });
        (log, write(store, received))
    }

    /// Entries lost because the writer could not keep up.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

impl TraceSink for TraceLog {
    fn record(&self, entry: TraceEntry) {
        if self.queue.try_send(row(entry)).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// A trace entry as stored. The connector masked bodies already; the path and the error text are
/// masked here too, so that nothing the connector did not expect to carry a secret leaks one.
fn row(entry: TraceEntry) -> NewTraceRow {
    NewTraceRow {
        at: time::OffsetDateTime::now_utc(),
        endpoint: entry.endpoint.to_string(),
        method: entry.method.to_string(),
        path: cms::trace::mask_secrets(&entry.path),
        request_body: entry.request_body.as_deref().map(cms::trace::mask_secrets),
        status: entry.status,
        duration_ms: u64::try_from(entry.duration.as_millis()).unwrap_or(u64::MAX),
        response_excerpt: cms::trace::mask_secrets(&entry.response_excerpt),
        error: entry.error.as_deref().map(cms::trace::mask_secrets),
    }
}

async fn write(store: Arc<dyn Store>, mut received: mpsc::Receiver<NewTraceRow>) {
    let mut batch = Vec::with_capacity(BATCH);
    while received.recv_many(&mut batch, BATCH).await > 0 {
        if let Err(e) = store.insert_trace(&batch).await {
            tracing::error!(error = %e, rows = batch.len(), "storing the API trace");
        }
        batch.clear();
    }
}

/// Deletes trace rows older than `retention`, now and then every `every`.
pub async fn prune_forever(store: Arc<dyn Store>, retention: Duration, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    loop {
        ticks.tick().await;
        match prune(store.as_ref(), retention).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, "pruned old API trace"),
            Err(e) => tracing::error!(error = %e, "pruning the API trace"),
        }
    }
}

/// Deletes trace rows older than `retention`.
pub async fn prune(
    store: &dyn Store,
    retention: Duration,
) -> Result<u64, crate::store::StoreError> {
    let cutoff = time::Duration::try_from(retention)
        .ok()
        .and_then(|d| time::OffsetDateTime::now_utc().checked_sub(d))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    store.prune_trace(cutoff).await
}
