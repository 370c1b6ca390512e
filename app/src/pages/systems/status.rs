//! The Summary tab's System Status and This Week's Bookings, and the header's status (Idle, In
//! Call, No Response), from what monitoring last read.

use crate::error::AppError;
use domain::booking::MeetingView;
use domain::system::Connectivity;
use domain::system_status::{
    StatusSnapshot, format_count, format_kbits, format_uptime, status_label,
};
use leptos::prelude::*;
use leptos_router::components::A;

#[server(endpoint = "systems/status", output = crate::codec::Json)]
pub async fn load_system_status(id: i64) -> Result<Option<StatusSnapshot>, AppError> {
    crate::auth::require(domain::Permission::ViewSystems).await?;
    crate::auth::context()?
        .settings
        .status(domain::system::SystemId(id))
        .await
        .map_err(super::system_error)
}

/// The system's meetings that are not over and start within the next 7 days.
#[server(endpoint = "systems/week-bookings", output = crate::codec::Json)]
pub async fn load_week_bookings(id: i64) -> Result<Vec<MeetingView>, AppError> {
    use domain::booking::MeetingState;
    crate::auth::require(domain::Permission::ViewSystems).await?;
    let now = time::OffsetDateTime::now_utc();
    let filter = domain::store::bookings::MeetingFilter {
        from: Some(now),
        to: Some(now + time::Duration::days(7)),
        system: Some(domain::system::SystemId(id)),
        states: vec![
            MeetingState::Pending,
            MeetingState::Starting,
            MeetingState::Ongoing,
            MeetingState::Ending,
        ],
        limit: Some(50),
        ..Default::default()
    };
    crate::auth::context()?
        .bookings
        .list(&filter, &domain::zone::Zone::utc())
        .await
        .map_err(|e| AppError::internal("this week's bookings", e))
}

pub type BookingsResource = Resource<Result<Vec<MeetingView>, AppError>>;

/// What monitoring last read, loaded once for the header and the Summary. Created where the page
/// is, outside any `<Suspense>`, so that server and browser number it alike when hydrating.
pub type StatusResource = Resource<Result<Option<StatusSnapshot>, AppError>>;

/// The header's status: In Call while call legs are active.
#[component]
pub fn HeaderStatus(status: StatusResource, connectivity: Connectivity) -> impl IntoView {
    view! {
        <Transition fallback=move || status_label(connectivity, None)>
            {move || Suspend::new(async move {
                let snapshot = status.await.ok().flatten();
                status_label(connectivity, snapshot.as_ref())
            })}
        </Transition>
    }
}

#[component]
pub fn SystemStatusCard(
    id: i64,
    status: StatusResource,
    bookings: BookingsResource,
) -> impl IntoView {
    view! {
        <section class="card system-status-card">
            <h2>"System Status"</h2>
            <Transition fallback=|| view! { <p>"Loading the status…"</p> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(Some(s)) => view! { <StatusFacts s /> }.into_any(),
                        Ok(None) => view! { <p class="muted">"The status has not been read yet."</p> }.into_any(),
                        Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <section class="card">
            <h2>"This Week's Bookings"</h2>
            <Transition fallback=|| view! { <p>"Loading the bookings…"</p> }>
                {move || Suspend::new(async move {
                    match bookings.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="bookings-empty">"There are no bookings for this system in the next 7 days."</p>
                        }
                            .into_any(),
                        Ok(list) => view! { <WeekBookings list /> }.into_any(),
                        Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
            <p><A href=format!("/booking/new?system={id}")>"▸ Book conference with this system"</A></p>
        </section>
    }
}

#[component]
fn WeekBookings(list: Vec<MeetingView>) -> impl IntoView {
    let rows = list
        .into_iter()
        .map(|m| {
            view! {
                <tr class="week-booking">
                    <td><A href=format!("/booking/meetings/{}", m.id.0)>{m.title.clone()}</A></td>
                    <td><crate::widgets::LocalTime at=m.start.clone() /></td>
                    <td><crate::widgets::LocalTime at=m.end.clone() /></td>
                    <td>{m.owner.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="data">
            <thead>
                <tr>
                    <th scope="col">"Conference"</th>
                    <th scope="col">"Start"</th>
                    <th scope="col">"End"</th>
                    <th scope="col">"Owner"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

#[component]
fn StatusFacts(s: StatusSnapshot) -> impl IntoView {
    let uptime = s
        .uptime_seconds
        .map_or_else(|| "–".to_string(), format_uptime);
    view! {
        <dl class="facts status-facts">
            <dt>"Call Bridge Uptime"</dt><dd data-fact="uptime">{uptime}</dd>
            <dt>"Audio Bit Rate Outgoing"</dt><dd>{format_kbits(s.audio_bit_rate_outgoing)}</dd>
            <dt>"CallLegs Active"</dt><dd data-fact="call-legs-active">{format_count(s.call_legs_active)}</dd>
            <dt>"Audio Bit Rate Incoming"</dt><dd>{format_kbits(s.audio_bit_rate_incoming)}</dd>
            <dt>"CallLegs Max Active"</dt><dd>{format_count(s.call_legs_max_active)}</dd>
            <dt>"Video Bit Rate Outgoing"</dt><dd>{format_kbits(s.video_bit_rate_outgoing)}</dd>
            <dt>"CallLegs Completed"</dt><dd>{format_count(s.call_legs_completed)}</dd>
            <dt>"Video Bit Rate Incoming"</dt><dd>{format_kbits(s.video_bit_rate_incoming)}</dd>
        </dl>
        <p class="muted">"Read at " <crate::widgets::LocalTime at=s.polled_at.clone() />
            {s.alternate_reachable.map(|up| if up { " · Alternate reachable" } else { " · Alternate unreachable" })}
        </p>
    }
}
