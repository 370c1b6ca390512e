//! The user service: sign-in, and the administration of users. Every rule about users lives here.

use crate::login_throttle::LoginThrottle;
use crate::password::{self, NewPassword, PasswordPolicy};
use crate::session::{Clock, SessionPolicy};
use crate::store::{Guarded, Store, StoreError};
use crate::{FieldErrors, Role, UserId, UserSummary, Username};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Wrong user name, wrong password or disabled account: deliberately indistinguishable.
    #[error("Invalid user name or password.")]
    InvalidCredentials,
    #[error("Too many failed sign-in attempts. Try again in {} minute(s).", .0.as_secs().div_ceil(60).max(1))]
    Throttled(Duration),
    /// No password check could start soon: many sign-ins at once.
    #[error("The server is busy with other sign-ins. Try again in a moment.")]
    Busy,
    #[error("{0}")]
    Internal(String),
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("{0}")]
    Invalid(FieldErrors),
    #[error("no such user")]
    NotFound,
    #[error("{0}")]
    Internal(String),
}

impl From<StoreError> for UserError {
    fn from(e: StoreError) -> Self {
        UserError::Internal(e.to_string())
    }
}

impl From<password::HashError> for UserError {
    fn from(e: password::HashError) -> Self {
        UserError::Internal(e.to_string())
    }
}

/// Who a session belongs to, as long as the session's epoch is still the user's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub user: UserSummary,
    pub session_epoch: i64,
}

pub struct UserService {
    store: Arc<dyn Store>,
    policy: PasswordPolicy,
    throttle: LoginThrottle,
    sessions: SessionPolicy,
    clock: Clock,
}

impl UserService {
    pub fn new(store: Arc<dyn Store>, policy: PasswordPolicy, throttle: LoginThrottle) -> Self {
        Self {
            store,
            policy,
            throttle,
            sessions: SessionPolicy::default(),
            clock: Clock::default(),
        }
    }

    /// How long sessions last, judged by `clock`.
    pub fn with_sessions(self, sessions: SessionPolicy, clock: Clock) -> Self {
        Self {
            sessions,
            clock,
            ..self
        }
    }

    pub fn session_policy(&self) -> SessionPolicy {
        self.sessions
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The address a sign-in from `peer` is counted against (see
    /// [`LoginThrottle::client_address`]).
    pub fn client_address(&self, peer: IpAddr, forwarded_for: Option<&str>) -> IpAddr {
        self.throttle.client_address(peer, forwarded_for)
    }

    pub fn password_policy(&self) -> PasswordPolicy {
        self.policy
    }

    /// Checks a sign-in. A wrong user name and a wrong password cost the same argon2 work and give
    /// the same error. The attempt is counted (against the user name from this address, the user
    /// name and the address) before the password is checked, so parallel attempts cannot exceed
    /// the limits; at most a few checks run at once.
    pub async fn authenticate(
        &self,
        username: &str,
        password: String,
        client: IpAddr,
    ) -> Result<SignedIn, LoginError> {
        let key = username.trim().to_lowercase();
        let attempt = self
            .throttle
            .reserve(&key, client, Instant::now())
            .map_err(LoginError::Throttled)?;
        let record = match Username::parse(username) {
            Ok(name) => self
                .store
                .user_by_name(&name)
                .await
                .map_err(|e| LoginError::Internal(e.to_string()))?,
            Err(_) => None,
        };
        let usable = record.filter(|r| !r.summary.disabled);
        let check = password::verify(password, usable.as_ref().map(|r| r.password_hash.clone()));
        let matches = match self.throttle.hashing().run(check, false).await {
            Ok(checked) => checked.map_err(|e| LoginError::Internal(e.to_string()))?,
            Err(_busy) => {
                self.throttle.not_evaluated(attempt);
                return Err(LoginError::Busy);
            }
        };
        match usable {
            Some(record) if matches => {
                self.throttle.succeeded(attempt);
                Ok(SignedIn {
                    user: record.summary,
                    session_epoch: record.session_epoch,
                })
            }
            _ => Err(LoginError::InvalidCredentials),
        }
    }

    /// Hashes a new password within the cap on hashing at once (waiting for a slot).
    async fn hash(
        &self,
        password: &NewPassword,
    ) -> Result<password::PasswordHashString, UserError> {
        let password = password.clone();
        let hashed = self
            .throttle
            .hashing()
            .run(async move { password::hash(&password).await }, true)
            .await
            .map_err(|busy| UserError::Internal(busy.to_string()))?;
        Ok(hashed?)
    }

    /// The user behind a session, or `None` when the user is gone, disabled, or the session
    /// predates a password reset.
    pub async fn session_user(
        &self,
        id: UserId,
        epoch: i64,
    ) -> Result<Option<UserSummary>, StoreError> {
        Ok(self
            .store
            .user_by_id(id)
            .await?
            .filter(|r| !r.summary.disabled && r.session_epoch == epoch)
            .map(|r| r.summary))
    }

    pub async fn list(&self) -> Result<Vec<UserSummary>, StoreError> {
        self.store.list_users().await
    }

    /// Creates a user; every field's problem is reported at once and nothing is saved on error.
    pub async fn create(
        &self,
        username: &str,
        role: &str,
        password: String,
    ) -> Result<UserId, UserError> {
        let mut errors = FieldErrors::default();
        let username = errors.check("username", Username::parse(username));
        let role = errors.check("role", role.parse::<Role>());
        let password = errors.check("password", NewPassword::parse(password, &self.policy));
        let (Some(username), Some(role), Some(password)) = (username, role, password) else {
            return Err(UserError::Invalid(errors));
        };
        let hash = self.hash(&password).await?;
        match self.store.insert_user(&username, role, &hash).await {
            Ok(id) => Ok(id),
            Err(StoreError::Conflict { .. }) => Err(UserError::Invalid(FieldErrors::single(
                "username",
                format!("`{username}` is already taken"),
            ))),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn set_role(&self, actor: UserId, id: UserId, role: &str) -> Result<(), UserError> {
        let role = role
            .parse::<Role>()
            .map_err(|e| UserError::Invalid(FieldErrors::single("role", e.to_string())))?;
        if actor == id && role != Role::Admin {
            return Err(UserError::Invalid(FieldErrors::single(
                "role",
                "you cannot remove your own administrator role",
            )));
        }
        guarded(self.store.set_role(id, role).await?, "role")
    }

    pub async fn set_disabled(
        &self,
        actor: UserId,
        id: UserId,
        disabled: bool,
    ) -> Result<(), UserError> {
        if actor == id && disabled {
            return Err(UserError::Invalid(FieldErrors::single(
                "disabled",
                "you cannot disable your own account",
            )));
        }
        guarded(self.store.set_disabled(id, disabled).await?, "disabled")
    }

    /// Sets a new password and ends the user's sessions.
    pub async fn reset_password(&self, id: UserId, password: String) -> Result<(), UserError> {
        let password = NewPassword::parse(password, &self.policy)
            .map_err(|e| UserError::Invalid(FieldErrors::single("password", e.to_string())))?;
        let hash = self.hash(&password).await?;
        if self.store.set_password(id, &hash).await? {
            Ok(())
        } else {
            Err(UserError::NotFound)
        }
    }
}

fn guarded(outcome: Guarded, field: &str) -> Result<(), UserError> {
    match outcome {
        Guarded::Done => Ok(()),
        Guarded::NotFound => Err(UserError::NotFound),
        Guarded::WouldRemoveLastAdmin => Err(UserError::Invalid(FieldErrors::single(
            field,
            "at least one active administrator must remain",
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::login_throttle::ThrottlePolicy;
    use crate::store::SqliteStore;

    async fn service(dir: &tempfile::TempDir) -> UserService {
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let store = SqliteStore::open(&url).await.unwrap();
        UserService::new(
            Arc::new(store),
            PasswordPolicy::default(),
            LoginThrottle::new(ThrottlePolicy::default()),
        )
    }

    const GOOD: &str = "a long enough password";

    fn ip() -> IpAddr {
        "127.0.0.1".parse().unwrap()
    }

    #[tokio::test]
    async fn create_reports_every_field_and_saves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let users = service(&dir).await;
        let Err(UserError::Invalid(errors)) = users.create("x", "root", "short".into()).await
        else {
            panic!("expected validation errors");
        };
        assert!(errors.for_field("username").is_some());
        assert!(errors.for_field("role").is_some());
        assert_eq!(
            errors.for_field("password"),
            Some("must be at least 12 characters long")
        );
        assert!(users.list().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn duplicate_usernames_are_refused_case_insensitively() {
        let dir = tempfile::tempdir().unwrap();
        let users = service(&dir).await;
        users
            .create("alice", "scheduler", GOOD.into())
            .await
            .unwrap();
        let Err(UserError::Invalid(errors)) = users.create("ALICE", "helpdesk", GOOD.into()).await
        else {
            panic!("expected a conflict");
        };
        assert_eq!(
            errors.for_field("username"),
            Some("`alice` is already taken")
        );
    }

    #[tokio::test]
    async fn authenticate_accepts_the_right_password_only() {
        let dir = tempfile::tempdir().unwrap();
        let users = service(&dir).await;
        users
            .create("alice", "scheduler", GOOD.into())
            .await
            .unwrap();
        let signed_in = users
            .authenticate("Alice", GOOD.into(), ip())
            .await
            .unwrap();
        assert_eq!(signed_in.user.role, Role::Scheduler);
        assert!(matches!(
            users
                .authenticate("alice", "wrong password!".into(), ip())
                .await,
            Err(LoginError::InvalidCredentials)
        ));
        assert!(matches!(
            users.authenticate("nobody", GOOD.into(), ip()).await,
            Err(LoginError::InvalidCredentials)
        ));
    }

    #[tokio::test]
    async fn the_last_admin_cannot_be_demoted_or_disabled() {
        let dir = tempfile::tempdir().unwrap();
        let users = service(&dir).await;
        let root = users.create("root", "admin", GOOD.into()).await.unwrap();
        let other = users.create("other", "admin", GOOD.into()).await.unwrap();
        // `other` demotes `root`: fine, `other` remains.
        users.set_role(other, root, "scheduler").await.unwrap();
        // now `other` is the last admin: `root` (no longer admin, but say it were the actor) cannot
        // disable or demote it.
        assert!(matches!(
            users.set_disabled(root, other, true).await,
            Err(UserError::Invalid(_))
        ));
        assert!(matches!(
            users.set_role(root, other, "helpdesk").await,
            Err(UserError::Invalid(_))
        ));
        assert!(matches!(
            users.set_role(other, UserId(999), "helpdesk").await,
            Err(UserError::NotFound)
        ));
    }

    #[tokio::test]
    async fn disabling_or_resetting_ends_sessions() {
        let dir = tempfile::tempdir().unwrap();
        let users = service(&dir).await;
        let admin = users.create("root", "admin", GOOD.into()).await.unwrap();
        let bob = users.create("bob", "helpdesk", GOOD.into()).await.unwrap();
        let session = users.authenticate("bob", GOOD.into(), ip()).await.unwrap();
        assert!(
            users
                .session_user(bob, session.session_epoch)
                .await
                .unwrap()
                .is_some()
        );

        users
            .reset_password(bob, "another long password".into())
            .await
            .unwrap();
        assert!(
            users
                .session_user(bob, session.session_epoch)
                .await
                .unwrap()
                .is_none()
        );

        let session = users
            .authenticate("bob", "another long password".into(), ip())
            .await
            .unwrap();
        users.set_disabled(admin, bob, true).await.unwrap();
        assert!(
            users
                .session_user(bob, session.session_epoch)
                .await
                .unwrap()
                .is_none()
        );
        assert!(matches!(
            users
                .authenticate("bob", "another long password".into(), ip())
                .await,
            Err(LoginError::InvalidCredentials)
        ));
    }
}
