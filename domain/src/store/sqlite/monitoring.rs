//! Settings, status snapshots, ticket filters and the API trace in SQLite.

use super::SqliteStore;
use crate::store::StoreError;
use crate::store::monitoring::{
    AlternateRecord, ConnectionChange, MonitoringStore, NewTraceRow, PollRecord, SettingsRecord,
};
use crate::system::{ClusterMember, SystemId};
use crate::system_status::{
    GeneralSettings, SchedulingSettings, StatusFilter, StatusSnapshot, TraceQuery, TraceRow,
};
use crate::ticket::TicketKind;
use sqlx::Row;
use sqlx::sqlite::SqlitePool;

use crate::store::millis::{ms, ms_of_rfc3339, now_ms, rfc3339};

fn u64_of(v: Option<i64>) -> Option<u64> {
    v.and_then(|v| u64::try_from(v).ok())
}

fn i64_of(v: Option<u64>) -> Option<i64> {
    v.map(|v| i64::try_from(v).unwrap_or(i64::MAX))
}

/// The alternate of a system, for its record (the connector needs it).
pub(super) async fn alternate_of(
    pool: &SqlitePool,
    id: SystemId,
) -> Result<Option<AlternateRecord>, StoreError> {
    let row = sqlx::query(
        "SELECT alternate_address, alternate_username, alternate_password_sealed \
         FROM system_settings WHERE system_id = ?",
    )
    .bind(id.0)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let address: Option<String> = row.try_get("alternate_address")?;
    let username: Option<String> = row.try_get("alternate_username")?;
    let sealed: Option<String> = row.try_get("alternate_password_sealed")?;
    Ok(match (address, sealed) {
        (Some(address), Some(password_sealed)) => Some(AlternateRecord {
            address,
            username: username.unwrap_or_default(),
            password_sealed,
        }),
        _ => None,
    })
}

/// The `WHERE` clause of the Logs tab's filters (after the endpoint list).
fn trace_filter_sql(endpoints: usize, query: &TraceQuery) -> String {
    let marks = vec!["?"; endpoints.max(1)].join(", ");
    let mut sql = format!(" WHERE endpoint IN ({marks})");
    if query.method.is_some() {
        sql.push_str(" AND method = ?");
    }
    sql.push_str(match query.status {
        StatusFilter::Any => "",
        StatusFilter::Success => " AND status BETWEEN 200 AND 299",
        StatusFilter::Errors => " AND status >= 400",
        StatusFilter::NoAnswer => " AND status IS NULL",
    });
    sql
}

type SqliteQuery<'q> = sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>;

fn bind_trace_filter<'q>(
    mut q: SqliteQuery<'q>,
    endpoints: &'q [String],
    query: &'q TraceQuery,
) -> SqliteQuery<'q> {
    if endpoints.is_empty() {
        q = q.bind("");
    }
    for endpoint in endpoints {
        q = q.bind(endpoint.as_str());
    }
    if let Some(method) = &query.method {
        q = q.bind(method.as_str());
    }
    q
}

#[async_trait::async_trait]
impl MonitoringStore for SqliteStore {
    async fn settings(&self, id: SystemId) -> Result<SettingsRecord, StoreError> {
        let Some(row) = sqlx::query("SELECT * FROM system_settings WHERE system_id = ?")
            .bind(id.0)
            .fetch_optional(self.pool())
            .await?
        else {
            return Ok(SettingsRecord {
                sip_mode: true,
                ..SettingsRecord::default()
            });
        };
        let get_s = |c: &str| row.try_get::<String, _>(c).map_err(StoreError::from);
        let get_b = |c: &str| row.try_get::<bool, _>(c).map_err(StoreError::from);
        Ok(SettingsRecord {
            general: GeneralSettings {
                ip_zone: get_s("ip_zone")?,
                time_zone: get_s("time_zone")?,
                web_bridge_uri: get_s("web_bridge_uri")?,
                system_contact: get_s("system_contact")?,
                alert_contact_when_booked: get_b("alert_contact_when_booked")?,
            },
            scheduling: SchedulingSettings {
                allow_booking: get_b("allow_booking")?,
                allow_outgoing_sip: get_b("allow_outgoing_sip")?,
                allow_incoming_sip: get_b("allow_incoming_sip")?,
            },
            sip_mode: get_b("sip_mode")?,
            alternate: alternate_of(self.pool(), id).await?,
        })
    }

    async fn save_settings(&self, id: SystemId, s: &SettingsRecord) -> Result<(), StoreError> {
        let alt = s.alternate.as_ref();
        sqlx::query(
            "INSERT INTO system_settings (system_id, ip_zone, time_zone, web_bridge_uri, \
             system_contact, alert_contact_when_booked, sip_mode, allow_booking, \
             allow_outgoing_sip, allow_incoming_sip, alternate_address, alternate_username, \
             alternate_password_sealed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (system_id) DO UPDATE SET ip_zone = excluded.ip_zone, \
             time_zone = excluded.time_zone, web_bridge_uri = excluded.web_bridge_uri, \
             system_contact = excluded.system_contact, \
             alert_contact_when_booked = excluded.alert_contact_when_booked, \
             sip_mode = excluded.sip_mode, allow_booking = excluded.allow_booking, \
             allow_outgoing_sip = excluded.allow_outgoing_sip, \
             allow_incoming_sip = excluded.allow_incoming_sip, \
             alternate_address = excluded.alternate_address, \
             alternate_username = excluded.alternate_username, \
             alternate_password_sealed = excluded.alternate_password_sealed",
        )
        .bind(id.0)
        .bind(&s.general.ip_zone)
        .bind(&s.general.time_zone)
        .bind(&s.general.web_bridge_uri)
        .bind(&s.general.system_contact)
        .bind(s.general.alert_contact_when_booked)
        .bind(s.sip_mode)
        .bind(s.scheduling.allow_booking)
        .bind(s.scheduling.allow_outgoing_sip)
        .bind(s.scheduling.allow_incoming_sip)
        .bind(alt.map(|a| a.address.as_str()))
        .bind(alt.map(|a| a.username.as_str()))
        .bind(alt.map(|a| a.password_sealed.as_str()))
        .execute(self.pool())
        .await?;
        if alt.is_none() {
            sqlx::query("UPDATE system_status SET alternate_reachable = NULL WHERE system_id = ?")
                .bind(id.0)
                .execute(self.pool())
                .await?;
        }
        Ok(())
    }

    async fn set_connection(&self, id: SystemId, c: &ConnectionChange) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE systems SET address = ?, username = ?, \
             password_sealed = COALESCE(?, password_sealed), tls_mode = ?, pinned_pem = ? \
             WHERE id = ?",
        )
        .bind(&c.address)
        .bind(&c.username)
        .bind(&c.password_sealed)
        .bind(c.tls.as_str())
        .bind(&c.pinned_pem)
        .bind(id.0)
        .execute(self.pool())
        .await;
        match done {
            Ok(done) => Ok(done.rows_affected() == 1),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(StoreError::Conflict {
                what: format!("a system at {}", c.address),
            }),
            Err(e) => Err(e.into()),
        }
    }

    async fn record_poll(&self, id: SystemId, poll: &PollRecord) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "UPDATE systems SET connectivity = ?, \
             software_version = COALESCE(?, software_version) WHERE id = ?",
        )
        .bind(poll.connectivity.as_str())
        .bind(&poll.software_version)
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        match &poll.snapshot {
            Some(s) => {
                sqlx::query(
                    "INSERT OR REPLACE INTO system_status (system_id, polled_ms, uptime_seconds, \
                     call_legs_active, call_legs_max_active, call_legs_completed, \
                     audio_bit_rate_out, audio_bit_rate_in, video_bit_rate_out, video_bit_rate_in, \
                     alternate_reachable) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(id.0)
                .bind(
                    ms_of_rfc3339(&s.polled_at)
                        .ok_or_else(|| StoreError::corrupt("poll time", s.polled_at.as_str()))?,
                )
                .bind(i64_of(s.uptime_seconds))
                .bind(i64_of(s.call_legs_active))
                .bind(i64_of(s.call_legs_max_active))
                .bind(i64_of(s.call_legs_completed))
                .bind(i64_of(s.audio_bit_rate_outgoing))
                .bind(i64_of(s.audio_bit_rate_incoming))
                .bind(i64_of(s.video_bit_rate_outgoing))
                .bind(i64_of(s.video_bit_rate_incoming))
                .bind(poll.alternate_reachable)
                .execute(&mut *tx)
                .await?;
            }
            None => {
                // The primary did not answer: the last snapshot stays (no call legs known to be
                // active any more), only the alternate's health is new.
                sqlx::query(
                    "UPDATE system_status SET alternate_reachable = ?, call_legs_active = NULL \
                     WHERE system_id = ?",
                )
                .bind(poll.alternate_reachable)
                .bind(id.0)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await.map_err(StoreError::from)
    }

    async fn status_snapshot(&self, id: SystemId) -> Result<Option<StatusSnapshot>, StoreError> {
        let Some(r) = sqlx::query("SELECT * FROM system_status WHERE system_id = ?")
            .bind(id.0)
            .fetch_optional(self.pool())
            .await?
        else {
            return Ok(None);
        };
        let n = |c: &str| {
            r.try_get::<Option<i64>, _>(c)
                .map(u64_of)
                .map_err(StoreError::from)
        };
        Ok(Some(StatusSnapshot {
            polled_at: rfc3339(r.try_get("polled_ms")?),
            uptime_seconds: n("uptime_seconds")?,
            call_legs_active: n("call_legs_active")?,
            call_legs_max_active: n("call_legs_max_active")?,
            call_legs_completed: n("call_legs_completed")?,
            audio_bit_rate_outgoing: n("audio_bit_rate_out")?,
            audio_bit_rate_incoming: n("audio_bit_rate_in")?,
            video_bit_rate_outgoing: n("video_bit_rate_out")?,
            video_bit_rate_incoming: n("video_bit_rate_in")?,
            alternate_reachable: r.try_get("alternate_reachable")?,
        }))
    }

    async fn replace_members(
        &self,
        id: SystemId,
        cluster_enabled: bool,
        members: &[ClusterMember],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        sqlx::query("DELETE FROM call_bridges WHERE system_id = ?")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        for m in members {
            sqlx::query(
                "INSERT INTO call_bridges (system_id, bridge_id, name, address) VALUES (?, ?, ?, ?)",
            )
            .bind(id.0)
            .bind(&m.bridge_id)
            .bind(&m.name)
            .bind(&m.address)
            .execute(&mut *tx)
            .await
            ?;
        }
        sqlx::query("UPDATE systems SET cluster_enabled = ? WHERE id = ?")
            .bind(cluster_enabled)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await.map_err(StoreError::from)
    }

    async fn hidden_ticket_kinds(&self, id: SystemId) -> Result<Vec<TicketKind>, StoreError> {
        let rows = sqlx::query("SELECT kind FROM ticket_filters WHERE system_id = ? ORDER BY kind")
            .bind(id.0)
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| r.try_get::<String, _>("kind").ok())
            .filter_map(|k| TicketKind::parse(&k))
            .collect())
    }

    async fn set_hidden_ticket_kinds(
        &self,
        id: SystemId,
        kinds: &[TicketKind],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        sqlx::query("DELETE FROM ticket_filters WHERE system_id = ?")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        let at = now_ms();
        for kind in kinds {
            sqlx::query("INSERT OR IGNORE INTO ticket_filters (system_id, kind) VALUES (?, ?)")
                .bind(id.0)
                .bind(kind.as_str())
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE tickets SET state = 'closed', closed_ms = ? \
                 WHERE system_id = ? AND kind = ? AND state <> 'closed'",
            )
            .bind(at)
            .bind(id.0)
            .bind(kind.as_str())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await.map_err(StoreError::from)
    }

    async fn insert_trace(&self, rows: &[NewTraceRow]) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        for r in rows {
            sqlx::query(
                "INSERT INTO api_trace (at_ms, endpoint, method, path, request_body, status, \
                 duration_ms, response_excerpt, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(ms(r.at))
            .bind(&r.endpoint)
            .bind(&r.method)
            .bind(&r.path)
            .bind(&r.request_body)
            .bind(r.status.map(i64::from))
            .bind(i64::try_from(r.duration_ms).unwrap_or(i64::MAX))
            .bind(&r.response_excerpt)
            .bind(&r.error)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await.map_err(StoreError::from)
    }

    async fn trace_page(
        &self,
        endpoints: &[String],
        query: &TraceQuery,
        page_size: u32,
    ) -> Result<(Vec<TraceRow>, u64), StoreError> {
        let filter = trace_filter_sql(endpoints.len(), query);
        let count_sql = format!("SELECT COUNT(*) FROM api_trace{filter}");
        let total: i64 = bind_trace_filter(sqlx::query(&count_sql), endpoints, query)
            .fetch_one(self.pool())
            .await?
            .try_get(0)?;
        let sql = format!(
            "SELECT id, at_ms, endpoint, method, path, request_body, status, duration_ms, \
             response_excerpt, error FROM api_trace{filter} ORDER BY id DESC LIMIT ? OFFSET ?"
        );
        let offset = u64::from(query.page.max(1) - 1) * u64::from(page_size);
        let rows = bind_trace_filter(sqlx::query(&sql), endpoints, query)
            .bind(i64::from(page_size))
            .bind(i64::try_from(offset).unwrap_or(i64::MAX))
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| {
                Ok(TraceRow {
                    id: r.try_get("id")?,
                    at: rfc3339(r.try_get("at_ms")?),
                    endpoint: r.try_get("endpoint")?,
                    method: r.try_get("method")?,
                    path: r.try_get("path")?,
                    request_body: r.try_get("request_body")?,
                    status: r
                        .try_get::<Option<i64>, _>("status")?
                        .and_then(|s| u16::try_from(s).ok()),
                    duration_ms: u64_of(r.try_get("duration_ms")?).unwrap_or_default(),
                    response_excerpt: r.try_get("response_excerpt")?,
                    error: r.try_get("error")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((rows, u64::try_from(total).unwrap_or_default()))
    }

    async fn prune_trace(&self, before: time::OffsetDateTime) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM api_trace WHERE at_ms < ?")
            .bind(ms(before))
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }
}
