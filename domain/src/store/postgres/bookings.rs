//! Conferences, meetings and their history in PostgreSQL. A [`BookingWrite`] takes the bookings'
//! advisory lock first ([`Lock::Bookings`], transaction-scoped), PostgreSQL's counterpart of
//! SQLite's `BEGIN IMMEDIATE`: racing writers run one after the other, and each statement after
//! the lock sees what the writer before it committed. The rules that decide what it writes are in
//! `domain` (`booking::changes`, `scheduler::steps`).

use super::{Lock, PgStore, from_ms, ms};
use crate::UserId;
use crate::booking::rules::{Booked, Occupancy, Span};
use crate::booking::{
    ConferenceId, ConferenceSettings, ConferenceType, MeetingEvent, MeetingId, MeetingState,
    Passcode, SipUri,
};
use crate::store::StoreError;
use crate::store::bookings::{
    BookingStore, BookingWrite, ConferenceRecord, ConferenceUpdate, MeetingFilter, MeetingRecord,
    MeetingSlot, MeetingUpdate, NewConference, NewEvent, NewTicket, Occurrence, Series, Step,
    StepSubject,
};
use crate::system::{SystemId, display_name};
use crate::ticket::{TicketKind, TicketState};
use sqlx::postgres::PgRow;
use sqlx::{Postgres, Row, Transaction};
use std::collections::HashMap;
use time::OffsetDateTime;

fn corrupt(what: &'static str, value: &str) -> StoreError {
    StoreError::corrupt(what, value)
}

fn participants_of(text: Option<String>) -> Vec<SipUri> {
    text.unwrap_or_default()
        .split(' ')
        .filter_map(|u| SipUri::parse(u).ok())
        .collect()
}

/// The states a query binds (the lists of states are Rust's, never the SQL's).
fn states(states: &[MeetingState]) -> Vec<String> {
    states.iter().map(|s| s.as_str().to_string()).collect()
}

const MEETING_COLUMNS: &str = "m.id, m.conference_id, m.occurrence, m.title, m.start_ms, m.end_ms, \
     m.system_id, m.state, m.placeholder_idx, m.co_space_id, m.call_id, m.call_endpoint, \
     m.dress_version, m.applied_dress, m.retry_at_ms, m.attempts, m.call_created_ms, m.failure, \
     m.ticket_id, c.conference_type, c.owner_id, c.owner_name, c.passcode, \
     s.name AS system_name, s.address AS system_address, \
     (SELECT string_agg(p.uri, ' ' ORDER BY p.position) FROM conference_participants p \
      WHERE p.conference_id = m.conference_id) AS participants";

const MEETING_FROM: &str = " FROM meetings m JOIN conferences c ON c.id = m.conference_id \
     JOIN systems s ON s.id = m.system_id";

fn meeting_from_row(row: &PgRow) -> Result<MeetingRecord, StoreError> {
    let get_i64 = |name: &str| row.try_get::<i64, _>(name).map_err(StoreError::from);
    let get_opt_i64 = |name: &str| {
        row.try_get::<Option<i64>, _>(name)
            .map_err(StoreError::from)
    };
    let get_opt_str = |name: &str| {
        row.try_get::<Option<String>, _>(name)
            .map_err(StoreError::from)
    };
    let state: String = row.try_get("state")?;
    let kind: String = row.try_get("conference_type")?;
    let (start, end) = (from_ms(get_i64("start_ms")?), from_ms(get_i64("end_ms")?));
    let placeholder = get_opt_i64("placeholder_idx")?
        .zip(get_opt_str("co_space_id")?)
        .map(|(i, s)| (i as u64, s));
    Ok(MeetingRecord {
        id: MeetingId(get_i64("id")?),
        conference: ConferenceId(get_i64("conference_id")?),
        occurrence: get_i64("occurrence")? as u32,
        title: row.try_get("title")?,
        span: Span::new(start, end).ok_or_else(|| corrupt("span", "end before start"))?,
        system: SystemId(get_i64("system_id")?),
        system_name: display_name(
            &row.try_get::<String, _>("system_name")?,
            &row.try_get::<String, _>("system_address")?,
        ),
        state: MeetingState::parse(&state).ok_or_else(|| corrupt("meeting state", &state))?,
        placeholder,
        call: get_opt_str("call_id")?.zip(get_opt_str("call_endpoint")?),
        dress_version: get_i64("dress_version")?,
        applied_dress: get_i64("applied_dress")?,
        retry_at: get_opt_i64("retry_at_ms")?.map(from_ms),
        attempts: get_i64("attempts")? as u32,
        call_created: get_opt_i64("call_created_ms")?.map(from_ms),
        failure: get_opt_str("failure")?,
        ticket: get_opt_i64("ticket_id")?,
        conference_type: ConferenceType::parse(&kind)
            .ok_or_else(|| corrupt("conference type", &kind))?,
        owner: UserId(get_i64("owner_id")?),
        owner_name: row.try_get("owner_name")?,
        passcode: get_opt_str("passcode")?
            .and_then(|p| Passcode::parse_optional(&p).ok().flatten()),
        participants: participants_of(get_opt_str("participants")?),
    })
}

fn span_of(row: &PgRow) -> Result<Span, StoreError> {
    Span::new(
        from_ms(row.try_get("start_ms")?),
        from_ms(row.try_get("end_ms")?),
    )
    .ok_or_else(|| corrupt("span", "end before start"))
}

fn state_of(row: &PgRow) -> Result<MeetingState, StoreError> {
    let state: String = row.try_get("state")?;
    MeetingState::parse(&state).ok_or_else(|| corrupt("meeting state", &state))
}

fn occurrence_of(row: &PgRow) -> Result<Occurrence, StoreError> {
    Ok(Occurrence {
        id: MeetingId(row.try_get("id")?),
        conference: ConferenceId(row.try_get("conference_id")?),
        state: state_of(row)?,
        system: SystemId(row.try_get("system_id")?),
        span: span_of(row)?,
    })
}

const OCCURRENCE_COLUMNS: &str = "id, conference_id, state, system_id, start_ms, end_ms";

/// History lines, all in one statement (a batch of engine steps writes them all at once).
async fn insert_events(
    tx: &mut Transaction<'static, Postgres>,
    events: &[(MeetingId, &NewEvent)],
) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    let at = ms(OffsetDateTime::now_utc());
    let ids: Vec<i64> = events.iter().map(|(id, _)| id.0).collect();
    let actors: Vec<Option<String>> = events.iter().map(|(_, e)| e.actor.clone()).collect();
    let actions: Vec<String> = events.iter().map(|(_, e)| e.action.clone()).collect();
    let outcomes: Vec<String> = events.iter().map(|(_, e)| e.outcome.clone()).collect();
    sqlx::query(
        "INSERT INTO meeting_events (meeting_id, at_ms, actor, action, outcome) \
         SELECT id, $2, actor, action, outcome \
         FROM UNNEST($1::BIGINT[], $3::TEXT[], $4::TEXT[], $5::TEXT[]) \
         WITH ORDINALITY AS e(id, actor, action, outcome, n) ORDER BY n",
    )
    .bind(&ids)
    .bind(at)
    .bind(&actors)
    .bind(&actions)
    .bind(&outcomes)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn read_conference_settings(
    conn: &mut sqlx::PgConnection,
) -> Result<ConferenceSettings, StoreError> {
    let row = sqlx::query(
        "SELECT default_title, default_duration_minutes, start_early_minutes, \
         extend_step_minutes, preferred_system_id FROM conference_settings WHERE id = 1",
    )
    .fetch_one(conn)
    .await?;
    let minutes =
        |name: &str| -> Result<u32, StoreError> { Ok(row.try_get::<i64, _>(name)? as u32) };
    Ok(ConferenceSettings {
        default_title: row.try_get("default_title")?,
        default_duration_minutes: minutes("default_duration_minutes")?,
        start_early_minutes: minutes("start_early_minutes")?,
        extend_step_minutes: minutes("extend_step_minutes")?,
        preferred_system: row
            .try_get::<Option<i64>, _>("preferred_system_id")?
            .map(SystemId),
    })
}

impl PgStore {
    async fn immediate(&self) -> Result<Transaction<'static, Postgres>, StoreError> {
        self.locked(Lock::Bookings).await
    }
}

#[async_trait::async_trait]
impl BookingStore for PgStore {
    async fn conference_settings(&self) -> Result<ConferenceSettings, StoreError> {
        let mut conn = self.pool().acquire().await?;
        read_conference_settings(&mut conn).await
    }

    async fn set_conference_settings(
        &self,
        settings: &ConferenceSettings,
        by: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.immediate().await?;
        let before = read_conference_settings(&mut tx).await?;
        // The names of the systems the change mentions, for the audit line.
        let mut names = HashMap::new();
        for system in [before.preferred_system, settings.preferred_system]
            .into_iter()
            .flatten()
        {
            let name = read_system_name(&mut tx, system).await?;
            names.insert(
                system,
                name.unwrap_or_else(|| format!("system {}", system.0)),
            );
        }
        let changes = settings.changes_from(&before, |s| names[&s].clone());
        if changes.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "UPDATE conference_settings SET default_title = $1, default_duration_minutes = $2, \
             start_early_minutes = $3, extend_step_minutes = $4, preferred_system_id = $5, \
             changed_by = $6 WHERE id = 1",
        )
        .bind(&settings.default_title)
        .bind(settings.default_duration_minutes as i64)
        .bind(settings.start_early_minutes as i64)
        .bind(settings.extend_step_minutes as i64)
        .bind(settings.preferred_system.map(|s| s.0))
        .bind(by)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO audit_events (at_ms, actor, action, subject, outcome) \
             VALUES ($1, $2, 'Changed', 'Conference Settings', $3)",
        )
        .bind(ms(OffsetDateTime::now_utc()))
        .bind(by)
        .bind(changes.join("; "))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn begin_write(
        &self,
        fence: Option<&crate::lease::Fence>,
    ) -> Result<Box<dyn BookingWrite>, StoreError> {
        let mut tx = self.immediate().await?;
        if let Some(fence) = fence {
            super::lease::check_fence(&mut tx, fence).await?;
        }
        Ok(Box::new(PgWrite { tx }))
    }

    async fn conference(&self, id: ConferenceId) -> Result<Option<ConferenceRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT c.*, (SELECT string_agg(p.uri, ' ' ORDER BY p.position) \
             FROM conference_participants p WHERE p.conference_id = c.id) AS participants FROM conferences c WHERE c.id = $1",
        )
        .bind(id.0)
        .fetch_optional(self.pool())
        .await
        ?;
        let Some(row) = row else { return Ok(None) };
        let kind: String = row.try_get("conference_type")?;
        Ok(Some(ConferenceRecord {
            id,
            owner: UserId(row.try_get("owner_id")?),
            owner_name: row.try_get("owner_name")?,
            conference_type: ConferenceType::parse(&kind)
                .ok_or_else(|| corrupt("conference type", &kind))?,
            auto_system: row.try_get("auto_system")?,
            zone: row.try_get("time_zone")?,
            passcode: row
                .try_get::<Option<String>, _>("passcode")?
                .and_then(|p| Passcode::parse_optional(&p).ok().flatten()),
            notes: row.try_get("notes")?,
            recurrence: row.try_get("recurrence")?,
            participants: participants_of(row.try_get("participants")?),
        }))
    }

    async fn meeting(&self, id: MeetingId) -> Result<Option<MeetingRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {MEETING_COLUMNS}{MEETING_FROM} WHERE m.id = $1"
        ))
        .bind(id.0)
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(meeting_from_row)
        .transpose()
    }

    async fn meetings(&self, filter: &MeetingFilter) -> Result<Vec<MeetingRecord>, StoreError> {
        filtered(
            self,
            &format!("SELECT {MEETING_COLUMNS}{MEETING_FROM}"),
            filter,
        )
        .await?
        .iter()
        .map(meeting_from_row)
        .collect()
    }

    async fn meeting_slots(&self, filter: &MeetingFilter) -> Result<Vec<MeetingSlot>, StoreError> {
        filtered(
            self,
            "SELECT m.id, m.title, m.start_ms, m.end_ms, m.state \
             FROM meetings m JOIN conferences c ON c.id = m.conference_id",
            filter,
        )
        .await?
        .iter()
        .map(|row| {
            let state: String = row.try_get("state")?;
            let (start, end) = (
                from_ms(row.try_get("start_ms")?),
                from_ms(row.try_get("end_ms")?),
            );
            Ok(MeetingSlot {
                id: MeetingId(row.try_get("id")?),
                title: row.try_get("title")?,
                span: Span::new(start, end)
                    .ok_or_else(|| corrupt("meeting span", "end ≤ start"))?,
                state: MeetingState::parse(&state)
                    .ok_or_else(|| corrupt("meeting state", &state))?,
            })
        })
        .collect()
    }

    async fn events(&self, id: MeetingId) -> Result<Vec<MeetingEvent>, StoreError> {
        sqlx::query(
            "SELECT at_ms, actor, action, outcome FROM meeting_events WHERE meeting_id = $1 ORDER BY id",
        )
        .bind(id.0)
        .fetch_all(self.pool())
        .await
        ?
        .iter()
        .map(|r| {
            Ok(MeetingEvent {
                at: crate::zone::format_utc(from_ms(r.try_get("at_ms")?)),
                actor: r.try_get("actor")?,
                action: r.try_get("action")?,
                outcome: r.try_get("outcome")?,
            })
        })
        .collect()
    }

    async fn booking_owners(&self) -> Result<Vec<(UserId, String)>, StoreError> {
        sqlx::query(
            "SELECT u.id, u.username FROM users u \
             WHERE EXISTS (SELECT 1 FROM conferences c WHERE c.owner_id = u.id) \
             ORDER BY u.username",
        )
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| Ok((UserId(r.try_get("id")?), r.try_get("username")?)))
        .collect()
    }

    async fn due_meetings(
        &self,
        now: OffsetDateTime,
        early: time::Duration,
    ) -> Result<Vec<MeetingRecord>, StoreError> {
        // The engine's work by state (the states are Rust's): starts due, retries due, ends and
        // re-dresses due.
        use MeetingState::{Ending, Ongoing, Pending, Starting};
        sqlx::query(&format!(
            "SELECT {MEETING_COLUMNS}{MEETING_FROM} WHERE \
             (m.state = $3 AND m.start_ms - $1 <= $2) \
             OR (m.state = ANY($4) AND COALESCE(m.retry_at_ms, 0) <= $2) \
             OR (m.state = $5 AND (m.end_ms <= $2 \
                 OR (m.dress_version > m.applied_dress AND COALESCE(m.retry_at_ms, 0) <= $2))) \
             ORDER BY m.start_ms, m.id"
        ))
        .bind(early.whole_milliseconds() as i64)
        .bind(ms(now))
        .bind(Pending.as_str())
        .bind(states(&[Starting, Ending]))
        .bind(Ongoing.as_str())
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(meeting_from_row)
        .collect()
    }

    async fn next_due(&self, early: time::Duration) -> Result<Option<OffsetDateTime>, StoreError> {
        use MeetingState::{Ending, Ongoing, Pending, Starting};
        let next: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(t) FROM ( \
             SELECT MIN(start_ms) - $1 AS t FROM meetings WHERE state = $2 \
             UNION ALL SELECT MIN(COALESCE(retry_at_ms, 0)) FROM meetings WHERE state = ANY($3) \
             UNION ALL SELECT MIN(end_ms) FROM meetings WHERE state = $4 \
             UNION ALL SELECT MIN(COALESCE(retry_at_ms, 0)) FROM meetings \
             WHERE state = $4 AND dress_version > applied_dress) due",
        )
        .bind(early.whole_milliseconds() as i64)
        .bind(Pending.as_str())
        .bind(states(&[Starting, Ending]))
        .bind(Ongoing.as_str())
        .fetch_one(self.pool())
        .await?;
        Ok(next.map(from_ms))
    }

    async fn busy_placeholders(&self, system: SystemId) -> Result<Vec<u64>, StoreError> {
        let rows: Vec<i64> = sqlx::query_scalar(
            "SELECT placeholder_idx FROM meetings WHERE system_id = $1 \
             AND placeholder_idx IS NOT NULL AND state = ANY($2)",
        )
        .bind(system.0)
        .bind(states(&MeetingState::LIVE))
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|i| i as u64).collect())
    }
}

/// `select` (from `meetings m` joined with `conferences c`) narrowed by `filter`, by start time.
async fn filtered(
    store: &PgStore,
    select: &str,
    filter: &MeetingFilter,
) -> Result<Vec<PgRow>, StoreError> {
    // Only the filters given, so that PostgreSQL plans for them: one statement with every filter
    // as `$n IS NULL OR …` gets a generic plan that scans every meeting (20 ms at 10,000 meetings
    // for the conference list, against 5 ms).
    let mut sql = sqlx::QueryBuilder::<Postgres>::new(select);
    sql.push(" WHERE TRUE");
    if let Some(from) = filter.from {
        sql.push(" AND m.end_ms > ").push_bind(ms(from));
    }
    if let Some(to) = filter.to {
        sql.push(" AND m.start_ms < ").push_bind(ms(to));
    }
    if let Some(system) = filter.system {
        sql.push(" AND m.system_id = ").push_bind(system.0);
    }
    if let Some(owner) = filter.owner {
        sql.push(" AND c.owner_id = ").push_bind(owner.0);
    }
    if let Some(conference) = filter.conference {
        sql.push(" AND m.conference_id = ").push_bind(conference.0);
    }
    if !filter.states.is_empty() {
        let states: Vec<String> = filter.states.iter().map(|s| s.as_str().into()).collect();
        sql.push(" AND m.state = ANY(").push_bind(states).push(")");
    }
    if let Some(title) = &filter.title_contains {
        sql.push(" AND strpos(lower(m.title), lower(")
            .push_bind(title.clone())
            .push(")) > 0");
    }
    sql.push(" ORDER BY m.start_ms, m.id");
    if let Some(limit) = filter.limit {
        sql.push(" LIMIT ").push_bind(i64::from(limit));
    }
    sql.build()
        .fetch_all(store.pool())
        .await
        .map_err(StoreError::from)
}

/// The system's name as the pages show it.
async fn read_system_name(
    conn: &mut sqlx::PgConnection,
    system: SystemId,
) -> Result<Option<String>, StoreError> {
    let row = sqlx::query("SELECT name, address FROM systems WHERE id = $1")
        .bind(system.0)
        .fetch_optional(conn)
        .await?;
    row.map(|r| {
        Ok(display_name(
            &r.try_get::<String, _>("name")?,
            &r.try_get::<String, _>("address")?,
        ))
    })
    .transpose()
}

async fn insert_participants(
    tx: &mut Transaction<'static, Postgres>,
    conference: i64,
    participants: &[SipUri],
) -> Result<(), StoreError> {
    for (position, uri) in participants.iter().enumerate() {
        sqlx::query(
            "INSERT INTO conference_participants (conference_id, position, uri) VALUES ($1, $2, $3)",
        )
        .bind(conference)
        .bind(position as i64)
        .bind(uri.as_str())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// A write transaction holding SQLite's write lock (`BEGIN IMMEDIATE`).
struct PgWrite {
    tx: Transaction<'static, Postgres>,
}

#[async_trait::async_trait]
impl BookingWrite for PgWrite {
    async fn occupancy(&mut self, window: Span) -> Result<Occupancy, StoreError> {
        let capacity =
            sqlx::query("SELECT system_id, COUNT(*) AS n FROM placeholders GROUP BY system_id")
                .fetch_all(&mut *self.tx)
                .await?
                .iter()
                .map(|r| {
                    Ok((
                        SystemId(r.try_get("system_id")?),
                        r.try_get::<i64, _>("n")? as usize,
                    ))
                })
                .collect::<Result<HashMap<_, _>, StoreError>>()?;
        let rows = sqlx::query(
            "SELECT m.id, m.system_id, m.start_ms, m.end_ms, \
             (SELECT string_agg(p.uri, ' ' ORDER BY p.position) FROM conference_participants p \
              WHERE p.conference_id = m.conference_id) AS participants \
             FROM meetings m WHERE m.state = ANY($1) AND m.start_ms < $2 AND m.end_ms > $3",
        )
        .bind(states(&MeetingState::HOLDING_CAPACITY))
        .bind(ms(window.end()))
        .bind(ms(window.start()))
        .fetch_all(&mut *self.tx)
        .await?;
        let booked = rows
            .iter()
            .map(|r| {
                Ok(Booked {
                    meeting: MeetingId(r.try_get("id")?),
                    system: SystemId(r.try_get("system_id")?),
                    span: span_of(r)?,
                    participants: participants_of(r.try_get("participants")?),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Occupancy { capacity, booked })
    }

    async fn occurrence(&mut self, id: MeetingId) -> Result<Option<Occurrence>, StoreError> {
        sqlx::query(&format!(
            "SELECT {OCCURRENCE_COLUMNS} FROM meetings WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&mut *self.tx)
        .await?
        .as_ref()
        .map(occurrence_of)
        .transpose()
    }

    async fn series(&mut self, conference: ConferenceId) -> Result<Option<Series>, StoreError> {
        let row = sqlx::query(
            "SELECT c.conference_type, (SELECT string_agg(p.uri, ' ' ORDER BY p.position) \
             FROM conference_participants p WHERE p.conference_id = c.id) AS participants FROM conferences c WHERE c.id = $1",
        )
        .bind(conference.0)
        .fetch_optional(&mut *self.tx)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let kind: String = row.try_get("conference_type")?;
        let occurrences = sqlx::query(&format!(
            "SELECT {OCCURRENCE_COLUMNS} FROM meetings WHERE conference_id = $1 ORDER BY occurrence"
        ))
        .bind(conference.0)
        .fetch_all(&mut *self.tx)
        .await?
        .iter()
        .map(occurrence_of)
        .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Some(Series {
            id: conference,
            conference_type: ConferenceType::parse(&kind)
                .ok_or_else(|| corrupt("conference type", &kind))?,
            participants: participants_of(row.try_get("participants")?),
            occurrences,
        }))
    }

    async fn system_name(&mut self, system: SystemId) -> Result<Option<String>, StoreError> {
        read_system_name(&mut self.tx, system).await
    }

    async fn insert_conference(
        &mut self,
        new: &NewConference,
        system: SystemId,
    ) -> Result<(ConferenceId, Vec<MeetingId>), StoreError> {
        let conference = sqlx::query(
            "INSERT INTO conferences (owner_id, owner_name, conference_type, auto_system, \
             time_zone, passcode, notes, recurrence, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING id",
        )
        .bind(new.owner.0)
        .bind(&new.owner_name)
        .bind(new.conference_type.as_str())
        .bind(new.auto_system)
        .bind(&new.zone)
        .bind(new.passcode.as_ref().map(Passcode::expose))
        .bind(&new.notes)
        .bind(&new.recurrence)
        .bind(ms(OffsetDateTime::now_utc()))
        .fetch_one(&mut *self.tx)
        .await?
        .try_get::<i64, _>("id")?;
        insert_participants(&mut self.tx, conference, &new.participants).await?;
        let mut meetings = Vec::with_capacity(new.occurrences.len());
        for (occurrence, span) in new.occurrences.iter().enumerate() {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO meetings (conference_id, occurrence, title, start_ms, end_ms, \
                 system_id, state) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(conference)
            .bind(occurrence as i64 + 1)
            .bind(new.title.as_str())
            .bind(ms(span.start()))
            .bind(ms(span.end()))
            .bind(system.0)
            .bind(MeetingState::Pending.as_str())
            .fetch_one(&mut *self.tx)
            .await?;
            meetings.push(MeetingId(id));
        }
        Ok((ConferenceId(conference), meetings))
    }

    async fn update_conference(
        &mut self,
        id: ConferenceId,
        update: &ConferenceUpdate,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE conferences SET notes = $1, conference_type = $2, \
             passcode = CASE WHEN $3 THEN $4 ELSE passcode END, \
             auto_system = COALESCE($5, auto_system) WHERE id = $6",
        )
        .bind(&update.notes)
        .bind(update.conference_type.as_str())
        .bind(update.passcode.is_some())
        .bind(
            update
                .passcode
                .as_ref()
                .and_then(|p| p.as_ref().map(Passcode::expose)),
        )
        .bind(update.auto_system)
        .bind(id.0)
        .execute(&mut *self.tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM conference_participants WHERE conference_id = $1")
            .bind(id.0)
            .execute(&mut *self.tx)
            .await?;
        insert_participants(&mut self.tx, id.0, &update.participants).await?;
        Ok(true)
    }

    async fn update_meeting(
        &mut self,
        id: MeetingId,
        update: &MeetingUpdate,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE meetings SET title = COALESCE($1, title), start_ms = COALESCE($2, start_ms), \
             end_ms = COALESCE($3, end_ms), system_id = COALESCE($4, system_id), \
             state = COALESCE($5, state), dress_version = dress_version + $6 WHERE id = $7",
        )
        .bind(update.title.as_deref())
        .bind(update.span.map(|s| ms(s.start())))
        .bind(update.span.map(|s| ms(s.end())))
        .bind(update.system.map(|s| s.0))
        .bind(update.state.map(MeetingState::as_str))
        .bind(i64::from(update.redress))
        .bind(id.0)
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn add_events(&mut self, events: &[(MeetingId, &NewEvent)]) -> Result<(), StoreError> {
        insert_events(&mut self.tx, events).await
    }

    async fn step_subject(&mut self, id: MeetingId) -> Result<Option<StepSubject>, StoreError> {
        let row = sqlx::query(
            "SELECT m.state, m.system_id, m.start_ms, m.end_ms, m.placeholder_idx, \
             (SELECT t.id FROM tickets t WHERE t.id = m.ticket_id AND t.state <> $1) AS open_ticket \
             FROM meetings m WHERE m.id = $2",
        )
        .bind(TicketState::Closed.as_str())
        .bind(id.0)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.map(|r| {
            Ok(StepSubject {
                state: state_of(&r)?,
                system: SystemId(r.try_get("system_id")?),
                span: span_of(&r)?,
                placeholder: r
                    .try_get::<Option<i64>, _>("placeholder_idx")?
                    .map(|i| i as u64),
                open_ticket: r.try_get("open_ticket")?,
            })
        })
        .transpose()
    }

    async fn placeholder_holder(
        &mut self,
        system: SystemId,
        index: u64,
        except: MeetingId,
    ) -> Result<Option<MeetingId>, StoreError> {
        let holder: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM meetings WHERE system_id = $1 AND placeholder_idx = $2 AND id <> $3 \
             AND state = ANY($4) LIMIT 1",
        )
        .bind(system.0)
        .bind(index as i64)
        .bind(except.0)
        .bind(states(&MeetingState::LIVE))
        .fetch_optional(&mut *self.tx)
        .await?;
        Ok(holder.map(MeetingId))
    }

    async fn write_step(&mut self, id: MeetingId, step: &Step) -> Result<bool, StoreError> {
        let mut sets: Vec<String> = Vec::new();
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if step.state.is_some() {
            sets.push(format!("state = {}", next()));
        }
        if step.placeholder.is_some() {
            sets.push(format!(
                "placeholder_idx = {}, co_space_id = {}",
                next(),
                next()
            ));
        }
        if step.call.is_some() {
            sets.push(format!("call_id = {}, call_endpoint = {}", next(), next()));
        }
        if step.applied_dress.is_some() {
            sets.push(format!("applied_dress = {}", next()));
        }
        if step.retry_at.is_some() {
            sets.push(format!("retry_at_ms = {}", next()));
        }
        if step.attempts.is_some() {
            sets.push(format!("attempts = {}", next()));
        }
        if step.call_created.is_some() {
            sets.push(format!("call_created_ms = {}", next()));
        }
        if step.failure.is_some() {
            sets.push(format!("failure = {}", next()));
        }
        if sets.is_empty() {
            return Ok(true);
        }
        let sql = format!(
            "UPDATE meetings SET {} WHERE id = {}",
            sets.join(", "),
            next()
        );
        let mut query = sqlx::query(&sql);
        if let Some(state) = step.state {
            query = query.bind(state.as_str());
        }
        if let Some(placeholder) = &step.placeholder {
            query = query
                .bind(placeholder.as_ref().map(|(i, _)| *i as i64))
                .bind(placeholder.as_ref().map(|(_, s)| s.clone()));
        }
        if let Some(call) = &step.call {
            query = query
                .bind(call.as_ref().map(|(c, _)| c.clone()))
                .bind(call.as_ref().map(|(_, e)| e.clone()));
        }
        if let Some(applied) = step.applied_dress {
            query = query.bind(applied);
        }
        if let Some(retry) = step.retry_at {
            query = query.bind(retry.map(ms));
        }
        if let Some(attempts) = step.attempts {
            query = query.bind(attempts as i64);
        }
        if let Some(created) = step.call_created {
            query = query.bind(ms(created));
        }
        if let Some(failure) = &step.failure {
            query = query.bind(failure.clone());
        }
        let done = query.bind(id.0).execute(&mut *self.tx).await?;
        Ok(done.rows_affected() == 1)
    }

    async fn hidden_ticket_kinds(
        &mut self,
        system: SystemId,
    ) -> Result<Vec<TicketKind>, StoreError> {
        let kinds: Vec<String> =
            sqlx::query_scalar("SELECT kind FROM ticket_filters WHERE system_id = $1")
                .bind(system.0)
                .fetch_all(&mut *self.tx)
                .await?;
        // A kind this version does not know hides nothing it raises.
        Ok(kinds.iter().filter_map(|k| TicketKind::parse(k)).collect())
    }

    async fn insert_ticket(&mut self, ticket: &NewTicket) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "INSERT INTO tickets (system_id, kind, severity, message, state, raised_ms) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(ticket.system.0)
        .bind(ticket.kind.as_str())
        .bind(ticket.kind.severity().as_str())
        .bind(&ticket.message)
        .bind(TicketState::Open.as_str())
        .bind(ms(ticket.raised_at))
        .fetch_one(&mut *self.tx)
        .await?)
    }

    async fn link_ticket(&mut self, meeting: MeetingId, ticket: i64) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE meetings SET ticket_id = $1 WHERE id = $2")
            .bind(ticket)
            .bind(meeting.0)
            .execute(&mut *self.tx)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        Ok(self.tx.commit().await?)
    }
}
