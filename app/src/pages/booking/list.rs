//! The conference list: filter by state, dates, system and owner, search by title.

use crate::error::AppError;
use domain::booking::{MeetingState, MeetingView};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conferences {
    /// The zone the times are in: the one chosen, else the browser's, else UTC.
    pub tz: String,
    pub meetings: Vec<MeetingView>,
}

#[server(endpoint = "bookings/list")]
pub async fn conference_list(
    state: String,
    from: String,
    to: String,
    system: String,
    mine: String,
    q: String,
    tz: String,
) -> Result<Conferences, AppError> {
    use domain::booking::recurrence::parse_iso_date;
    use domain::store::bookings::MeetingFilter;
    let user = crate::auth::require(domain::Permission::ViewBookings).await?;
    let zone = super::zone(&tz);
    let day = |text: &str| {
        parse_iso_date(text)
            .map(|d| zone.instant(time::PrimitiveDateTime::new(d, time::Time::MIDNIGHT)))
    };
    let filter = MeetingFilter {
        from: day(&from),
        to: day(&to).map(|t| t + time::Duration::days(1)),
        system: system.parse().ok().map(domain::system::SystemId),
        owner: (mine == "1").then_some(user.id),
        states: MeetingState::parse(&state).into_iter().collect(),
        title_contains: Some(q.trim().to_string()).filter(|q| !q.is_empty()),
        limit: Some(500),
        ..MeetingFilter::default()
    };
    let meetings = crate::auth::context()?
        .bookings
        .list(&filter, &zone)
        .await
        .map_err(super::booking_error)?;
    Ok(Conferences {
        tz: zone.name().to_string(),
        meetings,
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
            )
        },
        |(state, from, to, system, mine, q, tz)| {
            conference_list(state, from, to, system, mine, q, tz)
        },
    );
    view! {
        <Title text="Conferences" />
        <h1>"Conferences"</h1>
        <form method="get" action="/booking/conferences" class="filters">
            <label>"State "
                <select name="state">
                    <option value="">"Any"</option>
                    {MeetingState::ALL.iter().map(|s| view! { <option value=s.as_str() selected=move || param("state") == s.as_str()>{s.label()}</option> }).collect_view()}
                </select>
            </label>
            <label>"From " <input type="date" name="from" value=move || param("from") /></label>
            <label>"To " <input type="date" name="to" value=move || param("to") /></label>
            <label>"Title " <input type="search" name="q" value=move || param("q") /></label>
            <label><input type="checkbox" name="mine" value="1" checked=move || param("mine") == "1" />" Only mine"</label>
            <input type="hidden" name="tz" value=move || param("tz") />
            <button type="submit">"Filter"</button>
        </form>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) if list.meetings.is_empty() => view! { <p class="empty">"No conferences match."</p> }.into_any(),
                    Ok(Conferences { tz, meetings }) => view! {
                        <p class="calendar-zone">{format!("Times in {tz}.")}</p>
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
                    }.into_any(),
                    Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}
