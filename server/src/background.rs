//! Work beside the web server: the scheduler engine, the API trace's writer and its pruning,
//! and monitoring.

use domain::bookings::EngineBell;
use domain::monitoring::Monitor;
use domain::scheduler::{Engine, Scheduler, SchedulerConfig, SystemClock};
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

/// The running background tasks, ended when the server stops.
#[derive(Default)]
pub struct Tasks {
    engine: Option<Engine>,
    others: Vec<JoinHandle<()>>,
}

impl Tasks {
    /// Stops the scheduler engine (its steps in flight may finish, within its grace), then
    /// aborts the rest: the API trace's writer outlives the engine's last requests.
    pub async fn stop(self) {
        if let Some(engine) = self.engine {
            engine.stop().await;
        }
        for task in &self.others {
            task.abort();
        }
    }
}

/// Starts the scheduler engine, which runs every booked meeting; `bell` wakes it on a change.
pub fn start_engine(
    store: Arc<dyn Store>,
    systems: Arc<SystemService>,
    bell: Arc<EngineBell>,
    tasks: &mut Tasks,
) {
    let scheduler = Scheduler::new(
        store,
        systems,
        bell,
        Arc::new(SystemClock),
        SchedulerConfig::default(),
    );
    tasks.engine = Some(scheduler.spawn());
}

/// Starts the API trace's writer and pruning; returns the sink for the connectors.
pub fn start_trace_log(
    store: Arc<dyn Store>,
    background: &Background,
    tasks: &mut Tasks,
) -> Arc<TraceLog> {
    let (log, writer) = TraceLog::new(store.clone(), QUEUE_CAPACITY);
    tasks.others.push(tokio::spawn(writer));
    tasks
        .others
        .push(tokio::spawn(domain::trace_log::prune_forever(
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
    tasks.others.push(tokio::spawn(
        monitor.clone().run(background.monitor_interval),
    ));
    monitor
}
