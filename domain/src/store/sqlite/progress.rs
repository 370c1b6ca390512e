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

#[async_trait::async_trait]
impl ProgressStore for SqliteStore {
    async fn report_provisioning(
        &self,
        system: SystemId,
        progress: &Provisioning,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO provisioning_progress \
             (system_id, state, message, plan_create, plan_remove, plan_keep, updated_ms) \
             VALUES (?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (system_id) DO UPDATE SET state = excluded.state, \
             message = excluded.message, plan_create = excluded.plan_create, \
             plan_remove = excluded.plan_remove, plan_keep = excluded.plan_keep, \
             updated_ms = excluded.updated_ms",
        )
        .bind(system.0)
        .bind(state_name(progress.state))
        .bind(&progress.message)
        .bind(ranges_text(&progress.plan.create))
        .bind(ranges_text(&progress.plan.remove))
        .bind(i64::try_from(progress.plan.keep).unwrap_or(i64::MAX))
        .bind(ms(at))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn start_provisioning(
        &self,
        system: SystemId,
        last: Option<OffsetDateTime>,
        progress: &Provisioning,
        at: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let written = sqlx::query(
            "INSERT INTO provisioning_progress \
             (system_id, state, message, plan_create, plan_remove, plan_keep, updated_ms) \
             VALUES (?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (system_id) DO UPDATE SET state = excluded.state, \
             message = excluded.message, plan_create = excluded.plan_create, \
             plan_remove = excluded.plan_remove, plan_keep = excluded.plan_keep, \
             updated_ms = excluded.updated_ms \
             WHERE provisioning_progress.updated_ms = ?",
        )
        .bind(system.0)
        .bind(state_name(progress.state))
        .bind(&progress.message)
        .bind(ranges_text(&progress.plan.create))
        .bind(ranges_text(&progress.plan.remove))
        .bind(i64::try_from(progress.plan.keep).unwrap_or(i64::MAX))
        .bind(ms(at))
        // No report read: any row there now was written since, and wins.
        .bind(last.map(ms))
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(written == 1)
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
