//! The SQLite store: one file, WAL mode, migrations embedded in the binary.

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
use sqlx::Row;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` and runs the migrations.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .context("invalid SQLite database URL")?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        // Password hashes, sessions and passcodes: readable by this user only. SQLite gives the
        // `-wal` and `-shm` files the database file's mode; files of older versions are fixed.
        let file = options.get_filename().to_path_buf();
        owner_only(&file)?;
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .context("cannot open the SQLite database")?;
        owner_only(&file)?;
        sqlx::migrate!("../migrations/sqlite").run(&pool).await?;
        Ok(Self { pool })
    }

    /// The pool, for what lives beside the store in the same file (the session table).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// Creates the database file (mode 0600) if it is missing and makes it, its `-wal` and its
/// `-shm` readable and writable by their owner only.
#[cfg(unix)]
fn owner_only(file: &std::path::Path) -> Result<(), StoreError> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let name = file.as_os_str();
    if name.is_empty() || name == ":memory:" {
        return Ok(());
    }
    let failed = |path: &std::path::Path, source: std::io::Error| StoreError::Protect {
        path: path.to_path_buf(),
        source,
    };
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(file)
        .map_err(|e| failed(file, e))?;
    for suffix in ["", "-wal", "-shm"] {
        let mut path = name.to_owned();
        path.push(suffix);
        let path = std::path::PathBuf::from(path);
        match std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(failed(&path, e)),
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn owner_only(_file: &std::path::Path) -> Result<(), StoreError> {
    Ok(())
}

fn user_from_row(row: &SqliteRow) -> Result<UserRecord, StoreError> {
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

/// True when, after `users.id` stops being an active administrator, another one remains. Part of
/// the same UPDATE statement, so two racing changes cannot both remove "the other" last admin.
const ANOTHER_ADMIN_REMAINS: &str = "(users.role <> 'admin' OR users.disabled = 1 OR EXISTS \
     (SELECT 1 FROM users o WHERE o.role = 'admin' AND o.disabled = 0 AND o.id <> users.id))";

impl SqliteStore {
    /// Tells "no such user" from "refused by the last-admin guard" after an UPDATE hit no row.
    async fn guarded(&self, id: UserId, rows_affected: u64) -> Result<Guarded, StoreError> {
        if rows_affected == 1 {
            return Ok(Guarded::Done);
        }
        Ok(match self.user_by_id(id).await? {
            None => Guarded::NotFound,
            Some(_) => Guarded::WouldRemoveLastAdmin,
        })
    }
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(StoreError::from)
    }
}

#[async_trait::async_trait]
impl UserStore for SqliteStore {
    async fn insert_user(
        &self,
        username: &Username,
        role: Role,
        hash: &PasswordHashString,
    ) -> Result<UserId, StoreError> {
        let result = sqlx::query_scalar(
            "INSERT INTO users (username, role, password_hash, created_ms) VALUES (?, ?, ?, ?) \
             RETURNING id",
        )
        .bind(username.as_str())
        .bind(role.as_str())
        .bind(&hash.0)
        .bind(crate::store::millis::now_ms())
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
            "SELECT {USER_COLUMNS} FROM users WHERE username = ?"
        ))
        .bind(username.as_str())
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(user_from_row)
        .transpose()
    }

    async fn user_by_id(&self, id: UserId) -> Result<Option<UserRecord>, StoreError> {
        sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?"))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(user_from_row)
            .transpose()
    }

    async fn list_users(&self) -> Result<Vec<UserSummary>, StoreError> {
        sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY username"
        ))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| user_from_row(row).map(|u| u.summary))
        .collect()
    }

    async fn set_role(&self, id: UserId, role: Role) -> Result<Guarded, StoreError> {
        let guard = if role == Role::Admin {
            "1"
        } else {
            ANOTHER_ADMIN_REMAINS
        };
        let done = sqlx::query(&format!(
            "UPDATE users SET role = ? WHERE id = ? AND {guard}"
        ))
        .bind(role.as_str())
        .bind(id.0)
        .execute(&self.pool)
        .await?;
        self.guarded(id, done.rows_affected()).await
    }

    async fn set_disabled(&self, id: UserId, disabled: bool) -> Result<Guarded, StoreError> {
        let guard = if disabled { ANOTHER_ADMIN_REMAINS } else { "1" };
        let done = sqlx::query(&format!(
            "UPDATE users SET disabled = ?, session_epoch = session_epoch + 1 WHERE id = ? AND {guard}"
        ))
        .bind(disabled)
        .bind(id.0)
        .execute(&self.pool)
        .await
        ?;
        self.guarded(id, done.rows_affected()).await
    }

    async fn set_password(
        &self,
        id: UserId,
        hash: &PasswordHashString,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE users SET password_hash = ?, session_epoch = session_epoch + 1 WHERE id = ?",
        )
        .bind(&hash.0)
        .bind(id.0)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
