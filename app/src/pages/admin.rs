//! Administrative Tools: the index of administration pages, and the Engine page (which node
//! runs the scheduler engine).

use crate::error::AppError;
use crate::widgets::LocalTime;
use domain::node::EngineStatus;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn AdminPage() -> impl IntoView {
    view! {
        <Title text="Administrative Tools" />
        <h1>"Administrative Tools"</h1>
        <ul class="tiles">
            <li>
                <A href="/admin/users">"Users"</A>
            </li>
            <li>
                <A href="/admin/conference-settings">"Conference Settings"</A>
            </li>
            <li>
                <A href="/admin/audit">"Audit"</A>
            </li>
            <li>
                <A href="/admin/engine">"Engine"</A>
            </li>
        </ul>
    }
}

/// Which node holds the engine's lease (and so runs every booked meeting), seen from the node
/// answering. For those who manage systems.
#[server(endpoint = "admin/engine", output = crate::codec::Json)]
pub async fn engine() -> Result<EngineStatus, AppError> {
    crate::auth::require(domain::Permission::ManageSystems).await?;
    crate::auth::context()?
        .node
        .engine()
        .await
        .map_err(|e| AppError::internal("reading the engine's lease", e))
}

#[component]
pub fn EnginePage() -> impl IntoView {
    let status = Resource::new(|| (), |()| engine());
    view! {
        <Title text="Engine" />
        <h1>"Engine"</h1>
        <p class="muted">
            "One node at a time runs the scheduler engine, monitoring and the other background \
             work: the one holding the engine's lease. The others serve pages and take over \
             when its lease expires."
        </p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(status) => view! { <Engine status /> }.into_any(),
                    Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Engine(status: EngineStatus) -> impl IntoView {
    let lease = match status.lease {
        None => view! {
            <p class="notice">
                "No node holds the engine's lease: the first to start (or the next to look) \
                 takes it."
            </p>
        }
        .into_any(),
        Some(lease) => {
            let here = lease.holder == status.this_node;
            let holder = lease.holder.clone();
            view! {
                <dl class="facts" aria-label="Engine lease">
                    <dt>"Lease holder"</dt>
                    <dd data-holder=holder>
                        {lease.holder}
                        {here.then_some(" (this node)")}
                        {lease.expired.then_some(" — expired: a standby is taking over")}
                    </dd>
                    <dt>"Epoch"</dt>
                    <dd data-epoch=lease.epoch.to_string()>{lease.epoch}</dd>
                    <dt>"Holder since"</dt>
                    <dd><LocalTime at=lease.since /></dd>
                    <dt>"Expires unless renewed"</dt>
                    <dd><LocalTime at=lease.expires /></dd>
                </dl>
            }
            .into_any()
        }
    };
    let this_node = status.this_node.clone();
    view! {
        <section class="card">
            <h2>"This node"</h2>
            <dl class="facts" aria-label="This node">
                <dt>"Looking from"</dt>
                <dd data-node=this_node>{status.this_node}</dd>
                <dt>"Role"</dt>
                <dd data-role=status.role.as_str()>{status.role.label()}</dd>
            </dl>
        </section>
        <section class="card">
            <h2>"Engine lease"</h2>
            {lease}
        </section>
    }
}
