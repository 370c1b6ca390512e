//! The engine's doorbell on PostgreSQL: a one-row counter, bumped with a NOTIFY in the same
//! transaction (delivered at commit, with the bump visible); the watcher LISTENs, re-reads the
//! counter on every notification, and falls back to polling while its listening connection is
//! lost (reconnecting every few seconds), so no ring is missed.

use super::PgStore;
use crate::store::StoreError;
use crate::store::wake::{EngineWatch, POLL, WakeStore};
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use std::time::{Duration, Instant};

/// The NOTIFY channel.
const CHANNEL: &str = "bridgekeeper_engine";
/// Even while listening, the counter is read this often (a belt to LISTEN's braces).
const LISTENING_POLL: Duration = Duration::from_secs(2);
/// A lost listening connection is tried again this often (polling at [`POLL`] meanwhile).
const RECONNECT_EVERY: Duration = Duration::from_secs(5);

async fn rings(pool: &PgPool) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT rings FROM engine_rings WHERE id = 1")
            .fetch_one(pool)
            .await?,
    )
}

async fn listen(pool: &PgPool) -> Result<PgListener, StoreError> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

#[async_trait::async_trait]
impl WakeStore for PgStore {
    async fn ring_engine(&self) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        sqlx::query("UPDATE engine_rings SET rings = rings + 1 WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(CHANNEL)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn watch_engine(&self) -> Result<Box<dyn EngineWatch>, StoreError> {
        let pool = self.pool().clone();
        // Listening before the first read: a ring in between is then both counted and heard.
        let listener = listen(&pool).await?;
        let seen = rings(&pool).await?;
        Ok(Box::new(Listening {
            pool,
            listener: Some(listener),
            lost_at: None,
            seen,
        }))
    }
}

struct Listening {
    pool: PgPool,
    listener: Option<PgListener>,
    /// When the listening connection was lost (polling since).
    lost_at: Option<Instant>,
    seen: i64,
}

#[async_trait::async_trait]
impl EngineWatch for Listening {
    async fn rung(&mut self) -> Result<(), StoreError> {
        loop {
            let now = rings(&self.pool).await?;
            if now != self.seen {
                self.seen = now;
                return Ok(());
            }
            if self.listener.is_none()
                && self
                    .lost_at
                    .is_none_or(|at| at.elapsed() >= RECONNECT_EVERY)
            {
                match listen(&self.pool).await {
                    Ok(listener) => {
                        self.listener = Some(listener);
                        self.lost_at = None;
                        // Rings while it was lost are in the counter: read it again first.
                        continue;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "engine doorbell: listening again failed; polling");
                        self.lost_at = Some(Instant::now());
                    }
                }
            }
            match &mut self.listener {
                Some(listener) => {
                    tokio::select! {
                        heard = listener.try_recv() => match heard {
                            Ok(Some(_)) => {}
                            // The connection was lost (it reconnects on the next call): the
                            // counter tells what was missed.
                            Ok(None) => {}
                            Err(e) => {
                                tracing::warn!(error = %e, "engine doorbell: listening failed; polling");
                                self.listener = None;
                                self.lost_at = Some(Instant::now());
                            }
                        },
                        _ = tokio::time::sleep(LISTENING_POLL) => {}
                    }
                }
                None => tokio::time::sleep(POLL).await,
            }
        }
    }
}
