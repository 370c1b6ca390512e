//! Call profiles and call leg profiles: typed fields, created once per system by a scheduler
//! and referenced from spaces.

use crate::form::{Change, Params};
use crate::paging::{ListQuery, Page};
use crate::reply::{Failure, Reply};
use crate::xml::XmlWriter;
use indexmap::IndexMap;
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, Copy)]
enum Kind {
    Bool,
    Number,
    Text,
    OneOf(&'static [&'static str]),
}

/// The shape of one profile collection: names, and the fields the simulator knows (others
/// are ignored, as a server of another version would). The first field is the name.
#[derive(Debug)]
pub(crate) struct Schema {
    pub collection: &'static str,
    object: &'static str,
    missing: &'static str,
    fields: &'static [(&'static str, Kind)],
}

const MODES: &[&str] = &["disabled", "manual", "automatic"];
const ENCRYPTION: &[&str] = &["optional", "required", "prohibited"];
const LAYOUTS: &[&str] = &[
    "allEqual",
    "speakerOnly",
    "telepresence",
    "stacked",
    "allEqualQuarters",
    "allEqualNinths",
    "allEqualSixteenths",
    "allEqualTwentyFifths",
    "onePlusFive",
    "onePlusSeven",
    "onePlusNine",
    "automatic",
    "onePlusN",
];

pub(crate) static CALL_PROFILES: Schema = Schema {
    collection: "callProfiles",
    object: "callProfile",
    missing: "callProfileDoesNotExist",
    fields: &[
        ("name", Kind::Text),
        ("participantLimit", Kind::Number),
        ("messageBoardEnabled", Kind::Bool),
        ("locked", Kind::Bool),
        ("recordingMode", Kind::OneOf(MODES)),
        ("streamingMode", Kind::OneOf(MODES)),
        ("passcodeMode", Kind::OneOf(&["required", "timeout"])),
        ("passcodeTimeout", Kind::Number),
        ("gatewayAudioCallOptimization", Kind::Bool),
        ("sipMediaEncryption", Kind::OneOf(ENCRYPTION)),
    ],
};

pub(crate) static CALL_LEG_PROFILES: Schema = Schema {
    collection: "callLegProfiles",
    object: "callLegProfile",
    missing: "callLegProfileDoesNotExist",
    fields: &[
        ("name", Kind::Text),
        ("needsActivation", Kind::Bool),
        ("defaultLayout", Kind::OneOf(LAYOUTS)),
        ("changeLayoutAllowed", Kind::Bool),
        ("presentationContributionAllowed", Kind::Bool),
        ("presentationViewingAllowed", Kind::Bool),
        ("muteSelfAllowed", Kind::Bool),
        ("videoMuteSelfAllowed", Kind::Bool),
        ("endCallAllowed", Kind::Bool),
        ("muteOthersAllowed", Kind::Bool),
        ("videoMuteOthersAllowed", Kind::Bool),
        ("disconnectOthersAllowed", Kind::Bool),
        ("participantLabels", Kind::Bool),
        ("rxAudioMute", Kind::Bool),
        ("txAudioMute", Kind::Bool),
        ("rxVideoMute", Kind::Bool),
        ("txVideoMute", Kind::Bool),
        ("joinToneParticipantThreshold", Kind::Number),
        ("leaveToneParticipantThreshold", Kind::Number),
        ("maxCallDurationTime", Kind::Number),
        ("sipMediaEncryption", Kind::OneOf(ENCRYPTION)),
    ],
};

/// A profile as the snapshot shows it: the fields that are set, in schema order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileSnapshot {
    pub id: Uuid,
    pub fields: Vec<(String, String)>,
}

/// One profile collection; values are kept per schema field (`None` = unset).
#[derive(Debug)]
pub(crate) struct Profiles {
    schema: &'static Schema,
    by_id: IndexMap<Uuid, Vec<Option<String>>>,
}

impl Profiles {
    pub(crate) fn new(schema: &'static Schema) -> Self {
        Profiles {
            schema,
            by_id: IndexMap::new(),
        }
    }

    pub(crate) fn contains(&self, id: &Uuid) -> bool {
        self.by_id.contains_key(id)
    }

    /// A numeric field of a profile, if the profile exists and the field is set.
    pub(crate) fn number(&self, id: &Uuid, field: &str) -> Option<u64> {
        let index = self.schema.fields.iter().position(|(n, _)| *n == field)?;
        self.by_id.get(id)?.get(index)?.as_deref()?.parse().ok()
    }

    pub(crate) fn create(&mut self, params: &Params) -> Result<Reply, Failure> {
        let mut values = vec![None; self.schema.fields.len()];
        self.apply(&mut values, params)?;
        let id = Uuid::new_v4();
        self.by_id.insert(id, values);
        Ok(Reply::created(self.schema.collection, id))
    }

    pub(crate) fn modify(&mut self, id: &Uuid, params: &Params) -> Result<Reply, Failure> {
        let schema = self.schema;
        let mut values = self
            .by_id
            .get(id)
            .cloned()
            .ok_or(Failure::NotFound(schema.missing))?;
        self.apply(&mut values, params)?;
        self.by_id.insert(*id, values);
        Ok(Reply::ok())
    }

    pub(crate) fn delete(&mut self, id: &Uuid) -> Result<Reply, Failure> {
        self.by_id
            .shift_remove(id)
            .map(|_| Reply::ok())
            .ok_or(Failure::NotFound(self.schema.missing))
    }

    pub(crate) fn get(&self, id: &Uuid) -> Result<String, Failure> {
        let values = self
            .by_id
            .get(id)
            .ok_or(Failure::NotFound(self.schema.missing))?;
        let mut w = XmlWriter::new();
        w.open(self.schema.object, &[("id", &id.to_string())]);
        for ((name, _), value) in self.schema.fields.iter().zip(values) {
            w.opt_text(name, value.as_deref());
        }
        w.close();
        Ok(w.finish())
    }

    /// List items carry the name only (when set).
    pub(crate) fn list(&self, query: &ListQuery, cap: usize) -> String {
        let page = Page::of(
            self.by_id.iter().filter(|(_, values)| {
                query.filter.as_deref().is_none_or(|f| {
                    values
                        .first()
                        .and_then(Option::as_deref)
                        .is_some_and(|name| crate::spaces::contains_ci(name, f))
                })
            }),
            query,
            cap,
        );
        let mut w = XmlWriter::new();
        w.open(
            self.schema.collection,
            &[("total", &page.total.to_string())],
        );
        for (id, values) in page.items {
            w.open(self.schema.object, &[("id", &id.to_string())])
                .opt_text("name", values.first().and_then(Option::as_deref))
                .close();
        }
        w.finish()
    }

    pub(crate) fn snapshot(&self) -> Vec<ProfileSnapshot> {
        self.by_id
            .iter()
            .map(|(id, values)| ProfileSnapshot {
                id: *id,
                fields: self
                    .schema
                    .fields
                    .iter()
                    .zip(values)
                    .filter_map(|((name, _), v)| v.clone().map(|v| ((*name).to_owned(), v)))
                    .collect(),
            })
            .collect()
    }

    fn apply(&self, values: &mut [Option<String>], params: &Params) -> Result<(), Failure> {
        for (slot, (name, kind)) in values.iter_mut().zip(self.schema.fields) {
            let change = params.text(name);
            if let Change::Set(value) = &change {
                let valid = match kind {
                    Kind::Bool => value == "true" || value == "false",
                    Kind::Number => value.parse::<u64>().is_ok(),
                    Kind::Text => true,
                    Kind::OneOf(allowed) => allowed.contains(&value.as_str()),
                };
                if !valid {
                    return Err(Failure::invalid(name));
                }
            }
            change.apply(slot);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_fields_tms_sends_in_schema_order() {
        let mut profiles = Profiles::new(&CALL_LEG_PROFILES);
        let params = Params::parse(
            b"defaultLayout=telepresence&changeLayoutAllowed=true&presentationContributionAllowed=true&presentationViewingAllowed=true&muteSelfAllowed=true&videoMuteSelfAllowed=true",
        );
        let reply = profiles.create(&params).expect("created");
        let location = reply.location.expect("location");
        let id: Uuid = location
            .strip_prefix("/api/v1/callLegProfiles/")
            .expect("prefix")
            .parse()
            .expect("uuid");
        assert_eq!(
            profiles.get(&id).expect("get"),
            format!(
                "<?xml version=\"1.0\"?><callLegProfile id=\"{id}\"><defaultLayout>telepresence</defaultLayout><changeLayoutAllowed>true</changeLayoutAllowed><presentationContributionAllowed>true</presentationContributionAllowed><presentationViewingAllowed>true</presentationViewingAllowed><muteSelfAllowed>true</muteSelfAllowed><videoMuteSelfAllowed>true</videoMuteSelfAllowed></callLegProfile>"
            )
        );
    }

    #[test]
    fn refuses_values_of_the_wrong_type() {
        let mut profiles = Profiles::new(&CALL_PROFILES);
        assert_eq!(
            profiles
                .create(&Params::parse(b"participantLimit=lots"))
                .map(|_| ())
                .unwrap_err(),
            Failure::invalid("participantLimit")
        );
        assert_eq!(
            profiles
                .create(&Params::parse(b"messageBoardEnabled=yes"))
                .map(|_| ())
                .unwrap_err(),
            Failure::invalid("messageBoardEnabled")
        );
    }
}
