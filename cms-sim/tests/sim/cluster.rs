//! Clusters: N call bridges on their own ports over one state; nodes down and up again.

use crate::common::{Client, ids, start, texts, total};
use cms_sim::SimConfig;
use std::time::Duration;

#[tokio::test]
async fn every_node_serves_the_same_state() {
    let (cluster, client) = start(SimConfig {
        nodes: 3,
        tls: false,
        ..SimConfig::default()
    })
    .await;
    let urls = cluster.base_urls();
    assert_eq!(urls.len(), 3);
    let created = client
        .create(
            "/api/v1/coSpaces",
            "name=Shared&uri=shared",
            "/api/v1/coSpaces/",
        )
        .await;
    for node in 0..3 {
        let other = Client::for_node(&cluster, node);
        let got = other.get(&format!("/api/v1/coSpaces/{created}")).await;
        assert_eq!(texts(&got.body, "name"), ["Shared"], "node {node}");
        let bridges = other.get("/api/v1/callBridges").await;
        assert_eq!(total(&bridges.body), 3);
        let status = other.get("/api/v1/system/status").await;
        assert_eq!(texts(&status.body, "clusterEnabled"), ["true"]);
    }
    let bridges = client.get("/api/v1/callBridges").await;
    let third = ids(&bridges.body, "callBridge").remove(2);
    let got = client.get(&format!("/api/v1/callBridges/{third}")).await;
    assert_eq!(texts(&got.body, "address"), [urls[2].clone()]);
}

#[tokio::test]
async fn a_single_node_is_not_a_cluster() {
    let (_cluster, client) = start(SimConfig {
        tls: false,
        ..SimConfig::default()
    })
    .await;
    let bridges = client.get("/api/v1/callBridges").await;
    assert_eq!(
        bridges.body,
        "<?xml version=\"1.0\"?><callBridges total=\"0\"></callBridges>"
    );
    let status = client.get("/api/v1/system/status").await;
    assert_eq!(texts(&status.body, "clusterEnabled"), ["false"]);
}

#[tokio::test]
async fn a_node_goes_down_and_comes_back_on_the_same_port() {
    let (cluster, client) = start(SimConfig {
        nodes: 2,
        ..SimConfig::default()
    })
    .await;
    let node1 = Client::for_node(&cluster, 1);
    assert_eq!(node1.get("/api/v1/system/status").await.status, 200);

    cluster.set_node_up(1, false);
    assert!(!cluster.is_node_up(1));
    // A kept-alive connection is dropped; a new one is refused.
    let kept = node1
        .try_send(reqwest::Method::GET, "/api/v1/system/status", None)
        .await;
    assert!(kept.is_err());
    let fresh = Client::for_node(&cluster, 1)
        .try_send(reqwest::Method::GET, "/api/v1/system/status", None)
        .await;
    let err = fresh.err().expect("refused");
    assert!(err.is_connect(), "{err:?}");
    // The rest of the cluster carries on.
    assert_eq!(client.get("/api/v1/system/status").await.status, 200);

    cluster.set_node_up(1, true);
    assert!(cluster.is_node_up(1));
    assert_eq!(cluster.base_urls()[1], node1.base);
    let back = Client::for_node(&cluster, 1);
    assert_eq!(back.get("/api/v1/system/status").await.status, 200);
}

#[tokio::test]
async fn ports_can_be_chosen() {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("probe");
    let port = probe.local_addr().expect("addr").port();
    drop(probe);
    let (cluster, client) = start(SimConfig {
        tls: false,
        ports: vec![port],
        ..SimConfig::default()
    })
    .await;
    assert_eq!(cluster.base_urls(), [format!("http://127.0.0.1:{port}")]);
    assert_eq!(client.get("/api/v1/system/status").await.status, 200);
    let mismatch = cms_sim::Cluster::start(SimConfig {
        nodes: 2,
        ports: vec![port],
        ..SimConfig::default()
    })
    .await;
    assert!(mismatch.is_err());
    cluster.shutdown().await;
    let gone =
        Client::with_timeout_for(&format!("http://127.0.0.1:{port}"), Duration::from_secs(5))
            .try_send(reqwest::Method::GET, "/api/v1/system/status", None)
            .await;
    assert!(gone.is_err(), "shut down means nothing listens");
}

#[test]
fn a_cluster_can_live_in_shared_application_state() {
    fn shareable<T: Send + Sync + 'static>() {}
    shareable::<cms_sim::Cluster>();
}

#[test]
fn starting_outside_a_tokio_runtime_is_an_error_not_a_panic() {
    let started = block_on_without_runtime(cms_sim::Cluster::start(SimConfig::default()));
    assert!(started.is_err());
}

/// Polls a future to completion on this thread, outside any tokio runtime.
fn block_on_without_runtime<F: std::future::Future>(future: F) -> F::Output {
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};
    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }
    let waker = Waker::from(Arc::new(Noop));
    let mut context = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
    }
}

#[tokio::test]
async fn shutdown_closes_connections_a_downed_node_left_open() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let cluster = cms_sim::Cluster::start(SimConfig {
        tls: false,
        ..SimConfig::default()
    })
    .await
    .expect("starts");
    let addr = cluster.base_urls()[0]
        .trim_start_matches("http://")
        .to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connects");
    stream
        .write_all(b"GET /_sim/nodes HTTP/1.1\r\nhost: sim\r\n\r\n")
        .await
        .expect("writes");
    let mut buffer = vec![0u8; 4096];
    let read = stream.read(&mut buffer).await.expect("reads the answer");
    assert!(buffer[..read].starts_with(b"HTTP/1.1 200"));

    cluster.set_node_up(0, false);
    cluster.shutdown().await;
    // Guarded so that a connection left open fails the test instead of hanging it.
    let after = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buffer))
        .await
        .expect("the connection is closed, not left hanging");
    assert!(matches!(after, Ok(0) | Err(_)), "{after:?}");
}

#[tokio::test]
async fn a_node_can_restart_at_once() {
    let (cluster, _client) = start(SimConfig {
        tls: false,
        ..SimConfig::default()
    })
    .await;
    for _ in 0..3 {
        cluster.set_node_up(0, false);
        cluster
            .try_set_node_up(0, true)
            .expect("the port is free again at once");
    }
    let client = Client::for_node(&cluster, 0);
    assert_eq!(client.get("/api/v1/system/status").await.status, 200);
}
