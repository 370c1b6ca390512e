//! `/coSpaces`.

use super::{API, ListQuery, filter_pairs};
use crate::client::{ApiRequest, Connector};
use crate::error::CmsError;
use crate::form::Form;
use crate::ids::{CallLegProfileId, CallProfileId, CoSpaceId};
use crate::model::{CoSpace, Page};
use crate::secret::{Passcode, Secret};

/// Fields to set on a space. On update, `None` leaves a field as it is; `Passcode::none()`
/// clears the passcode; `regenerate_secret` gives the space a new secret (old links die).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoSpaceSettings {
    pub name: Option<String>,
    pub uri: Option<String>,
    pub call_id: Option<String>,
    pub non_member_access: Option<bool>,
    pub passcode: Option<Passcode>,
    pub secret: Option<Secret>,
    pub regenerate_secret: bool,
    pub call_profile: Option<CallProfileId>,
    pub call_leg_profile: Option<CallLegProfileId>,
}

impl CoSpaceSettings {
    pub(crate) fn form(&self) -> Form {
        Form::default()
            .maybe_text("name", self.name.clone())
            .maybe_text("uri", self.uri.clone())
            .maybe_text("callId", self.call_id.clone())
            .maybe_flag("nonMemberAccess", self.non_member_access)
            .maybe_text(
                "passcode",
                self.passcode.as_ref().map(|p| p.expose().to_owned()),
            )
            .maybe_text(
                "secret",
                self.secret.as_ref().map(|s| s.expose().to_owned()),
            )
            .maybe_flag("regenerateSecret", self.regenerate_secret.then_some(true))
            .maybe_text(
                "callProfile",
                self.call_profile.as_ref().map(ToString::to_string),
            )
            .maybe_text(
                "callLegProfile",
                self.call_leg_profile.as_ref().map(ToString::to_string),
            )
    }
}

fn space_path(id: &CoSpaceId) -> String {
    format!("{API}/coSpaces/{id}")
}

impl Connector {
    pub async fn co_spaces_page(&self, query: &ListQuery) -> Result<Page<CoSpace>, CmsError> {
        self.page(&format!("{API}/coSpaces"), &query.pairs()).await
    }

    /// Every space matching `filter` (a substring of name, URI or call ID), all pages.
    pub async fn co_spaces(&self, filter: Option<&str>) -> Result<Vec<CoSpace>, CmsError> {
        self.all(&format!("{API}/coSpaces"), &filter_pairs(filter))
            .await
    }

    pub async fn co_space(&self, id: &CoSpaceId) -> Result<CoSpace, CmsError> {
        self.execute(ApiRequest::get(space_path(id)))
            .await?
            .decode()
    }

    pub async fn create_co_space(&self, settings: &CoSpaceSettings) -> Result<CoSpaceId, CmsError> {
        self.execute(ApiRequest::post(format!("{API}/coSpaces"), settings.form()))
            .await?
            .created()
    }

    pub async fn update_co_space(
        &self,
        id: &CoSpaceId,
        settings: &CoSpaceSettings,
    ) -> Result<(), CmsError> {
        self.execute(ApiRequest::put(space_path(id), settings.form()))
            .await
            .map(drop)
    }

    pub async fn delete_co_space(&self, id: &CoSpaceId) -> Result<(), CmsError> {
        self.execute(ApiRequest::delete(space_path(id)))
            .await
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_send_only_what_is_set() {
        assert_eq!(CoSpaceSettings::default().form().encode(), "");
        let settings = CoSpaceSettings {
            name: Some("TMS_Scheduled_Meeting_1".into()),
            non_member_access: Some(false),
            passcode: Some(Passcode::none()),
            regenerate_secret: true,
            ..CoSpaceSettings::default()
        };
        assert_eq!(
            settings.form().encode(),
            "name=TMS_Scheduled_Meeting_1&nonMemberAccess=false&passcode=&regenerateSecret=true"
        );
    }
}
