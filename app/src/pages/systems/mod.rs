//! Systems: the Navigator (the list of meeting servers), Add Systems and each system's page.

mod add;
mod connection;
mod detail;
mod extended;
mod logs;
mod navigator;
mod permissions;
mod settings;
mod status;

pub use add::AddSystemPage;
pub use detail::SystemPage;
pub use navigator::SystemsPage;

use crate::error::AppError;
use domain::system::SystemSummary;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Where demo mode's simulated Cisco Meeting Server cluster listens, to add it as a system.
/// Its `Debug` masks the password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoCluster {
    /// One network address per call bridge, primary first (`127.0.0.1:4443`).
    pub addresses: Vec<String>,
    pub username: String,
    /// A throw-away credential of the local simulator, shown so a person can add it.
    pub password: String,
}

impl std::fmt::Debug for DemoCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoCluster")
            .field("addresses", &self.addresses)
            .field("username", &self.username)
            .field("password", &domain::redacted::MASK)
            .finish()
    }
}

#[cfg(feature = "ssr")]
pub(crate) fn system_error(e: domain::systems::SystemError) -> AppError {
    use domain::systems::SystemError;
    match e {
        SystemError::Invalid(fields) => AppError::Invalid(fields).with_status(),
        SystemError::NotFound => AppError::NotFound.with_status(),
        SystemError::Internal(cause) => AppError::internal("systems", cause),
    }
}

#[server(endpoint = "systems/demo", output = crate::codec::Json)]
pub async fn demo_cms() -> Result<Option<DemoCluster>, AppError> {
    // The simulator's credentials are for those who add systems.
    crate::auth::require(domain::Permission::ManageSystems).await?;
    Ok(crate::auth::context()?.demo_cms)
}

#[server(endpoint = "systems/list", output = crate::codec::Json)]
pub async fn list_systems() -> Result<Vec<SystemSummary>, AppError> {
    crate::auth::require(domain::Permission::ViewSystems).await?;
    crate::auth::context()?
        .systems
        .list()
        .await
        .map_err(|e| AppError::internal("listing systems", e))
}

#[component]
pub(crate) fn DemoNotice(demo: DemoCluster) -> impl IntoView {
    let primary = demo.addresses.first().cloned().unwrap_or_default();
    let members = demo.addresses.join(", ");
    view! {
        <aside class="card demo" aria-label="Demo meeting server">
            <h2>"Demo: a simulated Cisco Meeting Server cluster is running"</h2>
            <p>
                "Add it with network address " <code class="demo-address">{primary}</code>
                ", user name " <code>{demo.username}</code> ", password "
                <code>{demo.password}</code>
                ". Its certificate is self-signed: choose \"Do not verify\" as the TLS mode."
            </p>
            <p class="muted">"Call bridges in the cluster: " {members}</p>
        </aside>
    }
}
