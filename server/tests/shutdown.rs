//! The `bridgekeeper` binary stopped with SIGTERM while a meeting is starting: the start in
//! flight is finished and recorded before the process exits, so nothing is left half-done for
//! the next start to reconcile. Real process, real SQLite file, the CMS simulator over HTTPS.

#![cfg(unix)]

mod support;

use cms_sim::{Faults, SimConfig};
use domain::booking::rules::Span;
use domain::booking::{ConferenceType, MeetingState, SipUri, Title};
use domain::bookings::{Actor, Booking, BookingService, EngineBell};
use domain::password::PasswordHashString;
use domain::store::bookings::BookingStore;
use domain::store::{Store, UserStore};
use domain::zone::Zone;
use domain::{Role, Username};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use support::{Portal, wait_for};
use time::OffsetDateTime;

#[tokio::test]
async fn sigterm_while_a_meeting_starts_finishes_the_start_then_exits() {
    // The database and the system only: the binary is the server here.
    let prepared = Portal::build()
        .sim(SimConfig {
            dial_connect_delay: Duration::from_millis(50),
            ..SimConfig::default()
        })
        .system(2)
        .numbers_from("1")
        .prepare()
        .await;
    let store = Arc::new(prepared.store.clone());
    let sim = prepared.sim.as_ref().unwrap();
    let system = prepared.system.unwrap();
    let user = store
        .insert_user(
            &Username::parse("sam").unwrap(),
            Role::Scheduler,
            &PasswordHashString("unused".into()),
        )
        .await
        .unwrap();
    let bookings = BookingService::new(
        store.clone() as Arc<dyn Store>,
        Arc::new(EngineBell::default()),
    );
    let start = OffsetDateTime::now_utc() + Duration::from_secs(2);
    let id = bookings
        .book(
            &Actor {
                id: user,
                name: "sam".into(),
                role: Role::Scheduler,
            },
            Booking {
                title: Title::parse("Board call").unwrap(),
                conference_type: ConferenceType::AutomaticConnect,
                system: Some(system),
                zone: Zone::utc(),
                participants: vec![SipUri::parse("desk@example.com").unwrap()],
                passcode: None,
                notes: String::new(),
                recurrence: None,
                spans: vec![Span::new(start, start + Duration::from_secs(600)).unwrap()],
            },
            OffsetDateTime::now_utc(),
        )
        .await
        .unwrap()
        .meetings[0];
    // Slow answers: the signal lands after the dress and before the call and the dial-out.
    sim.set_faults(Faults {
        latency: Duration::from_millis(500),
        ..Faults::default()
    });
    sim.clear_requests();

    let mut server = Command::new(env!("CARGO_BIN_EXE_bridgekeeper"))
        .arg("serve")
        .env("BRIDGEKEEPER_DATABASE_URL", &prepared.db)
        .env("BRIDGEKEEPER_SECRET_KEY", &prepared.key)
        .env("BRIDGEKEEPER_LISTEN", "127.0.0.1:0")
        .env("BRIDGEKEEPER_SITE_ROOT", prepared.dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for("the engine to dress the placeholder", async || {
        sim.requests()
            .iter()
            .any(|r| r.method == "PUT" && r.path.starts_with("/api/v1/coSpaces/"))
    })
    .await;
    let sent = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    // The simulator answers from this runtime while the server finishes: wait off it.
    let exit = tokio::task::spawn_blocking(move || server.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(exit.success(), "a clean exit: {exit}");

    let meeting = store.meeting(id).await.unwrap().unwrap();
    assert_eq!(
        meeting.state,
        MeetingState::Ongoing,
        "the start was finished"
    );
    let snapshot = sim.snapshot();
    assert_eq!(snapshot.calls.len(), 1);
    assert_eq!(
        Some(snapshot.calls[0].id.to_string()),
        meeting.call.map(|(call, _)| call),
        "the call is recorded"
    );
    assert_eq!(snapshot.call_legs.len(), 1, "the dial-out was made");
}
