//! A system's page: header and tabs (Summary, Settings, Clustering, Connection, Logs, Permissions).

use crate::error::AppError;
use crate::flash::form_action;
use crate::pages::monitoring::{AcknowledgeTicket, AddCustomTicket, CustomTicketForm};
use crate::widgets::{FormMessage, LocalTime, action_error, successes};
use domain::system::SystemDetail;
use domain::ticket::{Ticket, TicketState};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

#[server(endpoint = "systems/detail", output = crate::codec::Json)]
pub async fn load_system(id: i64) -> Result<SystemDetail, AppError> {
    crate::auth::require(domain::Permission::ViewSystems).await?;
    crate::auth::context()?
        .systems
        .detail(domain::system::SystemId(id))
        .await
        .map_err(super::system_error)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Summary,
    Settings,
    Extended,
    Clustering,
    Connection,
    Logs,
    Permissions,
}

impl Tab {
    const ALL: [Tab; 7] = [
        Tab::Summary,
        Tab::Settings,
        Tab::Extended,
        Tab::Clustering,
        Tab::Connection,
        Tab::Logs,
        Tab::Permissions,
    ];

    fn label(self) -> &'static str {
        match self {
            Tab::Summary => "Summary",
            Tab::Settings => "Settings",
            Tab::Extended => "Extended Settings",
            Tab::Clustering => "Clustering",
            Tab::Connection => "Connection",
            Tab::Logs => "Logs",
            Tab::Permissions => "Permissions",
        }
    }

    fn slug(self) -> &'static str {
        match self {
            Tab::Summary => "summary",
            Tab::Settings => "settings",
            Tab::Extended => "extended",
            Tab::Clustering => "clustering",
            Tab::Connection => "connection",
            Tab::Logs => "logs",
            Tab::Permissions => "permissions",
        }
    }
}

#[component]
pub fn SystemPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let tab = move || {
        let slug = query.read().get("tab").unwrap_or_default();
        Tab::ALL
            .into_iter()
            .find(|t| t.slug() == slug)
            .unwrap_or(Tab::Summary)
    };
    let data = super::settings::TabData::new(id);
    // Logs (the full API trace) and Permissions (the user list) are for those who manage systems.
    let manage = super::settings::can_manage();
    let extended = super::extended::ExtendedData::new(id);
    let access = super::permissions::AccessData::new(id, move || tab() == Tab::Permissions);
    let acknowledge = form_action::<AcknowledgeTicket>();
    let add_ticket = form_action::<AddCustomTicket>();
    let added = successes(add_ticket);
    let detail = Resource::new(
        move || {
            (
                id(),
                data.version(),
                acknowledge.version().get(),
                added.get(),
            )
        },
        |(id, ..)| load_system(id),
    );
    view! {
        <Transition fallback=|| view! { <p>"Loading the system…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(system) => {
                        let name = system.summary.display_name();
                        let id = system.summary.id.0;
                        let tabs = Tab::ALL
                            .into_iter()
                            .filter(|t| manage.get() || !matches!(t, Tab::Logs | Tab::Permissions))
                            .map(|t| {
                                let current = t == tab();
                                view! {
                                    <li>
                                        <a href=format!("/systems/{id}?tab={}", t.slug())
                                            aria-current=current.then_some("page")>{t.label()}</a>
                                    </li>
                                }
                            })
                            .collect_view();
                        let body = match tab() {
                            Tab::Summary => view! { <Summary system=system.clone() acknowledge add_ticket status=data.status bookings=data.bookings /> }.into_any(),
                            Tab::Settings => view! { <super::settings::SettingsTab id data /> }.into_any(),
                            Tab::Extended => view! { <super::extended::ExtendedSettingsTab system=system.clone() data=extended /> }.into_any(),
                            Tab::Clustering => view! { <super::settings::ClusteringTab data /> }.into_any(),
                            Tab::Connection => view! { <super::connection::ConnectionTab data /> }.into_any(),
                            Tab::Logs => view! { <super::logs::LogsTab id logs=data.logs /> }.into_any(),
                            Tab::Permissions => view! { <super::permissions::PermissionsTab id data=access /> }.into_any(),
                        };
                        view! {
                            <Title text=name.clone() />
                            <header class="system-head">
                                <h1>{name}</h1>
                                <p class="muted">
                                    {system.summary.system_type.clone()} " · Status: "
                                    <strong class="system-status">
                                        <super::status::HeaderStatus status=data.status connectivity=system.summary.connectivity />
                                    </strong>
                                    " · Address: " {system.summary.host().to_string()} " · Connectivity: "
                                    <span class="connectivity">{system.summary.connectivity.label()}</span>
                                </p>
                            </header>
                            <nav aria-label="System"><ul class="tabs">{tabs}</ul></nav>
                            {body}
                        }
                            .into_any()
                    }
                    Err(e) => view! { <h1>"System"</h1><p class="form-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Summary(
    system: SystemDetail,
    acknowledge: ServerAction<AcknowledgeTicket>,
    add_ticket: ServerAction<AddCustomTicket>,
    status: super::status::StatusResource,
    bookings: super::status::BookingsResource,
) -> impl IntoView {
    let error = action_error(acknowledge);
    let tickets = system.tickets.clone();
    let id = system.summary.id;
    let user = expect_context::<crate::shell::CurrentUser>().0;
    let can_monitor = move || {
        user.get()
            .and_then(|u| u.ok().flatten())
            .is_some_and(|u| u.role.can(domain::Permission::Monitor))
    };
    view! {
        <section class="card">
            <h2>"Tickets"</h2>
            <FormMessage error />
            {if tickets.is_empty() {
                view! { <p class="notice">"✔ System has no open or acknowledged tickets"</p> }.into_any()
            } else {
                view! {
                    <ul class="tickets">
                        {tickets.into_iter().map(|t| view! { <TicketItem ticket=t acknowledge /> }).collect_view()}
                    </ul>
                }
                    .into_any()
            }}
            <Show when=can_monitor>
                <details class="add-ticket">
                    <summary>"▸ Add custom ticket"</summary>
                    <CustomTicketForm action=add_ticket fixed=id />
                </details>
                <p><A href=format!("/monitoring?system={}", id.0)>"▸ Open in Ticketing Service"</A></p>
            </Show>
            <p><A href=format!("/systems/{}?tab=settings", system.summary.id.0)>"▸ Edit settings"</A></p>
        </section>
        <super::status::SystemStatusCard id=id.0 status bookings />
        <section class="card">
            <h2>"System"</h2>
            <dl class="facts">
                <dt>"Software version"</dt>
                <dd>{system.summary.software_version.clone().unwrap_or_else(|| "unknown".into())}</dd>
                <dt>"API user"</dt>
                <dd>{system.username.clone()}</dd>
                <dt>"Password"</dt>
                <dd>"*****"</dd>
                <dt>"TLS"</dt>
                <dd>{system.tls.label()}</dd>
            </dl>
        </section>
    }
}

#[component]
fn TicketItem(ticket: Ticket, acknowledge: ServerAction<AcknowledgeTicket>) -> impl IntoView {
    let open = ticket.state == TicketState::Open;
    let number = ticket.number;
    view! {
        <li class="ticket" data-ticket=ticket.kind.title()>
            <strong>{format!("#{} - {}", ticket.number, ticket.kind.title())}</strong>
            " "
            <span class="muted">"(" <LocalTime at=ticket.raised_at.clone() /> ")"</span>
            <br />
            {ticket.message.clone()}
            {(!open).then(|| {
                view! {
                    <span class="muted">
                        " · Acknowledged by " {ticket.acknowledged_by.clone().unwrap_or_default()}
                    </span>
                }
            })}
            {open.then(|| {
                view! {
                    <ActionForm action=acknowledge attr:class="inline">
                        <input type="hidden" name="number" value=number />
                        <button type="submit">"Acknowledge"</button>
                    </ActionForm>
                }
            })}
        </li>
    }
}
