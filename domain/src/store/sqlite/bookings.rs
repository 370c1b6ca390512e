//! Conferences, meetings and their history in SQLite. A [`BookingWrite`] takes the write lock
//! first (`BEGIN IMMEDIATE`), so racing writers run one after the other; the rules that decide
//! what it writes are in `domain` (`booking::changes`, `scheduler::steps`).

use super::SqliteStore;
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
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite, Transaction};
use std::collections::HashMap;
use time::OffsetDateTime;

pub(super) use crate::store::millis::{from_ms, ms};

fn corrupt(what: &'static str, value: &str) -> StoreError {
    StoreError::corrupt(what, value)
}

fn participants_of(text: Option<String>) -> Vec<SipUri> {
    text.unwrap_or_default()
        .split(' ')
        .filter_map(|u| SipUri::parse(u).ok())
        .collect()
}

/// `?, ?, …` for binding each of `states` (the lists of states are Rust's, never the SQL's).
fn marks(states: &[MeetingState]) -> String {
    vec!["?"; states.len()].join(", ")
}

const MEETING_COLUMNS: &str = "m.id, m.conference_id, m.occurrence, m.title, m.start_ms, m.end_ms, \
     m.system_id, m.state, m.placeholder_idx, m.co_space_id, m.call_id, m.call_endpoint, \
     m.dress_version, m.applied_dress, m.retry_at_ms, m.attempts, m.call_created_ms, m.failure, \
     m.ticket_id, c.conference_type, c.owner_id, c.owner_name, c.passcode, \
     s.name AS system_name, s.address AS system_address, \
     (SELECT GROUP_CONCAT(p.uri, ' ') FROM conference_participants p \
      WHERE p.conference_id = m.conference_id) AS participants";

const MEETING_FROM: &str = " FROM meetings m JOIN conferences c ON c.id = m.conference_id \
     JOIN systems s ON s.id = m.system_id";

fn meeting_from_row(row: &SqliteRow) -> Result<MeetingRecord, StoreError> {
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

fn span_of(row: &SqliteRow) -> Result<Span, StoreError> {
    Span::new(
        from_ms(row.try_get("start_ms")?),
        from_ms(row.try_get("end_ms")?),
    )
    .ok_or_else(|| corrupt("span", "end before start"))
}

fn state_of(row: &SqliteRow) -> Result<MeetingState, StoreError> {
    let state: String = row.try_get("state")?;
    MeetingState::parse(&state).ok_or_else(|| corrupt("meeting state", &state))
}

fn occurrence_of(row: &SqliteRow) -> Result<Occurrence, StoreError> {
    Ok(Occurrence {
        id: MeetingId(row.try_get("id")?),
        conference: ConferenceId(row.try_get("conference_id")?),
        state: state_of(row)?,
        system: SystemId(row.try_get("system_id")?),
        span: span_of(row)?,
    })
}

const OCCURRENCE_COLUMNS: &str = "id, conference_id, state, system_id, start_ms, end_ms";

/// History lines, many per statement (a batch of engine steps writes them all at once).
async fn insert_events(
    tx: &mut Transaction<'static, Sqlite>,
    events: &[(MeetingId, &NewEvent)],
) -> Result<(), StoreError> {
    // 5 values a row, well under SQLite's limit on a statement's parameters.
    const ROWS: usize = 200;
    let at = ms(OffsetDateTime::now_utc());
    for chunk in events.chunks(ROWS) {
        let rows = vec!["(?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        let sql = format!(
            "INSERT INTO meeting_events (meeting_id, at_ms, actor, action, outcome) VALUES {rows}"
        );
        let mut query = sqlx::query(&sql);
        for (id, event) in chunk {
            query = query
                .bind(id.0)
                .bind(at)
                .bind(event.actor.as_deref())
                .bind(event.action.as_str())
                .bind(event.outcome.as_str());
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

async fn read_conference_settings(
    conn: &mut sqlx::SqliteConnection,
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

impl SqliteStore {
    async fn immediate(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        self.pool()
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(StoreError::from)
    }
}

#[async_trait::async_trait]
impl BookingStore for SqliteStore {
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
            "UPDATE conference_settings SET default_title = ?, default_duration_minutes = ?, \
             start_early_minutes = ?, extend_step_minutes = ?, preferred_system_id = ?, \
             changed_by = ? WHERE id = 1",
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
             VALUES (?, ?, 'Changed', 'Conference Settings', ?)",
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
        Ok(Box::new(SqliteWrite { tx }))
    }

    async fn conference(&self, id: ConferenceId) -> Result<Option<ConferenceRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT c.*, (SELECT GROUP_CONCAT(p.uri, ' ') FROM \
             (SELECT uri FROM conference_participants WHERE conference_id = c.id ORDER BY position) p) \
             AS participants FROM conferences c WHERE c.id = ?",
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
            "SELECT {MEETING_COLUMNS}{MEETING_FROM} WHERE m.id = ?"
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
            "SELECT at_ms, actor, action, outcome FROM meeting_events WHERE meeting_id = ? ORDER BY id",
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
        let now = ms(now);
        let early = early.whole_milliseconds() as i64;
        // The engine's work by state (the states are Rust's): starts due, retries due, ends and
        // re-dresses due.
        use MeetingState::{Ending, Ongoing, Pending, Starting};
        sqlx::query(&format!(
            "SELECT {MEETING_COLUMNS}{MEETING_FROM} WHERE \
             (m.state = ? AND m.start_ms - ? <= ?) \
             OR (m.state IN (?, ?) AND COALESCE(m.retry_at_ms, 0) <= ?) \
             OR (m.state = ? AND (m.end_ms <= ? \
                 OR (m.dress_version > m.applied_dress AND COALESCE(m.retry_at_ms, 0) <= ?))) \
             ORDER BY m.start_ms, m.id"
        ))
        .bind(Pending.as_str())
        .bind(early)
        .bind(now)
        .bind(Starting.as_str())
        .bind(Ending.as_str())
        .bind(now)
        .bind(Ongoing.as_str())
        .bind(now)
        .bind(now)
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
             SELECT MIN(start_ms) - ? AS t FROM meetings WHERE state = ? \
             UNION ALL SELECT MIN(COALESCE(retry_at_ms, 0)) FROM meetings WHERE state IN (?, ?) \
             UNION ALL SELECT MIN(end_ms) FROM meetings WHERE state = ? \
             UNION ALL SELECT MIN(COALESCE(retry_at_ms, 0)) FROM meetings \
             WHERE state = ? AND dress_version > applied_dress)",
        )
        .bind(early.whole_milliseconds() as i64)
        .bind(Pending.as_str())
        .bind(Starting.as_str())
        .bind(Ending.as_str())
        .bind(Ongoing.as_str())
        .bind(Ongoing.as_str())
        .fetch_one(self.pool())
        .await?;
        Ok(next.map(from_ms))
    }

    async fn busy_placeholders(&self, system: SystemId) -> Result<Vec<u64>, StoreError> {
        let sql = format!(
            "SELECT placeholder_idx FROM meetings WHERE system_id = ? AND placeholder_idx IS NOT NULL \
             AND state IN ({})",
            marks(&MeetingState::LIVE)
        );
        let mut query = sqlx::query_scalar(&sql).bind(system.0);
        for state in MeetingState::LIVE {
            query = query.bind(state.as_str());
        }
        let rows: Vec<i64> = query.fetch_all(self.pool()).await?;
        Ok(rows.into_iter().map(|i| i as u64).collect())
    }
}

/// `select` (from `meetings m` joined with `conferences c`) narrowed by `filter`, by start time.
async fn filtered(
    store: &SqliteStore,
    select: &str,
    filter: &MeetingFilter,
) -> Result<Vec<SqliteRow>, StoreError> {
    let mut sql = format!("{select} WHERE 1 = 1");
    if filter.from.is_some() {
        sql.push_str(" AND m.end_ms > ?");
    }
    if filter.to.is_some() {
        sql.push_str(" AND m.start_ms < ?");
    }
    if filter.system.is_some() {
        sql.push_str(" AND m.system_id = ?");
    }
    if filter.owner.is_some() {
        sql.push_str(" AND c.owner_id = ?");
    }
    if filter.conference.is_some() {
        sql.push_str(" AND m.conference_id = ?");
    }
    if !filter.states.is_empty() {
        let marks = vec!["?"; filter.states.len()].join(", ");
        sql.push_str(&format!(" AND m.state IN ({marks})"));
    }
    if filter.title_contains.is_some() {
        sql.push_str(" AND instr(lower(m.title), lower(?)) > 0");
    }
    sql.push_str(" ORDER BY m.start_ms, m.id");
    if let Some(limit) = filter.limit {
        sql.push_str(&format!(" LIMIT {limit}"));
    }
    let mut query = sqlx::query(&sql);
    if let Some(from) = filter.from {
        query = query.bind(ms(from));
    }
    if let Some(to) = filter.to {
        query = query.bind(ms(to));
    }
    if let Some(system) = filter.system {
        query = query.bind(system.0);
    }
    if let Some(owner) = filter.owner {
        query = query.bind(owner.0);
    }
    if let Some(conference) = filter.conference {
        query = query.bind(conference.0);
    }
    for state in &filter.states {
        query = query.bind(state.as_str());
    }
    if let Some(title) = &filter.title_contains {
        query = query.bind(title.clone());
    }
    query
        .fetch_all(store.pool())
        .await
        .map_err(StoreError::from)
}

/// The system's name as the pages show it.
async fn read_system_name(
    conn: &mut sqlx::SqliteConnection,
    system: SystemId,
) -> Result<Option<String>, StoreError> {
    let row = sqlx::query("SELECT name, address FROM systems WHERE id = ?")
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
    tx: &mut Transaction<'static, Sqlite>,
    conference: i64,
    participants: &[SipUri],
) -> Result<(), StoreError> {
    for (position, uri) in participants.iter().enumerate() {
        sqlx::query(
            "INSERT INTO conference_participants (conference_id, position, uri) VALUES (?, ?, ?)",
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
struct SqliteWrite {
    tx: Transaction<'static, Sqlite>,
}

#[async_trait::async_trait]
impl BookingWrite for SqliteWrite {
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
        let sql = format!(
            "SELECT m.id, m.system_id, m.start_ms, m.end_ms, \
             (SELECT GROUP_CONCAT(p.uri, ' ') FROM conference_participants p \
              WHERE p.conference_id = m.conference_id) AS participants \
             FROM meetings m WHERE m.state IN ({}) AND m.start_ms < ? AND m.end_ms > ?",
            marks(&MeetingState::HOLDING_CAPACITY)
        );
        let mut query = sqlx::query(&sql);
        for state in MeetingState::HOLDING_CAPACITY {
            query = query.bind(state.as_str());
        }
        let rows = query
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
            "SELECT {OCCURRENCE_COLUMNS} FROM meetings WHERE id = ?"
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
            "SELECT c.conference_type, (SELECT GROUP_CONCAT(p.uri, ' ') FROM \
             (SELECT uri FROM conference_participants WHERE conference_id = c.id ORDER BY position) p) \
             AS participants FROM conferences c WHERE c.id = ?",
        )
        .bind(conference.0)
        .fetch_optional(&mut *self.tx)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let kind: String = row.try_get("conference_type")?;
        let occurrences = sqlx::query(&format!(
            "SELECT {OCCURRENCE_COLUMNS} FROM meetings WHERE conference_id = ? ORDER BY occurrence"
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
             time_zone, passcode, notes, recurrence, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
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
                 system_id, state) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
            "UPDATE conferences SET notes = ?, conference_type = ?, \
             passcode = CASE WHEN ? THEN ? ELSE passcode END, \
             auto_system = COALESCE(?, auto_system) WHERE id = ?",
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
        sqlx::query("DELETE FROM conference_participants WHERE conference_id = ?")
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
            "UPDATE meetings SET title = COALESCE(?, title), start_ms = COALESCE(?, start_ms), \
             end_ms = COALESCE(?, end_ms), system_id = COALESCE(?, system_id), \
             state = COALESCE(?, state), dress_version = dress_version + ? WHERE id = ?",
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
             (SELECT t.id FROM tickets t WHERE t.id = m.ticket_id AND t.state <> ?) AS open_ticket \
             FROM meetings m WHERE m.id = ?",
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
        let sql = format!(
            "SELECT id FROM meetings WHERE system_id = ? AND placeholder_idx = ? AND id <> ? \
             AND state IN ({}) LIMIT 1",
            marks(&MeetingState::LIVE)
        );
        let mut query = sqlx::query_scalar(&sql)
            .bind(system.0)
            .bind(index as i64)
            .bind(except.0);
        for state in MeetingState::LIVE {
            query = query.bind(state.as_str());
        }
        Ok(query.fetch_optional(&mut *self.tx).await?.map(MeetingId))
    }

    async fn write_step(&mut self, id: MeetingId, step: &Step) -> Result<bool, StoreError> {
        let mut sets: Vec<&str> = Vec::new();
        if step.state.is_some() {
            sets.push("state = ?");
        }
        if step.placeholder.is_some() {
            sets.push("placeholder_idx = ?, co_space_id = ?");
        }
        if step.call.is_some() {
            sets.push("call_id = ?, call_endpoint = ?");
        }
        if step.applied_dress.is_some() {
            sets.push("applied_dress = ?");
        }
        if step.retry_at.is_some() {
            sets.push("retry_at_ms = ?");
        }
        if step.attempts.is_some() {
            sets.push("attempts = ?");
        }
        if step.call_created.is_some() {
            sets.push("call_created_ms = ?");
        }
        if step.failure.is_some() {
            sets.push("failure = ?");
        }
        if sets.is_empty() {
            return Ok(true);
        }
        let sql = format!("UPDATE meetings SET {} WHERE id = ?", sets.join(", "));
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
            sqlx::query_scalar("SELECT kind FROM ticket_filters WHERE system_id = ?")
                .bind(system.0)
                .fetch_all(&mut *self.tx)
                .await?;
        // A kind this version does not know hides nothing it raises.
        Ok(kinds.iter().filter_map(|k| TicketKind::parse(k)).collect())
    }

    async fn insert_ticket(&mut self, ticket: &NewTicket) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "INSERT INTO tickets (system_id, kind, severity, message, state, raised_ms) \
             VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
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
        let done = sqlx::query("UPDATE meetings SET ticket_id = ? WHERE id = ?")
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
