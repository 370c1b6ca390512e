//! Tickets: what went wrong with a system, raised and closed by the portal or added by users.

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
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Major => "major",
            Severity::Warning => "warning",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Severity::Critical, Severity::Major, Severity::Warning]
            .into_iter()
            .find(|v| v.as_str() == s)
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
}
