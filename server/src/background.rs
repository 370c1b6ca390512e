//! Work beside the web server: the API trace's writer and its pruning, and monitoring.

use domain::monitoring::Monitor;
use domain::store::Store;
use domain::systems::SystemService;
use domain::trace_log::{QUEUE_CAPACITY, TraceLog};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// How often, how widely and for how long.
#[derive(Debug, Clone)]
pub struct Background {
    /// Every system's status is read this often.
    pub monitor_interval: Duration,
    /// Systems polled at once, at most.
    pub monitor_concurrency: usize,
    /// API trace rows older than this are deleted.
    pub trace_retention: Duration,
}

impl Default for Background {
    fn default() -> Self {
        Background {
            monitor_interval: Duration::from_secs(60),
            monitor_concurrency: 8,
            trace_retention: Duration::from_secs(14 * 86_400),
        }
    }
}

/// How often old API trace rows are looked for.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// The running background tasks; aborted when the server stops.
#[derive(Default)]
pub struct Tasks(Vec<JoinHandle<()>>);

impl Tasks {
    pub fn abort_all(&self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// Starts the API trace's writer and pruning; returns the sink for the connectors.
pub fn start_trace_log(
    store: Arc<dyn Store>,
    background: &Background,
    tasks: &mut Tasks,
) -> Arc<TraceLog> {
    let (log, writer) = TraceLog::new(store.clone(), QUEUE_CAPACITY);
    tasks.0.push(tokio::spawn(writer));
    tasks.0.push(tokio::spawn(domain::trace_log::prune_forever(
        store,
        background.trace_retention,
        PRUNE_EVERY,
    )));
    log
}

/// Starts monitoring every system.
pub fn start_monitor(
    store: Arc<dyn Store>,
    systems: Arc<SystemService>,
    background: &Background,
    tasks: &mut Tasks,
) -> Arc<Monitor> {
    let monitor = Arc::new(Monitor::new(store, systems, background.monitor_concurrency));
    tasks.0.push(tokio::spawn(
        monitor.clone().run(background.monitor_interval),
    ));
    monitor
}
