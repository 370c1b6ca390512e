//! The engine's steps on a real SQLite file: each step of a batch has its own outcome, decided
//! on what the transaction reads (a refused step writes nothing of its own and leaves the others
//! recorded), and a meeting's Meeting Failed ticket is raised once and never where hidden.

use domain::booking::changes::BookingChanges;
use domain::booking::rules::{Occupancy, Span};
use domain::booking::{ConferenceType, MeetingId, MeetingState, Title};
use domain::password::PasswordHashString;
use domain::scheduler::steps::EngineSteps;
use domain::store::bookings::{BookingStore, NewConference, NewEvent, Step};
use domain::store::{
    MonitoringStore, NewSystem, SqliteStore, StoreError, SystemStore, TicketFilter, TicketStore,
    UserStore,
};
use domain::system::{Connectivity, IdRange, SystemId, TlsChoice};
use domain::ticket::TicketKind;
use domain::{Role, Username};
use time::OffsetDateTime;

struct Fixture {
    store: SqliteStore,
    system: SystemId,
    _dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("steps.db").display());
    let store = SqliteStore::open(&url).await.unwrap();
    let system = store
        .insert_system(&NewSystem {
            address: "https://cms.example.com".into(),
            username: "api".into(),
            password_sealed: "sealed".into(),
            tls: TlsChoice::Insecure,
            pinned_pem: None,
            software_version: None,
            connectivity: Connectivity::Reachable,
            cluster_enabled: false,
            call_profile_id: None,
            call_leg_profile_id: None,
            members: vec![],
            tickets: vec![],
        })
        .await
        .unwrap();
    store
        .record_provisioning(
            system,
            IdRange {
                base: 100,
                quantity: 2,
            },
            &[(0, "space-0".into()), (1, "space-1".into())],
            &[],
        )
        .await
        .unwrap();
    Fixture {
        store,
        system,
        _dir: dir,
    }
}

/// Books `n` meetings, one hour each from `minutes` ahead, on the fixture's system.
async fn book(f: &Fixture, n: usize) -> Vec<MeetingId> {
    let owner = match f
        .store
        .user_by_name(&Username::parse("planner").unwrap())
        .await
        .unwrap()
    {
        Some(u) => u.summary.id,
        None => f
            .store
            .insert_user(
                &Username::parse("planner").unwrap(),
                Role::Scheduler,
                &PasswordHashString("x".into()),
            )
            .await
            .unwrap(),
    };
    let start = OffsetDateTime::now_utc() + time::Duration::hours(1);
    let mut ids = Vec::new();
    for i in 0..n {
        let s = start + time::Duration::minutes(i as i64);
        let new = NewConference {
            owner,
            owner_name: "planner".into(),
            title: Title::parse(&format!("Meeting {i}")).unwrap(),
            conference_type: ConferenceType::AutomaticConnect,
            auto_system: false,
            zone: "UTC".into(),
            passcode: None,
            notes: String::new(),
            recurrence: None,
            participants: vec![],
            occurrences: vec![Span::new(s, s + time::Duration::hours(1)).unwrap()],
        };
        let system = f.system;
        let place = move |_: &Occupancy, _: &[Span]| Ok(system);
        let (_, meetings) = f
            .store
            .insert_conference(&new, &place)
            .await
            .unwrap()
            .unwrap();
        ids.extend(meetings);
    }
    ids
}

fn claim(index: u64) -> Step {
    Step {
        state: Some(MeetingState::Starting),
        placeholder: Some(Some((index, format!("space-{index}")))),
        attempts: Some(7),
        event: Some(NewEvent::engine("Start", format!("placeholder {index}"))),
        ..Step::default()
    }
}

#[tokio::test]
async fn a_refused_step_writes_nothing_and_leaves_the_batch_recorded() {
    let f = fixture().await;
    let ids = book(&f, 3).await;
    let pending = MeetingState::Pending;
    let outcomes = f
        .store
        .record_steps(
            None,
            &[
                (ids[0], pending, claim(0)),
                // The placeholder the first step just took: refused.
                (ids[1], pending, claim(0)),
                // Not in the expected state: not recorded.
                (ids[2], MeetingState::Ongoing, claim(1)),
                (ids[2], pending, claim(1)),
            ],
        )
        .await
        .unwrap();
    assert!(
        matches!(
            outcomes[..],
            [
                Ok(true),
                Err(StoreError::Conflict { .. }),
                Ok(false),
                Ok(true)
            ]
        ),
        "{outcomes:?}"
    );
    let first = f.store.meeting(ids[0]).await.unwrap().unwrap();
    assert_eq!(first.state, MeetingState::Starting);
    assert_eq!(first.placeholder, Some((0, "space-0".into())));
    assert_eq!(first.attempts, 7);
    // The refused step's columns and history line are not written, not even in part.
    let refused = f.store.meeting(ids[1]).await.unwrap().unwrap();
    assert_eq!(refused.state, MeetingState::Pending);
    assert_eq!(refused.placeholder, None);
    assert_eq!(refused.attempts, 0);
    let actions: Vec<String> = f
        .store
        .events(ids[1])
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, vec!["Booked"]);
    let third = f.store.meeting(ids[2]).await.unwrap().unwrap();
    assert_eq!(third.placeholder, Some((1, "space-1".into())));
    assert_eq!(f.store.busy_placeholders(f.system).await.unwrap().len(), 2);

    // Once the first is put back, its placeholder is free again.
    let put_back = Step {
        state: Some(MeetingState::Finished),
        placeholder: Some(None),
        ..Step::default()
    };
    let outcomes = f
        .store
        .record_steps(
            None,
            &[
                (ids[0], MeetingState::Starting, put_back),
                (ids[1], pending, claim(0)),
            ],
        )
        .await
        .unwrap();
    assert!(matches!(outcomes[..], [Ok(true), Ok(true)]), "{outcomes:?}");
}

fn failed(message: &str) -> Step {
    Step {
        state: Some(MeetingState::Failed),
        failure: Some(message.into()),
        ticket: Some(message.into()),
        ..Step::default()
    }
}

async fn meeting_failed_tickets(f: &Fixture) -> usize {
    f.store
        .tickets(&TicketFilter {
            kind: Some(TicketKind::MeetingFailed),
            ..TicketFilter::default()
        })
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn one_meeting_failed_ticket_per_meeting_and_none_where_hidden() {
    let f = fixture().await;
    let ids = book(&f, 3).await;
    // A step that fails the meeting, and another problem while its ticket is open.
    let outcomes = f
        .store
        .record_steps(
            None,
            &[
                (ids[0], MeetingState::Pending, failed("no answer")),
                (
                    ids[0],
                    MeetingState::Failed,
                    Step {
                        ticket: Some("still no answer".into()),
                        ..Step::default()
                    },
                ),
            ],
        )
        .await
        .unwrap();
    assert!(matches!(outcomes[..], [Ok(true), Ok(true)]), "{outcomes:?}");
    assert_eq!(meeting_failed_tickets(&f).await, 1);
    let ticket = f.store.meeting(ids[0]).await.unwrap().unwrap().ticket;
    assert!(ticket.is_some(), "the meeting links its ticket");

    // Another meeting failing on the same system, in the same batch as a third one's step:
    // each meeting has its own ticket, and the batch stands.
    let outcomes = f
        .store
        .record_steps(
            None,
            &[
                (ids[2], MeetingState::Pending, failed("no answer either")),
                (ids[1], MeetingState::Ongoing, failed("not this one")),
            ],
        )
        .await
        .unwrap();
    assert!(
        matches!(outcomes[..], [Ok(true), Ok(false)]),
        "{outcomes:?}"
    );
    assert_eq!(meeting_failed_tickets(&f).await, 2);
    let third = f.store.meeting(ids[2]).await.unwrap().unwrap().ticket;
    assert!(third.is_some() && third != ticket, "{third:?} {ticket:?}");

    // Hidden on its system: the meeting fails, no ticket is raised, nothing else is linked.
    f.store
        .set_hidden_ticket_kinds(f.system, &[TicketKind::MeetingFailed])
        .await
        .unwrap();
    let outcomes = f
        .store
        .record_steps(
            None,
            &[(ids[1], MeetingState::Pending, failed("no answer"))],
        )
        .await
        .unwrap();
    assert!(matches!(outcomes[..], [Ok(true)]), "{outcomes:?}");
    let second = f.store.meeting(ids[1]).await.unwrap().unwrap();
    assert_eq!(second.state, MeetingState::Failed);
    assert_eq!(second.ticket, None);
    assert_eq!(meeting_failed_tickets(&f).await, 2);
}

#[tokio::test]
async fn a_meeting_names_its_system_as_every_page_does() {
    let f = fixture().await;
    for name in ["   ", "", "Main CMS"] {
        f.store
            .set_system_identity(f.system, name, "")
            .await
            .unwrap();
        let id = book(&f, 1).await[0];
        let meeting = f.store.meeting(id).await.unwrap().unwrap();
        let system = f.store.list_systems().await.unwrap().remove(0);
        assert_eq!(meeting.system_name, system.display_name(), "name {name:?}");
    }
    f.store
        .set_system_identity(f.system, " ", "")
        .await
        .unwrap();
    let id = book(&f, 1).await[0];
    let meeting = f.store.meeting(id).await.unwrap().unwrap();
    assert_eq!(meeting.system_name, "No Name (cms.example.com)");
}
