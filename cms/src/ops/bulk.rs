//! `/coSpaceBulkParameterSets` and `/coSpaceBulkSyncs`: many spaces made in one go.

use super::API;
use crate::client::{ApiRequest, Connector};
use crate::error::CmsError;
use crate::form::Form;
use crate::ids::{BulkParameterSetId, BulkSyncId, CallLegProfileId, CallProfileId};
use crate::model::BulkSync;
use crate::range::NumericIdRange;

/// A bulk mapping: text in which `$index$` stands for each index in turn. Built only through
/// its constructors, so literal `$` and `\` are always escaped and `$index$` occurs at most once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping(String);

impl Mapping {
    /// `prefix` + index + `suffix`, e.g. `TMS_Scheduled_Meeting_$index$`.
    pub fn indexed(prefix: &str, suffix: &str) -> Mapping {
        Mapping(format!("{}$index${}", escape(prefix), escape(suffix)))
    }

    /// The same text for every space (fine for names, a conflict for URIs and call IDs).
    pub fn constant(text: &str) -> Mapping {
        Mapping(escape(text))
    }

    /// Sets nothing.
    pub fn empty() -> Mapping {
        Mapping(String::new())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('$', "\\$")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkParameterSet {
    pub range: NumericIdRange,
    pub name_mapping: Mapping,
    pub uri_mapping: Mapping,
    pub call_id_mapping: Mapping,
    pub call_profile: Option<CallProfileId>,
    pub call_leg_profile: Option<CallLegProfileId>,
    pub non_member_access: Option<bool>,
}

impl BulkParameterSet {
    fn form(&self) -> Form {
        Form::default()
            .text("startIndex", self.range.first().to_string())
            .text("endIndex", self.range.last().to_string())
            .text("coSpaceUriMapping", self.uri_mapping.as_str())
            .text("coSpaceNameMapping", self.name_mapping.as_str())
            .text("coSpaceCallIdMapping", self.call_id_mapping.as_str())
            .maybe_text(
                "callProfile",
                self.call_profile.as_ref().map(ToString::to_string),
            )
            .maybe_text(
                "callLegProfile",
                self.call_leg_profile.as_ref().map(ToString::to_string),
            )
            .maybe_flag("nonMemberAccess", self.non_member_access)
    }
}

/// What a bulk sync does with its parameter set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkSyncAction {
    /// Create (or update) the spaces the set describes.
    Apply,
    /// Delete the spaces the set made.
    RemoveAll,
}

impl Connector {
    pub async fn create_bulk_parameter_set(
        &self,
        set: &BulkParameterSet,
    ) -> Result<BulkParameterSetId, CmsError> {
        self.execute(ApiRequest::post(
            format!("{API}/coSpaceBulkParameterSets"),
            set.form(),
        ))
        .await?
        .created()
    }

    pub async fn create_bulk_sync(
        &self,
        set: &BulkParameterSetId,
        action: BulkSyncAction,
    ) -> Result<BulkSyncId, CmsError> {
        let form = Form::default()
            .text("coSpaceBulkParameterSet", set.as_str())
            .maybe_flag(
                "removeAll",
                (action == BulkSyncAction::RemoveAll).then_some(true),
            );
        self.execute(ApiRequest::post(format!("{API}/coSpaceBulkSyncs"), form))
            .await?
            .created()
    }

    pub async fn bulk_sync(&self, id: &BulkSyncId) -> Result<BulkSync, CmsError> {
        self.execute(ApiRequest::get(format!("{API}/coSpaceBulkSyncs/{id}")))
            .await?
            .decode()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mappings_escape_literal_dollars_and_backslashes() {
        assert_eq!(
            Mapping::indexed("TMS_Scheduled_Meeting_", "").as_str(),
            "TMS_Scheduled_Meeting_$index$"
        );
        assert_eq!(Mapping::indexed("", "").as_str(), "$index$");
        assert_eq!(
            Mapping::indexed("Cost $5 \\ ", "!").as_str(),
            "Cost \\$5 \\\\ $index$!"
        );
        assert_eq!(Mapping::constant("$index$").as_str(), "\\$index\\$");
    }

    #[test]
    fn the_parameter_set_form_is_what_tms_sends() {
        let set = BulkParameterSet {
            range: NumericIdRange::new(1, 5).unwrap(),
            name_mapping: Mapping::indexed("TMS_Scheduled_Meeting_", ""),
            uri_mapping: Mapping::indexed("", ""),
            call_id_mapping: Mapping::indexed("", ""),
            call_profile: None,
            call_leg_profile: None,
            non_member_access: Some(false),
        };
        assert_eq!(
            set.form().encode(),
            "startIndex=1&endIndex=5&coSpaceUriMapping=%24index%24&coSpaceNameMapping=TMS_Scheduled_Meeting_%24index%24\
             &coSpaceCallIdMapping=%24index%24&nonMemberAccess=false"
        );
    }
}
