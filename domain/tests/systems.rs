//! Adding systems against the CMS simulator over HTTPS, with a real SQLite file.

#![cfg(feature = "ssr")]

use cms::MemoryTrace;
use cms_sim::{Cluster, SimConfig};
use domain::secret_box::SecretBox;
use domain::store::{SqliteStore, Store, TicketFilter, TicketStore};
use domain::system::Connectivity;
use domain::systems::{AddSystemInput, SystemError, SystemService};
use domain::ticket::{TicketKind, TicketState};
use std::sync::Arc;
use std::time::Duration;

struct Fixture {
    service: SystemService,
    store: Arc<SqliteStore>,
    cluster: Cluster,
    trace: Arc<MemoryTrace>,
    _dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = Arc::new(SqliteStore::open(&url).await.unwrap());
    let cluster = Cluster::start(SimConfig {
        nodes: 2,
        password: "sim-password".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    let trace = Arc::new(MemoryTrace::default());
    let service = SystemService::new(
        store.clone() as Arc<dyn Store>,
        SecretBox::from_base64(&SecretBox::generate_key()).unwrap(),
        trace.clone(),
        Duration::from_secs(3),
    );
    Fixture {
        service,
        store,
        cluster,
        trace,
        _dir: dir,
    }
}

fn host(url: &str) -> String {
    url.trim_start_matches("https://").to_string()
}

fn input(address: &str, password: &str, tls: &str) -> AddSystemInput {
    AddSystemInput {
        address: address.into(),
        username: "admin".into(),
        password: password.into(),
        tls: tls.into(),
        pinned_pem: String::new(),
    }
}

async fn open_kinds(store: &SqliteStore, id: domain::system::SystemId) -> Vec<TicketKind> {
    let mut kinds: Vec<_> = store
        .tickets(&TicketFilter {
            system: Some(id),
            states: vec![TicketState::Open],
        })
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.kind)
        .collect();
    kinds.sort_by_key(|k| k.as_str());
    kinds
}

#[tokio::test]
async fn adding_detects_the_system_as_tms_does_and_raises_the_first_tickets() {
    let f = fixture().await;
    let urls = f.cluster.base_urls();
    f.cluster.clear_requests();
    let outcome = f
        .service
        .add(input(&host(&urls[0]), "sim-password", "insecure"))
        .await
        .unwrap();
    assert_eq!(outcome.connectivity, Connectivity::Reachable);
    assert_eq!(outcome.software_version.as_deref(), Some("2.0(RC)"));
    assert_eq!(outcome.members, 2);

    let sent: Vec<String> = f
        .cluster
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(sent.len(), 6, "{sent:?}");
    assert_eq!(sent[0], "GET /api/v1/system/status");
    assert_eq!(sent[1], "GET /api/v1/callBridges");
    assert!(sent[2].starts_with("GET /api/v1/callBridges/"));
    assert!(sent[3].starts_with("GET /api/v1/callBridges/"));
    assert_eq!(sent[4], "POST /api/v1/callProfiles");
    assert_eq!(sent[5], "POST /api/v1/callLegProfiles");
    let profile_body = &f.cluster.requests()[4].body;
    assert!(
        profile_body.contains("participantLimit=1000"),
        "{profile_body}"
    );

    assert_eq!(
        open_kinds(&f.store, outcome.id).await,
        [
            TicketKind::BlankSystemName,
            TicketKind::DialNumberConfigurationError
        ]
    );
    let record = f.service.get(outcome.id).await.unwrap();
    assert_eq!(
        record.summary.display_name(),
        format!("No Name ({})", host(&urls[0]))
    );
    assert!(
        !record.password_sealed.contains("sim-password"),
        "encrypted at rest"
    );
    assert_eq!(record.members.len(), 2);
    assert!(
        f.trace
            .entries()
            .iter()
            .all(|e| !format!("{e:?}").contains("sim-password")),
        "no password in the trace"
    );

    // Naming it clears Blank System Name (the seed's step 2).
    f.service
        .set_identity(outcome.id, "CMS Core Primary", "")
        .await
        .unwrap();
    assert_eq!(
        open_kinds(&f.store, outcome.id).await,
        [TicketKind::DialNumberConfigurationError]
    );
}

#[tokio::test]
async fn a_known_cluster_member_or_address_is_refused() {
    let f = fixture().await;
    let urls = f.cluster.base_urls();
    f.service
        .add(input(&host(&urls[0]), "sim-password", "insecure"))
        .await
        .unwrap();
    let Err(SystemError::Invalid(errors)) = f
        .service
        .add(input(&host(&urls[1]), "sim-password", "insecure"))
        .await
    else {
        panic!("a cluster member must be refused");
    };
    let message = errors.for_field("address").unwrap();
    assert_eq!(
        message,
        format!(
            "The {} is part of a clustered call bridge and has already been added through {}. \
             Retry after entering a new IP.",
            host(&urls[1]),
            host(&urls[0])
        )
    );
    let Err(SystemError::Invalid(errors)) = f
        .service
        .add(input(&host(&urls[0]), "sim-password", "insecure"))
        .await
    else {
        panic!("the same address twice must be refused");
    };
    assert!(
        errors
            .for_field("address")
            .unwrap()
            .contains("already been added")
    );
    assert_eq!(f.service.list().await.unwrap().len(), 1, "nothing saved");
}

#[tokio::test]
async fn problems_are_added_despite_warnings_with_their_tickets() {
    let f = fixture().await;
    let urls = f.cluster.base_urls();

    let wrong = f
        .service
        .add(input(&host(&urls[0]), "wrong password", "insecure"))
        .await
        .unwrap();
    assert_eq!(wrong.connectivity, Connectivity::AuthenticationFailed);
    assert!(
        open_kinds(&f.store, wrong.id)
            .await
            .contains(&TicketKind::AuthenticationFailure)
    );

    let untrusted = f
        .service
        .add(input(
            &format!("localhost:{}", urls[1].rsplit(':').next().unwrap()),
            "sim-password",
            "verify",
        ))
        .await
        .unwrap();
    assert_eq!(untrusted.connectivity, Connectivity::CertificateNotTrusted);
    assert!(
        open_kinds(&f.store, untrusted.id)
            .await
            .contains(&TicketKind::CertificateNotTrusted)
    );

    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let down = f
        .service
        .add(input(&format!("127.0.0.1:{closed_port}"), "x", "insecure"))
        .await
        .unwrap();
    assert_eq!(down.connectivity, Connectivity::NoResponse);
    assert!(down.problem.is_some());
    assert!(
        open_kinds(&f.store, down.id)
            .await
            .contains(&TicketKind::ConnectionError)
    );
}

#[tokio::test]
async fn a_pinned_certificate_is_trusted() {
    let f = fixture().await;
    let urls = f.cluster.base_urls();
    let mut pinned = input(&host(&urls[0]), "sim-password", "pinned");
    pinned.pinned_pem = f.cluster.cert_pem().unwrap();
    let outcome = f.service.add(pinned).await.unwrap();
    assert_eq!(outcome.connectivity, Connectivity::Reachable);

    let mut garbage = input("10.0.0.9", "x", "pinned");
    garbage.pinned_pem = "not a certificate".into();
    let Err(SystemError::Invalid(errors)) = f.service.add(garbage).await else {
        panic!("a bad PEM must be refused");
    };
    assert!(errors.for_field("pinned_pem").is_some());
}
