//! Work beside the web server: the scheduler engine, the API trace's writer and its pruning,
//! and monitoring.
//!
//! Several processes may serve one database; only the one holding the engine's lease
//! ([`domain::lease`]) runs the engine, monitoring and the trace's pruning. The others stand by
//! and take over once the lease expires (a crashed holder) or is released (a clean shutdown),
//! and the new engine starts with its resume path. A holder that cannot renew in time stops
//! acting before its lease expires.

use domain::bookings::EngineBell;
use domain::lease::Lease;
use domain::monitoring::Monitor;
use domain::scheduler::{Scheduler, SchedulerConfig, SystemClock};
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
    /// How long the engine's lease lasts unrenewed: a standby takes over this long after the
    /// holder's death. It is renewed every fifth of that.
    pub lease_ttl: Duration,
}

impl Default for Background {
    fn default() -> Self {
        Background {
            monitor_interval: Duration::from_secs(60),
            monitor_concurrency: 8,
            trace_retention: Duration::from_secs(14 * 86_400),
            lease_ttl: Duration::from_secs(8),
        }
    }
}

/// How often old API trace rows are looked for.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// The running background tasks, ended when the server stops.
#[derive(Default)]
pub struct Tasks {
    /// The lease's keeper: asked to stop, it stops what runs under the lease and releases it.
    leader: Option<(tokio::sync::oneshot::Sender<()>, JoinHandle<()>)>,
    others: Vec<JoinHandle<()>>,
}

impl Tasks {
    /// Stops the scheduler engine (its steps in flight may finish, within its grace) and
    /// releases the lease, then aborts the rest: the API trace's writer outlives the engine's
    /// last requests.
    pub async fn stop(self) {
        if let Some((stop, leader)) = self.leader {
            let _ = stop.send(());
            if let Err(e) = leader.await {
                tracing::error!(error = %e, "the engine lease's keeper failed");
            }
        }
        for task in &self.others {
            task.abort();
        }
    }
}

/// What runs only under the engine's lease.
pub struct Leased {
    pub store: Arc<dyn Store>,
    pub systems: Arc<SystemService>,
    /// Wakes the engine on a change.
    pub bell: Arc<EngineBell>,
    pub monitor: Arc<Monitor>,
    /// This process: the name it takes the lease under.
    pub node: Arc<domain::lease::Node>,
}

/// Starts keeping the engine's lease: while this process holds it, the scheduler engine (which
/// runs every booked meeting), monitoring and the trace's pruning run.
pub fn start_leased(leased: Leased, background: &Background, tasks: &mut Tasks) {
    let (stop, stopped) = tokio::sync::oneshot::channel();
    let holder = leased.node.name().to_string();
    let leader = tokio::spawn(keep_lease(leased, background.clone(), holder, stopped));
    tasks.leader = Some((stop, leader));
}

/// Why a holder stopped acting.
enum Ended {
    /// The server is stopping: release the lease.
    Stopping,
    /// The lease could not be renewed in time, or was taken over.
    Lost,
}

async fn keep_lease(
    leased: Leased,
    background: Background,
    holder: String,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let ttl = background.lease_ttl;
    let renew_every = ttl / 5;
    // A standby looks twice a second: takeover comes at most half a second after the expiry.
    let poll = renew_every.min(Duration::from_millis(500));
    // Acting stops this long before the lease would expire unrenewed.
    let margin = ttl * 3 / 10;
    let mut waited = false;
    loop {
        // Standing by.
        let lease = loop {
            if waited {
                tokio::select! {
                    _ = &mut stop => return,
                    _ = tokio::time::sleep(poll) => {}
                }
            }
            waited = true;
            match leased
                .store
                .acquire_lease(&holder, time::OffsetDateTime::now_utc(), ttl)
                .await
            {
                Ok(Some(lease)) => break lease,
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "taking the engine's lease"),
            }
        };
        let mut valid_until = std::time::Instant::now() + ttl;
        tracing::info!(
            holder = %lease.holder,
            epoch = lease.epoch,
            "this process holds the engine's lease: running the scheduler engine and monitoring"
        );
        let engine = Scheduler::fenced(
            leased.store.clone(),
            leased.systems.clone(),
            leased.bell.clone(),
            Arc::new(SystemClock),
            SchedulerConfig::default(),
            Some(lease.fence()),
        )
        .spawn();
        let others = [
            tokio::spawn(leased.monitor.clone().run(background.monitor_interval)),
            tokio::spawn(domain::trace_log::prune_forever(
                leased.store.clone(),
                background.trace_retention,
                PRUNE_EVERY,
            )),
            tokio::spawn(relay_rings(leased.store.clone(), leased.bell.clone())),
        ];
        let mut lease = lease;
        let ended = loop {
            tokio::select! {
                _ = &mut stop => break Ended::Stopping,
                _ = tokio::time::sleep(renew_every) => {}
            }
            let sent = std::time::Instant::now();
            let renewed = tokio::time::timeout(
                renew_every,
                leased
                    .store
                    .renew_lease(&lease, time::OffsetDateTime::now_utc(), ttl),
            )
            .await;
            match renewed {
                Ok(Ok(Some(renewed))) => {
                    lease = renewed;
                    valid_until = sent + ttl;
                }
                Ok(Ok(None)) => {
                    tracing::error!(epoch = lease.epoch, "the engine's lease was taken over");
                    break Ended::Lost;
                }
                Ok(Err(e)) => tracing::warn!(error = %e, "renewing the engine's lease"),
                Err(_) => tracing::warn!("renewing the engine's lease: no answer in time"),
            }
            if std::time::Instant::now() + margin >= valid_until {
                tracing::error!(
                    epoch = lease.epoch,
                    "the engine's lease could not be renewed in time: stopping the engine"
                );
                break Ended::Lost;
            }
        };
        for task in &others {
            task.abort();
        }
        match ended {
            Ended::Stopping => {
                engine.stop().await;
                release(leased.store.as_ref(), &lease).await;
                return;
            }
            Ended::Lost => engine.abort().await,
        }
    }
}

/// Wakes this process's engine whenever any process rings it through the database (an action
/// asked on another node), for as long as this process holds the lease.
async fn relay_rings(store: Arc<dyn Store>, bell: Arc<EngineBell>) {
    loop {
        match store.watch_engine().await {
            Ok(mut watch) => loop {
                match watch.rung().await {
                    Ok(()) => bell.wake(),
                    Err(e) => {
                        tracing::warn!(error = %e, "watching the engine's doorbell");
                        break;
                    }
                }
            },
            Err(e) => tracing::warn!(error = %e, "watching the engine's doorbell"),
        }
        // The engine still looks every tick meanwhile; then the watch starts again.
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn release(store: &dyn Store, lease: &Lease) {
    match store.release_lease(lease).await {
        Ok(()) => tracing::info!(epoch = lease.epoch, "released the engine's lease"),
        Err(e) => tracing::error!(error = %e, "releasing the engine's lease"),
    }
}

/// Starts the API trace's writer (its pruning runs under the engine's lease); returns the sink
/// for the connectors.
pub fn start_trace_log(store: Arc<dyn Store>, tasks: &mut Tasks) -> Arc<TraceLog> {
    let (log, writer) = TraceLog::new(store, QUEUE_CAPACITY);
    tasks.others.push(tokio::spawn(writer));
    log
}
