//! The objects CMS answers with, and how each is read from its XML.
//!
//! Rule for every object: ids, `total` and a bulk sync's `status` are structural and must be
//! right, or the response is rejected; every other field is informational and optional, and a
//! value we cannot read is treated as absent (newer servers add and change fields).

use std::str::FromStr;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::ids::{
    BulkParameterSetId, BulkSyncId, CallBridgeId, CallId, CallLegId, CallLegProfileId,
    CallProfileId, CoSpaceId, InvalidId, ParticipantId,
};
use crate::secret::Secret;
use crate::xml::Element;

/// One page of a collection: `total` counts every match on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub total: u64,
    pub items: Vec<T>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemStatus {
    pub software_version: String,
    pub uptime_seconds: Option<u64>,
    pub cdr_time: Option<OffsetDateTime>,
    pub activated: Option<bool>,
    pub cluster_enabled: Option<bool>,
    pub call_legs_active: Option<u64>,
    pub call_legs_max_active: Option<u64>,
    pub call_legs_completed: Option<u64>,
    pub audio_bit_rate_outgoing: Option<u64>,
    pub audio_bit_rate_incoming: Option<u64>,
    pub video_bit_rate_outgoing: Option<u64>,
    pub video_bit_rate_incoming: Option<u64>,
    pub host_id: Option<String>,
    pub cluster_id: Option<String>,
}

/// A call bridge of the cluster. List items carry the name only; a single GET adds the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallBridge {
    pub id: CallBridgeId,
    pub name: String,
    /// Its Web Admin address as CMS states it, e.g. `https://14.80.82.31`.
    pub address: Option<String>,
    pub sip_domain: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoSpace {
    pub id: CoSpaceId,
    pub name: String,
    pub uri: Option<String>,
    pub call_id: Option<String>,
    pub auto_generated: Option<bool>,
    pub non_member_access: Option<bool>,
    pub passcode: Option<Secret>,
    pub secret: Option<Secret>,
    pub call_profile: Option<CallProfileId>,
    pub call_leg_profile: Option<CallLegProfileId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub id: CallId,
    /// The space's name at the time the call was listed.
    pub name: String,
    pub co_space: Option<CoSpaceId>,
    pub call_correlator: Option<String>,
    pub duration_seconds: Option<u64>,
    pub num_call_legs: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallLegState {
    Initial,
    Ringing,
    Connected,
    OnHold,
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallLeg {
    pub id: CallLegId,
    pub name: String,
    pub remote_party: Option<String>,
    pub call: Option<CallId>,
    /// Only a single GET reports it (`<status><state>…</state></status>`).
    pub state: Option<CallLegState>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub id: ParticipantId,
    pub name: String,
    pub call: Option<CallId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkSyncStatus {
    Pending,
    Running,
    Complete,
    Failed(BulkSyncFailure),
}

impl BulkSyncStatus {
    pub fn is_final(&self) -> bool {
        matches!(self, BulkSyncStatus::Complete | BulkSyncStatus::Failed(_))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BulkSyncFailure {
    #[error("a space's URI is already taken (failedCoSpaceUriConflict)")]
    CoSpaceUriConflict,
    #[error("a space's call ID is already taken (failedCallIdConflict)")]
    CallIdConflict,
    #[error("the index range is invalid (failedIndexRangeInvalid)")]
    IndexRangeInvalid,
    #[error("the index range is too great (failedIndexRangeTooGreat)")]
    IndexRangeTooGreat,
    #[error("the parameter set does not exist (failedNoSuchParameterSet)")]
    NoSuchParameterSet,
    #[error("the sync failed without a reason (failed)")]
    Unspecified,
    #[error("the sync failed: {0}")]
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkSync {
    pub id: BulkSyncId,
    pub parameter_set: Option<BulkParameterSetId>,
    pub status: BulkSyncStatus,
}

/// What a `<failureDetails>` body names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureDetails {
    /// One empty child naming the failure, e.g. `duplicateCoSpaceUri`, `coSpaceDoesNotExist`.
    Named(String),
    /// `<parameterError parameter="passcode" error="invalidValue" />`.
    ParameterError { parameter: String, error: String },
}

impl FailureDetails {
    pub fn name(&self) -> &str {
        match self {
            FailureDetails::Named(name) => name,
            FailureDetails::ParameterError { .. } => "parameterError",
        }
    }
}

/// Why a body could not be read as the object expected.
pub(crate) type DecodeError = String;

/// An object read from its own element.
pub(crate) trait Decode: Sized {
    /// The element's name (compared case-insensitively, as CMS spells some both ways).
    const ELEMENT: &'static str;
    fn decode(element: &Element) -> Result<Self, DecodeError>;
}

/// An object that also comes in a collection `<{COLLECTION} total="n">`.
pub(crate) trait Listed: Decode {
    const COLLECTION: &'static str;
    fn key(&self) -> &str;
}

pub(crate) fn decode_root<T: Decode>(root: &Element) -> Result<T, DecodeError> {
    expect_name(root, T::ELEMENT)?;
    T::decode(root)
}

pub(crate) fn decode_page<T: Listed>(root: &Element) -> Result<Page<T>, DecodeError> {
    expect_name(root, T::COLLECTION)?;
    let total = root
        .attribute("total")
        .ok_or_else(|| format!("<{}> has no total", T::COLLECTION))?;
    let total = total
        .trim()
        .parse::<u64>()
        .map_err(|_| format!("<{}> total \"{total}\" is not a count", T::COLLECTION))?;
    let items = root
        .children
        .iter()
        .filter(|child| child.is_named(T::ELEMENT))
        .map(T::decode)
        .collect::<Result<Vec<T>, _>>()?;
    Ok(Page { total, items })
}

pub(crate) fn decode_failure(root: &Element) -> Option<FailureDetails> {
    if !root.is_named("failureDetails") {
        return None;
    }
    let first = root.children.first()?;
    if first.is_named("parameterError") {
        Some(FailureDetails::ParameterError {
            parameter: first.attribute("parameter").unwrap_or_default().to_owned(),
            error: first.attribute("error").unwrap_or_default().to_owned(),
        })
    } else {
        Some(FailureDetails::Named(first.name.clone()))
    }
}

fn expect_name(element: &Element, name: &str) -> Result<(), DecodeError> {
    if element.is_named(name) {
        Ok(())
    } else {
        Err(format!("expected <{name}>, got <{}>", element.name))
    }
}

fn id<T: FromStr<Err = InvalidId>>(element: &Element) -> Result<T, DecodeError> {
    let raw = element
        .attribute("id")
        .ok_or_else(|| format!("<{}> has no id", element.name))?;
    raw.trim()
        .parse()
        .map_err(|err: InvalidId| format!("<{}>: {err}", element.name))
}

/// A child's text; absent and empty are the same thing.
fn text(element: &Element, name: &str) -> Option<String> {
    element
        .child(name)
        .map(Element::text)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
}

/// An informational field: absent or unreadable is `None`.
fn value<T: FromStr>(element: &Element, name: &str) -> Option<T> {
    text(element, name)?.parse().ok()
}

fn name(element: &Element) -> String {
    text(element, "name").unwrap_or_default()
}

impl Decode for SystemStatus {
    const ELEMENT: &'static str = "status";

    fn decode(e: &Element) -> Result<Self, DecodeError> {
        Ok(SystemStatus {
            software_version: text(e, "softwareVersion")
                .ok_or_else(|| "<status> has no softwareVersion".to_owned())?,
            uptime_seconds: value(e, "uptimeSeconds"),
            cdr_time: text(e, "cdrTime").and_then(|t| OffsetDateTime::parse(&t, &Rfc3339).ok()),
            activated: value(e, "activated"),
            cluster_enabled: value(e, "clusterEnabled"),
            call_legs_active: value(e, "callLegsActive"),
            call_legs_max_active: value(e, "callLegsMaxActive"),
            call_legs_completed: value(e, "callLegsCompleted"),
            audio_bit_rate_outgoing: value(e, "audioBitRateOutgoing"),
            audio_bit_rate_incoming: value(e, "audioBitRateIncoming"),
            video_bit_rate_outgoing: value(e, "videoBitRateOutgoing"),
            video_bit_rate_incoming: value(e, "videoBitRateIncoming"),
            host_id: text(e, "hostId"),
            cluster_id: text(e, "clusterId"),
        })
    }
}

impl Decode for CallBridge {
    const ELEMENT: &'static str = "callBridge";

    fn decode(e: &Element) -> Result<Self, DecodeError> {
        Ok(CallBridge {
            id: id(e)?,
            name: name(e),
            address: text(e, "address"),
            sip_domain: text(e, "sipDomain"),
        })
    }
}

impl Listed for CallBridge {
    const COLLECTION: &'static str = "callBridges";
    fn key(&self) -> &str {
        self.id.as_str()
    }
}

impl Decode for CoSpace {
    const ELEMENT: &'static str = "coSpace";

    fn decode(e: &Element) -> Result<Self, DecodeError> {
        Ok(CoSpace {
            id: id(e)?,
            name: name(e),
            uri: text(e, "uri"),
            call_id: text(e, "callId"),
            auto_generated: value(e, "autoGenerated"),
            non_member_access: value(e, "nonMemberAccess"),
            passcode: text(e, "passcode").map(Secret::new),
            secret: text(e, "secret").map(Secret::new),
            call_profile: value(e, "callProfile"),
            call_leg_profile: value(e, "callLegProfile"),
        })
    }
}

impl Listed for CoSpace {
    const COLLECTION: &'static str = "coSpaces";
    fn key(&self) -> &str {
        self.id.as_str()
    }
}

impl Decode for Call {
    const ELEMENT: &'static str = "call";

    fn decode(e: &Element) -> Result<Self, DecodeError> {
        Ok(Call {
            id: id(e)?,
            name: name(e),
            co_space: value(e, "coSpace"),
            call_correlator: text(e, "callCorrelator"),
            duration_seconds: value(e, "durationSeconds"),
            num_call_legs: value(e, "numCallLegs"),
        })
    }
}

impl Listed for Call {
    const COLLECTION: &'static str = "calls";
    fn key(&self) -> &str {
        self.id.as_str()
    }
}

impl Decode for CallLeg {
    const ELEMENT: &'static str = "callLeg";

    fn decode(e: &Element) -> Result<Self, DecodeError> {
        let state = e
            .child("status")
            .and_then(|status| text(status, "state"))
            .map(|state| match state.as_str() {
                "initial" => CallLegState::Initial,
                "ringing" => CallLegState::Ringing,
                "connected" => CallLegState::Connected,
                "onHold" => CallLegState::OnHold,
                _ => CallLegState::Other(state),
            });
        Ok(CallLeg {
            id: id(e)?,
            name: name(e),
            remote_party: text(e, "remoteParty"),
            call: value(e, "call"),
            state,
        })
    }
}

impl Listed for CallLeg {
    const COLLECTION: &'static str = "callLegs";
    fn key(&self) -> &str {
        self.id.as_str()
    }
}

impl Decode for Participant {
    const ELEMENT: &'static str = "participant";

    fn decode(e: &Element) -> Result<Self, DecodeError> {
        Ok(Participant {
            id: id(e)?,
            name: name(e),
            call: value(e, "call"),
        })
    }
}

impl Listed for Participant {
    const COLLECTION: &'static str = "participants";
    fn key(&self) -> &str {
        self.id.as_str()
    }
}

impl Decode for BulkSync {
    const ELEMENT: &'static str = "coSpaceBulkSync";

    fn decode(e: &Element) -> Result<Self, DecodeError> {
        let status =
            text(e, "status").ok_or_else(|| "<coSpaceBulkSync> has no status".to_owned())?;
        let status = match status.as_str() {
            "pending" => BulkSyncStatus::Pending,
            "running" => BulkSyncStatus::Running,
            "complete" => BulkSyncStatus::Complete,
            "failedCoSpaceUriConflict" => {
                BulkSyncStatus::Failed(BulkSyncFailure::CoSpaceUriConflict)
            }
            "failedCallIdConflict" => BulkSyncStatus::Failed(BulkSyncFailure::CallIdConflict),
            "failedIndexRangeInvalid" => BulkSyncStatus::Failed(BulkSyncFailure::IndexRangeInvalid),
            "failedIndexRangeTooGreat" => {
                BulkSyncStatus::Failed(BulkSyncFailure::IndexRangeTooGreat)
            }
            "failedNoSuchParameterSet" => {
                BulkSyncStatus::Failed(BulkSyncFailure::NoSuchParameterSet)
            }
            "failed" => BulkSyncStatus::Failed(BulkSyncFailure::Unspecified),
            other if other.starts_with("failed") => {
                BulkSyncStatus::Failed(BulkSyncFailure::Other(other.to_owned()))
            }
            other => return Err(format!("unknown bulk sync status \"{other}\"")),
        };
        Ok(BulkSync {
            id: id(e)?,
            parameter_set: value(e, "coSpaceBulkParameterSet"),
            status,
        })
    }
}

#[cfg(test)]
mod tests;
