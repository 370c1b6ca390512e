//! Systems: the Navigator of meeting servers.

use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

/// Where demo mode's simulated Cisco Meeting Server cluster listens, to add it as a system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoCluster {
    /// One network address per call bridge, primary first (`127.0.0.1:4443`).
    pub addresses: Vec<String>,
    pub username: String,
    /// A throw-away credential of the local simulator, shown so a person can add it.
    pub password: String,
}

#[server(endpoint = "systems/demo")]
pub async fn demo_cms() -> Result<Option<DemoCluster>, AppError> {
    crate::auth::require(domain::Permission::ViewSystems).await?;
    Ok(crate::auth::context()?.demo_cms)
}

#[component]
pub fn SystemsPage() -> impl IntoView {
    let demo = Resource::new(|| (), |_| demo_cms());
    view! {
        <Title text="Systems" />
        <h1>"Systems"</h1>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                demo.await.ok().flatten().map(|demo| view! { <DemoNotice demo /> })
            })}
        </Transition>
        <p class="empty">"No systems have been added."</p>
    }
}

#[component]
fn DemoNotice(demo: DemoCluster) -> impl IntoView {
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
