//! The Settings tab (View Settings, Edit Settings, Ticket Filters, Force Refresh) and the
//! Clustering tab, which marks the primary and the alternate.

use crate::error::AppError;
use crate::flash::form_action;
use crate::widgets::{FieldMessage, FormMessage, action_error};
use domain::system_status::{PollOutcome, SettingsView, filterable_ticket_kinds};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use std::collections::HashMap;

#[server(endpoint = "systems/settings", output = crate::codec::Json)]
pub async fn load_system_settings(id: i64) -> Result<SettingsView, AppError> {
    crate::auth::require(domain::Permission::ViewSystems).await?;
    crate::auth::context()?
        .settings
        .view(domain::system::SystemId(id))
        .await
        .map_err(super::system_error)
}

/// Edit Settings. Checkboxes are sent only when ticked; a blank password keeps the stored one.
#[server(endpoint = "systems/settings/save", output = crate::codec::Json)]
#[allow(clippy::too_many_arguments)]
pub async fn save_system_settings(
    id: i64,
    name: String,
    description: String,
    ip_zone: String,
    time_zone: String,
    web_bridge_uri: String,
    system_contact: String,
    alert_contact_when_booked: Option<String>,
    alternate_address: String,
    alternate_username: String,
    alternate_password: domain::Redacted,
    sip_mode: Option<String>,
    allow_booking: Option<String>,
    allow_outgoing_sip: Option<String>,
    allow_incoming_sip: Option<String>,
) -> Result<(), AppError> {
    let admin = super::permissions::require_edit(id).await?;
    let input = domain::system_settings::SettingsInput {
        name,
        description,
        ip_zone,
        time_zone,
        web_bridge_uri,
        system_contact,
        alert_contact_when_booked: alert_contact_when_booked.is_some(),
        alternate_address,
        alternate_username,
        alternate_password: alternate_password.into_inner(),
        sip_mode: sip_mode.is_some(),
        allow_booking: allow_booking.is_some(),
        allow_outgoing_sip: allow_outgoing_sip.is_some(),
        allow_incoming_sip: allow_incoming_sip.is_some(),
    };
    crate::auth::context()?
        .settings
        .save(domain::system::SystemId(id), input)
        .await
        .map_err(super::system_error)?;
    tracing::info!(by = %admin.username, system = id, "system settings saved");
    Ok(())
}

/// Force Refresh: reads the status and the cluster's call bridges now.
#[server(endpoint = "systems/refresh", output = crate::codec::Json)]
pub async fn force_refresh(id: i64) -> Result<PollOutcome, AppError> {
    super::permissions::require_edit(id).await?;
    crate::auth::context()?
        .monitor
        .refresh(domain::system::SystemId(id))
        .await
        .map_err(super::system_error)
}

/// Ticket Filters: `hide[<kind>]=on` for every ticket type to hide.
#[server(endpoint = "systems/ticket-filters", output = crate::codec::Json)]
pub async fn set_ticket_filters(
    id: i64,
    hide: Option<HashMap<String, String>>,
) -> Result<(), AppError> {
    let admin = super::permissions::require_edit(id).await?;
    let kinds: Vec<String> = hide.unwrap_or_default().into_keys().collect();
    crate::auth::context()?
        .settings
        .set_hidden_tickets(domain::system::SystemId(id), &kinds)
        .await
        .map_err(super::system_error)?;
    tracing::info!(by = %admin.username, system = id, ?kinds, "ticket filters saved");
    Ok(())
}

/// `"true"` once this part of the page is interactive in the browser (effects run only there):
/// forms inside a `<Transition>` hydrate after the page itself, and tests wait for this.
pub(super) fn client_ready() -> Signal<Option<&'static str>> {
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(true));
    Signal::derive(move || ready.get().then_some("true"))
}

/// Whether the signed-in user may change systems (the server checks again).
pub(super) fn can_manage() -> Signal<bool> {
    let user = expect_context::<crate::shell::CurrentUser>().0;
    Signal::derive(move || {
        user.get()
            .and_then(|u| u.ok().flatten())
            .is_some_and(|u| u.role.can(domain::Permission::ManageSystems))
    })
}

/// The data and actions of the system page's Summary status, Settings, Clustering, Connection
/// and Logs tabs. Created where the page is, before anything is awaited: resources created inside
/// a `<Suspense>` after an `.await` would be numbered differently by the server and the browser,
/// and hydration would then read one resource's data for another.
#[derive(Clone, Copy)]
pub struct TabData {
    pub settings: Resource<Result<SettingsView, AppError>>,
    pub status: super::status::StatusResource,
    pub logs: super::logs::LogsResource,
    pub bookings: super::status::BookingsResource,
    pub saved: ServerAction<SaveSystemSettings>,
    pub connection_saved: ServerAction<super::connection::SaveConnection>,
    pub refresh: ServerAction<ForceRefresh>,
    pub filters: ServerAction<SetTicketFilters>,
    pub tested: ServerAction<super::connection::TestConnection>,
}

impl TabData {
    pub fn new(id: impl Fn() -> i64 + Copy + Send + Sync + 'static) -> TabData {
        let saved = form_action::<SaveSystemSettings>();
        let connection_saved = form_action::<super::connection::SaveConnection>();
        let refresh = form_action::<ForceRefresh>();
        let filters = form_action::<SetTicketFilters>();
        let tested = form_action::<super::connection::TestConnection>();
        let changes = move || {
            (
                saved.version().get(),
                connection_saved.version().get(),
                refresh.version().get(),
                filters.version().get(),
                tested.version().get(),
            )
        };
        TabData {
            settings: Resource::new(
                move || (id(), changes()),
                |(id, _)| load_system_settings(id),
            ),
            status: Resource::new(
                move || (id(), changes()),
                |(id, _)| super::status::load_system_status(id),
            ),
            logs: super::logs::logs_resource(id),
            bookings: Resource::new(id, super::status::load_week_bookings),
            saved,
            connection_saved,
            refresh,
            filters,
            tested,
        }
    }

    /// Changes the page's header shows (name, connectivity).
    pub fn version(&self) -> (usize, usize) {
        (
            self.saved.version().get(),
            self.connection_saved.version().get(),
        )
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum View {
    Show,
    Edit,
    Filters,
}

impl View {
    fn slug(self) -> &'static str {
        match self {
            View::Show => "view",
            View::Edit => "edit",
            View::Filters => "filters",
        }
    }

    fn label(self) -> &'static str {
        match self {
            View::Show => "View Settings",
            View::Edit => "Edit Settings",
            View::Filters => "Ticket Filters",
        }
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "Yes" } else { "No" }
}

/// The Settings tab.
#[component]
pub fn SettingsTab(id: i64, data: TabData) -> impl IntoView {
    let TabData {
        settings,
        saved,
        refresh,
        filters,
        ..
    } = data;
    let query = use_query_map();
    // Edit Settings first: the Summary's "Edit settings" link and the seed's step 2 land here.
    let view = move || match query.read().get("view").as_deref() {
        Some("view") => View::Show,
        Some("filters") => View::Filters,
        _ => View::Edit,
    };
    let links = move || {
        let current = view();
        let mut items = vec![View::Show, View::Edit]
            .into_iter()
            .map(|v| {
                view! {
                    <li>
                        <a href=format!("/systems/{id}?tab=settings&view={}", v.slug())
                            aria-current=(v == current).then_some("page")>{v.label()}</a>
                    </li>
                }
                .into_any()
            })
            .collect::<Vec<_>>();
        items.push(
            view! { <li><a href=format!("/systems/{id}?tab=extended")>"Extended Settings"</a></li> }
                .into_any(),
        );
        items.push(
            view! {
                <li>
                    <a href=format!("/systems/{id}?tab=settings&view=filters")
                        aria-current=(current == View::Filters).then_some("page")>
                        {View::Filters.label()}
                    </a>
                </li>
            }
            .into_any(),
        );
        items
    };
    view! {
        <nav aria-label="Settings"><ul class="tabs subtabs">{links}</ul></nav>
        <Transition fallback=|| view! { <p>"Loading the settings…"</p> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(s) => match view() {
                        View::Show => view! { <ViewSettings s refresh /> }.into_any(),
                        View::Edit => view! { <EditSettings s saved refresh /> }.into_any(),
                        View::Filters => view! { <TicketFilters s filters /> }.into_any(),
                    },
                    Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn RefreshButton(id: i64, refresh: ServerAction<ForceRefresh>) -> impl IntoView {
    let error = action_error(refresh);
    let outcome = move || {
        match refresh.value().get() {
        Some(Ok(o)) => Some(match o.problem {
            None => view! { <p class="notice" role="status">"Refreshed: " {o.connectivity.label()} "."</p> }
                .into_any(),
            Some(p) => view! { <p class="form-error" role="status">{o.connectivity.label()} ": " {p}</p> }
                .into_any(),
        }),
        _ => None,
    }
    };
    view! {
        <ActionForm action=refresh attr:class="inline">
            <input type="hidden" name="id" value=id />
            <button type="submit">"Force Refresh"</button>
        </ActionForm>
        <FormMessage error />
        {outcome}
    }
}

#[component]
fn ViewSettings(s: SettingsView, refresh: ServerAction<ForceRefresh>) -> impl IntoView {
    let manage = can_manage();
    let alternate_host = s
        .network
        .alternate_address
        .clone()
        .unwrap_or_else(|| "None".into());
    view! {
        <section class="card view-settings" data-ready=client_ready()>
            <h2>"General"</h2>
            <dl class="facts">
                <dt>"Name"</dt><dd>{if s.name.is_empty() { "(blank)".to_string() } else { s.name.clone() }}</dd>
                <dt>"System Type"</dt><dd>{domain::system::SYSTEM_TYPE}</dd>
                <dt>"System Connectivity"</dt><dd>{s.connectivity.label()}</dd>
                <dt>"Network Address"</dt><dd>{s.address.clone()}</dd>
                <dt>"Manufacturer"</dt><dd>"Cisco"</dd>
                <dt>"Description"</dt><dd>{s.description.clone()}</dd>
                <dt>"IP Zone"</dt><dd>{s.general.ip_zone.clone()}</dd>
                <dt>"Time Zone"</dt><dd>{s.general.time_zone.clone()}</dd>
                <dt>"Web Bridge URI"</dt><dd>{s.general.web_bridge_uri.clone()}</dd>
                <dt>"System Contact"</dt><dd>{s.general.system_contact.clone()}</dd>
                <dt>"Alert System Contact when Booked"</dt><dd>{yes_no(s.general.alert_contact_when_booked)}</dd>
            </dl>
            <h2>"Configuration"</h2>
            <dl class="facts">
                <dt>"Software Version"</dt><dd>{s.software_version.clone().unwrap_or_else(|| "unknown".into())}</dd>
            </dl>
            <h2>"Network Settings"</h2>
            <dl class="facts">
                <dt>"Alternate IP"</dt><dd class="alternate-ip">{alternate_host}</dd>
                <dt>"Alternate IP Username"</dt><dd>{s.network.alternate_username.clone()}</dd>
                <dt>"Alternate IP Password"</dt><dd>{if s.network.alternate_password_set { "*****" } else { "" }}</dd>
                <dt>"SIP Mode"</dt><dd>{if s.network.sip_mode { "On" } else { "Off" }}</dd>
            </dl>
            <h2>"Scheduling Settings"</h2>
            <dl class="facts">
                <dt>"Allow Booking"</dt><dd>{yes_no(s.scheduling.allow_booking)}</dd>
                <dt>"Allow Outgoing SIP URI Dialing"</dt><dd>{yes_no(s.scheduling.allow_outgoing_sip)}</dd>
                <dt>"Allow Incoming SIP URI Dialing"</dt><dd>{yes_no(s.scheduling.allow_incoming_sip)}</dd>
            </dl>
            <h2>"Ticket Filters"</h2>
            <p>
                {if s.hidden_tickets.is_empty() {
                    "No ticket types are hidden.".to_string()
                } else {
                    format!(
                        "Hidden: {}",
                        s.hidden_tickets.iter().map(|k| k.title()).collect::<Vec<_>>().join(", "),
                    )
                }}
            </p>
            <Show when=move || manage.get()>
                <RefreshButton id=s.id.0 refresh />
            </Show>
        </section>
    }
}

#[component]
fn EditSettings(
    s: SettingsView,
    saved: ServerAction<SaveSystemSettings>,
    refresh: ServerAction<ForceRefresh>,
) -> impl IntoView {
    let error = action_error(saved);
    let kept = crate::flash::Kept::of::<SaveSystemSettings>();
    let done = move || matches!(saved.value().get(), Some(Ok(())));
    let manage = can_manage();
    let current_alt = s.network.alternate_address.clone().unwrap_or_default();
    let choices = s
        .members
        .iter()
        .filter(|m| s.role_of(m) != Some("Primary"))
        .filter_map(|m| m.address.clone().map(|a| (a, m.name.clone())))
        .map(|(address, name)| {
            let selected = kept.selected("alternate_address", &address, s.is_alternate(&address));
            view! { <option value=address.clone() selected=selected>{format!("{address} ({name})")}</option> }
        })
        .collect_view();
    let password_hint = if s.network.alternate_password_set {
        "***** (leave blank to keep)"
    } else {
        ""
    };
    let id = s.id.0;
    view! {
        <section class="card" data-ready=client_ready()>
            <Show when=move || !manage.get()>
                <p class="notice">"You may view these settings; changing them needs the Manage systems permission."</p>
            </Show>
            <ActionForm action=saved attr:class="form grid" attr:aria-labelledby="edit-settings">
                <input type="hidden" name="id" value=id />
                <h2 class="span" id="edit-settings">"Edit Settings — General"</h2>
                <label for="name">"Name"</label>
                <div><input id="name" name="name" value=kept.value("name", s.name.clone()) /><FieldMessage error field="name" /></div>
                <label for="description">"Description"</label>
                <div><input id="description" name="description" value=kept.value("description", s.description.clone()) /><FieldMessage error field="description" /></div>
                <label for="ip_zone">"IP Zone"</label>
                <div><input id="ip_zone" name="ip_zone" value=kept.value("ip_zone", s.general.ip_zone.clone()) /><FieldMessage error field="ip_zone" /></div>
                <label for="time_zone">"Time Zone"</label>
                <div><input id="time_zone" name="time_zone" value=kept.value("time_zone", s.general.time_zone.clone()) placeholder="(UTC-05:00) Eastern Time (US & Canada)" /><FieldMessage error field="time_zone" /></div>
                <label for="web_bridge_uri">"Web Bridge URI"</label>
                <div><input id="web_bridge_uri" name="web_bridge_uri" value=kept.value("web_bridge_uri", s.general.web_bridge_uri.clone()) placeholder="https://join.example.com" /><FieldMessage error field="web_bridge_uri" /></div>
                <label for="system_contact">"System Contact"</label>
                <div><input id="system_contact" name="system_contact" value=kept.value("system_contact", s.general.system_contact.clone()) /><FieldMessage error field="system_contact" /></div>
                <label for="alert_contact_when_booked">"Alert System Contact when Booked"</label>
                <div><input type="checkbox" id="alert_contact_when_booked" name="alert_contact_when_booked" checked=kept.checked("alert_contact_when_booked", s.general.alert_contact_when_booked) /></div>

                <h2 class="span">"Network Settings"</h2>
                <label for="alternate_address">"Alternate IP"</label>
                <div>
                    <select id="alternate_address" name="alternate_address">
                        <option value="" selected=kept.selected("alternate_address", "", current_alt.is_empty())>"None"</option>
                        {choices}
                    </select>
                    <FieldMessage error field="alternate_address" />
                </div>
                <label for="alternate_username">"Alternate IP User"</label>
                <div><input id="alternate_username" name="alternate_username" value=kept.value("alternate_username", s.network.alternate_username.clone()) autocomplete="off" /><FieldMessage error field="alternate_username" /></div>
                <label for="alternate_password">"Alternate IP Password"</label>
                <div><input type="password" id="alternate_password" name="alternate_password" placeholder=password_hint autocomplete="new-password" /><FieldMessage error field="alternate_password" /></div>
                <label for="sip_mode">"SIP Mode"</label>
                <div><input type="checkbox" id="sip_mode" name="sip_mode" checked=kept.checked("sip_mode", s.network.sip_mode) /></div>

                <h2 class="span">"Scheduling Settings"</h2>
                <label for="allow_booking">"Allow Booking"</label>
                <div><input type="checkbox" id="allow_booking" name="allow_booking" checked=kept.checked("allow_booking", s.scheduling.allow_booking) /></div>
                <label for="allow_outgoing_sip">"Allow Outgoing SIP URI Dialing"</label>
                <div><input type="checkbox" id="allow_outgoing_sip" name="allow_outgoing_sip" checked=kept.checked("allow_outgoing_sip", s.scheduling.allow_outgoing_sip) /></div>
                <label for="allow_incoming_sip">"Allow Incoming SIP URI Dialing"</label>
                <div><input type="checkbox" id="allow_incoming_sip" name="allow_incoming_sip" checked=kept.checked("allow_incoming_sip", s.scheduling.allow_incoming_sip) /></div>
                <div class="actions">
                    <FormMessage error />
                    {move || done().then(|| view! { <p class="notice" role="status">"Settings saved."</p> })}
                    <button type="submit" class="primary">"Save"</button>
                </div>
            </ActionForm>
            <RefreshButton id refresh />
        </section>
    }
}

#[component]
fn TicketFilters(s: SettingsView, filters: ServerAction<SetTicketFilters>) -> impl IntoView {
    let error = action_error(filters);
    let done = move || matches!(filters.value().get(), Some(Ok(())));
    let rows = filterable_ticket_kinds()
        .map(|kind| {
            let field = format!("hide[{}]", kind.as_str());
            view! {
                <label class="check">
                    <input type="checkbox" name=field checked=s.hidden_tickets.contains(&kind) />
                    " " {kind.title()}
                </label>
            }
        })
        .collect_view();
    view! {
        <section class="card" data-ready=client_ready()>
            <h2 id="ticket-filters">"Ticket Filters"</h2>
            <p class="muted">"Ticked ticket types are hidden for this system: they are not raised, and open ones are closed."</p>
            <ActionForm action=filters attr:class="form" attr:aria-labelledby="ticket-filters">
                <input type="hidden" name="id" value=s.id.0 />
                {rows}
                <FormMessage error />
                {move || done().then(|| view! { <p class="notice" role="status">"Ticket filters saved."</p> })}
                <button type="submit" class="primary">"Save"</button>
            </ActionForm>
        </section>
    }
}

/// The cluster's call bridges, with the primary and the alternate marked.
#[component]
pub fn ClusteringTab(data: TabData) -> impl IntoView {
    let settings = data.settings;
    view! {
        <Transition fallback=|| view! { <p>"Loading the cluster…"</p> }>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(s) if s.members.is_empty() => view! {
                        <section class="card"><h2>"Clustering"</h2><p class="muted">"This system is not clustered."</p></section>
                    }
                        .into_any(),
                    Ok(s) => {
                        let rows = s
                            .members
                            .iter()
                            .map(|m| {
                                let role = s.role_of(m);
                                let address = m.address.clone().unwrap_or_default();
                                let shown = match role {
                                    Some("Primary") if !s.name.is_empty() => s.name.clone(),
                                    _ => address.split_once("://").map_or(address.clone(), |(_, h)| h.to_string()),
                                };
                                view! {
                                    <tr data-role=role.unwrap_or("")>
                                        <td>{shown}</td>
                                        <td>{m.name.clone()}</td>
                                        <td>{address}</td>
                                        <td>{if role == Some("Primary") { "✓" } else { "" }}</td>
                                        <td>{if role == Some("Alternate") { "✓" } else { "" }}</td>
                                    </tr>
                                }
                            })
                            .collect_view();
                        view! {
                            <section class="card">
                                <h2>"Clustering"</h2>
                                <table class="data">
                                    <thead>
                                        <tr>
                                            <th scope="col">"System Name"</th>
                                            <th scope="col">"Call bridge"</th>
                                            <th scope="col">"Address"</th>
                                            <th scope="col">"Primary"</th>
                                            <th scope="col">"Alternate"</th>
                                        </tr>
                                    </thead>
                                    <tbody>{rows}</tbody>
                                </table>
                                <p class="muted">
                                    "Meetings are started on the primary. When it cannot be reached, the Alternate IP (Edit Settings → Network Settings) is tried next, then every other call bridge listed here."
                                </p>
                            </section>
                        }
                            .into_any()
                    }
                    Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}
