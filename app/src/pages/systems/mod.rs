//! Systems: the Navigator (the list of meeting servers), Add Systems and each system's page.

mod add;
mod connection;
mod detail;
mod extended;
mod logs;
mod permissions;
mod settings;
mod status;

pub use add::AddSystemPage;
pub use detail::SystemPage;

use crate::error::AppError;
use domain::system::Connectivity;
use domain::system::SystemSummary;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
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

#[cfg(feature = "ssr")]
pub(crate) fn system_error(e: domain::systems::SystemError) -> AppError {
    use domain::systems::SystemError;
    match e {
        SystemError::Invalid(fields) => AppError::Invalid(fields).with_status(),
        SystemError::NotFound => AppError::NotFound.with_status(),
        SystemError::Internal(cause) => AppError::internal("systems", cause),
    }
}

#[server(endpoint = "systems/demo")]
pub async fn demo_cms() -> Result<Option<DemoCluster>, AppError> {
    crate::auth::require(domain::Permission::ViewSystems).await?;
    Ok(crate::auth::context()?.demo_cms)
}

#[server(endpoint = "systems/list")]
pub async fn list_systems() -> Result<Vec<SystemSummary>, AppError> {
    crate::auth::require(domain::Permission::ViewSystems).await?;
    crate::auth::context()?
        .systems
        .list()
        .await
        .map_err(|e| AppError::internal("listing systems", e))
}

/// Idle / No Response, as TMS's status column shows it.
pub(crate) fn status_label(connectivity: Connectivity) -> &'static str {
    match connectivity {
        Connectivity::Reachable => "Idle",
        _ => "No Response",
    }
}

#[component]
pub fn SystemsPage() -> impl IntoView {
    let systems = Resource::new(|| (), |_| list_systems());
    let user = expect_context::<crate::shell::CurrentUser>().0;
    view! {
        <Title text="Systems" />
        <div class="page-head">
            <h1>"Systems"</h1>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let can_add = user
                        .await
                        .ok()
                        .flatten()
                        .is_some_and(|u| u.role.can(domain::Permission::ManageSystems));
                    can_add
                        .then(|| view! { <A href="/systems/add" attr:class="button primary">"Add Systems"</A> })
                })}
            </Transition>
        </div>
        <Transition fallback=|| view! { <p>"Loading systems…"</p> }>
            {move || Suspend::new(async move {
                match systems.await {
                    Ok(list) if list.is_empty() => {
                        view! { <p class="empty">"No systems have been added."</p> }.into_any()
                    }
                    Ok(list) => view! { <SystemTable list /> }.into_any(),
                    Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn SystemTable(list: Vec<SystemSummary>) -> impl IntoView {
    let rows = list
        .into_iter()
        .map(|s| {
            let href = format!("/systems/{}", s.id.0);
            let name = s.display_name();
            view! {
                <tr data-system=s.host().to_string()>
                    <td>{s.host().to_string()}</td>
                    <td>
                        <A href=href>{name}</A>
                    </td>
                    <td>{s.system_type.clone()}</td>
                    <td>{s.description.clone()}</td>
                    <td>{status_label(s.connectivity)}</td>
                    <td class="num">{s.open_tickets}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="data">
            <thead>
                <tr>
                    <th scope="col">"Network Address"</th>
                    <th scope="col">"System Name"</th>
                    <th scope="col">"System Type"</th>
                    <th scope="col">"Description"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Open tickets"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
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
