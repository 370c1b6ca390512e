//! The database the portal runs on, chosen by its URL: `sqlite://…` (the default, one process
//! per file) or `postgres://…` (several nodes on one server). The store and the session table
//! live in the same database.

use crate::sessions;
use anyhow::Context as _;
use domain::store::{PgStore, SqliteStore, Store};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub enum Database {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

/// Whether `url` names a PostgreSQL database.
pub fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

impl Database {
    /// Opens the database (creating a SQLite file if missing) and runs its migrations.
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let opened = if is_postgres(url) {
            PgStore::open(url).await.map(Database::Postgres)
        } else {
            SqliteStore::open(url).await.map(Database::Sqlite)
        };
        // The URL may hold a password: the error names the backend, not the URL.
        opened.with_context(|| format!("opening the {} database", self_kind(url)))
    }

    /// The store, for the services.
    pub fn store(&self) -> Arc<dyn Store> {
        match self {
            Database::Sqlite(s) => Arc::new(s.clone()),
            Database::Postgres(s) => Arc::new(s.clone()),
        }
    }

    /// The session table in the same database, created if missing.
    pub async fn sessions(&self) -> anyhow::Result<sessions::Backend> {
        let sessions = match self {
            Database::Sqlite(s) => sessions::Backend::Sqlite(
                tower_sessions_sqlx_store::SqliteStore::new(s.pool().clone()),
            ),
            Database::Postgres(s) => sessions::Backend::Postgres(
                tower_sessions_sqlx_store::PostgresStore::new(s.pool().clone()),
            ),
        };
        sessions
            .migrate()
            .await
            .context("creating the session table")?;
        Ok(sessions)
    }
}

fn self_kind(url: &str) -> &'static str {
    if is_postgres(url) {
        "PostgreSQL"
    } else {
        "SQLite"
    }
}

impl std::ops::Deref for Database {
    type Target = dyn Store;

    fn deref(&self) -> &Self::Target {
        match self {
            Database::Sqlite(s) => s,
            Database::Postgres(s) => s,
        }
    }
}
