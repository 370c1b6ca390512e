//! The scheduler engine's figures against the CMS simulator (HTTPS, real SQLite file):
//! 1. requests per meeting (start with dial-outs, extend, end) beside TMS's count for the same
//!    meeting on a server holding the same spaces;
//! 2. punctuality: the spread between booked start and the call's creation for N meetings
//!    starting at the same instant across B simulated bridges with L ms latency, the engine
//!    with its default settings, measured twice: as the engine records it (after the
//!    dial-outs) and as the bridges show it (each call's first appearance, polled);
//! 3. bookings saved per second (every rule checked, capacity in the saving transaction).
//!
//! The bridges run in this process and share its cores with the engine, as they do here.
//! `cargo bench -p domain --features ssr --bench scheduler` (optimised; `--profile dev` for a
//! debug build; options: `--meetings N`, `--bridges N`, `--latency-ms N`).

use cms::NoTrace;
use cms_sim::{Cluster, Faults, SimConfig};
use domain::booking::rules::Span;
use domain::booking::{ConferenceType, MeetingState, SipUri, Title};
use domain::bookings::{Actor, Booking, BookingService, EngineBell};
use domain::password::PasswordHashString;
use domain::scheduler::{Engine, Scheduler, SchedulerConfig, SystemClock};
use domain::secret_box::SecretBox;
use domain::store::bookings::{BookingStore, MeetingFilter};
use domain::store::{SqliteStore, Store, UserStore};
use domain::system::{ProvisioningState, SystemId};
use domain::systems::{AddSystemInput, SystemService};
use domain::zone::Zone;
use domain::{Role, Username};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

const USER_SPACES: usize = 1_000;
const DIAL_OUTS: usize = 2;
/// The simulator's page size for coSpaces (TMS scans them all, page by page).
const CO_SPACE_PAGE: usize = 20;

struct Options {
    meetings: usize,
    bridges: usize,
    latency: Duration,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| {
        args.iter()
            .position(|arg| arg == name)
            .and_then(|at| args.get(at + 1))
            .and_then(|v| v.parse::<u64>().ok())
    };
    Options {
        meetings: value("--meetings").unwrap_or(500) as usize,
        bridges: value("--bridges").unwrap_or(5) as usize,
        latency: Duration::from_millis(value("--latency-ms").unwrap_or(20)),
    }
}

struct World {
    store: Arc<SqliteStore>,
    systems: Arc<SystemService>,
    bookings: Arc<BookingService>,
    bell: Arc<EngineBell>,
    actor: Actor,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = Arc::new(SqliteStore::open(&url).await.expect("store"));
    let systems = Arc::new(SystemService::new(
        store.clone() as Arc<dyn Store>,
        SecretBox::from_base64(&SecretBox::generate_key()).expect("key"),
        Arc::new(NoTrace),
        Duration::from_secs(10),
    ));
    let bell = Arc::new(EngineBell::default());
    let bookings = Arc::new(BookingService::new(
        store.clone() as Arc<dyn Store>,
        bell.clone(),
    ));
    let user = store
        .insert_user(
            &Username::parse("bench").expect("name"),
            Role::Scheduler,
            &PasswordHashString("unused".into()),
        )
        .await
        .expect("user");
    World {
        store,
        systems,
        bookings,
        bell,
        actor: Actor {
            id: user,
            name: "bench".into(),
            role: Role::Scheduler,
        },
        _dir: dir,
    }
}

async fn add_system(w: &World, sim: &Cluster, placeholders: usize) -> SystemId {
    let added = w
        .systems
        .add(AddSystemInput {
            address: sim.base_urls()[0].trim_start_matches("https://").into(),
            username: "admin".into(),
            password: "admin".into(),
            tls: "insecure".into(),
            pinned_pem: String::new(),
        })
        .await
        .expect("add");
    w.systems
        .save_extended(added.id, "example.com", "1", &placeholders.to_string())
        .await
        .expect("extended");
    loop {
        match w
            .systems
            .provisioning(added.id)
            .await
            .unwrap()
            .map(|p| p.state)
        {
            Some(ProvisioningState::Complete) => break,
            Some(ProvisioningState::Failed) => panic!("provisioning failed"),
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    added.id
}

fn engine(w: &World) -> Engine {
    Scheduler::new(
        w.store.clone() as Arc<dyn Store>,
        w.systems.clone(),
        w.bell.clone(),
        Arc::new(SystemClock),
        SchedulerConfig::default(),
    )
    .spawn()
}

fn booking(
    title: &str,
    system: Option<SystemId>,
    start: OffsetDateTime,
    length: Duration,
    parties: usize,
) -> Booking {
    Booking {
        title: Title::parse(title).expect("title"),
        conference_type: ConferenceType::AutomaticConnect,
        system,
        zone: Zone::utc(),
        participants: (0..parties)
            .map(|n| {
                SipUri::parse(&format!("endpoint{n}.{title}@example.com").replace(' ', "_"))
                    .expect("uri")
            })
            .collect(),
        passcode: None,
        notes: String::new(),
        recurrence: None,
        spans: vec![Span::new(start, start + length).expect("span")],
    }
}

async fn wait_state(w: &World, id: domain::booking::MeetingId, state: MeetingState) {
    while w
        .store
        .meeting(id)
        .await
        .expect("meeting")
        .expect("exists")
        .state
        != state
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Requests of one meeting's steps, beside TMS's for the same meeting.
async fn requests_per_meeting() {
    let w = world().await;
    let sim = Cluster::start(SimConfig {
        extra_user_spaces: USER_SPACES,
        dial_connect_delay: Duration::ZERO,
        ..Default::default()
    })
    .await
    .expect("simulator");
    let system = add_system(&w, &sim, 50).await;
    sim.clear_requests();
    let runner = engine(&w);
    // A first meeting teaches the engine the system's placeholders (one filtered list).
    let warm = w
        .bookings
        .book(
            &w.actor,
            booking(
                "Warm up",
                Some(system),
                OffsetDateTime::now_utc() + Duration::from_millis(300),
                Duration::from_secs(1),
                0,
            ),
            OffsetDateTime::now_utc(),
        )
        .await
        .expect("book")
        .meetings[0];
    wait_state(&w, warm, MeetingState::Finished).await;
    let learning = sim.requests().iter().filter(|r| r.method == "GET").count();

    let id = w
        .bookings
        .book(
            &w.actor,
            booking(
                "Measured",
                Some(system),
                OffsetDateTime::now_utc() + Duration::from_millis(500),
                Duration::from_secs(3),
                DIAL_OUTS,
            ),
            OffsetDateTime::now_utc(),
        )
        .await
        .expect("book")
        .meetings[0];
    sim.clear_requests();
    wait_state(&w, id, MeetingState::Ongoing).await;
    let start = sim.requests().len();
    sim.clear_requests();
    w.bookings
        .extend_by(&w.actor, id, time::Duration::seconds(1))
        .await
        .expect("extend");
    loop {
        let m = w.store.meeting(id).await.expect("m").expect("m");
        if m.applied_dress == m.dress_version {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let extend = sim.requests().len();
    sim.clear_requests();
    wait_state(&w, id, MeetingState::Finished).await;
    let end = sim.requests().len();
    runner.stop().await;

    let spaces = sim.snapshot().spaces.len();
    let pages = spaces.div_ceil(CO_SPACE_PAGE);
    // The seed's trace: start = status, participants, coSpaces scan, PUT, POST calls, then
    // status, coSpaces, calls, callLegs, then a POST per dial-out (9 + dial-outs with a
    // one-page scan); end = status, coSpaces scan, calls, callLegs, PUT, DELETE (6).
    let tms_start = 2 + pages + 2 + 4 + DIAL_OUTS;
    let tms_end = 3 + pages + 2;
    println!("1. Requests per meeting ({DIAL_OUTS} dial-outs, {spaces} spaces on the server)");
    println!("   step     Bridgekeeper   TMS (seed trace, full scan of {pages} pages)");
    println!("   start    {start:>12}   {tms_start:>5}");
    println!("   extend   {extend:>12}   {:>5}", 1);
    println!("   end      {end:>12}   {tms_end:>5}");
    println!(
        "   whole    {:>12}   {:>5}",
        start + extend + end,
        tms_start + 1 + tms_end
    );
    println!(
        "   (once per system and engine run: {learning} GET(s) to learn the idle placeholders)"
    );
}

/// Many meetings starting in the same minute on several bridges with latency.
async fn punctuality(o: &Options) {
    let w = world().await;
    let per_bridge = o.meetings.div_ceil(o.bridges);
    let mut sims = Vec::new();
    let mut systems = Vec::new();
    for _ in 0..o.bridges {
        let sim = Cluster::start(SimConfig {
            dial_connect_delay: Duration::from_millis(100),
            request_log_limit: 1_000_000,
            ..Default::default()
        })
        .await
        .expect("simulator");
        systems.push(add_system(&w, &sim, per_bridge).await);
        sim.set_faults(Faults {
            latency: o.latency,
            ..Faults::default()
        });
        sims.push(sim);
    }
    let start = OffsetDateTime::now_utc() + Duration::from_secs(20);
    let start = start.replace_nanosecond(0).expect("whole second");
    let booking_began = Instant::now();
    let mut ids = Vec::new();
    for n in 0..o.meetings {
        let system = systems[n % systems.len()];
        let b = booking(
            &format!("Punctual {n}"),
            Some(system),
            start,
            Duration::from_secs(600),
            1,
        );
        ids.push(
            w.bookings
                .book(&w.actor, b, OffsetDateTime::now_utc())
                .await
                .expect("book")
                .meetings[0],
        );
    }
    let booking_time = booking_began.elapsed();
    assert!(
        OffsetDateTime::now_utc() < start,
        "booking took too long for the start time"
    );
    let runner = engine(&w);
    // Each call's first appearance on its bridge, by coSpace, polled every POLL (the store is
    // read less often: it shares the cores with the engine).
    const POLL: Duration = Duration::from_millis(20);
    let mut seen: HashMap<String, OffsetDateTime> = HashMap::new();
    let mut polls = 0u32;
    loop {
        for sim in &sims {
            let at = OffsetDateTime::now_utc();
            for call in sim.snapshot().calls {
                seen.entry(call.co_space.to_string()).or_insert(at);
            }
        }
        polls += 1;
        if seen.len() >= o.meetings && polls.is_multiple_of(25) {
            let ongoing = w
                .store
                .meetings(&MeetingFilter {
                    states: vec![MeetingState::Ongoing],
                    ..MeetingFilter::default()
                })
                .await
                .expect("meetings")
                .len();
            if ongoing == o.meetings {
                break;
            }
        }
        if OffsetDateTime::now_utc() > start + Duration::from_secs(120) {
            panic!("only {} of {} calls started", seen.len(), o.meetings);
        }
        tokio::time::sleep(POLL).await;
    }
    runner.stop().await;
    let (mut recorded, mut observed) = (Vec::new(), Vec::new());
    for id in &ids {
        let m = w.store.meeting(*id).await.expect("m").expect("m");
        let created = m.call_created.expect("call created");
        recorded.push((created - m.span.start()).as_seconds_f64());
        let (_, co_space) = m.placeholder.expect("placeholder");
        observed.push((seen[&co_space] - m.span.start()).as_seconds_f64());
    }
    println!();
    println!(
        "2. Punctuality: {} meetings booked for the same instant on {} bridges ({} ms latency), 1 dial-out each",
        o.meetings,
        o.bridges,
        o.latency.as_millis()
    );
    println!("   booked start → call created (target: every one within 2 s)");
    println!(
        "   as the engine records it (after the dial-out): {}",
        spread(&mut recorded)
    );
    println!(
        "   as the bridges show it (polled every {} ms):    {}",
        POLL.as_millis(),
        spread(&mut observed)
    );
    let requests: usize = sims.iter().map(|s| s.requests().len()).sum();
    println!(
        "   requests to the bridges: {requests} ({:.2} per meeting, placeholder learning included)",
        requests as f64 / o.meetings as f64
    );
    println!();
    println!(
        "3. Bookings saved: {} in {:.2} s = {:.0} per second (sequential; rules and capacity checked in the saving transaction)",
        o.meetings,
        booking_time.as_secs_f64(),
        o.meetings as f64 / booking_time.as_secs_f64()
    );
}

/// min, p50, p95, max of lags in seconds, and how many are within 2 s.
fn spread(lags: &mut [f64]) -> String {
    lags.sort_by(|a, b| a.total_cmp(b));
    let at = |p: f64| lags[((lags.len() as f64 - 1.0) * p).round() as usize];
    let within = lags.iter().filter(|l| **l <= 2.0).count();
    format!(
        "min {:.3} s, p50 {:.3} s, p95 {:.3} s, max {:.3} s; {within}/{} within 2 s",
        at(0.0),
        at(0.5),
        at(0.95),
        at(1.0),
        lags.len()
    )
}

fn main() {
    let options = options();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        requests_per_meeting().await;
        punctuality(&options).await;
    });
}
