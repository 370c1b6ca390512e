//! A copy of the simulator's state for tests and the control API (`GET /_sim/state`).
//! Unlike the request log it shows passcodes and secrets: tests check them here.

pub use crate::profiles::ProfileSnapshot;
use crate::state::State;
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize)]
pub struct StateSnapshot {
    pub spaces: Vec<SpaceSnapshot>,
    pub calls: Vec<CallSnapshot>,
    pub call_legs: Vec<CallLegSnapshot>,
    pub call_profiles: Vec<ProfileSnapshot>,
    pub call_leg_profiles: Vec<ProfileSnapshot>,
    pub bulk_parameter_sets: Vec<BulkParameterSetSnapshot>,
    pub bulk_syncs: Vec<BulkSyncSnapshot>,
    pub call_legs_max_active: usize,
    pub call_legs_completed: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpaceSnapshot {
    pub id: Uuid,
    pub name: String,
    pub uri: Option<String>,
    pub secondary_uri: Option<String>,
    pub call_id: Option<String>,
    pub passcode: Option<String>,
    pub secret: Option<String>,
    pub non_member_access: bool,
    pub call_profile: Option<Uuid>,
    pub call_leg_profile: Option<Uuid>,
    /// The bulk parameter set that made the space, and its index there.
    pub bulk_parameter_set: Option<Uuid>,
    pub bulk_index: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallSnapshot {
    pub id: Uuid,
    pub name: String,
    pub co_space: Uuid,
    pub call_correlator: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallLegSnapshot {
    pub id: Uuid,
    pub call: Uuid,
    pub remote_party: String,
    /// `ringing` or `connected`.
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BulkParameterSetSnapshot {
    pub id: Uuid,
    pub start_index: i64,
    pub end_index: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BulkSyncSnapshot {
    pub id: Uuid,
    pub parameter_set: Uuid,
    pub remove_all: bool,
    pub status: crate::bulk::SyncStatus,
}

impl State {
    pub(crate) fn snapshot(&self) -> StateSnapshot {
        StateSnapshot {
            spaces: self
                .spaces
                .iter()
                .map(|s| SpaceSnapshot {
                    id: s.id,
                    name: s.name.clone(),
                    uri: s.uri.clone(),
                    secondary_uri: s.secondary_uri.clone(),
                    call_id: s.call_id.clone(),
                    passcode: s.passcode.clone(),
                    secret: s.secret.clone(),
                    non_member_access: s.non_member_access,
                    call_profile: s.call_profile,
                    call_leg_profile: s.call_leg_profile,
                    bulk_parameter_set: s.bulk.map(|(set, _)| set),
                    bulk_index: s.bulk.map(|(_, index)| index),
                })
                .collect(),
            calls: self
                .activity
                .calls
                .values()
                .map(|c| CallSnapshot {
                    id: c.id,
                    name: self
                        .spaces
                        .get(&c.co_space)
                        .map(|s| s.name.clone())
                        .unwrap_or_default(),
                    co_space: c.co_space,
                    call_correlator: c.correlator,
                })
                .collect(),
            call_legs: self
                .activity
                .legs
                .values()
                .map(|l| CallLegSnapshot {
                    id: l.id,
                    call: l.call,
                    remote_party: l.remote_party.clone(),
                    state: l.state.as_str().to_owned(),
                })
                .collect(),
            call_profiles: self.call_profiles.snapshot(),
            call_leg_profiles: self.call_leg_profiles.snapshot(),
            bulk_parameter_sets: self
                .bulk
                .sets
                .values()
                .map(|s| BulkParameterSetSnapshot {
                    id: s.id,
                    start_index: s.start,
                    end_index: s.end,
                })
                .collect(),
            bulk_syncs: self
                .bulk
                .syncs
                .values()
                .map(|s| BulkSyncSnapshot {
                    id: s.id,
                    parameter_set: s.set,
                    remove_all: s.remove_all,
                    status: s.status,
                })
                .collect(),
            call_legs_max_active: self.activity.max_active,
            call_legs_completed: self.activity.completed,
        }
    }
}
