//! Booked conferences and their meetings, as the booking pages and the scheduler engine see them:
//! parsed input types (a value of these types is valid), meeting states, recurrence and the
//! booking rules ([`rules`]).

pub mod calendar;
#[cfg(feature = "ssr")]
pub mod changes;
pub mod recurrence;
pub mod rules;

use crate::system::SystemId;
use serde::{Deserialize, Serialize};
use std::fmt;

pub use recurrence::{Frequency, MAX_OCCURRENCES, Recurrence, RecurrenceEnd, RecurrenceError};

/// A booking: one conference, one meeting per occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ConferenceId(pub i64);

/// One occurrence of a conference, run on a system by the scheduler engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MeetingId(pub i64);

/// What happens at the start time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConferenceType {
    /// The space opens and every participant is dialled.
    AutomaticConnect,
    /// The space opens; participants dial in.
    NoConnect,
    /// Capacity is held; nothing is started on the server.
    Reservation,
}

impl ConferenceType {
    pub const ALL: [ConferenceType; 3] = [
        ConferenceType::AutomaticConnect,
        ConferenceType::NoConnect,
        ConferenceType::Reservation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConferenceType::AutomaticConnect => "automatic_connect",
            ConferenceType::NoConnect => "no_connect",
            ConferenceType::Reservation => "reservation",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ConferenceType::AutomaticConnect => "Automatic Connect",
            ConferenceType::NoConnect => "No Connect",
            ConferenceType::Reservation => "Reservation",
        }
    }

    /// Whether the engine opens a space on the server for it.
    pub fn uses_the_server(self) -> bool {
        self != ConferenceType::Reservation
    }
}

/// A meeting's life: Pending → Starting → Ongoing → Ending → Finished, or Defective (could not
/// be placed), Failed (with a reason and a ticket), Cancelled (by a user, before it started).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MeetingState {
    Pending,
    Starting,
    Ongoing,
    Ending,
    Finished,
    Defective,
    Failed,
    Cancelled,
}

impl MeetingState {
    pub const ALL: [MeetingState; 8] = [
        MeetingState::Pending,
        MeetingState::Starting,
        MeetingState::Ongoing,
        MeetingState::Ending,
        MeetingState::Finished,
        MeetingState::Defective,
        MeetingState::Failed,
        MeetingState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MeetingState::Pending => "pending",
            MeetingState::Starting => "starting",
            MeetingState::Ongoing => "ongoing",
            MeetingState::Ending => "ending",
            MeetingState::Finished => "finished",
            MeetingState::Defective => "defective",
            MeetingState::Failed => "failed",
            MeetingState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            MeetingState::Pending => "Pending",
            MeetingState::Starting => "Starting",
            MeetingState::Ongoing => "Ongoing",
            MeetingState::Ending => "Ending",
            MeetingState::Finished => "Finished",
            MeetingState::Defective => "Defective",
            MeetingState::Failed => "Failed",
            MeetingState::Cancelled => "Cancelled",
        }
    }

    /// The states that [hold capacity](MeetingState::holds_capacity): the one list, which the
    /// store's queries bind rather than spell out.
    pub const HOLDING_CAPACITY: [MeetingState; 4] = [
        MeetingState::Pending,
        MeetingState::Starting,
        MeetingState::Ongoing,
        MeetingState::Ending,
    ];

    /// The [live](MeetingState::is_live) states.
    pub const LIVE: [MeetingState; 3] = [
        MeetingState::Starting,
        MeetingState::Ongoing,
        MeetingState::Ending,
    ];

    /// Nothing more will happen to it.
    pub fn is_final(self) -> bool {
        !self.holds_capacity()
    }

    /// Holds one of its system's placeholders (or the capacity of one) now or later.
    pub fn holds_capacity(self) -> bool {
        Self::HOLDING_CAPACITY.contains(&self)
    }

    /// Running on the server: extend and end apply, booking edits do not (but the title's).
    pub fn is_live(self) -> bool {
        Self::LIVE.contains(&self)
    }

    /// Ahead or running, not being ended: its booking still changes (a running one's title and
    /// end only).
    pub fn is_editable(self) -> bool {
        self.holds_capacity() && self != MeetingState::Ending
    }

    /// Started and not yet being ended: a change of its booking reaches the server at its next
    /// dress.
    pub fn takes_redress(self) -> bool {
        matches!(self, MeetingState::Starting | MeetingState::Ongoing)
    }
}

impl fmt::Display for MeetingState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A conference title: 1–200 characters, no control characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Title(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidTitle {
    #[error("is required")]
    Empty,
    #[error("must be at most 200 characters long")]
    TooLong,
    #[error("must not contain control characters")]
    Control,
}

impl Title {
    pub fn parse(text: &str) -> Result<Title, InvalidTitle> {
        let text = text.trim();
        if text.is_empty() {
            Err(InvalidTitle::Empty)
        } else if text.chars().count() > 200 {
            Err(InvalidTitle::TooLong)
        } else if text.chars().any(char::is_control) {
            Err(InvalidTitle::Control)
        } else {
            Ok(Title(text.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Title {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A participant to dial: `user@host` (an optional `sip:` is dropped, the host lower-cased).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SipUri(String);

/// The refused text (its first 60 characters: an error never repeats a huge input).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a SIP URI (user@domain)")]
pub struct InvalidSipUri(pub String);

impl InvalidSipUri {
    fn of(text: &str) -> Self {
        match text.char_indices().nth(60) {
            Some((cut, _)) => InvalidSipUri(format!("{}…", &text[..cut])),
            None => InvalidSipUri(text.to_string()),
        }
    }
}

impl SipUri {
    pub fn parse(text: &str) -> Result<SipUri, InvalidSipUri> {
        let trimmed = text.trim();
        let bare = trimmed
            .strip_prefix("sip:")
            .or_else(|| trimmed.strip_prefix("SIP:"))
            .unwrap_or(trimmed);
        let invalid = || InvalidSipUri::of(trimmed);
        let (user, host) = bare.split_once('@').ok_or_else(invalid)?;
        let user_ok = !user.is_empty()
            && user.len() <= 128
            && user
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.!~*'()&=+$,;?/%".contains(c));
        let host = host.to_ascii_lowercase();
        let host_ok = !host.is_empty()
            && host.len() <= 253
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        if user_ok && host_ok {
            Ok(SipUri(format!("{user}@{host}")))
        } else {
            Err(invalid())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SipUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A meeting's numeric passcode (1–32 digits). Its `Debug` shows `*****`: it never reaches a log.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Passcode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be 1 to 32 digits")]
pub struct InvalidPasscode;

impl Passcode {
    /// An empty text means no passcode.
    pub fn parse_optional(text: &str) -> Result<Option<Passcode>, InvalidPasscode> {
        let text = text.trim();
        if text.is_empty() {
            Ok(None)
        } else if text.len() <= 32 && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Some(Passcode(text.to_string())))
        } else {
            Err(InvalidPasscode)
        }
    }

    /// The digits, for the confirmation page and the server; never for a log.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Passcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("*****")
    }
}

/// How long meetings are, in whole minutes: 1 minute to 24 hours.
pub const MAX_DURATION_MINUTES: i64 = 24 * 60;

/// How many participants one booking dials.
pub const MAX_PARTICIPANTS: usize = 100;

/// The participants field's size limit (bytes), checked before any parsing: room for
/// [`MAX_PARTICIPANTS`] of the longest SIP URIs with their separators.
pub const MAX_PARTICIPANTS_TEXT: usize = 64 * 1024;

/// The global defaults of Administrative Tools → Conference Settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConferenceSettings {
    /// The title a new booking starts with; the date is appended.
    pub default_title: String,
    pub default_duration_minutes: u32,
    /// Meetings start this many minutes before their booked start.
    pub start_early_minutes: u32,
    /// The Extend button's step.
    pub extend_step_minutes: u32,
    /// Tried first when a booking leaves the system to Bridgekeeper.
    pub preferred_system: Option<SystemId>,
}

impl Default for ConferenceSettings {
    fn default() -> Self {
        ConferenceSettings {
            default_title: "Scheduled Meeting".into(),
            default_duration_minutes: 60,
            start_early_minutes: 0,
            extend_step_minutes: 15,
            preferred_system: None,
        }
    }
}

impl ConferenceSettings {
    /// What changed from `before`, one line per setting, as the audit says it; `system_name`
    /// names a preferred system.
    pub fn changes_from(
        &self,
        before: &ConferenceSettings,
        system_name: impl Fn(SystemId) -> String,
    ) -> Vec<String> {
        let mut changes = Vec::new();
        if self.default_title != before.default_title {
            changes.push(format!(
                "default title: \"{}\" → \"{}\"",
                before.default_title, self.default_title
            ));
        }
        for (name, was, now) in [
            (
                "default duration",
                before.default_duration_minutes,
                self.default_duration_minutes,
            ),
            (
                "start early",
                before.start_early_minutes,
                self.start_early_minutes,
            ),
            (
                "extend step",
                before.extend_step_minutes,
                self.extend_step_minutes,
            ),
        ] {
            if was != now {
                changes.push(format!("{name}: {was} → {now} min"));
            }
        }
        if self.preferred_system != before.preferred_system {
            let name = |s: Option<SystemId>| s.map_or_else(|| "none".to_string(), &system_name);
            changes.push(format!(
                "preferred system: {} → {}",
                name(before.preferred_system),
                name(self.preferred_system)
            ));
        }
        changes
    }
}

/// A meeting as lists, the calendar and the conference page show it. Times are RFC 3339 UTC,
/// plus the same in the viewer's zone (`local_*`, `YYYY-MM-DDTHH:MM`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingView {
    pub id: MeetingId,
    pub conference: ConferenceId,
    pub occurrence: u32,
    pub title: String,
    pub start: String,
    pub end: String,
    pub local_start: String,
    pub local_end: String,
    pub state: MeetingState,
    pub system: SystemId,
    pub system_name: String,
    pub owner: String,
    pub conference_type: ConferenceType,
    /// The placeholder index while it holds one.
    pub placeholder: Option<u64>,
    pub failure: Option<String>,
}

/// A meeting as the calendar draws it, its times in the viewer's zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarBlock {
    pub id: MeetingId,
    pub title: String,
    /// `YYYY-MM-DDTHH:MM` in the calendar's zone.
    pub local_start: String,
    pub local_end: String,
    pub state: MeetingState,
}

/// One line of a meeting's history: a lifecycle step (before, after, failed) or a user's action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingEvent {
    /// RFC 3339 UTC.
    pub at: String,
    /// Who did it; `None` for the scheduler engine.
    pub actor: Option<String>,
    pub action: String,
    pub outcome: String,
}

/// A saved booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booked {
    pub conference: ConferenceId,
    pub meetings: Vec<MeetingId>,
    pub system: SystemId,
    /// Things worth knowing that did not stop the booking (an unreachable system).
    pub warnings: Vec<String>,
}

/// How participants join a meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DialIn {
    /// The numeric call ID, once known (it is the placeholder's index, chosen at start).
    pub call_id: Option<String>,
    pub uri: Option<String>,
    /// The range it will be one of, said before start: `1001–1020@example.com`.
    pub range: Option<String>,
    pub passcode: Option<String>,
}

/// Where a participant is while the meeting runs, as the call bridge reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LegState {
    /// Dialled, not answered yet.
    Ringing,
    Connected,
    OnHold,
    /// No call leg: the dial-out was refused, or the participant hung up or was not dialled.
    NotConnected,
    /// A state this version does not know, as the server named it.
    Other(String),
}

impl LegState {
    pub fn label(&self) -> &str {
        match self {
            LegState::Ringing => "Ringing",
            LegState::Connected => "Connected",
            LegState::OnHold => "On hold",
            LegState::NotConnected => "Not connected",
            LegState::Other(state) => state,
        }
    }

    /// For a CSS class and tests: `ringing`, `connected`, `on-hold`, `not-connected`, `other`.
    pub fn as_str(&self) -> &'static str {
        match self {
            LegState::Ringing => "ringing",
            LegState::Connected => "connected",
            LegState::OnHold => "on-hold",
            LegState::NotConnected => "not-connected",
            LegState::Other(_) => "other",
        }
    }
}

/// One participant of a running meeting: a booked one (dialled out) or someone who dialled in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantStatus {
    /// The booked SIP URI, or what the server reports of a caller.
    pub address: String,
    pub state: LegState,
    /// Joined by dialling in (not one of the booked participants).
    pub dialled_in: bool,
}

/// The participants' live state on the conference page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LiveParticipants {
    /// The meeting has no call on the server (not started, a reservation, or over).
    NoCall,
    /// The call bridge did not answer in time; the page says so and tries again.
    Unavailable(String),
    Call(Vec<ParticipantStatus>),
}

/// Everything the conference page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConferencePage {
    pub meeting: MeetingView,
    pub zone: String,
    pub notes: String,
    pub recurrence: Option<String>,
    pub participants: Vec<String>,
    pub dial_in: DialIn,
    pub events: Vec<MeetingEvent>,
    /// The other occurrences of the series.
    pub series: Vec<MeetingView>,
    /// The systems the conference form offers to move it to (only for those who may change it).
    pub systems: Vec<(SystemId, String)>,
    pub may_change: bool,
    pub may_extend: bool,
    /// The Extend buttons' step (Conference Settings): +step and +2×step.
    pub extend_step_minutes: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_settings_change_says_what_changed() {
        let before = ConferenceSettings::default();
        assert!(before.changes_from(&before, |_| unreachable!()).is_empty());
        let after = ConferenceSettings {
            default_title: "Weekly".into(),
            extend_step_minutes: 10,
            preferred_system: Some(SystemId(3)),
            ..before.clone()
        };
        assert_eq!(
            after.changes_from(&before, |s| format!("CMS {}", s.0)),
            [
                "default title: \"Scheduled Meeting\" → \"Weekly\"",
                "extend step: 15 → 10 min",
                "preferred system: none → CMS 3",
            ]
        );
    }

    #[test]
    fn sip_uris_are_parsed() {
        assert_eq!(
            SipUri::parse(" sip:Desk.EX90@Example.COM ")
                .unwrap()
                .as_str(),
            "Desk.EX90@example.com"
        );
        for bad in [
            "",
            "desk",
            "@example.com",
            "desk@",
            "a b@example.com",
            "desk@ex..com",
            "desk@-x.com",
        ] {
            assert!(SipUri::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passcodes_are_digits_and_never_shown() {
        assert_eq!(Passcode::parse_optional("  "), Ok(None));
        let p = Passcode::parse_optional("4711").unwrap().unwrap();
        assert_eq!(p.expose(), "4711");
        assert_eq!(format!("{p:?}"), "*****");
        assert!(Passcode::parse_optional("12a").is_err());
        assert!(Passcode::parse_optional(&"1".repeat(33)).is_err());
    }

    #[test]
    fn titles_and_states() {
        assert_eq!(Title::parse("  "), Err(InvalidTitle::Empty));
        assert!(Title::parse(&"x".repeat(201)).is_err());
        for state in MeetingState::ALL {
            assert_eq!(MeetingState::parse(state.as_str()), Some(state));
        }
        // state, holds capacity, live, takes a redress, editable
        let table = [
            (MeetingState::Pending, true, false, false, true),
            (MeetingState::Starting, true, true, true, true),
            (MeetingState::Ongoing, true, true, true, true),
            (MeetingState::Ending, true, true, false, false),
            (MeetingState::Finished, false, false, false, false),
            (MeetingState::Defective, false, false, false, false),
            (MeetingState::Failed, false, false, false, false),
            (MeetingState::Cancelled, false, false, false, false),
        ];
        assert_eq!(table.len(), MeetingState::ALL.len());
        for (state, holds, live, redress, editable) in table {
            assert_eq!(state.is_editable(), editable, "{state:?}");
            assert_eq!(state.holds_capacity(), holds, "{state:?}");
            assert_eq!(state.is_final(), !holds, "{state:?}");
            assert_eq!(state.is_live(), live, "{state:?}");
            assert_eq!(state.takes_redress(), redress, "{state:?}");
        }
    }
}
