//! Requests and latency of a meeting's lifecycle (start with dial-outs, extend, end) against
//! the simulator holding 1,000 users' spaces, beside the sequence TMS sends for the same
//! (`shared/cms-api.md`, "What TMS does": it rescans every space on each start and end).
//!
//! `cargo bench -p cms --bench lifecycle` (options: `--rounds N`, `--latency-ms N`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use cms::ids::CoSpaceId;
use cms::lifecycle::{
    self, MeetingDress, PlaceholderPlan, PlaceholderSpace, PollPolicy, TMS_NAME_PREFIX,
};
use cms::ops::call_legs::RemoteParty;
use cms::ops::co_spaces::CoSpaceSettings;
use cms::{
    Connector, ConnectorConfig, Credentials, Endpoint, NoTrace, NumericIdRange, Passcode,
    PinnedCertificate, Secret, Target, TlsMode,
};
use cms_sim::{Cluster, Faults, SimConfig};

const USER_SPACES: usize = 1_000;
const PLACEHOLDERS: u64 = 50;
const DIAL_OUTS: usize = 2;
/// TMS's requests in the seed's trace, where the space scan took one page (4 spaces).
const TMS_SEED_START: usize = 9;
const TMS_SEED_END: usize = 6;

struct Options {
    rounds: usize,
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
        rounds: value("--rounds").unwrap_or(30) as usize,
        latency: Duration::from_millis(value("--latency-ms").unwrap_or(2)),
    }
}

/// Requests and durations of one step over all rounds.
#[derive(Default)]
struct Step {
    requests: Vec<usize>,
    durations: Vec<Duration>,
}

impl Step {
    fn record(&mut self, sim: &Cluster, started: Instant) {
        self.durations.push(started.elapsed());
        self.requests.push(sim.requests().len());
        sim.clear_requests();
    }

    fn requests(&self) -> String {
        let (min, max) = (self.requests.iter().min(), self.requests.iter().max());
        match (min, max) {
            (Some(min), Some(max)) if min == max => min.to_string(),
            (Some(min), Some(max)) => format!("{min}-{max}"),
            _ => "-".into(),
        }
    }

    fn percentile(&self, p: f64) -> String {
        let mut sorted = self.durations.clone();
        sorted.sort();
        match sorted.get(((sorted.len() as f64 - 1.0) * p).round() as usize) {
            Some(d) => format!("{:.1} ms", d.as_secs_f64() * 1000.0),
            None => "-".into(),
        }
    }
}

#[derive(Default)]
struct Lifecycle {
    start: Step,
    extend: Step,
    end: Step,
}

impl Lifecycle {
    /// Each round's three steps added up.
    fn whole(&self) -> Step {
        let rounds = self.start.requests.len();
        Step {
            requests: (0..rounds)
                .map(|i| self.start.requests[i] + self.extend.requests[i] + self.end.requests[i])
                .collect(),
            durations: (0..rounds)
                .map(|i| self.start.durations[i] + self.extend.durations[i] + self.end.durations[i])
                .collect(),
        }
    }
}

fn main() {
    let options = options();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run(options));
}

async fn run(options: Options) {
    let sim = Cluster::start(SimConfig {
        extra_user_spaces: USER_SPACES,
        dial_connect_delay: Duration::ZERO,
        ..Default::default()
    })
    .await
    .expect("simulator");
    let endpoint = Endpoint::parse(&sim.base_urls()[0]).expect("endpoint");
    let mut config = ConnectorConfig::new(Target {
        endpoint,
        credentials: Credentials::new("admin", "admin"),
    });
    let pem = sim.cert_pem().expect("HTTPS");
    config.tls = TlsMode::PinnedCertificate(PinnedCertificate::from_pem(&pem).expect("PEM"));
    let cms = Connector::new(config, Arc::new(NoTrace)).expect("connector");

    let profiles = lifecycle::prepare_profiles(&cms).await.expect("profiles");
    let range = NumericIdRange::new(1, PLACEHOLDERS).expect("range");
    let plan = PlaceholderPlan::new(range, TMS_NAME_PREFIX, "example.com").expect("plan");
    let provisioning = Instant::now();
    sim.clear_requests();
    let placeholders =
        lifecycle::provision_placeholders(&cms, &plan, &profiles, &PollPolicy::default(), |_| {})
            .await
            .expect("placeholders");
    let provision_requests = sim.requests().len();
    let provision_time = provisioning.elapsed();
    let spaces_on_server = sim.snapshot().spaces.len();

    sim.set_faults(Faults {
        latency: options.latency,
        ..Default::default()
    });
    let parties: Vec<RemoteParty> = (0..DIAL_OUTS)
        .map(|n| RemoteParty::parse(&format!("endpoint{n}@example.com")).expect("party"))
        .collect();

    let mut ours = Lifecycle::default();
    let mut tms = Lifecycle::default();
    for round in 0..options.rounds {
        let dress = MeetingDress {
            title: format!("Meeting {round}"),
            passcode: Passcode::parse("4711").expect("passcode"),
        };
        bridgekeeper_round(&sim, &cms, &placeholders[0], &dress, &parties, &mut ours).await;
        tms_round(&sim, &cms, &dress, &parties, &mut tms).await;
    }

    println!("CMS connector lifecycle benchmark");
    println!(
        "  simulator: 1 call bridge over HTTPS, {spaces_on_server} spaces ({USER_SPACES} users' + 4 seed + {PLACEHOLDERS} placeholders), \
         coSpaces page cap 20, {} ms added latency per request, {} rounds, {DIAL_OUTS} dial-outs per meeting",
        options.latency.as_millis(),
        options.rounds
    );
    println!(
        "  provisioning {PLACEHOLDERS} placeholders: {provision_requests} requests, {:.1} ms (no added latency)",
        provision_time.as_secs_f64() * 1000.0
    );
    println!();
    println!(
        "  {:<8} {:>20} {:>14} {:>14} {:>14} {:>14} {:>14}",
        "step",
        "requests (ours)",
        "requests (TMS)",
        "p50 (ours)",
        "p95 (ours)",
        "p50 (TMS)",
        "p95 (TMS)"
    );
    let (ours_whole, tms_whole) = (ours.whole(), tms.whole());
    for (name, ours, tms) in [
        ("start", &ours.start, &tms.start),
        ("extend", &ours.extend, &tms.extend),
        ("end", &ours.end, &tms.end),
        ("total", &ours_whole, &tms_whole),
    ] {
        println!(
            "  {:<8} {:>20} {:>14} {:>14} {:>14} {:>14} {:>14}",
            name,
            ours.requests(),
            tms.requests(),
            ours.percentile(0.5),
            ours.percentile(0.95),
            tms.percentile(0.5),
            tms.percentile(0.95)
        );
    }
    println!();
    println!(
        "  TMS in the seed's trace, where a space scan was one page (4 spaces): \
         start {TMS_SEED_START} + dial-outs, extend 1, end {TMS_SEED_END}"
    );
    sim.shutdown().await;
}

async fn bridgekeeper_round(
    sim: &Cluster,
    cms: &Connector,
    placeholder: &PlaceholderSpace,
    dress: &MeetingDress,
    parties: &[RemoteParty],
    steps: &mut Lifecycle,
) {
    sim.clear_requests();
    let started = Instant::now();
    let meeting = lifecycle::start_meeting(cms, placeholder, dress, parties)
        .await
        .expect("start");
    assert!(meeting.dial_outs.iter().all(|d| d.outcome.is_ok()));
    steps.start.record(sim, started);

    let started = Instant::now();
    lifecycle::extend_meeting(cms, placeholder, dress)
        .await
        .expect("extend");
    steps.extend.record(sim, started);

    let started = Instant::now();
    lifecycle::end_meeting(cms, placeholder, Some(&meeting.call))
        .await
        .expect("end");
    steps.end.record(sim, started);
}

/// The requests TMS 15.3 sends for the same meeting (seed trace, `cms-api.md` steps 3-5),
/// made with the connector's plain operations.
async fn tms_round(
    sim: &Cluster,
    cms: &Connector,
    dress: &MeetingDress,
    parties: &[RemoteParty],
    steps: &mut Lifecycle,
) {
    sim.clear_requests();
    let started = Instant::now();
    cms.system_status().await.expect("status");
    cms.participants(None).await.expect("participants");
    let spaces = cms.co_spaces(None).await.expect("scan");
    // TMS lists calls after creating its own; listed here to pick a free placeholder, same count.
    let calls = cms.calls(None).await.expect("calls");
    let busy: Vec<&CoSpaceId> = calls
        .iter()
        .filter_map(|call| call.co_space.as_ref())
        .collect();
    // The lowest-numbered placeholder not in use.
    let (index, space) = spaces
        .iter()
        .filter_map(|space| {
            let index: u64 = space.name.strip_prefix(TMS_NAME_PREFIX)?.parse().ok()?;
            (!busy.contains(&&space.id)).then_some((index, space.id.clone()))
        })
        .min()
        .expect("a free placeholder");
    let dressing = CoSpaceSettings {
        name: Some(dress.title.clone()),
        non_member_access: Some(true),
        passcode: Some(dress.passcode.clone()),
        secret: Some(Secret::generate()),
        ..Default::default()
    };
    cms.update_co_space(&space, &dressing).await.expect("dress");
    let call = cms.create_call(&space).await.expect("call");
    cms.system_status().await.expect("status");
    cms.co_spaces(None).await.expect("scan");
    cms.call_legs(None).await.expect("legs");
    for party in parties {
        cms.create_call_leg(&call, party).await.expect("dial");
    }
    steps.start.record(sim, started);

    let started = Instant::now();
    cms.update_co_space(&space, &dressing)
        .await
        .expect("extend");
    steps.extend.record(sim, started);

    let started = Instant::now();
    cms.system_status().await.expect("status");
    cms.co_spaces(None).await.expect("scan");
    cms.calls(None).await.expect("calls");
    cms.co_spaces(None).await.expect("scan");
    let restore = CoSpaceSettings {
        name: Some(format!("{TMS_NAME_PREFIX}{index}")),
        non_member_access: Some(false),
        passcode: Some(Passcode::none()),
        regenerate_secret: true,
        ..Default::default()
    };
    cms.update_co_space(&space, &restore)
        .await
        .expect("restore");
    cms.delete_call(&call).await.expect("delete");
    steps.end.record(sim, started);
}
