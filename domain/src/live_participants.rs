//! Who is connected to a running meeting: the booked participants and any callers, with the
//! state the call bridge reports for each call leg. Read-only: it never changes a meeting (the
//! scheduler engine alone does), and a bridge that is slow or down only makes the answer
//! `Unavailable`, never the conference page.

use crate::booking::{LegState, LiveParticipants, MeetingId, ParticipantStatus, SipUri};
use crate::bookings::BookingError;
use crate::store::Store;
use crate::systems::SystemService;
use cms::Endpoint;
use cms::ids::CallId;
use cms::model::{CallLeg, CallLegState};
use std::sync::Arc;
use std::time::Duration;

/// The longest the conference page waits for the call bridge.
const ANSWER_WITHIN: Duration = Duration::from_secs(3);

pub struct LiveParticipantService {
    store: Arc<dyn Store>,
    systems: Arc<SystemService>,
}

impl LiveParticipantService {
    pub fn new(store: Arc<dyn Store>, systems: Arc<SystemService>) -> Self {
        Self { store, systems }
    }

    /// The participants of meeting `id` as its call bridge sees them now (1 + one request per
    /// call leg, on the bridge that holds the call).
    pub async fn of(&self, id: MeetingId) -> Result<LiveParticipants, BookingError> {
        let meeting = self
            .store
            .meeting(id)
            .await?
            .ok_or(BookingError::NotFound)?;
        let Some((call, endpoint)) = meeting.call.as_ref().filter(|_| meeting.state.is_live())
        else {
            return Ok(LiveParticipants::NoCall);
        };
        let (Ok(call), Ok(endpoint)) = (CallId::parse(call), endpoint.parse::<Endpoint>()) else {
            return Err(BookingError::Internal(format!(
                "meeting {} has an unreadable call record",
                id.0
            )));
        };
        let record = self
            .systems
            .get(meeting.system)
            .await
            .map_err(|e| BookingError::Internal(e.to_string()))?;
        let cms = self
            .systems
            .scheduling_connector_for(&record)
            .map_err(|e| BookingError::Internal(e.to_string()))?;
        let bridge = cms.pinned_to(&endpoint).unwrap_or(cms);
        match tokio::time::timeout(ANSWER_WITHIN, bridge.call_legs_with_state(&call)).await {
            Ok(Ok(legs)) => Ok(LiveParticipants::Call(statuses(
                &meeting.participants,
                &legs,
            ))),
            Ok(Err(err)) => Ok(LiveParticipants::Unavailable(format!(
                "the call bridge did not answer: {}",
                err.kind
            ))),
            Err(_) => Ok(LiveParticipants::Unavailable(format!(
                "the call bridge did not answer within {} s",
                ANSWER_WITHIN.as_secs()
            ))),
        }
    }
}

fn leg_state(leg: &CallLeg) -> LegState {
    match &leg.state {
        // A leg listed without a state is there but has not told us more.
        None | Some(CallLegState::Initial | CallLegState::Ringing) => LegState::Ringing,
        Some(CallLegState::Connected) => LegState::Connected,
        Some(CallLegState::OnHold) => LegState::OnHold,
        Some(CallLegState::Other(state)) => LegState::Other(state.clone()),
    }
}

/// How far along a leg is, to pick the best of a participant's legs (a re-dial leaves two).
fn rank(state: &LegState) -> u8 {
    match state {
        LegState::Connected => 4,
        LegState::OnHold => 3,
        LegState::Ringing => 2,
        LegState::Other(_) => 1,
        LegState::NotConnected => 0,
    }
}

/// Each booked participant (in booking order) with the best state among its legs, then every
/// other leg as a caller who dialled in.
fn statuses(booked: &[SipUri], legs: &[CallLeg]) -> Vec<ParticipantStatus> {
    let address_of = |leg: &CallLeg| {
        leg.remote_party
            .as_deref()
            .and_then(|party| SipUri::parse(party).ok())
    };
    let mut out: Vec<ParticipantStatus> = booked
        .iter()
        .map(|uri| {
            let state = legs
                .iter()
                .filter(|leg| address_of(leg).as_ref() == Some(uri))
                .map(leg_state)
                .max_by_key(rank)
                .unwrap_or(LegState::NotConnected);
            ParticipantStatus {
                address: uri.to_string(),
                state,
                dialled_in: false,
            }
        })
        .collect();
    out.extend(
        legs.iter()
            .filter(|leg| !address_of(leg).is_some_and(|uri| booked.contains(&uri)))
            .map(|leg| ParticipantStatus {
                address: leg
                    .remote_party
                    .clone()
                    .filter(|party| !party.is_empty())
                    .unwrap_or_else(|| leg.name.clone()),
                state: leg_state(leg),
                dialled_in: true,
            }),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use cms::ids::CallLegId;

    fn leg(n: u8, party: &str, state: Option<CallLegState>) -> CallLeg {
        CallLeg {
            id: CallLegId::parse(&format!("00000000-0000-4000-8000-0000000000{n:02}")).unwrap(),
            name: format!("leg {n}"),
            remote_party: Some(party.to_string()),
            call: None,
            state,
        }
    }

    fn uri(text: &str) -> SipUri {
        SipUri::parse(text).unwrap()
    }

    #[test]
    fn booked_participants_take_their_best_leg_and_callers_follow() {
        let booked = [
            uri("desk@example.com"),
            uri("room@example.com"),
            uri("gone@example.com"),
        ];
        let legs = [
            leg(1, "room@example.com", Some(CallLegState::Ringing)),
            leg(2, "sip:desk@EXAMPLE.com", Some(CallLegState::Connected)),
            leg(3, "room@example.com", Some(CallLegState::Connected)),
            leg(4, "caller@elsewhere.org", Some(CallLegState::OnHold)),
        ];
        let got = statuses(&booked, &legs);
        let seen: Vec<(&str, LegState, bool)> = got
            .iter()
            .map(|p| (p.address.as_str(), p.state.clone(), p.dialled_in))
            .collect();
        assert_eq!(
            seen,
            vec![
                ("desk@example.com", LegState::Connected, false),
                ("room@example.com", LegState::Connected, false),
                ("gone@example.com", LegState::NotConnected, false),
                ("caller@elsewhere.org", LegState::OnHold, true),
            ]
        );
    }

    #[test]
    fn legs_without_a_state_or_an_unknown_one() {
        let booked = [uri("desk@example.com")];
        let legs = [
            leg(1, "desk@example.com", None),
            leg(
                2,
                "x@example.com",
                Some(CallLegState::Other("weird".into())),
            ),
        ];
        let got = statuses(&booked, &legs);
        assert_eq!(got[0].state, LegState::Ringing);
        assert_eq!(got[1].state, LegState::Other("weird".into()));
        assert_eq!(got[1].state.label(), "weird");
    }
}
