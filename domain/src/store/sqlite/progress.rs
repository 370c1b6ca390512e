//! Placeholder provisioning's progress on SQLite: one row per system.

use super::SqliteStore;
use crate::store::StoreError;
use crate::store::millis::{from_ms, ms};
use crate::store::progress::{
    ProgressRecord, ProgressStore, parse_ranges, parse_state, ranges_text, state_name,
};
use crate::system::{ProvisionPlan, Provisioning, SystemId};
use sqlx::Row;
use time::OffsetDateTime;

/// Over which report a write may go.
enum Over {
    /// Whatever is there.
    Any,
    /// Only the one written at this instant (`None`: only where there is none yet).
    Only(Option<OffsetDateTime>),
}

impl SqliteStore {
    /// Writes the system's progress over what `over` allows; whether it was written.
    async fn write_progress(
        &self,
        system: SystemId,
        progress: &Provisioning,
        at: OffsetDateTime,
        over: Over,
    ) -> Result<bool, StoreError> {
        let (any, last) = match over {
            Over::Any => (true, None),
            Over::Only(last) => (false, last.map(ms)),
        };
        let written = sqlx::query(
            "INSERT INTO provisioning_progress \
             (system_id, state, message, plan_create, plan_remove, plan_keep, updated_ms) \
             VALUES (?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (system_id) DO UPDATE SET state = excluded.state, \
             message = excluded.message, plan_create = excluded.plan_create, \
             plan_remove = excluded.plan_remove, plan_keep = excluded.plan_keep, \
             updated_ms = excluded.updated_ms \
             WHERE ? OR provisioning_progress.updated_ms = ?",
        )
        .bind(system.0)
        .bind(state_name(progress.state))
        .bind(&progress.message)
        .bind(ranges_text(&progress.plan.create))
        .bind(ranges_text(&progress.plan.remove))
        .bind(i64::try_from(progress.plan.keep).unwrap_or(i64::MAX))
        .bind(ms(at))
        .bind(any)
        // NULL, when no report was read, equals nothing: any row there now was written since.
        .bind(last)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(written == 1)
    }
}

#[async_trait::async_trait]
impl ProgressStore for SqliteStore {
    async fn report_provisioning(
        &self,
        system: SystemId,
        progress: &Provisioning,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.write_progress(system, progress, at, Over::Any).await?;
        Ok(())
    }

    async fn start_provisioning(
        &self,
        system: SystemId,
        last: Option<OffsetDateTime>,
        progress: &Provisioning,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        self.write_progress(system, progress, at, Over::Only(last))
            .await
    }

    async fn provisioning_progress(
        &self,
        system: SystemId,
    ) -> Result<Option<ProgressRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT state, message, plan_create, plan_remove, plan_keep, updated_ms \
             FROM provisioning_progress WHERE system_id = ?",
        )
        .bind(system.0)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let state: String = row.try_get("state")?;
        let create: String = row.try_get("plan_create")?;
        let remove: String = row.try_get("plan_remove")?;
        let keep: i64 = row.try_get("plan_keep")?;
        Ok(Some(ProgressRecord {
            progress: Provisioning {
                state: parse_state(&state)?,
                message: row.try_get("message")?,
                plan: ProvisionPlan {
                    create: parse_ranges(&create)?,
                    remove: parse_ranges(&remove)?,
                    keep: u64::try_from(keep).unwrap_or(0),
                },
            },
            updated: from_ms(row.try_get("updated_ms")?),
        }))
    }
}
