//! The portal's areas, who may enter each, and where they live: used by the top navigation and by
//! the server's page guard, so the two never disagree.

use domain::{Permission, Role};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Area {
    pub label: &'static str,
    pub path: &'static str,
    pub permission: Permission,
}

/// TMS's top-level menus, in TMS's order.
pub const AREAS: [Area; 4] = [
    Area {
        label: "Booking",
        path: "/booking",
        permission: Permission::ViewBookings,
    },
    Area {
        label: "Monitoring",
        path: "/monitoring",
        permission: Permission::Monitor,
    },
    Area {
        label: "Systems",
        path: "/systems",
        permission: Permission::ViewSystems,
    },
    Area {
        label: "Administrative Tools",
        path: "/admin",
        permission: Permission::Administer,
    },
];

/// The areas a role sees in the navigation.
pub fn areas_for(role: Role) -> impl Iterator<Item = &'static Area> {
    AREAS.iter().filter(move |a| role.can(a.permission))
}

/// Pages inside an area that need more than the area does.
const STRICTER_PAGES: [(&str, Permission); 1] = [("/systems/add", Permission::ManageSystems)];

/// The permission a page path needs, if any beyond being signed in.
pub fn permission_for_path(path: &str) -> Option<Permission> {
    if let Some((_, permission)) = STRICTER_PAGES.iter().find(|(page, _)| *page == path) {
        return Some(*permission);
    }
    AREAS
        .iter()
        .find(|a| path == a.path || path.starts_with(&format!("{}/", a.path)))
        .map(|a| a.permission)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_sees_its_areas() {
        let labels = |role| areas_for(role).map(|a| a.label).collect::<Vec<_>>();
        assert_eq!(
            labels(Role::Admin),
            ["Booking", "Monitoring", "Systems", "Administrative Tools"]
        );
        assert_eq!(labels(Role::Scheduler), ["Booking", "Systems"]);
        assert_eq!(labels(Role::HelpDesk), ["Booking", "Monitoring", "Systems"]);
    }

    #[test]
    fn paths_map_to_their_area() {
        assert_eq!(
            permission_for_path("/admin/users"),
            Some(Permission::Administer)
        );
        assert_eq!(permission_for_path("/administrator"), None);
        assert_eq!(
            permission_for_path("/booking"),
            Some(Permission::ViewBookings)
        );
        assert_eq!(permission_for_path("/"), None);
        assert_eq!(
            permission_for_path("/systems/7"),
            Some(Permission::ViewSystems)
        );
        assert_eq!(
            permission_for_path("/systems/add"),
            Some(Permission::ManageSystems)
        );
    }
}
