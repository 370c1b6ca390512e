//! Administrative Tools → Audit: who booked, changed, extended, ended and cancelled which meeting
//! (the lines of the meetings' history written in a user's name), and who changed the Conference
//! Settings and how (their own audit lines). Newest first.

use crate::booking::MeetingId;
use serde::{Deserialize, Serialize};

/// One thing someone did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When, RFC 3339 in UTC.
    pub at: String,
    pub actor: String,
    pub action: String,
    /// What it was done to: the meeting's title, or "Conference Settings".
    pub subject: String,
    /// The meeting, for a link to its page.
    pub meeting: Option<MeetingId>,
    /// The outcome or what changed.
    pub outcome: String,
}

/// Which entries to read, newest first.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this user's doings.
    pub actor: Option<String>,
    /// At or after this.
    pub from: Option<time::OffsetDateTime>,
    /// Before this.
    pub to: Option<time::OffsetDateTime>,
    pub limit: u32,
    pub offset: u64,
}

/// One page of the audit, as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// The users to filter by.
    pub users: Vec<String>,
    /// The page shown, from 0.
    pub page: u32,
    /// Whether older entries follow.
    pub more: bool,
}
