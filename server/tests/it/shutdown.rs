//! The `bridgekeeper` binary stopped while a meeting is starting. Real process, real SQLite
//! file, the CMS simulator over HTTPS.
//! - SIGTERM: the start in flight is finished and recorded before the process exits, so nothing
//!   is left half-done for the next start to reconcile.
//! - SIGKILL between dressing the placeholder and creating the call: the restarted server
//!   carries the start on (one call, never two), and ends the meeting cleanly at its end time.

use crate::support::process::{booked, exited, serve, signal};
use crate::support::{Backend, wait_for};
use cms_sim::{Cluster, Faults};
use domain::booking::MeetingState;
use std::time::Duration;

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

#[tokio::test]
async fn sigterm_while_a_meeting_starts_finishes_the_start_then_exits() {
    let (prepared, ids) = booked(
        Backend::Sqlite,
        1,
        Duration::from_secs(2),
        Duration::from_secs(600),
    )
    .await;
    let id = ids[0];
    let sim = prepared.sim.as_ref().unwrap();
    let server = serve(&prepared, 2);
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
    let (prepared, ids) = booked(
        Backend::Sqlite,
        1,
        Duration::from_secs(2),
        Duration::from_secs(8),
    )
    .await;
    let id = ids[0];
    let sim = prepared.sim.as_ref().unwrap();
    let server = serve(&prepared, 2);
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
    assert_eq!(dressed_space.name, "Call 0", "the space was dressed");
    sim.set_faults(Faults::default());

    let server = serve(&prepared, 2);
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
