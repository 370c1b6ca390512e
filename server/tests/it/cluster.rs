//! Several real `bridgekeeper` nodes on one PostgreSQL with the CMS simulator over HTTPS, as a
//! load balancer would spread users over them:
//! - three nodes, 50 meetings booked through all three to start within the same two minutes, the
//!   lease holder SIGKILLed while they start: every meeting is called once, ended once, and no
//!   placeholder is left dressed;
//! - the holder loses the database for longer than its lease: it stops acting; with the database
//!   back exactly one engine runs and nothing is started twice.

use crate::support::node::{Node, node};
use crate::support::process::{exited, ok_requests, signal};
use crate::support::{Backend, ONE_PER_ROLE, Portal, Prepared, form, pg, wait_for, wait_up_to};
use cms_sim::{Faults, SimConfig};
use domain::booking::recurrence::iso_date;
use domain::booking::{MeetingId, MeetingState};
use reqwest::StatusCode;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

const MEETINGS: usize = 50;

/// The node whose process holds the lease, if any.
async fn holder_of(prepared: &Prepared, nodes: &[Node]) -> Option<usize> {
    let lease = prepared.store.current_lease().await.ok()??;
    nodes
        .iter()
        .position(|n| lease.holder.contains(&format!(" pid {} at ", n.pid())))
}

async fn states(prepared: &Prepared, ids: &[MeetingId]) -> Vec<MeetingState> {
    let mut states = Vec::new();
    for id in ids {
        states.push(prepared.store.meeting(*id).await.unwrap().unwrap().state);
    }
    states
}

/// Books one meeting through `node` at `start` (UTC, whole minutes) for `minutes`; its id.
async fn book(
    node: &Node,
    cookie: &str,
    prepared: &Prepared,
    n: usize,
    start: OffsetDateTime,
    minutes: &str,
) -> MeetingId {
    let date = iso_date(start.date());
    let time = format!("{:02}:{:02}", start.hour(), start.minute());
    let title = format!("Cluster {n}");
    let participant = format!("desk{n}@example.com");
    let system = prepared.system.unwrap().0.to_string();
    let (status, booked) = node
        .call(
            Some(cookie),
            "/api/bookings/create",
            &form(&title, &date, &time, minutes, &system, &participant),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "booking {n}: {booked}");
    MeetingId(booked["meeting"].as_i64().expect("the meeting's id"))
}

#[tokio::test]
async fn three_nodes_on_postgres_run_fifty_meetings_once_through_the_holders_sigkill() {
    let prepared = Portal::build()
        .backend(Backend::Postgres)
        .users(ONE_PER_ROLE)
        .sim(SimConfig {
            dial_connect_delay: Duration::from_millis(20),
            ..SimConfig::default()
        })
        .system(MEETINGS as u64)
        .prepare()
        .await;
    let sim = prepared.sim.as_ref().unwrap();
    let mut nodes = vec![
        node(&prepared).await,
        node(&prepared).await,
        node(&prepared).await,
    ];
    wait_for("a node to take the lease", async || {
        holder_of(&prepared, &nodes).await.is_some()
    })
    .await;
    let mut cookies = Vec::new();
    for node in &nodes {
        cookies.push(node.login("sam").await);
    }

    // Two waves a minute apart, the first at least 20 s away (the form takes whole minutes).
    let now = OffsetDateTime::now_utc();
    let mut first = now
        .replace_second(0)
        .unwrap()
        .replace_nanosecond(0)
        .unwrap()
        + Duration::from_secs(60);
    if first - now < time::Duration::seconds(20) {
        first += Duration::from_secs(60);
    }
    let mut ids = Vec::new();
    for n in 0..MEETINGS {
        let start = first + Duration::from_secs(60 * (n % 2) as u64);
        let through = n % nodes.len();
        ids.push(book(&nodes[through], &cookies[through], &prepared, n, start, "1").await);
    }
    sim.clear_requests();
    // Each request to the CMS takes a while, so the first wave is still starting when the holder
    // dies: some placeholders dressed, their calls not yet made.
    sim.set_faults(Faults {
        latency: Duration::from_millis(150),
        ..Faults::default()
    });
    wait_for("the holder to dress a placeholder", async || {
        sim.requests()
            .iter()
            .any(|r| r.method == "PUT" && r.path.starts_with("/api/v1/coSpaces/"))
    })
    .await;
    let holder = holder_of(&prepared, &nodes).await.expect("a holder");
    let calls_before = ok_requests(&prepared, "POST", |p| p == "/api/v1/calls");
    let killed = nodes.remove(holder);
    let old_epoch = prepared.store.current_lease().await.unwrap().unwrap().epoch;
    signal(&killed.child, "-KILL");
    let died = Instant::now();
    exited(killed.child).await;
    assert!(
        calls_before < MEETINGS / 2,
        "killed while the first wave started ({calls_before} calls made)"
    );
    sim.set_faults(Faults::default());

    wait_for("a standby to take over", async || {
        holder_of(&prepared, &nodes).await.is_some()
    })
    .await;
    let takeover = died.elapsed();
    let lease = prepared.store.current_lease().await.unwrap().unwrap();
    println!(
        "takeover after the holder's SIGKILL: {takeover:?} (lease 3 s), epoch {old_epoch} → {}",
        lease.epoch
    );
    assert!(lease.epoch > old_epoch);

    wait_up_to(
        "every meeting to finish",
        Duration::from_secs(300),
        async || {
            states(&prepared, &ids)
                .await
                .iter()
                .all(|s| *s == MeetingState::Finished)
        },
    )
    .await;
    for id in &ids {
        let meeting = prepared.store.meeting(*id).await.unwrap().unwrap();
        assert!(meeting.call_created.is_some(), "{id:?} was started");
    }
    assert_eq!(
        ok_requests(&prepared, "POST", |p| p == "/api/v1/calls"),
        MEETINGS,
        "exactly one POST /calls per meeting"
    );
    assert_eq!(
        ok_requests(&prepared, "DELETE", |p| p.starts_with("/api/v1/calls/")),
        MEETINGS,
        "each ended once"
    );
    let snapshot = sim.snapshot();
    assert!(snapshot.calls.is_empty(), "no call left running");
    let put_back = snapshot
        .spaces
        .iter()
        .filter(|s| s.name.starts_with("TMS_Scheduled_Meeting_"))
        .count();
    assert_eq!(
        put_back,
        MEETINGS,
        "every placeholder put back, none left dressed: {:?}",
        snapshot.spaces.iter().map(|s| &s.name).collect::<Vec<_>>()
    );
    for node in nodes {
        node.stop().await;
    }
}

#[tokio::test]
async fn a_holder_that_loses_the_database_stops_and_one_engine_runs_when_it_is_back() {
    let server = pg::PrivateServer::start().await;
    let prepared = Portal::build()
        .database(server.fresh_database().await)
        .users(ONE_PER_ROLE)
        .sim(SimConfig {
            dial_connect_delay: Duration::from_millis(20),
            ..SimConfig::default()
        })
        .system(4)
        .prepare()
        .await;
    let sim = prepared.sim.as_ref().unwrap();
    let first = node(&prepared).await;
    wait_for("the first node to take the lease", async || {
        first.ready().await.1["lease"] == "holder"
    })
    .await;
    let second = node(&prepared).await;
    let nodes = [first, second];
    let sam = nodes[0].login("sam").await;
    // A meeting running through the outage.
    let now = OffsetDateTime::now_utc();
    let this_minute = now
        .replace_second(0)
        .unwrap()
        .replace_nanosecond(0)
        .unwrap();
    let running = book(&nodes[0], &sam, &prepared, 0, this_minute, "2").await;
    wait_for("the first meeting to run", async || {
        states(&prepared, &[running]).await[0] == MeetingState::Ongoing
    })
    .await;
    let holder = holder_of(&prepared, &nodes).await.expect("a holder");
    let epoch = prepared.store.current_lease().await.unwrap().unwrap().epoch;

    server.pause();
    let lost = Instant::now();
    // The lease lasts 3 s; the holder stops acting at 70 % of it without a renewal.
    wait_for("the holder to say it stopped its engine", async || {
        nodes[holder]
            .log()
            .iter()
            .any(|l| l.contains("stopping the engine"))
    })
    .await;
    let stopped = lost.elapsed();
    println!("the holder stopped acting {stopped:?} after losing the database (lease 3 s)");
    assert!(
        stopped < Duration::from_secs(3),
        "stopped before its lease expired"
    );
    for node in &nodes {
        assert_eq!(node.ready().await.0, StatusCode::SERVICE_UNAVAILABLE);
    }
    let during = sim.requests().len();
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(
        sim.requests().len(),
        during,
        "nobody spoke to the CMS while nobody held the lease"
    );
    server.resume();

    // The row still names the old holder until someone takes the expired lease.
    wait_for(
        "one node to take the lease again, with a new epoch",
        async || {
            holder_of(&prepared, &nodes).await.is_some()
                && prepared
                    .store
                    .current_lease()
                    .await
                    .is_ok_and(|l| l.is_some_and(|l| l.epoch > epoch))
        },
    )
    .await;
    let mut roles = Vec::new();
    for node in &nodes {
        wait_for("the node to answer", async || {
            node.ready().await.0 == StatusCode::OK
        })
        .await;
        roles.push(node.ready().await.1["lease"].as_str().unwrap().to_string());
    }
    roles.sort();
    assert_eq!(roles, ["holder", "standby"], "exactly one engine");

    // The running meeting was resumed, not started again, and ends once.
    wait_up_to(
        "the meeting to end at its end time",
        Duration::from_secs(240),
        async || states(&prepared, &[running]).await[0] == MeetingState::Finished,
    )
    .await;
    assert_eq!(
        ok_requests(&prepared, "POST", |p| p == "/api/v1/calls"),
        1,
        "started once"
    );
    assert_eq!(
        ok_requests(&prepared, "DELETE", |p| p.starts_with("/api/v1/calls/")),
        1,
        "ended once"
    );
    assert!(sim.snapshot().calls.is_empty());
    for node in nodes {
        node.stop().await;
    }
}
