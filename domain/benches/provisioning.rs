//! Time to provision placeholder spaces through Extended Settings against the CMS simulator
//! (HTTPS, one call bridge): `cargo bench -p domain --features ssr --bench provisioning`.
//! Prints figures; asserts nothing about speed.

use cms::NoTrace;
use cms_sim::{Cluster, SimConfig};
use domain::secret_box::SecretBox;
use domain::store::{SqliteStore, Store};
use domain::system::ProvisioningState;
use domain::systems::{AddSystemInput, SystemService};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let quantities: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let quantities = if quantities.is_empty() {
        vec![100, 2000]
    } else {
        quantities
    };
    println!("quantity  requests  seconds  (cms-sim: bulk sync step 100 ms, HTTPS, 1 node)");
    for quantity in quantities {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&url).await?);
        let cluster = Cluster::start(SimConfig::default()).await?;
        let systems = SystemService::new(
            store,
            SecretBox::from_base64(&SecretBox::generate_key())?,
            Arc::new(NoTrace),
            Duration::from_secs(30),
        );
        let added = systems
            .add(AddSystemInput {
                address: cluster.base_urls()[0]
                    .trim_start_matches("https://")
                    .to_string(),
                username: "admin".into(),
                password: "admin".into(),
                tls: "insecure".into(),
                pinned_pem: String::new(),
            })
            .await?;
        cluster.clear_requests();
        let started = Instant::now();
        systems
            .save_extended(added.id, "example.com", "1", &quantity.to_string())
            .await?;
        let outcome = loop {
            let progress = systems
                .provisioning(added.id)
                .await?
                .expect("provisioning started");
            if progress.state != ProvisioningState::Running {
                break progress;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let elapsed = started.elapsed();
        anyhow::ensure!(
            outcome.state == ProvisioningState::Complete,
            "provisioning failed: {}",
            outcome.message
        );
        println!(
            "{quantity:>8}  {:>8}  {:>7.2}",
            cluster.requests().len(),
            elapsed.as_secs_f64()
        );
        cluster.shutdown().await;
    }
    Ok(())
}
