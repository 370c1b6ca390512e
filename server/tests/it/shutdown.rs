//! The `bridgekeeper` binary stopped while a meeting is starting. Real process, real SQLite
//! file, the CMS simulator over HTTPS.
//! - SIGTERM: the start in flight is finished and recorded before the process exits, so nothing
//!   is left half-done for the next start to reconcile.
//! - SIGKILL between dressing the placeholder and creating the call: the restarted server
//!   carries the start on (one call, never two), and ends the meeting cleanly at its end time.

use crate::support::{Portal, Prepared, wait_for};
use cms_sim::{Cluster, Faults, SimConfig};
use domain::booking::rules::Span;
use domain::booking::{ConferenceType, MeetingId, MeetingState, SipUri, Title};
use domain::bookings::{Actor, Booking, BookingService, EngineBell};
use domain::password::PasswordHashString;
use domain::zone::Zone;
use domain::{Role, Username};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// A database with a system of two placeholders and one meeting booked to start in two
/// seconds and last `length`, dialling one participant.
async fn booked(length: Duration) -> (Prepared, MeetingId) {
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
    let store = prepared.store.store();
    let user = store
        .insert_user(
            &Username::parse("sam").unwrap(),
            Role::Scheduler,
            &PasswordHashString("unused".into()),
        )
        .await
        .unwrap();
    let bookings = BookingService::new(store.clone(), Arc::new(EngineBell::default()));
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
                system: prepared.system,
                zone: Zone::utc(),
                participants: vec![SipUri::parse("desk@example.com").unwrap()],
                passcode: None,
                notes: String::new(),
                recurrence: None,
                spans: vec![Span::new(start, start + length).unwrap()],
            },
            OffsetDateTime::now_utc(),
        )
        .await
        .unwrap()
        .meetings[0];
    (prepared, id)
}

fn serve(prepared: &Prepared) -> Child {
    Command::new(env!("CARGO_BIN_EXE_bridgekeeper"))
        .arg("serve")
        .env("BRIDGEKEEPER_DATABASE_URL", &prepared.db)
        .env("BRIDGEKEEPER_SECRET_KEY", &prepared.key)
        .env("BRIDGEKEEPER_LISTEN", "127.0.0.1:0")
        .env("BRIDGEKEEPER_SITE_ROOT", prepared.dir.path())
        // The killed server's lease must expire before its successor runs the engine.
        .env("BRIDGEKEEPER_LEASE_SECONDS", "2")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Slows the simulator down and waits until the server has dressed the placeholder: the
/// call and the dial-out are still to come.
async fn dressed(sim: &Cluster) {
    sim.set_faults(Faults {
        latency: Duration::from_millis(500),
        ..Faults::default()
    });
    sim.clear_requests();
    wait_for("the engine to dress the placeholder", async || {
        sim.requests()
            .iter()
            .any(|r| r.method == "PUT" && r.path.starts_with("/api/v1/coSpaces/"))
    })
    .await;
}

pub(crate) fn signal(server: &Child, name: &str) {
    let sent = Command::new("kill")
        .args([name, &server.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

/// Waits off this runtime: the simulator answers from it while the server finishes.
pub(crate) async fn exited(mut server: Child) -> std::process::ExitStatus {
    tokio::task::spawn_blocking(move || server.wait())
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn sigterm_while_a_meeting_starts_finishes_the_start_then_exits() {
    let (prepared, id) = booked(Duration::from_secs(600)).await;
    let sim = prepared.sim.as_ref().unwrap();
    let server = serve(&prepared);
    dressed(sim).await;
    signal(&server, "-TERM");
    let exit = exited(server).await;
    assert!(exit.success(), "a clean exit: {exit}");

    let meeting = prepared.store.meeting(id).await.unwrap().unwrap();
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

#[tokio::test]
async fn sigkill_between_dressing_and_calling_is_resumed_by_the_restarted_server() {
    let (prepared, id) = booked(Duration::from_secs(8)).await;
    let sim = prepared.sim.as_ref().unwrap();
    let server = serve(&prepared);
    dressed(sim).await;
    signal(&server, "-KILL");
    exited(server).await;
    let killed = prepared.store.meeting(id).await.unwrap().unwrap();
    assert_eq!(killed.state, MeetingState::Starting, "killed mid-start");
    assert!(killed.call.is_none(), "no call recorded yet");
    let dressed_space = sim
        .snapshot()
        .spaces
        .into_iter()
        .find(|s| s.uri.as_deref() == Some("1"))
        .unwrap();
    assert_eq!(dressed_space.name, "Board call", "the space was dressed");
    sim.set_faults(Faults::default());

    let server = serve(&prepared);
    wait_for("the restarted server to run the meeting", async || {
        prepared.store.meeting(id).await.unwrap().unwrap().state == MeetingState::Ongoing
    })
    .await;
    assert_eq!(sim.snapshot().calls.len(), 1, "one call");
    assert_eq!(sim.snapshot().call_legs.len(), 1, "the participant dialled");
    wait_for("the meeting to end at its end time", async || {
        prepared.store.meeting(id).await.unwrap().unwrap().state == MeetingState::Finished
    })
    .await;
    signal(&server, "-TERM");
    exited(server).await;

    let created = sim
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/api/v1/calls" && r.status == 200)
        .count();
    assert_eq!(created, 1, "exactly one call was ever created");
    let snapshot = sim.snapshot();
    assert!(snapshot.calls.is_empty(), "no call left running");
    let space = snapshot
        .spaces
        .into_iter()
        .find(|s| s.uri.as_deref() == Some("1"))
        .unwrap();
    assert_eq!(space.name, "TMS_Scheduled_Meeting_1", "put back");
    assert!(!space.non_member_access);
}
