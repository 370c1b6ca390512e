//! Errors, retries, timeouts, failover, TLS modes, bounded concurrency and the trace.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cms::ops::co_spaces::CoSpaceSettings;
use cms::{
    Credentials, ErrorKind, MemoryTrace, NoTrace, Passcode, PinnedCertificate, Secret, TlsMode,
    TraceEntry, TraceSink,
};
use cms_sim::{DROPPED, Faults, SimConfig};

use crate::common::{cluster, config, connect, connect_with, endpoints};

#[tokio::test]
async fn wrong_credentials_are_unauthorised() {
    let sim = cluster(SimConfig::default()).await;
    let mut cfg = config(&sim);
    cfg.primary.credentials = Credentials::new("admin", "wrong");
    let cms = connect_with(cfg, Arc::new(NoTrace));
    let err = cms.system_status().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unauthorized);
    assert_eq!(err.path, "/api/v1/system/status");
    assert_eq!(sim.requests().len(), 1, "401 is not retried");

    let (good, _) = connect(&sim);
    sim.set_faults(Faults {
        wrong_credentials: true,
        ..Default::default()
    });
    assert_eq!(
        good.system_status().await.unwrap_err().kind,
        ErrorKind::Unauthorized
    );
}

/// Clears the simulator's faults as soon as it has answered one 503.
struct ClearFaultsAfter503(Arc<cms_sim::Cluster>, MemoryTrace);

impl TraceSink for ClearFaultsAfter503 {
    fn record(&self, entry: TraceEntry) {
        if entry.status == Some(503) {
            self.0.set_faults(Faults::default());
        }
        self.1.record(entry);
    }
}

#[tokio::test]
async fn busy_is_retried_then_succeeds() {
    let sim = Arc::new(cluster(SimConfig::default()).await);
    let sink = Arc::new(ClearFaultsAfter503(sim.clone(), MemoryTrace::default()));
    let cms = connect_with(config(&sim), sink.clone());
    sim.set_faults(Faults {
        busy_503_rate: 1.0,
        ..Default::default()
    });
    let status = cms.system_status().await.unwrap();
    assert_eq!(status.software_version, "2.0(RC)");
    let statuses: Vec<_> = sink.1.entries().iter().map(|e| e.status).collect();
    assert_eq!(statuses, [Some(503), Some(200)]);
}

#[tokio::test]
async fn busy_gives_up_after_the_bound() {
    let sim = cluster(SimConfig::default()).await;
    let mut cfg = config(&sim);
    cfg.retry.max_attempts = 3;
    cfg.retry.base_delay = Duration::from_millis(5);
    let cms = connect_with(cfg, Arc::new(NoTrace));
    sim.set_faults(Faults {
        busy_503_rate: 1.0,
        ..Default::default()
    });
    let err = cms.system_status().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Busy { attempts: 3 });
    assert_eq!(sim.requests().len(), 3);
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let sim = cluster(SimConfig::default()).await;
    let mut cfg = config(&sim);
    cfg.request_timeout = Duration::from_millis(200);
    let cms = connect_with(cfg, Arc::new(NoTrace));
    sim.set_faults(Faults {
        latency: Duration::from_secs(3),
        ..Default::default()
    });
    let err = cms.system_status().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Timeout(Duration::from_millis(200)));
}

#[tokio::test]
async fn dropped_connections_are_retried_only_when_safe() {
    let sim = cluster(SimConfig::default()).await;
    let mut cfg = config(&sim);
    cfg.retry.base_delay = Duration::from_millis(5);
    let cms = connect_with(cfg, Arc::new(NoTrace));
    sim.set_faults(Faults {
        drop_connection_rate: 1.0,
        ..Default::default()
    });

    let get = cms.system_status().await.unwrap_err();
    assert!(matches!(get.kind, ErrorKind::ConnectionLost(_)), "{get}");
    assert_eq!(
        sim.requests().len(),
        4,
        "an idempotent GET is retried up to the bound"
    );

    sim.clear_requests();
    let post = cms
        .create_co_space(&CoSpaceSettings::default())
        .await
        .unwrap_err();
    assert!(matches!(post.kind, ErrorKind::ConnectionLost(_)), "{post}");
    let logged = sim.requests();
    assert_eq!(
        logged.len(),
        1,
        "a POST that may have been applied is not sent again"
    );
    assert_eq!(logged[0].status, DROPPED);
}

#[tokio::test]
async fn server_errors_and_malformed_xml_are_unexpected_responses() {
    let sim = cluster(SimConfig::default()).await;
    let (cms, _) = connect(&sim);
    sim.set_faults(Faults {
        error_500_rate: 1.0,
        ..Default::default()
    });
    let err = cms.system_status().await.unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::UnexpectedResponse { status: 500, .. }),
        "{err}"
    );

    sim.set_faults(Faults {
        malformed_xml: true,
        ..Default::default()
    });
    let err = cms.co_spaces(None).await.unwrap_err();
    match err.kind {
        ErrorKind::UnexpectedResponse {
            status: 200,
            reason,
            excerpt,
        } => {
            assert!(reason.contains("XML"), "{reason}");
            assert!(
                excerpt.starts_with("<?xml") || excerpt.starts_with("<coSpaces"),
                "{excerpt}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn failover_to_the_alternate_and_back() {
    let sim = cluster(SimConfig {
        nodes: 2,
        ..Default::default()
    })
    .await;
    let nodes = endpoints(&sim);
    let mut cfg = config(&sim);
    cfg.failover_cooldown = Duration::ZERO;
    cfg.alternates[0].credentials = Credentials::new("admin", "admin");
    let cms = connect_with(cfg, Arc::new(NoTrace));

    sim.set_node_up(0, false);
    cms.system_status().await.unwrap();
    assert_eq!(cms.last_used_endpoint(), Some(nodes[1].clone()));
    assert!(sim.requests().iter().all(|r| r.node == 1));

    sim.set_node_up(0, true);
    cms.system_status().await.unwrap();
    assert_eq!(
        cms.last_used_endpoint(),
        Some(nodes[0].clone()),
        "the primary is preferred again"
    );

    sim.set_node_up(0, false);
    sim.set_node_up(1, false);
    let err = cms.system_status().await.unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Unreachable(_)), "{err}");
    assert_eq!(*err.endpoint, nodes[1], "the last endpoint tried is named");

    sim.set_node_up(1, true);
    let pinned = cms.pinned_to(&nodes[0]).unwrap();
    assert!(matches!(
        pinned.system_status().await.unwrap_err().kind,
        ErrorKind::Unreachable(_)
    ));
}

#[tokio::test]
async fn an_unreachable_primary_is_skipped_for_the_cooldown() {
    let sim = cluster(SimConfig {
        nodes: 2,
        ..Default::default()
    })
    .await;
    let nodes = endpoints(&sim);
    let mut cfg = config(&sim);
    cfg.failover_cooldown = Duration::from_secs(600);
    let cms = connect_with(cfg, Arc::new(NoTrace));

    sim.set_node_up(0, false);
    cms.system_status().await.unwrap();
    sim.set_node_up(0, true);
    sim.clear_requests();
    cms.system_status().await.unwrap();
    assert_eq!(cms.last_used_endpoint(), Some(nodes[1].clone()));
    assert_eq!(
        sim.requests()[0].node,
        1,
        "no time lost on the primary while it cools down"
    );
    assert!(format!("{cms:?}").contains(&nodes[1].to_string()));
}

#[tokio::test]
async fn tls_modes() {
    let sim = cluster(SimConfig::default()).await;

    let mut cfg = config(&sim);
    cfg.tls = TlsMode::VerifySystemRoots;
    let err = connect_with(cfg, Arc::new(NoTrace))
        .system_status()
        .await
        .unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Tls(_)), "{err}");

    let other = cluster(SimConfig::default()).await;
    let mut cfg = config(&sim);
    cfg.tls = TlsMode::PinnedCertificate(
        PinnedCertificate::from_pem(&other.cert_pem().unwrap()).unwrap(),
    );
    let err = connect_with(cfg, Arc::new(NoTrace))
        .system_status()
        .await
        .unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Tls(_)), "{err}");

    let mut cfg = config(&sim);
    cfg.tls = TlsMode::NoVerification;
    assert!(
        connect_with(cfg, Arc::new(NoTrace))
            .system_status()
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn plain_http_when_written_explicitly() {
    let sim = cluster(SimConfig {
        tls: false,
        ..Default::default()
    })
    .await;
    let endpoint = endpoints(&sim).remove(0);
    assert_eq!(endpoint.scheme(), cms::Scheme::Http);
    let cfg = cms::ConnectorConfig::new(cms::Target {
        endpoint,
        credentials: Credentials::new("admin", "admin"),
    });
    assert!(
        connect_with(cfg, Arc::new(NoTrace))
            .system_status()
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn the_trace_masks_secrets_and_names_the_endpoint() {
    let sim = cluster(SimConfig::default()).await;
    let (cms, trace) = connect(&sim);
    let settings = CoSpaceSettings {
        name: Some("Board".into()),
        passcode: Some(Passcode::parse("4711").unwrap()),
        secret: Some(Secret::new("topsecretvalue")),
        ..Default::default()
    };
    let id = cms.create_co_space(&settings).await.unwrap();
    cms.co_space(&id).await.unwrap();

    let entries = trace.entries();
    assert_eq!(entries.len(), 2);
    let post = &entries[0];
    assert_eq!(post.method, cms::Method::Post);
    assert_eq!(post.path, "/api/v1/coSpaces");
    assert_eq!(post.status, Some(200));
    assert_eq!(post.endpoint, endpoints(&sim)[0]);
    assert_eq!(
        post.request_body.as_deref(),
        Some("name=Board&passcode=*****&secret=*****")
    );
    let get = &entries[1];
    assert!(
        get.response_excerpt.contains("<name>Board</name>"),
        "{}",
        get.response_excerpt
    );
    for entry in &entries {
        let shown = format!("{entry:?}");
        assert!(
            !shown.contains("4711") && !shown.contains("topsecretvalue"),
            "{shown}"
        );
    }
}

/// Records when each exchange started and ended, to count how many overlapped.
#[derive(Default)]
struct Overlap(Mutex<Vec<(Instant, Instant)>>);

impl TraceSink for Overlap {
    fn record(&self, entry: TraceEntry) {
        let end = Instant::now();
        self.0.lock().unwrap().push((end - entry.duration, end));
    }
}

impl Overlap {
    fn max_in_flight(&self) -> usize {
        let spans = self.0.lock().unwrap();
        spans
            .iter()
            .map(|(start, _)| {
                spans
                    .iter()
                    .filter(|(s, e)| s <= start && start < e)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }
}

#[tokio::test]
async fn requests_in_flight_are_bounded_per_server() {
    let sim = cluster(SimConfig::default()).await;
    let mut cfg = config(&sim);
    cfg.max_in_flight = std::num::NonZeroUsize::new(2).unwrap();
    let overlap = Arc::new(Overlap::default());
    let cms = connect_with(cfg, overlap.clone());
    sim.set_faults(Faults {
        latency: Duration::from_millis(100),
        ..Default::default()
    });
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let cms = cms.clone();
        tasks.spawn(async move { cms.system_status().await.map(drop) });
    }
    for result in tasks.join_all().await {
        result.unwrap();
    }
    assert_eq!(overlap.0.lock().unwrap().len(), 8);
    assert_eq!(overlap.max_in_flight(), 2);
}
