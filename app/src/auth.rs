//! Signing in and out, and the one helper every server function uses to learn who is asking.

use crate::error::AppError;
use domain::UserSummary;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub use server::{context, require, resolve_session};

/// The signed-in user, or `None`.
#[server(endpoint = "whoami", output = crate::codec::Json)]
pub async fn whoami() -> Result<Option<UserSummary>, AppError> {
    server::current_user().await
}

#[server(endpoint = "login", output = crate::codec::Json)]
pub async fn login(
    username: String,
    password: domain::Redacted,
    next: Option<String>,
) -> Result<(), AppError> {
    use axum::extract::ConnectInfo;
    use std::net::SocketAddr;

    let ctx = server::context()?;
    let ConnectInfo(client) = leptos_axum::extract::<ConnectInfo<SocketAddr>>()
        .await
        .map_err(|e| AppError::internal("client address unavailable", e))?;
    // Behind a trusted reverse proxy (`--trusted-proxy`), the address the proxy saw.
    let forwarded_for = leptos::prelude::use_context::<http::request::Parts>().and_then(|parts| {
        parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    });
    let client = ctx
        .users
        .client_address(client.ip(), forwarded_for.as_deref());
    let signed_in = ctx
        .users
        .authenticate(&username, password.into_inner(), client)
        .await
        .map_err(|e| match e {
            domain::users::LoginError::Internal(cause) => {
                AppError::internal("sign-in failed", cause)
            }
            refused => {
                tracing::info!(%client, "sign-in refused: {refused}");
                AppError::Refused(refused.to_string()).with_status()
            }
        })?;
    server::start_session(&signed_in, &ctx.users).await?;
    tracing::info!(user = %signed_in.user.username, "signed in");
    leptos_axum::redirect(&safe_next(next.as_deref()));
    Ok(())
}

#[server(endpoint = "logout", output = crate::codec::Json)]
pub async fn logout() -> Result<(), AppError> {
    server::end_session().await?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// Only same-origin paths are followed after sign-in (the rule: `domain::next_path`).
pub use domain::next_path::safe_next;

#[cfg(feature = "ssr")]
mod server {
    use super::AppError;
    use crate::context::AppContext;
    use domain::users::{SignedIn, UserService};
    use domain::{Permission, UserId, UserSummary};
    use leptos::prelude::use_context;
    use tower_sessions::Session;

    const USER_ID: &str = "user_id";
    const EPOCH: &str = "session_epoch";
    /// Unix seconds: when the session was signed in, and when it was last used.
    const SIGNED_IN_AT: &str = "signed_in_at";
    const LAST_SEEN: &str = "last_seen";

    pub fn context() -> Result<AppContext, AppError> {
        use_context::<AppContext>()
            .ok_or_else(|| AppError::internal("server context", "AppContext is not provided"))
    }

    async fn session() -> Result<Session, AppError> {
        leptos_axum::extract::<Session>()
            .await
            .map_err(|e| AppError::internal("session layer missing", e))
    }

    /// The user a session belongs to, if it still does: a disabled user, a reset password, an
    /// idle or too old session (`domain::session`) all end it here (and the stale session is
    /// flushed). Every authenticated request renews the idle timeout.
    pub async fn resolve_session(
        session: &Session,
        users: &UserService,
    ) -> Result<Option<UserSummary>, AppError> {
        use domain::session::Verdict;
        let read = async {
            let id = session.get::<i64>(USER_ID).await?;
            let epoch = session.get::<i64>(EPOCH).await?;
            let signed_in_at = session.get::<i64>(SIGNED_IN_AT).await?;
            let last_seen = session.get::<i64>(LAST_SEEN).await?;
            Ok::<_, tower_sessions::session::Error>((id.zip(epoch), signed_in_at.zip(last_seen)))
        };
        let (who, times) = read
            .await
            .map_err(|e| AppError::internal("reading the session", e))?;
        let Some((id, epoch)) = who else {
            return Ok(None);
        };
        let now = users.clock().now().unix_timestamp();
        let verdict = times.map_or(Verdict::Expired, |(signed_in_at, last_seen)| {
            users.session_policy().judge(signed_in_at, last_seen, now)
        });
        let user = match verdict {
            Verdict::Expired => None,
            Verdict::Active { renew } => {
                if renew {
                    session
                        .insert(LAST_SEEN, now)
                        .await
                        .map_err(|e| AppError::internal("renewing the session", e))?;
                }
                users
                    .session_user(UserId(id), epoch)
                    .await
                    .map_err(|e| AppError::internal("loading the session's user", e))?
            }
        };
        if user.is_none() {
            session
                .flush()
                .await
                .map_err(|e| AppError::internal("ending a stale session", e))?;
        }
        Ok(user)
    }

    pub async fn current_user() -> Result<Option<UserSummary>, AppError> {
        resolve_session(&session().await?, &context()?.users).await
    }

    /// The signed-in user if their role grants `permission`; otherwise 401 or 403. Every server
    /// function that reads or changes anything starts here.
    pub async fn require(permission: Permission) -> Result<UserSummary, AppError> {
        match current_user().await? {
            None => Err(AppError::Unauthenticated.with_status()),
            Some(user) if user.role.can(permission) => Ok(user),
            Some(user) => {
                tracing::warn!(user = %user.username, ?permission, "permission denied");
                Err(AppError::Forbidden.with_status())
            }
        }
    }

    /// Binds the session to the user under a fresh id (no session fixation).
    pub async fn start_session(signed_in: &SignedIn, users: &UserService) -> Result<(), AppError> {
        let session = session().await?;
        let now = users.clock().now().unix_timestamp();
        let write = async {
            session.cycle_id().await?;
            session.insert(USER_ID, signed_in.user.id.0).await?;
            session.insert(EPOCH, signed_in.session_epoch).await?;
            session.insert(SIGNED_IN_AT, now).await?;
            session.insert(LAST_SEEN, now).await
        };
        write
            .await
            .map_err(|e| AppError::internal("starting a session", e))
    }

    pub async fn end_session() -> Result<(), AppError> {
        session()
            .await?
            .flush()
            .await
            .map_err(|e| AppError::internal("ending a session", e))
    }
}
