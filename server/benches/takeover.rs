//! Takeover after the lease holder's death: how long from SIGKILL of the node running the engine
//! until another node holds the lease (and so runs the engine's resume path).
//!
//! Runs on a fresh database of the server `BRIDGEKEEPER_TEST_PG` names (else one started with
//! `scripts/postgres.sh`, Debian's package) unless `--database-url postgres://…` names one, then `--nodes` (2) real `bridgekeeper serve`
//! processes on it, with the portal's default lease unless `--lease-seconds N`. Then `--kills`
//! (10) times: SIGKILL the holder, time until a standby holds the lease, start a replacement
//! node. Prints p50 and max.
//!
//! `cargo bench -p bridgekeeper --bench takeover` (options after `--`).

use domain::secret_box::SecretBox;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Options {
    database_url: Option<String>,
    nodes: usize,
    kills: usize,
    lease_seconds: Option<u64>,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| {
        args.iter()
            .position(|arg| arg == name)
            .and_then(|at| args.get(at + 1))
            .cloned()
    };
    Options {
        database_url: value("--database-url"),
        nodes: value("--nodes")
            .and_then(|v| v.parse().ok())
            .unwrap_or(2)
            .max(2),
        kills: value("--kills")
            .and_then(|v| v.parse().ok())
            .unwrap_or(10)
            .max(1),
        lease_seconds: value("--lease-seconds").and_then(|v| v.parse().ok()),
    }
}

#[path = "../../domain/tests/it/pg.rs"]
mod pg;

struct Nodes {
    url: String,
    key: String,
    site: tempfile::TempDir,
    lease_seconds: Option<u64>,
}

impl Nodes {
    fn start(&self) -> Child {
        let mut command = Command::new(env!("CARGO_BIN_EXE_bridgekeeper"));
        command
            .arg("serve")
            .env("BRIDGEKEEPER_DATABASE_URL", &self.url)
            .env("BRIDGEKEEPER_SECRET_KEY", &self.key)
            .env("BRIDGEKEEPER_LISTEN", "127.0.0.1:0")
            .env("BRIDGEKEEPER_SITE_ROOT", self.site.path())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(seconds) = self.lease_seconds {
            command.env("BRIDGEKEEPER_LEASE_SECONDS", seconds.to_string());
        }
        command.spawn().expect("bridgekeeper serve")
    }
}

fn holder_pid(holder: &str) -> Option<u32> {
    holder
        .split(" pid ")
        .nth(1)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn main() {
    let o = options();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let url = match &o.database_url {
            Some(url) => url.clone(),
            None => pg::fresh_database().await,
        };
        let nodes = Nodes {
            url: url.clone(),
            key: SecretBox::generate_key(),
            site: tempfile::tempdir().expect("temp dir"),
            lease_seconds: o.lease_seconds,
        };
        // The first node migrates the database; the others then start beside it.
        let mut running = vec![nodes.start()];
        let store = loop {
            match bridgekeeper::open_store(&url).await {
                Ok(store) => break store.store(),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        for _ in 1..o.nodes {
            running.push(nodes.start());
        }
        let mut times = Vec::new();
        for round in 0..o.kills {
            // Every node up and one of them holding the lease.
            let lease = loop {
                if let Ok(Some(lease)) = store.current_lease().await
                    && let Some(pid) = holder_pid(&lease.holder)
                    && running.iter().any(|c| c.id() == pid)
                {
                    break lease;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            };
            // Let the standbys settle into waiting.
            tokio::time::sleep(Duration::from_secs(2)).await;
            let pid = holder_pid(&lease.holder).expect("a pid");
            let at = running.iter().position(|c| c.id() == pid).expect("the holder");
            let mut holder = running.remove(at);
            let killed = Instant::now();
            holder.kill().expect("SIGKILL");
            holder.wait().expect("reaped");
            let taken = loop {
                if let Ok(Some(now)) = store.current_lease().await
                    && now.epoch > lease.epoch
                {
                    break killed.elapsed();
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            };
            println!("kill {}: taken over after {:.3} s", round + 1, taken.as_secs_f64());
            times.push(taken);
            running.push(nodes.start());
        }
        for mut child in running {
            let _ = child.kill();
            let _ = child.wait();
        }
        times.sort();
        let p50 = times[(times.len() - 1) / 2];
        let max = times[times.len() - 1];
        println!();
        println!(
            "Takeover after SIGKILL of the lease holder ({} nodes on PostgreSQL, lease {}): p50 {:.3} s, max {:.3} s over {} kills (target: within 10 s)",
            o.nodes,
            o.lease_seconds
                .map(|s| format!("{s} s"))
                .unwrap_or_else(|| "the default".into()),
            p50.as_secs_f64(),
            max.as_secs_f64(),
            times.len()
        );
    });
}
