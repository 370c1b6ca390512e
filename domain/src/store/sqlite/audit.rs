//! The audit in SQLite: the meetings' history lines with an actor (the engine's have none) and
//! the `audit_events` table, merged newest first.

use super::SqliteStore;
use super::bookings::{from_ms, ms};
use crate::audit::{AuditEntry, AuditFilter};
use crate::booking::MeetingId;
use crate::store::StoreError;
use crate::store::audit::AuditStore;
use sqlx::Row;

#[async_trait::async_trait]
impl AuditStore for SqliteStore {
    async fn audit(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        let mut sql = String::from(
            "SELECT at_ms, actor, action, subject, meeting_id, outcome FROM ( \
             SELECT e.at_ms, e.actor, e.action, m.title AS subject, e.meeting_id, e.outcome, \
             e.id AS seq, 0 AS source \
             FROM meeting_events e JOIN meetings m ON m.id = e.meeting_id \
             WHERE e.actor IS NOT NULL \
             UNION ALL \
             SELECT at_ms, actor, action, subject, NULL, outcome, id, 1 FROM audit_events) \
             WHERE 1 = 1",
        );
        if filter.actor.is_some() {
            sql.push_str(" AND actor = ?");
        }
        if filter.from.is_some() {
            sql.push_str(" AND at_ms >= ?");
        }
        if filter.to.is_some() {
            sql.push_str(" AND at_ms < ?");
        }
        // Lines written at the same millisecond keep the order they were written in.
        sql.push_str(" ORDER BY at_ms DESC, source DESC, seq DESC LIMIT ? OFFSET ?");
        let mut query = sqlx::query(&sql);
        if let Some(actor) = &filter.actor {
            query = query.bind(actor.clone());
        }
        if let Some(from) = filter.from {
            query = query.bind(ms(from));
        }
        if let Some(to) = filter.to {
            query = query.bind(ms(to));
        }
        query
            .bind(filter.limit as i64)
            .bind(filter.offset as i64)
            .fetch_all(self.pool())
            .await?
            .iter()
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
