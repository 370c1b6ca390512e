//! `/participants`: who is in which call.

use super::{API, ListQuery, filter_pairs};
use crate::client::Connector;
use crate::error::CmsError;
use crate::model::{Page, Participant};

impl Connector {
    pub async fn participants_page(
        &self,
        query: &ListQuery,
    ) -> Result<Page<Participant>, CmsError> {
        self.page(&format!("{API}/participants"), &query.pairs())
            .await
    }

    /// Every participant matching `filter`, all pages.
    pub async fn participants(&self, filter: Option<&str>) -> Result<Vec<Participant>, CmsError> {
        self.all(&format!("{API}/participants"), &filter_pairs(filter))
            .await
    }
}
