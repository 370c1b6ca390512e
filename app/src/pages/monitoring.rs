//! Monitoring → Ticketing Service: every system's tickets, filtered by system, type, state and
//! severity (a plain GET form, so it works without JavaScript), acknowledged, closed and added by
//! the help desk.

use crate::error::AppError;
use crate::flash::form_action;
use crate::widgets::{FieldMessage, FormMessage, LocalTime, TextArea, action_error, successes};
use domain::system::SystemId;
use domain::ticket::{
    Severity, StateChoice, SystemName, Ticket, TicketKind, TicketPage, TicketQuery,
    TicketQueryInput, TicketState,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Form};
use leptos_router::hooks::use_query_map;

#[cfg(feature = "ssr")]
pub(crate) fn ticket_error(e: domain::tickets::TicketError) -> AppError {
    use domain::tickets::TicketError;
    match e {
        TicketError::Invalid(fields) => AppError::Invalid(fields).with_status(),
        TicketError::NotFound => AppError::NotFound.with_status(),
        TicketError::Internal(cause) => AppError::internal("tickets", cause),
    }
}

/// One page of tickets; blank or missing filters mean "any" (the state: open and acknowledged).
#[server(endpoint = "tickets/list", output = crate::codec::Json)]
pub async fn list_tickets(
    system: Option<String>,
    kind: Option<String>,
    state: Option<String>,
    severity: Option<String>,
    page: Option<String>,
) -> Result<TicketPage, AppError> {
    crate::auth::require(domain::Permission::Monitor).await?;
    let query = TicketQuery::parse(TicketQueryInput {
        system: system.as_deref().unwrap_or_default(),
        kind: kind.as_deref().unwrap_or_default(),
        state: state.as_deref().unwrap_or_default(),
        severity: severity.as_deref().unwrap_or_default(),
        page: page.as_deref().unwrap_or_default(),
    })
    .map_err(|fields| AppError::Invalid(fields).with_status())?;
    crate::auth::context()?
        .tickets
        .list(&query)
        .await
        .map_err(ticket_error)
}

/// Every system by name, for the filters and the forms.
#[server(endpoint = "tickets/systems", output = crate::codec::Json)]
pub async fn ticket_systems() -> Result<Vec<SystemName>, AppError> {
    crate::auth::require(domain::Permission::Monitor).await?;
    crate::auth::context()?
        .tickets
        .systems()
        .await
        .map_err(ticket_error)
}

#[server(endpoint = "tickets/acknowledge", output = crate::codec::Json)]
pub async fn acknowledge_ticket(number: i64) -> Result<(), AppError> {
    let user = crate::auth::require(domain::Permission::Monitor).await?;
    crate::auth::context()?
        .tickets
        .acknowledge(number, &user.username)
        .await
        .map_err(ticket_error)?;
    tracing::info!(by = %user.username, ticket = number, "ticket acknowledged");
    Ok(())
}

#[server(endpoint = "tickets/close", output = crate::codec::Json)]
pub async fn close_ticket(number: i64) -> Result<(), AppError> {
    let user = crate::auth::require(domain::Permission::Monitor).await?;
    crate::auth::context()?
        .tickets
        .close(number)
        .await
        .map_err(ticket_error)?;
    tracing::info!(by = %user.username, ticket = number, "ticket closed");
    Ok(())
}

/// Adds a custom ticket about a system (its id) or none (blank); returns the ticket's number.
#[server(endpoint = "tickets/add", output = crate::codec::Json)]
pub async fn add_custom_ticket(system: Option<String>, message: String) -> Result<i64, AppError> {
    let user = crate::auth::require(domain::Permission::Monitor).await?;
    let input = domain::tickets::CustomTicketInput {
        system: system.unwrap_or_default(),
        message,
    };
    let number = crate::auth::context()?
        .tickets
        .add_custom(&input, &user.username)
        .await
        .map_err(ticket_error)?;
    tracing::info!(by = %user.username, ticket = number, "custom ticket added");
    Ok(number)
}

/// The query string's values, as the filters and the server function take them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Params {
    system: Option<String>,
    kind: Option<String>,
    state: Option<String>,
    severity: Option<String>,
    page: Option<String>,
}

impl Params {
    fn query(&self) -> Option<TicketQuery> {
        TicketQuery::parse(TicketQueryInput {
            system: self.system.as_deref().unwrap_or_default(),
            kind: self.kind.as_deref().unwrap_or_default(),
            state: self.state.as_deref().unwrap_or_default(),
            severity: self.severity.as_deref().unwrap_or_default(),
            page: self.page.as_deref().unwrap_or_default(),
        })
        .ok()
    }
}

#[component]
pub fn MonitoringPage() -> impl IntoView {
    let query_map = use_query_map();
    let params = Memo::new(move |_| {
        let q = query_map.read();
        Params {
            system: q.get("system"),
            kind: q.get("kind"),
            state: q.get("state"),
            severity: q.get("severity"),
            page: q.get("page"),
        }
    });
    let acknowledge = form_action::<AcknowledgeTicket>();
    let close = form_action::<CloseTicket>();
    let add = form_action::<AddCustomTicket>();
    let added = successes(add);
    let systems = Resource::new(|| (), |_| ticket_systems());
    let tickets = Resource::new(
        move || {
            (
                params.get(),
                acknowledge.version().get(),
                close.version().get(),
                added.get(),
            )
        },
        |(p, _, _, _)| list_tickets(p.system, p.kind, p.state, p.severity, p.page),
    );
    let row_error = Signal::derive(move || {
        [
            acknowledge.value().get().and_then(Result::err),
            close.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
    });
    let row_message = move || {
        row_error.get().map(|e| {
            let message = match &e {
                AppError::Invalid(fields) => fields
                    .0
                    .iter()
                    .map(|f| f.message.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
                other => other.to_string(),
            };
            view! { <p class="form-error" role="alert">{message}</p> }
        })
    };

    view! {
        <Title text="Ticketing Service" />
        <h1>"Ticketing Service"</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match systems.await {
                    Ok(list) => view! { <Filters systems=list params /> }.into_any(),
                    Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        {row_message}
        <Transition fallback=|| view! { <p>"Loading tickets…"</p> }>
            {move || Suspend::new(async move {
                let names = systems.await.unwrap_or_default();
                match tickets.await {
                    Ok(page) => {
                        let query = params.get_untracked().query().unwrap_or_default();
                        view! { <TicketTable page query names acknowledge close /> }.into_any()
                    }
                    Err(e) => {
                        view! {
                            <p class="form-error" role="alert">{e.to_string()}</p>
                            <p><A href="/monitoring">"Show all open and acknowledged tickets"</A></p>
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                systems
                    .await
                    .ok()
                    .map(|list| {
                        let preset = params.get_untracked().query().and_then(|q| q.system);
                        view! {
                            <section class="card">
                                <h2 id="add-ticket">"Add custom ticket"</h2>
                                <CustomTicketForm action=add choices=list preset />
                            </section>
                        }
                    })
            })}
        </Transition>
    }
}

/// The filters: a plain GET form, so the URL says what is shown and it works without JavaScript.
#[component]
fn Filters(systems: Vec<SystemName>, params: Memo<Params>) -> impl IntoView {
    let current = move |pick: fn(&Params) -> Option<String>| {
        move || params.with(|p| pick(p).unwrap_or_default())
    };
    let system = current(|p| p.system.clone());
    let kind = current(|p| p.kind.clone());
    let state = current(|p| p.state.clone());
    let severity = current(|p| p.severity.clone());
    let system_options = systems
        .into_iter()
        .map(|s| {
            let value = s.id.0.to_string();
            let chosen = value.clone();
            view! { <option value=value selected=move || system() == chosen>{s.name}</option> }
        })
        .collect_view();
    let kind_options = TicketKind::ALL
        .into_iter()
        .map(|k| {
            view! {
                <option value=k.as_str() selected=move || kind() == k.as_str()>{k.title()}</option>
            }
        })
        .collect_view();
    let state_options = StateChoice::ALL
        .into_iter()
        .map(|s| {
            let chosen = move || match state().as_str() {
                "" => s == StateChoice::default(),
                value => value == s.as_str(),
            };
            view! { <option value=s.as_str() selected=chosen>{s.label()}</option> }
        })
        .collect_view();
    let severity_options = Severity::ALL
        .into_iter()
        .map(|s| {
            view! {
                <option value=s.as_str() selected=move || severity() == s.as_str()>{s.label()}</option>
            }
        })
        .collect_view();
    view! {
        <Form method="get" action="/monitoring" attr:class="filters" attr:aria-label="Filter tickets">
            <div>
                <label for="filter-system">"System"</label>
                <select id="filter-system" name="system">
                    <option value="">"Any system"</option>
                    {system_options}
                </select>
            </div>
            <div>
                <label for="filter-kind">"Type"</label>
                <select id="filter-kind" name="kind">
                    <option value="">"Any type"</option>
                    {kind_options}
                </select>
            </div>
            <div>
                <label for="filter-state">"State"</label>
                <select id="filter-state" name="state">{state_options}</select>
            </div>
            <div>
                <label for="filter-severity">"Severity"</label>
                <select id="filter-severity" name="severity">
                    <option value="">"Any severity"</option>
                    {severity_options}
                </select>
            </div>
            <button type="submit">"Filter"</button>
        </Form>
    }
}

#[component]
fn TicketTable(
    page: TicketPage,
    query: TicketQuery,
    names: Vec<SystemName>,
    acknowledge: ServerAction<AcknowledgeTicket>,
    close: ServerAction<CloseTicket>,
) -> impl IntoView {
    let count = match page.total {
        1 => "1 ticket".to_string(),
        n => format!("{n} tickets"),
    };
    let pages = page.pages();
    let pager = (pages > 1).then(|| {
        let link = |to: u32, label: &'static str, rel: &'static str| {
            view! { <A href=format!("/monitoring?{}", query.query_string(to)) attr:rel=rel>{label}</A> }
        };
        view! {
            <nav class="pager" aria-label="Pages">
                {(page.page > 1).then(|| link(page.page - 1, "‹ Newer", "prev"))}
                <span>{format!(" Page {} of {pages} ", page.page)}</span>
                {(page.page < pages).then(|| link(page.page + 1, "Older ›", "next"))}
            </nav>
        }
    });
    if page.tickets.is_empty() {
        return view! { <p class="empty">"No tickets match these filters."</p> }.into_any();
    }
    let rows = page
        .tickets
        .into_iter()
        .map(|ticket| {
            let name = ticket.system.map(|id| system_name(&names, id));
            view! { <TicketRow ticket name acknowledge close /> }
        })
        .collect_view();
    view! {
        <p class="muted" role="status">{count}</p>
        <table class="data ticket-list">
            <thead>
                <tr>
                    <th scope="col">"Ticket"</th>
                    <th scope="col">"Type"</th>
                    <th scope="col">"Severity"</th>
                    <th scope="col">"System"</th>
                    <th scope="col">"Time"</th>
                    <th scope="col">"Message"</th>
                    <th scope="col">"State"</th>
                    <th scope="col">"Acknowledged by"</th>
                    <th scope="col">"Actions"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        {pager}
    }
    .into_any()
}

fn system_name(names: &[SystemName], id: SystemId) -> (SystemId, String) {
    let name = names
        .iter()
        .find(|s| s.id == id)
        .map_or_else(|| format!("System {}", id.0), |s| s.name.clone());
    (id, name)
}

#[component]
fn TicketRow(
    ticket: Ticket,
    /// The ticket's system, by id and name; `None` for a ticket about no system.
    name: Option<(SystemId, String)>,
    acknowledge: ServerAction<AcknowledgeTicket>,
    close: ServerAction<CloseTicket>,
) -> impl IntoView {
    let number = ticket.number;
    let closable = ticket.may_close().is_ok();
    let system = match name {
        Some((id, name)) => view! { <A href=format!("/systems/{}", id.0)>{name}</A> }.into_any(),
        None => view! { <span class="muted">"None"</span> }.into_any(),
    };
    let message = match &ticket.raised_by {
        Some(by) => view! { {ticket.message.clone()} <br /><span class="muted">"Added by " {by.clone()}</span> }.into_any(),
        None => view! { {ticket.message.clone()} }.into_any(),
    };
    view! {
        <tr data-ticket=number data-state=ticket.state.as_str()>
            <td>{format!("#{number}")}</td>
            <td>{ticket.kind.title()}</td>
            <td class=format!("severity {}", ticket.severity.as_str())>{ticket.severity.label()}</td>
            <td>{system}</td>
            <td class="time"><LocalTime at=ticket.raised_at.clone() /></td>
            <td class="message">{message}</td>
            <td>{ticket.state.label()}</td>
            <td>{ticket.acknowledged_by.clone().unwrap_or_default()}</td>
            <td class="row-actions">
                {(ticket.state == TicketState::Open).then(|| view! {
                    <ActionForm action=acknowledge attr:class="inline">
                        <input type="hidden" name="number" value=number />
                        <button type="submit" aria-label=format!("Acknowledge ticket #{number}")>"Acknowledge"</button>
                    </ActionForm>
                })}
                {closable.then(|| view! {
                    <ActionForm action=close attr:class="inline">
                        <input type="hidden" name="number" value=number />
                        <button type="submit" aria-label=format!("Close ticket #{number}")>"Close"</button>
                    </ActionForm>
                })}
            </td>
        </tr>
    }
}

/// The Add custom ticket form: about the `fixed` system (the system page's form), or else about
/// one of `choices` (`preset` chosen first) or none.
#[component]
pub(crate) fn CustomTicketForm(
    action: ServerAction<AddCustomTicket>,
    #[prop(optional)] fixed: Option<SystemId>,
    #[prop(optional)] choices: Vec<SystemName>,
    #[prop(default = None)] preset: Option<SystemId>,
) -> impl IntoView {
    let error = action_error(action);
    let kept = crate::flash::Kept::of::<AddCustomTicket>();
    let added = move || match action.value().get() {
        Some(Ok(number)) => {
            Some(view! { <p class="notice" role="status">{format!("Ticket #{number} added.")}</p> })
        }
        _ => None,
    };
    let system_field = match fixed {
        Some(id) => view! { <input type="hidden" name="system" value=id.0 /> }.into_any(),
        None => {
            let options = choices
                .into_iter()
                .map(|s| view! { <option value=s.id.0 selected=kept.selected("system", &s.id.0.to_string(), preset == Some(s.id))>{s.name}</option> })
                .collect_view();
            view! {
                <label for="ticket-system">"System"</label>
                <div>
                    <select id="ticket-system" name="system">
                        <option value="">"None"</option>
                        {options}
                    </select>
                    <FieldMessage error field="system" />
                </div>
            }
            .into_any()
        }
    };
    view! {
        <ActionForm action attr:class="form grid" attr:aria-label="Add custom ticket">
            {system_field}
            <label for="ticket-message">"Message"</label>
            <div>
                <TextArea value=kept.value("message", "") attr:id="ticket-message" attr:name="message" attr:rows="3" attr:maxlength="500" attr:required=true
                    attr:aria-invalid=move || error.get().and_then(|e| e.field("message")).is_some().to_string() />
                <FieldMessage error field="message" />
            </div>
            <div class="actions">
                <FormMessage error />
                {added}
                <button type="submit" class="primary" disabled=move || action.pending().get()>"Add ticket"</button>
            </div>
        </ActionForm>
    }
}
