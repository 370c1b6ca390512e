//! The booking store: conferences, their meetings, each meeting's history, and the conference
//! settings. Saving a booking and changing its time run the booking rules inside the writing
//! transaction, so two schedulers racing for the last placeholder cannot both win.

use super::StoreError;
use crate::booking::rules::{Occupancy, Span};
use crate::booking::{
    ConferenceId, ConferenceSettings, ConferenceType, MeetingEvent, MeetingId, MeetingState,
    Passcode, SipUri, Title,
};
use crate::system::SystemId;
use crate::{FieldErrors, UserId};
use time::OffsetDateTime;

/// Decides, on what is booked at the moment of saving, which system takes the spans given (or
/// why none may). Called inside the saving transaction, with the spans it read there.
pub type Placer<'a> =
    dyn Fn(&Occupancy, &[Span]) -> Result<SystemId, FieldErrors> + Send + Sync + 'a;

/// A series' pending occurrences moving to the system `place` chooses, `automatic` when it
/// chooses among every system with room (the conference remembers how its system was chosen).
pub struct Relocation<'a> {
    pub place: &'a Placer<'a>,
    pub automatic: bool,
}

/// A booking to save: the conference and the span of each occurrence.
#[derive(Debug, Clone)]
pub struct NewConference {
    pub owner: UserId,
    pub owner_name: String,
    pub title: Title,
    pub conference_type: ConferenceType,
    pub auto_system: bool,
    pub zone: String,
    pub passcode: Option<Passcode>,
    pub notes: String,
    pub recurrence: Option<String>,
    pub participants: Vec<SipUri>,
    pub occurrences: Vec<Span>,
}

/// A conference as stored (what every occurrence shares).
#[derive(Debug, Clone)]
pub struct ConferenceRecord {
    pub id: ConferenceId,
    pub owner: UserId,
    pub owner_name: String,
    pub conference_type: ConferenceType,
    pub auto_system: bool,
    pub zone: String,
    pub passcode: Option<Passcode>,
    pub notes: String,
    pub recurrence: Option<String>,
    pub participants: Vec<SipUri>,
}

/// A meeting as stored, with what the engine needs of its conference.
#[derive(Debug, Clone)]
pub struct MeetingRecord {
    pub id: MeetingId,
    pub conference: ConferenceId,
    pub occurrence: u32,
    pub title: String,
    pub span: Span,
    pub system: SystemId,
    pub system_name: String,
    pub state: MeetingState,
    /// Index and coSpace id of the placeholder it holds.
    pub placeholder: Option<(u64, String)>,
    /// Call id and the call bridge's endpoint.
    pub call: Option<(String, String)>,
    pub dress_version: i64,
    pub applied_dress: i64,
    pub retry_at: Option<OffsetDateTime>,
    pub attempts: u32,
    pub call_created: Option<OffsetDateTime>,
    pub failure: Option<String>,
    pub ticket: Option<i64>,
    pub conference_type: ConferenceType,
    pub owner: UserId,
    pub owner_name: String,
    pub passcode: Option<Passcode>,
    pub participants: Vec<SipUri>,
}

/// A meeting as a calendar draws it: what, when and how it stands (no participants, system or
/// owner: a month of bookings is read in one go).
#[derive(Debug, Clone)]
pub struct MeetingSlot {
    pub id: MeetingId,
    pub title: String,
    pub span: Span,
    pub state: MeetingState,
}

/// Which meetings to list, by start time.
#[derive(Debug, Clone, Default)]
pub struct MeetingFilter {
    /// Meetings ending after this.
    pub from: Option<OffsetDateTime>,
    /// Meetings starting before this.
    pub to: Option<OffsetDateTime>,
    pub system: Option<SystemId>,
    pub owner: Option<UserId>,
    pub conference: Option<ConferenceId>,
    /// Empty = any.
    pub states: Vec<MeetingState>,
    pub title_contains: Option<String>,
    pub limit: Option<u32>,
}

/// A line for a meeting's history.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// `None` for the scheduler engine.
    pub actor: Option<String>,
    pub action: String,
    pub outcome: String,
}

impl NewEvent {
    pub fn engine(action: impl Into<String>, outcome: impl Into<String>) -> NewEvent {
        NewEvent {
            actor: None,
            action: action.into(),
            outcome: outcome.into(),
        }
    }

    pub fn by(actor: &str, action: impl Into<String>, outcome: impl Into<String>) -> NewEvent {
        NewEvent {
            actor: Some(actor.to_string()),
            action: action.into(),
            outcome: outcome.into(),
        }
    }
}

/// One recorded step of the engine: the columns it changes and its history line, written
/// together, only if the meeting is still in the expected state.
#[derive(Debug, Clone, Default)]
pub struct Step {
    pub state: Option<MeetingState>,
    /// `Some(None)` lets the placeholder go.
    pub placeholder: Option<Option<(u64, String)>>,
    pub call: Option<Option<(String, String)>>,
    pub applied_dress: Option<i64>,
    pub retry_at: Option<Option<OffsetDateTime>>,
    pub attempts: Option<u32>,
    pub call_created: Option<OffsetDateTime>,
    pub failure: Option<String>,
    /// Raises a Meeting Failed ticket with this message (and links it to the meeting).
    pub ticket: Option<String>,
    pub event: Option<NewEvent>,
    /// Applies only while the meeting is still booked on this system for this span: a claim must
    /// not start a meeting that a user moved (to another time or system) since it was read.
    pub booked_as: Option<(SystemId, Span)>,
}

/// A change of a whole series: what its conference shares (type, participants, passcode, notes)
/// and each remaining occurrence's title, plus new times for the pending ones in `moves`.
#[derive(Debug, Clone)]
pub struct SeriesChange {
    pub title: Title,
    /// Refused while an occurrence runs if it differs from the stored one.
    pub conference_type: ConferenceType,
    pub participants: Vec<SipUri>,
    /// `None` keeps the passcode; `Some(None)` removes it.
    pub passcode: Option<Option<Passcode>>,
    pub notes: String,
    /// New spans of pending occurrences (each must still be pending).
    pub moves: Vec<(MeetingId, Span)>,
}

/// What a change of a booked meeting's time or title may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changed {
    Done,
    NotFound,
    /// Its state does not allow it (e.g. a finished meeting).
    NotAllowed(MeetingState),
    Refused(FieldErrors),
}

#[async_trait::async_trait]
pub trait BookingStore: Send + Sync {
    async fn conference_settings(&self) -> Result<ConferenceSettings, StoreError>;
    async fn set_conference_settings(
        &self,
        settings: &ConferenceSettings,
        by: &str,
    ) -> Result<(), StoreError>;

    /// Saves the conference and its meetings in one transaction that first takes the write lock,
    /// reads what is booked around them and lets `place` choose the system or refuse.
    async fn insert_conference(
        &self,
        conference: &NewConference,
        place: &Placer<'_>,
    ) -> Result<Result<(ConferenceId, Vec<MeetingId>), FieldErrors>, StoreError>;

    /// Moves a meeting (pending: start and end; live: end only, which extends or shortens it)
    /// and retitles it. Time it books beyond what it held must pass the booking rules (capacity,
    /// participants in one meeting at a time) in the same transaction. Live meetings are re-dressed.
    async fn change_meeting(
        &self,
        id: MeetingId,
        title: &Title,
        span: Span,
        by: &str,
        action: &str,
    ) -> Result<Changed, StoreError>;

    /// Changes a series in one transaction: the conference's shared fields, the title of every
    /// occurrence not over yet (running ones are re-dressed), the moves, and with `relocation`
    /// the system of every pending occurrence, checking capacity and participants against
    /// everything else booked. All or nothing.
    async fn change_series(
        &self,
        conference: ConferenceId,
        change: &SeriesChange,
        relocation: Option<&Relocation<'_>>,
        by: &str,
    ) -> Result<Changed, StoreError>;

    /// Cancels every pending occurrence of a conference; how many were cancelled.
    async fn cancel_series(&self, conference: ConferenceId, by: &str) -> Result<usize, StoreError>;

    /// Cancels a pending meeting.
    async fn cancel_meeting(&self, id: MeetingId, by: &str) -> Result<Changed, StoreError>;

    async fn conference(&self, id: ConferenceId) -> Result<Option<ConferenceRecord>, StoreError>;
    async fn meeting(&self, id: MeetingId) -> Result<Option<MeetingRecord>, StoreError>;
    async fn meetings(&self, filter: &MeetingFilter) -> Result<Vec<MeetingRecord>, StoreError>;
    /// The same meetings as [`BookingStore::meetings`], only what a calendar draws of them.
    async fn meeting_slots(&self, filter: &MeetingFilter) -> Result<Vec<MeetingSlot>, StoreError>;
    async fn events(&self, id: MeetingId) -> Result<Vec<MeetingEvent>, StoreError>;
    /// Every user who owns a booking, by name: the owner filter's choices.
    async fn booking_owners(&self) -> Result<Vec<(UserId, String)>, StoreError>;

    /// The engine's work: meetings to start (pending whose start minus `early` has come),
    /// retries that are due, ongoing meetings to end or re-dress.
    async fn due_meetings(
        &self,
        now: OffsetDateTime,
        early: time::Duration,
    ) -> Result<Vec<MeetingRecord>, StoreError>;
    /// When the engine has something to do next, if ever.
    async fn next_due(&self, early: time::Duration) -> Result<Option<OffsetDateTime>, StoreError>;
    /// Placeholder indexes held by live meetings of the system.
    async fn busy_placeholders(&self, system: SystemId) -> Result<Vec<u64>, StoreError>;
    /// Records engine steps, all in one transaction (one commit for many meetings' steps). Each
    /// has its own outcome, in order: true if recorded, false if its meeting is no longer in
    /// the expected state, a `Conflict` for a placeholder already held by another live meeting.
    /// A step refused leaves the others recorded. With a `fence`, nothing is recorded
    /// (`Fenced`) unless the engine's lease still holds, checked in the same transaction.
    async fn record_steps(
        &self,
        fence: Option<&crate::lease::Fence>,
        steps: &[(MeetingId, MeetingState, Step)],
    ) -> Result<Vec<Result<bool, StoreError>>, StoreError>;
}
