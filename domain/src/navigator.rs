//! The Navigator: folders of systems, and the list of a folder's systems (search, sort, pages).

use crate::system::{SystemId, SystemSummary};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FolderId(pub i64);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Folder {
    pub id: FolderId,
    /// `None`: at the top of the Navigator.
    pub parent: Option<FolderId>,
    pub name: String,
}

/// Columns the system list sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortColumn {
    Address,
    Name,
    Type,
    Description,
    Status,
    Tickets,
}

impl SortColumn {
    pub const ALL: [SortColumn; 6] = [
        SortColumn::Address,
        SortColumn::Name,
        SortColumn::Type,
        SortColumn::Description,
        SortColumn::Status,
        SortColumn::Tickets,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SortColumn::Address => "address",
            SortColumn::Name => "name",
            SortColumn::Type => "type",
            SortColumn::Description => "description",
            SortColumn::Status => "status",
            SortColumn::Tickets => "tickets",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// What the system list shows: one folder (or the top, or everything when searching), filtered,
/// sorted and paged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListQuery {
    pub folder: Option<FolderId>,
    /// Matches address, name and description, case-insensitively, across all folders.
    pub search: String,
    pub sort: SortColumn,
    pub descending: bool,
    /// 1-based.
    pub page: u32,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self {
            folder: None,
            search: String::new(),
            sort: SortColumn::Name,
            descending: false,
            page: 1,
        }
    }
}

pub const PAGE_SIZE: usize = 25;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemPage {
    pub systems: Vec<SystemSummary>,
    pub total: usize,
    pub page: u32,
    pub pages: u32,
}

/// Applies a list query to every system and the folder each is in: the one place the
/// Navigator's filtering, sorting and paging rules live.
pub fn select(
    systems: Vec<SystemSummary>,
    folder_of: impl Fn(SystemId) -> Option<FolderId>,
    query: &ListQuery,
) -> SystemPage {
    let needle = query.search.trim().to_lowercase();
    let mut chosen: Vec<SystemSummary> = systems
        .into_iter()
        .filter(|s| {
            if needle.is_empty() {
                folder_of(s.id) == query.folder
            } else {
                [&s.address, &s.name, &s.description]
                    .iter()
                    .any(|field| field.to_lowercase().contains(&needle))
            }
        })
        .collect();
    chosen.sort_by(|a, b| {
        let order = match query.sort {
            SortColumn::Address => a.address.cmp(&b.address),
            SortColumn::Name => a
                .display_name()
                .to_lowercase()
                .cmp(&b.display_name().to_lowercase()),
            SortColumn::Type => a.system_type.cmp(&b.system_type),
            SortColumn::Description => a.description.cmp(&b.description),
            SortColumn::Status => a.connectivity.as_str().cmp(b.connectivity.as_str()),
            SortColumn::Tickets => a.open_tickets.cmp(&b.open_tickets),
        }
        .then_with(|| a.id.0.cmp(&b.id.0));
        if query.descending {
            order.reverse()
        } else {
            order
        }
    });
    let total = chosen.len();
    let pages = total.div_ceil(PAGE_SIZE).max(1) as u32;
    let page = query.page.clamp(1, pages);
    let systems = chosen
        .into_iter()
        .skip((page as usize - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .collect();
    SystemPage {
        systems,
        total,
        page,
        pages,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::system::{Connectivity, SYSTEM_TYPE};

    fn system(id: i64, name: &str, tickets: u32) -> SystemSummary {
        SystemSummary {
            id: SystemId(id),
            address: format!("https://10.0.0.{id}:443"),
            name: name.to_string(),
            description: String::new(),
            system_type: SYSTEM_TYPE.to_string(),
            software_version: None,
            connectivity: Connectivity::Reachable,
            open_tickets: tickets,
        }
    }

    #[test]
    fn folders_search_sort_and_pages() {
        let systems: Vec<_> = (1..=30)
            .map(|i| system(i, &format!("cms{i:02}"), (i % 3) as u32))
            .collect();
        let in_folder = |id: SystemId| (id.0 > 20).then_some(FolderId(7));

        let top = select(systems.clone(), in_folder, &ListQuery::default());
        assert_eq!((top.total, top.pages, top.systems.len()), (20, 1, 20));
        assert_eq!(top.systems[0].name, "cms01");

        let folder = ListQuery {
            folder: Some(FolderId(7)),
            descending: true,
            ..ListQuery::default()
        };
        let page = select(systems.clone(), in_folder, &folder);
        assert_eq!(page.total, 10);
        assert_eq!(page.systems[0].name, "cms30");

        let search = ListQuery {
            search: "CMS2".into(),
            ..ListQuery::default()
        };
        let found = select(systems.clone(), in_folder, &search);
        assert_eq!(found.total, 10, "search crosses folders: cms20..cms29");

        let everything = |_: SystemId| None;
        let second = select(
            systems,
            everything,
            &ListQuery {
                sort: SortColumn::Tickets,
                page: 2,
                ..ListQuery::default()
            },
        );
        assert_eq!((second.page, second.pages, second.systems.len()), (2, 2, 5));
        assert!(second.systems.iter().all(|s| s.open_tickets == 2));
    }
}
