//! List GETs: `offset`, `limit`, `filter` and `coSpaceFilter`, and the per-collection page cap.

use crate::form::Params;
use crate::reply::Failure;
use uuid::Uuid;

/// The query of a list GET.
#[derive(Debug, Default)]
pub(crate) struct ListQuery {
    pub offset: usize,
    pub limit: Option<usize>,
    /// Lower-cased substring to match.
    pub filter: Option<String>,
    /// `calls?coSpaceFilter=<id>`: only that space's call.
    pub co_space: Option<Uuid>,
}

impl ListQuery {
    pub(crate) fn parse(params: &Params) -> Result<Self, Failure> {
        let offset = params.number("offset")?.unwrap_or(0);
        let limit = params.number("limit")?;
        let filter = params
            .get("filter")
            .filter(|f| !f.is_empty())
            .map(str::to_lowercase);
        let co_space = match params.get("coSpaceFilter") {
            None | Some("") => None,
            Some(id) => Some(Uuid::parse_str(id).map_err(|_| Failure::invalid("coSpaceFilter"))?),
        };
        Ok(ListQuery {
            offset: usize::try_from(offset).unwrap_or(usize::MAX),
            limit: limit.map(|l| usize::try_from(l).unwrap_or(usize::MAX)),
            filter,
            co_space,
        })
    }
}

/// One page of a collection: `total` counts every match, `items` holds at most
/// `min(limit, cap)` of them starting at `offset`.
pub(crate) struct Page<T> {
    pub total: usize,
    pub items: Vec<T>,
}

impl<T> Page<T> {
    pub(crate) fn of(matches: impl Iterator<Item = T>, query: &ListQuery, cap: usize) -> Self {
        let size = query.limit.map_or(cap, |limit| limit.min(cap));
        let mut total = 0;
        let mut items = Vec::with_capacity(size.min(64));
        for item in matches {
            if total >= query.offset && items.len() < size {
                items.push(item);
            }
            total += 1;
        }
        Page { total, items }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_capped_and_counts_every_match() {
        let numbers: Vec<u32> = (0..25).collect();
        let query = ListQuery {
            offset: 5,
            limit: Some(50),
            ..ListQuery::default()
        };
        let page = Page::of(numbers.iter(), &query, 10);
        assert_eq!(page.total, 25);
        assert_eq!(
            page.items,
            (5..15).collect::<Vec<_>>().iter().collect::<Vec<_>>()
        );
    }

    #[test]
    fn an_offset_past_the_end_gives_an_empty_page() {
        let numbers: Vec<u32> = (0..3).collect();
        let query = ListQuery {
            offset: 7,
            ..ListQuery::default()
        };
        let page = Page::of(numbers.iter(), &query, 10);
        assert_eq!(page.total, 3);
        assert!(page.items.is_empty());
    }
}
