//! Typed operations on the CMS API, one module per collection (methods on [`Connector`]).
//!
//! [`Connector`]: crate::Connector

pub mod bulk;
pub mod call_legs;
pub mod calls;
pub mod co_spaces;
pub mod participants;
pub mod profiles;
pub mod system;

/// The API root.
const API: &str = "/api/v1";

/// One page of a list: `offset` items skipped, at most `limit` (the server may cap lower),
/// `filter` a substring of the name (and for spaces of URI and call ID).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    pub filter: Option<String>,
    pub offset: u64,
    pub limit: Option<u32>,
}

impl ListQuery {
    pub(crate) fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if let Some(filter) = &self.filter {
            pairs.push(("filter", filter.clone()));
        }
        pairs.push(("offset", self.offset.to_string()));
        if let Some(limit) = self.limit {
            pairs.push(("limit", limit.to_string()));
        }
        pairs
    }
}

fn filter_pairs(filter: Option<&str>) -> Vec<(&'static str, String)> {
    filter
        .map(|filter| ("filter", filter.to_owned()))
        .into_iter()
        .collect()
}
