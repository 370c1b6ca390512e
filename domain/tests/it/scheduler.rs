//! The scheduler engine against the CMS simulator over HTTPS, with a real SQLite file and short
//! meetings (seconds). Assertions are on outcomes and the simulator's request log, never on
//! how long something took; waits only guard against hanging.

use cms::NoTrace;
use cms_sim::{Cluster, Faults, SimConfig};
use domain::booking::rules::Span;
use domain::booking::{
    ConferenceSettings, ConferenceType, MeetingId, MeetingState, Passcode, SipUri, Title,
};
use domain::bookings::{Actor, Booking, BookingError, BookingService, EngineBell};
use domain::password::PasswordHashString;
use domain::scheduler::steps::EngineSteps;
use domain::scheduler::{Engine, Scheduler, SchedulerConfig, SystemClock};
use domain::secret_box::SecretBox;
use domain::store::bookings::{BookingStore, MeetingFilter, MeetingRecord, Step};
use domain::store::{SqliteStore, Store, SystemStore, TicketFilter, TicketStore, UserStore};
use domain::system::{ProvisioningState, SystemId};
use domain::system_settings::{SettingsInput, SettingsService};
use domain::systems::{AddSystemInput, SystemService};
use domain::ticket::TicketKind;
use domain::zone::Zone;
use domain::{Role, Username};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

struct Fixture {
    store: Arc<SqliteStore>,
    systems: Arc<SystemService>,
    bookings: Arc<BookingService>,
    bell: Arc<EngineBell>,
    sim: Cluster,
    system: SystemId,
    actor: Actor,
    key: String,
    db_url: String,
    _dir: tempfile::TempDir,
}

fn engine_config() -> SchedulerConfig {
    SchedulerConfig {
        tick: Duration::from_millis(200),
        retry_base: Duration::from_millis(200),
        retry_max: Duration::from_secs(1),
        stop_grace: Duration::from_secs(30),
    }
}

/// Services over one database file and secret key (as a restarted server would build them).
async fn services(
    db_url: &str,
    key: &str,
) -> (
    Arc<SqliteStore>,
    Arc<SystemService>,
    Arc<BookingService>,
    Arc<EngineBell>,
) {
    let store = Arc::new(SqliteStore::open(db_url).await.unwrap());
    let systems = Arc::new(SystemService::new(
        store.clone() as Arc<dyn Store>,
        SecretBox::from_base64(key).unwrap(),
        Arc::new(NoTrace),
        Duration::from_secs(3),
    ));
    let bell = Arc::new(EngineBell::default());
    let bookings = Arc::new(BookingService::new(
        store.clone() as Arc<dyn Store>,
        bell.clone(),
    ));
    (store, systems, bookings, bell)
}

fn engine(f: &Fixture) -> Engine {
    Scheduler::new(
        f.store.clone() as Arc<dyn Store>,
        f.systems.clone(),
        f.bell.clone(),
        Arc::new(SystemClock),
        engine_config(),
    )
    .spawn()
}

async fn fixture(nodes: usize, placeholders: u64) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", dir.path().join("t.db").display());
    let key = SecretBox::generate_key();
    let (store, systems, bookings, bell) = services(&db_url, &key).await;
    let sim = Cluster::start(SimConfig {
        nodes,
        dial_connect_delay: Duration::from_millis(50),
        ..Default::default()
    })
    .await
    .unwrap();
    let address = sim.base_urls()[0]
        .trim_start_matches("https://")
        .to_string();
    let added = systems
        .add(AddSystemInput {
            address,
            username: "admin".into(),
            password: "admin".into(),
            tls: "insecure".into(),
            pinned_pem: String::new(),
        })
        .await
        .unwrap();
    systems
        .save_extended(added.id, "example.com", "1", &placeholders.to_string())
        .await
        .unwrap();
    wait_for("provisioning", || async {
        systems
            .provisioning(added.id)
            .await
            .unwrap()
            .is_some_and(|p| p.state == ProvisioningState::Complete)
    })
    .await;
    let user = store
        .insert_user(
            &Username::parse("sam").unwrap(),
            Role::Scheduler,
            &PasswordHashString("unused".into()),
        )
        .await
        .unwrap();
    sim.clear_requests();
    Fixture {
        store,
        systems,
        bookings,
        bell,
        sim,
        system: added.id,
        actor: Actor {
            id: user,
            name: "sam".into(),
            role: Role::Scheduler,
        },
        key,
        db_url,
        _dir: dir,
    }
}

async fn wait_for<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    for _ in 0..1200 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("gave up waiting for {what}");
}

fn booking(title: &str, from_now: Duration, length: Duration, participants: &[&str]) -> Booking {
    let start = OffsetDateTime::now_utc() + from_now;
    Booking {
        title: Title::parse(title).unwrap(),
        conference_type: ConferenceType::AutomaticConnect,
        system: None,
        zone: Zone::utc(),
        participants: participants
            .iter()
            .map(|p| SipUri::parse(p).unwrap())
            .collect(),
        passcode: Passcode::parse_optional("4711").unwrap(),
        notes: String::new(),
        recurrence: None,
        spans: vec![Span::new(start, start + length).unwrap()],
    }
}

async fn book(f: &Fixture, b: Booking) -> MeetingId {
    f.bookings
        .book(&f.actor, b, OffsetDateTime::now_utc())
        .await
        .unwrap()
        .meetings[0]
}

async fn meeting(f: &Fixture, id: MeetingId) -> MeetingRecord {
    f.store.meeting(id).await.unwrap().unwrap()
}

async fn wait_state(f: &Fixture, id: MeetingId, state: MeetingState) -> MeetingRecord {
    wait_for(&format!("meeting {} to be {state}", id.0), || async {
        meeting(f, id).await.state == state
    })
    .await;
    meeting(f, id).await
}

/// `METHOD path` of each logged request, ids replaced by what they are.
fn sequence(sim: &Cluster) -> Vec<String> {
    sim.requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

fn placeholder_named(sim: &Cluster, index: u64) -> cms_sim::SpaceSnapshot {
    sim.snapshot()
        .spaces
        .into_iter()
        .find(|s| s.uri.as_deref() == Some(index.to_string().as_str()))
        .unwrap()
}

fn assert_clean(sim: &Cluster, index: u64) {
    let space = placeholder_named(sim, index);
    assert_eq!(space.name, format!("TMS_Scheduled_Meeting_{index}"));
    assert!(!space.non_member_access);
    assert!(
        space.passcode.as_deref().unwrap_or("").is_empty(),
        "passcode cleared"
    );
    assert!(
        sim.snapshot().calls.iter().all(|c| c.co_space != space.id),
        "no call left in placeholder {index}"
    );
}

#[tokio::test]
async fn a_booked_meeting_runs_on_the_lowest_slot_with_exactly_the_lifecycle_requests() {
    let f = fixture(1, 3).await;
    let user_spaces: Vec<String> = f
        .sim
        .snapshot()
        .spaces
        .iter()
        .filter(|s| !s.name.starts_with("TMS_Scheduled_Meeting_"))
        .map(|s| s.id.to_string())
        .collect();
    assert!(!user_spaces.is_empty(), "the simulator seeds users' spaces");
    let id = book(
        &f,
        booking(
            "Board call",
            Duration::from_secs(1),
            Duration::from_secs(3),
            &["desk@example.com"],
        ),
    )
    .await;
    let runner = engine(&f);

    let ongoing = wait_state(&f, id, MeetingState::Ongoing).await;
    let (index, co_space) = ongoing.placeholder.clone().unwrap();
    assert_eq!(index, 1, "the lowest free placeholder");
    let space = placeholder_named(&f.sim, 1);
    assert_eq!(space.id.to_string(), co_space);
    assert_eq!(space.name, "Board call");
    assert!(space.non_member_access);
    assert_eq!(space.passcode.as_deref(), Some("4711"));
    let secret_while_running = space.secret.clone();
    let snapshot = f.sim.snapshot();
    assert_eq!(snapshot.calls.len(), 1);
    assert_eq!(snapshot.call_legs.len(), 1);
    assert_eq!(snapshot.call_legs[0].remote_party, "desk@example.com");

    f.bookings
        .extend_by(&f.actor, id, time::Duration::seconds(2))
        .await
        .unwrap();
    wait_for("the extension to reach the server", || async {
        let m = meeting(&f, id).await;
        m.applied_dress == m.dress_version && m.dress_version == 1
    })
    .await;
    let finished = wait_state(&f, id, MeetingState::Finished).await;
    assert_eq!(
        finished.span.end(),
        ongoing.span.end() + time::Duration::seconds(2)
    );
    assert_clean(&f.sim, 1);
    assert_ne!(
        placeholder_named(&f.sim, 1).secret,
        secret_while_running,
        "a new secret"
    );

    let call = format!("/api/v1/calls/{}", snapshot.calls[0].id);
    let space_path = format!("/api/v1/coSpaces/{co_space}");
    let sent = sequence(&f.sim);
    // Placeholders are learnt once per system (one filtered list, one page here).
    assert_eq!(sent[0], "GET /api/v1/coSpaces");
    assert!(
        f.sim.requests()[0]
            .query
            .contains("filter=TMS_Scheduled_Meeting_")
    );
    assert_eq!(
        sent[1..],
        [
            format!("PUT {space_path}"),
            "POST /api/v1/calls".to_string(),
            format!("POST {call}/callLegs"),
            format!("PUT {space_path}"),
            format!("PUT {space_path}"),
            format!("DELETE {call}"),
        ],
        "start 2 + 1 dial-out, extend 1, end 2"
    );
    for r in f.sim.requests() {
        assert!(
            user_spaces
                .iter()
                .all(|u| !r.path.contains(u) && !r.body.contains(u)),
            "a user's space was touched: {r:?}"
        );
        // The field, not the digits: a random id in a body may hold "4711" by chance.
        assert!(
            !r.body.contains("passcode=4711"),
            "the passcode is masked in the log: {r:?}"
        );
    }
    let events = f.store.events(id).await.unwrap();
    let steps: Vec<(String, String)> = events
        .iter()
        .map(|e| {
            let phase = e.outcome.split(':').next().unwrap_or("").to_string();
            (e.action.clone(), phase)
        })
        .collect();
    let expected = [
        ("Booked", "saved"),
        ("Start", "before"),
        ("Start", "after"),
        ("Extended by 2 s", ""),
        ("Extend", "before"),
        ("Extend", "after"),
        ("End", "before"),
        ("End", "after"),
    ];
    assert_eq!(steps.len(), expected.len(), "{steps:?}");
    for ((action, phase), (want_action, want_phase)) in steps.iter().zip(expected) {
        assert_eq!(action, want_action, "{steps:?}");
        if !want_phase.is_empty() {
            assert_eq!(phase, want_phase, "{steps:?}");
        }
    }
    runner.stop().await;
}

#[tokio::test]
async fn concurrent_meetings_take_slots_1_and_2_and_capacity_is_enforced() {
    let f = fixture(1, 2).await;
    let a = book(
        &f,
        booking("A", Duration::from_secs(1), Duration::from_secs(60), &[]),
    )
    .await;
    let b = book(
        &f,
        booking("B", Duration::from_secs(1), Duration::from_secs(60), &[]),
    )
    .await;
    let before = f
        .store
        .meetings(&MeetingFilter::default())
        .await
        .unwrap()
        .len();
    let Err(BookingError::Invalid(errors)) = f
        .bookings
        .book(
            &f.actor,
            booking("C", Duration::from_secs(30), Duration::from_secs(60), &[]),
            OffsetDateTime::now_utc(),
        )
        .await
    else {
        panic!("a third concurrent meeting must be refused");
    };
    assert!(errors.for_field("system").is_some(), "{errors}");
    assert_eq!(
        f.store
            .meetings(&MeetingFilter::default())
            .await
            .unwrap()
            .len(),
        before,
        "nothing saved"
    );

    let runner = engine(&f);
    let a = wait_state(&f, a, MeetingState::Ongoing).await;
    let b = wait_state(&f, b, MeetingState::Ongoing).await;
    let mut slots = [a.placeholder.unwrap().0, b.placeholder.unwrap().0];
    slots.sort();
    assert_eq!(slots, [1, 2]);
    for id in [a.id, b.id] {
        f.bookings
            .end_now(&f.actor, id, OffsetDateTime::now_utc())
            .await
            .unwrap();
        wait_state(&f, id, MeetingState::Finished).await;
    }
    assert_clean(&f.sim, 1);
    assert_clean(&f.sim, 2);
    runner.stop().await;
}

#[tokio::test]
async fn racing_bookings_for_the_last_slot_leave_exactly_one() {
    let f = fixture(1, 1).await;
    let mut racers = tokio::task::JoinSet::new();
    for n in 0..24 {
        let (bookings, actor) = (f.bookings.clone(), f.actor.clone());
        racers.spawn(async move {
            bookings
                .book(
                    &actor,
                    booking(
                        &format!("Racer {n}"),
                        Duration::from_secs(600),
                        Duration::from_secs(600),
                        &[],
                    ),
                    OffsetDateTime::now_utc(),
                )
                .await
        });
    }
    let results = racers.join_all().await;
    let won = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "{results:?}");
    assert!(results.iter().filter_map(|r| r.as_ref().err()).all(
        |e| matches!(e, BookingError::Invalid(errors) if errors.for_field("system").is_some())
    ));
    assert_eq!(
        f.store
            .meetings(&MeetingFilter::default())
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_participant_in_two_overlapping_meetings_is_refused() {
    let f = fixture(1, 3).await;
    book(
        &f,
        booking(
            "First",
            Duration::from_secs(600),
            Duration::from_secs(600),
            &["desk@example.com"],
        ),
    )
    .await;
    let Err(BookingError::Invalid(errors)) = f
        .bookings
        .book(
            &f.actor,
            booking(
                "Second",
                Duration::from_secs(900),
                Duration::from_secs(600),
                &["room@example.com", "desk@example.com"],
            ),
            OffsetDateTime::now_utc(),
        )
        .await
    else {
        panic!("expected a conflict");
    };
    assert!(
        errors
            .for_field("participants")
            .unwrap()
            .contains("desk@example.com"),
        "{errors}"
    );
}

#[tokio::test]
async fn primary_down_at_start_the_alternate_runs_the_meeting() {
    let f = fixture(2, 2).await;
    let id = book(
        &f,
        booking(
            "Failover",
            Duration::from_secs(1),
            Duration::from_secs(60),
            &["desk@example.com"],
        ),
    )
    .await;
    f.sim.set_node_up(0, false);
    let runner = engine(&f);
    let ongoing = wait_state(&f, id, MeetingState::Ongoing).await;
    let created = f
        .sim
        .requests()
        .into_iter()
        .find(|r| r.method == "POST" && r.path == "/api/v1/calls")
        .unwrap();
    assert_eq!(
        (created.node, created.status),
        (1, 200),
        "the call was made on the alternate"
    );
    assert_eq!(f.sim.snapshot().call_legs.len(), 1);
    assert_eq!(
        ongoing.call.as_ref().unwrap().1,
        f.sim.base_urls()[1],
        "the call's bridge is recorded"
    );
    f.bookings
        .end_now(&f.actor, id, OffsetDateTime::now_utc())
        .await
        .unwrap();
    wait_state(&f, id, MeetingState::Finished).await;
    assert_clean(&f.sim, 1);
    runner.stop().await;
}

#[tokio::test]
async fn the_alternate_ip_is_tried_before_the_other_cluster_members() {
    let f = fixture(3, 2).await;
    let alternate = f.sim.base_urls()[2].clone();
    SettingsService::new(
        f.store.clone() as Arc<dyn Store>,
        SecretBox::from_base64(&f.key).unwrap(),
        f.systems.clone(),
    )
    .save(
        f.system,
        SettingsInput {
            name: "Cluster".into(),
            alternate_address: alternate.trim_start_matches("https://").into(),
            alternate_username: "admin".into(),
            alternate_password: "admin".into(),
            allow_booking: true,
            ..SettingsInput::default()
        },
    )
    .await
    .unwrap();
    let first = book(
        &f,
        booking(
            "Via the alternate",
            Duration::from_secs(1),
            Duration::from_secs(60),
            &[],
        ),
    )
    .await;
    f.sim.set_node_up(0, false);
    let runner = engine(&f);
    let ongoing = wait_state(&f, first, MeetingState::Ongoing).await;
    assert_eq!(
        ongoing.call.unwrap().1,
        alternate,
        "the Alternate IP before member 1"
    );

    // The alternate down too: the member the cluster told us about.
    f.sim.set_node_up(2, false);
    let second = book(
        &f,
        booking(
            "Via a member",
            Duration::from_secs(1),
            Duration::from_secs(60),
            &[],
        ),
    )
    .await;
    let ongoing = wait_state(&f, second, MeetingState::Ongoing).await;
    assert_eq!(ongoing.call.unwrap().1, f.sim.base_urls()[1]);
    runner.stop().await;
}

/// Saves `node` of the simulator as the system's Alternate IP.
async fn set_alternate(f: &Fixture, node: usize) {
    SettingsService::new(
        f.store.clone() as Arc<dyn Store>,
        SecretBox::from_base64(&f.key).unwrap(),
        f.systems.clone(),
    )
    .save(
        f.system,
        SettingsInput {
            name: "Cluster".into(),
            alternate_address: f.sim.base_urls()[node]
                .trim_start_matches("https://")
                .into(),
            alternate_username: "admin".into(),
            alternate_password: "admin".into(),
            allow_booking: true,
            ..SettingsInput::default()
        },
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_changed_alternate_ip_is_used_by_the_running_engine() {
    let f = fixture(3, 2).await;
    set_alternate(&f, 2).await;
    f.sim.set_node_up(0, false);
    let runner = engine(&f);
    let first = book(
        &f,
        booking(
            "Before",
            Duration::from_secs(1),
            Duration::from_secs(60),
            &[],
        ),
    )
    .await;
    let ongoing = wait_state(&f, first, MeetingState::Ongoing).await;
    assert_eq!(ongoing.call.unwrap().1, f.sim.base_urls()[2]);

    // The administrator points the Alternate IP at node 1 while the engine runs: the next
    // start tries it before the other members (node 2), without a restart.
    set_alternate(&f, 1).await;
    let second = book(
        &f,
        booking(
            "After",
            Duration::from_secs(1),
            Duration::from_secs(60),
            &[],
        ),
    )
    .await;
    let ongoing = wait_state(&f, second, MeetingState::Ongoing).await;
    assert_eq!(
        ongoing.call.unwrap().1,
        f.sim.base_urls()[1],
        "the new Alternate IP"
    );
    runner.stop().await;
}

#[tokio::test]
async fn outgoing_sip_dialing_off_starts_the_meeting_without_dialling() {
    let f = fixture(1, 1).await;
    SettingsService::new(
        f.store.clone() as Arc<dyn Store>,
        SecretBox::from_base64(&f.key).unwrap(),
        f.systems.clone(),
    )
    .save(
        f.system,
        SettingsInput {
            name: "No dial-out".into(),
            allow_booking: true,
            allow_outgoing_sip: false,
            allow_incoming_sip: true,
            ..SettingsInput::default()
        },
    )
    .await
    .unwrap();
    let runner = engine(&f);
    let id = book(
        &f,
        booking(
            "Dial-in only",
            Duration::from_secs(1),
            Duration::from_secs(60),
            &["desk@example.com"],
        ),
    )
    .await;
    wait_state(&f, id, MeetingState::Ongoing).await;
    assert!(
        !sequence(&f.sim).iter().any(|r| r.contains("/callLegs")),
        "no dial-out: {:?}",
        sequence(&f.sim)
    );
    assert!(f.sim.snapshot().call_legs.is_empty());
    let events = f.store.events(id).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.outcome.contains("Allow Outgoing SIP URI Dialing is off")),
        "said why: {events:?}"
    );
    runner.stop().await;
}

#[tokio::test]
async fn everything_down_fails_with_a_ticket_and_the_placeholder_is_clean_once_back() {
    let f = fixture(2, 2).await;
    let id = book(
        &f,
        booking(
            "Doomed",
            Duration::from_secs(1),
            Duration::from_secs(2),
            &["desk@example.com"],
        ),
    )
    .await;
    f.sim.set_node_up(0, false);
    f.sim.set_node_up(1, false);
    let runner = engine(&f);
    wait_for("a ticket naming the meeting", || async {
        f.store
            .tickets(&TicketFilter {
                system: Some(f.system),
                ..TicketFilter::default()
            })
            .await
            .unwrap()
            .iter()
            .any(|t| t.kind == TicketKind::MeetingFailed && t.message.contains("Doomed"))
    })
    .await;
    assert_ne!(meeting(&f, id).await.state, MeetingState::Ongoing);
    f.sim.set_node_up(0, true);
    f.sim.set_node_up(1, true);
    let failed = wait_state(&f, id, MeetingState::Failed).await;
    assert!(failed.failure.unwrap().contains("end time"));
    assert!(failed.ticket.is_some());
    assert_clean(&f.sim, 1);
    assert!(f.sim.snapshot().calls.is_empty());
    runner.stop().await;
}

#[tokio::test]
async fn a_meeting_with_no_free_placeholder_is_defective_with_a_ticket() {
    let f = fixture(1, 1).await;
    let id = book(
        &f,
        booking(
            "Squeezed",
            Duration::from_secs(1),
            Duration::from_secs(30),
            &[],
        ),
    )
    .await;
    // An administrator took the placeholder away after the booking was made.
    let record = f.systems.get(f.system).await.unwrap();
    let ours = f.store.placeholders(f.system).await.unwrap();
    f.store
        .record_provisioning(f.system, record.provisioned.unwrap(), &[], &[ours[0].0])
        .await
        .unwrap();
    let runner = engine(&f);
    let defective = wait_state(&f, id, MeetingState::Defective).await;
    assert!(defective.ticket.is_some());
    assert!(f.sim.snapshot().calls.is_empty());
    runner.stop().await;
}

/// The child half of the crash test: runs an engine on the given database until it is killed.
#[tokio::test]
async fn engine_child() {
    let (Ok(db_url), Ok(key)) = (std::env::var("BK_CHILD_DB"), std::env::var("BK_CHILD_KEY"))
    else {
        return; // only runs as the crash test's child
    };
    let (store, systems, _, bell) = services(&db_url, &key).await;
    Scheduler::new(
        store as Arc<dyn Store>,
        systems,
        bell,
        Arc::new(SystemClock),
        engine_config(),
    )
    .run(std::future::pending())
    .await;
}

#[tokio::test]
async fn sigkill_between_dressing_and_calling_is_resumed_after_restart() {
    let f = fixture(1, 2).await;
    let id = book(
        &f,
        booking(
            "Crash",
            Duration::from_secs(1),
            Duration::from_secs(6),
            &["desk@example.com"],
        ),
    )
    .await;
    // Slow answers give the kill time to land after the dress and before the call exists.
    f.sim.set_faults(Faults {
        latency: Duration::from_millis(1500),
        ..Faults::default()
    });
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "scheduler::engine_child", "--nocapture"])
        .env("BK_CHILD_DB", &f.db_url)
        .env("BK_CHILD_KEY", &f.key)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_for("the child to dress the placeholder", || async {
        f.sim
            .requests()
            .iter()
            .any(|r| r.method == "PUT" && r.path.starts_with("/api/v1/coSpaces/"))
    })
    .await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert_eq!(
        meeting(&f, id).await.state,
        MeetingState::Starting,
        "killed mid-start"
    );
    f.sim.set_faults(Faults::default());

    let runner = engine(&f);
    let ongoing = wait_state(&f, id, MeetingState::Ongoing).await;
    assert_eq!(ongoing.placeholder.as_ref().unwrap().0, 1);
    assert_eq!(f.sim.snapshot().calls.len(), 1, "started once");
    wait_state(&f, id, MeetingState::Finished).await;
    let created = f
        .sim
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/api/v1/calls" && r.status == 200)
        .count();
    assert_eq!(created, 1, "exactly one call was ever created");
    assert_clean(&f.sim, 1);
    let events = f.store.events(id).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.outcome.starts_with("before: placeholder 1"))
    );
    runner.stop().await;
}

/// Books meetings starting in a second, each with its own participant, and slows the server
/// down so that their starts are still in flight when the engine is asked to stop.
async fn starts_in_flight(f: &Fixture, count: usize) -> Vec<MeetingId> {
    let mut ids = Vec::new();
    for n in 0..count {
        let party = format!("room{n}@example.com");
        ids.push(
            book(
                f,
                booking(
                    &format!("Stopped {n}"),
                    Duration::from_secs(1),
                    Duration::from_secs(60),
                    &[party.as_str()],
                ),
            )
            .await,
        );
    }
    f.sim.set_faults(Faults {
        latency: Duration::from_millis(400),
        ..Faults::default()
    });
    ids
}

/// Once the placeholders are being dressed, the starts' later requests are still to come.
async fn wait_for_a_dress(f: &Fixture) {
    wait_for("a placeholder to be dressed", || async {
        f.sim
            .requests()
            .iter()
            .any(|r| r.method == "PUT" && r.path.starts_with("/api/v1/coSpaces/"))
    })
    .await;
}

/// A second engine on the same database starts every meeting exactly once, on its own
/// placeholder, and puts everything back at the end.
async fn resumed_once(f: &Fixture, ids: &[MeetingId]) {
    f.sim.set_faults(Faults::default());
    let runner = engine(f);
    let mut slots = Vec::new();
    for id in ids {
        let ongoing = wait_state(f, *id, MeetingState::Ongoing).await;
        slots.push(ongoing.placeholder.unwrap().0);
    }
    slots.sort();
    slots.dedup();
    assert_eq!(slots.len(), ids.len(), "one placeholder each");
    assert_eq!(f.sim.snapshot().calls.len(), ids.len());
    let created = f
        .sim
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/api/v1/calls" && r.status == 200)
        .count();
    assert_eq!(created, ids.len(), "each call was created once");
    for id in ids {
        f.bookings
            .end_now(&f.actor, *id, OffsetDateTime::now_utc())
            .await
            .unwrap();
        wait_state(f, *id, MeetingState::Finished).await;
    }
    for slot in slots {
        assert_clean(&f.sim, slot);
    }
    runner.stop().await;
}

#[tokio::test]
async fn a_stopped_engine_finishes_the_steps_in_flight_and_the_next_one_carries_on() {
    let f = fixture(1, 4).await;
    let ids = starts_in_flight(&f, 3).await;
    let runner = engine(&f);
    wait_for_a_dress(&f).await;
    runner.stop().await;

    // Nothing was cut in half: every call on the server is recorded with its meeting, and a
    // meeting not started yet is at most claimed.
    let calls = f.sim.snapshot().calls;
    let mut recorded = 0;
    for id in &ids {
        let m = meeting(&f, *id).await;
        match m.state {
            MeetingState::Ongoing => {
                let (call, _) = m.call.unwrap();
                assert!(calls.iter().any(|c| c.id.to_string() == call), "{call}");
                recorded += 1;
            }
            MeetingState::Pending | MeetingState::Starting => {}
            other => panic!("meeting {} is {other}", id.0),
        }
    }
    assert_eq!(calls.len(), recorded, "no call without its record");
    assert!(recorded > 0, "the starts in flight were finished");
    resumed_once(&f, &ids).await;
}

#[tokio::test]
async fn steps_cut_short_by_the_stop_grace_are_resumed_by_the_next_engine() {
    let f = fixture(1, 4).await;
    let ids = starts_in_flight(&f, 3).await;
    let runner = Scheduler::new(
        f.store.clone() as Arc<dyn Store>,
        f.systems.clone(),
        f.bell.clone(),
        Arc::new(SystemClock),
        SchedulerConfig {
            stop_grace: Duration::ZERO,
            ..engine_config()
        },
    )
    .spawn();
    wait_for_a_dress(&f).await;
    runner.stop().await;
    let mut cut = 0;
    for id in &ids {
        if meeting(&f, *id).await.state == MeetingState::Starting {
            cut += 1;
        }
    }
    assert!(cut > 0, "starts cut short");
    resumed_once(&f, &ids).await;
}

/// One placeholder, "start early" on: B is booked to start when A ends (the booking rule
/// allows it), so it waits for A's placeholder instead of being called Defective.
#[tokio::test]
async fn a_back_to_back_meeting_takes_the_placeholder_its_predecessor_frees() {
    let f = fixture(1, 1).await;
    f.store
        .set_conference_settings(
            &ConferenceSettings {
                start_early_minutes: 1,
                ..ConferenceSettings::default()
            },
            "admin",
        )
        .await
        .unwrap();
    let start = OffsetDateTime::now_utc() + Duration::from_secs(2);
    let a_end = start + Duration::from_secs(3);
    let span = |from: OffsetDateTime, to: OffsetDateTime| Booking {
        spans: vec![Span::new(from, to).unwrap()],
        ..booking("x", Duration::ZERO, Duration::from_secs(1), &[])
    };
    let a = book(
        &f,
        Booking {
            title: Title::parse("A").unwrap(),
            ..span(start, a_end)
        },
    )
    .await;
    let b = book(
        &f,
        Booking {
            title: Title::parse("B").unwrap(),
            ..span(a_end, a_end + Duration::from_secs(60))
        },
    )
    .await;
    let runner = engine(&f);
    wait_state(&f, a, MeetingState::Ongoing).await;
    let ongoing = wait_state(&f, b, MeetingState::Ongoing).await;
    assert_eq!(meeting(&f, a).await.state, MeetingState::Finished);
    assert_eq!(ongoing.placeholder.unwrap().0, 1, "A's placeholder");
    assert!(
        ongoing.call_created.unwrap() >= a_end,
        "B started once A had ended"
    );
    runner.stop().await;
}

#[tokio::test]
async fn meetings_start_early_by_the_conference_setting() {
    let f = fixture(1, 2).await;
    f.store
        .set_conference_settings(
            &ConferenceSettings {
                start_early_minutes: 1,
                ..ConferenceSettings::default()
            },
            "admin",
        )
        .await
        .unwrap();
    let id = book(
        &f,
        booking(
            "Early bird",
            Duration::from_secs(62),
            Duration::from_secs(60),
            &[],
        ),
    )
    .await;
    let runner = engine(&f);
    let ongoing = wait_state(&f, id, MeetingState::Ongoing).await;
    let created = ongoing.call_created.unwrap();
    assert!(
        created < ongoing.span.start(),
        "started before its booked start"
    );
    assert!(
        created >= ongoing.span.start() - time::Duration::minutes(1),
        "not more than the minute early"
    );
    runner.stop().await;
}

#[tokio::test]
async fn no_connect_dials_no_one_and_a_reservation_sends_nothing() {
    let f = fixture(1, 2).await;
    let mut open = booking(
        "Dial-in only",
        Duration::from_secs(1),
        Duration::from_secs(2),
        &["desk@example.com"],
    );
    open.conference_type = ConferenceType::NoConnect;
    let mut held = booking(
        "Room held",
        Duration::from_secs(1),
        Duration::from_secs(2),
        &["room@example.com"],
    );
    held.conference_type = ConferenceType::Reservation;
    let open = book(&f, open).await;
    let held = book(&f, held).await;
    let runner = engine(&f);
    let open = wait_state(&f, open, MeetingState::Finished).await;
    let held = wait_state(&f, held, MeetingState::Finished).await;
    runner.stop().await;

    assert_eq!(open.placeholder.unwrap().0, 1);
    assert!(held.placeholder.is_none(), "a reservation holds no space");
    let sent = sequence(&f.sim);
    assert_eq!(
        sent.iter().filter(|r| *r == "POST /api/v1/calls").count(),
        1,
        "only the No Connect meeting opened a call: {sent:?}"
    );
    assert!(
        !sent.iter().any(|r| r.ends_with("/callLegs")),
        "nobody was dialled: {sent:?}"
    );
    assert_clean(&f.sim, 1);
    let history = f.store.events(held.id).await.unwrap();
    assert!(
        history
            .iter()
            .any(|e| e.outcome.contains("nothing started on the server")),
        "{history:?}"
    );
}

#[tokio::test]
async fn the_next_engine_adopts_a_running_call_and_ends_it_once() {
    let f = fixture(1, 2).await;
    let id = book(
        &f,
        booking(
            "Handover",
            Duration::from_secs(1),
            Duration::from_secs(4),
            &["desk@example.com"],
        ),
    )
    .await;
    let first = engine(&f);
    let ongoing = wait_state(&f, id, MeetingState::Ongoing).await;
    first.stop().await;
    let (call, _) = ongoing.call.clone().unwrap();

    let second = engine(&f);
    wait_state(&f, id, MeetingState::Finished).await;
    second.stop().await;
    let sent = sequence(&f.sim);
    assert_eq!(
        sent.iter().filter(|r| *r == "POST /api/v1/calls").count(),
        1,
        "the running call was adopted, not started again: {sent:?}"
    );
    assert!(sent.contains(&format!("DELETE /api/v1/calls/{call}")));
    assert_clean(&f.sim, 1);
    let history = f.store.events(id).await.unwrap();
    assert!(
        history
            .iter()
            .any(|e| e.action == "Reconcile" && e.outcome.contains("still running")),
        "{history:?}"
    );
}

#[tokio::test]
async fn an_end_the_server_refuses_raises_a_ticket_and_is_finished_once_it_answers() {
    let f = fixture(1, 2).await;
    let id = book(
        &f,
        booking(
            "Stubborn",
            Duration::from_secs(1),
            Duration::from_secs(2),
            &["desk@example.com"],
        ),
    )
    .await;
    let first = engine(&f);
    wait_state(&f, id, MeetingState::Ongoing).await;
    // The server answers 401 to everything from the end on.
    f.sim.set_faults(Faults {
        wrong_credentials: true,
        ..Faults::default()
    });
    let not_ended = || async {
        f.store
            .tickets(&TicketFilter {
                system: Some(f.system),
                ..TicketFilter::default()
            })
            .await
            .unwrap()
            .into_iter()
            .filter(|t| t.kind == TicketKind::MeetingFailed && t.message.contains("Stubborn"))
            .collect::<Vec<_>>()
    };
    wait_for("a ticket saying the meeting could not be ended", || async {
        not_ended()
            .await
            .iter()
            .any(|t| t.message.contains("could not be ended"))
    })
    .await;
    let ending = meeting(&f, id).await;
    assert_eq!(ending.state, MeetingState::Ending);
    assert!(ending.retry_at.is_some(), "the end is tried again");
    assert_eq!(f.sim.snapshot().calls.len(), 1, "the call still runs");
    // A few more refused tries, then a restart while the end is still owed.
    wait_for("another try", || async {
        meeting(&f, id).await.attempts >= 3
    })
    .await;
    first.stop().await;
    f.sim.set_faults(Faults::default());

    let second = engine(&f);
    let finished = wait_state(&f, id, MeetingState::Finished).await;
    second.stop().await;
    assert_eq!(finished.retry_at, None);
    assert_clean(&f.sim, 1);
    assert!(f.sim.snapshot().calls.is_empty(), "the call was deleted");
    assert_eq!(not_ended().await.len(), 1, "one ticket for the meeting");
}

#[tokio::test]
async fn an_end_is_due_at_its_time_even_while_an_extension_waits_to_be_retried() {
    let f = fixture(1, 2).await;
    let id = book(
        &f,
        booking(
            "Held back",
            Duration::from_secs(60),
            Duration::from_secs(60),
            &[],
        ),
    )
    .await;
    let booked = meeting(&f, id).await;
    let placeholder = f.store.placeholders(f.system).await.unwrap()[0].clone();
    let (start, end) = (booked.span.start(), booked.span.end());
    let ongoing = Step {
        state: Some(MeetingState::Ongoing),
        placeholder: Some(Some(placeholder)),
        ..Step::default()
    };
    let steps = [
        (
            id,
            MeetingState::Pending,
            Step {
                state: Some(MeetingState::Starting),
                ..ongoing.clone()
            },
        ),
        (id, MeetingState::Starting, ongoing),
        // An extension that failed and waits an hour for its next try.
        (
            id,
            MeetingState::Ongoing,
            Step {
                retry_at: Some(Some(end + time::Duration::hours(1))),
                ..Step::default()
            },
        ),
    ];
    for step in steps {
        let outcome = f.store.record_steps(None, &[step]).await.unwrap();
        assert!(matches!(outcome[..], [Ok(true)]), "{outcome:?}");
    }
    let store = &f.store;
    let due = async |at: OffsetDateTime| {
        store
            .due_meetings(at, time::Duration::ZERO)
            .await
            .unwrap()
            .iter()
            .any(|m| m.id == id)
    };
    assert!(
        !due(start + time::Duration::seconds(10)).await,
        "mid-meeting"
    );
    assert!(due(end).await, "the end does not wait for the retry");
    assert_eq!(
        f.store.next_due(time::Duration::ZERO).await.unwrap(),
        Some(end)
    );
}

#[tokio::test]
async fn a_claim_does_not_start_a_meeting_moved_since_it_was_read() {
    let f = fixture(1, 2).await;
    let id = book(
        &f,
        booking(
            "Moved",
            Duration::from_secs(60),
            Duration::from_secs(60),
            &[],
        ),
    )
    .await;
    let read = meeting(&f, id).await;
    let placeholder = f.store.placeholders(f.system).await.unwrap()[0].clone();
    let claim = |span: Span| Step {
        state: Some(MeetingState::Starting),
        placeholder: Some(Some(placeholder.clone())),
        booked_as: Some((f.system, span)),
        ..Step::default()
    };
    // A user moved it by ten minutes after the engine read it.
    let moved = Span::new(
        read.span.start() + time::Duration::minutes(10),
        read.span.end() + time::Duration::minutes(10),
    )
    .unwrap();
    let outcome = f
        .store
        .record_steps(None, &[(id, MeetingState::Pending, claim(moved))])
        .await
        .unwrap();
    assert!(matches!(outcome[..], [Ok(false)]), "{outcome:?}");
    assert_eq!(meeting(&f, id).await.state, MeetingState::Pending);
    let outcome = f
        .store
        .record_steps(None, &[(id, MeetingState::Pending, claim(read.span))])
        .await
        .unwrap();
    assert!(matches!(outcome[..], [Ok(true)]), "{outcome:?}");
    assert_eq!(meeting(&f, id).await.state, MeetingState::Starting);
}
