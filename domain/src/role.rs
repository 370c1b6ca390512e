//! Roles and what each may do: the one place where permissions are decided.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    Admin,
    Scheduler,
    HelpDesk,
}

/// An action that is allowed or refused on the server. Pages and navigation ask the same question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    /// The booking calendar and conference list.
    ViewBookings,
    /// Create, edit, extend, end and cancel conferences.
    Book,
    /// Systems and their status, read only.
    ViewSystems,
    /// Add, edit and remove systems, extended settings.
    ManageSystems,
    /// Monitoring: the Ticketing Service and live conferences.
    Monitor,
    /// Users and global settings (Administrative Tools).
    Administer,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Scheduler, Role::HelpDesk];

    pub fn can(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Admin => true,
            Role::Scheduler => matches!(permission, ViewBookings | Book | ViewSystems),
            Role::HelpDesk => matches!(permission, ViewBookings | ViewSystems | Monitor),
        }
    }

    /// The stable name used in the database, on the command line and in forms.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Scheduler => "scheduler",
            Role::HelpDesk => "helpdesk",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::Scheduler => "Scheduler",
            Role::HelpDesk => "Help desk",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}`: expected admin, scheduler or helpdesk")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "admin" | "administrator" => Ok(Role::Admin),
            "scheduler" => Ok(Role::Scheduler),
            "helpdesk" | "help-desk" | "help_desk" => Ok(Role::HelpDesk),
            _ => Err(UnknownRole(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_can_everything_others_are_limited() {
        assert!(Role::Admin.can(Permission::Administer));
        assert!(Role::Scheduler.can(Permission::Book));
        assert!(!Role::Scheduler.can(Permission::Administer));
        assert!(!Role::Scheduler.can(Permission::Monitor));
        assert!(!Role::HelpDesk.can(Permission::Book));
        assert!(Role::HelpDesk.can(Permission::Monitor));
        assert!(!Role::HelpDesk.can(Permission::ManageSystems));
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("root".parse::<Role>().is_err());
    }
}
