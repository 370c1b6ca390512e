//! Monitoring: the Ticketing Service and live conferences land here.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn MonitoringPage() -> impl IntoView {
    view! {
        <Title text="Monitoring" />
        <h1>"Monitoring"</h1>
        <p class="empty">"No open tickets."</p>
    }
}
