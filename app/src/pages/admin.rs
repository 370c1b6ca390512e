//! Administrative Tools: the index of administration pages.

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
        </ul>
    }
}
