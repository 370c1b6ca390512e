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
use cms::{CmsError, Connector, NumericIdRange};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::OffsetDateTime;
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
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            tick: Duration::from_secs(5),
            retry_base: Duration::from_secs(5),
            retry_max: Duration::from_secs(120),
        }
    }
}

/// What the engine keeps in memory between steps (all of it can be rebuilt from the store and
/// the server).
#[derive(Default)]
struct Cache {
    /// Per system: a fingerprint of its record and its connector.
    connectors: HashMap<SystemId, (String, Connector)>,
    placeholders: HashMap<(SystemId, String), PlaceholderSpace>,
    /// Systems whose idle placeholders have been read once.
    learnt: HashSet<SystemId>,
    calls: HashMap<MeetingId, LiveCall>,
}

struct Inner {
    store: Arc<dyn Store>,
    systems: Arc<SystemService>,
    bell: Arc<EngineBell>,
    clock: Arc<dyn Clock>,
    config: SchedulerConfig,
    cache: Mutex<Cache>,
    learning: tokio::sync::Mutex<()>,
    /// One claim at a time per system, so simultaneous starts take consecutive placeholders
    /// instead of racing for the same lowest one.
    claiming: Mutex<HashMap<SystemId, Arc<tokio::sync::Mutex<()>>>>,
}

pub struct Scheduler {
    inner: Arc<Inner>,
}

type StepResult = Result<(), String>;

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
        Scheduler {
            inner: Arc::new(Inner {
                store,
                systems,
                bell,
                clock,
                config,
                cache: Mutex::new(Cache::default()),
                learning: tokio::sync::Mutex::new(()),
                claiming: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Runs the engine in its own task until the runtime stops or the handle is aborted.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(self.run())
    }

    pub async fn run(self) {
        let inner = self.inner;
        let mut in_flight: HashSet<MeetingId> = HashSet::new();
        let mut tasks: JoinSet<MeetingId> = JoinSet::new();

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
                        id
                    });
                }
            }
            Err(e) => tracing::error!(error = %e, "scheduler: reading live meetings"),
        }

        loop {
            let early = inner.early().await;
            let now = inner.clock.now();
            match inner.store.due_meetings(now, early).await {
                Ok(due) => {
                    for meeting in due {
                        if in_flight.insert(meeting.id) {
                            let inner = inner.clone();
                            tasks.spawn(async move {
                                let id = meeting.id;
                                inner.log(id, inner.act(meeting).await);
                                id
                            });
                        }
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
                _ = tokio::time::sleep(pause) => {}
                _ = inner.bell.wait() => {}
                Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                    match done {
                        Ok(id) => { in_flight.remove(&id); }
                        Err(e) => {
                            tracing::error!(error = %e, "scheduler: a meeting's step panicked");
                            in_flight.clear();
                        }
                    }
                    // Drain whatever else has finished.
                    while let Some(Ok(id)) = tasks.try_join_next() {
                        in_flight.remove(&id);
                    }
                }
            }
        }
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
            MeetingState::Pending => self.start(meeting).await,
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
        let members: Vec<_> = record.members.iter().map(|m| m.address.clone()).collect();
        let fingerprint = format!(
            "{}|{}|{}|{:?}|{:?}|{:?}",
            record.summary.address,
            record.username,
            record.password_sealed,
            record.tls,
            record.pinned_pem,
            members
        );
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
        {
            let _learning = self.learning.lock().await;
            let learnt = self.cache_lock().learnt.contains(&system);
            if !learnt && let Ok(idle) = lifecycle::find_placeholders(cms, &plan).await {
                let mut cache = self.cache_lock();
                cache.learnt.insert(system);
                for p in idle {
                    cache
                        .placeholders
                        .insert((system, p.id().as_str().to_string()), p);
                }
            }
        }
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
        Ok(self.store.record_step(meeting.id, expected, &step).await?)
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

    async fn start(&self, meeting: MeetingRecord) -> StepResult {
        let now = self.clock.now();
        if now >= meeting.span.end() {
            return self
                .give_up(
                    &meeting,
                    MeetingState::Pending,
                    MeetingState::Failed,
                    "it could not be started by its end time".into(),
                )
                .await;
        }
        if meeting.conference_type == ConferenceType::Reservation {
            self.record(
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
            .await?;
            return Ok(());
        }
        let record = match self.system(meeting.system).await {
            Ok(r) => r,
            Err(reason) => {
                return self
                    .give_up(
                        &meeting,
                        MeetingState::Pending,
                        MeetingState::Defective,
                        reason,
                    )
                    .await;
            }
        };
        // Claim the lowest-numbered free placeholder; the store refuses one already held.
        let turn = self
            .claiming
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(meeting.system)
            .or_default()
            .clone();
        let claimed_turn = turn.lock().await;
        for _ in 0..5 {
            let ours = self.store.placeholders(meeting.system).await?;
            let busy = self.store.busy_placeholders(meeting.system).await?;
            let Some((index, co_space)) = ours
                .into_iter()
                .filter(|(index, _)| !busy.contains(index))
                .min_by_key(|(index, _)| *index)
            else {
                return self
                    .give_up(
                        &meeting,
                        MeetingState::Pending,
                        MeetingState::Defective,
                        "no free placeholder space on the system".into(),
                    )
                    .await;
            };
            let claimed = self
                .store
                .record_step(
                    meeting.id,
                    MeetingState::Pending,
                    &Step {
                        state: Some(MeetingState::Starting),
                        placeholder: Some(Some((index, co_space.clone()))),
                        attempts: Some(0),
                        event: Some(NewEvent::engine(
                            "Start",
                            format!("before: placeholder {index} taken; dressing it and creating the call"),
                        )),
                        ..Step::default()
                    },
                )
                .await;
            match claimed {
                Ok(true) => {
                    drop(claimed_turn);
                    let meeting = MeetingRecord {
                        state: MeetingState::Starting,
                        placeholder: Some((index, co_space)),
                        ..meeting
                    };
                    return self.try_start(meeting, &record, true).await;
                }
                Ok(false) => return Ok(()), // cancelled meanwhile
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.to_string()),
            }
        }
        Err("could not claim a placeholder after 5 tries".into())
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
            let parties = parties_of(&meeting);
            if !fresh {
                let seen = lifecycle::observe_meeting(&cms, &placeholder)
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
                        "adopted the call already in the space".to_string(),
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
            Ok((started.call, "dressed and called".to_string(), dialled))
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
        let seen = lifecycle::observe_meeting(&cms, &placeholder)
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
                None => lifecycle::observe_meeting(&cms, &placeholder)
                    .await
                    .map_err(|e| e.to_string())?
                    .calls
                    .into_iter()
                    .map(|c| c.call)
                    .collect(),
            };
            let mut said = Vec::new();
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
                Ok(())
            }
            Err(reason) => {
                let attempts = meeting.attempts + 1;
                let retry = self.clock.now() + self.backoff(attempts);
                self.record(
                    &meeting,
                    MeetingState::Ending,
                    Step {
                        attempts: Some(attempts),
                        retry_at: Some(Some(retry)),
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
