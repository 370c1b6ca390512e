//! The booking service: reads the booking form into valid types, applies every booking rule (in
//! one place: [`BookingService::create`] and the placer it hands the store), and asks the
//! scheduler engine to act on changes. Who may do what is decided here, with the caller's role.

use crate::booking::changes::{BookingChanges, Changed, Relocation, SeriesChange};
use crate::booking::recurrence::{parse_iso_date, parse_weekday};
use crate::booking::rules::{Occupancy, Span};
use crate::booking::{Booked, CalendarBlock, ConferencePage, DialIn, Frequency, MAX_OCCURRENCES};
use crate::booking::{
    ConferenceSettings, ConferenceType, MAX_DURATION_MINUTES, MAX_PARTICIPANTS,
    MAX_PARTICIPANTS_TEXT, MeetingId, MeetingState, MeetingView, Passcode, Recurrence,
    RecurrenceEnd, SipUri, Title,
};
use crate::store::bookings::{ConferenceRecord, MeetingFilter, MeetingRecord, NewConference};
use crate::store::{Store, StoreError};
use crate::system::{Connectivity, SystemId};
use crate::system_access::SystemAccessService;
use crate::zone::{Zone, format_local, format_utc};
use crate::{FieldErrors, Permission, Role, UserId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use time::{OffsetDateTime, PrimitiveDateTime, Time};
use tokio::sync::Notify;

/// Who is asking.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: UserId,
    pub name: String,
    pub role: Role,
}

#[derive(Debug, thiserror::Error)]
pub enum BookingError {
    #[error("{0}")]
    Invalid(FieldErrors),
    #[error("no such meeting")]
    NotFound,
    #[error("not allowed: {0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    Internal(String),
}

impl From<StoreError> for BookingError {
    fn from(e: StoreError) -> Self {
        BookingError::Internal(e.to_string())
    }
}

/// The booking form as typed. Its `Debug` masks the passcode.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct ConferenceInput {
    pub title: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `HH:MM`.
    pub start_time: String,
    /// `HH:MM`; empty to use the duration.
    pub end_time: String,
    /// Minutes; used when there is no end time.
    pub duration_minutes: String,
    pub time_zone: String,
    pub conference_type: String,
    /// A system id, or `auto`.
    pub system: String,
    /// SIP URIs separated by commas, spaces or new lines.
    pub participants: String,
    pub passcode: String,
    pub notes: String,
    /// `none`, `daily`, `weekdays`, `weekly`, `monthly`.
    pub repeat: String,
    /// `mon` … `sun`, for weekly.
    pub weekdays: Vec<String>,
    /// `count` or `until`.
    pub ends: String,
    pub count: String,
    pub until: String,
}

impl std::fmt::Debug for ConferenceInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConferenceInput")
            .field("title", &self.title)
            .field("date", &self.date)
            .field("start_time", &self.start_time)
            .field("end_time", &self.end_time)
            .field("duration_minutes", &self.duration_minutes)
            .field("time_zone", &self.time_zone)
            .field("conference_type", &self.conference_type)
            .field("system", &self.system)
            .field("passcode", &crate::redacted::MASK)
            .finish_non_exhaustive()
    }
}

/// Wakes the scheduler engine when bookings change: this process's engine at once, and, rung
/// [`EngineBell::through`] the database, the engine of whichever process holds the engine's
/// lease (see [`crate::store::wake`]).
#[derive(Default)]
pub struct EngineBell {
    local: Notify,
    database: Option<Arc<dyn crate::store::wake::WakeStore>>,
}

impl std::fmt::Debug for EngineBell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineBell")
            .field("through_database", &self.database.is_some())
            .finish_non_exhaustive()
    }
}

impl EngineBell {
    /// A bell that also rings through `database`, for every process serving it.
    pub fn through(database: Arc<dyn crate::store::wake::WakeStore>) -> Self {
        Self {
            local: Notify::new(),
            database: Some(database),
        }
    }

    /// Wakes this process's engine now and, through the database, the lease holder's. The
    /// database's ring is written beside the caller (its change is committed already): a
    /// failure is logged, and the engine still sees the change at its next tick.
    pub fn ring(&self) {
        self.local.notify_one();
        if let Some(database) = self.database.clone() {
            tokio::spawn(async move {
                if let Err(e) = database.ring_engine().await {
                    tracing::warn!(error = %e, "ringing the engine through the database");
                }
            });
        }
    }

    /// Wakes this process's engine only (a ring seen in the database).
    pub fn wake(&self) {
        self.local.notify_one();
    }

    pub async fn wait(&self) {
        self.local.notified().await
    }
}

pub struct BookingService {
    store: Arc<dyn Store>,
    bell: Arc<EngineBell>,
}

/// How far ahead meetings may be booked.
const MAX_DAYS_AHEAD: i64 = 3 * 366;

/// The horizon rule, for every occurrence booked, edited, moved or extended: it starts no later
/// than [`MAX_DAYS_AHEAD`] days after `now`.
fn too_far_ahead(span: &Span, now: OffsetDateTime) -> bool {
    now.checked_add(time::Duration::days(MAX_DAYS_AHEAD))
        .is_none_or(|limit| span.start() > limit)
}

/// The length rule, for every occurrence booked, edited, moved or extended: at most
/// [`MAX_DURATION_MINUTES`] from its start to its end (so repeated extensions cannot make a
/// three-day meeting).
fn too_long(span: &Span) -> bool {
    span.end() - span.start() > time::Duration::minutes(MAX_DURATION_MINUTES)
}

const TOO_LONG: &str = "a meeting lasts at most 24 hours";
const TOO_FAR: &str = "is too far ahead (at most 3 years)";

impl BookingService {
    pub fn new(store: Arc<dyn Store>, bell: Arc<EngineBell>) -> Self {
        Self { store, bell }
    }

    pub async fn settings(&self) -> Result<ConferenceSettings, BookingError> {
        Ok(self.store.conference_settings().await?)
    }

    /// Saves Conference Settings (administrators only).
    pub async fn save_settings(
        &self,
        actor: &Actor,
        settings: ConferenceSettings,
    ) -> Result<(), BookingError> {
        if !actor.role.can(Permission::Administer) {
            return Err(BookingError::Forbidden(
                "only administrators change conference settings",
            ));
        }
        let mut errors = FieldErrors::default();
        errors.check("default_title", Title::parse(&settings.default_title));
        if !(1..=MAX_DURATION_MINUTES as u32).contains(&settings.default_duration_minutes) {
            errors.add("default_duration_minutes", "must be 1 to 1440 minutes");
        }
        if settings.start_early_minutes > 60 {
            errors.add("start_early_minutes", "must be 0 to 60 minutes");
        }
        if !(1..=240).contains(&settings.extend_step_minutes) {
            errors.add("extend_step_minutes", "must be 1 to 240 minutes");
        }
        if let Some(system) = settings.preferred_system
            && self.store.system(system).await?.is_none()
        {
            errors.add("preferred_system", "no such system");
        }
        errors.into_result().map_err(BookingError::Invalid)?;
        self.store
            .set_conference_settings(&settings, &actor.name)
            .await?;
        Ok(())
    }

    /// The title a new booking starts with: the default title and the date.
    pub async fn default_title(&self, date: &str) -> Result<String, BookingError> {
        Ok(format!("{} {date}", self.settings().await?.default_title))
    }

    /// Books a conference: every rule checked, every problem named by field, nothing saved on
    /// error. Capacity and participants are checked in the transaction that saves.
    pub async fn create(
        &self,
        actor: &Actor,
        input: &ConferenceInput,
        now: OffsetDateTime,
    ) -> Result<Booked, BookingError> {
        if !actor.role.can(Permission::Book) {
            return Err(BookingError::Forbidden("booking needs the scheduler role"));
        }
        let settings = self.settings().await?;
        let booking = parse_input(input, &settings)?;
        self.book(actor, booking, now).await
    }

    /// Books an already parsed booking (the form's or a test's): the time rules, the system's,
    /// then capacity and participants in the saving transaction.
    pub async fn book(
        &self,
        actor: &Actor,
        parsed: Booking,
        now: OffsetDateTime,
    ) -> Result<Booked, BookingError> {
        if !actor.role.can(Permission::Book) {
            return Err(BookingError::Forbidden("booking needs the scheduler role"));
        }
        let settings = self.settings().await?;
        let Some(first) = parsed.spans.first().copied() else {
            return Err(BookingError::Invalid(FieldErrors::single(
                "date",
                "no occurrence to book",
            )));
        };
        if first.end() <= now {
            return Err(BookingError::Invalid(FieldErrors::single(
                "date",
                "the meeting would be over already",
            )));
        } else if now
            .checked_sub(time::Duration::minutes(1))
            .is_some_and(|grace| first.start() < grace)
        {
            return Err(BookingError::Invalid(FieldErrors::single(
                "start_time",
                "is in the past",
            )));
        } else if too_far_ahead(&first, now) {
            return Err(BookingError::Invalid(FieldErrors::single("date", TOO_FAR)));
        } else if let Some(late) = parsed.spans.iter().find(|s| too_far_ahead(s, now)) {
            return Err(BookingError::Invalid(FieldErrors::single(
                "repeat",
                format!(
                    "the series would reach {}: occurrences are booked at most 3 years ahead",
                    format_utc(late.start())
                ),
            )));
        } else if parsed.spans.iter().any(too_long) {
            return Err(BookingError::Invalid(FieldErrors::single(
                "end_time", TOO_LONG,
            )));
        }
        let SystemChoice {
            chosen,
            candidates,
            warnings,
        } = self.choose_system(actor, parsed.system, &settings).await?;
        let participants = parsed.participants.clone();
        let place = move |occupancy: &Occupancy, spans: &[Span]| -> Result<SystemId, FieldErrors> {
            place(occupancy, chosen, &candidates, spans, &participants)
        };
        let new = NewConference {
            owner: actor.id,
            owner_name: actor.name.clone(),
            title: parsed.title,
            conference_type: parsed.conference_type,
            auto_system: chosen.is_none(),
            zone: parsed.zone.name().to_string(),
            passcode: parsed.passcode,
            notes: parsed.notes,
            recurrence: parsed.recurrence.as_ref().map(Recurrence::encode),
            participants: parsed.participants,
            occurrences: parsed.spans,
        };
        let (conference, meetings) = self
            .store
            .insert_conference(&new, &place)
            .await?
            .map_err(BookingError::Invalid)?;
        let system = match self.store.meeting(meetings[0]).await? {
            Some(m) => m.system,
            None => return Err(BookingError::Internal("the booking vanished".into())),
        };
        self.bell.ring();
        Ok(Booked {
            conference,
            meetings,
            system,
            warnings,
        })
    }

    /// The system a booking asks for, checked (it exists, allows booking, its Permissions let
    /// `actor` book), or for `None` the candidates of automatic choice: the preferred system
    /// first, then every reachable one `actor` may book on. Warns of an unreachable choice.
    async fn choose_system(
        &self,
        actor: &Actor,
        asked: Option<SystemId>,
        settings: &ConferenceSettings,
    ) -> Result<SystemChoice, BookingError> {
        let systems = self.store.list_systems().await?;
        let access = SystemAccessService::new(self.store.clone()).rules().await?;
        let permitted = |system: SystemId| access.may_book(system, actor.id, actor.role);
        if let Some(id) = asked {
            let Some(system) = systems.iter().find(|s| s.id == id) else {
                return Err(BookingError::Invalid(FieldErrors::single(
                    "system",
                    "no such system",
                )));
            };
            if !self.allows_booking(id).await? {
                return Err(closed_to_booking_error(&system.display_name()));
            }
            if !permitted(id) {
                return Err(BookingError::Invalid(FieldErrors::single(
                    "system",
                    format!(
                        "you may not book on {}: its Permissions allow only listed users",
                        system.display_name()
                    ),
                )));
            }
            let mut warnings = Vec::new();
            if system.connectivity != Connectivity::Reachable {
                warnings.push(format!(
                    "{} was not reachable when last checked ({}); the meeting is booked and will \
                     start if it answers by then",
                    system.display_name(),
                    system.connectivity.label()
                ));
            }
            return Ok(SystemChoice {
                chosen: Some(id),
                candidates: Vec::new(),
                warnings,
            });
        }
        // Automatic: the preferred system first, then every reachable one, each open to booking
        // (its Scheduling settings) and to `actor` (its Permissions). Only these are read.
        let reachable = systems
            .iter()
            .filter(|s| s.connectivity == Connectivity::Reachable)
            .map(|s| s.id);
        let mut candidates: Vec<SystemId> = Vec::new();
        for id in settings.preferred_system.into_iter().chain(reachable) {
            if !candidates.contains(&id) && permitted(id) && self.allows_booking(id).await? {
                candidates.push(id);
            }
        }
        Ok(SystemChoice {
            chosen: None,
            candidates,
            warnings: Vec::new(),
        })
    }

    /// The systems a booking form offers `actor`: those their Permissions let them book on, by
    /// name (Allow Booking is said when a booking asks for a closed one).
    pub async fn offered_systems(
        &self,
        actor: &Actor,
    ) -> Result<Vec<(SystemId, String)>, BookingError> {
        let access = SystemAccessService::new(self.store.clone()).rules().await?;
        Ok(self
            .store
            .list_systems()
            .await?
            .into_iter()
            .filter(|s| access.may_book(s.id, actor.id, actor.role))
            .map(|s| (s.id, s.display_name()))
            .collect())
    }

    /// Whether the system's Scheduling settings let it take bookings (Allow Booking).
    async fn allows_booking(&self, system: SystemId) -> Result<bool, BookingError> {
        Ok(self.store.settings(system).await?.scheduling.allow_booking)
    }

    /// Refuses a change that books more time for `meeting` (a pending one moved or lengthened:
    /// a booking like a new one) on a system closed to booking. The callers leave running
    /// meetings out: closing a system is for what is ahead, not for cutting a caller short.
    async fn open_to_booking(&self, meeting: &MeetingRecord) -> Result<(), BookingError> {
        if self.allows_booking(meeting.system).await? {
            Ok(())
        } else {
            Err(closed_to_booking_error(&meeting.system_name))
        }
    }

    async fn record(&self, id: MeetingId) -> Result<MeetingRecord, BookingError> {
        self.store.meeting(id).await?.ok_or(BookingError::NotFound)
    }

    fn may_change(actor: &Actor, meeting: &MeetingRecord) -> bool {
        actor.role.can(Permission::Administer)
            || (actor.role.can(Permission::Book) && meeting.owner == actor.id)
    }

    /// Extending or ending a live meeting: its owner, an administrator, or the help desk.
    fn may_extend(actor: &Actor, meeting: &MeetingRecord) -> bool {
        Self::may_change(actor, meeting)
            || (actor.role.can(Permission::Monitor) && meeting.state.is_live())
    }

    fn changed(result: Changed) -> Result<(), BookingError> {
        match result {
            Changed::Done => Ok(()),
            Changed::NotFound => Err(BookingError::NotFound),
            Changed::NotAllowed(state) => Err(BookingError::Invalid(FieldErrors::single(
                "state",
                format!("not possible while the meeting is {}", state.label()),
            ))),
            Changed::Refused(errors) => Err(BookingError::Invalid(errors)),
        }
    }

    /// Moves the end by `minutes` (capacity permitting); a running meeting is re-dressed.
    pub async fn extend(
        &self,
        actor: &Actor,
        id: MeetingId,
        minutes: i64,
    ) -> Result<(), BookingError> {
        if !(1..=MAX_DURATION_MINUTES).contains(&minutes) {
            return Err(BookingError::Invalid(FieldErrors::single(
                "minutes",
                "must be 1 to 1440 minutes",
            )));
        }
        self.extend_by(actor, id, time::Duration::minutes(minutes))
            .await
    }

    /// Moves the end by `by` (positive, capacity permitting).
    pub async fn extend_by(
        &self,
        actor: &Actor,
        id: MeetingId,
        by: time::Duration,
    ) -> Result<(), BookingError> {
        let meeting = self.record(id).await?;
        if !Self::may_extend(actor, &meeting) {
            return Err(BookingError::Forbidden(
                "only its owner, an administrator or the help desk extends a meeting",
            ));
        }
        // The help desk (and administrators) extend for a caller whatever the system's list.
        if !actor.role.can(Permission::Monitor)
            && !SystemAccessService::new(self.store.clone())
                .may_book(actor.id, actor.role, meeting.system)
                .await?
        {
            return Err(BookingError::Forbidden(
                "the system's Permissions no longer let its owner book on it",
            ));
        }
        if meeting.state == MeetingState::Pending {
            self.open_to_booking(&meeting).await?;
        }
        let minutes = by.whole_minutes();
        let title =
            Title::parse(&meeting.title).map_err(|e| BookingError::Internal(e.to_string()))?;
        let refused = || {
            BookingError::Invalid(FieldErrors::single(
                "minutes",
                format!("{TOO_LONG}: it would end too late"),
            ))
        };
        let end = meeting.span.end().checked_add(by).ok_or_else(refused)?;
        let span = Span::new(meeting.span.start(), end).ok_or_else(refused)?;
        if too_long(&span) {
            return Err(refused());
        }
        Self::changed(
            self.store
                .change_meeting(
                    id,
                    &title,
                    span,
                    &actor.name,
                    &if minutes > 0 {
                        format!("Extended by {minutes} min")
                    } else {
                        format!("Extended by {} s", by.whole_seconds())
                    },
                )
                .await?,
        )?;
        self.bell.ring();
        Ok(())
    }

    /// Ends a running meeting now (the engine puts the placeholder back at once).
    pub async fn end_now(
        &self,
        actor: &Actor,
        id: MeetingId,
        now: OffsetDateTime,
    ) -> Result<(), BookingError> {
        let meeting = self.record(id).await?;
        if !Self::may_extend(actor, &meeting) {
            return Err(BookingError::Forbidden(
                "only its owner, an administrator or the help desk ends a meeting",
            ));
        }
        if !meeting.state.is_live() {
            return Err(BookingError::Invalid(FieldErrors::single(
                "state",
                format!("the meeting is {}, not running", meeting.state.label()),
            )));
        }
        let title =
            Title::parse(&meeting.title).map_err(|e| BookingError::Internal(e.to_string()))?;
        let end = meeting
            .span
            .start()
            .checked_add(time::Duration::milliseconds(1))
            .map_or(meeting.span.end(), |earliest| now.max(earliest));
        let span = Span::new(meeting.span.start(), end).ok_or(BookingError::NotFound)?;
        Self::changed(
            self.store
                .change_meeting(id, &title, span, &actor.name, "Ended now")
                .await?,
        )?;
        self.bell.ring();
        Ok(())
    }

    /// Cancels a meeting that has not started.
    pub async fn cancel(&self, actor: &Actor, id: MeetingId) -> Result<(), BookingError> {
        let meeting = self.record(id).await?;
        if !Self::may_change(actor, &meeting) {
            return Err(BookingError::Forbidden(
                "only its owner or an administrator cancels a meeting",
            ));
        }
        Self::changed(self.store.cancel_meeting(id, &actor.name).await?)?;
        self.bell.ring();
        Ok(())
    }

    /// The meeting `actor` may edit (owner or administrator, and still allowed to book on its
    /// system), with its booking's zone; `refusal` says why not to anyone else.
    async fn editable(
        &self,
        actor: &Actor,
        id: MeetingId,
        refusal: &'static str,
    ) -> Result<(MeetingRecord, Zone), BookingError> {
        let meeting = self.record(id).await?;
        if !Self::may_change(actor, &meeting) {
            return Err(BookingError::Forbidden(refusal));
        }
        if !SystemAccessService::new(self.store.clone())
            .may_book(actor.id, actor.role, meeting.system)
            .await?
        {
            return Err(BookingError::Forbidden(
                "the system's Permissions no longer let its owner book on it",
            ));
        }
        let conference = self
            .store
            .conference(meeting.conference)
            .await?
            .ok_or(BookingError::NotFound)?;
        let zone = Zone::parse(&conference.zone).unwrap_or_else(|_| Zone::utc());
        Ok((meeting, zone))
    }

    /// Edits one occurrence: title, date and times (pending), or only the title (running).
    pub async fn edit(
        &self,
        actor: &Actor,
        id: MeetingId,
        edit: &MeetingEdit,
        now: OffsetDateTime,
    ) -> Result<(), BookingError> {
        let (meeting, zone) = self
            .editable(
                actor,
                id,
                "only its owner or an administrator edits a meeting",
            )
            .await?;
        let mut errors = FieldErrors::default();
        let title = errors.check("title", Title::parse(&edit.title));
        let span = if meeting.state == MeetingState::Pending {
            // The occurrence form has no duration: its end time is needed.
            let span = if edit.end_time.trim().is_empty() {
                errors.add("end_time", "is required");
                None
            } else {
                parse_span(
                    &mut errors,
                    &zone,
                    &edit.date,
                    &edit.start_time,
                    &edit.end_time,
                    "",
                )
            };
            if let Some(span) = span {
                if span.start() < now {
                    errors.add("start_time", "is in the past");
                } else if too_far_ahead(&span, now) {
                    errors.add("date", TOO_FAR);
                }
            }
            span
        } else {
            Some(meeting.span)
        };
        errors.into_result().map_err(BookingError::Invalid)?;
        let (Some(title), Some(span)) = (title, span) else {
            return Err(BookingError::Internal("unparsed edit".into()));
        };
        if span != meeting.span {
            self.open_to_booking(&meeting).await?;
        }
        Self::changed(
            self.store
                .change_meeting(id, &title, span, &actor.name, "Edited")
                .await?,
        )?;
        self.bell.ring();
        Ok(())
    }

    /// Edits the series `id` belongs to (a single meeting being a series of one): the title of
    /// every occurrence not over yet (running ones take it at once), the shared type (not while
    /// one runs), participants, passcode and notes; when new times are given, the times of every
    /// pending occurrence still ahead, each on its own date in the booking's zone; when another
    /// system is asked for, every pending occurrence moves to it (a running one keeps its call),
    /// with the same system checks as a new booking's. Capacity and participants are checked in
    /// the saving transaction; any problem refuses the whole change.
    pub async fn edit_series(
        &self,
        actor: &Actor,
        id: MeetingId,
        edit: &SeriesEdit,
        now: OffsetDateTime,
    ) -> Result<usize, BookingError> {
        let (meeting, zone) = self
            .editable(
                actor,
                id,
                "only its owner or an administrator edits a series",
            )
            .await?;
        let mut errors = FieldErrors::default();
        let title = errors.check("title", Title::parse(&edit.title));
        let participants = parse_participants(&mut errors, &edit.participants);
        let passcode = if edit.remove_passcode {
            Some(None)
        } else {
            errors
                .check("passcode", Passcode::parse_optional(&edit.passcode))
                .and_then(|p| p.map(Some))
        };
        let notes = parse_notes(&mut errors, &edit.notes);
        let conference_type = match edit.conference_type.trim() {
            "" => Some(meeting.conference_type),
            typed => {
                let parsed = ConferenceType::parse(typed);
                if parsed.is_none() {
                    errors.add("conference_type", "choose a conference type");
                }
                parsed
            }
        };
        // `None` keeps the system; `Some(None)` asks for automatic choice.
        let system = match edit.system.trim() {
            "" => None,
            "auto" => Some(None),
            typed => match typed.parse() {
                Ok(id) => Some(Some(SystemId(id))),
                Err(_) => {
                    errors.add("system", "no such system");
                    None
                }
            },
        };
        let (start_text, end_text) = (edit.start_time.trim(), edit.end_time.trim());
        if !start_text.is_empty() && parse_time(start_text).is_none() {
            errors.add("start_time", "must be a time (HH:MM)");
        }
        if !end_text.is_empty() && parse_time(end_text).is_none() {
            errors.add("end_time", "must be a time (HH:MM)");
        }
        if start_text.is_empty() && !end_text.is_empty() {
            errors.add("start_time", "is needed with a new end time");
        }
        let series = self
            .store
            .meetings(&MeetingFilter {
                conference: Some(meeting.conference),
                ..MeetingFilter::default()
            })
            .await?;
        let mut moves = Vec::new();
        if !start_text.is_empty() && errors.is_empty() {
            for m in series
                .iter()
                .filter(|m| m.state == MeetingState::Pending && m.span.start() > now)
            {
                let date = crate::booking::recurrence::iso_date(zone.local(m.span.start()).date());
                // Without a new end time each occurrence keeps its length.
                let minutes = (m.span.end() - m.span.start()).whole_minutes().to_string();
                let mut own = FieldErrors::default();
                match parse_span(&mut own, &zone, &date, start_text, end_text, &minutes) {
                    Some(span) if span.start() < now => errors.add(
                        "start_time",
                        format!("would put the {date} occurrence in the past"),
                    ),
                    Some(span) if too_far_ahead(&span, now) => errors.add_once(
                        "start_time",
                        format!("would put the {date} occurrence more than 3 years ahead"),
                    ),
                    Some(span) => moves.push((m.id, span)),
                    None => {
                        // The same problem for every occurrence: say it once.
                        for e in own.0 {
                            if errors.for_field(&e.field).is_none() {
                                errors.add(&e.field, e.message);
                            }
                        }
                    }
                }
            }
        }
        errors.into_result().map_err(BookingError::Invalid)?;
        let (Some(title), Some(conference_type)) = (title, conference_type) else {
            return Err(BookingError::Internal("unparsed series edit".into()));
        };
        // The pending occurrences share a system (they move together): asking for it again (for
        // the meeting's own when none is pending), or for nothing, keeps it.
        let current = series
            .iter()
            .find(|m| m.state == MeetingState::Pending)
            .map_or(meeting.system, |m| m.system);
        let relocate_to = system.filter(|asked| *asked != Some(current));
        let relocation = match relocate_to {
            Some(asked) => {
                let settings = self.settings().await?;
                Some(self.choose_system(actor, asked, &settings).await?)
            }
            None => None,
        };
        // Every occurrence that stays is on the meeting's system.
        if !moves.is_empty() && relocation.is_none() {
            self.open_to_booking(&meeting).await?;
        }
        let changed = series
            .iter()
            .filter(|m| !m.state.is_final() && m.state != MeetingState::Ending)
            .count();
        let placer = relocation.map(|choice| {
            let participants = participants.clone();
            let automatic = choice.chosen.is_none();
            let place = move |occupancy: &Occupancy, spans: &[Span]| {
                place(
                    occupancy,
                    choice.chosen,
                    &choice.candidates,
                    spans,
                    &participants,
                )
            };
            (place, automatic)
        });
        let relocation = placer.as_ref().map(|(place, automatic)| Relocation {
            place,
            automatic: *automatic,
        });
        let change = SeriesChange {
            title,
            conference_type,
            participants,
            passcode,
            notes,
            moves,
        };
        Self::changed(
            self.store
                .change_series(
                    meeting.conference,
                    &change,
                    relocation.as_ref(),
                    &actor.name,
                )
                .await?,
        )?;
        self.bell.ring();
        Ok(changed)
    }

    /// Cancels every occurrence of the series that has not started; how many.
    pub async fn cancel_series(&self, actor: &Actor, id: MeetingId) -> Result<usize, BookingError> {
        let meeting = self.record(id).await?;
        if !Self::may_change(actor, &meeting) {
            return Err(BookingError::Forbidden(
                "only its owner or an administrator cancels a series",
            ));
        }
        let cancelled = self
            .store
            .cancel_series(meeting.conference, &actor.name)
            .await?;
        self.bell.ring();
        Ok(cancelled)
    }

    /// Meetings for lists and the calendar, times also in the viewer's zone.
    pub async fn list(
        &self,
        filter: &MeetingFilter,
        zone: &Zone,
    ) -> Result<Vec<MeetingView>, BookingError> {
        Ok(self
            .store
            .meetings(filter)
            .await?
            .iter()
            .map(|m| view(m, zone))
            .collect())
    }

    /// The meetings a calendar draws, times in `zone` (by start).
    pub async fn calendar(
        &self,
        filter: &MeetingFilter,
        zone: &Zone,
    ) -> Result<Vec<CalendarBlock>, BookingError> {
        Ok(self
            .store
            .meeting_slots(filter)
            .await?
            .into_iter()
            .map(|m| CalendarBlock {
                id: m.id,
                title: m.title,
                local_start: format_local(zone.local(m.span.start())),
                local_end: format_local(zone.local(m.span.end())),
                state: m.state,
            })
            .collect())
    }

    /// Administrative Tools → Audit (administrators only): who booked, changed, extended, ended
    /// and cancelled which meeting, and who changed the Conference Settings; newest first.
    pub async fn audit(
        &self,
        actor: &Actor,
        filter: &crate::audit::AuditFilter,
    ) -> Result<Vec<crate::audit::AuditEntry>, BookingError> {
        if !actor.role.can(Permission::Administer) {
            return Err(BookingError::Forbidden(
                "only administrators read the audit",
            ));
        }
        Ok(self.store.audit(filter).await?)
    }

    /// Who owns bookings (id and name), for the owner filters.
    pub async fn owners(&self) -> Result<Vec<(UserId, String)>, BookingError> {
        Ok(self.store.booking_owners().await?)
    }

    /// The conference page of one meeting.
    pub async fn page(
        &self,
        actor: &Actor,
        id: MeetingId,
        zone: &Zone,
    ) -> Result<ConferencePage, BookingError> {
        let meeting = self.record(id).await?;
        let conference: ConferenceRecord = self
            .store
            .conference(meeting.conference)
            .await?
            .ok_or(BookingError::NotFound)?;
        let extended = self
            .store
            .system(meeting.system)
            .await?
            .and_then(|s| s.extended);
        let dial_in = DialIn {
            call_id: meeting.placeholder.as_ref().map(|(i, _)| i.to_string()),
            uri: meeting
                .placeholder
                .as_ref()
                .zip(extended.as_ref())
                .map(|((i, _), e)| format!("{i}@{}", e.domain)),
            range: extended
                .as_ref()
                .map(|e| format!("{}–{}@{}", e.range.base, e.range.last(), e.domain)),
            // Saved secrets never go back to the browser: only whether there is one.
            passcode: conference.passcode.as_ref().map(|_| "*****".to_string()),
        };
        let series = self
            .list(
                &MeetingFilter {
                    conference: Some(meeting.conference),
                    ..MeetingFilter::default()
                },
                zone,
            )
            .await?;
        let may_change = Self::may_change(actor, &meeting);
        Ok(ConferencePage {
            meeting: view(&meeting, zone),
            zone: conference.zone,
            notes: conference.notes,
            recurrence: conference
                .recurrence
                .as_deref()
                .and_then(|r| Recurrence::decode(r).ok())
                .map(|r| r.to_string()),
            participants: conference
                .participants
                .iter()
                .map(|p| p.to_string())
                .collect(),
            dial_in,
            events: self.store.events(id).await?,
            series,
            systems: if may_change {
                self.offered_systems(actor).await?
            } else {
                Vec::new()
            },
            may_change,
            may_extend: Self::may_extend(actor, &meeting),
            extend_step_minutes: self.settings().await?.extend_step_minutes,
        })
    }
}

/// Where a booking may go: [`BookingService::choose_system`]'s answer.
struct SystemChoice {
    /// The system asked for; `None` for automatic choice among `candidates`.
    chosen: Option<SystemId>,
    candidates: Vec<SystemId>,
    warnings: Vec<String>,
}

/// The refusal of a booking on a system whose Allow Booking is off.
fn closed_to_booking_error(system_name: &str) -> BookingError {
    BookingError::Invalid(FieldErrors::single(
        "system",
        format!("{system_name} does not allow booking (its Scheduling settings)"),
    ))
}

/// A meeting as the pages show it.
pub fn view(m: &MeetingRecord, zone: &Zone) -> MeetingView {
    MeetingView {
        id: m.id,
        conference: m.conference,
        occurrence: m.occurrence,
        title: m.title.clone(),
        start: format_utc(m.span.start()),
        end: format_utc(m.span.end()),
        local_start: format_local(zone.local(m.span.start())),
        local_end: format_local(zone.local(m.span.end())),
        state: m.state,
        system: m.system,
        system_name: m.system_name.clone(),
        owner: m.owner_name.clone(),
        conference_type: m.conference_type,
        placeholder: m.placeholder.as_ref().map(|(i, _)| *i),
        failure: m.failure.clone(),
    }
}

/// Which system takes the booking, on what is booked at the moment of saving: the chosen one
/// if it has room, else (automatic) the first with room, the preferred one first. Participants
/// already in an overlapping meeting are refused whatever the system.
fn place(
    occupancy: &Occupancy,
    chosen: Option<SystemId>,
    candidates: &[SystemId],
    spans: &[Span],
    participants: &[SipUri],
) -> Result<SystemId, FieldErrors> {
    let mut errors = FieldErrors::default();
    if let Some(refusal) = occupancy.participants_refusal(spans, participants) {
        errors.add("participants", refusal);
    }
    let system = match chosen {
        Some(system) => match occupancy.first_over_capacity(system, spans) {
            None => Some(system),
            Some(at) => {
                let capacity = occupancy.capacity.get(&system).copied().unwrap_or(0);
                errors.add(
                    "system",
                    if capacity == 0 {
                        "the system has no placeholder spaces (set its Extended Settings)".to_string()
                    } else {
                        format!(
                            "the system already runs {capacity} meeting(s) at once at {} (all its placeholders)",
                            format_utc(spans[at].start())
                        )
                    },
                );
                None
            }
        },
        None => {
            let found = candidates
                .iter()
                .copied()
                .find(|s| occupancy.first_over_capacity(*s, spans).is_none());
            if found.is_none() {
                errors.add("system", "no system has a free placeholder at that time");
            }
            found
        }
    };
    match system {
        Some(system) if errors.is_empty() => Ok(system),
        _ => Err(errors),
    }
}

/// A change of one occurrence, as typed (`date`, `start_time`, `end_time` only for a pending one).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MeetingEdit {
    pub title: String,
    pub date: String,
    pub start_time: String,
    pub end_time: String,
}

/// A change of a whole series, as typed. Empty times keep each occurrence's own; an empty
/// passcode keeps it unless `remove_passcode`; an empty type or system keeps it. Its `Debug`
/// masks the passcode.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct SeriesEdit {
    pub title: String,
    pub start_time: String,
    pub end_time: String,
    pub participants: String,
    pub passcode: String,
    pub remove_passcode: bool,
    pub notes: String,
    /// `automatic_connect`, `no_connect` or `reservation`.
    pub conference_type: String,
    /// A system id for every pending occurrence, or `auto`.
    pub system: String,
}

impl std::fmt::Debug for SeriesEdit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeriesEdit")
            .field("title", &self.title)
            .field("start_time", &self.start_time)
            .field("end_time", &self.end_time)
            .field("conference_type", &self.conference_type)
            .field("system", &self.system)
            .field("passcode", &crate::redacted::MASK)
            .field("remove_passcode", &self.remove_passcode)
            .finish_non_exhaustive()
    }
}

/// A booking, parsed: only valid values. `spans` holds each occurrence (the first one first).
#[derive(Debug, Clone)]
pub struct Booking {
    pub title: Title,
    pub conference_type: ConferenceType,
    /// `None`: the first system with room, the preferred one first.
    pub system: Option<SystemId>,
    pub zone: Zone,
    pub participants: Vec<SipUri>,
    pub passcode: Option<Passcode>,
    pub notes: String,
    pub recurrence: Option<Recurrence>,
    pub spans: Vec<Span>,
}

fn parse_time(text: &str) -> Option<Time> {
    let (h, m) = text.trim().split_once(':')?;
    Time::from_hms(h.parse().ok()?, m.get(..2)?.parse().ok()?, 0).ok()
}

/// Start and end of one meeting from the form's date, times (or duration) in `zone`.
fn parse_span(
    errors: &mut FieldErrors,
    zone: &Zone,
    date: &str,
    start_time: &str,
    end_time: &str,
    duration: &str,
) -> Option<Span> {
    let date = parse_iso_date(date);
    if date.is_none() {
        errors.add("date", "must be a date (YYYY-MM-DD)");
    }
    let start = parse_time(start_time);
    if start.is_none() {
        errors.add("start_time", "must be a time (HH:MM)");
    }
    let (date, start) = (date?, start?);
    let start = zone.instant(PrimitiveDateTime::new(date, start));
    let end = if end_time.trim().is_empty() {
        match duration.trim().parse::<i64>() {
            Ok(minutes) if (1..=MAX_DURATION_MINUTES).contains(&minutes) => {
                match start.checked_add(time::Duration::minutes(minutes)) {
                    Some(end) => Some(end),
                    None => {
                        errors.add("date", "must be a date (YYYY-MM-DD)");
                        None
                    }
                }
            }
            _ => {
                errors.add("duration_minutes", "must be 1 to 1440 minutes");
                None
            }
        }
    } else {
        match parse_time(end_time) {
            Some(end) => Some(zone.instant(PrimitiveDateTime::new(date, end))),
            None => {
                errors.add("end_time", "must be a time (HH:MM)");
                None
            }
        }
    }?;
    match Span::new(start, end) {
        Some(span) if !too_long(&span) => Some(span),
        Some(_) => {
            errors.add("end_time", TOO_LONG);
            None
        }
        None => {
            errors.add("end_time", "must be after the start");
            None
        }
    }
}

/// SIP URIs separated by commas, semicolons, spaces or new lines; duplicates dropped. Bounded:
/// a text over [`MAX_PARTICIPANTS_TEXT`] is refused before any parsing, and parsing stops at the
/// first participant over [`MAX_PARTICIPANTS`]; one message per problem, not one per item.
fn parse_participants(errors: &mut FieldErrors, text: &str) -> Vec<SipUri> {
    if text.len() > MAX_PARTICIPANTS_TEXT {
        errors.add(
            "participants",
            format!(
                "must be at most {} KiB (at most {MAX_PARTICIPANTS} participants)",
                MAX_PARTICIPANTS_TEXT / 1024
            ),
        );
        return Vec::new();
    }
    let mut seen = HashSet::new();
    let mut participants = Vec::new();
    for text in text
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|t| !t.is_empty())
    {
        match SipUri::parse(text) {
            Ok(uri) if seen.contains(&uri) => {}
            Ok(_) if participants.len() == MAX_PARTICIPANTS => {
                errors.add(
                    "participants",
                    format!("at most {MAX_PARTICIPANTS} participants"),
                );
                break;
            }
            Ok(uri) => {
                seen.insert(uri.clone());
                participants.push(uri);
            }
            Err(e) => errors.add_once("participants", e.to_string()),
        }
    }
    participants
}

fn parse_notes(errors: &mut FieldErrors, text: &str) -> String {
    let notes = text.trim().to_string();
    if notes.chars().count() > 2000 {
        errors.add("notes", "must be at most 2000 characters long");
    }
    notes
}

fn parse_recurrence(errors: &mut FieldErrors, input: &ConferenceInput) -> Option<Recurrence> {
    let frequency = match input.repeat.trim() {
        "" | "none" => return None,
        "daily" => Frequency::Daily,
        "weekdays" => Frequency::Weekdays,
        "monthly" => Frequency::Monthly,
        "weekly" => {
            // Each day once, in the week's order, however often it was sent.
            let days: Option<BTreeSet<_>> = if input.weekdays.len() > 7 * 4 {
                None
            } else {
                input
                    .weekdays
                    .iter()
                    .map(|d| parse_weekday(d).map(|d| d.number_days_from_monday()))
                    .collect()
            };
            match days {
                Some(days) => Frequency::Weekly(
                    days.into_iter()
                        .map(|n| time::Weekday::Monday.nth_next(n))
                        .collect(),
                ),
                None => {
                    errors.add("weekdays", "unknown day of the week");
                    return None;
                }
            }
        }
        _ => {
            errors.add("repeat", "choose how the meeting repeats");
            return None;
        }
    };
    let end = match input.ends.trim() {
        "until" => match parse_iso_date(&input.until) {
            Some(date) => RecurrenceEnd::Until(date),
            None => {
                errors.add("until", "must be a date (YYYY-MM-DD)");
                return None;
            }
        },
        _ => match input.count.trim().parse::<u16>() {
            Ok(n) if (1..=MAX_OCCURRENCES as u16).contains(&n) => RecurrenceEnd::Count(n),
            _ => {
                errors.add("count", format!("must be 1 to {MAX_OCCURRENCES}"));
                return None;
            }
        },
    };
    Some(Recurrence { frequency, end })
}

fn parse_input(
    input: &ConferenceInput,
    settings: &ConferenceSettings,
) -> Result<Booking, BookingError> {
    let mut errors = FieldErrors::default();
    let title = errors.check("title", Title::parse(&input.title));
    let conference_type = ConferenceType::parse(input.conference_type.trim());
    if conference_type.is_none() {
        errors.add("conference_type", "choose a conference type");
    }
    let system = match input.system.trim() {
        "" | "auto" => None,
        id => match id.parse::<i64>() {
            Ok(id) => Some(SystemId(id)),
            Err(_) => {
                errors.add("system", "choose a system or automatic");
                None
            }
        },
    };
    let zone = errors.check("time_zone", Zone::parse(&input.time_zone));
    let participants = parse_participants(&mut errors, &input.participants);
    let passcode = errors.check("passcode", Passcode::parse_optional(&input.passcode));
    let notes = parse_notes(&mut errors, &input.notes);
    let recurrence = parse_recurrence(&mut errors, input);
    let duration = if input.duration_minutes.trim().is_empty() {
        settings.default_duration_minutes.to_string()
    } else {
        input.duration_minutes.clone()
    };
    let mut spans = Vec::new();
    if let Some(zone) = &zone
        && let Some(first) = parse_span(
            &mut errors,
            zone,
            &input.date,
            &input.start_time,
            &input.end_time,
            &duration,
        )
    {
        let length = first.end() - first.start();
        let local_start = zone.local(first.start());
        match &recurrence {
            None => spans.push(first),
            Some(r) => match r.dates(local_start.date()) {
                Ok(dates) => {
                    for date in dates {
                        let start = zone.instant(PrimitiveDateTime::new(date, local_start.time()));
                        if let Some(span) = start
                            .checked_add(length)
                            .and_then(|end| Span::new(start, end))
                        {
                            spans.push(span);
                        }
                    }
                }
                Err(e) => errors.add("repeat", e.to_string()),
            },
        }
    }
    errors.into_result().map_err(BookingError::Invalid)?;
    match (title, conference_type, zone, passcode) {
        (Some(title), Some(conference_type), Some(zone), Some(passcode)) => Ok(Booking {
            title,
            conference_type,
            system,
            zone,
            participants,
            passcode,
            notes,
            recurrence,
            spans,
        }),
        _ => Err(BookingError::Internal("unparsed booking".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn input() -> ConferenceInput {
        ConferenceInput {
            title: "Weekly sync".into(),
            date: "2026-03-27".into(),
            start_time: "09:00".into(),
            end_time: "10:00".into(),
            time_zone: "Europe/Madrid".into(),
            conference_type: "automatic_connect".into(),
            system: "auto".into(),
            participants: "desk@example.com, sip:room@example.com".into(),
            ..ConferenceInput::default()
        }
    }

    #[test]
    fn a_series_keeps_its_local_time_across_dst() {
        let mut daily = input();
        daily.repeat = "daily".into();
        daily.count = "3".into();
        let parsed = parse_input(&daily, &ConferenceSettings::default()).unwrap();
        let starts: Vec<_> = parsed.spans.iter().map(|s| s.start()).collect();
        // Madrid moves to summer time on Sunday 2026-03-29: 09:00 is 08:00 UTC, then 07:00 UTC.
        assert_eq!(
            starts,
            [
                datetime!(2026-03-27 08:00 UTC),
                datetime!(2026-03-28 08:00 UTC),
                datetime!(2026-03-29 07:00 UTC)
            ]
        );
        assert!(
            parsed
                .spans
                .iter()
                .all(|s| s.end() - s.start() == time::Duration::hours(1))
        );
        assert_eq!(parsed.participants.len(), 2);
    }

    #[test]
    fn every_field_is_checked_and_named() {
        let bad = ConferenceInput {
            title: " ".into(),
            date: "2026-02-30".into(),
            start_time: "25:00".into(),
            time_zone: "Nowhere/Else".into(),
            conference_type: "party".into(),
            participants: "not-a-uri".into(),
            passcode: "12ab".into(),
            repeat: "weekly".into(),
            weekdays: vec!["funday".into()],
            ..ConferenceInput::default()
        };
        let Err(BookingError::Invalid(errors)) = parse_input(&bad, &ConferenceSettings::default())
        else {
            panic!("expected field errors");
        };
        for field in [
            "title",
            "conference_type",
            "time_zone",
            "participants",
            "passcode",
            "weekdays",
        ] {
            assert!(errors.for_field(field).is_some(), "{field}: {errors}");
        }
        let mut backwards = input();
        backwards.end_time = "08:00".into();
        let Err(BookingError::Invalid(errors)) =
            parse_input(&backwards, &ConferenceSettings::default())
        else {
            panic!("expected field errors");
        };
        assert!(errors.for_field("end_time").is_some(), "{errors}");
    }

    #[test]
    fn the_duration_applies_without_an_end_time() {
        let mut i = input();
        i.end_time.clear();
        i.duration_minutes = "45".into();
        let parsed = parse_input(&i, &ConferenceSettings::default()).unwrap();
        assert_eq!(
            parsed.spans[0].end() - parsed.spans[0].start(),
            time::Duration::minutes(45)
        );
    }

    #[test]
    fn automatic_placement_prefers_and_skips_full_systems() {
        let span = Span::new(
            datetime!(2026-03-27 08:00 UTC),
            datetime!(2026-03-27 09:00 UTC),
        )
        .unwrap();
        let occupancy = Occupancy {
            capacity: [(SystemId(1), 1), (SystemId(2), 1)].into(),
            booked: vec![crate::booking::rules::Booked {
                meeting: MeetingId(1),
                system: SystemId(1),
                span,
                participants: vec![],
            }],
        };
        let candidates = [SystemId(1), SystemId(2)];
        assert_eq!(
            place(&occupancy, None, &candidates, &[span], &[]),
            Ok(SystemId(2))
        );
        let refused = place(&occupancy, Some(SystemId(1)), &candidates, &[span], &[]).unwrap_err();
        assert!(refused.for_field("system").is_some());
    }
}
