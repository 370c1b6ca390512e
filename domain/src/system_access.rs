//! Per-system permissions (the system page's Permissions tab): who may book on a system and which
//! administrators may edit its settings. The one place where that is decided; the booking service
//! and every server function that changes a system ask here.
//!
//! A system without a list keeps the role rules: administrators edit and book everywhere,
//! schedulers book everywhere. An administrator may restrict booking to listed users and editing
//! to listed administrators. Administrators always book and always change a system's permissions,
//! so nobody can lock everyone out of a system.

use crate::{Permission, Role, UserId};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Who a rule admits: everyone the role allows, or only the listed users.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    #[default]
    Everyone,
    Listed,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Everyone => "everyone",
            Scope::Listed => "listed",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        match text.trim() {
            "everyone" => Some(Scope::Everyone),
            "listed" => Some(Scope::Listed),
            _ => None,
        }
    }
}

/// A system's access list. The default (both scopes `Everyone`) is "the role rules apply".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessList {
    pub booking: Scope,
    pub editing: Scope,
    /// Who may book when booking is `Listed` (administrators always may).
    pub bookers: HashSet<UserId>,
    /// Which administrators may edit the settings when editing is `Listed`.
    pub editors: HashSet<UserId>,
}

impl AccessList {
    /// Whether `user` (with `role`) may book conferences on the system.
    pub fn may_book(&self, user: UserId, role: Role) -> bool {
        if !role.can(Permission::Book) {
            return false;
        }
        role.can(Permission::Administer)
            || self.booking == Scope::Everyone
            || self.bookers.contains(&user)
    }

    /// Whether `user` (with `role`) may change the system's settings, connection and extended
    /// settings. Changing the permissions themselves needs only [`Permission::ManageSystems`].
    pub fn may_edit(&self, user: UserId, role: Role) -> bool {
        role.can(Permission::ManageSystems)
            && (self.editing == Scope::Everyone || self.editors.contains(&user))
    }

    /// True when the list changes nothing (the role rules apply).
    pub fn is_open(&self) -> bool {
        self.booking == Scope::Everyone && self.editing == Scope::Everyone
    }
}

/// One user on the Permissions tab: the boxes ticked for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRow {
    pub id: UserId,
    pub username: String,
    pub role: Role,
    pub may_book: bool,
    pub may_edit: bool,
}

/// What the Permissions tab shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessView {
    pub booking: Scope,
    pub editing: Scope,
    /// Active users who may book or manage systems, by name.
    pub users: Vec<AccessRow>,
    /// Who last changed the list.
    pub changed_by: Option<String>,
}

#[cfg(feature = "ssr")]
pub use service::{AccessError, AccessInput, AccessRules, SystemAccessService};

#[cfg(feature = "ssr")]
mod service {
    use super::*;
    use crate::FieldErrors;
    use crate::store::{Store, StoreError};
    use crate::system::SystemId;
    use std::collections::HashMap;
    use std::sync::Arc;

    #[derive(Debug, thiserror::Error)]
    pub enum AccessError {
        #[error("{0}")]
        Invalid(FieldErrors),
        #[error("no such system")]
        NotFound,
        #[error("{0}")]
        Internal(String),
    }

    impl From<StoreError> for AccessError {
        fn from(e: StoreError) -> Self {
            AccessError::Internal(e.to_string())
        }
    }

    /// The Permissions form, as sent: the two scopes and the ticked users' ids.
    #[derive(Debug, Clone, Default)]
    pub struct AccessInput {
        pub booking: String,
        pub editing: String,
        pub bookers: Vec<String>,
        pub editors: Vec<String>,
    }

    /// Every restricted system's list at once, for choosing among many systems (automatic
    /// placement); systems without one follow the role rules.
    #[derive(Debug, Clone, Default)]
    pub struct AccessRules(pub HashMap<SystemId, AccessList>);

    impl AccessRules {
        pub fn may_book(&self, system: SystemId, user: UserId, role: Role) -> bool {
            match self.0.get(&system) {
                Some(list) => list.may_book(user, role),
                None => AccessList::default().may_book(user, role),
            }
        }
    }

    pub struct SystemAccessService {
        store: Arc<dyn Store>,
    }

    impl SystemAccessService {
        pub fn new(store: Arc<dyn Store>) -> Self {
            Self { store }
        }

        pub async fn may_book(
            &self,
            user: UserId,
            role: Role,
            system: SystemId,
        ) -> Result<bool, StoreError> {
            Ok(self.store.access_list(system).await?.may_book(user, role))
        }

        pub async fn may_edit(
            &self,
            user: UserId,
            role: Role,
            system: SystemId,
        ) -> Result<bool, StoreError> {
            Ok(self.store.access_list(system).await?.may_edit(user, role))
        }

        pub async fn rules(&self) -> Result<AccessRules, StoreError> {
            Ok(AccessRules(self.store.restricted_access_lists().await?))
        }

        /// The Permissions tab: the scopes and every active user who may book or manage.
        pub async fn view(&self, system: SystemId) -> Result<AccessView, AccessError> {
            if self.store.system(system).await?.is_none() {
                return Err(AccessError::NotFound);
            }
            let list = self.store.access_list(system).await?;
            let users = self
                .store
                .list_users()
                .await?
                .into_iter()
                .filter(|u| !u.disabled && u.role.can(Permission::Book))
                .map(|u| AccessRow {
                    may_book: list.bookers.contains(&u.id),
                    may_edit: list.editors.contains(&u.id),
                    id: u.id,
                    username: u.username,
                    role: u.role,
                })
                .collect();
            Ok(AccessView {
                booking: list.booking,
                editing: list.editing,
                users,
                changed_by: self.store.access_changed_by(system).await?,
            })
        }

        /// Saves the list. Bookers must be users who may book; editors must be administrators.
        /// Only [`Permission::ManageSystems`] is needed (checked by the caller), never a place on
        /// the edit list, so an administrator can always undo a restriction.
        pub async fn save(
            &self,
            system: SystemId,
            input: &AccessInput,
            by: &str,
        ) -> Result<(), AccessError> {
            let mut errors = FieldErrors::default();
            let booking = Scope::parse(&input.booking);
            if booking.is_none() {
                errors.add("booking", "choose who may book on the system");
            }
            let editing = Scope::parse(&input.editing);
            if editing.is_none() {
                errors.add("editing", "choose who may edit the system's settings");
            }
            let users: HashMap<UserId, Role> = self
                .store
                .list_users()
                .await?
                .into_iter()
                .filter(|u| !u.disabled)
                .map(|u| (u.id, u.role))
                .collect();
            let mut pick = |field: &str, ids: &[String], needs: Permission, what: &str| {
                let mut picked = HashSet::new();
                for id in ids {
                    match id.trim().parse::<i64>().map(UserId) {
                        Ok(id) if users.get(&id).is_some_and(|r| r.can(needs)) => {
                            picked.insert(id);
                        }
                        _ => errors.add(field, format!("`{id}` is not {what}")),
                    }
                }
                picked
            };
            let bookers = pick(
                "bookers",
                &input.bookers,
                Permission::Book,
                "a user who books",
            );
            let editors = pick(
                "editors",
                &input.editors,
                Permission::ManageSystems,
                "an administrator",
            );
            errors.into_result().map_err(AccessError::Invalid)?;
            let (Some(booking), Some(editing)) = (booking, editing) else {
                return Err(AccessError::Internal("checked above".into()));
            };
            let list = AccessList {
                booking,
                editing,
                bookers,
                editors,
            };
            if self.store.set_access_list(system, &list, by).await? {
                Ok(())
            } else {
                Err(AccessError::NotFound)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANN: UserId = UserId(1);
    const BOB: UserId = UserId(2);
    const SAM: UserId = UserId(3);
    const SUE: UserId = UserId(4);

    #[test]
    fn without_a_list_the_roles_decide() {
        let open = AccessList::default();
        assert!(open.is_open());
        assert!(open.may_book(SAM, Role::Scheduler));
        assert!(open.may_book(ANN, Role::Admin));
        assert!(!open.may_book(SUE, Role::HelpDesk));
        assert!(open.may_edit(ANN, Role::Admin));
        assert!(!open.may_edit(SAM, Role::Scheduler));
        assert!(!open.may_edit(SUE, Role::HelpDesk));
    }

    #[test]
    fn restricted_booking_admits_only_listed_users_and_administrators() {
        let list = AccessList {
            booking: Scope::Listed,
            bookers: [SAM, SUE].into(),
            ..AccessList::default()
        };
        assert!(list.may_book(SAM, Role::Scheduler));
        assert!(!list.may_book(UserId(9), Role::Scheduler));
        assert!(
            list.may_book(ANN, Role::Admin),
            "administrators always book"
        );
        assert!(
            !list.may_book(SUE, Role::HelpDesk),
            "the list never adds a role's rights"
        );
        assert!(list.may_edit(ANN, Role::Admin), "editing stays open");
    }

    #[test]
    fn restricted_editing_admits_only_listed_administrators() {
        let list = AccessList {
            editing: Scope::Listed,
            editors: [ANN, SAM].into(),
            ..AccessList::default()
        };
        assert!(list.may_edit(ANN, Role::Admin));
        assert!(!list.may_edit(BOB, Role::Admin));
        assert!(
            !list.may_edit(SAM, Role::Scheduler),
            "the list never adds a role's rights"
        );
        assert!(list.may_book(BOB, Role::Admin), "booking stays open");
        assert!(list.may_book(SAM, Role::Scheduler));
    }

    #[test]
    fn scopes_round_trip_through_their_names() {
        for scope in [Scope::Everyone, Scope::Listed] {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
        }
        assert_eq!(Scope::parse("some"), None);
    }
}
