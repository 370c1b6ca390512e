//! The audit in PostgreSQL: the meetings' history lines with an actor (the engine's have none)
//! and the `audit_events` table, merged newest first.

use super::{PgStore, from_ms};
use crate::audit::{AuditEntry, AuditFilter};
use crate::booking::MeetingId;
use crate::store::StoreError;
use crate::store::audit::AuditStore;
use sqlx::Row;

#[async_trait::async_trait]
impl AuditStore for PgStore {
    async fn audit(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        // Every filter is bound; a NULL one lets everything through.
        let rows = sqlx::query(
            "SELECT at_ms, actor, action, subject, meeting_id, outcome FROM ( \
             SELECT e.at_ms, e.actor, e.action, m.title AS subject, e.meeting_id, e.outcome, \
             e.id AS seq, 0 AS source \
             FROM meeting_events e JOIN meetings m ON m.id = e.meeting_id \
             WHERE e.actor IS NOT NULL \
             UNION ALL \
             SELECT at_ms, actor, action, subject, NULL, outcome, id, 1 FROM audit_events) lines \
             WHERE ($1::TEXT IS NULL OR actor = $1) AND ($2::BIGINT IS NULL OR at_ms >= $2) \
             AND ($3::BIGINT IS NULL OR at_ms < $3) \
             ORDER BY at_ms DESC, source DESC, seq DESC LIMIT $4 OFFSET $5",
        )
        .bind(filter.actor.clone())
        .bind(filter.from.map(super::ms))
        .bind(filter.to.map(super::ms))
        .bind(filter.limit as i64)
        .bind(filter.offset as i64)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    at: crate::zone::format_utc(from_ms(r.try_get("at_ms")?)),
                    actor: r.try_get("actor")?,
                    action: r.try_get("action")?,
                    subject: r.try_get("subject")?,
                    meeting: r.try_get::<Option<i64>, _>("meeting_id")?.map(MeetingId),
                    outcome: r.try_get("outcome")?,
                })
            })
            .collect()
    }
}
