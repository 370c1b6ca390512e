//! Each fault on demand: 503s, 500s, dropped connections, latency, wrong credentials,
//! malformed XML (bulk sync faults are in `bulk`, a node down in `cluster`).

use crate::common::{Client, start, well_formed};
use cms_sim::{DROPPED, Faults, SimConfig};
use std::time::Duration;

fn plain() -> SimConfig {
    SimConfig {
        tls: false,
        ..SimConfig::default()
    }
}

#[tokio::test]
async fn busy_and_error_rates_answer_503_and_500() {
    let (cluster, client) = start(plain()).await;
    cluster.set_faults(Faults {
        busy_503_rate: 1.0,
        ..Faults::default()
    });
    for _ in 0..3 {
        let reply = client.get("/api/v1/coSpaces").await;
        assert_eq!((reply.status, reply.body.as_str()), (503, ""));
    }
    cluster.set_faults(Faults {
        error_500_rate: 1.0,
        ..Faults::default()
    });
    let reply = client.post("/api/v1/coSpaces", "name=x").await;
    assert_eq!(reply.status, 500);
    assert_eq!(cluster.snapshot().spaces.len(), 4, "a 500 changes nothing");
    cluster.set_faults(Faults::default());
    assert_eq!(client.get("/api/v1/coSpaces").await.status, 200);
    let statuses: Vec<u16> = cluster.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [503, 503, 503, 500, 200]);
}

#[tokio::test]
async fn dropped_connections_get_no_answer() {
    let (cluster, client) = start(plain()).await;
    cluster.set_faults(Faults {
        drop_connection_rate: 1.0,
        ..Faults::default()
    });
    let dropped = client
        .try_send(reqwest::Method::GET, "/api/v1/coSpaces", None)
        .await;
    assert!(dropped.is_err());
    assert_eq!(cluster.requests()[0].status, DROPPED);
    cluster.set_faults(Faults::default());
    assert_eq!(client.get("/api/v1/coSpaces").await.status, 200);
}

#[tokio::test]
async fn latency_holds_answers_back() {
    let (cluster, _client) = start(plain()).await;
    cluster.set_faults(Faults {
        latency: Duration::from_secs(3600),
        ..Faults::default()
    });
    let impatient = Client::with_timeout(&cluster, 0, Duration::from_millis(300));
    let err = impatient
        .try_send(reqwest::Method::GET, "/api/v1/system/status", None)
        .await
        .err()
        .expect("no answer within the client's timeout");
    assert!(err.is_timeout(), "{err:?}");
    // The control API is never delayed.
    let control = impatient
        .try_send(reqwest::Method::GET, "/_sim/faults", None)
        .await
        .expect("control answers");
    assert!(control.body.contains("\"latency_ms\":3600000"));
}

#[tokio::test]
async fn wrong_credentials_refuse_everyone() {
    let (cluster, client) = start(plain()).await;
    cluster.set_faults(Faults {
        wrong_credentials: true,
        ..Faults::default()
    });
    let reply = client.get("/api/v1/system/status").await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.www_authenticate.as_deref(),
        Some("Basic realm=\"acano\"")
    );
    assert!(cluster.faults().wrong_credentials);
}

#[tokio::test]
async fn malformed_xml_is_not_well_formed() {
    let (cluster, client) = start(plain()).await;
    let good = client.get("/api/v1/coSpaces").await;
    assert!(well_formed(&good.body));
    cluster.set_faults(Faults {
        malformed_xml: true,
        ..Faults::default()
    });
    for path in ["/api/v1/coSpaces", "/api/v1/system/status", "/api/v1/calls"] {
        let bad = client.get(path).await;
        assert_eq!(bad.status, 200);
        assert!(!well_formed(&bad.body), "{path}: {}", bad.body);
    }
}
