//! The engine's lease on SQLite: one row, changed by single conditional statements.

use super::SqliteStore;
use crate::lease::{Fence, Lease, LeaseStore};
use crate::store::StoreError;
use sqlx::{Row, Sqlite, Transaction};
use std::time::Duration;
use time::OffsetDateTime;

use crate::store::millis::{from_ms, ms};

fn until(now: OffsetDateTime, ttl: Duration) -> i64 {
    ms(now).saturating_add(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX))
}

/// Whether `fence` still holds, read inside the caller's transaction (a write transaction: the
/// lease cannot change hands before it commits).
pub(super) async fn check_fence(
    tx: &mut Transaction<'static, Sqlite>,
    fence: &Fence,
) -> Result<(), StoreError> {
    let held: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM engine_lease WHERE id = 1 AND holder = ? AND epoch = ? \
         AND expires_ms > ?",
    )
    .bind(&fence.holder)
    .bind(fence.epoch)
    .bind(ms(OffsetDateTime::now_utc()))
    .fetch_one(&mut **tx)
    .await?;
    if held == 1 {
        Ok(())
    } else {
        Err(StoreError::Fenced)
    }
}

#[async_trait::async_trait]
impl LeaseStore for SqliteStore {
    async fn acquire_lease(
        &self,
        holder: &str,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> Result<Option<Lease>, StoreError> {
        let row = sqlx::query(
            "UPDATE engine_lease SET holder = ?, epoch = epoch + 1, expires_ms = ?, since_ms = ? \
             WHERE id = 1 AND (holder IS NULL OR expires_ms <= ?) \
             RETURNING epoch, since_ms, expires_ms",
        )
        .bind(holder)
        .bind(until(now, ttl))
        .bind(ms(now))
        .bind(ms(now))
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| {
            Ok(Lease {
                holder: holder.to_string(),
                epoch: row.try_get("epoch")?,
                since: from_ms(row.try_get("since_ms")?),
                expires: from_ms(row.try_get("expires_ms")?),
            })
        })
        .transpose()
    }

    async fn renew_lease(
        &self,
        lease: &Lease,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> Result<Option<Lease>, StoreError> {
        let expires = until(now, ttl);
        let renewed = sqlx::query(
            "UPDATE engine_lease SET expires_ms = ? \
             WHERE id = 1 AND holder = ? AND epoch = ? AND expires_ms > ?",
        )
        .bind(expires)
        .bind(&lease.holder)
        .bind(lease.epoch)
        .bind(ms(now))
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok((renewed == 1).then(|| Lease {
            expires: from_ms(expires),
            ..lease.clone()
        }))
    }

    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE engine_lease SET holder = NULL, expires_ms = 0 \
             WHERE id = 1 AND holder = ? AND epoch = ?",
        )
        .bind(&lease.holder)
        .bind(lease.epoch)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn current_lease(&self) -> Result<Option<Lease>, StoreError> {
        let row = sqlx::query(
            "SELECT holder, epoch, since_ms, expires_ms FROM engine_lease \
             WHERE id = 1 AND holder IS NOT NULL",
        )
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| {
            Ok(Lease {
                holder: row.try_get("holder")?,
                epoch: row.try_get("epoch")?,
                since: from_ms(row.try_get("since_ms")?),
                expires: from_ms(row.try_get("expires_ms")?),
            })
        })
        .transpose()
    }
}
