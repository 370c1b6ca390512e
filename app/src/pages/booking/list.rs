//! The conference list: filter by state, dates, system and owner, search by title.

use super::{OwnerOptions, SystemOptions};
use crate::error::AppError;
use domain::booking::{MeetingState, MeetingView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// The most conferences listed at once; the page says when there are more.
pub const LIST_LIMIT: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conferences {
    /// The zone the times are in: the one chosen, else the browser's, else UTC.
    pub tz: String,
    pub meetings: Vec<MeetingView>,
    /// More conferences match than [`LIST_LIMIT`]: only the first are listed.
    pub truncated: bool,
    /// The filters' choices: systems and the users who own bookings.
    pub systems: Vec<(i64, String)>,
    pub owners: Vec<(i64, String)>,
}

/// `owner` is a user id; `mine` (the viewer) wins over it.
#[allow(clippy::too_many_arguments)]
#[server(endpoint = "bookings/list")]
pub async fn conference_list(
    state: String,
    from: String,
    to: String,
    system: String,
    mine: String,
    q: String,
    tz: String,
    #[server(default)] owner: String,
) -> Result<Conferences, AppError> {
    use domain::store::bookings::MeetingFilter;
    let user = crate::auth::require(domain::Permission::ViewBookings).await?;
    let zone = super::zone(&tz);
    let (from, to) = domain::zone::date_range(&zone, &from, &to);
    let filter = MeetingFilter {
        from,
        to,
        system: system.parse().ok().map(domain::system::SystemId),
        owner: super::owner_filter(&user, mine == "1", &owner),
        states: MeetingState::parse(&state).into_iter().collect(),
        title_contains: Some(q.trim().to_string()).filter(|q| !q.is_empty()),
        // One more than is listed tells whether there are more.
        limit: Some(LIST_LIMIT as u32 + 1),
        ..MeetingFilter::default()
    };
    let mut meetings = crate::auth::context()?
        .bookings
        .list(&filter, &zone)
        .await
        .map_err(super::booking_error)?;
    let truncated = meetings.len() > LIST_LIMIT;
    meetings.truncate(LIST_LIMIT);
    Ok(Conferences {
        tz: zone.name().to_string(),
        meetings,
        truncated,
        systems: super::system_names().await?,
        owners: super::owner_names().await?,
    })
}

#[component]
pub fn ConferenceListPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).unwrap_or_default();
    let list = Resource::new(
        move || {
            (
                param("state"),
                param("from"),
                param("to"),
                param("system"),
                param("mine"),
                param("q"),
                param("tz"),
                param("owner"),
            )
        },
        |(state, from, to, system, mine, q, tz, owner)| {
            conference_list(state, from, to, system, mine, q, tz, owner)
        },
    );
    view! {
        <Title text="Conferences" />
        <h1>"Conferences"</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) => view! {
                        <Filters systems=list.systems owners=list.owners />
                        <Listed tz=list.tz meetings=list.meetings truncated=list.truncated />
                    }.into_any(),
                    Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The filter form, showing the filters applied (the page's query).
#[component]
fn Filters(systems: Vec<(i64, String)>, owners: Vec<(i64, String)>) -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read_untracked().get(name).unwrap_or_default();
    let chosen = |name: &str| param(name).parse::<i64>().ok();
    view! {
        <form method="get" action="/booking/conferences" class="filters">
            <label>"State "
                <select name="state">
                    <option value="">"Any"</option>
                    {MeetingState::ALL.iter().map(|s| view! { <option value=s.as_str() selected=param("state") == s.as_str()>{s.label()}</option> }).collect_view()}
                </select>
            </label>
            <label>"From " <input type="date" name="from" value=param("from") /></label>
            <label>"To " <input type="date" name="to" value=param("to") /></label>
            <label>"System "
                <select name="system"><SystemOptions systems selected=chosen("system") /></select>
            </label>
            <label>"Owner "
                <select name="owner"><OwnerOptions owners selected=chosen("owner") /></select>
            </label>
            <label>"Title " <input type="search" name="q" value=param("q") /></label>
            <label><input type="checkbox" name="mine" value="1" checked=param("mine") == "1" />" Only mine"</label>
            <input type="hidden" name="tz" value=param("tz") />
            <button type="submit">"Filter"</button>
        </form>
    }
}

/// The conferences found, in the zone `tz`.
#[component]
fn Listed(tz: String, meetings: Vec<MeetingView>, truncated: bool) -> impl IntoView {
    if meetings.is_empty() {
        return view! { <p class="empty">"No conferences match."</p> }.into_any();
    }
    view! {
        <p class="calendar-zone">{format!("Times in {tz}.")}</p>
        {truncated.then(|| view! {
            <p class="warning" role="status">{format!(
                "Only the first {LIST_LIMIT} conferences are listed: narrow the filters (dates, state, system, owner or title) to see the others."
            )}</p>
        })}
        <table class="conferences">
            <thead><tr><th>"Title"</th><th>"Start"</th><th>"End"</th><th>"System"</th><th>"Owner"</th><th>"State"</th></tr></thead>
            <tbody>
                {meetings.into_iter().map(|m| view! {
                    <tr data-meeting=m.id.0>
                        <td><a href=format!("/booking/meetings/{}?tz={}", m.id.0, super::query_value(&tz))>{m.title.clone()}</a></td>
                        <td>{m.local_start.replace('T', " ")}</td>
                        <td>{m.local_end.replace('T', " ")}</td>
                        <td>{m.system_name.clone()}</td>
                        <td>{m.owner.clone()}</td>
                        <td class=format!("state-{}", m.state.as_str())>{m.state.label()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
