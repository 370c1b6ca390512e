//! Conferences, meetings and their history in PostgreSQL. Writes that must see what is booked
//! take the bookings' advisory lock first ([`Lock::Bookings`]), so racing savers run one after
//! the other, and hold the rows of the meetings they change (`FOR UPDATE`) against the engine.

use super::{Lock, PgStore, from_ms, ms};
use crate::booking::rules::{Booked, Occupancy, Span};
use crate::booking::{
    ConferenceId, ConferenceSettings, ConferenceType, MeetingEvent, MeetingId, MeetingState,
    Passcode, SipUri, Title,
};
use crate::store::StoreError;
use crate::store::bookings::{
    BookingStore, Changed, ConferenceRecord, MeetingFilter, MeetingRecord, MeetingSlot,
    NewConference, Placer, Relocation, SeriesChange, Step,
};
use crate::system::SystemId;
use crate::ticket::TicketKind;
use crate::{FieldErrors, UserId};
use sqlx::postgres::PgRow;
use sqlx::{Postgres, Row, Transaction};
use std::collections::HashMap;
use time::OffsetDateTime;

fn participants_of(text: Option<String>) -> Vec<SipUri> {
    text.unwrap_or_default()
        .split(' ')
        .filter_map(|u| SipUri::parse(u).ok())
        .collect()
}

/// A system's name as the pages show it (`s` being the systems table); a macro, so the queries
/// that need it take it in their text.
macro_rules! system_name {
    () => {
        "COALESCE(NULLIF(s.name, ''), 'No Name (' || replace(replace(s.address, 'https://', ''), 'http://', '') || ')')"
    };
}

const MEETING_COLUMNS: &str = concat!(
    "m.id, m.conference_id, m.occurrence, m.title, m.start_ms, m.end_ms, \
     m.system_id, m.state, m.placeholder_idx, m.co_space_id, m.call_id, m.call_endpoint, \
     m.dress_version, m.applied_dress, m.retry_at_ms, m.attempts, m.call_created_ms, m.failure, \
     m.ticket_id, c.conference_type, c.owner_id, c.owner_name, c.passcode, ",
    system_name!(),
    " AS system_name, \
     (SELECT string_agg(p.uri, ' ' ORDER BY p.position) FROM conference_participants p \
      WHERE p.conference_id = m.conference_id) AS participants"
);

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
        span: Span::new(start, end)
            .ok_or_else(|| StoreError::corrupt("span", "end before start"))?,
        system: SystemId(get_i64("system_id")?),
        system_name: row.try_get("system_name")?,
        state: MeetingState::parse(&state)
            .ok_or_else(|| StoreError::corrupt("meeting state", &state))?,
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
            .ok_or_else(|| StoreError::corrupt("conference type", &kind))?,
        owner: UserId(get_i64("owner_id")?),
        owner_name: row.try_get("owner_name")?,
        passcode: get_opt_str("passcode")?
            .and_then(|p| Passcode::parse_optional(&p).ok().flatten()),
        participants: participants_of(get_opt_str("participants")?),
    })
}

/// What holds capacity around `[from, to)`, read inside the caller's transaction.
async fn occupancy(
    tx: &mut Transaction<'static, Postgres>,
    from: OffsetDateTime,
    to: OffsetDateTime,
    leave_out: &[MeetingId],
) -> Result<Occupancy, StoreError> {
    let capacity =
        sqlx::query("SELECT system_id, COUNT(*) AS n FROM placeholders GROUP BY system_id")
            .fetch_all(&mut **tx)
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
         FROM meetings m WHERE m.state IN ('pending', 'starting', 'ongoing', 'ending') \
         AND m.start_ms < $1 AND m.end_ms > $2",
    )
    .bind(ms(to))
    .bind(ms(from))
    .fetch_all(&mut **tx)
    .await?;
    let mut booked = Vec::with_capacity(rows.len());
    for r in rows {
        let id = MeetingId(r.try_get("id")?);
        if leave_out.contains(&id) {
            continue;
        }
        let start = from_ms(r.try_get("start_ms")?);
        let end = from_ms(r.try_get("end_ms")?);
        booked.push(Booked {
            meeting: id,
            system: SystemId(r.try_get("system_id")?),
            span: Span::new(start, end)
                .ok_or_else(|| StoreError::corrupt("span", "end before start"))?,
            participants: participants_of(r.try_get("participants")?),
        });
    }
    Ok(Occupancy { capacity, booked })
}

async fn insert_event(
    tx: &mut Transaction<'static, Postgres>,
    id: MeetingId,
    actor: Option<&str>,
    action: &str,
    outcome: &str,
) -> Result<(), StoreError> {
    let event = crate::store::bookings::NewEvent {
        actor: actor.map(str::to_string),
        action: action.to_string(),
        outcome: outcome.to_string(),
    };
    insert_events(tx, &[(id, &event)]).await
}

/// History lines, all in one statement (a batch of engine steps writes them all at once).
async fn insert_events(
    tx: &mut Transaction<'static, Postgres>,
    events: &[(MeetingId, &crate::store::bookings::NewEvent)],
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
            let name: Option<String> = sqlx::query_scalar(concat!(
                "SELECT ",
                system_name!(),
                " FROM systems s WHERE s.id = $1"
            ))
            .bind(system.0)
            .fetch_optional(&mut *tx)
            .await?;
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

    async fn insert_conference(
        &self,
        new: &NewConference,
        place: &Placer<'_>,
    ) -> Result<Result<(ConferenceId, Vec<MeetingId>), FieldErrors>, StoreError> {
        let (Some(from), Some(to)) = (
            new.occurrences.iter().map(Span::start).min(),
            new.occurrences.iter().map(Span::end).max(),
        ) else {
            return Ok(Err(FieldErrors::single("date", "no occurrence to book")));
        };
        let mut tx = self.immediate().await?;
        let occupancy = occupancy(&mut tx, from, to, &[]).await?;
        let system = match place(&occupancy, &new.occurrences) {
            Ok(system) => system,
            Err(errors) => return Ok(Err(errors)),
        };
        let conference: i64 = sqlx::query_scalar(
            "INSERT INTO conferences (owner_id, owner_name, conference_type, auto_system, \
             time_zone, passcode, notes, recurrence, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
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
        .fetch_one(&mut *tx)
        .await?;
        for (position, uri) in new.participants.iter().enumerate() {
            sqlx::query(
                "INSERT INTO conference_participants (conference_id, position, uri) VALUES ($1, $2, $3)",
            )
            .bind(conference)
            .bind(position as i64)
            .bind(uri.as_str())
            .execute(&mut *tx)
            .await
            ?;
        }
        let mut meetings = Vec::with_capacity(new.occurrences.len());
        for (occurrence, span) in new.occurrences.iter().enumerate() {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO meetings (conference_id, occurrence, title, start_ms, end_ms, \
                 system_id, state) VALUES ($1, $2, $3, $4, $5, $6, 'pending') RETURNING id",
            )
            .bind(conference)
            .bind(occurrence as i64 + 1)
            .bind(new.title.as_str())
            .bind(ms(span.start()))
            .bind(ms(span.end()))
            .bind(system.0)
            .fetch_one(&mut *tx)
            .await?;
            let id = MeetingId(id);
            insert_event(&mut tx, id, Some(&new.owner_name), "Booked", "saved").await?;
            meetings.push(id);
        }
        tx.commit().await?;
        Ok(Ok((ConferenceId(conference), meetings)))
    }

    async fn change_meeting(
        &self,
        id: MeetingId,
        title: &Title,
        span: Span,
        by: &str,
        action: &str,
    ) -> Result<Changed, StoreError> {
        let mut tx = self.immediate().await?;
        let row = sqlx::query(
            "SELECT m.state, m.system_id, m.start_ms, m.end_ms, \
             (SELECT string_agg(p.uri, ' ' ORDER BY p.position) FROM conference_participants p \
              WHERE p.conference_id = m.conference_id) AS participants \
             FROM meetings m WHERE m.id = $1 FOR UPDATE",
        )
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(Changed::NotFound);
        };
        let state: String = row.try_get("state")?;
        let state = MeetingState::parse(&state)
            .ok_or_else(|| StoreError::corrupt("meeting state", &state))?;
        let system = SystemId(row.try_get("system_id")?);
        let stored_start = from_ms(row.try_get("start_ms")?);
        let stored_end = from_ms(row.try_get("end_ms")?);
        let participants = participants_of(row.try_get("participants")?);
        if state.is_final() || state == MeetingState::Ending {
            return Ok(Changed::NotAllowed(state));
        }
        // A live meeting keeps its start.
        let span = if state.is_live() {
            match Span::new(stored_start, span.end()) {
                Some(s) => s,
                None => {
                    return Ok(Changed::Refused(FieldErrors::single(
                        "end_time",
                        "must be after the start",
                    )));
                }
            }
        } else {
            span
        };
        // Time given back (ending early, a shorter slot) books nothing new: the rules that guard
        // new time never refuse it, even where a shrunk placeholder range left the system over-full.
        let books_new_time = span.start() < stored_start || span.end() > stored_end;
        if books_new_time {
            // The same rules as a new booking's, on what else is booked (its other occurrences
            // included: moved onto one of them, its participants would be in both).
            let occupancy = occupancy(&mut tx, span.start(), span.end(), &[id]).await?;
            let mut refused = FieldErrors::default();
            if occupancy.first_over_capacity(system, &[span]).is_some() {
                refused.add(
                    "end_time",
                    "the system has no free placeholder for that time",
                );
            }
            if let Some(refusal) = occupancy.participants_refusal(&[span], &participants) {
                refused.add("participants", refusal);
            }
            if !refused.is_empty() {
                return Ok(Changed::Refused(refused));
            }
        }
        sqlx::query(
            "UPDATE meetings SET title = $1, start_ms = $2, end_ms = $3, \
             dress_version = dress_version + (CASE WHEN state IN ('starting', 'ongoing') THEN 1 ELSE 0 END) \
             WHERE id = $4",
        )
        .bind(title.as_str())
        .bind(ms(span.start()))
        .bind(ms(span.end()))
        .bind(id.0)
        .execute(&mut *tx)
        .await
        ?;
        let outcome = format!(
            "{} – {}",
            crate::zone::format_utc(span.start()),
            crate::zone::format_utc(span.end())
        );
        insert_event(&mut tx, id, Some(by), action, &outcome).await?;
        tx.commit().await?;
        Ok(Changed::Done)
    }

    async fn change_series(
        &self,
        conference: ConferenceId,
        change: &SeriesChange,
        relocation: Option<&Relocation<'_>>,
        by: &str,
    ) -> Result<Changed, StoreError> {
        let mut tx = self.immediate().await?;
        let kind: Option<String> =
            sqlx::query_scalar("SELECT conference_type FROM conferences WHERE id = $1")
                .bind(conference.0)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(kind) = kind else {
            return Ok(Changed::NotFound);
        };
        let stored_type = ConferenceType::parse(&kind)
            .ok_or_else(|| StoreError::corrupt("conference type", &kind))?;
        let rows = sqlx::query(
            "SELECT id, state, system_id, start_ms, end_ms FROM meetings WHERE conference_id = $1 \
             ORDER BY id FOR UPDATE",
        )
        .bind(conference.0)
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            return Ok(Changed::NotFound);
        }
        // Every occurrence not over yet (nor being put back), with its span after the change.
        let mut remaining: Vec<(MeetingId, MeetingState, SystemId, Span)> = Vec::new();
        for row in &rows {
            let id = MeetingId(row.try_get("id")?);
            let state: String = row.try_get("state")?;
            let state = MeetingState::parse(&state)
                .ok_or_else(|| StoreError::corrupt("meeting state", &state))?;
            let stored = Span::new(
                from_ms(row.try_get("start_ms")?),
                from_ms(row.try_get("end_ms")?),
            )
            .ok_or_else(|| StoreError::corrupt("span", "end before start"))?;
            let moved = change.moves.iter().find(|(m, _)| *m == id).map(|(_, s)| *s);
            if moved.is_some() && state != MeetingState::Pending {
                return Ok(Changed::NotAllowed(state));
            }
            if !state.is_final() && state != MeetingState::Ending {
                let system = SystemId(row.try_get("system_id")?);
                remaining.push((id, state, system, moved.unwrap_or(stored)));
            }
        }
        if change
            .moves
            .iter()
            .any(|(m, _)| !remaining.iter().any(|r| r.0 == *m))
        {
            return Ok(Changed::NotFound);
        }
        // The type is the conference's, and a running occurrence was started by it (dialled out
        // or not, a call or only capacity held): changing it under the meeting would leave the
        // engine ending something other than what it started.
        if change.conference_type != stored_type
            && let Some(live) = remaining.iter().find(|r| r.1.is_live())
        {
            return Ok(Changed::Refused(FieldErrors::single(
                "conference_type",
                format!(
                    "cannot change while the occurrence of {} runs (as {}): change it once it has ended",
                    crate::zone::format_utc(live.3.start()),
                    stored_type.label()
                ),
            )));
        }
        // Only pending occurrences move to another system: a running one keeps its call.
        let relocating: Vec<MeetingId> = match relocation {
            Some(_) => remaining
                .iter()
                .filter(|r| r.1 == MeetingState::Pending)
                .map(|r| r.0)
                .collect(),
            None => Vec::new(),
        };
        if relocation.is_some() && relocating.is_empty() {
            return Ok(Changed::Refused(FieldErrors::single(
                "system",
                "only meetings that have not started move to another system, and none is left",
            )));
        }
        let mut new_system = None;
        if let (Some(from), Some(to)) = (
            remaining.iter().map(|r| r.3.start()).min(),
            remaining.iter().map(|r| r.3.end()).max(),
        ) {
            let own: Vec<MeetingId> = rows
                .iter()
                .filter_map(|r| r.try_get("id").ok().map(MeetingId))
                .collect();
            // What the change books anew is left out of what is booked: the moved occurrences,
            // and every pending one when they change system.
            let mut leave_out: Vec<MeetingId> = change.moves.iter().map(|(m, _)| *m).collect();
            leave_out.extend(&relocating);
            let occupancy = occupancy(&mut tx, from, to, &leave_out).await?;
            if let Some(relocation) = relocation {
                // The new system takes every pending occurrence: the same placer (capacity,
                // participants) as a new booking's. The running ones stay where they are.
                let spans: Vec<Span> = remaining
                    .iter()
                    .filter(|r| relocating.contains(&r.0))
                    .map(|r| r.3)
                    .collect();
                match (relocation.place)(&occupancy, &spans) {
                    Ok(system) => new_system = Some(system),
                    Err(errors) => return Ok(Changed::Refused(errors)),
                }
            } else {
                let mut systems: Vec<SystemId> = remaining.iter().map(|r| r.2).collect();
                systems.dedup();
                for system in systems {
                    let spans: Vec<Span> = change
                        .moves
                        .iter()
                        .filter(|(m, _)| remaining.iter().any(|r| r.0 == *m && r.2 == system))
                        .map(|(_, s)| *s)
                        .collect();
                    if let Some(at) = occupancy.first_over_capacity(system, &spans) {
                        return Ok(Changed::Refused(FieldErrors::single(
                            "start_time",
                            format!(
                                "the system has no free placeholder at {}",
                                crate::zone::format_utc(spans[at].start())
                            ),
                        )));
                    }
                }
            }
            // The series' own occurrences never clash with its participants.
            let others = Occupancy {
                capacity: occupancy.capacity,
                booked: occupancy
                    .booked
                    .into_iter()
                    .filter(|b| !own.contains(&b.meeting))
                    .collect(),
            };
            let spans: Vec<Span> = remaining.iter().map(|r| r.3).collect();
            if let Some(refusal) = others.participants_refusal(&spans, &change.participants) {
                return Ok(Changed::Refused(FieldErrors::single(
                    "participants",
                    refusal,
                )));
            }
        }
        sqlx::query("UPDATE conferences SET notes = $1, conference_type = $2 WHERE id = $3")
            .bind(&change.notes)
            .bind(change.conference_type.as_str())
            .bind(conference.0)
            .execute(&mut *tx)
            .await?;
        if let Some(passcode) = &change.passcode {
            sqlx::query("UPDATE conferences SET passcode = $1 WHERE id = $2")
                .bind(passcode.as_ref().map(Passcode::expose))
                .bind(conference.0)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM conference_participants WHERE conference_id = $1")
            .bind(conference.0)
            .execute(&mut *tx)
            .await?;
        for (position, uri) in change.participants.iter().enumerate() {
            sqlx::query(
                "INSERT INTO conference_participants (conference_id, position, uri) VALUES ($1, $2, $3)",
            )
            .bind(conference.0)
            .bind(position as i64)
            .bind(uri.as_str())
            .execute(&mut *tx)
            .await
            ?;
        }
        let moved_to = match (relocation, new_system) {
            (Some(relocation), Some(system)) => {
                sqlx::query("UPDATE conferences SET auto_system = $1 WHERE id = $2")
                    .bind(relocation.automatic)
                    .bind(conference.0)
                    .execute(&mut *tx)
                    .await?;
                let name: String = sqlx::query_scalar(concat!(
                    "SELECT ",
                    system_name!(),
                    " FROM systems s WHERE s.id = $1"
                ))
                .bind(system.0)
                .fetch_one(&mut *tx)
                .await?;
                Some((system, name))
            }
            _ => None,
        };
        for (id, state, _, span) in &remaining {
            if let Some((system, _)) = &moved_to
                && relocating.contains(id)
            {
                sqlx::query("UPDATE meetings SET system_id = $1 WHERE id = $2")
                    .bind(system.0)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?;
            }
            // A running meeting takes its new title (and passcode) at its next dress.
            sqlx::query(
                "UPDATE meetings SET title = $1, start_ms = $2, end_ms = $3, \
                 dress_version = dress_version + (CASE WHEN state IN ('starting', 'ongoing') THEN 1 ELSE 0 END) \
                 WHERE id = $4",
            )
            .bind(change.title.as_str())
            .bind(ms(span.start()))
            .bind(ms(span.end()))
            .bind(id.0)
            .execute(&mut *tx)
            .await
            ?;
            let outcome = if state.is_live() {
                "title and shared settings".to_string()
            } else {
                let on = match &moved_to {
                    Some((_, name)) => format!(" on {name}"),
                    None => String::new(),
                };
                format!(
                    "{} – {}{on}",
                    crate::zone::format_utc(span.start()),
                    crate::zone::format_utc(span.end())
                )
            };
            insert_event(&mut tx, *id, Some(by), "Series edited", &outcome).await?;
        }
        tx.commit().await?;
        Ok(Changed::Done)
    }

    async fn cancel_series(&self, conference: ConferenceId, by: &str) -> Result<usize, StoreError> {
        let mut tx = self.immediate().await?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "UPDATE meetings SET state = 'cancelled' WHERE conference_id = $1 AND state = 'pending' \
             RETURNING id",
        )
        .bind(conference.0)
        .fetch_all(&mut *tx)
        .await
        ?;
        for id in &ids {
            insert_event(
                &mut tx,
                MeetingId(*id),
                Some(by),
                "Series cancelled",
                "done",
            )
            .await?;
        }
        tx.commit().await?;
        Ok(ids.len())
    }

    async fn cancel_meeting(&self, id: MeetingId, by: &str) -> Result<Changed, StoreError> {
        let mut tx = self.immediate().await?;
        let state: Option<String> =
            sqlx::query_scalar("SELECT state FROM meetings WHERE id = $1 FOR UPDATE")
                .bind(id.0)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(state) = state else {
            return Ok(Changed::NotFound);
        };
        let state = MeetingState::parse(&state)
            .ok_or_else(|| StoreError::corrupt("meeting state", &state))?;
        if state != MeetingState::Pending {
            return Ok(Changed::NotAllowed(state));
        }
        sqlx::query("UPDATE meetings SET state = 'cancelled' WHERE id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        insert_event(&mut tx, id, Some(by), "Cancelled", "done").await?;
        tx.commit().await?;
        Ok(Changed::Done)
    }

    async fn conference(&self, id: ConferenceId) -> Result<Option<ConferenceRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT c.*, (SELECT string_agg(p.uri, ' ' ORDER BY p.position) \
             FROM conference_participants p WHERE p.conference_id = c.id) \
             AS participants FROM conferences c WHERE c.id = $1",
        )
        .bind(id.0)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let kind: String = row.try_get("conference_type")?;
        Ok(Some(ConferenceRecord {
            id,
            owner: UserId(row.try_get("owner_id")?),
            owner_name: row.try_get("owner_name")?,
            conference_type: ConferenceType::parse(&kind)
                .ok_or_else(|| StoreError::corrupt("conference type", &kind))?,
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
                    .ok_or_else(|| StoreError::corrupt("meeting span", "end ≤ start"))?,
                state: MeetingState::parse(&state)
                    .ok_or_else(|| StoreError::corrupt("meeting state", &state))?,
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
        let now = ms(now);
        sqlx::query(&format!(
            "SELECT {MEETING_COLUMNS}{MEETING_FROM} WHERE \
             (m.state = 'pending' AND m.start_ms - $1 <= $2) \
             OR (m.state IN ('starting', 'ending') AND COALESCE(m.retry_at_ms, 0) <= $3) \
             OR (m.state = 'ongoing' AND (m.end_ms <= $4 \
                 OR (m.dress_version > m.applied_dress AND COALESCE(m.retry_at_ms, 0) <= $5))) \
             ORDER BY m.start_ms, m.id"
        ))
        .bind(early.whole_milliseconds() as i64)
        .bind(now)
        .bind(now)
        .bind(now)
        .bind(now)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(meeting_from_row)
        .collect()
    }

    async fn next_due(&self, early: time::Duration) -> Result<Option<OffsetDateTime>, StoreError> {
        let next: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(t) FROM ( \
             SELECT MIN(start_ms) - $1 AS t FROM meetings WHERE state = 'pending' \
             UNION ALL SELECT MIN(COALESCE(retry_at_ms, 0)) FROM meetings WHERE state IN ('starting', 'ending') \
             UNION ALL SELECT MIN(end_ms) FROM meetings WHERE state = 'ongoing' \
             UNION ALL SELECT MIN(COALESCE(retry_at_ms, 0)) FROM meetings \
             WHERE state = 'ongoing' AND dress_version > applied_dress) due",
        )
        .bind(early.whole_milliseconds() as i64)
        .fetch_one(self.pool())
        .await
        ?;
        Ok(next.map(from_ms))
    }

    async fn busy_placeholders(&self, system: SystemId) -> Result<Vec<u64>, StoreError> {
        let rows: Vec<i64> = sqlx::query_scalar(
            "SELECT placeholder_idx FROM meetings WHERE system_id = $1 AND placeholder_idx IS NOT NULL \
             AND state IN ('starting', 'ongoing', 'ending')",
        )
        .bind(system.0)
        .fetch_all(self.pool())
        .await
        ?;
        Ok(rows.into_iter().map(|i| i as u64).collect())
    }

    async fn record_steps(
        &self,
        fence: Option<&crate::lease::Fence>,
        steps: &[(MeetingId, MeetingState, Step)],
    ) -> Result<Vec<Result<bool, StoreError>>, StoreError> {
        // No bookings lock: each step's UPDATE re-checks its meeting's state on the row it locks.
        let mut tx = self.pool().begin().await?;
        if let Some(fence) = fence {
            super::lease::check_fence(&mut tx, fence).await?;
        }
        let mut outcomes = Vec::with_capacity(steps.len());
        let mut events = Vec::new();
        for (id, expected, step) in steps {
            // A refused statement aborts a PostgreSQL transaction: a step that may be refused
            // (claiming a placeholder) runs in its own savepoint, so the others stand.
            let applied = if matches!(step.placeholder, Some(Some(_))) {
                let mut savepoint = sqlx::Connection::begin(&mut *tx).await?;
                let applied = apply_step(&mut savepoint, *id, *expected, step).await;
                match &applied {
                    Ok(_) => savepoint.commit().await?,
                    Err(_) => savepoint.rollback().await?,
                }
                applied
            } else {
                apply_step(&mut tx, *id, *expected, step).await
            };
            let outcome = match applied {
                // Only the refused step is undone: the others stand.
                Err(conflict @ StoreError::Conflict { .. }) => Err(conflict),
                // Any other failure refuses the whole batch (the transaction is rolled back).
                Err(e) => return Err(e),
                Ok(recorded) => Ok(recorded),
            };
            if let (Ok(true), Some(event)) = (&outcome, &step.event) {
                events.push((*id, event));
            }
            outcomes.push(outcome);
        }
        insert_events(&mut tx, &events).await?;
        tx.commit().await?;
        Ok(outcomes)
    }
}

/// `select` (from `meetings m` joined with `conferences c`) narrowed by `filter`, by start time.
async fn filtered(
    store: &PgStore,
    select: &str,
    filter: &MeetingFilter,
) -> Result<Vec<PgRow>, StoreError> {
    // Every filter is bound; a NULL (or empty) one lets everything through.
    let sql = format!(
        "{select} WHERE ($1::BIGINT IS NULL OR m.end_ms > $1) \
         AND ($2::BIGINT IS NULL OR m.start_ms < $2) AND ($3::BIGINT IS NULL OR m.system_id = $3) \
         AND ($4::BIGINT IS NULL OR c.owner_id = $4) \
         AND ($5::BIGINT IS NULL OR m.conference_id = $5) \
         AND (cardinality($6::TEXT[]) = 0 OR m.state = ANY($6)) \
         AND ($7::TEXT IS NULL OR strpos(lower(m.title), lower($7)) > 0) \
         ORDER BY m.start_ms, m.id LIMIT $8"
    );
    let states: Vec<String> = filter.states.iter().map(|s| s.as_str().into()).collect();
    sqlx::query(&sql)
        .bind(filter.from.map(ms))
        .bind(filter.to.map(ms))
        .bind(filter.system.map(|s| s.0))
        .bind(filter.owner.map(|o| o.0))
        .bind(filter.conference.map(|c| c.0))
        .bind(states)
        .bind(filter.title_contains.clone())
        .bind(filter.limit.map(i64::from))
        .fetch_all(store.pool())
        .await
        .map_err(StoreError::from)
}

/// One engine step inside the caller's transaction, but for its history line: false (nothing
/// written) if the meeting is no longer `expected`; a `Conflict` is refused by the UPDATE, the
/// step's first write.
async fn apply_step(
    tx: &mut sqlx::PgConnection,
    id: MeetingId,
    expected: MeetingState,
    step: &Step,
) -> Result<bool, StoreError> {
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
    if !sets.is_empty() {
        let (id_mark, state_mark) = (next(), next());
        let booked = if step.booked_as.is_some() {
            format!(
                " AND system_id = {} AND start_ms = {} AND end_ms = {}",
                next(),
                next(),
                next()
            )
        } else {
            String::new()
        };
        let sql = format!(
            "UPDATE meetings SET {} WHERE id = {id_mark} AND state = {state_mark}{booked}",
            sets.join(", ")
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
        query = query.bind(id.0).bind(expected.as_str());
        if let Some((system, span)) = &step.booked_as {
            query = query
                .bind(system.0)
                .bind(ms(span.start()))
                .bind(ms(span.end()));
        }
        let done = match query.execute(&mut *tx).await {
            Ok(done) => done,
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(StoreError::Conflict {
                    what: "a live meeting in that placeholder".into(),
                });
            }
            Err(e) => return Err(e.into()),
        };
        if done.rows_affected() != 1 {
            return Ok(false);
        }
    }
    if let Some(message) = &step.ticket {
        // One ticket per meeting: a second problem while the first ticket is still open is in
        // the meeting's history; once that ticket is closed, a new problem raises a new one.
        let open: Option<i64> = sqlx::query_scalar(
            "SELECT t.id FROM meetings m JOIN tickets t ON t.id = m.ticket_id \
             WHERE m.id = $1 AND t.state != 'closed'",
        )
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await?;
        if open.is_some() {
            return Ok(true);
        }
        let kind = TicketKind::MeetingFailed;
        // A kind the system hides is not raised.
        let ticket: Option<i64> = sqlx::query_scalar(
            "INSERT INTO tickets (system_id, kind, severity, message, state, raised_ms) \
             SELECT m.system_id, $1, $2, $3, 'open', $4 FROM meetings m WHERE m.id = $5 \
             AND NOT EXISTS (SELECT 1 FROM ticket_filters f \
                             WHERE f.system_id = m.system_id AND f.kind = $1) \
             RETURNING id",
        )
        .bind(kind.as_str())
        .bind(kind.severity().as_str())
        .bind(message)
        .bind(ms(OffsetDateTime::now_utc()))
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(ticket) = ticket else {
            return Ok(true);
        };
        sqlx::query("UPDATE meetings SET ticket_id = $1 WHERE id = $2")
            .bind(ticket)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
    }
    Ok(true)
}
