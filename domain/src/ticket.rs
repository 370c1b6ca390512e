//! Tickets: what went wrong with a system, raised and closed by the portal or added by users.

use crate::FieldErrors;
use crate::system::SystemId;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TicketKind {
    BlankSystemName,
    DialNumberConfigurationError,
    ConnectionError,
    AuthenticationFailure,
    CertificateNotTrusted,
    PlaceholderProvisioningFailed,
    AlternateUnreachable,
    /// A booked meeting could not be placed, started or ended (one ticket per meeting).
    MeetingFailed,
    Custom,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Severity {
    Critical,
    Major,
    Warning,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TicketState {
    Open,
    Acknowledged,
    Closed,
}

/// Whether an automatic ticket of `kind` is raised for a system: custom tickets are people's,
/// never raised by monitoring; a kind the system's ticket filters hide is never raised for it;
/// and one of that kind still live (open or acknowledged) for it is the ticket (the condition
/// is already reported). Meeting Failed tickets are per meeting instead
/// ([`crate::scheduler::steps`]).
pub fn raises_automatic(kind: TicketKind, hidden: &[TicketKind], live_of_kind: bool) -> bool {
    kind != TicketKind::Custom && !hidden.contains(&kind) && !live_of_kind
}

impl TicketKind {
    pub const ALL: [TicketKind; 9] = [
        TicketKind::BlankSystemName,
        TicketKind::DialNumberConfigurationError,
        TicketKind::ConnectionError,
        TicketKind::AuthenticationFailure,
        TicketKind::CertificateNotTrusted,
        TicketKind::PlaceholderProvisioningFailed,
        TicketKind::AlternateUnreachable,
        TicketKind::MeetingFailed,
        TicketKind::Custom,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TicketKind::BlankSystemName => "blank_system_name",
            TicketKind::DialNumberConfigurationError => "dial_number_configuration_error",
            TicketKind::ConnectionError => "connection_error",
            TicketKind::AuthenticationFailure => "authentication_failure",
            TicketKind::CertificateNotTrusted => "certificate_not_trusted",
            TicketKind::PlaceholderProvisioningFailed => "placeholder_provisioning_failed",
            TicketKind::AlternateUnreachable => "alternate_unreachable",
            TicketKind::MeetingFailed => "meeting_failed",
            TicketKind::Custom => "custom",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The title TMS shows.
    pub fn title(self) -> &'static str {
        match self {
            TicketKind::BlankSystemName => "Blank System Name",
            TicketKind::DialNumberConfigurationError => "Dial Number Configuration Error",
            TicketKind::ConnectionError => "Connection Error",
            TicketKind::AuthenticationFailure => "Authentication Failure",
            TicketKind::CertificateNotTrusted => "Certificate Not Trusted",
            TicketKind::PlaceholderProvisioningFailed => "Placeholder Provisioning Failed",
            TicketKind::AlternateUnreachable => "Alternate Unreachable",
            TicketKind::MeetingFailed => "Meeting Failed",
            TicketKind::Custom => "Custom",
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            TicketKind::ConnectionError
            | TicketKind::AuthenticationFailure
            | TicketKind::CertificateNotTrusted => Severity::Critical,
            TicketKind::DialNumberConfigurationError
            | TicketKind::PlaceholderProvisioningFailed
            | TicketKind::MeetingFailed => Severity::Major,
            TicketKind::BlankSystemName | TicketKind::AlternateUnreachable | TicketKind::Custom => {
                Severity::Warning
            }
        }
    }
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Critical, Severity::Major, Severity::Warning];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Major => "major",
            Severity::Warning => "warning",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Severity::Critical => "Critical",
            Severity::Major => "Major",
            Severity::Warning => "Warning",
        }
    }
}

impl TicketState {
    pub fn as_str(self) -> &'static str {
        match self {
            TicketState::Open => "open",
            TicketState::Acknowledged => "acknowledged",
            TicketState::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            TicketState::Open,
            TicketState::Acknowledged,
            TicketState::Closed,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            TicketState::Open => "Open",
            TicketState::Acknowledged => "Acknowledged",
            TicketState::Closed => "Closed",
        }
    }
}

/// The seed's exact texts for the two tickets every new system starts with.
pub const BLANK_SYSTEM_NAME_MESSAGE: &str = "The name of the system is blank.";
pub const DIAL_NUMBER_MESSAGE: &str =
    "Domain, Numeric ID Base and Numeric ID Quantity details are not set.";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// Shown as `#N`.
    pub number: i64,
    pub system: Option<SystemId>,
    pub kind: TicketKind,
    pub severity: Severity,
    pub message: String,
    pub state: TicketState,
    /// RFC 3339, UTC.
    pub raised_at: String,
    pub acknowledged_by: Option<String>,
    /// Who added a custom ticket; `None` for the portal's own.
    pub raised_by: Option<String>,
}

impl Ticket {
    /// Whether a person may close the ticket by hand. Only custom tickets are: the portal closes
    /// its own tickets when it sees their condition clear, and one closed by hand while the
    /// condition holds would hide the problem (nothing raises it again until the condition
    /// changes). Acknowledging is how the help desk says it has seen one.
    pub fn may_close(&self) -> Result<(), String> {
        let number = self.number;
        match (self.state, self.kind) {
            (TicketState::Closed, _) => Err(format!("ticket #{number} is already closed")),
            (_, TicketKind::Custom) => Ok(()),
            (_, kind) => Err(format!(
                "ticket #{number} ({}) closes by itself once the problem is fixed; acknowledge it \
                 instead",
                kind.title()
            )),
        }
    }
}

/// Which states the Ticketing Service lists: open and acknowledged unless asked otherwise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum StateChoice {
    #[default]
    Live,
    Only(TicketState),
    Any,
}

impl StateChoice {
    pub const ALL: [StateChoice; 5] = [
        StateChoice::Live,
        StateChoice::Only(TicketState::Open),
        StateChoice::Only(TicketState::Acknowledged),
        StateChoice::Only(TicketState::Closed),
        StateChoice::Any,
    ];

    /// The value in the page's query string.
    pub fn as_str(self) -> &'static str {
        match self {
            StateChoice::Live => "live",
            StateChoice::Only(state) => state.as_str(),
            StateChoice::Any => "any",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            StateChoice::Live => "Open and acknowledged",
            StateChoice::Only(state) => state.label(),
            StateChoice::Any => "Any state",
        }
    }

    pub fn states(self) -> Vec<TicketState> {
        match self {
            StateChoice::Live => vec![TicketState::Open, TicketState::Acknowledged],
            StateChoice::Only(state) => vec![state],
            StateChoice::Any => Vec::new(),
        }
    }
}

/// The Ticketing Service's filters and page, parsed from the page's query string, where a blank
/// or missing value means "any" (and, for the state, open and acknowledged).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketQuery {
    pub system: Option<SystemId>,
    pub kind: Option<TicketKind>,
    pub state: StateChoice,
    pub severity: Option<Severity>,
    /// 1-based.
    pub page: u32,
}

/// The query string's values, as typed or linked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketQueryInput<'a> {
    pub system: &'a str,
    pub kind: &'a str,
    pub state: &'a str,
    pub severity: &'a str,
    pub page: &'a str,
}

impl TicketQuery {
    /// Every value checked; each one that is not a choice the form offers is reported by field.
    pub fn parse(input: TicketQueryInput<'_>) -> Result<TicketQuery, FieldErrors> {
        fn choice<T>(
            errors: &mut FieldErrors,
            field: &str,
            value: &str,
            parse: impl Fn(&str) -> Option<T>,
        ) -> Option<T> {
            let value = value.trim();
            if value.is_empty() {
                return None;
            }
            let parsed = parse(value);
            if parsed.is_none() {
                errors.add(field, format!("`{value}` is not one of the choices"));
            }
            parsed
        }
        let mut errors = FieldErrors::default();
        let query = TicketQuery {
            system: choice(&mut errors, "system", input.system, |v| {
                v.parse::<i64>().ok().map(SystemId)
            }),
            kind: choice(&mut errors, "kind", input.kind, TicketKind::parse),
            state: choice(&mut errors, "state", input.state, StateChoice::parse)
                .unwrap_or_default(),
            severity: choice(&mut errors, "severity", input.severity, Severity::parse),
            page: choice(&mut errors, "page", input.page, |v| {
                v.parse::<u32>().ok().filter(|p| *p >= 1)
            })
            .unwrap_or(1),
        };
        errors.into_result().map(|()| query)
    }

    /// The query string that shows this query's `page` (`system=3&state=live&page=2`).
    pub fn query_string(&self, page: u32) -> String {
        let mut pairs = Vec::new();
        if let Some(system) = self.system {
            pairs.push(format!("system={}", system.0));
        }
        if let Some(kind) = self.kind {
            pairs.push(format!("kind={}", kind.as_str()));
        }
        pairs.push(format!("state={}", self.state.as_str()));
        if let Some(severity) = self.severity {
            pairs.push(format!("severity={}", severity.as_str()));
        }
        if page > 1 {
            pairs.push(format!("page={page}"));
        }
        pairs.join("&")
    }
}

/// A system as the Ticketing Service names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemName {
    pub id: SystemId,
    pub name: String,
}

/// One page of the Ticketing Service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketPage {
    /// Newest first.
    pub tickets: Vec<Ticket>,
    /// How many tickets match the filters, over all pages.
    pub total: u64,
    /// 1-based.
    pub page: u32,
    pub page_size: u32,
}

impl TicketPage {
    /// How many pages the matching tickets fill (at least one, even when empty).
    pub fn pages(&self) -> u32 {
        (self.total.div_ceil(u64::from(self.page_size.max(1))) as u32).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_automatic_ticket_is_raised_once_and_never_where_hidden() {
        use TicketKind::*;
        // (kind, hidden for the system, one of that kind live, raised)
        let table = [
            (ConnectionError, vec![], false, true),
            (ConnectionError, vec![], true, false),
            (ConnectionError, vec![ConnectionError], false, false),
            (ConnectionError, vec![BlankSystemName], false, true),
            (BlankSystemName, vec![ConnectionError], true, false),
            (Custom, vec![], false, false),
        ];
        for (kind, hidden, live, raised) in table {
            assert_eq!(
                raises_automatic(kind, &hidden, live),
                raised,
                "{kind:?} {hidden:?} {live}"
            );
        }
    }

    fn input<'a>(system: &'a str, kind: &'a str, state: &'a str) -> TicketQueryInput<'a> {
        TicketQueryInput {
            system,
            kind,
            state,
            ..Default::default()
        }
    }

    #[test]
    fn a_blank_query_lists_open_and_acknowledged_tickets_of_every_kind() {
        let query = TicketQuery::parse(TicketQueryInput::default()).unwrap();
        assert_eq!(
            query.state.states(),
            [TicketState::Open, TicketState::Acknowledged]
        );
        assert_eq!(
            (query.system, query.kind, query.severity, query.page),
            (None, None, None, 1)
        );
    }

    #[test]
    fn each_unknown_value_is_reported_by_field() {
        let errors = TicketQuery::parse(TicketQueryInput {
            system: "x",
            kind: "fire",
            state: "gone",
            severity: "mild",
            page: "0",
        })
        .unwrap_err();
        for field in ["system", "kind", "state", "severity", "page"] {
            assert!(errors.for_field(field).is_some(), "{field}: {errors}");
        }
    }

    #[test]
    fn the_query_string_round_trips() {
        let query = TicketQuery::parse(TicketQueryInput {
            severity: "major",
            ..input("7", "custom", "closed")
        })
        .unwrap();
        assert_eq!(
            query.query_string(3),
            "system=7&kind=custom&state=closed&severity=major&page=3"
        );
        let s = query.query_string(1);
        let get = |k: &str| {
            s.split('&')
                .find_map(|p| p.strip_prefix(&format!("{k}=")))
                .unwrap_or("")
        };
        let again = TicketQuery::parse(TicketQueryInput {
            system: get("system"),
            kind: get("kind"),
            state: get("state"),
            severity: get("severity"),
            page: get("page"),
        })
        .unwrap();
        assert_eq!(again, query);
        assert_eq!(StateChoice::Any.states(), []);
    }

    #[test]
    fn only_custom_tickets_that_are_not_closed_may_be_closed_by_hand() {
        let ticket = |kind, state| Ticket {
            number: 7,
            system: None,
            kind,
            severity: kind.severity(),
            message: String::new(),
            state,
            raised_at: String::new(),
            acknowledged_by: None,
            raised_by: None,
        };
        assert!(
            ticket(TicketKind::Custom, TicketState::Open)
                .may_close()
                .is_ok()
        );
        assert!(
            ticket(TicketKind::Custom, TicketState::Acknowledged)
                .may_close()
                .is_ok()
        );
        assert!(
            ticket(TicketKind::Custom, TicketState::Closed)
                .may_close()
                .is_err()
        );
        for kind in TicketKind::ALL
            .into_iter()
            .filter(|k| *k != TicketKind::Custom)
        {
            for state in [TicketState::Open, TicketState::Acknowledged] {
                let refused = ticket(kind, state).may_close().unwrap_err();
                assert!(refused.contains("acknowledge it instead"), "{refused}");
            }
        }
    }

    #[test]
    fn pages_round_up_and_never_drop_to_zero() {
        let page = |total| TicketPage {
            tickets: Vec::new(),
            total,
            page: 1,
            page_size: 50,
        };
        assert_eq!(page(0).pages(), 1);
        assert_eq!(page(50).pages(), 1);
        assert_eq!(page(51).pages(), 2);
    }
}
