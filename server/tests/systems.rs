//! System management over real HTTP (issue 5): Edit Settings with the Alternate IP, Ticket
//! Filters, the Connection tab with Test connection, the Logs tab, and monitoring running in the
//! background — the server in-process on a random port, a fresh SQLite file, the CMS simulator.

use bridgekeeper::background::Background;
use bridgekeeper::{ServerConfig, open_store, start_with};
use domain::login_throttle::{LoginThrottle, ThrottlePolicy};
use domain::password::PasswordPolicy;
use domain::users::UserService;
use reqwest::header::{COOKIE, ORIGIN, SET_COOKIE};
use reqwest::{Client, StatusCode, redirect};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

const PASSWORD: &str = "correct horse battery staple";
/// The simulated CMS's API password: it must never come back in an answer.
const CMS_PASSWORD: &str = "cms-Secret-42";

struct Portal {
    running: bridgekeeper::Running,
    client: Client,
    cluster: cms_sim::Cluster,
    admin: String,
    helpdesk: String,
    _dir: tempfile::TempDir,
}

fn config(db: &str) -> ServerConfig {
    ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: db.to_string(),
        site_root: "target/site".into(),
        idle_timeout: time::Duration::minutes(30),
        password_policy: PasswordPolicy::default(),
        throttle: ThrottlePolicy::default(),
        secure_cookies: false,
        secrets: domain::secret_box::SecretBox::from_base64(
            &domain::secret_box::SecretBox::generate_key(),
        )
        .unwrap(),
        demo_cms: None,
    }
}

impl Portal {
    /// A portal with an administrator and a help desk user, monitoring every `monitor` seconds.
    async fn start(monitor: Duration) -> Portal {
        let dir = tempfile::tempdir().unwrap();
        let db = format!("sqlite://{}", dir.path().join("portal.db").display());
        let store = open_store(&db).await.unwrap();
        let users = UserService::new(
            Arc::new(store.clone()),
            PasswordPolicy::default(),
            LoginThrottle::default(),
        );
        for (name, role) in [("root", "admin"), ("hana", "helpdesk")] {
            users.create(name, role, PASSWORD.into()).await.unwrap();
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let background = Background {
            monitor_interval: monitor,
            ..Background::default()
        };
        let running = start_with(config(&db), background, store, listener)
            .await
            .unwrap();
        let cluster = cms_sim::Cluster::start(cms_sim::SimConfig {
            nodes: 2,
            password: CMS_PASSWORD.into(),
            ..Default::default()
        })
        .await
        .unwrap();
        let client = Client::builder()
            .redirect(redirect::Policy::none())
            .build()
            .unwrap();
        let mut portal = Portal {
            running,
            client,
            cluster,
            admin: String::new(),
            helpdesk: String::new(),
            _dir: dir,
        };
        portal.admin = portal.login("root").await;
        portal.helpdesk = portal.login("hana").await;
        portal
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.running.addr)
    }

    async fn call(&self, cookie: &str, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header(ORIGIN, format!("http://{}", self.running.addr))
            .header(COOKIE, cookie)
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Calls as the administrator and expects 200 with a JSON body.
    async fn json(&self, cookie: &str, path: &str, form: &[(&str, &str)]) -> Value {
        let response = self.call(cookie, path, form).await;
        let status = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{path}: {text}");
        assert!(!text.contains(CMS_PASSWORD), "{path} sent a password back");
        assert!(!text.contains("password_sealed"), "{path}: {text}");
        serde_json::from_str(&text).unwrap()
    }

    async fn login(&self, username: &str) -> String {
        let response = self
            .client
            .post(self.url("/api/login"))
            .header(ORIGIN, format!("http://{}", self.running.addr))
            .form(&[("username", username), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("bridgekeeper_session="))
            .and_then(|v| v.split(';').next())
            .map(str::to_string)
            .expect("a session cookie")
    }

    /// Adds node 0 of the simulated cluster; returns the system's id.
    async fn add_system(&self) -> String {
        let address = self.cluster.base_urls()[0]
            .trim_start_matches("https://")
            .to_string();
        self.json(
            &self.admin,
            "/api/systems/add",
            &[
                ("address", address.as_str()),
                ("username", "admin"),
                ("password", CMS_PASSWORD),
                ("tls", "insecure"),
            ],
        )
        .await;
        let list = self.json(&self.admin, "/api/systems/list", &[]).await;
        list[0]["id"].as_i64().unwrap().to_string()
    }

    async fn live_kinds(&self, id: &str) -> Vec<String> {
        let detail = self
            .json(&self.helpdesk, "/api/systems/detail", &[("id", id)])
            .await;
        detail["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["kind"].as_str().unwrap().to_string())
            .collect()
    }

    async fn stop(self) {
        self.running.stop().await.unwrap();
        self.cluster.shutdown().await;
    }
}

fn settings_form<'a>(
    id: &'a str,
    alternate: &'a str,
    password: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("id", id),
        ("name", "CMS Core Primary"),
        ("description", "Lab"),
        ("ip_zone", "Test Zone"),
        ("time_zone", "(UTC-05:00) Eastern Time (US & Canada)"),
        ("web_bridge_uri", "https://join.example.com"),
        ("system_contact", "noc@example.com"),
        ("alternate_address", alternate),
        ("alternate_username", "admin"),
        ("alternate_password", password),
        ("sip_mode", "on"),
        ("allow_booking", "on"),
    ]
}

#[tokio::test]
async fn the_help_desk_reads_settings_and_logs_but_cannot_change_anything() {
    let portal = Portal::start(Duration::from_secs(3600)).await;
    let id = portal.add_system().await;
    let alternate = portal.cluster.base_urls()[1].clone();
    let hd = &portal.helpdesk;
    for (path, form) in [
        (
            "/api/systems/settings/save",
            settings_form(&id, &alternate, CMS_PASSWORD),
        ),
        (
            "/api/systems/connection",
            vec![
                ("id", id.as_str()),
                ("address", "10.0.0.9"),
                ("username", "x"),
                ("password", "y"),
                ("tls", "insecure"),
                ("pinned_pem", ""),
            ],
        ),
        ("/api/systems/connection/test", vec![("id", id.as_str())]),
        ("/api/systems/refresh", vec![("id", id.as_str())]),
        (
            "/api/systems/ticket-filters",
            vec![("id", id.as_str()), ("hide[connection_error]", "on")],
        ),
    ] {
        let refused = portal.call(hd, path, &form).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{path}");
    }
    // Nothing changed.
    let view = portal
        .json(hd, "/api/systems/settings", &[("id", &id)])
        .await;
    assert_eq!(view["name"], "");
    assert_eq!(view["network"]["alternate_address"], Value::Null);
    assert_eq!(view["hidden_tickets"], serde_json::json!([]));
    assert!(
        view["address"]
            .as_str()
            .unwrap()
            .ends_with(portal.cluster.base_urls()[0].trim_start_matches("https://"))
    );
    // Reading is allowed (the trace is stored in the background: look a bounded number of times).
    let mut total = 0;
    for _ in 0..50 {
        let logs = portal
            .json(
                hd,
                "/api/systems/logs",
                &[("id", &id), ("method", ""), ("status", ""), ("page", "")],
            )
            .await;
        total = logs["total"].as_u64().unwrap();
        if total >= 6 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(total >= 6, "the six requests of adding: {total}");
    let week = portal
        .json(hd, "/api/systems/week-bookings", &[("id", &id)])
        .await;
    assert_eq!(week, serde_json::json!([]), "no bookings yet");
    portal.stop().await;
}

#[tokio::test]
async fn settings_with_an_alternate_ticket_filters_connection_test_and_masked_logs() {
    let portal = Portal::start(Duration::from_secs(3600)).await;
    let id = portal.add_system().await;
    let admin = &portal.admin;
    let alternate = portal.cluster.base_urls()[1].clone();

    let refused = portal
        .call(
            admin,
            "/api/systems/settings/save",
            &settings_form(&id, "https://10.1.2.3", CMS_PASSWORD),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("alternate_address"));

    portal
        .json(
            admin,
            "/api/systems/settings/save",
            &settings_form(&id, &alternate, CMS_PASSWORD),
        )
        .await;
    let view = portal
        .json(admin, "/api/systems/settings", &[("id", &id)])
        .await;
    assert_eq!(view["name"], "CMS Core Primary");
    assert_eq!(view["general"]["ip_zone"], "Test Zone");
    assert_eq!(view["network"]["alternate_address"], alternate.as_str());
    assert_eq!(view["network"]["alternate_password_set"], true);
    assert_eq!(view["scheduling"]["allow_booking"], true);
    assert_eq!(
        view["scheduling"]["allow_outgoing_sip"], false,
        "an unticked box is off"
    );
    // Naming the system cleared Blank System Name.
    assert!(
        !portal
            .live_kinds(&id)
            .await
            .contains(&"BlankSystemName".to_string())
    );

    // Test connection runs a status request now.
    let tested = portal
        .json(admin, "/api/systems/connection/test", &[("id", &id)])
        .await;
    assert_eq!(tested["connectivity"], "Reachable");
    assert_eq!(tested["alternate_reachable"], true);
    let status = portal
        .json(admin, "/api/systems/status", &[("id", &id)])
        .await;
    assert!(status["uptime_seconds"].as_u64().is_some(), "{status}");

    // Ticket Filters: Dial Number Configuration Error hidden, so closed.
    portal
        .json(
            admin,
            "/api/systems/ticket-filters",
            &[
                ("id", id.as_str()),
                ("hide[dial_number_configuration_error]", "on"),
            ],
        )
        .await;
    let view = portal
        .json(admin, "/api/systems/settings", &[("id", &id)])
        .await;
    assert_eq!(
        view["hidden_tickets"],
        serde_json::json!(["DialNumberConfigurationError"])
    );
    assert!(portal.live_kinds(&id).await.is_empty());

    // A wrong password (write-only) makes Test connection report it, with its ticket.
    let address = view["address"].as_str().unwrap().to_string();
    let connection = |password: &'static str| {
        vec![
            ("id", id.clone()),
            ("address", address.clone()),
            ("username", "admin".to_string()),
            ("password", password.to_string()),
            ("tls", "insecure".to_string()),
            ("pinned_pem", String::new()),
        ]
    };
    let wrong = connection("not-the-password");
    let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
    portal.json(admin, "/api/systems/connection", &wrong).await;
    let tested = portal
        .json(admin, "/api/systems/connection/test", &[("id", &id)])
        .await;
    assert_eq!(tested["connectivity"], "AuthenticationFailed");
    assert!(
        portal
            .live_kinds(&id)
            .await
            .contains(&"AuthenticationFailure".to_string())
    );
    let right = connection(CMS_PASSWORD);
    let right: Vec<(&str, &str)> = right.iter().map(|(k, v)| (*k, v.as_str())).collect();
    portal.json(admin, "/api/systems/connection", &right).await;
    let tested = portal
        .json(admin, "/api/systems/connection/test", &[("id", &id)])
        .await;
    assert_eq!(tested["connectivity"], "Reachable");
    assert!(portal.live_kinds(&id).await.is_empty());

    // The Logs tab: newest first, filtered, and nothing secret in it (checked by `json`). The
    // writer stores in the background, so look a bounded number of times.
    let mut logs = Value::Null;
    for _ in 0..50 {
        logs = portal
            .json(
                admin,
                "/api/systems/logs",
                &[
                    ("id", &id),
                    ("method", "get"),
                    ("status", "errors"),
                    ("page", "1"),
                ],
            )
            .await;
        if logs["total"].as_u64().unwrap_or(0) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rows = logs["rows"].as_array().unwrap();
    assert!(!rows.is_empty(), "the 401 is logged: {logs}");
    assert!(
        rows.iter()
            .all(|r| r["method"] == "GET" && r["status"] == 401)
    );
    let all = portal
        .json(
            admin,
            "/api/systems/logs",
            &[("id", &id), ("method", ""), ("status", ""), ("page", "1")],
        )
        .await;
    let ids: Vec<i64> = all["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    let bad = portal
        .call(
            admin,
            "/api/systems/logs",
            &[
                ("id", &id),
                ("method", "PATCH"),
                ("status", ""),
                ("page", ""),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    portal.stop().await;
}

#[tokio::test]
async fn the_background_monitor_raises_and_clears_the_connection_ticket() {
    let portal = Portal::start(Duration::from_secs(1)).await;
    let id = portal.add_system().await;
    let has = |kinds: &[String], kind: &str| kinds.iter().any(|k| k == kind);

    portal.cluster.set_node_up(0, false);
    let mut raised = false;
    for _ in 0..60 {
        if has(&portal.live_kinds(&id).await, "ConnectionError") {
            raised = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(raised, "monitoring raised Connection Error");
    let list = portal
        .json(&portal.helpdesk, "/api/systems/list", &[])
        .await;
    assert_eq!(list[0]["connectivity"], "NoResponse");

    portal.cluster.set_node_up(0, true);
    let mut cleared = false;
    for _ in 0..60 {
        if !has(&portal.live_kinds(&id).await, "ConnectionError") {
            cleared = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(cleared, "monitoring closed Connection Error");
    let status = portal
        .json(&portal.helpdesk, "/api/systems/status", &[("id", &id)])
        .await;
    assert!(status["call_legs_active"].as_u64().is_some(), "{status}");
    portal.stop().await;
}
