//! What can go wrong in the store, each with its cause.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule refused the write; `what` names the value that clashed.
    #[error("{what} already exists")]
    Conflict { what: String },
    /// The database refused or failed; `context` says what the store was doing. The message
    /// names the cause too: most callers log only the message (`%e`).
    #[error("database: {context}: {source}")]
    Database {
        context: &'static str,
        #[source]
        source: sqlx::Error,
    },
    /// The database's schema could not be brought up to date.
    #[error("database: migrations failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database file's permissions could not be restricted to its owner.
    #[error("cannot protect `{}`: {source}", path.display())]
    Protect {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A stored value this version does not know (a newer version wrote it, or it was edited by
    /// hand).
    #[error("unknown {what} `{value}` in the database")]
    Corrupt { what: &'static str, value: String },
    /// A write that was part of a batch failed with the batch (the engine's step writer).
    #[error("the batch this write was part of failed: {0}")]
    Batch(#[source] std::sync::Arc<StoreError>),
    /// The engine's step writer is gone (the engine is shutting down).
    #[error("the scheduler engine's step writer has stopped")]
    WriterStopped,
    /// A fenced write (an engine step) refused: this process no longer holds the engine's
    /// lease ([`crate::lease`]).
    #[error("this process no longer holds the engine's lease")]
    Fenced,
}

impl From<sqlx::Error> for StoreError {
    fn from(source: sqlx::Error) -> Self {
        StoreError::Database {
            context: "query",
            source,
        }
    }
}

impl StoreError {
    /// A stored value this version does not know.
    pub fn corrupt(what: &'static str, value: impl Into<String>) -> Self {
        StoreError::Corrupt {
            what,
            value: value.into(),
        }
    }
}

/// Names what the store was doing when the database failed.
pub(crate) trait Context<T> {
    fn context(self, context: &'static str) -> Result<T, StoreError>;
}

impl<T> Context<T> for Result<T, sqlx::Error> {
    fn context(self, context: &'static str) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Database { context, source })
    }
}
