//! Systems, cluster members and tickets in PostgreSQL.

use super::{Lock, PgStore, now_ms, text_of_ms};
use crate::store::{NewSystem, StoreError, SystemRecord, SystemStore, TicketFilter, TicketStore};
use crate::system::{
    ClusterMember, Connectivity, ExtendedSettings, IdRange, SYSTEM_TYPE, SystemId, SystemSummary,
    TlsChoice,
};
use crate::ticket::{Ticket, TicketKind, TicketState};
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::{PgConnection, Postgres, Row};

const SUMMARY_COLUMNS: &str = "s.id, s.address, s.name, s.description, s.software_version, \
     s.connectivity, (SELECT COUNT(*) FROM tickets t WHERE t.system_id = s.id AND t.state = 'open') AS open_tickets";

fn summary_from_row(row: &PgRow) -> Result<SystemSummary, StoreError> {
    let connectivity: String = row.try_get("connectivity")?;
    Ok(SystemSummary {
        id: SystemId(row.try_get("id")?),
        address: row.try_get("address")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        system_type: SYSTEM_TYPE.to_string(),
        software_version: row.try_get("software_version")?,
        connectivity: Connectivity::parse(&connectivity)
            .ok_or_else(|| StoreError::corrupt("connectivity", &connectivity))?,
        open_tickets: u32::try_from(row.try_get::<i64, _>("open_tickets")?).unwrap_or(u32::MAX),
    })
}

fn ticket_from_row(row: &PgRow) -> Result<Ticket, StoreError> {
    let kind: String = row.try_get("kind")?;
    let severity: String = row.try_get("severity")?;
    let state: String = row.try_get("state")?;
    Ok(Ticket {
        number: row.try_get("id")?,
        system: row.try_get::<Option<i64>, _>("system_id")?.map(SystemId),
        kind: TicketKind::parse(&kind).ok_or_else(|| StoreError::corrupt("ticket kind", &kind))?,
        severity: crate::ticket::Severity::parse(&severity)
            .ok_or_else(|| StoreError::corrupt("severity", &severity))?,
        message: row.try_get("message")?,
        state: TicketState::parse(&state)
            .ok_or_else(|| StoreError::corrupt("ticket state", &state))?,
        raised_at: text_of_ms(row.try_get("raised_ms")?),
        acknowledged_by: row.try_get("acknowledged_by")?,
        raised_by: row.try_get("raised_by")?,
    })
}

const TICKET_COLUMNS: &str =
    "id, system_id, kind, severity, message, state, raised_ms, acknowledged_by, raised_by";

type PgQuery<'q> = sqlx::query::Query<'q, Postgres, PgArguments>;

/// The `WHERE` clause of a ticket filter, its values bound by [`bind_ticket_filter`] as `$1…`;
/// also how many it binds.
fn ticket_filter_sql(filter: &TicketFilter) -> (String, usize) {
    let mut sql = String::from(" WHERE TRUE");
    let mut n = 0;
    let mut next = || {
        n += 1;
        n
    };
    if filter.system.is_some() {
        sql.push_str(&format!(" AND system_id = ${}", next()));
    }
    if !filter.states.is_empty() {
        sql.push_str(&format!(" AND state = ANY(${})", next()));
    }
    if filter.kind.is_some() {
        sql.push_str(&format!(" AND kind = ${}", next()));
    }
    if filter.severity.is_some() {
        sql.push_str(&format!(" AND severity = ${}", next()));
    }
    (sql, n)
}

fn bind_ticket_filter<'q>(mut query: PgQuery<'q>, filter: &TicketFilter) -> PgQuery<'q> {
    if let Some(system) = filter.system {
        query = query.bind(system.0);
    }
    if !filter.states.is_empty() {
        let states: Vec<String> = filter.states.iter().map(|s| s.as_str().into()).collect();
        query = query.bind(states);
    }
    if let Some(kind) = filter.kind {
        query = query.bind(kind.as_str());
    }
    if let Some(severity) = filter.severity {
        query = query.bind(severity.as_str());
    }
    query
}

/// Opens an automatic ticket if [`crate::ticket::raises_automatic`] says so, on the system's
/// ticket filters and live tickets read in the caller's transaction (one that holds
/// [`Lock::Tickets`], or in which the system is new).
async fn raise(
    conn: &mut PgConnection,
    system: SystemId,
    kind: TicketKind,
    message: &str,
) -> Result<(), StoreError> {
    let hidden: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM ticket_filters WHERE system_id = $1")
            .bind(system.0)
            .fetch_all(&mut *conn)
            .await?;
    let hidden: Vec<TicketKind> = hidden.iter().filter_map(|k| TicketKind::parse(k)).collect();
    let live: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM tickets WHERE system_id = $1 AND kind = $2 AND state <> $3)",
    )
    .bind(system.0)
    .bind(kind.as_str())
    .bind(TicketState::Closed.as_str())
    .fetch_one(&mut *conn)
    .await?;
    if !crate::ticket::raises_automatic(kind, &hidden, live) {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO tickets (system_id, kind, severity, message, state, raised_ms) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(system.0)
    .bind(kind.as_str())
    .bind(kind.severity().as_str())
    .bind(message)
    .bind(TicketState::Open.as_str())
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(())
}

#[async_trait::async_trait]
impl SystemStore for PgStore {
    async fn insert_system(&self, system: &NewSystem) -> Result<SystemId, StoreError> {
        let mut tx = self.pool().begin().await?;
        let inserted = sqlx::query_scalar(
            "INSERT INTO systems (address, username, password_sealed, tls_mode, pinned_pem, \
             software_version, connectivity, cluster_enabled, call_profile_id, call_leg_profile_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(&system.address)
        .bind(&system.username)
        .bind(&system.password_sealed)
        .bind(system.tls.as_str())
        .bind(&system.pinned_pem)
        .bind(&system.software_version)
        .bind(system.connectivity.as_str())
        .bind(system.cluster_enabled)
        .bind(&system.call_profile_id)
        .bind(&system.call_leg_profile_id)
        .fetch_one(&mut *tx)
        .await;
        let id = match inserted {
            Ok(id) => SystemId(id),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(StoreError::Conflict {
                    what: format!("a system at {}", system.address),
                });
            }
            Err(e) => return Err(e.into()),
        };
        for member in &system.members {
            sqlx::query(
                "INSERT INTO call_bridges (system_id, bridge_id, name, address) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(id.0)
            .bind(&member.bridge_id)
            .bind(&member.name)
            .bind(&member.address)
            .execute(&mut *tx)
            .await?;
        }
        for (kind, message) in &system.tickets {
            raise(&mut tx, id, *kind, message).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    async fn list_systems(&self) -> Result<Vec<SystemSummary>, StoreError> {
        sqlx::query(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM systems s \
             ORDER BY s.name = '', s.name COLLATE \"C\", s.address COLLATE \"C\""
        ))
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(summary_from_row)
        .collect()
    }

    async fn system(&self, id: SystemId) -> Result<Option<SystemRecord>, StoreError> {
        let Some(row) = sqlx::query(&format!(
            "SELECT {SUMMARY_COLUMNS}, s.username, s.password_sealed, s.tls_mode, s.pinned_pem, \
             s.cluster_enabled, s.call_profile_id, s.call_leg_profile_id, s.sip_domain, s.id_base, \
             s.id_quantity, s.provisioned_base, s.provisioned_quantity FROM systems s WHERE s.id = $1"
        ))
        .bind(id.0)
        .fetch_optional(self.pool())
        .await
        ?
        else {
            return Ok(None);
        };
        let members = sqlx::query(
            "SELECT bridge_id, name, address FROM call_bridges WHERE system_id = $1 \
             ORDER BY name COLLATE \"C\"",
        )
        .bind(id.0)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(ClusterMember {
                bridge_id: r.try_get("bridge_id")?,
                name: r.try_get("name")?,
                address: r.try_get("address")?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
        let tls: String = row.try_get("tls_mode")?;
        let range = |base: &str, quantity: &str| -> Result<Option<IdRange>, StoreError> {
            let base: Option<i64> = row.try_get(base)?;
            let quantity: Option<i64> = row.try_get(quantity)?;
            Ok(base.zip(quantity).map(|(base, quantity)| IdRange {
                base: base as u64,
                quantity: quantity as u64,
            }))
        };
        let domain: Option<String> = row.try_get("sip_domain")?;
        let extended = domain
            .zip(range("id_base", "id_quantity")?)
            .map(|(domain, range)| ExtendedSettings { domain, range });
        let provisioned = range("provisioned_base", "provisioned_quantity")?;
        Ok(Some(SystemRecord {
            summary: summary_from_row(&row)?,
            username: row.try_get("username")?,
            password_sealed: row.try_get("password_sealed")?,
            tls: TlsChoice::parse(&tls).ok_or_else(|| StoreError::corrupt("TLS mode", &tls))?,
            pinned_pem: row.try_get("pinned_pem")?,
            cluster_enabled: row.try_get("cluster_enabled")?,
            call_profile_id: row.try_get("call_profile_id")?,
            call_leg_profile_id: row.try_get("call_leg_profile_id")?,
            members,
            extended,
            provisioned,
            alternate: super::monitoring::alternate_of(self.pool(), id).await?,
        }))
    }

    async fn cluster_member_addresses(&self) -> Result<Vec<(String, String)>, StoreError> {
        sqlx::query_as(
            "SELECT b.address AS member, s.address AS through FROM call_bridges b \
             JOIN systems s ON s.id = b.system_id WHERE b.address IS NOT NULL",
        )
        .fetch_all(self.pool())
        .await
        .map_err(StoreError::from)
    }

    async fn set_system_identity(
        &self,
        id: SystemId,
        name: &str,
        description: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE systems SET name = $1, description = $2 WHERE id = $3")
            .bind(name)
            .bind(description)
            .bind(id.0)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_extended_settings(
        &self,
        id: SystemId,
        settings: &ExtendedSettings,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE systems SET sip_domain = $1, id_base = $2, id_quantity = $3 WHERE id = $4",
        )
        .bind(&settings.domain)
        .bind(settings.range.base as i64)
        .bind(settings.range.quantity as i64)
        .bind(id.0)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_profiles(
        &self,
        id: SystemId,
        call_profile: &str,
        call_leg_profile: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE systems SET call_profile_id = $1, call_leg_profile_id = $2 WHERE id = $3",
        )
        .bind(call_profile)
        .bind(call_leg_profile)
        .bind(id.0)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn placeholders(&self, id: SystemId) -> Result<Vec<(u64, String)>, StoreError> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT idx, co_space_id FROM placeholders WHERE system_id = $1 ORDER BY idx",
        )
        .bind(id.0)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|(i, s)| (i as u64, s)).collect())
    }

    async fn record_provisioning(
        &self,
        id: SystemId,
        provisioned: IdRange,
        created: &[(u64, String)],
        removed: &[u64],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        let removed: Vec<i64> = removed.iter().map(|i| *i as i64).collect();
        sqlx::query("DELETE FROM placeholders WHERE system_id = $1 AND idx = ANY($2)")
            .bind(id.0)
            .bind(&removed)
            .execute(&mut *tx)
            .await?;
        for (index, space) in created {
            sqlx::query(
                "INSERT INTO placeholders (system_id, idx, co_space_id) VALUES ($1, $2, $3) \
                 ON CONFLICT (system_id, idx) DO UPDATE SET co_space_id = excluded.co_space_id",
            )
            .bind(id.0)
            .bind(*index as i64)
            .bind(space)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "UPDATE systems SET provisioned_base = $1, provisioned_quantity = $2 WHERE id = $3",
        )
        .bind(provisioned.base as i64)
        .bind(provisioned.quantity as i64)
        .bind(id.0)
        .execute(&mut *tx)
        .await?;
        tx.commit().await.map_err(StoreError::from)
    }
}

#[async_trait::async_trait]
impl TicketStore for PgStore {
    async fn raise_ticket(
        &self,
        system: SystemId,
        kind: TicketKind,
        message: &str,
    ) -> Result<(), StoreError> {
        // Two monitors raising the same condition at once raise it once.
        let mut tx = self.locked(Lock::Tickets).await?;
        raise(&mut tx, system, kind, message).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn close_tickets(&self, system: SystemId, kind: TicketKind) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE tickets SET state = 'closed', closed_ms = $1 \
             WHERE system_id = $2 AND kind = $3 AND state <> 'closed'",
        )
        .bind(now_ms())
        .bind(system.0)
        .bind(kind.as_str())
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }

    async fn tickets(&self, filter: &TicketFilter) -> Result<Vec<Ticket>, StoreError> {
        let (filter_sql, n) = ticket_filter_sql(filter);
        let sql = format!(
            "SELECT {TICKET_COLUMNS} FROM tickets{filter_sql} ORDER BY id DESC LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        // LIMIT NULL is no limit.
        bind_ticket_filter(sqlx::query(&sql), filter)
            .bind(filter.limit.map(i64::from))
            .bind(i64::try_from(filter.offset).unwrap_or(i64::MAX))
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(ticket_from_row)
            .collect()
    }

    async fn count_tickets(&self, filter: &TicketFilter) -> Result<u64, StoreError> {
        let (filter_sql, _) = ticket_filter_sql(filter);
        let sql = format!("SELECT COUNT(*) FROM tickets{filter_sql}");
        let row = bind_ticket_filter(sqlx::query(&sql), filter)
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get::<i64, _>(0)? as u64)
    }

    async fn ticket(&self, number: i64) -> Result<Option<Ticket>, StoreError> {
        sqlx::query(&format!(
            "SELECT {TICKET_COLUMNS} FROM tickets WHERE id = $1"
        ))
        .bind(number)
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(ticket_from_row)
        .transpose()
    }

    async fn close_ticket(&self, number: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE tickets SET state = 'closed', closed_ms = $1 WHERE id = $2 AND state <> 'closed'",
        )
        .bind(now_ms())
        .bind(number)
        .execute(self.pool())
        .await
        ?;
        Ok(done.rows_affected() == 1)
    }

    async fn acknowledge_ticket(&self, number: i64, by: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE tickets SET state = 'acknowledged', acknowledged_by = $1 \
             WHERE id = $2 AND state = 'open'",
        )
        .bind(by)
        .bind(number)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn add_custom_ticket(
        &self,
        system: Option<SystemId>,
        message: &str,
        by: &str,
    ) -> Result<i64, StoreError> {
        sqlx::query_scalar(
            "INSERT INTO tickets (system_id, kind, severity, message, state, raised_ms, raised_by) \
             VALUES ($1, $2, $3, $4, 'open', $5, $6) RETURNING id",
        )
        .bind(system.map(|s| s.0))
        .bind(TicketKind::Custom.as_str())
        .bind(TicketKind::Custom.severity().as_str())
        .bind(message)
        .bind(now_ms())
        .bind(by)
        .fetch_one(self.pool())
        .await
        .map_err(StoreError::from)
    }
}
