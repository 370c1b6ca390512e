//! The state one simulated cluster shares across its call bridges, behind one lock.

use crate::bulk::Bulk;
use crate::calls::Activity;
use crate::config::{PageCaps, SimConfig};
use crate::faults::BulkSyncFault;
use crate::profiles::{CALL_LEG_PROFILES, CALL_PROFILES, Profiles};
use crate::spaces::{Space, Spaces};
use crate::xml::XmlWriter;
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

/// The users' own spaces the seed's screenshot shows: (id, name, URI, call ID).
const SEED_SPACES: [(&str, &str, &str, &str); 4] = [
    (
        "2be23a10-f400-4436-baef-6058f55ca688",
        "Cool Bridge Space",
        "cool.bridge.space",
        "497540167",
    ),
    (
        "f4c9601b-300e-43ac-a283-3e1a00699c2c",
        "It's testacano1's Space!",
        "testacano1.space",
        "020710167",
    ),
    (
        "6a1c8e0d-3b4f-4a59-9d2e-7f1b2c3d4e51",
        "It's testacano2's Space!",
        "testacano2.space",
        "136456483",
    ),
    (
        "9b7d5f3e-1c2a-4e6b-8f9d-0a1b2c3d4e52",
        "It's testacano3's Space!",
        "testacano3.space",
        "529987622",
    ),
];

/// The counters the seed's screenshot shows on a fresh system ("CallLegs Max Active: 3",
/// "CallLegs Completed: 7").
const SEED_MAX_ACTIVE: usize = 3;
const SEED_COMPLETED: u64 = 7;

/// Call IDs of the extra users' spaces start here (clear of the seed's and of small indexes).
const EXTRA_CALL_ID_BASE: u64 = 700_000_000;

/// The timings that make activity move.
#[derive(Debug, Clone)]
pub(crate) struct Timing {
    pub dial_connect_delay: Duration,
    pub bulk_sync_step: Duration,
    pub failing_remote_pattern: Option<String>,
}

#[derive(Debug)]
pub(crate) struct State {
    started: Instant,
    software_version: String,
    cluster_enabled: bool,
    pub caps: PageCaps,
    pub timing: Timing,
    pub spaces: Spaces,
    pub call_profiles: Profiles,
    pub call_leg_profiles: Profiles,
    pub bulk: Bulk,
    pub activity: Activity,
}

impl State {
    pub(crate) fn new(config: &SimConfig, now: Instant) -> Self {
        let mut state = State {
            started: now,
            software_version: config.software_version.clone(),
            cluster_enabled: config.nodes > 1,
            caps: config.page_caps.clone(),
            timing: Timing {
                dial_connect_delay: config.dial_connect_delay,
                bulk_sync_step: config.bulk_sync_step,
                failing_remote_pattern: config
                    .failing_remote_pattern
                    .clone()
                    .filter(|p| !p.is_empty()),
            },
            spaces: Spaces::default(),
            call_profiles: Profiles::new(&CALL_PROFILES),
            call_leg_profiles: Profiles::new(&CALL_LEG_PROFILES),
            bulk: Bulk::default(),
            activity: Activity::default(),
        };
        if config.seed_user_spaces {
            for (id, name, uri, call_id) in SEED_SPACES {
                state.add_user_space(Uuid::parse_str(id).ok(), name, uri, call_id);
            }
            state.activity.max_active = SEED_MAX_ACTIVE;
            state.activity.completed = SEED_COMPLETED;
        }
        for n in 1..=config.extra_user_spaces {
            let call_id = EXTRA_CALL_ID_BASE.saturating_add(n as u64).to_string();
            state.add_user_space(
                None,
                &format!("It's user{n}'s Space!"),
                &format!("user{n}.space"),
                &call_id,
            );
        }
        state
    }

    fn add_user_space(&mut self, id: Option<Uuid>, name: &str, uri: &str, call_id: &str) {
        let mut space = Space::new(id.unwrap_or_else(Uuid::new_v4));
        space.name = name.to_owned();
        space.uri = Some(uri.to_owned());
        space.call_id = Some(call_id.to_owned());
        self.spaces.put_unchecked(space);
    }

    /// Brings dial-outs and bulk syncs up to `now`; called before every read.
    pub(crate) fn advance(&mut self, now: Instant, bulk_fault: BulkSyncFault) {
        self.advance_legs(now);
        self.advance_syncs(now, bulk_fault);
    }

    pub(crate) fn system_status(&self, now: Instant) -> String {
        let cdr_time = OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .ok()
            .and_then(|t| t.format(&Rfc3339).ok())
            .unwrap_or_default();
        let audio = self.activity.audio_bit_rate();
        let video = self.activity.video_bit_rate();
        let mut w = XmlWriter::new();
        w.open("status", &[])
            .text("softwareVersion", &self.software_version)
            .num("uptimeSeconds", now.duration_since(self.started).as_secs())
            .text("cdrTime", &cdr_time)
            .bool("activated", true)
            .bool("clusterEnabled", self.cluster_enabled)
            .num("callLegsActive", self.activity.legs.len())
            .num("callLegsMaxActive", self.activity.max_active)
            .num("callLegsCompleted", self.activity.completed)
            .num("audioBitRateOutgoing", audio)
            .num("audioBitRateIncoming", audio)
            .num("videoBitRateOutgoing", video)
            .num("videoBitRateIncoming", video)
            .close();
        w.finish()
    }
}
