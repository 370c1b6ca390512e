//! The Logs tab: the connector's API trace for this system, newest first, filtered by method and
//! status, paged. Secrets were masked before the trace was stored.

use crate::error::AppError;
use crate::widgets::LocalTime;
use domain::system_status::{StatusFilter, TRACE_METHODS, TracePage};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[server(endpoint = "systems/logs", output = crate::codec::Json)]
pub async fn load_system_logs(
    id: i64,
    method: String,
    status: String,
    page: String,
) -> Result<TracePage, AppError> {
    // The full API trace (addresses, request bodies) is for those who manage systems.
    crate::auth::require(domain::Permission::ManageSystems).await?;
    let query = domain::system_status::TraceQuery::parse(&method, &status, &page)
        .map_err(|e| AppError::Invalid(e).with_status())?;
    crate::auth::context()?
        .settings
        .logs(domain::system::SystemId(id), &query)
        .await
        .map_err(super::system_error)
}

pub type LogsResource = Resource<Result<TracePage, AppError>>;

/// The Logs tab's page of the trace, from the query string; asked for only on that tab.
pub fn logs_resource(id: impl Fn() -> i64 + Copy + Send + Sync + 'static) -> LogsResource {
    let query = use_query_map();
    let param = move |key: &str| query.read().get(key).unwrap_or_default();
    Resource::new(
        move || {
            (
                id(),
                param("tab") == "logs",
                param("method"),
                param("status"),
                param("page"),
            )
        },
        |(id, shown, method, status, page)| async move {
            if shown {
                load_system_logs(id, method, status, page).await
            } else {
                Ok(TracePage {
                    rows: Vec::new(),
                    total: 0,
                    page: 1,
                    page_size: 1,
                })
            }
        },
    )
}

#[component]
pub fn LogsTab(id: i64, logs: LogsResource) -> impl IntoView {
    let query = use_query_map();
    let param = move |key: &str| query.read().get(key).unwrap_or_default();
    let method_options = move || {
        let current = param("method").to_ascii_uppercase();
        std::iter::once(("", "Any method"))
            .chain(TRACE_METHODS.iter().map(|m| (*m, *m)))
            .map(|(value, label)| {
                view! { <option value=value selected=current == value>{label}</option> }
            })
            .collect_view()
    };
    let status_options = move || {
        let current = StatusFilter::parse(&param("status")).unwrap_or_default();
        StatusFilter::ALL
            .into_iter()
            .map(|f| view! { <option value=f.as_str() selected=f == current>{f.label()}</option> })
            .collect_view()
    };
    view! {
        <section class="card">
            <h2>"Logs"</h2>
            <p class="muted">"The API requests Bridgekeeper sent to this system, newest first. Passcodes, secrets and passwords are shown as *****."</p>
            <form method="get" action=format!("/systems/{id}") class="inline filters" aria-label="Filter the log">
                <input type="hidden" name="tab" value="logs" />
                <label for="method">"Method"</label>
                <select id="method" name="method">{method_options}</select>
                <label for="status">"Status"</label>
                <select id="status" name="status">{status_options}</select>
                <button type="submit">"Filter"</button>
            </form>
            <Transition fallback=|| view! { <p>"Loading the log…"</p> }>
                {move || Suspend::new(async move {
                    match logs.await {
                        Ok(page) => view! { <LogTable id page method=param("method") status=param("status") /> }.into_any(),
                        Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn LogTable(id: i64, page: TracePage, method: String, status: String) -> impl IntoView {
    if page.rows.is_empty() {
        return view! { <p class="empty">"No API requests match."</p> }.into_any();
    }
    let link =
        move |n: u32| format!("/systems/{id}?tab=logs&method={method}&status={status}&page={n}");
    let pages = page.pages();
    let current = page.page;
    let rows = page
        .rows
        .into_iter()
        .map(|r| {
            let status = r
                .status
                .map_or_else(|| "no answer".to_string(), |s| s.to_string());
            let detail = r
                .error
                .clone()
                .unwrap_or_else(|| r.response_excerpt.clone());
            view! {
                <tr class="trace" data-method=r.method.clone()>
                    <td><LocalTime at=r.at.clone() /></td>
                    <td>{r.method.clone()}</td>
                    <td><code>{r.path.clone()}</code><br /><span class="muted">{r.endpoint.clone()}</span></td>
                    <td class="num">{status}</td>
                    <td class="num">{format!("{} ms", r.duration_ms)}</td>
                    <td>
                        {r.request_body.clone().map(|b| view! { <pre class="trace-body">{b}</pre> })}
                        <details><summary>"Answer"</summary><pre class="trace-body">{detail}</pre></details>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="data logs">
            <thead>
                <tr>
                    <th scope="col">"Time"</th>
                    <th scope="col">"Method"</th>
                    <th scope="col">"Path"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Duration"</th>
                    <th scope="col">"Request and answer"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <nav class="pager" aria-label="Log pages">
            {(current > 1).then(|| view! { <a href=link(current - 1)>"‹ Newer"</a> })}
            <span>{format!("Page {current} of {pages} ({} requests)", page.total)}</span>
            {(current < pages).then(|| view! { <a href=link(current + 1)>"Older ›"</a> })}
        </nav>
    }
    .into_any()
}
