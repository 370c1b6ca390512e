//! `/callLegs`: dialling out from a call, and who is connected.

use std::fmt;

use super::{API, ListQuery, filter_pairs};
use crate::client::{ApiRequest, Connector};
use crate::error::CmsError;
use crate::form::Form;
use crate::ids::{CallId, CallLegId};
use crate::model::{CallLeg, Page};

/// Whom to dial: a SIP URI or number (`desk.ex90@example.com`), routed by CMS's outbound rules.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RemoteParty(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "\"{0}\" is not a dialable address (empty, too long, or with spaces or control characters)"
)]
pub struct InvalidRemoteParty(pub String);

impl RemoteParty {
    pub fn parse(text: &str) -> Result<RemoteParty, InvalidRemoteParty> {
        let text = text.trim();
        if text.is_empty()
            || text.len() > 255
            || text.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(InvalidRemoteParty(text.to_owned()));
        }
        Ok(RemoteParty(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RemoteParty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Connector {
    /// Dials `remote_party` into the call.
    pub async fn create_call_leg(
        &self,
        call: &CallId,
        remote_party: &RemoteParty,
    ) -> Result<CallLegId, CmsError> {
        let form = Form::default().text("remoteParty", remote_party.as_str());
        self.execute(ApiRequest::post(
            format!("{API}/calls/{call}/callLegs"),
            form,
        ))
        .await?
        .created()
    }

    pub async fn call_legs_page(&self, query: &ListQuery) -> Result<Page<CallLeg>, CmsError> {
        self.page(&format!("{API}/callLegs"), &query.pairs()).await
    }

    /// Every call leg matching `filter`, all pages.
    pub async fn call_legs(&self, filter: Option<&str>) -> Result<Vec<CallLeg>, CmsError> {
        self.all(&format!("{API}/callLegs"), &filter_pairs(filter))
            .await
    }

    /// The legs of one call, all pages.
    pub async fn call_legs_of_call(&self, call: &CallId) -> Result<Vec<CallLeg>, CmsError> {
        self.all(&format!("{API}/calls/{call}/callLegs"), &[]).await
    }

    /// The legs of one call, each with its state: a list does not report states, so every leg is
    /// then read on its own, concurrently. A leg that hangs up between the two is left out.
    /// Requests: 1 + one per leg (more if the list spans pages).
    pub async fn call_legs_with_state(&self, call: &CallId) -> Result<Vec<CallLeg>, CmsError> {
        let listed = self.call_legs_of_call(call).await?;
        let mut reading = tokio::task::JoinSet::new();
        for (position, leg) in listed.into_iter().enumerate() {
            let cms = self.clone();
            reading.spawn(async move { (position, cms.call_leg(&leg.id).await) });
        }
        let mut legs = Vec::new();
        for (position, read) in reading.join_all().await {
            match read {
                Ok(leg) => legs.push((position, leg)),
                Err(err) if err.is_not_found() => {}
                Err(err) => return Err(err),
            }
        }
        legs.sort_by_key(|(position, _)| *position);
        Ok(legs.into_iter().map(|(_, leg)| leg).collect())
    }

    pub async fn call_leg(&self, id: &CallLegId) -> Result<CallLeg, CmsError> {
        self.execute(ApiRequest::get(format!("{API}/callLegs/{id}")))
            .await?
            .decode()
    }

    /// Hangs up one participant.
    pub async fn delete_call_leg(&self, id: &CallLegId) -> Result<(), CmsError> {
        self.execute(ApiRequest::delete(format!("{API}/callLegs/{id}")))
            .await
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_parties_are_single_tokens() {
        assert_eq!(
            RemoteParty::parse(" desk.ex90@example.com ")
                .unwrap()
                .as_str(),
            "desk.ex90@example.com"
        );
        for bad in ["", "   ", "a b@example.com", "a\u{0}b"] {
            assert!(RemoteParty::parse(bad).is_err(), "{bad:?}");
        }
    }
}
