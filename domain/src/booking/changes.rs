//! The rules of a booking change: saving a booking, moving, extending, retitling, relocating and
//! cancelling meetings and series. Each rule is a plain function over what the store read under
//! its write lock (a [`Series`], an [`Occupancy`]) that returns the [`Writes`] to make or why not
//! ([`Changed`]); [`BookingChanges`] runs each change as read → decide → write in one
//! [`BookingWrite`], so the store only reads and writes.

use super::rules::{Occupancy, Span};
use super::{ConferenceId, ConferenceType, MeetingId, MeetingState, Passcode, SipUri, Title};
use crate::FieldErrors;
use crate::store::StoreError;
use crate::store::bookings::{
    BookingStore, BookingWrite, ConferenceUpdate, MeetingUpdate, NewConference, NewEvent,
    Occurrence, Series, Writes,
};
use crate::system::SystemId;
use crate::zone::format_utc;

/// Decides, on what is booked at the moment of saving, which system takes the spans given (or
/// why none may). Called inside the saving transaction, with the occupancy it read there.
pub type Placer<'a> =
    dyn Fn(&Occupancy, &[Span]) -> Result<SystemId, FieldErrors> + Send + Sync + 'a;

/// A series' pending occurrences moving to the system `place` chooses, `automatic` when it
/// chooses among every system with room (the conference remembers how its system was chosen).
pub struct Relocation<'a> {
    pub place: &'a Placer<'a>,
    pub automatic: bool,
}

/// A change of a whole series: what its conference shares (type, participants, passcode, notes)
/// and each remaining occurrence's title, plus new times for the pending ones in `moves`.
#[derive(Debug, Clone)]
pub struct SeriesChange {
    pub title: Title,
    /// Refused while an occurrence runs if it differs from the stored one.
    pub conference_type: ConferenceType,
    pub participants: Vec<SipUri>,
    /// `None` keeps the passcode; `Some(None)` removes it.
    pub passcode: Option<Option<Passcode>>,
    pub notes: String,
    /// New spans of pending occurrences (each must still be pending).
    pub moves: Vec<(MeetingId, Span)>,
}

/// What a change of a booked meeting's time or title may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changed {
    Done,
    NotFound,
    /// Its state does not allow it (e.g. a finished meeting).
    NotAllowed(MeetingState),
    Refused(FieldErrors),
}

/// A decision: what to write, or why nothing is.
pub type Decision<T = Writes> = Result<T, Changed>;

/// The capacity rule's words for one meeting's new time.
pub const NO_FREE_PLACEHOLDER: &str = "the system has no free placeholder for that time";

/// A meeting's time as its history says it.
pub fn span_outcome(span: Span) -> String {
    format!("{} – {}", format_utc(span.start()), format_utc(span.end()))
}

/// Whether `new` books time `stored` did not hold. Time given back (ending early, a shorter
/// slot) books nothing new: the rules that guard new time never refuse it, even where a shrunk
/// placeholder range left the system over-full.
pub fn books_new_time(stored: Span, new: Span) -> bool {
    new.start() < stored.start() || new.end() > stored.end()
}

/// Where a booking's occupancy is read: around every occurrence.
pub fn booking_window(occurrences: &[Span]) -> Option<Span> {
    Span::covering(occurrences.iter().copied())
}

/// Where a change of meeting `id` to `asked` reads the occupancy: around its time before and
/// after the change (a running meeting keeps its start).
pub fn meeting_window(current: &Occurrence, asked: Span) -> Span {
    Span::covering([current.span, asked]).unwrap_or(asked)
}

/// A change of one meeting's time and title (an edit, an extension, End now). A pending meeting
/// moves; a running one keeps its start (its end moves) and takes the change at its next dress;
/// one that is over or being ended does not change. Time it books beyond what it held passes
/// the booking rules: capacity on its system and its participants in one meeting at a time, on
/// what else is booked (its other occurrences included: moved onto one of them, its
/// participants would be in both).
pub fn decide_meeting_change(
    series: &Series,
    occupancy: &Occupancy,
    id: MeetingId,
    title: &Title,
    asked: Span,
    by: &str,
    action: &str,
) -> Decision {
    let Some(current) = series.occurrences.iter().find(|o| o.id == id) else {
        return Err(Changed::NotFound);
    };
    if !current.state.is_editable() {
        return Err(Changed::NotAllowed(current.state));
    }
    let span = if current.state.is_live() {
        Span::new(current.span.start(), asked.end()).ok_or_else(|| {
            Changed::Refused(FieldErrors::single("end_time", "must be after the start"))
        })?
    } else {
        asked
    };
    if books_new_time(current.span, span) {
        let others = occupancy.without(&[id]);
        let mut refused = FieldErrors::default();
        if others
            .first_over_capacity(current.system, &[span])
            .is_some()
        {
            refused.add("end_time", NO_FREE_PLACEHOLDER);
        }
        if let Some(refusal) = others.participants_refusal(&[span], &series.participants) {
            refused.add("participants", refusal);
        }
        if !refused.is_empty() {
            return Err(Changed::Refused(refused));
        }
    }
    Ok(Writes {
        conference: None,
        meetings: vec![(
            id,
            MeetingUpdate {
                title: Some(title.as_str().to_string()),
                span: Some(span),
                redress: current.state.takes_redress(),
                ..MeetingUpdate::default()
            },
        )],
        events: vec![(id, NewEvent::by(by, action, span_outcome(span)))],
    })
}

/// An occurrence a series change touches (not over, not being ended), with its span after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Remaining {
    id: MeetingId,
    state: MeetingState,
    system: SystemId,
    span: Span,
}

/// The occurrences a series change touches. Only pending occurrences move; a move of one that
/// is not part of the series (or is over) finds nothing.
fn remaining(series: &Series, change: &SeriesChange) -> Decision<Vec<Remaining>> {
    let mut remaining = Vec::new();
    for o in &series.occurrences {
        let moved = change
            .moves
            .iter()
            .find(|(m, _)| *m == o.id)
            .map(|(_, s)| *s);
        if moved.is_some() && o.state != MeetingState::Pending {
            return Err(Changed::NotAllowed(o.state));
        }
        if o.state.is_editable() {
            remaining.push(Remaining {
                id: o.id,
                state: o.state,
                system: o.system,
                span: moved.unwrap_or(o.span),
            });
        }
    }
    if change
        .moves
        .iter()
        .any(|(m, _)| !remaining.iter().any(|r| r.id == *m))
    {
        return Err(Changed::NotFound);
    }
    Ok(remaining)
}

/// Where a series change reads the occupancy: around every occurrence it touches, moved or not
/// (`None`: it touches none).
pub fn series_window(series: &Series, change: &SeriesChange) -> Decision<Option<Span>> {
    Ok(Span::covering(
        remaining(series, change)?.into_iter().map(|r| r.span),
    ))
}

/// A series change decided: what it writes once the new system (if any) has a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesPlan {
    conference: ConferenceId,
    update: ConferenceUpdate,
    title: Title,
    remaining: Vec<Remaining>,
    /// The system every pending occurrence moves to.
    pub moved_to: Option<SystemId>,
}

impl SeriesPlan {
    /// The writes, with the name of the system the pending occurrences moved to.
    pub fn writes(self, moved_to_name: Option<&str>, by: &str) -> Writes {
        let on = moved_to_name.map_or_else(String::new, |name| format!(" on {name}"));
        let mut writes = Writes {
            conference: Some((self.conference, self.update)),
            ..Writes::default()
        };
        for r in &self.remaining {
            // Only pending occurrences move to another system: a running one keeps its call, and
            // takes its new title (and passcode) at its next dress.
            let relocated = r.state == MeetingState::Pending;
            writes.meetings.push((
                r.id,
                MeetingUpdate {
                    title: Some(self.title.as_str().to_string()),
                    span: Some(r.span),
                    system: self.moved_to.filter(|_| relocated),
                    state: None,
                    redress: r.state.takes_redress(),
                },
            ));
            let outcome = if r.state.is_live() {
                "title and shared settings".to_string()
            } else {
                format!("{}{on}", span_outcome(r.span))
            };
            writes
                .events
                .push((r.id, NewEvent::by(by, "Series edited", outcome)));
        }
        writes
    }
}

/// A change of a whole series, all or nothing: the conference's shared fields, the title of
/// every occurrence not over yet, the moves of pending ones and, with `relocation`, the system
/// of every pending one, chosen by its placer. The type does not change while an occurrence
/// runs (the engine would end something other than what it started); moved occurrences must
/// fit their system's capacity; the participants must not be in another meeting at any of the
/// series' times (its own occurrences never clash with it).
pub fn decide_series_change(
    series: &Series,
    occupancy: &Occupancy,
    change: &SeriesChange,
    relocation: Option<&Relocation<'_>>,
) -> Decision<SeriesPlan> {
    if series.occurrences.is_empty() {
        return Err(Changed::NotFound);
    }
    let remaining = remaining(series, change)?;
    if change.conference_type != series.conference_type
        && let Some(live) = remaining.iter().find(|r| r.state.is_live())
    {
        return Err(Changed::Refused(FieldErrors::single(
            "conference_type",
            format!(
                "cannot change while the occurrence of {} runs (as {}): change it once it has ended",
                format_utc(live.span.start()),
                series.conference_type.label()
            ),
        )));
    }
    let relocating: Vec<MeetingId> = match relocation {
        Some(_) => remaining
            .iter()
            .filter(|r| r.state == MeetingState::Pending)
            .map(|r| r.id)
            .collect(),
        None => Vec::new(),
    };
    if relocation.is_some() && relocating.is_empty() {
        return Err(Changed::Refused(FieldErrors::single(
            "system",
            "only meetings that have not started move to another system, and none is left",
        )));
    }
    // What the change books anew is left out of what is booked: the moved occurrences, and
    // every pending one when they change system.
    let mut leave_out: Vec<MeetingId> = change.moves.iter().map(|(m, _)| *m).collect();
    leave_out.extend(&relocating);
    let occupancy = occupancy.without(&leave_out);
    let moved_to = match relocation {
        Some(relocation) => {
            // The same placer (capacity, participants) as a new booking's.
            let spans: Vec<Span> = remaining
                .iter()
                .filter(|r| relocating.contains(&r.id))
                .map(|r| r.span)
                .collect();
            Some((relocation.place)(&occupancy, &spans).map_err(Changed::Refused)?)
        }
        None => {
            let mut systems: Vec<SystemId> = Vec::new();
            for r in &remaining {
                if !systems.contains(&r.system) {
                    systems.push(r.system);
                }
            }
            for system in systems {
                let spans: Vec<Span> = change
                    .moves
                    .iter()
                    .filter(|(m, _)| remaining.iter().any(|r| r.id == *m && r.system == system))
                    .map(|(_, s)| *s)
                    .collect();
                if let Some(at) = occupancy.first_over_capacity(system, &spans) {
                    return Err(Changed::Refused(FieldErrors::single(
                        "start_time",
                        format!(
                            "the system has no free placeholder at {}",
                            format_utc(spans[at].start())
                        ),
                    )));
                }
            }
            None
        }
    };
    let own: Vec<MeetingId> = series.occurrences.iter().map(|o| o.id).collect();
    let spans: Vec<Span> = remaining.iter().map(|r| r.span).collect();
    if let Some(refusal) = occupancy
        .without(&own)
        .participants_refusal(&spans, &change.participants)
    {
        return Err(Changed::Refused(FieldErrors::single(
            "participants",
            refusal,
        )));
    }
    Ok(SeriesPlan {
        conference: series.id,
        update: ConferenceUpdate {
            conference_type: change.conference_type,
            notes: change.notes.clone(),
            passcode: change.passcode.clone(),
            participants: change.participants.clone(),
            auto_system: moved_to.and(relocation.map(|r| r.automatic)),
        },
        title: change.title.clone(),
        remaining,
        moved_to,
    })
}

/// Cancelling one meeting: only one that has not started.
pub fn decide_cancel(occurrence: Option<&Occurrence>, by: &str) -> Decision {
    let Some(o) = occurrence else {
        return Err(Changed::NotFound);
    };
    if o.state != MeetingState::Pending {
        return Err(Changed::NotAllowed(o.state));
    }
    Ok(cancelled(&[o.id], by, "Cancelled"))
}

/// Cancelling a series: every occurrence that has not started (none when there is no series).
pub fn decide_cancel_series(series: Option<&Series>, by: &str) -> Writes {
    let pending: Vec<MeetingId> = series
        .into_iter()
        .flat_map(|s| &s.occurrences)
        .filter(|o| o.state == MeetingState::Pending)
        .map(|o| o.id)
        .collect();
    cancelled(&pending, by, "Series cancelled")
}

fn cancelled(ids: &[MeetingId], by: &str, action: &str) -> Writes {
    Writes {
        conference: None,
        meetings: ids
            .iter()
            .map(|id| {
                (
                    *id,
                    MeetingUpdate {
                        state: Some(MeetingState::Cancelled),
                        ..MeetingUpdate::default()
                    },
                )
            })
            .collect(),
        events: ids
            .iter()
            .map(|id| (*id, NewEvent::by(by, action, "done")))
            .collect(),
    }
}

/// Writes a decision; false (and the caller drops the transaction, writing nothing) when a row
/// it names is gone.
async fn write(tx: &mut Box<dyn BookingWrite>, writes: &Writes) -> Result<bool, StoreError> {
    if let Some((id, update)) = &writes.conference
        && !tx.update_conference(*id, update).await?
    {
        return Ok(false);
    }
    for (id, update) in &writes.meetings {
        if !tx.update_meeting(*id, update).await? {
            return Ok(false);
        }
    }
    let events: Vec<(MeetingId, &NewEvent)> =
        writes.events.iter().map(|(id, e)| (*id, e)).collect();
    tx.add_events(&events).await?;
    Ok(true)
}

/// Writes and commits a decision.
async fn commit(mut tx: Box<dyn BookingWrite>, decision: Decision) -> Result<Changed, StoreError> {
    let writes = match decision {
        Ok(writes) => writes,
        Err(changed) => return Ok(changed),
    };
    if !write(&mut tx, &writes).await? {
        return Ok(Changed::NotFound);
    }
    tx.commit().await?;
    Ok(Changed::Done)
}

/// Every booking change, each as read → decide → write in one write transaction of the store.
#[async_trait::async_trait]
pub trait BookingChanges {
    /// Saves the conference and its meetings on the system `place` chooses (or refuses), on what
    /// is booked around them at that moment.
    async fn insert_conference(
        &self,
        conference: &NewConference,
        place: &Placer<'_>,
    ) -> Result<Result<(ConferenceId, Vec<MeetingId>), FieldErrors>, StoreError>;

    /// [`decide_meeting_change`]: moves a meeting (pending: start and end; live: end only) and
    /// retitles it.
    async fn change_meeting(
        &self,
        id: MeetingId,
        title: &Title,
        span: Span,
        by: &str,
        action: &str,
    ) -> Result<Changed, StoreError>;

    /// [`decide_series_change`].
    async fn change_series(
        &self,
        conference: ConferenceId,
        change: &SeriesChange,
        relocation: Option<&Relocation<'_>>,
        by: &str,
    ) -> Result<Changed, StoreError>;

    /// Cancels every pending occurrence of a conference; how many were cancelled.
    async fn cancel_series(&self, conference: ConferenceId, by: &str) -> Result<usize, StoreError>;

    /// Cancels a pending meeting.
    async fn cancel_meeting(&self, id: MeetingId, by: &str) -> Result<Changed, StoreError>;
}

#[async_trait::async_trait]
impl<S: BookingStore + ?Sized> BookingChanges for S {
    async fn insert_conference(
        &self,
        new: &NewConference,
        place: &Placer<'_>,
    ) -> Result<Result<(ConferenceId, Vec<MeetingId>), FieldErrors>, StoreError> {
        let Some(window) = booking_window(&new.occurrences) else {
            return Ok(Err(FieldErrors::single("date", "no occurrence to book")));
        };
        let mut tx = self.begin_write(None).await?;
        let occupancy = tx.occupancy(window).await?;
        let system = match place(&occupancy, &new.occurrences) {
            Ok(system) => system,
            Err(errors) => return Ok(Err(errors)),
        };
        let (conference, meetings) = tx.insert_conference(new, system).await?;
        let booked = NewEvent::by(&new.owner_name, "Booked", "saved");
        let events: Vec<(MeetingId, &NewEvent)> = meetings.iter().map(|m| (*m, &booked)).collect();
        tx.add_events(&events).await?;
        tx.commit().await?;
        Ok(Ok((conference, meetings)))
    }

    async fn change_meeting(
        &self,
        id: MeetingId,
        title: &Title,
        span: Span,
        by: &str,
        action: &str,
    ) -> Result<Changed, StoreError> {
        let mut tx = self.begin_write(None).await?;
        let Some(current) = tx.occurrence(id).await? else {
            return Ok(Changed::NotFound);
        };
        let Some(series) = tx.series(current.conference).await? else {
            return Ok(Changed::NotFound);
        };
        let occupancy = tx.occupancy(meeting_window(&current, span)).await?;
        let decision = decide_meeting_change(&series, &occupancy, id, title, span, by, action);
        commit(tx, decision).await
    }

    async fn change_series(
        &self,
        conference: ConferenceId,
        change: &SeriesChange,
        relocation: Option<&Relocation<'_>>,
        by: &str,
    ) -> Result<Changed, StoreError> {
        let mut tx = self.begin_write(None).await?;
        let Some(series) = tx.series(conference).await? else {
            return Ok(Changed::NotFound);
        };
        let occupancy = match series_window(&series, change) {
            Ok(Some(window)) => tx.occupancy(window).await?,
            Ok(None) => Occupancy::default(),
            Err(changed) => return Ok(changed),
        };
        let plan = match decide_series_change(&series, &occupancy, change, relocation) {
            Ok(plan) => plan,
            Err(changed) => return Ok(changed),
        };
        let name = match plan.moved_to {
            Some(system) => Some(
                tx.system_name(system)
                    .await?
                    .unwrap_or_else(|| format!("system {}", system.0)),
            ),
            None => None,
        };
        let writes = plan.writes(name.as_deref(), by);
        commit(tx, Ok(writes)).await
    }

    async fn cancel_series(&self, conference: ConferenceId, by: &str) -> Result<usize, StoreError> {
        let mut tx = self.begin_write(None).await?;
        let series = tx.series(conference).await?;
        let writes = decide_cancel_series(series.as_ref(), by);
        let cancelled = writes.meetings.len();
        match commit(tx, Ok(writes)).await? {
            Changed::Done => Ok(cancelled),
            _ => Ok(0),
        }
    }

    async fn cancel_meeting(&self, id: MeetingId, by: &str) -> Result<Changed, StoreError> {
        let mut tx = self.begin_write(None).await?;
        let occurrence = tx.occurrence(id).await?;
        let decision = decide_cancel(occurrence.as_ref(), by);
        commit(tx, decision).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::booking::rules::{Booked, span};
    use std::collections::HashMap;

    const SYS: SystemId = SystemId(1);

    fn uri(u: &str) -> SipUri {
        SipUri::parse(u).unwrap()
    }

    fn occurrence(id: i64, state: MeetingState, s: Span) -> Occurrence {
        Occurrence {
            id: MeetingId(id),
            conference: ConferenceId(7),
            state,
            system: SYS,
            span: s,
        }
    }

    fn series(occurrences: Vec<Occurrence>) -> Series {
        Series {
            id: ConferenceId(7),
            conference_type: ConferenceType::AutomaticConnect,
            participants: vec![uri("desk@example.com")],
            occurrences,
        }
    }

    /// One placeholder on SYS; `booked` other meetings (id ≥ 100).
    fn occupancy(booked: &[(i64, Span, &[&str])]) -> Occupancy {
        Occupancy {
            capacity: HashMap::from([(SYS, 1)]),
            booked: booked
                .iter()
                .map(|(id, s, who)| Booked {
                    meeting: MeetingId(*id),
                    system: SYS,
                    span: *s,
                    participants: who.iter().map(|u| uri(u)).collect(),
                })
                .collect(),
        }
    }

    fn title() -> Title {
        Title::parse("Weekly").unwrap()
    }

    fn refused_field(d: &Decision) -> Option<(String, String)> {
        match d {
            Err(Changed::Refused(e)) => e.0.first().map(|e| (e.field.clone(), e.message.clone())),
            _ => None,
        }
    }

    #[test]
    fn what_a_change_of_one_meeting_may_do() {
        use MeetingState::*;
        // (state, stored, asked, booked elsewhere, expected: Ok(span written, redress) or the
        // refusal's field / NotAllowed)
        enum Want {
            Writes(Span, bool),
            Field(&'static str),
            NotAllowed,
        }
        type Elsewhere = Vec<(i64, Span, &'static [&'static str])>;
        let table: Vec<(MeetingState, Span, Span, Elsewhere, Want)> = vec![
            (
                Pending,
                span(0, 60),
                span(120, 180),
                vec![],
                Want::Writes(span(120, 180), false),
            ),
            // A running meeting keeps its start and is re-dressed.
            (
                Ongoing,
                span(0, 60),
                span(30, 90),
                vec![],
                Want::Writes(span(0, 90), true),
            ),
            (
                Starting,
                span(0, 60),
                span(0, 90),
                vec![],
                Want::Writes(span(0, 90), true),
            ),
            (Ending, span(0, 60), span(0, 90), vec![], Want::NotAllowed),
            (Finished, span(0, 60), span(0, 90), vec![], Want::NotAllowed),
            (
                Cancelled,
                span(0, 60),
                span(0, 90),
                vec![],
                Want::NotAllowed,
            ),
            // The one placeholder is taken from 60: extending into it is refused…
            (
                Ongoing,
                span(0, 60),
                span(0, 90),
                vec![(100, span(60, 120), &[])],
                Want::Field("end_time"),
            ),
            // …giving time back is not, even over-full.
            (
                Pending,
                span(0, 60),
                span(0, 30),
                vec![(100, span(0, 60), &[])],
                Want::Writes(span(0, 30), false),
            ),
            // Back to back is free.
            (
                Pending,
                span(0, 60),
                span(120, 180),
                vec![(100, span(60, 120), &[])],
                Want::Writes(span(120, 180), false),
            ),
            // A running meeting's new end must be after its start.
            (
                Ongoing,
                span(30, 60),
                span(0, 10),
                vec![],
                Want::Field("end_time"),
            ),
        ];
        for (n, (state, stored, asked, booked, want)) in table.into_iter().enumerate() {
            let series = series(vec![occurrence(1, state, stored)]);
            let d = decide_meeting_change(
                &series,
                &occupancy(&booked),
                MeetingId(1),
                &title(),
                asked,
                "alice",
                "Edited",
            );
            match want {
                Want::Writes(s, redress) => {
                    let writes = d.unwrap_or_else(|e| panic!("row {n}: {e:?}"));
                    assert_eq!(
                        writes.meetings,
                        vec![(
                            MeetingId(1),
                            MeetingUpdate {
                                title: Some("Weekly".into()),
                                span: Some(s),
                                redress,
                                ..MeetingUpdate::default()
                            }
                        )],
                        "row {n}"
                    );
                    assert_eq!(
                        writes.events,
                        vec![(
                            MeetingId(1),
                            NewEvent::by("alice", "Edited", span_outcome(s))
                        )],
                        "row {n}"
                    );
                }
                Want::Field(field) => {
                    assert_eq!(
                        refused_field(&d).map(|f| f.0),
                        Some(field.into()),
                        "row {n}: {d:?}"
                    )
                }
                Want::NotAllowed => assert_eq!(d, Err(Changed::NotAllowed(state)), "row {n}"),
            }
        }
        // Capacity and participants are both named at once.
        let d = decide_meeting_change(
            &series(vec![occurrence(1, Pending, span(0, 60))]),
            &occupancy(&[(100, span(60, 120), &["desk@example.com"])]),
            MeetingId(1),
            &title(),
            span(0, 90),
            "alice",
            "Extended by 30 min",
        );
        let Err(Changed::Refused(errors)) = d else {
            panic!("{d:?}")
        };
        assert_eq!(errors.for_field("end_time"), Some(NO_FREE_PLACEHOLDER));
        assert_eq!(
            errors.for_field("participants"),
            Some("already in another meeting at that time: desk@example.com")
        );
        assert_eq!(
            decide_meeting_change(
                &series(vec![]),
                &Occupancy::default(),
                MeetingId(1),
                &title(),
                span(0, 1),
                "alice",
                "Edited"
            ),
            Err(Changed::NotFound)
        );
    }

    fn change(moves: Vec<(i64, Span)>, kind: ConferenceType) -> SeriesChange {
        SeriesChange {
            title: title(),
            conference_type: kind,
            participants: vec![uri("desk@example.com")],
            passcode: None,
            notes: "n".into(),
            moves: moves.into_iter().map(|(m, s)| (MeetingId(m), s)).collect(),
        }
    }

    #[test]
    fn what_a_change_of_a_series_may_do() {
        use MeetingState::*;
        let auto = ConferenceType::AutomaticConnect;
        let live = series(vec![
            occurrence(1, Finished, span(-1440, -1380)),
            occurrence(2, Ongoing, span(0, 60)),
            occurrence(3, Pending, span(1440, 1500)),
        ]);
        // The type does not change under a running occurrence.
        let d = decide_series_change(
            &live,
            &Occupancy::default(),
            &change(vec![], ConferenceType::NoConnect),
            None,
        );
        assert!(
            matches!(&d, Err(Changed::Refused(e)) if e.for_field("conference_type").is_some()),
            "{d:?}"
        );
        // Only pending occurrences move; one over is not found among those remaining.
        assert_eq!(
            decide_series_change(
                &live,
                &Occupancy::default(),
                &change(vec![(2, span(10, 70))], auto),
                None
            ),
            Err(Changed::NotAllowed(Ongoing))
        );
        assert_eq!(
            decide_series_change(
                &live,
                &Occupancy::default(),
                &change(vec![(9, span(10, 70))], auto),
                None
            ),
            Err(Changed::NotFound)
        );
        // A move into a taken placeholder names the occurrence's time.
        let d = decide_series_change(
            &live,
            &occupancy(&[(100, span(2880, 2940), &[])]),
            &change(vec![(3, span(2880, 2940))], auto),
            None,
        );
        assert!(
            matches!(&d, Err(Changed::Refused(e)) if e.for_field("start_time").is_some_and(|m| m.starts_with("the system has no free placeholder at"))),
            "{d:?}"
        );
        // Its own occurrences never clash with its participants; another meeting does.
        let own = occupancy(&[(2, span(0, 60), &["desk@example.com"])]);
        assert!(decide_series_change(&live, &own, &change(vec![], auto), None).is_ok());
        let other = Occupancy {
            capacity: HashMap::from([(SYS, 5)]),
            ..occupancy(&[(100, span(1440, 1500), &["desk@example.com"])])
        };
        let d = decide_series_change(&live, &other, &change(vec![], auto), None);
        assert!(
            matches!(&d, Err(Changed::Refused(e)) if e.for_field("participants").is_some()),
            "{d:?}"
        );

        // Relocation: the placer chooses for the pending ones only; the running one stays.
        let to = SystemId(2);
        let place = move |_: &Occupancy, spans: &[Span]| {
            assert_eq!(spans, &[span(1440, 1500)]);
            Ok(to)
        };
        let relocation = Relocation {
            place: &place,
            automatic: true,
        };
        let plan = decide_series_change(
            &live,
            &Occupancy::default(),
            &change(vec![], auto),
            Some(&relocation),
        )
        .unwrap();
        assert_eq!(plan.moved_to, Some(to));
        let writes = plan.writes(Some("Beta"), "alice");
        let (_, update) = writes.conference.clone().unwrap();
        assert_eq!(update.auto_system, Some(true));
        let systems: Vec<(MeetingId, Option<SystemId>, bool)> = writes
            .meetings
            .iter()
            .map(|(id, u)| (*id, u.system, u.redress))
            .collect();
        assert_eq!(
            systems,
            vec![(MeetingId(2), None, true), (MeetingId(3), Some(to), false)]
        );
        assert_eq!(writes.events[0].1.outcome, "title and shared settings");
        assert!(
            writes.events[1].1.outcome.ends_with(" on Beta"),
            "{:?}",
            writes.events[1]
        );
        // Nothing pending is left to move.
        let started = series(vec![occurrence(2, Ongoing, span(0, 60))]);
        let d = decide_series_change(
            &started,
            &Occupancy::default(),
            &change(vec![], auto),
            Some(&relocation),
        );
        assert!(
            matches!(&d, Err(Changed::Refused(e)) if e.for_field("system").is_some()),
            "{d:?}"
        );
        // The placer's refusal is the change's.
        let full = |_: &Occupancy, _: &[Span]| Err(FieldErrors::single("system", "full"));
        let d = decide_series_change(
            &live,
            &Occupancy::default(),
            &change(vec![], auto),
            Some(&Relocation {
                place: &full,
                automatic: false,
            }),
        );
        assert_eq!(
            d,
            Err(Changed::Refused(FieldErrors::single("system", "full")))
        );
        assert_eq!(
            series_window(&live, &change(vec![(3, span(2000, 2060))], auto)),
            Ok(Some(span(0, 2060)))
        );
    }

    #[test]
    fn only_pending_meetings_are_cancelled() {
        use MeetingState::*;
        for state in MeetingState::ALL {
            let o = occurrence(1, state, span(0, 60));
            let d = decide_cancel(Some(&o), "alice");
            if state == Pending {
                let w = d.unwrap();
                assert_eq!(w.meetings[0].1.state, Some(Cancelled));
                assert_eq!(
                    w.events,
                    vec![(MeetingId(1), NewEvent::by("alice", "Cancelled", "done"))]
                );
            } else {
                assert_eq!(d, Err(Changed::NotAllowed(state)));
            }
        }
        assert_eq!(decide_cancel(None, "alice"), Err(Changed::NotFound));
        let s = series(vec![
            occurrence(1, Finished, span(0, 60)),
            occurrence(2, Pending, span(60, 120)),
            occurrence(3, Ongoing, span(0, 60)),
            occurrence(4, Pending, span(120, 180)),
        ]);
        let w = decide_cancel_series(Some(&s), "alice");
        let ids: Vec<MeetingId> = w.meetings.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, vec![MeetingId(2), MeetingId(4)]);
        assert!(decide_cancel_series(None, "alice").meetings.is_empty());
    }

    #[test]
    fn new_time_and_windows() {
        assert!(books_new_time(span(0, 60), span(0, 90)));
        assert!(books_new_time(span(0, 60), span(-10, 60)));
        assert!(!books_new_time(span(0, 60), span(10, 50)));
        assert_eq!(
            booking_window(&[span(60, 90), span(0, 10)]),
            Some(span(0, 90))
        );
        assert_eq!(booking_window(&[]), None);
        let o = occurrence(1, MeetingState::Ongoing, span(0, 60));
        assert_eq!(meeting_window(&o, span(30, 120)), span(0, 120));
    }
}
