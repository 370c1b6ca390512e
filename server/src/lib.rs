//! The `bridgekeeper` server: configuration, start-up, sessions, security layers and the router.
//! `main.rs` is only the command line; tests start the same server in-process on a random port.

pub mod background;
pub mod cli;
mod csp;
pub mod database;
pub mod demo;
pub mod origins;
mod plain_form;
mod security;
mod serve;
pub mod sessions;

use anyhow::Context as _;
use app::context::AppContext;
use axum::Router;
use axum::routing::get;
pub use database::Database;
use domain::login_throttle::{HashLimiter, LoginThrottle, ThrottlePolicy};
use domain::password::PasswordPolicy;
use domain::secret_box::SecretBox;
use domain::system_settings::SettingsService;
use domain::systems::SystemService;
use domain::tickets::TicketService;
use domain::users::UserService;
use leptos::config::LeptosOptions;
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower_sessions::cookie::SameSite;
use tower_sessions::session_store::ExpiredDeletion;
use tower_sessions::{Expiry, SessionManagerLayer};

/// Everything `serve` needs, from flags or environment variables.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    pub database_url: String,
    /// Where cargo-leptos put the wasm bundle and the stylesheet (`target/site`).
    pub site_root: String,
    pub idle_timeout: time::Duration,
    /// A session ends this long after sign-in, however active.
    pub session_lifetime: time::Duration,
    /// The time sessions are judged by (tests move it forward).
    pub clock: domain::session::Clock,
    pub password_policy: PasswordPolicy,
    pub throttle: ThrottlePolicy,
    /// The cap on password hashing at once (shared by every sign-in).
    pub password_hashing: HashLimiter,
    /// The origin users reach the portal at (behind a reverse proxy); with the listen address it
    /// decides which Host names are served and which origins may post.
    pub public_url: Option<origins::Origin>,
    /// Mark the session cookie `Secure`: set when users reach the portal over HTTPS.
    pub secure_cookies: bool,
    /// Seals CMS passwords at rest.
    pub secrets: SecretBox,
    /// Demo mode's simulated CMS cluster, shown on the Systems pages.
    pub demo_cms: Option<app::pages::systems::DemoCluster>,
}

/// A request taking longer than this (its body included) is answered 408.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// The default database: a file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://bridgekeeper.db";

/// Opens the database named by `url` (`sqlite://…`, creating the file, or `postgres://…`) and
/// runs its migrations.
pub async fn open_store(url: &str) -> anyhow::Result<Database> {
    Database::open(url).await
}

/// A running server: its address, and a way to stop it gracefully.
pub struct Running {
    pub addr: SocketAddr,
    shutdown: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    background: background::Tasks,
}

impl Running {
    /// Stops taking requests and stops the scheduler engine (see [`background::Tasks::stop`]),
    /// both finishing what they are doing.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(());
        let ((), served) = tokio::join!(self.background.stop(), self.task);
        served.context("server task panicked")?
    }
}

/// Builds the application on an open store and serves it on `listener` until `stop` (or the
/// returned handle's `stop`).
pub async fn start(
    config: ServerConfig,
    store: Database,
    listener: TcpListener,
) -> anyhow::Result<Running> {
    start_with(config, background::Background::default(), store, listener).await
}

/// [`start`], with monitoring and API trace retention as configured.
pub async fn start_with(
    config: ServerConfig,
    background: background::Background,
    store: Database,
    listener: TcpListener,
) -> anyhow::Result<Running> {
    let addr = listener.local_addr()?;
    // The address actually bound (a port of 0 is chosen by the system): the Host names served.
    let config = ServerConfig {
        listen: addr,
        ..config
    };
    let mut tasks = background::Tasks::default();
    let router = router(&config, &background, &mut tasks, store).await?;
    let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        serve::serve(listener, router, async move {
            let _ = stopped.await;
        })
        .await
        .context("serving HTTP")
    });
    Ok(Running {
        addr,
        shutdown,
        task,
        background: tasks,
    })
}

async fn router(
    config: &ServerConfig,
    background: &background::Background,
    tasks: &mut background::Tasks,
    store: Database,
) -> anyhow::Result<Router> {
    let sessions = store.sessions().await?;
    tokio::spawn(
        sessions
            .clone()
            .continuously_delete_expired(tokio::time::Duration::from_secs(300)),
    );
    // The table holds hashes of the session ids; the cookies hold the ids.
    let session_layer = SessionManagerLayer::new(sessions::HashedIds(sessions))
        .with_name("bridgekeeper_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies)
        .with_expiry(Expiry::OnInactivity(config.idle_timeout));

    let store = store.store();
    let trace = background::start_trace_log(store.clone(), tasks);
    let systems = Arc::new(SystemService::new(
        store.clone(),
        config.secrets.clone(),
        trace,
        std::time::Duration::from_secs(10),
    ));
    let monitor = Arc::new(domain::monitoring::Monitor::new(
        store.clone(),
        systems.clone(),
        background.monitor_concurrency,
    ));
    // Booking, and the scheduler engine that runs every booked meeting (one task).
    // Rung through the database, so the engine runs an action asked on any node at once.
    let bell = Arc::new(domain::bookings::EngineBell::through(store.clone()));
    let node = Arc::new(domain::lease::Node::new(store.clone()));
    let bookings = Arc::new(domain::bookings::BookingService::new(
        store.clone(),
        bell.clone(),
    ));
    let context = AppContext {
        users: Arc::new(
            UserService::new(
                store.clone(),
                config.password_policy,
                LoginThrottle::with_hashing(config.throttle, config.password_hashing.clone()),
            )
            .with_sessions(
                domain::session::SessionPolicy {
                    idle: config.idle_timeout,
                    lifetime: config.session_lifetime,
                },
                config.clock.clone(),
            ),
        ),
        systems: systems.clone(),
        monitor: monitor.clone(),
        settings: Arc::new(SettingsService::new(
            store.clone(),
            config.secrets.clone(),
            systems.clone(),
        )),
        tickets: Arc::new(TicketService::new(store.clone())),
        folders: Arc::new(domain::folders::FolderService::new(store.clone())),
        bookings,
        live_participants: Arc::new(domain::live_participants::LiveParticipantService::new(
            store.clone(),
            systems.clone(),
        )),
        access: Arc::new(domain::system_access::SystemAccessService::new(
            store.clone(),
        )),
        demo_cms: config.demo_cms.clone(),
        node: node.clone(),
    };
    background::start_leased(
        background::Leased {
            store: store.clone(),
            systems: context.systems.clone(),
            bell,
            monitor,
            node: node.clone(),
        },
        background,
        tasks,
    );

    let leptos_options = LeptosOptions::builder()
        .output_name("bridgekeeper")
        .site_root(config.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(config.listen)
        .build();
    let origins = Arc::new(origins::Origins::new(
        config.listen,
        config.public_url.as_ref(),
        config.secure_cookies,
    ));
    if config.listen.ip().is_unspecified() && config.public_url.is_none() {
        tracing::warn!(
            "listening on every interface without --public-url: any Host is served; \
             set --public-url to the address users reach the portal at"
        );
    }
    let routes = generate_route_list(app::App);
    let provide = {
        let context = context.clone();
        move || {
            leptos::prelude::provide_context(context.clone());
            csp::provide_request_nonce();
        }
    };
    let app = Router::new()
        .leptos_routes_with_context(&leptos_options, routes, provide.clone(), {
            let options = leptos_options.clone();
            move || app::shell(options.clone())
        })
        // The fallback (assets, and the not-found page for anything else, such as the
        // browser's `/favicon.ico`) renders the app too: it needs the context as much.
        .fallback(leptos_axum::file_and_error_handler_with_context(
            provide,
            app::shell,
        ))
        .with_state(leptos_options)
        .layer(axum::middleware::from_fn(plain_form::answers))
        .layer(axum::middleware::from_fn_with_state(
            context.clone(),
            security::page_guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            origins.clone(),
            security::refuse_cross_site,
        ))
        .layer(session_layer)
        // Stated, not assumed: the limit a server function's body is read to (413 beyond).
        .layer(axum::extract::DefaultBodyLimit::max(
            app::error::MAX_BODY_BYTES,
        ))
        .route("/healthz", get(move || security::healthz(store.clone())))
        .route("/readyz", get(move || security::readyz(node.clone())))
        .layer(axum::middleware::from_fn(csp::content_security_policy))
        .layer(axum::middleware::from_fn(security::security_headers))
        .layer(axum::middleware::from_fn_with_state(
            origins,
            security::check_host,
        ))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http());
    Ok(app)
}
