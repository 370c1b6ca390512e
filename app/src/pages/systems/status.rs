//! The Summary tab's System Status and This Week's Bookings, and the header's status (Idle, In
//! Call, No Response), from what monitoring last read.

use crate::error::AppError;
use domain::system::Connectivity;
use domain::system_status::{
    StatusSnapshot, format_count, format_kbits, format_uptime, status_label,
};
use leptos::prelude::*;
use leptos_router::components::A;

#[server(endpoint = "systems/status")]
pub async fn load_system_status(id: i64) -> Result<Option<StatusSnapshot>, AppError> {
    crate::auth::require(domain::Permission::ViewSystems).await?;
    crate::auth::context()?
        .settings
        .status(domain::system::SystemId(id))
        .await
        .map_err(super::system_error)
}

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
pub fn SystemStatusCard(id: i64, status: StatusResource) -> impl IntoView {
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
            <p class="bookings-empty">"There are no bookings for this system in the next 7 days."</p>
            <p><A href=format!("/booking/new?system={id}")>"▸ Book conference with this system"</A></p>
        </section>
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
