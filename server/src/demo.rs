//! Demo mode: three users, one per role, with fresh passwords printed once at start.

use app::pages::systems::DemoCluster;
use domain::Role;
use domain::Username;
use domain::login_throttle::LoginThrottle;
use domain::password::PasswordPolicy;
use domain::users::UserService;
use rand::Rng;
use rand::distributions::Alphanumeric;

pub const DEMO_USERS: [(&str, Role); 3] = [
    ("admin", Role::Admin),
    ("scheduler", Role::Scheduler),
    ("helpdesk", Role::HelpDesk),
];

/// Creates the demo users that do not exist yet. Returns (name, role, password) with the password
/// only for users created now: a restart keeps whatever password a user has.
pub async fn ensure_demo_users(
    store: &crate::Database,
) -> anyhow::Result<Vec<(String, Role, Option<String>)>> {
    let users = UserService::new(
        store.store(),
        PasswordPolicy::default(),
        LoginThrottle::default(),
    );
    let mut listed = Vec::new();
    for (name, role) in DEMO_USERS {
        let exists = store.user_by_name(&Username::parse(name)?).await?.is_some();
        let password = if exists {
            None
        } else {
            let password: String = rand::thread_rng()
                .sample_iter(&Alphanumeric)
                .take(16)
                .map(char::from)
                .collect();
            users
                .create(name, role.as_str(), password.clone())
                .await
                .map_err(|e| anyhow::anyhow!("creating demo user {name}: {e}"))?;
            Some(password)
        };
        listed.push((name.to_string(), role, password));
    }
    Ok(listed)
}

/// The simulated CMS of demo mode: a two-node cluster over HTTPS with a self-signed certificate,
/// on fixed ports so that a system added in one run still answers in the next.
pub async fn start_cms(ports: &[u16]) -> anyhow::Result<(cms_sim::Cluster, DemoCluster)> {
    let password: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(12)
        .map(char::from)
        .collect();
    let cluster = cms_sim::Cluster::start(cms_sim::SimConfig {
        nodes: 2,
        ports: ports.to_vec(),
        username: "admin".into(),
        password: password.clone(),
        ..Default::default()
    })
    .await
    .map_err(|e| e.context("starting the demo's simulated CMS cluster (see --demo-cms-ports)"))?;
    let addresses = cluster
        .base_urls()
        .iter()
        .map(|url| url.trim_start_matches("https://").to_string())
        .collect();
    Ok((
        cluster,
        DemoCluster {
            addresses,
            username: "admin".into(),
            password,
        },
    ))
}

/// The banner printed once at start (to standard output, never to the log).
pub fn banner(listen: &str, users: &[(String, Role, Option<String>)], cms: &DemoCluster) -> String {
    let mut text = format!(
        "\nBridgekeeper demo is running at http://{listen}/\nDemo users (passwords are shown only now):\n"
    );
    for (name, role, password) in users {
        let password = password
            .as_deref()
            .unwrap_or("(existing user: password unchanged)");
        text.push_str(&format!("  {name:<10} {:<14} {password}\n", role.label()));
    }
    text.push_str(&format!(
        "Simulated Cisco Meeting Server cluster: {} (user {}, password {}); add {} on the Systems page.\n",
        cms.addresses.join(", "),
        cms.username,
        cms.password,
        cms.addresses.first().map(String::as_str).unwrap_or_default(),
    ));
    text
}
