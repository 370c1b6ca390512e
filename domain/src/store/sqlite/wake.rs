//! The engine's doorbell on SQLite: a one-row counter, watched by polling.

use super::SqliteStore;
use crate::store::StoreError;
use crate::store::wake::{EngineWatch, POLL, WakeStore};
use sqlx::SqlitePool;

async fn rings(pool: &SqlitePool) -> Result<i64, StoreError> {
    sqlx::query_scalar("SELECT rings FROM engine_rings WHERE id = 1")
        .fetch_one(pool)
        .await
        .map_err(StoreError::from)
}

#[async_trait::async_trait]
impl WakeStore for SqliteStore {
    async fn ring_engine(&self) -> Result<(), StoreError> {
        sqlx::query("UPDATE engine_rings SET rings = rings + 1 WHERE id = 1")
            .execute(self.pool())
            .await?;
        Ok(())
    }

    async fn watch_engine(&self) -> Result<Box<dyn EngineWatch>, StoreError> {
        let pool = self.pool().clone();
        let seen = rings(&pool).await?;
        Ok(Box::new(Polling { pool, seen }))
    }
}

struct Polling {
    pool: SqlitePool,
    seen: i64,
}

#[async_trait::async_trait]
impl EngineWatch for Polling {
    async fn rung(&mut self) -> Result<(), StoreError> {
        loop {
            tokio::time::sleep(POLL).await;
            let now = rings(&self.pool).await?;
            if now != self.seen {
                self.seen = now;
                return Ok(());
            }
        }
    }
}
