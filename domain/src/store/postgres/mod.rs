//! The PostgreSQL store: several portal nodes share one database. Migrations (embedded) run at
//! start; sqlx takes an advisory lock for them, so nodes starting together do not race.
//!
//! Writes that must decide on what they read (the last-admin guard, folder moves, bookings) take
//! a transaction-scoped advisory lock first ([`Lock`]), PostgreSQL's counterpart of SQLite's
//! `BEGIN IMMEDIATE`: racing writers of the same kind run one after the other.
//!
//! Why a lock and not SERIALIZABLE with retries (measured with `--bench bookings`, 2 shared
//! cores, 400 bookings): under the lock no write fails, ~600–800 bookings/s with 1 or 8
//! clients; SERIALIZABLE without the lock refused 265 of 400 bookings with 8 clients
//! (serialization failures), each to be retried from the first read, and the rules in `domain`
//! run inside the transaction, so a retry loop would have to wrap them outside the store.

mod access;
mod audit;
mod bookings;
mod folders;
mod lease;
mod monitoring;
mod progress;
mod systems;
mod wake;

use super::{Context, Guarded, Store, StoreError, UserRecord, UserStore};
use crate::password::PasswordHashString;
use crate::{Role, UserId, UserSummary, Username};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{PgConnection, Postgres, Row, Transaction};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://…`) and runs the migrations.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url).context("invalid PostgreSQL database URL")?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .context("cannot connect to the PostgreSQL database")?;
        sqlx::migrate!("../migrations/postgres").run(&pool).await?;
        Ok(Self { pool })
    }

    /// The pool, for what lives beside the store in the same database (the session table).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// A transaction holding `lock` from its first statement until it ends.
    async fn locked(&self, lock: Lock) -> Result<Transaction<'static, Postgres>, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(lock as i64)
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }
}

/// The advisory locks of the writes that decide on what they read (keys are arbitrary, distinct).
#[derive(Debug, Clone, Copy)]
#[repr(i64)]
enum Lock {
    /// Role and disabled changes (the last-admin guard).
    Admins = 0x4b42_0001,
    /// The folder tree (no cycles).
    Folders = 0x4b42_0002,
    /// What is booked (capacity, participants), as SQLite's write lock.
    Bookings = 0x4b42_0003,
    /// Automatic tickets (one live ticket of a kind per system).
    Tickets = 0x4b42_0004,
}

// The one time encoding, shared with SQLite's store.
use super::millis::{from_ms, ms, now_ms, rfc3339 as text_of_ms};

/// An RFC 3339 instant handed over by the port, as stored.
fn ms_of_text(text: &str) -> Result<i64, StoreError> {
    super::millis::ms_of_rfc3339(text).ok_or_else(|| StoreError::corrupt("instant", text))
}

fn user_from_row(row: &PgRow) -> Result<UserRecord, StoreError> {
    let role: String = row.try_get("role")?;
    Ok(UserRecord {
        summary: UserSummary {
            id: UserId(row.try_get("id")?),
            username: row.try_get("username")?,
            role: role.parse().map_err(|_: crate::role::UnknownRole| {
                StoreError::corrupt("role", role.as_str())
            })?,
            disabled: row.try_get("disabled")?,
        },
        password_hash: PasswordHashString(row.try_get("password_hash")?),
        session_epoch: row.try_get("session_epoch")?,
    })
}

const USER_COLUMNS: &str = "id, username, role, password_hash, disabled, session_epoch";

/// Whether another active administrator than `id` remains, read under [`Lock::Admins`].
async fn another_admin_remains(conn: &mut PgConnection, id: UserId) -> Result<bool, StoreError> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND NOT disabled AND id <> $1)",
    )
    .bind(id.0)
    .fetch_one(conn)
    .await
    .map_err(StoreError::from)
}

impl PgStore {
    /// Runs `update` (binding `$1` = id) unless it would leave no active administrator: the
    /// user's state and the others' are read under [`Lock::Admins`], so two racing changes
    /// cannot both remove "the other" last admin.
    async fn guarded_update(
        &self,
        id: UserId,
        removes_admin: bool,
        update: sqlx::query::Query<'_, Postgres, sqlx::postgres::PgArguments>,
    ) -> Result<Guarded, StoreError> {
        let mut tx = self.locked(Lock::Admins).await?;
        let current: Option<(String, bool)> =
            sqlx::query_as("SELECT role, disabled FROM users WHERE id = $1")
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((role, disabled)) = current else {
            return Ok(Guarded::NotFound);
        };
        let active_admin = role == Role::Admin.as_str() && !disabled;
        if removes_admin && active_admin && !another_admin_remains(&mut tx, id).await? {
            return Ok(Guarded::WouldRemoveLastAdmin);
        }
        update.execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(Guarded::Done)
    }
}

#[async_trait::async_trait]
impl Store for PgStore {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(StoreError::from)
    }
}

#[async_trait::async_trait]
impl UserStore for PgStore {
    async fn insert_user(
        &self,
        username: &Username,
        role: Role,
        hash: &PasswordHashString,
    ) -> Result<UserId, StoreError> {
        let result = sqlx::query_scalar(
            "INSERT INTO users (username, role, password_hash) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(username.as_str())
        .bind(role.as_str())
        .bind(&hash.0)
        .fetch_one(&self.pool)
        .await;
        match result {
            Ok(id) => Ok(UserId(id)),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(StoreError::Conflict {
                what: format!("user name `{username}`"),
            }),
            Err(e) => Err(e.into()),
        }
    }

    async fn user_by_name(&self, username: &Username) -> Result<Option<UserRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE username = $1"
        ))
        .bind(username.as_str())
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(user_from_row)
        .transpose()
    }

    async fn user_by_id(&self, id: UserId) -> Result<Option<UserRecord>, StoreError> {
        sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(user_from_row)
            .transpose()
    }

    async fn list_users(&self) -> Result<Vec<UserSummary>, StoreError> {
        // Byte order, as SQLite's (the cluster is created without a locale, this makes sure).
        sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY username COLLATE \"C\""
        ))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| user_from_row(row).map(|u| u.summary))
        .collect()
    }

    async fn set_role(&self, id: UserId, role: Role) -> Result<Guarded, StoreError> {
        let update = sqlx::query("UPDATE users SET role = $2 WHERE id = $1")
            .bind(id.0)
            .bind(role.as_str());
        self.guarded_update(id, role != Role::Admin, update).await
    }

    async fn set_disabled(&self, id: UserId, disabled: bool) -> Result<Guarded, StoreError> {
        let update = sqlx::query(
            "UPDATE users SET disabled = $2, session_epoch = session_epoch + 1 WHERE id = $1",
        )
        .bind(id.0)
        .bind(disabled);
        self.guarded_update(id, disabled, update).await
    }

    async fn set_password(
        &self,
        id: UserId,
        hash: &PasswordHashString,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE users SET password_hash = $1, session_epoch = session_epoch + 1 WHERE id = $2",
        )
        .bind(&hash.0)
        .bind(id.0)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
