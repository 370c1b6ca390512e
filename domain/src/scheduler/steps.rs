//! The rules of recording an engine step: a step applies only to the meeting as the engine read
//! it (still in the expected state, still booked on that system for that time); two live meetings
//! never hold one placeholder; a meeting has one Meeting Failed ticket at a time, and none of a
//! kind its system hides. Plain functions over what the store read under its write lock
//! ([`StepSubject`]); [`EngineSteps::record_steps`] reads, decides and writes a batch of steps in
//! one transaction, each step's outcome explicit (nothing relies on the database undoing one
//! refused statement).

use crate::booking::{MeetingId, MeetingState};
use crate::lease::Fence;
use crate::store::StoreError;
use crate::store::bookings::{BookingStore, NewEvent, NewTicket, Step, StepSubject};
use crate::ticket::TicketKind;
use time::OffsetDateTime;

/// What recording a step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepDecision {
    /// The meeting is no longer as the engine read it: nothing is written.
    Stale,
    /// Another live meeting holds the placeholder the step would hold: nothing is written.
    Conflict,
    /// The step is written, and with `raise_ticket` its Meeting Failed ticket opened.
    Record { raise_ticket: bool },
}

/// Whether the step changes the meeting's columns (a step may be only a history line).
pub fn writes_columns(step: &Step) -> bool {
    step.state.is_some()
        || step.placeholder.is_some()
        || step.call.is_some()
        || step.applied_dress.is_some()
        || step.retry_at.is_some()
        || step.attempts.is_some()
        || step.call_created.is_some()
        || step.failure.is_some()
}

/// The placeholder a step leaves its meeting holding while live, when the step changes its
/// state or placeholder: the one whose other holders [`decide_step`] needs to know.
pub fn placeholder_to_check(subject: &StepSubject, step: &Step) -> Option<u64> {
    if step.state.is_none() && step.placeholder.is_none() {
        return None;
    }
    let state = step.state.unwrap_or(subject.state);
    let placeholder = match &step.placeholder {
        Some(p) => p.as_ref().map(|(index, _)| *index),
        None => subject.placeholder,
    };
    placeholder.filter(|_| state.is_live())
}

/// The rules of one step on the meeting as read (`None`: there is no such meeting). A step that
/// changes columns applies only while the meeting is `expected` and, with `booked_as`, still on
/// that system at that time (a claim must not start a meeting a user moved since it was read);
/// `holder` is the other live meeting holding the placeholder the step would hold. A ticket is
/// raised unless the meeting's ticket is still open (a second problem is in its history; once
/// closed, a new problem raises a new one) or `hidden` (its system's ticket filters) hides
/// Meeting Failed.
pub fn decide_step(
    subject: Option<&StepSubject>,
    expected: MeetingState,
    step: &Step,
    holder: Option<MeetingId>,
    hidden: &[TicketKind],
) -> StepDecision {
    let Some(subject) = subject else {
        return StepDecision::Stale;
    };
    if writes_columns(step) {
        if subject.state != expected {
            return StepDecision::Stale;
        }
        if let Some((system, span)) = &step.booked_as
            && (subject.system != *system || subject.span != *span)
        {
            return StepDecision::Stale;
        }
        if holder.is_some() {
            return StepDecision::Conflict;
        }
    }
    StepDecision::Record {
        raise_ticket: step.ticket.is_some()
            && subject.open_ticket.is_none()
            && !hidden.contains(&TicketKind::MeetingFailed),
    }
}

/// Recording the engine's steps.
#[async_trait::async_trait]
pub trait EngineSteps {
    /// Records engine steps, all in one transaction (one commit for many meetings' steps). Each
    /// has its own outcome, in order: true if recorded, false if its meeting is no longer as the
    /// engine read it, a `Conflict` for a placeholder already held by another live meeting. A
    /// step refused leaves the others recorded. With a `fence`, nothing is recorded (`Fenced`)
    /// unless the engine's lease still holds, checked in the same transaction.
    async fn record_steps(
        &self,
        fence: Option<&Fence>,
        steps: &[(MeetingId, MeetingState, Step)],
    ) -> Result<Vec<Result<bool, StoreError>>, StoreError>;
}

#[async_trait::async_trait]
impl<S: BookingStore + ?Sized> EngineSteps for S {
    async fn record_steps(
        &self,
        fence: Option<&Fence>,
        steps: &[(MeetingId, MeetingState, Step)],
    ) -> Result<Vec<Result<bool, StoreError>>, StoreError> {
        let mut tx = self.begin_write(fence).await?;
        let mut outcomes = Vec::with_capacity(steps.len());
        let mut events: Vec<(MeetingId, &NewEvent)> = Vec::new();
        for (id, expected, step) in steps {
            let subject = tx.step_subject(*id).await?;
            let mut holder = None;
            let mut hidden = Vec::new();
            if let Some(subject) = &subject {
                if let Some(index) = placeholder_to_check(subject, step) {
                    holder = tx.placeholder_holder(subject.system, index, *id).await?;
                }
                if step.ticket.is_some() {
                    hidden = tx.hidden_ticket_kinds(subject.system).await?;
                }
            }
            let outcome = match (
                decide_step(subject.as_ref(), *expected, step, holder, &hidden),
                &subject,
            ) {
                (StepDecision::Record { raise_ticket }, Some(subject)) => {
                    if writes_columns(step) && !tx.write_step(*id, step).await? {
                        outcomes.push(Ok(false));
                        continue;
                    }
                    if let (true, Some(message)) = (raise_ticket, &step.ticket) {
                        let ticket = tx
                            .insert_ticket(&NewTicket {
                                system: subject.system,
                                kind: TicketKind::MeetingFailed,
                                message: message.clone(),
                                raised_at: OffsetDateTime::now_utc(),
                            })
                            .await?;
                        tx.link_ticket(*id, ticket).await?;
                    }
                    if let Some(event) = &step.event {
                        events.push((*id, event));
                    }
                    Ok(true)
                }
                (StepDecision::Conflict, _) => Err(StoreError::Conflict {
                    what: "a live meeting in that placeholder".into(),
                }),
                (StepDecision::Stale | StepDecision::Record { .. }, _) => Ok(false),
            };
            outcomes.push(outcome);
        }
        tx.add_events(&events).await?;
        tx.commit().await?;
        Ok(outcomes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::booking::rules::Span;
    use crate::system::SystemId;
    use time::macros::datetime;

    fn span(minutes: i64) -> Span {
        let base = datetime!(2026-11-24 09:00 UTC);
        Span::new(base, base + time::Duration::minutes(minutes)).unwrap()
    }

    fn subject(state: MeetingState, placeholder: Option<u64>, ticket: Option<i64>) -> StepSubject {
        StepSubject {
            state,
            system: SystemId(1),
            span: span(60),
            placeholder,
            open_ticket: ticket,
        }
    }

    #[test]
    fn a_step_applies_to_the_meeting_as_the_engine_read_it() {
        use MeetingState::*;
        let claim = |index: u64, booked_as: Option<(SystemId, Span)>| Step {
            state: Some(Starting),
            placeholder: Some(Some((index, "space".into()))),
            booked_as,
            ..Step::default()
        };
        let fail = Step {
            state: Some(Failed),
            ticket: Some("Meeting failed".into()),
            ..Step::default()
        };
        let only_history = Step {
            event: Some(NewEvent::engine("Reconcile", "still running")),
            ..Step::default()
        };
        let record = |raise_ticket| StepDecision::Record { raise_ticket };
        let other = Some(MeetingId(9));
        // (subject, expected, step, other holder of its placeholder, hidden kinds, decision)
        type Row = (
            Option<StepSubject>,
            MeetingState,
            Step,
            Option<MeetingId>,
            Vec<TicketKind>,
            StepDecision,
        );
        let table: Vec<Row> = vec![
            (
                Some(subject(Pending, None, None)),
                Pending,
                claim(3, None),
                None,
                vec![],
                record(false),
            ),
            (
                None,
                Pending,
                claim(3, None),
                None,
                vec![],
                StepDecision::Stale,
            ),
            // Moved on (cancelled, or another step came first).
            (
                Some(subject(Cancelled, None, None)),
                Pending,
                claim(3, None),
                None,
                vec![],
                StepDecision::Stale,
            ),
            // Moved by a user since it was read: another time, another system.
            (
                Some(subject(Pending, None, None)),
                Pending,
                claim(3, Some((SystemId(1), span(30)))),
                None,
                vec![],
                StepDecision::Stale,
            ),
            (
                Some(subject(Pending, None, None)),
                Pending,
                claim(3, Some((SystemId(2), span(60)))),
                None,
                vec![],
                StepDecision::Stale,
            ),
            (
                Some(subject(Pending, None, None)),
                Pending,
                claim(3, Some((SystemId(1), span(60)))),
                None,
                vec![],
                record(false),
            ),
            // Another live meeting holds the placeholder.
            (
                Some(subject(Pending, None, None)),
                Pending,
                claim(3, None),
                other,
                vec![],
                StepDecision::Conflict,
            ),
            // Stale before conflict: the step would not have applied anyway.
            (
                Some(subject(Ongoing, None, None)),
                Pending,
                claim(3, None),
                other,
                vec![],
                StepDecision::Stale,
            ),
            // One Meeting Failed ticket at a time, none where it is hidden.
            (
                Some(subject(Starting, Some(3), None)),
                Starting,
                fail.clone(),
                None,
                vec![],
                record(true),
            ),
            (
                Some(subject(Starting, Some(3), Some(5))),
                Starting,
                fail.clone(),
                None,
                vec![],
                record(false),
            ),
            (
                Some(subject(Starting, Some(3), None)),
                Starting,
                fail.clone(),
                None,
                vec![TicketKind::MeetingFailed],
                record(false),
            ),
            (
                Some(subject(Starting, Some(3), None)),
                Starting,
                fail.clone(),
                None,
                vec![TicketKind::AlternateUnreachable],
                record(true),
            ),
            // A history line only: whatever the state.
            (
                Some(subject(Ongoing, Some(3), None)),
                Starting,
                only_history.clone(),
                None,
                vec![],
                record(false),
            ),
            (
                None,
                Ongoing,
                only_history,
                None,
                vec![],
                StepDecision::Stale,
            ),
        ];
        for (n, (subject, expected, step, holder, hidden, want)) in table.into_iter().enumerate() {
            assert_eq!(
                decide_step(subject.as_ref(), expected, &step, holder, &hidden),
                want,
                "row {n}"
            );
        }
    }

    #[test]
    fn the_placeholder_checked_is_the_one_held_while_live_after_the_step() {
        use MeetingState::*;
        let s = subject(Pending, None, None);
        let claim = Step {
            state: Some(Starting),
            placeholder: Some(Some((4, "space".into()))),
            ..Step::default()
        };
        assert_eq!(placeholder_to_check(&s, &claim), Some(4));
        // Restarted with the placeholder it kept.
        let restart = Step {
            state: Some(Starting),
            ..Step::default()
        };
        assert_eq!(
            placeholder_to_check(&subject(Ongoing, Some(2), None), &restart),
            Some(2)
        );
        // Put back, finished, or a step that changes neither: nothing to check.
        let put_back = Step {
            state: Some(Finished),
            placeholder: Some(None),
            ..Step::default()
        };
        assert_eq!(
            placeholder_to_check(&subject(Ending, Some(2), None), &put_back),
            None
        );
        let retry = Step {
            attempts: Some(2),
            ..Step::default()
        };
        assert_eq!(
            placeholder_to_check(&subject(Starting, Some(2), None), &retry),
            None
        );
        assert!(writes_columns(&retry));
        assert!(!writes_columns(&Step::default()));
    }
}
