//! Calls, call legs and participants: the live side of a meeting.
//!
//! A dial-out is `ringing` until `dial_connect_delay` has passed, then `connected` (and counts as
//! a participant); one whose remote party matches the failing pattern ends instead. Like bulk
//! syncs, legs move on lazily whenever the state is next read.

use crate::form::Params;
use crate::paging::{ListQuery, Page};
use crate::reply::{Failure, Reply};
use crate::spaces::contains_ci;
use crate::state::State;
use crate::xml::XmlWriter;
use indexmap::IndexMap;
use std::collections::VecDeque;
use std::time::Instant;
use uuid::Uuid;

/// Bit rates a connected leg adds to the system status, in bits per second.
const AUDIO_BIT_RATE: u64 = 64_000;
const VIDEO_BIT_RATE: u64 = 1_920_000;

#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub id: Uuid,
    pub co_space: Uuid,
    pub correlator: Uuid,
    pub started: Instant,
    pub max_legs: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LegState {
    Ringing,
    Connected,
}

impl LegState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            LegState::Ringing => "ringing",
            LegState::Connected => "connected",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Leg {
    pub id: Uuid,
    pub call: Uuid,
    pub remote_party: String,
    pub state: LegState,
    pub participant: Uuid,
    created: Instant,
    fails: bool,
}

/// Calls and legs, the dial-outs still ringing (oldest first) and the status counters.
#[derive(Debug, Default)]
pub(crate) struct Activity {
    pub calls: IndexMap<Uuid, Call>,
    pub legs: IndexMap<Uuid, Leg>,
    ringing: VecDeque<Uuid>,
    pub max_active: usize,
    pub completed: u64,
}

impl Activity {
    pub(crate) fn connected(&self) -> u64 {
        self.legs
            .values()
            .filter(|l| l.state == LegState::Connected)
            .count() as u64
    }

    pub(crate) fn audio_bit_rate(&self) -> u64 {
        self.connected() * AUDIO_BIT_RATE
    }

    pub(crate) fn video_bit_rate(&self) -> u64 {
        self.connected() * VIDEO_BIT_RATE
    }

    fn end_leg(&mut self, id: &Uuid) -> Option<Leg> {
        let leg = self.legs.shift_remove(id)?;
        self.completed += 1;
        Some(leg)
    }
}

impl State {
    /// Connects (or fails) every dial-out whose delay has passed.
    pub(crate) fn advance_legs(&mut self, now: Instant) {
        while let Some(id) = self.activity.ringing.front().copied() {
            let Some(leg) = self.activity.legs.get_mut(&id) else {
                self.activity.ringing.pop_front();
                continue;
            };
            if now.duration_since(leg.created) < self.timing.dial_connect_delay {
                return;
            }
            self.activity.ringing.pop_front();
            if leg.fails {
                self.activity.end_leg(&id);
            } else {
                leg.state = LegState::Connected;
            }
        }
    }

    pub(crate) fn end_calls_of_space(&mut self, space: &Uuid) {
        let calls: Vec<Uuid> = self
            .activity
            .calls
            .values()
            .filter(|c| c.co_space == *space)
            .map(|c| c.id)
            .collect();
        for call in calls {
            self.end_call(&call);
        }
    }

    fn end_call(&mut self, id: &Uuid) -> Option<Call> {
        let call = self.activity.calls.shift_remove(id)?;
        let legs: Vec<Uuid> = self
            .activity
            .legs
            .values()
            .filter(|l| l.call == *id)
            .map(|l| l.id)
            .collect();
        for leg in legs {
            self.activity.end_leg(&leg);
        }
        Some(call)
    }

    fn call_name(&self, call: &Call) -> &str {
        self.spaces
            .get(&call.co_space)
            .map_or("", |space| space.name.as_str())
    }

    pub(crate) fn create_call(&mut self, params: &Params, now: Instant) -> Result<Reply, Failure> {
        let co_space = params
            .id("coSpace")?
            .into_option()
            .ok_or(Failure::required("coSpace"))?;
        if self.spaces.get(&co_space).is_none() {
            return Err(Failure::Refused("coSpaceDoesNotExist"));
        }
        if self.activity.calls.values().any(|c| c.co_space == co_space) {
            // Inferred: the trace never shows a second call for one space; one per space here.
            return Err(Failure::Refused("invalidOperation"));
        }
        let call = Call {
            id: Uuid::new_v4(),
            co_space,
            correlator: Uuid::new_v4(),
            started: now,
            max_legs: 0,
        };
        let id = call.id;
        self.activity.calls.insert(id, call);
        Ok(Reply::created("calls", id))
    }

    pub(crate) fn delete_call(&mut self, id: &Uuid) -> Result<Reply, Failure> {
        self.end_call(id)
            .map(|_| Reply::ok())
            .ok_or(Failure::NotFound("callDoesNotExist"))
    }

    pub(crate) fn list_calls(&self, query: &ListQuery) -> String {
        let page = Page::of(
            self.activity.calls.values().filter(|c| {
                query.co_space.is_none_or(|s| c.co_space == s)
                    && query
                        .filter
                        .as_deref()
                        .is_none_or(|f| contains_ci(self.call_name(c), f))
            }),
            query,
            self.caps.calls,
        );
        let mut w = XmlWriter::new();
        w.open("calls", &[("total", &page.total.to_string())]);
        for call in page.items {
            w.open("call", &[("id", &call.id.to_string())])
                .text("name", self.call_name(call))
                .text("coSpace", &call.co_space.to_string())
                .text("callCorrelator", &call.correlator.to_string())
                .close();
        }
        w.finish()
    }

    pub(crate) fn get_call(&self, id: &Uuid, now: Instant) -> Result<String, Failure> {
        let call = self
            .activity
            .calls
            .get(id)
            .ok_or(Failure::NotFound("callDoesNotExist"))?;
        let legs = self.activity.legs.values().filter(|l| l.call == *id);
        let num_legs = legs.clone().count();
        let participants = legs.filter(|l| l.state == LegState::Connected).count();
        let mut w = XmlWriter::new();
        w.open("call", &[("id", &call.id.to_string())])
            .text("name", self.call_name(call))
            .text("coSpace", &call.co_space.to_string())
            .text("callCorrelator", &call.correlator.to_string())
            .num(
                "durationSeconds",
                now.duration_since(call.started).as_secs(),
            )
            .num("numCallLegs", num_legs)
            .num("maxCallLegs", call.max_legs)
            .num("numParticipantsLocal", participants)
            .num("numParticipantsRemote", 0)
            .num("numDistributedInstances", 0)
            .bool("locked", false)
            .bool("recording", false)
            .bool("streaming", false)
            .close();
        Ok(w.finish())
    }

    pub(crate) fn create_leg(
        &mut self,
        call_id: &Uuid,
        params: &Params,
        now: Instant,
    ) -> Result<Reply, Failure> {
        let call = self
            .activity
            .calls
            .get(call_id)
            .ok_or(Failure::NotFound("callDoesNotExist"))?;
        let remote_party = match params.get("remoteParty").map(str::trim) {
            None | Some("") => return Err(Failure::required("remoteParty")),
            Some(party) if party.contains(char::is_whitespace) => {
                return Err(Failure::invalid("remoteParty"));
            }
            Some(party) => party.to_owned(),
        };
        let limit = self
            .spaces
            .get(&call.co_space)
            .and_then(|s| s.call_profile)
            .and_then(|p| self.call_profiles.number(&p, "participantLimit"));
        let in_call = self
            .activity
            .legs
            .values()
            .filter(|l| l.call == *call_id)
            .count();
        if limit.is_some_and(|limit| in_call as u64 >= limit) {
            return Err(Failure::Refused("participantLimitReached"));
        }
        let fails = self
            .timing
            .failing_remote_pattern
            .as_deref()
            .is_some_and(|pattern| remote_party.contains(pattern));
        let leg = Leg {
            id: Uuid::new_v4(),
            call: *call_id,
            remote_party,
            state: LegState::Ringing,
            participant: Uuid::new_v4(),
            created: now,
            fails,
        };
        let id = leg.id;
        self.activity.legs.insert(id, leg);
        self.activity.ringing.push_back(id);
        self.activity.max_active = self.activity.max_active.max(self.activity.legs.len());
        if let Some(call) = self.activity.calls.get_mut(call_id) {
            call.max_legs = call.max_legs.max(in_call + 1);
        }
        Ok(Reply::created("callLegs", id))
    }

    pub(crate) fn delete_leg(&mut self, id: &Uuid) -> Result<Reply, Failure> {
        self.activity
            .end_leg(id)
            .map(|_| Reply::ok())
            .ok_or(Failure::NotFound("callLegDoesNotExist"))
    }

    /// `/callLegs` (every leg) or `/calls/<id>/callLegs` (that call's).
    pub(crate) fn list_legs(
        &self,
        call: Option<&Uuid>,
        query: &ListQuery,
    ) -> Result<String, Failure> {
        if let Some(call) = call
            && !self.activity.calls.contains_key(call)
        {
            return Err(Failure::NotFound("callDoesNotExist"));
        }
        let page = Page::of(
            self.activity.legs.values().filter(|l| {
                call.is_none_or(|c| l.call == *c)
                    && query
                        .filter
                        .as_deref()
                        .is_none_or(|f| contains_ci(&l.remote_party, f))
            }),
            query,
            self.caps.call_legs,
        );
        let mut w = XmlWriter::new();
        w.open("callLegs", &[("total", &page.total.to_string())]);
        for leg in page.items {
            w.open("callLeg", &[("id", &leg.id.to_string())])
                .text("name", &leg.remote_party)
                .text("remoteParty", &leg.remote_party)
                .text("call", &leg.call.to_string())
                .close();
        }
        Ok(w.finish())
    }

    pub(crate) fn get_leg(&self, id: &Uuid, now: Instant) -> Result<String, Failure> {
        let leg = self
            .activity
            .legs
            .get(id)
            .ok_or(Failure::NotFound("callLegDoesNotExist"))?;
        let mut w = XmlWriter::new();
        w.open("callLeg", &[("id", &leg.id.to_string())])
            .text("name", &leg.remote_party)
            .text("remoteParty", &leg.remote_party)
            .text("call", &leg.call.to_string())
            .text("type", "sip")
            .text("direction", "outgoing")
            .open("status", &[])
            .text("state", leg.state.as_str())
            .num("durationSeconds", now.duration_since(leg.created).as_secs())
            .close()
            .close();
        Ok(w.finish())
    }

    /// `/participants` (everyone connected) or `/calls/<id>/participants`.
    pub(crate) fn list_participants(
        &self,
        call: Option<&Uuid>,
        query: &ListQuery,
    ) -> Result<String, Failure> {
        if let Some(call) = call
            && !self.activity.calls.contains_key(call)
        {
            return Err(Failure::NotFound("callDoesNotExist"));
        }
        let page = Page::of(
            self.activity.legs.values().filter(|l| {
                l.state == LegState::Connected
                    && call.is_none_or(|c| l.call == *c)
                    && query
                        .filter
                        .as_deref()
                        .is_none_or(|f| contains_ci(&l.remote_party, f))
            }),
            query,
            self.caps.others,
        );
        let mut w = XmlWriter::new();
        w.open("participants", &[("total", &page.total.to_string())]);
        for leg in page.items {
            w.open("participant", &[("id", &leg.participant.to_string())])
                .text("name", &leg.remote_party)
                .text("call", &leg.call.to_string())
                .close();
        }
        Ok(w.finish())
    }

    pub(crate) fn get_participant(&self, id: &Uuid) -> Result<String, Failure> {
        let leg = self
            .activity
            .legs
            .values()
            .find(|l| l.participant == *id && l.state == LegState::Connected)
            .ok_or(Failure::NotFound("participantDoesNotExist"))?;
        let mut w = XmlWriter::new();
        w.open("participant", &[("id", &leg.participant.to_string())])
            .text("name", &leg.remote_party)
            .text("call", &leg.call.to_string())
            .text("callLeg", &leg.id.to_string())
            .close();
        Ok(w.finish())
    }
}
