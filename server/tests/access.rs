//! Per-system permissions over HTTP: a restricted system refuses bookings from schedulers not on
//! its list and settings changes from administrators not on its edit list, on the server, while
//! any administrator can still change the list.

use bridgekeeper::{ServerConfig, open_store, start};
use cms_sim::{Cluster, SimConfig};
use domain::login_throttle::{LoginThrottle, ThrottlePolicy};
use domain::password::PasswordPolicy;
use domain::secret_box::SecretBox;
use domain::store::Store;
use domain::system::ProvisioningState;
use domain::systems::{AddSystemInput, SystemService};
use domain::users::UserService;
use reqwest::header::{COOKIE, ORIGIN, SET_COOKIE};
use reqwest::{Client, StatusCode, redirect};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

const PASSWORD: &str = "correct horse battery staple";

struct Portal {
    running: bridgekeeper::Running,
    client: Client,
    _sim: Cluster,
    system: i64,
    _dir: tempfile::TempDir,
}

impl Portal {
    /// A fresh portal with one user per role and one system with `placeholders` spaces.
    async fn start(placeholders: u64) -> Portal {
        let dir = tempfile::tempdir().unwrap();
        let db = format!("sqlite://{}", dir.path().join("portal.db").display());
        let key = SecretBox::generate_key();
        let store = Arc::new(open_store(&db).await.unwrap());
        let users = UserService::new(
            store.clone(),
            PasswordPolicy::default(),
            LoginThrottle::default(),
        );
        for (name, role) in [
            ("root", "admin"),
            ("ada", "admin"),
            ("sam", "scheduler"),
            ("sid", "scheduler"),
            ("hana", "helpdesk"),
        ] {
            users.create(name, role, PASSWORD.into()).await.unwrap();
        }
        let sim = Cluster::start(SimConfig::default()).await.unwrap();
        let systems = SystemService::new(
            store.clone() as Arc<dyn Store>,
            SecretBox::from_base64(&key).unwrap(),
            Arc::new(cms::NoTrace),
            Duration::from_secs(3),
        );
        let added = systems
            .add(AddSystemInput {
                address: sim.base_urls()[0].trim_start_matches("https://").into(),
                username: "admin".into(),
                password: "admin".into(),
                tls: "insecure".into(),
                pinned_pem: String::new(),
            })
            .await
            .unwrap();
        systems
            .set_identity(added.id, "CMS Core", "")
            .await
            .unwrap();
        systems
            .save_extended(added.id, "example.com", "1001", &placeholders.to_string())
            .await
            .unwrap();
        for _ in 0..400 {
            if systems
                .provisioning(added.id)
                .is_some_and(|p| p.state == ProvisioningState::Complete)
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let config = ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            database_url: db.clone(),
            site_root: "target/site".into(),
            idle_timeout: time::Duration::minutes(30),
            password_policy: PasswordPolicy::default(),
            throttle: ThrottlePolicy::default(),
            secure_cookies: false,
            secrets: SecretBox::from_base64(&key).unwrap(),
            demo_cms: None,
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let running = start(config, open_store(&db).await.unwrap(), listener)
            .await
            .unwrap();
        Portal {
            running,
            client: Client::builder()
                .redirect(redirect::Policy::none())
                .build()
                .unwrap(),
            _sim: sim,
            system: added.id.0,
            _dir: dir,
        }
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

    async fn json(&self, cookie: &str, path: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let response = self.call(cookie, path, form).await;
        let status = response.status();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
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
            .unwrap()
            .to_string()
    }
}

/// A booking form for `date` at `start` lasting `minutes`.
fn form<'a>(
    title: &'a str,
    date: &'a str,
    start: &'a str,
    minutes: &'a str,
    system: &'a str,
    participant: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", title),
        ("date", date),
        ("start_time", start),
        ("end_time", ""),
        ("duration_minutes", minutes),
        ("time_zone", "UTC"),
        ("conference_type", "automatic_connect"),
        ("system", system),
        ("participants", participant),
        ("passcode", "4711"),
        ("notes", ""),
        ("repeat", "none"),
        ("ends", "count"),
        ("count", "1"),
        ("until", ""),
    ]
}

fn tomorrow() -> String {
    domain::booking::recurrence::iso_date(
        time::OffsetDateTime::now_utc().date() + time::Duration::days(1),
    )
}

impl Portal {
    /// The Permissions tab's data for the system, as `who` sees it.
    async fn access(&self, who: &str) -> Value {
        let id = self.system.to_string();
        let (status, view) = self.json(who, "/api/systems/access", &[("id", &id)]).await;
        assert_eq!(status, StatusCode::OK, "{view}");
        view
    }

    /// A user's id, from the Permissions tab.
    async fn user_id(&self, admin: &str, username: &str) -> String {
        let view = self.access(admin).await;
        view["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["username"] == username)
            .unwrap_or_else(|| panic!("{username} is not listed: {view}"))["id"]
            .to_string()
    }

    /// Saves the system's permissions: the two scopes and the ticked boxes.
    async fn save_access(
        &self,
        who: &str,
        booking: &str,
        editing: &str,
        boxes: &[String],
    ) -> (StatusCode, Value) {
        let id = self.system.to_string();
        let mut form = vec![
            ("id", id.as_str()),
            ("booking", booking),
            ("editing", editing),
        ];
        form.extend(boxes.iter().map(|b| (b.as_str(), "on")));
        self.json(who, "/api/systems/access/save", &form).await
    }
}

#[tokio::test]
async fn a_restricted_system_takes_bookings_only_from_listed_users() {
    let portal = Portal::start(2).await;
    let root = portal.login("root").await;
    let sam = portal.login("sam").await;
    let sid = portal.login("sid").await;
    let hana = portal.login("hana").await;
    let date = tomorrow();
    let system = portal.system.to_string();

    // By default the roles decide: both schedulers appear, nobody is ticked.
    let open = portal.access(&sam).await;
    assert_eq!(open["booking"], "Everyone", "{open}");
    let names: Vec<_> = open["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        ["ada", "root", "sam", "sid"],
        "the help desk cannot book"
    );

    let sid_id = portal.user_id(&root, "sid").await;
    let sam_id = portal.user_id(&root, "sam").await;
    // Only administrators change permissions.
    for who in [&sam, &hana] {
        let (status, _) = portal
            .save_access(who, "listed", "everyone", &[format!("book[{sid_id}]")])
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    // Editors must be administrators.
    let (status, body) = portal
        .save_access(&root, "listed", "listed", &[format!("edit[{sam_id}]")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("editors"), "{body}");

    let (status, body) = portal
        .save_access(&root, "listed", "everyone", &[format!("book[{sid_id}]")])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let saved = portal.access(&sam).await;
    assert_eq!(saved["booking"], "Listed", "{saved}");
    assert_eq!(saved["changed_by"], "root", "{saved}");

    // The booking form offers the system only to those who may book on it.
    for (who, offered) in [(&sam, 0), (&sid, 1), (&root, 1)] {
        let (status, defaults) = portal
            .json(
                who,
                "/api/bookings/defaults",
                &[("date", ""), ("tz", "UTC")],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{defaults}");
        assert_eq!(
            defaults["systems"].as_array().unwrap().len(),
            offered,
            "{defaults}"
        );
    }

    // Sam is not on the list: refused on the system field, and automatic choice skips it.
    let (status, body) = portal
        .json(
            &sam,
            "/api/bookings/create",
            &form("Board", &date, "10:00", "60", &system, "desk@example.com"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let text = body.to_string();
    assert!(
        text.contains("system") && text.contains("may not book"),
        "{text}"
    );
    let (status, body) = portal
        .json(
            &sam,
            "/api/bookings/create",
            &form("Board", &date, "10:00", "60", "auto", "desk@example.com"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("no system"), "{body}");

    // Sid is listed, and administrators always book.
    for (who, title, participant) in [
        (&sid, "Listed", "sid@example.com"),
        (&root, "Admin", "root@example.com"),
    ] {
        let (status, body) = portal
            .json(
                who,
                "/api/bookings/create",
                &form(title, &date, "11:00", "30", &system, participant),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{title}: {body}");
    }
    let (status, body) = portal
        .json(
            &sid,
            "/api/bookings/create",
            &form("Auto", &date, "12:00", "30", "auto", "auto@example.com"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Opening the system again lets Sam book.
    let (status, _) = portal.save_access(&root, "everyone", "everyone", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, booked) = portal
        .json(
            &sam,
            "/api/bookings/create",
            &form("Board", &date, "10:00", "60", &system, "desk@example.com"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{booked}");

    // Restricted again without Sam: he can no longer edit or extend his booking there, while
    // an administrator (and the help desk, for a live meeting) still can.
    let (status, _) = portal
        .save_access(&root, "listed", "everyone", &[format!("book[{sid_id}]")])
        .await;
    assert_eq!(status, StatusCode::OK);
    let meeting = booked["meeting"].to_string();
    let edit = [
        ("id", meeting.as_str()),
        ("title", "Board (moved)"),
        ("date", date.as_str()),
        ("start_time", "09:00"),
        ("end_time", "09:30"),
    ];
    let (status, body) = portal.json(&sam, "/api/bookings/edit", &edit).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let extend = [("id", meeting.as_str()), ("minutes", "15")];
    let (status, body) = portal.json(&sam, "/api/bookings/extend", &extend).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = portal.json(&root, "/api/bookings/edit", &edit).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = portal.json(&root, "/api/bookings/extend", &extend).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Cancelling stays possible for the owner.
    let (status, body) = portal
        .json(&sam, "/api/bookings/cancel", &[("id", &meeting)])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

fn settings_form(id: &str) -> Vec<(&str, &str)> {
    vec![
        ("id", id),
        ("name", "CMS Core Renamed"),
        ("description", "Lab"),
        ("ip_zone", ""),
        ("time_zone", ""),
        ("web_bridge_uri", ""),
        ("system_contact", ""),
        ("alternate_address", ""),
        ("alternate_username", ""),
        ("alternate_password", ""),
        ("allow_booking", "on"),
    ]
}

#[tokio::test]
async fn only_listed_administrators_edit_a_restricted_system() {
    let portal = Portal::start(1).await;
    let root = portal.login("root").await;
    let ada = portal.login("ada").await;
    let id = portal.system.to_string();
    let root_id = portal.user_id(&root, "root").await;
    let ada_id = portal.user_id(&root, "ada").await;
    let (status, body) = portal
        .save_access(&root, "everyone", "listed", &[format!("edit[{root_id}]")])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Ada is an administrator but not on the edit list: every change to the system is refused.
    for (path, form) in [
        ("/api/systems/settings/save", settings_form(&id)),
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
        (
            "/api/systems/extended",
            vec![
                ("id", id.as_str()),
                ("domain", "example.org"),
                ("base", "5001"),
                ("quantity", "1"),
            ],
        ),
        (
            "/api/systems/ticket-filters",
            vec![("id", id.as_str()), ("hide[connection_error]", "on")],
        ),
    ] {
        let refused = portal.call(&ada, path, &form).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let (_, detail) = portal
        .json(&ada, "/api/systems/detail", &[("id", &id)])
        .await;
    assert_eq!(detail["summary"]["name"], "CMS Core", "nothing changed");

    // Root is listed.
    let (status, body) = portal
        .json(&root, "/api/systems/settings/save", &settings_form(&id))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Any administrator may still change the permissions: Ada adds herself, then edits.
    let (status, body) = portal
        .save_access(
            &ada,
            "everyone",
            "listed",
            &[format!("edit[{root_id}]"), format!("edit[{ada_id}]")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = portal
        .json(&ada, "/api/systems/settings/save", &settings_form(&id))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_system_that_does_not_allow_booking_takes_no_new_bookings() {
    let portal = Portal::start(2).await;
    let root = portal.login("root").await;
    let id = portal.system.to_string();
    let date = tomorrow();
    let closed: Vec<(&str, &str)> = settings_form(&id)
        .into_iter()
        .filter(|(key, _)| *key != "allow_booking")
        .collect();
    let (status, body) = portal
        .json(&root, "/api/systems/settings/save", &closed)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    for system in [id.as_str(), "auto"] {
        let (status, body) = portal
            .json(
                &root,
                "/api/bookings/create",
                &form("Board", &date, "10:00", "60", system, "desk@example.com"),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{system}: {body}");
    }
    let (_, body) = portal
        .json(
            &root,
            "/api/bookings/create",
            &form("Board", &date, "10:00", "60", &id, "desk@example.com"),
        )
        .await;
    assert!(
        body.to_string().contains("does not allow booking"),
        "{body}"
    );

    let (status, body) = portal
        .json(&root, "/api/systems/settings/save", &settings_form(&id))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = portal
        .json(
            &root,
            "/api/bookings/create",
            &form("Board", &date, "10:00", "60", &id, "desk@example.com"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
