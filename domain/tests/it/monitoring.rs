//! Monitoring, Edit Settings (the Alternate IP), the Connection tab, Ticket Filters and the API
//! trace kept for the Logs tab, against the CMS simulator over HTTPS with a real SQLite file.

use cms::ops::co_spaces::CoSpaceSettings;
use cms::{Passcode, Secret};
use cms_sim::{Cluster, SimConfig};
use domain::monitoring::Monitor;
use domain::secret_box::SecretBox;
use domain::store::{MonitoringStore, NewTraceRow, SqliteStore, Store, TicketFilter, TicketStore};
use domain::system::{Connectivity, SystemId};
use domain::system_settings::{ConnectionInput, SettingsInput, SettingsService};
use domain::system_status::{StatusFilter, TraceQuery};
use domain::systems::{AddSystemInput, SystemError, SystemService};
use domain::ticket::{TicketKind, TicketState};
use domain::trace_log::TraceLog;
use std::sync::Arc;
use std::time::Duration;

const PASSWORD: &str = "sim-password";

struct Fixture {
    systems: Arc<SystemService>,
    monitor: Arc<Monitor>,
    settings: SettingsService,
    store: Arc<SqliteStore>,
    cluster: Cluster,
    trace: Arc<TraceLog>,
    _dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = Arc::new(SqliteStore::open(&url).await.unwrap());
    let cluster = Cluster::start(SimConfig {
        nodes: 2,
        password: PASSWORD.into(),
        ..Default::default()
    })
    .await
    .unwrap();
    let dyn_store = store.clone() as Arc<dyn Store>;
    let (trace, writer) = TraceLog::new(dyn_store.clone(), 1024);
    tokio::spawn(writer);
    let secrets = SecretBox::from_base64(&SecretBox::generate_key()).unwrap();
    let systems = Arc::new(SystemService::new(
        dyn_store.clone(),
        secrets.clone(),
        trace.clone(),
        Duration::from_secs(3),
    ));
    let monitor = Arc::new(Monitor::new(dyn_store.clone(), systems.clone(), 4));
    let settings = SettingsService::new(dyn_store, secrets, systems.clone());
    Fixture {
        systems,
        monitor,
        settings,
        store,
        cluster,
        trace,
        _dir: dir,
    }
}

fn host(url: &str) -> String {
    url.trim_start_matches("https://").to_string()
}

impl Fixture {
    /// Adds node 0 of the simulated cluster and names it.
    async fn add(&self) -> SystemId {
        let urls = self.cluster.base_urls();
        let added = self
            .systems
            .add(AddSystemInput {
                address: host(&urls[0]),
                username: "admin".into(),
                password: PASSWORD.into(),
                tls: "insecure".into(),
                pinned_pem: String::new(),
            })
            .await
            .unwrap();
        assert_eq!(added.connectivity, Connectivity::Reachable);
        self.systems
            .set_identity(added.id, "CMS Core Primary", "")
            .await
            .unwrap();
        added.id
    }

    async fn live(&self, id: SystemId) -> Vec<TicketKind> {
        let mut kinds: Vec<_> = self
            .store
            .tickets(&TicketFilter {
                system: Some(id),
                states: vec![TicketState::Open, TicketState::Acknowledged],
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

    /// Polls until `done` holds, at most 20 times (a bounded loop, no timed assertion).
    async fn poll_until(&self, id: SystemId, done: impl Fn(&[TicketKind]) -> bool) -> bool {
        for _ in 0..20 {
            self.monitor.poll(id).await.unwrap();
            if done(&self.live(id).await) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        false
    }

    fn settings_with_alternate(&self, password: &str) -> SettingsInput {
        SettingsInput {
            name: "CMS Core Primary".into(),
            alternate_address: self.cluster.base_urls()[1].clone(),
            alternate_username: "admin".into(),
            alternate_password: password.into(),
            sip_mode: true,
            allow_booking: true,
            ..SettingsInput::default()
        }
    }
}

#[tokio::test]
async fn monitoring_raises_and_clears_the_connection_ticket_as_the_system_goes_down_and_up() {
    let f = fixture().await;
    let id = f.add().await;
    assert_eq!(f.monitor.poll_all().await.unwrap(), 1);
    let record = f.systems.get(id).await.unwrap();
    assert_eq!(record.summary.connectivity, Connectivity::Reachable);
    let snapshot = f
        .store
        .status_snapshot(id)
        .await
        .unwrap()
        .expect("a snapshot");
    assert!(snapshot.uptime_seconds.is_some(), "{snapshot:?}");
    assert!(snapshot.call_legs_max_active.is_some(), "{snapshot:?}");
    assert_eq!(
        snapshot.alternate_reachable, None,
        "no alternate configured"
    );
    assert!(!f.live(id).await.contains(&TicketKind::ConnectionError));

    f.cluster.set_node_up(0, false);
    let outcome = f.monitor.poll(id).await.unwrap();
    assert_eq!(outcome.connectivity, Connectivity::NoResponse);
    assert!(outcome.problem.is_some());
    assert!(f.live(id).await.contains(&TicketKind::ConnectionError));
    let record = f.systems.get(id).await.unwrap();
    assert_eq!(record.summary.connectivity, Connectivity::NoResponse);
    // A second poll while down keeps one ticket, not two.
    f.monitor.poll(id).await.unwrap();
    let down = f.live(id).await;
    assert_eq!(
        down.iter()
            .filter(|k| **k == TicketKind::ConnectionError)
            .count(),
        1
    );

    f.cluster.set_node_up(0, true);
    assert!(
        f.poll_until(id, |live| !live.contains(&TicketKind::ConnectionError))
            .await,
        "the ticket closes once the system answers again"
    );
    assert_eq!(
        f.systems.get(id).await.unwrap().summary.connectivity,
        Connectivity::Reachable
    );
}

#[tokio::test]
async fn wrong_credentials_raise_authentication_failure_until_fixed() {
    let f = fixture().await;
    let id = f.add().await;
    let address = f.systems.get(id).await.unwrap().summary.address;
    let connection = |password: &str| ConnectionInput {
        address: address.clone(),
        username: "admin".into(),
        password: password.into(),
        tls: "insecure".into(),
        pinned_pem: String::new(),
    };
    f.settings
        .save_connection(id, connection("wrong-password"))
        .await
        .unwrap();
    let outcome = f.monitor.poll(id).await.unwrap();
    assert_eq!(outcome.connectivity, Connectivity::AuthenticationFailed);
    assert!(
        f.live(id)
            .await
            .contains(&TicketKind::AuthenticationFailure)
    );
    assert!(!f.live(id).await.contains(&TicketKind::ConnectionError));

    // A blank password keeps the stored (wrong) one.
    f.settings
        .save_connection(id, connection(""))
        .await
        .unwrap();
    assert_eq!(
        f.monitor.poll(id).await.unwrap().connectivity,
        Connectivity::AuthenticationFailed
    );
    let record = f.systems.get(id).await.unwrap();
    assert!(!record.password_sealed.contains("wrong-password"), "sealed");

    f.settings
        .save_connection(id, connection(PASSWORD))
        .await
        .unwrap();
    let outcome = f.monitor.poll(id).await.unwrap();
    assert_eq!(outcome.connectivity, Connectivity::Reachable);
    assert!(
        !f.live(id)
            .await
            .contains(&TicketKind::AuthenticationFailure)
    );
}

#[tokio::test]
async fn the_connection_form_is_checked_field_by_field() {
    let f = fixture().await;
    let id = f.add().await;
    let Err(SystemError::Invalid(errors)) = f
        .settings
        .save_connection(
            id,
            ConnectionInput {
                address: "http://x/y".into(),
                tls: "pinned".into(),
                ..Default::default()
            },
        )
        .await
    else {
        panic!("refused expected");
    };
    for field in ["address", "username", "pinned_pem"] {
        assert!(errors.for_field(field).is_some(), "{field}: {errors}");
    }
    let record = f.systems.get(id).await.unwrap();
    assert_eq!(record.username, "admin", "nothing saved");
}

#[tokio::test]
async fn the_alternate_is_a_failover_target_and_its_health_is_watched() {
    let f = fixture().await;
    let id = f.add().await;
    let urls = f.cluster.base_urls();

    // Only a discovered call bridge other than the primary, with credentials, is accepted.
    let refuse = |input: SettingsInput, field: &'static str| {
        let settings = &f.settings;
        async move {
            match settings.save(id, input).await {
                Err(SystemError::Invalid(errors)) => {
                    assert!(errors.for_field(field).is_some(), "{field}: {errors}")
                }
                other => panic!("{field}: {other:?}"),
            }
        }
    };
    refuse(
        SettingsInput {
            alternate_address: "https://10.9.9.9".into(),
            ..f.settings_with_alternate(PASSWORD)
        },
        "alternate_address",
    )
    .await;
    refuse(
        SettingsInput {
            alternate_address: urls[0].clone(),
            ..f.settings_with_alternate(PASSWORD)
        },
        "alternate_address",
    )
    .await;
    refuse(f.settings_with_alternate(""), "alternate_password").await;

    f.settings
        .save(id, f.settings_with_alternate(PASSWORD))
        .await
        .unwrap();
    let view = f.settings.view(id).await.unwrap();
    assert_eq!(
        view.network.alternate_address.as_deref(),
        Some(urls[1].as_str())
    );
    assert!(view.network.alternate_password_set);
    assert!(
        !format!("{view:?}").contains(PASSWORD),
        "no password in the view"
    );
    let roles: Vec<_> = view
        .members
        .iter()
        .filter_map(|m| view.role_of(m))
        .collect();
    assert_eq!(roles.len(), 2, "{roles:?}");
    assert!(roles.contains(&"Primary") && roles.contains(&"Alternate"));

    // Saving again with a blank password keeps the alternate's.
    f.settings
        .save(id, f.settings_with_alternate(""))
        .await
        .unwrap();

    let record = f.systems.get(id).await.unwrap();
    let cms = f.systems.connector_for(&record).unwrap();
    assert_eq!(cms.endpoints().len(), 2);
    f.cluster.set_node_up(0, false);
    let status = cms.system_status().await.expect("the alternate answers");
    assert!(!status.software_version.is_empty());
    assert_eq!(
        cms.last_used_endpoint().map(|e| e.to_string()),
        Some(urls[1].clone()),
        "the alternate was used"
    );
    // Monitoring still says the primary is down (the alternate is for future meetings only).
    let outcome = f.monitor.poll(id).await.unwrap();
    assert_eq!(outcome.connectivity, Connectivity::NoResponse);
    assert_eq!(outcome.alternate_reachable, Some(true));

    f.cluster.set_node_up(0, true);
    f.cluster.set_node_up(1, false);
    assert!(
        f.poll_until(id, |live| live.contains(&TicketKind::AlternateUnreachable)
            && !live.contains(&TicketKind::ConnectionError))
            .await
    );
    assert_eq!(
        f.store
            .status_snapshot(id)
            .await
            .unwrap()
            .unwrap()
            .alternate_reachable,
        Some(false)
    );
    f.cluster.set_node_up(1, true);
    assert!(
        f.poll_until(id, |live| !live.contains(&TicketKind::AlternateUnreachable))
            .await
    );

    // Removing the alternate closes its ticket and the connector has one endpoint again.
    f.cluster.set_node_up(1, false);
    f.monitor.poll(id).await.unwrap();
    assert!(f.live(id).await.contains(&TicketKind::AlternateUnreachable));
    f.settings
        .save(
            id,
            SettingsInput {
                alternate_address: String::new(),
                ..f.settings_with_alternate("")
            },
        )
        .await
        .unwrap();
    assert!(!f.live(id).await.contains(&TicketKind::AlternateUnreachable));
    let record = f.systems.get(id).await.unwrap();
    assert_eq!(
        f.systems.connector_for(&record).unwrap().endpoints().len(),
        1
    );
}

#[tokio::test]
async fn hidden_ticket_types_are_closed_and_never_raised_for_that_system() {
    let f = fixture().await;
    let id = f.add().await;
    assert!(
        f.live(id)
            .await
            .contains(&TicketKind::DialNumberConfigurationError)
    );
    f.settings
        .set_hidden_tickets(
            id,
            &[
                "connection_error".to_string(),
                "dial_number_configuration_error".to_string(),
            ],
        )
        .await
        .unwrap();
    assert!(
        !f.live(id)
            .await
            .contains(&TicketKind::DialNumberConfigurationError)
    );
    f.cluster.set_node_up(0, false);
    let outcome = f.monitor.poll(id).await.unwrap();
    assert_eq!(outcome.connectivity, Connectivity::NoResponse);
    assert!(f.live(id).await.is_empty(), "{:?}", f.live(id).await);
    // Other systems are not affected; custom tickets cannot be hidden.
    assert!(
        f.settings
            .set_hidden_tickets(id, &["custom".to_string()])
            .await
            .is_err()
    );
    // Shown again once the filter is lifted.
    f.settings.set_hidden_tickets(id, &[]).await.unwrap();
    f.monitor.poll(id).await.unwrap();
    assert!(f.live(id).await.contains(&TicketKind::ConnectionError));
}

#[tokio::test]
async fn force_refresh_rereads_the_call_bridges() {
    let f = fixture().await;
    let id = f.add().await;
    f.store.replace_members(id, false, &[]).await.unwrap();
    assert!(f.systems.get(id).await.unwrap().members.is_empty());
    let outcome = f.monitor.refresh(id).await.unwrap();
    assert_eq!(outcome.connectivity, Connectivity::Reachable);
    let record = f.systems.get(id).await.unwrap();
    assert_eq!(record.members.len(), 2);
    assert!(record.cluster_enabled);
}

#[tokio::test]
async fn the_trace_is_stored_masked_newest_first_and_filtered() {
    let f = fixture().await;
    let id = f.add().await;
    let record = f.systems.get(id).await.unwrap();
    let cms = f.systems.connector_for(&record).unwrap();
    cms.create_co_space(&CoSpaceSettings {
        name: Some("Secret meeting".into()),
        passcode: Some(Passcode::parse("4711").unwrap()),
        secret: Some(Secret::new("s3cr3t-value")),
        ..Default::default()
    })
    .await
    .unwrap();
    f.monitor.poll(id).await.unwrap();

    // The writer stores in the background: wait (a bounded number of times) for the rows.
    let everything = TraceQuery {
        page: 1,
        ..TraceQuery::default()
    };
    let mut page = f.settings.logs(id, &everything).await.unwrap();
    for _ in 0..50 {
        if page
            .rows
            .first()
            .is_some_and(|r| r.path.ends_with("/system/status"))
            && page.total >= 8
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        page = f.settings.logs(id, &everything).await.unwrap();
    }
    assert!(page.total >= 8, "add (6) + create + poll: {}", page.total);
    assert_eq!(page.rows[0].path, "/api/v1/system/status", "newest first");
    assert!(page.rows.windows(2).all(|w| w[0].id > w[1].id));
    let all = format!("{:?}", page.rows);
    for secret in ["4711", "s3cr3t-value", PASSWORD] {
        assert!(!all.contains(secret), "{secret} leaked: {all}");
    }
    let post = page
        .rows
        .iter()
        .find(|r| r.path == "/api/v1/coSpaces" && r.method == "POST")
        .expect("the create");
    let body = post.request_body.as_deref().unwrap_or_default();
    assert!(
        body.contains("passcode=*****") && body.contains("secret=*****"),
        "{body}"
    );

    let posts = f
        .settings
        .logs(
            id,
            &TraceQuery {
                method: Some("POST".into()),
                status: StatusFilter::Success,
                page: 1,
            },
        )
        .await
        .unwrap();
    assert_eq!(posts.total, 3, "call profile, call leg profile, space");
    assert!(posts.rows.iter().all(|r| r.method == "POST"));

    // A failed request shows under "no answer".
    f.cluster.set_node_up(0, false);
    f.monitor.poll(id).await.unwrap();
    let no_answer = TraceQuery {
        status: StatusFilter::NoAnswer,
        page: 1,
        ..TraceQuery::default()
    };
    let mut failed = f.settings.logs(id, &no_answer).await.unwrap();
    for _ in 0..50 {
        if failed.total > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        failed = f.settings.logs(id, &no_answer).await.unwrap();
    }
    assert!(failed.total > 0);
    assert!(
        failed
            .rows
            .iter()
            .all(|r| r.status.is_none() && r.error.is_some())
    );
    assert_eq!(f.trace.dropped(), 0);

    // Paging: page 2 continues where page 1 ended.
    let second = f
        .settings
        .logs(
            id,
            &TraceQuery {
                page: 2,
                ..TraceQuery::default()
            },
        )
        .await
        .unwrap();
    assert!(second.rows.is_empty() || second.rows[0].id < page.rows.last().unwrap().id);
}

#[tokio::test]
async fn old_trace_rows_are_pruned() {
    let f = fixture().await;
    let row = |at: time::OffsetDateTime| NewTraceRow {
        at,
        endpoint: "https://10.0.0.5".into(),
        method: "GET".into(),
        path: "/api/v1/system/status".into(),
        request_body: None,
        status: Some(200),
        duration_ms: 3,
        response_excerpt: String::new(),
        error: None,
    };
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap();
    f.store
        .insert_trace(&[row(time::macros::datetime!(2020-01-01 00:00 UTC)), row(now)])
        .await
        .unwrap();
    let pruned = domain::trace_log::prune(f.store.as_ref(), Duration::from_secs(14 * 86_400))
        .await
        .unwrap();
    assert_eq!(pruned, 1);
    let (rows, total) = f
        .store
        .trace_page(
            &["https://10.0.0.5".to_string()],
            &TraceQuery {
                page: 1,
                ..TraceQuery::default()
            },
            50,
        )
        .await
        .unwrap();
    assert_eq!((rows.len(), total), (1, 1));
    assert_eq!(
        rows[0].at,
        now.format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    );
}

#[tokio::test]
async fn a_full_trace_queue_drops_entries_instead_of_blocking_the_connector() {
    let f = fixture().await;
    // A sink whose writer never runs: the queue of one fills at once.
    let (sink, _writer) = TraceLog::new(f.store.clone() as Arc<dyn Store>, 1);
    let systems = SystemService::new(
        f.store.clone() as Arc<dyn Store>,
        SecretBox::from_base64(&SecretBox::generate_key()).unwrap(),
        sink.clone(),
        Duration::from_secs(3),
    );
    let added = systems
        .add(AddSystemInput {
            address: host(&f.cluster.base_urls()[0]),
            username: "admin".into(),
            password: PASSWORD.into(),
            tls: "insecure".into(),
            pinned_pem: String::new(),
        })
        .await
        .unwrap();
    assert_eq!(added.connectivity, Connectivity::Reachable);
    assert_eq!(sink.dropped(), 5, "six exchanges, room for one");
}
