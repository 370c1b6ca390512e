//! The harness the server's integration tests share: a fresh SQLite file in a temp dir, users
//! created per role, optionally a simulated CMS added as a system with Extended Settings, and the
//! real server in-process on a random port, spoken to over HTTP as the browser's script does.
//!
//! Each test module says what differs with [`Portal::build`] and keeps anything only it needs.

use app::pages::systems::DemoCluster;
use bridgekeeper::background::Background;
use bridgekeeper::{Database, Running, ServerConfig, open_store, start_with};
use cms_sim::{Cluster, SimConfig};
use domain::login_throttle::{HashLimiter, LoginThrottle, ThrottlePolicy};
use domain::password::PasswordPolicy;
use domain::secret_box::SecretBox;
use domain::system::{ProvisioningState, SystemId};
use domain::systems::{AddSystemInput, SystemService};
use domain::users::UserService;
use reqwest::header::{COOKIE, ORIGIN, SET_COOKIE};
use reqwest::{Client, Response, StatusCode, redirect};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// Fresh PostgreSQL databases, shared with the domain's tests.
#[path = "../../../../domain/tests/it/pg.rs"]
pub mod pg;

pub mod node;
pub mod process;

/// Every test user's password.
pub const PASSWORD: &str = "correct horse battery staple";

/// One user of each role: an administrator, a scheduler and a help desk user.
pub const ONE_PER_ROLE: &[(&str, &str)] = &[
    ("root", "admin"),
    ("sam", "scheduler"),
    ("hana", "helpdesk"),
];

/// Polls `check` for up to two minutes (only to guard against hanging, never to time anything).
pub async fn wait_for(what: &str, check: impl AsyncFnMut() -> bool) {
    wait_up_to(what, Duration::from_secs(120), check).await;
}

/// Polls `check` for up to `limit`, for what takes its booked minutes.
pub async fn wait_up_to(what: &str, limit: Duration, mut check: impl AsyncFnMut() -> bool) {
    let until = std::time::Instant::now() + limit;
    while std::time::Instant::now() < until {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("gave up waiting for {what}");
}

/// The simulated cluster's node 0 as a system, with a range of placeholder spaces.
struct SimSystem {
    name: Option<&'static str>,
    first_number: &'static str,
    placeholders: u64,
}

/// What differs between the tests' portals; [`Portal::build`] starts one.
pub struct Builder {
    users: Vec<(&'static str, &'static str)>,
    sim: Option<SimConfig>,
    system: Option<SimSystem>,
    throttle: ThrottlePolicy,
    password_hashing: HashLimiter,
    clock: domain::session::Clock,
    demo_cms: Option<DemoCluster>,
    background: Background,
    never_sent: Vec<String>,
    postgres: bool,
    database: Option<String>,
}

/// The database a test's portal runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in a temporary directory.
    Sqlite,
    /// A fresh database on the test PostgreSQL server (see [`pg`]).
    Postgres,
}

impl Builder {
    /// Runs the portal on `backend` (SQLite unless told).
    pub fn backend(mut self, backend: Backend) -> Self {
        self.postgres = backend == Backend::Postgres;
        self
    }

    /// Runs the portal on this (empty) database instead of a fresh one.
    pub fn database(mut self, url: String) -> Self {
        self.database = Some(url);
        self
    }

    /// Users to create (name, role), each with [`PASSWORD`].
    pub fn users(mut self, users: &[(&'static str, &'static str)]) -> Self {
        self.users.extend_from_slice(users);
        self
    }

    /// Starts a simulated CMS cluster with `config` (see [`Portal::sim`]).
    pub fn sim(mut self, config: SimConfig) -> Self {
        self.sim = Some(config);
        self
    }

    /// Adds the simulated cluster's node 0 (a default one unless [`Builder::sim`] says otherwise)
    /// as a system whose Extended Settings give it `placeholders` spaces from number 1001, and
    /// waits for them to be provisioned.
    pub fn system(mut self, placeholders: u64) -> Self {
        self.system = Some(SimSystem {
            name: None,
            first_number: "1001",
            placeholders,
        });
        self
    }

    /// Names the system added by [`Builder::system`].
    pub fn named(mut self, name: &'static str) -> Self {
        self.system.as_mut().expect("Builder::system first").name = Some(name);
        self
    }

    /// The first placeholder's number, instead of 1001.
    pub fn numbers_from(mut self, first: &'static str) -> Self {
        self.system
            .as_mut()
            .expect("Builder::system first")
            .first_number = first;
        self
    }

    pub fn throttle(mut self, throttle: ThrottlePolicy) -> Self {
        self.throttle = throttle;
        self
    }

    /// The cap on password hashing at once (the test keeps a clone to read its counters).
    pub fn password_hashing(mut self, limiter: HashLimiter) -> Self {
        self.password_hashing = limiter;
        self
    }

    /// The clock sessions are judged by (the test keeps a clone to move it forward).
    pub fn clock(mut self, clock: domain::session::Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn demo_cms(mut self, demo: DemoCluster) -> Self {
        self.demo_cms = Some(demo);
        self
    }

    pub fn background(mut self, background: Background) -> Self {
        self.background = background;
        self
    }

    /// A string no answer checked by [`Portal::json_ok`] may contain (a secret).
    pub fn never_sends(mut self, secret: &str) -> Self {
        self.never_sent.push(secret.to_string());
        self
    }

    /// The database with its users and system, and the simulator, without a server yet.
    pub async fn prepare(self) -> Prepared {
        let dir = tempfile::tempdir().unwrap();
        let db = if let Some(url) = self.database.clone() {
            url
        } else if self.postgres {
            pg::fresh_database().await
        } else {
            format!("sqlite://{}", dir.path().join("portal.db").display())
        };
        let key = SecretBox::generate_key();
        let store = open_store(&db).await.unwrap();
        let users = UserService::new(
            store.store(),
            PasswordPolicy::default(),
            LoginThrottle::default(),
        );
        for (name, role) in &self.users {
            users.create(name, role, PASSWORD.into()).await.unwrap();
        }
        let sim = match (self.sim, &self.system) {
            (Some(config), _) => Some(Cluster::start(config).await.unwrap()),
            (None, Some(_)) => Some(Cluster::start(SimConfig::default()).await.unwrap()),
            (None, None) => None,
        };
        let mut system = None;
        if let (Some(wanted), Some(sim)) = (&self.system, &sim) {
            system = Some(add_system(&store, &key, sim, wanted).await);
        }
        let config = ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            database_url: db.clone(),
            site_root: "target/site".into(),
            idle_timeout: time::Duration::minutes(30),
            session_lifetime: time::Duration::hours(12),
            clock: self.clock,
            password_policy: PasswordPolicy::default(),
            throttle: self.throttle,
            password_hashing: self.password_hashing,
            public_url: None,
            secure_cookies: false,
            secrets: SecretBox::from_base64(&key).unwrap(),
            demo_cms: self.demo_cms,
        };
        Prepared {
            dir,
            db,
            key,
            store,
            sim,
            system,
            config,
            background: self.background,
            never_sent: self.never_sent,
        }
    }

    /// [`Builder::prepare`], then the server.
    pub async fn start(self) -> Portal {
        self.prepare().await.serve().await
    }
}

async fn add_system(store: &Database, key: &str, sim: &Cluster, wanted: &SimSystem) -> SystemId {
    let systems = SystemService::new(
        store.store(),
        SecretBox::from_base64(key).unwrap(),
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
    if let Some(name) = wanted.name {
        systems.set_identity(added.id, name, "").await.unwrap();
    }
    systems
        .save_extended(
            added.id,
            "example.com",
            wanted.first_number,
            &wanted.placeholders.to_string(),
        )
        .await
        .unwrap();
    wait_for("provisioning", async || {
        systems
            .provisioning(added.id)
            .await
            .unwrap()
            .is_some_and(|p| p.state == ProvisioningState::Complete)
    })
    .await;
    added.id
}

/// A database ready for a server: what [`Builder::prepare`] made.
pub struct Prepared {
    pub dir: tempfile::TempDir,
    pub db: String,
    /// The secret key (base64) sealing the systems' passwords.
    pub key: String,
    pub store: Database,
    pub sim: Option<Cluster>,
    pub system: Option<SystemId>,
    config: ServerConfig,
    background: Background,
    never_sent: Vec<String>,
}

impl Prepared {
    /// Starts the server on this database, on 127.0.0.1 at a random port.
    pub async fn serve(self) -> Portal {
        Portal {
            running: launch(&self.config, &self.background, self.store).await,
            client: Client::builder()
                .redirect(redirect::Policy::none())
                .build()
                .unwrap(),
            sim: self.sim,
            system: self.system,
            config: self.config,
            background: self.background,
            never_sent: self.never_sent,
            _dir: self.dir,
        }
    }
}

async fn launch(config: &ServerConfig, background: &Background, store: Database) -> Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    start_with(config.clone(), background.clone(), store, listener)
        .await
        .unwrap()
}

/// A running portal and its simulated CMS, if any.
pub struct Portal {
    pub running: Running,
    /// Follows no redirects, so tests see them.
    pub client: Client,
    sim: Option<Cluster>,
    system: Option<SystemId>,
    config: ServerConfig,
    background: Background,
    never_sent: Vec<String>,
    _dir: tempfile::TempDir,
}

impl Portal {
    /// No users, no simulator, default policies: say what the test needs.
    pub fn build() -> Builder {
        Builder {
            users: Vec::new(),
            sim: None,
            system: None,
            throttle: ThrottlePolicy::default(),
            password_hashing: HashLimiter::default(),
            clock: domain::session::Clock::default(),
            demo_cms: None,
            background: Background::default(),
            never_sent: Vec::new(),
            postgres: false,
            database: None,
        }
    }

    /// The simulated CMS cluster.
    pub fn sim(&self) -> &Cluster {
        self.sim
            .as_ref()
            .expect("no simulator: Builder::sim or Builder::system")
    }

    /// The id of the system added by [`Builder::system`].
    pub fn system(&self) -> i64 {
        self.system.expect("no system: Builder::system").0
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.running.addr)
    }

    /// The database's URL (`sqlite://…`).
    pub fn database_url(&self) -> &str {
        &self.config.database_url
    }

    pub fn origin(&self) -> String {
        format!("http://{}", self.running.addr)
    }

    /// Calls a server function as the browser's script does (same-origin, form-encoded).
    pub async fn call(&self, cookie: Option<&str>, path: &str, form: &[(&str, &str)]) -> Response {
        let mut request = self
            .client
            .post(self.url(path))
            .header(ORIGIN, self.origin())
            .form(form);
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        request.send().await.unwrap()
    }

    pub async fn get(&self, cookie: Option<&str>, path: &str) -> Response {
        let mut request = self.client.get(self.url(path));
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        request.send().await.unwrap()
    }

    /// A server function's status and answer: JSON, else the text as a JSON string.
    pub async fn json(
        &self,
        cookie: &str,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let response = self.call(Some(cookie), path, form).await;
        let status = response.status();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// A server function's JSON answer, which must be a success and hold no secret named by
    /// [`Builder::never_sends`].
    pub async fn json_ok(&self, cookie: &str, path: &str, form: &[(&str, &str)]) -> Value {
        let response = self.call(Some(cookie), path, form).await;
        let status = response.status();
        let body = response.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{path} {form:?}: {body}");
        for secret in &self.never_sent {
            assert!(!body.contains(secret.as_str()), "{path} sent a secret back");
        }
        serde_json::from_str(&body).unwrap()
    }

    /// A page's HTML, which must be a success.
    pub async fn page(&self, cookie: &str, path: &str) -> String {
        let response = self.get(Some(cookie), path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.text().await.unwrap()
    }

    /// Signs in with [`PASSWORD`] and returns the session cookie (`name=value`).
    pub async fn login(&self, username: &str) -> String {
        let response = self
            .call(
                None,
                "/api/login",
                &[("username", username), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{:?}",
            response.text().await
        );
        session_cookie(&response).expect("a session cookie")
    }

    /// Stops the server and starts it again on the same database (at another port).
    pub async fn restart(mut self) -> Portal {
        self.running.stop().await.unwrap();
        let store = open_store(&self.config.database_url).await.unwrap();
        self.running = launch(&self.config, &self.background, store).await;
        self
    }

    /// Stops the server, then the simulator.
    pub async fn stop(self) {
        self.running.stop().await.unwrap();
        if let Some(sim) = self.sim {
            sim.shutdown().await;
        }
    }
}

/// The session cookie (`name=value`) a response sets, if any.
pub fn session_cookie(response: &Response) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("bridgekeeper_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_string)
}

/// Tomorrow's date (UTC), as the booking form takes it.
pub fn tomorrow() -> String {
    domain::booking::recurrence::iso_date(
        time::OffsetDateTime::now_utc().date() + time::Duration::days(1),
    )
}

/// A booking form for `date` at `start` lasting `minutes`, automatic connect, passcode 4711.
pub fn form<'a>(
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
