//! `/callProfiles` and `/callLegProfiles`.

use super::API;
use crate::client::{ApiRequest, Connector};
use crate::error::CmsError;
use crate::form::Form;
use crate::ids::{CallLegProfileId, CallProfileId};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallProfileSettings {
    pub participant_limit: Option<u32>,
    pub message_board_enabled: Option<bool>,
}

impl CallProfileSettings {
    /// What TMS creates when a system is added.
    pub fn tms() -> CallProfileSettings {
        CallProfileSettings {
            participant_limit: Some(1000),
            message_board_enabled: Some(false),
        }
    }

    fn form(&self) -> Form {
        Form::default()
            .maybe_text(
                "participantLimit",
                self.participant_limit.map(|n| n.to_string()),
            )
            .maybe_flag("messageBoardEnabled", self.message_board_enabled)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallLegProfileSettings {
    /// e.g. `telepresence`, `allEqual`, `speakerOnly`.
    pub default_layout: Option<String>,
    pub change_layout_allowed: Option<bool>,
    pub presentation_contribution_allowed: Option<bool>,
    pub presentation_viewing_allowed: Option<bool>,
    pub mute_self_allowed: Option<bool>,
    pub video_mute_self_allowed: Option<bool>,
}

impl CallLegProfileSettings {
    /// What TMS creates when a system is added.
    pub fn tms() -> CallLegProfileSettings {
        CallLegProfileSettings {
            default_layout: Some("telepresence".into()),
            change_layout_allowed: Some(true),
            presentation_contribution_allowed: Some(true),
            presentation_viewing_allowed: Some(true),
            mute_self_allowed: Some(true),
            video_mute_self_allowed: Some(true),
        }
    }

    fn form(&self) -> Form {
        Form::default()
            .maybe_text("defaultLayout", self.default_layout.clone())
            .maybe_flag("changeLayoutAllowed", self.change_layout_allowed)
            .maybe_flag(
                "presentationContributionAllowed",
                self.presentation_contribution_allowed,
            )
            .maybe_flag(
                "presentationViewingAllowed",
                self.presentation_viewing_allowed,
            )
            .maybe_flag("muteSelfAllowed", self.mute_self_allowed)
            .maybe_flag("videoMuteSelfAllowed", self.video_mute_self_allowed)
    }
}

impl Connector {
    pub async fn create_call_profile(
        &self,
        settings: &CallProfileSettings,
    ) -> Result<CallProfileId, CmsError> {
        self.execute(ApiRequest::post(
            format!("{API}/callProfiles"),
            settings.form(),
        ))
        .await?
        .created()
    }

    pub async fn create_call_leg_profile(
        &self,
        settings: &CallLegProfileSettings,
    ) -> Result<CallLegProfileId, CmsError> {
        self.execute(ApiRequest::post(
            format!("{API}/callLegProfiles"),
            settings.form(),
        ))
        .await?
        .created()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tms_profiles_send_what_the_seed_shows() {
        assert_eq!(
            CallProfileSettings::tms().form().encode(),
            "participantLimit=1000&messageBoardEnabled=false"
        );
        assert_eq!(
            CallLegProfileSettings::tms().form().encode(),
            "defaultLayout=telepresence&changeLayoutAllowed=true&presentationContributionAllowed=true\
             &presentationViewingAllowed=true&muteSelfAllowed=true&videoMuteSelfAllowed=true"
        );
    }
}
