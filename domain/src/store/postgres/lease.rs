//! The engine's lease on PostgreSQL: one row. Acquiring and renewing are single conditional
//! UPDATEs (a racing writer waits for the row and re-checks the condition on what was committed);
//! a fenced write holds the row (`FOR UPDATE`) from its check to its commit, so the lease cannot
//! change hands in between.

use super::{PgStore, from_ms, ms};
use crate::lease::{Fence, Lease, LeaseStore};
use crate::store::StoreError;
use sqlx::{PgConnection, Row};
use std::time::Duration;
use time::OffsetDateTime;

fn until(now: OffsetDateTime, ttl: Duration) -> i64 {
    ms(now).saturating_add(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX))
}

/// Whether `fence` still holds, inside the caller's transaction, keeping the lease row locked
/// until that transaction ends.
pub(super) async fn check_fence(conn: &mut PgConnection, fence: &Fence) -> Result<(), StoreError> {
    let row: Option<(Option<String>, i64, i64)> = sqlx::query_as(
        "SELECT holder, epoch, expires_ms FROM engine_lease WHERE id = 1 FOR UPDATE",
    )
    .fetch_optional(conn)
    .await?;
    let now = ms(OffsetDateTime::now_utc());
    match row {
        Some((Some(holder), epoch, expires))
            if holder == fence.holder && epoch == fence.epoch && expires > now =>
        {
            Ok(())
        }
        _ => Err(StoreError::Fenced),
    }
}

#[async_trait::async_trait]
impl LeaseStore for PgStore {
    async fn acquire_lease(
        &self,
        holder: &str,
        now: OffsetDateTime,
        ttl: Duration,
    ) -> Result<Option<Lease>, StoreError> {
        let row = sqlx::query(
            "UPDATE engine_lease SET holder = $1, epoch = epoch + 1, expires_ms = $2, since_ms = $3 \
             WHERE id = 1 AND (holder IS NULL OR expires_ms <= $3) \
             RETURNING epoch, since_ms, expires_ms",
        )
        .bind(holder)
        .bind(until(now, ttl))
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
            "UPDATE engine_lease SET expires_ms = $1 \
             WHERE id = 1 AND holder = $2 AND epoch = $3 AND expires_ms > $4",
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
             WHERE id = 1 AND holder = $1 AND epoch = $2",
        )
        .bind(&lease.holder)
        .bind(lease.epoch)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn current_lease(&self) -> Result<Option<Lease>, StoreError> {
        let row: Option<(String, i64, i64, i64)> = sqlx::query_as(
            "SELECT holder, epoch, since_ms, expires_ms FROM engine_lease \
             WHERE id = 1 AND holder IS NOT NULL",
        )
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|(holder, epoch, since, expires)| Lease {
            holder,
            epoch,
            since: from_ms(since),
            expires: from_ms(expires),
        }))
    }
}
