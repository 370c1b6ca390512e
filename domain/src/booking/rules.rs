//! The booking rules that compare a booking with what is already booked: overlap, capacity
//! (placeholders per system) and participants booked twice. Pure functions: the store runs them
//! inside the transaction that saves, on what is booked at that moment.

use super::{MeetingId, SipUri};
use crate::system::SystemId;
use std::collections::HashMap;
use time::OffsetDateTime;

/// A meeting's time: `[start, end)`, start strictly before end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    start: OffsetDateTime,
    end: OffsetDateTime,
}

impl Span {
    pub fn new(start: OffsetDateTime, end: OffsetDateTime) -> Option<Span> {
        (start < end).then_some(Span { start, end })
    }

    pub fn start(&self) -> OffsetDateTime {
        self.start
    }

    pub fn end(&self) -> OffsetDateTime {
        self.end
    }

    /// The smallest span covering every span given, if any.
    pub fn covering(spans: impl IntoIterator<Item = Span>) -> Option<Span> {
        spans.into_iter().reduce(|a, b| Span {
            start: a.start.min(b.start),
            end: a.end.max(b.end),
        })
    }

    /// Back-to-back meetings (one ends when the next starts) do not overlap.
    pub fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// The most spans running at the same instant.
pub fn peak(spans: &[Span]) -> usize {
    // Ends sort before starts at the same instant: back-to-back is not concurrent.
    let mut edges: Vec<(OffsetDateTime, i32)> = spans
        .iter()
        .flat_map(|s| [(s.start, 1), (s.end, -1)])
        .collect();
    edges.sort();
    let (mut running, mut most) = (0i32, 0i32);
    for (_, delta) in edges {
        running += delta;
        most = most.max(running);
    }
    most as usize
}

/// Whether a meeting due to start while every placeholder of its system is held will get one:
/// by the booking rule (capacity counts only meetings whose time overlaps, so back-to-back
/// meetings share a placeholder), some of the `held` spans end before `span` starts, and their
/// placeholders are about to be put back. The engine then waits for one instead of calling the
/// meeting Defective. `capacity` is the system's placeholder count.
pub fn placeholder_to_be_freed(span: &Span, held: &[Span], capacity: usize) -> bool {
    held.iter().filter(|h| h.overlaps(span)).count() < capacity
}

/// A meeting already booked, as the rules need it.
#[derive(Debug, Clone)]
pub struct Booked {
    pub meeting: MeetingId,
    pub system: SystemId,
    pub span: Span,
    pub participants: Vec<SipUri>,
}

/// What is booked around a new booking's time, read in the saving transaction.
#[derive(Debug, Clone, Default)]
pub struct Occupancy {
    /// Placeholders per system: the most meetings it can run at once.
    pub capacity: HashMap<SystemId, usize>,
    /// Meetings holding capacity that overlap the new booking's time (those being edited left out).
    pub booked: Vec<Booked>,
}

impl Occupancy {
    /// The same without the meetings `leave_out` (those a change books anew).
    pub fn without(&self, leave_out: &[MeetingId]) -> Occupancy {
        Occupancy {
            capacity: self.capacity.clone(),
            booked: self
                .booked
                .iter()
                .filter(|b| !leave_out.contains(&b.meeting))
                .cloned()
                .collect(),
        }
    }

    /// Whether `spans` all fit on `system` beside what is booked there: at no instant more
    /// meetings than placeholders. The first span that does not fit, if any.
    pub fn first_over_capacity(&self, system: SystemId, spans: &[Span]) -> Option<usize> {
        let capacity = self.capacity.get(&system).copied().unwrap_or(0);
        spans.iter().position(|span| {
            let around = self
                .booked
                .iter()
                .filter(|b| b.system == system && b.span.overlaps(span))
                .map(|b| b.span)
                .chain(spans.iter().copied().filter(|s| s.overlaps(span)))
                .filter_map(|s| Span::new(s.start.max(span.start), s.end.min(span.end)))
                .collect::<Vec<_>>();
            peak(&around) > capacity
        })
    }

    /// Participants of the new booking already booked in an overlapping meeting (any system).
    pub fn double_booked(&self, spans: &[Span], participants: &[SipUri]) -> Vec<SipUri> {
        let mut clashes: Vec<SipUri> = participants
            .iter()
            .filter(|uri| {
                self.booked.iter().any(|b| {
                    b.participants.contains(uri) && spans.iter().any(|s| s.overlaps(&b.span))
                })
            })
            .cloned()
            .collect();
        clashes.sort();
        clashes.dedup();
        clashes
    }

    /// The participants rule as the user reads it (the `participants` field's message): who is
    /// already in an overlapping meeting, if anyone.
    pub fn participants_refusal(&self, spans: &[Span], participants: &[SipUri]) -> Option<String> {
        let clashes = self.double_booked(spans, participants);
        (!clashes.is_empty()).then(|| {
            format!(
                "already in another meeting at that time: {}",
                clashes
                    .iter()
                    .map(SipUri::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
    }
}

/// A span from `start_minute` to `end_minute` after 2026-11-24 09:00 UTC (the rules' tests).
#[cfg(test)]
pub(crate) fn span(start_minute: i64, end_minute: i64) -> Span {
    let base = time::macros::datetime!(2026-11-24 09:00 UTC);
    Span::new(
        base + time::Duration::minutes(start_minute),
        base + time::Duration::minutes(end_minute),
    )
    .unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn booked(id: i64, system: i64, s: Span, who: &[&str]) -> Booked {
        Booked {
            meeting: MeetingId(id),
            system: SystemId(system),
            span: s,
            participants: who.iter().map(|u| SipUri::parse(u).unwrap()).collect(),
        }
    }

    #[test]
    fn spans_overlap_only_when_they_share_time() {
        assert!(span(0, 60).overlaps(&span(30, 90)));
        assert!(span(0, 60).overlaps(&span(10, 20)));
        assert!(!span(0, 60).overlaps(&span(60, 90)), "back to back");
        assert!(Span::new(span(0, 1).start(), span(0, 1).start()).is_none());
    }

    #[test]
    fn a_back_to_back_meeting_waits_for_the_placeholder_its_predecessor_frees() {
        // One placeholder, held by 0-60: the meeting from 60 gets it once 0-60 is put back.
        assert!(placeholder_to_be_freed(&span(60, 90), &[span(0, 60)], 1));
        // Held by a meeting that overlaps: none will be freed in time.
        assert!(!placeholder_to_be_freed(&span(30, 90), &[span(0, 60)], 1));
        assert!(!placeholder_to_be_freed(&span(60, 90), &[span(0, 60)], 0));
        assert!(placeholder_to_be_freed(
            &span(60, 90),
            &[span(0, 60), span(50, 120)],
            2
        ));
    }

    #[test]
    fn peak_counts_concurrent_spans() {
        assert_eq!(peak(&[]), 0);
        assert_eq!(peak(&[span(0, 60), span(60, 120), span(120, 180)]), 1);
        assert_eq!(
            peak(&[span(0, 60), span(30, 90), span(45, 50), span(89, 100)]),
            3
        );
    }

    #[test]
    fn capacity_is_the_placeholder_count_at_every_instant() {
        let occupancy = Occupancy {
            capacity: HashMap::from([(SystemId(1), 2)]),
            booked: vec![
                booked(1, 1, span(0, 60), &[]),
                booked(2, 1, span(30, 90), &[]),
            ],
        };
        // 45-50 would be the third at once; 60-90 is the second (the first has ended).
        assert_eq!(
            occupancy.first_over_capacity(SystemId(1), &[span(45, 50)]),
            Some(0)
        );
        assert_eq!(
            occupancy.first_over_capacity(SystemId(1), &[span(60, 90)]),
            None
        );
        // Two new ones overlapping each other count against each other.
        assert_eq!(
            occupancy.first_over_capacity(SystemId(1), &[span(90, 120), span(100, 110)]),
            None
        );
        let full = Occupancy {
            capacity: HashMap::from([(SystemId(1), 1)]),
            booked: vec![],
        };
        assert_eq!(
            full.first_over_capacity(SystemId(1), &[span(0, 60), span(30, 40)]),
            Some(0)
        );
        // A system without placeholders takes nothing.
        assert_eq!(
            occupancy.first_over_capacity(SystemId(9), &[span(0, 1)]),
            Some(0)
        );
    }

    #[test]
    fn a_participant_in_two_overlapping_meetings_is_a_conflict() {
        let occupancy = Occupancy {
            capacity: HashMap::new(),
            booked: vec![booked(1, 2, span(0, 60), &["desk@example.com"])],
        };
        let desk = SipUri::parse("desk@example.com").unwrap();
        let room = SipUri::parse("room@example.com").unwrap();
        assert_eq!(
            occupancy.double_booked(&[span(30, 40)], &[room.clone(), desk.clone()]),
            vec![desk.clone()]
        );
        assert_eq!(
            occupancy.participants_refusal(&[span(30, 40)], &[room.clone(), desk.clone()]),
            Some("already in another meeting at that time: desk@example.com".into())
        );
        assert_eq!(
            occupancy.participants_refusal(&[span(30, 40)], &[room]),
            None
        );
        assert!(occupancy.double_booked(&[span(60, 70)], &[desk]).is_empty());
    }
}
