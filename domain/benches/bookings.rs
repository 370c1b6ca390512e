//! Bookings saved per second on SQLite and on PostgreSQL, with 1 and 8 clients saving at once:
//! `cargo bench -p domain --features ssr --bench bookings` (PostgreSQL: the server
//! `BRIDGEKEEPER_TEST_PG` names, else one started with scripts/postgres.sh). Each booking is the
//! real write path: the bookings' write transaction, the occupancy read under its lock, the
//! capacity rule, the inserts and the history line. Prints figures; asserts nothing about speed.

#[path = "../tests/it/pg.rs"]
mod pg;

use domain::booking::changes::BookingChanges;
use domain::booking::rules::{Occupancy, Span};
use domain::booking::{ConferenceType, SipUri, Title};
use domain::password::PasswordHashString;
use domain::store::bookings::NewConference;
use domain::store::{NewSystem, PgStore, SqliteStore, Store};
use domain::system::{Connectivity, IdRange, SystemId, TlsChoice};
use domain::{FieldErrors, Role, Username};
use std::sync::Arc;
use std::time::Instant;
use time::OffsetDateTime;

const BOOKINGS: usize = 400;

#[tokio::main(flavor = "multi_thread", worker_threads = 8)]
async fn main() -> anyhow::Result<()> {
    println!("backend     clients  bookings  failed  seconds  bookings/s");
    for clients in [1, 8] {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        let sqlite: Arc<dyn Store> = Arc::new(SqliteStore::open(&url).await?);
        run("SQLite", sqlite, clients).await?;
        let postgres: Arc<dyn Store> = Arc::new(PgStore::open(&pg::fresh_database().await).await?);
        run("PostgreSQL", postgres, clients).await?;
    }
    Ok(())
}

async fn run(backend: &str, store: Arc<dyn Store>, clients: usize) -> anyhow::Result<()> {
    let owner = store
        .insert_user(
            &Username::parse("sam")?,
            Role::Scheduler,
            &PasswordHashString("unused".into()),
        )
        .await?;
    let system = store
        .insert_system(&NewSystem {
            address: "https://10.0.0.1".into(),
            username: "admin".into(),
            password_sealed: "sealed".into(),
            tls: TlsChoice::Insecure,
            pinned_pem: None,
            software_version: None,
            connectivity: Connectivity::Reachable,
            cluster_enabled: false,
            call_profile_id: None,
            call_leg_profile_id: None,
            members: Vec::new(),
            tickets: Vec::new(),
        })
        .await?;
    let spaces: Vec<(u64, String)> = (0..10).map(|i| (i, format!("space-{i}"))).collect();
    store
        .record_provisioning(
            system,
            IdRange {
                base: 1000,
                quantity: 10,
            },
            &spaces,
            &[],
        )
        .await?;
    let start = OffsetDateTime::now_utc().replace_nanosecond(0)? + time::Duration::days(1);
    let began = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for client in 0..clients {
        let store = store.clone();
        tasks.spawn(async move {
            let place =
                move |occupancy: &Occupancy, spans: &[Span]| -> Result<SystemId, FieldErrors> {
                    match occupancy.first_over_capacity(system, spans) {
                        Some(_) => Err(FieldErrors::single("system", "full")),
                        None => Ok(system),
                    }
                };
            let mut saved = (0, 0);
            for n in (client..BOOKINGS).step_by(clients) {
                // Half-hour meetings, four at a time: every booking reads a few neighbours.
                let at = start + time::Duration::minutes(15 * n as i64 / 4);
                let booking = NewConference {
                    owner,
                    owner_name: "sam".into(),
                    title: Title::parse(&format!("Meeting {n}")).unwrap(),
                    conference_type: ConferenceType::AutomaticConnect,
                    auto_system: false,
                    zone: "UTC".into(),
                    passcode: None,
                    notes: String::new(),
                    recurrence: None,
                    participants: vec![SipUri::parse(&format!("desk{n}@example.com")).unwrap()],
                    occurrences: vec![Span::new(at, at + time::Duration::minutes(30)).unwrap()],
                };
                match store.insert_conference(&booking, &place).await {
                    Ok(Ok(_)) => saved.0 += 1,
                    Ok(Err(refused)) => panic!("refused: {refused:?}"),
                    // A database error (none expected: the lock serialises, nothing to retry).
                    Err(_) => saved.1 += 1,
                }
            }
            saved
        });
    }
    let (saved, failed) = tasks
        .join_all()
        .await
        .into_iter()
        .fold((0, 0), |(s, f), (s2, f2)| (s + s2, f + f2));
    let seconds = began.elapsed().as_secs_f64();
    println!(
        "{backend:<10}  {clients:>7}  {saved:>8}  {failed:>6}  {seconds:>7.2}  {:>10.0}",
        saved as f64 / seconds
    );
    Ok(())
}
