//! What the system page shows beyond the system's record: the last status monitoring read, the
//! settings of Edit Settings, the Connection tab and the Logs tab. Never a password.

use crate::system::{ClusterMember, Connectivity, SystemId, TlsChoice};
use crate::ticket::TicketKind;
use serde::{Deserialize, Serialize};

/// What the last poll read from the primary's `/system/status`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusSnapshot {
    /// RFC 3339, UTC.
    pub polled_at: String,
    pub uptime_seconds: Option<u64>,
    pub call_legs_active: Option<u64>,
    pub call_legs_max_active: Option<u64>,
    pub call_legs_completed: Option<u64>,
    /// Bits per second, as CMS reports them.
    pub audio_bit_rate_outgoing: Option<u64>,
    pub audio_bit_rate_incoming: Option<u64>,
    pub video_bit_rate_outgoing: Option<u64>,
    pub video_bit_rate_incoming: Option<u64>,
    /// Whether the alternate answered its own poll; `None` when there is no alternate.
    pub alternate_reachable: Option<bool>,
}

impl StatusSnapshot {
    pub fn in_call(&self) -> bool {
        self.call_legs_active.is_some_and(|n| n > 0)
    }
}

/// The status in the system page's header, as TMS shows it.
pub fn status_label(connectivity: Connectivity, snapshot: Option<&StatusSnapshot>) -> &'static str {
    match connectivity {
        Connectivity::Reachable if snapshot.is_some_and(StatusSnapshot::in_call) => "In Call",
        Connectivity::Reachable => "Idle",
        _ => "No Response",
    }
}

/// Call Bridge Uptime as TMS shows it: `4d, 22:09:44`.
pub fn format_uptime(seconds: u64) -> String {
    let days = seconds / 86_400;
    let rest = seconds % 86_400;
    format!(
        "{days}d, {:02}:{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// A bit rate in Kbit/s (CMS reports bits per second), `–` when unknown.
pub fn format_kbits(bits_per_second: Option<u64>) -> String {
    match bits_per_second {
        Some(bits) => format!("{} Kbit/s", (bits + 500) / 1000),
        None => "–".to_string(),
    }
}

/// A count, `–` when unknown.
pub fn format_count(n: Option<u64>) -> String {
    n.map_or_else(|| "–".to_string(), |n| n.to_string())
}

/// Edit Settings: General (name and description live on the system itself).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneralSettings {
    pub ip_zone: String,
    pub time_zone: String,
    pub web_bridge_uri: String,
    pub system_contact: String,
    pub alert_contact_when_booked: bool,
}

/// Edit Settings: TMS Scheduling Settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchedulingSettings {
    pub allow_booking: bool,
    pub allow_outgoing_sip: bool,
    pub allow_incoming_sip: bool,
}

impl SchedulingSettings {
    /// Whether the engine dials a meeting's participants out on this system (Allow Outgoing
    /// SIP URI Dialing): when off, Automatic Connect meetings start without dialling anyone.
    pub fn dials_out(&self) -> bool {
        self.allow_outgoing_sip
    }
}

impl Default for SchedulingSettings {
    fn default() -> Self {
        SchedulingSettings {
            allow_booking: true,
            allow_outgoing_sip: true,
            allow_incoming_sip: true,
        }
    }
}

/// Edit Settings: Network Settings, as the browser sees them (the password only as "set").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkView {
    /// The alternate's endpoint (`https://14.80.82.31`), one of the cluster's call bridges.
    pub alternate_address: Option<String>,
    pub alternate_username: String,
    pub alternate_password_set: bool,
    pub sip_mode: bool,
}

/// Everything the Settings, Clustering and Connection tabs show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsView {
    pub id: SystemId,
    pub name: String,
    pub description: String,
    pub address: String,
    pub username: String,
    pub tls: TlsChoice,
    /// The trusted certificate, when the TLS mode pins one (a certificate is public).
    pub pinned_pem: Option<String>,
    pub software_version: Option<String>,
    pub connectivity: Connectivity,
    pub general: GeneralSettings,
    pub network: NetworkView,
    pub scheduling: SchedulingSettings,
    /// The cluster's call bridges: the choices for the Alternate IP.
    pub members: Vec<ClusterMember>,
    pub hidden_tickets: Vec<TicketKind>,
    pub status: Option<StatusSnapshot>,
}

impl SettingsView {
    /// Whether a call bridge's stated address is this system's primary or its alternate.
    pub fn role_of(&self, member: &ClusterMember) -> Option<&'static str> {
        let address = member.address.as_deref()?;
        if same_host_port(address, &self.address) {
            Some("Primary")
        } else if self
            .network
            .alternate_address
            .as_deref()
            .is_some_and(|alt| same_host_port(address, alt))
        {
            Some("Alternate")
        } else {
            None
        }
    }
}

impl SettingsView {
    /// Whether an address is the configured alternate's.
    pub fn is_alternate(&self, address: &str) -> bool {
        self.network
            .alternate_address
            .as_deref()
            .is_some_and(|alt| same_host_port(address, alt))
    }
}

/// `https://h` and `https://h:443` are the same place.
fn same_host_port(a: &str, b: &str) -> bool {
    fn norm(s: &str) -> String {
        let s = s.trim().trim_end_matches('/').to_ascii_lowercase();
        let s = s.strip_suffix(":443").map(str::to_string).unwrap_or(s);
        if s.contains("://") {
            s
        } else {
            format!("https://{s}")
        }
    }
    norm(a) == norm(b)
}

/// The ticket kinds a person may hide for a system (custom tickets are always shown).
pub fn filterable_ticket_kinds() -> impl Iterator<Item = TicketKind> {
    TicketKind::ALL
        .into_iter()
        .filter(|k| *k != TicketKind::Custom)
}

/// The outcome of a poll (Test connection, Force Refresh, or the monitor's own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollOutcome {
    pub connectivity: Connectivity,
    /// What went wrong, in words, when the primary did not answer properly.
    pub problem: Option<String>,
    pub software_version: Option<String>,
    /// Whether the alternate answered; `None` when there is none.
    pub alternate_reachable: Option<bool>,
    pub alternate_problem: Option<String>,
}

/// One line of the Logs tab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceRow {
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    pub endpoint: String,
    pub method: String,
    pub path: String,
    pub request_body: Option<String>,
    /// `None` when no answer came.
    pub status: Option<u16>,
    pub duration_ms: u64,
    pub response_excerpt: String,
    pub error: Option<String>,
}

/// Which answers the Logs tab lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum StatusFilter {
    #[default]
    Any,
    /// 2xx.
    Success,
    /// 4xx and 5xx.
    Errors,
    /// No answer came.
    NoAnswer,
}

impl StatusFilter {
    pub const ALL: [StatusFilter; 4] = [
        StatusFilter::Any,
        StatusFilter::Success,
        StatusFilter::Errors,
        StatusFilter::NoAnswer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StatusFilter::Any => "any",
            StatusFilter::Success => "success",
            StatusFilter::Errors => "errors",
            StatusFilter::NoAnswer => "none",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            StatusFilter::Any => "Any status",
            StatusFilter::Success => "Success (2xx)",
            StatusFilter::Errors => "Errors (4xx, 5xx)",
            StatusFilter::NoAnswer => "No answer",
        }
    }
}

/// The methods the Logs tab can filter on.
pub const TRACE_METHODS: [&str; 4] = ["GET", "POST", "PUT", "DELETE"];

/// The Logs tab's filters and page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceQuery {
    /// One of [`TRACE_METHODS`], or any.
    pub method: Option<String>,
    pub status: StatusFilter,
    /// 1-based.
    pub page: u32,
}

impl TraceQuery {
    /// From the page's query string; an unknown value is refused by field.
    pub fn parse(method: &str, status: &str, page: &str) -> Result<TraceQuery, crate::FieldErrors> {
        let mut errors = crate::FieldErrors::default();
        let method = method.trim().to_ascii_uppercase();
        let method = if method.is_empty() {
            None
        } else if TRACE_METHODS.contains(&method.as_str()) {
            Some(method)
        } else {
            errors.add("method", "is not one of the choices");
            None
        };
        let status = match status.trim() {
            "" => StatusFilter::Any,
            s => StatusFilter::parse(s).unwrap_or_else(|| {
                errors.add("status", "is not one of the choices");
                StatusFilter::Any
            }),
        };
        let page = match page.trim() {
            "" => 1,
            p => p
                .parse::<u32>()
                .ok()
                .filter(|p| *p >= 1)
                .unwrap_or_else(|| {
                    errors.add("page", "must be a page number");
                    1
                }),
        };
        errors.into_result().map(|()| TraceQuery {
            method,
            status,
            page,
        })
    }
}

/// One page of the Logs tab, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TracePage {
    pub rows: Vec<TraceRow>,
    pub total: u64,
    pub page: u32,
    pub page_size: u32,
}

impl TracePage {
    pub fn pages(&self) -> u32 {
        (self.total.div_ceil(u64::from(self.page_size.max(1))) as u32).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uptime_reads_as_tms_shows_it() {
        assert_eq!(
            format_uptime(4 * 86_400 + 22 * 3600 + 9 * 60 + 44),
            "4d, 22:09:44"
        );
        assert_eq!(format_uptime(59), "0d, 00:00:59");
        assert_eq!(format_kbits(Some(0)), "0 Kbit/s");
        assert_eq!(format_kbits(Some(64_000)), "64 Kbit/s");
        assert_eq!(format_kbits(None), "–");
    }

    #[test]
    fn header_status_follows_call_legs_and_connectivity() {
        let busy = StatusSnapshot {
            call_legs_active: Some(2),
            ..Default::default()
        };
        assert_eq!(
            status_label(Connectivity::Reachable, Some(&busy)),
            "In Call"
        );
        assert_eq!(status_label(Connectivity::Reachable, None), "Idle");
        assert_eq!(
            status_label(Connectivity::NoResponse, Some(&busy)),
            "No Response"
        );
    }

    #[test]
    fn trace_queries_are_parsed_by_field() {
        let q = TraceQuery::parse("put", "errors", "3").unwrap();
        assert_eq!(
            (q.method.as_deref(), q.status, q.page),
            (Some("PUT"), StatusFilter::Errors, 3)
        );
        let errors = TraceQuery::parse("PATCH", "weird", "0").unwrap_err();
        for field in ["method", "status", "page"] {
            assert!(errors.for_field(field).is_some(), "{field}");
        }
    }
}
