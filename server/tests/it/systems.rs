//! System management over real HTTP (issue 5): Edit Settings with the Alternate IP, Ticket
//! Filters, the Connection tab with Test connection, the Logs tab, and monitoring running in the
//! background — the server in-process on a random port, a fresh SQLite file, the CMS simulator.

use bridgekeeper::background::Background;
use reqwest::StatusCode;
use serde_json::Value;
use std::ops::Deref;
use std::time::Duration;

/// The simulated CMS's API password: it must never come back in an answer.
const CMS_PASSWORD: &str = "cms-Secret-42";

/// The shared portal, signed in as its administrator and its help desk user.
struct Portal {
    portal: crate::support::Portal,
    admin: String,
    helpdesk: String,
}

impl Deref for Portal {
    type Target = crate::support::Portal;

    fn deref(&self) -> &crate::support::Portal {
        &self.portal
    }
}

impl Portal {
    /// A portal with an administrator and a help desk user, monitoring every `monitor` seconds,
    /// and a two-node simulated cluster not added yet. No answer may hold the CMS's password.
    async fn start(monitor: Duration) -> Portal {
        let portal = crate::support::Portal::build()
            .users(&[("root", "admin"), ("hana", "helpdesk")])
            .background(Background {
                monitor_interval: monitor,
                ..Background::default()
            })
            .sim(cms_sim::SimConfig {
                nodes: 2,
                password: CMS_PASSWORD.into(),
                ..Default::default()
            })
            .never_sends(CMS_PASSWORD)
            .never_sends("password_sealed")
            .start()
            .await;
        let admin = portal.login("root").await;
        let helpdesk = portal.login("hana").await;
        Portal {
            portal,
            admin,
            helpdesk,
        }
    }

    /// Adds node 0 of the simulated cluster; returns the system's id.
    async fn add_system(&self) -> String {
        let address = self.sim().base_urls()[0]
            .trim_start_matches("https://")
            .to_string();
        self.json_ok(
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
        let list = self.json_ok(&self.admin, "/api/systems/list", &[]).await;
        list[0]["id"].as_i64().unwrap().to_string()
    }

    async fn live_kinds(&self, id: &str) -> Vec<String> {
        let detail = self
            .json_ok(&self.helpdesk, "/api/systems/detail", &[("id", id)])
            .await;
        detail["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["kind"].as_str().unwrap().to_string())
            .collect()
    }

    async fn stop(self) {
        self.portal.stop().await;
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
    let alternate = portal.sim().base_urls()[1].clone();
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
        let refused = portal.call(Some(hd), path, &form).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{path}");
    }
    // Nothing changed.
    let view = portal
        .json_ok(hd, "/api/systems/settings", &[("id", &id)])
        .await;
    assert_eq!(view["name"], "");
    assert_eq!(view["network"]["alternate_address"], Value::Null);
    assert_eq!(view["hidden_tickets"], serde_json::json!([]));
    assert!(
        view["address"]
            .as_str()
            .unwrap()
            .ends_with(portal.sim().base_urls()[0].trim_start_matches("https://"))
    );
    // The API trace is the administrators' (stored in the background: look a bounded number of
    // times); the help desk is refused it.
    let mut total = 0;
    for _ in 0..50 {
        let logs = portal
            .json_ok(
                &portal.admin,
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
    let refused = portal
        .call(
            Some(hd),
            "/api/systems/logs",
            &[("id", &id), ("method", ""), ("status", ""), ("page", "")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let week = portal
        .json_ok(hd, "/api/systems/week-bookings", &[("id", &id)])
        .await;
    assert_eq!(week, serde_json::json!([]), "no bookings yet");
    portal.stop().await;
}

#[tokio::test]
async fn settings_with_an_alternate_ticket_filters_connection_test_and_masked_logs() {
    let portal = Portal::start(Duration::from_secs(3600)).await;
    let id = portal.add_system().await;
    let admin = &portal.admin;
    let alternate = portal.sim().base_urls()[1].clone();

    let refused = portal
        .call(
            Some(admin),
            "/api/systems/settings/save",
            &settings_form(&id, "https://10.1.2.3", CMS_PASSWORD),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("alternate_address"));

    portal
        .json_ok(
            admin,
            "/api/systems/settings/save",
            &settings_form(&id, &alternate, CMS_PASSWORD),
        )
        .await;
    let view = portal
        .json_ok(admin, "/api/systems/settings", &[("id", &id)])
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
        .json_ok(admin, "/api/systems/connection/test", &[("id", &id)])
        .await;
    assert_eq!(tested["connectivity"], "Reachable");
    assert_eq!(tested["alternate_reachable"], true);
    let status = portal
        .json_ok(admin, "/api/systems/status", &[("id", &id)])
        .await;
    assert!(status["uptime_seconds"].as_u64().is_some(), "{status}");

    // Ticket Filters: Dial Number Configuration Error hidden, so closed.
    portal
        .json_ok(
            admin,
            "/api/systems/ticket-filters",
            &[
                ("id", id.as_str()),
                ("hide[dial_number_configuration_error]", "on"),
            ],
        )
        .await;
    let view = portal
        .json_ok(admin, "/api/systems/settings", &[("id", &id)])
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
    portal
        .json_ok(admin, "/api/systems/connection", &wrong)
        .await;
    let tested = portal
        .json_ok(admin, "/api/systems/connection/test", &[("id", &id)])
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
    portal
        .json_ok(admin, "/api/systems/connection", &right)
        .await;
    let tested = portal
        .json_ok(admin, "/api/systems/connection/test", &[("id", &id)])
        .await;
    assert_eq!(tested["connectivity"], "Reachable");
    assert!(portal.live_kinds(&id).await.is_empty());

    // The Logs tab: newest first, filtered, and nothing secret in it (checked by `json_ok`). The
    // writer stores in the background, so look a bounded number of times.
    let mut logs = Value::Null;
    for _ in 0..50 {
        logs = portal
            .json_ok(
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
        .json_ok(
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
            Some(admin),
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

    portal.sim().set_node_up(0, false);
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
        .json_ok(&portal.helpdesk, "/api/systems/list", &[])
        .await;
    assert_eq!(list[0]["connectivity"], "NoResponse");

    portal.sim().set_node_up(0, true);
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
        .json_ok(&portal.helpdesk, "/api/systems/status", &[("id", &id)])
        .await;
    assert!(status["call_legs_active"].as_u64().is_some(), "{status}");
    portal.stop().await;
}
