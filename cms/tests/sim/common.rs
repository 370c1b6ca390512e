//! Starting a simulated cluster and a connector that trusts its self-signed certificate.

use std::sync::Arc;

use cms::{
    Connector, ConnectorConfig, Credentials, Endpoint, MemoryTrace, PinnedCertificate, Target,
    TlsMode, TraceSink,
};
use cms_sim::{Cluster, SimConfig};

pub async fn cluster(cfg: SimConfig) -> Cluster {
    Cluster::start(cfg).await.expect("the simulator starts")
}

pub fn endpoints(cluster: &Cluster) -> Vec<Endpoint> {
    cluster
        .base_urls()
        .iter()
        .map(|url| Endpoint::parse(url).expect("the simulator's URL parses"))
        .collect()
}

/// A config for every node of the cluster (node 0 primary), pinned to its certificate.
pub fn config(cluster: &Cluster) -> ConnectorConfig {
    let mut targets = endpoints(cluster).into_iter().map(|endpoint| Target {
        endpoint,
        credentials: Credentials::new("admin", "admin"),
    });
    let mut config = ConnectorConfig::new(targets.next().expect("one node at least"));
    config.alternates = targets.collect();
    let pem = cluster.cert_pem().expect("the simulator serves HTTPS");
    config.tls = TlsMode::PinnedCertificate(PinnedCertificate::from_pem(&pem).expect("PEM"));
    config
}

pub fn connect_with(config: ConnectorConfig, sink: Arc<dyn TraceSink>) -> Connector {
    Connector::new(config, sink).expect("the connector builds")
}

/// A connector with default settings and an in-memory trace.
pub fn connect(cluster: &Cluster) -> (Connector, Arc<MemoryTrace>) {
    let trace = Arc::new(MemoryTrace::default());
    (connect_with(config(cluster), trace.clone()), trace)
}

/// `METHOD path` of every request the simulator received, in order.
pub fn request_lines(cluster: &Cluster) -> Vec<String> {
    cluster
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}
