//! The scheduler engine: one task that runs every booked meeting on its system at its time.
//!
//! Pending → Starting (a placeholder is claimed and recorded *before* the space is dressed) →
//! Ongoing (the call and its bridge recorded *after* it exists) → Ending (recorded before the
//! space is put back) → Finished. Defective: it could not be placed; Failed: it could not run,
//! with the reason and a ticket. Because each step is written down before and after it happens,
//! a crash anywhere is resumed: on start-up every Starting/Ongoing/Ending meeting is compared
//! with what the server reports (`observe_meeting`) and carried on, so a meeting is never
//! started twice and no placeholder stays dressed, nor a call running, after its end.
//!
//! The only CMS requests on the hot path are the lifecycle's own (start 2 + dial-outs,
//! extend 1, end 2): placeholders are learnt once per system and calls kept in memory.
//!
//! Punctuality (hundreds of meetings on the same minute): the meetings of a system that are
//! due together claim their placeholders in one batch; every system's meetings then start
//! concurrently, each as soon as its claim is on disk; steps are recorded in shared
//! transactions (`recorder`). A system's idle placeholders are learnt `PREPARE_LEAD` before
//! its next meetings, so the start instant holds only the lifecycle's own requests. Nothing is
//! claimed or dressed ahead of time: a meeting stays Pending (cancellable, movable, invisible
//! to callers) until its start (minus the "start early" setting).
//!
//! Stopping ([`Engine::stop`]) begins no new step, lets the steps in flight finish for up to
//! `stop_grace`, then cuts the rest short, which is as safe as a crash.

mod recorder;
pub mod steps;

use crate::booking::rules::{Span, placeholder_to_be_freed};
use crate::booking::{ConferenceType, MeetingId, MeetingState};
use crate::bookings::EngineBell;
use crate::store::bookings::{MeetingFilter, MeetingRecord, NewEvent, Step};
use crate::store::{Store, StoreError, SystemRecord};
use crate::system::SystemId;
use crate::systems::SystemService;
use crate::ticket::TicketKind;
use crate::zone::format_utc;
use cms::ids::CoSpaceId;
use cms::lifecycle::{
    self, AdoptError, LiveCall, MeetingDress, PlaceholderPlan, PlaceholderSpace, TMS_NAME_PREFIX,
};
use cms::ops::call_legs::RemoteParty;
use cms::{CmsError, Connector, Endpoint, NumericIdRange};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::oneshot;
use tokio::task::JoinSet;

/// The engine's idea of now (tests may move it).
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

#[derive(Debug, Clone)]
pub struct SchedulerConfig {
    /// The longest the engine sleeps without looking at the bookings.
    pub tick: Duration,
    /// The pause after a failed step, doubled on each further failure up to `retry_max`.
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// How long a stopping engine lets the steps in flight finish before it cuts them short.
    pub stop_grace: Duration,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            tick: Duration::from_secs(5),
            retry_base: Duration::from_secs(5),
            retry_max: Duration::from_secs(120),
            // A step is a few requests; the connector gives up on one after 10 s.
            stop_grace: Duration::from_secs(10),
        }
    }
}

/// How long before its meetings' start a system's placeholders are learnt (read only: nothing
/// is claimed or dressed). Well over a tick, so every start is seen coming at least once.
const PREPARE_LEAD: time::Duration = time::Duration::minutes(1);

/// What the engine keeps in memory between steps (all of it can be rebuilt from the store and
/// the server).
#[derive(Default)]
struct Cache {
    /// Per system: a fingerprint of its record and its connector.
    connectors: HashMap<SystemId, (String, Connector)>,
    placeholders: HashMap<(SystemId, String), PlaceholderSpace>,
    /// Systems whose idle placeholders have been read, with the range read (an Extended
    /// Settings change makes a new range, read again at its first use).
    learnt: HashMap<SystemId, (u64, u64)>,
    /// Systems whose learning ahead of their meetings has been tried (once per engine run; a
    /// failure leaves the learning to the first start).
    prepared: HashSet<SystemId>,
    calls: HashMap<MeetingId, LiveCall>,
}

/// One async lock per system, made on first use.
#[derive(Default)]
struct Turns(Mutex<HashMap<SystemId, Arc<tokio::sync::Mutex<()>>>>);

impl Turns {
    async fn take(&self, system: SystemId) -> tokio::sync::OwnedMutexGuard<()> {
        let turn = self
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(system)
            .or_default()
            .clone();
        turn.lock_owned().await
    }
}

struct Inner {
    store: Arc<dyn Store>,
    systems: Arc<SystemService>,
    bell: Arc<EngineBell>,
    clock: Arc<dyn Clock>,
    config: SchedulerConfig,
    recorder: recorder::Recorder,
    cache: Mutex<Cache>,
    /// One reading of a system's placeholders at a time.
    learning: Turns,
    /// One claim at a time per system, so claims running side by side take different
    /// placeholders instead of racing for the same lowest ones.
    claiming: Turns,
    /// Set when the engine is asked to stop: no new step is begun.
    stopping: AtomicBool,
    /// Counts placeholders put back, so a meeting waiting for one (back to back behind a
    /// meeting that is ending) is tried again at once.
    freed: tokio::sync::watch::Sender<u64>,
}

pub struct Scheduler {
    inner: Arc<Inner>,
    writer: recorder::Writer,
}

/// A running engine (see [`Scheduler::spawn`]).
pub struct Engine {
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Engine {
    /// Stops the engine and waits for it: see [`Scheduler::run`].
    pub async fn stop(self) {
        let _ = self.stop.send(());
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "scheduler: the engine's task failed");
        }
    }

    /// Stops the engine at once, cutting every step in flight short (as safe as a crash: the
    /// next engine resumes them). For a process that is losing the engine's lease.
    pub async fn abort(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

type StepResult = Result<(), String>;

/// The meetings a finished task was handling.
type Handled = Vec<MeetingId>;

impl From<StoreError> for String {
    fn from(e: StoreError) -> String {
        e.to_string()
    }
}

impl Scheduler {
    pub fn new(
        store: Arc<dyn Store>,
        systems: Arc<SystemService>,
        bell: Arc<EngineBell>,
        clock: Arc<dyn Clock>,
        config: SchedulerConfig,
    ) -> Scheduler {
        Self::fenced(store, systems, bell, clock, config, None)
    }

    /// [`Scheduler::new`] for an engine run under the engine's lease: every step it records
    /// checks `fence` in its own transaction, so once the lease is lost nothing is recorded
    /// (and, a step's "before" being recorded before its request, nothing more is done).
    pub fn fenced(
        store: Arc<dyn Store>,
        systems: Arc<SystemService>,
        bell: Arc<EngineBell>,
        clock: Arc<dyn Clock>,
        config: SchedulerConfig,
        fence: Option<crate::lease::Fence>,
    ) -> Scheduler {
        let (recorder, writer) = recorder::recorder(store.clone(), fence);
        Scheduler {
            inner: Arc::new(Inner {
                store,
                systems,
                bell,
                clock,
                config,
                recorder,
                cache: Mutex::new(Cache::default()),
                learning: Turns::default(),
                claiming: Turns::default(),
                stopping: AtomicBool::new(false),
                freed: tokio::sync::watch::Sender::new(0),
            }),
            writer,
        }
    }

    /// Runs the engine in its own task until [`Engine::stop`] (or the handle is dropped).
    pub fn spawn(self) -> Engine {
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(self.run(async move {
            let _ = stopped.await;
        }));
        Engine { stop, task }
    }

    /// Runs the engine until `stop` completes. Then it begins no new step, lets the steps in
    /// flight finish for up to `stop_grace` and cuts the rest short. Cutting one short is safe
    /// as a crash is (the next engine on the same database resumes it); letting it finish
    /// leaves the next engine less to reconcile.
    pub async fn run(self, stop: impl Future<Output = ()>) {
        let Scheduler { inner, writer } = self;
        let writer = tokio::spawn(writer.run());
        let mut in_flight: HashSet<MeetingId> = HashSet::new();
        let mut tasks: JoinSet<Handled> = JoinSet::new();
        let mut stop = std::pin::pin!(stop);
        let mut prepared_at: Option<std::time::Instant> = None;

        // Start-up: every live meeting is compared with what its server says, then carried on.
        match inner
            .store
            .meetings(&MeetingFilter {
                states: vec![
                    MeetingState::Starting,
                    MeetingState::Ongoing,
                    MeetingState::Ending,
                ],
                ..MeetingFilter::default()
            })
            .await
        {
            Ok(live) => {
                for meeting in live {
                    in_flight.insert(meeting.id);
                    let inner = inner.clone();
                    tasks.spawn(async move {
                        let id = meeting.id;
                        inner.log(id, inner.reconcile(meeting).await);
                        vec![id]
                    });
                }
            }
            Err(e) => tracing::error!(error = %e, "scheduler: reading live meetings"),
        }

        loop {
            let early = inner.early().await;
            let now = inner.clock.now();
            // A look at the coming minute once a tick is enough (`PREPARE_LEAD` is longer).
            if prepared_at.is_none_or(|at| at.elapsed() >= inner.config.tick) {
                prepared_at = Some(std::time::Instant::now());
                inner.prepare(now + early, &mut tasks).await;
            }
            match inner.store.due_meetings(now, early).await {
                Ok(due) => {
                    // Starts are handled a system at a time (one claim for all of them);
                    // everything else a meeting at a time.
                    let mut starts: HashMap<SystemId, Vec<MeetingRecord>> = HashMap::new();
                    for meeting in due {
                        if !in_flight.insert(meeting.id) {
                            continue;
                        }
                        if meeting.state == MeetingState::Pending {
                            starts.entry(meeting.system).or_default().push(meeting);
                            continue;
                        }
                        let inner = inner.clone();
                        tasks.spawn(async move {
                            let id = meeting.id;
                            inner.log(id, inner.act(meeting).await);
                            vec![id]
                        });
                    }
                    for (system, meetings) in starts {
                        let inner = inner.clone();
                        tasks.spawn(async move {
                            let ids = meetings.iter().map(|m| m.id).collect();
                            inner.start_all(system, meetings).await;
                            ids
                        });
                    }
                }
                Err(e) => tracing::error!(error = %e, "scheduler: reading due meetings"),
            }
            let next = inner.next_wake(early, &in_flight).await;
            let pause = next
                .map(|at| at - inner.clock.now())
                .map(|d| d.max(time::Duration::ZERO).unsigned_abs())
                .unwrap_or(inner.config.tick)
                .min(inner.config.tick);
            tokio::select! {
                _ = &mut stop => break,
                _ = tokio::time::sleep(pause) => {}
                _ = inner.bell.wait() => {}
                Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                    match done {
                        Ok(ids) => for id in ids { in_flight.remove(&id); },
                        Err(e) => {
                            tracing::error!(error = %e, "scheduler: a meeting's step panicked");
                            in_flight.clear();
                        }
                    }
                    // Drain whatever else has finished.
                    while let Some(Ok(ids)) = tasks.try_join_next() {
                        for id in ids {
                            in_flight.remove(&id);
                        }
                    }
                }
            }
        }

        inner.stopping.store(true, Ordering::SeqCst);
        let finishing = tasks.len();
        let finished = tokio::time::timeout(inner.config.stop_grace, async {
            while tasks.join_next().await.is_some() {}
        })
        .await;
        let cut = if finished.is_ok() { 0 } else { tasks.len() };
        tasks.shutdown().await;
        // The last Recorder goes with `inner`: the writer then commits what is queued and ends.
        drop(inner);
        if let Err(e) = writer.await {
            tracing::error!(error = %e, "scheduler: the step writer failed");
        }
        tracing::info!(
            finishing,
            cut,
            "scheduler stopped (steps cut short are resumed on the next start)"
        );
    }
}

impl Inner {
    fn log(&self, id: MeetingId, result: StepResult) {
        if let Err(e) = result {
            tracing::error!(meeting = id.0, error = %e, "scheduler step");
        }
    }

    async fn early(&self) -> time::Duration {
        match self.store.conference_settings().await {
            Ok(s) => time::Duration::minutes(s.start_early_minutes as i64),
            Err(_) => time::Duration::ZERO,
        }
    }

    async fn next_wake(
        &self,
        early: time::Duration,
        in_flight: &HashSet<MeetingId>,
    ) -> Option<OffsetDateTime> {
        // Due meetings already being handled must not make the engine spin: look at the next
        // one that is not.
        let now = self.clock.now();
        let next = self.store.next_due(early).await.ok().flatten()?;
        if next > now || in_flight.is_empty() {
            return Some(next);
        }
        let upcoming = self
            .store
            .meetings(&MeetingFilter {
                states: vec![MeetingState::Pending, MeetingState::Ongoing],
                from: Some(now),
                limit: Some(in_flight.len() as u32 + 50),
                ..MeetingFilter::default()
            })
            .await
            .ok()?;
        upcoming
            .iter()
            .filter(|m| !in_flight.contains(&m.id))
            .map(|m| match m.state {
                MeetingState::Pending => m.span.start() - early,
                _ => m.span.end(),
            })
            .min()
    }

    fn backoff(&self, attempts: u32) -> time::Duration {
        let base = self.config.retry_base;
        let pause = base
            .saturating_mul(1u32 << attempts.saturating_sub(1).min(16))
            .min(self.config.retry_max);
        time::Duration::try_from(pause).unwrap_or(time::Duration::MINUTE)
    }

    async fn act(&self, meeting: MeetingRecord) -> StepResult {
        let now = self.clock.now();
        match meeting.state {
            MeetingState::Starting => self.resume_start(meeting).await,
            MeetingState::Ongoing if now >= meeting.span.end() => self.end(meeting).await,
            MeetingState::Ongoing => self.redress(meeting).await,
            MeetingState::Ending => self.finish_end(meeting).await,
            _ => Ok(()),
        }
    }

    /// After a restart: carry on from what the server says.
    async fn reconcile(&self, meeting: MeetingRecord) -> StepResult {
        match meeting.state {
            MeetingState::Starting => self.resume_start(meeting).await,
            MeetingState::Ending => self.finish_end(meeting).await,
            MeetingState::Ongoing => self.check_ongoing(meeting).await,
            _ => Ok(()),
        }
    }

    // --- Systems, connectors, placeholders --------------------------------------------------

    async fn system(&self, id: SystemId) -> Result<SystemRecord, String> {
        self.store
            .system(id)
            .await?
            .ok_or_else(|| format!("system {} no longer exists", id.0))
    }

    fn connector(&self, record: &SystemRecord) -> Result<Connector, String> {
        let fingerprint = SystemService::connector_fingerprint(record);
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((known, connector)) = cache.connectors.get(&record.summary.id)
            && *known == fingerprint
        {
            return Ok(connector.clone());
        }
        let connector = self
            .systems
            .scheduling_connector_for(record)
            .map_err(|e| e.to_string())?;
        cache
            .connectors
            .insert(record.summary.id, (fingerprint, connector.clone()));
        Ok(connector)
    }

    /// The system's placeholder plan, widened to take in `index` (a space kept because it was in
    /// use when the administrator shrank the range is still ours to put back).
    fn plan(record: &SystemRecord, index: Option<u64>) -> Result<PlaceholderPlan, String> {
        let extended = record
            .extended
            .as_ref()
            .ok_or("the system has no Extended Settings")?;
        let range = record.provisioned.unwrap_or(extended.range);
        let (mut first, mut last) = (range.base, range.last());
        if let Some(index) = index {
            first = first.min(index);
            last = last.max(index);
        }
        let range = NumericIdRange::new(first, last - first + 1).map_err(|e| e.to_string())?;
        PlaceholderPlan::new(range, TMS_NAME_PREFIX, &extended.domain).map_err(|e| e.to_string())
    }

    /// Our placeholder `(index, coSpace id)`, as a checked [`PlaceholderSpace`]: from memory,
    /// else (once per system) from the server's idle placeholders, else read by id.
    async fn placeholder(
        &self,
        cms: &Connector,
        record: &SystemRecord,
        (index, co_space): &(u64, String),
    ) -> Result<PlaceholderSpace, PlaceholderProblem> {
        let system = record.summary.id;
        let key = (system, co_space.clone());
        if let Some(found) = self.cached_placeholder(&key) {
            return Ok(found);
        }
        let plan = Self::plan(record, Some(*index)).map_err(PlaceholderProblem::Other)?;
        // A failed reading is not this step's failure: the space is then read by id.
        let _ = self.learn(cms, system, &plan).await;
        if let Some(found) = self.cached_placeholder(&key) {
            return Ok(found);
        }
        let id =
            CoSpaceId::parse(co_space).map_err(|e| PlaceholderProblem::Other(e.to_string()))?;
        match lifecycle::adopt_placeholder(cms, &plan, &id).await {
            Ok(p) => {
                self.cache_lock().placeholders.insert(key, p.clone());
                Ok(p)
            }
            Err(AdoptError::Cms(e)) if e.is_not_found() => Err(PlaceholderProblem::Gone),
            Err(AdoptError::Cms(e)) => Err(PlaceholderProblem::Cms(e)),
            Err(e @ AdoptError::NotAPlaceholder(_)) => {
                Err(PlaceholderProblem::Other(e.to_string()))
            }
        }
    }

    /// Reads the system's idle placeholders into the cache, once per engine run and range (one
    /// filtered list, no scan).
    async fn learn(
        &self,
        cms: &Connector,
        system: SystemId,
        plan: &PlaceholderPlan,
    ) -> Result<(), CmsError> {
        let _turn = self.learning.take(system).await;
        let range = (plan.range().first(), plan.range().last());
        if self.cache_lock().learnt.get(&system) == Some(&range) {
            return Ok(());
        }
        let idle = lifecycle::find_placeholders(cms, plan).await?;
        let mut cache = self.cache_lock();
        cache.learnt.insert(system, range);
        for p in idle {
            cache
                .placeholders
                .insert((system, p.id().as_str().to_string()), p);
        }
        Ok(())
    }

    /// Learns, ahead of time, the placeholders of systems with meetings starting within
    /// `PREPARE_LEAD` of `horizon` (now plus "start early"), so their start instant holds only
    /// the lifecycle's own requests. Read only; a failure just leaves it to the first start.
    async fn prepare(self: &Arc<Self>, horizon: OffsetDateTime, tasks: &mut JoinSet<Handled>) {
        let coming = match self
            .store
            .meetings(&MeetingFilter {
                states: vec![MeetingState::Pending],
                from: Some(self.clock.now()),
                to: Some(horizon + PREPARE_LEAD),
                ..MeetingFilter::default()
            })
            .await
        {
            Ok(coming) => coming,
            Err(e) => {
                tracing::warn!(error = %e, "scheduler: reading the coming meetings");
                return;
            }
        };
        for meeting in coming {
            if meeting.conference_type == ConferenceType::Reservation
                || !self.cache_lock().prepared.insert(meeting.system)
            {
                continue;
            }
            let inner = self.clone();
            tasks.spawn(async move {
                let system = meeting.system;
                let learnt = async {
                    let record = inner.system(system).await?;
                    let cms = inner.connector(&record)?;
                    let plan = Self::plan(&record, None)?;
                    inner
                        .learn(&cms, system, &plan)
                        .await
                        .map_err(|e| e.to_string())
                }
                .await;
                if let Err(e) = learnt {
                    tracing::warn!(system = system.0, error = %e, "scheduler: learning placeholders ahead");
                }
                Vec::new()
            });
        }
    }

    fn cache_lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn cached_placeholder(&self, key: &(SystemId, String)) -> Option<PlaceholderSpace> {
        self.cache_lock().placeholders.get(key).cloned()
    }

    fn forget(&self, meeting: &MeetingRecord) {
        let mut cache = self.cache_lock();
        cache.calls.remove(&meeting.id);
        if let Some((_, co_space)) = &meeting.placeholder {
            cache
                .placeholders
                .remove(&(meeting.system, co_space.clone()));
        }
    }

    // --- Steps ----------------------------------------------------------------------------

    async fn record(
        &self,
        meeting: &MeetingRecord,
        expected: MeetingState,
        step: Step,
    ) -> Result<bool, String> {
        Ok(self.recorder.record((meeting.id, expected, step)).await?)
    }

    /// Gives up on a meeting that never ran: Defective or Failed, with a ticket.
    async fn give_up(
        &self,
        meeting: &MeetingRecord,
        expected: MeetingState,
        state: MeetingState,
        reason: String,
    ) -> StepResult {
        let ticket = format!(
            "Meeting \"{}\" ({}) {}: {reason}",
            meeting.title,
            format_utc(meeting.span.start()),
            if state == MeetingState::Defective {
                "could not be placed"
            } else {
                "failed"
            }
        );
        self.record(
            meeting,
            expected,
            Step {
                state: Some(state),
                failure: Some(reason.clone()),
                ticket: Some(ticket),
                retry_at: Some(None),
                event: Some(NewEvent::engine(state.label(), reason)),
                ..Step::default()
            },
        )
        .await?;
        Ok(())
    }

    /// Starts a system's meetings that are due together: claims placeholders for all of them
    /// in one batch, then dresses and calls each at once, side by side.
    async fn start_all(self: &Arc<Self>, system: SystemId, meetings: Vec<MeetingRecord>) {
        // Subscribed before the claim reads which placeholders are held: a placeholder put back
        // after that reading wakes the meetings left waiting.
        let mut freed = self.freed.subscribe();
        let now = self.clock.now();
        let mut to_claim = Vec::with_capacity(meetings.len());
        for meeting in meetings {
            let id = meeting.id;
            if now >= meeting.span.end() {
                let result = self
                    .give_up(
                        &meeting,
                        MeetingState::Pending,
                        MeetingState::Failed,
                        "it could not be started by its end time".into(),
                    )
                    .await;
                self.log(id, result);
            } else if meeting.conference_type == ConferenceType::Reservation {
                let result = self
                    .record(
                        &meeting,
                        MeetingState::Pending,
                        Step {
                            state: Some(MeetingState::Ongoing),
                            event: Some(NewEvent::engine(
                                "Start",
                                "reservation: capacity held, nothing started on the server",
                            )),
                            ..Step::default()
                        },
                    )
                    .await
                    .map(|_| ());
                self.log(id, result);
            } else {
                to_claim.push(meeting);
            }
        }
        if to_claim.is_empty() {
            return;
        }
        let record = match self.system(system).await {
            Ok(r) => Arc::new(r),
            Err(reason) => {
                for meeting in &to_claim {
                    let result = self
                        .give_up(
                            meeting,
                            MeetingState::Pending,
                            MeetingState::Defective,
                            reason.clone(),
                        )
                        .await;
                    self.log(meeting.id, result);
                }
                return;
            }
        };
        let (claimed, waiting) = match self.claim(&record, to_claim).await {
            Ok(claimed) => claimed,
            Err(e) => {
                tracing::error!(system = system.0, error = %e, "scheduler: claiming placeholders");
                return;
            }
        };
        let mut starting = JoinSet::new();
        for meeting in claimed {
            let (inner, record) = (self.clone(), record.clone());
            starting.spawn(async move {
                let id = meeting.id;
                inner.log(id, inner.try_start(meeting, &record, true).await);
            });
        }
        starting.join_all().await;
        if waiting > 0 && !self.stopping.load(Ordering::SeqCst) {
            // Back to the loop (which tries them again) once a placeholder is put back, or
            // after a tick.
            let _ = tokio::time::timeout(self.config.tick, freed.changed()).await;
        }
    }

    /// Claims the lowest-numbered free placeholders for `meetings` (earliest start first), all
    /// recorded before any is dressed; the store refuses one already held. Returns the meetings
    /// claimed, now Starting. One left without a free placeholder is Defective; one whose claim
    /// lost a race (another engine on the same database) stays Pending for the next round, and
    /// so does one for which the booking rule says a held placeholder is about to be freed (a
    /// meeting back to back behind one that is ending): the count of those is returned too.
    async fn claim(
        &self,
        record: &SystemRecord,
        meetings: Vec<MeetingRecord>,
    ) -> Result<(Vec<MeetingRecord>, usize), String> {
        let system = record.summary.id;
        let turn = self.claiming.take(system).await;
        let busy = self.store.busy_placeholders(system).await?;
        let placeholders = self.store.placeholders(system).await?;
        let capacity = placeholders.len();
        let mut free: Vec<(u64, String)> = placeholders
            .into_iter()
            .filter(|(index, _)| !busy.contains(index))
            .collect();
        free.sort_by_key(|(index, _)| *index);
        let mut free = free.into_iter();
        let mut claims = Vec::with_capacity(meetings.len());
        let mut squeezed = Vec::new();
        for meeting in meetings {
            match free.next() {
                Some(slot) => claims.push((meeting, slot)),
                None => squeezed.push(meeting),
            }
        }
        let steps = claims
            .iter()
            .map(|(meeting, (index, co_space))| {
                (
                    meeting.id,
                    MeetingState::Pending,
                    Step {
                        state: Some(MeetingState::Starting),
                        placeholder: Some(Some((*index, co_space.clone()))),
                        attempts: Some(0),
                        booked_as: Some((system, meeting.span)),
                        event: Some(NewEvent::engine(
                            "Start",
                            format!(
                                "before: placeholder {index} taken; dressing it and creating the call"
                            ),
                        )),
                        ..Step::default()
                    },
                )
            })
            .collect();
        let outcomes = self.recorder.record_all(steps).await;
        drop(turn);
        let mut claimed = Vec::with_capacity(claims.len());
        for ((meeting, slot), outcome) in claims.into_iter().zip(outcomes) {
            match outcome {
                Ok(true) => claimed.push(MeetingRecord {
                    state: MeetingState::Starting,
                    placeholder: Some(slot),
                    ..meeting
                }),
                Ok(false) => {} // cancelled or moved meanwhile: the next round sees it as it is
                Err(StoreError::Conflict { .. }) => {}
                Err(e) => {
                    tracing::error!(meeting = meeting.id.0, error = %e, "scheduler: claiming")
                }
            }
        }
        let mut waiting = 0;
        if !squeezed.is_empty() {
            let held: Vec<Span> = self
                .store
                .meetings(&MeetingFilter {
                    system: Some(system),
                    states: vec![
                        MeetingState::Starting,
                        MeetingState::Ongoing,
                        MeetingState::Ending,
                    ],
                    ..MeetingFilter::default()
                })
                .await?
                .iter()
                .filter(|m| m.placeholder.is_some())
                .map(|m| m.span)
                .collect();
            for meeting in squeezed {
                if placeholder_to_be_freed(&meeting.span, &held, capacity) {
                    waiting += 1;
                    continue;
                }
                let result = self
                    .give_up(
                        &meeting,
                        MeetingState::Pending,
                        MeetingState::Defective,
                        "no free placeholder space on the system".into(),
                    )
                    .await;
                self.log(meeting.id, result);
            }
        }
        Ok((claimed, waiting))
    }

    async fn resume_start(&self, meeting: MeetingRecord) -> StepResult {
        let record = self.system(meeting.system).await?;
        self.try_start(meeting, &record, false).await
    }

    /// Dresses the claimed placeholder, starts the call, dials out. A retry (or a resumption
    /// after a crash) first looks at the space: a call already there is adopted, not repeated.
    async fn try_start(
        &self,
        meeting: MeetingRecord,
        record: &SystemRecord,
        fresh: bool,
    ) -> StepResult {
        let Some(slot) = meeting.placeholder.clone() else {
            return Err("a starting meeting without a placeholder".into());
        };
        // A safe point: the claim is on disk and nothing sent yet; the next engine starts it.
        if self.stopping.load(Ordering::SeqCst) {
            return Ok(());
        }
        if self.clock.now() >= meeting.span.end() {
            return self
                .abandon_start(meeting, "it could not be started by its end time".into())
                .await;
        }
        let outcome = async {
            let cms = self.connector(record).map_err(StartProblem::Other)?;
            let placeholder = self
                .placeholder(&cms, record, &slot)
                .await
                .map_err(StartProblem::from)?;
            let dress = dress_of(&meeting)?;
            let dials_out = self
                .store
                .settings(meeting.system)
                .await
                .map_err(|e| StartProblem::Other(e.to_string()))?
                .scheduling
                .dials_out();
            let parties = if dials_out {
                parties_of(&meeting)
            } else {
                Vec::new()
            };
            let held_back = if parties_of(&meeting).len() > parties.len() {
                "; nobody dialled: the system's Allow Outgoing SIP URI Dialing is off"
            } else {
                ""
            };
            if !fresh {
                let seen = lifecycle::observe_meeting(&cms, &placeholder, None)
                    .await
                    .map_err(StartProblem::Cms)?;
                if let Some(found) = seen.calls.first() {
                    let present: Vec<String> = found
                        .legs
                        .iter()
                        .filter_map(|l| l.remote_party.clone())
                        .collect();
                    let mut dialled = Vec::new();
                    for party in parties
                        .iter()
                        .filter(|p| !present.iter().any(|r| r == p.as_str()))
                    {
                        let outcome = cms
                            .pinned_to(found.call.endpoint())
                            .unwrap_or_else(|| cms.clone())
                            .create_call_leg(found.call.id(), party)
                            .await;
                        dialled.push(dial_text(
                            party,
                            outcome.as_ref().map(|_| ()).map_err(|e| e.clone()),
                        ));
                    }
                    return Ok((
                        found.call.clone(),
                        format!("adopted the call already in the space{held_back}"),
                        dialled,
                    ));
                }
            }
            let started = lifecycle::start_meeting(&cms, &placeholder, &dress, &parties)
                .await
                .map_err(StartProblem::Cms)?;
            let dialled = started
                .dial_outs
                .iter()
                .map(|d| {
                    dial_text(
                        &d.remote_party,
                        d.outcome.as_ref().map(|_| ()).map_err(|e| e.clone()),
                    )
                })
                .collect();
            Ok((
                started.call,
                format!("dressed and called{held_back}"),
                dialled,
            ))
        }
        .await;
        match outcome {
            Ok((call, how, dialled)) => {
                let outcome = format!(
                    "after: {how}; call {} on {}{}",
                    call.id().as_str(),
                    call.endpoint(),
                    if dialled.is_empty() {
                        String::new()
                    } else {
                        format!("; dialled {}", dialled.join(", "))
                    }
                );
                let stored = self
                    .record(
                        &meeting,
                        MeetingState::Starting,
                        Step {
                            state: Some(MeetingState::Ongoing),
                            call: Some(Some((
                                call.id().as_str().to_string(),
                                call.endpoint().to_string(),
                            ))),
                            call_created: Some(self.clock.now()),
                            applied_dress: Some(meeting.dress_version),
                            retry_at: Some(None),
                            event: Some(NewEvent::engine("Start", outcome)),
                            ..Step::default()
                        },
                    )
                    .await?;
                if stored {
                    self.cache_lock().calls.insert(meeting.id, call);
                }
                Ok(())
            }
            Err(StartProblem::PlaceholderGone) => {
                self.abandon_start(
                    meeting,
                    "its placeholder space no longer exists on the server".into(),
                )
                .await
            }
            Err(problem) => {
                let reason = problem.to_string();
                let attempts = meeting.attempts + 1;
                let retry = self.clock.now() + self.backoff(attempts);
                if attempts == 1
                    && let Err(e) = self
                        .store
                        .raise_ticket(
                            meeting.system,
                            TicketKind::ConnectionError,
                            &format!("Could not start meeting \"{}\": {reason}", meeting.title),
                        )
                        .await
                {
                    tracing::error!(error = %e, "raising a ticket");
                }
                self.record(
                    &meeting,
                    MeetingState::Starting,
                    Step {
                        attempts: Some(attempts),
                        retry_at: Some(Some(retry)),
                        event: Some(NewEvent::engine(
                            "Start",
                            format!(
                                "failed (try {attempts}): {reason}; next try at {}",
                                format_utc(retry)
                            ),
                        )),
                        ..Step::default()
                    },
                )
                .await?;
                self.forget(&meeting);
                Ok(())
            }
        }
    }

    /// A claimed meeting that cannot start any more: raise its ticket now, then put the
    /// placeholder back (it may have been dressed) before calling it Failed.
    async fn abandon_start(&self, meeting: MeetingRecord, reason: String) -> StepResult {
        let ticket = format!(
            "Meeting \"{}\" ({}) failed: {reason}",
            meeting.title,
            format_utc(meeting.span.start())
        );
        let moved = self
            .record(
                &meeting,
                MeetingState::Starting,
                Step {
                    state: Some(MeetingState::Ending),
                    failure: Some(reason.clone()),
                    ticket: Some(ticket),
                    retry_at: Some(None),
                    event: Some(NewEvent::engine(
                        "End",
                        format!("before: {reason}; putting the placeholder back"),
                    )),
                    ..Step::default()
                },
            )
            .await?;
        if moved {
            let meeting = MeetingRecord {
                state: MeetingState::Ending,
                failure: Some(reason),
                ..meeting
            };
            return self.finish_end(meeting).await;
        }
        Ok(())
    }

    /// After a restart: is the call still there? If it vanished before the end, start again.
    async fn check_ongoing(&self, meeting: MeetingRecord) -> StepResult {
        let Some(slot) = meeting.placeholder.clone() else {
            return Ok(()); // a reservation
        };
        if self.clock.now() >= meeting.span.end() {
            return self.end(meeting).await;
        }
        let record = self.system(meeting.system).await?;
        let cms = self.connector(&record)?;
        let placeholder = match self.placeholder(&cms, &record, &slot).await {
            Ok(p) => p,
            Err(e) => return Err(e.to_string()),
        };
        let seen = lifecycle::observe_meeting(&cms, &placeholder, started_on(&meeting).as_ref())
            .await
            .map_err(|e| e.to_string())?;
        if let Some(found) = seen.calls.first() {
            self.cache_lock()
                .calls
                .insert(meeting.id, found.call.clone());
            self.record(
                &meeting,
                MeetingState::Ongoing,
                Step {
                    event: Some(NewEvent::engine(
                        "Reconcile",
                        format!("call {} still running", found.call.id().as_str()),
                    )),
                    ..Step::default()
                },
            )
            .await?;
            return Ok(());
        }
        // The call is gone though the meeting is not over: back to Starting, which starts it.
        let moved = self
            .record(
                &meeting,
                MeetingState::Ongoing,
                Step {
                    state: Some(MeetingState::Starting),
                    call: Some(None),
                    event: Some(NewEvent::engine(
                        "Reconcile",
                        "the call was gone before the end; starting it again",
                    )),
                    ..Step::default()
                },
            )
            .await?;
        if moved {
            let meeting = MeetingRecord {
                state: MeetingState::Starting,
                call: None,
                ..meeting
            };
            return self.try_start(meeting, &record, true).await;
        }
        Ok(())
    }

    /// Re-dresses a running meeting after an extension or a new title: 1 request.
    async fn redress(&self, meeting: MeetingRecord) -> StepResult {
        let Some(slot) = meeting.placeholder.clone() else {
            // A reservation: nothing on the server to change.
            self.record(
                &meeting,
                MeetingState::Ongoing,
                Step {
                    applied_dress: Some(meeting.dress_version),
                    ..Step::default()
                },
            )
            .await?;
            return Ok(());
        };
        let record = self.system(meeting.system).await?;
        self.record(
            &meeting,
            MeetingState::Ongoing,
            Step {
                event: Some(NewEvent::engine(
                    "Extend",
                    format!(
                        "before: dressing placeholder {} until {}",
                        slot.0,
                        format_utc(meeting.span.end())
                    ),
                )),
                ..Step::default()
            },
        )
        .await?;
        let result = async {
            let cms = self.connector(&record)?;
            let placeholder = self
                .placeholder(&cms, &record, &slot)
                .await
                .map_err(|e| e.to_string())?;
            let dress = dress_of(&meeting).map_err(|e| e.to_string())?;
            lifecycle::extend_meeting(&cms, &placeholder, &dress)
                .await
                .map_err(|e| e.to_string())
        }
        .await;
        let step = match result {
            Ok(()) => Step {
                applied_dress: Some(meeting.dress_version),
                retry_at: Some(None),
                event: Some(NewEvent::engine("Extend", "after: done")),
                ..Step::default()
            },
            Err(reason) => {
                let attempts = meeting.attempts + 1;
                let retry = self.clock.now() + self.backoff(attempts);
                Step {
                    attempts: Some(attempts),
                    retry_at: Some(Some(retry)),
                    event: Some(NewEvent::engine(
                        "Extend",
                        format!("failed: {reason}; next try at {}", format_utc(retry)),
                    )),
                    ..Step::default()
                }
            }
        };
        self.record(&meeting, MeetingState::Ongoing, step).await?;
        Ok(())
    }

    async fn end(&self, meeting: MeetingRecord) -> StepResult {
        if meeting.placeholder.is_none() {
            self.record(
                &meeting,
                MeetingState::Ongoing,
                Step {
                    state: Some(MeetingState::Finished),
                    event: Some(NewEvent::engine("End", "reservation over")),
                    ..Step::default()
                },
            )
            .await?;
            return Ok(());
        }
        let moved = self
            .record(
                &meeting,
                MeetingState::Ongoing,
                Step {
                    state: Some(MeetingState::Ending),
                    attempts: Some(0),
                    retry_at: Some(None),
                    event: Some(NewEvent::engine(
                        "End",
                        "before: putting the placeholder back and deleting the call",
                    )),
                    ..Step::default()
                },
            )
            .await?;
        if !moved {
            return Ok(());
        }
        self.finish_end(MeetingRecord {
            state: MeetingState::Ending,
            attempts: 0,
            ..meeting
        })
        .await
    }

    /// Puts the placeholder back and deletes the call (those the server reports, when the
    /// engine does not know it from this run), then Finished — or Failed for a meeting that
    /// never ran.
    async fn finish_end(&self, meeting: MeetingRecord) -> StepResult {
        let final_state = if meeting.failure.is_some() {
            MeetingState::Failed
        } else {
            MeetingState::Finished
        };
        let Some(slot) = meeting.placeholder.clone() else {
            self.record(
                &meeting,
                MeetingState::Ending,
                Step {
                    state: Some(final_state),
                    event: Some(NewEvent::engine("End", "after: nothing on the server")),
                    ..Step::default()
                },
            )
            .await?;
            return Ok(());
        };
        let result = async {
            let record = self.system(meeting.system).await?;
            let cms = self.connector(&record)?;
            let placeholder = match self.placeholder(&cms, &record, &slot).await {
                Ok(p) => p,
                Err(PlaceholderProblem::Gone) => {
                    return Ok("the placeholder space no longer exists".to_string());
                }
                Err(e) => return Err(e.to_string()),
            };
            let known = self.cache_lock().calls.get(&meeting.id).cloned();
            let calls = match known {
                Some(call) => vec![call],
                None => {
                    lifecycle::observe_meeting(&cms, &placeholder, started_on(&meeting).as_ref())
                        .await
                        .map_err(|e| e.to_string())?
                        .calls
                        .into_iter()
                        .map(|c| c.call)
                        .collect()
                }
            };
            let mut said = Vec::new();
            // A space the administrator's range left while this meeting ran is deleted once
            // it is put back (it is no longer among the system's placeholders).
            let retired = !self
                .store
                .placeholders(meeting.system)
                .await?
                .iter()
                .any(|(index, _)| *index == slot.0);
            if calls.is_empty() {
                lifecycle::end_meeting(&cms, &placeholder, None)
                    .await
                    .map_err(|e| e.to_string())?;
                said.push("placeholder put back; no call".to_string());
            }
            for call in &calls {
                let end = lifecycle::end_meeting(&cms, &placeholder, Some(call))
                    .await
                    .map_err(|e| e.to_string())?;
                said.push(format!(
                    "placeholder put back; call {}: {end:?}",
                    call.id().as_str()
                ));
            }
            if retired {
                match cms.delete_co_space(placeholder.id()).await {
                    Ok(()) => said.push(format!("space {} deleted: out of the range", slot.0)),
                    Err(e) if e.is_not_found() => {}
                    Err(e) => return Err(e.to_string()),
                }
            }
            Ok(said.join("; "))
        }
        .await;
        match result {
            Ok(said) => {
                self.record(
                    &meeting,
                    MeetingState::Ending,
                    Step {
                        state: Some(final_state),
                        retry_at: Some(None),
                        event: Some(NewEvent::engine("End", format!("after: {said}"))),
                        ..Step::default()
                    },
                )
                .await?;
                self.cache_lock().calls.remove(&meeting.id);
                self.freed.send_modify(|n| *n = n.wrapping_add(1));
                Ok(())
            }
            Err(reason) => {
                let attempts = meeting.attempts + 1;
                let retry = self.clock.now() + self.backoff(attempts);
                // Nothing silent: a call may be running, or a placeholder dressed, past the
                // meeting's end until the server answers, so someone is told at once.
                let ticket = format!(
                    "Meeting \"{}\" ({}) could not be ended at {}: {reason}; retrying until \
                     the server answers",
                    meeting.title,
                    format_utc(meeting.span.start()),
                    format_utc(meeting.span.end()),
                );
                self.record(
                    &meeting,
                    MeetingState::Ending,
                    Step {
                        attempts: Some(attempts),
                        retry_at: Some(Some(retry)),
                        ticket: Some(ticket),
                        event: Some(NewEvent::engine(
                            "End",
                            format!(
                                "failed (try {attempts}): {reason}; next try at {}",
                                format_utc(retry)
                            ),
                        )),
                        ..Step::default()
                    },
                )
                .await?;
                Ok(())
            }
        }
    }
}

/// Why a start could not go on.
#[derive(Debug, thiserror::Error)]
enum StartProblem {
    #[error(transparent)]
    Cms(CmsError),
    #[error("the placeholder space no longer exists")]
    PlaceholderGone,
    #[error("{0}")]
    Other(String),
}

#[derive(Debug, thiserror::Error)]
enum PlaceholderProblem {
    #[error(transparent)]
    Cms(CmsError),
    #[error("the placeholder space no longer exists")]
    Gone,
    #[error("{0}")]
    Other(String),
}

impl From<PlaceholderProblem> for StartProblem {
    fn from(p: PlaceholderProblem) -> Self {
        match p {
            PlaceholderProblem::Cms(e) => StartProblem::Cms(e),
            PlaceholderProblem::Gone => StartProblem::PlaceholderGone,
            PlaceholderProblem::Other(e) => StartProblem::Other(e),
        }
    }
}

fn dress_of(meeting: &MeetingRecord) -> Result<MeetingDress, StartProblem> {
    let passcode = match &meeting.passcode {
        Some(p) => {
            cms::Passcode::parse(p.expose()).map_err(|e| StartProblem::Other(e.to_string()))?
        }
        None => cms::Passcode::none(),
    };
    Ok(MeetingDress {
        title: meeting.title.clone(),
        passcode,
    })
}

/// Whom the engine dials: everyone for Automatic Connect, nobody otherwise.
/// The call bridge the meeting's call was recorded on (where its calls are listed).
fn started_on(meeting: &MeetingRecord) -> Option<Endpoint> {
    meeting
        .call
        .as_ref()
        .and_then(|(_, bridge)| Endpoint::parse(bridge).ok())
}

fn parties_of(meeting: &MeetingRecord) -> Vec<RemoteParty> {
    if meeting.conference_type != ConferenceType::AutomaticConnect {
        return Vec::new();
    }
    meeting
        .participants
        .iter()
        .filter_map(|p| RemoteParty::parse(p.as_str()).ok())
        .collect()
}

fn dial_text(party: &RemoteParty, outcome: Result<(), CmsError>) -> String {
    match outcome {
        Ok(()) => format!("{party} ok"),
        Err(e) => format!("{party} failed ({})", e.kind),
    }
}
