//! Two real `bridgekeeper` processes on one database (a SQLite file, and a PostgreSQL database)
//! with the CMS simulator over HTTPS: the engine's lease lets only one of them run the engine.
//! - Both serving: every meeting is dressed once, called once, ended once (the simulator's
//!   request log), and a clean shutdown of the holder hands the lease over at once.
//! - The holder killed between dressing a placeholder and creating the call: the standby takes
//!   over after the lease expires, resumes the start (one call, never two) and ends it.

use crate::support::process::{booked, exited, ok_requests, serve, signal};
use crate::support::{Backend, Prepared, wait_for};
use cms_sim::Faults;
use domain::booking::{MeetingId, MeetingState};
use std::process::Child;
use std::time::Duration;

/// Whether the lease is `server`'s.
async fn holds(prepared: &Prepared, server: &Child) -> bool {
    holds_pid(prepared, server.id()).await
}

/// Whether the lease is process `pid`'s (its holder id names the host and the process id).
pub async fn holds_pid(prepared: &Prepared, pid: u32) -> bool {
    prepared
        .store
        .current_lease()
        .await
        .unwrap()
        .is_some_and(|l| l.holder.contains(&format!(" pid {pid} at ")))
}

async fn all_in(prepared: &Prepared, ids: &[MeetingId], state: MeetingState) -> bool {
    for id in ids {
        if prepared.store.meeting(*id).await.unwrap().unwrap().state != state {
            return false;
        }
    }
    true
}

#[tokio::test]
async fn two_processes_on_one_database_run_each_meeting_once() {
    each_meeting_once(Backend::Sqlite).await;
}

#[tokio::test]
async fn two_processes_on_one_database_run_each_meeting_once_on_postgres() {
    each_meeting_once(Backend::Postgres).await;
}

async fn each_meeting_once(backend: Backend) {
    let (prepared, ids) = booked(backend, 3, Duration::from_secs(4), Duration::from_secs(4)).await;
    let first = serve(&prepared, 3);
    let second = serve(&prepared, 3);
    wait_for("every meeting to finish", async || {
        all_in(&prepared, &ids, MeetingState::Finished).await
    })
    .await;

    let dressed = ok_requests(&prepared, "PUT", |p| p.starts_with("/api/v1/coSpaces/"));
    let calls = ok_requests(&prepared, "POST", |p| p == "/api/v1/calls");
    let ended = ok_requests(&prepared, "DELETE", |p| p.starts_with("/api/v1/calls/"));
    assert_eq!(
        (dressed, calls, ended),
        (2 * ids.len(), ids.len(), ids.len()),
        "per meeting: one PUT to dress and one to put back, one POST /calls, one DELETE"
    );

    // A clean shutdown of the holder hands the lease over at once, not after its expiry.
    let (holder, standby) = if holds(&prepared, &first).await {
        (first, second)
    } else {
        (second, first)
    };
    assert!(
        holds(&prepared, &holder).await,
        "one of them holds the lease"
    );
    signal(&holder, "-TERM");
    assert!(exited(holder).await.success());
    let after = prepared.store.current_lease().await.unwrap();
    assert!(
        after.is_none() || holds(&prepared, &standby).await,
        "released on exit: {after:?}"
    );
    wait_for("the standby to take the lease", async || {
        holds(&prepared, &standby).await
    })
    .await;
    signal(&standby, "-TERM");
    assert!(exited(standby).await.success());
}

#[tokio::test]
async fn a_standby_resumes_the_start_of_a_killed_holder_once() {
    resumes_once(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_standby_resumes_the_start_of_a_killed_holder_once_on_postgres() {
    resumes_once(Backend::Postgres).await;
}

async fn resumes_once(backend: Backend) {
    let (prepared, ids) = booked(backend, 1, Duration::from_secs(3), Duration::from_secs(12)).await;
    let id = ids[0];
    let sim = prepared.sim.as_ref().unwrap();
    let holder = serve(&prepared, 3);
    wait_for("the first process to take the lease", async || {
        holds(&prepared, &holder).await
    })
    .await;
    let standby = serve(&prepared, 3);
    sim.set_faults(Faults {
        latency: Duration::from_millis(500),
        ..Faults::default()
    });
    wait_for("the holder to dress the placeholder", async || {
        sim.requests()
            .iter()
            .any(|r| r.method == "PUT" && r.path.starts_with("/api/v1/coSpaces/"))
    })
    .await;
    signal(&holder, "-KILL");
    exited(holder).await;
    let killed = prepared.store.meeting(id).await.unwrap().unwrap();
    assert_eq!(killed.state, MeetingState::Starting, "killed mid-start");
    assert!(killed.call.is_none(), "no call recorded yet");
    sim.set_faults(Faults::default());

    wait_for("the standby to run the meeting", async || {
        prepared.store.meeting(id).await.unwrap().unwrap().state == MeetingState::Ongoing
    })
    .await;
    assert!(holds(&prepared, &standby).await, "the standby took over");
    assert_eq!(sim.snapshot().calls.len(), 1, "one call");
    wait_for("the meeting to end at its end time", async || {
        prepared.store.meeting(id).await.unwrap().unwrap().state == MeetingState::Finished
    })
    .await;
    signal(&standby, "-TERM");
    assert!(exited(standby).await.success());
    assert_eq!(
        ok_requests(&prepared, "POST", |p| p == "/api/v1/calls"),
        1,
        "exactly one call was ever created"
    );
    assert_eq!(
        ok_requests(&prepared, "DELETE", |p| p.starts_with("/api/v1/calls/")),
        1,
        "ended once"
    );
    let snapshot = sim.snapshot();
    assert!(snapshot.calls.is_empty(), "no call left running");
    assert!(
        snapshot
            .spaces
            .iter()
            .filter(|s| s.uri.as_deref() == Some("1"))
            .all(|s| s.name == "TMS_Scheduled_Meeting_1"),
        "put back"
    );
}
