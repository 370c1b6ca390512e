//! Adding systems against the CMS simulator over HTTPS, with a real SQLite file.

use cms::MemoryTrace;
use cms_sim::{Cluster, SimConfig};
use domain::secret_box::SecretBox;
use domain::store::{SqliteStore, Store, SystemStore, TicketFilter, TicketStore};
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
            ..TicketFilter::default()
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

async fn provisioned(f: &Fixture, id: domain::system::SystemId) -> domain::system::Provisioning {
    for _ in 0..200 {
        let p = f.service.provisioning(id).await.unwrap().unwrap();
        if p.state != domain::system::ProvisioningState::Running {
            return p;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("provisioning did not finish");
}

#[tokio::test]
async fn extended_settings_provision_the_exact_range_then_reprovision_safely() {
    let f = fixture().await;
    let urls = f.cluster.base_urls();
    let added = f
        .service
        .add(input(&host(&urls[0]), "sim-password", "insecure"))
        .await
        .unwrap();

    // Bad input: every field named, nothing saved.
    let Err(SystemError::Invalid(errors)) = f
        .service
        .save_extended(added.id, "not a domain!", "0", "x")
        .await
    else {
        panic!("expected field errors");
    };
    for field in ["domain", "base", "quantity"] {
        assert!(errors.for_field(field).is_some(), "{field}: {errors}");
    }
    assert!(f.service.get(added.id).await.unwrap().extended.is_none());

    let preview = f
        .service
        .preview_extended(added.id, "example.com", "1", "5")
        .await
        .unwrap();
    assert_eq!(preview.describe(), "Create 5 placeholder space(s) (1–5).");
    f.service
        .save_extended(added.id, "Example.com", "1", "5")
        .await
        .unwrap();
    let done = provisioned(&f, added.id).await;
    assert_eq!(
        done.state,
        domain::system::ProvisioningState::Complete,
        "{}",
        done.message
    );

    let spaces = f.cluster.snapshot().spaces;
    let mut placeholders: Vec<_> = spaces
        .iter()
        .filter(|s| s.name.starts_with("TMS_Scheduled_Meeting_"))
        .map(|s| {
            (
                s.name.clone(),
                s.uri.clone(),
                s.call_id.clone(),
                s.non_member_access,
            )
        })
        .collect();
    placeholders.sort();
    assert_eq!(placeholders.len(), 5);
    for (i, (name, uri, call_id, non_members)) in placeholders.iter().enumerate() {
        let n = (i + 1).to_string();
        assert_eq!(name, &format!("TMS_Scheduled_Meeting_{n}"));
        assert_eq!(uri.as_deref(), Some(n.as_str()));
        assert_eq!(call_id.as_deref(), Some(n.as_str()));
        assert!(!non_members);
    }
    assert!(
        spaces.iter().any(|s| s.name == "Cool Bridge Space"),
        "users' spaces untouched"
    );
    assert_eq!(f.store.placeholders(added.id).await.unwrap().len(), 5);
    assert_eq!(
        open_kinds(&f.store, added.id).await,
        [TicketKind::BlankSystemName],
        "Dial Number Configuration Error cleared"
    );

    // Shrink and move: 3..7 → creates 6,7; deletes 1,2 (none in use); keeps 3,4,5.
    let plan = f
        .service
        .save_extended(added.id, "example.com", "3", "5")
        .await
        .unwrap();
    assert_eq!(plan.created(), 2);
    assert_eq!(plan.removed(), 2);
    let done = provisioned(&f, added.id).await;
    assert_eq!(
        done.state,
        domain::system::ProvisioningState::Complete,
        "{}",
        done.message
    );
    let mut names: Vec<_> = f
        .cluster
        .snapshot()
        .spaces
        .into_iter()
        .filter(|s| s.name.starts_with("TMS_Scheduled_Meeting_"))
        .map(|s| s.uri.unwrap_or_default().parse::<u64>().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, [3, 4, 5, 6, 7]);
    let record = f.service.get(added.id).await.unwrap();
    assert_eq!(
        record.provisioned,
        Some(domain::system::IdRange {
            base: 3,
            quantity: 5
        })
    );
    assert_eq!(
        f.store
            .placeholders(added.id)
            .await
            .unwrap()
            .iter()
            .map(|(i, _)| *i)
            .collect::<Vec<_>>(),
        [3, 4, 5, 6, 7]
    );
}

#[tokio::test]
async fn a_failed_bulk_sync_raises_a_ticket_naming_the_reason() {
    let f = fixture().await;
    let urls = f.cluster.base_urls();
    let added = f
        .service
        .add(input(&host(&urls[0]), "sim-password", "insecure"))
        .await
        .unwrap();
    f.cluster.set_faults(cms_sim::Faults {
        bulk_sync: cms_sim::BulkSyncFault::Fail(cms_sim::SyncStatus::FailedCoSpaceUriConflict),
        ..Default::default()
    });
    f.service
        .save_extended(added.id, "example.com", "1", "5")
        .await
        .unwrap();
    let done = provisioned(&f, added.id).await;
    assert_eq!(done.state, domain::system::ProvisioningState::Failed);
    let tickets = f
        .store
        .tickets(&TicketFilter {
            system: Some(added.id),
            states: vec![TicketState::Open],
            ..TicketFilter::default()
        })
        .await
        .unwrap();
    let failed = tickets
        .iter()
        .find(|t| t.kind == TicketKind::PlaceholderProvisioningFailed)
        .expect("a ticket");
    assert!(
        failed.message.to_lowercase().contains("uri"),
        "{}",
        failed.message
    );
    assert!(
        tickets
            .iter()
            .any(|t| t.kind == TicketKind::DialNumberConfigurationError)
    );
}
