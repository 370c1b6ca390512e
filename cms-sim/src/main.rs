//! `cms-sim`: a simulated Cisco Meeting Server cluster on this machine, until Ctrl-C.

use anyhow::Context;
use clap::Parser;
use cms_sim::{BulkSyncFault, Cluster, Faults, PageCaps, SimConfig, TlsIdentity};
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

/// A faithful Cisco Meeting Server (CMS) API simulator: a cluster of call bridges answering
/// /api/v1 like the real server, with a control API under /_sim/ (faults, nodes up/down,
/// request log, state snapshot).
#[derive(Debug, Parser)]
#[command(name = "cms-sim", version)]
struct Args {
    /// Call bridges in the cluster, each on its own port over the same state.
    #[arg(long, default_value_t = 1, env = "CMS_SIM_NODES")]
    nodes: usize,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1", env = "CMS_SIM_BIND")]
    bind: IpAddr,
    /// One port per node, comma-separated (default: free ports chosen by the system).
    #[arg(long, value_delimiter = ',', env = "CMS_SIM_PORTS")]
    ports: Vec<u16>,
    /// Serve plain HTTP instead of HTTPS with a self-signed certificate.
    #[arg(long)]
    http: bool,
    /// Write the served certificate (PEM) to this file, for clients to pin.
    #[arg(long, value_name = "FILE")]
    cert_out: Option<PathBuf>,
    /// Write the served certificate's private key (PEM) to this file, to serve the same
    /// certificate next time with --cert and --key.
    #[arg(long, value_name = "FILE")]
    key_out: Option<PathBuf>,
    /// Serve this certificate (PEM) instead of a fresh self-signed one (needs --key).
    #[arg(long, value_name = "FILE", requires = "key", conflicts_with = "http")]
    cert: Option<PathBuf>,
    /// The private key (PEM) of --cert.
    #[arg(long, value_name = "FILE", requires = "cert")]
    key: Option<PathBuf>,
    /// Basic auth user name.
    #[arg(long, default_value = "admin", env = "CMS_SIM_USERNAME")]
    username: String,
    /// Basic auth password.
    #[arg(
        long,
        default_value = "admin",
        env = "CMS_SIM_PASSWORD",
        hide_env_values = true
    )]
    password: String,
    /// softwareVersion in /system/status.
    #[arg(long = "version-string", default_value = "2.0(RC)")]
    software_version: String,
    /// Page cap of GET /coSpaces.
    #[arg(long, default_value_t = 20)]
    cap_cospaces: usize,
    /// Page cap of GET /calls.
    #[arg(long, default_value_t = 10)]
    cap_calls: usize,
    /// Page cap of GET /callLegs.
    #[arg(long, default_value_t = 10)]
    cap_call_legs: usize,
    /// Page cap of every other collection.
    #[arg(long, default_value_t = 10)]
    cap_others: usize,
    /// Milliseconds a dial-out rings before it connects.
    #[arg(long, default_value_t = 1000)]
    dial_delay_ms: u64,
    /// Remote parties containing this text fail to connect (their call leg ends).
    #[arg(long, value_name = "TEXT")]
    failing_remote: Option<String>,
    /// Milliseconds each bulk sync step takes (pending → running → complete).
    #[arg(long, default_value_t = 100)]
    bulk_sync_step_ms: u64,
    /// Start without the seed's users' spaces ("Cool Bridge Space", ...).
    #[arg(long)]
    no_seed_spaces: bool,
    /// This many more users' own spaces at start.
    #[arg(long, default_value_t = 0)]
    extra_spaces: usize,
    /// Fault: milliseconds added to every /api/v1 answer.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Fault: share of /api/v1 requests answered 503 (0.0-1.0).
    #[arg(long, default_value_t = 0.0)]
    rate_503: f64,
    /// Fault: share of /api/v1 requests answered 500 (0.0-1.0).
    #[arg(long, default_value_t = 0.0)]
    rate_500: f64,
    /// Fault: share of /api/v1 requests whose connection is dropped (0.0-1.0).
    #[arg(long, default_value_t = 0.0)]
    drop_rate: f64,
    /// Fault: bulk syncs are `normal`, `stay-pending`, or end with a failure status
    /// (failedCoSpaceUriConflict, failedCallIdConflict, failedIndexRangeInvalid,
    /// failedIndexRangeTooGreat, failedNoSuchParameterSet, failed).
    #[arg(long, default_value = "normal")]
    bulk_sync_fault: BulkSyncFault,
    /// Fault: every /api/v1 request gets 401.
    #[arg(long)]
    wrong_credentials: bool,
    /// Fault: XML answers are cut short.
    #[arg(long)]
    malformed_xml: bool,
    /// Fault: every list answer claims this total (a hostile or buggy server).
    #[arg(long)]
    claimed_total: Option<u64>,
    /// Fault: these nodes (indexes, comma-separated) start down.
    #[arg(long, value_delimiter = ',')]
    down_nodes: Vec<usize>,
    /// Requests kept in the request log (the oldest go first).
    #[arg(long, default_value_t = 100_000)]
    request_log_limit: usize,
}

impl Args {
    fn config(&self) -> anyhow::Result<SimConfig> {
        let read = |path: &PathBuf| {
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
        };
        let tls_identity = match (&self.cert, &self.key) {
            (Some(cert), Some(key)) => Some(TlsIdentity {
                cert_pem: read(cert)?,
                key_pem: read(key)?,
            }),
            _ => None,
        };
        Ok(SimConfig {
            nodes: self.nodes,
            bind: self.bind,
            ports: self.ports.clone(),
            tls: !self.http,
            tls_identity,
            username: self.username.clone(),
            password: self.password.clone(),
            software_version: self.software_version.clone(),
            page_caps: PageCaps {
                co_spaces: self.cap_cospaces,
                calls: self.cap_calls,
                call_legs: self.cap_call_legs,
                others: self.cap_others,
            },
            dial_connect_delay: Duration::from_millis(self.dial_delay_ms),
            failing_remote_pattern: self.failing_remote.clone(),
            bulk_sync_step: Duration::from_millis(self.bulk_sync_step_ms),
            seed_user_spaces: !self.no_seed_spaces,
            extra_user_spaces: self.extra_spaces,
            faults: Faults {
                latency: Duration::from_millis(self.latency_ms),
                busy_503_rate: self.rate_503,
                error_500_rate: self.rate_500,
                drop_connection_rate: self.drop_rate,
                bulk_sync: self.bulk_sync_fault,
                wrong_credentials: self.wrong_credentials,
                malformed_xml: self.malformed_xml,
                claimed_total: self.claimed_total,
            },
            request_log_limit: self.request_log_limit,
        })
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    let cluster = Cluster::start(args.config()?)
        .await
        .context("starting the simulated cluster")?;
    if let Some(identity) = cluster.tls_identity() {
        for (path, pem, what) in [
            (&args.cert_out, &identity.cert_pem, "certificate"),
            (&args.key_out, &identity.key_pem, "private key"),
        ] {
            if let Some(path) = path {
                std::fs::write(path, pem)
                    .with_context(|| format!("writing the {what} to {}", path.display()))?;
                println!("{what} written to {}", path.display());
            }
        }
    }
    for &node in &args.down_nodes {
        cluster
            .try_set_node_up(node, false)
            .with_context(|| format!("taking node {node} down"))?;
    }
    for (node, url) in cluster.base_urls().iter().enumerate() {
        let state = if cluster.is_node_up(node) {
            ""
        } else {
            " (down)"
        };
        println!("call bridge {node}: {url}/api/v1  control: {url}/_sim/{state}");
    }
    // Printed for the person who started it; never written to the logs.
    println!("credentials: {} / {}", args.username, args.password);
    println!("press Ctrl-C to stop");
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    cluster.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_flags_are_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn flags_become_the_configuration_and_faults() {
        let args = Args::try_parse_from([
            "cms-sim",
            "--nodes",
            "3",
            "--ports",
            "9001,9002,9003",
            "--http",
            "--username",
            "api",
            "--cap-cospaces",
            "5",
            "--dial-delay-ms",
            "250",
            "--failing-remote",
            "broken",
            "--no-seed-spaces",
            "--extra-spaces",
            "7",
            "--latency-ms",
            "40",
            "--rate-503",
            "0.5",
            "--drop-rate",
            "0.1",
            "--bulk-sync-fault",
            "stay-pending",
            "--malformed-xml",
        ])
        .expect("flags parse");
        let cfg = args.config().expect("configuration");
        assert_eq!(cfg.nodes, 3);
        assert_eq!(cfg.ports, [9001, 9002, 9003]);
        assert!(!cfg.tls);
        assert_eq!(cfg.username, "api");
        assert_eq!(cfg.page_caps.co_spaces, 5);
        assert_eq!(cfg.dial_connect_delay, Duration::from_millis(250));
        assert_eq!(cfg.failing_remote_pattern.as_deref(), Some("broken"));
        assert!(!cfg.seed_user_spaces);
        assert_eq!(cfg.extra_user_spaces, 7);
        assert_eq!(cfg.faults.latency, Duration::from_millis(40));
        assert_eq!(cfg.faults.busy_503_rate, 0.5);
        assert_eq!(cfg.faults.drop_connection_rate, 0.1);
        assert_eq!(cfg.faults.bulk_sync, BulkSyncFault::StayPending);
        assert!(cfg.faults.malformed_xml);
        assert!(!cfg.faults.wrong_credentials);
    }

    #[test]
    fn a_certificate_needs_its_key() {
        assert!(Args::try_parse_from(["cms-sim", "--cert", "c.pem"]).is_err());
        assert!(Args::try_parse_from(["cms-sim", "--bulk-sync-fault", "complete"]).is_err());
    }
}
