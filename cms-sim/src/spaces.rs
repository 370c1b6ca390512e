//! coSpaces: the store with its URI and call ID indexes, and the coSpace requests.

use crate::form::{Change, Params};
use crate::paging::{ListQuery, Page};
use crate::reply::{Failure, Reply};
use crate::state::State;
use crate::xml::XmlWriter;
use indexmap::IndexMap;
use rand::Rng;
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub(crate) struct Space {
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
    /// The bulk parameter set and index that made this space, if one did.
    pub bulk: Option<(Uuid, i64)>,
}

impl Space {
    pub(crate) fn new(id: Uuid) -> Self {
        Space {
            id,
            name: String::new(),
            uri: None,
            secondary_uri: None,
            call_id: None,
            passcode: None,
            secret: Some(new_secret()),
            non_member_access: true,
            call_profile: None,
            call_leg_profile: None,
            bulk: None,
        }
    }

    fn matches(&self, filter: &str) -> bool {
        contains_ci(&self.name, filter)
            || self.uri.as_deref().is_some_and(|u| contains_ci(u, filter))
            || self.call_id.as_deref().is_some_and(|c| c.contains(filter))
    }
}

/// A fresh secret in the style CMS generates (22 URL-safe characters).
pub(crate) fn new_secret() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut rng = rand::thread_rng();
    (0..22)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

pub(crate) fn contains_ci(haystack: &str, lower_needle: &str) -> bool {
    if lower_needle.is_empty() {
        true
    } else if haystack.is_ascii() && lower_needle.is_ascii() {
        haystack
            .as_bytes()
            .windows(lower_needle.len())
            .any(|w| w.eq_ignore_ascii_case(lower_needle.as_bytes()))
    } else {
        haystack.to_lowercase().contains(lower_needle)
    }
}

/// The spaces in creation order, with unique indexes on URIs (primary and secondary share one
/// namespace, case-insensitively) and call IDs.
#[derive(Debug, Default)]
pub(crate) struct Spaces {
    by_id: IndexMap<Uuid, Space>,
    uris: HashMap<String, Uuid>,
    call_ids: HashMap<String, Uuid>,
}

impl Spaces {
    pub(crate) fn get(&self, id: &Uuid) -> Option<&Space> {
        self.by_id.get(id)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Space> {
        self.by_id.values()
    }

    pub(crate) fn uri_owner(&self, uri: &str) -> Option<Uuid> {
        self.uris.get(&uri.to_lowercase()).copied()
    }

    pub(crate) fn call_id_owner(&self, call_id: &str) -> Option<Uuid> {
        self.call_ids.get(call_id).copied()
    }

    /// Refuses a URI or call ID that another space already holds.
    fn check_unique(&self, space: &Space) -> Result<(), Failure> {
        for uri in [&space.uri, &space.secondary_uri].into_iter().flatten() {
            if self.uri_owner(uri).is_some_and(|owner| owner != space.id) {
                return Err(Failure::Refused("duplicateCoSpaceUri"));
            }
        }
        if space.uri.is_some()
            && space.secondary_uri.is_some()
            && space.uri.as_deref().map(str::to_lowercase)
                == space.secondary_uri.as_deref().map(str::to_lowercase)
        {
            return Err(Failure::Refused("duplicateCoSpaceUri"));
        }
        if let Some(call_id) = &space.call_id
            && self
                .call_id_owner(call_id)
                .is_some_and(|owner| owner != space.id)
        {
            return Err(Failure::Refused("duplicateCoSpaceId"));
        }
        Ok(())
    }

    /// Stores a new or changed space after checking its URIs and call ID are free.
    pub(crate) fn put(&mut self, space: Space) -> Result<(), Failure> {
        self.check_unique(&space)?;
        self.put_unchecked(space);
        Ok(())
    }

    /// Stores a space whose uniqueness the caller has established (bulk syncs check the whole
    /// batch first, and may swap values between their own spaces).
    pub(crate) fn put_unchecked(&mut self, space: Space) {
        self.unindex(&space.id);
        for uri in [&space.uri, &space.secondary_uri].into_iter().flatten() {
            self.uris.insert(uri.to_lowercase(), space.id);
        }
        if let Some(call_id) = &space.call_id {
            self.call_ids.insert(call_id.clone(), space.id);
        }
        self.by_id.insert(space.id, space);
    }

    pub(crate) fn remove(&mut self, id: &Uuid) -> Option<Space> {
        self.unindex(id);
        self.by_id.shift_remove(id)
    }

    /// Drops the index entries that still point at this space.
    fn unindex(&mut self, id: &Uuid) {
        let Some(old) = self.by_id.get(id) else {
            return;
        };
        for uri in [&old.uri, &old.secondary_uri].into_iter().flatten() {
            let key = uri.to_lowercase();
            if self.uris.get(&key) == Some(id) {
                self.uris.remove(&key);
            }
        }
        if let Some(call_id) = &old.call_id
            && self.call_ids.get(call_id) == Some(id)
        {
            self.call_ids.remove(call_id);
        }
    }
}

impl State {
    pub(crate) fn list_spaces(&self, query: &ListQuery) -> String {
        let page = Page::of(
            self.spaces
                .iter()
                .filter(|s| query.filter.as_deref().is_none_or(|f| s.matches(f))),
            query,
            self.caps.co_spaces,
        );
        let mut w = XmlWriter::new();
        w.open("coSpaces", &[("total", &page.total.to_string())]);
        for space in page.items {
            w.open("coSpace", &[("id", &space.id.to_string())])
                .text("name", &space.name)
                .bool("autoGenerated", false)
                .opt_text("uri", space.uri.as_deref())
                .opt_text("secondaryUri", space.secondary_uri.as_deref())
                .opt_text("callId", space.call_id.as_deref())
                .close();
        }
        w.finish()
    }

    pub(crate) fn get_space(&self, id: &Uuid) -> Result<String, Failure> {
        let space = self
            .spaces
            .get(id)
            .ok_or(Failure::NotFound("coSpaceDoesNotExist"))?;
        let mut w = XmlWriter::new();
        w.open("coSpace", &[("id", &space.id.to_string())])
            .text("name", &space.name)
            .bool("autoGenerated", false)
            .opt_text("uri", space.uri.as_deref())
            .opt_text("secondaryUri", space.secondary_uri.as_deref())
            .opt_text("callId", space.call_id.as_deref())
            .opt_text(
                "callProfile",
                space.call_profile.map(|p| p.to_string()).as_deref(),
            )
            .opt_text(
                "callLegProfile",
                space.call_leg_profile.map(|p| p.to_string()).as_deref(),
            )
            .bool("nonMemberAccess", space.non_member_access)
            .opt_text("secret", space.secret.as_deref())
            .opt_text("passcode", space.passcode.as_deref())
            .close();
        Ok(w.finish())
    }

    pub(crate) fn create_space(&mut self, params: &Params) -> Result<Reply, Failure> {
        let mut space = Space::new(Uuid::new_v4());
        self.apply_space_params(&mut space, params)?;
        let id = space.id;
        self.spaces.put(space)?;
        Ok(Reply::created("coSpaces", id))
    }

    pub(crate) fn modify_space(&mut self, id: &Uuid, params: &Params) -> Result<Reply, Failure> {
        let mut space = self
            .spaces
            .get(id)
            .cloned()
            .ok_or(Failure::NotFound("coSpaceDoesNotExist"))?;
        self.apply_space_params(&mut space, params)?;
        self.spaces.put(space)?;
        Ok(Reply::ok())
    }

    pub(crate) fn delete_space(&mut self, id: &Uuid) -> Result<Reply, Failure> {
        self.spaces
            .remove(id)
            .ok_or(Failure::NotFound("coSpaceDoesNotExist"))?;
        self.end_calls_of_space(id);
        Ok(Reply::ok())
    }

    /// Applies POST/PUT parameters: absent keeps, `param=` clears, values are checked.
    fn apply_space_params(&self, space: &mut Space, params: &Params) -> Result<(), Failure> {
        match params.text("name") {
            Change::Keep => {}
            Change::Clear => space.name.clear(),
            Change::Set(name) => space.name = name,
        }
        params.uri("uri")?.apply(&mut space.uri);
        params.uri("secondaryUri")?.apply(&mut space.secondary_uri);
        params.digits("callId")?.apply(&mut space.call_id);
        params.digits("passcode")?.apply(&mut space.passcode);
        params.text("secret").apply(&mut space.secret);
        if params.boolean("regenerateSecret")? == Some(true) {
            space.secret = Some(new_secret());
        }
        if let Some(value) = params.boolean("nonMemberAccess")? {
            space.non_member_access = value;
        }
        let call_profile = params.id("callProfile")?;
        if let Change::Set(profile) = &call_profile
            && !self.call_profiles.contains(profile)
        {
            return Err(Failure::Refused("callProfileDoesNotExist"));
        }
        call_profile.apply(&mut space.call_profile);
        let leg_profile = params.id("callLegProfile")?;
        if let Change::Set(profile) = &leg_profile
            && !self.call_leg_profiles.contains(profile)
        {
            return Err(Failure::Refused("callLegProfileDoesNotExist"));
        }
        leg_profile.apply(&mut space.call_leg_profile);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn space(uri: &str, call_id: &str) -> Space {
        let mut s = Space::new(Uuid::new_v4());
        s.uri = Some(uri.to_owned());
        s.call_id = Some(call_id.to_owned());
        s
    }

    #[test]
    fn uris_and_call_ids_are_unique() {
        let mut spaces = Spaces::default();
        spaces.put(space("one", "1")).expect("first");
        assert_eq!(
            spaces.put(space("ONE", "2")),
            Err(Failure::Refused("duplicateCoSpaceUri"))
        );
        assert_eq!(
            spaces.put(space("two", "1")),
            Err(Failure::Refused("duplicateCoSpaceId"))
        );
    }

    #[test]
    fn swapping_values_between_spaces_keeps_the_indexes_right() {
        let mut spaces = Spaces::default();
        let mut a = space("1", "1");
        let mut b = space("2", "2");
        spaces.put(a.clone()).expect("a");
        spaces.put(b.clone()).expect("b");
        a.uri = Some("2".into());
        b.uri = Some("1".into());
        spaces.put_unchecked(a.clone());
        spaces.put_unchecked(b.clone());
        assert_eq!(spaces.uri_owner("2"), Some(a.id));
        assert_eq!(spaces.uri_owner("1"), Some(b.id));
        spaces.remove(&a.id);
        assert_eq!(spaces.uri_owner("2"), None);
        assert_eq!(spaces.uri_owner("1"), Some(b.id));
    }

    #[test]
    fn filter_is_a_case_insensitive_substring() {
        assert!(contains_ci("Cool Bridge Space", "bridge"));
        assert!(!contains_ci("Cool Bridge Space", "tms"));
        assert!(contains_ci("Ünïcode Späce", "späce"));
    }
}
