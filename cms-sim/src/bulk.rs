//! Bulk parameter sets and bulk syncs: how schedulers make their placeholder spaces.
//!
//! A sync is `pending`, then `running`, then `complete` (or a failure status); it moves on
//! lazily, whenever the state is next read, one step (`SimConfig::bulk_sync_step`) at a time.
//! The server spells these objects `cospaceBulk…` in `Location` headers and XML tags.

use crate::faults::BulkSyncFault;
use crate::form::Params;
use crate::paging::{ListQuery, Page};
use crate::reply::{Failure, Reply};
use crate::spaces::Space;
use crate::state::State;
use crate::xml::XmlWriter;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::time::Instant;
use uuid::Uuid;

/// The most spaces one parameter set may span (inferred: the real limit is not documented).
pub const MAX_INDEX_RANGE: i64 = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SyncStatus {
    Pending,
    Running,
    Complete,
    FailedCoSpaceUriConflict,
    FailedCallIdConflict,
    FailedIndexRangeInvalid,
    FailedIndexRangeTooGreat,
    FailedNoSuchParameterSet,
    Failed,
}

impl SyncStatus {
    const ALL: [SyncStatus; 9] = [
        SyncStatus::Pending,
        SyncStatus::Running,
        SyncStatus::Complete,
        SyncStatus::FailedCoSpaceUriConflict,
        SyncStatus::FailedCallIdConflict,
        SyncStatus::FailedIndexRangeInvalid,
        SyncStatus::FailedIndexRangeTooGreat,
        SyncStatus::FailedNoSuchParameterSet,
        SyncStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SyncStatus::Pending => "pending",
            SyncStatus::Running => "running",
            SyncStatus::Complete => "complete",
            SyncStatus::FailedCoSpaceUriConflict => "failedCoSpaceUriConflict",
            SyncStatus::FailedCallIdConflict => "failedCallIdConflict",
            SyncStatus::FailedIndexRangeInvalid => "failedIndexRangeInvalid",
            SyncStatus::FailedIndexRangeTooGreat => "failedIndexRangeTooGreat",
            SyncStatus::FailedNoSuchParameterSet => "failedNoSuchParameterSet",
            SyncStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }

    pub fn is_failure(self) -> bool {
        !matches!(
            self,
            SyncStatus::Pending | SyncStatus::Running | SyncStatus::Complete
        )
    }
}

/// A `coSpace…Mapping`: `[text]$index$[text]`, `\$` and `\\` escaping; at most one `$index$`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mapping {
    raw: String,
    prefix: String,
    /// Set when the mapping holds `$index$`: the text after it.
    suffix: Option<String>,
}

impl Mapping {
    pub(crate) fn parse(raw: &str) -> Option<Self> {
        let mut prefix = String::new();
        let mut suffix: Option<String> = None;
        let mut chars = raw.chars().peekable();
        while let Some(c) = chars.next() {
            let out = suffix.as_mut().unwrap_or(&mut prefix);
            match c {
                '\\' => match chars.next() {
                    Some(escaped @ ('$' | '\\')) => out.push(escaped),
                    _ => return None,
                },
                '$' => {
                    let token: String = chars.by_ref().take(6).collect();
                    if token != "index$" || suffix.is_some() {
                        return None;
                    }
                    suffix = Some(String::new());
                }
                c => out.push(c),
            }
        }
        Some(Mapping {
            raw: raw.to_owned(),
            prefix,
            suffix,
        })
    }

    pub(crate) fn has_index(&self) -> bool {
        self.suffix.is_some()
    }

    pub(crate) fn render(&self, index: i64) -> String {
        match &self.suffix {
            Some(suffix) => format!("{}{index}{suffix}", self.prefix),
            None => self.prefix.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct ParameterSet {
    pub id: Uuid,
    pub start: i64,
    pub end: i64,
    pub uri: Option<Mapping>,
    pub name: Option<Mapping>,
    pub call_id: Option<Mapping>,
    pub call_profile: Option<Uuid>,
    pub call_leg_profile: Option<Uuid>,
    pub non_member_access: Option<bool>,
}

#[derive(Debug, Clone)]
pub(crate) struct Sync {
    pub id: Uuid,
    pub set: Uuid,
    pub remove_all: bool,
    pub status: SyncStatus,
    /// When the sync last changed status.
    since: Instant,
}

/// The bulk parameter sets and syncs, and the syncs still to run, oldest first.
#[derive(Debug, Default)]
pub(crate) struct Bulk {
    pub sets: indexmap::IndexMap<Uuid, ParameterSet>,
    pub syncs: indexmap::IndexMap<Uuid, Sync>,
    queue: std::collections::VecDeque<Uuid>,
}

fn mapping(params: &Params, name: &'static str) -> Result<Option<Mapping>, Failure> {
    match params.get(name) {
        None | Some("") => Ok(None),
        Some(raw) => {
            let parsed = Mapping::parse(raw).ok_or(Failure::invalid(name))?;
            if name == "coSpaceUriMapping" && parsed.render(0).contains('@') {
                return Err(Failure::invalid(name));
            }
            if name == "coSpaceCallIdMapping"
                && !parsed.render(0).bytes().all(|b| b.is_ascii_digit())
            {
                return Err(Failure::invalid(name));
            }
            Ok(Some(parsed))
        }
    }
}

impl State {
    pub(crate) fn create_parameter_set(&mut self, params: &Params) -> Result<Reply, Failure> {
        let start = params
            .integer("startIndex")?
            .ok_or(Failure::required("startIndex"))?;
        let end = params
            .integer("endIndex")?
            .ok_or(Failure::required("endIndex"))?;
        let call_profile = params.id("callProfile")?.into_option();
        if call_profile.is_some_and(|p| !self.call_profiles.contains(&p)) {
            return Err(Failure::Refused("callProfileDoesNotExist"));
        }
        let call_leg_profile = params.id("callLegProfile")?.into_option();
        if call_leg_profile.is_some_and(|p| !self.call_leg_profiles.contains(&p)) {
            return Err(Failure::Refused("callLegProfileDoesNotExist"));
        }
        let set = ParameterSet {
            id: Uuid::new_v4(),
            start,
            end,
            uri: mapping(params, "coSpaceUriMapping")?,
            name: mapping(params, "coSpaceNameMapping")?,
            call_id: mapping(params, "coSpaceCallIdMapping")?,
            call_profile,
            call_leg_profile,
            non_member_access: params.boolean("nonMemberAccess")?,
        };
        let id = set.id;
        self.bulk.sets.insert(id, set);
        Ok(Reply::created("cospaceBulkParameterSets", id))
    }

    pub(crate) fn get_parameter_set(&self, id: &Uuid) -> Result<String, Failure> {
        let set = self
            .bulk
            .sets
            .get(id)
            .ok_or(Failure::NotFound("coSpaceBulkParameterSetDoesNotExist"))?;
        let mut w = XmlWriter::new();
        w.open("cospaceBulkParameterSet", &[("id", &id.to_string())])
            .num("startIndex", set.start)
            .num("endIndex", set.end)
            .opt_text(
                "coSpaceUriMapping",
                set.uri.as_ref().map(|m| m.raw.as_str()),
            )
            .opt_text(
                "coSpaceNameMapping",
                set.name.as_ref().map(|m| m.raw.as_str()),
            )
            .opt_text(
                "coSpaceCallIdMapping",
                set.call_id.as_ref().map(|m| m.raw.as_str()),
            )
            .opt_text(
                "callProfile",
                set.call_profile.map(|p| p.to_string()).as_deref(),
            )
            .opt_text(
                "callLegProfile",
                set.call_leg_profile.map(|p| p.to_string()).as_deref(),
            );
        if let Some(access) = set.non_member_access {
            w.bool("nonMemberAccess", access);
        }
        w.close();
        Ok(w.finish())
    }

    pub(crate) fn list_parameter_sets(&self, query: &ListQuery) -> String {
        let page = Page::of(self.bulk.sets.values(), query, self.caps.others);
        let mut w = XmlWriter::new();
        w.open(
            "cospaceBulkParameterSets",
            &[("total", &page.total.to_string())],
        );
        for set in page.items {
            w.open("cospaceBulkParameterSet", &[("id", &set.id.to_string())])
                .num("startIndex", set.start)
                .num("endIndex", set.end)
                .close();
        }
        w.finish()
    }

    pub(crate) fn delete_parameter_set(&mut self, id: &Uuid) -> Result<Reply, Failure> {
        self.bulk
            .sets
            .shift_remove(id)
            .map(|_| Reply::ok())
            .ok_or(Failure::NotFound("coSpaceBulkParameterSetDoesNotExist"))
    }

    pub(crate) fn create_sync(&mut self, params: &Params, now: Instant) -> Result<Reply, Failure> {
        let set = params
            .id("coSpaceBulkParameterSet")?
            .into_option()
            .ok_or(Failure::required("coSpaceBulkParameterSet"))?;
        let remove_all = params.boolean("removeAll")?.unwrap_or(false);
        let sync = Sync {
            id: Uuid::new_v4(),
            set,
            remove_all,
            status: SyncStatus::Pending,
            since: now,
        };
        let id = sync.id;
        self.bulk.syncs.insert(id, sync);
        self.bulk.queue.push_back(id);
        Ok(Reply::created("cospaceBulkSyncs", id))
    }

    pub(crate) fn get_sync(&self, id: &Uuid) -> Result<String, Failure> {
        let sync = self
            .bulk
            .syncs
            .get(id)
            .ok_or(Failure::NotFound("coSpaceBulkSyncDoesNotExist"))?;
        let mut w = XmlWriter::new();
        write_sync(&mut w, sync);
        Ok(w.finish())
    }

    pub(crate) fn list_syncs(&self, query: &ListQuery) -> String {
        let page = Page::of(self.bulk.syncs.values(), query, self.caps.others);
        let mut w = XmlWriter::new();
        w.open("cospaceBulkSyncs", &[("total", &page.total.to_string())]);
        for sync in page.items {
            write_sync(&mut w, sync);
        }
        w.finish()
    }

    pub(crate) fn delete_sync(&mut self, id: &Uuid) -> Result<Reply, Failure> {
        self.bulk
            .syncs
            .shift_remove(id)
            .map(|_| Reply::ok())
            .ok_or(Failure::NotFound("coSpaceBulkSyncDoesNotExist"))
    }

    /// Moves every due sync on: pending → running → (runs) → complete or a failure status.
    pub(crate) fn advance_syncs(&mut self, now: Instant, fault: BulkSyncFault) {
        if fault == BulkSyncFault::StayPending {
            return;
        }
        while let Some(id) = self.bulk.queue.front().copied() {
            let Some(sync) = self.bulk.syncs.get(&id) else {
                self.bulk.queue.pop_front();
                continue;
            };
            if now.duration_since(sync.since) < self.timing.bulk_sync_step {
                return;
            }
            let (status, set, remove_all) = (sync.status, sync.set, sync.remove_all);
            let next = match (status, fault) {
                (SyncStatus::Pending, BulkSyncFault::Fail(failure)) => failure,
                (SyncStatus::Pending, _) => SyncStatus::Running,
                (_, BulkSyncFault::Fail(failure)) => failure,
                _ => self.run_sync(set, remove_all),
            };
            let step = self.timing.bulk_sync_step;
            if let Some(sync) = self.bulk.syncs.get_mut(&id) {
                sync.status = next;
                sync.since += step;
            }
            if next != SyncStatus::Running {
                self.bulk.queue.pop_front();
            }
        }
    }

    /// Makes the spaces match the set (or removes them all), all or nothing.
    fn run_sync(&mut self, set_id: Uuid, remove_all: bool) -> SyncStatus {
        let Some(set) = self.bulk.sets.get(&set_id).cloned() else {
            return SyncStatus::FailedNoSuchParameterSet;
        };
        let mine: HashMap<i64, Uuid> = self
            .spaces
            .iter()
            .filter_map(|s| match s.bulk {
                Some((owner, index)) if owner == set_id => Some((index, s.id)),
                _ => None,
            })
            .collect();
        if remove_all {
            for id in mine.values() {
                self.spaces.remove(id);
                self.end_calls_of_space(id);
            }
            return SyncStatus::Complete;
        }
        if set.start < 0 || set.end < set.start {
            return SyncStatus::FailedIndexRangeInvalid;
        }
        if set
            .end
            .checked_sub(set.start)
            .is_none_or(|span| span >= MAX_INDEX_RANGE)
        {
            return SyncStatus::FailedIndexRangeTooGreat;
        }
        if let Err(status) = self.check_sync_conflicts(&set, &mine) {
            return status;
        }
        for index in set.start..=set.end {
            let mut space = mine
                .get(&index)
                .and_then(|id| self.spaces.get(id).cloned())
                .unwrap_or_else(|| {
                    let mut space = Space::new(Uuid::new_v4());
                    space.bulk = Some((set_id, index));
                    space
                });
            if let Some(name) = &set.name {
                space.name = name.render(index);
            }
            if let Some(uri) = &set.uri {
                space.uri = Some(uri.render(index));
            }
            if let Some(call_id) = &set.call_id {
                space.call_id = Some(call_id.render(index));
            }
            if set.call_profile.is_some() {
                space.call_profile = set.call_profile;
            }
            if set.call_leg_profile.is_some() {
                space.call_leg_profile = set.call_leg_profile;
            }
            if let Some(access) = set.non_member_access {
                space.non_member_access = access;
            }
            self.spaces.put_unchecked(space);
        }
        for (index, id) in &mine {
            if !(set.start..=set.end).contains(index) {
                self.spaces.remove(id);
                self.end_calls_of_space(id);
            }
        }
        SyncStatus::Complete
    }

    /// A URI or call ID the set would give is held by a space the set did not make, or the set
    /// would give the same one to several of its spaces.
    fn check_sync_conflicts(
        &self,
        set: &ParameterSet,
        mine: &HashMap<i64, Uuid>,
    ) -> Result<(), SyncStatus> {
        let several = set.end > set.start;
        let own: HashSet<&Uuid> = mine.values().collect();
        if let Some(uri) = &set.uri {
            if several && !uri.has_index() {
                return Err(SyncStatus::FailedCoSpaceUriConflict);
            }
            for index in set.start..=set.end {
                if let Some(owner) = self.spaces.uri_owner(&uri.render(index))
                    && !own.contains(&owner)
                {
                    return Err(SyncStatus::FailedCoSpaceUriConflict);
                }
            }
        }
        if let Some(call_id) = &set.call_id {
            if several && !call_id.has_index() {
                return Err(SyncStatus::FailedCallIdConflict);
            }
            for index in set.start..=set.end {
                if let Some(owner) = self.spaces.call_id_owner(&call_id.render(index))
                    && !own.contains(&owner)
                {
                    return Err(SyncStatus::FailedCallIdConflict);
                }
            }
        }
        Ok(())
    }
}

fn write_sync(w: &mut XmlWriter, sync: &Sync) {
    w.open("cospaceBulkSync", &[("id", &sync.id.to_string())])
        .text("cospaceBulkParameterSet", &sync.set.to_string())
        .text("status", sync.status.as_str())
        .close();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mappings_substitute_the_index() {
        let m = Mapping::parse("TMS_Scheduled_Meeting_$index$").expect("valid");
        assert_eq!(m.render(3), "TMS_Scheduled_Meeting_3");
        let m = Mapping::parse("$index$").expect("valid");
        assert_eq!(m.render(12), "12");
        let m = Mapping::parse("room.$index$.vc").expect("valid");
        assert_eq!(m.render(7), "room.7.vc");
    }

    #[test]
    fn mappings_without_index_give_the_same_value() {
        let m = Mapping::parse("Placeholder").expect("valid");
        assert!(!m.has_index());
        assert_eq!(m.render(1), "Placeholder");
    }

    #[test]
    fn mappings_honour_escapes() {
        let m = Mapping::parse(r"cost\$_\\_$index$").expect("valid");
        assert_eq!(m.render(2), r"cost$_\_2");
    }

    #[test]
    fn mappings_refuse_two_indexes_and_stray_dollars() {
        assert_eq!(Mapping::parse("$index$-$index$"), None);
        assert_eq!(Mapping::parse("a$b"), None);
        assert_eq!(Mapping::parse(r"a\x"), None);
    }

    #[test]
    fn a_sync_goes_pending_running_complete_one_step_at_a_time() {
        let step = std::time::Duration::from_secs(10);
        let config = crate::config::SimConfig {
            bulk_sync_step: step,
            ..crate::config::SimConfig::default()
        };
        let t0 = Instant::now();
        let mut state = State::new(&config, t0);
        let reply = state
            .create_parameter_set(&Params::parse(
                b"startIndex=1&endIndex=3&coSpaceNameMapping=P$index$&coSpaceUriMapping=p.$index$",
            ))
            .expect("set");
        let set = reply
            .location
            .and_then(|l| l.rsplit('/').next().map(str::to_owned))
            .expect("location");
        let reply = state
            .create_sync(
                &Params::parse(format!("coSpaceBulkParameterSet={set}").as_bytes()),
                t0,
            )
            .expect("sync");
        let sync: Uuid = reply
            .location
            .and_then(|l| l.rsplit('/').next().and_then(|id| id.parse().ok()))
            .expect("location");
        let status = |state: &State| state.bulk.syncs[&sync].status;

        state.advance(t0 + step / 2, BulkSyncFault::Normal);
        assert_eq!(status(&state), SyncStatus::Pending);
        state.advance(t0 + step, BulkSyncFault::Normal);
        assert_eq!(status(&state), SyncStatus::Running);
        assert_eq!(state.spaces.iter().count(), 4, "nothing made while running");
        state.advance(t0 + step * 2, BulkSyncFault::Normal);
        assert_eq!(status(&state), SyncStatus::Complete);
        let uris: Vec<_> = state.spaces.iter().filter_map(|s| s.uri.clone()).collect();
        assert!(uris.ends_with(&["p.1".to_owned(), "p.2".to_owned(), "p.3".to_owned()]));
    }

    #[test]
    fn statuses_spell_as_the_server_does() {
        for status in SyncStatus::ALL {
            assert_eq!(SyncStatus::parse(status.as_str()), Some(status));
            assert_eq!(serde_json::to_value(status).expect("json"), status.as_str());
        }
    }
}
