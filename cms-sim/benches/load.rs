//! Load bench: how many CMS API requests per second the simulator answers on this machine,
//! with latency percentiles. Loopback only, bounded in count and time.
//!
//! `cargo bench -p cms-sim --bench load` (CMS_SIM_BENCH_REQUESTS and CMS_SIM_BENCH_WORKERS
//! change the defaults of 20,000 requests by 16 workers per scenario).

use cms_sim::{Cluster, SimConfig};
use std::time::{Duration, Instant};

/// The bar: the simulator must never be the bottleneck.
const TARGET_PER_SECOND: f64 = 2_000.0;
/// Each scenario stops at this time even if its requests are not all sent.
const TIME_LIMIT: Duration = Duration::from_secs(60);

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Figures {
    sent: usize,
    failed: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

/// A request mix shaped like a scheduler's: status, paged space scans, single GETs, PUTs
/// that dress and undress a placeholder, calls.
fn request(i: usize, space_ids: &[String]) -> (reqwest::Method, String, Option<String>) {
    let space = &space_ids[i % space_ids.len()];
    match i % 6 {
        0 => (reqwest::Method::GET, "/api/v1/system/status".into(), None),
        1 => (
            reqwest::Method::GET,
            format!("/api/v1/coSpaces?offset={}", (i * 20) % 1000),
            None,
        ),
        2 => (
            reqwest::Method::GET,
            format!("/api/v1/coSpaces/{space}"),
            None,
        ),
        3 => (
            reqwest::Method::PUT,
            format!("/api/v1/coSpaces/{space}"),
            Some(format!(
                "name=Meeting+{i}&nonMemberAccess=true&passcode={i}"
            )),
        ),
        4 => (reqwest::Method::GET, "/api/v1/calls".into(), None),
        _ => (
            reqwest::Method::GET,
            "/api/v1/coSpaces?filter=user1".into(),
            None,
        ),
    }
}

async fn run(tls: bool, total: usize, workers: usize) -> anyhow::Result<Figures> {
    let cluster = Cluster::start(SimConfig {
        tls,
        nodes: 2,
        extra_user_spaces: 1_000,
        ..SimConfig::default()
    })
    .await?;
    let mut builder = reqwest::Client::builder().timeout(Duration::from_secs(10));
    if let Some(pem) = cluster.cert_pem() {
        builder = builder.add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes())?);
    }
    let client = builder.build()?;
    let base = cluster.base_urls()[0].clone();
    let space_ids: Vec<String> = cluster
        .snapshot()
        .spaces
        .iter()
        .skip(4)
        .map(|s| s.id.to_string())
        .collect();
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(workers);
    for worker in 0..workers {
        let client = client.clone();
        let base = base.clone();
        let space_ids = space_ids.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failed = 0;
            let mut i = worker;
            while i < total && started.elapsed() < TIME_LIMIT {
                let (method, path, body) = request(i, &space_ids);
                let mut req = client
                    .request(method, format!("{base}{path}"))
                    .basic_auth("admin", Some("admin"));
                if let Some(body) = body {
                    req = req
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(body);
                }
                let sent = Instant::now();
                let ok = match req.send().await {
                    Ok(resp) => resp.status().is_success() && resp.bytes().await.is_ok(),
                    Err(_) => false,
                };
                latencies.push(sent.elapsed());
                if !ok {
                    failed += 1;
                }
                i += workers;
            }
            (latencies, failed)
        }));
    }
    let mut latencies = Vec::with_capacity(total);
    let mut failed = 0;
    for task in tasks {
        let (mut l, f) = task.await?;
        latencies.append(&mut l);
        failed += f;
    }
    let elapsed = started.elapsed();
    cluster.shutdown().await;
    latencies.sort();
    Ok(Figures {
        sent: latencies.len(),
        failed,
        elapsed,
        latencies,
    })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn main() -> anyhow::Result<()> {
    let total = env_or("CMS_SIM_BENCH_REQUESTS", 20_000);
    let workers = env_or("CMS_SIM_BENCH_WORKERS", 16).max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    println!(
        "cms-sim load bench: {total} requests per scenario, {workers} concurrent keep-alive clients, 1,004 spaces, loopback"
    );
    for tls in [false, true] {
        let figures = runtime.block_on(run(tls, total, workers))?;
        let per_second = figures.sent as f64 / figures.elapsed.as_secs_f64();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{:<5} {:>6} requests ({} failed) in {:.2} s = {:>8.0} requests/s | latency ms p50 {:.2} p90 {:.2} p99 {:.2} max {:.2} | target {} requests/s: {}",
            if tls { "https" } else { "http" },
            figures.sent,
            figures.failed,
            figures.elapsed.as_secs_f64(),
            per_second,
            ms(percentile(&figures.latencies, 0.50)),
            ms(percentile(&figures.latencies, 0.90)),
            ms(percentile(&figures.latencies, 0.99)),
            ms(figures.latencies.last().copied().unwrap_or_default()),
            TARGET_PER_SECOND,
            if per_second >= TARGET_PER_SECOND && figures.failed == 0 {
                "met"
            } else {
                "NOT met"
            },
        );
    }
    Ok(())
}
