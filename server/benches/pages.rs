//! Server-rendered pages at design.md's scale: p50 / p99 / max per page and the server's memory.
//!
//! 1. Seeds a fresh SQLite file through the project's own services and store: 1,000 systems
//!    (added with `SystemService::add` at loopback addresses where nothing listens, so every
//!    one is unreachable, named, given placeholders and put in a few Navigator folders) and
//!    10,000 meetings over four months around now, by several owners, some series, in mixed
//!    states. Bookings go through `BookingChanges::insert_conference` and their states through
//!    `record_steps` / `cancel_meeting`: `BookingService::book` refuses past starts (and reads
//!    every system's settings per booking), so it would neither give past meetings nor finish
//!    in reasonable time.
//! 2. Starts the real `bridgekeeper serve` (the optimised binary cargo builds for this bench)
//!    on a random port against that file, without a demo CMS, monitoring every 10 s by
//!    default so it runs all through the load; its CPU use while idle is printed.
//! 3. Signs in as a scheduler and an administrator and requests each main page `--requests`
//!    times (200) per user, one request at a time, round robin; then `--clients` (8) at once.
//!
//! `cargo bench -p bridgekeeper --bench pages` (options after `--`: `--systems N`,
//! `--bookings N`, `--requests N`, `--clients N`, `--monitor-interval-seconds N`; `--postgres`
//! runs on a fresh PostgreSQL database instead of a SQLite file; `--seed-only` seeds, prints where
//! the database is and keeps it).

use domain::booking::changes::BookingChanges;
use domain::booking::recurrence::{Frequency, Recurrence, RecurrenceEnd};
use domain::booking::rules::Span;
use domain::booking::{ConferenceType, MeetingId, MeetingState, SipUri, Title};
use domain::folders::FolderService;
use domain::login_throttle::LoginThrottle;
use domain::password::{PasswordHashString, PasswordPolicy};
use domain::scheduler::steps::EngineSteps;
use domain::secret_box::SecretBox;
use domain::store::Store;
use domain::store::bookings::{NewConference, NewEvent, Step};
use domain::system::{ExtendedSettings, IdRange};
use domain::systems::{AddSystemInput, SystemService};
use domain::users::UserService;
use domain::{Role, Username};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::header::{COOKIE, ORIGIN, SET_COOKIE};
use reqwest::{Client, StatusCode, redirect};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

#[path = "../../domain/tests/it/pg.rs"]
mod pg;

const PASSWORD: &str = "correct horse battery staple";
/// Placeholder spaces per system (the most meetings it runs at once).
const PLACEHOLDERS: u64 = 10;
/// Occurrences of each series.
const SERIES_LENGTH: usize = 10;

struct Options {
    systems: usize,
    bookings: usize,
    requests: usize,
    clients: usize,
    monitor_interval: u64,
    /// Seed, print where, and stop: the database stays for a look (`sqlite3`, EXPLAIN).
    seed_only: bool,
    /// On a fresh PostgreSQL database (the server `BRIDGEKEEPER_TEST_PG` names, else one started
    /// with scripts/postgres.sh) instead of a SQLite file.
    postgres: bool,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| {
        args.iter()
            .position(|arg| arg == name)
            .and_then(|at| args.get(at + 1))
            .and_then(|v| v.parse::<usize>().ok())
    };
    Options {
        systems: value("--systems").unwrap_or(1_000),
        bookings: value("--bookings").unwrap_or(10_000),
        requests: value("--requests").unwrap_or(200),
        clients: value("--clients").unwrap_or(8).max(1),
        monitor_interval: value("--monitor-interval-seconds").unwrap_or(10) as u64,
        seed_only: args.iter().any(|arg| arg == "--seed-only"),
        postgres: args.iter().any(|arg| arg == "--postgres"),
    }
}

/// What the pages are requested with: ids picked while seeding.
struct Seeded {
    folder: i64,
    system: i64,
    series_meeting: MeetingId,
}

#[tokio::main]
async fn main() {
    let options = options();
    let dir = tempfile::tempdir().unwrap();
    let db = if options.postgres {
        pg::fresh_database().await
    } else {
        format!("sqlite://{}", dir.path().join("portal.db").display())
    };
    println!(
        "database: {}",
        if options.postgres {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    let key = SecretBox::generate_key();

    let started = Instant::now();
    let seeded = seed(&db, &key, &options).await;
    println!(
        "seeded {} systems and {} meetings in {:.1} s",
        options.systems,
        options.bookings,
        started.elapsed().as_secs_f64()
    );
    if options.seed_only {
        if options.postgres {
            println!("database kept: {db} (BRIDGEKEEPER_SECRET_KEY: {key})");
            return;
        }
        let kept = dir.keep();
        std::fs::write(kept.join("secret.key"), &key).unwrap();
        println!(
            "database kept: {} (BRIDGEKEEPER_SECRET_KEY in secret.key beside it)",
            kept.join("portal.db").display()
        );
        return;
    }

    let server = Server::start(dir.path(), &db, &key, options.monitor_interval).await;
    let at_start = server.memory();
    let client = Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap();
    let portal = Portal {
        client,
        base: format!("http://{}", server.addr),
    };
    let scheduler = portal.login("sam").await;
    let admin = portal.login("ada").await;

    let pages = pages(&seeded);
    // One of each first: every page answers, and is what it should be.
    for (who, cookie) in [("scheduler", &scheduler), ("admin", &admin)] {
        for page in &pages {
            if page.admin_only && who == "scheduler" {
                continue;
            }
            let body = portal.get(cookie, &page.path).await.1;
            assert!(
                body.contains(page.expect),
                "{} as {who}: `{}` not found in {} bytes",
                page.path,
                page.expect,
                body.len()
            );
        }
    }

    // Idle: what the server uses with nobody asking, monitoring running.
    let cpu_before = server.cpu_seconds();
    let idle_from = Instant::now();
    tokio::time::sleep(Duration::from_secs(options.monitor_interval.max(5))).await;
    let idle_cpu = (server.cpu_seconds() - cpu_before) / idle_from.elapsed().as_secs_f64() * 100.0;
    let idle = server.memory();
    println!(
        "idle for {:.0} s: server CPU {idle_cpu:.1}% of one core (monitoring {} unreachable \
         systems every {} s); VmRSS {} MB, VmHWM {} MB",
        idle_from.elapsed().as_secs_f64(),
        options.systems,
        options.monitor_interval,
        idle.0 / 1024,
        idle.1 / 1024
    );

    // One client, one request at a time: each page's own time.
    let mut timings: Vec<(String, Vec<Duration>, usize)> = Vec::new();
    for (who, cookie) in [("scheduler", &scheduler), ("admin", &admin)] {
        let chosen: Vec<&Page> = pages
            .iter()
            .filter(|p| !(p.admin_only && who == "scheduler"))
            .collect();
        let mut times = vec![Vec::with_capacity(options.requests); chosen.len()];
        let mut sizes = vec![0; chosen.len()];
        let cpu_before = server.cpu_seconds();
        let load_from = Instant::now();
        for _ in 0..options.requests {
            for (n, page) in chosen.iter().enumerate() {
                let from = Instant::now();
                let (status, body) = portal.get(cookie, &page.path).await;
                times[n].push(from.elapsed());
                assert_eq!(status, StatusCode::OK, "{}", page.path);
                sizes[n] = body.len();
            }
        }
        let load_cpu =
            (server.cpu_seconds() - cpu_before) / load_from.elapsed().as_secs_f64() * 100.0;
        println!(
            "{who}: {} requests in {:.1} s, server CPU {load_cpu:.0}% of one core",
            options.requests * chosen.len(),
            load_from.elapsed().as_secs_f64()
        );
        for ((page, times), size) in chosen.iter().zip(times).zip(sizes) {
            timings.push((format!("{who:9} {}", page.name), times, size));
        }
    }
    let after_sequential = server.memory();

    // Several clients at once: throughput and the memory that takes.
    let concurrent = concurrent_load(&portal, &pages, &scheduler, &admin, &options).await;
    let after_concurrent = server.memory();

    println!();
    println!(
        "pages ({} systems, {} meetings; {} requests each, one at a time):",
        options.systems, options.bookings, options.requests
    );
    println!(
        "{:34} {:>8} {:>8} {:>8} {:>9}",
        "page", "p50 ms", "p99 ms", "max ms", "HTML KB"
    );
    let mut worst_p99 = Duration::ZERO;
    for (name, mut times, size) in timings {
        times.sort();
        let p99 = percentile(&times, 99.0);
        worst_p99 = worst_p99.max(p99);
        println!(
            "{name:34} {:>8.1} {:>8.1} {:>8.1} {:>9.1}",
            ms(percentile(&times, 50.0)),
            ms(p99),
            ms(*times.last().unwrap()),
            size as f64 / 1024.0
        );
    }
    let (mut times, elapsed) = concurrent;
    times.sort();
    println!(
        "{:34} {:>8.1} {:>8.1} {:>8.1}   ({} requests, {:.0}/s)",
        format!("all pages, {} clients at once", options.clients),
        ms(percentile(&times, 50.0)),
        ms(percentile(&times, 99.0)),
        ms(*times.last().unwrap()),
        times.len(),
        times.len() as f64 / elapsed.as_secs_f64()
    );
    println!();
    println!("{:42} {:>7} {:>8}", "server memory (MB)", "VmRSS", "VmHWM");
    for (when, (rss, hwm)) in [
        ("at start", at_start),
        ("idle (one of each page, then monitoring)", idle),
        ("after the sequential load", after_sequential),
        ("after the concurrent load", after_concurrent),
    ] {
        println!("{when:42} {:>7} {:>8}", rss / 1024, hwm / 1024);
    }
    println!();
    println!(
        "target: p99 < 50 ms on every page (worst here {:.1} ms: {}); memory <= 100 MB (peak \
         here {} MB: {})",
        ms(worst_p99),
        if worst_p99 < Duration::from_millis(50) {
            "met"
        } else {
            "missed"
        },
        after_concurrent.1 / 1024,
        if after_concurrent.1 <= 100 * 1024 {
            "met"
        } else {
            "missed"
        }
    );
    drop(server);
}

/// The pages timed, with a text each must contain.
struct Page {
    name: &'static str,
    path: String,
    expect: &'static str,
    admin_only: bool,
}

fn pages(seeded: &Seeded) -> Vec<Page> {
    let page = |name, path: String, expect| Page {
        name,
        path,
        expect,
        admin_only: false,
    };
    vec![
        page("home", "/".into(), "Welcome, "),
        page("calendar week", "/booking?tz=UTC".into(), "week-view"),
        page(
            "calendar month",
            "/booking?view=month&tz=UTC".into(),
            "month-view",
        ),
        page(
            "conference list",
            "/booking/conferences?tz=UTC".into(),
            "<table class=\"conferences\"",
        ),
        page(
            "conference search",
            "/booking/conferences?q=review&tz=UTC".into(),
            "<table class=\"conferences\"",
        ),
        page(
            "conference page",
            format!("/booking/meetings/{}?tz=UTC", seeded.series_meeting.0),
            "Weekly review",
        ),
        page(
            "navigator folder",
            format!("/systems?folder={}", seeded.folder),
            "cms-emea-",
        ),
        page(
            "system page",
            format!("/systems/{}", seeded.system),
            "cms-emea-",
        ),
        Page {
            name: "tickets",
            path: "/monitoring".into(),
            expect: "Connection Error",
            admin_only: true,
        },
    ]
}

async fn concurrent_load(
    portal: &Portal,
    pages: &[Page],
    scheduler: &str,
    admin: &str,
    options: &Options,
) -> (Vec<Duration>, Duration) {
    let from = Instant::now();
    let mut clients = tokio::task::JoinSet::new();
    for client in 0..options.clients {
        let cookie = if client % 2 == 0 { admin } else { scheduler }.to_string();
        let paths: Vec<String> = pages
            .iter()
            .filter(|p| client % 2 == 0 || !p.admin_only)
            .map(|p| p.path.clone())
            .collect();
        let portal = portal.clone();
        let rounds = (options.requests / 4).max(1);
        clients.spawn(async move {
            let mut times = Vec::new();
            for _ in 0..rounds {
                for path in &paths {
                    let from = Instant::now();
                    let (status, _) = portal.get(&cookie, path).await;
                    times.push(from.elapsed());
                    assert_eq!(status, StatusCode::OK, "{path}");
                }
            }
            times
        });
    }
    let mut times = Vec::new();
    while let Some(done) = clients.join_next().await {
        times.extend(done.unwrap());
    }
    (times, from.elapsed())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[derive(Clone)]
struct Portal {
    client: Client,
    base: String,
}

impl Portal {
    async fn get(&self, cookie: &str, path: &str) -> (StatusCode, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header(COOKIE, format!("{cookie}; bk_tz=UTC"))
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.text().await.unwrap())
    }

    async fn login(&self, username: &str) -> String {
        let response = self
            .client
            .post(format!("{}/api/login", self.base))
            .header(ORIGIN, &self.base)
            .form(&[("username", username), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "signing in as {username}"
        );
        response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("bridgekeeper_session="))
            .and_then(|v| v.split(';').next())
            .unwrap()
            .to_string()
    }
}

/// The server process, its log in a file (read for its address; never a pipe that could fill).
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    async fn start(dir: &std::path::Path, db: &str, key: &str, monitor_interval: u64) -> Server {
        let log = dir.join("server.log");
        let file = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_bridgekeeper"))
            .arg("serve")
            .env("BRIDGEKEEPER_DATABASE_URL", db)
            .env("BRIDGEKEEPER_SECRET_KEY", key)
            .env("BRIDGEKEEPER_LISTEN", "127.0.0.1:0")
            .env("BRIDGEKEEPER_SITE_ROOT", dir)
            .env(
                "BRIDGEKEEPER_MONITOR_INTERVAL_SECONDS",
                monitor_interval.to_string(),
            )
            .env("NO_COLOR", "1")
            // The address is read from the log: whatever the caller's RUST_LOG, info is kept.
            .env("RUST_LOG", "info,sqlx=warn,tower_sessions=warn")
            // The log goes to standard output (tracing's default), panics to standard error.
            .stdout(Stdio::from(file.try_clone().unwrap()))
            .stderr(Stdio::from(file))
            .spawn()
            .unwrap();
        // Dropped (and so stopped) if it never says where it listens.
        let mut server = Server {
            child,
            addr: String::new(),
        };
        // Polled only so that a server that never starts does not hang the bench.
        let from = Instant::now();
        for _ in 0..6000 {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if let Some(addr) = text
                .lines()
                .find(|l| l.contains("Bridgekeeper listening"))
                .and_then(|l| l.split("addr=").nth(1))
                .and_then(|rest| rest.split_whitespace().next())
            {
                println!(
                    "the server listened {:.1} s after it was started",
                    from.elapsed().as_secs_f64()
                );
                server.addr = addr.to_string();
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "the server did not start:\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    fn status_kb(&self, field: &str) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default()
            .lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    /// VmRSS and VmHWM, in KB.
    fn memory(&self) -> (u64, u64) {
        (self.status_kb("VmRSS:"), self.status_kb("VmHWM:"))
    }

    /// User and system CPU time the server has used so far.
    fn cpu_seconds(&self) -> f64 {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        // Fields after the command name (which may hold spaces) in parentheses.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        let ticks = |n: usize| {
            fields
                .get(n)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
        (ticks(11) + ticks(12)) / 100.0
    }
}

/// A bench that fails or stops still stops its server (SIGTERM, then waits for it).
impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .status();
        }
        let _ = self.child.wait();
    }
}

async fn seed(db: &str, key: &str, options: &Options) -> Seeded {
    let store = bridgekeeper::open_store(db).await.unwrap().store();
    let users = UserService::new(
        store.clone(),
        PasswordPolicy::default(),
        LoginThrottle::default(),
    );
    let sam = users
        .create("sam", "scheduler", PASSWORD.into())
        .await
        .unwrap();
    let ada = users.create("ada", "admin", PASSWORD.into()).await.unwrap();
    let mut owners = vec![(sam, "sam".to_string()), (ada, "ada".to_string())];
    for n in 1..=6 {
        let name = format!("planner{n}");
        // They never sign in: no password hash to compute.
        let id = store
            .insert_user(
                &Username::parse(&name).unwrap(),
                Role::Scheduler,
                &PasswordHashString("unused".into()),
            )
            .await
            .unwrap();
        owners.push((id, name));
    }

    let systems_service = SystemService::new(
        store.clone() as Arc<dyn Store>,
        SecretBox::from_base64(key).unwrap(),
        Arc::new(cms::NoTrace),
        Duration::from_secs(2),
    );
    let folders = FolderService::new(store.clone() as Arc<dyn Store>);
    let emea = folders.create(None, "EMEA").await.unwrap();
    let americas = folders.create(None, "Americas").await.unwrap();
    let apac = folders.create(None, "APAC").await.unwrap();
    let lab = folders.create(Some(emea), "Lab").await.unwrap();
    let mut systems = Vec::with_capacity(options.systems);
    for n in 0..options.systems {
        // Loopback addresses where nothing listens: refused at once, every poll.
        let address = format!("127.10.{}.{}:445", n / 250, n % 250 + 1);
        let added = systems_service
            .add(AddSystemInput {
                address,
                username: "admin".into(),
                password: "secret".into(),
                tls: "insecure".into(),
                pinned_pem: String::new(),
            })
            .await
            .unwrap();
        // 60% EMEA, 25% Americas, 10% APAC, 3% in EMEA's Lab, the rest at the top.
        let (region, folder) = match n * 100 / options.systems {
            0..60 => ("emea", Some(emea)),
            60..85 => ("americas", Some(americas)),
            85..95 => ("apac", Some(apac)),
            95..98 => ("lab", Some(lab)),
            _ => ("spare", None),
        };
        systems_service
            .set_identity(
                added.id,
                &format!("cms-{region}-{n:04}"),
                &format!("Call bridge {n} in {region}"),
            )
            .await
            .unwrap();
        folders.place_system(added.id, folder).await.unwrap();
        let range = IdRange {
            base: 100_000 + n as u64 * 100,
            quantity: PLACEHOLDERS,
        };
        store
            .set_extended_settings(
                added.id,
                &ExtendedSettings {
                    domain: "example.com".into(),
                    range,
                },
            )
            .await
            .unwrap();
        let created: Vec<(u64, String)> = (0..PLACEHOLDERS)
            .map(|i| (i, format!("space-{n}-{i}")))
            .collect();
        store
            .record_provisioning(added.id, range, &created, &[])
            .await
            .unwrap();
        systems.push(added.id);
    }

    let mut rng = StdRng::seed_from_u64(7);
    let now = OffsetDateTime::now_utc();
    let day0 = now.date().midnight().assume_utc() - time::Duration::days(45);
    let titles = [
        "Quarterly review",
        "Project sync",
        "Board call",
        "Customer demo",
        "Team stand-up",
        "Design review",
        "All hands",
        "Interview",
    ];
    let mut meetings = 0;
    let mut series_meeting = None;
    let mut spans_of = Vec::new();
    let mut conferences = 0usize;
    while meetings < options.bookings {
        let series = conferences.is_multiple_of(10) && options.bookings - meetings >= SERIES_LENGTH;
        // Over 120 days (45 before today), 07:00 to 19:00, on the quarter hour.
        let day = rng.gen_range(0..if series { 50 } else { 120 });
        let start = day0
            + time::Duration::days(day)
            + time::Duration::minutes(7 * 60 + 15 * rng.gen_range(0..48));
        let length = time::Duration::minutes(15 * rng.gen_range(2..9));
        let occurrences: Vec<Span> = (0..if series { SERIES_LENGTH } else { 1 })
            .map(|week| {
                let at = start + time::Duration::weeks(week as i64);
                Span::new(at, at + length).unwrap()
            })
            .collect();
        let system = systems[rng.gen_range(0..systems.len())];
        let (owner, owner_name) = owners[rng.gen_range(0..owners.len())].clone();
        let title = if series {
            "Weekly review".to_string()
        } else {
            format!("{} {conferences}", titles[conferences % titles.len()])
        };
        let participants = (0..rng.gen_range(0..4))
            .map(|p| SipUri::parse(&format!("room{}-{p}@example.com", conferences)).unwrap())
            .collect();
        let new = NewConference {
            owner,
            owner_name,
            title: Title::parse(&title).unwrap(),
            conference_type: [
                ConferenceType::AutomaticConnect,
                ConferenceType::NoConnect,
                ConferenceType::Reservation,
            ][conferences % 3],
            auto_system: false,
            zone: "UTC".into(),
            passcode: None,
            notes: String::new(),
            recurrence: series.then(|| {
                Recurrence {
                    frequency: Frequency::Weekly(vec![start.weekday()]),
                    end: RecurrenceEnd::Count(SERIES_LENGTH as u16),
                }
                .encode()
            }),
            participants,
            occurrences: occurrences.clone(),
        };
        let place = move |_: &domain::booking::rules::Occupancy, _: &[Span]| Ok(system);
        let (_, ids) = store
            .insert_conference(&new, &place)
            .await
            .unwrap()
            .unwrap();
        if series && series_meeting.is_none() {
            series_meeting = Some(ids[0]);
        }
        meetings += ids.len();
        spans_of.extend(ids.into_iter().zip(occurrences));
        conferences += 1;
    }
    // Over: mostly finished, some cancelled, failed (each with its ticket) or defective. Under
    // way now: ongoing. Ahead: pending, one in twenty cancelled.
    let mut steps = Vec::new();
    for (n, (id, span)) in spans_of.iter().enumerate() {
        let state = if span.end() <= now {
            match n % 20 {
                0 | 1 => MeetingState::Cancelled,
                2 => MeetingState::Failed,
                3 => MeetingState::Defective,
                _ => MeetingState::Finished,
            }
        } else if span.start() <= now {
            MeetingState::Ongoing
        } else if n % 20 == 0 {
            MeetingState::Cancelled
        } else {
            continue;
        };
        if state == MeetingState::Cancelled {
            store.cancel_meeting(*id, "planner1").await.unwrap();
            continue;
        }
        steps.push((
            *id,
            MeetingState::Pending,
            Step {
                state: Some(state),
                failure: (state == MeetingState::Failed)
                    .then(|| "the call bridge did not answer".to_string()),
                ticket: (state == MeetingState::Failed)
                    .then(|| "Meeting failed: the call bridge did not answer".to_string()),
                event: Some(NewEvent::engine(state.label(), "seeded")),
                ..Step::default()
            },
        ));
    }
    for chunk in steps.chunks(500) {
        store.record_steps(None, chunk).await.unwrap();
    }
    let folder = emea.0;
    let system = systems[0].0;
    Seeded {
        folder,
        system,
        series_meeting: series_meeting.expect("a series was booked"),
    }
}
