//! Systems: the Navigator of meeting servers lands here.

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SystemsPage() -> impl IntoView {
    view! {
        <Title text="Systems" />
        <h1>"Systems"</h1>
        <p class="empty">"No systems have been added."</p>
    }
}
