//! `/calls`: a space's live meeting.

use super::{API, ListQuery};
use crate::address::Endpoint;
use crate::client::{ApiRequest, Connector, Reply};
use crate::error::CmsError;
use crate::form::Form;
use crate::ids::{CallId, CoSpaceId};
use crate::model::{Call, Page};

fn co_space_pairs(
    query: Vec<(&'static str, String)>,
    co_space: Option<&CoSpaceId>,
) -> Vec<(&'static str, String)> {
    query
        .into_iter()
        .chain(co_space.map(|id| ("coSpaceFilter", id.to_string())))
        .collect()
}

impl Connector {
    /// Starts the call of a space; the reply says which endpoint now hosts it.
    pub(crate) async fn start_call(&self, co_space: &CoSpaceId) -> Result<Reply, CmsError> {
        let form = Form::default().text("coSpace", co_space.as_str());
        self.execute(ApiRequest::post(format!("{API}/calls"), form))
            .await
    }

    pub async fn create_call(&self, co_space: &CoSpaceId) -> Result<CallId, CmsError> {
        self.start_call(co_space).await?.created()
    }

    pub async fn calls_page(
        &self,
        query: &ListQuery,
        co_space: Option<&CoSpaceId>,
    ) -> Result<Page<Call>, CmsError> {
        self.page(
            &format!("{API}/calls"),
            &co_space_pairs(query.pairs(), co_space),
        )
        .await
    }

    /// Every call, or those of one space (`coSpaceFilter`), all pages.
    pub async fn calls(&self, co_space: Option<&CoSpaceId>) -> Result<Vec<Call>, CmsError> {
        self.all(
            &format!("{API}/calls"),
            &co_space_pairs(Vec::new(), co_space),
        )
        .await
    }

    /// The calls of a space, and the endpoint that listed them (where they live).
    pub(crate) async fn calls_on_bridge(
        &self,
        co_space: &CoSpaceId,
    ) -> Result<(Vec<Call>, Endpoint), CmsError> {
        self.all_with_endpoint(
            &format!("{API}/calls"),
            &co_space_pairs(Vec::new(), Some(co_space)),
        )
        .await
    }

    pub async fn call(&self, id: &CallId) -> Result<Call, CmsError> {
        self.execute(ApiRequest::get(format!("{API}/calls/{id}")))
            .await?
            .decode()
    }

    pub async fn delete_call(&self, id: &CallId) -> Result<(), CmsError> {
        self.execute(ApiRequest::delete(format!("{API}/calls/{id}")))
            .await
            .map(drop)
    }
}
