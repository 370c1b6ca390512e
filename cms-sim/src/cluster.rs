//! A simulated cluster: N call bridges, each on its own port, over one shared state.

use crate::config::SimConfig;
use crate::faults::Faults;
use crate::requests::LoggedRequest;
use crate::routes::Bridge;
use crate::server::{self, Node, Shared};
use crate::snapshot::StateSnapshot;
use crate::tls::TlsIdentity;
use anyhow::{Context, bail};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

pub struct Cluster {
    shared: Arc<Shared>,
    tls: Option<TlsIdentity>,
}

impl Cluster {
    /// Binds every node's port, generates the certificate (when TLS) and starts serving.
    pub async fn start(cfg: SimConfig) -> anyhow::Result<Cluster> {
        if cfg.nodes == 0 {
            bail!("a cluster needs at least one node");
        }
        if !cfg.ports.is_empty() && cfg.ports.len() != cfg.nodes {
            bail!(
                "{} ports given for {} nodes: give one per node or none",
                cfg.ports.len(),
                cfg.nodes
            );
        }
        cfg.faults.validate().map_err(anyhow::Error::msg)?;
        let runtime = tokio::runtime::Handle::try_current()
            .context("a simulated cluster runs on a tokio runtime")?;
        let mut listeners = Vec::with_capacity(cfg.nodes);
        for index in 0..cfg.nodes {
            let port = cfg.ports.get(index).copied().unwrap_or(0);
            let addr = SocketAddr::new(cfg.bind, port);
            let listener = std::net::TcpListener::bind(addr)
                .with_context(|| format!("binding node {index} on {addr}"))?;
            listeners.push(listener);
        }
        let tls = match (&cfg.tls_identity, cfg.tls) {
            (_, false) => None,
            (Some(identity), true) => Some(identity.clone()),
            (None, true) => Some(TlsIdentity::self_signed(cfg.bind)?),
        };
        let acceptor = tls.as_ref().map(TlsIdentity::acceptor).transpose()?;
        let scheme = if cfg.tls { "https" } else { "http" };
        let mut nodes = Vec::with_capacity(cfg.nodes);
        let mut bridges = Vec::with_capacity(cfg.nodes);
        for (index, listener) in listeners.iter().enumerate() {
            let addr = listener
                .local_addr()
                .with_context(|| format!("reading node {index}'s address"))?;
            let url = format!("{scheme}://{}", url_host(addr));
            bridges.push(Bridge {
                id: Uuid::new_v4(),
                name: format!("CallBridge-Core{}", index + 1),
                address: url.clone(),
            });
            nodes.push(Node::new(addr, url));
        }
        let shared = Arc::new(Shared::new(&cfg, bridges, nodes, acceptor, runtime));
        for (index, listener) in listeners.into_iter().enumerate() {
            server::start_node(&shared, index, listener)
                .with_context(|| format!("starting node {index}"))?;
        }
        Ok(Cluster { shared, tls })
    }

    /// One URL per node, node 0 first (`https://127.0.0.1:41234`).
    pub fn base_urls(&self) -> Vec<String> {
        self.shared.nodes.iter().map(|n| n.url.clone()).collect()
    }

    /// The self-signed certificate (PEM) when serving HTTPS.
    pub fn cert_pem(&self) -> Option<String> {
        self.tls.as_ref().map(|t| t.cert_pem.clone())
    }

    /// The certificate and key served (when TLS), to give back through
    /// [`SimConfig::tls_identity`] on the next start so that pinned clients keep trusting it.
    pub fn tls_identity(&self) -> Option<TlsIdentity> {
        self.tls.clone()
    }

    /// Replaces the faults in force. Rates are shares: at or above 1 always, at or below 0
    /// (or NaN) never; [`Faults::validate`] tells whether they are in range.
    pub fn set_faults(&self, faults: Faults) {
        *self.shared.faults.write() = faults;
    }

    pub fn faults(&self) -> Faults {
        self.shared.faults.read().clone()
    }

    /// Takes a node down (listener closed, connections from before dropped) or brings it
    /// back on the same port; failures are logged (see [`Cluster::try_set_node_up`]).
    pub fn set_node_up(&self, node: usize, up: bool) {
        if let Err(err) = self.try_set_node_up(node, up) {
            tracing::error!(node, up, "changing the node: {err:#}");
        }
    }

    pub fn try_set_node_up(&self, node: usize, up: bool) -> anyhow::Result<()> {
        if up {
            server::bring_up(&self.shared, node)
        } else {
            server::take_down(&self.shared, node)
        }
    }

    pub fn is_node_up(&self, node: usize) -> bool {
        self.shared.nodes.get(node).is_some_and(Node::is_up)
    }

    /// Every `/api/v1` request so far, oldest first (secrets masked).
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.log.all()
    }

    pub fn clear_requests(&self) {
        self.shared.log.clear();
    }

    pub fn snapshot(&self) -> StateSnapshot {
        let bulk_fault = self.shared.faults.read().bulk_sync;
        let mut state = self.shared.state.lock();
        state.advance(Instant::now(), bulk_fault);
        state.snapshot()
    }

    /// Stops every node and closes every connection.
    pub async fn shutdown(self) {
        server::shutdown(&self.shared).await;
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        server::stop_all(&self.shared);
    }
}

/// The host part of a node's URL: a wildcard bind is reached on loopback.
fn url_host(addr: SocketAddr) -> String {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => format!("{}:{}", Ipv4Addr::LOCALHOST, addr.port()),
        IpAddr::V6(ip) if ip.is_unspecified() => {
            format!("[{}]:{}", Ipv6Addr::LOCALHOST, addr.port())
        }
        _ => addr.to_string(),
    }
}
