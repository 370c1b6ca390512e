//! Real `bridgekeeper serve` processes on a prepared database, and meetings booked for them: the
//! harness of the tests that start, kill and restart the binary.

use super::{Backend, Portal, Prepared};
use cms_sim::SimConfig;
use domain::booking::rules::Span;
use domain::booking::{ConferenceType, MeetingId, SipUri, Title};
use domain::bookings::{Actor, Booking, BookingService, EngineBell};
use domain::password::PasswordHashString;
use domain::zone::Zone;
use domain::{Role, Username};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// A database with a system of four placeholders and `count` meetings booked to start in
/// `after` and last `length`, each dialling one participant.
pub async fn booked(
    backend: Backend,
    count: usize,
    after: Duration,
    length: Duration,
) -> (Prepared, Vec<MeetingId>) {
    let prepared = Portal::build()
        .backend(backend)
        .sim(SimConfig {
            dial_connect_delay: Duration::from_millis(50),
            ..SimConfig::default()
        })
        .system(4)
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
    let start = OffsetDateTime::now_utc() + after;
    let mut ids = Vec::new();
    for n in 0..count {
        let booking = Booking {
            title: Title::parse(&format!("Call {n}")).unwrap(),
            conference_type: ConferenceType::AutomaticConnect,
            system: prepared.system,
            zone: Zone::utc(),
            participants: vec![SipUri::parse(&format!("desk{n}@example.com")).unwrap()],
            passcode: None,
            notes: String::new(),
            recurrence: None,
            spans: vec![Span::new(start, start + length).unwrap()],
        };
        let actor = Actor {
            id: user,
            name: "sam".into(),
            role: Role::Scheduler,
        };
        let saved = bookings
            .book(&actor, booking, OffsetDateTime::now_utc())
            .await
            .unwrap();
        ids.push(saved.meetings[0]);
    }
    prepared.sim.as_ref().unwrap().clear_requests();
    (prepared, ids)
}

/// A `bridgekeeper serve` on the prepared database with a lease of `lease_seconds`.
pub fn serve(prepared: &Prepared, lease_seconds: u64) -> Child {
    Command::new(env!("CARGO_BIN_EXE_bridgekeeper"))
        .arg("serve")
        .env("BRIDGEKEEPER_DATABASE_URL", &prepared.db)
        .env("BRIDGEKEEPER_SECRET_KEY", &prepared.key)
        .env("BRIDGEKEEPER_LISTEN", "127.0.0.1:0")
        .env("BRIDGEKEEPER_SITE_ROOT", prepared.dir.path())
        .env("BRIDGEKEEPER_LEASE_SECONDS", lease_seconds.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Sends `name` (`-TERM`, `-KILL`, …) to the process.
pub fn signal(server: &Child, name: &str) {
    let sent = Command::new("kill")
        .args([name, &server.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

/// Waits off this runtime: the simulator answers from it while the server finishes.
pub async fn exited(mut server: Child) -> std::process::ExitStatus {
    tokio::task::spawn_blocking(move || server.wait())
        .await
        .unwrap()
        .unwrap()
}

/// How many requests the simulator answered 200 with `method` on a path `path` accepts.
pub fn ok_requests(prepared: &Prepared, method: &str, path: impl Fn(&str) -> bool) -> usize {
    prepared
        .sim
        .as_ref()
        .unwrap()
        .requests()
        .iter()
        .filter(|r| r.method == method && path(&r.path) && r.status == 200)
        .count()
}
