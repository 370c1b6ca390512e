//! The steps of a scheduled meeting's life on CMS, as the scheduler engine runs them.
//!
//! Placeholder guard: a space can be dressed, extended or put back only through a
//! [`PlaceholderSpace`], and one can only be obtained from the server by
//! [`provision_placeholders`], [`find_placeholders`] or [`adopt_placeholder`], which check that
//! the space is one of the plan's (its URI and call ID are its index in the plan's range).
//! Likewise a call can be ended only through a [`LiveCall`], which comes from
//! [`start_meeting`] or [`observe_meeting`] of a placeholder. Users' own spaces and calls are
//! therefore out of reach of these functions.
//!
//! Request budget (no space scan on the hot path): start = 2 + dial-outs, extend = 1, end = 2.

use std::time::Duration;

use tokio::task::JoinSet;

use crate::address::Endpoint;
use crate::client::Connector;
use crate::error::CmsError;
use crate::ids::{CallId, CallLegId, CallLegProfileId, CallProfileId, CoSpaceId};
use crate::model::{BulkSyncFailure, BulkSyncStatus, Call, CallLeg, CoSpace};
use crate::ops::bulk::{BulkParameterSet, BulkSyncAction, Mapping};
use crate::ops::call_legs::RemoteParty;
use crate::ops::co_spaces::CoSpaceSettings;
use crate::ops::profiles::{CallLegProfileSettings, CallProfileSettings};
use crate::range::NumericIdRange;
use crate::secret::{Passcode, Secret};

/// The profiles every placeholder space uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profiles {
    pub call_profile: CallProfileId,
    pub call_leg_profile: CallLegProfileId,
}

/// Creates the call profile and call leg profile as TMS does when a system is added (2 requests).
pub async fn prepare_profiles(cms: &Connector) -> Result<Profiles, CmsError> {
    Ok(Profiles {
        call_profile: cms.create_call_profile(&CallProfileSettings::tms()).await?,
        call_leg_profile: cms
            .create_call_leg_profile(&CallLegProfileSettings::tms())
            .await?,
    })
}

/// Which placeholders a system has: one per index of its Numeric ID range, named
/// `<prefix><index>`, with URI (user part) and call ID `<index>`, dialled as `<index>@<domain>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceholderPlan {
    range: NumericIdRange,
    name_prefix: String,
    domain: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("the placeholder name prefix must be 1-200 printable characters not ending in a digit")]
    InvalidPrefix,
    #[error("\"{0}\" is not a SIP domain")]
    InvalidDomain(String),
}

/// TMS's placeholder names: `TMS_Scheduled_Meeting_<n>`.
pub const TMS_NAME_PREFIX: &str = "TMS_Scheduled_Meeting_";

impl PlaceholderPlan {
    pub fn new(
        range: NumericIdRange,
        name_prefix: &str,
        domain: &str,
    ) -> Result<PlaceholderPlan, PlanError> {
        // A prefix ending in a digit would make `Room1` + `2` and `Room` + `12` the same name.
        let prefix_ok = (1..=200).contains(&name_prefix.chars().count())
            && !name_prefix.chars().any(char::is_control)
            && !name_prefix.ends_with(|c: char| c.is_ascii_digit());
        if !prefix_ok {
            return Err(PlanError::InvalidPrefix);
        }
        let domain = domain.trim().to_ascii_lowercase();
        let domain_ok = !domain.is_empty()
            && domain.len() <= 253
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        if !domain_ok {
            return Err(PlanError::InvalidDomain(domain));
        }
        Ok(PlaceholderPlan {
            range,
            name_prefix: name_prefix.to_owned(),
            domain,
        })
    }

    pub fn range(&self) -> NumericIdRange {
        self.range
    }

    pub fn name_prefix(&self) -> &str {
        &self.name_prefix
    }

    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The idle name of placeholder `index`.
    fn name_of(&self, index: u64) -> String {
        format!("{}{index}", self.name_prefix)
    }

    /// The placeholder-identity rule: a space is placeholder `n` of this plan when its URI and
    /// its call ID are both `n` and `n` is in the range (whatever its name, as it may be dressed).
    fn index_of(&self, space: &CoSpace) -> Option<u64> {
        let uri = space.uri.as_deref()?;
        let index: u64 = uri
            .parse()
            .ok()
            .filter(|index| self.range.contains(*index))?;
        (index.to_string() == uri && space.call_id.as_deref() == Some(uri)).then_some(index)
    }

    fn placeholder(&self, space: &CoSpace) -> Option<PlaceholderSpace> {
        let index = self.index_of(space)?;
        Some(PlaceholderSpace {
            id: space.id.clone(),
            index,
            placeholder_name: self.name_of(index),
            number: index.to_string(),
            sip_uri: format!("{index}@{}", self.domain),
        })
    }

    fn parameter_set(&self, profiles: &Profiles) -> BulkParameterSet {
        BulkParameterSet {
            range: self.range,
            name_mapping: Mapping::indexed(&self.name_prefix, ""),
            uri_mapping: Mapping::indexed("", ""),
            call_id_mapping: Mapping::indexed("", ""),
            call_profile: Some(profiles.call_profile.clone()),
            call_leg_profile: Some(profiles.call_leg_profile.clone()),
            non_member_access: Some(false),
        }
    }
}

/// One of our placeholder spaces, as read back from the server. Only this crate makes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceholderSpace {
    id: CoSpaceId,
    index: u64,
    placeholder_name: String,
    /// The URI user part and the call ID, which are both the index.
    number: String,
    sip_uri: String,
}

impl PlaceholderSpace {
    pub fn id(&self) -> &CoSpaceId {
        &self.id
    }

    pub fn index(&self) -> u64 {
        self.index
    }

    /// The URI user part (the index).
    pub fn uri(&self) -> &str {
        &self.number
    }

    /// The numeric call ID (the index).
    pub fn call_id(&self) -> &str {
        &self.number
    }

    /// The name it carries when idle.
    pub fn placeholder_name(&self) -> &str {
        &self.placeholder_name
    }

    /// What participants dial: `<index>@<domain>`.
    pub fn sip_uri(&self) -> &str {
        &self.sip_uri
    }
}

/// How a bulk sync is watched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollPolicy {
    pub interval: Duration,
    pub max_polls: u32,
}

impl Default for PollPolicy {
    fn default() -> Self {
        PollPolicy {
            interval: Duration::from_millis(250),
            max_polls: 240,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProvisionError {
    #[error(transparent)]
    Cms(#[from] CmsError),
    #[error("the bulk sync failed: {0}")]
    SyncFailed(BulkSyncFailure),
    #[error("the bulk sync was still {last:?} after {polls} polls")]
    SyncUnfinished { polls: u32, last: BulkSyncStatus },
    #[error("the bulk sync completed but {} placeholder(s) are missing, first {}", missing.len(), missing.first().copied().unwrap_or_default())]
    Missing { missing: Vec<u64> },
}

/// Makes the plan's placeholder spaces (bulk parameter set + bulk sync), polls the sync until
/// it is final (each status seen is handed to `progress`), then reads the spaces back by name
/// filter. Requests: 2 + polls + pages of the read-back.
pub async fn provision_placeholders(
    cms: &Connector,
    plan: &PlaceholderPlan,
    profiles: &Profiles,
    poll: &PollPolicy,
    mut progress: impl FnMut(&BulkSyncStatus),
) -> Result<Vec<PlaceholderSpace>, ProvisionError> {
    let set = cms
        .create_bulk_parameter_set(&plan.parameter_set(profiles))
        .await?;
    let sync = cms.create_bulk_sync(&set, BulkSyncAction::Apply).await?;
    let mut polls = 0;
    let status = loop {
        let status = cms.bulk_sync(&sync).await?.status;
        polls += 1;
        progress(&status);
        if status.is_final() {
            break status;
        }
        if polls >= poll.max_polls {
            return Err(ProvisionError::SyncUnfinished {
                polls,
                last: status,
            });
        }
        tokio::time::sleep(poll.interval).await;
    };
    if let BulkSyncStatus::Failed(reason) = status {
        return Err(ProvisionError::SyncFailed(reason));
    }
    let found = find_placeholders(cms, plan).await?;
    let missing: Vec<u64> = plan
        .range
        .indexes()
        .filter(|index| {
            found
                .binary_search_by_key(index, PlaceholderSpace::index)
                .is_err()
        })
        .collect();
    if missing.is_empty() {
        Ok(found)
    } else {
        Err(ProvisionError::Missing { missing })
    }
}

/// The plan's idle placeholders (named `<prefix><index>`), sorted by index, found with a name
/// filter (no full scan).
pub async fn find_placeholders(
    cms: &Connector,
    plan: &PlaceholderPlan,
) -> Result<Vec<PlaceholderSpace>, CmsError> {
    let spaces = cms.co_spaces(Some(&plan.name_prefix)).await?;
    let mut found: Vec<PlaceholderSpace> = spaces
        .iter()
        .filter_map(|space| {
            plan.placeholder(space)
                .filter(|p| space.name == p.placeholder_name)
        })
        .collect();
    found.sort_by_key(PlaceholderSpace::index);
    found.dedup_by_key(|placeholder| placeholder.index);
    Ok(found)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdoptError {
    #[error(transparent)]
    Cms(#[from] CmsError),
    #[error("space {0} is not one of this system's placeholders")]
    NotAPlaceholder(CoSpaceId),
}

/// Takes back a placeholder known by id (after a restart), dressed or not: 1 request, which
/// checks the space still is one of the plan's.
pub async fn adopt_placeholder(
    cms: &Connector,
    plan: &PlaceholderPlan,
    id: &CoSpaceId,
) -> Result<PlaceholderSpace, AdoptError> {
    let space = cms.co_space(id).await?;
    plan.placeholder(&space)
        .ok_or_else(|| AdoptError::NotAPlaceholder(id.clone()))
}

/// How a meeting shows in its space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingDress {
    pub title: String,
    /// `Passcode::none()` for a meeting without one.
    pub passcode: Passcode,
}

/// A call we started (or observed in one of our placeholders), and the call bridge it lives on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveCall {
    endpoint: Endpoint,
    id: CallId,
}

impl LiveCall {
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    pub fn id(&self) -> &CallId {
        &self.id
    }

    /// A connector bound to the call's bridge (the given one if that endpoint is not in it).
    fn connector(&self, cms: &Connector) -> Connector {
        cms.pinned_to(&self.endpoint).unwrap_or_else(|| cms.clone())
    }
}

/// One dial-out and how it went; a refused dial-out does not fail the meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialOut {
    pub remote_party: RemoteParty,
    pub outcome: Result<CallLegId, CmsError>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartedMeeting {
    pub call: LiveCall,
    /// The space's fresh secret (part of its join links).
    pub secret: Secret,
    /// In the order given.
    pub dial_outs: Vec<DialOut>,
}

/// Dresses the placeholder (title, non-members allowed, passcode, a fresh secret), starts its
/// call and dials every participant (concurrently, on the call's bridge).
/// Requests: 2 + dial-outs. A space holds one call: if an earlier try already started it, CMS
/// refuses the second (`invalidOperation`) and [`observe_meeting`] finds the first.
pub async fn start_meeting(
    cms: &Connector,
    placeholder: &PlaceholderSpace,
    dress: &MeetingDress,
    dial_outs: &[RemoteParty],
) -> Result<StartedMeeting, CmsError> {
    let secret = Secret::generate();
    let settings = CoSpaceSettings {
        secret: Some(secret.clone()),
        ..dressed(dress)
    };
    cms.update_co_space(&placeholder.id, &settings).await?;
    let reply = cms.start_call(&placeholder.id).await?;
    let call = LiveCall {
        id: reply.created()?,
        endpoint: reply.endpoint,
    };

    let bridge = call.connector(cms);
    let mut dialling = JoinSet::new();
    for (position, remote_party) in dial_outs.iter().enumerate() {
        let (bridge, call_id, remote_party) =
            (bridge.clone(), call.id.clone(), remote_party.clone());
        dialling.spawn(async move {
            let outcome = bridge.create_call_leg(&call_id, &remote_party).await;
            (
                position,
                DialOut {
                    remote_party,
                    outcome,
                },
            )
        });
    }
    let mut results: Vec<(usize, DialOut)> = dialling.join_all().await;
    results.sort_by_key(|(position, _)| *position);
    Ok(StartedMeeting {
        call,
        secret,
        dial_outs: results.into_iter().map(|(_, dial_out)| dial_out).collect(),
    })
}

/// Puts the meeting's dress on the space again (CMS has no end time; TMS does the same).
/// The secret is left alone so join links keep working. 1 request.
pub async fn extend_meeting(
    cms: &Connector,
    placeholder: &PlaceholderSpace,
    dress: &MeetingDress,
) -> Result<(), CmsError> {
    cms.update_co_space(&placeholder.id, &dressed(dress)).await
}

fn dressed(dress: &MeetingDress) -> CoSpaceSettings {
    CoSpaceSettings {
        name: Some(dress.title.clone()),
        non_member_access: Some(true),
        passcode: Some(dress.passcode.clone()),
        ..CoSpaceSettings::default()
    }
}

/// What became of the meeting's call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallEnd {
    Deleted,
    /// The server no longer had it (ended by itself, or by an earlier try).
    AlreadyGone,
    /// No call was given.
    NoCall,
}

/// Puts the placeholder back (its name, non-members barred, passcode cleared, a new secret so
/// old links die) and deletes the call; a call already gone is success. Both are attempted even
/// if one fails. 2 requests.
pub async fn end_meeting(
    cms: &Connector,
    placeholder: &PlaceholderSpace,
    call: Option<&LiveCall>,
) -> Result<CallEnd, CmsError> {
    let settings = CoSpaceSettings {
        name: Some(placeholder.placeholder_name.clone()),
        non_member_access: Some(false),
        passcode: Some(Passcode::none()),
        regenerate_secret: true,
        ..CoSpaceSettings::default()
    };
    let restored = cms.update_co_space(&placeholder.id, &settings).await;
    let ended = match call {
        None => Ok(CallEnd::NoCall),
        Some(call) => match call.connector(cms).delete_call(&call.id).await {
            Ok(()) => Ok(CallEnd::Deleted),
            Err(err) if err.is_not_found() => Ok(CallEnd::AlreadyGone),
            Err(err) => Err(err),
        },
    };
    restored.and(ended)
}

/// What the server says now about a placeholder, its calls and their legs (reconciliation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingObservation {
    pub space: CoSpace,
    pub calls: Vec<ObservedCall>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedCall {
    pub call: LiveCall,
    pub details: Call,
    pub legs: Vec<CallLeg>,
}

/// Reads the space, its calls (`coSpaceFilter`) and each call's legs.
/// `started_on`: the call bridge a call of this meeting was started on, when known. A call bridge
/// lists only its own calls, so that one is asked (and only that one: another bridge's empty
/// list would not mean the call is gone); otherwise the first bridge that answers.
/// Requests: 2 + one per call (more if a list spans pages).
pub async fn observe_meeting(
    cms: &Connector,
    placeholder: &PlaceholderSpace,
    started_on: Option<&Endpoint>,
) -> Result<MeetingObservation, CmsError> {
    let space = cms.co_space(&placeholder.id).await?;
    let lister = started_on
        .and_then(|bridge| cms.pinned_to(bridge))
        .unwrap_or_else(|| cms.clone());
    let (calls, endpoint) = lister.calls_on_bridge(&placeholder.id).await?;
    let mut observed = Vec::new();
    for details in calls
        .into_iter()
        .filter(|call| call.co_space.as_ref() == Some(&placeholder.id))
    {
        let call = LiveCall {
            endpoint: endpoint.clone(),
            id: details.id.clone(),
        };
        let legs = call.connector(cms).call_legs_of_call(&call.id).await?;
        observed.push(ObservedCall {
            call,
            details,
            legs,
        });
    }
    Ok(MeetingObservation {
        space,
        calls: observed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> PlaceholderPlan {
        PlaceholderPlan::new(
            NumericIdRange::new(1, 20).unwrap(),
            TMS_NAME_PREFIX,
            "Example.com",
        )
        .unwrap()
    }

    fn space(name: &str, uri: Option<&str>, call_id: Option<&str>) -> CoSpace {
        CoSpace {
            id: CoSpaceId::parse("458075bc-6def-4052-8ed6-b1192d6e6b35").unwrap(),
            name: name.into(),
            uri: uri.map(Into::into),
            call_id: call_id.map(Into::into),
            auto_generated: None,
            non_member_access: None,
            passcode: None,
            secret: None,
            call_profile: None,
            call_leg_profile: None,
        }
    }

    #[test]
    fn a_placeholder_is_recognised_by_uri_and_call_id_in_range() {
        let plan = plan();
        let ours = plan
            .placeholder(&space("Weekly sync", Some("7"), Some("7")))
            .unwrap();
        assert_eq!(ours.index(), 7);
        assert_eq!(ours.placeholder_name(), "TMS_Scheduled_Meeting_7");
        assert_eq!(ours.sip_uri(), "7@example.com");
        assert_eq!((ours.uri(), ours.call_id()), ("7", "7"));
        let not_ours = [
            space(
                "Cool Bridge Space",
                Some("cool.bridge.space"),
                Some("497540167"),
            ),
            space("TMS_Scheduled_Meeting_7", Some("7"), Some("497540167")),
            space("TMS_Scheduled_Meeting_21", Some("21"), Some("21")),
            space("TMS_Scheduled_Meeting_7", Some("07"), Some("07")),
            space("TMS_Scheduled_Meeting_7", None, Some("7")),
        ];
        for space in not_ours {
            assert_eq!(plan.placeholder(&space), None, "{space:?}");
        }
    }

    #[test]
    fn plans_refuse_ambiguous_prefixes_and_bad_domains() {
        let range = NumericIdRange::new(1, 5).unwrap();
        assert_eq!(
            PlaceholderPlan::new(range, "Room1", "example.com"),
            Err(PlanError::InvalidPrefix)
        );
        assert_eq!(
            PlaceholderPlan::new(range, "", "example.com"),
            Err(PlanError::InvalidPrefix)
        );
        assert!(matches!(
            PlaceholderPlan::new(range, "Room_", "a@b"),
            Err(PlanError::InvalidDomain(_))
        ));
        assert!(matches!(
            PlaceholderPlan::new(range, "Room_", "a..b"),
            Err(PlanError::InvalidDomain(_))
        ));
        assert_eq!(plan().domain(), "example.com");
    }

    #[test]
    fn the_parameter_set_follows_the_plan() {
        let profiles = Profiles {
            call_profile: CallProfileId::parse("1285fa9c-f221-4af7-8462-51cf1d7542eb").unwrap(),
            call_leg_profile: CallLegProfileId::parse("734447d1-4251-442f-b127-ab3304b643f8")
                .unwrap(),
        };
        let set = plan().parameter_set(&profiles);
        assert_eq!((set.range.first(), set.range.last()), (1, 20));
        assert_eq!(set.name_mapping.as_str(), "TMS_Scheduled_Meeting_$index$");
        assert_eq!(set.uri_mapping.as_str(), "$index$");
        assert_eq!(set.call_id_mapping.as_str(), "$index$");
        assert_eq!(set.non_member_access, Some(false));
    }
}
