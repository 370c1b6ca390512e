//! The booking store: conferences, their meetings, each meeting's history, and the conference
//! settings. Reads, and a write transaction ([`BookingWrite`]) that holds the store's write lock
//! while the rules (in [`crate::booking::changes`] and [`crate::scheduler::steps`]) read what is
//! booked, decide, and have their decision written: two schedulers racing for the last
//! placeholder cannot both win. Nothing here decides anything.

use super::StoreError;
use crate::UserId;
use crate::booking::rules::{Occupancy, Span};
use crate::booking::{
    ConferenceId, ConferenceSettings, ConferenceType, MeetingEvent, MeetingId, MeetingState,
    Passcode, SipUri, Title,
};
use crate::system::SystemId;
use crate::ticket::TicketKind;
use time::OffsetDateTime;

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
#[derive(Debug, Clone, PartialEq, Eq)]
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

#[async_trait::async_trait]
pub trait BookingStore: Send + Sync {
    async fn conference_settings(&self) -> Result<ConferenceSettings, StoreError>;
    async fn set_conference_settings(
        &self,
        settings: &ConferenceSettings,
        by: &str,
    ) -> Result<(), StoreError>;

    /// Opens a write transaction holding the store's write lock: racing writers run one after
    /// the other. With a `fence` (the engine's steps), `Fenced` unless the engine's lease still
    /// holds, checked inside the transaction. Dropped without [`BookingWrite::commit`], it writes
    /// nothing.
    async fn begin_write(
        &self,
        fence: Option<&crate::lease::Fence>,
    ) -> Result<Box<dyn BookingWrite>, StoreError>;

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
}

/// An occurrence as a change reads it under the write lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    pub id: MeetingId,
    pub conference: ConferenceId,
    pub state: MeetingState,
    pub system: SystemId,
    pub span: Span,
}

/// A conference as a change of it reads it under the write lock: what its occurrences share and
/// every occurrence, over or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub id: ConferenceId,
    pub conference_type: ConferenceType,
    pub participants: Vec<SipUri>,
    pub occurrences: Vec<Occurrence>,
}

/// What a change writes to a conference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConferenceUpdate {
    pub conference_type: ConferenceType,
    pub notes: String,
    /// `None` keeps the passcode; `Some(None)` removes it.
    pub passcode: Option<Option<Passcode>>,
    /// Replaces the participants, in this order.
    pub participants: Vec<SipUri>,
    /// How the system of its occurrences is now chosen, when that changed.
    pub auto_system: Option<bool>,
}

/// What a change writes to a meeting; `None` keeps the column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MeetingUpdate {
    pub title: Option<String>,
    pub span: Option<Span>,
    pub system: Option<SystemId>,
    pub state: Option<MeetingState>,
    /// The running meeting takes the change at its next dress (its dress version grows).
    pub redress: bool,
}

/// Everything a decided change writes, in one transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Writes {
    pub conference: Option<(ConferenceId, ConferenceUpdate)>,
    pub meetings: Vec<(MeetingId, MeetingUpdate)>,
    pub events: Vec<(MeetingId, NewEvent)>,
}

/// A meeting as the engine's step rules read it under the write lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepSubject {
    pub state: MeetingState,
    pub system: SystemId,
    pub span: Span,
    pub placeholder: Option<u64>,
    /// The Meeting Failed ticket linked to the meeting, while it is not closed.
    pub open_ticket: Option<i64>,
}

/// An automatic ticket to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTicket {
    pub system: SystemId,
    pub kind: TicketKind,
    pub message: String,
    pub raised_at: OffsetDateTime,
}

/// A write transaction under the store's write lock ([`BookingStore::begin_write`]): reads for the
/// rules, then writes what they decided. Each write says what it did; none decides.
#[async_trait::async_trait]
pub trait BookingWrite: Send {
    /// Each system's placeholder count, and every meeting in a state that
    /// [holds capacity](MeetingState::holds_capacity) whose span overlaps `window`.
    async fn occupancy(&mut self, window: Span) -> Result<Occupancy, StoreError>;
    async fn occurrence(&mut self, id: MeetingId) -> Result<Option<Occurrence>, StoreError>;
    async fn series(&mut self, conference: ConferenceId) -> Result<Option<Series>, StoreError>;
    /// The system's name as the pages show it ([`crate::system::display_name`]).
    async fn system_name(&mut self, system: SystemId) -> Result<Option<String>, StoreError>;

    /// Saves the conference, its participants and one pending meeting per occurrence on
    /// `system`.
    async fn insert_conference(
        &mut self,
        conference: &NewConference,
        system: SystemId,
    ) -> Result<(ConferenceId, Vec<MeetingId>), StoreError>;
    /// False when there is no such conference.
    async fn update_conference(
        &mut self,
        id: ConferenceId,
        update: &ConferenceUpdate,
    ) -> Result<bool, StoreError>;
    /// False when there is no such meeting.
    async fn update_meeting(
        &mut self,
        id: MeetingId,
        update: &MeetingUpdate,
    ) -> Result<bool, StoreError>;
    async fn add_events(&mut self, events: &[(MeetingId, &NewEvent)]) -> Result<(), StoreError>;

    async fn step_subject(&mut self, id: MeetingId) -> Result<Option<StepSubject>, StoreError>;
    /// The meeting other than `except` in a [live](MeetingState::is_live) state that holds the
    /// placeholder `index` of `system`.
    async fn placeholder_holder(
        &mut self,
        system: SystemId,
        index: u64,
        except: MeetingId,
    ) -> Result<Option<MeetingId>, StoreError>;
    /// Writes a step's columns (not its ticket or history line); false when there is no such
    /// meeting.
    async fn write_step(&mut self, id: MeetingId, step: &Step) -> Result<bool, StoreError>;
    /// The ticket kinds hidden for the system (its ticket filters).
    async fn hidden_ticket_kinds(
        &mut self,
        system: SystemId,
    ) -> Result<Vec<TicketKind>, StoreError>;
    /// Opens the ticket and returns its number.
    async fn insert_ticket(&mut self, ticket: &NewTicket) -> Result<i64, StoreError>;
    /// Links the meeting to its ticket; false when there is no such meeting.
    async fn link_ticket(&mut self, meeting: MeetingId, ticket: i64) -> Result<bool, StoreError>;

    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}
