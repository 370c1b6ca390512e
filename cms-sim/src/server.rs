//! The call bridges' listeners: one per node, HTTPS or plain HTTP, HTTP/1.1 with keep-alive.
//! A node taken down closes its listener (new connections are refused) and drops every
//! request that arrives on a connection it accepted before; brought up, it listens again on
//! the same port.

use crate::config::SimConfig;
use crate::faults::Faults;
use crate::requests::RequestLog;
use crate::routes::Bridge;
use crate::service;
use crate::state::State;
use anyhow::Context;
use base64::Engine;
use parking_lot::{Mutex, RwLock};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::runtime::Handle;
use tokio::sync::{oneshot, watch};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Everything the nodes of one cluster share.
pub(crate) struct Shared {
    pub state: Mutex<State>,
    pub faults: RwLock<Faults>,
    pub log: RequestLog,
    pub bridges: Vec<Bridge>,
    pub nodes: Vec<Node>,
    /// `username:password`, as Basic auth carries it.
    credentials: Vec<u8>,
    tls: Option<TlsAcceptor>,
    runtime: Handle,
    /// Set when the cluster shuts down: every connection, even one a node left behind when
    /// it went down, ends.
    closing: watch::Sender<bool>,
}

pub(crate) struct Node {
    pub addr: SocketAddr,
    pub url: String,
    up: AtomicBool,
    /// Bumped each time the node goes down, so connections from before are refused.
    epoch: AtomicU64,
    running: Mutex<Option<Running>>,
}

struct Running {
    /// A second handle on the listening socket, to close it at once from synchronous code.
    socket: std::net::TcpListener,
    stop: oneshot::Sender<Stop>,
    task: JoinHandle<()>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// Node down: stop accepting; open connections stay but their requests are dropped.
    Down,
    /// Cluster shutdown: close every connection too.
    Shutdown,
}

impl Node {
    pub(crate) fn new(addr: SocketAddr, url: String) -> Self {
        Node {
            addr,
            url,
            up: AtomicBool::new(false),
            epoch: AtomicU64::new(0),
            running: Mutex::new(None),
        }
    }

    pub(crate) fn is_up(&self) -> bool {
        self.up.load(Ordering::SeqCst)
    }

    /// Whether a connection accepted in `epoch` may still be served.
    pub(crate) fn serves(&self, epoch: u64) -> bool {
        self.is_up() && self.epoch.load(Ordering::SeqCst) == epoch
    }
}

impl Shared {
    pub(crate) fn new(
        cfg: &SimConfig,
        bridges: Vec<Bridge>,
        nodes: Vec<Node>,
        tls: Option<TlsAcceptor>,
        runtime: Handle,
    ) -> Self {
        Shared {
            state: Mutex::new(State::new(cfg, Instant::now())),
            faults: RwLock::new(cfg.faults.clone()),
            log: RequestLog::new(cfg.request_log_limit),
            bridges,
            nodes,
            credentials: format!("{}:{}", cfg.username, cfg.password).into_bytes(),
            tls,
            runtime,
            closing: watch::Sender::new(false),
        }
    }

    /// Checks an `Authorization: Basic ...` header against the configured credentials.
    pub(crate) fn authorized(&self, header: Option<&hyper::header::HeaderValue>) -> bool {
        let Some(value) = header.and_then(|h| h.to_str().ok()) else {
            return false;
        };
        let Some((scheme, encoded)) = value.trim().split_once(' ') else {
            return false;
        };
        scheme.eq_ignore_ascii_case("basic")
            && base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .is_ok_and(|decoded| decoded == self.credentials)
    }
}

/// Starts serving node `index` on a listener already bound.
pub(crate) fn start_node(
    shared: &Arc<Shared>,
    index: usize,
    listener: std::net::TcpListener,
) -> anyhow::Result<()> {
    let node = &shared.nodes[index];
    listener
        .set_nonblocking(true)
        .context("making the listener non-blocking")?;
    let socket = listener
        .try_clone()
        .context("keeping a handle on the listener")?;
    let listener = {
        let _entered = shared.runtime.enter();
        TcpListener::from_std(listener).context("registering the listener")?
    };
    let (stop, stopped) = oneshot::channel();
    let epoch = node.epoch.load(Ordering::SeqCst);
    let task = shared
        .runtime
        .spawn(accept_loop(shared.clone(), index, epoch, listener, stopped));
    node.up.store(true, Ordering::SeqCst);
    *node.running.lock() = Some(Running { socket, stop, task });
    Ok(())
}

/// Brings node `index` up again on its port (nothing to do if it is up).
pub(crate) fn bring_up(shared: &Arc<Shared>, index: usize) -> anyhow::Result<()> {
    let node = shared
        .nodes
        .get(index)
        .with_context(|| format!("there is no node {index}"))?;
    if node.running.lock().is_some() {
        return Ok(());
    }
    let listener = std::net::TcpListener::bind(node.addr)
        .with_context(|| format!("binding node {index} again on {}", node.addr))?;
    start_node(shared, index, listener)
}

/// Takes node `index` down: the listener closes now, connections from before are refused.
pub(crate) fn take_down(shared: &Shared, index: usize) -> anyhow::Result<()> {
    let node = shared
        .nodes
        .get(index)
        .with_context(|| format!("there is no node {index}"))?;
    // The accept task ends by itself once told; nobody needs to wait for it.
    drop(stop_node(node, Stop::Down));
    Ok(())
}

fn stop_node(node: &Node, how: Stop) -> Option<JoinHandle<()>> {
    let running = node.running.lock().take()?;
    node.up.store(false, Ordering::SeqCst);
    node.epoch.fetch_add(1, Ordering::SeqCst);
    // Closing the listening socket itself (not just this handle) refuses new connections
    // before this returns; the accept task then drops its handle.
    if let Err(err) = socket2::SockRef::from(&running.socket).shutdown(std::net::Shutdown::Read) {
        tracing::debug!(%err, "closing the listening socket");
    }
    // The accept task may already be gone (shutdown); then there is nobody to tell.
    let _ = running.stop.send(how);
    Some(running.task)
}

/// Stops every node and closes every connection.
pub(crate) async fn shutdown(shared: &Shared) {
    shared.closing.send_replace(true);
    let tasks: Vec<_> = shared
        .nodes
        .iter()
        .filter_map(|node| stop_node(node, Stop::Shutdown))
        .collect();
    for task in tasks {
        if let Err(err) = task.await {
            tracing::debug!(%err, "node task ended abnormally");
        }
    }
}

/// Stops every node without waiting (for `Drop`).
pub(crate) fn stop_all(shared: &Shared) {
    shared.closing.send_replace(true);
    for node in &shared.nodes {
        stop_node(node, Stop::Shutdown);
    }
}

async fn accept_loop(
    shared: Arc<Shared>,
    index: usize,
    epoch: u64,
    listener: TcpListener,
    mut stopped: oneshot::Receiver<Stop>,
) {
    let mut connections = JoinSet::new();
    let how = loop {
        tokio::select! {
            how = &mut stopped => break how.unwrap_or(Stop::Shutdown),
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    if let Err(err) = stream.set_nodelay(true) {
                        tracing::debug!(%err, "setting TCP_NODELAY");
                    }
                    connections.spawn(serve(shared.clone(), index, epoch, stream));
                }
                Err(err) => {
                    if !shared.nodes[index].is_up() {
                        break Stop::Down;
                    }
                    tracing::warn!(node = index, %err, "accepting a connection");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    };
    drop(listener);
    match how {
        Stop::Down => connections.detach_all(),
        Stop::Shutdown => connections.shutdown().await,
    }
}

async fn serve(shared: Arc<Shared>, index: usize, epoch: u64, stream: tokio::net::TcpStream) {
    let mut closing = shared.closing.subscribe();
    tokio::select! {
        () = serve_stream(shared, index, epoch, stream) => {}
        _ = closing.wait_for(|closing| *closing) => {}
    }
}

async fn serve_stream(
    shared: Arc<Shared>,
    index: usize,
    epoch: u64,
    stream: tokio::net::TcpStream,
) {
    match shared.tls.clone() {
        Some(acceptor) => {
            match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => serve_http(shared, index, epoch, tls).await,
                Ok(Err(err)) => tracing::debug!(node = index, %err, "TLS handshake failed"),
                Err(_) => tracing::debug!(node = index, "TLS handshake timed out"),
            }
        }
        None => serve_http(shared, index, epoch, stream).await,
    }
}

async fn serve_http<S>(shared: Arc<Shared>, index: usize, epoch: u64, io: S)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let handler =
        hyper::service::service_fn(move |req| service::handle(shared.clone(), index, epoch, req));
    if let Err(err) = hyper::server::conn::http1::Builder::new()
        .serve_connection(hyper_util::rt::TokioIo::new(io), handler)
        .await
    {
        tracing::debug!(node = index, %err, "connection ended");
    }
}
